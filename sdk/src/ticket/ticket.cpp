#include "lantern/ticket.h"

#include <nlohmann/json.hpp>

namespace lantern::ticket {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxShortString = 256;
constexpr std::size_t kMaxFieldValue = 8 * 1024;

forms::FieldError error(std::string field, std::string code, std::string en, std::string zh) {
  return forms::FieldError{std::move(field), std::move(code), forms::Text{std::move(en), std::move(zh)}, true};
}

bool is_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + std::int64_t(doe) - 719468;
}

std::optional<std::int64_t> parse_utc(const std::string& s) {
  int y, mo, d, h, mi, se;
  char z;
  if (s.size() != 20 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z') {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  return (days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + se) * 1000;
}

}  // namespace

std::string format_utc(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = unsigned(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = std::int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m, d, (long long)(rem / 3600),
                (long long)(rem / 60 % 60), (long long)(rem % 60));
  return buf;
}

std::string to_json(const Ticket& t, const forms::Form& form) {
  json fields = json::object();
  for (const auto& f : form.fields) {
    auto it = t.fields.find(f.id);
    if (it == t.fields.end() || !forms::visible(form, f, t.fields)) continue;
    const forms::FieldValue& v = it->second;
    if (f.type == forms::FieldType::attachments) {
      fields[f.id] = v.attachments;
    } else if (f.type == forms::FieldType::datetime) {
      fields[f.id] = {{"at", v.text}, {"approximate", v.approximate}};
    } else {
      fields[f.id] = v.text;
    }
  }
  json atts = json::array();
  for (const auto& a : t.attachments) atts.push_back({{"id", a.id}, {"sha256", a.sha256}, {"type", a.type}, {"size", a.size}});
  json j = {{"schema", kSchema},
            {"idempotency_key", t.idempotency_key},
            {"created_at", format_utc(t.created_ms)},
            {"language", t.language},
            {"category", t.category},
            {"form_version", t.form_version},
            {"fields", fields},
            {"attachments", atts},
            {"client", {{"name", t.client.name}, {"version", t.client.version}, {"bundle", t.client.bundle}}}};
  if (t.user) j["user"] = {{"id", t.user->user_id}, {"hash", t.user->user_hash}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Parsed parse(std::string_view text, const forms::FormSet& forms_set, const forms::CheckContext& ctx) {
  Parsed out;
  auto& errs = out.errors;
  if (text.size() > kMaxTicketJsonBytes) {
    errs.push_back(error("", "too_large", "The ticket is larger than 256 KiB.", "工单内容超过 256 KiB。"));
    return out;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    errs.push_back(error("", "json", "The ticket is not valid JSON.", "工单不是有效的 JSON。"));
    return out;
  }
  if (!j.is_object()) {
    errs.push_back(error("", "type", "The ticket must be a JSON object.", "工单必须是 JSON 对象。"));
    return out;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* known[] = {"schema", "idempotency_key", "created_at", "language", "category", "form_version",
                                  "fields", "attachments", "client", "user"};
    bool ok = false;
    for (const char* k : known) ok |= it.key() == k;
    if (!ok) errs.push_back(error(it.key(), "unknown_key", "Unknown key '" + it.key() + "'.", "未知字段“" + it.key() + "”。"));
  }
  // Typed getters that record an error naming the path.
  auto get_str = [&](const json& obj, const char* key, const std::string& path, std::size_t max, bool required) -> std::string {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) errs.push_back(error(path, "required", path + " is missing.", "缺少 " + path + "。"));
      return {};
    }
    if (!it->is_string()) {
      errs.push_back(error(path, "type", path + " must be a string.", path + " 必须是字符串。"));
      return {};
    }
    std::string v = it->get<std::string>();
    if (v.size() > max) {
      errs.push_back(error(path, "too_long", path + " is longer than " + std::to_string(max) + " bytes.",
                           path + " 超过 " + std::to_string(max) + " 字节。"));
      return {};
    }
    return v;
  };

  Ticket t;
  std::string schema = get_str(j, "schema", "schema", kMaxShortString, true);
  if (!schema.empty() && schema != kSchema) {
    errs.push_back(error("schema", "schema", "Unsupported ticket schema '" + schema + "' (expected " + kSchema + ").",
                         "不支持的工单格式“" + schema + "”（应为 " + kSchema + "）。"));
  }
  t.idempotency_key = get_str(j, "idempotency_key", "idempotency_key", 64, true);
  if (!t.idempotency_key.empty() && !is_hex(t.idempotency_key, t.idempotency_key.size()) ) {
    errs.push_back(error("idempotency_key", "format", "idempotency_key must be lower-case hex.", "idempotency_key 必须是小写十六进制。"));
  } else if (!t.idempotency_key.empty() && t.idempotency_key.size() < 32) {
    errs.push_back(error("idempotency_key", "format", "idempotency_key must be at least 32 hex digits.", "idempotency_key 至少 32 位十六进制。"));
  }
  std::string created = get_str(j, "created_at", "created_at", 32, true);
  if (!created.empty()) {
    auto ms = parse_utc(created);
    if (!ms) errs.push_back(error("created_at", "format", "created_at must be UTC like 2026-11-29T02:40:00Z.", "created_at 必须是 UTC 时间，如 2026-11-29T02:40:00Z。"));
    else t.created_ms = *ms;
  }
  t.language = get_str(j, "language", "language", 35, true);
  t.category = get_str(j, "category", "category", 64, true);
  const forms::Form* form = t.category.empty() ? nullptr : forms_set.find(t.category);
  if (!t.category.empty() && !form) {
    errs.push_back(error("category", "unknown_category", "Unknown category '" + t.category + "'.", "未知的问题类别“" + t.category + "”。"));
  }
  if (auto it = j.find("form_version"); it != j.end()) {
    if (!it->is_number_integer()) errs.push_back(error("form_version", "type", "form_version must be a whole number.", "form_version 必须是整数。"));
    else t.form_version = it->get<int>();
  }

  // Attachments first: fields refer to them by id.
  if (auto it = j.find("attachments"); it != j.end()) {
    if (!it->is_array()) {
      errs.push_back(error("attachments", "type", "attachments must be a list.", "attachments 必须是列表。"));
    } else if (it->size() > kMaxAttachments) {
      errs.push_back(error("attachments", "too_many", "At most 10 attachments.", "最多 10 个附件。"));
    } else {
      for (std::size_t i = 0; i < it->size(); ++i) {
        const json& a = (*it)[i];
        std::string path = "attachments[" + std::to_string(i) + "]";
        if (!a.is_object()) {
          errs.push_back(error(path, "type", path + " must be an object.", path + " 必须是对象。"));
          continue;
        }
        Attachment att;
        att.id = get_str(a, "id", path + ".id", 64, true);
        att.sha256 = get_str(a, "sha256", path + ".sha256", 64, true);
        att.type = get_str(a, "type", path + ".type", 32, true);
        if (!att.sha256.empty() && !is_hex(att.sha256, 64)) errs.push_back(error(path + ".sha256", "format", "sha256 must be 64 lower-case hex digits.", "sha256 必须是 64 位小写十六进制。"));
        if (!att.type.empty() && att.type != "image/png" && att.type != "image/jpeg" && att.type != "image/webp") {
          errs.push_back(error(path + ".type", "type", "Attachments must be PNG, JPEG or WebP images.", "附件必须是 PNG、JPEG 或 WebP 图片。"));
        }
        auto sz = a.find("size");
        if (sz == a.end() || !sz->is_number_unsigned()) errs.push_back(error(path + ".size", "type", "size must be a positive whole number.", "size 必须是正整数。"));
        else att.size = sz->get<std::uint64_t>();
        t.attachments.push_back(std::move(att));
      }
    }
  }

  auto fit = j.find("fields");
  if (fit == j.end() || !fit->is_object()) {
    errs.push_back(error("fields", fit == j.end() ? "required" : "type", "fields must be an object of the form's values.", "fields 必须是表单内容对象。"));
  } else if (form) {
    for (auto it = fit->begin(); it != fit->end(); ++it) {
      const std::string path = "fields." + it.key();
      const forms::Field* f = form->field(it.key());
      forms::FieldValue v;
      if (!f) {
        errs.push_back(error(it.key(), "unknown_field", "The form has no field '" + it.key() + "'.", "表单中没有字段“" + it.key() + "”。"));
        continue;
      }
      if (f->type == forms::FieldType::attachments) {
        if (!it->is_array()) {
          errs.push_back(error(it.key(), "type", path + " must be a list of attachment ids.", path + " 必须是附件 id 列表。"));
          continue;
        }
        for (const auto& id : *it) {
          if (!id.is_string()) {
            errs.push_back(error(it.key(), "type", path + " must be a list of attachment ids.", path + " 必须是附件 id 列表。"));
            break;
          }
          bool known = false;
          for (const auto& a : t.attachments) known |= a.id == id.get<std::string>();
          if (!known) errs.push_back(error(it.key(), "unknown_attachment", "Attachment '" + id.get<std::string>() + "' is not in the ticket's attachments.", "附件“" + id.get<std::string>() + "”不在工单附件列表中。"));
          v.attachments.push_back(id.get<std::string>());
        }
      } else if (f->type == forms::FieldType::datetime) {
        if (!it->is_object()) {
          errs.push_back(error(it.key(), "type", path + " must be {\"at\": …, \"approximate\": …}.", path + " 必须是 {\"at\": …, \"approximate\": …}。"));
          continue;
        }
        v.text = get_str(*it, "at", path + ".at", 64, true);
        if (auto ap = it->find("approximate"); ap != it->end()) {
          if (!ap->is_boolean()) errs.push_back(error(it.key(), "type", path + ".approximate must be true or false.", path + ".approximate 必须是 true 或 false。"));
          else v.approximate = ap->get<bool>();
        }
      } else {
        if (!it->is_string()) {
          errs.push_back(error(it.key(), "type", path + " must be a string.", path + " 必须是字符串。"));
          continue;
        }
        v.text = it->get<std::string>();
        if (v.text.size() > kMaxFieldValue) {
          errs.push_back(error(it.key(), "too_long", path + " is over 8 KiB.", path + " 超过 8 KiB。"));
          continue;
        }
      }
      t.fields[it.key()] = std::move(v);
    }
    if (errs.empty()) {
      for (auto& e : forms::check_values(*form, t.fields, ctx)) errs.push_back(std::move(e));
    }
  }

  if (auto it = j.find("client"); it != j.end()) {
    if (!it->is_object()) {
      errs.push_back(error("client", "type", "client must be an object.", "client 必须是对象。"));
    } else {
      t.client.name = get_str(*it, "name", "client.name", 64, false);
      t.client.version = get_str(*it, "version", "client.version", 64, false);
      t.client.bundle = get_str(*it, "bundle", "client.bundle", 64, false);
    }
  }
  if (auto it = j.find("user"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      errs.push_back(error("user", "type", "user must be an object.", "user 必须是对象。"));
    } else {
      Identity id;
      id.user_id = get_str(*it, "id", "user.id", 128, true);
      id.user_hash = get_str(*it, "hash", "user.hash", 128, false);
      t.user = id;
    }
  }

  bool blocking = false;
  for (const auto& e : errs) blocking |= e.blocking;
  if (!blocking) out.ticket = std::move(t);
  return out;
}

}  // namespace lantern::ticket
