#include "relay.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <tuple>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lantern/encoding.h"
#include "lantern/media.h"
#include "lantern/search.h"
#include "lantern/secret_guard.h"
#include "lantern/seams.h"
#include "lantern/signing.h"
#include "lantern/ticket.h"
#include "civetweb_tls.h"
#include "mbedtls/md.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::uint64_t free_bytes(const std::string& dir) {
  struct statvfs v;
  return ::statvfs(dir.c_str(), &v) == 0 ? std::uint64_t(v.f_bavail) * v.f_frsize : 0;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// civetweb's max_request_size: the request line and headers together (431 beyond).
constexpr int kMaxHeadBytes = 16384;

std::string hmac_sha256(std::string_view key, std::string_view msg) {
  std::uint8_t out[32];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                  reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string base64url(std::string_view bytes) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16 | std::uint8_t(bytes[i + 1]) << 8 | std::uint8_t(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(a[(v >> k) & 63]);
  }
  if (i + 1 == bytes.size()) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    out.push_back(a[(v >> 18) & 63]);
    out.push_back(a[(v >> 12) & 63]);
  } else if (i + 2 == bytes.size()) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16 | std::uint8_t(bytes[i + 1]) << 8;
    out.push_back(a[(v >> 18) & 63]);
    out.push_back(a[(v >> 12) & 63]);
    out.push_back(a[(v >> 6) & 63]);
  }
  return out;
}

// Compares secrets without leaking where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

std::string json_str(std::string_view s) {
  std::string out;
  search::append_json_string(out, s);
  return out;
}

std::string fields_json(const std::vector<forms::FieldError>& errors) {
  json a = json::array();
  for (const auto& e : errors) {
    a.push_back({{"field", e.field}, {"code", e.code}, {"message", e.message.en}, {"message_zh", e.message.zh}, {"blocking", e.blocking}});
  }
  return a.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::io_error, path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The key that derives access tokens: 32 random bytes kept in the data folder, mode 0600.
Result<std::string> load_or_make_secret(const std::string& dir) {
  std::string path = dir + "/relay.secret";
  auto existing = read_all(path);
  if (existing && existing->size() == 32) return *existing;
  auto rnd = make_system_random();
  std::uint8_t b[32];
  if (auto st = rnd->fill(b, 32); !st) return st.error();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return make_error(ErrorCode::io_error, path + ": " + std::strerror(errno));
  bool ok = ::write(fd, b, 32) == 32 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(ErrorCode::io_error, path + ": cannot write the relay secret");
  return std::string(reinterpret_cast<char*>(b), 32);
}

int begin_request(mg_connection* conn) {
  auto* relay = static_cast<Relay*>(mg_get_user_data(mg_get_context(conn)));
  return relay->handle(conn);
}

// Errors civetweb answers itself, before or instead of the relay's handler: a request head over
// max_request_size or malformed, a bad HTTP version, a missing static file. Sent in the relay's
// JSON error shape instead of civetweb's text/plain page, and the connection is closed as
// civetweb would (after a broken head the stream cannot be trusted).
int http_error(mg_connection* conn, int status, const char* errmsg) {
  if (status < 400) return 1;  // 304 and the like: not an error page; civetweb's own answer
  std::string msg = errmsg ? errmsg : "";
  if (msg.rfind("Error: ", 0) == 0) msg.erase(0, 7);
  std::string code;
  if (lantern_mg_head_too_large(conn)) {
    status = 431;
    code = "header_too_large";
    msg = "the request line and headers are larger than " + std::to_string(kMaxHeadBytes) + " bytes";
  } else if (status == 400) {
    code = "bad_request";
    msg = "the request head could not be read (" + (msg.empty() ? std::string("malformed") : msg) + ")";
  } else if (status == 404) {
    code = "not_found";
    msg = "no such file";
  } else if (status == 405) {
    code = "method_not_allowed";
  } else if (status == 413) {
    code = "too_large";
  } else if (status == 505) {
    code = "http_version";
  } else {
    code = status >= 500 ? "server_error" : "bad_request";
  }
  if (msg.empty()) msg = mg_get_response_code_text(conn, status);
  Response r = error_response(status, code, msg);
  const mg_request_info* ri = mg_get_request_info(conn);
  bool head_only = ri && ri->request_method && std::strcmp(ri->request_method, "HEAD") == 0;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + mg_get_response_code_text(conn, status) + "\r\n" +
                    "Content-Type: application/json\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n" +
                    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
  if (!head_only) out += r.body;
  lantern_mg_close_after_response(conn);
  mg_write(conn, out.data(), out.size());
  return 0;  // handled
}

int log_message(const mg_connection*, const char* message) {
  // civetweb's own errors (bind failures, TLS); requests are never logged with their bodies.
  std::fprintf(stderr, "lantern-relay: %s\n", message);
  return 1;
}

}  // namespace

