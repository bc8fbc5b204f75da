// Base58, Base58Check, hex, Base32, Base64 and CRC16, plus SHA-256 through mbedTLS. Keccak-256 and Bech32
// live in keccak.cpp and bech32.cpp.
#include "lantern/encoding.h"

#include <mbedtls/sha256.h>

#include <cstring>

namespace lantern::encoding {

const char* const kBitcoinAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const char* const kRippleAlphabet = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";

namespace {

// Nothing we validate is longer (Base58 addresses are at most ~50 characters, Solana signatures
// 88); the cap keeps the quadratic decoder cheap on hostile input.
constexpr std::size_t kMaxBase58 = 256;

int digit_of(const char* alphabet, char c) {
  if (c == '\0') return -1;
  const char* p = std::strchr(alphabet, c);
  return p ? static_cast<int>(p - alphabet) : -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void double_sha256(const std::uint8_t* p, std::size_t n, std::uint8_t out[32]) {
  std::uint8_t once[32];
  sha256(p, n, once);
  sha256(once, 32, out);
}

}  // namespace

// [SECTION] Base58

std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view s, const char* alphabet) {
  if (s.empty() || s.size() > kMaxBase58 || alphabet == nullptr) return std::nullopt;
  std::size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == alphabet[0]) ++zeros;
  // Big-endian base-256 accumulator; log(58)/log(256) < 0.733, so this size always suffices.
  std::vector<std::uint8_t> num((s.size() - zeros) * 733 / 1000 + 1, 0);
  for (std::size_t i = zeros; i < s.size(); ++i) {
    int d = digit_of(alphabet, s[i]);
    if (d < 0) return std::nullopt;
    unsigned carry = static_cast<unsigned>(d);
    for (auto it = num.rbegin(); it != num.rend(); ++it) {
      carry += 58u * *it;
      *it = static_cast<std::uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    if (carry != 0) return std::nullopt;  // cannot happen with the size above; kept as a guard
  }
  std::size_t skip = 0;
  while (skip < num.size() && num[skip] == 0) ++skip;
  std::vector<std::uint8_t> out(zeros, 0);
  out.insert(out.end(), num.begin() + static_cast<std::ptrdiff_t>(skip), num.end());
  return out;
}

std::optional<std::vector<std::uint8_t>> base58check_decode(std::string_view s, const char* alphabet) {
  auto raw = base58_decode(s, alphabet);
  if (!raw || raw->size() < 5) return std::nullopt;  // at least one payload byte
  std::size_t n = raw->size() - 4;
  std::uint8_t hash[32];
  double_sha256(raw->data(), n, hash);
  if (std::memcmp(hash, raw->data() + n, 4) != 0) return std::nullopt;
  raw->resize(n);
  return raw;
}

std::string base58_encode(const std::vector<std::uint8_t>& bytes, const char* alphabet) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // log(256)/log(58) < 1.366
  std::vector<std::uint8_t> digits((bytes.size() - zeros) * 1366 / 1000 + 1, 0);
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = bytes[i];
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
      carry += 256u * *it;
      *it = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
  }
  std::size_t skip = 0;
  while (skip < digits.size() && digits[skip] == 0) ++skip;
  std::string out(zeros, alphabet[0]);
  for (std::size_t i = skip; i < digits.size(); ++i) out.push_back(alphabet[digits[i]]);
  return out;
}

std::string base58check_encode(const std::vector<std::uint8_t>& payload, const char* alphabet) {
  std::uint8_t hash[32];
  double_sha256(payload.data(), payload.size(), hash);
  std::vector<std::uint8_t> full(payload);
  full.insert(full.end(), hash, hash + 4);
  return base58_encode(full, alphabet);
}

// [SECTION] Hashes

void sha256(const std::uint8_t* p, std::size_t n, std::uint8_t out[32]) {
  // Cannot fail for SHA-256 without hardware acceleration (the only error is a bad is224 flag).
  (void)mbedtls_sha256_ret(p, n, out, 0);
}

// [SECTION] Hex, Base32, CRC16

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (hex_value(c) < 0) return false;
  return true;
}

std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view s) {
  if (s.size() % 2 != 0 || (!s.empty() && !is_hex(s))) return std::nullopt;
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(hex_value(s[2 * i]) << 4 | hex_value(s[2 * i + 1]));
  return out;
}

std::string hex_encode(const std::uint8_t* p, std::size_t n) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xF]);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view s) {
  std::vector<std::uint8_t> out;
  out.reserve(s.size() * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else return std::nullopt;
    acc = (acc << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits are padding: fewer than 5, and zero, or the text is not canonical.
  if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view s) {
  std::size_t pad = 0;
  while (!s.empty() && s.back() == '=' && pad < 2) {
    s.remove_suffix(1);
    ++pad;
  }
  if (pad && (s.size() + pad) % 4 != 0) return std::nullopt;  // padding, when present, completes the block
  if (s.size() % 4 == 1) return std::nullopt;                  // 6 bits cannot end a byte
  std::vector<std::uint8_t> out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::uint16_t crc16_xmodem(const std::uint8_t* p, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ (p[i] << 8));
    for (int b = 0; b < 8; ++b)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

}  // namespace lantern::encoding
