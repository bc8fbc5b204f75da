// Key generation and signing: needs a random source, so it lives outside the runtime core.
#include <cstring>

#include "bytes.h"
#include "lantern/bundle.h"
#include "lantern/signing.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"

namespace lantern::kb {

namespace {
struct Rng {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  bool ok = false;
  Rng() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    const char* pers = "lantern-kb";
    ok = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                               reinterpret_cast<const unsigned char*>(pers), std::strlen(pers)) == 0;
  }
  ~Rng() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};
struct Pk {
  mbedtls_pk_context ctx;
  Pk() { mbedtls_pk_init(&ctx); }
  ~Pk() { mbedtls_pk_free(&ctx); }
};
}  // namespace

Result<KeyPair> generate_keypair() {
  Rng rng;
  if (!rng.ok) return make_error(ErrorCode::crypto_error, "no entropy source for key generation");
  Pk pk;
  if (mbedtls_pk_setup(&pk.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
      mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk.ctx), mbedtls_ctr_drbg_random, &rng.drbg) != 0) {
    return make_error(ErrorCode::crypto_error, "EC P-256 key generation failed");
  }
  unsigned char buf[1024];
  KeyPair kp;
  if (mbedtls_pk_write_key_pem(&pk.ctx, buf, sizeof buf) != 0) return make_error(ErrorCode::crypto_error, "cannot encode the private key");
  kp.private_pem = reinterpret_cast<char*>(buf);
  if (mbedtls_pk_write_pubkey_pem(&pk.ctx, buf, sizeof buf) != 0) return make_error(ErrorCode::crypto_error, "cannot encode the public key");
  kp.public_pem = reinterpret_cast<char*>(buf);
  return kp;
}

Status seal_bundle(std::string& bundle, std::string_view private_key_pem) {
  if (bundle.size() < kHeaderSize + kTrailerSize) return make_error(ErrorCode::invalid_argument, "not a built bundle");
  const auto* data = reinterpret_cast<const std::uint8_t*>(bundle.data());
  std::size_t content = rd64(data + 16);
  if (content != bundle.size() - kTrailerSize) return make_error(ErrorCode::invalid_argument, "bundle size does not match its header");
  unsigned char h[32];
  mbedtls_sha256_ret(data, content, h, 0);
  std::memcpy(&bundle[content + 16], h, 32);
  if (private_key_pem.empty()) return ok_status();

  Pk pk;
  std::string key(private_key_pem);
  if (mbedtls_pk_parse_key(&pk.ctx, reinterpret_cast<const unsigned char*>(key.c_str()), key.size() + 1, nullptr, 0) != 0 ||
      !mbedtls_pk_can_do(&pk.ctx, MBEDTLS_PK_ECDSA)) {
    return make_error(ErrorCode::crypto_error, "signing key cannot be read (expected a PEM EC private key from 'lantern-kb keygen')");
  }
  Rng rng;
  unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
  std::size_t sig_len = 0;
  if (!rng.ok || mbedtls_pk_sign(&pk.ctx, MBEDTLS_MD_SHA256, h, 32, sig, &sig_len, mbedtls_ctr_drbg_random, &rng.drbg) != 0 || sig_len > 80) {
    return make_error(ErrorCode::crypto_error, "signing failed");
  }
  unsigned char der[256];
  int len = mbedtls_pk_write_pubkey_der(&pk.ctx, der, sizeof der);
  if (len <= 0) return make_error(ErrorCode::crypto_error, "cannot derive the public key");
  unsigned char kh[32];
  mbedtls_sha256_ret(der + sizeof der - len, std::size_t(len), kh, 0);
  std::string& b = bundle;
  set32(b, content + 12, 1);
  std::memcpy(&b[content + 48], kh, 8);
  set32(b, content + 56, std::uint32_t(sig_len));
  std::memcpy(&b[content + 60], sig, sig_len);
  return ok_status();
}

}  // namespace lantern::kb
