// Platform-neutral parts of the Transport seam: URL splitting, header lookup and HTTP/1.1
// response parsing, shared by the native client and the tests.
#include "net/http.h"

#include <cctype>

namespace lantern {

namespace {
bool same_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (same_ascii(h.name, name)) return h.value;
  }
  return {};
}

const char* transport_error_name(TransportError e) {
  switch (e) {
    case TransportError::none: return "none";
    case TransportError::bad_url: return "bad_url";
    case TransportError::connect: return "connect";
    case TransportError::timeout: return "timeout";
    case TransportError::tls: return "tls";
    case TransportError::pin_mismatch: return "pin_mismatch";
    case TransportError::too_large: return "too_large";
    case TransportError::io: return "io";
  }
  return "unknown";
}

namespace net {

Result<Url> parse_url(std::string_view url) {
  Url u;
  std::size_t p = url.find("://");
  if (p == std::string_view::npos) return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "' has no scheme (https://...)");
  u.scheme = std::string(url.substr(0, p));
  for (auto& c : u.scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "https" && u.scheme != "http") {
    return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': only https:// and http:// are supported");
  }
  std::string_view rest = url.substr(p + 3);
  std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target[0] != '/') u.target = "/" + u.target;
  if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  if (authority.find('@') != std::string_view::npos) {
    return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': user names in URLs are not supported");
  }
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': unclosed '[' in the host");
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': bad port");
      port = authority.substr(close + 2);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "' has no host");
  for (auto& c : u.host) c = char(std::tolower(static_cast<unsigned char>(c)));
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    int n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || n > 65535) return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': bad port");
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return make_error(ErrorCode::invalid_argument, "URL '" + std::string(url) + "': port out of range");
    u.port = n;
  }
  return u;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

ResponseParser::State ResponseParser::feed(const char* data, std::size_t n) {
  buf_.append(data, n);
  return advance();
}

ResponseParser::State ResponseParser::finish() {
  if (state_ == State::done || state_ == State::error) return state_;
  // The peer closed: a body without length ends here; anything else was cut short.
  if (state_ == State::body && mode_ == Mode::until_close) {
    state_ = State::done;
  } else {
    state_ = State::error;
    error_ = "the connection closed before the whole answer arrived";
  }
  return state_;
}

ResponseParser::State ResponseParser::fail(std::string message, bool too_large) {
  state_ = State::error;
  error_ = std::move(message);
  too_large_ = too_large;
  return state_;
}

