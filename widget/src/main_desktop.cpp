// lantern-help: the widget as an offline help browser on the desktop (GLFW + OpenGL 3). Browses and
// searches a bundle with no network; tickets are checked, built and queued in a file outbox
// (make_file_storage) to be sent later by a client that has a transport.
//
// Test options: --frames N renders N frames and exits; --screenshot FILE writes the last frame as
// a binary PPM; --a11y FILE writes the accessibility tree JSON; --query and --article drive it.
#include <GLFW/glfw3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "app.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "lantern/media.h"

using namespace lantern;
using namespace lantern::widget;

namespace {

const char* kUsage =
    "usage: lantern-help BUNDLE [--public-key PEM] [--lang zh-CN|en] [--data DIR] [--font TTF]\n"
    "                   [--query TEXT] [--article ID] [--screen contact|tickets] [--form ID] [--size WxH]\n"
    "                   [--frames N] [--screenshot FILE.ppm] [--a11y FILE.json]\n";

bool slurp(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

PickedImage load_image(const std::string& path) {
  PickedImage out;
  std::string bytes;
  if (!slurp(path, bytes)) {
    out.error = path + ": cannot be read";
    return out;
  }
  auto px = media::decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!px) {
    out.error = px.error().message;
    return out;
  }
  auto small = media::downscale(std::move(*px), 2000);
  out.width = small.width;
  out.height = small.height;
  out.rgba = std::move(small.rgba);
  return out;
}

class DesktopPlatform final : public Platform {
 public:
  DesktopPlatform(std::unique_ptr<Storage> storage)
      : storage_(std::move(storage)), clock_(make_system_clock()), random_(make_system_random()) {}
  Storage& storage() override { return *storage_; }
  Clock& clock() override { return *clock_; }
  Random& random() override { return *random_; }
  // No transport in the desktop app (yet): every request fails as if offline, so tickets stay in
  // the outbox with their idempotency keys until a client with a transport sends them.
  void http(widget::HttpRequest, std::function<void(widget::HttpResponse)> done) override {
    widget::HttpResponse r;
    r.error = "lantern-help works offline; tickets wait in the outbox";
    done(std::move(r));
  }
  void pick_image(std::function<void(PickedImage)> done) override { pick_ = std::move(done); picking_ = true; }
  void drop(const std::string& path) {
    if (pick_) pick_(load_image(path));
  }
  bool picking() const { return picking_; }
  void encode_image(std::uint32_t w, std::uint32_t h, std::vector<std::uint8_t> rgba, std::function<void(EncodedImage)> done) override {
    media::Pixels px{w, h, std::move(rgba)};
    media::Encoding enc;
    auto bytes = media::encode(px, enc);
    EncodedImage out;
    if (bytes) out.bytes.assign(bytes->begin(), bytes->end()), out.type = "image/webp";
    else out.error = bytes.error().message;
    done(std::move(out));
  }
  void open_url(const std::string& url) override {
    std::string cmd = "xdg-open '" + url + "' >/dev/null 2>&1 &";
    if (url.find('\'') == std::string::npos) (void)std::system(cmd.c_str());
  }
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

 private:
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Random> random_;
  std::function<void(PickedImage)> pick_;
  bool picking_ = false;
};

DesktopPlatform* g_platform = nullptr;

void on_drop(GLFWwindow*, int count, const char** paths) {
  if (g_platform && count > 0) g_platform->drop(paths[0]);
}

bool write_ppm(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(std::size_t(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  std::ofstream out(path, std::ios::binary);
  if (!out) return false;
  out << "P6\n" << w << " " << h << "\n255\n";
  for (int y = h - 1; y >= 0; --y) out.write(reinterpret_cast<const char*>(&px[std::size_t(y) * w * 3]), w * 3);
  return bool(out);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bundle_path, key_path, lang, data_dir, font = LANTERN_UI_FONT, query, article, screen, form, screenshot, a11y_out;
  int frames = 0, width = 900, height = 700;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](std::string& v) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lantern-help: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      v = argv[++i];
    };
    std::string n;
    if (a == "--public-key") next(key_path);
    else if (a == "--lang") next(lang);
    else if (a == "--data") next(data_dir);
    else if (a == "--font") next(font);
    else if (a == "--query") next(query);
    else if (a == "--article") next(article);
    else if (a == "--screen") next(screen);
    else if (a == "--form") next(form);
    else if (a == "--screenshot") next(screenshot);
    else if (a == "--a11y") next(a11y_out);
    else if (a == "--frames") next(n), frames = std::atoi(n.c_str());
    else if (a == "--size") next(n), std::sscanf(n.c_str(), "%dx%d", &width, &height);
    else if (a == "--help" || a == "-h") return std::printf("%s", kUsage), 0;
    else if (a.rfind("--", 0) == 0) return std::fprintf(stderr, "lantern-help: unknown option %s\n%s", a.c_str(), kUsage), 2;
    else bundle_path = a;
  }
  if (bundle_path.empty()) return std::fprintf(stderr, "%s", kUsage), 2;
  if (data_dir.empty()) {
    const char* xdg = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    data_dir = xdg && *xdg ? std::string(xdg) + "/lantern-help" : std::string(home ? home : ".") + "/.local/share/lantern-help";
  }
  std::string mk = "mkdir -p '" + data_dir + "'";
  if (data_dir.find('\'') == std::string::npos) (void)std::system(mk.c_str());
  auto storage = make_file_storage(data_dir);
  if (!storage) return std::fprintf(stderr, "lantern-help: %s\n", storage.error().message.c_str()), 1;
  std::string bytes, pem;
  if (!slurp(bundle_path, bytes)) return std::fprintf(stderr, "lantern-help: %s: cannot be read\n", bundle_path.c_str()), 1;
  if (!key_path.empty() && !slurp(key_path, pem)) return std::fprintf(stderr, "lantern-help: %s: cannot be read\n", key_path.c_str()), 1;

