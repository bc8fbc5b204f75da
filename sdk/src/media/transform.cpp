// Pixel transforms after decoding: EXIF orientation and the downscale to max_side_out.
#include <algorithm>
#include <cstring>

#include "lantern/media.h"

namespace lantern::media {

bool Pixels::opaque() const {
  for (std::size_t i = 3; i < rgba.size(); i += 4) {
    if (rgba[i] != 255) return false;
  }
  return true;
}

Pixels orient(Pixels in, int o) {
  if (o < 2 || o > 8) return in;
  const std::uint32_t w = in.width, h = in.height;
  const bool swap = o >= 5;  // 5..8 turn by 90°: width and height trade places
  Pixels out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.rgba.resize(in.rgba.size());
  const std::uint8_t* src = in.rgba.data();
  std::uint8_t* dst = out.rgba.data();
  for (std::uint32_t y = 0; y < out.height; ++y) {
    for (std::uint32_t x = 0; x < out.width; ++x) {
      std::uint32_t sx = x, sy = y;  // where displayed (x, y) is stored
      switch (o) {
        case 2: sx = w - 1 - x; break;                      // mirrored left-right
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;      // upside down
        case 4: sy = h - 1 - y; break;                      // mirrored top-bottom
        case 5: sx = y; sy = x; break;                      // transposed
        case 6: sx = y; sy = h - 1 - x; break;              // needs 90° clockwise (phone held upright)
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;      // transverse
        case 8: sx = w - 1 - y; sy = x; break;              // needs 90° anticlockwise
      }
      std::memcpy(dst + (std::size_t(y) * out.width + x) * 4, src + (std::size_t(sy) * w + sx) * 4, 4);
    }
  }
  return out;
}

namespace {
// Area weights along one axis: destination cell d covers source [d*n/m, (d+1)*n/m). Working in units
// of 1/m source pixel (source i = [i*m, (i+1)*m), destination d = [d*n, (d+1)*n)) keeps the overlaps
// exact integers; each cell's weights sum to 1.
struct Taps {
  std::vector<std::uint32_t> first, count, offset;
  std::vector<float> weight;
};
Taps area_taps(std::uint64_t n, std::uint64_t m) {
  Taps t;
  for (std::uint64_t d = 0; d < m; ++d) {
    const std::uint64_t lo = d * n, hi = (d + 1) * n;
    const std::uint64_t i0 = lo / m, i1 = (hi - 1) / m;
    t.first.push_back(std::uint32_t(i0));
    t.count.push_back(std::uint32_t(i1 - i0 + 1));
    t.offset.push_back(std::uint32_t(t.weight.size()));
    for (std::uint64_t i = i0; i <= i1; ++i) {
      const std::uint64_t ov = std::min(hi, (i + 1) * m) - std::max(lo, i * m);
      t.weight.push_back(float(double(ov) / double(n)));
    }
  }
  return t;
}
std::uint8_t to_byte(float v) { return std::uint8_t(std::clamp(v, 0.f, 255.f) + 0.5f); }
}  // namespace

Pixels downscale(Pixels in, std::uint32_t max_side) {
  const std::uint32_t w = in.width, h = in.height;
  if (max_side == 0 || std::max(w, h) <= max_side) return in;
  Pixels out;
  if (w >= h) {
    out.width = max_side;
    out.height = std::max<std::uint32_t>(1, std::uint32_t((std::uint64_t(h) * max_side + w / 2) / w));
  } else {
    out.height = max_side;
    out.width = std::max<std::uint32_t>(1, std::uint32_t((std::uint64_t(w) * max_side + h / 2) / h));
  }
  const std::uint32_t ow = out.width, oh = out.height;
  out.rgba.resize(std::size_t(ow) * oh * 4);
  // Premultiplied alpha: a transparent pixel's (often black) colour must not bleed into its
  // neighbours. Opaque images skip the multiply.
  const bool premul = !in.opaque();
  const Taps tx = area_taps(w, ow);

  // Streaming vertical pass: each source row (shrunk horizontally) lands in at most two output rows,
  // since oh <= h; memory stays O(output width) whatever the input height.
  std::vector<float> row(std::size_t(ow) * 4), cur(row.size(), 0.f), next(row.size(), 0.f);
  std::uint32_t j = 0;  // the output row being accumulated in cur
  for (std::uint32_t i = 0; i < h && j < oh; ++i) {
    const std::uint8_t* s = &in.rgba[std::size_t(i) * w * 4];
    for (std::uint32_t x = 0; x < ow; ++x) {
      float r = 0, g = 0, b = 0, a = 0;
      for (std::uint32_t k = 0; k < tx.count[x]; ++k) {
        const std::uint8_t* p = s + std::size_t(tx.first[x] + k) * 4;
        const float wt = tx.weight[tx.offset[x] + k];
        const float m = premul ? wt * p[3] * (1.f / 255.f) : wt;
        r += m * p[0];
        g += m * p[1];
        b += m * p[2];
        a += wt * p[3];
      }
      float* o = &row[std::size_t(x) * 4];
      o[0] = r, o[1] = g, o[2] = b, o[3] = a;
    }
    // Source row i spans [i*oh, (i+1)*oh) and output row j spans [j*h, (j+1)*h), in units of 1/h.
    const std::uint64_t lo = std::uint64_t(i) * oh, hi = lo + oh, end_j = std::uint64_t(j + 1) * h;
    const float in_cur = float(double(std::min(hi, end_j) - lo) / h);
    const float in_next = float(double(hi > end_j ? hi - end_j : 0) / h);
    for (std::size_t k = 0; k < row.size(); ++k) {
      cur[k] += in_cur * row[k];
      next[k] += in_next * row[k];
    }
    if (hi >= end_j) {  // output row j is complete
      std::uint8_t* d = &out.rgba[std::size_t(j) * ow * 4];
      for (std::uint32_t x = 0; x < ow; ++x) {
        const float* c = &cur[std::size_t(x) * 4];
        const float un = premul ? (c[3] > 0.f ? 255.f / c[3] : 0.f) : 1.f;
        d[x * 4 + 0] = to_byte(c[0] * un);
        d[x * 4 + 1] = to_byte(c[1] * un);
        d[x * 4 + 2] = to_byte(c[2] * un);
        d[x * 4 + 3] = to_byte(c[3]);
      }
      std::swap(cur, next);
      std::fill(next.begin(), next.end(), 0.f);
      ++j;
    }
  }
  return out;
}

}  // namespace lantern::media
