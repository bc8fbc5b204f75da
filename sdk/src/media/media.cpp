// The pipeline: limits → sniff → header probe → decode → orient → downscale → encode → sha256.
// Each step refuses with a message naming what was wrong; the codec files do the per-format work.
#include <mbedtls/sha256.h>

#include <cstdio>
#include <string>

#include "lantern/media.h"

namespace lantern::media {

namespace {
std::string megapixels(std::uint64_t n) {
  char b[32];
  const double mp = double(n) / 1e6;
  if (mp >= 10 || mp == double(std::uint64_t(mp))) std::snprintf(b, sizeof b, "%.0f", mp);
  else std::snprintf(b, sizeof b, "%.1f", mp);
  return b;
}
std::string megabytes(std::uint64_t n) {
  char b[32];
  if (n < (1u << 20)) {
    std::snprintf(b, sizeof b, "%llu bytes", static_cast<unsigned long long>(n));
    return b;
  }
  std::snprintf(b, sizeof b, "%.1f", double(n) / (1 << 20));
  std::string s = b;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s + " MB";
}
}  // namespace

std::string sha256_hex(const std::uint8_t* data, std::size_t size) {
  unsigned char h[32];
  mbedtls_sha256_ret(data, size, h, 0);
  static const char* hex = "0123456789abcdef";
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) s[2 * i] = hex[h[i] >> 4], s[2 * i + 1] = hex[h[i] & 15];
  return s;
}

Result<Info> probe(const std::uint8_t* data, std::size_t size, const Limits& limits) {
  if (!data || size == 0) return make_error(ErrorCode::invalid_argument, "image is empty (0 bytes)");
  if (size > limits.max_input_bytes) {
    return make_error(ErrorCode::too_large, "image is " + megabytes(size) + ", over the " +
                                                megabytes(limits.max_input_bytes) + " limit");
  }
  const auto type = sniff(data, size);
  if (!type) {
    const char* other = describe_other(data, size);
    std::string what;
    if (other) {
      what = std::string("the bytes look like ") + other;
    } else {
      what = "unrecognised first bytes";
      for (std::size_t i = 0; i < size && i < 4; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, " %02X", data[i]);
        what += b;
      }
    }
    return make_error(ErrorCode::bad_format, "not a PNG, JPEG or WebP image (" + what + ")");
  }
  Result<Info> info = *type == ImageType::png    ? detail::png_probe(data, size)
                      : *type == ImageType::jpeg ? detail::jpeg_probe(data, size)
                                                 : detail::webp_probe(data, size);
  if (!info) return info;
  const std::uint64_t w = info->width, h = info->height, px = w * h;
  if (px == 0) return make_error(ErrorCode::bad_format, "image has no pixels (" + std::to_string(w) + "×" + std::to_string(h) + ")");
  if (px > limits.max_pixels) {
    // The decompression-bomb check: from the header alone, before a single pixel is allocated.
    return make_error(ErrorCode::too_large, "image is " + std::to_string(w) + "×" + std::to_string(h) + " = " +
                                                megapixels(px) + " megapixels, over the " +
                                                megapixels(limits.max_pixels) + "-megapixel limit");
  }
  return info;
}

Result<Pixels> decode(const std::uint8_t* data, std::size_t size, const Limits& limits, std::uint32_t min_side_hint) {
  auto info = probe(data, size, limits);
  if (!info) return info.error();
  Result<detail::Decoded> d = info->type == ImageType::png    ? detail::png_decode(data, size, limits)
                              : info->type == ImageType::jpeg ? detail::jpeg_decode(data, size, limits, min_side_hint)
                                                              : detail::webp_decode(data, size);
  if (!d) return d.error();
  return orient(std::move(d->px), d->orientation);
}

Result<std::vector<std::uint8_t>> encode(const Pixels& px, const Encoding& enc) {
  if (px.width == 0 || px.height == 0 || px.rgba.size() != std::size_t(px.width) * px.height * 4) {
    return make_error(ErrorCode::invalid_argument, "pixels do not match width × height × 4");
  }
  switch (enc.type) {
    case ImageType::png: return detail::png_encode(px);
    case ImageType::jpeg: return detail::jpeg_encode(px, enc.quality);
    case ImageType::webp: return detail::webp_encode(px, enc.lossless, enc.quality);
  }
  return make_error(ErrorCode::invalid_argument, "unknown image type");
}

Result<Processed> reencode(const std::uint8_t* data, std::size_t size, const Limits& limits) {
  auto px = decode(data, size, limits, limits.max_side_out);
  if (!px) return px.error();
  Pixels out = downscale(std::move(*px), limits.max_side_out);

  auto bytes = encode(out, {ImageType::webp, false, kWebpQuality});
  if (!bytes) return bytes.error();
  if (std::uint64_t(out.width) * out.height <= kLosslessMaxPixels) {
    // Small images: pixel-exact when that costs little. Flat UI crops often come out smaller
    // lossless; photos come out 3–10× bigger and stay lossy.
    auto exact = encode(out, {ImageType::webp, true, 0});
    if (exact && exact->size() * 4 <= bytes->size() * 5) bytes = std::move(exact);
  }

  Processed p;
  p.type = ImageType::webp;
  p.width = out.width;
  p.height = out.height;
  p.sha256_hex = sha256_hex(bytes->data(), bytes->size());
  p.bytes = std::move(*bytes);
  return p;
}

}  // namespace lantern::media
