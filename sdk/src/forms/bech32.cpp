// Bech32 (BIP-173) and Bech32m (BIP-350), after the reference implementation by Pieter Wuille;
// segwit_decode() adds the witness version and program rules on top. CashAddr shares the charset
// and the 5-bit regrouping, with a longer (40-bit) checksum.
#include "lantern/encoding.h"

namespace lantern::encoding {

namespace {

constexpr const char* kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t kBech32Const = 1;
constexpr std::uint32_t kBech32mConst = 0x2bc830a3;

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  static constexpr std::uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (std::uint8_t v : values) {
    std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

int charset_value(char c) {
  for (int i = 0; i < 32; ++i)
    if (kCharset[i] == c) return i;
  return -1;
}

}  // namespace

std::optional<Bech32Result> bech32_decode(std::string_view s) { return bech32_decode(s, 90); }

std::optional<Bech32Result> bech32_decode(std::string_view s, std::size_t max_length) {
  if (s.size() > max_length) return std::nullopt;
  bool lower = false, upper = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return std::nullopt;
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return std::nullopt;
  auto sep = s.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || sep + 7 > s.size()) return std::nullopt;

  Bech32Result r;
  for (std::size_t i = 0; i < sep; ++i) {
    char c = s[i];
    r.hrp.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  std::vector<std::uint8_t> values;
  values.reserve(r.hrp.size() * 2 + 1 + s.size() - sep - 1);
  for (char c : r.hrp) values.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
  values.push_back(0);
  for (char c : r.hrp) values.push_back(static_cast<std::uint8_t>(c & 31));
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    int v = charset_value(c);
    if (v < 0) return std::nullopt;
    values.push_back(static_cast<std::uint8_t>(v));
    r.data5.push_back(static_cast<std::uint8_t>(v));
  }
  std::uint32_t check = polymod(values);
  if (check == kBech32Const) r.bech32m = false;
  else if (check == kBech32mConst) r.bech32m = true;
  else return std::nullopt;
  r.data5.resize(r.data5.size() - 6);
  return r;
}

std::optional<std::vector<std::uint8_t>> convert_bits(const std::vector<std::uint8_t>& in, int from_bits, int to_bits, bool pad) {
  std::uint32_t acc = 0;
  int bits = 0;
  const std::uint32_t maxv = (1u << to_bits) - 1;
  std::vector<std::uint8_t> out;
  out.reserve(in.size() * static_cast<std::size_t>(from_bits) / static_cast<std::size_t>(to_bits) + 1);
  for (std::uint8_t v : in) {
    if ((v >> from_bits) != 0) return std::nullopt;
    acc = ((acc << from_bits) | v) & 0xFFFFFF;  // only the low bits still to be emitted matter
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<std::uint8_t>((acc << (to_bits - bits)) & maxv));
  } else if (bits >= from_bits || ((acc << (to_bits - bits)) & maxv) != 0) {
    return std::nullopt;
  }
  return out;
}

std::optional<SegwitProgram> segwit_decode(std::string_view expected_hrp, std::string_view address) {
  auto d = bech32_decode(address);
  if (!d || d->hrp != expected_hrp || d->data5.empty()) return std::nullopt;
  int version = d->data5[0];
  if (version > 16) return std::nullopt;
  auto program = convert_bits(std::vector<std::uint8_t>(d->data5.begin() + 1, d->data5.end()), 5, 8, false);
  if (!program || program->size() < 2 || program->size() > 40) return std::nullopt;
  if (version == 0 && program->size() != 20 && program->size() != 32) return std::nullopt;
  // BIP-350: version 0 keeps the original constant, every later version uses Bech32m.
  if ((version == 0) == d->bech32m) return std::nullopt;
  return SegwitProgram{version, std::move(*program)};
}

namespace {

// CashAddr checksum (spec: github.com/bitcoincashorg/bitcoincash.org, spec/cashaddr.md): the
// BCH code over GF(2^5) with these generators; a valid string leaves exactly 1 before the final
// xor, i.e. polymod() ^ 1 == 0.
std::uint64_t cashaddr_polymod(const std::vector<std::uint8_t>& values) {
  static constexpr std::uint64_t kGen[5] = {0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470};
  std::uint64_t c = 1;
  for (std::uint8_t d : values) {
    std::uint8_t c0 = static_cast<std::uint8_t>(c >> 35);
    c = ((c & 0x07ffffffffULL) << 5) ^ d;
    for (int i = 0; i < 5; ++i)
      if ((c0 >> i) & 1) c ^= kGen[i];
  }
  return c ^ 1;
}

}  // namespace

std::optional<CashAddrResult> cashaddr_decode(std::string_view s, std::string_view default_prefix) {
  if (s.size() > 120) return std::nullopt;  // 64-byte hashes need 112 symbols with the prefix
  bool lower = false, upper = false;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return std::nullopt;
  CashAddrResult r;
  std::string_view payload = s;
  auto colon = s.find(':');
  if (colon != std::string_view::npos) {
    for (char c : s.substr(0, colon)) r.prefix.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    payload = s.substr(colon + 1);
  } else {
    r.prefix = std::string(default_prefix);
  }
  if (r.prefix.empty() || payload.size() < 8 + 34) return std::nullopt;  // 20-byte hash: 34 symbols
  std::vector<std::uint8_t> values;
  for (char c : r.prefix) values.push_back(static_cast<std::uint8_t>(c & 31));
  values.push_back(0);
  std::vector<std::uint8_t> data;
  for (char c : payload) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    int v = charset_value(c);
    if (v < 0) return std::nullopt;
    values.push_back(static_cast<std::uint8_t>(v));
    data.push_back(static_cast<std::uint8_t>(v));
  }
  if (cashaddr_polymod(values) != 0) return std::nullopt;
  data.resize(data.size() - 8);
  auto bytes = convert_bits(data, 5, 8, false);
  if (!bytes || bytes->empty()) return std::nullopt;
  // Version byte: reserved bit 7 zero, type in bits 3-6, size code in bits 0-2.
  std::uint8_t version = (*bytes)[0];
  static constexpr std::size_t kSizes[8] = {20, 24, 28, 32, 40, 48, 56, 64};
  if (version & 0x80) return std::nullopt;
  r.type = (version >> 3) & 0x0f;
  r.hash.assign(bytes->begin() + 1, bytes->end());
  if (r.hash.size() != kSizes[version & 7]) return std::nullopt;
  return r;
}

}  // namespace lantern::encoding
