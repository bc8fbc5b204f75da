#include "builder.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "../../sdk/src/kb/bytes.h"
#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/text.h"
#include "markdown.h"

namespace lantern::kbtool {

namespace fs = std::filesystem;
using kb::put16;
using kb::put32;

namespace {

constexpr std::size_t kMaxArticleBytes = 1 << 20;
constexpr std::size_t kMaxTitleBytes = 512;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\''))) {
    v = v.substr(1, v.size() - 2);
  }
  return std::string(v);
}

std::vector<std::string> split_list(std::string_view v) {
  v = trim(v);
  if (!v.empty() && v.front() == '[') {
    if (v.back() != ']') return {};
    v = v.substr(1, v.size() - 2);
  }
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= v.size()) {
    std::size_t c = v.find(',', pos);
    if (c == std::string_view::npos) c = v.size();
    std::string item = unquote(v.substr(pos, c - pos));
    if (!item.empty()) out.push_back(item);
    pos = c + 1;
  }
  return out;
}

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(ErrorCode::io_error, p.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string s;
  for (const auto& t : tags) {
    if (!s.empty()) s.push_back('\x1f');
    s += t;
  }
  return s;
}

}  // namespace

Status BundleBuilder::add_article(SourceArticle a) {
  auto err = [&](const std::string& what) { return make_error(ErrorCode::parse_error, a.origin + ": " + what); };
  if (a.id.empty()) return err("article has no id");
  if (a.id.size() > 200 || a.id.find_first_of(" \t\n\x1f") != std::string::npos) return err("article id '" + a.id + "' must be at most 200 characters without spaces");
  if (a.title.empty()) return err("article '" + a.id + "' has no title");
  if (a.title.size() > kMaxTitleBytes) return err("article '" + a.id + "' has a title over " + std::to_string(kMaxTitleBytes) + " bytes");
  std::string lang = text::canonical_language(a.lang);
  if (lang.empty()) return make_error(ErrorCode::unknown_language, a.origin + ": article '" + a.id + "' has an unknown language '" + a.lang + "' (expected a tag such as en, zh-CN, zh-Hans)");
  a.lang = lang;
  if (a.text.size() > kMaxArticleBytes) return make_error(ErrorCode::too_large, a.origin + ": article '" + a.id + "' is over 1 MiB");
  for (const auto& other : articles_) {
    if (other.id == a.id) return make_error(ErrorCode::duplicate, a.origin + ": duplicate article id '" + a.id + "' (first defined at " + other.origin + ")");
  }
  articles_.push_back(std::move(a));
  return ok_status();
}

Status BundleBuilder::add_markdown(std::string_view content, const std::string& origin) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  std::size_t first_nl = content.find('\n');
  if (trim(content.substr(0, first_nl)) != "---") {
    return make_error(ErrorCode::parse_error, origin + ":1: no front matter (the file must start with a '---' line, then id, lang, title)");
  }
  SourceArticle a;
  a.origin = origin;
  std::size_t pos = first_nl == std::string_view::npos ? content.size() : first_nl + 1;
  int line_no = 2;
  bool closed = false;
  while (pos < content.size()) {
    std::size_t e = content.find('\n', pos);
    if (e == std::string_view::npos) e = content.size();
    std::string_view line = trim(content.substr(pos, e - pos));
    pos = e + 1;
    if (line == "---") {
      closed = true;
      break;
    }
    if (!line.empty() && line[0] != '#') {
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        return make_error(ErrorCode::parse_error, origin + ":" + std::to_string(line_no) + ": front matter line is not 'key: value'");
      }
      std::string key(trim(line.substr(0, colon)));
      std::string_view value = line.substr(colon + 1);
      if (key == "id") a.id = unquote(value);
      else if (key == "lang") a.lang = unquote(value);
      else if (key == "title") a.title = unquote(value);
      else if (key == "category") a.category = unquote(value);
      else if (key == "translation_of") a.translation_of = unquote(value);
      else if (key == "tags") a.tags = split_list(value);
    }
    ++line_no;
  }
  if (!closed) return make_error(ErrorCode::parse_error, origin + ": front matter is never closed with a '---' line");
  for (const char* k : {"id", "lang", "title"}) {
    const std::string& v = std::string(k) == "id" ? a.id : std::string(k) == "lang" ? a.lang : a.title;
    if (v.empty()) return make_error(ErrorCode::parse_error, origin + ": front matter has no '" + k + "'");
  }
  auto body = parse_markdown(content.substr(std::min(pos, content.size())), line_no + 1);
  if (!body) return make_error(body.error().code, origin + ":" + body.error().message);
  a.blocks = std::move(body->blocks);
  a.text = std::move(body->text);
  a.origin = origin;
  return add_article(std::move(a));
}

