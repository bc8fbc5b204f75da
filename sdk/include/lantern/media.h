// Media: screenshots attached to support tickets. Untrusted bytes in, clean bytes out.
//
// The relay runs reencode() on every POST /v1/attachments body, and the widget runs it on the device
// before upload, so both apply the same rules: the type comes from the bytes, the pixel count from the
// header is checked before any pixel memory exists, the image is decoded with Debian's maintained codecs
// (libspng, libjpeg-turbo, libwebp), turned upright (EXIF orientation), shrunk to max_side_out, and
// encoded afresh, so no metadata (EXIF, GPS, XMP, ICC, text chunks, APPn segments) survives.
//
// [SECTION] Types and limits
// [SECTION] Sniffing and probing (header only)
// [SECTION] Re-encoding: the one call the relay and the widget make
// [SECTION] Building blocks (decode, orient, downscale, encode)
// [SECTION] Codec entry points (internal: one file per codec in src/media, dispatched by media.cpp)
//
// Native only (media.cmake). Threading: no globals; calls on different threads share nothing.
// Nothing throws; a bad image comes back as an Error whose message names what was wrong.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lantern/result.h"

namespace lantern::media {

// [SECTION] Types and limits

enum class ImageType { png, jpeg, webp };
const char* type_name(ImageType t);  // "PNG", "JPEG", "WebP"
const char* mime_type(ImageType t);  // "image/png", "image/jpeg", "image/webp" (docs/TICKET.md)

struct Limits {
  std::uint64_t max_input_bytes = 20 << 20;  // the upload as received
  std::uint64_t max_pixels = 40'000'000;     // width × height as the header claims, before decoding
  std::uint32_t max_side_out = 2000;         // longest side of the output, aspect kept; 0 = keep the size
                                             // (WebP output then fails past 16383 px)
};

// [SECTION] Sniffing and probing (header only)

// From the magic bytes only; says nothing about whether the rest is valid.
std::optional<ImageType> sniff(const std::uint8_t* data, std::size_t size);

// What the bytes look like when sniff() says no ("GIF", "PDF", "HEIC", "an empty file"...), for error
// messages; nullptr when nothing is recognised.
const char* describe_other(const std::uint8_t* data, std::size_t size);

struct Info {
  ImageType type = ImageType::png;
  std::uint32_t width = 0, height = 0;  // as stored, before EXIF orientation
};

// Type and size from the header, with the input-size and pixel limits applied. Allocates no pixels.
Result<Info> probe(const std::uint8_t* data, std::size_t size, const Limits& limits = {});

// [SECTION] Re-encoding

struct Processed {
  std::vector<std::uint8_t> bytes;  // the new file; nothing of the input's metadata is in it
  ImageType type = ImageType::webp;
  std::uint32_t width = 0, height = 0;
  std::string sha256_hex;           // 64 lower-case hex digits of bytes
};

// Output: always WebP (every current browser shows it; docs/TICKET.md allows image/webp), since it
// beats the alternatives on measured 1170×2532 phone screenshots scaled to 924×2000:
//  - lossy, quality kWebpQuality: text stays legible, 15–170 KB (a 2.6 MB PNG with photos → 167 KB);
//    JPEG q85 is 1.8–2.6× bigger at the same PSNR, PNG 4–10× bigger;
//  - lossless instead when the output has at most kLosslessMaxPixels and lossless is at most 1.25× the
//    lossy size (flat UI crops, icons): pixel-exact text for about the same bytes. Above 1 MP, lossless
//    costs 0.4–1.8 s and 1.5–8× the bytes, so it is not tried.
// WebP carries alpha in both modes. Deterministic: the same input gives the same bytes and sha256
// (single-threaded encoder, no timestamps).
constexpr int kWebpQuality = 80;
constexpr std::uint64_t kLosslessMaxPixels = 1'000'000;

// Errors: invalid_argument (empty input), too_large (input bytes or header pixels over the limits),
// truncated (the data ends early), bad_format (not PNG/JPEG/WebP, corrupt, animated).
Result<Processed> reencode(const std::uint8_t* data, std::size_t size, const Limits& limits = {});

// [SECTION] Building blocks

// 8-bit RGBA, rows top to bottom, no padding: rgba.size() == width * height * 4.
struct Pixels {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
  bool opaque() const;  // every alpha is 255
};

// probe(), then decode and apply EXIF orientation (JPEG APP1, PNG eXIf; cameras do not write WebP).
// min_side_hint lets the JPEG decoder scale by 1/2, 1/4 or 1/8 in the DCT while the longest side stays
// at least that big (0 = full size): less memory and time for camera photos.
Result<Pixels> decode(const std::uint8_t* data, std::size_t size, const Limits& limits = {},
                      std::uint32_t min_side_hint = 0);

// EXIF orientation 1..8 (TIFF tag 0x0112) applied to the pixels; other values leave them as they are.
Pixels orient(Pixels in, int orientation);

// Area (box) filter with exact fractional coverage, in premultiplied alpha so transparent edges do
// not darken. Returns the input unchanged when its longest side is already <= max_side.
Pixels downscale(Pixels in, std::uint32_t max_side);

struct Encoding {
  ImageType type = ImageType::webp;
  bool lossless = false;  // WebP only; PNG is always lossless, JPEG never
  int quality = kWebpQuality;  // 0..100, JPEG and lossy WebP
};
// No metadata is written: no JFIF/EXIF/ICC segment in JPEG, no ancillary chunk in PNG, no VP8X extras
// in WebP beyond alpha. JPEG drops alpha (composited on white).
Result<std::vector<std::uint8_t>> encode(const Pixels& px, const Encoding& enc);

std::string sha256_hex(const std::uint8_t* data, std::size_t size);

// [SECTION] Codec entry points (internal)
namespace detail {
// *_probe: header only. *_decode: called after probe() passed the limits; returns pixels as stored
// plus the EXIF orientation found (1 when none).
struct Decoded {
  Pixels px;
  int orientation = 1;
};
Result<Info> png_probe(const std::uint8_t* data, std::size_t size);
Result<Decoded> png_decode(const std::uint8_t* data, std::size_t size, const Limits& limits);
Result<std::vector<std::uint8_t>> png_encode(const Pixels& px);

Result<Info> jpeg_probe(const std::uint8_t* data, std::size_t size);
Result<Decoded> jpeg_decode(const std::uint8_t* data, std::size_t size, const Limits& limits,
                            std::uint32_t min_side_hint);
Result<std::vector<std::uint8_t>> jpeg_encode(const Pixels& px, int quality);

Result<Info> webp_probe(const std::uint8_t* data, std::size_t size);
Result<Decoded> webp_decode(const std::uint8_t* data, std::size_t size);
Result<std::vector<std::uint8_t>> webp_encode(const Pixels& px, bool lossless, int quality);

// Orientation from a TIFF-structured EXIF block ("II*\0" or "MM\0*" first; JPEG's "Exif\0\0" prefix
// removed). 1 when absent or unreadable; never reads outside [tiff, tiff + size).
int exif_orientation(const std::uint8_t* tiff, std::size_t size);
}  // namespace detail

}  // namespace lantern::media
