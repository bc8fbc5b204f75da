// lantern-relay: receives tickets and screenshots, checks them again with the sdk's own rules,
// stores them durably and answers only after the store committed.
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http.h"
#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/relay/store.h"
#include "rate_limit.h"

namespace lantern::relay {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "lantern-data";
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
  std::vector<std::string> cors_origins;  // exact origins allowed to call /v1 from a browser
  std::string identity_secret;            // HMAC key shared with the exchange's backend
};

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
  std::optional<Response> read_request_body(Request& req, std::size_t limit, const char* what);
  Response create_ticket(Request& req);
  Response get_ticket(Request& req, const std::string& id);
  Response add_message(Request& req, const std::string& id);
  Response upload_attachment(Request& req);
  Response health();
  Response metrics();
  std::string access_token(const std::string& ticket_id) const;
  bool authorized(const Request& req, const std::string& ticket_id) const;
  std::string cors_origin(const Request& req) const;

  Config config_;
  std::unique_ptr<Store> store_;
  std::string bundle_bytes_;
  std::unique_ptr<kb::Bundle> bundle_;
  forms::FormSet forms_;
  std::string token_secret_;
  std::unique_ptr<RateLimiter> ticket_limiter_, request_limiter_;
  mg_context* ctx_ = nullptr;

  // Metrics (Prometheus counters).
  std::atomic<std::uint64_t> requests_{0}, tickets_created_{0}, tickets_replayed_{0}, rejected_4xx_{0}, errors_5xx_{0},
      rate_limited_{0};
  std::atomic<std::uint64_t> latency_us_sum_{0};
  std::atomic<std::uint64_t> latency_buckets_[8] = {};
};

}  // namespace lantern::relay
