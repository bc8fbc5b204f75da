// Checking a form's values: visibility, required fields, limits, the field types and the secret
// guard. The chain-specific formats (TxIDs, addresses, memos, amounts, times) live in
// validators.cpp; this file decides which rule applies to which field.
#include <algorithm>

#include "lantern/forms.h"
#include "lantern/secret_guard.h"
#include "lantern/text.h"
#include "field_rules.h"

namespace lantern::forms {

namespace {

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string trim(std::string_view s) { return std::string(text::trim_ascii(s)); }

FieldError make(const Field& f, std::string code, std::string en, std::string zh) {
  // A schema may word any error for its field more precisely.
  auto it = f.errors.find(code);
  if (it != f.errors.end()) return FieldError{f.id, std::move(code), it->second, true};
  return FieldError{f.id, std::move(code), Text{std::move(en), std::move(zh)}, true};
}

const std::string* value_text(const Values& values, const std::string& id) {
  auto it = values.find(id);
  if (it == values.end()) return nullptr;
  return &it->second.text;
}

bool is_empty(const Field& f, const FieldValue& v) {
  return f.type == FieldType::attachments ? v.attachments.empty() : trim(v.text).empty();
}

FieldKind secret_kind_for(FieldType t) {
  switch (t) {
    case FieldType::txid: return FieldKind::txid;
    case FieldType::address: return FieldKind::address;
    case FieldType::memo: return FieldKind::memo;
    default: return FieldKind::free_text;
  }
}

bool valid_email(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos || s.size() > 254) return false;
  auto domain = s.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size()) return false;
  for (char c : s) {
    if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == ';') return false;
  }
  return true;
}

}  // namespace

bool visible(const Form& form, const Field& field, const Values& values) {
  if (!field.when) return true;
  const Condition& c = *field.when;
  const Field* target = form.field(c.field);
  if (!target || !visible(form, *target, values)) return false;  // hidden parents hide children
  auto it = values.find(c.field);
  const std::string v = it == values.end() ? std::string() : trim(it->second.text);
  switch (c.kind) {
    case Condition::Kind::set:
      return it != values.end() && !is_empty(*target, it->second);
    case Condition::Kind::memo_chain: {
      return rules::chain_needs_memo(v);
    }
    case Condition::Kind::equals:
      return v == c.values[0];
    case Condition::Kind::in:
      return std::find(c.values.begin(), c.values.end(), v) != c.values.end();
  }
  return false;
}

