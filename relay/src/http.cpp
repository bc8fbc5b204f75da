#include "http.h"

#include <cstring>

#include "lantern/search.h"

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

bool read_body(mg_connection* conn, std::size_t limit, std::string& out, bool* too_large) {
  *too_large = false;
  const mg_request_info* ri = mg_get_request_info(conn);
  if (ri->content_length > 0 && std::uint64_t(ri->content_length) > limit) {
    *too_large = true;
    return false;
  }
  char buf[16384];
  while (true) {
    int n = mg_read(conn, buf, sizeof buf);
    if (n < 0) return false;  // the client went away or timed out
    if (n == 0) break;
    if (out.size() + std::size_t(n) > limit) {
      *too_large = true;
      return false;
    }
    out.append(buf, std::size_t(n));
  }
  if (ri->content_length > 0 && out.size() != std::uint64_t(ri->content_length)) return false;  // truncated
  return true;
}

void send(mg_connection* conn, const Response& r, const std::string& cors_origin) {
  const char* reason = mg_get_response_code_text(conn, r.status);
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + (reason ? reason : "") + "\r\n";
  head += "Content-Type: " + r.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  if (!cors_origin.empty()) {
    head += "Access-Control-Allow-Origin: " + cors_origin + "\r\nVary: Origin\r\n";
  }
  for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
  if (!r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
}

}  // namespace lantern::relay
