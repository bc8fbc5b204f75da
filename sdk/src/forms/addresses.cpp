// Address validation per chain family, with each format's own checksum, and the detection of
// which other chain an address belongs to when it is not valid on the chosen one (the costliest
// support case: a deposit sent over the wrong network).
#include <algorithm>

#include "lantern/encoding.h"
#include "lantern/text.h"
#include "lantern/validate.h"

namespace lantern::validate {

namespace {

using encoding::kBitcoinAlphabet;
using encoding::kRippleAlphabet;

enum class Status { ok, format, length, checksum };

struct Decoded {
  Status status = Status::format;
  std::string canonical;
};

Decoded fail(Status s) { return Decoded{s, {}}; }
Decoded good(std::string canonical) { return Decoded{Status::ok, std::move(canonical)}; }

std::string_view trim(std::string_view s) { return text::trim_ascii(s); }

std::string to_lower(std::string_view s) { return text::ascii_lower(s); }

bool all_in(std::string_view s, const char* alphabet) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    for (const char* a = alphabet; *a; ++a)
      if (*a == c) return true;
    return false;
  });
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Base58Check with a one-byte version and a 20-byte hash: P2PKH/P2SH, TRON, XRP.
Decoded check_base58_hash160(std::string_view s, const char* alphabet, std::initializer_list<int> versions) {
  if (!all_in(s, alphabet)) return fail(Status::format);
  auto raw = encoding::base58_decode(s, alphabet);
  if (!raw || raw->size() != 25) return fail(Status::length);
  auto payload = encoding::base58check_decode(s, alphabet);
  if (!payload) return fail(Status::checksum);
  for (int v : versions)
    if (v >= 0 && (*payload)[0] == v) return good(std::string(s));
  return fail(Status::format);  // another chain's version byte: address_chains() will name it
}

// Bech32 strings: a checksum failure only if every character could belong to one (else format).
Status bech32_failure(std::string_view s) {
  auto sep = s.rfind('1');
  std::string lower = to_lower(s);
  bool charset = sep != std::string_view::npos && all_in(std::string_view(lower).substr(sep + 1), "qpzry9x8gf2tvdw0s3jn54khce6mua7l");
  bool mixed = lower != s && std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  return charset && !mixed ? Status::checksum : Status::format;
}

Decoded check_utxo(const Chain& c, std::string_view s) {
  std::string lower = to_lower(s);
  if (!c.segwit_hrp.empty() && starts_with(lower, std::string(c.segwit_hrp) + "1")) {
    if (encoding::segwit_decode(c.segwit_hrp, s)) return good(lower);
    // A valid Bech32 string that breaks the segwit rules (version, program length) is a format error.
    return fail(encoding::bech32_decode(s) ? Status::format : bech32_failure(s));
  }
  if (!c.cashaddr_prefix.empty()) {
    std::string prefix = std::string(c.cashaddr_prefix) + ":";
    bool prefixed = starts_with(lower, prefix);
    std::string_view body = prefixed ? std::string_view(lower).substr(prefix.size()) : std::string_view(lower);
    if (!body.empty() && (body[0] == 'q' || body[0] == 'p' || body[0] == 'z' || body[0] == 'r') && body.size() >= 42) {
      auto r = encoding::cashaddr_decode(s, c.cashaddr_prefix);
      if (r && r->prefix == c.cashaddr_prefix && r->type <= 3) return good(prefix + std::string(body));
      if (r) return fail(Status::format);
      return fail(all_in(body, "qpzry9x8gf2tvdw0s3jn54khce6mua7l") ? Status::checksum : Status::format);
    }
    if (prefixed) return fail(Status::format);
  }
  return check_base58_hash160(s, kBitcoinAlphabet, {c.p2pkh, c.p2sh, c.p2sh_legacy});
}

Decoded check_evm(std::string_view s) {
  if (!starts_with(s, "0x")) return fail(Status::format);
  std::string_view hex = s.substr(2);
  if (!encoding::is_hex(hex)) return fail(Status::format);
  if (hex.size() != 40) return fail(Status::length);
  std::string canonical = eip55_checksum(hex);
  bool has_lower = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  bool has_upper = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  // EIP-55: one case throughout carries no checksum; mixed case must be exactly the checksum.
  if (has_lower && has_upper && hex != std::string_view(canonical).substr(2)) return fail(Status::checksum);
  return good(canonical);
}

Decoded check_solana(std::string_view s) {
  if (!all_in(s, kBitcoinAlphabet)) return fail(Status::format);
  auto raw = encoding::base58_decode(s);
  if (!raw || raw->size() != 32 || s.size() < 32 || s.size() > 44) return fail(Status::length);
  return good(std::string(s));
}