std::vector<FieldError> check_values(const Form& form, const Values& values, const CheckContext& ctx) {
  std::vector<FieldError> errors;
  for (const auto& [id, _] : values) {
    const Field* f = form.field(id);
    if (!f) {
      errors.push_back(FieldError{id, "unknown_field", Text{"This form has no field '" + id + "'.", "此表单没有“" + id + "”这一项。"}, true});
    } else if (!visible(form, *f, values)) {
      errors.push_back(FieldError{id, "hidden_field", Text{"'" + f->label.en + "' does not apply to what you chose.", "“" + f->label.zh + "”不适用于您的选择。"}, true});
    }
  }
  for (const auto& f : form.fields) {
    if (!visible(form, f, values)) continue;
    auto it = values.find(f.id);
    if (it == values.end() || is_empty(f, it->second)) {
      if (f.required) {
        errors.push_back(make(f, "required", "Please fill in " + f.label.en + ".", "请填写" + f.label.zh + "。"));
      }
      continue;
    }
    const FieldValue& v = it->second;
    const std::string text = trim(v.text);
    const std::string* chain_id = f.chain_field.empty() ? nullptr : value_text(values, f.chain_field);
    const std::string* coin_id = f.coin_field.empty() ? nullptr : value_text(values, f.coin_field);

    switch (f.type) {
      case FieldType::text: {
        std::size_t len = utf8_length(text);
        std::size_t max = f.max_length ? f.max_length : kDefaultTextMax;
        if (len < f.min_length) {
          errors.push_back(make(f, "too_short", f.label.en + ": please write at least " + std::to_string(f.min_length) + " characters, so support can act on it.",
                                f.label.zh + "：请至少写 " + std::to_string(f.min_length) + " 个字，方便客服处理。"));
        } else if (len > max) {
          errors.push_back(make(f, "too_long", f.label.en + ": at most " + std::to_string(max) + " characters (now " + std::to_string(len) + ").",
                                f.label.zh + "：最多 " + std::to_string(max) + " 个字（现在 " + std::to_string(len) + " 个）。"));
        }
        break;
      }
      case FieldType::choice: {
        bool ok = false;
        for (const auto& o : f.options) ok |= o.value == text;
        if (!ok) errors.push_back(make(f, "choice", f.label.en + ": please pick one of the options.", f.label.zh + "：请从选项中选择。"));
        break;
      }
      case FieldType::email:
        if (!valid_email(text)) errors.push_back(make(f, "email", f.label.en + ": this is not an e-mail address (name@example.com).", f.label.zh + "：邮箱格式不正确（例如 name@example.com）。"));
        break;
      case FieldType::uid: {
        bool ok = !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
        if (!ok) errors.push_back(make(f, "uid", f.label.en + ": a UID is the letters and digits shown on your profile page, at most 32.", f.label.zh + "：UID 是个人主页上显示的字母和数字，最多 32 位。"));
        break;
      }
      case FieldType::attachments:
        if (int(v.attachments.size()) > f.max_files) {
          errors.push_back(make(f, "too_many", f.label.en + ": at most " + std::to_string(f.max_files) + " files.", f.label.zh + "：最多 " + std::to_string(f.max_files) + " 个文件。"));
        }
        break;
      default: {
        // coin, chain, txid, address, memo, amount, datetime: the chain-aware validators.
        rules::Request req;
        req.type = f.type;
        req.value = text;
        req.chain = chain_id ? trim(*chain_id) : std::string();
        req.coin = coin_id ? trim(*coin_id) : std::string();
        req.approximate = v.approximate;
        req.allow_about = f.allow_about;
        req.now_ms = ctx.now_ms;
        req.default_utc_offset_minutes = ctx.default_utc_offset_minutes;
        req.open_tickets = &ctx.open_tickets;
        for (auto& e : rules::check_typed(req).errors) {
          FieldError fe = make(f, e.code, f.label.en + ": " + e.message.en, f.label.zh + "：" + e.message.zh);
          fe.blocking = e.blocking;
          errors.push_back(std::move(fe));
        }
        break;
      }
    }

    // Secrets: every typed value, whatever its field (a seed phrase is never a valid anything).
    if (f.type != FieldType::attachments && f.type != FieldType::choice) {
      for (const auto& s : scan_secrets(v.text, secret_kind_for(f.type))) {
        errors.push_back(FieldError{f.id, std::string("secret.") + secret_kind_name(s.kind), Text{s.message_en, s.message_zh},
                                    s.severity == Severity::block});
      }
    }
  }
  return errors;
}

Values canonical_values(const Form& form, const Values& values, const CheckContext& ctx) {
  Values out;
  for (const auto& f : form.fields) {
    auto it = values.find(f.id);
    if (it == values.end() || !visible(form, f, values)) continue;
    FieldValue v = it->second;
    v.text = trim(v.text);
    switch (f.type) {
      case FieldType::coin: case FieldType::chain: case FieldType::txid: case FieldType::address:
      case FieldType::memo: case FieldType::amount: case FieldType::datetime: {
        rules::Request req;
        req.type = f.type;
        req.value = v.text;
        if (!f.chain_field.empty()) req.chain = trim(values.count(f.chain_field) ? values.at(f.chain_field).text : "");
        if (!f.coin_field.empty()) req.coin = trim(values.count(f.coin_field) ? values.at(f.coin_field).text : "");
        req.approximate = v.approximate;
        req.allow_about = f.allow_about;
        req.now_ms = ctx.now_ms;
        req.default_utc_offset_minutes = ctx.default_utc_offset_minutes;
        req.open_tickets = &ctx.open_tickets;
        auto o = rules::check_typed(req);
        if (o.errors.empty()) {
          v.text = o.canonical;
          if (f.type == FieldType::datetime) v.approximate = o.approximate;
        }
        break;
      }
      default:
        break;
    }
    out[f.id] = std::move(v);
  }
  return out;
}

}  // namespace lantern::forms
