// Media: every input image is generated here with the same codecs (media::encode; libjpeg and libspng
// directly for the kinds encode does not write), then dressed with hand-built metadata (PNG eXIf/tEXt
// chunks, JPEG APP1/APP2/COM segments) or broken on purpose.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <spng.h>

#include "lantern/media.h"

using namespace lantern;
using namespace lantern::media;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

bool contains(const Bytes& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

Pixels gradient(std::uint32_t w, std::uint32_t h) {
  Pixels p{w, h, std::vector<std::uint8_t>(std::size_t(w) * h * 4)};
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      std::uint8_t* q = &p.rgba[(std::size_t(y) * w + x) * 4];
      q[0] = std::uint8_t(x * 255 / (w > 1 ? w - 1 : 1));
      q[1] = std::uint8_t(y * 255 / (h > 1 ? h - 1 : 1));
      q[2] = 128;
      q[3] = 255;
    }
  }
  return p;
}

// Left half one colour, right half another: shows where a rotation put the sides.
Pixels halves(std::uint32_t w, std::uint32_t h, std::uint32_t left, std::uint32_t right) {
  Pixels p{w, h, std::vector<std::uint8_t>(std::size_t(w) * h * 4)};
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint32_t c = x < w / 2 ? left : right;
      std::uint8_t* q = &p.rgba[(std::size_t(y) * w + x) * 4];
      q[0] = std::uint8_t(c >> 16), q[1] = std::uint8_t(c >> 8), q[2] = std::uint8_t(c), q[3] = 255;
    }
  }
  return p;
}

std::uint32_t rgb_at(const Pixels& p, std::uint32_t x, std::uint32_t y) {
  const std::uint8_t* q = &p.rgba[(std::size_t(y) * p.width + x) * 4];
  return std::uint32_t(q[0]) << 16 | std::uint32_t(q[1]) << 8 | q[2];
}

// Within 24 per channel of the expected colour (lossy WebP wobbles a little).
bool near(std::uint32_t got, std::uint32_t want) {
  for (int s = 0; s < 24; s += 8) {
    const int a = int(got >> s & 255), b = int(want >> s & 255);
    if (a - b > 24 || b - a > 24) return false;
  }
  return true;
}

// A phone screenshot stand-in, 1170×2532 like an iPhone's: a dark status bar, a photo banner
// (smooth colour plus sensor-like noise), a price chart, and cards of anti-aliased "text" on a
// lightly dithered background. PNG compresses it to ~3.5 MB, like real screenshots with photos.
Pixels screenshot(std::uint32_t w = 1170, std::uint32_t h = 2532) {
  Pixels p{w, h, std::vector<std::uint8_t>(std::size_t(w) * h * 4, 255)};
  std::uint32_t seed = 12345;
  auto rnd = [&] { seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5; return seed; };
  auto put = [&](std::uint32_t x, std::uint32_t y, int r, int g, int b) {
    std::uint8_t* q = &p.rgba[(std::size_t(y) * w + x) * 4];
    q[0] = std::uint8_t(std::clamp(r, 0, 255)), q[1] = std::uint8_t(std::clamp(g, 0, 255)), q[2] = std::uint8_t(std::clamp(b, 0, 255));
  };
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const int n = int(rnd() % 9) - 4;  // dithered gradient background (blurred wallpaper)
      if (y < 140) put(x, y, 18, 18, 24);
      else if (y >= 300 && y < 1000) {    // photo banner
        const int nn = int(rnd() % 41) - 20;  // luminance and chroma noise, like a phone camera's
        put(x, y, int(x * 200 / w) + nn, int((y - 300) * 180 / 700) + nn / 2 + int(rnd() % 13) - 6,
            150 - int(x * 80 / w) + nn + int(rnd() % 13) - 6);
      } else put(x, y, 236 + int(y * 16 / h) + n, 238 + int(rnd() % 9) - 4, 242 + int(rnd() % 9) - 4);
    }
  }
  for (std::uint32_t x = 60; x + 60 < w; x += 14) {  // candles
    const std::uint32_t top = 1080 + rnd() % 200, len = 20 + rnd() % 120;
    const bool up = rnd() & 1;
    for (std::uint32_t y = top; y < top + len; ++y) {
      for (std::uint32_t dx = 0; dx < 8; ++dx) put(x + dx, y, up ? 14 : 246, up ? 203 : 70, up ? 129 : 93);
    }
  }
  for (std::uint32_t card = 0; card < 6; ++card) {  // cards with lines of glyphs
    const std::uint32_t y0 = 1450 + card * 175;
    for (std::uint32_t y = y0; y < y0 + 160; ++y) {
      for (std::uint32_t x = 40; x < w - 40; ++x) put(x, y, 255, 255, 255);
    }
    for (std::uint32_t line = 0; line < 3; ++line) {
      std::uint32_t x = 70;
      const std::uint32_t by = y0 + 25 + line * 45;
      while (x < w - 120) {
        const std::uint32_t glyphs = 2 + rnd() % 8;
        for (std::uint32_t g = 0; g < glyphs; ++g, x += 18) {
          const std::uint32_t bits = rnd();
          for (std::uint32_t gy = 0; gy < 28; ++gy) {
            for (std::uint32_t gx = 0; gx < 14; ++gx) {
              if (bits >> ((gy / 7) * 4 + gx / 4) & 1) {
                const int edge = (gx % 4 == 0 || gy % 7 == 0) ? 120 : 30;  // anti-aliased rim
                put(x + gx, by + gy, edge, edge, edge + 10);
              }
            }
          }
        }
        x += 22;
      }
    }
  }
  return p;
}

