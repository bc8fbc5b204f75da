// The native transport's HTTP/1.1 pieces, without sockets: URLs, requests, and responses fed in
// arbitrary slices (length, chunked, until close) with the size cap.
#include <doctest/doctest.h>

#include "net/http.h"

using namespace lantern;
using net::ResponseParser;

namespace {
// Feeds the text in slices of `step` bytes, then reports the close.
ResponseParser::State feed_all(ResponseParser& p, const std::string& text, std::size_t step, bool close = true) {
  for (std::size_t i = 0; i < text.size() && p.state() != ResponseParser::State::error; i += step) {
    p.feed(text.data() + i, std::min(step, text.size() - i));
  }
  return close ? p.finish() : p.state();
}
}  // namespace

TEST_CASE("http: URLs split into scheme, host, port and target") {
  auto u = net::parse_url("https://Relay.Example.com/v1/tickets?x=1#frag");
  REQUIRE(u.ok());
  CHECK(u->scheme == "https");
  CHECK(u->host == "relay.example.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/v1/tickets?x=1");
  auto v6 = net::parse_url("http://[::1]:8080");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8080);
  CHECK(v6->target == "/");
  CHECK_FALSE(net::parse_url("relay.example.com").ok());
  CHECK_FALSE(net::parse_url("ftp://x/").ok());
  CHECK_FALSE(net::parse_url("https://user@x/").ok());
  CHECK_FALSE(net::parse_url("https://x:99999/").ok());
  CHECK(net::parse_url("https:///path").error().message.find("no host") != std::string::npos);
  CHECK(net::is_loopback_host("127.0.0.1"));
  CHECK(net::is_loopback_host("localhost"));
  CHECK_FALSE(net::is_loopback_host("relay.example.com"));
}

TEST_CASE("http: a request carries Host, Connection: close and its Content-Length") {
  HttpRequest r;
  r.method = "POST";
  r.url = "https://relay.example.com:8443/v1/tickets";
  r.headers = {{"Idempotency-Key", "abc"}};
  r.body = "{}";
  auto u = net::parse_url(r.url);
  std::string text = net::format_request(r, *u);
  CHECK(text.rfind("POST /v1/tickets HTTP/1.1\r\nHost: relay.example.com:8443\r\nConnection: close\r\n", 0) == 0);
  CHECK(text.find("Idempotency-Key: abc\r\n") != std::string::npos);
  CHECK(text.find("Content-Length: 2\r\n\r\n") != std::string::npos);
}

TEST_CASE("http: responses parse the same whatever the slicing") {
  const std::string length = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"id\":\"T\"}";
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const std::string until_close = "HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\nhello world";
  for (std::size_t step : {1u, 3u, 7u, 4096u}) {
    CAPTURE(step);
    ResponseParser a(1 << 20);
    CHECK(feed_all(a, length, step, false) == ResponseParser::State::done);
    CHECK(a.response().status == 201);
    CHECK(a.response().header("content-type") == "application/json");
    CHECK(a.response().body == "{\"id\":\"T\"}");
    ResponseParser b(1 << 20);
    CHECK(feed_all(b, chunked, step, false) == ResponseParser::State::done);
    CHECK(b.response().body == "Wikipedia");
    ResponseParser c(1 << 20);
    CHECK(feed_all(c, until_close, step) == ResponseParser::State::done);
    CHECK(c.response().body == "hello world");
  }
}

TEST_CASE("http: cut-short, oversized and malformed answers are errors") {
  ResponseParser cut(1 << 20);
  CHECK(feed_all(cut, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 5) == ResponseParser::State::error);
  CHECK(cut.error().find("closed before") != std::string::npos);

  ResponseParser big(1024);
  CHECK(feed_all(big, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 64, false) == ResponseParser::State::error);
  CHECK(big.too_large());
  ResponseParser big_chunk(8);
  CHECK(feed_all(big_chunk, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n", 4, false) ==
        ResponseParser::State::error);
  CHECK(big_chunk.too_large());
  ResponseParser big_close(8);
  CHECK(feed_all(big_close, "HTTP/1.0 200 ok\r\n\r\n0123456789", 4) == ResponseParser::State::error);
  CHECK(big_close.too_large());

  ResponseParser junk(1024);
  CHECK(feed_all(junk, "SSH-2.0-OpenSSH_9.2\r\n\r\n", 100) == ResponseParser::State::error);
  CHECK(junk.error().find("not an HTTP/1.x answer") != std::string::npos);
  ResponseParser bad_len(1024);
  CHECK(feed_all(bad_len, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 100) == ResponseParser::State::error);
  ResponseParser no_body(1024);
  CHECK(feed_all(no_body, "HTTP/1.1 204 No Content\r\n\r\n", 100, false) == ResponseParser::State::done);
}

TEST_CASE("http: transport errors have stable names") {
  CHECK(std::string(transport_error_name(TransportError::pin_mismatch)) == "pin_mismatch");
  CHECK(std::string(transport_error_name(TransportError::timeout)) == "timeout");
}
