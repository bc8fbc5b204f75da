#include "lantern/result.h"

namespace lantern {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::parse_error: return "parse_error";
    case ErrorCode::duplicate: return "duplicate";
    case ErrorCode::unknown_language: return "unknown_language";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::truncated: return "truncated";
    case ErrorCode::bad_format: return "bad_format";
    case ErrorCode::tampered: return "tampered";
    case ErrorCode::wrong_key: return "wrong_key";
    case ErrorCode::unsigned_bundle: return "unsigned_bundle";
    case ErrorCode::crypto_error: return "crypto_error";
    case ErrorCode::too_large: return "too_large";
  }
  return "unknown";
}

}  // namespace lantern
