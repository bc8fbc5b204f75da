// Seams: how sdk/ reaches the world. One implementation per platform (files natively,
// IndexedDB in the browser) and in-memory fakes for tests. Nothing here includes a platform header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern {

// A small durable key-value store. put() returns only once the value is durable (the outbox
// relies on it: a ticket acknowledged to the user must survive a crash).
class Storage {
 public:
  virtual ~Storage() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status put(std::string_view key, std::string_view value) = 0;
  virtual Status remove(std::string_view key) = 0;  // removing a missing key is fine
  virtual Result<std::vector<std::string>> keys(std::string_view prefix) = 0;  // sorted
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() = 0;  // Unix time in milliseconds
};

// Cryptographically secure random bytes (idempotency keys, jitter).
class Random {
 public:
  virtual ~Random() = default;
  virtual Status fill(std::uint8_t* out, std::size_t n) = 0;
};

// One HTTP exchange, for the relay client. The native build has an HTTP/1.1 client over mbedTLS
// (sdk/src/net); mobile apps usually inject their own (OkHttp, URLSession) through the C ABI so the
// OS trust store and proxy settings apply. send() may be called from several threads at once.
struct HttpHeader {
  std::string name;
  std::string value;
};
struct HttpRequest {
  std::string method;  // "GET", "POST"
  std::string url;     // absolute: https://relay.example.com/v1/tickets
  std::vector<HttpHeader> headers;
  std::string body;
  int timeout_ms = 15'000;                      // the whole exchange, connect to last byte
  std::size_t max_response_bytes = 1u << 20;    // larger answers fail with too_large
};
struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;
  // The first header with this name (ASCII case-insensitive), or "".
  std::string header(std::string_view name) const;
};
// Why no answer came back. Apps map these to their own UI: a pin mismatch is an attack or a
// misconfigured pin, never something to retry blindly.
enum class TransportError : std::uint8_t { none, bad_url, connect, timeout, tls, pin_mismatch, too_large, io };
const char* transport_error_name(TransportError e);
struct TransportResult {
  TransportError error = TransportError::none;
  std::string message;  // what failed, for people: "tls: certificate for relay.example.com: expired"
  HttpResponse response;  // valid when error == none (any HTTP status)
};
class Transport {
 public:
  virtual ~Transport() = default;
  virtual TransportResult send(const HttpRequest& request) = 0;
};

// Diagnostics. Messages never contain ticket contents, tokens or keys; write() may be called from
// several threads at once.
enum class LogLevel : std::uint8_t { debug = 0, info = 1, warn = 2, error = 3 };
class Log {
 public:
  virtual ~Log() = default;
  virtual void write(LogLevel level, std::string_view message) = 0;
};

// Fakes for tests and for hosts that keep state elsewhere.
std::unique_ptr<Storage> make_memory_storage();

// Native implementations (not in the WebAssembly build).
// Files under `dir`, one per key, written with write + fsync + rename.
Result<std::unique_ptr<Storage>> make_file_storage(const std::string& dir);
std::unique_ptr<Clock> make_system_clock();
std::unique_ptr<Random> make_system_random();  // mbedTLS CTR_DRBG seeded from the OS

// The native HTTP/1.1 client (sdk/src/net/http_client.cpp): https:// over mbedTLS (TLS 1.2+,
// certificate chain and hostname verified against the system CAs or the given ones, optional
// SHA-256 pins of the server's SubjectPublicKeyInfo), http:// only to loopback addresses.
struct TlsOptions {
  std::string ca_pem;                // trusted CAs as PEM; empty: ca_file, else the system store
  std::string ca_file;               // a PEM bundle; empty with ca_pem empty: the system store
  std::vector<std::string> pins;     // base64 SHA-256 of a SubjectPublicKeyInfo ("sha256/" prefix ok)
};
Result<std::unique_ptr<Transport>> make_native_transport(const TlsOptions& options);

}  // namespace lantern
