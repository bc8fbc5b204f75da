#include "ui_strings.h"

#include <nlohmann/json.hpp>

namespace lantern::widget {

Status Strings::load(std::string_view uist_json) {
  auto j = nlohmann::json::parse(uist_json.begin(), uist_json.end(), nullptr, false);
  if (!j.is_object() || !j.contains("languages") || !j["languages"].is_object()) {
    return make_error(ErrorCode::bad_format, "UI strings: expected {\"version\":1,\"languages\":{...}}");
  }
  decltype(by_lang_) next;
  for (auto it = j["languages"].begin(); it != j["languages"].end(); ++it) {
    if (!it->is_object()) return make_error(ErrorCode::bad_format, "UI strings: '" + it.key() + "' is not an object");
    auto& m = next[it.key()];
    for (auto s = it->begin(); s != it->end(); ++s) {
      if (s->is_string()) m[s.key()] = s->get<std::string>();
    }
  }
  if (!next.count("en")) return make_error(ErrorCode::bad_format, "UI strings: English (the fallback) is missing");
  by_lang_ = std::move(next);
  return ok_status();
}

std::string Strings::match_language(std::string_view tag) const {
  std::string t(tag);
  for (auto& c : t) c = c == '_' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [lang, _] : by_lang_) {
    std::string l = lang;
    for (auto& c : l) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (l == t) return lang;
  }
  // Same primary subtag: "zh-Hans-CN" and "zh" find "zh-CN"; "en-GB" finds "en".
  auto primary = t.substr(0, t.find('-'));
  for (const auto& [lang, _] : by_lang_) {
    std::string l = lang.substr(0, lang.find('-'));
    for (auto& c : l) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (!primary.empty() && l == primary) return lang;
  }
  return "en";
}

std::vector<std::string> Strings::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, _] : by_lang_) out.push_back(lang);
  return out;
}

bool Strings::has(std::string_view key) const {
  auto l = by_lang_.find("en");
  return l != by_lang_.end() && l->second.find(key) != l->second.end();
}

const char* Strings::get(std::string_view key) const {
  for (const std::string* lang : {&lang_, static_cast<const std::string*>(nullptr)}) {
    auto l = by_lang_.find(lang ? *lang : std::string("en"));
    if (l == by_lang_.end()) continue;
    auto s = l->second.find(key);
    if (s != l->second.end()) return s->second.c_str();
  }
  auto m = missing_.find(key);
  if (m == missing_.end()) m = missing_.emplace(std::string(key), std::string(key)).first;
  return m->second.c_str();
}

std::string Strings::format(std::string_view key, const std::vector<std::pair<std::string, std::string>>& args) const {
  std::string s = get(key);
  for (const auto& [name, value] : args) {
    std::string p = "{" + name + "}";
    for (std::size_t at = s.find(p); at != std::string::npos; at = s.find(p, at + value.size())) s.replace(at, p.size(), value);
  }
  return s;
}

}  // namespace lantern::widget
