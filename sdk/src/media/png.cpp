// PNG through libspng. spng checks every critical chunk's CRC and the zlib Adler-32; ancillary
// chunks with a bad CRC are dropped (its default). We never read text/ICC/EXIF for output, but spng
// still parses them, so their memory is capped with the chunk cache limit.
#include <spng.h>
#include <zlib.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "lantern/media.h"

namespace lantern::media::detail {

namespace {
constexpr std::size_t kChunkCacheBytes = 4u << 20;  // all cached ancillary chunks (text, iCCP, eXIf)

struct CtxFree {
  void operator()(spng_ctx* c) const { spng_ctx_free(c); }
};
using Ctx = std::unique_ptr<spng_ctx, CtxFree>;

std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// spng reports a CRC error without saying where; walk the chunks (bounds-checked) to name the first
// critical one (IHDR, PLTE, IDAT: upper-case first letter) whose CRC is wrong, so the message can
// say "in chunk IDAT". Ancillary chunks with a bad CRC are dropped by spng and cause no failure.
std::string first_bad_crc_chunk(const std::uint8_t* d, std::size_t n) {
  std::size_t at = 8;
  while (at + 12 <= n) {
    const std::uint64_t len = be32(d + at);  // at + 12 + len <= n <= max_input_bytes: fits in uInt
    if (at + 12 + len > n) break;
    const std::uint32_t want = be32(d + at + 8 + len);
    const auto got = std::uint32_t(crc32(crc32(0, nullptr, 0), d + at + 4, uInt(len + 4)));
    const bool critical = (d[at + 4] & 0x20) == 0;
    if (critical && want != got) {
      std::string name(reinterpret_cast<const char*>(d + at + 4), 4);
      for (char& c : name) {
        if (c < 0x20 || c > 0x7e) c = '?';
      }
      return name;
    }
    at += std::size_t(12 + len);
  }
  return "";
}

Error png_error(int rc, const std::uint8_t* d, std::size_t n) {
  if (rc == SPNG_IO_EOF || rc == SPNG_EOF || rc == SPNG_EIDAT_TOO_SHORT) {
    return make_error(ErrorCode::truncated, "image is truncated (the PNG data ends early)");
  }
  // A flipped bit in IDAT usually surfaces as a zlib error before spng reaches the chunk's CRC, so
  // any failure first looks for a bad CRC: that is the cause worth naming.
  const std::string bad = first_bad_crc_chunk(d, n);
  if (!bad.empty()) return make_error(ErrorCode::bad_format, "PNG checksum error in chunk " + bad);
  switch (rc) {
    case SPNG_ECHUNK_LIMITS:
      return make_error(ErrorCode::too_large, "PNG metadata chunks are over the 4 MB limit");
    case SPNG_EMEM:
      return make_error(ErrorCode::too_large, "out of memory decoding the PNG");
    default:
      return make_error(ErrorCode::bad_format, std::string("PNG is corrupt: ") + spng_strerror(rc));
  }
}

Result<Ctx> open(const std::uint8_t* d, std::size_t n, spng_ihdr& ihdr) {
  Ctx ctx(spng_ctx_new(0));
  if (!ctx) return make_error(ErrorCode::too_large, "out of memory decoding the PNG");
  spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_DISCARD);
  spng_set_chunk_limits(ctx.get(), n, kChunkCacheBytes);
  int rc = spng_set_png_buffer(ctx.get(), d, n);
  if (rc == 0) rc = spng_get_ihdr(ctx.get(), &ihdr);
  if (rc != 0) return png_error(rc, d, n);
  // spng 0.7.3 hands out a bit-flipped IHDR without a CRC error (seen in the tests); a flipped bit in
  // the size must not pass for a decompression bomb or a valid size. Signature 8, length 4, then
  // "IHDR" + 13 bytes under the CRC at offset 29.
  if (n < 33 || be32(d + 29) != std::uint32_t(crc32(crc32(0, nullptr, 0), d + 12, 17))) {
    return make_error(ErrorCode::bad_format, "PNG checksum error in chunk IHDR");
  }
  return ctx;
}
}  // namespace

Result<Info> png_probe(const std::uint8_t* d, std::size_t n) {
  spng_ihdr ihdr{};
  auto ctx = open(d, n, ihdr);
  if (!ctx) return ctx.error();
  return Info{ImageType::png, ihdr.width, ihdr.height};
}

Result<Decoded> png_decode(const std::uint8_t* d, std::size_t n, const Limits& limits) {
  spng_ihdr ihdr{};
  auto ctx = open(d, n, ihdr);
  if (!ctx) return ctx.error();
  if (std::uint64_t(ihdr.width) * ihdr.height > limits.max_pixels) {
    return make_error(ErrorCode::too_large, "PNG is over the pixel limit");  // probe() says it in full first
  }
  std::size_t len = 0;
  int rc = spng_decoded_image_size(ctx->get(), SPNG_FMT_RGBA8, &len);
  if (rc != 0) return png_error(rc, d, n);
  Decoded out;
  out.px.width = ihdr.width;
  out.px.height = ihdr.height;
  out.px.rgba.resize(len);
  // RGBA8 whatever the stored form (palette, grey, 16-bit); tRNS becomes alpha. gAMA is not applied:
  // screenshots are sRGB and browsers ignore gAMA next to sRGB anyway.
  rc = spng_decode_image(ctx->get(), out.px.rgba.data(), len, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
  if (rc != 0) return png_error(rc, d, n);
  spng_exif exif{};
  if (spng_get_exif(ctx->get(), &exif) == 0) {
    out.orientation = exif_orientation(reinterpret_cast<const std::uint8_t*>(exif.data), exif.length);
  }
  return out;
}

Result<std::vector<std::uint8_t>> png_encode(const Pixels& px) {
  Ctx ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) return make_error(ErrorCode::too_large, "out of memory encoding the PNG");
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  const bool opaque = px.opaque();
  // Only IHDR, IDAT and IEND are written: no text, time, gamma or ICC chunks.
  spng_ihdr ihdr{px.width, px.height, 8,
                 std::uint8_t(opaque ? SPNG_COLOR_TYPE_TRUECOLOR : SPNG_COLOR_TYPE_TRUECOLOR_ALPHA), 0, 0, 0};
  int rc = spng_set_ihdr(ctx.get(), &ihdr);
  std::vector<std::uint8_t> rgb;
  const std::uint8_t* img = px.rgba.data();
  std::size_t len = px.rgba.size();
  if (opaque) {  // 3 bytes a pixel: a quarter less to filter and deflate
    rgb.resize(len / 4 * 3);
    for (std::size_t i = 0, j = 0; i < len; i += 4, j += 3) {
      rgb[j] = img[i], rgb[j + 1] = img[i + 1], rgb[j + 2] = img[i + 2];
    }
    img = rgb.data();
    len = rgb.size();
  }
  if (rc == 0) rc = spng_encode_image(ctx.get(), img, len, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  if (rc != 0) return make_error(ErrorCode::invalid_argument, std::string("PNG encoding failed: ") + spng_strerror(rc));
  std::size_t out_len = 0;
  void* buf = spng_get_png_buffer(ctx.get(), &out_len, &rc);  // malloc'd; ours to free
  if (!buf) return make_error(ErrorCode::invalid_argument, std::string("PNG encoding failed: ") + spng_strerror(rc));
  std::vector<std::uint8_t> out(static_cast<std::uint8_t*>(buf), static_cast<std::uint8_t*>(buf) + out_len);
  std::free(buf);
  return out;
}

}  // namespace lantern::media::detail
