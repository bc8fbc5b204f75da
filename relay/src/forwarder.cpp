#include "forwarder.h"

#include <civetweb.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>

#include "lantern/outbox.h"
#include "lantern/ticket.h"
#include "webhook_sign.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr std::size_t kBatch = 64;
constexpr std::int64_t kDayMs = 24 * 3600 * 1000LL;

}  // namespace

Result<WebhookTarget> parse_webhook_url(std::string_view url) {
  auto bad = [&](const std::string& why) { return make_error(ErrorCode::invalid_argument, "webhook_url: " + why); };
  WebhookTarget t;
  t.tls = url.rfind("https://", 0) == 0;
  if (!t.tls && url.rfind("http://", 0) != 0) return bad("must start with https:// or http://");
  if (t.tls) t.port = 443;
  std::string_view rest = url.substr(t.tls ? 8 : 7);
  std::size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (t.path[0] == '?') t.path.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return bad("user:password@ is not supported; authenticate by the signature");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 address needs its closing ]");
    t.host = std::string(authority.substr(0, close + 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("expected :port after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else {
    std::size_t colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) return bad("has no host");
  for (char c : t.host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\') return bad("the host has a character URLs do not allow");
  }
  for (char c : t.path) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return bad("the path must be printable ASCII without spaces (percent-encode the rest)");
  }
  if (!port.empty() || authority.back() == ':') {
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("the port must be a number from 1 to 65535");
    }
    t.port = std::stoi(std::string(port));
    if (t.port < 1 || t.port > 65535) return bad("the port must be a number from 1 to 65535");
  }
  return t;
}

Result<json> event_json(Store& store, const Event& e) {
  json data = json::parse(e.payload_json, nullptr, false);
  if (!data.is_object()) data = json::object();
  if (e.type == kTicketCreated) {
    auto t = store.get_ticket(e.ticket_id);
    if (!t) return t.error();
    if (*t) {
      data["ticket"] = json::parse((*t)->ticket_json, nullptr, false);
      data["created_at"] = ticket::format_utc((*t)->created_ms);
    }
  }
  return json{{"type", e.type}, {"id", e.id}, {"seq", e.seq}, {"timestamp", ticket::format_utc(e.created_ms)}, {"data", std::move(data)}};
}

std::int64_t retry_delay_ms(int failures, int initial_ms, int max_ms, double jitter01, std::int64_t retry_after_ms) {
  double d = double(initial_ms) * std::pow(2.0, std::min(failures - 1, 40));
  d = std::min(d, double(max_ms));
  d *= 0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0);
  auto delay = std::int64_t(d);
  if (retry_after_ms > 0) delay = std::max(delay, std::min(retry_after_ms, kDayMs));
  return std::max<std::int64_t>(delay, 1);
}

Result<std::unique_ptr<Forwarder>> Forwarder::create(Store& store, WebhookConfig config) {
  auto target = parse_webhook_url(config.url);
  if (!target) return target.error();
  if (config.secrets.empty()) {
    return make_error(ErrorCode::invalid_argument, "webhook_url needs webhook_secrets: receivers must be able to check every delivery");
  }
  std::unique_ptr<Forwarder> f(new Forwarder(store, std::move(config)));
  f->target_ = std::move(*target);
  if (f->target_.tls) {
    TlsOptions tls;
    tls.ca_file = f->config_.ca_file;
    auto transport = make_native_transport(tls);
    if (!transport) return make_error(transport.error().code, "webhook_ca_file: " + transport.error().message);
    f->https_ = std::move(*transport);
  } else if (!f->config_.ca_file.empty()) {
    return make_error(ErrorCode::invalid_argument, "webhook_ca_file is set but webhook_url is not https://");
  }
  for (std::size_t i = 0; i < f->config_.secrets.size(); ++i) {
    auto key = parse_webhook_secret(f->config_.secrets[i]);
    if (!key) return make_error(key.error().code, "webhook_secrets[" + std::to_string(i) + "]: " + key.error().message);
    f->keys_.push_back(std::move(*key));
  }
  return f;
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Forwarder::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Forwarder::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Forwarder::wait_ms(std::int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(ms, 1)), [&] { return stopping_ || woken_; });
  woken_ = false;
}

