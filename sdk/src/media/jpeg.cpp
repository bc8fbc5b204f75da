// JPEG through libjpeg-turbo. libjpeg reports errors by calling error_exit, which must not return;
// ours longjmps back to the one function that called setjmp (run_decode / run_encode). Everything
// those functions change lives in a caller-owned struct, because locals changed between setjmp and
// longjmp are indeterminate afterwards (C11 7.13.2.1), and no C++ object with a destructor is alive
// in the frames longjmp skips (only libjpeg's C frames and our callbacks).
//
// Warnings are errors (like djpeg -strict): a corrupt or truncated JPEG would otherwise decode into
// grey filler and be passed off as the user's screenshot. Two warnings that lose no pixels are
// tolerated: stray bytes before a marker (some camera firmware writes them) and an unknown JFIF revision.
#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <cstring>
#include <string>

#include <jerror.h>
#include <jpeglib.h>

#include "lantern/media.h"

namespace lantern::media::detail {

namespace {
constexpr int kMaxScans = 100;  // progressive files have ~10; thousands of tiny scans are a CPU bomb

struct ErrorMgr {
  jpeg_error_mgr pub;
  std::jmp_buf jmp;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
  bool too_many_scans;
};

[[noreturn]] void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorMgr*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jmp, 1);
}

void on_message(j_common_ptr c, int level) {
  if (level >= 0) return;  // trace messages
  const int code = c->err->msg_code;
  if (code == JWRN_EXTRANEOUS_DATA || code == JWRN_JFIF_MAJOR) return;
  auto* e = reinterpret_cast<ErrorMgr*>(c->err);
  // jpeg_mem_src inserts a fake EOI and warns when the data runs out.
  e->truncated = code == JWRN_JPEG_EOF;
  on_error(c);
}

void on_output(j_common_ptr) {}  // never write to stderr

void on_progress(j_common_ptr c) {
  if (!c->is_decompressor) return;
  if (reinterpret_cast<j_decompress_ptr>(c)->input_scan_number > kMaxScans) {
    auto* e = reinterpret_cast<ErrorMgr*>(c->err);
    e->too_many_scans = true;
    std::snprintf(e->message, sizeof e->message, "more than %d progressive scans", kMaxScans);
    std::longjmp(e->jmp, 1);
  }
}

jpeg_error_mgr* init_errors(ErrorMgr& e) {
  jpeg_std_error(&e.pub);
  e.pub.error_exit = on_error;
  e.pub.emit_message = on_message;
  e.pub.output_message = on_output;
  e.message[0] = 0;
  e.truncated = e.too_many_scans = false;
  return &e.pub;
}

Error jpeg_error(const ErrorMgr& e) {
  if (e.truncated) return make_error(ErrorCode::truncated, "image is truncated (the JPEG data ends early)");
  if (e.too_many_scans) return make_error(ErrorCode::bad_format, std::string("JPEG has ") + e.message);
  if (e.pub.msg_code == JERR_OUT_OF_MEMORY || e.pub.msg_code == JERR_NO_BACKING_STORE) {
    return make_error(ErrorCode::too_large, "JPEG needs more memory than its pixel count allows");
  }
  return make_error(ErrorCode::bad_format, std::string("JPEG is corrupt: ") + e.message);
}

// State for one decode; outlives the setjmp frame.
struct Decode {
  jpeg_decompress_struct cinfo;
  ErrorMgr err;
  jpeg_progress_mgr progress;
  const std::uint8_t* data;
  std::size_t size;
  bool header_only;
  std::uint64_t max_memory;
  std::uint32_t min_side_hint;
  Decoded out;
  bool created = false;
  ~Decode() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

bool run_decode(Decode& s) {
  jpeg_decompress_struct& ci = s.cinfo;
  ci.err = init_errors(s.err);
  if (setjmp(s.err.jmp)) return false;
  jpeg_create_decompress(&ci);
  s.created = true;
  // Whole-image buffers (a progressive JPEG keeps every coefficient) past this budget fail with
  // JERR_NO_BACKING_STORE instead of being allocated (jmemnobs.c). Headers need no such buffer.
  ci.mem->max_memory_to_use = long(s.max_memory);
  s.progress.progress_monitor = on_progress;
  ci.progress = &s.progress;
  jpeg_mem_src(&ci, s.data, static_cast<unsigned long>(s.size));
  jpeg_save_markers(&ci, JPEG_APP0 + 1, 0xffff);  // APP1 only: EXIF, read for orientation
  jpeg_read_header(&ci, TRUE);
  if (s.header_only) return true;

  for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      s.out.orientation = exif_orientation(m->data, m->data_length);
      break;
    }
  }
  const bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
  ci.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  if (s.min_side_hint > 0) {
    // Scale by 1/2, 1/4 or 1/8 inside the IDCT (SIMD paths in libjpeg-turbo) while the longest
    // side stays >= the hint; the area filter does the rest.
    const std::uint64_t longest = ci.image_width > ci.image_height ? ci.image_width : ci.image_height;
    unsigned denom = 1;
    while (denom < 8 && (longest + denom * 2 - 1) / (denom * 2) >= s.min_side_hint) denom *= 2;
    ci.scale_num = 1;
    ci.scale_denom = denom;
  }
  jpeg_start_decompress(&ci);
  Pixels& px = s.out.px;
  px.width = ci.output_width;
  px.height = ci.output_height;
  px.rgba.resize(std::size_t(px.width) * px.height * 4);
  while (ci.output_scanline < ci.output_height) {
    JSAMPROW row = &px.rgba[std::size_t(ci.output_scanline) * px.width * 4];
    jpeg_read_scanlines(&ci, &row, 1);
  }
  if (cmyk) {
    // Photoshop (the Adobe marker) stores CMYK inverted; without it, assume plain CMYK.
    const bool inverted = ci.saw_Adobe_marker;
    for (std::size_t i = 0; i < px.rgba.size(); i += 4) {
      std::uint8_t* p = &px.rgba[i];
      const unsigned k = inverted ? p[3] : 255 - p[3];
      for (int c = 0; c < 3; ++c) p[c] = std::uint8_t((inverted ? p[c] : 255 - p[c]) * k / 255);
      p[3] = 255;
    }
  }
  // No jpeg_finish_decompress: every pixel is read, and a missing EOI after them loses nothing.
  return true;
}

