// The whole relay in this process, hit from many threads at once: tickets, follow-ups, uploads,
// agent reads and writes, analytics, reports, /metrics and /healthz, while the forwarder posts
// every event to a webhook receiver on loopback and the store's writer commits in groups. The
// assertions are about behaviour (every request answered as documented, counters that add up,
// every event delivered); the point of the test is also the thread mix itself: the
// ThreadSanitizer build (docs/RELAY.md, "Checking for data races") runs it to find data races
// between civetweb's workers, the forwarder, the store's writer and the analytics aggregator.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "builder.h"
#include "lantern/encoding.h"
#include "lantern/seams.h"
#include "lantern/signing.h"
#include "lantern/ticket.h"
#include "relay.h"

using namespace lantern;
using nlohmann::json;

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hex_of(std::uint64_t a, std::uint64_t b) {
  std::uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = std::uint8_t(a >> (8 * i));
    bytes[8 + i] = std::uint8_t(b >> (8 * i));
  }
  return encoding::hex_encode(bytes, 16);
}

std::string ticket_json(const std::string& key, int n) {
  std::int64_t now = wall_ms();
  std::string txid;
  for (int i = 0; i < 2; ++i) txid += hex_of(std::uint64_t(n) * 7919 + std::uint64_t(i), std::uint64_t(now) + std::uint64_t(i));
  json t = {{"schema", "lantern.ticket/1"}, {"idempotency_key", key}, {"created_at", ticket::format_utc(now)},
            {"language", "zh-CN"}, {"category", "withdrawal-not-received"}, {"form_version", 1},
            {"fields", {{"coin", "USDT"}, {"chain", "tron"}, {"status", "completed"}, {"txid", txid},
                        {"address", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}, {"amount", "1250.5"},
                        {"time", {{"at", ticket::format_utc(now - 3'600'000)}, {"approximate", true}}},
                        {"description", "提币显示已完成，但对方平台说没有收到。"}}},
            {"attachments", json::array()}, {"client", {{"name", "test"}, {"version", "0"}, {"bundle", "x"}}}};
  return t.dump();
}

// A webhook receiver on loopback: one thread per connection, every fifth delivery refused with
// 503 (so retries run too); records the webhook-id of each accepted delivery.
class Receiver {
 public:
  Receiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    for (auto& t : handlers_) t.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::set<std::string> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handlers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string in;
    char buf[8192];
    std::size_t head_end = std::string::npos, need = 0;
    while (true) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 10'000) <= 0) break;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, std::size_t(n));
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        std::size_t cl = in.find("Content-Length: ");
        need = head_end + 4 + (cl < head_end ? std::stoul(in.substr(cl + 16)) : 0);
      }
      if (head_end != std::string::npos && in.size() >= need) break;
    }
    std::string id;
    if (std::size_t k = in.find("webhook-id: "); k != std::string::npos) id = in.substr(k + 12, in.find("\r\n", k) - k - 12);
    bool refuse = count_++ % 5 == 4;
    if (!refuse && !id.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      ids_.insert(id);
    }
    std::string out = refuse ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                             : "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
  std::vector<std::thread> handlers_;  // only the accept thread adds; joined after it
  std::mutex mu_;
  std::set<std::string> ids_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of a metric line "name value" in a Prometheus text body; -1 when absent.
double metric(const std::string& body, const std::string& name) {
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

}  // namespace

