// Sentiment and urgency of a ticket description, offline: a lexicon-based scorer for English and
// Chinese (simplified and traditional) with negation, intensifiers, contrast ("thanks, but ..."),
// exclamation and question runs, shouting, emoji, amounts and waits. It says which words fired, so
// an agent sees why a ticket is marked angry or urgent. Design and limits: docs/SENTIMENT.md.
//
// [SECTION] Result types   [SECTION] Scorer   [SECTION] Lexicon format
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::kb {
class Bundle;
}

namespace lantern::insight {

// [SECTION] Result types

enum class Valence : std::uint8_t { negative, neutral, positive };
enum class Urgency : std::uint8_t { normal, high };

enum class CueKind : std::uint8_t {
  negative,     // a word or phrase that made the text more negative ("not happy", "骗子", "😡")
  positive,     // ... more positive ("thanks", "解决了")
  urgency,      // urgency without valence ("urgent", "马上", "all my savings")
  amount,       // a sum of money ("5000 USDT", "$20k", "3万")
  wait,         // a waiting time ("3 days", "5天")
  exclamation,  // "!!" and longer runs (full-width too)
  question,     // "??" and longer runs: insistence
  shouting,     // most Latin words in capitals
};

struct Cue {
  CueKind kind = CueKind::negative;
  std::string text;          // the words of the scored text that fired, modifiers included ("not very happy")
  std::uint32_t begin = 0;   // byte range of `text` in the scored text
  std::uint32_t end = 0;
  float valence = 0;         // its share of the valence sum (after negation and intensifiers)
  float urgency = 0;         // its share of the urgency sum
};

struct Sentiment {
  float valence = 0;                   // -1 (furious) .. +1 (delighted)
  Valence label = Valence::neutral;
  float urgency = 0;                   // 0 .. 1 (exclusive); sort "angry and waiting longest" by it
  Urgency urgency_label = Urgency::normal;
  std::vector<Cue> cues;               // in text order, at most kMaxCues
};

const char* valence_name(Valence v);    // "negative", "neutral", "positive"
const char* urgency_name(Urgency u);    // "normal", "high"
const char* cue_kind_name(CueKind k);   // "negative", ..., "shouting"

// {"valence":-0.61,"label":"negative","urgency":0.55,"urgency_label":"high",
//  "cues":[{"kind":"negative","text":"not happy","begin":3,"end":12,"valence":-1.7,"urgency":0}]}
std::string to_json(const Sentiment& s);

constexpr std::size_t kMaxTextBytes = 64 * 1024;  // longer texts are refused (too_large)
constexpr std::size_t kMaxCues = 32;

// Where the labels are cut. Defaults were tuned on the dev half of tests/bench/sentiment only.
struct Thresholds {
  float negative = -0.3f;  // valence <= this: negative
  float positive = 0.3f;   // valence >= this: positive
  float urgent = 0.5f;     // urgency >= this: high
};

// [SECTION] Scorer

struct Lexicon;  // parsed entries (sentiment.cpp)

class SentimentScorer {
 public:
  // The lexicons compiled into the sdk (kb-bundle/sentiment/*.txt at build time): the relay can score
  // without a bundle, and tests and fuzzers need no files.
  static Result<SentimentScorer> builtin();
  // The bundle's SENT section if it has one (`lantern-kb build --sentiment DIR`): an exchange updates
  // the words (new slang, its own token names) with a signed content update instead of an sdk release.
  // Each lexicon the section names replaces the built-in one of that name; the others stay built in.
  // The scorer copies what it needs: the bundle may go away afterwards.
  static Result<SentimentScorer> from_bundle(const kb::Bundle& bundle);
  // The SENT section's JSON: {"format":1,"lexicons":{"en":"<text>","zh":"<text>","common":"<text>"}}.
  static Result<SentimentScorer> from_section_json(std::string_view json);
  // Lexicon texts in the format below; an empty view means "the built-in one". Errors name the
  // lexicon and line.
  static Result<SentimentScorer> from_lexicons(std::string_view en, std::string_view zh, std::string_view common);

  // `lang`: "en", "zh" (any zh-* tag), or "" / "auto". Both lexicons are applied either way (Chinese
  // tickets often carry English words: "USDT 提现一直 pending"); the tag is checked so that a ticket
  // in a language without a lexicon gets unknown_language rather than a meaningless "neutral".
  // Empty or blank text is neutral; text over kMaxTextBytes is too_large; invalid UTF-8 is read as
  // U+FFFD. Thread-safe: score() does not modify the scorer.
  Result<Sentiment> score(std::string_view text, std::string_view lang = "") const;

  void set_thresholds(const Thresholds& t) { thresholds_ = t; }
  const Thresholds& thresholds() const { return thresholds_; }
  std::string_view source() const { return source_; }  // "builtin" or "bundle"
  std::size_t entry_count() const;

  SentimentScorer(SentimentScorer&&) noexcept;
  SentimentScorer& operator=(SentimentScorer&&) noexcept;
  SentimentScorer(const SentimentScorer&) = delete;
  SentimentScorer& operator=(const SentimentScorer&) = delete;
  ~SentimentScorer();

 private:
  SentimentScorer();
  std::unique_ptr<Lexicon> lex_;
  Thresholds thresholds_;
  std::string source_ = "builtin";
};

// The built-in lexicon texts (generated from kb-bundle/sentiment/{en,zh,common}.txt).
std::string_view builtin_lexicon(std::string_view name);

// [SECTION] Lexicon format (kb-bundle/sentiment/en.txt has the full description)
//   PHRASE | FIELDS     v=N valence -4..4, u=N urgency 0..3, x=N intensity (>1 stronger, <1 weaker),
//                       neg (negator), but (contrast), cur (currency: number before it is an amount),
//                       time=N (a unit of time N days long: fires only after a number, "3 days", "5天")

}  // namespace lantern::insight