// StrKey (SEP-23): Base32 of version byte, payload, CRC16-XModem little-endian.
Decoded check_stellar(std::string_view s) {
  std::size_t expected = s.empty() ? 0 : s[0] == 'G' ? 56 : s[0] == 'M' ? 69 : 0;
  if (!expected || !all_in(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")) return fail(Status::format);
  if (s.size() != expected) return fail(Status::length);
  auto raw = encoding::base32_decode(s);
  if (!raw) return fail(Status::format);
  std::size_t n = raw->size() - 2;
  std::uint16_t crc = encoding::crc16_xmodem(raw->data(), n);
  if ((*raw)[n] != (crc & 0xFF) || (*raw)[n + 1] != (crc >> 8)) return fail(Status::checksum);
  std::uint8_t version = (*raw)[0];
  if ((s[0] == 'G' && version != (6 << 3)) || (s[0] == 'M' && version != (12 << 3))) return fail(Status::format);
  return good(std::string(s));
}

Decoded check_cosmos(std::string_view s) {
  std::string lower = to_lower(s);
  if (!starts_with(lower, "cosmos1")) return fail(Status::format);
  auto d = encoding::bech32_decode(s);
  if (!d) return fail(bech32_failure(s));
  if (d->hrp != "cosmos" || d->bech32m) return fail(Status::format);
  auto bytes = encoding::convert_bits(d->data5, 5, 8, false);
  if (!bytes || (bytes->size() != 20 && bytes->size() != 32)) return fail(Status::length);  // account or module/ICA
  return good(lower);
}

// TON: raw "workchain:hex" or the user-friendly 36 bytes (flags, workchain, hash, CRC16 big-endian)
// in Base64 or Base64url. Test-only addresses (flag bit 0x80) are refused: this is mainnet.
Decoded check_ton(std::string_view s) {
  auto colon = s.find(':');
  if (colon != std::string_view::npos) {
    std::string_view wc = s.substr(0, colon), hex = s.substr(colon + 1);
    if (wc != "0" && wc != "-1") return fail(Status::format);
    if (!encoding::is_hex(hex)) return fail(Status::format);
    if (hex.size() != 64) return fail(Status::length);
    return good(to_lower(s));
  }
  if (s.size() != 48) return fail(all_in(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") ? Status::length : Status::format);
  auto raw = encoding::base64_decode(s);
  if (!raw || raw->size() != 36) return fail(Status::format);
  std::uint16_t crc = encoding::crc16_xmodem(raw->data(), 34);
  if ((*raw)[34] != (crc >> 8) || (*raw)[35] != (crc & 0xFF)) return fail(Status::checksum);
  std::uint8_t flags = (*raw)[0], wc = (*raw)[1];
  if ((flags != 0x11 && flags != 0x51) || (wc != 0x00 && wc != 0xff)) return fail(Status::format);
  return good(std::string(s));
}

Decoded check(const Chain& c, std::string_view s) {
  switch (c.family) {
    case Family::utxo: return check_utxo(c, s);
    case Family::evm: return check_evm(s);
    case Family::tron:
      if (s.empty() || s[0] != 'T') return fail(Status::format);
      return check_base58_hash160(s, kBitcoinAlphabet, {0x41});
    case Family::solana: return check_solana(s);
    case Family::xrp:
      if (s.empty() || s[0] != 'r') return fail(Status::format);
      return check_base58_hash160(s, kRippleAlphabet, {0x00});
    case Family::stellar: return check_stellar(s);
    case Family::cosmos: return check_cosmos(s);
    case Family::ton: return check_ton(s);
  }
  return fail(Status::format);
}

struct Hint {
  std::string en, zh;
};

// What a valid address looks like on this chain, for the messages.
Hint address_hint(const Chain& c) {
  switch (c.family) {
    case Family::utxo:
      if (c.id == "bitcoin") return {"starts with 1, 3 or bc1", "以 1、3 或 bc1 开头"};
      if (c.id == "litecoin") return {"starts with L, M, 3 or ltc1", "以 L、M、3 或 ltc1 开头"};
      if (c.id == "dogecoin") return {"starts with D, A or 9", "以 D、A 或 9 开头"};
      if (c.id == "bitcoin-cash") return {"is bitcoincash:q… or bitcoincash:p… (or a legacy 1… / 3… address)", "形如 bitcoincash:q… 或 bitcoincash:p…（或旧格式 1… / 3… 地址）"};
      return {"is a Base58 address", "是 Base58 格式"};
    case Family::evm: return {"is 0x followed by 40 hexadecimal characters (0-9, a-f)", "是 0x 加 40 位十六进制字符（0-9、a-f）"};
    case Family::tron: return {"starts with T and has 34 characters", "以 T 开头，共 34 位"};
    case Family::solana: return {"has 32 to 44 letters and digits (Base58, no 0, O, I or l)", "由 32 到 44 位字母和数字组成（Base58，不含 0、O、I、l）"};
    case Family::xrp: return {"starts with r and has 25 to 35 characters", "以 r 开头，共 25 到 35 位"};
    case Family::stellar: return {"starts with G and has 56 characters (M and 69 for a muxed account)", "以 G 开头，共 56 位（子账户地址以 M 开头，共 69 位）"};
    case Family::cosmos: return {"starts with cosmos1", "以 cosmos1 开头"};
    case Family::ton: return {"has 48 characters, usually starting with EQ or UQ (or is 0:<64 hex>)", "共 48 位，通常以 EQ 或 UQ 开头（或为 0:<64 位十六进制>）"};
  }
  return {"", ""};
}

// "an EVM address (Ethereum, BNB Smart Chain, …)" or "a TRON (TRC-20) address", in both languages.
Hint describe_chains(const std::vector<const Chain*>& found) {
  bool all_evm = std::all_of(found.begin(), found.end(), [](const Chain* c) { return c->family == Family::evm; });
  if (all_evm && found.size() > 1) return {"an EVM address (Ethereum, BNB Smart Chain, Polygon…)", "EVM 地址（以太坊、BNB 智能链、Polygon 等）"};
  Hint h;
  for (std::size_t i = 0; i < found.size() && i < 3; ++i) {
    if (i) h.en += " or ", h.zh += "或";
    h.en += std::string(found[i]->name_en);
    h.zh += std::string(found[i]->name_zh);
  }
  h.en = "a " + h.en + " address";
  h.zh += "地址";
  return h;
}

bool looks_like_url(std::string_view s) {
  return s.find("://") != std::string_view::npos || starts_with(s, "www.") || s.find("/address/") != std::string_view::npos ||
         s.find("/tx/") != std::string_view::npos;
}

}  // namespace

std::string eip55_checksum(std::string_view hex40) {
  if (hex40.size() != 40 || !encoding::is_hex(hex40)) return {};
  std::string lower = to_lower(hex40);
  std::uint8_t hash[32];
  encoding::keccak256(reinterpret_cast<const std::uint8_t*>(lower.data()), lower.size(), hash);
  std::string out = "0x";
  for (std::size_t i = 0; i < 40; ++i) {
    int nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0xF;
    char c = lower[i];
    out.push_back(c >= 'a' && nibble >= 8 ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::vector<const Chain*> address_chains(std::string_view text) {
  text = trim(text);
  std::vector<const Chain*> out;
  for (const auto& c : chains())
    if (check(c, text).status == Status::ok) out.push_back(&c);
  return out;
}

Checked<std::string> validate_address(const Chain& chain, std::string_view text, std::string_view field) {
  text = trim(text);
  auto error = [&](const char* code, std::string en, std::string zh) {
    return FieldError{std::string(field), code, std::move(en), std::move(zh)};
  };
  const std::string name_en(chain.name_en), name_zh(chain.name_zh);
  Hint hint = address_hint(chain);
  if (text.empty()) {
    return error("address.empty", "please enter the " + name_en + " address; it " + hint.en + ".",
                 "请填写" + name_zh + "地址，它" + hint.zh + "。");
  }
  Decoded d = check(chain, text);
  if (d.status == Status::ok) return std::move(d.canonical);

  auto others = address_chains(text);
  if (!others.empty()) {
    Hint what = describe_chains(others);
    return error("address.chain_mismatch",
                 "this is " + what.en + ", but the network you chose is " + name_en +
                     ". Funds sent over the wrong network can be lost: check which network the transfer used.",
                 "这是" + what.zh + "，但您选择的网络是" + name_zh + "。跨网络转账可能导致资产丢失，请确认转账实际使用的网络。");
  }
  if (looks_like_txid(text)) {
    return error("address.looks_like_txid",
                 "this looks like a transaction ID (TxID), but this field wants an address; a " + name_en + " address " + hint.en + ".",
                 "这看起来是交易哈希（TxID），但此处需要填写地址；" + name_zh + "地址" + hint.zh + "。");
  }
  if (looks_like_url(text)) {
    return error("address.url", "please paste only the address, not a link to a block explorer.",
                 "请只粘贴地址本身，不要粘贴区块浏览器的链接。");
  }
  switch (d.status) {
    case Status::checksum:
      return error("address.checksum",
                   "the address's checksum does not match: a character is probably wrong or missing. Copy the address again rather than typing it.",
                   "地址校验失败：可能有字符输错或遗漏。请重新复制地址，不要手动输入。");
    case Status::length:
      return error("address.length", "this address has the wrong length; a " + name_en + " address " + hint.en + ".",
                   "地址长度不对；" + name_zh + "地址" + hint.zh + "。");
    default:
      return error("address.format", "this is not a " + name_en + " address; a " + name_en + " address " + hint.en + ".",
                   "这不是" + name_zh + "地址；" + name_zh + "地址" + hint.zh + "。");
  }
}

}  // namespace lantern::validate
