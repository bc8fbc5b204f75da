// Analytics intake for the relay: privacy-first events from the widget (article votes, searches,
// contact flows), checked, aggregated incrementally in memory and flushed to their own SQLite
// database (`analytics.db` in the data folder), apart from the ticket store so analytics can never
// slow or block a ticket.
//
// [SECTION] Events and their checks
// [SECTION] Aggregates (what the database holds)
// [SECTION] Analytics (queue, aggregator thread, database)
//
// Load: accepted events go into a bounded queue; when it is full the excess is dropped and
// counted (dropped_total, lantern_analytics_dropped_total), never queued without bound. One
// aggregator thread drains the queue into in-memory counters and writes them to the database
// every flush_interval_ms in one transaction (count = count + delta).
// Threading: submit() and the counters may be called from any thread; they take only the queue's
// mutex for a swap-sized moment. Reads (the report queries) use their own connection.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lantern/result.h"

namespace lantern::relay {

namespace sqlite {
class Db;
}

// [SECTION] Events and their checks

enum class EventKind : std::uint8_t { article_vote, search, contact };

struct AnalyticsEvent {
  EventKind kind = EventKind::search;
  std::string lang;        // article_vote, search: canonical tag ("en", "zh")
  std::string article_id;  // article_vote: the article; search: the article opened ("" = none)
  bool helpful = false;    // article_vote
  std::string query;       // search: normalised, at most kMaxQueryBytes
  std::int64_t results = 0;  // search: how many results the widget showed
  std::string category;    // contact: the form (ticket category)
  bool article_opened_before = false, ticket_filed = false;  // contact
};

struct EventFieldError {
  std::string field;  // "events[3].helpful"
  std::string code;   // required, type, unknown_field, unknown_kind, unknown_article, unknown_category, too_long, range
  std::string message;
};

struct ParsedEvents {
  std::vector<AnalyticsEvent> events;  // empty when errors is not empty: a batch is taken whole or not at all
  std::vector<EventFieldError> errors;
  std::string shape_error;        // set when the body is not JSON or not {"events":[…]}: 400 bad_json
  std::size_t secrets_dropped = 0;  // searches whose query looked like a seed phrase or key: dropped, never stored
};

// What the batch may name; an empty function accepts any well-formed id.
struct EventVocabulary {
  std::function<bool(std::string_view)> is_article;
  std::function<bool(std::string_view)> is_category;
};

constexpr std::size_t kMaxEventsPerBatch = 100;
constexpr std::size_t kMaxQueryBytes = 100;   // normalised queries are cut (at a character boundary) to this
constexpr std::size_t kMaxRawQueryBytes = 1000;  // longer raw queries are refused

// Parses {"events":[…]}. Queries are scanned by the secret guard on their raw text (before
// normalising or cutting, so a cut cannot hide a seed phrase) and normalised with text::normalize,
// whitespace collapsed, cut to kMaxQueryBytes.
ParsedEvents parse_events(std::string_view body, const EventVocabulary& vocab);

// The query as it is counted: normalised, inner whitespace collapsed, trimmed, cut at a UTF-8
// boundary to kMaxQueryBytes.
std::string normalize_query(std::string_view raw);

// "2026-11-29" for a Unix time in milliseconds (UTC).
std::string utc_day(std::int64_t ms);

// [SECTION] Aggregates (what the database holds)

// Counters per (day, lang, query): searches, searches that found nothing, searches where a result was opened.
struct SearchCounts {
  std::int64_t searches = 0, zero_results = 0, opened = 0;
};
// Per (day, lang, article_id).
struct VoteCounts {
  std::int64_t helpful = 0, not_helpful = 0;
};
// Per (day, category): contact flows; flows where an article was opened first; flows that ended
// in a ticket; deflected = article opened and no ticket filed.
struct ContactCounts {
  std::int64_t flows = 0, article_opened = 0, tickets_filed = 0, deflected = 0;
};

// In-memory deltas between two flushes. Pure: unit-tested without a database.
struct Aggregates {
  std::map<std::tuple<std::string, std::string, std::string>, SearchCounts> searches;  // day, lang, query
  std::map<std::tuple<std::string, std::string, std::string>, VoteCounts> votes;       // day, lang, article
  std::map<std::tuple<std::string, std::string>, ContactCounts> contacts;              // day, category
  std::size_t keys() const { return searches.size() + votes.size() + contacts.size(); }
  bool empty() const { return keys() == 0; }
  // Adds one event counted on `day`; false (and nothing added) when it would create a key beyond max_keys.
  bool add(const AnalyticsEvent& e, const std::string& day, std::size_t max_keys);
};

// [SECTION] Analytics (queue, aggregator thread, database)

// The relay's analytics_* options (docs/ANALYTICS.md).
struct AnalyticsConfig {
  bool enabled = true;                  // analytics_enabled: false answers 403 and creates no analytics.db
  std::size_t max_bytes = 32 * 1024;    // analytics_max_bytes: larger batches get 413
  double rate_per_ip = 1;               // analytics_rate_per_ip: batches per second per IP (its own bucket)
  double burst_per_ip = 30;             // analytics_burst_per_ip
  // analytics_rate_total, analytics_burst_total: batches per second from all addresses together, so
  // that many addresses cannot take the CPU that tickets need either (each batch is parsed and checked).
  double rate_total = 200;
  double burst_total = 400;
  std::size_t queue_events = 10000;     // analytics_queue_events: beyond this, events are dropped and counted
  int flush_interval_ms = 1000;         // analytics_flush_interval_ms
  int retention_days = 400;             // analytics_retention_days (0: forever)
};
// Reads one analytics_* option of the config file; the error names the key.
Status load_analytics_option(const std::string& path, const std::string& key, const nlohmann::json& value, AnalyticsConfig& c);

struct AnalyticsOptions {
  std::string dir;                   // analytics.db is created here
  std::size_t queue_events = 10000;  // events waiting for the aggregator; beyond: dropped and counted
  int flush_interval_ms = 1000;      // how often counters reach the database
  int retention_days = 400;          // counters of older days are deleted once a day; 0 keeps them forever
  std::size_t max_pending_keys = 100000;  // distinct counters between two flushes; beyond: dropped and counted
  std::function<std::int64_t()> now_ms;   // the clock that picks the day; default: system clock
};

// Rows read back for the reports (sums over a day range).
struct QueryRow {
  std::string lang, query;
  std::int64_t searches = 0, zero_results = 0, opened = 0;
};
struct ArticleRow {
  std::string article_id;
  std::int64_t helpful = 0, not_helpful = 0;
};
struct CategoryFlowRow {
  std::string category;
  ContactCounts counts;
};

class Analytics {
 public:
  // Opens (creating) dir/analytics.db in WAL mode and starts the aggregator thread.
  static Result<std::unique_ptr<Analytics>> open(AnalyticsOptions options);
  ~Analytics();  // flushes what was accepted, then stops the thread

