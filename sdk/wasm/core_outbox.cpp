// The outbox and drafts in WebAssembly, over seams the page provides: storage is a synchronous
// key-value object on the JavaScript side (localStorage by default, see core_post.js), the clock
// is Date.now() and randomness is crypto.getRandomValues().
#include <emscripten/emscripten.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lantern/outbox.h"
#include "lantern/search.h"

using namespace lantern;
using nlohmann::json;

EM_JS(char*, js_storage_get, (const char* key), {
  var v = Module["lanternStorage"]["get"](UTF8ToString(key));
  if (v === null || v === undefined) return 0;
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});
EM_JS(int, js_storage_put, (const char* key, const char* value), {
  try { Module["lanternStorage"]["put"](UTF8ToString(key), UTF8ToString(value)); return 1; } catch (e) { return 0; }
});
EM_JS(void, js_storage_remove, (const char* key), { Module["lanternStorage"]["remove"](UTF8ToString(key)); });
EM_JS(char*, js_storage_keys, (const char* prefix), {
  var v = JSON.stringify(Module["lanternStorage"]["keys"](UTF8ToString(prefix)).sort());
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});
EM_JS(double, js_now_ms, (), { return Date.now(); });
EM_JS(void, js_random, (std::uint8_t* out, int n), { crypto.getRandomValues(HEAPU8.subarray(out, out + n)); });

namespace {

class JsStorage final : public Storage {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    char* v = js_storage_get(std::string(key).c_str());
    if (!v) return std::optional<std::string>();
    std::string s(v);
    std::free(v);
    return std::optional<std::string>(std::move(s));
  }
  Status put(std::string_view key, std::string_view value) override {
    if (!js_storage_put(std::string(key).c_str(), std::string(value).c_str())) {
      return make_error(ErrorCode::io_error, "the browser refused to store the ticket (storage full or disabled)");
    }
    return ok_status();
  }
  Status remove(std::string_view key) override {
    js_storage_remove(std::string(key).c_str());
    return ok_status();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix) override {
    char* v = js_storage_keys(std::string(prefix).c_str());
    json j = json::parse(v, nullptr, false);
    std::free(v);
    std::vector<std::string> out;
    if (j.is_array()) {
      for (const auto& k : j) {
        if (k.is_string()) out.push_back(k.get<std::string>());
      }
    }
    return out;
  }
};
class JsClock final : public Clock {
 public:
  std::int64_t now_ms() override { return std::int64_t(js_now_ms()); }
};
class JsRandom final : public Random {
 public:
  Status fill(std::uint8_t* out, std::size_t n) override {
    js_random(out, int(n));
    return ok_status();
  }
};

JsStorage g_storage;
JsClock g_clock;
JsRandom g_random;
ticket::Outbox g_outbox(g_storage, g_clock, g_random);
ticket::Drafts g_drafts(g_storage);
std::string g_result;

const char* status_json(const Status& st) {
  if (st) return "{}";
  g_result = "{\"error\":{\"code\":";
  search::append_json_string(g_result, error_code_name(st.error().code));
  g_result += ",\"message\":";
  search::append_json_string(g_result, st.error().message);
  g_result += "}}";
  return g_result.c_str();
}

const char* entries_json(const Result<std::vector<ticket::OutboxEntry>>& r) {
  if (!r) return status_json(r.error());
  json a = json::array();
  for (const auto& e : *r) {
    a.push_back({{"key", e.key}, {"body", e.body}, {"state", e.state == ticket::EntryState::pending ? "pending" : "rejected"},
                 {"attempts", e.attempts}, {"created_ms", e.created_ms}, {"next_attempt_ms", e.next_attempt_ms}, {"last_error", e.last_error}});
  }
  g_result = json{{"entries", a}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return g_result.c_str();
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_enqueue(const char* key, const char* body) { return status_json(g_outbox.enqueue(key, body)); }
EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_entries() { return entries_json(g_outbox.entries()); }
EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_take_due() { return entries_json(g_outbox.take_due()); }
EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_discard(const char* key) { return status_json(g_outbox.discard(key)); }

EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_report(const char* key, int http_status, const char* answer, const char* error,
                                                       double retry_after_ms) {
  ticket::Delivery d;
  d.outcome = ticket::classify_http(http_status);
  d.http_status = http_status;
  d.answer = answer ? answer : "";
  d.error = error ? error : "";
  d.retry_after_ms = std::int64_t(retry_after_ms);
  return status_json(g_outbox.report(key, d));
}

EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_next_due() {
  auto r = g_outbox.next_due();
  if (!r) return status_json(r.error());
  g_result = *r ? "{\"next_due_ms\":" + std::to_string(**r) + "}" : std::string("{\"next_due_ms\":null}");
  return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_outbox_receipt(const char* key) {
  auto r = g_outbox.receipt(key);
  if (!r) return status_json(r.error());
  g_result = "{\"receipt\":";
  if (*r) search::append_json_string(g_result, **r);
  else g_result += "null";
  g_result += "}";
  return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_draft_save(const char* form, const char* json_text) { return status_json(g_drafts.save(form, json_text)); }
EMSCRIPTEN_KEEPALIVE const char* lantern_draft_clear(const char* form) { return status_json(g_drafts.clear(form)); }
EMSCRIPTEN_KEEPALIVE const char* lantern_draft_load(const char* form) {
  auto r = g_drafts.load(form);
  if (!r) return status_json(r.error());
  g_result = "{\"draft\":";
  if (*r) search::append_json_string(g_result, **r);
  else g_result += "null";
  g_result += "}";
  return g_result.c_str();
}

}  // extern "C"
