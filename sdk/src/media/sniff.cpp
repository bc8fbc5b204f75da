// Type from magic bytes. Only the three types we decode are accepted; the others are named so the
// error tells the user what they sent ("the bytes look like HEIC": an iPhone photo, not a screenshot).
#include <cstring>

#include "lantern/media.h"

namespace lantern::media {

namespace {
bool starts(const std::uint8_t* d, std::size_t n, const char* magic, std::size_t len, std::size_t at = 0) {
  return n >= at + len && std::memcmp(d + at, magic, len) == 0;
}
}  // namespace

const char* type_name(ImageType t) {
  switch (t) {
    case ImageType::png: return "PNG";
    case ImageType::jpeg: return "JPEG";
    case ImageType::webp: return "WebP";
  }
  return "?";
}

const char* mime_type(ImageType t) {
  switch (t) {
    case ImageType::png: return "image/png";
    case ImageType::jpeg: return "image/jpeg";
    case ImageType::webp: return "image/webp";
  }
  return "application/octet-stream";
}

std::optional<ImageType> sniff(const std::uint8_t* d, std::size_t n) {
  if (!d) return std::nullopt;
  if (starts(d, n, "\x89PNG\r\n\x1a\n", 8)) return ImageType::png;
  if (starts(d, n, "\xff\xd8\xff", 3)) return ImageType::jpeg;
  if (starts(d, n, "RIFF", 4) && starts(d, n, "WEBP", 4, 8)) return ImageType::webp;
  return std::nullopt;
}

const char* describe_other(const std::uint8_t* d, std::size_t n) {
  if (!d || n == 0) return "an empty file";
  if (starts(d, n, "GIF87a", 6) || starts(d, n, "GIF89a", 6)) return "GIF";
  if (starts(d, n, "%PDF-", 5)) return "PDF";
  if (starts(d, n, "BM", 2) && n >= 14) return "BMP";
  if (starts(d, n, "II*\0", 4) || starts(d, n, "MM\0*", 4)) return "TIFF";
  if (starts(d, n, "\0\0\1\0", 4)) return "ICO";
  if (starts(d, n, "8BPS", 4)) return "Photoshop PSD";
  if (starts(d, n, "\xff\x0a", 2) || starts(d, n, "\0\0\0\x0cJXL ", 8)) return "JPEG XL";
  if (starts(d, n, "ftyp", 4, 4)) {
    // ISO media: the major brand tells HEIC/AVIF stills from videos.
    if (starts(d, n, "avif", 4, 8) || starts(d, n, "avis", 4, 8)) return "AVIF";
    if (starts(d, n, "heic", 4, 8) || starts(d, n, "heix", 4, 8) || starts(d, n, "heim", 4, 8) ||
        starts(d, n, "heis", 4, 8) || starts(d, n, "hevc", 4, 8) || starts(d, n, "mif1", 4, 8) ||
        starts(d, n, "msf1", 4, 8)) {
      return "HEIC";
    }
    return "an MP4/QuickTime video";
  }
  if (starts(d, n, "RIFF", 4)) return "a RIFF file (WAV/AVI), not WebP";
  if (starts(d, n, "PK\3\4", 4)) return "a ZIP archive";
  if (starts(d, n, "\x1f\x8b", 2)) return "gzip data";
  if (starts(d, n, "<svg", 4) || starts(d, n, "<?xml", 5)) return "SVG/XML";
  if (starts(d, n, "<!DOCTYPE", 9) || starts(d, n, "<!doctype", 9) || starts(d, n, "<html", 5)) return "HTML";
  if (starts(d, n, "{", 1) || starts(d, n, "[", 1)) return "JSON";
  return nullptr;
}

}  // namespace lantern::media