Bytes encoded(const Pixels& p, ImageType t, bool lossless = false, int quality = 90) {
  auto b = encode(p, {t, lossless, quality});
  REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
  return *b;
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

void be32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
}

Bytes png_chunk(const std::string& type, const Bytes& data) {
  Bytes c;
  be32(c, std::uint32_t(data.size()));
  c.insert(c.end(), type.begin(), type.end());
  c.insert(c.end(), data.begin(), data.end());
  be32(c, crc32(c.data() + 4, c.size() - 4));
  return c;
}

// Big-endian TIFF with IFD0 = {Orientation, ImageDescription}; the description carries `text`.
Bytes exif_tiff(int orientation, const std::string& text) {
  Bytes t = bytes_of(std::string("MM\0*\0\0\0\x08", 8));
  t.insert(t.end(), {0, 2});                                                       // 2 entries
  t.insert(t.end(), {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, std::uint8_t(orientation), 0, 0});
  t.insert(t.end(), {0x01, 0x0e, 0, 2});                                           // ASCII
  be32(t, std::uint32_t(text.size() + 1));
  be32(t, 8 + 2 + 24 + 4);                                                         // after the IFD
  t.insert(t.end(), {0, 0, 0, 0});                                                 // no IFD1
  t.insert(t.end(), text.begin(), text.end());
  t.push_back(0);
  return t;
}

const std::string kGps = "GPS 51.5074N 0.1278W LANTERN-SECRET-MARKER";

Bytes png_with_metadata(const Pixels& p, int orientation) {
  Bytes png = encoded(p, ImageType::png);
  Bytes meta = png_chunk("eXIf", exif_tiff(orientation, kGps));
  const Bytes text = png_chunk("tEXt", bytes_of(std::string("Comment\0", 8) + kGps));
  meta.insert(meta.end(), text.begin(), text.end());
  png.insert(png.begin() + 33, meta.begin(), meta.end());  // after the signature and IHDR
  return png;
}

Bytes jpeg_segment(std::uint8_t marker, Bytes payload) {
  const std::size_t len = payload.size() + 2;  // the length counts itself
  payload.insert(payload.begin(), {0xff, marker, std::uint8_t(len >> 8), std::uint8_t(len)});
  return payload;
}

// EXIF (APP1), XMP (APP1), a minimal ICC profile segment (APP2) and a comment, all right after SOI.
Bytes jpeg_with_metadata(const Pixels& p, int orientation) {
  Bytes jpg = encoded(p, ImageType::jpeg);
  Bytes exif = bytes_of(std::string("Exif\0\0", 6));
  const Bytes tiff = exif_tiff(orientation, kGps);
  exif.insert(exif.end(), tiff.begin(), tiff.end());
  Bytes segs = jpeg_segment(0xe1, exif);
  for (const Bytes& s : {jpeg_segment(0xe1, bytes_of(std::string("http://ns.adobe.com/xap/1.0/\0", 29) +
                                                     "<x:xmpmeta><exif:GPSLatitude>" + kGps + "</exif:GPSLatitude></x:xmpmeta>")),
                         jpeg_segment(0xe2, bytes_of(std::string("ICC_PROFILE\0\1\1", 14) + "desc " + kGps)),
                         jpeg_segment(0xfe, bytes_of(kGps))}) {
    segs.insert(segs.end(), s.begin(), s.end());
  }
  jpg.insert(jpg.begin() + 2, segs.begin(), segs.end());
  return jpg;
}

