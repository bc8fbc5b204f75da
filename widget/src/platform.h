// The widget's platform seam: everything the screens need from the world that differs between the
// browser (main_web.cpp) and the desktop (main_desktop.cpp). The rest of widget/ includes no
// platform header, so its logic runs (and is unit-tested) without a window or a GPU.
//
// Threading: every call and every callback happens on the UI thread (the browser's main thread,
// the desktop's event loop). Callbacks may run after the call returned, never during it... except
// where a platform has no network at all, which answers at once (see NoNetwork below).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lantern/seams.h"

namespace lantern::widget {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // bytes; may be binary (image uploads)
};

struct HttpResponse {
  int status = 0;            // 0: no answer (offline, DNS, CORS, timeout)
  std::string body;
  std::string error;         // why there was no answer
  bool untrusted = false;    // no answer because the server's certificate or pin did not check out
  std::int64_t retry_after_ms = 0;
};

// A picked or pasted image after the platform decoded it, turned it upright and shrank it
// (longest side <= 2000 px). Pixels are RGBA8, row-major; empty with `error` set when it failed.
struct PickedImage {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
  std::string error;  // for the user, in plain words
};

// Bytes ready to upload: re-encoded, no metadata.
struct EncodedImage {
  std::string bytes;
  std::string type;  // "image/webp", "image/png"
  std::string error;
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual Storage& storage() = 0;
  virtual Clock& clock() = 0;
  virtual Random& random() = 0;
  virtual void http(HttpRequest request, std::function<void(HttpResponse)> done) = 0;
  // Opens the platform's file picker; the result comes back through `done` (not called if the
  // user cancels).
  virtual void pick_image(std::function<void(PickedImage)> done) = 0;
  // Encodes RGBA pixels (already redacted) for upload.
  virtual void encode_image(std::uint32_t width, std::uint32_t height, std::vector<std::uint8_t> rgba,
                            std::function<void(EncodedImage)> done) = 0;
  virtual void open_url(const std::string& url) = 0;
  // Tells the embedding page something happened ({"lantern":1,"type":...}); no-op natively.
  virtual void post_to_host(const std::string& json) { (void)json; }
  // Asks for frames to be drawn soon (data arrived outside an input event).
  virtual void wake() {}
  // GPU texture for an RGBA image preview; 0 when there is no renderer (tests).
  virtual std::uintptr_t make_texture(std::uint32_t w, std::uint32_t h, const std::uint8_t* rgba) {
    (void)w, (void)h, (void)rgba;
    return 0;
  }
  virtual void free_texture(std::uintptr_t texture) { (void)texture; }
};

}  // namespace lantern::widget
