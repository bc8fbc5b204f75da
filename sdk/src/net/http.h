// HTTP/1.1 pieces under the native transport: URL splitting, request formatting and an
// incremental response parser (Content-Length, chunked, or until close) with a size cap.
// Pure std; no sockets here, so the parser is tested on its own.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "lantern/result.h"
#include "lantern/seams.h"

namespace lantern::net {

struct Url {
  std::string scheme;  // "https" or "http", lower case
  std::string host;    // lower case, IPv6 without brackets
  int port = 0;
  std::string target;  // path and query, starting with '/'
};
// Errors: invalid_argument naming what is wrong with the URL.
Result<Url> parse_url(std::string_view url);
// localhost, 127.0.0.0/8 and ::1: where plain http:// is allowed.
bool is_loopback_host(std::string_view host);

// "METHOD target HTTP/1.1", Host, Connection: close, the caller's headers and a Content-Length.
std::string format_request(const HttpRequest& request, const Url& url);

class ResponseParser {
 public:
  enum class State { head, body, done, error };
  ResponseParser(std::size_t max_body, bool head_only = false) : max_body_(max_body), head_only_(head_only) {}
  State feed(const char* data, std::size_t n);
  State finish();  // the peer closed the connection
  State state() const { return state_; }
  const std::string& error() const { return error_; }
  bool too_large() const { return too_large_; }
  HttpResponse& response() { return response_; }

 private:
  enum class Mode { length, chunked, until_close };
  enum class ChunkState { size, data, data_end, trailer };
  State advance();
  State fail(std::string message, bool too_large = false);
  std::size_t max_body_;
  bool head_only_;
  State state_ = State::head;
  Mode mode_ = Mode::until_close;
  ChunkState chunk_state_ = ChunkState::size;
  std::uint64_t remaining_ = 0, chunk_left_ = 0;
  std::string buf_, error_;
  bool too_large_ = false;
  HttpResponse response_;
};

}  // namespace lantern::net
