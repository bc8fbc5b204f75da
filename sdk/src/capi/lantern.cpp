// The C ABI (lantern.h) over the C++ core. Every entry point runs inside guarded(): no exception
// (std::bad_alloc included) leaves the library, and every failure leaves a message on its handle.
#include "lantern/lantern.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "capi/shapes.h"
#include "lantern/outbox.h"
#include "lantern/seams.h"

using namespace lantern;
using nlohmann::json;

namespace {

// [SECTION] Errors

// The last failure per thread, for one handle: a call on another thread never overwrites (or
// frees) the message this thread is reading.
class ErrorSlot {
 public:
  void set(std::string message) {
    std::lock_guard<std::mutex> lock(m_);
    by_thread_[std::this_thread::get_id()] = std::move(message);
  }
  const char* get() const {
    std::lock_guard<std::mutex> lock(m_);
    auto it = by_thread_.find(std::this_thread::get_id());
    return it == by_thread_.end() ? "" : it->second.c_str();
  }

 private:
  mutable std::mutex m_;
  std::map<std::thread::id, std::string> by_thread_;
};

thread_local std::string t_last_error;

struct Failure {
  lantern_status status;
  std::string message;
};

lantern_status status_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::ok: return LANTERN_STATUS_OK;
    case ErrorCode::invalid_argument: return LANTERN_STATUS_INVALID_ARGUMENT;
    case ErrorCode::parse_error: return LANTERN_STATUS_BAD_JSON;
    case ErrorCode::duplicate: return LANTERN_STATUS_CONFLICT;
    case ErrorCode::unknown_language: return LANTERN_STATUS_UNKNOWN_LANGUAGE;
    case ErrorCode::io_error: return LANTERN_STATUS_IO;
    case ErrorCode::truncated: return LANTERN_STATUS_TRUNCATED;
    case ErrorCode::bad_format: return LANTERN_STATUS_BAD_FORMAT;
    case ErrorCode::tampered: return LANTERN_STATUS_TAMPERED;
    case ErrorCode::wrong_key: return LANTERN_STATUS_WRONG_KEY;
    case ErrorCode::unsigned_bundle: return LANTERN_STATUS_UNSIGNED;
    case ErrorCode::crypto_error: return LANTERN_STATUS_CRYPTO;
    case ErrorCode::too_large: return LANTERN_STATUS_TOO_LARGE;
    default: return LANTERN_STATUS_INTERNAL;
  }
}

// Runs an entry point: its body returns OK or throws a Failure; anything else thrown becomes
// OUT_OF_MEMORY or INTERNAL. The message goes to `record`.
template <class Record, class Body>
lantern_status guarded(Record&& record, Body&& body) noexcept {
  lantern_status st;
  std::string message;
  try {
    return body();
  } catch (Failure& f) {
    st = f.status;
    try {
      message = std::move(f.message);
    } catch (...) {
    }
  } catch (const std::bad_alloc&) {
    st = LANTERN_STATUS_OUT_OF_MEMORY;
    message = "out of memory";
  } catch (const std::exception& e) {
    st = LANTERN_STATUS_INTERNAL;
    try {
      message = std::string("internal error: ") + e.what();
    } catch (...) {
    }
  } catch (...) {
    st = LANTERN_STATUS_INTERNAL;
    message = "internal error";
  }
  try {
    record(std::move(message));
  } catch (...) {
  }
  return st;
}

[[noreturn]] void fail(lantern_status st, std::string message) { throw Failure{st, std::move(message)}; }
[[noreturn]] void fail(const Error& e) { throw Failure{status_of(e.code), e.message}; }

template <class T>
T take(Result<T>&& r) {
  if (!r) fail(r.error());
  return std::move(*r);
}
void check(const Status& st) {
  if (!st) fail(st.error());
}

void need(const void* p, const char* what) {
  if (!p) fail(LANTERN_STATUS_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

char* dup(std::string_view s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// Sets *out before returning OK (and NULL first, so a failure always leaves NULL).
void give(char** out, std::string_view s) { *out = dup(s); }

auto thread_record() {
  return [](std::string m) { t_last_error = std::move(m); };
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json parse_json(const char* text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) fail(LANTERN_STATUS_BAD_JSON, std::string(what) + " is not valid JSON");
  return j;
}

// [SECTION] Logging

struct Logger {
  std::mutex m;
  lantern_log_fn fn = nullptr;
  void* user = nullptr;
  lantern_log_level min = LANTERN_LOG_WARN;
};
Logger& logger() {
  static Logger l;
  return l;
}

// The Log seam over the app's callback.
class CLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    lantern_log_fn fn;
    void* user;
    lantern_log_level min;
    {
      std::lock_guard<std::mutex> lock(logger().m);
      fn = logger().fn;
      user = logger().user;
      min = logger().min;
    }
    auto lvl = static_cast<lantern_log_level>(level);
    if (!fn || lvl < min) return;
    std::string text(message);
    fn(user, lvl, text.c_str());
  }
};
CLog g_log;

}  // namespace

// [SECTION] Handles

struct lantern_bundle {
  std::vector<std::uint8_t> bytes;
  std::unique_ptr<api::Opened> opened;
  Error forms_error;  // why there are no forms, if there are none
  ErrorSlot err;
};

