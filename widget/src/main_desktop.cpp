// lantern-help: the widget as a help browser on the desktop (GLFW + OpenGL 3). Browses and
// searches a bundle with no network; tickets are checked, built and queued in a file outbox
// (make_file_storage). With --relay it also sends them: the App's outbox hands out due tickets,
// a worker thread carries each exchange through the sdk's native transport (mbedTLS, hostname
// check, optional pins) and the answers come back to the UI thread, which runs App's callbacks.
// Without --relay every request fails at once as offline, and tickets wait in the outbox.
//
// Test options: --frames N renders N frames and exits (waiting, bounded, for every exchange in
// flight before each frame, so a run is deterministic); --screenshot FILE writes the last frame as
// a binary PPM; --a11y FILE writes the accessibility tree JSON; --query, --article, --screen,
// --form and --file-ticket drive it.
#include <GLFW/glfw3.h>

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "lantern/media.h"
#include "lantern/outbox.h"

using namespace lantern;
using namespace lantern::widget;

namespace {

const char* kUsage =
    "usage: lantern-help BUNDLE [--public-key PEM] [--lang zh-CN|en] [--data DIR] [--font TTF]\n"
    "                   [--relay URL [--ca-file PEM] [--pin SHA256]...]\n"
    "                   [--query TEXT] [--article ID] [--screen contact|tickets] [--form ID] [--size WxH]\n"
    "                   [--file-ticket JSON] [--frames N] [--screenshot FILE.ppm] [--a11y FILE.json]\n"
    "\n"
    "  --relay URL      send queued tickets to this relay (https://, or http:// to this machine only);\n"
    "                   without it lantern-help works offline and tickets wait in the outbox (--data)\n"
    "  --ca-file PEM    CAs to trust for an https:// relay (default: the system store,\n"
    "                   /etc/ssl/certs/ca-certificates.crt)\n"
    "  --pin SHA256     only accept a relay whose public key (SubjectPublicKeyInfo) has this base64\n"
    "                   SHA-256 (\"sha256/...=\"); repeat for a backup key\n"
    "  --file-ticket JSON  fill {\"form\":ID,\"fields\":{ID:TEXT,...}} and submit it through the same\n"
    "                   checks as the form (tests, scripts); refused with the field errors if it does not pass\n"
    "  --frames N       render N frames and exit (tests); exchanges with the relay are waited for\n";

// [SECTION] Network: the relay's exchanges on a worker thread

// One worker thread carries the relay's exchanges, in order, through the sdk's blocking native
// transport; the UI thread never waits on the network. The callbacks never leave the UI thread:
// the worker sees only a request and an id, and its answers wait in `done_` until the UI thread
// drains them (each frame). App is not thread-safe, so every App call stays on the UI thread.
class HttpWorker {
 public:
  explicit HttpWorker(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}
  ~HttpWorker() { stop(); }
  HttpWorker(const HttpWorker&) = delete;
  HttpWorker& operator=(const HttpWorker&) = delete;

  // UI thread, once. `wake` runs on the worker after each finished exchange (to end the UI
  // thread's wait for events); requests submitted before start() wait for it.
  void start(std::function<void()> wake) {
    wake_ = std::move(wake);
    thread_ = std::thread([this] { run(); });
  }

  // UI thread.
  void submit(widget::HttpRequest in, std::function<void(widget::HttpResponse)> done) {
    if (stopped_) return;  // shutting down: no exchange, and no callback into a dying App
    lantern::HttpRequest req;
    req.method = std::move(in.method);
    req.url = std::move(in.url);
    bool agent = false;
    for (auto& [name, value] : in.headers) {
      agent |= strcasecmp(name.c_str(), "User-Agent") == 0;
      req.headers.push_back({std::move(name), std::move(value)});
    }
    if (!agent) req.headers.push_back({"User-Agent", "lantern-help/0.1.0"});
    req.body = std::move(in.body);
    std::uint64_t id = next_id_++;
    callbacks_[id] = std::move(done);
    {
      std::lock_guard<std::mutex> lock(mu_);
      todo_.push_back({id, std::move(req)});
      ++outstanding_;
    }
    cv_.notify_all();
  }