Status BundleBuilder::add_jsonl(std::string_view content, const std::string& origin) {
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < content.size()) {
    std::size_t e = content.find('\n', pos);
    if (e == std::string_view::npos) e = content.size();
    std::string_view line = trim(content.substr(pos, e - pos));
    pos = e + 1;
    ++line_no;
    if (line.empty()) continue;
    const std::string where = origin + ":" + std::to_string(line_no);
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error(ErrorCode::parse_error, where + ": line is not valid JSON");
    if (!j.is_object()) return make_error(ErrorCode::parse_error, where + ": line is not a JSON object");
    auto str = [&](const char* k) -> std::string {
      auto it = j.find(k);
      return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
    };
    for (const char* k : {"id", "lang", "title", "body"}) {
      auto it = j.find(k);
      if (it == j.end() || !it->is_string()) return make_error(ErrorCode::parse_error, where + ": \"" + std::string(k) + "\" is missing or not a string");
    }
    SourceArticle a;
    a.origin = where;
    a.id = str("id");
    a.lang = str("lang");
    a.title = str("title");
    a.category = str("category");
    a.translation_of = str("translation_of");
    if (auto t = j.find("tags"); t != j.end() && t->is_array()) {
      for (const auto& tag : *t) {
        if (tag.is_string()) a.tags.push_back(tag.get<std::string>());
      }
    }
    auto body = plain_text_body(str("body"));
    a.blocks = std::move(body.blocks);
    a.text = std::move(body.text);
    if (auto st = add_article(std::move(a)); !st) return st;
  }
  return ok_status();
}

Status BundleBuilder::add_input(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (!fs::exists(p, ec)) return make_error(ErrorCode::io_error, path + ": no such file or folder");
  std::vector<fs::path> files;
  if (fs::is_directory(p, ec)) {
    for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file() && (it->path().extension() == ".md" || it->path().extension() == ".jsonl")) files.push_back(it->path());
    }
    if (ec) return make_error(ErrorCode::io_error, path + ": cannot list the folder");
    std::sort(files.begin(), files.end());
    if (files.empty()) return make_error(ErrorCode::io_error, path + ": no .md or .jsonl files in this folder");
  } else {
    files.push_back(p);
  }
  for (const auto& f : files) {
    auto content = read_file(f);
    if (!content) return content.error();
    Status st = f.extension() == ".jsonl" ? add_jsonl(*content, f.string())
              : f.extension() == ".md"    ? add_markdown(*content, f.string())
                                          : Status(make_error(ErrorCode::invalid_argument, f.string() + ": not a .md or .jsonl file"));
    if (!st) return st;
  }
  return ok_status();
}

Status BundleBuilder::add_synonyms(std::string_view content, const std::string& origin) {
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < content.size()) {
    std::size_t e = content.find('\n', pos);
    if (e == std::string_view::npos) e = content.size();
    std::string_view line = content.substr(pos, e - pos);
    pos = e + 1;
    ++line_no;
    if (auto h = line.find('#'); h != std::string_view::npos) line = line.substr(0, h);
    auto phrases = split_list(line);
    if (phrases.empty()) continue;
    if (phrases.size() < 2) return make_error(ErrorCode::parse_error, origin + ":" + std::to_string(line_no) + ": a synonym group needs at least two phrases separated by commas");
    synonym_groups_.push_back(std::move(phrases));
  }
  return ok_status();
}