Result<Config> load_config(const std::string& path, Config c) {
  auto text = read_all(path);
  if (!text) return text.error();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return make_error(ErrorCode::parse_error, path + ": not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    auto bad = [&](const char* want) { return make_error(ErrorCode::parse_error, path + ": '" + k + "' must be " + want); };
    auto str = [&](std::string& dst) -> Status {
      if (!it->is_string()) return bad("a string");
      dst = it->get<std::string>();
      return ok_status();
    };
    auto num = [&](auto& dst, double lo, double hi) -> Status {
      if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi) {
        return bad(number_range(lo, hi).c_str());
      }
      dst = static_cast<std::remove_reference_t<decltype(dst)>>(it->get<double>());
      return ok_status();
    };
    Status st = ok_status();
    if (k == "listen") st = str(c.listen);
    else if (k == "data") st = str(c.data_dir);
    else if (k == "store") st = str(c.store);
    else if (k == "store_connections") st = num(c.store_connections, 1, 256);
    else if (k == "web") st = str(c.web_dir);
    else if (k == "bundle") st = str(c.bundle_path);
    else if (k == "public_key") st = str(c.public_key_path);
    else if (k == "identity_secret") st = str(c.identity_secret);
    else if (k == "tls_cert") st = str(c.tls_cert);
    else if (k == "tls_key") st = str(c.tls_key);
    else if (k == "bench_noop") {
      if (!it->is_boolean()) return bad("true or false");
      c.bench_noop = it->get<bool>();
    } else if (k == "trusted_proxies" || k == "metrics_allow") {
      if (!it->is_array()) return bad("a list of IP addresses or CIDR blocks");
      auto& list = k == "trusted_proxies" ? c.trusted_proxies : c.metrics_allow;
      list.clear();
      for (const auto& o : *it) {
        if (!o.is_string()) return bad("a list of IP addresses or CIDR blocks");
        if (auto r = parse_ip_range(o.get<std::string>()); !r) return make_error(ErrorCode::parse_error, path + ": " + k + ": " + r.error().message);
        list.push_back(o.get<std::string>());
      }
    }
    else if (k == "max_ticket_bytes") st = num(c.max_ticket_bytes, 1024, 16 << 20);
    else if (k == "max_message_bytes") st = num(c.max_message_bytes, 256, 1 << 20);
    else if (k == "max_attachment_bytes") st = num(c.max_attachment_bytes, 1024, 64 << 20);
    else if (k == "threads") st = num(c.threads, 4, 1024);
    else if (k == "request_timeout_ms") st = num(c.request_timeout_ms, 100, 600'000);
    else if (k == "ticket_rate_per_ip") st = num(c.ticket_rate_per_ip, 0, 1e6);
    else if (k == "ticket_burst_per_ip") st = num(c.ticket_burst_per_ip, 1, 1e6);
    else if (k == "request_rate_per_ip") st = num(c.request_rate_per_ip, 0, 1e6);
    else if (k == "request_burst_per_ip") st = num(c.request_burst_per_ip, 1, 1e6);
    else if (k == "ticket_rate_per_user") st = num(c.ticket_rate_per_user, 0, 1e6);
    else if (k == "ticket_burst_per_user") st = num(c.ticket_burst_per_user, 1, 1e6);
    else if (k.rfind("agent_", 0) == 0 || k.rfind("webhook_", 0) == 0) st = load_agent_option(path, k, *it, c);
    else if (k.rfind("analytics_", 0) == 0) st = load_analytics_option(path, k, *it, c.analytics);
    else if (k == "cors_origins") {
      if (!it->is_array()) return bad("a list of origins");
      c.cors_origins.clear();
      for (const auto& o : *it) {
        if (!o.is_string()) return bad("a list of origins");
        c.cors_origins.push_back(o.get<std::string>());
      }
    } else {
      return make_error(ErrorCode::parse_error, path + ": unknown option '" + k + "' (see docs/RELAY.md)");
    }
    if (!st) return st.error();
  }
  return c;
}