  DesktopPlatform platform(std::move(*storage));
  g_platform = &platform;
  Config cfg;
  cfg.web = false;
  cfg.client_name = "lantern-help";
  if (lang.empty()) {
    const char* l = std::getenv("LANG");
    lang = l && std::strncmp(l, "zh", 2) == 0 ? "zh-CN" : "en";
  }
  cfg.language = lang;
  App app(platform, cfg);
  if (auto st = app.open_bundle(std::move(bytes), pem); !st) {
    std::fprintf(stderr, "lantern-help: %s: %s\n", bundle_path.c_str(), st.error().message.c_str());
    app.show_error(st.error().message);
  }

  if (!glfwInit()) return std::fprintf(stderr, "lantern-help: cannot open a window (no display?)\n"), 1;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window = glfwCreateWindow(width, height, "Lantern Help", nullptr, nullptr);
  if (!window) return std::fprintf(stderr, "lantern-help: cannot create an OpenGL 3 window\n"), 1;
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  glfwSetDropCallback(window, on_drop);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.ConfigInputTextCursorBlink = false;  // a blinking caret would need frames while idle
  float xs = 1, ys = 1;
  glfwGetWindowContentScale(window, &xs, &ys);
  ImFontConfig fc;
  fc.OversampleH = fc.OversampleV = 1;
  fc.PixelSnapH = true;
  if (!io.Fonts->AddFontFromFileTTF(font.c_str(), 17.f * xs, &fc, io.Fonts->GetGlyphRangesChineseFull())) {
    std::fprintf(stderr, "lantern-help: %s: cannot load the font; using ImGui's (no Chinese)\n", font.c_str());
    io.Fonts->AddFontDefault();
  }
  io.FontGlobalScale = 1.f / xs;
  install_hooks(&app.a11y());
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  if (!query.empty()) app.set_query(query);
  if (!article.empty() && !app.open_article(article)) std::fprintf(stderr, "lantern-help: no article '%s'\n", article.c_str());
  if (screen == "contact") app.start_contact();
  if (screen == "tickets") app.go(Screen::tickets);
  if (!form.empty() && !app.choose_form(form)) std::fprintf(stderr, "lantern-help: no form '%s'\n", form.c_str());

  int drawn = 0;
  while (!glfwWindowShouldClose(window)) {
    // Idle is idle: sleep until input, or until the outbox's next attempt.
    if (frames == 0 && app.frames_wanted <= 0) {
      auto t = app.next_timer_ms();
      double wait = 60.0;
      if (t) wait = std::max(0.0, double(*t - platform.clock().now_ms()) / 1000.0);
      glfwWaitEventsTimeout(wait);
      app.want_frames(2);  // an event: this frame and one to settle the layout
      if (t && platform.clock().now_ms() >= *t) app.pump();
    } else {
      glfwPollEvents();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    int w, h;
    glfwGetWindowSize(window, &w, &h);
    app.frame(0, float(w), float(h));
    ImGui::Render();
    int fw, fh;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    bool dark = app.theme == "dark";
    glClearColor(dark ? 0.11f : 1.f, dark ? 0.12f : 1.f, dark ? 0.14f : 1.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    --app.frames_wanted;
    ++drawn;
    if (frames > 0 && drawn >= frames) {
      if (!screenshot.empty() && !write_ppm(screenshot, fw, fh)) std::fprintf(stderr, "lantern-help: cannot write %s\n", screenshot.c_str());
      if (!a11y_out.empty()) {
        std::ofstream out(a11y_out);
        out << app.a11y().to_json();
      }
      break;
    }
    glfwSwapBuffers(window);
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
