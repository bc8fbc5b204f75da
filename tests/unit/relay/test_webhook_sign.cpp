// Webhook signing against the Standard Webhooks specification's published example, the
// forwarder's URL parsing and retry schedule, and the agent key hash.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "forwarder.h"
#include "relay.h"
#include "webhook_sign.h"

using namespace lantern;
using namespace lantern::relay;

TEST_CASE("webhook signature: the Standard Webhooks example") {
  // The spec's reference libraries sign this message with this secret to this value
  // (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
  auto key = parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key.ok());
  CHECK(key->size() == 24);
  std::string sig = sign_webhook({*key}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  CHECK(sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook signature: one v1 signature per secret, in order, for key rotation") {
  auto a = parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  auto b = parse_webhook_secret("whsec_" + base64_std(std::string(32, '\x42')));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::string both = sign_webhook({*a, *b}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  std::string only_b = sign_webhook({*b}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  CHECK(both == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= " + only_b);
  // Any change to id, timestamp or body changes the signature.
  CHECK(sign_webhook({*a}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, R"({"test": 2432232314})") !=
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook secrets: whsec_ and 24 to 64 bytes of base64, or a clear error") {
  CHECK_FALSE(parse_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").ok());
  CHECK_FALSE(parse_webhook_secret("whsec_not base64!").ok());
  auto short_key = parse_webhook_secret("whsec_" + base64_std("0123456789"));
  REQUIRE_FALSE(short_key.ok());
  CHECK(short_key.error().message.find("24 to 64 bytes") != std::string::npos);
  CHECK(short_key.error().message.find("MDEy") == std::string::npos);  // the secret is not echoed
  CHECK_FALSE(parse_webhook_secret("whsec_" + base64_std(std::string(65, 'k'))).ok());
  CHECK(parse_webhook_secret("whsec_" + base64_std(std::string(64, 'k'))).ok());
}

TEST_CASE("webhook URL: https or http with host, port and path") {
  auto t = parse_webhook_url("http://127.0.0.1:9000/hooks/lantern?x=1");
  REQUIRE(t.ok());
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 9000);
  CHECK(t->path == "/hooks/lantern?x=1");
  t = parse_webhook_url("http://helpdesk.internal");
  REQUIRE(t.ok());
  CHECK(t->port == 80);
  CHECK(t->path == "/");
  t = parse_webhook_url("http://[::1]:8081/h");
  REQUIRE(t.ok());
  CHECK(t->host == "[::1]");
  CHECK(t->port == 8081);
  CHECK_FALSE(t->tls);
  auto https = parse_webhook_url("https://helpdesk.example.com/hook");
  REQUIRE(https.ok());
  CHECK(https->tls);
  CHECK(https->port == 443);
  CHECK(https->host == "helpdesk.example.com");
  https = parse_webhook_url("https://helpdesk.example.com:8443");
  REQUIRE(https.ok());
  CHECK(https->port == 8443);
  CHECK(https->path == "/");
  for (const char* bad : {"ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:99999/", "http://h:8x/",
                          "http://u:p@h/", "http://h/a b", "helpdesk.example.com", "https://", "httpx://h/"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_webhook_url(bad).ok());
  }
}

TEST_CASE("webhook retries: exponential, capped, jittered, never sooner than Retry-After") {
  CHECK(retry_delay_ms(1, 1000, 60000, 1.0, -1) == 1000);
  CHECK(retry_delay_ms(2, 1000, 60000, 1.0, -1) == 2000);
  CHECK(retry_delay_ms(5, 1000, 60000, 1.0, -1) == 16000);
  CHECK(retry_delay_ms(30, 1000, 60000, 1.0, -1) == 60000);
  CHECK(retry_delay_ms(1000, 1000, 60000, 1.0, -1) == 60000);
  CHECK(retry_delay_ms(3, 1000, 60000, 0.0, -1) == 2000);  // jitter takes at most half
  CHECK(retry_delay_ms(1, 1000, 60000, 0.0, 30000) == 30000);
  CHECK(retry_delay_ms(1, 1000, 60000, 0.0, 10LL * 24 * 3600 * 1000) == 24LL * 3600 * 1000);  // capped at a day
}

TEST_CASE("agent keys: the config holds SHA-256 in hex") {
  CHECK(hash_agent_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