Result<std::unique_ptr<Relay>> Relay::create(Config config) {
  std::unique_ptr<Relay> r(new Relay(std::move(config)));
  if (::mkdir(r->config_.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(ErrorCode::io_error, r->config_.data_dir + ": " + std::strerror(errno));
  }
  auto secret = load_or_make_secret(r->config_.data_dir);
  if (!secret) return secret.error();
  r->token_secret_ = *secret;
  for (auto [name, texts, ranges] : {std::tuple{"trusted_proxies", &r->config_.trusted_proxies, &r->trusted_proxies_},
                                      std::tuple{"metrics_allow", &r->config_.metrics_allow, &r->metrics_allow_}}) {
    for (const auto& text : *texts) {
      auto range = parse_ip_range(text);
      if (!range) return make_error(ErrorCode::invalid_argument, std::string(name) + ": " + range.error().message);
      ranges->push_back(*range);
    }
  }
  if (r->config_.bundle_path.empty()) return make_error(ErrorCode::invalid_argument, "--bundle FILE is required: its form schemas validate tickets");
  auto bytes = read_all(r->config_.bundle_path);
  if (!bytes) return bytes.error();
  r->bundle_bytes_ = std::move(*bytes);
  const auto* p = reinterpret_cast<const std::uint8_t*>(r->bundle_bytes_.data());
  Status st = kb::check_integrity(p, r->bundle_bytes_.size());
  if (st && !r->config_.public_key_path.empty()) {
    auto key = read_all(r->config_.public_key_path);
    if (!key) return key.error();
    st = kb::verify_bundle(p, r->bundle_bytes_.size(), *key);
  }
  if (!st) return make_error(st.error().code, r->config_.bundle_path + ": " + st.error().message);
  auto bundle = kb::Bundle::open(p, r->bundle_bytes_.size());
  if (!bundle) return make_error(bundle.error().code, r->config_.bundle_path + ": " + bundle.error().message);
  r->bundle_ = std::make_unique<kb::Bundle>(std::move(*bundle));
  auto forms = forms::parse_form_set(r->bundle_->section_json(kb::tag("FORM")));
  if (!forms) return make_error(forms.error().code, r->config_.bundle_path + ": " + forms.error().message + " (build it with --forms)");
  r->forms_ = std::move(*forms);
  StoreOptions store_options;
  store_options.postgres.pool_size = std::size_t(r->config_.store_connections);
  auto store = open_store(r->config_.store, r->config_.data_dir, store_options);
  if (!store) return store.error();
  r->store_ = std::move(*store);
  r->attachments_ = std::make_unique<AttachmentFiles>(r->config_.data_dir + "/attachments", *r->store_);
  if (!r->config_.store.empty()) {
    // Relays sharing a store must share relay.secret (access tokens are derived from it): the first
    // to start records a fingerprint of it, and a relay with another secret refuses to start.
    std::string mine = base64url(hmac_sha256(r->token_secret_, "lantern-relay secret fingerprint"));
    auto stored = r->store_->setting("relay_secret_fingerprint", mine);
    if (!stored) return stored.error();
    if (*stored != mine) {
      return make_error(ErrorCode::invalid_argument, r->config_.data_dir + "/relay.secret differs from the secret of the relays already "
                                                     "using this store: copy relay.secret from one of them (access tokens are derived from it)");
    }
  }
  r->ticket_limiter_ = std::make_unique<RateLimiter>(r->config_.ticket_rate_per_ip, r->config_.ticket_burst_per_ip);
  r->request_limiter_ = std::make_unique<RateLimiter>(r->config_.request_rate_per_ip, r->config_.request_burst_per_ip);
  r->user_limiter_ = std::make_unique<RateLimiter>(r->config_.ticket_rate_per_user, r->config_.ticket_burst_per_user);
  if (auto st = r->init_agents_and_forwarding(); !st) return st.error();
  if (auto st = r->init_analytics(); !st) return st.error();
  return r;
}

Relay::~Relay() { stop(); }

Status Relay::start() {
  mg_init_library(0);
  mg_callbacks cb;
  std::memset(&cb, 0, sizeof cb);
  cb.begin_request = begin_request;
  cb.log_message = log_message;
  cb.http_error = http_error;
  std::string threads = std::to_string(config_.threads);
  std::string timeout = std::to_string(config_.request_timeout_ms);
  std::string head_bytes = std::to_string(kMaxHeadBytes);
  // HTTPS: civetweb's mbedTLS module, with the settings of civetweb_tls.c (TLS 1.2+, AEAD only).
  std::string ports = config_.listen;
  if (!config_.tls_cert.empty()) {
    const std::string& key = config_.tls_key.empty() ? config_.tls_cert : config_.tls_key;
    if (auto st = check_tls_files(config_.tls_cert, key); !st) return st;
    lantern_tls_set_options(key.c_str(), config_.request_timeout_ms);
    ports += "s";
  } else if (!config_.tls_key.empty()) {
    return make_error(ErrorCode::invalid_argument, "--tls-key needs --tls-cert");
  }
  std::vector<const char*> opts = {"listening_ports", ports.c_str(),
                                   "num_threads", threads.c_str(),
                                   // A slow client (slowloris) loses its thread after this long.
                                   "request_timeout_ms", timeout.c_str(),
                                   "enable_keep_alive", "yes",
                                   // Static files are written as head, then body: no Nagle wait between.
                                   "tcp_nodelay", "1",
                                   "keep_alive_timeout_ms", "5000",
                                   "max_request_size", head_bytes.c_str(),
                                   "enable_directory_listing", "no",
                                   // civetweb's table lacks these: browsers refuse a module script or
                                   // streaming WebAssembly compile served as text/plain.
                                   "extra_mime_types", ".wasm=application/wasm,.mjs=text/javascript,.bundle=application/octet-stream"};
  if (!config_.tls_cert.empty()) {
    opts.push_back("ssl_certificate");
    opts.push_back(config_.tls_cert.c_str());
  }
  if (!config_.web_dir.empty()) {
    opts.push_back("document_root");
    opts.push_back(config_.web_dir.c_str());
  }
  opts.push_back(nullptr);
  ctx_ = mg_start(&cb, this, opts.data());
  if (!ctx_) return make_error(ErrorCode::io_error, "cannot listen on " + config_.listen + " (in use, or not an address of this machine)");
  if (forwarder_) forwarder_->start();
  return ok_status();
}

void Relay::stop() {
  if (ctx_) mg_stop(ctx_);
  ctx_ = nullptr;
  if (forwarder_) forwarder_->stop();  // after the server: no request can add an event any more
}

int Relay::port() const {
  mg_server_port ports[4];
  int n = ctx_ ? mg_get_server_ports(ctx_, 4, ports) : 0;
  return n > 0 ? ports[0].port : 0;
}

std::string Relay::access_token(const std::string& ticket_id) const {
  // Derived, not stored: the same ticket always has the same token, so a retried request (same
  // idempotency key) gets the same answer, and a stolen database holds no tokens.
  return base64url(hmac_sha256(token_secret_, "access:" + ticket_id));
}

bool Relay::authorized(const Request& req, const std::string& ticket_id) const {
  std::string auth = req.header("Authorization");
  const std::string prefix = "Bearer ";
  if (auth.compare(0, prefix.size(), prefix) != 0) return false;
  return same_secret(auth.substr(prefix.size()), access_token(ticket_id));
}

std::string Relay::cors_origin(const Request& req) const {
  std::string origin = req.header("Origin");
  if (origin.empty()) return {};
  for (const auto& o : config_.cors_origins) {
    if (o == origin || o == "*") return origin;
  }
  return {};
}

int Relay::handle(mg_connection* conn) {
  const mg_request_info* ri = mg_get_request_info(conn);
  std::string path = ri->local_uri ? ri->local_uri : "/";
  // Static files (the widget) are civetweb's: it confines paths to document_root.
  if (path == "/agent/reports" || path.rfind("/agent/reports/", 0) == 0) return serve_report_page(conn, path);
  if (path.rfind("/v1/", 0) != 0 && path != "/healthz" && path != "/metrics") return 0;
  auto t0 = std::chrono::steady_clock::now();
  ++requests_;
  Request req;
  req.conn = conn;
  req.method = ri->request_method ? ri->request_method : "";
  req.path = path;
  req.query = ri->query_string ? ri->query_string : "";
  // Behind a trusted proxy (nginx), the client is named by X-Forwarded-For.
  req.remote_ip = client_ip(ri->remote_addr, trusted_proxies_.empty() ? "" : req.header("X-Forwarded-For"), trusted_proxies_);
  Response res = route(req);
  if (res.status >= 500) ++errors_5xx_;
  else if (res.status >= 400) ++rejected_4xx_;
  send(conn, res, cors_origin(req), config_.request_timeout_ms);
  auto us = std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  latency_us_sum_ += us;
  static const std::uint64_t kBounds[7] = {1000, 5000, 10000, 25000, 50000, 100000, 500000};
  int b = 0;
  while (b < 7 && us > kBounds[b]) ++b;
  ++latency_buckets_[b];
  return res.status;
}

// 429 with Retry-After when the client's bucket is empty; nothing when it may go on.
std::optional<Response> Relay::rate_limit(RateLimiter& limiter, const Request& req, const char* what) {
  int retry = 0;
  if (limiter.allow("ip:" + req.remote_ip, now_ms(), &retry)) return std::nullopt;
  ++rate_limited_;
  Response r = error_response(429, "rate_limited", std::string("too many ") + what + " from this address; try again in " +
                                                       std::to_string(retry) + " s");
  r.headers.push_back({"Retry-After", std::to_string(retry)});
  return r;
}

// The per-user bucket. Only spent for a verified user ("user:<id>") or for one ticket
// ("ticket:<id>", reachable only with its access token): an unverified user id is whatever the
// caller typed, so charging it would let anyone empty a real user's bucket by sending tickets
// under their id. The per-IP buckets still apply to everyone.
std::optional<Response> Relay::rate_limit_user(const std::string& bucket, const char* what) {
  int retry = 0;
  if (user_limiter_->allow(bucket, now_ms(), &retry)) return std::nullopt;
  ++rate_limited_;
  ++rate_limited_user_;
  Response r = error_response(429, "rate_limited", std::string("too many ") + what +
                                                       (bucket.rfind("user:", 0) == 0 ? " from this user" : " on this ticket") +
                                                       " (the per-user limit, ticket_rate_per_user); try again in " + std::to_string(retry) + " s");
  r.headers.push_back({"Retry-After", std::to_string(retry)});
  return r;
}

// Reads the body into req.body: 413 over `limit` (not read past it), 400 when it ends early.
std::optional<Response> Relay::read_request_body(Request& req, std::size_t limit, const char* what) {
  bool too_large = false, timed_out = false;
  if (read_body(const_cast<mg_connection*>(req.conn), limit, req.body, &too_large, config_.request_timeout_ms, &timed_out)) {
    return std::nullopt;
  }
  if (timed_out) return error_response(408, "timeout", std::string(what) + " did not arrive within " + std::to_string(config_.request_timeout_ms) + " ms");
  if (too_large) return error_response(413, "too_large", std::string(what) + " is larger than " + std::to_string(limit) + " bytes");
  return error_response(400, "truncated", "the request body ended before its Content-Length");
}

Response Relay::route(Request& req) {
  if (req.method == "OPTIONS") {
    std::string origin = req.header("Origin");
    if (cors_origin(req).empty()) {
      // Every error is JSON, this one too (a browser will not show it: the answer has no
      // Access-Control-Allow-Origin, which is the refusal).
      return error_response(403, "origin_not_allowed",
                            origin.empty() ? "a CORS preflight needs an Origin header"
                                           : "the origin " + origin + " is not allowed to call this relay (cors_origins)");
    }
    Response r;
    r.status = 204;
    r.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                 {"Access-Control-Allow-Headers", "Content-Type, Authorization, Idempotency-Key"},
                 {"Access-Control-Max-Age", "600"}};
    return r;
  }
  if (req.path == "/healthz") return health();
  if (req.path == "/metrics") {
    if (!in_ranges(req.remote_ip, metrics_allow_)) {
      return error_response(403, "forbidden", "/metrics is readable only from the addresses in metrics_allow; " + req.remote_ip + " is not one");
    }
    return metrics();
  }
  // Agents are limited per API key (and per IP only when their key is wrong): agent.cpp.
  if (req.path == "/v1/agent/reports" || req.path.rfind("/v1/agent/reports/", 0) == 0) return agent_reports(req);
  if (req.path.rfind("/v1/agent/", 0) == 0) return agent_route(req);
  // Analytics has its own per-IP bucket, so it never spends the ticket or request budget.
  if (req.path == "/v1/analytics/events") return analytics_events(req);
  if (auto limited = rate_limit(*request_limiter_, req, "requests")) return *limited;
  if (config_.bench_noop && req.path == "/v1/bench/noop") {
    // The load benchmark's baseline: the same server and body read, no validation, no store.
    if (auto failed = read_request_body(req, config_.max_ticket_bytes, "the body")) return *failed;
    Response r;
    r.body = "{\"ok\":true}";
    return r;
  }
  if (req.path == "/v1/attachments") {
    if (req.method != "POST") return error_response(405, "method_not_allowed", "use POST to upload an image");
    return upload_attachment(req);
  }
  if (req.path == "/v1/tickets") {
    if (req.method != "POST") return error_response(405, "method_not_allowed", "use POST to create a ticket");
    return create_ticket(req);
  }
  const std::string prefix = "/v1/tickets/";
  if (req.path.rfind(prefix, 0) == 0) {
    std::string rest = req.path.substr(prefix.size());
    std::string id = rest.substr(0, rest.find('/'));
    std::string tail = rest.size() > id.size() ? rest.substr(id.size()) : "";
    if (tail.empty() && req.method == "GET") return get_ticket(req, id);
    if (tail == "/messages" && req.method == "POST") return add_message(req, id);
    return error_response(404, "not_found", "no such endpoint: " + req.method + " " + req.path);
  }
  return error_response(404, "not_found", "no such endpoint: " + req.method + " " + req.path);
}

