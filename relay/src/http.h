// A thin layer over civetweb: requests in, JSON responses out, with the limits a public endpoint
// needs (body size, content type, CORS) applied before any handler sees the request.
#pragma once
#include <civetweb.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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
// larger, without reading the rest.
bool read_body(mg_connection* conn, std::size_t limit, std::string& out, bool* too_large);
void send(mg_connection* conn, const Response& r, const std::string& cors_origin);

}  // namespace lantern::relay
