// UI strings from the bundle's UIST section (kb-bundle/strings/<lang>.json), so an exchange
// rewords the widget without a rebuild. Lookup falls back from the user's language to English
// and, for a key nobody translated, to the key itself (visible in tests, never a crash).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::widget {

class Strings {
 public:
  // {"version":1,"languages":{"en":{key:text},"zh-CN":{...}}}. Errors name what was wrong.
  Status load(std::string_view uist_json);
  // "zh-CN", "zh", "zh-Hans-CN" -> "zh-CN"; "en-GB" -> "en"; unknown -> "en".
  std::string match_language(std::string_view tag) const;
  void set_language(std::string_view tag) { lang_ = match_language(tag); }
  const std::string& language() const { return lang_; }
  std::vector<std::string> languages() const;
  // The text for key in the current language; never null, valid until the next load().
  const char* get(std::string_view key) const;
  // get() with "{name}" placeholders replaced.
  std::string format(std::string_view key, const std::vector<std::pair<std::string, std::string>>& args) const;
  bool has(std::string_view key) const;

 private:
  std::map<std::string, std::map<std::string, std::string, std::less<>>> by_lang_;
  std::string lang_ = "en";
  mutable std::map<std::string, std::string, std::less<>> missing_;  // keys echoed back
};

}  // namespace lantern::widget
