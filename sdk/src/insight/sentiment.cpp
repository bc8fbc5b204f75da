#include "lantern/sentiment.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/text.h"
#include "text/unicode_tables.h"

namespace lantern::insight {

// ---------------------------------------------------------------------------------------------
// Weights of the non-lexical cues. Chosen on the dev half of tests/bench/sentiment only.
namespace {
constexpr float kNegationFactor = -0.75f;  // "not happy": flipped and dampened (as in VADER)
constexpr float kNegatedNegative = -0.25f; // "not angry" is calm, not pleased
constexpr float kNegateMinValence = 0.5f;  // weaker words ("my funds") are not flipped
constexpr float kCapsFactor = 1.4f;        // "ANGRY" reads stronger than "angry"
constexpr float kBeforeBut = 0.5f;         // "thanks, but ...": what comes after "but" matters
constexpr float kAfterBut = 1.5f;
constexpr float kBangValence = 0.29f;      // per '!' (at most 4), towards the sign of the sum
constexpr float kNormAlpha = 15.f;         // valence = s / sqrt(s^2 + alpha)
constexpr float kUrgencyHalf = 2.f;        // urgency = u / (u + half)
constexpr int kLookback = 3;               // modifiers act within three words or characters
}  // namespace

constexpr char kSurface = '\x02';

struct Entry {
  float v = 0, u = 0, x = 1;
  bool neg = false, but = false, cur = false;
  float days = 0;  // a unit of time: its length in days (time=N)
};

struct Lexicon {
  // Latin phrases: stemmed words joined by ' '; Chinese phrases and symbols: the normalised text.
  // A Latin phrase is also kept as its exact words, behind kSurface: "helpful" and "help" share a
  // stem, so the exact form is looked up first and the stem, for other forms, after it.
  std::unordered_map<std::string, Entry> terms;
  std::size_t max_words = 1, max_cjk = 1, max_sym = 1;
};

const char* valence_name(Valence v) {
  switch (v) {
    case Valence::negative: return "negative";
    case Valence::positive: return "positive";
    default: return "neutral";
  }
}
const char* urgency_name(Urgency u) { return u == Urgency::high ? "high" : "normal"; }
const char* cue_kind_name(CueKind k) {
  switch (k) {
    case CueKind::negative: return "negative";
    case CueKind::positive: return "positive";
    case CueKind::urgency: return "urgency";
    case CueKind::amount: return "amount";
    case CueKind::wait: return "wait";
    case CueKind::exclamation: return "exclamation";
    case CueKind::question: return "question";
    case CueKind::shouting: return "shouting";
  }
  return "?";
}

namespace {

// One code point of the normalised text and where it came from in the original.
struct Cp {
  char32_t c;
  std::uint32_t begin, end;
  bool upper;  // the original was an upper-case Latin letter (normalisation folds case)
};

void fold_text(std::string_view s, std::vector<Cp>& out) {
  std::u32string tmp;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto b = std::uint32_t(pos);
    char32_t c = text::decode_utf8(s, pos);
    if (c == 0xFE0F || c == 0xFE0E || c == 0x200D) continue;  // emoji presentation, joiners
    if (c == 0x2019 || c == 0x2018 || c == 0xFF07) c = '\'';
    const bool up = (c >= 'A' && c <= 'Z') || (c >= 0xFF21 && c <= 0xFF3A);
    tmp.clear();
    text::tables::fold_append(tmp, c);
    for (char32_t f : tmp) out.push_back({f, b, std::uint32_t(pos), up});
  }
}

bool is_latin_word(char32_t c) { return text::is_word(c) && !text::is_cjk(c); }
bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == 0x3000 || c == 0xA0; }
bool is_stop_punct(char32_t c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '\n' || c == 0x3002 || c == 0x3001 ||
         c == 0x2026 || c == 0xFF61 || c == 0xFF64;
}
bool is_money_sign(char32_t c) { return c == '$' || c == 0xA5 || c == 0x20AC || c == 0xA3 || c == 0xFFE5; }
bool has_digit(std::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string word_key(const std::string& w) {
  if (w.size() > text::kMaxWordBytes) return std::string();
  return has_digit(w) ? w : text::stem_english(w);
}

// Chinese numerals before a unit of time or money ("三天", "两万").
int cjk_digit(char32_t c) {
  switch (c) {
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': case U'几': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    case U'十': return 10;
    default: return -1;
  }
}

// Leading number of a word ("5,000", "20k", "3000usdt"): its value and the rest of the word.
double parse_number(const std::string& w, std::string& suffix) {
  double v = 0, scale = 0;
  std::size_t i = 0;
  for (; i < w.size(); ++i) {
    char c = w[i];
    if (c >= '0' && c <= '9') {
      if (scale > 0) {
        v += (c - '0') * scale;
        scale /= 10;
      } else {
        v = v * 10 + (c - '0');
      }
    } else if (c == ',' && scale == 0) {
      continue;
    } else if (c == '.' && scale == 0) {
      scale = 0.1;
    } else {
      break;
    }
  }
  suffix = w.substr(i);
  if (suffix == "k") return v * 1e3;
  if (suffix == "w") return v * 1e4;
  if (suffix == "m") return v * 1e6;
  return v;
}

enum class UKind : std::uint8_t { word, cjk, sym, stop };

struct Unit {
  UKind kind = UKind::word;
  std::string key;             // words: stem; cjk/sym: matched text
  std::string surface;         // words: the normalised word (matched before its stem)
  std::uint32_t begin = 0, end = 0;
  const Entry* e = nullptr;    // cjk/sym: the lexicon entry matched
  bool caps = false;           // words: three or more letters, all upper case
  bool shout_candidate = false;  // words: four or more letters (short all-caps words are tickers)
  bool letters = false;
  bool money_sign = false;
  double number = -1;          // words starting with a digit, Chinese numerals
  bool number_is_amount = false;  // "3000usdt": the unit is inside the word
  int bangs = 0, quests = 0;   // stops: length of the '!' / '?' run
};

void append_cps(std::string& out, const std::vector<Cp>& cps, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) text::append_utf8(out, cps[i].c);
}

