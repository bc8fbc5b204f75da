#include "sentiment_cli.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lantern/bundle.h"
#include "lantern/sentiment.h"
#include "lantern/text.h"

namespace lantern::kbtool {

namespace {

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "lantern-kb: %s\n", msg.c_str());
  return code;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::io_error, path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Labelled {
  std::string id, text, lang, split;
  insight::Valence sentiment;
  insight::Urgency urgency;
};

Result<std::vector<Labelled>> read_set(const std::string& path) {
  auto content = read_file(path);
  if (!content) return content.error();
  std::vector<Labelled> out;
  std::istringstream in(*content);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (text::trim_ascii(line).empty()) continue;
    auto where = path + ":" + std::to_string(line_no) + ": ";
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) return make_error(ErrorCode::parse_error, where + "not a JSON object");
    for (const char* k : {"text", "lang", "sentiment", "urgency", "split"}) {
      if (!j.contains(k) || !j[k].is_string()) return make_error(ErrorCode::parse_error, where + "\"" + k + "\" must be a string");
    }
    Labelled l;
    l.id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : std::to_string(line_no);
    l.text = j["text"].get<std::string>();
    l.lang = text::canonical_language(j["lang"].get<std::string>());
    l.split = j["split"].get<std::string>();
    std::string s = j["sentiment"].get<std::string>(), u = j["urgency"].get<std::string>();
    if (s == "negative") l.sentiment = insight::Valence::negative;
    else if (s == "neutral") l.sentiment = insight::Valence::neutral;
    else if (s == "positive") l.sentiment = insight::Valence::positive;
    else return make_error(ErrorCode::parse_error, where + "sentiment '" + s + "' is not negative, neutral or positive");
    if (u == "high") l.urgency = insight::Urgency::high;
    else if (u == "normal") l.urgency = insight::Urgency::normal;
    else return make_error(ErrorCode::parse_error, where + "urgency '" + u + "' is not high or normal");
    if (l.split != "dev" && l.split != "test") return make_error(ErrorCode::parse_error, where + "split '" + l.split + "' is not dev or test");
    out.push_back(std::move(l));
  }
  if (out.empty()) return make_error(ErrorCode::parse_error, path + ": no descriptions");
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size() - 1) + 0.5))];
}

int eval(const insight::SentimentScorer& scorer, const SentimentArgs& a, double load_us) {
  if (a.set.empty()) return fail("sentiment-eval: --set FILE is required", 2);
  auto set = read_set(a.set);
  if (!set) return fail(set.error().message);
  const bool show_errors = std::find(a.rest.begin(), a.rest.end(), "errors") != a.rest.end();

  std::vector<insight::Sentiment> got;
  for (const auto& l : *set) {
    auto r = scorer.score(l.text, l.lang);
    if (!r) return fail(a.set + ": " + l.id + ": " + r.error().message);
    got.push_back(std::move(*r));
  }
  // The baseline: the majority class of the dev part, for every description.
  int dev_s[3] = {0, 0, 0}, dev_u[2] = {0, 0};
  for (const auto& l : *set) {
    if (l.split != "dev") continue;
    dev_s[int(l.sentiment)]++;
    dev_u[int(l.urgency)]++;
  }
  const auto major_s = insight::Valence(std::max_element(dev_s, dev_s + 3) - dev_s);
  const auto major_u = insight::Urgency(std::max_element(dev_u, dev_u + 2) - dev_u);

  std::printf("scorer: %s lexicons, %zu entries, loaded in %.0f us; baseline: always \"%s\" / \"%s\" (dev majority)\n",
              std::string(scorer.source()).c_str(), scorer.entry_count(), load_us, insight::valence_name(major_s),
              insight::urgency_name(major_u));
  std::printf("%-5s %-4s %4s  %-22s %-22s\n", "split", "lang", "n", "sentiment acc (base)", "urgency acc (base)");
  for (const char* split : {"dev", "test", "all"}) {
    for (const char* lang : {"en", "zh", "all"}) {
      int n = 0, s_ok = 0, u_ok = 0, s_base = 0, u_base = 0;
      for (std::size_t i = 0; i < set->size(); ++i) {
        const auto& l = (*set)[i];
        if (std::string(split) != "all" && l.split != split) continue;
        if (std::string(lang) != "all" && l.lang != lang) continue;
        ++n;
        s_ok += got[i].label == l.sentiment;
        u_ok += got[i].urgency_label == l.urgency;
        s_base += major_s == l.sentiment;
        u_base += major_u == l.urgency;
      }
      if (n == 0) continue;
      auto pct = [n](int k) { return 100.0 * k / n; };
      std::printf("%-5s %-4s %4d  %5.1f%% (%5.1f%%)       %5.1f%% (%5.1f%%)\n", split, lang, n, pct(s_ok), pct(s_base),
                  pct(u_ok), pct(u_base));
    }
  }
  for (const char* split : {"test", "all"}) {
    int cs[3][3] = {}, cu[2][2] = {};
    for (std::size_t i = 0; i < set->size(); ++i) {
      const auto& l = (*set)[i];
      if (std::string(split) != "all" && l.split != split) continue;
      cs[int(l.sentiment)][int(got[i].label)]++;
      cu[int(l.urgency)][int(got[i].urgency_label)]++;
    }
    std::printf("\n%s: sentiment confusion (rows: label, columns: scored)\n%-10s %8s %8s %8s\n", split, "", "negative",
                "neutral", "positive");
    for (int r = 0; r < 3; ++r) {
      std::printf("%-10s %8d %8d %8d\n", insight::valence_name(insight::Valence(r)), cs[r][0], cs[r][1], cs[r][2]);
    }
    std::printf("%s: urgency confusion\n%-10s %8s %8s\n", split, "", "normal", "high");
    for (int r = 0; r < 2; ++r) std::printf("%-10s %8d %8d\n", insight::urgency_name(insight::Urgency(r)), cu[r][0], cu[r][1]);
  }

  // Speed: the scorer beside the sdk's tokenizer (what search does to a query) on the same texts.
  const int rounds = 30;
  std::vector<double> t_score, t_tok;
  std::size_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& l : *set) {
      auto t0 = std::chrono::steady_clock::now();
      auto s = scorer.score(l.text, l.lang);
      auto t1 = std::chrono::steady_clock::now();
      auto toks = text::tokenize(l.text);
      auto t2 = std::chrono::steady_clock::now();
      sink += (s ? s->cues.size() : 0) + toks.size();
      t_score.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      t_tok.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    }
  }
  double mean_s = 0, mean_t = 0;
  for (double v : t_score) mean_s += v;
  for (double v : t_tok) mean_t += v;
  mean_s /= double(t_score.size());
  mean_t /= double(t_tok.size());
  // Medians and their ratio: the machine may be shared, and a median moves less than a mean.
  const double p50_s = percentile(t_score, 50), p50_t = percentile(t_tok, 50);
  std::printf("\nspeed (%d rounds x %zu): score p50 %.1f us, p99 %.1f us, mean %.1f us; text::tokenize p50 %.1f us, "
              "mean %.1f us; score/tokenize p50 ratio %.2fx%s\n",
              rounds, set->size(), p50_s, percentile(t_score, 99), mean_s, p50_t, mean_t, p50_t > 0 ? p50_s / p50_t : 0.0,
              sink ? "" : " ");

  if (show_errors) {
    std::printf("\ndev errors (never the test part):\n");
    for (std::size_t i = 0; i < set->size(); ++i) {
      const auto& l = (*set)[i];
      if (l.split != "dev") continue;
      if (got[i].label == l.sentiment && got[i].urgency_label == l.urgency) continue;
      std::printf("%s [%s/%s -> %s/%s] %.2f %.2f %s\n   %s\n", l.id.c_str(), insight::valence_name(l.sentiment),
                  insight::urgency_name(l.urgency), insight::valence_name(got[i].label),
                  insight::urgency_name(got[i].urgency_label), double(got[i].valence), double(got[i].urgency),
                  l.text.c_str(), insight::to_json(got[i]).c_str());
    }
  }
  return 0;
}

}  // namespace

