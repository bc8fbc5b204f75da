#include "lantern/search.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "lantern/text.h"
#include "segment.h"
#include <unordered_map>

namespace lantern::search {

namespace {

constexpr float kK1 = 1.2f;
constexpr float kB = 0.75f;
constexpr float kWeightTitle = 2.5f;
constexpr float kWeightTags = 1.5f;
constexpr float kWeightBody = 1.0f;
constexpr std::size_t kMaxGroups = 48;
constexpr std::size_t kMaxExpansions = 40;
constexpr float kGoodCoverage = 0.5f;

using Group = QueryGroup;

// Optimal string alignment distance (swapping two neighbours is one edit); max+1 when over max.
int edit_distance(std::string_view a, std::string_view b, int max) {
  const int n = int(a.size()), m = int(b.size());
  if (std::abs(n - m) > max) return max + 1;
  constexpr int W = int(text::kMaxWordBytes) + 2;
  if (n >= W || m >= W) return max + 1;
  int r0[W], r1[W], r2[W];
  int *pp = r0, *p = r1, *c = r2;
  for (int j = 0; j <= m; ++j) p[j] = j;
  for (int i = 1; i <= n; ++i) {
    c[0] = i;
    int row_min = c[0];
    for (int j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({p[j] + 1, c[j - 1] + 1, p[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = std::min(v, pp[j - 2] + 1);
      c[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max) return max + 1;
    int* t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[m];
}

// One bit per letter (a-z; everything else shares bit 26): an edit changes at most two bits.
std::uint32_t letter_mask(std::string_view s) {
  std::uint32_t m = 0;
  for (unsigned char c : s) m |= 1u << ((c >= 'a' && c <= 'z') ? c - 'a' : 26);
  return m;
}

int popcount32(std::uint32_t x) {
  int n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

std::size_t utf8_chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void add_alt(Group& g, std::uint32_t term, float w) {
  for (auto& a : g.alts) {
    if (a.term == term) {
      a.weight = std::max(a.weight, w);
      return;
    }
  }
  g.alts.push_back({term, w});
}

void escape_html(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Words and CJK pairs to mark in snippets, as they appear (normalised, unstemmed) in text,
// mapped to the index term they stand for (so "wallet" and "wallets" count as one term).
using MarkKeys = std::unordered_map<std::string_view, std::uint32_t>;

constexpr std::size_t kSnippetScanBytes = 16 * 1024;

// The window of the article text holding the most distinct matched terms, marked.
std::string make_snippet(std::string_view text, const MarkKeys& keys) {
  if (text.size() > kSnippetScanBytes) {
    std::size_t cut = kSnippetScanBytes;
    while (cut > 0 && is_continuation(static_cast<unsigned char>(text[cut]))) --cut;
    text = text.substr(0, cut);
  }
  struct Mark {
    std::uint32_t begin, end, term;
  };
  std::vector<Mark> marks;
  bool cjk = false;
  text::segment(text, [&](text::TokenKind kind, std::string_view s, std::uint32_t b, std::uint32_t e) {
    cjk |= kind != text::TokenKind::word;
    auto it = keys.find(s);
    if (it != keys.end()) marks.push_back({b, e, it->second});
  });
  const std::size_t window = cjk ? 150 : 200;  // bytes: about 50 CJK characters or 30 words

  std::size_t best_start = 0;
  if (!marks.empty()) {
    std::size_t best_count = 0, distinct = 0, j = 0;
    std::unordered_map<std::uint32_t, int> seen;
    for (std::size_t i = 0; i < marks.size(); ++i) {
      while (j < marks.size() && marks[j].end <= marks[i].begin + window) {
        if (seen[marks[j].term]++ == 0) ++distinct;
        ++j;
      }
      if (distinct > best_count) {
        best_count = distinct;
        best_start = marks[i].begin;
      }
      if (--seen[marks[i].term] == 0) --distinct;
    }
  }
  // A little context before the first match, cut at a character (and, in Latin text, word) start.
  std::size_t start = best_start > 30 ? best_start - 30 : 0;
  while (start > 0 && is_continuation(static_cast<unsigned char>(text[start]))) --start;
  if (start > 0 && !cjk) {
    std::size_t s = start;
    while (s < best_start && text[s] != ' ' && text[s] != '\n') ++s;
    if (s < best_start) start = s + 1;
  }
  std::size_t end = std::min(text.size(), start + window);
  while (end < text.size() && is_continuation(static_cast<unsigned char>(text[end]))) ++end;
  if (end < text.size() && !cjk) {
    std::size_t e = end;
    while (e > start && text[e] != ' ' && text[e] != '\n') --e;
    if (e > start + window / 2) end = e;
  }

  std::string out;
  if (start > 0) out += "…";
  std::size_t at = start;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    std::uint32_t b = marks[i].begin, e = marks[i].end;
    if (b < at || e > end) continue;
    while (i + 1 < marks.size() && marks[i + 1].begin <= e && marks[i + 1].end <= end) {
      e = std::max(e, marks[i + 1].end);  // overlapping CJK bigrams become one mark
      ++i;
    }
    escape_html(out, text.substr(at, b - at));
    out += "<mark>";
    escape_html(out, text.substr(b, e - b));
    out += "</mark>";
    at = e;
  }
  escape_html(out, text.substr(at, end - at));
  if (end < text.size()) out += "…";
  for (auto& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

Searcher::Searcher(const kb::Bundle& bundle) : bundle_(bundle) {
  for (std::uint32_t i = 0; i < bundle.synonym_count(); ++i) {
    SynonymPhrase sp;
    sp.group = bundle.synonym_group(i);
    std::string_view ph = bundle.synonym_phrase(i);
    std::size_t pos = 0;
    while (pos <= ph.size()) {
      std::size_t sp_at = ph.find(' ', pos);
      if (sp_at == std::string_view::npos) sp_at = ph.size();
      if (sp_at > pos) sp.terms.push_back(ph.substr(pos, sp_at - pos));
      pos = sp_at + 1;
    }
    if (!sp.terms.empty()) synonyms_.push_back(std::move(sp));
  }
  // Longest phrases first, so "google authenticator" wins over "google".
  std::stable_sort(synonyms_.begin(), synonyms_.end(),
                   [](const SynonymPhrase& a, const SynonymPhrase& b) { return a.terms.size() > b.terms.size(); });
  // Typo candidates by length (a counting sort; the word list itself is sorted by bytes).
  const std::uint32_t nw = bundle.word_count();
  std::vector<std::uint32_t> count(text::kMaxWordBytes + 2, 0);
  for (std::uint32_t w = 0; w < nw; ++w) count[std::min<std::size_t>(bundle.word(w).size(), text::kMaxWordBytes + 1)]++;
  length_start_.assign(text::kMaxWordBytes + 3, 0);
  for (std::size_t l = 0; l < count.size(); ++l) length_start_[l + 1] = length_start_[l] + count[l];
  words_by_length_.resize(nw);
  std::vector<std::uint32_t> fill(length_start_.begin(), length_start_.end() - 1);
  for (std::uint32_t w = 0; w < nw; ++w) {
    std::string_view word = bundle.word(w);
    words_by_length_[fill[std::min<std::size_t>(word.size(), text::kMaxWordBytes + 1)]++] = {w, letter_mask(word)};
  }
  const std::size_t n = bundle.article_count();
  norm_title_.resize(n);
  norm_tags_.resize(n);
  norm_body_.resize(n);
  for (std::uint32_t d = 0; d < n; ++d) {
    kb::Article a = bundle.article(d);
    norm_title_[d] = 1 - kB + kB * float(a.len_title) / bundle.avg_len_title();
    norm_tags_[d] = 1 - kB + kB * float(a.len_tags) / bundle.avg_len_tags();
    norm_body_[d] = 1 - kB + kB * float(a.len_body) / bundle.avg_len_body();
  }
}

std::vector<QueryGroup> Searcher::analyze(std::string_view query, bool prefix_last) const {
  auto tokens = text::tokenize(query);
  if (tokens.size() > kMaxGroups) tokens.resize(kMaxGroups);
  std::vector<Group> groups;
  if (tokens.empty()) return groups;
  // The last word is still being typed when the query does not end in a separator.
  const bool last_open = prefix_last && tokens.back().end == query.size();

  std::vector<bool> consumed(tokens.size(), false);
  // Synonym phrases: the phrase's tokens collapse into one group led by the synonym term.
  for (const auto& sp : synonyms_) {
    const std::size_t k = sp.terms.size();
    for (std::size_t i = 0; i + k <= tokens.size(); ++i) {
      bool match = true;
      for (std::size_t j = 0; j < k && match; ++j) match = !consumed[i + j] && tokens[i + j].term == sp.terms[j];
      if (!match) continue;
      auto syn = bundle_.find_term(kb::synonym_term(sp.group));
      if (syn < 0) continue;
      // The user's own word keeps full weight; the group (a union, so a lower idf) stands in for
      // the other wordings. A multi-word phrase is carried by the group term alone.
      Group g;
      add_alt(g, std::uint32_t(syn), k == 1 ? 0.9f : 1.0f);
      for (std::size_t j = 0; j < k; ++j) {
        consumed[i + j] = true;
        auto t = bundle_.find_term(tokens[i + j].term);
        if (t >= 0) add_alt(g, std::uint32_t(t), k == 1 ? 1.0f : 0.5f / float(k));
      }
      groups.push_back(std::move(g));
    }
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (consumed[i]) continue;
    const auto& tok = tokens[i];
    Group g;
    auto exact = bundle_.find_term(tok.term);
    if (exact >= 0) add_alt(g, std::uint32_t(exact), 1.0f);
    const bool is_last = i + 1 == tokens.size();
    if (tok.kind == text::TokenKind::word) {
      g.stop = text::is_stopword(tok.term);
      if (is_last && last_open && !g.stop) {
        // Search as you type: every indexed word starting with what was typed.
        std::size_t added = 0;
        for (std::uint32_t w = bundle_.lower_bound_word(tok.surface);
             w < bundle_.word_count() && added < kMaxExpansions; ++w) {
          std::string_view word = bundle_.word(w);
          if (word.substr(0, tok.surface.size()) != tok.surface) break;
          if (word.size() == tok.surface.size()) continue;
          // Completions count less the more they add, and little when what was typed is
          // already a word: "bitcoin" must not rank "bitcoinmining" above itself.
          float ratio = float(tok.surface.size()) / float(word.size());
          add_alt(g, bundle_.word_term(w), (exact >= 0 ? 0.3f : 0.8f) * ratio * ratio);
          ++added;
        }
      }
      const std::size_t chars = utf8_chars(tok.surface);
      if (g.alts.empty() && chars >= 4) {
        // Typo tolerance: one edit from 4 characters, two from 8.
        const int max = chars >= 8 ? 2 : 1;
        const std::uint32_t mask = letter_mask(tok.surface);
        const std::size_t len = tok.surface.size();
        const std::size_t lo = len > std::size_t(max) ? len - max : 0;
        const std::size_t hi = std::min(len + max, text::kMaxWordBytes + 1);
        for (std::uint32_t k = length_start_[lo]; k < length_start_[hi + 1]; ++k) {
          const WordSig& ws = words_by_length_[k];
          if (popcount32(ws.letters ^ mask) > 2 * max) continue;
          int d = edit_distance(tok.surface, bundle_.word(ws.word), max);
          if (d <= max) add_alt(g, bundle_.word_term(ws.word), d == 1 ? 0.7f : 0.5f);
        }
      }
    } else if (tok.kind == text::TokenKind::cjk_unigram) {
      // A lone character: match the bigrams it starts (or, at the end of a query, is typing).
      std::size_t added = 0;
      for (std::uint32_t t = bundle_.lower_bound_term(tok.term);
           t < bundle_.term_count() && added < kMaxExpansions; ++t) {
        std::string_view term = bundle_.term(t);
        if (term.substr(0, tok.term.size()) != tok.term) break;
        if (term.size() == tok.term.size()) continue;
        add_alt(g, t, is_last && last_open ? 0.8f : 0.5f);
        ++added;
      }
    }
    groups.push_back(std::move(g));
  }

  return groups;
}

Result<std::vector<Hit>> Searcher::search(std::string_view query, const Options& opt) const {
  if (opt.top == 0 || opt.top > kMaxTop) {
    return make_error(ErrorCode::invalid_argument, "top must be between 1 and " + std::to_string(kMaxTop));
  }
  if (query.size() > kMaxQueryBytes) {
    return make_error(ErrorCode::too_large, "query is too long: " + std::to_string(query.size()) +
                                                " bytes, at most " + std::to_string(kMaxQueryBytes));
  }
  std::string lang;
  if (!opt.lang.empty()) {
    lang = text::canonical_language(opt.lang);
    bool known = false;
    for (auto l : bundle_.languages()) known |= (l == lang);
    if (!known) {
      std::string have;
      for (auto l : bundle_.languages()) have += (have.empty() ? "" : ", ") + std::string(l);
      return make_error(ErrorCode::unknown_language, "unknown language '" + opt.lang + "': this bundle has " + have);
    }
  }

  std::vector<Hit> hits;
  std::vector<Group> groups = analyze(query, /*prefix_last=*/true);
  if (groups.empty()) return hits;

  const std::size_t n = bundle_.article_count();
  std::size_t meaningful = 0;
  for (const auto& g : groups) meaningful += !g.stop;
  const bool count_all = meaningful == 0;
  if (count_all) meaningful = groups.size();

  std::vector<float> total(n, 0.f), best(n, 0.f);
  std::vector<std::uint16_t> matched(n, 0), in_title(n, 0);
  std::vector<std::uint8_t> title_now(n, 0);
  std::vector<std::uint32_t> touched, scored;  // docs hit by this group; docs hit by any group
  const float* norm_t = norm_title_.data();
  const float* norm_g = norm_tags_.data();
  const float* norm_b = norm_body_.data();

  for (const auto& g : groups) {
    if (g.alts.empty()) continue;
    touched.clear();
    // Stopwords still order results a little ("what is" in a title), but never dominate.
    const float group_weight = g.stop ? 0.3f : 1.0f;
    for (const auto& alt : g.alts) {
      const float idf = this->idf(alt.term);
      kb::PostingCursor cur = bundle_.postings(alt.term);
      kb::Posting post;
      while (cur.next(post)) {
        const std::uint32_t d = post.doc;
        float tf = kWeightTitle * post.tf_title / norm_t[d] + kWeightTags * post.tf_tags / norm_g[d] +
                   kWeightBody * post.tf_body / norm_b[d];
        float s = group_weight * alt.weight * idf * tf * (kK1 + 1) / (kK1 + tf);
        if (best[d] == 0.f) touched.push_back(d);
        best[d] = std::max(best[d], s);
        title_now[d] |= post.tf_title > 0;
      }
    }
    for (std::uint32_t d : touched) {
      if (total[d] == 0.f) scored.push_back(d);
      total[d] += best[d];
      if (!g.stop || count_all) ++matched[d];
      in_title[d] += title_now[d];
      best[d] = 0.f;
      title_now[d] = 0;
    }
  }

  struct Cand {
    std::uint32_t doc;
    float score, coverage;
    bool primary;
  };
  std::vector<Cand> cands;
  for (std::uint32_t d : scored) {
    if (total[d] <= 0.f) continue;
    float cov = float(matched[d]) / float(meaningful);
    // Articles that match more of what was asked rank above those that match one word often.
    float score = total[d] * (0.4f + 0.6f * cov);
    // A title that says what the user typed (stopwords included) is the likeliest answer.
    score *= 1.0f + 0.5f * float(in_title[d]) / float(groups.size());
    bool primary = lang.empty() || bundle_.article(d).lang == lang;
    cands.push_back({d, score, cov, primary});
  }
  auto better = [](const Cand& a, const Cand& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.doc < b.doc;
  };
  std::sort(cands.begin(), cands.end(), better);

  bool good_primary = false;
  for (const auto& c : cands) good_primary |= c.primary && c.coverage >= kGoodCoverage;

  std::vector<Cand> chosen;
  for (const auto& c : cands) {
    if (chosen.size() >= opt.top) break;
    if (c.primary) chosen.push_back(c);
  }
  if (!good_primary) {
    for (const auto& c : cands) {
      if (chosen.size() >= opt.top) break;
      if (c.primary) continue;
      // The other language's version of an article already listed adds nothing.
      kb::Article a = bundle_.article(c.doc);
      bool dup = false;
      for (const auto& h : chosen) {
        kb::Article b = bundle_.article(h.doc);
        dup |= (!a.translation_of.empty() && a.translation_of == b.id) ||
               (!b.translation_of.empty() && b.translation_of == a.id);
      }
      if (!dup) chosen.push_back(c);
    }
  }

  MarkKeys keys;
  if (opt.snippets && !chosen.empty()) {
    // Terms to mark: every alternative of every meaningful group, and for a synonym group the
    // terms of all its phrases (the article may use another wording than the query).
    std::vector<std::uint8_t> wanted(bundle_.term_count(), 0);
    for (const auto& g : groups) {
      if (g.stop) continue;
      for (const auto& alt : g.alts) {
        std::string_view t = bundle_.term(alt.term);
        if (t.empty() || t[0] != '\x01') {
          wanted[alt.term] = 1;
          continue;
        }
        for (const auto& sp : synonyms_) {
          if (kb::synonym_term(sp.group) != t) continue;
          // Words of a multi-word phrase mean little alone ("2-step verification" must not mark
          // every "verification"); CJK phrases are bigram runs specific enough to mark.
          bool latin = false;
          for (auto st : sp.terms) latin |= !st.empty() && static_cast<unsigned char>(st[0]) < 0x80;
          if (latin && sp.terms.size() > 1) continue;
          for (auto st : sp.terms) {
            auto id = bundle_.find_term(st);
            if (id >= 0) wanted[std::size_t(id)] = 1;
          }
        }
      }
    }
    for (std::uint32_t t = 0; t < bundle_.term_count(); ++t) {
      if (wanted[t]) keys.emplace(bundle_.term(t), t);  // CJK pairs and unstemmed words
    }
    for (std::uint32_t w = 0; w < bundle_.word_count(); ++w) {
      std::uint32_t t = bundle_.word_term(w);
      if (wanted[t]) keys.emplace(bundle_.word(w), t);
    }
  }

  for (const auto& c : chosen) {
    kb::Article a = bundle_.article(c.doc);
    Hit h;
    h.doc = c.doc;
    h.id = a.id;
    h.lang = a.lang;
    h.title = a.title;
    h.category = a.category;
    h.score = c.score;
    h.coverage = c.coverage;
    h.fallback = !c.primary;
    if (opt.snippets) h.snippet = make_snippet(bundle_.plain_text(c.doc), keys);
    hits.push_back(std::move(h));
  }
  return hits;
}

float Searcher::idf(std::uint32_t term) const {
  const float n = float(bundle_.article_count());
  const float df = float(bundle_.term_df(term));
  return std::log(1.0f + (n - df + 0.5f) / (df + 0.5f));
}

std::vector<std::uint32_t> Searcher::document_terms(std::string_view text_in) const {
  auto tokens = text::tokenize(text_in);
  std::vector<std::uint32_t> out;
  for (const auto& t : tokens) {
    auto id = bundle_.find_term(t.term);
    if (id >= 0) out.push_back(std::uint32_t(id));
  }
  for (const auto& sp : synonyms_) {
    const std::size_t k = sp.terms.size();
    for (std::size_t i = 0; i + k <= tokens.size(); ++i) {
      bool match = true;
      for (std::size_t j = 0; j < k && match; ++j) match = tokens[i + j].term == sp.terms[j];
      if (!match) continue;
      auto syn = bundle_.find_term(kb::synonym_term(sp.group));
      if (syn >= 0) out.push_back(std::uint32_t(syn));
      break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t pos = 0;
  while (pos < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c >= 0x80) {
      // Copy valid UTF-8 as is; invalid bytes (possible in a hostile bundle) become U+FFFD so
      // the output is always valid JSON text.
      std::size_t start = pos;
      char32_t cp = text::decode_utf8(s, pos);
      if (cp == 0xFFFD && s.substr(start, 3) != "\xEF\xBF\xBD") out += "\xEF\xBF\xBD";
      else out.append(s.substr(start, pos - start));
      continue;
    }
    ++pos;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(char(c));
        }
    }
  }
  out.push_back('"');
}

std::string hits_to_json(const std::vector<Hit>& hits, double took_us) {
  std::string out = "{\"hits\":[";
  char num[32];
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const Hit& h = hits[i];
    if (i) out.push_back(',');
    out += "{\"id\":";
    append_json_string(out, h.id);
    out += ",\"lang\":";
    append_json_string(out, h.lang);
    out += ",\"title\":";
    append_json_string(out, h.title);
    out += ",\"category\":";
    append_json_string(out, h.category);
    std::snprintf(num, sizeof num, "%.4f", double(h.score));
    out += ",\"score\":";
    out += num;
    out += ",\"fallback\":";
    out += h.fallback ? "true" : "false";
    out += ",\"snippet\":";
    append_json_string(out, h.snippet);
    out.push_back('}');
  }
  std::snprintf(num, sizeof num, "%.1f", took_us);
  out += "],\"took_us\":";
  out += num;
  out += "}";
  return out;
}

}  // namespace lantern::search
