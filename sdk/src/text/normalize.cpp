#include <algorithm>

#include "lantern/text.h"
#include "unicode_tables.h"

namespace lantern::text {

char32_t decode_utf8(std::string_view s, std::size_t& pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  unsigned char c = p[pos];
  if (c < 0x80) {
    ++pos;
    return c;
  }
  int len = (c >= 0xF0 && c <= 0xF4) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC2 && c <= 0xDF) ? 2 : 0;
  if (len == 0 || pos + len > n) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = c & (0xFF >> (len + 1));
  for (int i = 1; i < len; ++i) {
    unsigned char cc = p[pos + i];
    if ((cc & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static const char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return 0xFFFD;
  }
  pos += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

const tables::FoldEntry* find_fold(char32_t cp) {
  const auto* end = tables::kFold + tables::kFoldCount;
  const auto* it = std::lower_bound(tables::kFold, end, cp,
                                    [](const tables::FoldEntry& e, char32_t c) { return e.cp < c; });
  return (it != end && it->cp == cp) ? it : nullptr;
}

}  // namespace

void tables::fold_append(std::u32string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
  } else if (const auto* e = find_fold(cp)) {
    out.append(tables::kFoldSeq + e->offset, e->length);
  } else {
    out.push_back(cp);
  }
}

bool is_word_slow(char32_t cp) {
  const auto* end = tables::kWordRanges + tables::kWordRangeCount;
  const auto* it = std::upper_bound(tables::kWordRanges, end, cp,
                                    [](char32_t c, const tables::Range& r) { return c < r.lo; });
  return it != tables::kWordRanges && cp <= (it - 1)->hi;
}

std::string normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  while (pos < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 0x80) {  // ASCII fast path
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++pos;
      continue;
    }
    char32_t cp = decode_utf8(s, pos);
    if (const auto* e = find_fold(cp)) {
      for (int i = 0; i < e->length; ++i) append_utf8(out, tables::kFoldSeq[e->offset + i]);
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

std::string_view trim_ascii(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  return out;
}

std::string canonical_language(std::string_view tag) {
  std::string primary;
  std::size_t i = 0;
  for (; i < tag.size() && tag[i] != '-' && tag[i] != '_'; ++i) {
    char c = tag[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return {};
    primary.push_back(static_cast<char>(c | 0x20));
  }
  if (primary.size() < 2 || primary.size() > 8) return {};
  for (; i < tag.size(); ++i) {
    char c = tag[i];
    bool ok = c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9');
    if (!ok) return {};
  }
  // Chinese in any script or region is one language here: the index folds traditional into
  // simplified, so zh, zh-CN, zh-Hans, zh-TW and cmn all search the same articles.
  if (primary == "cmn" || primary == "zho" || primary == "chi") primary = "zh";
  if (primary == "eng") primary = "en";
  return primary;
}

}  // namespace lantern::text
