// WebAssembly exports behind dist/web/lantern-core.mjs. JavaScript sees only the wrapper in
// core_post.js: these functions pass JSON text and never throw across the boundary.
#include <emscripten/emscripten.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/search.h"
#include "lantern/secret_guard.h"
#include "lantern/signing.h"
#include "lantern/text.h"
#include "lantern/ticket.h"
#include "lantern/triage.h"

using namespace lantern;

namespace {

struct Open {
  std::uint8_t* bytes;  // owned by the JS side (malloc'ed there), freed in lantern_core_close
  kb::Bundle bundle;
  std::unique_ptr<search::Searcher> searcher;
  std::unique_ptr<forms::FormSet> forms;       // parsed on first use
  std::unique_ptr<forms::Triager> triager;
};

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Forms are parsed once, on first use, from the bundle's FORM section.
const forms::FormSet* form_set(Open* o, Error& err) {
  if (!o->forms) {
    auto text = o->bundle.section_json(kb::tag("FORM"));
    if (text.empty()) {
      err = {ErrorCode::invalid_argument, "this bundle has no form schemas"};
      return nullptr;
    }
    auto set = forms::parse_form_set(text);
    if (!set) {
      err = set.error();
      return nullptr;
    }
    o->forms = std::make_unique<forms::FormSet>(std::move(*set));
    o->triager = std::make_unique<forms::Triager>(*o->searcher, *o->forms);
  }
  return o->forms.get();
}

// {"coin":"USDT","time":{"text":"…","approximate":true},"screenshots":["att_1"]}
bool parse_values(const json& j, forms::Values& out) {
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    forms::FieldValue v;
    if (it->is_string()) {
      v.text = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& a : *it) {
        if (!a.is_string()) return false;
        v.attachments.push_back(a.get<std::string>());
      }
    } else if (it->is_object()) {
      if (it->contains("text") && (*it)["text"].is_string()) v.text = (*it)["text"].get<std::string>();
      if (it->contains("approximate") && (*it)["approximate"].is_boolean()) v.approximate = (*it)["approximate"].get<bool>();
    } else if (!it->is_null()) {
      return false;
    }
    out[it.key()] = std::move(v);
  }
  return true;
}

json values_json(const forms::Values& values) {
  json j = json::object();
  for (const auto& [k, v] : values) {
    if (!v.attachments.empty()) j[k] = v.attachments;
    else if (v.approximate) j[k] = {{"text", v.text}, {"approximate", true}};
    else j[k] = v.text;
  }
  return j;
}

json errors_json(const std::vector<forms::FieldError>& errors) {
  json a = json::array();
  for (const auto& e : errors) {
    a.push_back({{"field", e.field}, {"code", e.code}, {"message", {{"en", e.message.en}, {"zh-CN", e.message.zh}}}, {"blocking", e.blocking}});
  }
  return a;
}

forms::CheckContext context_from(const json& c) {
  forms::CheckContext ctx;
  if (c.is_object()) {
    if (c.contains("now") && c["now"].is_number()) ctx.now_ms = c["now"].get<std::int64_t>();
    if (c.contains("utcOffsetMinutes") && c["utcOffsetMinutes"].is_number_integer()) ctx.default_utc_offset_minutes = c["utcOffsetMinutes"].get<int>();
    if (c.contains("openTickets") && c["openTickets"].is_array()) {
      for (const auto& t : c["openTickets"]) {
        if (t.is_object() && t.contains("id") && t["id"].is_string() && t.contains("txid") && t["txid"].is_string()) {
          ctx.open_tickets.push_back({t["id"].get<std::string>(), t["txid"].get<std::string>()});
        }
      }
    }
  }
  return ctx;
}

std::vector<std::unique_ptr<Open>> g_open;  // handle = index + 1
std::string g_out;                          // last returned JSON; valid until the next call

const char* error_json(const Error& e) {
  g_out = "{\"error\":{\"code\":";
  search::append_json_string(g_out, error_code_name(e.code));
  g_out += ",\"message\":";
  search::append_json_string(g_out, e.message);
  g_out += "}}";
  return g_out.c_str();
}

Open* get(int handle) {
  if (handle <= 0 || std::size_t(handle) > g_open.size()) return nullptr;
  return g_open[handle - 1].get();
}

const char* kBlockTypes[] = {"", "paragraph", "heading", "list_item", "code", "quote", "rule"};
const char* kSpanTypes[] = {"", "text", "strong", "emphasis", "code", "link"};

}  // namespace

