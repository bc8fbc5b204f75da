// JSON shaping shared by the C ABI and the WebAssembly exports (see shapes.h).
#include "capi/shapes.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "lantern/signing.h"
#include "lantern/ticket.h"
#include "lantern/validate.h"

namespace lantern::api {

using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const char* kBlockTypes[] = {"", "paragraph", "heading", "list_item", "code", "quote", "rule"};
const char* kSpanTypes[] = {"", "text", "strong", "emphasis", "code", "link"};

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json errors_json(const std::vector<forms::FieldError>& errors) {
  json a = json::array();
  for (const auto& e : errors) {
    a.push_back({{"field", e.field}, {"code", e.code}, {"message", {{"en", e.message.en}, {"zh-CN", e.message.zh}}}, {"blocking", e.blocking}});
  }
  return a;
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

// {"coin":"USDT","time":{"text":"…","approximate":true},"screenshots":["att_1"]}
Result<forms::Values> values_from(const json& j) {
  if (!j.is_object()) return make_error(ErrorCode::invalid_argument, "values must be a JSON object of field ids");
  forms::Values out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    forms::FieldValue v;
    if (it->is_string()) {
      v.text = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& a : *it) {
        if (!a.is_string()) return make_error(ErrorCode::invalid_argument, "values." + it.key() + ": a list holds attachment ids (strings)");
        v.attachments.push_back(a.get<std::string>());
      }
    } else if (it->is_object()) {
      v.text = str(*it, "text");
      auto ap = it->find("approximate");
      if (ap != it->end() && ap->is_boolean()) v.approximate = ap->get<bool>();
    } else if (!it->is_null()) {
      return make_error(ErrorCode::invalid_argument,
                        "values." + it.key() + " must be a string, {\"text\",\"approximate\"} or a list of attachment ids");
    }
    out[it.key()] = std::move(v);
  }
  return out;
}

Result<forms::CheckContext> context_from(const json& c, std::int64_t default_now_ms) {
  forms::CheckContext ctx;
  ctx.now_ms = default_now_ms;
  if (c.is_null()) return ctx;
  if (!c.is_object()) return make_error(ErrorCode::invalid_argument, "context must be a JSON object {now, utcOffsetMinutes, openTickets}");
  if (c.contains("now") && c["now"].is_number()) ctx.now_ms = c["now"].get<std::int64_t>();
  if (c.contains("utcOffsetMinutes") && c["utcOffsetMinutes"].is_number_integer()) ctx.default_utc_offset_minutes = c["utcOffsetMinutes"].get<int>();
  if (c.contains("openTickets") && c["openTickets"].is_array()) {
    for (const auto& t : c["openTickets"]) {
      if (t.is_object() && t.contains("id") && t["id"].is_string() && t.contains("txid") && t["txid"].is_string()) {
        ctx.open_tickets.push_back({t["id"].get<std::string>(), t["txid"].get<std::string>()});
      }
    }
  }
  return ctx;
}

Result<json> parse_text(std::string_view text, const char* what) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return make_error(ErrorCode::parse_error, std::string(what) + " is not valid JSON");
  return j;
}

json field_error_json(const validate::FieldError& e) {
  return {{"field", e.field}, {"code", e.code}, {"message", {{"en", e.message_en}, {"zh-CN", e.message_zh}}}, {"blocking", e.blocking}};
}

}  // namespace

Result<std::unique_ptr<Opened>> open_bundle(const std::uint8_t* data, std::size_t size, std::string_view public_key_pem) {
  Status st = !public_key_pem.empty() ? kb::verify_bundle(data, size, public_key_pem) : kb::check_integrity(data, size);
  if (!st) return st.error();
  auto b = kb::Bundle::open(data, size);
  if (!b) return b.error();
  auto o = std::make_unique<Opened>(Opened{std::move(*b), nullptr, nullptr, nullptr});
  o->searcher = std::make_unique<search::Searcher>(o->bundle);
  return o;
}

