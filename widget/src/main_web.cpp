// lantern-widget: the widget in the browser (WebAssembly + WebGL2). No GLFW: the page
// (web/widget/bridge.js) owns the events and calls the lw_* exports below, so frames are drawn
// only when something happened (idle is idle) and the accessibility mirror, not the canvas, takes
// keyboard and text input. C++ reaches the page through the EM_JS functions (Module.lw.*).
//
// Threading: the browser's main thread only. Strings passed in are copied before returning.
#include <emscripten/emscripten.h>
#include <emscripten/html5.h>
#include <GLES3/gl3.h>

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app.h"
#include "imgui.h"
#include "imgui_impl_opengl3.h"
#include "imgui_internal.h"  // ImTextCharFromUtf8

using namespace lantern;
using namespace lantern::widget;

// [SECTION] The page's side (web/widget/bridge.js provides Module.lw)

EM_JS(char*, lwjs_storage_get, (const char* key), {
  var v = Module["lw"]["storageGet"](UTF8ToString(key));
  if (v === null || v === undefined) return 0;
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});
EM_JS(int, lwjs_storage_put, (const char* key, const char* value), {
  return Module["lw"]["storagePut"](UTF8ToString(key), UTF8ToString(value)) ? 1 : 0;
});
EM_JS(void, lwjs_storage_remove, (const char* key), { Module["lw"]["storageRemove"](UTF8ToString(key)); });
EM_JS(char*, lwjs_storage_keys, (const char* prefix), {
  var v = JSON.stringify(Module["lw"]["storageKeys"](UTF8ToString(prefix)));
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});
EM_JS(double, lwjs_now, (), { return Date.now(); });
EM_JS(void, lwjs_random, (std::uint8_t* out, int n), { crypto.getRandomValues(HEAPU8.subarray(out, out + n)); });
EM_JS(void, lwjs_http, (int id, const char* method, const char* url, const char* headers, const std::uint8_t* body, int len), {
  Module["lw"]["http"](id, UTF8ToString(method), UTF8ToString(url), JSON.parse(UTF8ToString(headers)), HEAPU8.slice(body, body + len));
});
EM_JS(void, lwjs_encode_image, (int id, int w, int h, const std::uint8_t* rgba), {
  Module["lw"]["encodeImage"](id, w, h, HEAPU8.slice(rgba, rgba + w * h * 4));
});
EM_JS(void, lwjs_open_url, (const char* url), { Module["lw"]["openUrl"](UTF8ToString(url)); });
EM_JS(void, lwjs_post_host, (const char* json), { Module["lw"]["postToHost"](UTF8ToString(json)); });
EM_JS(void, lwjs_wake, (), { Module["lw"]["wake"](); });
EM_JS(void, lwjs_publish_a11y, (const char* json), { Module["lw"]["publishA11y"](UTF8ToString(json)); });
// Start-up timing marks (performance.mark), read by tests/bench/widget/run.mjs.
EM_JS(void, lwjs_mark, (const char* name), { performance.mark(UTF8ToString(name)); });

