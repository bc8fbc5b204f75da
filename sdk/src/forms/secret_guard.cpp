// Secret guard (issue 3). Rules, and why each one does not fire on ordinary tickets:
//
// Recovery phrase (BIP-39). Words are ASCII letter runs (case-folded) and single Han characters;
// digits, spaces, punctuation and line breaks between them are ignored, so "1. abandon 2. ability",
// "ABANDON, ability" and "的 一 是" read as word sequences. A window of 12/15/18/21/24 consecutive
// list words is a phrase only if its checksum is valid (n/3 bits: 1 in 16 random 12-word windows
// pass). English prose almost never has 12 list words in a row (the list lacks "I", "my", "the",
// "to", "is"; the longest run in our 310-article English FAQ corpus is 9), so the checksum is the
// only extra test needed there.
// Chinese is harder: the list is the 2048 most frequent characters, and 98.6% of the Han
// characters in our Chinese FAQ corpus are list words; 348 of its clauses are 12-24 list
// characters long, and 1 in 16 of those passes a checksum. So a Chinese window must start and end
// at the edges of Han runs ("chunks": characters between spaces, punctuation, digits or Latin
// text), a phrase being matched whole, never sliced out of a sentence; and unless every word
// stands apart ("的 一 是 ...", which prose never does) it must also
//  (a) be one chunk or chunks of one size ("的一是在不了..." or "的一是 在不了 ..."): clauses of prose
//      joined across punctuation have unequal sizes;
//  (b) look random: the list is ordered by frequency, prose draws mostly from its first few hundred
//      entries and a phrase uniformly, so the mean of log2(index + 1) must be >= 7.5 (a random
//      12-word phrase falls below with p ~ 1e-4; about 7% of those corpus clauses reach it);
//  (c) hold none of ~110 frequent two-character words (我们, 可以, 交易, 比特 ...): a random phrase
//      does with p ~ 3e-4.
// Measured on 20,000 random phrases of each length written without spaces, 0.03-0.05% are missed;
// a phrase glued to the words before it ("助记词是的一是...") is not found (no chunk edge).
// When the checksum fails on 12+ English list words in a row, or on 12+ Han list characters
// written apart, the finding is possible_mnemonic with Severity::warn: it is most likely a phrase
// with a typo (still dangerous: one wrong word is 12 x 2048 guesses away), but 15 in 16 random
// list-word runs fail the checksum, so a word list that is not a phrase must remain sendable
// after the user confirms. Unspaced Han text with a bad checksum is prose and gets nothing.
//
// Private keys. WIF: a Base58 token of 51 or 52 characters that Base58Check-decodes to version
// 0x80 and 32 bytes (or 33 ending in 0x01). Extended keys: a 111-character token that decodes to
// 78 bytes starting with the version of xprv/tprv/yprv/zprv (or the other SLIP-132 private forms).
// The 32-bit checksum makes both exact: addresses (other versions, other lengths) and prose never
// match. A key mistyped by hand fails its checksum and is not reported.
// 64 hex digits (with or without 0x) are both a TxID and a raw private key. In txid, address and
// memo fields they are expected and pass. In free text the nearest preceding cue within 64 bytes
// decides: a public cue (txid, tx, hash, transaction, block, address, /tx/, 交易, 哈希, 地址, ...)
// makes it a TxID (or another public hash or address), a key cue (key, private, secret, seed,
// 私钥, 密钥) a key; with no cue before, a public cue right after ("... is my txid") counts; a hex
// string listed right after one that was public inherits it. Anything else is reported as a key,
// because mistaking a key for a TxID loses the funds while the reverse costs one edit; the message
// says how to mark a TxID.
//
// One-time codes and passwords need a cue word followed only by connecting words ("is", "code",
// ":", "是", ...) and then the value, so "my 2FA stopped working" or "密码错误" never match. A code
// is 4-8 digits or "123 456"; a password is the next token of printable ASCII (4-64 characters),
// accepted when it mixes letters and digits or symbols, is all digits (fund passwords and PINs),
// or has inner capitals; plain words ("is wrong", "Reset"), e-mail addresses, URLs, dates and
// amounts are not passwords. A password that is a single lower-case word is missed on purpose.
#include "lantern/secret_guard.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <optional>

