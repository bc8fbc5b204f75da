#include "lantern/signing.h"

#include <cstring>
#include <memory>

#include "bytes.h"
#include "lantern/bundle.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"

namespace lantern::kb {

namespace {

constexpr std::size_t kSigMax = 80;

struct Pk {
  mbedtls_pk_context ctx;
  Pk() { mbedtls_pk_init(&ctx); }
  ~Pk() { mbedtls_pk_free(&ctx); }
  Pk(const Pk&) = delete;
  Pk& operator=(const Pk&) = delete;
};

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(d[p[i] >> 4]);
    s.push_back(d[p[i] & 15]);
  }
  return s;
}

void sha256(const std::uint8_t* p, std::size_t n, unsigned char out[32]) {
  mbedtls_sha256_ret(p, n, out, 0);
}

Status parse_public(Pk& pk, std::string_view pem) {
  // mbedTLS wants PEM text with its terminating NUL counted.
  std::string buf(pem);
  int rc = mbedtls_pk_parse_public_key(&pk.ctx, reinterpret_cast<const unsigned char*>(buf.c_str()), buf.size() + 1);
  if (rc != 0) return make_error(ErrorCode::crypto_error, "public key cannot be read (expected a PEM EC P-256 public key)");
  if (!mbedtls_pk_can_do(&pk.ctx, MBEDTLS_PK_ECDSA)) return make_error(ErrorCode::crypto_error, "public key is not an EC key");
  return ok_status();
}

Result<std::string> key_id_of(Pk& pk) {
  unsigned char der[256];
  int len = mbedtls_pk_write_pubkey_der(&pk.ctx, der, sizeof der);
  if (len <= 0) return make_error(ErrorCode::crypto_error, "public key cannot be encoded");
  unsigned char h[32];
  sha256(der + sizeof der - len, std::size_t(len), h);
  return std::string(reinterpret_cast<char*>(h), 8);
}

// Structure checks shared by verification: sizes and the trailer magic.
Result<std::uint64_t> content_size(const std::uint8_t* data, std::size_t size) {
  if (data == nullptr || size < kHeaderSize + kTrailerSize) {
    return make_error(ErrorCode::truncated, "bundle is truncated: " + std::to_string(size) + " bytes is too small for a bundle");
  }
  if (std::memcmp(data, kMagic, 8) != 0) return make_error(ErrorCode::bad_format, "not a Lantern bundle (the file does not start with the bundle magic)");
  std::uint64_t content = rd64(data + 16);
  // Compared without adding to content: a hostile header can make content + trailer wrap.
  if (content > size - kTrailerSize) {
    return make_error(ErrorCode::truncated, "bundle is truncated: the header says " + std::to_string(content) +
                                                " bytes of content plus a " + std::to_string(kTrailerSize) +
                                                "-byte trailer, the file has " + std::to_string(size));
  }
  if (content < size - kTrailerSize) {
    return make_error(ErrorCode::tampered, "bundle was altered: " + std::to_string(size - kTrailerSize - content) + " bytes were appended after its end");
  }
  if (std::memcmp(data + content, kTrailerMagic, 8) != 0) return make_error(ErrorCode::bad_format, "bundle is malformed: signature trailer missing");
  return content;
}

}  // namespace

Status check_integrity(const std::uint8_t* data, std::size_t size) {
  auto content = content_size(data, size);
  if (!content) return content.error();
  unsigned char h[32];
  sha256(data, *content, h);
  if (std::memcmp(h, data + *content + 16, 32) != 0) {
    return make_error(ErrorCode::tampered, "bundle was altered: its content does not match the hash it was built with");
  }
  return ok_status();
}

Result<std::string> public_key_id(std::string_view pem) {
  Pk pk;
  if (auto st = parse_public(pk, pem); !st) return st.error();
  auto id = key_id_of(pk);
  if (!id) return id.error();
  return hex(reinterpret_cast<const unsigned char*>(id->data()), 8);
}

Status verify_bundle(const std::uint8_t* data, std::size_t size, std::string_view public_key_pem) {
  Pk pk;
  if (auto st = parse_public(pk, public_key_pem); !st) return st.error();
  if (auto st = check_integrity(data, size); !st) return st.error();
  const std::uint8_t* t = data + rd64(data + 16);
  if (!(rd32(t + 12) & 1)) return make_error(ErrorCode::unsigned_bundle, "bundle is not signed (built without --sign-key)");
  auto kid = key_id_of(pk);
  if (!kid) return kid.error();
  if (std::memcmp(kid->data(), t + 48, 8) != 0) {
    return make_error(ErrorCode::wrong_key, "bundle is signed with a different key (key id " + hex(t + 48, 8) +
                                                ", expected " + hex(reinterpret_cast<const unsigned char*>(kid->data()), 8) + ")");
  }
  std::uint32_t sig_len = rd32(t + 56);
  if (sig_len == 0 || sig_len > kSigMax) return make_error(ErrorCode::bad_format, "bundle is malformed: bad signature length");
  unsigned char h[32];
  std::memcpy(h, t + 16, 32);  // equals the content hash, checked above
  if (mbedtls_pk_verify(&pk.ctx, MBEDTLS_MD_SHA256, h, 32, t + 60, sig_len) != 0) {
    return make_error(ErrorCode::tampered, "bundle was altered: the signature does not match its content");
  }
  return ok_status();
}

}  // namespace lantern::kb