// The chunk ids of a RIFF/WebP file, in order.
std::vector<std::string> webp_chunks(const Bytes& b) {
  std::vector<std::string> ids;
  for (std::size_t at = 12; at + 8 <= b.size();) {
    ids.emplace_back(reinterpret_cast<const char*>(&b[at]), 4);
    const std::size_t len = b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | std::size_t(b[at + 7]) << 24;
    at += 8 + len + (len & 1);
  }
  return ids;
}

// Straight libjpeg, for the JPEG kinds media::encode does not write: greyscale, CMYK and progressive
// (with an optional scan script). Test-only: libjpeg's default error handler exits on failure.
Bytes libjpeg_encode(std::uint32_t w, std::uint32_t h, int comps, J_COLOR_SPACE cs, std::vector<std::uint8_t> samples,
                     bool progressive = false, const std::vector<jpeg_scan_info>& script = {}) {
  jpeg_compress_struct c;
  jpeg_error_mgr e;
  c.err = jpeg_std_error(&e);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long len = 0;
  jpeg_mem_dest(&c, &buf, &len);
  c.image_width = w;
  c.image_height = h;
  c.input_components = comps;
  c.in_color_space = cs;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  if (progressive) jpeg_simple_progression(&c);
  if (!script.empty()) {
    c.scan_info = script.data();
    c.num_scans = int(script.size());
  }
  jpeg_start_compress(&c, TRUE);
  for (std::uint32_t y = 0; y < h; ++y) {
    JSAMPROW row = &samples[std::size_t(y) * w * comps];
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  Bytes out(buf, buf + len);
  std::free(buf);
  return out;
}

std::vector<std::uint8_t> rgb_of(const Pixels& p) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i < p.rgba.size(); i += 4) v.insert(v.end(), {p.rgba[i], p.rgba[i + 1], p.rgba[i + 2]});
  return v;
}

// Straight libspng, for the PNG kinds media::encode does not write (it writes 8-bit RGB/RGBA only).
Bytes libspng_encode(spng_ihdr ihdr, const Bytes& raw, const spng_plte* plte = nullptr, const spng_trns* trns = nullptr) {
  spng_ctx* c = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(c, SPNG_ENCODE_TO_BUFFER, 1);
  spng_set_ihdr(c, &ihdr);
  if (plte) spng_set_plte(c, const_cast<spng_plte*>(plte));
  if (trns) spng_set_trns(c, const_cast<spng_trns*>(trns));
  const int rc = spng_encode_image(c, raw.data(), raw.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  REQUIRE_MESSAGE(rc == 0, spng_strerror(rc));
  std::size_t len = 0;
  int err = 0;
  auto* buf = static_cast<std::uint8_t*>(spng_get_png_buffer(c, &len, &err));
  Bytes out(buf, buf + len);
  std::free(buf);
  spng_ctx_free(c);
  return out;
}

Result<Processed> run(const Bytes& b, const Limits& l = {}) { return reencode(b.data(), b.size(), l); }

std::string message(const Result<Processed>& r) { return r.ok() ? "(ok)" : r.error().message; }

Pixels decoded(const Processed& p) {
  auto px = decode(p.bytes.data(), p.bytes.size());
  REQUIRE_MESSAGE(px.ok(), (px.ok() ? "" : px.error().message));
  return *px;
}

}  // namespace

TEST_CASE("media: sniff tells PNG, JPEG and WebP from their magic bytes only") {
  const Pixels p = gradient(8, 8);
  CHECK(sniff(encoded(p, ImageType::png).data(), 8) == ImageType::png);
  CHECK(sniff(encoded(p, ImageType::jpeg).data(), 3) == ImageType::jpeg);
  CHECK(sniff(encoded(p, ImageType::webp).data(), 12) == ImageType::webp);
  const Bytes riff_wav = bytes_of(std::string("RIFF\x24\0\0\0WAVEfmt ", 16));
  CHECK_FALSE(sniff(riff_wav.data(), riff_wav.size()));
  CHECK_FALSE(sniff(nullptr, 0));
}

