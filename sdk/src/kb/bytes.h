// Little-endian reads and writes at any alignment (bundle bytes may sit anywhere in memory).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace lantern::kb {

inline std::uint16_t rd16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t rd32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}
inline std::uint64_t rd64(const std::uint8_t* p) {
  return std::uint64_t(rd32(p)) | std::uint64_t(rd32(p + 4)) << 32;
}
inline float rdf32(const std::uint8_t* p) {
  std::uint32_t u = rd32(p);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline void put16(std::string& b, std::uint16_t v) {
  b.push_back(char(v & 0xFF));
  b.push_back(char(v >> 8));
}
inline void put32(std::string& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(char((v >> (8 * i)) & 0xFF));
}
inline void put64(std::string& b, std::uint64_t v) {
  put32(b, std::uint32_t(v));
  put32(b, std::uint32_t(v >> 32));
}
inline void putf32(std::string& b, float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  put32(b, u);
}
inline void set32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = char((v >> (8 * i)) & 0xFF);
}
inline void set64(std::string& b, std::size_t at, std::uint64_t v) {
  set32(b, at, std::uint32_t(v));
  set32(b, at + 4, std::uint32_t(v >> 32));
}
inline void put_varint(std::string& b, std::uint32_t v) {
  while (v >= 0x80) {
    b.push_back(char((v & 0x7F) | 0x80));
    v >>= 7;
  }
  b.push_back(char(v));
}
// Reads a varint from [p, end); returns false when it runs past end or over 5 bytes.
inline bool get_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& v) {
  v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (p >= end) return false;
    std::uint8_t c = *p++;
    v |= std::uint32_t(c & 0x7F) << shift;
    if (!(c & 0x80)) return true;
  }
  return false;
}

}  // namespace lantern::kb