ResponseParser::State ResponseParser::advance() {
  while (true) {
    if (state_ == State::head) {
      std::size_t end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buf_.size() > 64 * 1024) return fail("the answer's headers are over 64 KiB", true);
        return state_;
      }
      std::string_view head(buf_.data(), end);
      std::size_t line_end = head.find("\r\n");
      std::string_view status_line = head.substr(0, line_end);
      // HTTP/1.x NNN reason
      if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
        return fail("not an HTTP/1.x answer: '" + std::string(status_line.substr(0, 40)) + "'");
      }
      int code = 0;
      for (int i = 9; i < 12; ++i) {
        char c = status_line[std::size_t(i)];
        if (c < '0' || c > '9') return fail("bad HTTP status line: '" + std::string(status_line.substr(0, 40)) + "'");
        code = code * 10 + (c - '0');
      }
      response_.status = code;
      std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        std::size_t e = head.find("\r\n", pos);
        if (e == std::string_view::npos) e = head.size();
        std::string_view line = head.substr(pos, e - pos);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          response_.headers.push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
        }
        pos = e + 2;
      }
      buf_.erase(0, end + 4);
      std::string te = response_.header("Transfer-Encoding");
      std::string cl = response_.header("Content-Length");
      if (head_only_ || code == 204 || code == 304 || (code >= 100 && code < 200)) {
        mode_ = Mode::length;
        remaining_ = 0;
      } else if (!te.empty() && same_ascii(trim(te), "chunked")) {
        mode_ = Mode::chunked;
        chunk_left_ = 0;
        chunk_state_ = ChunkState::size;
      } else if (!cl.empty()) {
        std::uint64_t n = 0;
        for (char c : cl) {
          if (c < '0' || c > '9') return fail("bad Content-Length '" + cl + "'");
          n = n * 10 + std::uint64_t(c - '0');
          if (n > max_body_) return fail("the answer is over the " + std::to_string(max_body_) + "-byte limit", true);
        }
        mode_ = Mode::length;
        remaining_ = n;
      } else {
        mode_ = Mode::until_close;
      }
      state_ = State::body;
      continue;
    }
    if (state_ != State::body) return state_;
    if (mode_ == Mode::length) {
      std::size_t take = std::size_t(std::min<std::uint64_t>(remaining_, buf_.size()));
      response_.body.append(buf_, 0, take);
      buf_.erase(0, take);
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::done;
      return state_;
    }
    if (mode_ == Mode::until_close) {
      response_.body += buf_;
      buf_.clear();
      if (response_.body.size() > max_body_) return fail("the answer is over the " + std::to_string(max_body_) + "-byte limit", true);
      return state_;
    }
    // Chunked: size line, data, CRLF, ..., a zero size, trailers, CRLF.
    if (chunk_state_ == ChunkState::size) {
      std::size_t e = buf_.find("\r\n");
      if (e == std::string::npos) {
        if (buf_.size() > 1024) return fail("bad chunk size line");
        return state_;
      }
      std::uint64_t n = 0;
      std::size_t i = 0;
      for (; i < e; ++i) {
        char c = buf_[i];
        int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (v < 0) break;
        n = n * 16 + std::uint64_t(v);
        if (n > max_body_) return fail("the answer is over the " + std::to_string(max_body_) + "-byte limit", true);
      }
      if (i == 0) return fail("bad chunk size line");
      buf_.erase(0, e + 2);
      if (n == 0) {
        chunk_state_ = ChunkState::trailer;
      } else {
        chunk_left_ = n;
        chunk_state_ = ChunkState::data;
      }
      continue;
    }
    if (chunk_state_ == ChunkState::data) {
      std::size_t take = std::size_t(std::min<std::uint64_t>(chunk_left_, buf_.size()));
      response_.body.append(buf_, 0, take);
      buf_.erase(0, take);
      chunk_left_ -= take;
      if (response_.body.size() > max_body_) return fail("the answer is over the " + std::to_string(max_body_) + "-byte limit", true);
      if (chunk_left_ > 0) return state_;
      chunk_state_ = ChunkState::data_end;
      continue;
    }
    if (chunk_state_ == ChunkState::data_end) {
      if (buf_.size() < 2) return state_;
      if (buf_[0] != '\r' || buf_[1] != '\n') return fail("bad chunk terminator");
      buf_.erase(0, 2);
      chunk_state_ = ChunkState::size;
      continue;
    }
    // Trailers: lines until an empty one.
    std::size_t e = buf_.find("\r\n");
    if (e == std::string::npos) return state_;
    bool empty = e == 0;
    buf_.erase(0, e + 2);
    if (empty) {
      state_ = State::done;
      return state_;
    }
  }
}

std::string format_request(const HttpRequest& request, const Url& url) {
  std::string out = request.method + " " + url.target + " HTTP/1.1\r\nHost: ";
  bool v6 = url.host.find(':') != std::string::npos;
  out += v6 ? "[" + url.host + "]" : url.host;
  if (!((url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80))) out += ":" + std::to_string(url.port);
  out += "\r\nConnection: close\r\n";
  bool has_length = false;
  for (const auto& h : request.headers) {
    out += h.name + ": " + h.value + "\r\n";
    if (same_ascii(h.name, "Content-Length")) has_length = true;
  }
  if (!has_length && (!request.body.empty() || request.method == "POST" || request.method == "PUT")) {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace net
}  // namespace lantern
