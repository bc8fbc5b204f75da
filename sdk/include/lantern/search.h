// Offline search over a bundle: BM25F (title > tags > body) over stemmed English words and CJK
// bigrams, with synonyms, typo tolerance, prefix matching of the last word and a fallback to the
// other language when the user's language has no good hit.
//
// A Searcher borrows the Bundle: the Bundle (and its bytes) must outlive it. search() is const and
// allocates its own scratch, so one Searcher may serve several threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/bundle.h"
#include "lantern/result.h"

namespace lantern::search {

constexpr std::size_t kMaxQueryBytes = 4096;
constexpr std::size_t kMaxTop = 100;

struct Options {
  std::string lang;      // the user's language, any loose tag ("zh-CN", "en"); empty: all languages
  std::size_t top = 10;  // 1..kMaxTop
  bool snippets = true;
};

struct Hit {
  std::uint32_t doc = 0;  // article index in the bundle
  std::string_view id, lang, title, category;
  float score = 0;
  float coverage = 0;     // share of the query's meaningful terms this article matched
  bool fallback = false;  // from the other language, after the user's language had no good hit
  std::string snippet;    // HTML-safe text; matched words wrapped in <mark>…</mark>
};

// A query as the engine understands it: one group per thing the user asked for, each with the
// index terms that satisfy it (the word itself, its synonyms, completions, typo neighbours).
struct QueryTerm {
  std::uint32_t term;  // index into the bundle's term dictionary
  float weight;
};
struct QueryGroup {
  std::vector<QueryTerm> alts;
  bool stop = false;  // a stopword: scored lightly, not counted for coverage
};

class Searcher {
 public:
  explicit Searcher(const kb::Bundle& bundle);
  const kb::Bundle& bundle() const { return bundle_; }
  // Query analysis shared with triage. prefix_last: the last word may still be being typed.
  std::vector<QueryGroup> analyze(std::string_view query, bool prefix_last) const;
  // The dictionary terms (synonym group terms included) that a short text contains: lets
  // callers score texts the index does not hold (form titles, triage phrases) like articles.
  std::vector<std::uint32_t> document_terms(std::string_view text) const;
  float idf(std::uint32_t term) const;
  // Errors: invalid_argument (top out of range), too_large (query over kMaxQueryBytes),
  // unknown_language (no article in the bundle has that language). An empty query gives no hits.
  Result<std::vector<Hit>> search(std::string_view query, const Options& options) const;

 private:
  struct SynonymPhrase {
    std::vector<std::string_view> terms;
    std::uint32_t group;
  };
  const kb::Bundle& bundle_;
  std::vector<SynonymPhrase> synonyms_;
  // For typo matching: words grouped by byte length, each with a bit per letter it contains, so a
  // query word is compared only with words that could be within two edits.
  struct WordSig {
    std::uint32_t word;
    std::uint32_t letters;
  };
  std::vector<WordSig> words_by_length_;
  std::vector<std::uint32_t> length_start_;  // index into words_by_length_ per byte length
  // BM25 length norms per article and field, read once from the stored lengths.
  std::vector<float> norm_title_, norm_tags_, norm_body_;
};

// {"hits":[{"id":…,"lang":…,"title":…,"category":…,"score":…,"snippet":…}],"took_us":…}
std::string hits_to_json(const std::vector<Hit>& hits, double took_us);
void append_json_string(std::string& out, std::string_view s);

}  // namespace lantern::search
