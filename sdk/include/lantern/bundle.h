// The knowledge-base bundle: one file holding articles (as a compact block structure), the search
// index, synonyms and metadata, read in place. Format: docs/BUNDLE.md.
//
// A Bundle does not own its bytes: they must stay alive and unchanged while the Bundle (and any
// Searcher over it) is used. open() checks every offset once, so the accessors never read out of
// bounds, even for hostile input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::kb {

constexpr std::uint16_t kFormatMajor = 1;
constexpr std::uint16_t kFormatMinor = 0;
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kTrailerSize = 144;
constexpr char kMagic[8] = {'L', 'N', 'T', 'R', 'N', 'K', 'B', '\x1a'};
constexpr char kTrailerMagic[8] = {'L', 'N', 'T', 'R', 'N', 'S', 'I', 'G'};

// Section tags (four ASCII characters, little-endian u32).
constexpr std::uint32_t tag(const char (&s)[5]) {
  return std::uint32_t(std::uint8_t(s[0])) | std::uint32_t(std::uint8_t(s[1])) << 8 |
         std::uint32_t(std::uint8_t(s[2])) << 16 | std::uint32_t(std::uint8_t(s[3])) << 24;
}

// Block structure of an article body, parsed from Markdown when the bundle is built.
enum class BlockType : std::uint8_t { paragraph = 1, heading = 2, list_item = 3, code = 4, quote = 5, rule = 6 };
enum class SpanType : std::uint8_t { text = 1, strong = 2, emphasis = 3, code = 4, link = 5 };

struct Span {
  SpanType type = SpanType::text;
  std::string_view text;
  std::string_view href;  // links only: "kb:<article id>" for a link to another article
};
struct Block {
  BlockType type = BlockType::paragraph;
  std::uint8_t level = 0;    // heading level 1-6; list nesting depth from 0
  bool ordered = false;      // list items: numbered list
  std::uint32_t number = 0;  // ordered list items: the item's number
  std::vector<Span> spans;   // code blocks: one text span
};

// One (term, article) pair of the index, decoded from its varint form.
struct Posting {
  std::uint32_t doc;
  std::uint32_t tf_title;
  std::uint32_t tf_tags;
  std::uint32_t tf_body;
};

// Walks one term's postings. Bounds and article numbers are checked while decoding: a corrupt
// list ends early instead of reading past its bytes.
class PostingCursor {
 public:
  PostingCursor(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t count, std::uint32_t docs)
      : p_(p), end_(end), left_(count), docs_(docs) {}
  bool next(Posting& out);

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::uint32_t left_;
  std::uint32_t docs_;
  std::uint32_t doc_ = 0;
  bool first_ = true;
};

struct Article {
  std::string_view id;
  std::string_view lang;      // canonical tag ("en", "zh")
  std::string_view title;
  std::string_view category;
  std::string_view tags;      // separated by '\x1f'
  std::string_view translation_of;
  std::uint32_t len_title = 0, len_tags = 0, len_body = 0;  // in tokens
};

class Bundle {
 public:
  // Checks the header, the section table and every offset. Does not verify the signature (see
  // verify_bundle in signing.h): a bundle from the network is verified first, then opened.
  static Result<Bundle> open(const std::uint8_t* data, std::size_t size);

  std::size_t article_count() const { return article_count_; }
  Article article(std::uint32_t index) const;
  // Index of the article with this id, or -1.
  std::int64_t find_article(std::string_view id) const;
  Result<std::vector<Block>> blocks(std::uint32_t index) const;
  // The body as plain text, one line per block (what was indexed; snippets quote it).
  std::string plain_text(std::uint32_t index) const;

  const std::vector<std::string_view>& languages() const { return languages_; }
  std::string_view metadata_json() const { return meta_; }
  std::string_view section_json(std::uint32_t section_tag) const;  // FORM, UISTR...: "" if absent

  // Index access for the search engine.
  std::uint32_t term_count() const { return term_count_; }
  std::string_view term(std::uint32_t i) const;
  std::uint32_t term_df(std::uint32_t i) const;
  PostingCursor postings(std::uint32_t i) const;
  std::int64_t find_term(std::string_view term) const;     // exact, or -1
  std::uint32_t lower_bound_term(std::string_view prefix) const;

  std::uint32_t word_count() const { return word_count_; }
  std::string_view word(std::uint32_t i) const;  // Latin surface words, sorted
  std::uint32_t word_term(std::uint32_t i) const;
  std::uint32_t lower_bound_word(std::string_view prefix) const;

  // Synonym phrases, each a sequence of index terms joined by ' ', with its group number.
  std::uint32_t synonym_count() const { return synonym_count_; }
  std::string_view synonym_phrase(std::uint32_t i) const;
  std::uint32_t synonym_group(std::uint32_t i) const;

  float avg_len_title() const { return avg_[0]; }
  float avg_len_tags() const { return avg_[1]; }
  float avg_len_body() const { return avg_[2]; }

 private:
  std::string_view str(std::uint32_t off, std::uint32_t len) const;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  const std::uint8_t* strs_ = nullptr;
  std::uint32_t strs_size_ = 0;
  const std::uint8_t* arts_ = nullptr;
  std::uint32_t article_count_ = 0;
  const std::uint8_t* terms_ = nullptr;
  std::uint32_t term_count_ = 0;
  const std::uint8_t* posts_ = nullptr;
  std::uint32_t posts_size_ = 0;
  const std::uint8_t* words_ = nullptr;
  std::uint32_t word_count_ = 0;
  const std::uint8_t* syns_ = nullptr;
  std::uint32_t synonym_count_ = 0;
  const std::uint8_t* blks_ = nullptr;
  std::uint32_t blks_size_ = 0;
  const std::uint8_t* sections_ = nullptr;
  std::uint32_t section_count_ = 0;
  std::vector<std::string_view> languages_;
  std::string_view meta_;
  float avg_[3] = {1, 1, 1};
};

// The index term standing for "any phrase of synonym group g" (never produced by tokenize()).
inline std::string synonym_term(std::uint32_t group) { return std::string(1, '\x01') + std::to_string(group); }

// Record sizes in the sections (see docs/BUNDLE.md).
constexpr std::size_t kArticleRecord = 72;
constexpr std::size_t kTermRecord = 16;
constexpr std::size_t kWordRecord = 12;
constexpr std::size_t kSynonymRecord = 12;

}  // namespace lantern::kb