Status add_sentiment_dir(BundleBuilder& b, const std::string& dir) {
  std::string texts[3];
  const char* names[3] = {"en", "zh", "common"};
  nlohmann::json lex = nlohmann::json::object();
  for (int i = 0; i < 3; ++i) {
    std::string path = dir + "/" + names[i] + ".txt";
    std::ifstream probe(path);
    if (!probe) continue;
    auto t = read_file(path);
    if (!t) return t.error();
    texts[i] = *t;
    lex[names[i]] = texts[i];
  }
  if (lex.empty()) return make_error(ErrorCode::io_error, dir + ": no en.txt, zh.txt or common.txt");
  // Checked now, with the sdk's own parser: a bad line fails the build, not the relay.
  auto check = insight::SentimentScorer::from_lexicons(texts[0], texts[1], texts[2]);
  if (!check) return make_error(check.error().code, dir + ": " + check.error().message);
  nlohmann::json section = {{"format", 1}, {"lexicons", lex}};
  return b.add_json_section("SENT", section.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), dir);
}

int sentiment_command(const SentimentArgs& a, bool eval_mode) {
  auto t_load = std::chrono::steady_clock::now();
  Result<insight::SentimentScorer> scorer = insight::SentimentScorer::builtin();
  std::unique_ptr<kb::Bundle> bundle;
  if (!a.bundle_bytes.empty()) {
    auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(a.bundle_bytes.data()), a.bundle_bytes.size());
    if (!b) return fail(a.bundle_name + ": " + b.error().message);
    scorer = insight::SentimentScorer::from_bundle(*b);
  }
  if (!scorer) return fail(scorer.error().message);
  const double load_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t_load).count();
  if (eval_mode) return eval(*scorer, a, load_us);
  if (a.rest.empty()) return fail("sentiment: a TEXT is required", 2);
  std::string joined;
  for (const auto& r : a.rest) joined += (joined.empty() ? "" : " ") + r;
  auto t0 = std::chrono::steady_clock::now();
  auto s = scorer->score(joined, a.lang);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!s) return fail(s.error().message);
  if (a.json) {
    std::printf("%s\n", insight::to_json(*s).c_str());
    return 0;
  }
  std::printf("%s (%.2f), urgency %s (%.2f)  %.0f us\n", insight::valence_name(s->label), double(s->valence),
              insight::urgency_name(s->urgency_label), double(s->urgency), us);
  for (const auto& c : s->cues) {
    std::printf("  %-11s %-24s valence %+.2f  urgency %+.2f\n", insight::cue_kind_name(c.kind), c.text.c_str(),
                double(c.valence), double(c.urgency));
  }
  return 0;
}

}  // namespace lantern::kbtool