namespace {

class WebStorage final : public Storage {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    char* v = lwjs_storage_get(std::string(key).c_str());
    if (!v) return std::optional<std::string>();
    std::string s(v);
    std::free(v);
    return std::optional<std::string>(std::move(s));
  }
  Status put(std::string_view key, std::string_view value) override {
    if (!lwjs_storage_put(std::string(key).c_str(), std::string(value).c_str())) {
      return make_error(ErrorCode::io_error, "the browser refused to store data (storage full or disabled)");
    }
    return ok_status();
  }
  Status remove(std::string_view key) override {
    lwjs_storage_remove(std::string(key).c_str());
    return ok_status();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix) override {
    char* v = lwjs_storage_keys(std::string(prefix).c_str());
    auto j = nlohmann::json::parse(v, nullptr, false);
    std::free(v);
    std::vector<std::string> out;
    if (j.is_array()) {
      for (const auto& k : j) {
        if (k.is_string()) out.push_back(k.get<std::string>());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};
class WebClock final : public Clock {
 public:
  std::int64_t now_ms() override { return std::int64_t(lwjs_now()); }
};
class WebRandom final : public Random {
 public:
  Status fill(std::uint8_t* out, std::size_t n) override {
    lwjs_random(out, int(n));
    return ok_status();
  }
};

class WebPlatform final : public Platform {
 public:
  Storage& storage() override { return storage_; }
  Clock& clock() override { return clock_; }
  Random& random() override { return random_; }
  void http(widget::HttpRequest req, std::function<void(widget::HttpResponse)> done) override {
    int id = next_id_++;
    http_[id] = std::move(done);
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [k, v] : req.headers) h[k] = v;
    lwjs_http(id, req.method.c_str(), req.url.c_str(), h.dump().c_str(), reinterpret_cast<const std::uint8_t*>(req.body.data()), int(req.body.size()));
  }
  void pick_image(std::function<void(PickedImage)> done) override { pick_ = std::move(done); }
  void encode_image(std::uint32_t w, std::uint32_t h, std::vector<std::uint8_t> rgba, std::function<void(EncodedImage)> done) override {
    int id = next_id_++;
    encode_[id] = std::move(done);
    lwjs_encode_image(id, int(w), int(h), rgba.data());
  }
  void open_url(const std::string& url) override { lwjs_open_url(url.c_str()); }
  void post_to_host(const std::string& json) override { lwjs_post_host(json.c_str()); }
  void wake() override { lwjs_wake(); }
  std::uintptr_t make_texture(std::uint32_t w, std::uint32_t h, const std::uint8_t* rgba) override {
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, GLsizei(w), GLsizei(h), 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    return tex;
  }
  void free_texture(std::uintptr_t t) override {
    GLuint tex = GLuint(t);
    glDeleteTextures(1, &tex);
  }

  void http_done(int id, widget::HttpResponse r) {
    auto it = http_.find(id);
    if (it == http_.end()) return;
    auto done = std::move(it->second);
    http_.erase(it);
    done(std::move(r));
  }
  void encoded(int id, EncodedImage img) {
    auto it = encode_.find(id);
    if (it == encode_.end()) return;
    auto done = std::move(it->second);
    encode_.erase(it);
    done(std::move(img));
  }
  // A picked or pasted image: to the picker that asked, else (a paste) to the form's first
  // screenshots field.
  void image(PickedImage img, App& app) {
    if (pick_) {
      auto done = std::move(pick_);
      pick_ = nullptr;
      done(std::move(img));
      return;
    }
    if (app.screen() == Screen::form && app.form()) {
      for (const auto& f : app.form()->fields) {
        if (f.type == forms::FieldType::attachments && app.visible(f)) {
          app.add_image(f.id, std::move(img));
          return;
        }
      }
    }
  }

 private:
  WebStorage storage_;
  WebClock clock_;
  WebRandom random_;
  int next_id_ = 1;
  std::map<int, std::function<void(widget::HttpResponse)>> http_;
  std::map<int, std::function<void(EncodedImage)>> encode_;
  std::function<void(PickedImage)> pick_;
};

struct MouseEvent {
  float x, y;
  int buttons;
};

// The glyphs in the font atlas. Rasterising all ~2,700 glyphs of ui.ttf is the largest single
// step of a cold start, so the atlas grows in stages: Latin and punctuation for the GPU warm-up
// (lw_warm_up) and the loading screen; then also every character of the bundle's UI strings, article titles
// and category names (all that Home can show with an empty search box, in every language), for
// the first frame; then the whole font, on the frame after the first Home frame, and before any
// frame that may show other text (see needs_full_atlas). No frame ever draws a character of the
// bundle or the UI as '?'.
enum class Atlas { none, basic, first_screen, full };

struct Widget {
  WebPlatform platform;
  std::unique_ptr<App> app;
  std::vector<unsigned char> font;
  float font_dpr = 0;
  Atlas atlas = Atlas::none;
  Atlas atlas_wanted = Atlas::basic;
  ImVector<ImWchar> ranges;  // the atlas keeps a pointer to its ranges
  bool home_drawn = false;   // a frame of Home (or of the error screen) was drawn
  bool input_seen = false;   // the user acted (mirror, Escape, image): text may change this frame
  double last_ms = 0;
  std::string last_tree;
  std::deque<MouseEvent> mouse;  // ImGui 1.86 has no input queue: one button change per frame
  float wheel = 0;
  bool gl_ready = false;  // ImGui's device objects (shaders, atlas texture) exist
};
Widget* g = nullptr;

// Every string value of a JSON document (the UI strings), into the glyph builder.
void add_json_text(ImFontGlyphRangesBuilder& b, const nlohmann::json& j) {
  if (j.is_string()) {
    b.AddText(j.get_ref<const std::string&>().c_str());
  } else if (j.is_object() || j.is_array()) {
    for (const auto& v : j) add_json_text(b, v);
  }
}

// The glyph ranges of an atlas stage, into g->ranges.
void glyph_ranges(Atlas stage) {
  // Everything ui.ttf has below the CJK ideographs (Latin, punctuation, symbols, CJK punctuation)
  // and the full-width forms: a few hundred glyphs. stb_truetype skips what the font lacks.
  static const ImWchar basic[] = {0x0020, 0x33FF, 0xFF00, 0xFFEF, 0};
  ImFontGlyphRangesBuilder b;
  b.AddRanges(basic);
  if (stage == Atlas::first_screen && g->app->screen() != Screen::loading && g->app->screen() != Screen::error) {
    const kb::Bundle& bundle = g->app->bundle();
    auto uist = bundle.section_json(kb::tag("UIST"));
    add_json_text(b, nlohmann::json::parse(uist.begin(), uist.end(), nullptr, false));
    for (std::uint32_t i = 0; i < bundle.article_count(); ++i) {
      auto a = bundle.article(i);
      b.AddText(a.title.data(), a.title.data() + a.title.size());
      b.AddText(a.category.data(), a.category.data() + a.category.size());
    }
  }
  g->ranges.clear();
  if (stage == Atlas::full) {
    for (const ImWchar* r = ImGui::GetIO().Fonts->GetGlyphRangesChineseFull(); *r; ++r) g->ranges.push_back(*r);
    g->ranges.push_back(0);
  } else {
    b.BuildRanges(&g->ranges);
  }
}

// Frames that may show text beyond Home's (another screen, search results with snippets, an error
// message, anything after user input) need the whole font.
bool needs_full_atlas() {
  if (g->home_drawn || g->input_seen) return true;
  Screen s = g->app->screen();
  return !(s == Screen::loading || (s == Screen::home && g->app->query().empty()));
}

void build_fonts(float dpr, Atlas stage) {
  ImGuiIO& io = ImGui::GetIO();
  if (g->gl_ready) ImGui_ImplOpenGL3_DestroyFontsTexture();
  io.Fonts->Clear();
  ImFontConfig fc;
  fc.OversampleH = fc.OversampleV = 1;
  fc.PixelSnapH = true;
  fc.FontDataOwnedByAtlas = false;  // g->font keeps the bytes
  glyph_ranges(stage);
  g->atlas = stage;
  if (g->font.empty() || !io.Fonts->AddFontFromMemoryTTF(g->font.data(), int(g->font.size()), 16.f * dpr, &fc, g->ranges.Data)) {
    ImFontConfig def;
    def.SizePixels = 13.f * dpr;
    io.Fonts->AddFontDefault(&def);
  }
  // Glyphs are rasterised at device pixels and drawn at CSS pixels: sharp at any devicePixelRatio.
  io.FontGlobalScale = 1.f / dpr;
  g->font_dpr = dpr;
  if (g->gl_ready) ImGui_ImplOpenGL3_CreateFontsTexture();
}

// Builds the atlas this frame needs (a larger stage, or the same stage at a new pixel ratio).
void ensure_fonts(float dpr) {
  if (g->app->screen() != Screen::loading && g->atlas_wanted < Atlas::first_screen) g->atlas_wanted = Atlas::first_screen;
  if (g->atlas_wanted < Atlas::full && needs_full_atlas()) g->atlas_wanted = Atlas::full;
  if (g->font.empty()) g->atlas_wanted = Atlas::full;  // ImGui's default font: one small stage
  if (dpr == g->font_dpr && g->atlas >= g->atlas_wanted) return;
  static const char* const start[] = {"", "lw:atlas-basic-start", "lw:atlas-first-start", "lw:atlas-full-start"};
  static const char* const end[] = {"", "lw:atlas-basic-end", "lw:atlas-first-end", "lw:atlas-full-end"};
  Atlas stage = std::max(g->atlas, g->atlas_wanted);
  lwjs_mark(start[int(stage)]);
  build_fonts(dpr, stage);
  lwjs_mark(end[int(stage)]);
}

// Clears to the theme's background and draws ImGui's render data.
void present(float w, float h, float dpr) {
  glViewport(0, 0, int(w * dpr), int(h * dpr));
  bool dark = g->app->theme == "dark";
  glClearColor(dark ? 0.11f : 1.f, dark ? 0.12f : 1.f, dark ? 0.14f : 1.f, 1.f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// One ImGui frame of the app, rendered.
void draw(float w, float h, float dpr, float scroll_y) {
  ImGui_ImplOpenGL3_NewFrame();  // the first call compiles the shaders and uploads the atlas
  g->gl_ready = true;
  ImGui::NewFrame();
  g->app->frame(scroll_y, w, h);
  ImGui::Render();
  present(w, h, dpr);
}

// Whether the atlas has every non-ASCII character of this UTF-8 text. (A character that ui.ttf
// lacks altogether also says no: the whole font is loaded once, and it is drawn as '?' as before.)
bool glyphs_present(const std::string& text) {
  ImFont* font = ImGui::GetIO().Fonts->Fonts.empty() ? nullptr : ImGui::GetIO().Fonts->Fonts[0];
  if (!font) return true;
  const char* p = text.c_str();
  const char* end = p + text.size();
  while (p < end) {
    unsigned int c = 0;
    int n = ImTextCharFromUtf8(&c, p, end);
    if (n <= 0) break;
    p += n;
    if (c < 0x80 || c > IM_UNICODE_CODEPOINT_MAX) continue;
    if (!font->FindGlyphNoFallback(ImWchar(c))) return false;
  }
  return true;
}

}  // namespace

// [SECTION] Exports (called by web/widget/bridge.js)
extern "C" {

// config: {"relay","lang","accent","theme"}. Creates the GL context on #canvas.
EMSCRIPTEN_KEEPALIVE int lw_start(const char* config_json) {
  if (g) return 0;
  g = new Widget();
  auto c = nlohmann::json::parse(config_json ? config_json : "", nullptr, false);
  Config cfg;
  auto s = [&](const char* k) { return c.is_object() && c.contains(k) && c[k].is_string() ? c[k].get<std::string>() : std::string(); };
  cfg.relay = s("relay");
  while (!cfg.relay.empty() && cfg.relay.back() == '/') cfg.relay.pop_back();
  cfg.language = s("lang");
  cfg.web = true;
  g->app = std::make_unique<App>(g->platform, cfg);
  if (!s("accent").empty()) g->app->accent = s("accent");
  if (!s("theme").empty()) g->app->theme = s("theme");

  EmscriptenWebGLContextAttributes attr;
  emscripten_webgl_init_context_attributes(&attr);
  attr.majorVersion = 2;
  attr.minorVersion = 0;
  attr.alpha = false;
  attr.antialias = false;
  attr.depth = false;
  attr.stencil = false;
  attr.preserveDrawingBuffer = true;  // the canvas keeps the last frame while nothing is drawn
  EMSCRIPTEN_WEBGL_CONTEXT_HANDLE ctx = emscripten_webgl_create_context("#canvas", &attr);
  if (ctx <= 0) return -1;
  emscripten_webgl_make_context_current(ctx);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.ConfigInputTextCursorBlink = false;  // a blinking caret would need frames while idle
  // Copy, paste and IME happen in the mirror's real <input>/<textarea> (bridge.js), so ImGui needs
  // no clipboard or key events of its own on the web.
  install_hooks(&g->app->a11y());
  ImGui_ImplOpenGL3_Init("#version 300 es");
  return 1;
}

// The UI font (a TTF); copied.
EMSCRIPTEN_KEEPALIVE void lw_load_font(const std::uint8_t* data, int size) {
  if (!g) return;
  g->font.assign(data, data + size);
  g->font_dpr = 0;  // rebuilt on the next frame
}

// Starts the GPU's share of the first frame early: compiles ImGui's shaders, uploads a small atlas
// (Latin and punctuation) and draws one frame of nothing but the background colour with one
// transparent triangle, so the GPU process compiles its pipeline while the main thread verifies
// and opens the bundle. Call after lw_start and lw_load_font; w, h in CSS pixels.
EMSCRIPTEN_KEEPALIVE void lw_warm_up(float w, float h, float dpr) {
  if (!g) return;
  if (dpr <= 0) dpr = 1;
  lwjs_mark("lw:warm-up-start");
  ensure_fonts(dpr);
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(w, h);
  io.DisplayFramebufferScale = ImVec2(dpr, dpr);
  io.DeltaTime = 1.f / 60.f;
  ImGui_ImplOpenGL3_NewFrame();  // compiles the shaders, uploads the atlas
  g->gl_ready = true;
  ImGui::NewFrame();
  ImGui::GetBackgroundDrawList()->AddTriangleFilled(ImVec2(0, 0), ImVec2(1, 0), ImVec2(0, 1), IM_COL32(0, 0, 0, 0));
  ImGui::Render();
  present(w, h, dpr);
  glFlush();  // hand the work to the GPU process now, not at the end of the task
  lwjs_mark("lw:warm-up-end");
}

// Verifies and opens the bundle (copied). Returns "" or the error message (valid until the next call).
// checked: bridge.js has verified the signature with WebCrypto against this same pinned key; on
// any doubt it passes 0 and the core's own verifier decides and names the problem.
EMSCRIPTEN_KEEPALIVE const char* lw_open_bundle(const std::uint8_t* data, int size, const char* pem, int checked) {
  static std::string err;
  err.clear();
  if (!g) return "not started";
  lwjs_mark("lw:bundle-open-start");
  std::string bytes(reinterpret_cast<const char*>(data), std::size_t(size));
  auto st = checked ? g->app->open_checked_bundle(std::move(bytes)) : g->app->open_bundle(std::move(bytes), pem ? pem : "");
  if (!st) {
    err = st.error().message;
    g->app->show_error(err);
  }
  // Tickets left from an earlier visit are sent once the first frame is up (bridge.js calls
  // lw_pump after 'ready'), not before it.
  lwjs_mark("lw:bundle-open-end");
  return err.c_str();
}

// The IME's composition as it changes ("" when it ends); bridge.js then draws a frame.
EMSCRIPTEN_KEEPALIVE void lw_preedit(const char* text) {
  if (g) g->app->preedit = text ? text : "";
}

EMSCRIPTEN_KEEPALIVE void lw_show_error(const char* message) {
  if (g) g->app->show_error(message ? message : "");
}

// Draws one frame. w, h: CSS pixels; scroll_y: the page's scroll. Returns how many more frames
// the widget wants (0: idle until the next event, timer or data).
EMSCRIPTEN_KEEPALIVE int lw_frame(float w, float h, float dpr, float scroll_y) {
  if (!g) return 0;
  ImGuiIO& io = ImGui::GetIO();
  if (dpr <= 0) dpr = 1;
  ensure_fonts(dpr);
  io.DisplaySize = ImVec2(w, h);
  io.DisplayFramebufferScale = ImVec2(dpr, dpr);
  double now = lwjs_now();
  io.DeltaTime = g->last_ms > 0 ? float(std::max(0.001, (now - g->last_ms) / 1000.0)) : 1.f / 60.f;
  if (io.DeltaTime > 1.f) io.DeltaTime = 1.f / 60.f;  // after an idle pause
  g->last_ms = now;
  // Mouse: moves until the next button change; a change waits for the next frame.
  while (!g->mouse.empty()) {
    MouseEvent e = g->mouse.front();
    bool changes = (e.buttons & 1) != int(io.MouseDown[0]);
    io.MousePos = ImVec2(e.x, e.y);
    g->mouse.pop_front();
    if (changes) {
      io.MouseDown[0] = (e.buttons & 1) != 0;
      break;
    }
  }
  io.MouseWheel = g->wheel;
  g->wheel = 0;

  draw(w, h, dpr, scroll_y);
  std::string tree = g->app->a11y().to_json();
  // Safety net for the staged atlas: text the partial atlas lacks (which ImGui would draw as '?')
  // gets the whole font and the frame drawn again, before anyone sees it.
  if (g->atlas < Atlas::full && !glyphs_present(tree)) {
    std::printf("lantern: text outside the first-screen glyphs; loading the whole font now\n");
    g->atlas_wanted = Atlas::full;
    ensure_fonts(dpr);
    draw(w, h, dpr, scroll_y);
    tree = g->app->a11y().to_json();
  }
  if (tree != g->last_tree) {
    g->last_tree = std::move(tree);
    lwjs_publish_a11y(g->last_tree.c_str());
    g->app->want_frames(1);  // the layout may still settle
  }
  if (g->app->screen() != Screen::loading) g->home_drawn = true;  // the next frame gets the whole font
  if (g->app->frames_wanted > 0) --g->app->frames_wanted;
  return std::max(g->app->frames_wanted, g->mouse.empty() ? 0 : 1);
}

// Milliseconds until the outbox wants to run again, or -1.
EMSCRIPTEN_KEEPALIVE double lw_next_timer() {
  if (!g) return -1;
  auto t = g->app->next_timer_ms();
  if (!t) return -1;
  return std::max<double>(0, double(*t) - lwjs_now());
}
EMSCRIPTEN_KEEPALIVE void lw_pump() {
  if (g) g->app->pump();
}
EMSCRIPTEN_KEEPALIVE void lw_online() {
  if (g) g->app->on_online();
}

EMSCRIPTEN_KEEPALIVE void lw_mouse(float x, float y, int buttons) {
  if (!g) return;
  if (!g->mouse.empty() && (g->mouse.back().buttons == buttons)) g->mouse.back() = {x, y, buttons};
  else g->mouse.push_back({x, y, buttons});
}
EMSCRIPTEN_KEEPALIVE void lw_wheel(float dy) {
  if (g) g->wheel += dy;
}

// The accessibility mirror: kind 0 activate, 1 focus, 2 blur, 3 set value (+ selection, UTF-8 bytes).
EMSCRIPTEN_KEEPALIVE void lw_a11y(unsigned id, int kind, const char* value, int sel_start, int sel_end) {
  if (!g || kind < 0 || kind > 3) return;
  A11yAction a;
  a.id = id;
  a.kind = static_cast<A11yAction::Kind>(kind);
  a.value = value ? value : "";
  a.sel_start = sel_start;
  a.sel_end = sel_end;
  g->app->act(std::move(a));
  g->input_seen = true;
  g->app->want_frames(2);
}
EMSCRIPTEN_KEEPALIVE void lw_escape() {
  if (!g) return;
  g->input_seen = true;
  g->app->back();
}

EMSCRIPTEN_KEEPALIVE void lw_host_message(const char* json) {
  if (g) g->app->on_host_message(json ? json : "");
}

EMSCRIPTEN_KEEPALIVE void lw_http_done(int id, int status, const std::uint8_t* body, int len, const char* error, double retry_after_ms) {
  if (!g) return;
  widget::HttpResponse r;
  r.status = status;
  r.body.assign(reinterpret_cast<const char*>(body), std::size_t(len));
  r.error = error ? error : "";
  r.retry_after_ms = std::int64_t(retry_after_ms);
  g->platform.http_done(id, std::move(r));
}

// A decoded image (RGBA, already upright and shrunk by the page) or an error for the user.
EMSCRIPTEN_KEEPALIVE void lw_image(int w, int h, const std::uint8_t* rgba, const char* error) {
  if (!g) return;
  PickedImage img;
  if (error && *error) {
    img.error = error;
  } else {
    img.width = std::uint32_t(w);
    img.height = std::uint32_t(h);
    img.rgba.assign(rgba, rgba + std::size_t(w) * std::size_t(h) * 4);
  }
  g->input_seen = true;
  g->platform.image(std::move(img), *g->app);
  g->app->want_frames(3);
}

EMSCRIPTEN_KEEPALIVE void lw_encoded(int id, const std::uint8_t* bytes, int len, const char* type, const char* error) {
  if (!g) return;
  EncodedImage img;
  img.bytes.assign(reinterpret_cast<const char*>(bytes), std::size_t(len));
  img.type = type ? type : "";
  img.error = error ? error : "";
  g->platform.encoded(id, std::move(img));
}

// For tests and the host page: which screen is showing.
EMSCRIPTEN_KEEPALIVE int lw_screen() { return g ? int(g->app->screen()) : -1; }

}  // extern "C"

int main() { return 0; }