void segment(const std::vector<Cp>& cps, const Lexicon& lex, std::vector<Unit>& units) {
  std::string key;
  const std::size_t n = cps.size();
  std::size_t i = 0;
  while (i < n) {
    const char32_t c = cps[i].c;
    if (is_latin_word(c)) {
      std::string w;
      std::size_t j = i;
      int letters = 0, upper = 0;
      while (j < n) {
        char32_t d = cps[j].c;
        if (is_latin_word(d)) {
          text::append_utf8(w, d);
          if (!(d >= '0' && d <= '9')) {
            ++letters;
            upper += cps[j].upper;
          }
          ++j;
        } else if ((d == '\'' || ((d == ',' || d == '.') && !w.empty() && w.back() >= '0' && w.back() <= '9')) &&
                   j + 1 < n && is_latin_word(cps[j + 1].c) &&
                   (d == '\'' || (cps[j + 1].c >= '0' && cps[j + 1].c <= '9'))) {
          text::append_utf8(w, d);
          ++j;
        } else {
          break;
        }
      }
      Unit u;
      u.kind = UKind::word;
      u.begin = cps[i].begin;
      u.end = cps[j - 1].end;
      u.letters = letters > 0;
      u.caps = letters >= 3 && upper == letters;
      u.shout_candidate = letters >= 4 && !has_digit(w);
      if (w[0] >= '0' && w[0] <= '9') {
        std::string suffix;
        u.number = parse_number(w, suffix);
        if (!suffix.empty()) {
          auto it = lex.terms.find(word_key(suffix));
          u.number_is_amount = it != lex.terms.end() && it->second.cur;
        }
      }
      u.key = word_key(w);
      if (w.size() <= text::kMaxWordBytes) u.surface = std::move(w);
      units.push_back(std::move(u));
      i = j;
      continue;
    }
    if (text::is_cjk(c)) {
      std::size_t run = i;
      while (run < n && text::is_cjk(cps[run].c)) ++run;
      // Longest match over the lexicon; unmatched characters stand alone.
      while (i < run) {
        std::size_t len = std::min(lex.max_cjk, run - i);
        const Entry* hit = nullptr;
        for (; len >= 1; --len) {
          key.clear();
          append_cps(key, cps, i, i + len);
          auto it = lex.terms.find(key);
          if (it != lex.terms.end()) {
            hit = &it->second;
            break;
          }
        }
        if (len == 0) len = 1;
        Unit u;
        u.kind = UKind::cjk;
        append_cps(u.key, cps, i, i + len);
        u.begin = cps[i].begin;
        u.end = cps[i + len - 1].end;
        u.e = hit;
        if (!hit && cjk_digit(cps[i].c) > 0) {
          // A run of numerals: 三, 十五, 二十 (rough: enough to tell a wait of days from one of weeks).
          double v = 0, cur = 0;
          std::size_t k = i;
          for (; k < run && cjk_digit(cps[k].c) > 0; ++k) {
            int d = cjk_digit(cps[k].c);
            if (d == 10) {
              v += (cur == 0 ? 1 : cur) * 10;
              cur = 0;
            } else {
              cur = d;
            }
          }
          k = std::max(k, i + 1);
          u.key.clear();
          append_cps(u.key, cps, i, k);
          u.end = cps[k - 1].end;
          u.number = v + cur;
          len = k - i;
        }
        units.push_back(std::move(u));
        i += len;
      }
      continue;
    }
    if (is_space(c)) {
      ++i;
      continue;
    }
    // Emoji and emoticons first: ":(" must not be read as a colon.
    {
      std::size_t len = std::min(lex.max_sym, n - i);
      const Entry* hit = nullptr;
      for (; len >= 1; --len) {
        // An emoticon ending in a letter (":d") must not cut a word ("re:do").
        if (is_latin_word(cps[i + len - 1].c) && i + len < n && is_latin_word(cps[i + len].c)) continue;
        key.clear();
        append_cps(key, cps, i, i + len);
        auto it = lex.terms.find(key);
        if (it != lex.terms.end()) {
          hit = &it->second;
          break;
        }
      }
      if (hit) {
        Unit u;
        u.kind = UKind::sym;
        u.key = key;
        u.e = hit;
        u.begin = cps[i].begin;
        u.end = cps[i + len - 1].end;
        units.push_back(std::move(u));
        i += len;
        continue;
      }
    }
    if (c == '!' || c == '?') {
      std::size_t j = i;
      Unit u;
      u.kind = UKind::stop;
      while (j < n && (cps[j].c == '!' || cps[j].c == '?' || is_space(cps[j].c))) {
        u.bangs += cps[j].c == '!';
        u.quests += cps[j].c == '?';
        ++j;
      }
      u.begin = cps[i].begin;
      u.end = cps[j - 1].end;
      units.push_back(std::move(u));
      i = j;
      continue;
    }
    if (is_stop_punct(c)) {
      Unit u;
      u.kind = UKind::stop;
      u.begin = cps[i].begin;
      u.end = cps[i].end;
      units.push_back(std::move(u));
    } else if (is_money_sign(c)) {
      Unit u;
      u.kind = UKind::sym;
      u.money_sign = true;
      u.begin = cps[i].begin;
      u.end = cps[i].end;
      units.push_back(std::move(u));
    }
    ++i;  // other symbols: ignored, not a clause boundary
  }
}

