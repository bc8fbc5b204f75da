// Random identifiers and access tokens for the store, and the constant-time comparison that
// checks tokens. Identifiers come from the system DRBG (mbedTLS CTR_DRBG), so they cannot be
// guessed from each other.
// Threading: a Tokens object wraps one DRBG and is not thread-safe; the store uses it from its
// writer thread only. The free functions are pure.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lantern/result.h"
#include "lantern/seams.h"

namespace lantern::relay {

class Tokens {
 public:
  Tokens() : random_(make_system_random()) {}
  Result<std::string> ticket_id() { return base32_id("T-"); }      // "T-" + 12 base32 characters
  Result<std::string> attachment_id() { return base32_id("A-"); }  // "A-" + 12 base32 characters
  Result<std::string> access_token();  // 32 random bytes as base64url, no padding (43 characters)
  Result<std::string> event_id();      // random UUID, version 4 form

 private:
  Result<std::string> base32_id(const char* prefix);
  std::unique_ptr<Random> random_;
};

std::string base64url(const std::uint8_t* p, std::size_t n);
std::string sha256_hex(std::string_view data);  // 64 lower-case hex digits
// Equal lengths and bytes, in time that depends only on the length.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace lantern::relay
