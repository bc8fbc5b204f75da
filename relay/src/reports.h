// Agent reports (`GET /v1/agent/reports/<name>`): what the help centre fails to answer, which
// articles do not help, whether self-service deflects tickets, ticket volume, response times, and
// which tickets are angry and waiting longest. Analytics counters come from analytics.db; ticket
// facts are read from the ticket store's event log, incrementally (a cursor), never written to it.
//
// [SECTION] Report math (pure; unit-tested)
// [SECTION] Reports
//
// Threading: Reports::run may be called from any thread; one mutex serialises the ticket reports.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analytics.h"
#include "lantern/relay/store.h"
#include "lantern/result.h"

namespace lantern::relay {

// [SECTION] Report math (pure; unit-tested)

struct ReportParams {
  std::string from_day, to_day;  // inclusive "YYYY-MM-DD" (UTC); "" = open
  std::string lang;              // "" = all languages (canonical: "en", "zh")
  std::size_t limit = 50;        // rows per ranked list
  std::int64_t min_votes = 5;    // articles: fewer votes are not ranked (too few to judge)
  std::int64_t min_searches = 3; // low-click queries: fewer searches are not ranked
  double low_click_rate = 0.2;   // low-click: searches with results whose opened share is below this
};

// Parses ?from=&to=&lang=&limit=&min_votes=&min_searches=; the error names the parameter.
Result<ReportParams> parse_report_params(std::string_view query_string);

// Linear interpolation between closest ranks (numpy's default); 0 for an empty set.
double percentile(std::vector<double> values, double p);

struct RankedQuery {
  std::string lang, query;
  std::int64_t searches = 0, zero_results = 0, with_results = 0, opened = 0;
  double click_rate = 0;  // opened / searches with results
};
// zero_result: queries that found nothing, by how often they found nothing; low_click: queries
// with results, at least min_searches of them, whose click rate is under low_click_rate, by volume.
// Ties by query text, so the order is stable.
void rank_queries(const std::vector<QueryRow>& rows, const ReportParams& p, std::vector<RankedQuery>& zero_result,
                  std::vector<RankedQuery>& low_click);

struct RankedArticle {
  std::string article_id;
  std::int64_t helpful = 0, not_helpful = 0, votes = 0;
  double helpful_ratio = 0;
};
// Articles with at least min_votes votes, worst helpful ratio first (more votes first on a tie).
std::vector<RankedArticle> rank_articles(const std::vector<ArticleRow>& rows, const ReportParams& p);

struct CategoryDeflection {
  std::string category;
  ContactCounts counts;
  double deflection_rate = 0;  // deflected / flows
};
std::vector<CategoryDeflection> deflection_by_category(const std::vector<CategoryFlowRow>& rows);

// What the sentiment scorer says about one description.
struct Mood {
  double sentiment = 0;  // -1 (angry) .. +1 (pleased)
  double urgency = 0;    // 0 .. 1
  std::string label = "neutral";  // "negative", "neutral", "positive"
  std::vector<std::string> cues;  // the words that fired (at most 5): why the agent sees it as angry or urgent
};
using MoodScorer = std::function<Mood(std::string_view text, std::string_view lang)>;

// What the reports know about one ticket, folded from the store's events.
struct TicketFacts {
  std::string id, category, lang, status = "open";
  std::int64_t created_ms = 0;
  std::int64_t first_agent_reply_ms = 0;  // 0: no agent reply yet
  std::int64_t resolved_ms = 0;           // first change to solved or closed; 0: not yet
  std::int64_t waiting_since_ms = 0;      // the user's oldest message not yet answered by an agent; 0: not waiting
  bool scored = false;
  Mood mood;
};

// Folds one store event into the facts (ticket.created needs the ticket: `load` fetches it).
void apply_event(std::unordered_map<std::string, TicketFacts>& facts, const Event& e,
                 const std::function<std::optional<StoredTicket>(const std::string&)>& load);

// [SECTION] Reports

class Reports {
 public:
  // Opens its own connection to dir/analytics.db (created by Analytics::open first), where the
  // ticket facts and the cursor into the store's event log are kept: a restart goes on where it
  // stopped, and memory does not grow with the number of tickets.
  static Result<std::unique_ptr<Reports>> open(const std::string& dir, Analytics& analytics, Store& store, MoodScorer scorer);
  ~Reports();
  // The names run() knows, for the index and error messages.
  static const std::vector<std::string>& names();
  // The report as a JSON document; invalid_argument for an unknown name.
  Result<std::string> run(std::string_view name, const ReportParams& p, std::int64_t now_ms);

 private:
  Reports(Analytics& analytics, Store& store, MoodScorer scorer);
  Status refresh();  // folds store events after the cursor into ticket_facts, one transaction per page
  Result<std::string> ticket_report(std::string_view name, const ReportParams& p, std::int64_t now_ms, nlohmann::json& out);

  Analytics& analytics_;
  Store& store_;
  MoodScorer scorer_;
  std::mutex mu_;  // one report over the ticket facts at a time
  std::unique_ptr<sqlite::Db> db_;
};

}  // namespace lantern::relay
