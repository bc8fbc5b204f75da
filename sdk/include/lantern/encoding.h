// Encoding: the codecs and hashes that blockchain addresses and keys are written in, shared by the
// field validators (validate.h) and the secret guard (secret_guard.h). Pure functions over bytes:
// no allocation beyond the returned values, no state, safe from any thread.
//
// [SECTION] Base58 / Base58Check (Bitcoin and Ripple alphabets)
// [SECTION] Hashes (SHA-256 via mbedTLS, Keccak-256 as Ethereum uses it)
// [SECTION] Bech32 / Bech32m (BIP-173, BIP-350), CashAddr
// [SECTION] Hex, Base32 and Base64 (RFC 4648), CRC16-XModem
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lantern::encoding {

// [SECTION] Base58 / Base58Check

// The 58 symbols in digit order. Bitcoin, Litecoin, Dogecoin, TRON and Solana use Bitcoin's;
// the XRP Ledger uses its own permutation ("rpshnaf39w...").
extern const char* const kBitcoinAlphabet;
extern const char* const kRippleAlphabet;

// Base58 text -> bytes; each leading zero digit (the alphabet's first symbol) is one leading zero
// byte. nullopt for an empty string, a symbol outside the alphabet, or input over 256 characters
// (nothing we validate is longer; it bounds the quadratic work).
std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view s, const char* alphabet = kBitcoinAlphabet);
// Base58Check: payload without the 4-byte double-SHA-256 checksum, or nullopt if bad.
std::optional<std::vector<std::uint8_t>> base58check_decode(std::string_view s, const char* alphabet = kBitcoinAlphabet);
std::string base58_encode(const std::vector<std::uint8_t>& bytes, const char* alphabet = kBitcoinAlphabet);
// Appends the 4-byte double-SHA-256 checksum, then encodes.
std::string base58check_encode(const std::vector<std::uint8_t>& payload, const char* alphabet = kBitcoinAlphabet);

// [SECTION] Hashes

void sha256(const std::uint8_t* p, std::size_t n, std::uint8_t out[32]);   // mbedTLS mbedtls_sha256_ret
// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not FIPS-202 SHA3-256 (0x06).
void keccak256(const std::uint8_t* p, std::size_t n, std::uint8_t out[32]);

// [SECTION] Bech32 / Bech32m, CashAddr

// A decoded bech32 string: the human-readable part (lower case), the data part as 5-bit groups
// without the 6-symbol checksum, and which checksum constant matched (BIP-350: 0x2bc830a3).
struct Bech32Result {
  std::string hrp;
  std::vector<std::uint8_t> data5;
  bool bech32m = false;
};
// BIP-173 / BIP-350: rejects mixed case, characters outside 33..126, a missing or empty hrp, a data
// part under 6 symbols, strings over 90 characters, and a checksum that matches neither constant.
// Does not apply segwit rules (witness version, program length): see segwit_decode().
std::optional<Bech32Result> bech32_decode(std::string_view s);
// Same rules, for formats longer than 90 characters (none of ours today); max_length caps the work.
std::optional<Bech32Result> bech32_decode(std::string_view s, std::size_t max_length);

// Regroups bits (8 -> 5 or 5 -> 8). With pad=false, leftover bits must be fewer than from_bits
// and zero, as BIP-173 requires for segwit programs; nullopt otherwise.
std::optional<std::vector<std::uint8_t>> convert_bits(const std::vector<std::uint8_t>& in, int from_bits, int to_bits, bool pad);

// A segwit output: witness version 0..16 and program (2..40 bytes; v0 exactly 20 or 32 bytes).
struct SegwitProgram {
  int version = 0;
  std::vector<std::uint8_t> program;
};
// BIP-173 / BIP-350 segwit address for this hrp: v0 must use the Bech32 constant, v1+ Bech32m.
std::optional<SegwitProgram> segwit_decode(std::string_view expected_hrp, std::string_view address);

// CashAddr (Bitcoin Cash): "prefix:payload", the prefix optional (then default_prefix is assumed),
// Bech32's charset with a 40-bit BCH checksum over the prefix and payload. type: 0 P2PKH, 1 P2SH,
// 2 and 3 their CashTokens-aware forms; hash: 20 bytes (or 24..64 for the larger size codes).
struct CashAddrResult {
  std::string prefix;
  int type = 0;
  std::vector<std::uint8_t> hash;
};
std::optional<CashAddrResult> cashaddr_decode(std::string_view s, std::string_view default_prefix);

// [SECTION] Hex, Base32, Base64, CRC16

// True if non-empty and every character is 0-9, a-f or A-F (no "0x" prefix).
bool is_hex(std::string_view s);
// Hex text (even length, either case) -> bytes; nullopt otherwise.
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view s);
std::string hex_encode(const std::uint8_t* p, std::size_t n);  // lower case

// RFC 4648 Base32 (A-Z2-7), upper case only, without padding; trailing bits must be zero.
std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view s);
// RFC 4648 Base64, standard (+/) or URL-safe (-_) alphabet, '=' padding optional but, when present,
// complete; trailing bits must be zero. TON writes addresses and hashes in both alphabets.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view s);
// CRC-16/XMODEM (poly 0x1021, init 0): Stellar's StrKey checksum.
std::uint16_t crc16_xmodem(const std::uint8_t* p, std::size_t n);

}  // namespace lantern::encoding
