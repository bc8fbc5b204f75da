// Shared by the widget's unit tests: a bundle built from the shipped content, forms and UI strings
// (once per process), a fake platform whose network answers only when the test says so, and a
// headless Dear ImGui context (no GPU: frames are built, never rendered).
#pragma once
#include <deque>
#include <memory>
#include <string>

#include "app.h"
#include "builder.h"
#include "imgui.h"
#include "lantern/signing.h"

namespace lantern::widget::testing {

inline const std::string& shipped_bundle() {
  static std::string bytes = [] {
    kbtool::BundleBuilder b;
    const std::string src = LANTERN_SOURCE_DIR;
    (void)b.add_input(src + "/kb-bundle/content");
    (void)b.add_forms(src + "/kb-bundle/forms");
    (void)b.add_strings(src + "/kb-bundle/strings");
    auto out = b.build(1700000000);
    std::string s = out ? *out : std::string();
    (void)kb::seal_bundle(s, "");
    return s;
  }();
  return bytes;
}

class FakeClock final : public Clock {
 public:
  std::int64_t now = 1'764'380'000'000;  // 2025-11-29
  std::int64_t now_ms() override { return now; }
};
class FakeRandom final : public Random {
 public:
  std::uint8_t next = 1;
  Status fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = next++;
    return ok_status();
  }
};

struct Sent {
  HttpRequest request;
  std::function<void(HttpResponse)> done;
};

class FakePlatform final : public Platform {
 public:
  std::unique_ptr<Storage> store = make_memory_storage();
  FakeClock clk;
  FakeRandom rnd;
  std::deque<Sent> sent;
  std::vector<std::string> host;
  std::function<void(PickedImage)> picker;
  Storage& storage() override { return *store; }
  Clock& clock() override { return clk; }
  Random& random() override { return rnd; }
  void http(HttpRequest r, std::function<void(HttpResponse)> done) override { sent.push_back({std::move(r), std::move(done)}); }
  void pick_image(std::function<void(PickedImage)> done) override { picker = std::move(done); }
  void encode_image(std::uint32_t, std::uint32_t, std::vector<std::uint8_t> rgba, std::function<void(EncodedImage)> done) override {
    EncodedImage e;
    e.bytes.assign(rgba.begin(), rgba.begin() + 16);
    e.type = "image/webp";
    done(std::move(e));
  }
  void open_url(const std::string&) override {}
  void post_to_host(const std::string& json) override { host.push_back(json); }
  // Answers the oldest request.
  void answer(int status, std::string body = "") {
    Sent s = std::move(sent.front());
    sent.pop_front();
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    if (!status) r.error = "offline";
    s.done(std::move(r));
  }
};

// A headless ImGui context bound to one App; frame() builds a frame and its accessibility tree.
class Headless {
 public:
  explicit Headless(App& app) : app_(app) {
    ctx_ = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(420, 2000);
    io.Fonts->AddFontDefault();
    unsigned char* px;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    install_hooks(&app.a11y());
  }
  ~Headless() { ImGui::DestroyContext(ctx_); }
  const A11yTree& frame() {
    ImGui::SetCurrentContext(ctx_);
    ImGui::GetIO().DeltaTime = 1.f / 60.f;
    ImGui::NewFrame();
    app_.frame(0, 420, 2000);
    ImGui::Render();
    return app_.a11y();
  }
  // Frames until the tree settles (the mirror's actions land on the next frame).
  const A11yTree& frames(int n) {
    for (int i = 0; i < n - 1; ++i) frame();
    return frame();
  }

 private:
  App& app_;
  ImGuiContext* ctx_;
};

}  // namespace lantern::widget::testing