TEST_CASE("media: GIF, PDF, HEIC and empty input are refused with the sniffed type named") {
  auto gif = run(bytes_of(std::string("GIF89a\x01\0\x01\0\0\0\0;", 14)));
  REQUIRE_FALSE(gif.ok());
  CHECK(gif.error().code == ErrorCode::bad_format);
  CHECK(gif.error().message == "not a PNG, JPEG or WebP image (the bytes look like GIF)");
  CHECK(message(run(bytes_of("%PDF-1.7\n%\xe2\xe3"))) == "not a PNG, JPEG or WebP image (the bytes look like PDF)");
  CHECK(message(run(bytes_of(std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16)))) ==
        "not a PNG, JPEG or WebP image (the bytes look like HEIC)");
  CHECK(message(run(bytes_of(std::string("MZ\x90\0 rest", 9)))) == "not a PNG, JPEG or WebP image (unrecognised first bytes 4D 5A 90 00)");
  auto empty = run(Bytes{});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::invalid_argument);
  CHECK(empty.error().message == "image is empty (0 bytes)");
}

TEST_CASE("media: PNG eXIf and tEXt chunks (GPS marker) are gone from the output") {
  const Bytes in = png_with_metadata(gradient(300, 200), 1);
  REQUIRE(contains(in, kGps));
  auto r = run(in);
  REQUIRE_MESSAGE(r.ok(), message(r));
  CHECK(r->type == ImageType::webp);
  CHECK(r->width == 300);
  CHECK(r->height == 200);
  CHECK_FALSE(contains(r->bytes, "LANTERN-SECRET"));
  CHECK_FALSE(contains(r->bytes, "Exif"));
  CHECK_FALSE(contains(r->bytes, "MM\0*"));
  for (const auto& id : webp_chunks(r->bytes)) CHECK_MESSAGE((id == "VP8 " || id == "VP8L"), id);
}

TEST_CASE("media: JPEG EXIF APP1 with a GPS marker, XMP, ICC and COM segments are gone") {
  const Bytes in = jpeg_with_metadata(gradient(300, 200), 1);
  REQUIRE(contains(in, kGps));
  REQUIRE(contains(in, "Exif"));
  auto r = run(in);
  REQUIRE_MESSAGE(r.ok(), message(r));
  CHECK_FALSE(contains(r->bytes, "LANTERN-SECRET"));
  CHECK_FALSE(contains(r->bytes, "Exif"));
  CHECK_FALSE(contains(r->bytes, "ICC_PROFILE"));
  CHECK_FALSE(contains(r->bytes, "xap/1.0"));
  for (const auto& id : webp_chunks(r->bytes)) CHECK_MESSAGE((id == "VP8 " || id == "VP8L"), id);
  CHECK(r->sha256_hex == sha256_hex(r->bytes.data(), r->bytes.size()));
}

TEST_CASE("media: encode writes no metadata segment: JPEG has no APPn, PNG only IHDR/IDAT/IEND") {
  const Bytes jpg = encoded(gradient(64, 64), ImageType::jpeg);
  for (std::size_t at = 2; at + 4 <= jpg.size() && jpg[at] == 0xff && jpg[at + 1] != 0xda;) {
    CHECK_MESSAGE((jpg[at + 1] < 0xe0 || jpg[at + 1] > 0xef), "APPn segment in output");
    CHECK(jpg[at + 1] != 0xfe);
    at += 2 + (jpg[at + 2] << 8 | jpg[at + 3]);
  }
  const Bytes png = encoded(gradient(64, 64), ImageType::png);
  std::vector<std::string> chunks;
  for (std::size_t at = 8; at + 12 <= png.size();) {
    chunks.emplace_back(reinterpret_cast<const char*>(&png[at + 4]), 4);
    at += 12 + (std::size_t(png[at]) << 24 | png[at + 1] << 16 | png[at + 2] << 8 | png[at + 3]);
  }
  for (const auto& c : chunks) CHECK_MESSAGE((c == "IHDR" || c == "IDAT" || c == "IEND"), c);
}

