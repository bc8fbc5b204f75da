// WebAssembly exports behind dist/web/lantern-core.mjs. JavaScript sees only the wrapper in
// core_post.js: these functions pass JSON text and never throw across the boundary.
#include <emscripten/emscripten.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/signing.h"
#include "lantern/text.h"

using namespace lantern;

namespace {

struct Open {
  std::uint8_t* bytes;  // owned by the JS side (malloc'ed there), freed in lantern_core_close
  kb::Bundle bundle;
  std::unique_ptr<search::Searcher> searcher;
};

std::vector<std::unique_ptr<Open>> g_open;  // handle = index + 1
std::string g_out;                          // last returned JSON; valid until the next call

const char* error_json(const Error& e) {
  g_out = "{\"error\":{\"code\":";
  search::append_json_string(g_out, error_code_name(e.code));
  g_out += ",\"message\":";
  search::append_json_string(g_out, e.message);
  g_out += "}}";
  return g_out.c_str();
}

Open* get(int handle) {
  if (handle <= 0 || std::size_t(handle) > g_open.size()) return nullptr;
  return g_open[handle - 1].get();
}

const char* kBlockTypes[] = {"", "paragraph", "heading", "list_item", "code", "quote", "rule"};
const char* kSpanTypes[] = {"", "text", "strong", "emphasis", "code", "link"};

}  // namespace

extern "C" {

// Opens a bundle. With a public key (PEM), the signature is verified first; without, the
// content hash is. Returns {"handle":N} or {"error":{...}}.
EMSCRIPTEN_KEEPALIVE const char* lantern_core_open(std::uint8_t* bytes, std::size_t size, const char* public_key_pem) {
  Status st = (public_key_pem && *public_key_pem) ? kb::verify_bundle(bytes, size, public_key_pem)
                                                  : kb::check_integrity(bytes, size);
  if (!st) return error_json(st.error());
  auto b = kb::Bundle::open(bytes, size);
  if (!b) return error_json(b.error());
  auto o = std::make_unique<Open>(Open{bytes, std::move(*b), nullptr});
  o->searcher = std::make_unique<search::Searcher>(o->bundle);
  g_open.push_back(std::move(o));
  g_out = "{\"handle\":" + std::to_string(g_open.size()) + "}";
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_search(int handle, const char* query, const char* lang, int top) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  search::Options opt;
  opt.lang = lang ? lang : "";
  opt.top = top > 0 ? std::size_t(top) : 0;
  auto t0 = std::chrono::steady_clock::now();
  auto hits = o->searcher->search(query ? query : "", opt);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!hits) return error_json(hits.error());
  g_out = search::hits_to_json(*hits, us);
  return g_out.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_article(int handle, const char* id) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  auto idx = o->bundle.find_article(id ? id : "");
  if (idx < 0) return error_json({ErrorCode::invalid_argument, std::string("no article with id '") + (id ? id : "") + "'"});
  auto blocks = o->bundle.blocks(std::uint32_t(idx));
  if (!blocks) return error_json(blocks.error());
  kb::Article a = o->bundle.article(std::uint32_t(idx));
  std::string& j = g_out;
  j = "{\"id\":";
  search::append_json_string(j, a.id);
  j += ",\"lang\":";
  search::append_json_string(j, a.lang);
  j += ",\"title\":";
  search::append_json_string(j, a.title);
  j += ",\"category\":";
  search::append_json_string(j, a.category);
  j += ",\"translation_of\":";
  search::append_json_string(j, a.translation_of);
  j += ",\"tags\":[";
  std::size_t pos = 0;
  bool first = true;
  while (!a.tags.empty() && pos <= a.tags.size()) {
    std::size_t e = a.tags.find('\x1f', pos);
    if (e == std::string_view::npos) e = a.tags.size();
    if (!first) j += ",";
    search::append_json_string(j, a.tags.substr(pos, e - pos));
    first = false;
    pos = e + 1;
  }
  j += "],\"blocks\":[";
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const auto& b = (*blocks)[i];
    if (i) j += ",";
    j += "{\"type\":\"";
    j += kBlockTypes[int(b.type)];
    j += "\",\"level\":" + std::to_string(b.level);
    if (b.type == kb::BlockType::list_item) {
      j += std::string(",\"ordered\":") + (b.ordered ? "true" : "false") + ",\"number\":" + std::to_string(b.number);
    }
    j += ",\"spans\":[";
    for (std::size_t k = 0; k < b.spans.size(); ++k) {
      const auto& s = b.spans[k];
      if (k) j += ",";
      j += "{\"type\":\"";
      j += kSpanTypes[int(s.type)];
      j += "\",\"text\":";
      search::append_json_string(j, s.text);
      if (s.type == kb::SpanType::link) {
        j += ",\"href\":";
        search::append_json_string(j, s.href);
      }
      j += "}";
    }
    j += "]}";
  }
  j += "]}";
  return j.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* lantern_core_info(int handle) {
  Open* o = get(handle);
  if (!o) return error_json({ErrorCode::invalid_argument, "bundle is closed"});
  g_out = std::string(o->bundle.metadata_json());
  if (g_out.empty()) g_out = "{}";
  return g_out.c_str();
}

// Returns the bundle's byte buffer so the caller can free it.
EMSCRIPTEN_KEEPALIVE std::uint8_t* lantern_core_close(int handle) {
  Open* o = get(handle);
  if (!o) return nullptr;
  std::uint8_t* bytes = o->bytes;
  g_open[handle - 1].reset();
  return bytes;
}

}  // extern "C"
