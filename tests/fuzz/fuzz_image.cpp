// Fuzz target: media::reencode on untrusted bytes (sniffing, header probe and pixel limit, libspng /
// libjpeg-turbo / libwebp decoding, EXIF orientation, downscale, WebP encoding). Small limits keep
// each run fast; whatever comes out must decode again within them.
#include <cstdint>
#include <cstdlib>

#include "lantern/media.h"

namespace {
lantern::media::Limits g_limits;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_limits.max_input_bytes = 1 << 20;
  g_limits.max_pixels = 1 << 20;  // 1 MP: a bomb is refused, a decoded image costs at most 4 MB
  g_limits.max_side_out = 64;    // keeps the two WebP encodes per run cheap; decoding is what is fuzzed
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern::media;
  auto r = reencode(data, size, g_limits);
  if (!r) {
    if (r.error().message.empty()) std::abort();  // every refusal must say why
    return 0;
  }
  // The output is ours: it must be a clean image within the limits that decodes to the same size.
  if (r->width == 0 || r->height == 0 || r->width > g_limits.max_side_out || r->height > g_limits.max_side_out) std::abort();
  if (r->sha256_hex != sha256_hex(r->bytes.data(), r->bytes.size())) std::abort();
  auto again = decode(r->bytes.data(), r->bytes.size(), g_limits);
  if (!again || again->width != r->width || again->height != r->height) std::abort();
  return 0;
}