  // UI thread: runs the callbacks of the exchanges that finished; returns how many ran. A callback
  // may submit again (App pumps its outbox after an answer).
  int drain() {
    std::deque<Answer> ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready.swap(done_);
    }
    int n = 0;
    for (auto& a : ready) {
      auto it = callbacks_.find(a.id);
      if (it == callbacks_.end()) continue;
      auto cb = std::move(it->second);
      callbacks_.erase(it);
      cb(std::move(a.response));
      ++n;
    }
    return n;
  }

  // UI thread: whether answers wait to be drained.
  bool ready() {
    std::lock_guard<std::mutex> lock(mu_);
    return !done_.empty();
  }

  // UI thread, test mode: waits until every submitted exchange has an answer, at most `limit`.
  bool settle(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return outstanding_ == 0; });
  }

  // UI thread: requests not yet started are dropped, the one in flight ends within the
  // transport's deadline, the thread is joined; no callback runs after this.
  void stop() {
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
      outstanding_ -= int(todo_.size());
      todo_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    callbacks_.clear();
    done_.clear();
  }

 private:
  struct Job {
    std::uint64_t id;
    lantern::HttpRequest request;
  };
  struct Answer {
    std::uint64_t id;
    widget::HttpResponse response;
  };

  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return quit_ || !todo_.empty(); });
        if (quit_) return;
        job = std::move(todo_.front());
        todo_.pop_front();
      }
      TransportResult r = transport_->send(job.request);
      widget::HttpResponse out;
      if (r.error == TransportError::none) {
        out.status = r.response.status;
        out.body = std::move(r.response.body);
        auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        out.retry_after_ms = ticket::parse_retry_after_ms(r.response.header("Retry-After"), now);
      } else {
        // No answer: App treats status 0 as "try again later"; the text says why, for the log.
        out.error = r.message.empty() ? transport_error_name(r.error) : r.message;
        out.untrusted = r.error == TransportError::tls || r.error == TransportError::pin_mismatch;
        std::fprintf(stderr, "lantern-help: %s %s: %s\n", job.request.method.c_str(), job.request.url.c_str(), out.error.c_str());
      }
      bool quitting;
      {
        std::lock_guard<std::mutex> lock(mu_);
        quitting = quit_;
        done_.push_back({job.id, std::move(out)});
        --outstanding_;
      }
      cv_.notify_all();
      if (!quitting && wake_) wake_();
    }
  }

  std::unique_ptr<Transport> transport_;
  std::function<void()> wake_;
  std::thread thread_;
  // UI thread only.
  std::map<std::uint64_t, std::function<void(widget::HttpResponse)>> callbacks_;
  std::uint64_t next_id_ = 1;
  bool stopped_ = false;
  // Shared, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> todo_;
  std::deque<Answer> done_;
  int outstanding_ = 0;  // submitted and not yet answered
  bool quit_ = false;
};

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
  DesktopPlatform(std::unique_ptr<Storage> storage, std::unique_ptr<Transport> transport)
      : storage_(std::move(storage)), clock_(make_system_clock()), random_(make_system_random()) {
    if (transport) net_ = std::make_unique<HttpWorker>(std::move(transport));
  }
  Storage& storage() override { return *storage_; }
  Clock& clock() override { return *clock_; }
  Random& random() override { return *random_; }
  // With --relay: through the worker, answered later on the UI thread (drain_network). Without:
  // every request fails as if offline, so tickets stay in the outbox with their idempotency keys.
  void http(widget::HttpRequest request, std::function<void(widget::HttpResponse)> done) override {
    if (net_) return net_->submit(std::move(request), std::move(done));
    widget::HttpResponse r;
    r.error = "lantern-help works offline; tickets wait in the outbox";
    done(std::move(r));
  }
  HttpWorker* network() { return net_.get(); }
  // The window is the widget's host: App's Close button ({"type":"close"}) closes it.
  void post_to_host(const std::string& json) override {
    auto m = nlohmann::json::parse(json, nullptr, false);
    if (m.is_object() && m.value("type", "") == "close") close_ = true;
  }
  bool take_close() { return std::exchange(close_, false); }
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
  std::unique_ptr<HttpWorker> net_;
  std::function<void(PickedImage)> pick_;
  bool picking_ = false;
  bool close_ = false;
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