Status load_forms(Opened& o) {
  if (o.forms) return ok_status();
  auto text = o.bundle.section_json(kb::tag("FORM"));
  if (text.empty()) return make_error(ErrorCode::invalid_argument, "this bundle has no form schemas (built without --forms)");
  auto set = forms::parse_form_set(text);
  if (!set) return set.error();
  o.forms = std::make_unique<forms::FormSet>(std::move(*set));
  o.triager = std::make_unique<forms::Triager>(*o.searcher, *o.forms);
  return ok_status();
}

std::string error_json(const Error& e) {
  std::string out = "{\"error\":{\"code\":";
  search::append_json_string(out, error_code_name(e.code));
  out += ",\"message\":";
  search::append_json_string(out, e.message);
  out += "}}";
  return out;
}

Result<std::string> search_json(const Opened& o, std::string_view query, const search::Options& options) {
  auto t0 = std::chrono::steady_clock::now();
  auto hits = o.searcher->search(query, options);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!hits) return hits.error();
  return search::hits_to_json(*hits, us);
}

Result<std::string> article_json(const kb::Bundle& bundle, std::string_view id) {
  auto idx = bundle.find_article(id);
  if (idx < 0) return make_error(ErrorCode::invalid_argument, "no article with id '" + std::string(id) + "'");
  auto blocks = bundle.blocks(std::uint32_t(idx));
  if (!blocks) return blocks.error();
  kb::Article a = bundle.article(std::uint32_t(idx));
  std::string j = "{\"id\":";
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
  return j;
}

std::string categories_json(const forms::FormSet& forms, std::string_view lang) {
  json a = json::array();
  for (const auto& f : forms.forms) {
    a.push_back({{"id", f.id}, {"version", f.version}, {"title", f.title.in(lang)}, {"intro", f.intro.in(lang)},
                 {"article_categories", f.article_categories}});
  }
  return dump(json{{"categories", a}});
}

Result<std::string> form_schema_json(const kb::Bundle& bundle, std::string_view form_id) {
  auto text = bundle.section_json(kb::tag("FORM"));
  json set = json::parse(text.begin(), text.end(), nullptr, false);
  if (set.is_object() && set.contains("forms") && set["forms"].is_array()) {
    for (const auto& f : set["forms"]) {
      if (f.is_object() && str(f, "id") == form_id) return dump(f);
    }
  }
  return make_error(ErrorCode::invalid_argument, "no form '" + std::string(form_id) + "' in this bundle");
}

Result<forms::Values> parse_values(std::string_view text) {
  if (text.empty()) return forms::Values{};
  auto j = parse_text(text, "values");
  if (!j) return j.error();
  return values_from(*j);
}

Result<forms::CheckContext> parse_context(std::string_view text, std::int64_t default_now_ms) {
  if (text.empty()) return context_from(json(), default_now_ms);
  auto j = parse_text(text, "context");
  if (!j) return j.error();
  return context_from(*j, default_now_ms);
}

std::string check_json(const forms::Form& form, const forms::Values& values, const forms::CheckContext& ctx) {
  json visible = json::array();
  for (const auto& f : form.fields) {
    if (forms::visible(form, f, values)) visible.push_back(f.id);
  }
  return dump(json{{"errors", errors_json(forms::check_values(form, values, ctx))},
                   {"visible", visible},
                   {"canonical", values_json(forms::canonical_values(form, values, ctx))}});
}

Result<std::string> triage_json(const Opened& o, std::string_view text, std::string_view lang, std::size_t articles) {
  if (!o.triager) return make_error(ErrorCode::invalid_argument, "this bundle has no form schemas (built without --forms)");
  auto r = o.triager->triage(text, lang, articles);
  if (!r) return r.error();
  json cats = json::array();
  for (const auto& c : r->categories) cats.push_back({{"id", c.form->id}, {"score", c.score}});
  std::string hits = search::hits_to_json(r->articles, 0);
  // {"hits":[…],"took_us":0} -> the array alone
  std::string list = hits.substr(8, hits.rfind("],\"took_us\"") - 8 + 1);
  return "{\"categories\":" + dump(cats) + ",\"articles\":" + list + "}";
}