Response Relay::create_ticket(Request& req) {
  std::string ctype = req.header("Content-Type");
  if (ctype.rfind("application/json", 0) != 0) return error_response(415, "unsupported_media_type", "tickets are sent as Content-Type: application/json");
  std::string key = req.header("Idempotency-Key");
  if (key.size() < 32 || key.size() > 64 || !encoding::is_hex(key)) {
    return error_response(400, "idempotency_key", "the Idempotency-Key header must be the ticket's idempotency_key: 32-64 hex digits");
  }
  if (auto limited = rate_limit(*ticket_limiter_, req, "tickets")) return *limited;
  if (auto failed = read_request_body(req, config_.max_ticket_bytes, "the ticket")) return *failed;
  forms::CheckContext ctx;
  ctx.now_ms = now_ms();
  auto parsed = ticket::parse(req.body, forms_, ctx);
  if (!parsed.ticket) {
    bool shape = false;
    // Not JSON, too large, or not an object at all (RELAY_API.md: 400 bad_json); field errors are 422.
    for (const auto& e : parsed.errors) shape |= e.code == "json" || e.code == "too_large" || (e.field.empty() && e.code == "type");
    return error_response(shape ? 400 : 422, shape ? "bad_json" : "invalid_fields",
                          shape ? parsed.errors.front().message.en : "the ticket has fields to fix", fields_json(parsed.errors));
  }
  const ticket::Ticket& t = *parsed.ticket;
  if (t.idempotency_key != key) {
    return error_response(422, "idempotency_key", "the Idempotency-Key header differs from the ticket's idempotency_key");
  }
  bool verified = false;
  if (t.user && !config_.identity_secret.empty()) {
    std::string expect = encoding::hex_encode(reinterpret_cast<const std::uint8_t*>(hmac_sha256(config_.identity_secret, t.user->user_id).data()), 32);
    // Hex in either case: some backends print HMACs in upper case.
    std::string given = t.user->user_hash;
    for (char& ch : given) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    verified = same_secret(expect, given);
  }
  // Per-user bucket, verified users only (see rate_limit_user): after the checks, before the store.
  if (verified) {
    if (auto limited = rate_limit_user("user:" + t.user->user_id, "tickets and messages")) return *limited;
  }
  std::uint8_t digest[32];
  encoding::sha256(reinterpret_cast<const std::uint8_t*>(req.body.data()), req.body.size(), digest);
  NewTicket nt;
  nt.idempotency_key = key;
  nt.body_sha256 = encoding::hex_encode(digest, 32);
  nt.ticket_json = req.body;
  nt.verified = verified;
  nt.user_id = t.user ? t.user->user_id : "";
  nt.now_ms = ctx.now_ms;
  auto created = store_->create_ticket(nt);
  if (!created) {
    if (created.error().code == ErrorCode::duplicate) {
      return error_response(409, "idempotency_conflict", "this Idempotency-Key was already used for a different ticket");
    }
    return write_failed(created.error());
  }
  disk_full_ = false;
  (created->created ? tickets_created_ : tickets_replayed_)++;
  if (!created->created) {
    // A retry of a stored ticket (its answer was lost on the way) creates nothing: it must not
    // use up the sender's ticket budget, or a flaky network turns into 429s.
    ticket_limiter_->give_back("ip:" + req.remote_ip);
    if (verified) user_limiter_->give_back("user:" + t.user->user_id);
  }
  if (created->created && forwarder_) forwarder_->wake();
  Response r;
  r.status = 201;
  r.body = "{\"id\":" + json_str(created->ticket.id) + ",\"access_token\":" + json_str(access_token(created->ticket.id)) +
           ",\"status\":" + json_str(created->ticket.status) + ",\"verified\":" + (created->ticket.verified ? "true" : "false") + "}";
  return r;
}

