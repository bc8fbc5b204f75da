// Tables generated at build time from Debian's unicode-data (see gen_unicode_tables.py).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace lantern::text::tables {

struct FoldEntry {
  char32_t cp;
  std::uint16_t offset;  // into kFoldSeq
  std::uint8_t length;   // 0: the code point is dropped
};
struct Range {
  char32_t lo, hi;
};

extern const FoldEntry kFold[];
extern const std::size_t kFoldCount;
extern const char32_t kFoldSeq[];
extern const Range kWordRanges[];
extern const std::size_t kWordRangeCount;

// Appends the normalised form of one code point (the mapping normalize() applies).
void fold_append(std::u32string& out, char32_t cp);

}  // namespace lantern::text::tables