Status BundleBuilder::add_forms(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return make_error(ErrorCode::io_error, dir + ": no such folder");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return make_error(ErrorCode::io_error, dir + ": no .json form schemas in this folder");
  for (const auto& f : files) {
    auto content = read_file(f);
    if (!content) return content.error();
    auto form = forms::parse_form(*content, f.string());
    if (!form) return form.error();
    for (const auto& [id, _] : forms_) {
      if (id == form->id) return make_error(ErrorCode::duplicate, f.string() + ": a second form with id '" + id + "'");
    }
    forms_.emplace_back(form->id, nlohmann::json::parse(*content, nullptr, false).dump());
  }
  return ok_status();
}

Status BundleBuilder::add_strings(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return make_error(ErrorCode::io_error, dir + ": cannot be read: " + ec.message());
  std::sort(files.begin(), files.end());
  nlohmann::json langs = nlohmann::json::object();
  for (const auto& f : files) {
    auto content = read_file(f);
    if (!content) return content.error();
    auto j = nlohmann::json::parse(*content, nullptr, false);
    if (!j.is_object()) return make_error(ErrorCode::parse_error, f.string() + ": not a JSON object of strings");
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it->is_string()) return make_error(ErrorCode::parse_error, f.string() + ": '" + it.key() + "' is not a string");
    }
    langs[f.stem().string()] = std::move(j);
  }
  if (!langs.contains("en")) return make_error(ErrorCode::invalid_argument, dir + ": en.json is missing (the fallback language)");
  json_sections_.emplace_back(kb::tag("UIST"), nlohmann::json{{"version", 1}, {"languages", langs}}.dump());
  return ok_status();
}

Status BundleBuilder::add_json_section(const char (&t)[5], std::string_view json, const std::string& origin) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) return make_error(ErrorCode::parse_error, origin + ": not valid JSON");
  json_sections_.emplace_back(kb::tag(t), j.dump());
  return ok_status();
}