TEST_CASE("media: EXIF orientation is applied before the metadata is dropped") {
  // Stored 64×32: red left, blue right. A phone photo of a screen held upright says "rotate 90°
  // clockwise" (6); the agent must see it upright, and there is no EXIF left to say so afterwards.
  const std::uint32_t red = 0xdc1e1e, blue = 0x1e1edc;
  const Pixels stored = halves(64, 32, red, blue);
  struct Case { int o; std::uint32_t w, h; std::uint32_t first, last; };  // colour at the top/left and bottom/right
  for (const Case& c : {Case{1, 64, 32, red, blue}, Case{3, 64, 32, blue, red}, Case{6, 32, 64, red, blue},
                        Case{8, 32, 64, blue, red}}) {
    CAPTURE(c.o);
    for (bool png : {false, true}) {
      CAPTURE(png);
      auto r = run(png ? png_with_metadata(stored, c.o) : jpeg_with_metadata(stored, c.o));
      REQUIRE_MESSAGE(r.ok(), message(r));
      CHECK(r->width == c.w);
      CHECK(r->height == c.h);
      const Pixels out = decoded(*r);
      const bool tall = c.h > c.w;
      CHECK(near(rgb_at(out, tall ? 16 : 8, tall ? 8 : 16), c.first));
      CHECK(near(rgb_at(out, tall ? 16 : 56, tall ? 56 : 16), c.last));
    }
  }
}

TEST_CASE("media: orient maps every EXIF orientation like the TIFF spec's table") {
  // Stored 3×2, pixels numbered 0..5 row by row (the value in red).
  Pixels p{3, 2, {}};
  for (int i = 0; i < 6; ++i) p.rgba.insert(p.rgba.end(), {std::uint8_t(i), 0, 0, 255});
  auto reds = [](const Pixels& q) {
    std::string s;
    for (std::size_t i = 0; i < q.rgba.size(); i += 4) s += char('0' + q.rgba[i]);
    return std::to_string(q.width) + "x" + std::to_string(q.height) + ":" + s;
  };
  CHECK(reds(orient(p, 1)) == "3x2:012345");
  CHECK(reds(orient(p, 2)) == "3x2:210543");
  CHECK(reds(orient(p, 3)) == "3x2:543210");
  CHECK(reds(orient(p, 4)) == "3x2:345012");
  CHECK(reds(orient(p, 5)) == "2x3:031425");
  CHECK(reds(orient(p, 6)) == "2x3:304152");
  CHECK(reds(orient(p, 7)) == "2x3:524130");
  CHECK(reds(orient(p, 8)) == "2x3:251403");
  CHECK(reds(orient(p, 9)) == "3x2:012345");
}

TEST_CASE("media: exif_orientation ignores truncated and malformed EXIF") {
  const Bytes t = exif_tiff(6, "x");
  CHECK(detail::exif_orientation(t.data(), t.size()) == 6);
  for (std::size_t n = 0; n < 22; ++n) CHECK(detail::exif_orientation(t.data(), n) == 1);
  Bytes bad = t;
  bad[9] = 0xff;  // 255 entries claimed
  CHECK(detail::exif_orientation(bad.data(), bad.size()) == 6);  // found before running off the end
  bad[19] = 9;    // orientation 9 does not exist
  CHECK(detail::exif_orientation(bad.data(), bad.size()) == 1);
}

TEST_CASE("media: 4000×3000 is downscaled to 2000×1500, aspect kept") {
  SUBCASE("JPEG (scaled in the IDCT)") {
    auto r = run(encoded(gradient(4000, 3000), ImageType::jpeg, false, 85));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(r->width == 2000);
    CHECK(r->height == 1500);
  }
  SUBCASE("PNG portrait 1200×3000") {
    auto r = run(encoded(gradient(1200, 3000), ImageType::png));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(r->width == 800);
    CHECK(r->height == 2000);
    const Pixels out = decoded(*r);
    CHECK(near(rgb_at(out, 400, 1000), 0x808080));  // the gradient's middle stays in the middle
  }
  SUBCASE("odd sizes round to the nearest pixel") {
    auto r = run(encoded(gradient(2533, 1170), ImageType::webp), Limits{20 << 20, 40'000'000, 2000});
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(r->width == 2000);
    CHECK(r->height == 924);
  }
}

