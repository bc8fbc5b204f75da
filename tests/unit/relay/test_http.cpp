// The relay's HTTP helpers without a server: trusted-proxy client addresses, CIDR parsing, the
// disk-full error, and the TLS file checks.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "http.h"

using namespace lantern::relay;

namespace {

std::vector<IpRange> ranges(std::initializer_list<const char*> list) {
  std::vector<IpRange> out;
  for (const char* s : list) {
    auto r = parse_ip_range(s);
    REQUIRE(r);
    out.push_back(*r);
  }
  return out;
}

}  // namespace

TEST_CASE("http: CIDR blocks and addresses parse, and bad ones are named") {
  CHECK(parse_ip_range("127.0.0.1"));
  CHECK(parse_ip_range("10.0.0.0/8"));
  CHECK(parse_ip_range("::1"));
  CHECK(parse_ip_range("fd00::/8"));
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "1.2.3.4/0008"}) {
    auto r = parse_ip_range(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(std::string("'") + bad + "'") != std::string::npos);
  }
  auto t = ranges({"10.0.0.0/8", "192.168.1.0/25", "fd00::/8"});
  CHECK(in_ranges("10.200.3.4", t));
  CHECK(in_ranges("192.168.1.127", t));
  CHECK_FALSE(in_ranges("192.168.1.128", t));
  CHECK(in_ranges("fd12::1", t));
  CHECK_FALSE(in_ranges("fe80::1", t));
  CHECK(in_ranges("::ffff:10.1.1.1", t));  // IPv4-mapped counts as IPv4
  CHECK_FALSE(in_ranges("not an address", t));
}

TEST_CASE("http: X-Forwarded-For is believed only from a trusted proxy, read from the right") {
  auto t = ranges({"127.0.0.1", "10.0.0.0/8"});
  // No trusted proxies configured, or the peer is not one: the peer is the client.
  CHECK(client_ip("127.0.0.1", "203.0.113.7", {}) == "127.0.0.1");
  CHECK(client_ip("198.51.100.9", "203.0.113.7", t) == "198.51.100.9");
  // From nginx on loopback.
  CHECK(client_ip("127.0.0.1", "203.0.113.7", t) == "203.0.113.7");
  CHECK(client_ip("127.0.0.1", "", t) == "127.0.0.1");
  // A chain: the client wrote a forged first entry; the nearest untrusted hop is the client.
  CHECK(client_ip("127.0.0.1", "1.1.1.1, 203.0.113.7, 10.0.0.5", t) == "203.0.113.7");
  CHECK(client_ip("127.0.0.1", " 203.0.113.7 ,10.0.0.5 ", t) == "203.0.113.7");
  // Every hop trusted: the leftmost one.
  CHECK(client_ip("127.0.0.1", "10.0.0.9, 10.0.0.5", t) == "10.0.0.9");
  // Garbage stops the walk at the last hop that parsed.
  CHECK(client_ip("127.0.0.1", "203.0.113.7, garbage", t) == "127.0.0.1");
  CHECK(client_ip("127.0.0.1", "garbage, 10.0.0.5", t) == "10.0.0.5");
  CHECK(client_ip("127.0.0.1", "2001:db8::1", t) == "2001:db8::1");
}

TEST_CASE("http: a full disk is 503 disk_full, other store failures 503 store_unavailable") {
  auto full = store_error_response(lantern::make_error(lantern::ErrorCode::io_error, "the store's disk is full (/d); free space, then retry"));
  CHECK(full.status == 503);
  CHECK(full.body.find("\"code\":\"disk_full\"") != std::string::npos);
  auto other = store_error_response(lantern::make_error(lantern::ErrorCode::io_error, "database is locked"));
  CHECK(other.status == 503);
  CHECK(other.body.find("\"code\":\"store_unavailable\"") != std::string::npos);
  bool retry = false;
  for (const auto& [k, v] : full.headers) retry |= k == "Retry-After";
  CHECK(retry);
}

TEST_CASE("http: TLS files are checked before civetweb loads them") {
  char tmpl[] = "/tmp/lantern-tls-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  auto cert = [&](const std::string& name) {
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + dir + "/" + name +
                      ".key -out " + dir + "/" + name + ".crt -days 1 -subj /CN=t >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  };
  cert("a");
  cert("b");
  CHECK(check_tls_files(dir + "/a.crt", dir + "/a.key"));
  auto wrong = check_tls_files(dir + "/a.crt", dir + "/b.key");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("b.key is not the private key of the certificate") != std::string::npos);
  auto missing = check_tls_files(dir + "/none.crt", dir + "/a.key");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("none.crt") != std::string::npos);
  auto not_key = check_tls_files(dir + "/a.crt", dir + "/a.crt");
  REQUIRE_FALSE(not_key);
  CHECK(not_key.error().message.find("a.crt: not a readable, unencrypted private key") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}