#include "lantern/encoding.h"
#include "lantern/text.h"

namespace lantern::forms {

namespace bip39_tables {  // generated: build/sdk/gen/bip39_words.cpp
struct HanWord { char32_t cp; std::uint16_t index; };
extern const char* const kEnglish[2048];
extern const std::uint16_t kEnglishSorted[2048];
extern const char* const kChineseSimplified[2048];
extern const char* const kChineseTraditional[2048];
extern const HanWord kHan[];
extern const std::uint32_t kHanCount;
}  // namespace bip39_tables

namespace {

namespace t = bip39_tables;

// ---- messages -------------------------------------------------------------------------------

struct Messages { const char* en; const char* zh; };

Messages messages_for(SecretKind kind) {
  switch (kind) {
    case SecretKind::mnemonic:
      return {"This looks like a wallet recovery phrase (seed words). Anyone who has it can take all "
              "your funds. Support will never ask for it; anyone who does is a scammer. Remove it "
              "before sending.",
              "这看起来是钱包助记词。任何人拿到它都能转走你的全部资产。客服绝不会索要助记词，"
              "索要的人都是骗子。请删除后再提交。"};
    case SecretKind::possible_mnemonic:
      return {"This may be a wallet recovery phrase (seed words). If it is, remove it: support will "
              "never ask for it, and anyone who does is a scammer. If it is not, you can send it.",
              "这可能是钱包助记词。如果是，请删除：客服绝不会索要助记词，索要的人都是骗子。"
              "如果不是，可以继续提交。"};
    case SecretKind::private_key_hex:
      return {"This looks like a private key. Anyone who has it can take your funds. Support will "
              "never ask for it; anyone who does is a scammer. Remove it before sending. If it is a "
              "transaction ID, put it in the TxID field or write \"TxID:\" in front of it.",
              "这看起来是私钥。任何人拿到它都能转走你的资产。客服绝不会索要私钥，索要的人都是"
              "骗子。请删除后再提交。如果这是交易哈希，请填到 TxID 栏，或在前面写上“TxID：”。"};
    case SecretKind::private_key_wif:
    case SecretKind::extended_private_key:
      return {"This is a private key. Anyone who has it can take your funds. Support will never ask "
              "for it; anyone who does is a scammer. Remove it before sending.",
              "这是私钥。任何人拿到它都能转走你的资产。客服绝不会索要私钥，索要的人都是骗子。"
              "请删除后再提交。"};
    case SecretKind::one_time_code:
      return {"This looks like a verification code (2FA or SMS). Support will never ask for one; "
              "anyone who does is a scammer trying to get into your account. Remove it before sending.",
              "这看起来是验证码（谷歌验证或短信）。客服绝不会索要验证码，索要的人都是骗子，想盗取"
              "你的账户。请删除后再提交。"};
    case SecretKind::password:
      return {"This looks like a password. Support will never ask for your password; anyone who "
              "does is a scammer. Remove it before sending.",
              "这看起来是密码。客服绝不会索要你的密码，索要的人都是骗子。请删除后再提交。"};
  }
  return {"", ""};
}

// ---- small text helpers (byte offsets always refer to the original text) ---------------------

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool starts_with(std::string_view s, std::size_t pos, std::string_view what) {
  return pos <= s.size() && s.substr(pos, what.size()) == what;
}

// A cue word at pos of the lower-cased text. Latin cues need a word boundary on the left and on
// the right, where a plural is allowed ("txids", "hashes"); Han cues need none.
bool cue_at(std::string_view low, std::size_t pos, std::string_view cue) {
  if (!starts_with(low, pos, cue)) return false;
  if (is_alnum(cue.front()) && pos > 0 && is_alnum(low[pos - 1])) return false;
  if (!is_alnum(cue.back())) return true;
  std::size_t e = pos + cue.size();
  if (starts_with(low, e, "es") && !(e + 2 < low.size() && is_alpha(low[e + 2]))) return true;
  if (e < low.size() && low[e] == 's') ++e;
  return e >= low.size() || !is_alpha(low[e]);
}

// ---- recovery phrases ---------------------------------------------------------------------------

int english_index(std::string_view word) {
  if (word.size() < 3 || word.size() > 8) return -1;
  const auto* b = std::begin(t::kEnglishSorted);
  const auto* e = std::end(t::kEnglishSorted);
  const auto* it = std::lower_bound(b, e, word, [](std::uint16_t i, std::string_view w) {
    return std::string_view(t::kEnglish[i]) < w;
  });
  return (it != e && t::kEnglish[*it] == word) ? *it : -1;
}

int han_index(char32_t cp) {
  const auto* b = t::kHan;
  const auto* e = t::kHan + t::kHanCount;
  const auto* it = std::lower_bound(b, e, cp, [](const t::HanWord& h, char32_t c) { return h.cp < c; });
  return (it != e && it->cp == cp) ? it->index : -1;
}

enum class Lang : std::uint8_t { none, english, chinese };

struct Word {
  std::uint32_t begin, end;
  int index;          // BIP-39 index, -1 when not a list word
  Lang lang;          // none for words of no list: they end a run
  bool chunk_first;   // Han only: first / last character of its run of Han characters
  bool chunk_last;
};

std::vector<Word> split_words(std::string_view s) {
  std::vector<Word> words;
  std::size_t pos = 0;
  bool prev_han = false;
  while (pos < s.size()) {
    std::size_t start = pos;
    char32_t cp = text::decode_utf8(s, pos);
    bool han = text::is_cjk(cp);
    if (!han && prev_han) words.back().chunk_last = true;
    if (han) {
      int idx = han_index(cp);
      words.push_back({std::uint32_t(start), std::uint32_t(pos), idx, idx < 0 ? Lang::none : Lang::chinese,
                       !prev_han, false});
    } else if (cp < 0x80 ? is_alpha(char(cp)) : text::is_word(cp)) {
      // A Latin word: letters and marks up to the next digit, space, punctuation or Han character.
      std::size_t end = pos;
      while (end < s.size()) {
        std::size_t next = end;
        char32_t c = text::decode_utf8(s, next);
        if (text::is_cjk(c) || !(c < 0x80 ? is_alpha(char(c)) : text::is_word(c))) break;
        end = next;
      }
      std::string_view raw = s.substr(start, end - start);
      // Full-width letters and accents fold to ASCII ("ＡＢＡＮＤＯＮ", "abandón"); anything else
      // non-ASCII stays a word of no list.
      bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return (unsigned char)c < 0x80; });
      int idx = english_index(ascii ? ascii_lower(raw) : text::normalize(raw));
      words.push_back({std::uint32_t(start), std::uint32_t(end), idx, idx < 0 ? Lang::none : Lang::english,
                       false, false});
      pos = end;
    }
    prev_han = han;
  }
  if (prev_han) words.back().chunk_last = true;
  return words;
}

