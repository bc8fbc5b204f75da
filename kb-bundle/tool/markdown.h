// Build-time Markdown to the bundle's block structure (docs/BUNDLE.md). The runtime never parses
// Markdown. Supported: ATX headings, paragraphs, bullet and numbered lists (nested by indent),
// fenced code, block quotes, thematic breaks; inline strong, emphasis, code and links.
#pragma once
#include <string>
#include <string_view>

#include "lantern/result.h"

namespace lantern::kbtool {

struct ParsedBody {
  std::string blocks;  // encoded block records
  std::string text;    // plain text, one line per block: what is indexed and what snippets quote
};

// Errors name the 1-based line (offset by first_line) of what could not be parsed.
Result<ParsedBody> parse_markdown(std::string_view markdown, int first_line = 1);
// Plain text (JSON Lines bodies): paragraphs separated by blank lines or single newlines.
ParsedBody plain_text_body(std::string_view text);

}  // namespace lantern::kbtool
