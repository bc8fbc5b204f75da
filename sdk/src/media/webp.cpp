// WebP through libwebp: still images only (lossy VP8, lossless VP8L, with or without alpha). The
// encoder writes a bare VP8/VP8L stream (VP8X+ALPH only for lossy with alpha): no EXIF/XMP/ICCP chunk.
#include <webp/decode.h>
#include <webp/encode.h>

#include <string>

#include "lantern/media.h"

namespace lantern::media::detail {

namespace {
Error webp_error(VP8StatusCode st) {
  switch (st) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return make_error(ErrorCode::truncated, "image is truncated (the WebP data ends early)");
    case VP8_STATUS_OUT_OF_MEMORY:
      return make_error(ErrorCode::too_large, "out of memory decoding the WebP");
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return make_error(ErrorCode::bad_format, "WebP uses a feature libwebp does not support");
    case VP8_STATUS_BITSTREAM_ERROR:
      return make_error(ErrorCode::bad_format, "WebP is corrupt: bitstream error");
    default:
      return make_error(ErrorCode::bad_format, "WebP is corrupt (status " + std::to_string(int(st)) + ")");
  }
}
}  // namespace

Result<Info> webp_probe(const std::uint8_t* d, std::size_t n) {
  WebPBitstreamFeatures f;
  const VP8StatusCode st = WebPGetFeatures(d, n, &f);
  if (st != VP8_STATUS_OK) return webp_error(st);
  if (f.has_animation) {
    return make_error(ErrorCode::bad_format, "animated WebP is not supported (send a still screenshot)");
  }
  return Info{ImageType::webp, std::uint32_t(f.width), std::uint32_t(f.height)};
}

Result<Decoded> webp_decode(const std::uint8_t* d, std::size_t n) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return make_error(ErrorCode::bad_format, "libwebp version mismatch");
  VP8StatusCode st = WebPGetFeatures(d, n, &config.input);
  if (st != VP8_STATUS_OK) return webp_error(st);
  Decoded out;
  out.px.width = std::uint32_t(config.input.width);
  out.px.height = std::uint32_t(config.input.height);
  out.px.rgba.resize(std::size_t(out.px.width) * out.px.height * 4);
  // Decode straight into our buffer (unpremultiplied RGBA), so libwebp allocates no second image.
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out.px.rgba.data();
  config.output.u.RGBA.stride = int(out.px.width * 4);
  config.output.u.RGBA.size = out.px.rgba.size();
  st = WebPDecode(d, n, &config);
  WebPFreeDecBuffer(&config.output);
  if (st != VP8_STATUS_OK) return webp_error(st);
  return out;
}

Result<std::vector<std::uint8_t>> webp_encode(const Pixels& px, bool lossless, int quality) {
  WebPConfig config;
  if (!WebPConfigInit(&config)) return make_error(ErrorCode::invalid_argument, "libwebp version mismatch");
  config.lossless = lossless ? 1 : 0;
  config.quality = float(quality < 0 ? 0 : quality > 100 ? 100 : quality);
  config.method = 4;        // libwebp's default speed/size trade-off
  config.thread_level = 0;  // single-threaded: the same pixels always give the same bytes
  if (lossless) config.quality = 75;  // lossless: quality is effort, not fidelity
  WebPPicture pic;
  if (!WebPPictureInit(&pic)) return make_error(ErrorCode::invalid_argument, "libwebp version mismatch");
  pic.use_argb = lossless ? 1 : 0;
  pic.width = int(px.width);
  pic.height = int(px.height);
  // Opaque pixels are imported as RGBX so no alpha plane is written.
  const int stride = int(px.width * 4);
  const int ok = px.opaque() ? WebPPictureImportRGBX(&pic, px.rgba.data(), stride)
                             : WebPPictureImportRGBA(&pic, px.rgba.data(), stride);
  if (!ok) {
    WebPPictureFree(&pic);
    return make_error(ErrorCode::too_large, "out of memory encoding the WebP");
  }
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  const int encoded = WebPEncode(&config, &pic);
  const int code = pic.error_code;
  WebPPictureFree(&pic);
  std::vector<std::uint8_t> out;
  if (encoded) out.assign(writer.mem, writer.mem + writer.size);
  WebPMemoryWriterClear(&writer);
  if (!encoded) return make_error(ErrorCode::invalid_argument, "WebP encoding failed (error " + std::to_string(code) + ")");
  return out;
}

}  // namespace lantern::media::detail
