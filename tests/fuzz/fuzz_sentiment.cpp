// Fuzz target: the sentiment scorer on untrusted ticket text, and the lexicon parser on an
// untrusted SENT section. Checks the promises of lantern/sentiment.h: scores in range, cues
// inside the text and quoting it, valid JSON out.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "lantern/sentiment.h"

namespace {
std::unique_ptr<lantern::insight::SentimentScorer> g_scorer;

void check(const lantern::insight::SentimentScorer& s, const std::string& text, const char* lang) {
  auto r = s.score(text, lang);
  if (!r) {
    if (r.error().message.empty()) std::abort();
    return;
  }
  if (!std::isfinite(r->valence) || r->valence < -1.f || r->valence > 1.f) std::abort();
  if (!std::isfinite(r->urgency) || r->urgency < 0.f || r->urgency >= 1.f) std::abort();
  if (r->cues.size() > lantern::insight::kMaxCues) std::abort();
  for (const auto& c : r->cues) {
    if (c.begin > c.end || c.end > text.size()) std::abort();
    if (text.compare(c.begin, c.end - c.begin, c.text) != 0) std::abort();
  }
  std::string j = lantern::insight::to_json(*r);
  if (j.empty() || j.front() != '{' || j.back() != '}') std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto s = lantern::insight::SentimentScorer::builtin();
  if (!s) std::abort();
  g_scorer = std::make_unique<lantern::insight::SentimentScorer>(std::move(*s));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* kLangs[] = {"", "en", "zh-CN", "zh-TW", "auto", "fr", "x!"};
  const char* lang = kLangs[(data[0] & 0x7f) % 7];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 0x80) {
    // The rest is an English lexicon: if it parses, it must score safely.
    auto s = lantern::insight::SentimentScorer::from_lexicons(rest, "", "");
    if (s) check(*s, "I am not very happy!!! 我不满意 :( WHERE IS MY 5000 USDT, 3 days", lang);
    else if (s.error().message.empty()) std::abort();
    return 0;
  }
  check(*g_scorer, rest, lang);
  return 0;
}