void Forwarder::run() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    std::int64_t now = now_ms();
    refresh_gauges(now);
    auto due = store_.due_deliveries(now, kBatch, lease_ms());
    if (!due) {
      // The store is unavailable (disk full, database locked): the outbox is still there later.
      std::fprintf(stderr, "lantern-relay: webhook: cannot read the outbox: %s\n", due.error().message.c_str());
      wait_ms(config_.poll_ms);
      continue;
    }
    // Up to `concurrency` attempts at once: a slow receiver answers several requests in parallel,
    // and the stores' records of concurrent attempts share one commit (group commit) instead of
    // one fsync each. The batch is finished before the outbox is read again, so no delivery is
    // ever in flight twice.
    std::atomic<std::size_t> next_item{0};
    std::atomic<std::int64_t> next_retry{std::numeric_limits<std::int64_t>::max()};
    auto work = [&] {
      for (std::size_t i; (i = next_item++) < due->size();) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
        }
        std::int64_t at = attempt((*due)[i].first, (*due)[i].second);
        for (std::int64_t cur = next_retry; at < cur && !next_retry.compare_exchange_weak(cur, at);) {
        }
      }
    };
    std::vector<std::thread> helpers;
    std::size_t extra = std::min<std::size_t>(std::size_t(std::max(config_.concurrency, 1)), due->size());
    for (std::size_t k = 1; k < extra; ++k) helpers.emplace_back(work);
    work();
    for (auto& h : helpers) h.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (due->size() == kBatch) continue;  // more are due
    std::int64_t wait = config_.poll_ms;
    wait = std::min<std::int64_t>(wait, next_retry - now_ms());
    wait_ms(wait);
  }
}

