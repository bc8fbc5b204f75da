// Result<T>: errors as values. Nothing in sdk/ throws; every failure carries a stable code and a
// message for people that names what was wrong.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace lantern {

enum class ErrorCode {
  ok = 0,
  invalid_argument,   // the caller passed something unusable (empty query, bad option)
  parse_error,        // input text is malformed (JSON line, front matter, Markdown)
  duplicate,          // an id appears twice
  unknown_language,   // a language tag nobody can match
  io_error,           // a file could not be read or written
  truncated,          // fewer bytes than the format says
  bad_format,         // not a bundle, wrong version, out-of-range offsets
  tampered,           // content hash or signature does not match
  wrong_key,          // signed, but by another key than the one expected
  unsigned_bundle,    // verification asked for, but the bundle carries no signature
  crypto_error,       // key generation or signing failed
  too_large,          // input over a documented limit
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::ok;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }
inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace lantern