TEST_CASE("relay threads: tickets, uploads, agents, analytics, reports and metrics at once, every event forwarded") {
  std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::filesystem::temp_directory_path().string();
  std::string dir = base + "/lantern-relay-threads-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  struct Cleanup {
    std::string d;
    ~Cleanup() { std::filesystem::remove_all(d); }
  } cleanup{dir};

  kbtool::BundleBuilder b;
  REQUIRE(b.add_jsonl(R"({"id":"fees","lang":"en","title":"Fees","body":"Withdrawal fees by chain."})", "a.jsonl"));
  REQUIRE(b.add_forms(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/forms"));
  auto bytes = b.build(0);
  REQUIRE(bytes.ok());
  REQUIRE(kb::seal_bundle(*bytes, "").ok());
  std::ofstream(dir + "/kb.bundle", std::ios::binary) << *bytes;

  Receiver rx;
  const std::string agent_key = "agent-key-for-the-thread-test-0123456789";
  relay::Config c;
  c.listen = "127.0.0.1:0";
  c.data_dir = dir + "/data";
  c.bundle_path = dir + "/kb.bundle";
  c.threads = 12;
  c.ticket_rate_per_ip = c.ticket_burst_per_ip = c.request_rate_per_ip = c.request_burst_per_ip = 1e9;
  c.agent_keys = {{"alice", relay::hash_agent_key(agent_key), false}};
  c.agent_rate_per_key = c.agent_burst_per_key = 1e9;
  c.analytics.rate_per_ip = c.analytics.burst_per_ip = c.analytics.rate_total = c.analytics.burst_total = 1e9;
  c.analytics.flush_interval_ms = 20;
  c.webhook.url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hook";
  c.webhook.secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  c.webhook.poll_ms = 50;
  c.webhook.backoff_initial_ms = 50;
  c.webhook.backoff_max_ms = 200;
  c.webhook.concurrency = 4;
  auto created = relay::Relay::create(c);
  REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  std::unique_ptr<relay::Relay> relay = std::move(*created);
  REQUIRE(relay->start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(relay->port());

  auto transport = make_native_transport({});
  REQUIRE(transport.ok());
  Transport& http = **transport;
  auto call = [&](const std::string& method, const std::string& path, const std::string& body = "",
                  std::vector<HttpHeader> headers = {}) -> HttpResponse {
    HttpRequest r;
    r.method = method;
    r.url = url + path;
    r.body = body;
    r.headers = std::move(headers);
    r.timeout_ms = 60'000;  // generous: the sanitizer build is several times slower
    r.max_response_bytes = 8u << 20;
    TransportResult t = http.send(r);
    if (t.error != TransportError::none) return HttpResponse{-1, {}, t.message};
    return t.response;
  };
  const HttpHeader json_type{"Content-Type", "application/json"};
  const HttpHeader agent_auth{"Authorization", "Bearer " + agent_key};
  const std::string png = read_file(std::string(LANTERN_SOURCE_DIR) + "/tests/fuzz/corpus/image/gradient.png");
  REQUIRE_FALSE(png.empty());

  constexpr int kThreads = 8, kRounds = 12;
  std::atomic<int> tickets_created{0}, unexpected{0}, analytics_accepted{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::set<std::string> attachment_ids;
  auto expect = [&](const HttpResponse& r, int status, const char* what) {
    if (r.status == status) return true;
    ++unexpected;
    std::lock_guard<std::mutex> lock(failures_mu);
    failures.push_back(std::string(what) + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    return false;
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string key = hex_of(std::uint64_t(t) + 1, std::uint64_t(i) + 1000);
        auto tk = call("POST", "/v1/tickets", ticket_json(key, t * 1000 + i), {json_type, {"Idempotency-Key", key}});
        if (!expect(tk, 201, "ticket")) continue;
        ++tickets_created;
        json ans = json::parse(tk.body);
        std::string id = ans["id"], token = ans["access_token"];
        HttpHeader user_auth{"Authorization", "Bearer " + token};
        switch ((t + i) % 4) {
          case 0: {  // the user follows up and reads
            expect(call("POST", "/v1/tickets/" + id + "/messages", R"({"body":"any news?"})", {json_type, user_auth}), 201, "message");
            expect(call("GET", "/v1/tickets/" + id, "", {user_auth}), 200, "get ticket");
            break;
          }
          case 1: {  // an upload (the same image from every thread: one file, one id)
            auto up = call("POST", "/v1/attachments", png, {{"Content-Type", "image/png"}});
            if (expect(up, 201, "upload")) {
              std::lock_guard<std::mutex> lock(failures_mu);
              attachment_ids.insert(json::parse(up.body)["id"].get<std::string>());
            }
            break;
          }
          case 2: {  // an agent lists, reads, replies and changes the status
            expect(call("GET", "/v1/agent/tickets?limit=20", "", {agent_auth}), 200, "agent list");
            expect(call("GET", "/v1/agent/tickets/" + id, "", {agent_auth}), 200, "agent get");
            expect(call("POST", "/v1/agent/tickets/" + id + "/messages", R"({"body":"looking into it"})", {json_type, agent_auth}), 201,
                   "agent reply");
            expect(call("POST", "/v1/agent/tickets/" + id + "/status", R"({"status":"pending"})", {json_type, agent_auth}), 200,
                   "agent status");
            expect(call("GET", "/v1/agent/events?after=0&limit=50", "", {agent_auth}), 200, "agent events");
            break;
          }
          default: {  // analytics, a report, the operator's endpoints
            auto a = call("POST", "/v1/analytics/events",
                          R"({"events":[{"kind":"search","query":"fee schedule","lang":"en","results":1,"opened":null},)"
                          R"({"kind":"contact","category":"withdrawal-not-received","article_opened_before":true,"ticket_filed":true}]})",
                          {json_type});
            if (expect(a, 202, "analytics")) analytics_accepted += json::parse(a.body)["accepted"].get<int>();
            expect(call("GET", "/v1/agent/reports/ticket-volume", "", {agent_auth}), 200, "report");
            expect(call("GET", "/metrics"), 200, "metrics");
            expect(call("GET", "/healthz"), 200, "healthz");
            break;
          }
        }
      }
    });
  }
  for (auto& th : clients) th.join();
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) MESSAGE(failures[i]);
  CHECK(unexpected == 0);
  CHECK(tickets_created == kThreads * kRounds);
  CHECK(attachment_ids.size() == 1);

  // Every event in the log reaches the receiver (the refused fifth after a retry).
  std::set<std::string> events;
  for (std::int64_t cursor = 0;;) {
    auto r = call("GET", "/v1/agent/events?after=" + std::to_string(cursor) + "&limit=1000", "", {agent_auth});
    REQUIRE(r.status == 200);
    json page = json::parse(r.body);
    for (const auto& e : page["events"]) events.insert(e["id"].get<std::string>());
    cursor = page["next_cursor"].get<std::int64_t>();
    if (!page["has_more"].get<bool>()) break;
  }
  CHECK(events.size() >= std::size_t(kThreads * kRounds));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::size_t missing = events.size();
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = rx.ids();
    missing = 0;
    for (const auto& id : events) missing += got.count(id) == 0;
    if (missing == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(missing == 0);

  // The counters add up.
  auto m = call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(metric(m.body, "lantern_tickets_created_total") == double(kThreads * kRounds));
  CHECK(metric(m.body, "lantern_analytics_events_accepted_total") == double(analytics_accepted));
  CHECK(metric(m.body, "lantern_webhook_delivered_total") >= double(events.size()));
  relay->stop();  // with the forwarder and the aggregator still busy
  relay.reset();
}