// Long enough for a whole batch: kBatch attempts, `concurrency` at a time, each bounded by the
// timeout (civetweb's connect adds up to 10 s), plus slack for the store's commits.
std::int64_t Forwarder::lease_ms() const {
  if (!config_.shared_store) return 0;
  std::int64_t rounds = (std::int64_t(kBatch) + config_.concurrency - 1) / std::max(config_.concurrency, 1);
  return rounds * (std::int64_t(config_.timeout_ms) + 10'000) + 5'000;
}

void Forwarder::refresh_gauges(std::int64_t now) {
  // A count over the deliveries index: cheap, and done here rather than on every /metrics scrape.
  if (now - gauges_at_ms_ < 2000) return;
  gauges_at_ms_ = now;
  auto s = store_.stats();
  if (!s) return;
  pending_ = std::int64_t(s->pending_deliveries);
  dead_stored_ = std::int64_t(s->dead_deliveries);
  auto oldest = store_.due_deliveries(std::numeric_limits<std::int64_t>::max(), 1);
  oldest_pending_ms_ = oldest && !oldest->empty() ? oldest->front().first.created_ms : 0;
}

std::int64_t Forwarder::attempt(const Event& e, const Delivery& d) {
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  auto body = event_json(store_, e);
  if (!body) {
    std::fprintf(stderr, "lantern-relay: webhook: cannot build event %s: %s\n", e.id.c_str(), body.error().message.c_str());
    return kNever;  // the store is unwell; the delivery stays due and is tried again at the next poll
  }
  std::string text = body->dump(-1, ' ', false, json::error_handler_t::replace);
  auto t0 = std::chrono::steady_clock::now();
  ++attempts_;
  PostResult r = post(e.id, now_ms() / 1000, text);
  attempt_us_sum_ += std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  bool ok = r.status >= 200 && r.status < 300;
  std::int64_t next = 0;
  std::string error;
  if (ok) {
    ++delivered_;
  } else {
    ++failed_;
    error = r.status ? "HTTP " + std::to_string(r.status) : r.error;
    double jitter;
    {
      std::lock_guard<std::mutex> lock(rng_mu_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    next = now_ms() + retry_delay_ms(d.attempts + 1, config_.backoff_initial_ms, config_.backoff_max_ms, jitter, r.retry_after_ms);
    if (d.attempts + 1 >= config_.max_attempts) {
      ++dead_;
      std::fprintf(stderr, "lantern-relay: webhook: event %s (%s) dead-lettered after %d attempts: %s\n", e.id.c_str(),
                   e.type.c_str(), d.attempts + 1, error.c_str());
    }
  }
  if (auto st = store_.record_delivery(e.seq, ok, error, next, config_.max_attempts); !st) {
    // Not recorded: the delivery stays pending and goes again; the receiver drops the duplicate by webhook-id.
    std::fprintf(stderr, "lantern-relay: webhook: cannot record delivery of %s: %s\n", e.id.c_str(), st.error().message.c_str());
  }
  return ok || d.attempts + 1 >= config_.max_attempts ? kNever : next;
}

Forwarder::PostResult Forwarder::post(const std::string& id, std::int64_t timestamp_s, const std::string& body) {
  PostResult out;
  if (https_) {
    HttpRequest req;
    req.method = "POST";
    req.url = config_.url;
    req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "lantern-relay"}, {"webhook-id", id},
                   {"webhook-timestamp", std::to_string(timestamp_s)}, {"webhook-signature", sign_webhook(keys_, id, timestamp_s, body)}};
    req.body = body;
    req.timeout_ms = config_.timeout_ms;
    req.max_response_bytes = 64 * 1024;  // the answer's body is not used
    TransportResult r = https_->send(req);
    if (r.error != TransportError::none) {
      std::string kind = transport_error_name(r.error);
      out.error = r.message.rfind(kind, 0) == 0 ? r.message : kind + ": " + r.message;
      return out;
    }
    out.status = r.response.status;
    std::string ra = r.response.header("Retry-After");
    if (!ra.empty()) out.retry_after_ms = ticket::parse_retry_after_ms(ra, now_ms());
    return out;
  }
  char ebuf[256] = {0};
  std::string host = target_.host;
  // civetweb resolves IPv6 literals without brackets on Linux.
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  mg_connection* conn = mg_connect_client(host.c_str(), target_.port, 0, ebuf, sizeof ebuf);
  if (!conn) {
    out.error = std::string("cannot connect to ") + target_.host + ":" + std::to_string(target_.port) + ": " + ebuf;
    return out;
  }
  std::string head = "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host +
                     (target_.port == 80 ? "" : ":" + std::to_string(target_.port)) +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nUser-Agent: lantern-relay\r\nConnection: close\r\nwebhook-id: " + id +
                     "\r\nwebhook-timestamp: " + std::to_string(timestamp_s) +
                     "\r\nwebhook-signature: " + sign_webhook(keys_, id, timestamp_s, body) + "\r\n\r\n";
  head += body;
  if (mg_write(conn, head.data(), head.size()) != int(head.size())) {
    out.error = "the connection closed while sending";
  } else if (mg_get_response(conn, ebuf, sizeof ebuf, config_.timeout_ms) < 0) {
    out.error = std::string("no HTTP response within ") + std::to_string(config_.timeout_ms) + " ms" + (ebuf[0] ? std::string(": ") + ebuf : "");
  } else {
    const mg_response_info* ri = mg_get_response_info(conn);
    out.status = ri ? ri->status_code : 0;
    if (!out.status) out.error = "an unreadable HTTP response";
    if (const char* ra = mg_get_header(conn, "Retry-After")) out.retry_after_ms = ticket::parse_retry_after_ms(ra, now_ms());
  }
  mg_close_connection(conn);
  return out;
}

void Forwarder::write_metrics(std::ostream& m) const {
  m << "# HELP lantern_webhook_attempts_total webhook POSTs made\n# TYPE lantern_webhook_attempts_total counter\n"
    << "lantern_webhook_attempts_total " << attempts_ << "\n";
  m << "# TYPE lantern_webhook_delivered_total counter\nlantern_webhook_delivered_total " << delivered_ << "\n";
  m << "# HELP lantern_webhook_failed_attempts_total attempts without a 2xx answer (each is retried or dead-lettered)\n"
    << "# TYPE lantern_webhook_failed_attempts_total counter\nlantern_webhook_failed_attempts_total " << failed_ << "\n";
  m << "# TYPE lantern_webhook_dead_lettered_total counter\nlantern_webhook_dead_lettered_total " << dead_ << "\n";
  m << "# TYPE lantern_webhook_attempt_seconds_total counter\nlantern_webhook_attempt_seconds_total " << double(attempt_us_sum_) / 1e6 << "\n";
  m << "# HELP lantern_webhook_pending_deliveries events not yet delivered (refreshed every 2 s)\n"
    << "# TYPE lantern_webhook_pending_deliveries gauge\nlantern_webhook_pending_deliveries " << pending_ << "\n";
  m << "# HELP lantern_webhook_dead_deliveries dead-lettered events in the store\n"
    << "# TYPE lantern_webhook_dead_deliveries gauge\nlantern_webhook_dead_deliveries " << dead_stored_ << "\n";
  std::int64_t oldest = oldest_pending_ms_;
  double age = oldest > 0 ? std::max<double>(0, double(now_ms() - oldest) / 1000) : 0;
  m << "# TYPE lantern_webhook_oldest_pending_age_seconds gauge\nlantern_webhook_oldest_pending_age_seconds " << age << "\n";
}

}  // namespace lantern::relay
