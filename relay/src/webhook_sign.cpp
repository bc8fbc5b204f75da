#include "webhook_sign.h"

#include "lantern/encoding.h"
#include "mbedtls/base64.h"
#include "mbedtls/md.h"

namespace lantern::relay {

Result<std::string> parse_webhook_secret(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) != kPrefix) {
    return make_error(ErrorCode::invalid_argument, "a webhook secret must start with whsec_ followed by base64");
  }
  auto key = encoding::base64_decode(secret.substr(kPrefix.size()));
  if (!key) return make_error(ErrorCode::invalid_argument, "a webhook secret is not valid base64 after whsec_");
  // The spec asks for 24 to 64 bytes: shorter keys are guessable, longer ones gain nothing for HMAC-SHA256.
  if (key->size() < 24 || key->size() > 64) {
    return make_error(ErrorCode::invalid_argument,
                      "a webhook secret must hold 24 to 64 bytes (this one holds " + std::to_string(key->size()) +
                          "); make one with: echo whsec_$(openssl rand -base64 32)");
  }
  return std::string(key->begin(), key->end());
}

std::string base64_std(std::string_view bytes) {
  std::size_t n = 0;
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &n,
                        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(n);
  return out;
}

std::string sign_webhook(const std::vector<std::string>& keys, std::string_view id, std::int64_t timestamp_s,
                         std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  const mbedtls_md_info_t* sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  std::string header;
  for (const auto& key : keys) {
    unsigned char mac[32];
    mbedtls_md_hmac(sha256, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac);
    if (!header.empty()) header += ' ';
    header += "v1," + base64_std(std::string_view(reinterpret_cast<const char*>(mac), 32));
  }
  return header;
}

}  // namespace lantern::relay