TEST_CASE("media: downscale averages areas and keeps transparent pixels from darkening edges") {
  // 2×2 checkerboard of black and white → mid grey at half size.
  Pixels chk{400, 400, std::vector<std::uint8_t>(400 * 400 * 4, 255)};
  for (std::uint32_t y = 0; y < 400; ++y) {
    for (std::uint32_t x = 0; x < 400; ++x) {
      if ((x + y) & 1) std::memset(&chk.rgba[(y * 400 + x) * 4], 0, 3);
    }
  }
  const Pixels half = downscale(chk, 200);
  CHECK(half.width == 200);
  CHECK(near(rgb_at(half, 100, 100), 0x808080));
  // Opaque white next to fully transparent black: the average is white at half alpha, not grey.
  Pixels edge{2, 1, {255, 255, 255, 255, 0, 0, 0, 0}};
  const Pixels one = downscale(edge, 1);
  CHECK(rgb_at(one, 0, 0) == 0xffffff);
  CHECK(one.rgba[3] == 128);
  CHECK(downscale(edge, 2).rgba == edge.rgba);  // already small enough: untouched
}

TEST_CASE("media: a 1170×2532 screenshot PNG over 3 MB leaves as a few hundred KB") {
  const Bytes in = encoded(screenshot(), ImageType::png);
  CHECK(in.size() >= 3'000'000);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(in);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE_MESSAGE(r.ok(), message(r));
  MESSAGE("screenshot PNG ", in.size(), " bytes -> ", std::string(type_name(r->type)), " ", r->width, "x", r->height, " ",
          r->bytes.size(), " bytes in ", ms, " ms");
  CHECK(r->width == 924);
  CHECK(r->height == 2000);
  CHECK(r->bytes.size() < 600'000);
  CHECK(r->bytes.size() > 50'000);  // still a real picture, not mush
}

TEST_CASE("media: small flat images stay lossless, pixel for pixel") {
  const Pixels p = halves(200, 100, 0x3366cc, 0xffffff);
  auto r = run(encoded(p, ImageType::png));
  REQUIRE_MESSAGE(r.ok(), message(r));
  CHECK(webp_chunks(r->bytes) == std::vector<std::string>{"VP8L"});
  CHECK(decoded(*r).rgba == p.rgba);
}

TEST_CASE("media: transparency survives re-encoding") {
  Pixels p = gradient(120, 80);
  for (std::size_t i = 3; i < p.rgba.size(); i += 4) p.rgba[i] = std::uint8_t(i % 256);
  auto r = run(encoded(p, ImageType::png));
  REQUIRE_MESSAGE(r.ok(), message(r));
  CHECK_FALSE(decoded(*r).opaque());
}

TEST_CASE("media: the same input gives the same bytes and sha256") {
  const Bytes in = encoded(gradient(800, 600), ImageType::jpeg);
  auto a = run(in), b = run(in);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->bytes == b->bytes);
  CHECK(a->sha256_hex == b->sha256_hex);
  const std::string abc = "abc";  // FIPS 180-2 test vector
  CHECK(sha256_hex(reinterpret_cast<const std::uint8_t*>(abc.data()), 3) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("media: a header claiming 100k×100k is refused before any pixel is allocated") {
  SUBCASE("PNG: signature + IHDR + IEND, no image data at all") {
    Bytes png = bytes_of("\x89PNG\r\n\x1a\n");
    Bytes ihdr;
    be32(ihdr, 100000);
    be32(ihdr, 100000);
    ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});
    for (const Bytes& c : {png_chunk("IHDR", ihdr), png_chunk("IEND", {})}) png.insert(png.end(), c.begin(), c.end());
    auto r = run(png);
    REQUIRE_FALSE(r.ok());
    // too_large, not truncated: the limit was checked before decoding was even tried.
    CHECK(r.error().code == ErrorCode::too_large);
    CHECK(r.error().message == "image is 100000×100000 = 10000 megapixels, over the 40-megapixel limit");
  }
  SUBCASE("JPEG: a 16×16 file whose SOF claims 65000×65000") {
    Bytes jpg = encoded(gradient(16, 16), ImageType::jpeg);
    std::size_t at = 2;
    while (jpg[at + 1] != 0xc0) at += 2 + (jpg[at + 2] << 8 | jpg[at + 3]);
    jpg[at + 5] = 0xfd, jpg[at + 6] = 0xe8, jpg[at + 7] = 0xfd, jpg[at + 8] = 0xe8;  // height, width
    auto r = run(jpg);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::too_large);
    CHECK(r.error().message == "image is 65000×65000 = 4225 megapixels, over the 40-megapixel limit");
  }
  SUBCASE("WebP lossless: 16384×16384 in the VP8L header") {
    Bytes webp = encoded(gradient(16, 16), ImageType::webp, true);
    REQUIRE(webp_chunks(webp) == std::vector<std::string>{"VP8L"});
    // VP8L: signature 0x2f, then 14 bits width-1 and 14 bits height-1, little-endian.
    const std::uint32_t bits = 16383u | 16383u << 14 | (std::uint32_t(webp[24]) & 0xf0u) << 24;
    for (int i = 0; i < 4; ++i) webp[21 + i] = std::uint8_t(bits >> (8 * i));
    auto r = run(webp);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::too_large);
    CHECK(r.error().message == "image is 16384×16384 = 268 megapixels, over the 40-megapixel limit");
  }
}