bool checksum_ok(const Word* w, std::size_t n) {
  if (n < 12 || n > 24 || n % 3 != 0) return false;
  std::uint8_t bits[33] = {};
  std::size_t bit = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (int b = 10; b >= 0; --b, ++bit)
      if ((w[i].index >> b) & 1) bits[bit / 8] |= std::uint8_t(0x80 >> (bit % 8));
  const std::size_t entropy_bytes = n * 4 / 3;  // 11n bits = 32k entropy + k checksum, n = 3k
  std::uint8_t hash[32];
  encoding::sha256(bits, entropy_bytes, hash);
  for (std::size_t k = 0; k < n / 3; ++k) {
    std::size_t at = entropy_bytes * 8 + k;
    bool want = (hash[k / 8] >> (7 - k % 8)) & 1;
    bool have = (bits[at / 8] >> (7 - at % 8)) & 1;
    if (want != have) return false;
  }
  return true;
}

bool written_apart(const Word* w, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!(w[i].chunk_first && w[i].chunk_last)) return false;
  return true;
}

// Han words in chunks of one size: one whole chunk ("的一是在..."), or groups as wallets show them
// ("的一是 在不了 ..."). Clauses of prose joined across punctuation are of unequal sizes.
bool equal_chunks(const Word* w, std::size_t n) {
  std::size_t size = 0, current = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ++current;
    if (!w[i].chunk_last) continue;
    if (size != 0 && current != size) return false;
    size = current;
    current = 0;
  }
  return true;
}

