// lantern-relay: receives tickets and screenshots, checks them again with the sdk's own rules,
// stores them durably and answers only after the store committed.
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics.h"
#include "attachment_files.h"
#include "forwarder.h"
#include "http.h"
#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/relay/store.h"
#include "rate_limit.h"
#include "reports.h"

namespace lantern::relay {

// An agent's API key, as the config file holds it: only the SHA-256 of the key, so the file holds
// no usable secret (make the hash with `lantern-relay --hash-key`).
struct AgentKey {
  std::string name;        // shown as the author "agent:<name>" of its replies
  std::string key_sha256;  // 64 lower-case hex digits
  bool read_only = false;  // "role": "reader": may list and read, gets 403 on status changes and replies
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "lantern-data";
  // "": SQLite in data_dir. postgresql://user@host:port/db: PostgreSQL, shared by several relays
  // (each still keeps relay.secret, which must be the same file on all, and attachments in data_dir).
  std::string store;
  int store_connections = 8;     // PostgreSQL: connections to the database (request threads share them)
  std::string web_dir;           // static files served under / (the widget and demo page)
  std::string bundle_path;       // knowledge-base bundle: its form schemas validate tickets
  std::string public_key_path;   // verify the bundle's signature with this key
  std::size_t max_ticket_bytes = 256 * 1024;
  std::size_t max_message_bytes = 16 * 1024;
  std::size_t max_attachment_bytes = 10 << 20;
  int threads = 64;
  int request_timeout_ms = 10'000;
  double ticket_rate_per_ip = 0.2;  // tokens per second (12 a minute), burst below
  double ticket_burst_per_ip = 10;
  double request_rate_per_ip = 20;
  double request_burst_per_ip = 60;
  // Per verified user (identity HMAC checked), across all their addresses: new tickets and
  // follow-up messages. 3 a minute after a burst of 20.
  double ticket_rate_per_user = 0.05;
  double ticket_burst_per_user = 20;
  std::vector<std::string> cors_origins;  // exact origins allowed to call /v1 from a browser
  std::string identity_secret;            // HMAC key shared with the exchange's backend
  // Agent API (agent.cpp) and webhook forwarding (forwarder.h).
  std::vector<AgentKey> agent_keys;
  double agent_rate_per_key = 20;  // tokens per second per API key, burst below
  double agent_burst_per_key = 100;
  WebhookConfig webhook;
  AnalyticsConfig analytics;  // analytics_* options (analytics.h)
  std::string tls_cert, tls_key;          // HTTPS (mbedTLS, TLS 1.2+, AEAD suites) when tls_cert is set
  std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For names the client (IPs, CIDR)
  // Who may read /metrics (queue depths, error counts: not for the public internet).
  std::vector<std::string> metrics_allow{"127.0.0.0/8", "::1"};
  bool bench_noop = false;                // POST /v1/bench/noop: the load benchmark's no-op baseline
};

// Reads one agent_* or webhook_* option of the config file into c (agent.cpp).
Status load_agent_option(const std::string& path, const std::string& key, const nlohmann::json& value, Config& c);
// SHA-256 of an agent API key in hex, as agent_keys[].key_sha256 holds it.
std::string hash_agent_key(std::string_view key);

// Reads a JSON config file over the defaults; errors name the key.
Result<Config> load_config(const std::string& path, Config base);

class Relay {
 public:
  static Result<std::unique_ptr<Relay>> create(Config config);
  ~Relay();
  Status start();  // returns once listening
  void stop();
  int port() const;  // the bound port (for --listen 127.0.0.1:0)

  // Exposed for civetweb's C callbacks.
  int handle(mg_connection* conn);

 private:
  explicit Relay(Config c) : config_(std::move(c)) {}
  Response route(Request& req);
  std::optional<Response> rate_limit(RateLimiter& limiter, const Request& req, const char* what);
  // The per-user bucket (user_limiter_) under `bucket` ("user:<id>" or "ticket:<id>").
  std::optional<Response> rate_limit_user(const std::string& bucket, const char* what);
  std::optional<Response> read_request_body(Request& req, std::size_t limit, const char* what);
  Response create_ticket(Request& req);
  Response get_ticket(Request& req, const std::string& id);
  Response add_message(Request& req, const std::string& id);
  Response upload_attachment(Request& req);
  Response health();
  // A store or file write failed: remembers a full disk for /healthz, then the 503 to send.
  Response write_failed(const Error& e);
  // Agent API (agent.cpp).
  Status init_agents_and_forwarding();
  Response agent_route(Request& req);
  std::optional<Response> agent_gate(const Request& req, const AgentKey*& key);
  const AgentKey* agent_auth(const Request& req) const;
  Response agent_list_tickets(Request& req);
  Response agent_get_ticket(const std::string& id);
  Response agent_set_status(Request& req, const AgentKey& key, const std::string& id);
  Response agent_add_message(Request& req, const AgentKey& key, const std::string& id);
  Response agent_events(Request& req);
  Response agent_get_attachment(const std::string& id);
  // Analytics intake, reports and the report page (analytics_routes.cpp).
  Status init_analytics();
  Response analytics_events(Request& req);
  Response agent_reports(Request& req);
  int serve_report_page(mg_connection* conn, const std::string& path);
  void write_analytics_metrics(std::ostream& m);
  Response metrics();
  std::string access_token(const std::string& ticket_id) const;
  bool authorized(const Request& req, const std::string& ticket_id) const;
  std::string cors_origin(const Request& req) const;

  Config config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AttachmentFiles> attachments_;  // data/attachments; uses store_
  std::string bundle_bytes_;
  std::unique_ptr<kb::Bundle> bundle_;
  forms::FormSet forms_;
  std::string token_secret_;
  std::unique_ptr<RateLimiter> ticket_limiter_, request_limiter_;
  std::unique_ptr<RateLimiter> user_limiter_;  // ticket_rate_per_user: verified users, and tickets
  std::unique_ptr<RateLimiter> agent_limiter_;
  std::unique_ptr<Forwarder> forwarder_;  // after store_: stopped and destroyed before it
  // Analytics has its own database and bucket; reports read it and the store (after both).
  std::unique_ptr<Analytics> analytics_;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<RateLimiter> analytics_limiter_, analytics_total_limiter_;
  std::atomic<std::uint64_t> analytics_secrets_dropped_{0}, analytics_rate_limited_{0};
  std::string sentiment_error_;  // why the sentiment report is off, when the scorer could not load
  mg_context* ctx_ = nullptr;
  std::vector<IpRange> trusted_proxies_, metrics_allow_;
  // Set when a write failed on a full disk; /healthz reports it until space returns.
  std::atomic<bool> disk_full_{false};
  std::atomic<std::uint64_t> free_bytes_when_full_{0};

  // Metrics (Prometheus counters).
  std::atomic<std::uint64_t> requests_{0}, tickets_created_{0}, tickets_replayed_{0}, rejected_4xx_{0}, errors_5xx_{0},
      rate_limited_{0}, agent_requests_{0}, agent_auth_failures_{0}, rate_limited_user_{0};
  std::atomic<std::uint64_t> latency_us_sum_{0};
  std::atomic<std::uint64_t> latency_buckets_[8] = {};
};

}  // namespace lantern::relay