TEST_CASE("media: input over max_input_bytes is refused before sniffing") {
  const Bytes png = encoded(gradient(64, 64), ImageType::png);
  auto r = run(png, Limits{100, 40'000'000, 2000});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::too_large);
  CHECK(r.error().message == "image is " + std::to_string(png.size()) + " bytes, over the 100 bytes limit");
  CHECK(message(run(Bytes(21 << 20, 0))) == "image is 21 MB, over the 20 MB limit");
}

TEST_CASE("media: truncated images are refused as truncated") {
  const Pixels p = gradient(200, 150);
  for (ImageType t : {ImageType::png, ImageType::jpeg, ImageType::webp}) {
    const std::string name = type_name(t);
    CAPTURE(name);
    const Bytes full = encoded(p, t);
    const Bytes half(full.begin(), full.begin() + full.size() / 2);
    auto r = run(half);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::truncated);
    CHECK(r.error().message == std::string("image is truncated (the ") + type_name(t) + " data ends early)");
    // Every cut is an error, never a crash; except that a PNG missing only its IEND (and the last
    // CRC) or a JPEG missing only EOI still has every pixel, and may decode.
    for (std::size_t n = 1; n + 16 < full.size(); n += full.size() / 97 + 1) {
      auto c = run(Bytes(full.begin(), full.begin() + n));
      CHECK_FALSE(c.ok());
      if (!c.ok()) CHECK_FALSE(c.error().message.empty());
    }
  }
}

TEST_CASE("media: a flipped bit in PNG image data is named as a checksum error in IDAT") {
  Bytes png = encoded(gradient(100, 100), ImageType::png);
  png[png.size() - 30] ^= 0x10;  // inside the last IDAT, before its CRC and IEND
  auto r = run(png);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::bad_format);
  CHECK(r.error().message == "PNG checksum error in chunk IDAT");
  png = encoded(gradient(100, 100), ImageType::png);
  png[20] ^= 1;  // IHDR width
  CHECK(message(run(png)) == "PNG checksum error in chunk IHDR");
}

TEST_CASE("media: bit flips anywhere give a clean result or a clean error, never a crash") {
  const Pixels p = gradient(64, 48);
  for (ImageType t : {ImageType::png, ImageType::jpeg, ImageType::webp}) {
    const std::string name = type_name(t);
    CAPTURE(name);
    const Bytes full = encoded(p, t);
    int refused = 0;
    for (std::size_t i = 0; i < full.size(); i += 3) {
      Bytes b = full;
      b[i] ^= std::uint8_t(1u << (i % 8));
      auto r = run(b);
      if (r.ok()) {
        CHECK(r->bytes.size() > 0);
      } else {
        CHECK_FALSE(r.error().message.empty());
        ++refused;
      }
    }
    CHECK(refused > 0);
  }
  // A corrupt JPEG entropy segment: libjpeg's warning becomes an error that names it.
  Bytes jpg = encoded(gradient(64, 48), ImageType::jpeg);
  for (std::size_t i = jpg.size() / 2; i < jpg.size() / 2 + 40; ++i) jpg[i] = 0xff;
  auto r = run(jpg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("JPEG is corrupt: ", 0) == 0);
}