// Prose draws from the frequent start of the (frequency-ordered) Chinese list, a phrase uniformly.
bool looks_random(const Word* w, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += std::log2(double(w[i].index) + 1);
  return sum / double(n) >= 7.5;
}

// Frequent two-character words of everyday and exchange-support Chinese, written by hand. A random
// phrase holds one of them with a chance of about 11 x 110 / 2048^2 = 0.03%; prose nearly always does.
constexpr std::string_view kCommonHanWords[] = {
    "我们", "你们", "他们", "它们", "您的", "我的", "你的", "一个", "一下", "一直", "一些", "没有",
    "什么", "怎么", "这个", "那个", "这些", "那些", "这样", "那么", "可以", "可能", "不能", "不会",
    "不是", "就是", "还是", "但是", "因为", "所以", "如果", "然后", "已经", "现在", "时候", "之后",
    "以后", "之前", "自己", "知道", "需要", "问题", "开始", "通过", "进行", "使用", "出现", "显示",
    "无法", "如何", "请问", "谢谢", "你好", "您好", "麻烦", "帮忙", "帮我", "告诉", "收到", "发现",
    "今天", "昨天", "小时", "分钟", "时间", "其中", "这是", "有关", "作为", "方式", "影响", "世界",
    "比特", "特币", "交易", "钱包", "区块", "账户", "账号", "充值", "提现", "提币", "转账", "到账",
    "地址", "网络", "用户", "资金", "余额", "客服", "登录", "密码", "验证", "手续", "费用", "数字",
    "货币", "加密", "节点", "挖矿", "确认", "记录", "订单", "平台", "系统", "操作", "处理", "安全",
};

bool has_common_word(std::string_view s, const Word* w, std::size_t n) {
  // normalize() folds traditional to simplified, so the list serves both scripts.
  const std::string folded = text::normalize(s.substr(w[0].begin, w[n - 1].end - w[0].begin));
  return std::any_of(std::begin(kCommonHanWords), std::end(kCommonHanWords),
                     [&](std::string_view word) { return folded.find(word) != std::string::npos; });
}

bool is_phrase(std::string_view s, const Word* w, std::size_t n) {
  if (w[0].lang == Lang::chinese) {
    if (!w[0].chunk_first || !w[n - 1].chunk_last) return false;
    if (!written_apart(w, n)) {
      if (!equal_chunks(w, n) || !looks_random(w, n) || has_common_word(s, w, n)) return false;
    }
  }
  return checksum_ok(w, n);
}