  // Queues the events; returns how many were taken. The rest did not fit and are dropped (counted).
  std::size_t submit(std::vector<AnalyticsEvent> events);
  // Waits (at most timeout_ms) until everything submitted before the call is in the database.
  bool sync(int timeout_ms = 5000);

  // Sums over days in [from_day, to_day] (inclusive, "YYYY-MM-DD"; "" = open end); lang "" = all.
  Result<std::vector<QueryRow>> query_rows(const std::string& from_day, const std::string& to_day, const std::string& lang);
  Result<std::vector<ArticleRow>> article_rows(const std::string& from_day, const std::string& to_day, const std::string& lang);
  Result<std::vector<CategoryFlowRow>> category_rows(const std::string& from_day, const std::string& to_day);

  std::uint64_t accepted_total() const { return accepted_; }
  std::uint64_t dropped_total() const { return dropped_; }
  std::uint64_t flushes_total() const { return flushes_; }
  std::uint64_t flush_errors_total() const { return flush_errors_; }
  std::size_t queue_depth();

 private:
  explicit Analytics(AnalyticsOptions o);
  void run();
  Status flush(const Aggregates& a);
  Status prune(const std::string& before_day);  // deletes counters of days before this one

  AnalyticsOptions options_;
  std::unique_ptr<sqlite::Db> writer_, reader_;
  std::mutex reader_mu_;

  std::mutex mu_;
  std::condition_variable wake_, synced_;
  std::vector<AnalyticsEvent> queue_;
  std::uint64_t sync_wanted_ = 0, sync_done_ = 0;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> accepted_{0}, dropped_{0}, flushes_{0}, flush_errors_{0};
};

}  // namespace lantern::relay
