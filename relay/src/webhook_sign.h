// Standard Webhooks signatures (https://www.standardwebhooks.com, spec/standard-webhooks.md):
// webhook-signature = "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), one per
// secret, separated by spaces, so a receiver can move to a new secret while the old one still works.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::relay {

// "whsec_" + base64 of 24 to 64 random bytes, as the spec writes symmetric secrets; returns the
// key bytes. Errors say what is wrong without echoing the secret.
Result<std::string> parse_webhook_secret(std::string_view secret);

// The webhook-signature header value for one message, one "v1,<base64>" per key.
std::string sign_webhook(const std::vector<std::string>& keys, std::string_view id, std::int64_t timestamp_s,
                         std::string_view body);

std::string base64_std(std::string_view bytes);  // RFC 4648 with padding

}  // namespace lantern::relay
