// The agent side of the relay: help-desk agents and integrations list and read tickets, change
// their status, reply, and poll the event log, with API keys from the config file. Also the
// agent_* and webhook_* options and the start of the webhook forwarder.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "lantern/encoding.h"
#include "lantern/ticket.h"
#include "relay.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool known_status(std::string_view s) {
  return std::any_of(std::begin(kStatuses), std::end(kStatuses), [&](const char* k) { return s == k; });
}

bool valid_agent_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

// One query parameter, URL-decoded; nullopt when absent.
std::optional<std::string> query_param(const Request& req, const char* name) {
  char buf[256];
  int n = mg_get_var(req.query.data(), req.query.size(), name, buf, sizeof buf);
  if (n < 0) return n == -1 ? std::nullopt : std::optional<std::string>(std::string(256, 'x'));  // -2: too long for any valid value
  return std::string(buf, std::size_t(n));
}

Response bad_query(const char* field, const std::string& message) {
  json f = json::array({{{"field", field}, {"code", "invalid"}, {"message", message}}});
  return error_response(400, "bad_query", message, f.dump());
}

std::optional<long long> parse_int(const std::string& s, long long lo, long long hi) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  long long v = std::stoll(s);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

Response store_error(const Error& e) {
  Response r = error_response(503, "store_unavailable", e.message);
  r.headers.push_back({"Retry-After", "5"});
  return r;
}

Response json_response(int status, const json& j) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace

std::string hash_agent_key(std::string_view key) {
  std::uint8_t d[32];
  encoding::sha256(reinterpret_cast<const std::uint8_t*>(key.data()), key.size(), d);
  return encoding::hex_encode(d, 32);
}