extern "C" {

// Opens a bundle. With a public key (PEM), the signature is verified first; without, the
// content hash is. Returns {"handle":N} or {"error":{...}}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_open(std::uint8_t* bytes, std::size_t size, const char* public_key_pem) {
  Status st = (public_key_pem && *public_key_pem) ? kb::verify_bundle(bytes, size, public_key_pem)
                                                  : kb::check_integrity(bytes, size);
  if (!st) return error_json(st.error());
  auto b = kb::Bundle::open(bytes, size);
  if (!b) return error_json(b.error());
  auto o = std::make_unique<Open>(Open{bytes, std::move(*b), nullptr});
  o->searcher = std::make_unique<search::Searcher>(o->bundle);
  g_open.push_back(std::move(o));
  g_out = "{\"handle\":" + std::to_string(g_open.size()) + "}";
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_search(int handle, const char* query, const char* lang, int top, int snippets) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  search::Options opt;
  opt.lang = lang ? lang : "";
  opt.top = top > 0 ? std::size_t(top) : 0;
  opt.snippets = snippets != 0;
  auto t0 = std::chrono::steady_clock::now();
  auto hits = o->searcher->search(query ? query : "", opt);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!hits) return error_json(hits.error());
  g_out = search::hits_to_json(*hits, us);
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_article(int handle, const char* id) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  auto idx = o->bundle.find_article(id ? id : "");
  if (idx < 0) return error_json({ErrorCode::invalid_argument, std::string("no article with id '") + (id ? id : "") + "'"});
  auto blocks = o->bundle.blocks(std::uint32_t(idx));
  if (!blocks) return error_json(blocks.error());
  kb::Article a = o->bundle.article(std::uint32_t(idx));
  std::string& j = g_out;
  j = "{\"id\":";
  search::append_json_string(j, a.id);
  j += ",\"lang\":";
  search::append_json_string(j, a.lang);
  j += ",\"title\":";
  search::append_json_string(j, a.title);
  j += ",\"category\":";
  search::append_json_string(j, a.category);
  j += ",\"translation_of\":";
  search::append_json_string(j, a.translation_of);
  j += ",\"tags\":[";
  std::size_t pos = 0;
  bool first = true;
  while (!a.tags.empty() && pos <= a.tags.size()) {
    std::size_t e = a.tags.find('\x1f', pos);
    if (e == std::string_view::npos) e = a.tags.size();
    if (!first) j += ",";
    search::append_json_string(j, a.tags.substr(pos, e - pos));
    first = false;
    pos = e + 1;
  }
  j += "],\"blocks\":[";
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const auto& b = (*blocks)[i];
    if (i) j += ",";
    j += "{\"type\":\"";
    j += kBlockTypes[int(b.type)];
    j += "\",\"level\":" + std::to_string(b.level);
    if (b.type == kb::BlockType::list_item) {
      j += std::string(",\"ordered\":") + (b.ordered ? "true" : "false") + ",\"number\":" + std::to_string(b.number);
    }
    j += ",\"spans\":[";
    for (std::size_t k = 0; k < b.spans.size(); ++k) {
      const auto& s = b.spans[k];
      if (k) j += ",";
      j += "{\"type\":\"";
      j += kSpanTypes[int(s.type)];
      j += "\",\"text\":";
      search::append_json_string(j, s.text);
      if (s.type == kb::SpanType::link) {
        j += ",\"href\":";
        search::append_json_string(j, s.href);
      }
      j += "}";
    }
    j += "]}";
  }
  j += "]}";
  return j.c_str();
}

// The form schemas as stored in the bundle: {"version":1,"forms":[…]}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_forms(int handle) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  auto text = o->bundle.section_json(kb::tag("FORM"));
  g_out = text.empty() ? std::string("{\"version\":1,\"forms\":[]}") : std::string(text);
  return g_out.c_str();
}

// Checks a form's values as typed: {"errors":[…],"visible":[field ids],"canonical":{…}}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_check(int handle, const char* form_id, const char* values, const char* context) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  Error err;
  const forms::FormSet* set = form_set(o, err);
  if (!set) return error_json(err);
  const forms::Form* form = set->find(form_id ? form_id : "");
  if (!form) return error_json({ErrorCode::invalid_argument, std::string("no form '") + (form_id ? form_id : "") + "'"});
  forms::Values v;
  if (!parse_values(json::parse(values ? values : "", nullptr, false), v)) {
    return error_json({ErrorCode::invalid_argument, "values must be an object of strings, {text, approximate} or lists of attachment ids"});
  }
  auto ctx = context_from(json::parse(context ? context : "", nullptr, false));
  json visible = json::array();
  for (const auto& f : form->fields) {
    if (forms::visible(*form, f, v)) visible.push_back(f.id);
  }
  json out = {{"errors", errors_json(forms::check_values(*form, v, ctx))},
              {"visible", visible},
              {"canonical", values_json(forms::canonical_values(*form, v, ctx))}};
  g_out = dump(out);
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_triage(int handle, const char* text, const char* lang, int articles) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  Error err;
  if (!form_set(o, err)) return error_json(err);
  auto r = o->triager->triage(text ? text : "", lang ? lang : "", articles > 0 ? std::size_t(articles) : 3);
  if (!r) return error_json(r.error());
  json cats = json::array();
  for (const auto& c : r->categories) cats.push_back({{"id", c.form->id}, {"score", c.score}});
  std::string hits = search::hits_to_json(r->articles, 0);
  g_out = "{\"categories\":" + dump(cats) + ",\"articles\":" + hits.substr(8, hits.rfind("],\"took_us\"") - 8 + 1) + "}";
  return g_out.c_str();
}

