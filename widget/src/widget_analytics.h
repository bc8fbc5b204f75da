// The widget's side of issue 7: a few anonymous facts (searches the user settled on, "was this
// helpful?" votes, contact flows) batched in memory and posted to the relay's
// POST /v1/analytics/events (contract: docs/ANALYTICS.md, "What the widget must send").
//
// Privacy: events carry no user id, no session and no text but the search query; a query that the
// sdk's secret guard flags is never recorded. Off (nothing kept, nothing sent) when disabled.
// Best-effort: events live in memory only (never in the ticket outbox's storage), one batch is in
// flight at a time, and a failed batch is dropped after its retries, so tickets never wait for it.
//
// Not thread-safe: driven from the UI thread like App.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "platform.h"

namespace lantern::widget {

class Analytics {
 public:
  static constexpr std::size_t kMaxQueued = 100;       // events kept in memory; more are dropped
  static constexpr std::size_t kBatchEvents = 20;      // a batch goes when this many wait
  static constexpr std::size_t kMaxBatchEvents = 100;  // the relay's limit per batch
  static constexpr std::size_t kMaxBatchBytes = 30000; // under the relay's 32 KiB body cap
  static constexpr std::size_t kMaxQueryBytes = 300;   // the relay keeps 100 normalised bytes
  static constexpr std::int64_t kSettleMs = 2000;      // a query unchanged this long is settled
  static constexpr int kMaxRetries = 3;                // network errors and 5xx

  Analytics(Platform& platform, std::string relay);

  // Off: the host said so, Do Not Track, no relay, or the relay answered 403 analytics_off.
  // Turning it off forgets everything waiting.
  void set_enabled(bool on);
  bool enabled() const { return enabled_ && !relay_off_ && !endpoint_.empty(); }
  std::int64_t flush_interval_ms = 30'000;

  // [SECTION] Searches: the UI reports every change; only settled queries become events.
  void query_changed(const std::string& query, const std::string& lang, int results);
  // An article was opened from the current result list (the first one counts).
  void result_opened(const std::string& article_id);
  // The user left the search (another screen, widget closed, page hidden): a shown query counts.
  void leave_search();

  // [SECTION] Votes and contact flows
  void vote(const std::string& article_id, bool helpful, const std::string& lang);
  void article_opened() { article_opened_ = true; }
  void contact_started(const std::string& category);      // a category (form) was chosen
  void contact_submitted(const std::string& ticket_key);  // staged: the flow waits for the relay
  void contact_left();                                    // left the form without a ticket
  void ticket_accepted(const std::string& ticket_key);    // the relay answered 201

  // [SECTION] Sending
  void pump();                      // sends a batch when one is due
  void flush();                     // sends what waits now (widget closed)
  void page_hidden(bool unloading); // visibilitychange/pagehide: settle, flush; unloading ends flows
  std::optional<std::int64_t> next_timer_ms() const;

  // For tests and diagnostics.
  std::size_t queued() const { return queue_.size(); }
  std::size_t dropped() const { return dropped_; }
  bool in_flight() const { return in_flight_; }
  const std::string& last_error() const { return last_error_; }

 private:
  struct Search {
    std::string query, lang;
    int results = 0;
    std::int64_t changed_ms = 0;
    bool settled = false, done = false;
  };
  struct Flow {
    std::string category, ticket_key;
    bool article_before = false;
  };
  void push(std::string event_json);
  void emit_search(const std::string& opened);
  void send(bool force);
  void post(std::string body, std::size_t count, int attempt, bool rate_limited);

  Platform& platform_;
  std::string endpoint_;
  bool enabled_ = true, relay_off_ = false;
  std::deque<std::string> queue_;  // serialised events
  std::int64_t first_queued_ms_ = 0;
  bool in_flight_ = false;
  std::int64_t retry_at_ms_ = 0;   // a batch waits to be resent (429, network)
  std::string retry_body_;
  std::size_t retry_count_ = 0;
  int retry_attempt_ = 0;
  bool retry_rate_limited_ = false;
  std::optional<Search> search_;
  std::optional<Flow> flow_;
  bool article_opened_ = false;
  std::size_t dropped_ = 0;
  std::string last_error_;
};

}  // namespace lantern::widget