struct lantern_sink {
  std::vector<std::string> items;
};

struct lantern_http_response {
  HttpResponse response;
  std::string error;
};

namespace {

// The Storage seam over the app's callbacks.
class CStorage final : public Storage {
 public:
  explicit CStorage(const lantern_storage& s) : s_(s) {}
  Result<std::optional<std::string>> get(std::string_view key) override {
    lantern_sink sink;
    std::string k(key);
    int rc = s_.get(s_.user, k.c_str(), &sink);
    if (rc == 1) return std::optional<std::string>();
    if (rc != 0) return make_error(ErrorCode::io_error, "storage get('" + k + "') failed");
    if (sink.items.size() != 1) return make_error(ErrorCode::io_error, "storage get('" + k + "') pushed " + std::to_string(sink.items.size()) + " values, not 1");
    return std::optional<std::string>(std::move(sink.items[0]));
  }
  Status put(std::string_view key, std::string_view value) override {
    std::string k(key);
    if (s_.put(s_.user, k.c_str(), value.data(), value.size()) != 0) return make_error(ErrorCode::io_error, "storage put('" + k + "') failed");
    return ok_status();
  }
  Status remove(std::string_view key) override {
    std::string k(key);
    if (s_.remove(s_.user, k.c_str()) != 0) return make_error(ErrorCode::io_error, "storage remove('" + k + "') failed");
    return ok_status();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix) override {
    lantern_sink sink;
    std::string p(prefix);
    if (s_.keys(s_.user, p.c_str(), &sink) != 0) return make_error(ErrorCode::io_error, "storage keys('" + p + "') failed");
    std::vector<std::string> out;
    for (auto& k : sink.items) {
      if (k.compare(0, p.size(), p) == 0) out.push_back(std::move(k));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  lantern_storage s_;
};

// The Transport seam over the app's callback.
class CTransport final : public Transport {
 public:
  explicit CTransport(const lantern_transport& t) : t_(t) {}
  TransportResult send(const HttpRequest& req) override {
    std::vector<const char*> names, values;
    for (const auto& h : req.headers) {
      names.push_back(h.name.c_str());
      values.push_back(h.value.c_str());
    }
    lantern_http_request r{req.method.c_str(), req.url.c_str(), names.data(), values.data(), names.size(),
                           req.body.data(),    req.body.size(), req.timeout_ms, req.max_response_bytes};
    lantern_http_response resp;
    lantern_status st = t_.send(t_.user, &r, &resp);
    TransportResult out;
    if (st == LANTERN_STATUS_OK) {
      if (resp.response.status < 100 || resp.response.status > 599) {
        out.error = TransportError::io;
        out.message = "the transport reported success without an HTTP status";
      } else if (resp.response.body.size() > req.max_response_bytes) {
        out.error = TransportError::too_large;
        out.message = "the answer is over the " + std::to_string(req.max_response_bytes) + "-byte limit";
      } else {
        out.response = std::move(resp.response);
      }
      return out;
    }
    out.error = st == LANTERN_STATUS_TIMEOUT ? TransportError::timeout
              : st == LANTERN_STATUS_TLS ? TransportError::tls
              : st == LANTERN_STATUS_PIN_MISMATCH ? TransportError::pin_mismatch
              : st == LANTERN_STATUS_TOO_LARGE ? TransportError::too_large
              : TransportError::connect;
    out.message = resp.error.empty() ? std::string("the app's transport failed: ") + lantern_status_name(st) : resp.error;
    return out;
  }

 private:
  lantern_transport t_;
};

}  // namespace

struct lantern_outbox {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<lantern::Clock> clock;
  std::unique_ptr<Random> random;
  std::unique_ptr<ticket::Outbox> outbox;
  std::unique_ptr<ticket::Drafts> drafts;
  std::mutex m;
  ErrorSlot err;
};

struct lantern_client {
  std::string base_url;  // without a trailing '/'
  int timeout_ms = 15000;
  std::size_t max_response_bytes = 1u << 20;
  std::string user_agent;
  std::unique_ptr<Transport> transport;
  ErrorSlot err;
};

namespace {

auto record_on(const lantern_bundle* b) {
  return [b](std::string m) {
    if (b) const_cast<lantern_bundle*>(b)->err.set(std::move(m));
    else t_last_error = std::move(m);
  };
}
auto record_on(lantern_outbox* o) {
  return [o](std::string m) {
    if (o) o->err.set(std::move(m));
    else t_last_error = std::move(m);
  };
}
auto record_on(lantern_client* c) {
  return [c](std::string m) {
    if (c) c->err.set(std::move(m));
    else t_last_error = std::move(m);
  };
}

}  // namespace

// Every function below was declared extern "C" in lantern.h, which gives it C linkage here too.

// [SECTION] Versions, status, memory

LANTERN_API const char* lantern_version(void) { return LANTERN_VERSION_STRING; }
LANTERN_API unsigned lantern_version_number(void) { return LANTERN_VERSION_NUMBER; }

LANTERN_API const char* lantern_status_name(lantern_status status) {
  switch (status) {
    case LANTERN_STATUS_OK: return "ok";
    case LANTERN_STATUS_INVALID_ARGUMENT: return "invalid_argument";
    case LANTERN_STATUS_BAD_JSON: return "bad_json";
    case LANTERN_STATUS_NOT_FOUND: return "not_found";
    case LANTERN_STATUS_IO: return "io";
    case LANTERN_STATUS_TRUNCATED: return "truncated";
    case LANTERN_STATUS_BAD_FORMAT: return "bad_format";
    case LANTERN_STATUS_TAMPERED: return "tampered";
    case LANTERN_STATUS_WRONG_KEY: return "wrong_key";
    case LANTERN_STATUS_UNSIGNED: return "unsigned";
    case LANTERN_STATUS_CRYPTO: return "crypto";
    case LANTERN_STATUS_TOO_LARGE: return "too_large";
    case LANTERN_STATUS_UNKNOWN_LANGUAGE: return "unknown_language";
    case LANTERN_STATUS_INVALID_FIELDS: return "invalid_fields";
    case LANTERN_STATUS_SECRET: return "secret";
    case LANTERN_STATUS_NETWORK: return "network";
    case LANTERN_STATUS_TIMEOUT: return "timeout";
    case LANTERN_STATUS_TLS: return "tls";
    case LANTERN_STATUS_PIN_MISMATCH: return "pin_mismatch";
    case LANTERN_STATUS_HTTP: return "http";
    case LANTERN_STATUS_UNAUTHORIZED: return "unauthorized";
    case LANTERN_STATUS_CONFLICT: return "conflict";
    case LANTERN_STATUS_RATE_LIMITED: return "rate_limited";
    case LANTERN_STATUS_UNAVAILABLE: return "unavailable";
    case LANTERN_STATUS_OUT_OF_MEMORY: return "out_of_memory";
    case LANTERN_STATUS_INTERNAL: return "internal";
    default: break;
  }
  return "unknown";
}

LANTERN_API void lantern_free(void* p) { std::free(p); }

LANTERN_API const char* lantern_last_error(void) { return t_last_error.c_str(); }

LANTERN_API void lantern_set_logger(lantern_log_fn fn, void* user, lantern_log_level min_level) {
  try {
    std::lock_guard<std::mutex> lock(logger().m);
    logger().fn = fn;
    logger().user = user;
    logger().min = min_level;
  } catch (...) {
  }
}

// [SECTION] Bundles

namespace {
lantern_status open_bytes(std::vector<std::uint8_t> bytes, const char* public_key_pem, lantern_bundle** out) {
  auto b = std::make_unique<lantern_bundle>();
  b->bytes = std::move(bytes);
  auto t0 = std::chrono::steady_clock::now();
  b->opened = take(api::open_bundle(b->bytes.data(), b->bytes.size(), public_key_pem ? public_key_pem : ""));
  // Forms are parsed now, not on first use, so every later call only reads.
  if (auto st = api::load_forms(*b->opened); !st) b->forms_error = st.error();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  g_log.write(LogLevel::info, "bundle opened: " + std::to_string(b->opened->bundle.article_count()) + " articles, " +
                                  std::to_string(b->bytes.size()) + " bytes, " + std::to_string(ms) + " ms" +
                                  (public_key_pem ? ", signature verified" : ", hash checked"));
  *out = b.release();
  return LANTERN_STATUS_OK;
}
}  // namespace

LANTERN_API lantern_status lantern_bundle_open_memory(const void* data, size_t size, const char* public_key_pem,
                                                      lantern_bundle** out) {
  return guarded(thread_record(), [&] {
    need(out, "out");
    *out = nullptr;
    need(data, "data");
    const auto* p = static_cast<const std::uint8_t*>(data);
    return open_bytes(std::vector<std::uint8_t>(p, p + size), public_key_pem, out);
  });
}

LANTERN_API lantern_status lantern_bundle_open_file(const char* path, const char* public_key_pem, lantern_bundle** out) {
  return guarded(thread_record(), [&] {
    need(out, "out");
    *out = nullptr;
    need(path, "path");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(LANTERN_STATUS_IO, std::string("cannot open ") + path + ": " + std::strerror(errno));
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail(LANTERN_STATUS_IO, std::string("cannot read ") + path);
    return open_bytes(std::move(bytes), public_key_pem, out);
  });
}

LANTERN_API void lantern_bundle_destroy(lantern_bundle* bundle) { delete bundle; }

LANTERN_API const char* lantern_bundle_last_error(const lantern_bundle* bundle) { return bundle ? bundle->err.get() : ""; }

LANTERN_API lantern_status lantern_bundle_info(lantern_bundle* bundle, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    auto meta = bundle->opened->bundle.metadata_json();
    give(out_json, meta.empty() ? std::string_view("{}") : meta);
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_search(lantern_bundle* bundle, const char* query, const char* options_json,
                                                 char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(query, "query");
    search::Options opt;
    if (options_json) {
      json o = parse_json(options_json, "options_json");
      if (!o.is_object()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "options_json must be an object {lang, top, snippets}");
      if (o.contains("lang")) {
        if (!o["lang"].is_string()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "options.lang must be a string");
        opt.lang = o["lang"].get<std::string>();
      }
      if (o.contains("top")) {
        if (!o["top"].is_number_integer()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "options.top must be an integer 1..100");
        auto top = o["top"].get<std::int64_t>();
        opt.top = top < 0 ? 0 : std::size_t(top);
      }
      if (o.contains("snippets")) {
        if (!o["snippets"].is_boolean()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "options.snippets must be true or false");
        opt.snippets = o["snippets"].get<bool>();
      }
    }
    give(out_json, take(api::search_json(*bundle->opened, query, opt)));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_article(lantern_bundle* bundle, const char* article_id, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(article_id, "article_id");
    if (bundle->opened->bundle.find_article(article_id) < 0) fail(LANTERN_STATUS_NOT_FOUND, std::string("no article with id '") + article_id + "'");
    give(out_json, take(api::article_json(bundle->opened->bundle, article_id)));
    return LANTERN_STATUS_OK;
  });
}

namespace {
const forms::FormSet& forms_of(lantern_bundle* b) {
  if (!b->opened->forms) fail(LANTERN_STATUS_NOT_FOUND, b->forms_error.message);
  return *b->opened->forms;
}
const forms::Form& form_of(lantern_bundle* b, const char* id) {
  const forms::Form* f = forms_of(b).find(id);
  if (!f) fail(LANTERN_STATUS_NOT_FOUND, std::string("no form '") + id + "' in this bundle");
  return *f;
}
}  // namespace

LANTERN_API lantern_status lantern_bundle_categories(lantern_bundle* bundle, const char* lang, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    give(out_json, api::categories_json(forms_of(bundle), lang ? lang : "en"));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_form_schema(lantern_bundle* bundle, const char* form_id, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(form_id, "form_id");
    form_of(bundle, form_id);
    give(out_json, take(api::form_schema_json(bundle->opened->bundle, form_id)));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_check_form(lantern_bundle* bundle, const char* form_id, const char* values_json,
                                                     const char* context_json, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(form_id, "form_id");
    need(values_json, "values_json");
    const forms::Form& form = form_of(bundle, form_id);
    auto values = take(api::parse_values(values_json));
    if (context_json && !*context_json) fail(LANTERN_STATUS_BAD_JSON, "context_json is empty (pass NULL for the defaults)");
    auto ctx = take(api::parse_context(context_json ? context_json : "", now_ms()));
    give(out_json, api::check_json(form, values, ctx));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_triage(lantern_bundle* bundle, const char* description, const char* lang,
                                                 unsigned max_articles, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(description, "description");
    forms_of(bundle);
    give(out_json, take(api::triage_json(*bundle->opened, description, lang ? lang : "", max_articles ? max_articles : 3)));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_bundle_build_ticket(lantern_bundle* bundle, const char* input_json, char** out_json) {
  return guarded(record_on(bundle), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(bundle, "bundle");
    need(input_json, "input_json");
    const forms::FormSet& set = forms_of(bundle);
    json in = parse_json(input_json, "input_json");
    if (in.is_object() && in.contains("category") && in["category"].is_string() && !set.find(in["category"].get<std::string>())) {
      fail(LANTERN_STATUS_NOT_FOUND, "no form '" + in["category"].get<std::string>() + "' in this bundle (category)");
    }
    auto built = take(api::build_ticket(*bundle->opened, input_json, now_ms()));
    give(out_json, built.json);
    if (!built.ok) {
      bundle->err.set("the ticket has fields to fix (see \"errors\")");
      return LANTERN_STATUS_INVALID_FIELDS;
    }
    return LANTERN_STATUS_OK;
  });
}

// [SECTION] Validators and the secret guard

LANTERN_API lantern_status lantern_validate_field(const char* request_json, char** out_json) {
  return guarded(thread_record(), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(request_json, "request_json");
    give(out_json, take(api::validate_json(request_json)));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_scan_secrets(const char* text, const char* kind, char** out_json) {
  return guarded(thread_record(), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(text, "text");
    forms::FieldKind k;
    if (!api::field_kind_from(kind ? kind : "", k)) {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, std::string("unknown field kind '") + kind + "' (free_text, txid, address, memo)");
    }
    give(out_json, api::secrets_json(text, k));
    return LANTERN_STATUS_OK;
  });
}

// [SECTION] Storage seam and the outbox

LANTERN_API int lantern_sink_push(lantern_sink* sink, const void* data, size_t size) {
  if (!sink || (!data && size)) return -1;
  try {
    sink->items.emplace_back(static_cast<const char*>(data), size);
    return 0;
  } catch (...) {
    return -1;
  }
}

namespace {
lantern_status make_outbox(std::unique_ptr<Storage> storage, lantern_outbox** out) {
  auto o = std::make_unique<lantern_outbox>();
  o->storage = std::move(storage);
  o->clock = make_system_clock();
  o->random = make_system_random();
  o->outbox = std::make_unique<ticket::Outbox>(*o->storage, *o->clock, *o->random);
  o->drafts = std::make_unique<ticket::Drafts>(*o->storage);
  *out = o.release();
  return LANTERN_STATUS_OK;
}
}  // namespace

LANTERN_API lantern_status lantern_outbox_create(const lantern_storage* storage, lantern_outbox** out) {
  return guarded(thread_record(), [&] {
    need(out, "out");
    *out = nullptr;
    if (!storage) return make_outbox(make_memory_storage(), out);
    if (!storage->get || !storage->put || !storage->remove || !storage->keys) {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, "storage needs all four callbacks: get, put, remove, keys");
    }
    return make_outbox(std::make_unique<CStorage>(*storage), out);
  });
}

LANTERN_API lantern_status lantern_outbox_create_file(const char* dir, lantern_outbox** out) {
  return guarded(thread_record(), [&] {
    need(out, "out");
    *out = nullptr;
    need(dir, "dir");
    return make_outbox(take(make_file_storage(dir)), out);
  });
}

LANTERN_API void lantern_outbox_destroy(lantern_outbox* outbox) { delete outbox; }

LANTERN_API const char* lantern_outbox_last_error(const lantern_outbox* outbox) { return outbox ? outbox->err.get() : ""; }

namespace {
std::string entries_json(const std::vector<ticket::OutboxEntry>& entries) {
  json a = json::array();
  for (const auto& e : entries) {
    a.push_back({{"key", e.key}, {"body", e.body}, {"state", e.state == ticket::EntryState::pending ? "pending" : "rejected"},
                 {"attempts", e.attempts}, {"created_ms", e.created_ms}, {"next_attempt_ms", e.next_attempt_ms}, {"last_error", e.last_error}});
  }
  return json{{"entries", a}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
bool has_entry(lantern_outbox* o, std::string_view key) {
  for (const auto& e : take(o->outbox->entries())) {
    if (e.key == key) return true;
  }
  return false;
}
}  // namespace

LANTERN_API lantern_status lantern_outbox_new_key(lantern_outbox* outbox, char** out_key) {
  return guarded(record_on(outbox), [&] {
    need(out_key, "out_key");
    *out_key = nullptr;
    need(outbox, "outbox");
    std::lock_guard<std::mutex> lock(outbox->m);
    give(out_key, take(outbox->outbox->new_key()));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_enqueue(lantern_outbox* outbox, const char* ticket_json) {
  return guarded(record_on(outbox), [&] {
    need(outbox, "outbox");
    need(ticket_json, "ticket_json");
    json t = parse_json(ticket_json, "ticket_json");
    if (!t.is_object() || !t.contains("idempotency_key") || !t["idempotency_key"].is_string()) {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, "the ticket has no \"idempotency_key\" (build it with lantern_bundle_build_ticket)");
    }
    std::lock_guard<std::mutex> lock(outbox->m);
    check(outbox->outbox->enqueue(t["idempotency_key"].get<std::string>(), ticket_json));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_entries(lantern_outbox* outbox, char** out_json) {
  return guarded(record_on(outbox), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(outbox, "outbox");
    std::lock_guard<std::mutex> lock(outbox->m);
    give(out_json, entries_json(take(outbox->outbox->entries())));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_take_due(lantern_outbox* outbox, char** out_json) {
  return guarded(record_on(outbox), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(outbox, "outbox");
    std::lock_guard<std::mutex> lock(outbox->m);
    give(out_json, entries_json(take(outbox->outbox->take_due())));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_report(lantern_outbox* outbox, const char* key, int http_status,
                                                 const char* answer, const char* error, int64_t retry_after_ms) {
  return guarded(record_on(outbox), [&] {
    need(outbox, "outbox");
    need(key, "key");
    if (http_status != 0 && (http_status < 100 || http_status > 599)) {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, "http_status " + std::to_string(http_status) + " is not 0 or 100..599");
    }
    std::lock_guard<std::mutex> lock(outbox->m);
    if (!has_entry(outbox, key)) fail(LANTERN_STATUS_NOT_FOUND, std::string("no outbox entry '") + key + "'");
    ticket::Delivery d;
    d.outcome = ticket::classify_http(http_status);
    d.http_status = http_status;
    d.answer = answer ? answer : "";
    d.error = error ? error : "";
    d.retry_after_ms = retry_after_ms > 0 ? retry_after_ms : 0;
    check(outbox->outbox->report(key, d));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_discard(lantern_outbox* outbox, const char* key) {
  return guarded(record_on(outbox), [&] {
    need(outbox, "outbox");
    need(key, "key");
    std::lock_guard<std::mutex> lock(outbox->m);
    if (!has_entry(outbox, key)) fail(LANTERN_STATUS_NOT_FOUND, std::string("no outbox entry '") + key + "'");
    check(outbox->outbox->discard(key));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_next_due(lantern_outbox* outbox, int64_t* out_ms) {
  return guarded(record_on(outbox), [&] {
    need(out_ms, "out_ms");
    *out_ms = -1;
    need(outbox, "outbox");
    std::lock_guard<std::mutex> lock(outbox->m);
    auto next = take(outbox->outbox->next_due());
    *out_ms = next ? *next : -1;
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_outbox_receipt(lantern_outbox* outbox, const char* key, char** out_json) {
  return guarded(record_on(outbox), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(outbox, "outbox");
    need(key, "key");
    std::lock_guard<std::mutex> lock(outbox->m);
    auto r = take(outbox->outbox->receipt(key));
    if (!r) fail(LANTERN_STATUS_NOT_FOUND, std::string("no receipt for '") + key + "' (not acknowledged yet)");
    give(out_json, *r);
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_draft_save(lantern_outbox* outbox, const char* form_id, const char* json_text) {
  return guarded(record_on(outbox), [&] {
    need(outbox, "outbox");
    need(form_id, "form_id");
    need(json_text, "json");
    parse_json(json_text, "the draft");
    std::lock_guard<std::mutex> lock(outbox->m);
    check(outbox->drafts->save(form_id, json_text));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_draft_load(lantern_outbox* outbox, const char* form_id, char** out_json) {
  return guarded(record_on(outbox), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(outbox, "outbox");
    need(form_id, "form_id");
    std::lock_guard<std::mutex> lock(outbox->m);
    auto r = take(outbox->drafts->load(form_id));
    if (!r) fail(LANTERN_STATUS_NOT_FOUND, std::string("no draft for form '") + form_id + "'");
    give(out_json, *r);
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_draft_clear(lantern_outbox* outbox, const char* form_id) {
  return guarded(record_on(outbox), [&] {
    need(outbox, "outbox");
    need(form_id, "form_id");
    std::lock_guard<std::mutex> lock(outbox->m);
    check(outbox->drafts->clear(form_id));
    return LANTERN_STATUS_OK;
  });
}

// [SECTION] Transport seam and the relay client

LANTERN_API void lantern_http_response_set_status(lantern_http_response* response, int http_status) {
  if (response) response->response.status = http_status;
}
LANTERN_API int lantern_http_response_add_header(lantern_http_response* response, const char* name, const char* value) {
  if (!response || !name || !value) return -1;
  try {
    response->response.headers.push_back({name, value});
    return 0;
  } catch (...) {
    return -1;
  }
}
LANTERN_API int lantern_http_response_append_body(lantern_http_response* response, const void* data, size_t size) {
  if (!response || (!data && size)) return -1;
  try {
    response->response.body.append(static_cast<const char*>(data), size);
    return 0;
  } catch (...) {
    return -1;
  }
}
LANTERN_API void lantern_http_response_set_error(lantern_http_response* response, const char* message) {
  if (!response || !message) return;
  try {
    response->error = message;
  } catch (...) {
  }
}

LANTERN_API lantern_status lantern_client_create(const char* config_json, const lantern_transport* transport,
                                                 lantern_client** out) {
  return guarded(thread_record(), [&] {
    need(out, "out");
    *out = nullptr;
    need(config_json, "config_json");
    json cfg = parse_json(config_json, "config_json");
    if (!cfg.is_object()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "config_json must be an object {base_url, ...}");
    auto c = std::make_unique<lantern_client>();
    auto string_of = [&](const char* k) -> std::string {
      if (!cfg.contains(k)) return {};
      if (!cfg[k].is_string()) fail(LANTERN_STATUS_INVALID_ARGUMENT, std::string("config.") + k + " must be a string");
      return cfg[k].get<std::string>();
    };
    c->base_url = string_of("base_url");
    if (c->base_url.empty()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.base_url is required (https://relay.example.com)");
    while (!c->base_url.empty() && c->base_url.back() == '/') c->base_url.pop_back();
    if (c->base_url.rfind("https://", 0) != 0 && c->base_url.rfind("http://", 0) != 0) {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.base_url must start with https:// (or http:// for loopback)");
    }
    c->user_agent = string_of("user_agent");
    if (c->user_agent.empty()) c->user_agent = std::string("lantern-sdk/") + LANTERN_VERSION_STRING;
    if (cfg.contains("timeout_ms")) {
      if (!cfg["timeout_ms"].is_number_integer() || cfg["timeout_ms"].get<std::int64_t>() < 1 || cfg["timeout_ms"].get<std::int64_t>() > 600000) {
        fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.timeout_ms must be an integer 1..600000");
      }
      c->timeout_ms = cfg["timeout_ms"].get<int>();
    }
    if (cfg.contains("max_response_bytes")) {
      if (!cfg["max_response_bytes"].is_number_unsigned() || cfg["max_response_bytes"].get<std::uint64_t>() < 1024) {
        fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.max_response_bytes must be an integer >= 1024");
      }
      c->max_response_bytes = std::size_t(cfg["max_response_bytes"].get<std::uint64_t>());
    }
    TlsOptions tls;
    tls.ca_file = string_of("ca_file");
    tls.ca_pem = string_of("ca_pem");
    if (cfg.contains("pins")) {
      if (!cfg["pins"].is_array()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.pins must be a list of \"sha256/<base64>\"");
      for (const auto& p : cfg["pins"]) {
        if (!p.is_string()) fail(LANTERN_STATUS_INVALID_ARGUMENT, "config.pins must be a list of \"sha256/<base64>\"");
        tls.pins.push_back(p.get<std::string>());
      }
    }
    if (transport) {
      if (!transport->send) fail(LANTERN_STATUS_INVALID_ARGUMENT, "transport->send is NULL");
      if (!tls.pins.empty() || !tls.ca_file.empty() || !tls.ca_pem.empty()) {
        fail(LANTERN_STATUS_INVALID_ARGUMENT, "pins, ca_file and ca_pem configure the built-in transport; an app transport pins itself");
      }
      c->transport = std::make_unique<CTransport>(*transport);
    } else {
      c->transport = take(make_native_transport(tls));
    }
    *out = c.release();
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API void lantern_client_destroy(lantern_client* client) { delete client; }

LANTERN_API const char* lantern_client_last_error(const lantern_client* client) { return client ? client->err.get() : ""; }

namespace {

lantern_status status_of(TransportError e) {
  switch (e) {
    case TransportError::none: return LANTERN_STATUS_OK;
    case TransportError::bad_url: return LANTERN_STATUS_INVALID_ARGUMENT;
    case TransportError::timeout: return LANTERN_STATUS_TIMEOUT;
    case TransportError::tls: return LANTERN_STATUS_TLS;
    case TransportError::pin_mismatch: return LANTERN_STATUS_PIN_MISMATCH;
    case TransportError::too_large: return LANTERN_STATUS_TOO_LARGE;
    default: return LANTERN_STATUS_NETWORK;
  }
}

std::int64_t retry_after_ms(const HttpResponse& r) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return ticket::parse_retry_after_ms(r.header("Retry-After"), now);
}

// One exchange with the relay. No answer: throws with the transport's status.
HttpResponse exchange(lantern_client* c, const char* method, const std::string& path, std::vector<HttpHeader> headers,
                      std::string body) {
  HttpRequest req;
  req.method = method;
  req.url = c->base_url + path;
  req.headers = std::move(headers);
  req.headers.push_back({"User-Agent", c->user_agent});
  req.headers.push_back({"Accept", "application/json"});
  req.body = std::move(body);
  req.timeout_ms = c->timeout_ms;
  req.max_response_bytes = c->max_response_bytes;
  auto t0 = std::chrono::steady_clock::now();
  TransportResult r = c->transport->send(req);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  // The path only: ticket ids are not secret, tokens travel in headers and are never logged.
  if (r.error != TransportError::none) {
    g_log.write(LogLevel::warn, std::string(method) + " " + path + ": " + transport_error_name(r.error) + ": " + r.message);
    fail(status_of(r.error), r.message);
  }
  g_log.write(LogLevel::debug, std::string(method) + " " + path + " -> " + std::to_string(r.response.status) + " (" + std::to_string(ms) + " ms)");
  return std::move(r.response);
}

// A relay answer that is not success: the status for it, and the JSON the app gets.
lantern_status answer_status(int http) {
  if (http == 422) return LANTERN_STATUS_INVALID_FIELDS;
  if (http == 401) return LANTERN_STATUS_UNAUTHORIZED;
  if (http == 404) return LANTERN_STATUS_NOT_FOUND;
  if (http == 409) return LANTERN_STATUS_CONFLICT;
  if (http == 413) return LANTERN_STATUS_TOO_LARGE;
  if (http == 429) return LANTERN_STATUS_RATE_LIMITED;
  if (http >= 500) return LANTERN_STATUS_UNAVAILABLE;
  return LANTERN_STATUS_HTTP;
}

// Success: the body. Else *out gets {"http_status","retry_after_ms","error"} and the status.
lantern_status deliver(lantern_client* c, const HttpResponse& r, char** out) {
  if (r.status >= 200 && r.status < 300) {
    give(out, r.body);
    return LANTERN_STATUS_OK;
  }
  json body = json::parse(r.body, nullptr, false);
  json err;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    err = body["error"];
  } else {
    err = {{"code", "http_" + std::to_string(r.status)}, {"message", r.body.substr(0, 200)}};
  }
  json o = {{"http_status", r.status}, {"retry_after_ms", retry_after_ms(r)}, {"error", err}};
  give(out, o.dump(-1, ' ', false, json::error_handler_t::replace));
  std::string message = "the relay answered " + std::to_string(r.status);
  if (err.contains("message") && err["message"].is_string()) message += ": " + err["message"].get<std::string>();
  c->err.set(message);
  return answer_status(r.status);
}

void need_ticket_id(const char* id) {
  need(id, "ticket_id");
  std::string_view s(id);
  if (s.empty() || s.size() > 64) fail(LANTERN_STATUS_INVALID_ARGUMENT, "ticket_id must be 1-64 characters");
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    if (!ok) fail(LANTERN_STATUS_INVALID_ARGUMENT, "ticket_id '" + std::string(s) + "' has characters other than letters, digits, '-' and '_'");
  }
}

void need_token(const char* token) {
  need(token, "access_token");
  std::string_view s(token);
  if (s.empty() || s.find_first_of("\r\n ") != std::string_view::npos) fail(LANTERN_STATUS_INVALID_ARGUMENT, "access_token is empty or has spaces");
}

std::string key_of(const char* ticket_json) {
  json t = parse_json(ticket_json, "ticket_json");
  if (!t.is_object() || !t.contains("idempotency_key") || !t["idempotency_key"].is_string()) {
    fail(LANTERN_STATUS_INVALID_ARGUMENT, "the ticket has no \"idempotency_key\"");
  }
  std::string k = t["idempotency_key"].get<std::string>();
  if (k.find_first_of("\r\n") != std::string::npos) fail(LANTERN_STATUS_INVALID_ARGUMENT, "the idempotency key has a line break");
  return k;
}

}  // namespace

LANTERN_API lantern_status lantern_client_submit(lantern_client* client, const char* ticket_json, char** out_json) {
  return guarded(record_on(client), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(client, "client");
    need(ticket_json, "ticket_json");
    std::string key = key_of(ticket_json);
    auto r = exchange(client, "POST", "/v1/tickets", {{"Content-Type", "application/json"}, {"Idempotency-Key", key}}, ticket_json);
    return deliver(client, r, out_json);
  });
}

LANTERN_API lantern_status lantern_client_flush(lantern_client* client, lantern_outbox* outbox, char** out_json) {
  return guarded(record_on(client), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(client, "client");
    need(outbox, "outbox");
    std::vector<ticket::OutboxEntry> due;
    {
      std::lock_guard<std::mutex> lock(outbox->m);
      due = take(outbox->outbox->take_due());
    }
    json sent = json::array(), retry = json::array(), rejected = json::array();
    for (const auto& e : due) {
      HttpRequest req;
      req.method = "POST";
      req.url = client->base_url + "/v1/tickets";
      req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", e.key}, {"User-Agent", client->user_agent},
                     {"Accept", "application/json"}};
      req.body = e.body;
      req.timeout_ms = client->timeout_ms;
      req.max_response_bytes = client->max_response_bytes;
      TransportResult r = client->transport->send(req);
      ticket::Delivery d;
      if (r.error != TransportError::none) {
        d.outcome = ticket::Delivery::Outcome::retry;
        d.error = std::string(transport_error_name(r.error)) + ": " + r.message;
      } else {
        d.http_status = r.response.status;
        d.outcome = ticket::classify_http(r.response.status);
        d.answer = r.response.body;
        d.retry_after_ms = retry_after_ms(r.response);
        if (d.outcome != ticket::Delivery::Outcome::accepted) {
          json b = json::parse(r.response.body, nullptr, false);
          d.error = "HTTP " + std::to_string(r.response.status);
          if (b.is_object() && b.contains("error") && b["error"].is_object() && b["error"].contains("message") && b["error"]["message"].is_string()) {
            d.error += ": " + b["error"]["message"].get<std::string>();
          }
        }
      }
      {
        std::lock_guard<std::mutex> lock(outbox->m);
        check(outbox->outbox->report(e.key, d));
      }
      if (d.outcome == ticket::Delivery::Outcome::accepted) {
        json a = json::parse(d.answer, nullptr, false);
        json item = {{"key", e.key}};
        if (a.is_object()) {
          if (a.contains("id")) item["id"] = a["id"];
          if (a.contains("access_token")) item["access_token"] = a["access_token"];
        }
        sent.push_back(item);
      } else {
        (d.outcome == ticket::Delivery::Outcome::retry ? retry : rejected).push_back({{"key", e.key}, {"error", d.error}});
      }
    }
    give(out_json, json{{"sent", sent}, {"retry", retry}, {"rejected", rejected}}.dump(-1, ' ', false, json::error_handler_t::replace));
    return LANTERN_STATUS_OK;
  });
}

LANTERN_API lantern_status lantern_client_ticket(lantern_client* client, const char* ticket_id, const char* access_token,
                                                 char** out_json) {
  return guarded(record_on(client), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(client, "client");
    need_ticket_id(ticket_id);
    need_token(access_token);
    auto r = exchange(client, "GET", std::string("/v1/tickets/") + ticket_id, {{"Authorization", std::string("Bearer ") + access_token}}, "");
    return deliver(client, r, out_json);
  });
}

LANTERN_API lantern_status lantern_client_add_message(lantern_client* client, const char* ticket_id,
                                                      const char* access_token, const char* text, char** out_json) {
  return guarded(record_on(client), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(client, "client");
    need_ticket_id(ticket_id);
    need_token(access_token);
    need(text, "text");
    if (!*text) fail(LANTERN_STATUS_INVALID_ARGUMENT, "the message is empty");
    // The same guard as the relay's, before anything leaves the device.
    for (const auto& f : forms::scan_secrets(text, forms::FieldKind::free_text)) {
      if (f.severity == forms::Severity::block) fail(LANTERN_STATUS_SECRET, f.message_en);
    }
    std::string body = json{{"body", text}}.dump(-1, ' ', false, json::error_handler_t::replace);
    auto r = exchange(client, "POST", std::string("/v1/tickets/") + ticket_id + "/messages",
                      {{"Authorization", std::string("Bearer ") + access_token}, {"Content-Type", "application/json"}}, body);
    return deliver(client, r, out_json);
  });
}

LANTERN_API lantern_status lantern_client_upload_attachment(lantern_client* client, const void* data, size_t size,
                                                            const char* content_type, char** out_json) {
  return guarded(record_on(client), [&] {
    need(out_json, "out_json");
    *out_json = nullptr;
    need(client, "client");
    need(data, "data");
    need(content_type, "content_type");
    std::string ct = content_type;
    if (ct != "image/png" && ct != "image/jpeg" && ct != "image/webp") {
      fail(LANTERN_STATUS_INVALID_ARGUMENT, "content_type must be image/png, image/jpeg or image/webp (got '" + ct + "')");
    }
    if (size == 0) fail(LANTERN_STATUS_INVALID_ARGUMENT, "the image is empty");
    auto r = exchange(client, "POST", "/v1/attachments", {{"Content-Type", ct}},
                      std::string(static_cast<const char*>(data), size));
    return deliver(client, r, out_json);
  });
}