void find_mnemonics(std::string_view s, std::vector<SecretFinding>& out) {
  std::vector<Word> words = split_words(s);
  auto add = [&](SecretKind kind, Severity sev, const Word& a, const Word& b) {
    out.push_back({kind, sev, a.begin, b.end, {}, {}});
  };
  for (std::size_t run = 0; run < words.size();) {
    std::size_t end = run;
    while (end < words.size() && words[end].lang != Lang::none && words[end].lang == words[run].lang) ++end;
    if (end == run) {
      ++run;
      continue;
    }
    // Longest phrases first, then leftmost, never overlapping: a 24-word phrase is one finding
    // even though its first 12 words may pass the checksum by chance.
    const Word* w = words.data();
    std::vector<bool> taken(end - run, false);
    bool found = false;
    for (std::size_t n = 24; n >= 12; n -= 3) {
      for (std::size_t i = run; i + n <= end; ++i) {
        if (std::find(taken.begin() + (i - run), taken.begin() + (i - run + n), true) !=
            taken.begin() + (i - run + n))
          continue;
        if (!is_phrase(s, w + i, n)) continue;
        std::fill(taken.begin() + (i - run), taken.begin() + (i - run + n), true);
        add(SecretKind::mnemonic, Severity::block, w[i], w[i + n - 1]);
        found = true;
      }
    }
    if (!found) {
      // Soft warning: 12+ English list words, or 12+ Han list characters each standing apart.
      std::size_t i = run;
      while (i < end) {
        std::size_t j = i + 1;
        if (w[i].lang == Lang::chinese) {
          if (!written_apart(w + i, 1)) {
            ++i;
            continue;
          }
          while (j < end && written_apart(w + j, 1)) ++j;
        } else {
          j = end;
        }
        if (j - i >= 12) add(SecretKind::possible_mnemonic, Severity::warn, w[i], w[j - 1]);
        i = j;
      }
    }
    run = end;
  }
}

// ---- Base58 keys ------------------------------------------------------------------------------

bool is_base58(char c) {
  return is_alnum(c) && c != '0' && c != 'O' && c != 'I' && c != 'l';
}

// BIP-32 / SLIP-132 version bytes of extended private keys: xprv tprv yprv Yprv zprv Zprv uprv
// Uprv vprv Vprv. Public ones (xpub ...) are harmless to share and are not listed.
constexpr std::uint32_t kPrivateVersions[] = {0x0488ADE4, 0x04358394, 0x049D7878, 0x0295B005, 0x04B2430C,
                                              0x02AA7A99, 0x044A4E28, 0x024285B5, 0x045F18BC, 0x02575048};