// Builds the ticket JSON from the values as typed: {"ticket":"…"} or {"errors":[…]}.
// input: {idempotency_key, created_ms, language, category, values, attachments, client, user, context}
EMSCRIPTEN_KEEPALIVE const char* lantern_core_ticket(int handle, const char* input) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  Error err;
  const forms::FormSet* set = form_set(o, err);
  if (!set) return error_json(err);
  json in = json::parse(input ? input : "", nullptr, false);
  if (!in.is_object()) return error_json({ErrorCode::invalid_argument, "ticket input must be a JSON object"});
  auto str = [&](const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  ticket::Ticket t;
  t.category = str(in, "category");
  const forms::Form* form = set->find(t.category);
  if (!form) return error_json({ErrorCode::invalid_argument, "unknown category '" + t.category + "'"});
  forms::Values v;
  if (!in.contains("values") || !parse_values(in["values"], v)) return error_json({ErrorCode::invalid_argument, "values must be an object"});
  auto ctx = context_from(in.contains("context") ? in["context"] : json());
  auto errors = forms::check_values(*form, v, ctx);
  bool blocking = false;
  for (const auto& e : errors) blocking |= e.blocking;
  if (blocking) {
    g_out = dump(json{{"errors", errors_json(errors)}});
    return g_out.c_str();
  }
  t.idempotency_key = str(in, "idempotency_key");
  t.created_ms = in.contains("created_ms") && in["created_ms"].is_number() ? in["created_ms"].get<std::int64_t>() : ctx.now_ms;
  t.language = str(in, "language");
  t.form_version = form->version;
  t.fields = forms::canonical_values(*form, v, ctx);
  if (in.contains("attachments") && in["attachments"].is_array()) {
    for (const auto& a : in["attachments"]) {
      if (!a.is_object()) continue;
      ticket::Attachment att{str(a, "id"), str(a, "sha256"), str(a, "type"), a.contains("size") && a["size"].is_number_unsigned() ? a["size"].get<std::uint64_t>() : 0};
      t.attachments.push_back(att);
    }
  }
  if (in.contains("client") && in["client"].is_object()) t.client = {str(in["client"], "name"), str(in["client"], "version"), str(in["client"], "bundle")};
  if (in.contains("user") && in["user"].is_object()) t.user = ticket::Identity{str(in["user"], "id"), str(in["user"], "hash")};
  // What the relay will do with it: parse it again with the same rules.
  std::string text = ticket::to_json(t, *form);
  auto parsed = ticket::parse(text, *set, ctx);
  if (!parsed.ticket) {
    g_out = dump(json{{"errors", errors_json(parsed.errors)}});
    return g_out.c_str();
  }
  g_out = dump(json{{"ticket", text}, {"warnings", errors_json(errors)}});
  return g_out.c_str();
}

// Secrets in one text: [{"kind","blocking","begin","end","message":{en,zh-CN}}]. kind: free_text,
// txid, address or memo.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_scan_secrets(const char* text, const char* kind) {
  std::string k = kind ? kind : "";
  forms::FieldKind fk = k == "txid" ? forms::FieldKind::txid : k == "address" ? forms::FieldKind::address
                      : k == "memo" ? forms::FieldKind::memo : forms::FieldKind::free_text;
  json a = json::array();
  for (const auto& f : forms::scan_secrets(text ? text : "", fk)) {
    a.push_back({{"kind", forms::secret_kind_name(f.kind)}, {"blocking", f.severity == forms::Severity::block},
                 {"begin", f.begin}, {"end", f.end}, {"message", {{"en", f.message_en}, {"zh-CN", f.message_zh}}}});
  }
  g_out = dump(json{{"findings", a}});
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_info(int handle) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  g_out = std::string(o->bundle.metadata_json());
  if (g_out.empty()) g_out = "{}";
  return g_out.c_str();
}

// Returns the bundle's byte buffer so the caller can free it.
EMSCRIPTEN_KEEPALIVE std::uint8_t* lantern_core_close(int handle) {
  Open* o = get(handle);
  if (!o) return nullptr;
  std::uint8_t* bytes = o->bytes;
  g_open[handle - 1].reset();
  return bytes;
}

}  // extern "C"
