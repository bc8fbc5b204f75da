// A thin layer over civetweb: requests in, JSON responses out, with the limits a public endpoint
// needs (body size, content type, CORS) applied before any handler sees the request.
#pragma once
#include <civetweb.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::relay {

struct Request {
  std::string method;
  std::string path;   // decoded, without the query string
  std::string query;
  std::string remote_ip;
  std::string body;
  const mg_connection* conn = nullptr;
  std::string header(const char* name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"code":…,"message":…,"fields":[…]}}; fields_json is a JSON array or empty.
Response error_response(int status, std::string_view code, std::string_view message, std::string_view fields_json = "");

// Reads at most `limit` bytes of body. Returns false (and sets *too_large) when the body is
// larger, without reading the rest. With timeout_ms > 0 the whole body must arrive within that
// time (else false with *timed_out): civetweb's own timeout is per read, so a client dribbling a
// byte now and then would otherwise hold a worker thread for as long as it likes.
bool read_body(mg_connection* conn, std::size_t limit, std::string& out, bool* too_large, int timeout_ms = 0,
               bool* timed_out = nullptr);

// "a number from 4 to 1024" for a config option's range (integers without decimals).
std::string number_range(double lo, double hi);

// 503 for a store that cannot write: code "disk_full" when its disk is full (the store's message
// says so), "store_unavailable" otherwise; with Retry-After.
Response store_error_response(const Error& e);
bool is_disk_full(const Error& e);

// [SECTION] Client address behind a proxy

// An address or CIDR block, IPv4 or IPv6: "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8".
struct IpRange {
  int family = 0;  // 4 or 6
  std::uint8_t addr[16] = {};
  int prefix = 0;
};
Result<IpRange> parse_ip_range(std::string_view text);
bool in_ranges(std::string_view ip, const std::vector<IpRange>& ranges);

// The client's address for rate limits and logs. Only when the TCP peer is a trusted proxy is
// X-Forwarded-For believed, and then read from the right: the nearest address that is not itself
// a trusted proxy is the client (addresses further left were written by the client and can be
// forged). A malformed entry stops the walk at the last trusted hop.
std::string client_ip(std::string_view peer, std::string_view forwarded_for, const std::vector<IpRange>& trusted);

// [SECTION] TLS

// Checks --tls-cert/--tls-key before civetweb loads them, so a bad file gets an error naming it
// (civetweb only says "Error initializing SSL context"): the certificate chain parses, the key
// parses, and the key belongs to the first certificate.
Status check_tls_files(const std::string& cert_file, const std::string& key_file);
// Writes the response. A request body the handler left unread (413, 401 before the body, ...)
// is then drained for at most drain_ms so that a keep-alive client still reads the answer;
// past that, or after a 408, the connection is closed rather than read without limit.
void send(mg_connection* conn, const Response& r, const std::string& cors_origin, int drain_ms = 5000);

}  // namespace lantern::relay