void find_base58_keys(std::string_view s, std::vector<SecretFinding>& out) {
  for (std::size_t i = 0; i < s.size();) {
    if (!is_alnum(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_alnum(s[j])) ++j;  // the whole alphanumeric token: keys stand alone
    const std::string_view tok = s.substr(i, j - i);
    // WIF is 51 (uncompressed) or 52 characters, an extended key always 111.
    const bool candidate = (tok.size() == 51 || tok.size() == 52 || tok.size() == 111) &&
                           std::all_of(tok.begin(), tok.end(), is_base58);
    auto bytes = candidate ? encoding::base58check_decode(tok) : std::nullopt;
    if (bytes && !bytes->empty()) {
      const auto& b = *bytes;
      const bool wif = b[0] == 0x80 && (b.size() == 33 || (b.size() == 34 && b.back() == 0x01));
      const bool xprv =
          b.size() == 78 &&
          std::find(std::begin(kPrivateVersions), std::end(kPrivateVersions),
                    (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3]) !=
              std::end(kPrivateVersions);
      if (wif || xprv)
        out.push_back({wif ? SecretKind::private_key_wif : SecretKind::extended_private_key, Severity::block,
                       std::uint32_t(i), std::uint32_t(j), {}, {}});
    }
    i = j;
  }
}

// ---- 64 hex digits ------------------------------------------------------------------------------

// Words that say a 64-hex string is public: a transaction, block or file hash, or an address
// (Aptos and Sui addresses are 64 hex digits too).
constexpr std::string_view kPublicCues[] = {"txid", "tx id", "tx hash", "txhash", "tx", "hash", "transaction",
                                            "block", "sha256", "sha-256", "checksum", "address", "/tx/",
                                            "交易", "哈希", "区块", "校验", "地址"};
constexpr std::string_view kKeyCues[] = {"key", "private", "priv", "secret", "seed", "私钥", "密钥", "秘钥"};

// End of the last cue from `cues` that starts in [from, to), or npos.
std::size_t last_cue(std::string_view low, std::size_t from, std::size_t to,
                     const std::string_view* cues, std::size_t count) {
  std::size_t best = std::string_view::npos;
  for (std::size_t p = from; p < to; ++p)
    for (std::size_t c = 0; c < count; ++c)
      if (cue_at(low, p, cues[c]) && p + cues[c].size() <= to) best = p + cues[c].size();
  return best;
}

void find_hex_keys(std::string_view s, std::string_view low, std::vector<SecretFinding>& out) {
  constexpr std::size_t kNtx = std::size(kPublicCues), kNkey = std::size(kKeyCues);
  std::size_t prev_txid_end = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && is_alnum(s[i - 1])) continue;
    std::size_t digits = i + ((s[i] == '0' && i + 1 < s.size() && lower(s[i + 1]) == 'x') ? 2 : 0);
    std::size_t j = digits;
    while (j < s.size() && is_hex_digit(s[j])) ++j;
    if (j - digits != 64 || (j < s.size() && is_alnum(s[j]))) continue;

    const std::size_t from = i >= 64 ? i - 64 : 0;
    std::size_t tx = last_cue(low, from, i, kPublicCues, kNtx);
    std::size_t key = last_cue(low, from, i, kKeyCues, kNkey);
    bool is_txid;
    if (tx != std::string_view::npos || key != std::string_view::npos) {
      is_txid = key == std::string_view::npos || (tx != std::string_view::npos && tx > key);
    } else if (prev_txid_end != std::string_view::npos &&
               std::all_of(s.begin() + prev_txid_end, s.begin() + i,
                           [](char c) { return !is_alpha(c) && (unsigned char)c < 0x80; })) {
      is_txid = true;  // the next entry of a list of TxIDs
    } else {
      is_txid = last_cue(low, j, std::min(s.size(), j + 24), kPublicCues, kNtx) != std::string_view::npos;
    }
    if (is_txid) {
      prev_txid_end = j;
    } else {
      out.push_back({SecretKind::private_key_hex, Severity::block, std::uint32_t(i), std::uint32_t(j), {}, {}});
      prev_txid_end = std::string_view::npos;
    }
    i = j;
  }
}

// ---- codes and passwords ----------------------------------------------------------------------

enum class Connector : std::uint8_t { none, soft, strong };  // none; "is"/"was"; ":" "=" "是"

// Skips what may stand between a cue and its value: spaces, one line break, punctuation and the
// given filler words. Returns where the value would start.
std::size_t skip_connectors(std::string_view low, std::size_t p, const std::string_view* fillers,
                            std::size_t count, Connector& conn, bool& skipped_filler) {
  static constexpr std::string_view kStrong[] = {":", "=", "：", "＝", "是", "为", "為"};
  static constexpr std::string_view kSoft[] = {"is", "was", "are", "'s"};
  static constexpr std::string_view kPunct[] = {" ", "\t", "-", ",", "\"", "'", "(", ")", "，",
                                                "“", "”", "（", "）", "—"};
  const std::size_t limit = std::min(low.size(), p + 40);
  int newlines = 0;
  conn = Connector::none;
  skipped_filler = false;
  while (p < limit) {
    bool moved = false;
    if (low[p] == '\n' || low[p] == '\r') {
      if (low[p] == '\n' && ++newlines > 1) break;
      ++p;
      continue;
    }
    for (auto w : kStrong)
      if (!moved && starts_with(low, p, w)) p += w.size(), conn = Connector::strong, moved = true;
    for (auto w : kSoft)
      if (!moved && cue_at(low, p, w) && !(p + w.size() < low.size() && low[p + w.size()] == 's'))
        p += w.size(), conn = std::max(conn, Connector::soft), moved = true;
    for (auto w : kPunct)
      if (!moved && starts_with(low, p, w)) p += w.size(), moved = true;
    for (std::size_t f = 0; f < count && !moved; ++f)
      if (cue_at(low, p, fillers[f])) p += fillers[f].size(), moved = skipped_filler = true;
    if (!moved) break;
  }
  return p;
}

