// Streaming segmentation shared by tokenize() and the snippet scanner: yields normalised words
// (unstemmed) and CJK bigrams/unigrams with their byte ranges in the original text, without
// allocating per token.
#pragma once
#include <string>
#include <string_view>

#include "lantern/text.h"
#include "unicode_tables.h"

namespace lantern::text {

// fn(TokenKind kind, std::string_view normalised, uint32_t begin, uint32_t end)
template <class Fn>
void segment(std::string_view text, Fn&& fn) {
  std::string word;
  std::uint32_t word_begin = 0, word_end = 0;
  bool apostrophe = false;  // an apostrophe seen inside a word, kept only if a letter follows
  std::string bigram;
  char32_t prev_cjk = 0;
  std::uint32_t prev_begin = 0, prev_end = 0;
  std::size_t run = 0;  // length of the current CJK run
  std::u32string folded;

  auto end_word = [&] {
    if (!word.empty() && word.size() <= kMaxWordBytes) fn(TokenKind::word, std::string_view(word), word_begin, word_end);
    word.clear();
    apostrophe = false;
  };
  auto end_run = [&] {
    if (run == 1) {
      bigram.clear();
      append_utf8(bigram, prev_cjk);
      fn(TokenKind::cjk_unigram, std::string_view(bigram), prev_begin, prev_end);
    }
    run = 0;
  };

  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::uint32_t begin = std::uint32_t(pos);
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {  // fast path: ASCII needs no table and no CJK handling
      ++pos;
      char a = char(c >= 'A' && c <= 'Z' ? c + 32 : c);
      if (run) end_run();
      if ((a >= 'a' && a <= 'z') || (a >= '0' && a <= '9')) {
        if (word.empty()) word_begin = begin;
        if (apostrophe) word.push_back('\'');
        apostrophe = false;
        word.push_back(a);
        word_end = std::uint32_t(pos);
      } else if (a == '\'' && !word.empty() && !apostrophe) {
        apostrophe = true;
      } else if (!word.empty()) {
        end_word();
      }
      continue;
    }
    folded.clear();
    {
      tables::fold_append(folded, decode_utf8(text, pos));
    }
    const std::uint32_t end = std::uint32_t(pos);
    for (char32_t cp : folded) {
      if (is_cjk(cp)) {
        end_word();
        if (run > 0) {
          bigram.clear();
          append_utf8(bigram, prev_cjk);
          append_utf8(bigram, cp);
          fn(TokenKind::cjk_bigram, std::string_view(bigram), prev_begin, end);
        }
        prev_cjk = cp;
        prev_begin = begin;
        prev_end = end;
        ++run;
        continue;
      }
      if (run) end_run();
      if (is_word(cp)) {
        if (word.empty()) word_begin = begin;
        if (apostrophe) word.push_back('\'');
        apostrophe = false;
        append_utf8(word, cp);
        word_end = end;
      } else if ((cp == '\'' || cp == 0x2019) && !word.empty() && !apostrophe) {
        apostrophe = true;
      } else {
        end_word();
      }
    }
  }
  end_word();
  end_run();
}

}  // namespace lantern::text
