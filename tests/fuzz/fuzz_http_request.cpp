// Fuzz target: arbitrary bytes sent as an HTTP request to the real relay. A relay (civetweb,
// built from source, and every handler: routing, headers, the client address behind proxies,
// CORS, idempotency keys, body limits, ticket JSON, messages, attachments, agent routes, static
// files) runs in this process on loopback with its store in a temporary folder; each input is
// written to a fresh connection, the write side is closed, and the answer is read to the end.
// Crashes, sanitizer reports and hangs in any worker thread fail the run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "builder.h"
#include "lantern/signing.h"
#include "relay.h"

namespace {

std::unique_ptr<lantern::relay::Relay> g_relay;
int g_port = 0;

std::string temp_dir() {
  std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";  // fsync is free there
  std::string tmpl = base + "/lantern-fuzz-http-XXXXXX";
  if (!::mkdtemp(tmpl.data())) std::abort();
  return tmpl;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace lantern;
  kbtool::BundleBuilder b;
  if (!b.add_jsonl(R"({"id":"a","lang":"en","title":"a","body":"a"})", "a.jsonl") ||
      !b.add_forms(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/forms")) {
    std::abort();
  }
  auto bytes = b.build(0);
  if (!bytes || !kb::seal_bundle(*bytes, "")) std::abort();
  std::string dir = temp_dir();
  write_file(dir + "/kb.bundle", *bytes);
  ::mkdir((dir + "/web").c_str(), 0700);
  write_file(dir + "/web/index.html", "<h1>widget</h1>");
  relay::Config c;
  c.listen = "127.0.0.1:0";
  c.data_dir = dir + "/data";
  c.bundle_path = dir + "/kb.bundle";
  c.web_dir = dir + "/web";
  c.threads = 4;
  c.request_timeout_ms = 2000;
  c.max_attachment_bytes = 1 << 20;
  c.ticket_rate_per_ip = c.ticket_burst_per_ip = c.request_rate_per_ip = c.request_burst_per_ip = 1e9;
  c.cors_origins = {"https://exchange.example"};
  c.trusted_proxies = {"127.0.0.1", "::1"};
  c.identity_secret = "fuzz";
  c.bench_noop = true;
  auto r = relay::Relay::create(c);
  if (!r) {
    std::fprintf(stderr, "fuzz_http_request: %s\n", r.error().message.c_str());
    std::abort();
  }
  g_relay = std::move(*r);
  if (!g_relay->start()) std::abort();
  g_port = g_relay->port();
  return 0;
}

namespace {
// Not findings, so retried on a fresh socket: libFuzzer's SIGALRM (its -timeout watchdog)
// interrupting a connect that waits for the accept queue (EINTR), and, at thousands of loopback
// connections a second, ephemeral ports all in TIME_WAIT (EADDRNOTAVAIL; up to a minute).
int connect_to_relay() {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(std::uint16_t(g_port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int tries = 0;; ++tries) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) std::abort();
    timeval tv{10, 0};  // well past request_timeout_ms: a hang is a finding, not a wait
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    int e = errno;
    ::close(fd);
    if ((e != EADDRNOTAVAIL && e != EINTR) || tries >= 1200) {
      std::fprintf(stderr, "fuzz_http_request: cannot connect to the relay: %s\n", std::strerror(e));
      std::abort();
    }
    if (e == EADDRNOTAVAIL) ::usleep(50 * 1000);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fd = connect_to_relay();
  std::size_t off = 0;
  while (off < size) {
    ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the relay answered early (413, 400) and closed: fine
    off += std::size_t(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      std::fprintf(stderr, "fuzz_http_request: no end of answer within 10 s\n");
      std::abort();
    }
    break;
  }
  ::close(fd);
  return 0;
}