Response Relay::get_ticket(Request& req, const std::string& id) {
  if (!authorized(req, id)) return error_response(401, "unauthorized", "this ticket needs its access token: Authorization: Bearer <token>");
  auto t = store_->get_ticket(id);
  if (!t) return error_response(503, "store_unavailable", t.error().message);
  if (!*t) return error_response(404, "not_found", "no ticket " + id);
  auto msgs = store_->messages(id);
  if (!msgs) return error_response(503, "store_unavailable", msgs.error().message);
  json m = json::array();
  for (const auto& x : *msgs) m.push_back({{"id", x.id}, {"author", x.author}, {"body", x.body}, {"created_at", ticket::format_utc(x.created_ms)}});
  const StoredTicket& s = **t;
  json out = {{"id", s.id}, {"status", s.status}, {"verified", s.verified}, {"created_at", ticket::format_utc(s.created_ms)},
              {"updated_at", ticket::format_utc(s.updated_ms)}, {"ticket", json::parse(s.ticket_json, nullptr, false)}, {"messages", m}};
  Response r;
  r.body = out.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response Relay::add_message(Request& req, const std::string& id) {
  if (!authorized(req, id)) return error_response(401, "unauthorized", "this ticket needs its access token: Authorization: Bearer <token>");
  if (req.header("Content-Type").rfind("application/json", 0) != 0) return error_response(415, "unsupported_media_type", "messages are sent as Content-Type: application/json");
  if (auto failed = read_request_body(req, config_.max_message_bytes, "the message")) return *failed;
  json j = json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("body") || !j["body"].is_string() || j["body"].get<std::string>().empty()) {
    return error_response(422, "invalid_fields", "send {\"body\": \"your message\"}", R"([{"field":"body","code":"required","message":"the message is empty"}])");
  }
  std::string body = j["body"].get<std::string>();
  // The same guard as the ticket: a seed phrase or key pasted into a follow-up never gets stored.
  std::vector<forms::FieldError> secrets;
  for (const auto& f : forms::scan_secrets(body, forms::FieldKind::free_text)) {
    if (f.severity != forms::Severity::block) continue;
    secrets.push_back({"body", std::string("secret.") + forms::secret_kind_name(f.kind), {f.message_en, f.message_zh}, true});
  }
  if (!secrets.empty()) return error_response(422, "invalid_fields", "the message contains a secret; remove it first", fields_json(secrets));
  auto t = store_->get_ticket(id);
  if (!t) return error_response(503, "store_unavailable", t.error().message);
  if (!*t) return error_response(404, "not_found", "no ticket " + id);
  // Follow-ups reach the help desk like tickets, so they spend the same per-user bucket: a verified
  // user's, or else this ticket's own (the access token holder's; nobody else can spend it).
  // Otherwise one ticket would be a channel limited only by the per-IP request bucket.
  const StoredTicket& st = **t;
  if (auto limited = rate_limit_user(st.verified && !st.user_id.empty() ? "user:" + st.user_id : "ticket:" + id, "tickets and messages")) {
    return *limited;
  }
  auto m = store_->add_message(id, "user", body, now_ms());
  if (!m) return write_failed(m.error());
  if (forwarder_) forwarder_->wake();
  Response r;
  r.status = 201;
  r.body = json{{"id", m->id}, {"created_at", ticket::format_utc(m->created_ms)}}.dump();
  return r;
}

