#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "lantern/forms.h"
#include "lantern/text.h"

namespace lantern::forms {

using nlohmann::json;

namespace {

const char* kTypeNames[] = {"text", "choice", "coin", "chain", "txid", "address", "memo", "amount", "datetime", "email", "uid", "attachments"};

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// Small strict reader over one JSON object: records the first error with its path.
class Reader {
 public:
  Reader(const json& j, std::string path, std::string& err) : j_(j), path_(std::move(path)), err_(err) {}

  bool object() {
    if (!j_.is_object()) return fail("must be an object");
    return true;
  }
  bool only(std::initializer_list<const char*> allowed) {
    if (!j_.is_object()) return false;
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok |= it.key() == a;
      if (!ok) return fail("unknown key '" + it.key() + "'");
    }
    return true;
  }
  bool has(const char* k) const { return j_.is_object() && j_.contains(k); }
  bool str(const char* k, std::string& out, bool required = true) {
    if (!has(k)) return required ? fail(std::string("'") + k + "' is missing") : true;
    if (!j_.at(k).is_string()) return fail(std::string("'") + k + "' must be a string");
    out = j_.at(k).get<std::string>();
    return true;
  }
  bool boolean(const char* k, bool& out) {
    if (!has(k)) return true;
    if (!j_.at(k).is_boolean()) return fail(std::string("'") + k + "' must be true or false");
    out = j_.at(k).get<bool>();
    return true;
  }
  template <class N>
  bool number(const char* k, N& out, long long lo, long long hi, bool required = false) {
    if (!has(k)) return required ? fail(std::string("'") + k + "' is missing") : true;
    if (!j_.at(k).is_number_integer()) return fail(std::string("'") + k + "' must be a whole number");
    long long v = j_.at(k).get<long long>();
    if (v < lo || v > hi) return fail(std::string("'") + k + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = N(v);
    return true;
  }
  bool text(const char* k, Text& out, bool required = true) {
    if (!has(k)) return required ? fail(std::string("'") + k + "' is missing") : true;
    const json& t = j_.at(k);
    if (!t.is_object()) return fail(std::string("'") + k + "' must be {\"en\": …, \"zh-CN\": …}");
    for (auto it = t.begin(); it != t.end(); ++it) {
      if (it.key() != "en" && it.key() != "zh-CN") return fail(std::string("'") + k + "' has an unknown language '" + it.key() + "' (en and zh-CN are expected)");
    }
    for (const char* lang : {"en", "zh-CN"}) {
      if (!t.contains(lang) || !t.at(lang).is_string() || t.at(lang).get<std::string>().empty()) {
        return fail(std::string("'") + k + "' is missing its " + lang + " translation");
      }
    }
    out.en = t.at("en").get<std::string>();
    out.zh = t.at("zh-CN").get<std::string>();
    return true;
  }
  bool strings(const char* k, std::vector<std::string>& out, bool required = true) {
    if (!has(k)) return required ? fail(std::string("'") + k + "' is missing") : true;
    const json& a = j_.at(k);
    if (!a.is_array()) return fail(std::string("'") + k + "' must be a list of strings");
    for (const auto& v : a) {
      if (!v.is_string() || v.get<std::string>().empty()) return fail(std::string("'") + k + "' must be a list of non-empty strings");
      out.push_back(v.get<std::string>());
    }
    return true;
  }
  bool fail(const std::string& msg) {
    if (err_.empty()) err_ = path_ + ": " + msg;
    return false;
  }
  const json& j() const { return j_; }
  const std::string& path() const { return path_; }

 private:
  const json& j_;
  std::string path_;
  std::string& err_;
};

bool parse_field(const json& j, const std::string& path, const Form& form, Field& f, std::string& err) {
  Reader r(j, path, err);
  if (!r.object() ||
      !r.only({"id", "type", "required", "label", "help", "placeholder", "when", "chain_field", "coin_field", "allow_about",
               "multiline", "max_files", "min_length", "max_length", "options", "errors"})) {
    return false;
  }
  std::string type;
  if (!r.str("id", f.id) || !r.str("type", type)) return false;
  Reader rf(j, path + " (" + f.id + ")", err);
  if (!valid_id(f.id)) return rf.fail("field id must be lower-case letters, digits, '_' or '-'");
  auto t = field_type_from(type);
  if (!t) {
    std::string known;
    for (const char* n : kTypeNames) known += (known.empty() ? "" : ", ") + std::string(n);
    return rf.fail("unknown field type '" + type + "' (known: " + known + ")");
  }
  f.type = *t;
  if (!rf.boolean("required", f.required) || !rf.text("label", f.label) || !rf.text("help", f.help)) return false;
  if (rf.has("placeholder")) {
    Text p;
    if (!rf.text("placeholder", p)) return false;
    f.placeholder = p;
  }
  if (!rf.boolean("allow_about", f.allow_about) || !rf.boolean("multiline", f.multiline) ||
      !rf.number("max_files", f.max_files, 1, 10) || !rf.number("min_length", f.min_length, 0, 4000) ||
      !rf.number("max_length", f.max_length, 1, 4000)) {
    return false;
  }
  if (f.type == FieldType::attachments && f.max_files == 0) f.max_files = 5;
  if (f.max_length && f.min_length > f.max_length) return rf.fail("min_length is above max_length");

  auto earlier = [&](const std::string& id) -> const Field* {
    for (const auto& g : form.fields) {
      if (g.id == id) return &g;
    }
    return nullptr;
  };
  auto link = [&](const char* key, std::string& out, FieldType want) {
    if (!rf.str(key, out, false)) return false;
    if (out.empty()) return true;
    const Field* g = earlier(out);
    if (!g) return rf.fail(std::string(key) + " refers to unknown field '" + out + "' (it must come earlier in the form)");
    if (g->type != want) return rf.fail(std::string(key) + " '" + out + "' is not a " + field_type_name(want) + " field");
    return true;
  };
  if (!link("chain_field", f.chain_field, FieldType::chain) || !link("coin_field", f.coin_field, FieldType::coin)) return false;
  if ((f.type == FieldType::txid || f.type == FieldType::address || f.type == FieldType::memo) && f.chain_field.empty()) {
    return rf.fail(std::string(field_type_name(f.type)) + " fields need chain_field: the format depends on the chain");
  }

  if (rf.has("when")) {
    const json& w = j.at("when");
    Reader rw(w, path + " (" + f.id + ").when", err);
    if (!rw.object() || !rw.only({"field", "is", "equals", "in"})) return false;
    Condition c;
    if (!rw.str("field", c.field)) return false;
    const Field* target = earlier(c.field);
    if (!target) return rw.fail("condition refers to unknown field '" + c.field + "' (it must come earlier in the form)");
    int kinds = rw.has("is") + rw.has("equals") + rw.has("in");
    if (kinds != 1) return rw.fail("a condition needs exactly one of is, equals, in");
    if (rw.has("is")) {
      std::string is;
      if (!rw.str("is", is)) return false;
      if (is == "set") c.kind = Condition::Kind::set;
      else if (is == "memo_chain") c.kind = Condition::Kind::memo_chain;
      else return rw.fail("'is' must be \"set\" or \"memo_chain\", not \"" + is + "\"");
      if (c.kind == Condition::Kind::memo_chain && target->type != FieldType::chain) return rw.fail("memo_chain needs a chain field");
    } else if (rw.has("equals")) {
      c.kind = Condition::Kind::equals;
      std::string v;
      if (!rw.str("equals", v)) return false;
      c.values.push_back(v);
    } else {
      c.kind = Condition::Kind::in;
      if (!rw.strings("in", c.values)) return false;
      if (c.values.empty()) return rw.fail("'in' needs at least one value");
    }
    if (target->type == FieldType::choice && c.kind != Condition::Kind::set) {
      for (const auto& v : c.values) {
        bool known = false;
        for (const auto& o : target->options) known |= o.value == v;
        if (!known) return rw.fail("'" + v + "' is not an option of field '" + c.field + "'");
      }
    }
    f.when = c;
  }

  if (f.type == FieldType::choice) {
    if (!rf.has("options") || !j.at("options").is_array()) return rf.fail("choice fields need 'options'");
    const json& opts = j.at("options");
    if (opts.size() < 2 || opts.size() > 12) return rf.fail("choice fields need 2 to 12 options");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < opts.size(); ++i) {
      Reader ro(opts[i], path + " (" + f.id + ").options[" + std::to_string(i) + "]", err);
      Option o;
      if (!ro.object() || !ro.only({"value", "label"}) || !ro.str("value", o.value) || !ro.text("label", o.label)) return false;
      if (!seen.insert(o.value).second) return ro.fail("duplicate option '" + o.value + "'");
      f.options.push_back(std::move(o));
    }
  } else if (rf.has("options")) {
    return rf.fail("only choice fields have options");
  }

