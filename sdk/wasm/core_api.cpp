// WebAssembly exports behind dist/web/lantern-core.mjs. JavaScript sees only the wrapper in
// core_post.js: these functions pass JSON text and never throw across the boundary.
#include <emscripten/emscripten.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "capi/shapes.h"
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

// The JSON shapes are shared with the C ABI (sdk/src/capi/shapes.h); this file only keeps the
// handle table and the one-result buffer JavaScript reads.
struct Open {
  std::uint8_t* bytes;  // owned by the JS side (malloc'ed there), freed in lantern_core_close
  std::unique_ptr<api::Opened> opened;
};

std::vector<std::unique_ptr<Open>> g_open;  // handle = index + 1
std::string g_out;                          // last returned JSON; valid until the next call

const char* error_json(const Error& e) {
  g_out = api::error_json(e);
  return g_out.c_str();
}

const char* result(Result<std::string>&& r) {
  if (!r) return error_json(r.error());
  g_out = std::move(*r);
  return g_out.c_str();
}

Open* get(int handle) {
  if (handle <= 0 || std::size_t(handle) > g_open.size()) return nullptr;
  return g_open[handle - 1].get();
}

// Forms are parsed once, on first use, from the bundle's FORM section.
const forms::FormSet* form_set(Open* o, Error& err) {
  if (auto st = api::load_forms(*o->opened); !st) {
    err = st.error();
    return nullptr;
  }
  return o->opened->forms.get();
}

}  // namespace

extern "C" {

// Opens a bundle. With a public key (PEM), the signature is verified first; without, the
// content hash is. Returns {"handle":N} or {"error":{...}}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_open(std::uint8_t* bytes, std::size_t size, const char* public_key_pem) {
  auto opened = api::open_bundle(bytes, size, public_key_pem ? public_key_pem : "");
  if (!opened) return error_json(opened.error());
  g_open.push_back(std::make_unique<Open>(Open{bytes, std::move(*opened)}));
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
  return result(api::search_json(*o->opened, query ? query : "", opt));
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_article(int handle, const char* id) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  return result(api::article_json(o->opened->bundle, id ? id : ""));
}

// The form schemas as stored in the bundle: {"version":1,"forms":[…]}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_forms(int handle) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  auto text = o->opened->bundle.section_json(kb::tag("FORM"));
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
  auto v = api::parse_values(values ? values : "");
  if (!v) return error_json(v.error());
  auto ctx = api::parse_context(context ? context : "", 0);
  if (!ctx) return error_json(ctx.error());
  g_out = api::check_json(*form, *v, *ctx);
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_triage(int handle, const char* text, const char* lang, int articles) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  Error err;
  if (!form_set(o, err)) return error_json(err);
  return result(api::triage_json(*o->opened, text ? text : "", lang ? lang : "", articles > 0 ? std::size_t(articles) : 3));
}

// Builds the ticket JSON from the values as typed: {"ticket":"…"} or {"errors":[…]}.
// input: {idempotency_key, created_ms, language, category, values, attachments, client, user, context}
EMSCRIPTEN_KEEPALIVE const char* lantern_core_ticket(int handle, const char* input) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  Error err;
  if (!form_set(o, err)) return error_json(err);
  auto built = api::build_ticket(*o->opened, input ? input : "", 0);
  if (!built) return error_json(built.error());
  g_out = std::move(built->json);
  return g_out.c_str();
}

// Secrets in one text: [{"kind","blocking","begin","end","message":{en,zh-CN}}]. kind: free_text,
// txid, address or memo.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_scan_secrets(const char* text, const char* kind) {
  forms::FieldKind fk = forms::FieldKind::free_text;
  (void)api::field_kind_from(kind ? kind : "", fk);  // unknown kinds scan as free text, as before
  g_out = api::secrets_json(text ? text : "", fk);
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_info(int handle) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  g_out = std::string(o->opened->bundle.metadata_json());
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