Response Relay::upload_attachment(Request& req) {
  std::string ctype = req.header("Content-Type");
  if (ctype != "image/png" && ctype != "image/jpeg" && ctype != "image/webp" && ctype != "application/octet-stream") {
    return error_response(415, "unsupported_media_type", "upload the raw image bytes as image/png, image/jpeg or image/webp");
  }
  if (auto limited = rate_limit(*ticket_limiter_, req, "uploads")) return *limited;
  if (auto failed = read_request_body(req, config_.max_attachment_bytes, "the image")) return *failed;
  const auto* data = reinterpret_cast<const std::uint8_t*>(req.body.data());
  if (!media::sniff(data, req.body.size())) {
    const char* looks = media::describe_other(data, req.body.size());
    return error_response(415, "unsupported_media_type",
                          std::string("not a PNG, JPEG or WebP image") + (looks ? std::string(" (the bytes look like ") + looks + ")" : ""));
  }
  media::Limits limits;
  limits.max_input_bytes = config_.max_attachment_bytes;
  auto img = media::reencode(data, req.body.size(), limits);
  if (!img) {
    int status = img.error().code == ErrorCode::too_large ? 413 : 422;
    return error_response(status, status == 413 ? "too_large" : "bad_image", img.error().message);
  }
  // The re-encoded bytes (no metadata): a file named by their hash, complete before its row
  // (attachment_files.h). A full disk gives 503 disk_full like a ticket, and no partial file.
  bool wrote = false;
  auto stored = attachments_->put(std::string_view(reinterpret_cast<const char*>(img->bytes.data()), img->bytes.size()),
                                  img->sha256_hex, media::mime_type(img->type), now_ms(), &wrote);
  if (!stored) {
    if (stored.error().code == ErrorCode::invalid_argument) return error_response(422, "bad_image", stored.error().message);
    return write_failed(stored.error());
  }
  if (wrote) disk_full_ = false;  // the disk had room for a new file
  Response r;
  r.status = 201;
  r.body = json{{"id", stored->id}, {"sha256", stored->sha256}, {"type", stored->type}, {"size", stored->size},
                {"width", img->width}, {"height", img->height}}.dump();
  return r;
}