Status load_agent_option(const std::string& path, const std::string& k, const json& v, Config& c) {
  auto bad = [&](const std::string& want) { return make_error(ErrorCode::parse_error, path + ": '" + k + "' must be " + want); };
  auto num = [&](auto& dst, double lo, double hi) -> Status {
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
      return bad(number_range(lo, hi));
    }
    dst = static_cast<std::remove_reference_t<decltype(dst)>>(v.get<double>());
    return ok_status();
  };
  if (k == "agent_keys") {
    if (!v.is_array()) return bad(R"(a list of {"name": "...", "key_sha256": "<64 hex digits>"})");
    c.agent_keys.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& e = v[i];
      std::string where = "agent_keys[" + std::to_string(i) + "]";
      if (!e.is_object()) return make_error(ErrorCode::parse_error, path + ": " + where + " must be an object");
      AgentKey key;
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (!it->is_string()) return make_error(ErrorCode::parse_error, path + ": " + where + "." + it.key() + " must be a string");
        std::string s = it->get<std::string>();
        if (it.key() == "name") key.name = s;
        else if (it.key() == "key_sha256") key.key_sha256 = s;
        else if (it.key() == "role" && (s == "agent" || s == "reader")) key.read_only = s == "reader";
        else if (it.key() == "role") return make_error(ErrorCode::parse_error, path + ": " + where + ".role must be \"agent\" or \"reader\"");
        else return make_error(ErrorCode::parse_error, path + ": " + where + ": unknown key '" + it.key() + "' (name, key_sha256, role)");
      }
      c.agent_keys.push_back(std::move(key));
    }
    return ok_status();
  }
  if (k == "agent_rate_per_key") return num(c.agent_rate_per_key, 0, 1e6);
  if (k == "agent_burst_per_key") return num(c.agent_burst_per_key, 1, 1e6);
  if (k == "webhook_url") {
    if (!v.is_string()) return bad("a string");
    c.webhook.url = v.get<std::string>();
    return ok_status();
  }
  if (k == "webhook_ca_file") {
    if (!v.is_string()) return bad("a string");
    c.webhook.ca_file = v.get<std::string>();
    return ok_status();
  }
  if (k == "webhook_secrets") {
    if (!v.is_array()) return bad(R"(a list of "whsec_<base64>" secrets)");
    c.webhook.secrets.clear();
    for (const auto& s : v) {
      if (!s.is_string()) return bad(R"(a list of "whsec_<base64>" secrets)");
      c.webhook.secrets.push_back(s.get<std::string>());
    }
    return ok_status();
  }
  if (k == "webhook_timeout_ms") return num(c.webhook.timeout_ms, 100, 120'000);
  if (k == "webhook_max_attempts") return num(c.webhook.max_attempts, 1, 1000);
  if (k == "webhook_backoff_initial_ms") return num(c.webhook.backoff_initial_ms, 10, 86'400'000);
  if (k == "webhook_backoff_max_ms") return num(c.webhook.backoff_max_ms, 10, 86'400'000);
  if (k == "webhook_poll_ms") return num(c.webhook.poll_ms, 10, 60'000);
  if (k == "webhook_concurrency") return num(c.webhook.concurrency, 1, 64);
  return make_error(ErrorCode::parse_error, path + ": unknown option '" + k + "' (see docs/RELAY.md)");
}

Status Relay::init_agents_and_forwarding() {
  for (std::size_t i = 0; i < config_.agent_keys.size(); ++i) {
    AgentKey& k = config_.agent_keys[i];
    std::string where = "agent_keys[" + std::to_string(i) + "]";
    if (!valid_agent_name(k.name)) {
      return make_error(ErrorCode::invalid_argument, where + ".name must be 1-64 letters, digits or . _ - @");
    }
    std::transform(k.key_sha256.begin(), k.key_sha256.end(), k.key_sha256.begin(), [](char ch) { return char(std::tolower(ch)); });
    if (k.key_sha256.size() != 64 || !encoding::is_hex(k.key_sha256)) {
      return make_error(ErrorCode::invalid_argument, where + ".key_sha256 must be the key's SHA-256 in 64 hex digits (lantern-relay --hash-key)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (config_.agent_keys[j].name == k.name) return make_error(ErrorCode::invalid_argument, where + ": the name " + k.name + " is used twice");
      if (config_.agent_keys[j].key_sha256 == k.key_sha256) return make_error(ErrorCode::invalid_argument, where + ": the same key is listed twice");
    }
  }
  agent_limiter_ = std::make_unique<RateLimiter>(config_.agent_rate_per_key, config_.agent_burst_per_key);
  if (config_.webhook.backoff_max_ms < config_.webhook.backoff_initial_ms) {
    return make_error(ErrorCode::invalid_argument, "webhook_backoff_max_ms must not be below webhook_backoff_initial_ms");
  }
  if (config_.webhook.url.empty()) {
    if (!config_.webhook.secrets.empty()) return make_error(ErrorCode::invalid_argument, "webhook_secrets are set but webhook_url is not");
    return ok_status();
  }
  WebhookConfig webhook = config_.webhook;
  webhook.shared_store = !config_.store.empty() && config_.store != "sqlite";  // PostgreSQL: other relays may forward
  auto f = Forwarder::create(*store_, webhook);
  if (!f) return f.error();
  forwarder_ = std::move(*f);
  return ok_status();
}

// The key's entry, or null. Every configured hash is compared, in constant time, whatever matched.
const AgentKey* Relay::agent_auth(const Request& req) const {
  std::string auth = req.header("Authorization");
  const std::string prefix = "Bearer ";
  if (auth.size() <= prefix.size() || auth.compare(0, prefix.size(), prefix) != 0) return nullptr;
  std::string presented = hash_agent_key(std::string_view(auth).substr(prefix.size()));
  const AgentKey* found = nullptr;
  for (const auto& k : config_.agent_keys) {
    unsigned char d = 0;
    for (std::size_t i = 0; i < 64; ++i) d |= static_cast<unsigned char>(presented[i] ^ k.key_sha256[i]);
    if (d == 0) found = &k;
  }
  return found;
}

// The agent API's door, shared by every /v1/agent/ route: counts the request, checks the key and
// the key's bucket. Sets `key` and returns nothing when the request may go on.
std::optional<Response> Relay::agent_gate(const Request& req, const AgentKey*& key) {
  ++agent_requests_;
  key = agent_auth(req);
  if (!key) {
    ++agent_auth_failures_;
    // Wrong keys are limited per IP like every other request, so guessing costs the guesser.
    if (auto limited = rate_limit(*request_limiter_, req, "requests")) return limited;
    Response r = error_response(401, "unauthorized",
                                config_.agent_keys.empty() ? "the agent API is off: no agent_keys are configured"
                                                           : "the agent API needs an API key: Authorization: Bearer <key>");
    r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"lantern-relay agent API\""});
    return r;
  }
  int retry = 0;
  if (!agent_limiter_->allow("key:" + key->name, now_ms(), &retry)) {
    ++rate_limited_;
    Response r = error_response(429, "rate_limited", "too many requests with the API key " + key->name + "; try again in " +
                                                         std::to_string(retry) + " s");
    r.headers.push_back({"Retry-After", std::to_string(retry)});
    return r;
  }
  return std::nullopt;
}

