// The outbox: a ticket waits here, durably, until the relay has acknowledged it (201 after its
// store committed). Retried with exponential back-off and jitter, always with the same
// idempotency key, so it can never become two tickets. Drafts live beside it.
//
// Not thread-safe: one Outbox per client, driven from the client's event loop.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"
#include "lantern/seams.h"

namespace lantern::ticket {

enum class EntryState { pending, rejected };

struct OutboxEntry {
  std::string key;               // the idempotency key; also the entry's id
  std::string body;              // ticket JSON, sent as it is on every attempt
  EntryState state = EntryState::pending;
  int attempts = 0;
  std::int64_t created_ms = 0;
  std::int64_t next_attempt_ms = 0;  // not handed out again before this (back-off or in flight)
  std::string last_error;            // for the user: why the last attempt failed
};

// What the transport reports for one attempt.
struct Delivery {
  enum class Outcome { accepted, retry, rejected } outcome = Outcome::retry;
  int http_status = 0;               // 0: no answer (offline, timeout)
  std::string answer;                // the relay's body; on accepted, {"id":"T-…","access_token":…}
  std::string error;                 // human-readable reason
  std::int64_t retry_after_ms = 0;   // from a 429/503 Retry-After, if any
};

// Maps an HTTP answer to an outcome: 201/200 accepted; 408, 425, 429 and 5xx retry; other 4xx
// rejected (the ticket itself is wrong and will not get better by resending); 0 retry.
Delivery::Outcome classify_http(int status);

// A Retry-After value (delta-seconds or an HTTP date, RFC 9110) as milliseconds after now_ms;
// 0 when absent or unreadable (the back-off then applies); at most a day.
std::int64_t parse_retry_after_ms(std::string_view value, std::int64_t now_ms);

struct BackoffPolicy {
  std::int64_t base_ms = 2'000;
  std::int64_t cap_ms = 10 * 60'000;
  std::int64_t in_flight_ms = 60'000;  // an attempt with no report by then is presumed lost
};

class Outbox {
 public:
  Outbox(Storage& storage, Clock& clock, Random& random, BackoffPolicy policy = {});

  // A fresh idempotency key: 128 bits from the Random seam, as 32 hex digits.
  Result<std::string> new_key();
  // Durable before it returns: after ok, the ticket survives a crash or a closed tab.
  Status enqueue(std::string_view key, std::string_view ticket_json);
  // Every entry not yet acknowledged (pending and rejected), oldest first.
  Result<std::vector<OutboxEntry>> entries();
  // Pending entries whose time has come; each is marked in flight so it is not handed out twice.
  Result<std::vector<OutboxEntry>> take_due();
  // The transport's report for one attempt. accepted: the entry leaves the outbox and the
  // relay's answer is kept as the receipt; retry: back-off; rejected: kept for the user to fix.
  Status report(std::string_view key, const Delivery& delivery);
  // The user removes a rejected (or unwanted) entry.
  Status discard(std::string_view key);
  // The network is back: this pending entry is due now instead of after its back-off. Only for
  // an entry with no attempt in flight (the caller knows; the outbox does not), or it is sent twice.
  Status make_due(std::string_view key);
  // When take_due() will next have something (ms since epoch), or nullopt if nothing is pending.
  Result<std::optional<std::int64_t>> next_due();
  // The relay's answer for an accepted ticket.
  Result<std::optional<std::string>> receipt(std::string_view key);

 private:
  Result<std::optional<OutboxEntry>> load(std::string_view key);
  Status save(const OutboxEntry& e);
  Storage& storage_;
  Clock& clock_;
  Random& random_;
  BackoffPolicy policy_;
};

// Drafts: the form as the user typed it, saved on every change so nothing is lost.
class Drafts {
 public:
  explicit Drafts(Storage& storage) : storage_(storage) {}
  Status save(std::string_view form_id, std::string_view json) { return storage_.put(key(form_id), json); }
  Result<std::optional<std::string>> load(std::string_view form_id) { return storage_.get(key(form_id)); }
  Status clear(std::string_view form_id) { return storage_.remove(key(form_id)); }

 private:
  static std::string key(std::string_view form_id) { return "draft/" + std::string(form_id); }
  Storage& storage_;
};

}  // namespace lantern::ticket