TEST_CASE("media: greyscale, CMYK (Adobe) and progressive JPEGs decode; 190 scans are refused") {
  SUBCASE("greyscale") {
    auto r = run(libjpeg_encode(64, 48, 1, JCS_GRAYSCALE, std::vector<std::uint8_t>(64 * 48, 200)));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(near(rgb_at(decoded(*r), 10, 10), 0xc8c8c8));
  }
  SUBCASE("CMYK stored inverted, as Photoshop writes it (the Adobe marker says so)") {
    std::vector<std::uint8_t> red;  // C=0 M=100% Y=100% K=0, inverted
    for (int i = 0; i < 64 * 48; ++i) red.insert(red.end(), {255, 0, 0, 255});
    auto r = run(libjpeg_encode(64, 48, 4, JCS_CMYK, red));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(near(rgb_at(decoded(*r), 10, 10), 0xff0000));
  }
  SUBCASE("progressive, downscaled in the IDCT") {
    auto r = run(libjpeg_encode(4000, 3000, 3, JCS_RGB, rgb_of(gradient(4000, 3000)), true));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(r->width == 2000);
    CHECK(near(rgb_at(decoded(*r), 1000, 750), 0x808080));
  }
  SUBCASE("a valid progression of 190 scans (one per coefficient) is a CPU bomb") {
    std::vector<jpeg_scan_info> script{{3, {0, 1, 2, 0}, 0, 0, 0, 0}};
    for (int ci = 0; ci < 3; ++ci) {
      for (int k = 1; k < 64; ++k) script.push_back({1, {ci, 0, 0, 0}, k, k, 0, 0});
    }
    auto r = run(libjpeg_encode(64, 48, 3, JCS_RGB, rgb_of(gradient(64, 48)), false, script));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::bad_format);
    CHECK(r.error().message == "JPEG has more than 100 progressive scans");
  }
}

TEST_CASE("media: 16-bit interlaced greyscale and palette PNGs with tRNS decode to RGBA") {
  SUBCASE("16-bit grey, Adam7") {
    Bytes raw;
    for (int i = 0; i < 40 * 30; ++i) raw.insert(raw.end(), {0x00, 0x40});  // 0x4000, host-endian for SPNG_FMT_PNG
    auto r = run(libspng_encode({40, 30, 16, SPNG_COLOR_TYPE_GRAYSCALE, 0, 0, SPNG_INTERLACE_ADAM7}, raw));
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(near(rgb_at(decoded(*r), 20, 15), 0x404040));
  }
  SUBCASE("palette: entry 1 is transparent") {
    spng_plte plte{};
    plte.n_entries = 2;
    plte.entries[0] = {0, 128, 255, 255};
    plte.entries[1] = {255, 0, 0, 255};
    spng_trns trns{};
    trns.n_type3_entries = 2;
    trns.type3_alpha[0] = 255;
    trns.type3_alpha[1] = 0;
    Bytes raw;
    for (int y = 0; y < 30; ++y) {
      for (int x = 0; x < 40; ++x) raw.push_back(x < 20 ? 0 : 1);
    }
    auto r = run(libspng_encode({40, 30, 8, SPNG_COLOR_TYPE_INDEXED, 0, 0, 0}, raw, &plte, &trns));
    REQUIRE_MESSAGE(r.ok(), message(r));
    const Pixels out = decoded(*r);
    CHECK(rgb_at(out, 5, 5) == 0x0080ff);
    CHECK(out.rgba[(5 * 40 + 30) * 4 + 3] == 0);
  }
}

TEST_CASE("media: animated WebP is refused by name") {
  // VP8X with the animation flag, a 64×64 canvas, then an ANIM chunk.
  Bytes w = bytes_of(std::string("RIFF\0\0\0\0WEBPVP8X", 16));
  w.insert(w.end(), {10, 0, 0, 0, 0x02, 0, 0, 0, 63, 0, 0, 63, 0, 0});
  w.insert(w.end(), {'A', 'N', 'I', 'M', 6, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const std::uint32_t riff = std::uint32_t(w.size() - 8);
  for (int i = 0; i < 4; ++i) w[4 + i] = std::uint8_t(riff >> (8 * i));
  auto r = run(w);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "animated WebP is not supported (send a still screenshot)");
}
