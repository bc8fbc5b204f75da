#include "ids.h"

#include "lantern/encoding.h"

namespace lantern::relay {

Result<std::string> Ids::base32_id(const char* prefix) {
  std::uint8_t b[8];
  Status st = random_->fill(b, sizeof b);
  if (!st) return st.error();
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // RFC 4648: no 0/1/8 to misread
  std::string out = prefix;
  for (int i = 0; i < 12; ++i, v >>= 5) out.push_back(alphabet[v & 31]);  // 60 of the 64 bits
  return out;
}

Result<std::string> Ids::event_id() {
  std::uint8_t b[16];
  Status st = random_->fill(b, sizeof b);
  if (!st) return st.error();
  b[6] = std::uint8_t((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = std::uint8_t((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = encoding::hex_encode(b, sizeof b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace lantern::relay