  if (rf.has("errors")) {
    const json& e = j.at("errors");
    if (!e.is_object()) return rf.fail("'errors' must be an object of message overrides");
    Reader re(e, path + " (" + f.id + ").errors", err);
    for (auto it = e.begin(); it != e.end(); ++it) {
      Text t;
      if (!re.text(it.key().c_str(), t)) return false;
      f.errors[it.key()] = t;
    }
  }
  return true;
}

}  // namespace

const char* field_type_name(FieldType t) { return kTypeNames[int(t)]; }

std::optional<FieldType> field_type_from(std::string_view name) {
  for (int i = 0; i < int(sizeof kTypeNames / sizeof *kTypeNames); ++i) {
    if (name == kTypeNames[i]) return FieldType(i);
  }
  return std::nullopt;
}

const std::string& Text::in(std::string_view lang) const {
  return text::canonical_language(lang) == "zh" ? zh : en;
}

const Field* Form::field(std::string_view id) const {
  for (const auto& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const Form* FormSet::find(std::string_view id) const {
  for (const auto& f : forms) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

Result<Form> parse_form(std::string_view text_json, const std::string& origin) {
  json j = json::parse(text_json, nullptr, false);
  if (j.is_discarded()) return make_error(ErrorCode::parse_error, origin + ": not valid JSON");
  std::string err;
  Reader r(j, origin, err);
  Form f;
  if (!r.object() || !r.only({"id", "version", "order", "title", "intro", "article_categories", "triage", "fields"}) ||
      !r.str("id", f.id) || !r.number("version", f.version, 1, 1000, true) || !r.number("order", f.order, 0, 1000) ||
      !r.text("title", f.title) || !r.text("intro", f.intro, false) || !r.strings("article_categories", f.article_categories, false)) {
    return make_error(ErrorCode::parse_error, err);
  }
  if (!valid_id(f.id)) return make_error(ErrorCode::parse_error, origin + ": form id must be lower-case letters, digits, '_' or '-'");
  if (r.has("triage")) {
    Reader rt(j.at("triage"), origin + ": triage", err);
    if (!rt.object() || !rt.only({"en", "zh-CN"}) || !rt.strings("en", f.triage_en) || !rt.strings("zh-CN", f.triage_zh)) {
      return make_error(ErrorCode::parse_error, err);
    }
  }
  if (!r.has("fields") || !j.at("fields").is_array() || j.at("fields").empty()) {
    return make_error(ErrorCode::parse_error, origin + ": 'fields' must be a non-empty list");
  }
  const json& fields = j.at("fields");
  if (fields.size() > 40) return make_error(ErrorCode::parse_error, origin + ": more than 40 fields");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    Field fld;
    if (!parse_field(fields[i], origin + ": fields[" + std::to_string(i) + "]", f, fld, err)) return make_error(ErrorCode::parse_error, err);
    if (f.field(fld.id)) return make_error(ErrorCode::parse_error, origin + ": fields[" + std::to_string(i) + "]: duplicate field id '" + fld.id + "'");
    f.fields.push_back(std::move(fld));
  }
  return f;
}

Result<FormSet> parse_form_set(std::string_view text_json) {
  json j = json::parse(text_json, nullptr, false);
  if (!j.is_object() || !j.contains("forms") || !j.at("forms").is_array()) {
    return make_error(ErrorCode::bad_format, "bundle forms section is malformed");
  }
  FormSet set;
  for (const auto& f : j.at("forms")) {
    auto form = parse_form(f.dump(-1, ' ', false, json::error_handler_t::replace), "bundle form");
    if (!form) return form.error();
    if (set.find(form->id)) return make_error(ErrorCode::bad_format, "bundle has two forms with id '" + form->id + "'");
    set.forms.push_back(std::move(*form));
  }
  std::stable_sort(set.forms.begin(), set.forms.end(), [](const Form& a, const Form& b) { return a.order < b.order; });
  return set;
}

}  // namespace lantern::forms
