#include "lantern/text.h"
#include "segment.h"

namespace lantern::text {

namespace {
bool has_digit(std::string_view w) {
  for (char c : w) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}
}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::uint32_t position = 0;
  segment(text, [&](TokenKind kind, std::string_view s, std::uint32_t begin, std::uint32_t end) {
    Token t;
    t.kind = kind;
    t.begin = begin;
    t.end = end;
    t.position = position++;
    if (kind == TokenKind::word) {
      t.surface = std::string(s);
      t.term = has_digit(s) ? t.surface : stem_english(s);
    } else {
      t.term = std::string(s);
    }
    tokens.push_back(std::move(t));
  });
  return tokens;
}

}  // namespace lantern::text
