#include <memory>

#include "lantern/text.h"

extern "C" {
#include "runtime/api.h"
#include "src_c/stem_UTF_8_english.h"
}

namespace lantern::text {

namespace {
struct EnvDeleter {
  void operator()(SN_env* env) const { english_UTF_8_close_env(env); }
};
}  // namespace

std::string stem_english(std::string_view word) {
  // One stemmer environment per thread: Snowball's env is mutable state.
  thread_local std::unique_ptr<SN_env, EnvDeleter> env(english_UTF_8_create_env());
  if (!env || word.empty()) return std::string(word);
  if (SN_set_current(env.get(), static_cast<int>(word.size()),
                     reinterpret_cast<const symbol*>(word.data())) != 0) {
    return std::string(word);
  }
  english_UTF_8_stem(env.get());
  return std::string(reinterpret_cast<const char*>(env->p), static_cast<std::size_t>(env->l));
}

bool is_stopword(std::string_view t) {
  // Stemmed forms of the most frequent English function words (Snowball's stop list, trimmed).
  static const std::string_view kStop[] = {
      "a",     "about", "after", "again", "all",   "am",    "an",    "and",   "ani",   "are",
      "as",    "at",    "be",    "been",  "befor", "being", "both",  "but",   "by",    "can",
      "could", "did",   "do",    "doe",   "don",   "down",  "dure",  "each",  "few",   "for",
      "from",  "had",   "has",   "have",  "he",    "her",   "here",  "him",   "his",   "how",
      "i",     "if",    "in",    "into",  "is",    "it",    "it'",   "its",   "itself","just",
      "me",    "more",  "most",  "my",    "no",    "nor",   "not",   "now",   "of",    "off",
      "on",    "onc",   "onli",  "or",    "other", "our",   "out",   "over",  "own",   "s",
      "same",  "she",   "should","so",    "some",  "such",  "t",     "than",  "that",  "the",
      "their", "them",  "then",  "there", "these", "they",  "this",  "those", "through","to",
      "too",   "under", "until", "up",    "veri",  "was",   "we",    "were",  "what",  "when",
      "where", "which", "while", "who",   "whom",  "whi",   "will",  "with",  "would", "you",
      "your",
  };
  for (auto s : kStop) {
    if (s == t) return true;
  }
  return false;
}

}  // namespace lantern::text