// A unit or a Latin phrase of several units, with its lexicon entry.
struct Item {
  const Entry* e = nullptr;
  std::uint32_t begin = 0, end = 0;
  std::size_t first = 0, last = 0;  // units
  bool stop = false;
};

std::string_view slice(std::string_view s, std::uint32_t b, std::uint32_t e) {
  if (b > s.size() || e > s.size() || b > e) return {};
  return s.substr(b, e - b);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Lexicon parsing

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() > tail.size() + 2 && s.substr(s.size() - tail.size()) == tail;
}
bool derived(std::string_view surface) {
  for (std::string_view t : {"ly", "ful", "less", "ness", "ment", "able"}) {
    if (ends_with(surface, t)) return true;
  }
  return false;
}

Status add_lexicon(Lexicon& lex, std::string_view name, std::string_view content) {
  std::size_t line_no = 0, pos = 0;
  std::vector<Cp> cps;
  while (pos <= content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = text::trim_ascii(content.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    auto bad = [&](const std::string& what) {
      return make_error(ErrorCode::parse_error,
                        "sentiment lexicon " + std::string(name) + ", line " + std::to_string(line_no) + ": " + what);
    };
    if (line.empty() || line[0] == '#') continue;
    std::size_t bar = line.rfind('|');
    if (bar == std::string_view::npos) return bad("expected 'PHRASE | FIELDS'");
    std::string_view phrase = text::trim_ascii(line.substr(0, bar));
    std::string_view fields = text::trim_ascii(line.substr(bar + 1));
    if (phrase.empty()) return bad("empty phrase");
    Entry e;
    bool any = false;
    std::size_t fp = 0;
    while (fp < fields.size()) {
      std::size_t sp = fields.find_first_of(" \t", fp);
      if (sp == std::string_view::npos) sp = fields.size();
      std::string f(fields.substr(fp, sp - fp));
      fp = sp + 1;
      if (f.empty()) continue;
      any = true;
      if (f == "neg") e.neg = true;
      else if (f == "but") e.but = true;
      else if (f == "cur") e.cur = true;
      else if (f.rfind("time=", 0) == 0) {
        char* endp = nullptr;
        float val = std::strtof(f.c_str() + 5, &endp);
        if (!endp || *endp || !std::isfinite(val) || val <= 0 || val > 3660) return bad("'" + f + "': a unit of time is 0 < N <= 3660 days");
        e.days = val;
      }
      else if (f.size() > 2 && f[1] == '=' && (f[0] == 'v' || f[0] == 'u' || f[0] == 'x')) {
        char* endp = nullptr;
        float val = std::strtof(f.c_str() + 2, &endp);
        if (!endp || *endp || !std::isfinite(val)) return bad("'" + f + "' is not a number");
        if (f[0] == 'v') {
          if (val < -4 || val > 4) return bad("valence " + f + " is outside -4..4");
          e.v = val;
        } else if (f[0] == 'u') {
          if (val < 0 || val > 3) return bad("urgency " + f + " is outside 0..3");
          e.u = val;
        } else {
          if (val <= 0 || val > 3) return bad("intensity " + f + " is outside (0, 3]");
          e.x = val;
        }
      } else {
        return bad("unknown field '" + f + "' (v=, u=, x=, neg, but, cur, time=)");
      }
    }
    if (!any) return bad("no fields after '|'");
    // The phrase is cut exactly as a text will be.
    cps.clear();
    fold_text(phrase, cps);
    std::string key, surface;
    if (!cps.empty() && text::is_cjk(cps[0].c)) {
      for (const auto& c : cps) {
        if (!text::is_cjk(c.c)) return bad("'" + std::string(phrase) + "' mixes Chinese characters with others");
      }
      append_cps(key, cps, 0, cps.size());
      lex.max_cjk = std::max(lex.max_cjk, cps.size());
    } else if (!cps.empty() && is_latin_word(cps[0].c)) {
      Lexicon empty;
      std::vector<Unit> units;
      segment(cps, empty, units);
      for (const auto& u : units) {
        if (u.kind != UKind::word || u.key.empty()) return bad("'" + std::string(phrase) + "': only words and spaces in a Latin phrase");
        key += (key.empty() ? "" : " ") + u.key;
        surface += (surface.empty() ? std::string(1, kSurface) : " ") + u.surface;
      }
      if (units.size() > 5) return bad("'" + std::string(phrase) + "': at most five words");
      lex.max_words = std::max(lex.max_words, units.size());
    } else {
      for (const auto& c : cps) {
        if (is_space(c.c)) return bad("'" + std::string(phrase) + "': a symbol entry has no spaces");
      }
      append_cps(key, cps, 0, cps.size());
      if (cps.size() > 6) return bad("'" + std::string(phrase) + "': at most six symbols");
      lex.max_sym = std::max(lex.max_sym, cps.size());
    }
    if (key.empty()) return bad("'" + std::string(phrase) + "' is empty after normalisation");
    if (!surface.empty()) {
      if (!lex.terms.emplace(surface, e).second) return bad("'" + std::string(phrase) + "' is listed twice");
      // Other forms of the words share the entry through the stem (the first line with a stem
      // wins), but not across derivations that change the meaning: Snowball cuts "friendly" to
      // "friend" and "wonderful" to "wonder".
      if (!derived(surface)) lex.terms.emplace(key, e);
    } else if (!lex.terms.emplace(key, e).second) {
      return bad("'" + std::string(phrase) + "' is listed twice");
    }
    if (pos > content.size()) break;
  }
  return ok_status();
}

}  // namespace