Response Relay::write_failed(const Error& e) {
  if (is_disk_full(e)) {
    // The free space first, then the flag: /healthz reads them in the other order.
    if (!disk_full_) free_bytes_when_full_ = free_bytes(config_.data_dir);
    disk_full_ = true;
  }
  return store_error_response(e);
}

Response Relay::health() {
  auto s = store_->stats();
  Response r;
  if (!s) {
    r = error_response(503, "store_unavailable", s.error().message);
    return r;
  }
  if (disk_full_) {
    // Full until the disk has clearly more room than when the write failed (or a write succeeds).
    if (free_bytes(config_.data_dir) > free_bytes_when_full_ + (256u << 10)) {
      disk_full_ = false;
    } else {
      return error_response(503, "disk_full", "the store's disk is full: new tickets and uploads get 503 until space is freed in " + config_.data_dir);
    }
  }
  r.body = "{\"status\":\"ok\"}";
  return r;
}

Response Relay::metrics() {
  std::ostringstream m;
  m << "# TYPE lantern_requests_total counter\nlantern_requests_total " << requests_ << "\n";
  m << "# TYPE lantern_tickets_created_total counter\nlantern_tickets_created_total " << tickets_created_ << "\n";
  m << "# TYPE lantern_tickets_replayed_total counter\nlantern_tickets_replayed_total " << tickets_replayed_ << "\n";
  m << "# TYPE lantern_responses_4xx_total counter\nlantern_responses_4xx_total " << rejected_4xx_ << "\n";
  m << "# TYPE lantern_responses_5xx_total counter\nlantern_responses_5xx_total " << errors_5xx_ << "\n";
  m << "# TYPE lantern_rate_limited_total counter\nlantern_rate_limited_total " << rate_limited_ << "\n";
  m << "# TYPE lantern_rate_limited_user_total counter\nlantern_rate_limited_user_total " << rate_limited_user_ << "\n";
  m << "# TYPE lantern_agent_requests_total counter\nlantern_agent_requests_total " << agent_requests_ << "\n";
  m << "# TYPE lantern_agent_auth_failures_total counter\nlantern_agent_auth_failures_total " << agent_auth_failures_ << "\n";
  if (forwarder_) forwarder_->write_metrics(m);
  write_analytics_metrics(m);
  m << "# TYPE lantern_request_duration_seconds histogram\n";
  static const char* kLe[7] = {"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.5"};
  std::uint64_t cum = 0;
  for (int i = 0; i < 7; ++i) {
    cum += latency_buckets_[i];
    m << "lantern_request_duration_seconds_bucket{le=\"" << kLe[i] << "\"} " << cum << "\n";
  }
  cum += latency_buckets_[7];
  m << "lantern_request_duration_seconds_bucket{le=\"+Inf\"} " << cum << "\n";
  m << "lantern_request_duration_seconds_sum " << double(latency_us_sum_) / 1e6 << "\n";
  m << "lantern_request_duration_seconds_count " << cum << "\n";
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = m.str();
  return r;
}

}  // namespace lantern::relay