constexpr std::string_view kCodeCues[] = {
    "2fa", "2-fa", "mfa", "otp", "totp", "one-time code", "one time code", "one-time password",
    "verification code", "verify code", "auth code", "authentication code", "authenticator",
    "google code", "google auth", "sms code", "security code", "2-step", "two-factor", "two factor",
    "验证码", "驗證碼", "校验码", "动态码", "动态密码", "谷歌验证", "谷歌码", "二次验证", "安全码", "短信码"};
constexpr std::string_view kCodeFillers[] = {"code", "number", "now", "currently", "my", "the", "here",
                                            "码", "碼", "号", "如下"};

constexpr std::string_view kPasswordCues[] = {"password", "passwd", "passcode", "passphrase", "pwd",
                                              "pin", "密码", "密碼", "口令"};
constexpr std::string_view kPasswordFillers[] = {"for", "of", "on", "to", "my", "the", "login", "account",
                                                "wallet", "app", "code", "now", "currently",
                                                "的", "登录", "账户", "账号", "码"};

void find_codes(std::string_view s, std::string_view low, std::vector<SecretFinding>& out) {
  for (std::size_t p = 0; p < low.size(); ++p) {
    for (auto cue : kCodeCues) {
      if (!cue_at(low, p, cue)) continue;
      Connector conn;
      bool filler;
      std::size_t v = skip_connectors(low, p + cue.size(), kCodeFillers, std::size(kCodeFillers), conn, filler);
      std::size_t e = v;
      while (e < s.size() && is_digit(s[e])) ++e;
      std::size_t n = e - v;
      // "123 456" / "1234-5678": two equal groups of 3 or 4 digits.
      if ((n == 3 || n == 4) && e + 1 + n <= s.size() && (s[e] == ' ' || s[e] == '-') &&
          std::all_of(s.begin() + e + 1, s.begin() + e + 1 + n, is_digit))
        e += 1 + n, n *= 2;
      // Not part of an amount, a date or a time: 1234.56, 2024-01-05, 2024/1/5, 12:30.
      bool number = e + 1 < s.size() && std::strchr(".,-/:", s[e]) && is_digit(s[e + 1]);
      if (n < 4 || n > 8 || number || (e < s.size() && is_alnum(s[e]))) continue;
      out.push_back({SecretKind::one_time_code, Severity::block, std::uint32_t(v), std::uint32_t(e), {}, {}});
      break;
    }
  }
}

bool looks_like_password(std::string_view v, Connector conn) {
  if (v.size() < 4 || v.size() > 64) return false;
  if (v.find('@') != std::string_view::npos || v.find("://") != std::string_view::npos) return false;
  bool digit = false, symbol = false, inner_upper = false, lower_case = false, numeric = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    digit |= is_digit(c);
    symbol |= !is_alnum(c) && c != '-' && c != '\'';  // "re-generated", "don't" are words
    lower_case |= c >= 'a' && c <= 'z';
    inner_upper |= i > 0 && c >= 'A' && c <= 'Z';
    numeric &= is_digit(c) || std::strchr("-/.:,", c) != nullptr;
  }
  if (numeric && !std::all_of(v.begin(), v.end(), is_digit)) return false;  // 2024-01-05, 12:30, 1,000.5
  if (numeric) return conn != Connector::none || v.size() >= 6;             // fund password, PIN
  if (digit || symbol) return true;                                         // hunter2!, Abc12345
  return inner_upper && lower_case;                                         // HunterTwo, not "Reset"
}

