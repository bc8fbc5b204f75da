// Date and time of a transfer, as people type it, to UTC epoch seconds. No <ctime>: timegm() is
// not portable and the WebAssembly build has no zone database; the civil-date arithmetic below
// (Howard Hinnant's days_from_civil) is exact for the proleptic Gregorian calendar.
#include <algorithm>

#include "lantern/text.h"
#include "lantern/validate.h"

namespace lantern::validate {

namespace {

std::string_view trim(std::string_view s) { return text::trim_ascii(s); }

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(int y, int m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// A cursor over ASCII text.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  // min..max digits as a number; -1 if fewer than min.
  int number(std::size_t min, std::size_t max) {
    std::size_t start = i;
    int v = 0;
    while (i - start < max && peek() >= '0' && peek() <= '9') v = v * 10 + (s[i++] - '0');
    return i - start >= min ? v : -1;
  }
  void spaces() {
    while (peek() == ' ') ++i;
  }
};

bool strip_prefix(std::string& s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  s.erase(0, prefix.size());
  return true;
}

bool strip_suffix(std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  s.erase(s.size() - suffix.size());
  return true;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}

std::string format_offset(int minutes) {
  std::string out = minutes < 0 ? "UTC-" : "UTC+";
  int a = minutes < 0 ? -minutes : minutes;
  auto two = [](int v) { return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10); };
  return out + two(a / 60) + ":" + two(a % 60);
}

constexpr std::int64_t kEarliest = 1230768000;     // 2009-01-01 00:00 UTC: no blockchain is older
constexpr std::int64_t kFutureSlackSeconds = 300;  // device clocks lag the one the user read

}  // namespace

Checked<Moment> validate_time(std::string_view text, const TimeOptions& options, std::string_view field) {
  auto error = [&](const char* code, std::string en, std::string zh) {
    return FieldError{std::string(field), code, std::move(en), std::move(zh)};
  };
  const std::string example_en = " (for example 2024-05-14 21:30)", example_zh = "（例如 2024-05-14 21:30）";
  std::string s = to_halfwidth(trim(text));
  s = std::string(trim(s));
  if (s.empty()) return error("time.empty", "please enter the date and time" + example_en + ".", "请填写日期和时间" + example_zh + "。");

  bool approximate = options.approximate;
  for (std::string_view p : {"about ", "approx. ", "approx ", "approximately ", "around ", "~", "\xE7\xBA\xA6" /*约*/,
                             "\xE5\xA4\xA7\xE7\xBA\xA6" /*大约*/, "\xE5\xA4\xA7\xE6\xA6\x82" /*大概*/}) {
    if (strip_prefix(s, p)) {
      approximate = true;
      break;
    }
  }
  if (strip_suffix(s, "\xE5\xB7\xA6\xE5\x8F\xB3" /*左右*/)) approximate = true;
  if (approximate && !options.allow_approximate) {
    return error("time.approximate", "please give the exact time shown in your transfer history" + example_en + ".",
                 "请填写转账记录中显示的准确时间" + example_zh + "。");
  }
  // "2024年5月14日 21:30" -> "2024-5-14 21:30"
  replace_all(s, "\xE5\xB9\xB4" /*年*/, "-");
  replace_all(s, "\xE6\x9C\x88" /*月*/, "-");
  replace_all(s, "\xE6\x97\xA5" /*日*/, " ");
  s = std::string(trim(s));

  Cursor c{s};
  const std::string format_en = "please write the date and time as year-month-day hour:minute" + example_en + ".";
  const std::string format_zh = "请按“年-月-日 时:分”填写" + example_zh + "。";
  int year = c.number(4, 4);
  char sep = c.peek();
  if (year < 0 || (sep != '-' && sep != '/' && sep != '.')) return error("time.format", format_en, format_zh);
  c.eat(sep);
  int month = c.number(1, 2);
  if (month < 0 || !c.eat(sep)) return error("time.format", format_en, format_zh);
  int day = c.number(1, 2);
  if (day < 0) return error("time.format", format_en, format_zh);
  if (!c.eat('T') && !c.eat('t') && c.peek() != ' ') {
    if (c.done()) {
      return error("time.format", "please add the time of day, as in 2024-05-14 21:30" +
                                      std::string(options.allow_approximate ? "; tick \"about\" if you are not sure of it." : "."),
                   "请补充具体时间，例如 2024-05-14 21:30" + std::string(options.allow_approximate ? "；不确定时可勾选“大约”。" : "。"));
    }
    return error("time.format", format_en, format_zh);
  }
  c.spaces();
  int hour = c.number(1, 2);
  if (hour < 0 || !c.eat(':')) return error("time.format", format_en, format_zh);
  int minute = c.number(2, 2);
  if (minute < 0) return error("time.format", format_en, format_zh);
  int second = 0;
  if (c.eat(':')) {
    second = c.number(2, 2);
    if (second < 0) return error("time.format", format_en, format_zh);
    if (c.eat('.') && c.number(1, 9) < 0) return error("time.format", format_en, format_zh);  // fractions are dropped
  }

  // Zone: Z, UTC/GMT, +08:00, +0800, +08, UTC+8.
  c.spaces();
  int offset = options.default_offset_minutes;
  bool zone_ok = true;
  if (!c.done()) {
    std::string rest(s.substr(c.i));
    bool named = strip_prefix(rest, "utc") || strip_prefix(rest, "gmt");
    if (!named && (rest == "Z" || rest == "z")) {
      offset = 0;
    } else if (named && rest.empty()) {
      offset = 0;
    } else {
      Cursor z{rest};
      char sign = z.peek();
      if (sign != '+' && sign != '-') {
        zone_ok = false;
      } else {
        z.eat(sign);
        std::size_t start = z.i;
        int hh = z.number(1, 2), mm = 0;
        std::size_t hour_digits = z.i - start;
        if (hh < 0) {
          zone_ok = false;
        } else if (z.eat(':')) {
          mm = z.number(2, 2);
        } else if (hour_digits == 2 && !z.done()) {
          mm = z.number(2, 2);  // +0800
        }
        if (mm < 0 || !z.done() || hh > 14 || mm > 59) zone_ok = false;
        offset = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
      }
    }
    if (!zone_ok) {
      return error("time.zone", "the time zone is not clear; write it as +08:00 or UTC+8, or leave it out to use your device's zone (" +
                                    format_offset(options.default_offset_minutes) + ").",
                   "时区无法识别；请写成 +08:00 或 UTC+8，或不写时区以使用设备时区（" + format_offset(options.default_offset_minutes) + "）。");
    }
  }
  if (offset < -12 * 60 || offset > 14 * 60) {
    return error("time.zone", "time zones range from UTC-12:00 to UTC+14:00.", "时区范围为 UTC-12:00 到 UTC+14:00。");
  }

  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return error("time.range", "this date or time does not exist; please check the day, month, hour and minute.",
                 "此日期或时间不存在，请核对年月日和时分。");
  }
  std::int64_t epoch = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
                       minute * 60 + second - static_cast<std::int64_t>(offset) * 60;
  if (epoch < kEarliest) {
    return error("time.range", "this is before 2009, older than any blockchain transfer; please check the year.",
                 "这早于 2009 年，比任何区块链转账都早，请核对年份。");
  }
  if (epoch > options.now_epoch_seconds + kFutureSlackSeconds) {
    return error("time.future", "this time is in the future; please check the date and the time zone (" + format_offset(offset) + ").",
                 "这个时间晚于当前时间，请核对日期和时区（" + format_offset(offset) + "）。");
  }
  return Moment{epoch, approximate};
}

}  // namespace lantern::validate
