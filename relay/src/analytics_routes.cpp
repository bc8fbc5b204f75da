// The relay's analytics endpoints: POST /v1/analytics/events (intake), GET /v1/agent/reports/<name>
// (agent API key), the report page under /agent/reports/ (files embedded at build time), and the
// analytics lines of /metrics. Kept apart from relay.cpp so analytics stays a side road: it has its
// own rate-limit bucket, its own database and never touches the ticket path.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lantern/sentiment.h"
#include "lantern/text.h"
#include "relay.h"
#include "report_assets.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Prefix sums shown as analytics metrics; the values are read without a lock (they are counters).
void counter(std::ostream& m, const char* name, std::uint64_t v) { m << "# TYPE " << name << " counter\n" << name << " " << v << "\n"; }

}  // namespace

Status load_analytics_option(const std::string& path, const std::string& k, const json& v, AnalyticsConfig& c) {
  auto bad = [&](const std::string& want) { return make_error(ErrorCode::parse_error, path + ": '" + k + "' must be " + want); };
  auto num = [&](double lo, double hi, double& out) -> Status {
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
      return bad(number_range(lo, hi));
    }
    out = v.get<double>();
    return ok_status();
  };
  double d = 0;
  Status st = ok_status();
  if (k == "analytics_enabled") {
    if (!v.is_boolean()) return bad("true or false");
    c.enabled = v.get<bool>();
  } else if (k == "analytics_max_bytes") {
    if ((st = num(1024, 1 << 20, d))) c.max_bytes = std::size_t(d);
  } else if (k == "analytics_rate_per_ip") {
    st = num(0, 1e6, c.rate_per_ip);
  } else if (k == "analytics_burst_per_ip") {
    st = num(1, 1e6, c.burst_per_ip);
  } else if (k == "analytics_rate_total") {
    st = num(0, 1e6, c.rate_total);
  } else if (k == "analytics_burst_total") {
    st = num(1, 1e6, c.burst_total);
  } else if (k == "analytics_retention_days") {
    if ((st = num(0, 100'000, d))) c.retention_days = int(d);
  } else if (k == "analytics_queue_events") {
    if ((st = num(1, 10'000'000, d))) c.queue_events = std::size_t(d);
  } else if (k == "analytics_flush_interval_ms") {
    if ((st = num(10, 3'600'000, d))) c.flush_interval_ms = int(d);
  } else {
    return make_error(ErrorCode::parse_error, path + ": unknown option '" + k + "' (analytics options: docs/ANALYTICS.md)");
  }
  return st;
}

Status Relay::init_analytics() {
  if (!config_.analytics.enabled) return ok_status();
  AnalyticsOptions o;
  o.dir = config_.data_dir;
  o.queue_events = config_.analytics.queue_events;
  o.flush_interval_ms = config_.analytics.flush_interval_ms;
  o.retention_days = config_.analytics.retention_days;
  auto a = Analytics::open(std::move(o));
  if (!a) return a.error();
  analytics_ = std::move(*a);
  analytics_limiter_ = std::make_unique<RateLimiter>(config_.analytics.rate_per_ip, config_.analytics.burst_per_ip);
  analytics_total_limiter_ = std::make_unique<RateLimiter>(config_.analytics.rate_total, config_.analytics.burst_total);
  // The bundle's lexicons when it carries them (a signed content update), else the sdk's own.
  auto scorer = insight::SentimentScorer::from_bundle(*bundle_);
  if (!scorer) scorer = insight::SentimentScorer::builtin();
  if (!scorer) {
    // Tickets and the other reports do not depend on it: say why and go on without sentiment.
    sentiment_error_ = scorer.error().message;
    std::fprintf(stderr, "lantern-relay: the sentiment report is off: %s\n", sentiment_error_.c_str());
    auto reports = Reports::open(config_.data_dir, *analytics_, *store_, MoodScorer{});
    if (!reports) return reports.error();
    reports_ = std::move(*reports);
    return ok_status();
  }
  auto shared = std::make_shared<insight::SentimentScorer>(std::move(*scorer));
  MoodScorer mood = [shared](std::string_view text, std::string_view lang) {
    auto s = shared->score(text, lang);
    if (!s && s.error().code == ErrorCode::unknown_language) s = shared->score(text, "");  // both lexicons apply anyway
    Mood m;
    if (!s) return m;  // over 64 KiB: neutral rather than no report (descriptions are capped far lower)
    m.sentiment = s->valence;
    m.urgency = s->urgency;
    m.label = insight::valence_name(s->label);
    for (const auto& c : s->cues) {
      if (m.cues.size() < 5) m.cues.push_back(c.text);
    }
    return m;
  };
  auto reports = Reports::open(config_.data_dir, *analytics_, *store_, std::move(mood));
  if (!reports) return reports.error();
  reports_ = std::move(*reports);
  return ok_status();
}

Response Relay::analytics_events(Request& req) {
  if (req.method != "POST") return error_response(405, "method_not_allowed", "use POST to send analytics events");
  if (!analytics_) return error_response(403, "analytics_off", "analytics is turned off on this relay (analytics_enabled: false)");
  // Its own bucket: a flood of analytics cannot use up the ticket or request budget of an address.
  int retry = 0;
  if (!analytics_limiter_->allow("ip:" + req.remote_ip, wall_ms(), &retry)) {
    ++analytics_rate_limited_;
    Response r = error_response(429, "rate_limited", "too many analytics batches from this address; try again in " + std::to_string(retry) + " s");
    r.headers.push_back({"Retry-After", std::to_string(retry)});
    return r;
  }
  if (!analytics_total_limiter_->allow("all", wall_ms(), &retry)) {
    ++analytics_rate_limited_;
    Response r = error_response(429, "rate_limited", "the relay is taking too many analytics batches; try again in " + std::to_string(retry) + " s");
    r.headers.push_back({"Retry-After", std::to_string(retry)});
    return r;
  }
  if (req.header("Content-Type").rfind("application/json", 0) != 0) {
    return error_response(415, "unsupported_media_type", "analytics events are sent as Content-Type: application/json");
  }
  if (auto failed = read_request_body(req, config_.analytics.max_bytes, "the analytics batch")) return *failed;
  EventVocabulary vocab;
  vocab.is_article = [this](std::string_view id) { return bundle_->find_article(id) >= 0; };
  vocab.is_category = [this](std::string_view id) { return forms_.find(id) != nullptr; };
  ParsedEvents parsed = parse_events(req.body, vocab);
  if (!parsed.shape_error.empty()) return error_response(400, "bad_json", parsed.shape_error);
  if (!parsed.errors.empty()) {
    json fields = json::array();
    for (const auto& e : parsed.errors) fields.push_back({{"field", e.field}, {"code", e.code}, {"message", e.message}});
    return error_response(422, "invalid_events", "the batch has events to fix; nothing of it was counted",
                          fields.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  analytics_secrets_dropped_ += parsed.secrets_dropped;
  std::size_t n = parsed.events.size();
  std::size_t taken = analytics_->submit(std::move(parsed.events));
  Response r;
  r.status = 202;
  r.body = json{{"accepted", taken}, {"dropped", n - taken}, {"dropped_secrets", parsed.secrets_dropped}}.dump();
  return r;
}

Response Relay::agent_reports(Request& req) {
  const AgentKey* key = nullptr;
  if (auto refused = agent_gate(req, key)) return *refused;
  if (req.method != "GET") return error_response(405, "method_not_allowed", "use GET to read a report");
  if (!reports_) return error_response(403, "analytics_off", "analytics is turned off on this relay (analytics_enabled: false)");
  const std::string prefix = "/v1/agent/reports";
  std::string name = req.path.size() > prefix.size() + 1 ? req.path.substr(prefix.size() + 1) : "";
  if (name.empty()) {
    Response r;
    r.body = json{{"reports", Reports::names()}}.dump();
    return r;
  }
  if (name == "sentiment" && !sentiment_error_.empty()) {
    return error_response(503, "sentiment_unavailable", "the sentiment scorer could not load its lexicons: " + sentiment_error_);
  }
  auto params = parse_report_params(req.query);
  if (!params) return error_response(400, "bad_query", params.error().message);
  // Reports read what was accepted until now: flush the counters first (bounded wait).
  analytics_->sync(2000);
  auto body = reports_->run(name, *params, wall_ms());
  if (!body) {
    if (body.error().code == ErrorCode::invalid_argument) {
      bool unknown = body.error().message.rfind("no report", 0) == 0;
      return error_response(unknown ? 404 : 400, unknown ? "not_found" : "bad_query", body.error().message);
    }
    Response r = error_response(503, "store_unavailable", body.error().message);
    r.headers.push_back({"Retry-After", "5"});
    return r;
  }
  Response r;
  r.body = std::move(*body);
  return r;
}

int Relay::serve_report_page(mg_connection* conn, const std::string& path) {
  Response r;
  if (path == "/agent/reports") {
    r.status = 301;
    r.content_type = "text/plain";
    r.headers.push_back({"Location", "/agent/reports/"});
  } else {
    std::string name = path.substr(std::string("/agent/reports/").size());
    if (name.empty()) name = "index.html";
    const ReportAsset* a = find_report_asset(name);
    if (!a) {
      r = error_response(404, "not_found", "no such file: " + path);
    } else {
      r.content_type = a->content_type;
      r.body.assign(reinterpret_cast<const char*>(a->data), a->size);
      // Only its own files: the API key pasted into the page cannot be sent anywhere else.
      r.headers.push_back({"Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"});
      r.headers.push_back({"Referrer-Policy", "no-referrer"});
    }
  }
  send(conn, r, "");
  return r.status;
}

void Relay::write_analytics_metrics(std::ostream& m) {
  if (!analytics_) return;
  counter(m, "lantern_analytics_events_accepted_total", analytics_->accepted_total());
  counter(m, "lantern_analytics_dropped_total", analytics_->dropped_total());
  counter(m, "lantern_analytics_secrets_dropped_total", analytics_secrets_dropped_);
  counter(m, "lantern_analytics_rate_limited_total", analytics_rate_limited_);
  counter(m, "lantern_analytics_flushes_total", analytics_->flushes_total());
  counter(m, "lantern_analytics_flush_errors_total", analytics_->flush_errors_total());
  m << "# TYPE lantern_analytics_queue_depth gauge\nlantern_analytics_queue_depth " << analytics_->queue_depth() << "\n";
}

}  // namespace lantern::relay