SentimentScorer::SentimentScorer() : lex_(std::make_unique<Lexicon>()) {}
SentimentScorer::~SentimentScorer() = default;
SentimentScorer::SentimentScorer(SentimentScorer&&) noexcept = default;
SentimentScorer& SentimentScorer::operator=(SentimentScorer&&) noexcept = default;

std::size_t SentimentScorer::entry_count() const { return lex_ ? lex_->terms.size() : 0; }

Result<SentimentScorer> SentimentScorer::from_lexicons(std::string_view en, std::string_view zh, std::string_view common) {
  SentimentScorer s;
  const std::pair<const char*, std::string_view> parts[] = {{"en", en}, {"zh", zh}, {"common", common}};
  for (const auto& [name, given] : parts) {
    std::string_view content = given.empty() ? builtin_lexicon(name) : given;
    if (auto st = add_lexicon(*s.lex_, name, content); !st) return st.error();
  }
  return s;
}

Result<SentimentScorer> SentimentScorer::builtin() { return from_lexicons({}, {}, {}); }

Result<SentimentScorer> SentimentScorer::from_section_json(std::string_view json) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  auto bad = [](const std::string& what) { return make_error(ErrorCode::bad_format, "sentiment section: " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  auto fmt = j.find("format");
  if (fmt == j.end() || !fmt->is_number_integer() || fmt->get<int>() != 1) return bad("\"format\" must be 1");
  auto lx = j.find("lexicons");
  if (lx == j.end() || !lx->is_object()) return bad("\"lexicons\" must be an object of texts");
  std::string en, zh, common;
  for (auto it = lx->begin(); it != lx->end(); ++it) {
    if (!it->is_string()) return bad("lexicon '" + it.key() + "' is not a string");
    if (it.key() == "en") en = it->get<std::string>();
    else if (it.key() == "zh") zh = it->get<std::string>();
    else if (it.key() == "common") common = it->get<std::string>();
    else return bad("unknown lexicon '" + it.key() + "' (en, zh, common)");
  }
  auto s = from_lexicons(en, zh, common);
  if (s) s->source_ = "bundle";
  return s;
}

Result<SentimentScorer> SentimentScorer::from_bundle(const kb::Bundle& bundle) {
  auto json = bundle.section_json(kb::tag("SENT"));
  if (json.empty()) return builtin();
  return from_section_json(json);
}

// ---------------------------------------------------------------------------------------------
// Scoring

Result<Sentiment> SentimentScorer::score(std::string_view input, std::string_view lang) const {
  if (input.size() > kMaxTextBytes) {
    return make_error(ErrorCode::too_large, "sentiment: the text is " + std::to_string(input.size()) +
                                                " bytes; the limit is " + std::to_string(kMaxTextBytes));
  }
  std::string tag = text::ascii_lower(text::trim_ascii(lang));
  if (!tag.empty() && tag != "auto") {
    std::string canon = text::canonical_language(tag);
    if (canon.empty()) return make_error(ErrorCode::invalid_argument, "sentiment: '" + std::string(lang) + "' is not a language tag");
    if (canon != "en" && canon != "zh") {
      return make_error(ErrorCode::unknown_language, "sentiment: no lexicon for language '" + std::string(lang) + "' (en, zh)");
    }
  }
  Sentiment out;
  const Lexicon& lex = *lex_;
  std::vector<Cp> cps;
  cps.reserve(input.size());
  fold_text(input, cps);
  std::vector<Unit> units;
  segment(cps, lex, units);

  // Latin phrases: longest match over consecutive words.
  std::vector<Item> items;
  items.reserve(units.size());
  std::string key;
  for (std::size_t i = 0; i < units.size();) {
    const Unit& u = units[i];
    Item it;
    it.first = it.last = i;
    it.begin = u.begin;
    it.end = u.end;
    it.stop = u.kind == UKind::stop;
    if (u.kind == UKind::word) {
      std::size_t avail = 0;
      while (avail < lex.max_words && i + avail < units.size() && units[i + avail].kind == UKind::word) ++avail;
      for (std::size_t len = avail; len >= 1; --len) {
        bool usable = true;
        key.assign(1, kSurface);
        for (std::size_t k = 0; k < len; ++k) {
          if (units[i + k].key.empty()) usable = false;
          key += (k ? " " : "") + units[i + k].surface;
        }
        if (!usable) continue;
        auto f = lex.terms.find(key);
        if (f == lex.terms.end()) {
          key.clear();
          for (std::size_t k = 0; k < len; ++k) key += (k ? " " : "") + units[i + k].key;
          f = lex.terms.find(key);
        }
        if (f != lex.terms.end()) {
          it.e = &f->second;
          it.last = i + len - 1;
          it.end = units[it.last].end;
          break;
        }
      }
    } else {
      it.e = u.e;
    }
    items.push_back(it);
    i = it.last + 1;
  }

  float sum = 0, urg = 0;
  float after_but = 1.f;
  int total_bangs = 0;
  bool bang_cue = false, quest_cue = false;
  auto add_cue = [&](CueKind kind, std::uint32_t b, std::uint32_t e, float v, float u) {
    if (out.cues.size() >= kMaxCues) return;
    Cue c;
    c.kind = kind;
    c.begin = b;
    c.end = e;
    c.text = std::string(slice(input, b, e));
    c.valence = v;
    c.urgency = u;
    out.cues.push_back(std::move(c));
  };

  for (std::size_t j = 0; j < items.size(); ++j) {
    const Item& it = items[j];
    const Unit& u0 = units[it.first];
    if (it.stop) {
      total_bangs += u0.bangs;
      if (u0.bangs >= 2 && !bang_cue) {
        bang_cue = true;
        float du = u0.bangs >= 3 ? 1.2f : 0.8f;
        urg += du;
        add_cue(CueKind::exclamation, it.begin, it.end, 0, du);
      }
      if (u0.quests >= 2 && !quest_cue) {
        quest_cue = true;
        sum -= 0.6f;
        urg += 0.5f;
        add_cue(CueKind::question, it.begin, it.end, -0.6f, 0.5f);
      }
      continue;
    }
    // Numbers: an amount of money or a wait.
    if (u0.number >= 0 && it.first == it.last && !it.e) {
      double value = u0.number;
      bool amount = u0.number_is_amount || (j > 0 && units[items[j - 1].first].money_sign);
      std::size_t k = j + 1;
      // "5万u", "3 k usdt": multipliers, then the unit.
      while (k < items.size() && items[k].e && items[k].e->cur) {
        const std::string& nk = units[items[k].first].key;
        if (nk == "万") value *= 1e4;
        else if (nk == "千") value *= 1e3;
        else if (nk == "k") value *= 1e3;
        amount = true;
        ++k;
      }
      if (amount) {
        float du = value >= 10000 ? 1.5f : value >= 1000 ? 1.f : 0.3f;
        urg += du;
        std::uint32_t b = (j > 0 && units[items[j - 1].first].money_sign) ? items[j - 1].begin : it.begin;
        add_cue(CueKind::amount, b, items[k - 1].end, 0, du);
        j = k - 1;
        continue;
      }
      if (k < items.size() && items[k].e && items[k].e->days > 0) {
        // Longer waits weigh more, by the logarithm: 2 hours 0.7, 1 day 1.1, 3 days 1.6, a week 2.1,
        // two weeks and more 2.5.
        const float wait = std::log2(1.f + float(std::min(value, 1e4)) * items[k].e->days);
        const float du = std::min(2.5f, 0.6f + 0.5f * wait), dv = -0.3f * std::min(3.f, 1.f + wait / 2.f) * after_but;
        urg += du;
        sum += dv;
        add_cue(CueKind::wait, it.begin, items[k].end, dv, du);
        j = k;
        continue;
      }
      continue;
    }
    if (!it.e) continue;
    const Entry& e = *it.e;
    if (e.but) {
      // Everything before "but" counts half, everything after half as much again.
      sum *= kBeforeBut;
      for (auto& c : out.cues) c.valence *= kBeforeBut;
      after_but = kAfterBut;
      continue;
    }
    if (e.days > 0) continue;  // units of time only count after a number
    if (e.v == 0 && e.u == 0) continue;
    // Modifiers before the word, within its clause.
    float mult = 1.f;
    bool negated = false, neg_adjacent = false;
    std::uint32_t cue_begin = it.begin;
    bool only_intensifiers_between = true;
    for (std::size_t k = j; k-- > 0 && j - k <= std::size_t(kLookback);) {
      const Item& m = items[k];
      if (m.stop || (m.e && m.e->but)) break;
      if (!m.e) {
        only_intensifiers_between = false;
        continue;
      }
      if (m.e->neg) {
        negated = !negated;
        if (only_intensifiers_between) neg_adjacent = true;
        cue_begin = m.begin;
      } else if (m.e->x != 1.f) {
        mult *= m.e->x;
        cue_begin = m.begin;
      } else if (m.e->v != 0) {
        break;  // another sentiment word: its own modifiers are its own
      } else {
        only_intensifiers_between = false;
      }
    }
    bool caps = false;
    for (std::size_t k = it.first; k <= it.last; ++k) caps = caps || units[k].caps;
    float v = e.v * mult * (caps ? kCapsFactor : 1.f);
    float du = e.u * mult;
    if (negated && std::fabs(e.v) >= kNegateMinValence) v *= e.v > 0 ? kNegationFactor : kNegatedNegative;
    if (negated && neg_adjacent) du = 0;  // "not urgent"
    v *= after_but;
    sum += v;
    urg += du;
    if (v != 0 || du != 0) {
      // Named after what it mostly contributes: 紧急 is an urgency cue, 被盗 a negative one.
      CueKind kind = du > std::fabs(v) ? CueKind::urgency : v < 0 ? CueKind::negative : CueKind::positive;
      if (std::fabs(v) < 0.05f && du == 0) continue;
      add_cue(kind, cue_begin, it.end, v, du);
    }
  }

  // Shouting: most Latin words in capitals (short ones are tickers: BTC, KYC, API).
  int words = 0, shouted = 0;
  std::uint32_t shout_begin = 0, shout_end = 0;
  for (const auto& it : items) {
    for (std::size_t k = it.first; k <= it.last; ++k) {
      const Unit& u = units[k];
      if (u.kind != UKind::word || !u.letters) continue;
      ++words;
      if (u.caps && u.shout_candidate && !(it.e && it.e->cur)) {
        if (shouted++ == 0) shout_begin = u.begin;
        shout_end = u.end;
      }
    }
  }
  if (shouted >= 2 && shouted * 10 >= words * 4) {
    sum -= 1.f;
    urg += 1.f;
    add_cue(CueKind::shouting, shout_begin, shout_end, -1.f, 1.f);
  }
  if (sum != 0 && total_bangs > 0) sum += (sum > 0 ? 1.f : -1.f) * kBangValence * float(std::min(total_bangs, 4));

  std::stable_sort(out.cues.begin(), out.cues.end(), [](const Cue& a, const Cue& b) { return a.begin < b.begin; });
  out.valence = sum / std::sqrt(sum * sum + kNormAlpha);
  urg = std::max(urg, 0.f);
  out.urgency = urg / (urg + kUrgencyHalf);
  out.label = out.valence <= thresholds_.negative   ? Valence::negative
              : out.valence >= thresholds_.positive ? Valence::positive
                                                    : Valence::neutral;
  out.urgency_label = out.urgency >= thresholds_.urgent ? Urgency::high : Urgency::normal;
  return out;
}

std::string to_json(const Sentiment& s) {
  auto num = [](float f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", double(std::round(f * 1000.f) / 1000.f));
    std::string r = buf;
    while (r.size() > 1 && r.back() == '0') r.pop_back();
    if (r.back() == '.') r.pop_back();
    if (r == "-0") r = "0";
    return r;
  };
  std::string j = "{\"valence\":" + num(s.valence) + ",\"label\":\"" + valence_name(s.label) +
                  "\",\"urgency\":" + num(s.urgency) + ",\"urgency_label\":\"" + urgency_name(s.urgency_label) +
                  "\",\"cues\":[";
  for (std::size_t i = 0; i < s.cues.size(); ++i) {
    const Cue& c = s.cues[i];
    j += i ? ",{\"kind\":\"" : "{\"kind\":\"";
    j += cue_kind_name(c.kind);
    j += "\",\"text\":";
    search::append_json_string(j, c.text);
    j += ",\"begin\":" + std::to_string(c.begin) + ",\"end\":" + std::to_string(c.end) + ",\"valence\":" + num(c.valence) +
         ",\"urgency\":" + num(c.urgency) + "}";
  }
  j += "]}";
  return j;
}

}  // namespace lantern::insight
