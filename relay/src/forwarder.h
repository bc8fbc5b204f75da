// The webhook forwarder: one background thread that takes due deliveries from the store's
// outbox and POSTs each event to the help desk's webhook, signed as the Standard Webhooks spec
// says, retried with exponential back-off and jitter until a 2xx, dead-lettered after
// max_attempts. It never runs on a request thread, so a slow or dead receiver cannot hold up
// ticket intake. Each event keeps its id across retries: receivers drop duplicates by it.
// Up to `concurrency` attempts run at once, so delivery order is not commit order (events carry seq).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lantern/relay/store.h"
#include "lantern/result.h"
#include "lantern/seams.h"

namespace lantern::relay {

struct WebhookConfig {
  std::string url;                   // https:// or http://host[:port]/path; "" = no forwarding
  std::string ca_file;               // PEM bundle trusted for https:// (a private CA); "" = the system store
  std::vector<std::string> secrets;  // "whsec_<base64>"; every one signs every delivery (key rotation)
  int timeout_ms = 10'000;           // https: the whole exchange; http: waiting for the response (civetweb bounds connect at 10 s)
  int max_attempts = 20;             // then the delivery is dead-lettered
  int backoff_initial_ms = 5'000;    // delay after the first failure, doubled after each one
  int backoff_max_ms = 3'600'000;    // the doubling stops here
  int poll_ms = 1'000;               // how often the outbox is looked at when nothing wakes the forwarder
  int concurrency = 4;               // attempts in flight at once
  // Set when several relays share the store (PostgreSQL): each batch is claimed with a lease long
  // enough to finish it, so two forwarders never send the same delivery; a relay that dies
  // releases its claims when the lease ends. The single-process SQLite store only looks.
  bool shared_store = false;
};

struct WebhookTarget {
  bool tls = false;  // https://
  std::string host;  // name or address; IPv6 in brackets
  int port = 80;
  std::string path;  // with the query string, "/" at least
};

// http(s)://host[:port][/path]. https:// goes through the sdk's native transport (mbedTLS, TLS 1.2+,
// certificate chain and host name verified); http:// through civetweb's client (civetweb 1.15's
// client cannot do TLS with mbedTLS).
Result<WebhookTarget> parse_webhook_url(std::string_view url);

// The event as both the webhook and GET /v1/agent/events carry it:
// {"type","id","seq","timestamp","data":{…}}; ticket.created embeds the ticket as received.
// Built only from stored, immutable facts, so every retry sends the same bytes.
Result<nlohmann::json> event_json(Store& store, const Event& e);

// Delay before the next attempt after `failures` failed ones (1 = the first failure):
// initial * 2^(failures-1), capped at max, times a jitter in [0.5, 1] so receivers that come
// back are not hit by every relay at once; never less than the receiver's Retry-After (capped at a day).
std::int64_t retry_delay_ms(int failures, int initial_ms, int max_ms, double jitter01, std::int64_t retry_after_ms);

class Forwarder {
 public:
  static Result<std::unique_ptr<Forwarder>> create(Store& store, WebhookConfig config);
  ~Forwarder();
  void start();
  // Finishes the attempt in flight (bounded by timeout_ms and civetweb's 10 s connect) and joins.
  void stop();
  void wake();  // a new event was stored: look at the outbox now rather than at the next poll
  void write_metrics(std::ostream& out) const;  // Prometheus text; no store access

 private:
  Forwarder(Store& store, WebhookConfig c) : store_(store), config_(std::move(c)) {}
  void run();
  std::int64_t attempt(const Event& e, const Delivery& d);  // returns when it is due again, or INT64_MAX
  void refresh_gauges(std::int64_t now);
  std::int64_t lease_ms() const;
  void wait_ms(std::int64_t ms);

  struct PostResult {
    int status = 0;  // 0: no HTTP answer
    std::int64_t retry_after_ms = -1;
    std::string error;
  };
  PostResult post(const std::string& id, std::int64_t timestamp_s, const std::string& body);

  Store& store_;
  WebhookConfig config_;
  WebhookTarget target_;
  std::unique_ptr<Transport> https_;  // for https:// targets
  std::vector<std::string> keys_;  // decoded secrets
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::int64_t gauges_at_ms_ = 0;

  std::atomic<std::uint64_t> attempts_{0}, delivered_{0}, failed_{0}, dead_{0};
  std::atomic<std::uint64_t> attempt_us_sum_{0};
  // Refreshed from the store by the forwarder thread (at most every 2 s), read by /metrics.
  std::atomic<std::int64_t> pending_{0}, dead_stored_{0}, oldest_pending_ms_{0};
};

}  // namespace lantern::relay