Result<BuiltTicket> build_ticket(const Opened& o, std::string_view input, std::int64_t default_now_ms) {
  if (!o.forms) return make_error(ErrorCode::invalid_argument, "this bundle has no form schemas (built without --forms)");
  auto parsed_in = parse_text(input, "the ticket input");
  if (!parsed_in) return parsed_in.error();
  json& in = *parsed_in;
  if (!in.is_object()) return make_error(ErrorCode::invalid_argument, "the ticket input must be a JSON object");
  ticket::Ticket t;
  t.category = str(in, "category");
  const forms::Form* form = o.forms->find(t.category);
  if (!form) return make_error(ErrorCode::invalid_argument, "unknown category '" + t.category + "'");
  if (!in.contains("values")) return make_error(ErrorCode::invalid_argument, "the ticket input has no 'values'");
  auto v = values_from(in["values"]);
  if (!v) return v.error();
  auto ctx = context_from(in.contains("context") ? in["context"] : json(), default_now_ms);
  if (!ctx) return ctx.error();
  auto errors = forms::check_values(*form, *v, *ctx);
  bool blocking = false;
  for (const auto& e : errors) blocking |= e.blocking;
  if (blocking) return BuiltTicket{false, dump(json{{"errors", errors_json(errors)}})};
  t.idempotency_key = str(in, "idempotency_key");
  t.created_ms = in.contains("created_ms") && in["created_ms"].is_number() ? in["created_ms"].get<std::int64_t>() : ctx->now_ms;
  t.language = str(in, "language");
  t.form_version = form->version;
  t.fields = forms::canonical_values(*form, *v, *ctx);
  if (in.contains("attachments") && in["attachments"].is_array()) {
    for (const auto& a : in["attachments"]) {
      if (!a.is_object()) continue;
      ticket::Attachment att{str(a, "id"), str(a, "sha256"), str(a, "type"),
                             a.contains("size") && a["size"].is_number_unsigned() ? a["size"].get<std::uint64_t>() : 0};
      t.attachments.push_back(att);
    }
  }
  if (in.contains("client") && in["client"].is_object()) t.client = {str(in["client"], "name"), str(in["client"], "version"), str(in["client"], "bundle")};
  if (in.contains("user") && in["user"].is_object()) t.user = ticket::Identity{str(in["user"], "id"), str(in["user"], "hash")};
  // What the relay will do with it: parse it again with the same rules.
  std::string text = ticket::to_json(t, *form);
  auto parsed = ticket::parse(text, *o.forms, *ctx);
  if (!parsed.ticket) return BuiltTicket{false, dump(json{{"errors", errors_json(parsed.errors)}})};
  return BuiltTicket{true, dump(json{{"ticket", text}, {"warnings", errors_json(errors)}})};
}

bool field_kind_from(std::string_view k, forms::FieldKind& out) {
  if (k.empty() || k == "free_text") out = forms::FieldKind::free_text;
  else if (k == "txid") out = forms::FieldKind::txid;
  else if (k == "address") out = forms::FieldKind::address;
  else if (k == "memo") out = forms::FieldKind::memo;
  else return false;
  return true;
}

std::string secrets_json(std::string_view text, forms::FieldKind kind) {
  json a = json::array();
  for (const auto& f : forms::scan_secrets(text, kind)) {
    a.push_back({{"kind", forms::secret_kind_name(f.kind)}, {"blocking", f.severity == forms::Severity::block},
                 {"begin", f.begin}, {"end", f.end}, {"message", {{"en", f.message_en}, {"zh-CN", f.message_zh}}}});
  }
  return dump(json{{"findings", a}});
}

