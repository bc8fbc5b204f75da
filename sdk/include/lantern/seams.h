// Seams: how sdk/ reaches the world. One implementation per platform (files natively,
// IndexedDB in the browser) and in-memory fakes for tests. Nothing here includes a platform header.
#pragma once
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

// Fakes for tests and for hosts that keep state elsewhere.
std::unique_ptr<Storage> make_memory_storage();

// Native implementations (not in the WebAssembly build).
// Files under `dir`, one per key, written with write + fsync + rename.
Result<std::unique_ptr<Storage>> make_file_storage(const std::string& dir);
std::unique_ptr<Clock> make_system_clock();
std::unique_ptr<Random> make_system_random();  // mbedTLS CTR_DRBG seeded from the OS

}  // namespace lantern