struct Encode {
  jpeg_compress_struct cinfo;
  ErrorMgr err;
  const Pixels* px;
  int quality;
  std::vector<std::uint8_t> row;  // RGB, alpha composited on white
  unsigned char* buf = nullptr;   // malloc'd by jpeg_mem_dest
  unsigned long len = 0;
  bool created = false;
  ~Encode() {
    if (created) jpeg_destroy_compress(&cinfo);
    std::free(buf);
  }
};

bool run_encode(Encode& s) {
  jpeg_compress_struct& ci = s.cinfo;
  ci.err = init_errors(s.err);
  if (setjmp(s.err.jmp)) return false;
  jpeg_create_compress(&ci);
  s.created = true;
  jpeg_mem_dest(&ci, &s.buf, &s.len);
  ci.image_width = s.px->width;
  ci.image_height = s.px->height;
  ci.input_components = 3;
  ci.in_color_space = JCS_RGB;
  jpeg_set_defaults(&ci);
  jpeg_set_quality(&ci, s.quality, TRUE);
  ci.optimize_coding = TRUE;
  ci.write_JFIF_header = FALSE;  // no APPn segment at all: SOI, DQT, SOF, DHT, SOS, EOI
  jpeg_start_compress(&ci, TRUE);
  while (ci.next_scanline < ci.image_height) {
    const std::uint8_t* src = &s.px->rgba[std::size_t(ci.next_scanline) * s.px->width * 4];
    for (std::uint32_t x = 0; x < s.px->width; ++x) {
      const unsigned a = src[x * 4 + 3];
      for (int c = 0; c < 3; ++c) s.row[x * 3 + c] = std::uint8_t((src[x * 4 + c] * a + 255 * (255 - a) + 127) / 255);
    }
    JSAMPROW r = s.row.data();
    jpeg_write_scanlines(&ci, &r, 1);
  }
  jpeg_finish_compress(&ci);
  return true;
}
}  // namespace

Result<Info> jpeg_probe(const std::uint8_t* d, std::size_t n) {
  Decode s{};
  s.data = d;
  s.size = n;
  s.header_only = true;
  s.max_memory = 1;  // nothing whole-image is allocated before jpeg_start_decompress
  if (!run_decode(s)) return jpeg_error(s.err);
  return Info{ImageType::jpeg, s.cinfo.image_width, s.cinfo.image_height};
}

Result<Decoded> jpeg_decode(const std::uint8_t* d, std::size_t n, const Limits& limits, std::uint32_t min_side_hint) {
  Decode s{};
  s.data = d;
  s.size = n;
  s.header_only = false;
  // Whole-image coefficient buffers (progressive files) take 2 bytes a pixel per component: up to 8
  // for CMYK. Our RGBA output is allocated outside libjpeg and bounded by probe()'s pixel check.
  s.max_memory = std::min<std::uint64_t>(limits.max_pixels, 1ull << 36) * 8 + (64u << 20);
  s.min_side_hint = min_side_hint;
  if (!run_decode(s)) return jpeg_error(s.err);
  return std::move(s.out);
}

Result<std::vector<std::uint8_t>> jpeg_encode(const Pixels& px, int quality) {
  Encode s{};
  s.px = &px;
  s.quality = quality < 1 ? 1 : quality > 100 ? 100 : quality;
  s.row.resize(std::size_t(px.width) * 3);
  if (!run_encode(s)) return make_error(ErrorCode::invalid_argument, std::string("JPEG encoding failed: ") + s.err.message);
  return std::vector<std::uint8_t>(s.buf, s.buf + s.len);
}

}  // namespace lantern::media::detail
