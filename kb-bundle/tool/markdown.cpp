#include "markdown.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "../../sdk/src/kb/bytes.h"
#include "lantern/bundle.h"
#include "lantern/text.h"

namespace lantern::kbtool {

namespace {

using kb::BlockType;
using kb::SpanType;

struct SpanOut {
  SpanType type;
  std::string text, href;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Inline Markdown to spans. Unclosed markers are kept as literal text.
std::vector<SpanOut> parse_inline(std::string_view s) {
  std::vector<SpanOut> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back({SpanType::text, cur, ""});
    cur.clear();
  };
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && std::string_view("\\`*_[]()#+-.!>").find(s[i + 1]) != std::string_view::npos) {
      cur.push_back(s[i + 1]);
      i += 2;
      continue;
    }
    if (c == '`') {
      std::size_t e = s.find('`', i + 1);
      if (e != std::string_view::npos) {
        flush();
        out.push_back({SpanType::code, std::string(s.substr(i + 1, e - i - 1)), ""});
        i = e + 1;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
      std::string_view marker = s.substr(i, 2);
      std::size_t e = s.find(marker, i + 2);
      if (e != std::string_view::npos && e > i + 2) {
        flush();
        std::string inner;
        for (auto& sp : parse_inline(s.substr(i + 2, e - i - 2))) inner += sp.text;
        out.push_back({SpanType::strong, inner, ""});
        i = e + 2;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] != ' ') {
      std::size_t e = s.find(c, i + 1);
      // '_' inside words (snake_case) is not emphasis.
      bool word_inside = c == '_' && i > 0 && std::isalnum(static_cast<unsigned char>(s[i - 1]));
      if (e != std::string_view::npos && e > i + 1 && !word_inside) {
        flush();
        out.push_back({SpanType::emphasis, std::string(s.substr(i + 1, e - i - 1)), ""});
        i = e + 1;
        continue;
      }
    }
    if (c == '[') {
      std::size_t close = s.find(']', i + 1);
      if (close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == '(') {
        std::size_t paren = s.find(')', close + 2);
        if (paren != std::string_view::npos) {
          flush();
          std::string label;
          for (auto& sp : parse_inline(s.substr(i + 1, close - i - 1))) label += sp.text;
          out.push_back({SpanType::link, label, std::string(trim(s.substr(close + 2, paren - close - 2)))});
          i = paren + 1;
          continue;
        }
      }
    }
    cur.push_back(c);
    ++i;
  }
  flush();
  return out;
}

bool ends_cjk(const std::string& s) {
  if (s.empty()) return false;
  std::size_t p = s.size() - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  std::size_t q = p;
  char32_t cp = text::decode_utf8(s, q);
  return text::is_cjk(cp) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}
bool starts_cjk(std::string_view s) {
  if (s.empty()) return false;
  std::size_t q = 0;
  char32_t cp = text::decode_utf8(s, q);
  return text::is_cjk(cp) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

class Encoder {
 public:
  void block(BlockType type, std::uint8_t level, bool ordered, std::uint32_t number, const std::vector<SpanOut>& spans) {
    out_.blocks.push_back(char(type));
    out_.blocks.push_back(char(level));
    out_.blocks.push_back(char(ordered ? 1 : 0));
    kb::put_varint(out_.blocks, number);
    kb::put_varint(out_.blocks, std::uint32_t(spans.size()));
    std::string line;
    for (const auto& sp : spans) {
      out_.blocks.push_back(char(sp.type));
      kb::put_varint(out_.blocks, std::uint32_t(sp.text.size()));
      out_.blocks += sp.text;
      if (sp.type == SpanType::link) {
        kb::put_varint(out_.blocks, std::uint32_t(sp.href.size()));
        out_.blocks += sp.href;
      }
      line += sp.text;
    }
    if (!line.empty()) {
      if (!out_.text.empty()) out_.text.push_back('\n');
      out_.text += line;
    }
  }
  ParsedBody take() { return std::move(out_); }

 private:
  ParsedBody out_;
};

// Joins soft-wrapped lines: a space between Latin text, nothing between CJK characters.
void join_line(std::string& para, std::string_view line) {
  if (!para.empty() && !(ends_cjk(para) && starts_cjk(line))) para.push_back(' ');
  para += line;
}

bool valid_utf8(std::string_view s, std::size_t& bad_at) {
  std::size_t p = 0;
  while (p < s.size()) {
    std::size_t at = p;
    if (text::decode_utf8(s, p) == 0xFFFD && !(s.substr(at, 3) == "\xEF\xBF\xBD")) {
      bad_at = at;
      return false;
    }
  }
  return true;
}

}  // namespace

Result<ParsedBody> parse_markdown(std::string_view md, int first_line) {
  std::size_t bad_at = 0;
  if (!valid_utf8(md, bad_at)) {
    int line = first_line;
    for (std::size_t i = 0; i < bad_at; ++i) line += md[i] == '\n';
    return make_error(ErrorCode::parse_error, "line " + std::to_string(line) + ": text is not valid UTF-8");
  }
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= md.size()) {
    std::size_t e = md.find('\n', pos);
    if (e == std::string_view::npos) e = md.size();
    lines.push_back(md.substr(pos, e - pos));
    pos = e + 1;
  }
  Encoder enc;
  std::string para;
  auto flush_para = [&] {
    if (!para.empty()) enc.block(BlockType::paragraph, 0, false, 0, parse_inline(para));
    para.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = trim(raw);
    std::size_t indent = 0;
    while (indent < raw.size() && (raw[indent] == ' ' || raw[indent] == '\t')) indent += 1;

    if (line.empty()) {
      flush_para();
      continue;
    }
    if (line.substr(0, 3) == "```" || line.substr(0, 3) == "~~~") {
      flush_para();
      std::string_view fence = line.substr(0, 3);
      std::string code;
      std::size_t j = i + 1;
      for (; j < lines.size(); ++j) {
        std::string_view l = lines[j];
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (trim(l).substr(0, 3) == fence) break;
        if (!code.empty()) code.push_back('\n');
        code += l;
      }
      if (j == lines.size()) {
        return make_error(ErrorCode::parse_error, "line " + std::to_string(first_line + int(i)) + ": code block opened with " +
                                                      std::string(fence) + " is never closed");
      }
      enc.block(BlockType::code, 0, false, 0, {{SpanType::text, code, ""}});
      i = j;
      continue;
    }
    if (line[0] == '#') {
      std::size_t level = 0;
      while (level < line.size() && line[level] == '#') ++level;
      if (level <= 6 && (level == line.size() || line[level] == ' ')) {
        flush_para();
        std::string_view t = trim(line.substr(level));
        while (!t.empty() && t.back() == '#') t.remove_suffix(1);
        enc.block(BlockType::heading, std::uint8_t(level), false, 0, parse_inline(trim(t)));
        continue;
      }
    }
    if ((line == "---" || line == "***" || line == "___" ||
         (line.size() >= 3 && line.find_first_not_of(line[0]) == std::string_view::npos && (line[0] == '-' || line[0] == '*'))) ) {
      flush_para();
      enc.block(BlockType::rule, 0, false, 0, {});
      continue;
    }
    if (line[0] == '>') {
      flush_para();
      std::string quote;
      std::size_t j = i;
      for (; j < lines.size(); ++j) {
        std::string_view l = trim(lines[j]);
        if (l.empty() || l[0] != '>') break;
        join_line(quote, trim(l.substr(1)));
      }
      enc.block(BlockType::quote, 0, false, 0, parse_inline(quote));
      i = j - 1;
      continue;
    }
    bool bullet = line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ';
    std::size_t digits = 0;
    while (digits < line.size() && digits < 9 && line[digits] >= '0' && line[digits] <= '9') ++digits;
    bool numbered = digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') && line[digits + 1] == ' ';
    if (bullet || numbered) {
      flush_para();
      std::string item(trim(line.substr(bullet ? 2 : digits + 2)));
      // Continuation lines: indented, not a new item or block.
      std::size_t j = i + 1;
      for (; j < lines.size(); ++j) {
        std::string_view l = lines[j];
        std::string_view tl = trim(l);
        if (tl.empty() || l.empty() || (l[0] != ' ' && l[0] != '\t')) break;
        bool nb = tl.size() >= 2 && (tl[0] == '-' || tl[0] == '*' || tl[0] == '+') && tl[1] == ' ';
        std::size_t d = 0;
        while (d < tl.size() && tl[d] >= '0' && tl[d] <= '9') ++d;
        bool nn = d > 0 && d + 1 < tl.size() && (tl[d] == '.' || tl[d] == ')') && tl[d + 1] == ' ';
        if (nb || nn) break;
        join_line(item, tl);
      }
      std::uint32_t number = numbered ? std::uint32_t(std::stoul(std::string(line.substr(0, digits)))) : 0;
      enc.block(BlockType::list_item, std::uint8_t(std::min<std::size_t>(indent / 2, 5)), numbered, number, parse_inline(item));
      i = j - 1;
      continue;
    }
    join_line(para, line);
  }
  flush_para();
  return enc.take();
}

ParsedBody plain_text_body(std::string_view text) {
  Encoder enc;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = trim(text.substr(pos, e - pos));
    if (!line.empty()) enc.block(BlockType::paragraph, 0, false, 0, {{SpanType::text, std::string(line), ""}});
    pos = e + 1;
  }
  return enc.take();
}

}  // namespace lantern::kbtool
