// Fuzz target: the relay's analytics intake (parse_events) on untrusted batches, and the counters
// they feed. Checks the promises of relay/src/analytics.h: a batch is taken whole or not at all,
// at most kMaxEventsPerBatch events, queries short, trimmed and valid UTF-8, every error named,
// and counting never loses an event.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analytics.h"
#include "lantern/text.h"

namespace {
bool valid_utf8(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t at = pos;
    char32_t cp = lantern::text::decode_utf8(s, pos);
    if (cp == 0xFFFD && !(s.substr(at, 3) == "\xEF\xBF\xBD")) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern::relay;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  EventVocabulary vocab;
  vocab.is_article = [](std::string_view id) { return id.size() % 2 == 0; };
  vocab.is_category = [](std::string_view id) { return id != "lottery"; };
  ParsedEvents p = parse_events(body, vocab);
  if (!p.shape_error.empty() && (!p.events.empty() || !p.errors.empty())) std::abort();
  if (!p.errors.empty() && !p.events.empty()) std::abort();  // whole or not at all
  if (p.events.size() > kMaxEventsPerBatch) std::abort();
  for (const auto& e : p.errors) {
    if (e.field.empty() || e.code.empty() || e.message.empty()) std::abort();
  }
  Aggregates a;
  std::size_t counted = 0;
  for (const auto& e : p.events) {
    if (e.kind == EventKind::search) {
      if (e.query.empty() || e.query.size() > kMaxQueryBytes || !valid_utf8(e.query)) std::abort();
      if (e.query.front() == ' ' || e.query.back() == ' ' || e.query.find("  ") != std::string::npos) std::abort();
      if (e.results < 0) std::abort();
    }
    if (e.kind != EventKind::contact && e.lang.empty()) std::abort();
    if (!a.add(e, "2026-11-29", 1'000'000)) std::abort();
    ++counted;
  }
  std::int64_t total = 0;
  for (const auto& [k, c] : a.searches) total += c.searches;
  for (const auto& [k, c] : a.votes) total += c.helpful + c.not_helpful;
  for (const auto& [k, c] : a.contacts) total += c.flows;
  if (total != std::int64_t(counted)) std::abort();
  return 0;
}