Response Relay::agent_route(Request& req) {
  const AgentKey* key = nullptr;
  if (auto refused = agent_gate(req, key)) return *refused;
  const std::string& p = req.path;
  if (p == "/v1/agent/tickets") {
    if (req.method != "GET") return error_response(405, "method_not_allowed", "use GET to list tickets");
    return agent_list_tickets(req);
  }
  if (p == "/v1/agent/events") {
    if (req.method != "GET") return error_response(405, "method_not_allowed", "use GET to read events");
    return agent_events(req);
  }
  const std::string attachments = "/v1/agent/attachments/";
  if (p.rfind(attachments, 0) == 0 && p.find('/', attachments.size()) == std::string::npos) {
    if (req.method != "GET") return error_response(405, "method_not_allowed", "use GET to download an attachment");
    return agent_get_attachment(p.substr(attachments.size()));
  }
  const std::string prefix = "/v1/agent/tickets/";
  if (p.rfind(prefix, 0) == 0) {
    std::string rest = p.substr(prefix.size());
    std::string id = rest.substr(0, rest.find('/'));
    std::string tail = rest.substr(id.size());
    bool write = tail == "/status" || tail == "/messages";
    if (tail.empty() && req.method == "GET") return agent_get_ticket(id);
    if (write && req.method == "POST") {
      if (key->read_only) {
        return error_response(403, "forbidden", "the API key " + key->name + " is a reader: it may list and read, not change tickets");
      }
      return tail == "/status" ? agent_set_status(req, *key, id) : agent_add_message(req, *key, id);
    }
    if (tail.empty() || write) return error_response(405, "method_not_allowed", "use " + std::string(tail.empty() ? "GET" : "POST") + " on " + p);
  }
  return error_response(404, "not_found", "no such endpoint: " + req.method + " " + req.path);
}

Response Relay::agent_list_tickets(Request& req) {
  std::string status = query_param(req, "status").value_or("");
  if (!status.empty() && !known_status(status)) return bad_query("status", "status must be open, pending, solved or closed");
  std::string after = query_param(req, "after").value_or("");
  long long limit = 50;
  if (auto l = query_param(req, "limit")) {
    auto v = parse_int(*l, 1, 1000);
    if (!v) return bad_query("limit", "limit must be a number from 1 to 1000");
    limit = *v;
  }
  auto list = store_->list_tickets(status, std::size_t(limit), after);
  if (!list) {
    if (list.error().code == ErrorCode::invalid_argument) return bad_query("after", list.error().message);
    return store_error(list.error());
  }
  json tickets = json::array();
  for (const auto& t : *list) {
    json full = json::parse(t.ticket_json, nullptr, false);
    json summary = {{"id", t.id}, {"status", t.status}, {"verified", t.verified}, {"user_id", t.user_id},
                    {"created_at", ticket::format_utc(t.created_ms)}, {"updated_at", ticket::format_utc(t.updated_ms)}};
    if (full.is_object()) {
      summary["category"] = full.value("category", "");
      summary["language"] = full.value("language", "");
    }
    tickets.push_back(std::move(summary));
  }
  // Another page may follow when this one is full: continue with ?after=<next_after>.
  json next = list->size() == std::size_t(limit) ? json(list->back().id) : json(nullptr);
  return json_response(200, {{"tickets", std::move(tickets)}, {"next_after", std::move(next)}});
}

Response Relay::agent_get_ticket(const std::string& id) {
  auto t = store_->get_ticket(id);
  if (!t) return store_error(t.error());
  if (!*t) return error_response(404, "not_found", "no ticket " + id);
  auto msgs = store_->messages(id);
  if (!msgs) return store_error(msgs.error());
  json m = json::array();
  for (const auto& x : *msgs) m.push_back({{"id", x.id}, {"author", x.author}, {"body", x.body}, {"created_at", ticket::format_utc(x.created_ms)}});
  const StoredTicket& s = **t;
  return json_response(200, {{"id", s.id}, {"status", s.status}, {"verified", s.verified}, {"user_id", s.user_id},
                             {"created_at", ticket::format_utc(s.created_ms)}, {"updated_at", ticket::format_utc(s.updated_ms)},
                             {"ticket", json::parse(s.ticket_json, nullptr, false)}, {"messages", std::move(m)}});
}

