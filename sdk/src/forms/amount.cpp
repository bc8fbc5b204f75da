// Amounts as exact decimal text. A float would turn 0.1 + 0.2 into 0.30000000000000004 and 18
// decimals of ETH into noise, so the amount stays a string of digits from input to ticket.
#include <algorithm>

#include "lantern/text.h"
#include "lantern/validate.h"

namespace lantern::validate {

namespace {

std::string_view trim(std::string_view s) { return text::trim_ascii(s); }

bool iends_with(std::string_view s, std::string_view suffix) {
  if (suffix.empty() || s.size() < suffix.size()) return false;
  auto tail = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < tail.size(); ++i) {
    char a = tail[i], b = suffix[i];
    if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 'a' + 'A');
    if (b >= 'a' && b <= 'z') b = static_cast<char>(b - 'a' + 'A');
    if (a != b) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1,234,567": the first group 1-3 digits (not starting with 0), every later group exactly 3.
bool well_grouped(std::string_view s) {
  std::size_t start = 0;
  bool first = true;
  while (true) {
    auto comma = s.find(',', start);
    auto group = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (first ? (group.empty() || group.size() > 3 || (group[0] == '0' && comma != std::string_view::npos)) : group.size() != 3) return false;
    if (!all_digits(group)) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
    first = false;
  }
}

constexpr std::size_t kMaxIntegerDigits = 20;  // larger than any coin's total supply in whole units

}  // namespace

Checked<std::string> validate_amount(std::string_view text, int max_decimals, std::string_view coin, std::string_view field) {
  auto error = [&](const char* code, std::string en, std::string zh) {
    return FieldError{std::string(field), code, std::move(en), std::move(zh)};
  };
  const std::string example_en = " (for example 1234.5)", example_zh = "（例如 1234.5）";
  std::string s = to_halfwidth(trim(text));
  // Chinese keyboards type the ideographic full stop for "."; nothing else uses it in a number.
  for (std::size_t p; (p = s.find("\xE3\x80\x82")) != std::string::npos;) s.replace(p, 3, ".");
  std::string_view v = trim(s);
  if (!coin.empty() && iends_with(v, coin)) v = trim(v.substr(0, v.size() - coin.size()));
  if (v.empty()) return error("amount.empty", "please enter the amount" + example_en + ".", "请填写数量" + example_zh + "。");
  if (v.size() > 100) return error("amount.too_large", "this amount is too long; please check it.", "数量过长，请核对。");

  if (v[0] == '-' || v.substr(0, 3) == "\xE2\x88\x92") {  // ASCII minus or U+2212
    return error("amount.negative", "the amount cannot be negative; enter it without a minus sign.", "数量不能为负数，请去掉负号。");
  }
  if (v.find_first_of("eE") != std::string_view::npos) {
    return error("amount.exponent", "please write the amount in full digits, without an exponent like 1e-6" + example_en + ".",
                 "请用完整数字填写数量，不要用 1e-6 这样的科学计数法" + example_zh + "。");
  }
  if (!std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || c == ',' || c == '.'; })) {
    return error("amount.format", "an amount has only digits and one decimal point" + example_en + ".",
                 "数量只能包含数字和一个小数点" + example_zh + "。");
  }
  auto dot = v.find('.');
  if (dot != std::string_view::npos && v.find('.', dot + 1) != std::string_view::npos) {
    return error("amount.format", "an amount has at most one decimal point" + example_en + ".", "数量最多只有一个小数点" + example_zh + "。");
  }
  std::string_view int_part = v.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
  if (int_part.empty() && frac.empty()) {
    return error("amount.format", "an amount needs digits" + example_en + ".", "数量需要包含数字" + example_zh + "。");
  }
  const std::string grouping_en = "commas may only separate groups of three digits before the decimal point, as in 1,234.5 ('" + std::string(v) + "' is unclear).";
  const std::string grouping_zh = "逗号只能用于小数点前每三位数字的分隔，例如 1,234.5（“" + std::string(v) + "”有歧义）。";
  if (frac.find(',') != std::string_view::npos) return error("amount.grouping", grouping_en, grouping_zh);
  std::string digits;
  if (int_part.find(',') != std::string_view::npos) {
    if (!well_grouped(int_part)) return error("amount.grouping", grouping_en, grouping_zh);
    for (char c : int_part)
      if (c != ',') digits.push_back(c);
  } else {
    digits = std::string(int_part);
  }

  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  std::string fraction(frac);
  fraction.erase(fraction.find_last_not_of('0') + 1);  // npos + 1 == 0: all zeros erase all
  if (digits.size() > kMaxIntegerDigits) return error("amount.too_large", "this amount is too large; please check it.", "数量过大，请核对。");
  if (digits.empty() && fraction.empty()) {
    return error("amount.zero", "the amount must be greater than zero.", "数量必须大于零。");
  }
  if (static_cast<int>(fraction.size()) > max_decimals) {
    const std::string n = std::to_string(max_decimals);
    const std::string coin_en = coin.empty() ? std::string() : " for " + std::string(coin);
    const std::string coin_zh = coin.empty() ? std::string() : std::string(coin) + " ";
    if (max_decimals == 0) {
      return error("amount.decimals", "only whole numbers are possible" + coin_en + ".", coin_zh + "只能填写整数。");
    }
    return error("amount.decimals", "at most " + n + " decimals" + coin_en + " (this has " + std::to_string(fraction.size()) + ").",
                 coin_zh + "最多 " + n + " 位小数（现在 " + std::to_string(fraction.size()) + " 位）。");
  }
  std::string out = digits.empty() ? "0" : digits;
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

Checked<std::string> validate_amount(std::string_view text, std::string_view coin, std::string_view field) {
  return validate_amount(text, coin_decimals(coin).value_or(18), coin, field);
}

}  // namespace lantern::validate
