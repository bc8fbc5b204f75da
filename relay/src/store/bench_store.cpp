// lantern-store-bench: how many durable tickets per second the store takes on this disk, next to
// the disk's raw fsync rate measured in the same run (group commit is what lets the first exceed
// the second). SQLite by default; --store postgresql://... measures the PostgreSQL backend
// instead (relay/src/store/bench_postgres.sh runs it beside pgbench on the same server). Not a
// test: numbers go to docs/BENCHMARKS.md.
//
//   lantern-store-bench [--dir DIR] [--threads N] [--tickets M] [--body BYTES] [--max-batch B]
//                       [--store postgresql://... [--pool CONNECTIONS]]
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lantern/relay/store.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Appends 4 KiB and syncs, for `secs` seconds: what one WAL commit costs at least.
double sync_rate(const std::string& dir, bool data_only, double secs) {
  std::string path = dir + "/fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  char block[4096];
  std::memset(block, 'x', sizeof block);
  long n = 0;
  auto t0 = Clock::now();
  while (seconds_since(t0) < secs) {
    if (::write(fd, block, sizeof block) != ssize_t(sizeof block)) break;
    if ((data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0) break;
    ++n;
  }
  double rate = double(n) / seconds_since(t0);
  ::close(fd);
  ::unlink(path.c_str());
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/var/tmp/lantern-store-bench-" + std::to_string(::getpid());
  int threads = 16, tickets = 500;
  std::size_t body = 2000, max_batch = 512, connections = 0;
  std::string store_url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--dir") dir = v;
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--tickets") tickets = std::atoi(v.c_str());
    else if (a == "--body") body = std::size_t(std::atol(v.c_str()));
    else if (a == "--max-batch") max_batch = std::size_t(std::atol(v.c_str()));
    else if (a == "--store") store_url = v;
    else if (a == "--pool") connections = std::size_t(std::atol(v.c_str()));
    else {
      std::fprintf(stderr, "lantern-store-bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  double fsyncs = sync_rate(dir, false, 2.0), fdatasyncs = sync_rate(dir, true, 2.0);
  std::printf("disk: %.0f write+fsync/s, %.0f write+fdatasync/s (4 KiB appends, %s)\n", fsyncs, fdatasyncs, dir.c_str());

  lantern::relay::StoreOptions options;
  options.sqlite.max_batch = max_batch;
  options.postgres.pool_size = connections ? connections : std::size_t(threads);  // one connection per thread unless told
  auto store = lantern::relay::open_store(store_url, dir + "/store", options);
  if (!store) {
    std::fprintf(stderr, "lantern-store-bench: %s\n", store.error().message.c_str());
    return 1;
  }
  std::string json = "{\"schema\":\"lantern.ticket/1\",\"fields\":{\"description\":\"" + std::string(body, 'a') + "\"}}";
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
  std::vector<int> failures(static_cast<std::size_t>(threads), 0);
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < tickets; ++i) {
        lantern::relay::NewTicket nt;
        nt.idempotency_key = "bench-" + std::to_string(t) + "-" + std::to_string(i);
        nt.body_sha256 = nt.idempotency_key;  // any stable value: the bench never replays
        nt.ticket_json = json;
        nt.now_ms = 1700000000000;
        auto s = Clock::now();
        auto r = (*store)->create_ticket(nt);
        lat[std::size_t(t)].push_back(seconds_since(s) * 1000);
        if (!r || !r->created) ++failures[std::size_t(t)];
      }
    });
  }
  for (auto& th : pool) th.join();
  double wall = seconds_since(t0);

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, std::size_t(p * double(all.size())))]; };
  int failed = 0;
  for (int f : failures) failed += f;
  auto st = (*store)->stats();
  std::uintmax_t wal = std::filesystem::exists(dir + "/store/relay.db-wal") ? std::filesystem::file_size(dir + "/store/relay.db-wal") : 0;
  if (store_url.empty()) {
    std::printf("store: SQLite, %d threads x %d tickets (%zu-byte body, max_batch %zu): %.0f durable tickets/s in %.2f s, %d failed\n",
                threads, tickets, body, max_batch, double(all.size()) / wall, wall, failed);
  } else {
    std::printf("store: PostgreSQL, %d threads x %d tickets (%zu-byte body, %zu connections): %.0f durable tickets/s in %.2f s, %d failed\n",
                threads, tickets, body, options.postgres.pool_size, double(all.size()) / wall, wall, failed);
  }
  std::printf("latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", pct(0.50), pct(0.99), all.back());
  if (st && store_url.empty()) {
    std::printf("commits: %llu for %llu writes (%.1f tickets per fsync); %.2fx the disk's fsync rate; WAL file %.1f MiB, %llu pages in use\n",
                (unsigned long long)st->commits, (unsigned long long)st->writes,
                st->commits ? double(st->writes) / double(st->commits) : 0.0, (double(all.size()) / wall) / fdatasyncs,
                double(wal) / 1048576.0, (unsigned long long)st->wal_pages);
  }
  store->reset();
  std::filesystem::remove_all(dir);
  return failed == 0 ? 0 : 1;
}
