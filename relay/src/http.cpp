#include "http.h"

#include <arpa/inet.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "civetweb_tls.h"
#include "lantern/search.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

namespace lantern::relay {

std::string Request::header(const char* name) const {
  const char* v = mg_get_header(conn, name);
  return v ? std::string(v) : std::string();
}

Response error_response(int status, std::string_view code, std::string_view message, std::string_view fields_json) {
  Response r;
  r.status = status;
  std::string b = "{\"error\":{\"code\":";
  search::append_json_string(b, code);
  b += ",\"message\":";
  search::append_json_string(b, message);
  b += ",\"fields\":";
  b += fields_json.empty() ? std::string("[]") : std::string(fields_json);
  b += "}}";
  r.body = std::move(b);
  return r;
}

bool read_body(mg_connection* conn, std::size_t limit, std::string& out, bool* too_large, int timeout_ms, bool* timed_out) {
  *too_large = false;
  if (timed_out) *timed_out = false;
  const mg_request_info* ri = mg_get_request_info(conn);
  if (ri->content_length > 0 && std::uint64_t(ri->content_length) > limit) {
    *too_large = true;
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  lantern_mg_set_read_deadline(timeout_ms);  // reads fail past it, however the bytes trickle in
  struct Clear {
    ~Clear() { lantern_mg_set_read_deadline(0); }
  } clear;
  auto late = [&] {
    if (timeout_ms <= 0 || std::chrono::steady_clock::now() <= deadline) return false;
    if (timed_out) *timed_out = true;
    return true;
  };
  char buf[16384];
  while (true) {
    int n = mg_read(conn, buf, sizeof buf);
    if (n < 0) {
      late();
      return false;  // the client went away or took too long
    }
    if (n == 0) break;
    if (out.size() + std::size_t(n) > limit) {
      *too_large = true;
      return false;
    }
    out.append(buf, std::size_t(n));
    if (lantern_mg_body_pending(conn) && late()) return false;
  }
  if (ri->content_length > 0 && out.size() != std::uint64_t(ri->content_length)) {
    late();
    return false;  // truncated (or cut at the deadline)
  }
  return true;
}

std::string number_range(double lo, double hi) {
  auto text = [](double v) {
    char b[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(b, sizeof b, "%lld", static_cast<long long>(v));
    else std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  return "a number from " + text(lo) + " to " + text(hi);
}

Response store_error_response(const Error& e) {
  Response r = is_disk_full(e) ? error_response(503, "disk_full", "the relay's disk is full, nothing was stored; retry later: " + e.message)
                               : error_response(503, "store_unavailable", e.message);
  r.headers.push_back({"Retry-After", "5"});
  return r;
}

bool is_disk_full(const Error& e) {
  return e.code == ErrorCode::io_error && e.message.find("disk is full") != std::string::npos;
}

void send(mg_connection* conn, const Response& r, const std::string& cors_origin, int drain_ms) {
  const char* reason = mg_get_response_code_text(conn, r.status);
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + (reason ? reason : "") + "\r\n";
  head += "Content-Type: " + r.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  if (!cors_origin.empty()) {
    head += "Access-Control-Allow-Origin: " + cors_origin + "\r\nVary: Origin\r\n";
  }
  for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
  bool close = r.status == 408;
  if (close) head += "Connection: close\r\n";
  head += "\r\n";
  // One write: head and body in two small segments would wait for the client's delayed ACK
  // (Nagle), about 40 ms per response on Linux.
  head += r.body;
  mg_write(conn, head.data(), head.size());
  if (close) {
    lantern_mg_close_after_response(conn);
    return;
  }
  // civetweb would read what is left of the body with no overall limit: drain it here under a
  // deadline, then give up and close.
  if (!lantern_mg_body_pending(conn)) return;
  lantern_mg_set_read_deadline(drain_ms);
  std::size_t drained = 0;
  char buf[16384];
  while (lantern_mg_body_pending(conn) && drained < (64u << 20)) {
    int n = mg_read(conn, buf, sizeof buf);
    if (n <= 0) break;
    drained += std::size_t(n);
  }
  lantern_mg_set_read_deadline(0);
  if (lantern_mg_body_pending(conn)) lantern_mg_close_after_response(conn);
}

// [SECTION] Client address behind a proxy

Result<IpRange> parse_ip_range(std::string_view text) {
  IpRange r;
  std::string t(text);
  std::string addr = t, bits;
  if (auto slash = t.find('/'); slash != std::string::npos) {
    addr = t.substr(0, slash);
    bits = t.substr(slash + 1);
  }
  if (inet_pton(AF_INET, addr.c_str(), r.addr) == 1) {
    r.family = 4;
    r.prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), r.addr) == 1) {
    r.family = 6;
    r.prefix = 128;
  } else {
    return make_error(ErrorCode::invalid_argument, "'" + t + "' is not an IP address or CIDR block (e.g. 127.0.0.1, 10.0.0.0/8, ::1)");
  }
  if (!bits.empty() || t.find('/') != std::string::npos) {
    int max = r.prefix, n = 0;
    if (bits.empty() || bits.size() > 3) return make_error(ErrorCode::invalid_argument, "'" + t + "': the prefix length is missing or too long");
    for (char c : bits) {
      if (c < '0' || c > '9') return make_error(ErrorCode::invalid_argument, "'" + t + "': the prefix length must be a number");
      n = n * 10 + (c - '0');
    }
    if (n > max) return make_error(ErrorCode::invalid_argument, "'" + t + "': the prefix length is over " + std::to_string(max));
    r.prefix = n;
  }
  return r;
}

namespace {

bool range_contains(const IpRange& range, int family, const std::uint8_t* a) {
  if (family != range.family) return false;
  int full = range.prefix / 8, rest = range.prefix % 8;
  if (std::memcmp(a, range.addr, std::size_t(full)) != 0) return false;
  if (rest == 0) return true;
  std::uint8_t mask = std::uint8_t(0xFF << (8 - rest));
  return (a[full] & mask) == (range.addr[full] & mask);
}

// Parses an address for matching; IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4.
bool parse_ip(std::string_view text, int* family, std::uint8_t* out) {
  if (text.empty() || text.size() > 45) return false;
  std::string t(text);
  if (inet_pton(AF_INET, t.c_str(), out) == 1) {
    *family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, t.c_str(), out) == 1) {
    static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(out, kMapped, 12) == 0) {
      std::memmove(out, out + 12, 4);
      *family = 4;
    } else {
      *family = 6;
    }
    return true;
  }
  return false;
}

bool trusted_ip(std::string_view ip, const std::vector<IpRange>& ranges) {
  int family = 0;
  std::uint8_t a[16] = {};
  if (!parse_ip(ip, &family, a)) return false;
  for (const auto& r : ranges) {
    if (range_contains(r, family, a)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool in_ranges(std::string_view ip, const std::vector<IpRange>& ranges) { return trusted_ip(ip, ranges); }

std::string client_ip(std::string_view peer, std::string_view forwarded_for, const std::vector<IpRange>& trusted) {
  std::string client(peer);
  if (trusted.empty() || forwarded_for.empty() || !trusted_ip(peer, trusted)) return client;
  // Right to left: each hop appended the address it saw. Stop at the first one we do not trust.
  while (!forwarded_for.empty()) {
    std::size_t comma = forwarded_for.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    int family = 0;
    std::uint8_t a[16];
    if (!parse_ip(hop, &family, a)) break;  // garbage: keep the last hop we could trust
    client.assign(hop);
    if (!trusted_ip(hop, trusted)) break;
  }
  return client;
}

// [SECTION] TLS

Status check_tls_files(const std::string& cert_file, const std::string& key_file) {
  mbedtls_x509_crt crt;
  mbedtls_pk_context key;
  mbedtls_x509_crt_init(&crt);
  mbedtls_pk_init(&key);
  Status st = ok_status();
  auto code = [](int rc) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "-0x%04x", unsigned(-rc));
    return std::string(" (mbedTLS error ") + hex + ")";
  };
  if (int rc = mbedtls_x509_crt_parse_file(&crt, cert_file.c_str()); rc != 0) {
    st = make_error(ErrorCode::bad_format, cert_file + ": not a readable PEM or DER certificate" + code(rc));
  } else if (int rk = mbedtls_pk_parse_keyfile(&key, key_file.c_str(), nullptr); rk != 0) {
    st = make_error(ErrorCode::bad_format, key_file + ": not a readable, unencrypted private key" + code(rk));
  } else if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
    st = make_error(ErrorCode::wrong_key, key_file + " is not the private key of the certificate in " + cert_file);
  }
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&crt);
  return st;
}

}  // namespace lantern::relay
