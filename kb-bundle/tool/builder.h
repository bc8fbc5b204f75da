// Building a bundle: load articles from Markdown folders and JSON Lines files, add synonyms,
// forms and UI strings, write the versioned file (docs/BUNDLE.md). Native only.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::kbtool {

struct SourceArticle {
  std::string id, lang, title, category, translation_of;
  std::vector<std::string> tags;
  std::string blocks, text;  // from parse_markdown / plain_text_body
  std::string origin;        // "file:line", for error messages
};

class BundleBuilder {
 public:
  // A file (.md or .jsonl) or a folder, searched recursively for both.
  Status add_input(const std::string& path);
  Status add_markdown(std::string_view content, const std::string& origin);
  Status add_jsonl(std::string_view content, const std::string& origin);
  // Synonym groups, one per line, phrases separated by commas; '#' starts a comment.
  Status add_synonyms(std::string_view content, const std::string& origin);
  // Form schemas: every *.json in a folder, each checked strictly (lantern/forms.h).
  Status add_forms(const std::string& dir);
  std::size_t form_count() const { return forms_.size(); }
  // UI strings: every <lang>.json in a folder (a flat object of key -> text), as one UIST section
  // {"version":1,"languages":{"en":{...},"zh-CN":{...}}}; en.json is required (the fallback).
  Status add_strings(const std::string& dir);
  // Extra JSON sections (UI strings): validated as JSON, stored verbatim.
  Status add_json_section(const char (&tag)[5], std::string_view json, const std::string& origin);

  std::size_t article_count() const { return articles_.size(); }
  // The bundle bytes, trailer included but not yet sealed (see seal_bundle in signing.h).
  Result<std::string> build(std::uint64_t built_at) const;

 private:
  Status add_article(SourceArticle a);
  std::vector<SourceArticle> articles_;
  std::vector<std::vector<std::string>> synonym_groups_;
  std::vector<std::pair<std::uint32_t, std::string>> json_sections_;
  std::vector<std::pair<std::string, std::string>> forms_;  // id, canonical JSON
};

}  // namespace lantern::kbtool