Result<std::string> validate_json(std::string_view request) {
  auto parsed = parse_text(request, "the validation request");
  if (!parsed) return parsed.error();
  const json& r = *parsed;
  if (!r.is_object()) return make_error(ErrorCode::invalid_argument, "the validation request must be a JSON object {type, text, ...}");
  std::string type = str(r, "type"), text = str(r, "text");
  if (!r.contains("text") || !r["text"].is_string()) return make_error(ErrorCode::invalid_argument, "the validation request needs 'text' (a string)");
  std::string field = r.contains("field") && r["field"].is_string() ? str(r, "field") : type;
  auto answer = [](const auto& checked, auto value_of) -> std::string {
    if (!checked) return dump(json{{"ok", false}, {"error", field_error_json(checked.error())}});
    json ok = {{"ok", true}};
    value_of(ok, checked.value());
    return dump(ok);
  };
  auto need_chain = [&]() -> Result<const validate::Chain*> {
    std::string c = str(r, "chain");
    const validate::Chain* chain = validate::find_chain(c);
    if (!chain) return make_error(ErrorCode::invalid_argument, "'" + type + "' needs a known 'chain' (got '" + c + "')");
    return chain;
  };
  if (type == "chain") {
    return answer(validate::validate_chain(text, field), [](json& j, const validate::Chain* c) { j["value"] = std::string(c->id); });
  }
  if (type == "coin") return answer(validate::validate_coin(text, field), [](json& j, const std::string& v) { j["value"] = v; });
  if (type == "txid" || type == "address" || type == "memo") {
    auto chain = need_chain();
    if (!chain) return chain.error();
    auto set = [](json& j, const std::string& v) { j["value"] = v; };
    if (type == "address") return answer(validate::validate_address(**chain, text, field), set);
    if (type == "memo") return answer(validate::validate_memo(**chain, text, field), set);
    std::vector<validate::OpenTicket> open;
    if (r.contains("open_tickets") && r["open_tickets"].is_array()) {
      for (const auto& t : r["open_tickets"]) {
        if (t.is_object()) open.push_back({str(t, "id"), str(t, "txid")});
      }
    }
    return answer(validate::validate_txid(**chain, text, open, field), set);
  }
  if (type == "amount") {
    auto set = [](json& j, const std::string& v) { j["value"] = v; };
    if (r.contains("decimals") && r["decimals"].is_number_integer()) {
      int d = r["decimals"].get<int>();
      if (d < 0 || d > 36) return make_error(ErrorCode::invalid_argument, "'decimals' must be 0..36");
      return answer(validate::validate_amount(text, d, str(r, "coin"), field), set);
    }
    return answer(validate::validate_amount(text, str(r, "coin"), field), set);
  }
  if (type == "time") {
    validate::TimeOptions opt;
    if (!r.contains("now_ms") || !r["now_ms"].is_number_integer()) {
      return make_error(ErrorCode::invalid_argument, "'time' needs 'now_ms' (the device clock, Unix milliseconds)");
    }
    opt.now_epoch_seconds = r["now_ms"].get<std::int64_t>() / 1000;
    if (r.contains("utc_offset_minutes") && r["utc_offset_minutes"].is_number_integer()) opt.default_offset_minutes = r["utc_offset_minutes"].get<int>();
    if (r.contains("allow_approximate") && r["allow_approximate"].is_boolean()) opt.allow_approximate = r["allow_approximate"].get<bool>();
    if (r.contains("approximate") && r["approximate"].is_boolean()) opt.approximate = r["approximate"].get<bool>();
    return answer(validate::validate_time(text, opt, field), [](json& j, const validate::Moment& m) {
      j["value"] = ticket::format_utc(m.epoch_seconds * 1000);
      j["approximate"] = m.approximate;
    });
  }
  return make_error(ErrorCode::invalid_argument,
                    "unknown validation type '" + type + "' (chain, coin, txid, address, memo, amount, time)");
}

}  // namespace lantern::api
