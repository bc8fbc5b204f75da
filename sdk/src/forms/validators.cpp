// Transaction IDs and memos per chain, and the diagnosis of a TxID that fails: an address pasted
// in the wrong field, another chain's hash, an explorer link, a TxID already reported. Addresses
// are in addresses.cpp, amounts in amount.cpp, times in datetime.cpp, the catalogue in chains.cpp.
#include <algorithm>

#include "lantern/encoding.h"
#include "lantern/text.h"
#include "lantern/validate.h"

namespace lantern::validate {

namespace {

std::string_view trim(std::string_view s) { return text::trim_ascii(s); }

std::string to_lower(std::string_view s) { return text::ascii_lower(s); }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_hex64(std::string_view s) { return s.size() == 64 && encoding::is_hex(s); }
bool is_0x_hex64(std::string_view s) { return (starts_with(s, "0x") || starts_with(s, "0X")) && is_hex64(s.substr(2)); }

bool is_solana_signature(std::string_view s) {
  if (s.size() < 64 || s.size() > 88) return false;
  auto raw = encoding::base58_decode(s);
  return raw && raw->size() == 64;
}

// TON shows transaction hashes in hex (tonviewer) or Base64 (tonscan): 32 bytes either way.
std::optional<std::string> base64_hash32(std::string_view s) {
  if (s.size() != 43 && s.size() != 44) return std::nullopt;
  auto raw = encoding::base64_decode(s);
  if (!raw || raw->size() != 32) return std::nullopt;
  return encoding::hex_encode(raw->data(), raw->size());
}

std::optional<std::string> canonical_txid(const Chain& c, std::string_view s) {
  switch (c.family) {
    case Family::evm:
      if (is_0x_hex64(s)) return "0x" + to_lower(s.substr(2));
      return std::nullopt;
    case Family::solana:
      if (is_solana_signature(s)) return std::string(s);
      return std::nullopt;
    case Family::ton:
      if (is_hex64(s)) return to_lower(s);
      return base64_hash32(s);
    default:  // utxo, tron, xrp, stellar, cosmos: a bare SHA-256 (or SHA-512-half) in hex
      if (is_hex64(s)) return to_lower(s);
      return std::nullopt;
  }
}

struct Hint {
  std::string en, zh;
};

Hint txid_hint(const Chain& c) {
  switch (c.family) {
    case Family::evm: return {"0x followed by 64 hexadecimal characters (0-9, a-f)", "0x 加 64 位十六进制字符（0-9、a-f）"};
    case Family::tron: return {"64 hexadecimal characters (0-9, a-f), without 0x", "64 位十六进制字符（0-9、a-f），不带 0x"};
    case Family::solana: return {"a signature of about 88 letters and digits (Base58)", "约 88 位字母和数字组成的签名（Base58）"};
    case Family::ton: return {"64 hexadecimal characters (or 44 Base64 characters)", "64 位十六进制字符（或 44 位 Base64 字符）"};
    default: return {"64 hexadecimal characters (0-9, a-f)", "64 位十六进制字符（0-9、a-f）"};
  }
}

bool looks_like_url(std::string_view s) {
  return s.find("://") != std::string_view::npos || starts_with(s, "www.") || s.find("/tx/") != std::string_view::npos;
}

// A hash in the form tickets compare: hex lower case without 0x (Base64 TON hashes as hex too).
std::string comparable_hash(std::string_view s) {
  s = trim(s);
  std::string_view body = (starts_with(s, "0x") || starts_with(s, "0X")) ? s.substr(2) : s;
  if (encoding::is_hex(body)) return to_lower(body);
  if (auto hex = base64_hash32(s)) return *hex;
  return std::string(s);
}

FieldError make(std::string_view field, const char* code, std::string en, std::string zh) {
  return FieldError{std::string(field), code, std::move(en), std::move(zh)};
}

// Digits only (after full-width folding) as an unsigned integer no larger than `max`.
enum class Number { ok, not_digits, too_large };
Number parse_uint(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return Number::not_digits;
  out = 0;
  for (char c : s) {
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (out > (max - d) / 10) return Number::too_large;
    out = out * 10 + d;
  }
  return Number::ok;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::string to_halfwidth(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b0 = static_cast<unsigned char>(s[i]);
    // U+FF01..U+FF5E are EF BC 81..EF BC BF and EF BD 80..EF BD 9E; U+3000 is E3 80 80.
    if (b0 == 0xEF && i + 2 < s.size()) {
      auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
      unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && cp >= 0xFF01 && cp <= 0xFF5E) {
        out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
        i += 2;
        continue;
      }
    }
    if (b0 == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x80) {
      out.push_back(' ');
      i += 2;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

bool looks_like_txid(std::string_view text) {
  text = trim(text);
  return is_hex64(text) || is_0x_hex64(text) || is_solana_signature(text);
}

bool same_txid(std::string_view a, std::string_view b) {
  std::string x = comparable_hash(a), y = comparable_hash(b);
  return !x.empty() && x == y;
}

Checked<std::string> validate_txid(const Chain& chain, std::string_view text, const std::vector<OpenTicket>& open_tickets,
                                   std::string_view field) {
  text = trim(text);
  const std::string name_en(chain.name_en), name_zh(chain.name_zh);
  const Hint hint = txid_hint(chain);
  const std::string expect_en = "a " + name_en + " TxID is " + hint.en + ".";
  const std::string expect_zh = name_zh + "的交易哈希（TxID）是" + hint.zh + "。";
  if (text.empty()) {
    return make(field, "txid.empty", "please enter the transaction ID (TxID); it is on the transfer's page in your history. " + expect_en,
                "请填写交易哈希（TxID），可在记录中该笔转账的详情页找到。" + expect_zh);
  }

  if (auto canonical = canonical_txid(chain, text)) {
    for (const auto& t : open_tickets) {
      if (!t.txid.empty() && same_txid(t.txid, *canonical)) {
        return make(field, "txid.duplicate",
                    "this TxID is already in your open ticket " + t.ticket_id + ". Please add to that ticket instead of opening a new one.",
                    "此交易哈希已在您未关闭的工单 " + t.ticket_id + " 中，请在该工单中补充信息，无需新建工单。");
      }
    }
    return std::move(*canonical);
  }

  if (looks_like_url(text)) {
    return make(field, "txid.url", "please paste only the TxID, not the link to the block explorer. " + expect_en,
                "请只粘贴交易哈希本身，不要粘贴区块浏览器的链接。" + expect_zh);
  }
  if (!address_chains(text).empty()) {
    return make(field, "txid.looks_like_address",
                "this looks like an address, not a transaction ID. The TxID (hash) is on the transfer's detail page; " + expect_en,
                "这看起来是地址，而不是交易哈希。交易哈希（TxID）可在转账详情页找到；" + expect_zh);
  }
  const bool evm_hash = is_0x_hex64(text), bare_hash = is_hex64(text);
  if (evm_hash && chain.family != Family::evm) {
    return make(field, "txid.chain_mismatch",
                "this is an Ethereum-style hash (0x…), but the network you chose is " + name_en + ". Check the network: " + expect_en,
                "这是以太坊类（0x 开头）的交易哈希，但您选择的网络是" + name_zh + "。请确认网络：" + expect_zh);
  }
  if (bare_hash && chain.family == Family::evm) {
    return make(field, "txid.chain_mismatch",
                "this hash has no 0x, like Bitcoin or TRON TxIDs, but the network you chose is " + name_en + ". Check the network: " + expect_en,
                "此哈希不带 0x，像比特币或波场的交易哈希，但您选择的网络是" + name_zh + "。请确认网络：" + expect_zh);
  }
  if (bare_hash && chain.family == Family::solana) {
    return make(field, "txid.chain_mismatch",
                "this is a hexadecimal hash as used on other networks, but the network you chose is Solana. Check the network: " + expect_en,
                "这是其他网络使用的十六进制哈希，但您选择的网络是 Solana。请确认网络：" + expect_zh);
  }
  if (is_solana_signature(text)) {
    return make(field, "txid.chain_mismatch",
                "this looks like a Solana transaction signature, but the network you chose is " + name_en + ". Check the network: " + expect_en,
                "这看起来是 Solana 的交易签名，但您选择的网络是" + name_zh + "。请确认网络：" + expect_zh);
  }
  std::string_view body = (starts_with(text, "0x") || starts_with(text, "0X")) ? text.substr(2) : text;
  if (chain.family != Family::solana && encoding::is_hex(body)) {
    return make(field, "txid.length",
                "this TxID has " + std::to_string(body.size()) + " hexadecimal characters, 64 are needed: a character may be missing or extra. " + expect_en,
                "此交易哈希有 " + std::to_string(body.size()) + " 位十六进制字符，应为 64 位：可能多了或少了字符。" + expect_zh);
  }
  return make(field, "txid.format", "this is not a " + name_en + " transaction ID; " + expect_en,
              "这不是" + name_zh + "的交易哈希；" + expect_zh);
}

Checked<std::string> validate_memo(const Chain& chain, std::string_view text, std::string_view field) {
  text = trim(text);
  if (text.empty()) return std::string();
  const std::string name_en(chain.name_en), name_zh(chain.name_zh);
  const std::string folded = to_halfwidth(text);
  std::uint64_t n = 0;
  switch (chain.memo) {
    case MemoKind::none:
      return make(field, "memo.not_used", name_en + " transfers have no memo or tag; please leave this empty.",
                  name_zh + "转账没有备注（Memo/Tag），请留空。");
    case MemoKind::xrp_tag:
      switch (parse_uint(folded, 4294967295ULL, n)) {
        case Number::ok: return std::to_string(n);
        case Number::too_large:
          return make(field, "memo.range", "a destination tag is at most 4294967295; please check the number.",
                      "目标标签（Tag）最大为 4294967295，请核对数字。");
        case Number::not_digits:
          return make(field, "memo.format", "a destination tag is a whole number from 0 to 4294967295 (digits only).",
                      "目标标签（Tag）是 0 到 4294967295 之间的整数（只含数字）。");
      }
      break;
    case MemoKind::stellar: {
      if (is_hex64(text)) return to_lower(text);  // MEMO_HASH / MEMO_RETURN
      switch (parse_uint(folded, UINT64_MAX, n)) {
        case Number::ok: return std::to_string(n);  // MEMO_ID
        case Number::too_large:
          return make(field, "memo.range", "a numeric Stellar memo (memo ID) is at most 18446744073709551615; please check the number.",
                      "数字类型的 Stellar 备注（Memo ID）最大为 18446744073709551615，请核对数字。");
        case Number::not_digits: break;
      }
      if (has_control(text)) break;
      if (text.size() > 28) {
        return make(field, "memo.too_long",
                    "a Stellar text memo is at most 28 bytes (this one has " + std::to_string(text.size()) + "; a Chinese character takes 3).",
                    "Stellar 文本备注最多 28 字节（现在 " + std::to_string(text.size()) + " 字节；一个汉字占 3 字节）。");
      }
      return std::string(text);
    }
    case MemoKind::cosmos:
    case MemoKind::ton_comment: {
      if (has_control(text)) break;
      std::size_t max = chain.memo == MemoKind::cosmos ? 256 : 123;
      if (text.size() > max) {
        return make(field, "memo.too_long",
                    "a " + name_en + " memo is at most " + std::to_string(max) + " bytes (this one has " + std::to_string(text.size()) + ").",
                    name_zh + "备注最多 " + std::to_string(max) + " 字节（现在 " + std::to_string(text.size()) + " 字节）。");
      }
      return std::string(text);
    }
  }
  return make(field, "memo.format", "the memo has characters it cannot carry (line breaks or control characters); please copy it again.",
              "备注中含有无法使用的字符（换行或控制字符），请重新复制。");
}

}  // namespace lantern::validate