Result<std::string> BundleBuilder::build(std::uint64_t built_at) const {
  if (articles_.empty()) return make_error(ErrorCode::invalid_argument, "no articles to build a bundle from");

  // Pair translations written as "<base>@<lang>" (the JSON Lines corpus convention) when the
  // source did not say translation_of.
  std::vector<std::string> translation_of(articles_.size());
  std::unordered_map<std::string, std::size_t> by_base;
  for (std::size_t i = 0; i < articles_.size(); ++i) {
    translation_of[i] = articles_[i].translation_of;
    auto at = articles_[i].id.rfind('@');
    if (at == std::string::npos) continue;
    std::string base = articles_[i].id.substr(0, at);
    auto it = by_base.find(base);
    if (it == by_base.end()) by_base.emplace(base, i);
    else if (translation_of[i].empty() && articles_[it->second].lang != articles_[i].lang) translation_of[i] = articles_[it->second].id;
  }

  // Synonym phrases as term sequences.
  struct Phrase {
    std::vector<std::string> terms;
    std::uint32_t group;
    std::string joined;
  };
  std::vector<Phrase> phrases;
  for (std::uint32_t g = 0; g < synonym_groups_.size(); ++g) {
    for (const auto& p : synonym_groups_[g]) {
      Phrase ph;
      ph.group = g;
      for (auto& t : text::tokenize(p)) ph.terms.push_back(t.term);
      if (ph.terms.empty()) continue;
      for (const auto& t : ph.terms) ph.joined += (ph.joined.empty() ? "" : " ") + t;
      phrases.push_back(std::move(ph));
    }
  }

  struct Tf {
    std::uint32_t title = 0, tags = 0, body = 0;
  };
  std::map<std::string, std::vector<std::pair<std::uint32_t, Tf>>> index;
  std::map<std::string, std::string> words;
  std::vector<std::string> langs;
  std::vector<std::uint8_t> lang_of(articles_.size());
  std::vector<std::uint32_t> len_title(articles_.size()), len_tags(articles_.size()), len_body(articles_.size());
  double sum[3] = {0, 0, 0};

  for (std::uint32_t d = 0; d < articles_.size(); ++d) {
    const auto& a = articles_[d];
    auto li = std::find(langs.begin(), langs.end(), a.lang);
    if (li == langs.end()) {
      if (langs.size() == 255) return make_error(ErrorCode::too_large, "more than 255 languages");
      langs.push_back(a.lang);
      li = langs.end() - 1;
    }
    lang_of[d] = std::uint8_t(li - langs.begin());
    std::unordered_map<std::string, Tf> tf;
    auto add_field = [&](std::string_view s, int field) {
      auto toks = text::tokenize(s);
      for (const auto& t : toks) {
        Tf& x = tf[t.term];
        (field == 0 ? x.title : field == 1 ? x.tags : x.body)++;
        if (t.kind == text::TokenKind::word && !t.surface.empty()) words.emplace(t.surface, t.term);
      }
      for (const auto& ph : phrases) {
        const std::size_t k = ph.terms.size();
        for (std::size_t i = 0; i + k <= toks.size(); ++i) {
          bool m = true;
          for (std::size_t j = 0; j < k && m; ++j) m = toks[i + j].term == ph.terms[j];
          if (!m) continue;
          Tf& x = tf[kb::synonym_term(ph.group)];
          (field == 0 ? x.title : field == 1 ? x.tags : x.body)++;
        }
      }
      return std::uint32_t(toks.size());
    };
    std::string tags_text;
    for (const auto& t : a.tags) tags_text += t + " \n ";
    len_title[d] = add_field(a.title, 0);
    len_tags[d] = add_field(tags_text, 1);
    len_body[d] = add_field(a.text, 2);
    sum[0] += len_title[d];
    sum[1] += len_tags[d];
    sum[2] += len_body[d];
    for (auto& [term, x] : tf) index[term].push_back({d, x});
  }

  // String pool with shared copies of equal strings.
  std::string strs;
  std::unordered_map<std::string, std::uint32_t> pooled;
  auto intern = [&](const std::string& s) {
    auto it = pooled.find(s);
    if (it != pooled.end()) return it->second;
    std::uint32_t off = std::uint32_t(strs.size());
    strs += s;
    pooled.emplace(s, off);
    return off;
  };
  auto ref = [&](std::string& sec, const std::string& s) {
    put32(sec, intern(s));
    put32(sec, std::uint32_t(s.size()));
  };

  std::string lang_sec;
  put32(lang_sec, std::uint32_t(langs.size()));
  for (const auto& l : langs) ref(lang_sec, l);

  std::string arts, blks;
  for (std::uint32_t d = 0; d < articles_.size(); ++d) {
    const auto& a = articles_[d];
    ref(arts, a.id);
    ref(arts, a.title);
    ref(arts, a.category);
    ref(arts, join_tags(a.tags));
    put32(arts, 0);  // reserved (was plain text; derived from the blocks now)
    put32(arts, 0);
    ref(arts, translation_of[d]);
    put32(arts, std::uint32_t(blks.size()));
    put32(arts, std::uint32_t(a.blocks.size()));
    blks += a.blocks;
    arts.push_back(char(lang_of[d]));
    arts.push_back(0);
    put16(arts, std::uint16_t(std::min<std::uint32_t>(len_title[d], 0xFFFF)));
    put16(arts, std::uint16_t(std::min<std::uint32_t>(len_tags[d], 0xFFFF)));
    put16(arts, 0);
    put32(arts, len_body[d]);
    put32(arts, 0);
  }

  std::string terms, posts;
  std::unordered_map<std::string, std::uint32_t> term_index;
  for (auto& [term, list] : index) {
    if (term.size() > 0xFFFF) continue;
    term_index[term] = std::uint32_t(terms.size() / kb::kTermRecord);
    put32(terms, intern(term));
    put16(terms, std::uint16_t(term.size()));
    put16(terms, 0);
    put32(terms, std::uint32_t(posts.size()));
    put32(terms, std::uint32_t(list.size()));
    // Postings sorted by article: varint(gap - 1), varint(tf_body << 2 | has_title << 1 | has_tags),
    // then varint tf_title and tf_tags when present (docs/BUNDLE.md).
    std::uint32_t last = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const auto& [doc, x] = list[k];
      kb::put_varint(posts, k == 0 ? doc : doc - last - 1);
      last = doc;
      kb::put_varint(posts, (std::min<std::uint32_t>(x.body, 1u << 28) << 2) | (x.title ? 2u : 0u) | (x.tags ? 1u : 0u));
      if (x.title) kb::put_varint(posts, x.title);
      if (x.tags) kb::put_varint(posts, x.tags);
    }
  }

  std::string word_sec;
  for (const auto& [w, t] : words) {
    auto it = term_index.find(t);
    if (it == term_index.end()) continue;
    put32(word_sec, intern(w));
    put16(word_sec, std::uint16_t(w.size()));
    put16(word_sec, 0);
    put32(word_sec, it->second);
  }

  std::string syn_sec;
  for (const auto& ph : phrases) {
    ref(syn_sec, ph.joined);
    put32(syn_sec, ph.group);
  }

  std::string stat;
  const double n = double(articles_.size());
  kb::putf32(stat, float(sum[0] / n));
  kb::putf32(stat, float(sum[1] / n));
  kb::putf32(stat, float(sum[2] / n));

  nlohmann::json meta = {{"format", std::to_string(kb::kFormatMajor) + "." + std::to_string(kb::kFormatMinor)},
                         {"built_by", "lantern-kb"},
                         {"built_at", built_at},
                         {"articles", articles_.size()},
                         {"terms", index.size()},
                         {"languages", langs},
                         {"synonym_groups", synonym_groups_.size()},
                         {"forms", forms_.size()}};

  std::vector<std::pair<std::uint32_t, std::string>> sections = {
      {kb::tag("META"), meta.dump()}, {kb::tag("LANG"), lang_sec}, {kb::tag("STAT"), stat},
      {kb::tag("ARTS"), arts},        {kb::tag("TERM"), terms},    {kb::tag("POST"), posts},
      {kb::tag("WORD"), word_sec},    {kb::tag("SYNS"), syn_sec},  {kb::tag("BLKS"), blks},
  };
  for (const auto& js : json_sections_) sections.push_back(js);
  if (!forms_.empty()) {
    std::string f = "{\"version\":1,\"forms\":[";
    for (std::size_t i = 0; i < forms_.size(); ++i) f += (i ? "," : "") + forms_[i].second;
    sections.push_back({kb::tag("FORM"), f + "]}"});
  }
  sections.push_back({kb::tag("STRS"), strs});

  std::string out(kb::kHeaderSize, '\0');
  std::memcpy(&out[0], kb::kMagic, 8);
  kb::set32(out, 8, std::uint32_t(kb::kFormatMajor) | std::uint32_t(kb::kFormatMinor) << 16);
  kb::set32(out, 12, std::uint32_t(kb::kHeaderSize));
  kb::set32(out, 24, std::uint32_t(sections.size()));
  kb::set32(out, 32, std::uint32_t(articles_.size()));
  kb::set32(out, 36, std::uint32_t(index.size()));
  kb::set64(out, 40, built_at);
  const std::size_t table = out.size();
  out.append(sections.size() * 16, '\0');
  for (std::size_t i = 0; i < sections.size(); ++i) {
    while (out.size() % 8) out.push_back('\0');
    if (out.size() + sections[i].second.size() > 0xFFFFFFFFull) return make_error(ErrorCode::too_large, "bundle over 4 GiB");
    kb::set32(out, table + i * 16, sections[i].first);
    kb::set32(out, table + i * 16 + 8, std::uint32_t(out.size()));
    kb::set32(out, table + i * 16 + 12, std::uint32_t(sections[i].second.size()));
    out += sections[i].second;
  }
  while (out.size() % 8) out.push_back('\0');
  const std::uint64_t content = out.size();
  kb::set64(out, 16, content);
  std::string trailer(kb::kTrailerSize, '\0');
  std::memcpy(&trailer[0], kb::kTrailerMagic, 8);
  kb::set32(trailer, 8, 1);
  out += trailer;
  return out;
}

}  // namespace lantern::kbtool