void find_passwords(std::string_view s, std::string_view low, std::vector<SecretFinding>& out) {
  for (std::size_t p = 0; p < low.size(); ++p) {
    for (auto cue : kPasswordCues) {
      if (!cue_at(low, p, cue)) continue;
      Connector conn;
      bool filler;
      std::size_t v = skip_connectors(low, p + cue.size(), kPasswordFillers, std::size(kPasswordFillers), conn, filler);
      // "password for the new wallet" names a password; "password for the wallet: x" gives one.
      if (filler && conn == Connector::none) continue;
      std::size_t e = v;
      while (e < s.size() && s[e] > ' ' && s[e] < 0x7F) ++e;  // printable ASCII up to a space or Han
      // Sentence punctuation and closing quotes after the value are not part of it.
      while (e > v && std::strchr(".,;:)]}\"'", s[e - 1])) --e;
      while (v < e && std::strchr("\"'([{", s[v])) ++v;
      if (!looks_like_password(s.substr(v, e - v), conn)) continue;
      out.push_back({SecretKind::password, Severity::block, std::uint32_t(v), std::uint32_t(e), {}, {}});
      break;
    }
  }
}

}  // namespace

const char* secret_kind_name(SecretKind kind) {
  switch (kind) {
    case SecretKind::mnemonic: return "mnemonic";
    case SecretKind::possible_mnemonic: return "possible_mnemonic";
    case SecretKind::private_key_hex: return "private_key_hex";
    case SecretKind::private_key_wif: return "private_key_wif";
    case SecretKind::extended_private_key: return "extended_private_key";
    case SecretKind::one_time_code: return "one_time_code";
    case SecretKind::password: return "password";
  }
  return "unknown";
}

std::vector<SecretFinding> scan_secrets(std::string_view text, FieldKind kind) {
  const std::string low = ascii_lower(text);
  // Most certain rules first: a later finding that overlaps an earlier one is dropped, so the
  // value of "password: 5HueCGU8..." is reported once, as a WIF key.
  std::vector<SecretFinding> all;
  find_base58_keys(text, all);
  if (kind == FieldKind::free_text) find_hex_keys(text, low, all);
  find_mnemonics(text, all);
  find_codes(text, low, all);
  find_passwords(text, low, all);

  std::vector<SecretFinding> out;
  for (auto& f : all) {
    bool overlaps = std::any_of(out.begin(), out.end(),
                                [&](const SecretFinding& o) { return f.begin < o.end && o.begin < f.end; });
    if (overlaps) continue;
    Messages m = messages_for(f.kind);
    f.message_en = m.en;
    f.message_zh = m.zh;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const SecretFinding& a, const SecretFinding& b) { return a.begin < b.begin; });
  return out;
}

std::vector<FieldFinding> scan_ticket(const std::vector<TicketField>& fields) {
  std::vector<FieldFinding> out;
  for (std::size_t i = 0; i < fields.size(); ++i)
    for (auto& f : scan_secrets(fields[i].text, fields[i].kind)) out.push_back({i, std::move(f)});
  return out;
}

bool blocks_submission(const std::vector<FieldFinding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const FieldFinding& f) { return f.finding.severity == Severity::block; });
}

Status check_ticket_secrets(const std::vector<TicketField>& fields) {
  for (const auto& f : scan_ticket(fields))
    if (f.finding.severity == Severity::block)
      return make_error(ErrorCode::invalid_argument,
                        "field '" + std::string(fields[f.field].name) + "': " + f.finding.message_en);
  return ok_status();
}

std::string_view bip39_word(Bip39List list, std::uint16_t index) {
  if (index >= 2048) return {};
  switch (list) {
    case Bip39List::english: return t::kEnglish[index];
    case Bip39List::chinese_simplified: return t::kChineseSimplified[index];
    case Bip39List::chinese_traditional: return t::kChineseTraditional[index];
  }
  return {};
}

bool bip39_checksum_ok(const std::vector<std::uint16_t>& indices) {
  std::vector<Word> w;
  for (auto i : indices) {
    if (i >= 2048) return false;
    w.push_back({0, 0, i, Lang::english, false, false});
  }
  return checksum_ok(w.data(), w.size());
}

}  // namespace lantern::forms