// The relay's base URL, checked before anything is queued for it (no trailing slash, as App
// wants). Returns "" or what is wrong with it.
std::string check_relay(std::string& url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string scheme = url.rfind("https://", 0) == 0 ? "https" : url.rfind("http://", 0) == 0 ? "http" : "";
  if (scheme.empty()) return "--relay " + url + ": must start with https:// (or http:// to this machine)";
  std::string rest = url.substr(scheme.size() + 3);
  if (rest.find_first_of("?#@ ") != std::string::npos) return "--relay " + url + ": give the relay's base URL, without user, query or fragment";
  std::string host = rest.substr(0, rest.find('/'));
  if (!host.empty() && host[0] == '[') host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.find(':'));
  if (host.empty()) return "--relay " + url + ": no host";
  if (scheme == "http" && host != "localhost" && host != "::1" && host.rfind("127.", 0) != 0) {
    return "--relay " + url + ": plain http:// is allowed only to this machine (localhost, 127.0.0.1); use https://";
  }
  return "";
}

// --file-ticket: fills a form from {"form":ID,"fields":{ID:TEXT,...}} and submits it the way the
// Submit button does (the same checks, secret guard and outbox). Returns "" or why it was refused.
std::string file_ticket(App& app, const std::string& text) {
  const std::string shape = "--file-ticket: expected {\"form\":ID,\"fields\":{ID:TEXT,...}}";
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("form") || !j["form"].is_string()) return shape;
  if (j.contains("fields") && !j["fields"].is_object()) return shape;
  std::string form = j["form"].get<std::string>();
  if (!app.choose_form(form)) return "--file-ticket: the bundle has no form '" + form + "'";
  if (j.contains("fields")) {
    for (auto it = j["fields"].begin(); it != j["fields"].end(); ++it) {
      if (!app.form()->field(it.key())) return "--file-ticket: form '" + form + "' has no field '" + it.key() + "'";
      if (!it->is_string()) return "--file-ticket: field '" + it.key() + "' must be text";
      app.set_field(it.key(), it->get<std::string>());
    }
  }
  if (!app.to_review()) {
    std::string why = "--file-ticket: the form does not pass its checks";
    const char* sep = ": ";
    for (const auto& e : app.errors()) {
      if (e.blocking) why += sep + e.field + ": " + e.message.in("en"), sep = "; ";
    }
    return why;
  }
  app.submit();
  if (app.screen() != Screen::submitted) return "--file-ticket: not submitted: " + app.alert_line;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string bundle_path, key_path, lang, data_dir, font = LANTERN_UI_FONT, query, article, screen, form, screenshot, a11y_out;
  std::string relay, ca_file, ticket_json;
  std::vector<std::string> pins;
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
    else if (a == "--relay") next(relay);
    else if (a == "--ca-file") next(ca_file);
    else if (a == "--pin") next(n), pins.push_back(n);
    else if (a == "--file-ticket") next(ticket_json);
    else if (a == "--frames") next(n), frames = std::atoi(n.c_str());
    else if (a == "--size") next(n), std::sscanf(n.c_str(), "%dx%d", &width, &height);
    else if (a == "--help" || a == "-h") return std::printf("%s", kUsage), 0;
    else if (a.rfind("--", 0) == 0) return std::fprintf(stderr, "lantern-help: unknown option %s\n%s", a.c_str(), kUsage), 2;
    else bundle_path = a;
  }
  if (bundle_path.empty()) return std::fprintf(stderr, "%s", kUsage), 2;
  // The relay's transport, set up (CAs read, pins decoded) before anything is queued for it.
  std::unique_ptr<Transport> transport;
  if (relay.empty() && (!ca_file.empty() || !pins.empty())) {
    return std::fprintf(stderr, "lantern-help: --ca-file and --pin need --relay\n%s", kUsage), 2;
  }
  if (!relay.empty()) {
    if (auto why = check_relay(relay); !why.empty()) return std::fprintf(stderr, "lantern-help: %s\n", why.c_str()), 2;
    if (relay.rfind("https://", 0) != 0 && (!ca_file.empty() || !pins.empty())) {
      return std::fprintf(stderr, "lantern-help: --ca-file and --pin apply to an https:// relay only\n"), 2;
    }
    std::string unused;
    if (!ca_file.empty() && !slurp(ca_file, unused)) return std::fprintf(stderr, "lantern-help: --ca-file %s: cannot be read\n", ca_file.c_str()), 2;
    TlsOptions tls;
    tls.ca_file = ca_file;  // empty: the system store
    tls.pins = pins;
    auto t = make_native_transport(tls);
    if (!t) return std::fprintf(stderr, "lantern-help: %s%s\n", pins.empty() ? "" : "--pin: ", t.error().message.c_str()), 2;
    transport = std::move(*t);
  }
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

  DesktopPlatform platform(std::move(*storage), std::move(transport));
  g_platform = &platform;
  Config cfg;
  cfg.web = false;
  cfg.relay = relay;
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
  // Before the window: a refused ticket is an error on the command line. Its first attempt waits
  // in the worker's queue until the worker starts.
  if (!ticket_json.empty()) {
    if (auto why = file_ticket(app, ticket_json); !why.empty()) return std::fprintf(stderr, "lantern-help: %s\n", why.c_str()), 2;
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

  HttpWorker* net = platform.network();
  // Ends every exchange before the window and GLFW go away: no callback after this, and the
  // worker's wake-up (glfwPostEmptyEvent) never meets a terminated GLFW.
  auto shutdown = [&] {
    if (!net) return;
    glfwHideWindow(window);  // an exchange in flight may take up to its deadline to end
    net->stop();
  };
  if (net) {
    // glfwPostEmptyEvent is the one GLFW call documented as safe from any thread; it ends the UI
    // thread's glfwWaitEvents so the answer is drained at once. Nothing else of GLFW (and no App)
    // is touched by the worker.
    net->start([] { glfwPostEmptyEvent(); });
    // Tickets left from an earlier run, even those still in their back-off: starting the app is
    // the moment the network may be back (the outbox keeps their idempotency keys).
    app.on_online();
  }

  int drawn = 0;
  while (!glfwWindowShouldClose(window)) {
    // Test mode: every exchange in flight is answered before the frame (bounded: longer than the
    // transport's own 15 s deadline), so what a run shows does not depend on timing.
    if (net && frames > 0 && !net->settle(std::chrono::seconds(20))) std::fprintf(stderr, "lantern-help: the relay's answers are late\n");
    if (net) net->drain();
    // Without a relay nothing is being sent: say that the ticket waits on this device instead.
    if (!net && app.status_line == app.S("submitted.sending")) app.status_line = app.S("submitted.queued");
    // Idle is idle: sleep until input, answers from the relay, or the outbox's next attempt.
    if (frames == 0 && app.frames_wanted <= 0 && !(net && net->ready())) {
      auto t = app.next_timer_ms();
      double wait = 60.0;
      if (t) wait = std::max(0.0, double(*t - platform.clock().now_ms()) / 1000.0);
      glfwWaitEventsTimeout(wait);
      app.want_frames(2);  // an event: this frame and one to settle the layout
      if (net) net->drain();
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
    if (platform.take_close()) glfwSetWindowShouldClose(window, GLFW_TRUE);
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
  shutdown();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
