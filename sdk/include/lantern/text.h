// Text: normalisation, tokenisation and stemming shared by the bundle builder and the search
// engine, so that a document and a query are always cut the same way.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lantern::text {

// Folds case (full Unicode case folding), full-width to half-width, traditional to simplified
// Chinese, and drops combining marks (é -> e). Invalid UTF-8 bytes become U+FFFD.
std::string normalize(std::string_view utf8);

// Decodes one code point at `pos` and advances it; invalid sequences yield U+FFFD and skip 1 byte.
char32_t decode_utf8(std::string_view s, std::size_t& pos);
void append_utf8(std::string& out, char32_t cp);

// Han ideographs, kana, hangul: segmented as character bigrams.
inline bool is_cjk(char32_t cp) {
  return cp >= 0x3007 && ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                          (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF) || cp == 0x3007);
}
bool is_word_slow(char32_t cp);
// Letters, digits and marks: segmented as words.
inline bool is_word(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  return is_word_slow(cp);
}

enum class TokenKind : std::uint8_t { word, cjk_bigram, cjk_unigram };

struct Token {
  std::string term;        // the index term: a stemmed word, a CJK bigram or lone CJK character
  std::string surface;     // words only: the normalised word before stemming
  std::uint32_t begin = 0; // byte range in the original text
  std::uint32_t end = 0;
  std::uint32_t position = 0;  // ordinal in the token stream; consecutive tokens are adjacent
  TokenKind kind = TokenKind::word;
};

// Splits text into index terms. Words are stemmed with Snowball's English stemmer (words with
// digits are kept as they are); runs of CJK characters become overlapping bigrams, a single CJK
// character between separators becomes a unigram. Words longer than kMaxWordBytes are dropped.
std::vector<Token> tokenize(std::string_view utf8);
constexpr std::size_t kMaxWordBytes = 48;

// Snowball English stemmer on an already normalised (lower-case) word.
std::string stem_english(std::string_view word);

// English words too common to carry meaning: matched, but not counted for query coverage.
bool is_stopword(std::string_view term);

// ASCII whitespace (space, tab, CR, LF) trimmed from both ends; ASCII letters lowered.
std::string_view trim_ascii(std::string_view s);
std::string ascii_lower(std::string_view s);

// Canonical language tag, matched loosely: "zh", "zh-CN", "zh-Hans", "zh_TW" -> "zh"; "en-US" ->
// "en". Returns an empty string for a tag that is not of the form letters[-_alnum...].
std::string canonical_language(std::string_view tag);

}  // namespace lantern::text
