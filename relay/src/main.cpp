// lantern-relay: the self-hosted server that receives tickets for an exchange's help desk.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "relay.h"

namespace {

const char* kUsage = R"(lantern-relay: receives support tickets, checks them, stores them durably

  lantern-relay --bundle FILE [--listen ADDR:PORT] [--data DIR] [--web DIR] [--config FILE]
                [--public-key KEY] [--tls-cert FILE --tls-key FILE] [--bench-noop]

  --bundle FILE      the knowledge-base bundle (built with --forms): its form schemas check
                     every ticket with the same rules as the widget
  --public-key KEY   verify the bundle's signature before using it
  --listen ADDR:PORT where to listen (default 127.0.0.1:8080; 127.0.0.1:0 picks a free port)
  --data DIR         the store: SQLite (WAL) and the relay's secret (default ./lantern-data)
  --store URL        postgresql://user@host:port/db: keep tickets in PostgreSQL instead, so that
                     several relays can share them (each relay still needs --data, holding the
                     same relay.secret on every relay); "" (the default) is SQLite in --data
  --web DIR          also serve these static files under / (the widget and demo page)
  --tls-cert FILE    serve HTTPS (mbedTLS; TLS 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305 only)
                     with this PEM certificate chain; for production put nginx in front instead
  --tls-key FILE     the certificate's private key (PEM, unencrypted; default: in --tls-cert)
  --bench-noop       enable POST /v1/bench/noop, the load benchmark's no-op baseline (off by default)
  --config FILE      JSON with any option below; command-line flags win
                     (and listen, data, store, bundle, public_key, web, tls_cert, tls_key, bench_noop):
                     server:    threads, request_timeout_ms, store_connections, trusted_proxies,
                                metrics_allow (who may read /metrics; default loopback only)
                     limits:    max_ticket_bytes, max_message_bytes, max_attachment_bytes,
                                ticket_rate_per_ip, ticket_burst_per_ip, request_rate_per_ip,
                                request_burst_per_ip, ticket_rate_per_user, ticket_burst_per_user
                                (per verified user: tickets and follow-up messages)
                     browsers:  cors_origins
                     identity:  identity_secret (HMAC-SHA256 key: user.hash marks a ticket verified)
                     agents:    agent_keys, agent_rate_per_key, agent_burst_per_key
                     webhooks:  webhook_url, webhook_secrets, webhook_timeout_ms, webhook_max_attempts,
                                webhook_backoff_initial_ms, webhook_backoff_max_ms, webhook_poll_ms,
                                webhook_concurrency, webhook_ca_file
                     analytics: analytics_enabled, analytics_max_bytes, analytics_rate_per_ip,
                                analytics_burst_per_ip, analytics_rate_total, analytics_burst_total,
                                analytics_queue_events, analytics_flush_interval_ms,
                                analytics_retention_days
  Every option is described in docs/RELAY.md.

  lantern-relay --hash-key < keyfile
                     prints the SHA-256 of an agent API key read from stdin (one line), the
                     key_sha256 of agent_keys in the config file
)";

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  using namespace lantern::relay;
  Config cli;
  std::string config_path;
  bool set_store = false;
  bool set_listen = false, set_data = false, set_web = false, set_bundle = false, set_key = false;
  bool set_cert = false, set_tls_key = false, set_noop = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst, bool& flag) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lantern-relay: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      dst = argv[++i];
      flag = true;
    };
    bool dummy = false;
    if (a == "--hash-key") {
      // From stdin, not argv: a key on the command line would show in ps and shell history.
      std::string key;
      int ch;
      while ((ch = std::getchar()) != EOF && ch != '\n') key.push_back(char(ch));
      if (!key.empty() && key.back() == '\r') key.pop_back();
      if (key.size() < 16) {
        std::fprintf(stderr, "lantern-relay: --hash-key reads the key from stdin; it needs at least 16 characters (openssl rand -base64 32)\n");
        return 2;
      }
      std::printf("%s\n", hash_agent_key(key).c_str());
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--listen") value(cli.listen, set_listen);
    else if (a == "--data") value(cli.data_dir, set_data);
    else if (a == "--store") value(cli.store, set_store);
    else if (a == "--web") value(cli.web_dir, set_web);
    else if (a == "--bundle") value(cli.bundle_path, set_bundle);
    else if (a == "--public-key") value(cli.public_key_path, set_key);
    else if (a == "--config") value(config_path, dummy);
    else if (a == "--tls-cert") value(cli.tls_cert, set_cert);
    else if (a == "--tls-key") value(cli.tls_key, set_tls_key);
    else if (a == "--bench-noop") set_noop = true;
    else {
      std::fprintf(stderr, "lantern-relay: unknown option %s\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  Config config;
  if (!config_path.empty()) {
    auto loaded = load_config(config_path, config);
    if (!loaded) {
      std::fprintf(stderr, "lantern-relay: %s\n", loaded.error().message.c_str());
      return 2;
    }
    config = *loaded;
  }
  if (set_listen) config.listen = cli.listen;
  if (set_data) config.data_dir = cli.data_dir;
  if (set_store) config.store = cli.store;
  if (set_web) config.web_dir = cli.web_dir;
  if (set_bundle) config.bundle_path = cli.bundle_path;
  if (set_key) config.public_key_path = cli.public_key_path;
  if (set_cert) config.tls_cert = cli.tls_cert;
  if (set_tls_key) config.tls_key = cli.tls_key;
  if (set_noop) config.bench_noop = true;

  auto relay = Relay::create(config);
  if (!relay) {
    std::fprintf(stderr, "lantern-relay: %s\n", relay.error().message.c_str());
    return 1;
  }
  if (auto st = (*relay)->start(); !st) {
    std::fprintf(stderr, "lantern-relay: %s\n", st.error().message.c_str());
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::printf("lantern-relay: listening on %s://%s (port %d), store in %s\n", config.tls_cert.empty() ? "http" : "https",
              config.listen.c_str(), (*relay)->port(), config.data_dir.c_str());
  std::fflush(stdout);
  while (!g_stop) ::pause();
  (*relay)->stop();
  return 0;
}