Response Relay::agent_set_status(Request& req, const AgentKey&, const std::string& id) {
  if (req.header("Content-Type").rfind("application/json", 0) != 0) {
    return error_response(415, "unsupported_media_type", "send the status as Content-Type: application/json");
  }
  if (auto failed = read_request_body(req, 1024, "the status change")) return *failed;
  json j = json::parse(req.body, nullptr, false);
  if (!j.is_object()) return error_response(400, "bad_json", "send {\"status\": \"pending|solved|closed|open\"}");
  if (!j.contains("status") || !j["status"].is_string() || !known_status(j["status"].get<std::string>())) {
    return error_response(422, "invalid_fields", "status must be open, pending, solved or closed",
                          R"([{"field":"status","code":"invalid","message":"open, pending, solved or closed expected"}])");
  }
  std::string status = j["status"].get<std::string>();
  auto t = store_->get_ticket(id);
  if (!t) return store_error(t.error());
  if (!*t) return error_response(404, "not_found", "no ticket " + id);
  if (auto st = store_->set_status(id, status, now_ms()); !st) return write_failed(st.error());  // disk_full like tickets
  if (forwarder_ && (*t)->status != status) forwarder_->wake();
  return json_response(200, {{"id", id}, {"status", status}, {"previous_status", (*t)->status}});
}

Response Relay::agent_add_message(Request& req, const AgentKey& key, const std::string& id) {
  if (req.header("Content-Type").rfind("application/json", 0) != 0) {
    return error_response(415, "unsupported_media_type", "messages are sent as Content-Type: application/json");
  }
  if (auto failed = read_request_body(req, config_.max_message_bytes, "the message")) return *failed;
  json j = json::parse(req.body, nullptr, false);
  if (!j.is_object()) return error_response(400, "bad_json", "send {\"body\": \"your reply\"}");
  if (!j.contains("body") || !j["body"].is_string() || j["body"].get<std::string>().empty()) {
    return error_response(422, "invalid_fields", "send {\"body\": \"your reply\"}",
                          R"([{"field":"body","code":"required","message":"the reply is empty"}])");
  }
  auto t = store_->get_ticket(id);
  if (!t) return store_error(t.error());
  if (!*t) return error_response(404, "not_found", "no ticket " + id);
  auto m = store_->add_message(id, "agent:" + key.name, j["body"].get<std::string>(), now_ms());
  if (!m) return write_failed(m.error());
  if (forwarder_) forwarder_->wake();
  return json_response(201, {{"id", m->id}, {"author", m->author}, {"created_at", ticket::format_utc(m->created_ms)}});
}

// The stored image (re-encoded, without metadata) that a ticket's attachments list names.
Response Relay::agent_get_attachment(const std::string& id) {
  auto a = store_->get_attachment(id);
  if (!a) return store_error(a.error());
  if (!*a) return error_response(404, "not_found", "no attachment " + id);
  std::ifstream in((*a)->path_or_blob_key, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in || bytes.str().size() != (*a)->size) {
    return error_response(503, "store_unavailable", "attachment " + id + " is recorded but its bytes cannot be read");
  }
  Response r;
  r.content_type = (*a)->type;
  r.body = bytes.str();
  const std::string& t = (*a)->type;
  std::string ext = t == "image/png" ? ".png" : t == "image/jpeg" ? ".jpg" : t == "image/webp" ? ".webp" : "";
  r.headers.push_back({"Content-Disposition", "attachment; filename=\"" + id + ext + "\""});
  return r;
}

Response Relay::agent_events(Request& req) {
  long long after = 0, limit = 100;
  if (auto a = query_param(req, "after")) {
    auto v = parse_int(*a, 0, std::numeric_limits<std::int64_t>::max() / 2);
    if (!v) return bad_query("after", "after must be a cursor: the next_cursor of the previous page, or 0");
    after = *v;
  }
  if (auto l = query_param(req, "limit")) {
    auto v = parse_int(*l, 1, 1000);
    if (!v) return bad_query("limit", "limit must be a number from 1 to 1000");
    limit = *v;
  }
  auto events = store_->events_after(after, std::size_t(limit));
  if (!events) return store_error(events.error());
  json out = json::array();
  for (const auto& e : *events) {
    auto ej = event_json(*store_, e);
    if (!ej) return store_error(ej.error());
    out.push_back(std::move(*ej));
  }
  std::int64_t next = events->empty() ? after : events->back().seq;
  bool more = events->size() == std::size_t(limit);
  return json_response(200, {{"events", std::move(out)}, {"next_cursor", next}, {"has_more", more}});
}

}  // namespace lantern::relay
