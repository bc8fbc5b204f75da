#include "tokens.h"

#include "lantern/encoding.h"

namespace lantern::relay {

Result<std::string> Tokens::base32_id(const char* prefix) {
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

Result<std::string> Tokens::access_token() {
  std::uint8_t b[32];
  Status st = random_->fill(b, sizeof b);
  if (!st) return st.error();
  return base64url(b, sizeof b);
}

Result<std::string> Tokens::event_id() {
  std::uint8_t b[16];
  Status st = random_->fill(b, sizeof b);
  if (!st) return st.error();
  b[6] = std::uint8_t((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = std::uint8_t((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = encoding::hex_encode(b, sizeof b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string base64url(const std::uint8_t* p, std::size_t n) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = std::uint32_t(p[i]) << 16 | std::uint32_t(p[i + 1]) << 8 | p[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(a[(v >> s) & 63]);
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t(p[i]) << 16;
    out += {a[v >> 18], a[(v >> 12) & 63]};
  } else if (n - i == 2) {
    std::uint32_t v = std::uint32_t(p[i]) << 16 | std::uint32_t(p[i + 1]) << 8;
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63]};
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::uint8_t d[32];
  encoding::sha256(reinterpret_cast<const std::uint8_t*>(data.data()), data.size(), d);
  return encoding::hex_encode(d, sizeof d);
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;  // volatile: keeps the compiler from stopping at the first difference
  for (std::size_t i = 0; i < a.size(); ++i) diff = diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  return diff == 0;
}

}  // namespace lantern::relay
