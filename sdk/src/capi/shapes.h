// The JSON both bindings speak: the C ABI (lantern.h) and the WebAssembly exports
// (sdk/wasm/core_api.cpp) shape their answers here, so an app on a phone and the widget in a
// browser see the same fields. Everything returns text or a Result; nothing throws (inputs are
// parsed with allow_exceptions=false, so this also builds with JSON_NOEXCEPTION).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/result.h"
#include "lantern/search.h"
#include "lantern/secret_guard.h"
#include "lantern/triage.h"

namespace lantern::api {

// An opened bundle and what is built over it. Borrows the bytes (the caller keeps them alive and
// unchanged) and must not move once made: the searcher points into the bundle.
struct Opened {
  kb::Bundle bundle;
  std::unique_ptr<search::Searcher> searcher;
  std::unique_ptr<forms::FormSet> forms;  // null until load_forms()
  std::unique_ptr<forms::Triager> triager;
};

// Verifies (with a PEM public key: the signature; without: the content hash), then opens.
Result<std::unique_ptr<Opened>> open_bundle(const std::uint8_t* data, std::size_t size, std::string_view public_key_pem);
// Parses the FORM section once. Errors: invalid_argument when the bundle has none.
Status load_forms(Opened& o);

// {"error":{"code":"…","message":"…"}}
std::string error_json(const Error& e);

// {"hits":[…],"took_us":…}
Result<std::string> search_json(const Opened& o, std::string_view query, const search::Options& options);
// {"id","lang","title","category","translation_of","tags":[…],"blocks":[…]}; invalid_argument
// when there is no such article.
Result<std::string> article_json(const kb::Bundle& bundle, std::string_view id);
// {"categories":[{"id","version","title","intro","article_categories":[…]}]} in the given language.
std::string categories_json(const forms::FormSet& forms, std::string_view lang);
// One form's schema as the bundle stores it; invalid_argument when there is no such form.
Result<std::string> form_schema_json(const kb::Bundle& bundle, std::string_view form_id);

// Inputs. Empty text means "none": values {}; context {now: default_now_ms}. Errors: parse_error
// for text that is not JSON, invalid_argument for JSON of the wrong shape.
Result<forms::Values> parse_values(std::string_view text);
Result<forms::CheckContext> parse_context(std::string_view text, std::int64_t default_now_ms);

// {"errors":[…],"visible":[field ids],"canonical":{…}}
std::string check_json(const forms::Form& form, const forms::Values& values, const forms::CheckContext& ctx);
// {"categories":[{"id","score"}],"articles":[hits]}
Result<std::string> triage_json(const Opened& o, std::string_view text, std::string_view lang, std::size_t articles);

// Builds the ticket JSON from the values as typed, checked exactly as the relay will check it.
// input: {idempotency_key, created_ms, language, category, values, attachments, client, user, context}
// ok: {"ticket":"<ticket JSON>","warnings":[…]}; field errors: {"errors":[…]} with ok = false.
struct BuiltTicket {
  bool ok = false;
  std::string json;
};
Result<BuiltTicket> build_ticket(const Opened& o, std::string_view input, std::int64_t default_now_ms);

// {"findings":[{"kind","blocking","begin","end","message":{"en","zh-CN"}}]}
std::string secrets_json(std::string_view text, forms::FieldKind kind);
// "free_text" (also empty), "txid", "address", "memo"; false for anything else.
bool field_kind_from(std::string_view name, forms::FieldKind& out);

// One value checked by the validators (validate.h): request {"type","text",…}
//   type chain|coin: text; txid|address|memo: chain, text (txid also open_tickets);
//   amount: text, coin (or decimals); time: text, now_ms, utc_offset_minutes, allow_approximate,
//   approximate.
// Answer {"ok":true,"value":"canonical"} (time: value is RFC 3339 UTC, plus "approximate") or
// {"ok":false,"error":{"field","code","message":{"en","zh-CN"},"blocking"}}.
Result<std::string> validate_json(std::string_view request);

}  // namespace lantern::api
