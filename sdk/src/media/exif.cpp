// EXIF orientation: the one EXIF value we use (to turn photos upright) before all EXIF is dropped.
// Reads IFD0 of a TIFF structure and nothing else; every read is bounds-checked against size.
#include <cstring>

#include "lantern/media.h"

namespace lantern::media::detail {

int exif_orientation(const std::uint8_t* p, std::size_t size) {
  if (!p) return 1;
  if (size >= 6 && std::memcmp(p, "Exif\0\0", 6) == 0) {  // JPEG APP1 prefix; some PNG writers keep it
    p += 6;
    size -= 6;
  }
  if (size < 8) return 1;
  bool le;
  if (std::memcmp(p, "II*\0", 4) == 0) le = true;
  else if (std::memcmp(p, "MM\0*", 4) == 0) le = false;
  else return 1;
  auto u16 = [&](std::uint64_t at) -> unsigned {
    return le ? p[at] | p[at + 1] << 8 : p[at] << 8 | p[at + 1];
  };
  auto u32 = [&](std::uint64_t at) -> std::uint64_t {
    return le ? std::uint64_t(u16(at)) | std::uint64_t(u16(at + 2)) << 16
              : std::uint64_t(u16(at)) << 16 | std::uint64_t(u16(at + 2));
  };
  const std::uint64_t ifd = u32(4);
  if (ifd + 2 > size) return 1;
  const unsigned count = u16(ifd);
  for (unsigned i = 0; i < count; ++i) {
    const std::uint64_t e = ifd + 2 + 12ull * i;
    if (e + 12 > size) return 1;
    if (u16(e) != 0x0112) continue;
    // Orientation is SHORT (type 3), count 1, value in the first two bytes of the value field.
    if (u16(e + 2) != 3 || u32(e + 4) != 1) return 1;
    const unsigned v = u16(e + 8);
    return v >= 1 && v <= 8 ? int(v) : 1;
  }
  return 1;
}

}  // namespace lantern::media::detail
