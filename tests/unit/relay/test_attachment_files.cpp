// Uploaded images on disk (relay/src/attachment_files.h): one complete file per image, named by
// its hash, before its row; on a full disk (ENOSPC/EDQUOT from the file system, SQLITE_FULL from
// the store) a 503 disk_full, no partial file, nothing accepted before lost, and recovery once
// there is room. The file system's failures come through the FileCalls seam; the store's full
// disk is the SQLite store's max_page_count, as in test_store.cpp.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "attachment_files.h"
#include "http.h"
#include "lantern/encoding.h"
#include "lantern/relay/store.h"

using namespace lantern;
using namespace lantern::relay;
namespace fs = std::filesystem;

namespace {

std::string sha(const std::string& s) {
  std::uint8_t d[32];
  encoding::sha256(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), d);
  return encoding::hex_encode(d, 32);
}

struct Dir {
  std::string path;
  explicit Dir(const char* name)
      : path((fs::temp_directory_path() / ("lantern-attach-" + std::string(name) + "-" + std::to_string(::getpid()))).string()) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
};

std::unique_ptr<Store> open_store(const std::string& dir, SqliteOptions o = {}) {
  auto s = open_sqlite_store(dir, o);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(*s);
}

// The file names in a folder, sorted.
std::vector<std::string> files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string image(int i, std::size_t size = 3000) {
  std::string s(size, char('a' + i % 26));
  s += std::to_string(i);
  return s;
}

// File-system failures, as a full disk or quota gives them.
std::atomic<int> g_writes{0};
ssize_t write_half_then_enospc(int fd, const void* buf, std::size_t n) {
  if (g_writes++ == 0) return ::write(fd, buf, n / 2);  // some bytes fit, the rest does not
  errno = ENOSPC;
  return -1;
}
ssize_t write_nothing(int, const void*, std::size_t) { return 0; }
int fsync_edquot(int) {
  errno = EDQUOT;
  return -1;
}
int fsync_eio(int) {
  errno = EIO;
  return -1;
}

void check_disk_full(const Error& e) {
  CHECK(e.code == ErrorCode::io_error);
  CHECK_MESSAGE(is_disk_full(e), e.message);
  Response r = store_error_response(e);
  CHECK(r.status == 503);
  CHECK(r.body.find("\"code\":\"disk_full\"") != std::string::npos);
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after |= k == "Retry-After" && std::stoi(v) > 0;
  CHECK(retry_after);
}

}  // namespace

TEST_CASE("attachments: an image is one complete file under its hash, and concurrent uploads of it make one row") {
  Dir d("once");
  auto store = open_store(d.path + "/store");
  AttachmentFiles files_(d.path + "/attachments", *store);
  std::string bytes = image(1, 200'000);
  std::string h = sha(bytes);
  std::vector<std::thread> pool;
  std::vector<std::string> ids(8);
  std::atomic<int> failed{0};
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&, t] {
      auto r = files_.put(bytes, h, "image/webp", 1000 + t);
      if (r.ok()) ids[std::size_t(t)] = r->id;
      else ++failed;
    });
  }
  for (auto& th : pool) th.join();
  CHECK(failed == 0);
  for (const auto& id : ids) CHECK(id == ids[0]);
  CHECK(files(files_.dir()) == std::vector<std::string>{h + ".webp"});  // no temp file left
  auto rec = store->get_attachment(ids[0]);
  REQUIRE(rec.ok());
  REQUIRE(rec->has_value());
  CHECK((*rec)->path_or_blob_key == files_.path_for(h, "image/webp"));
  CHECK(read((*rec)->path_or_blob_key) == bytes);
  CHECK((*rec)->size == bytes.size());
  struct stat st;
  REQUIRE(::stat((*rec)->path_or_blob_key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(files_.put(bytes, "not-a-hash", "image/webp", 1).ok());
}

TEST_CASE("attachments: ENOSPC or EDQUOT while writing the file is disk_full and leaves no file behind") {
  Dir d("enospc");
  auto store = open_store(d.path + "/store");
  const std::string dir = d.path + "/attachments";
  std::string first = image(1), second = image(2);
  {
    AttachmentFiles ok(dir, *store);
    REQUIRE(ok.put(first, sha(first), "image/webp", 1).ok());
  }
  struct Case {
    const char* name;
    FileCalls calls;
  };
  for (const Case& c : {Case{"ENOSPC after a partial write", {write_half_then_enospc, nullptr}},
                        Case{"a write that stores nothing", {write_nothing, nullptr}},
                        Case{"EDQUOT from fsync", {nullptr, fsync_edquot}}}) {
    CAPTURE(c.name);
    g_writes = 0;
    AttachmentFiles full(dir, *store, c.calls);
    bool wrote = true;
    auto r = full.put(second, sha(second), "image/webp", 2, &wrote);
    REQUIRE_FALSE(r.ok());
    check_disk_full(r.error());
    CHECK_FALSE(wrote);
    // Neither a temp file nor a partial image; the earlier image is untouched.
    CHECK(files(dir) == std::vector<std::string>{sha(first) + ".webp"});
    CHECK(read(full.path_for(sha(first), "image/webp")) == first);
    // An image already stored is still answered while the disk is full: nothing to write.
    auto again = full.put(first, sha(first), "image/webp", 3);
    CHECK_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
  }
  // Another I/O error is a plain store error (503 store_unavailable), also without a file left.
  {
    AttachmentFiles broken(dir, *store, {nullptr, fsync_eio});
    auto r = broken.put(second, sha(second), "image/webp", 2);
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(is_disk_full(r.error()));
    CHECK(store_error_response(r.error()).body.find("\"code\":\"store_unavailable\"") != std::string::npos);
    CHECK(files(dir) == std::vector<std::string>{sha(first) + ".webp"});
  }
  // Space again: the refused image goes in.
  AttachmentFiles ok(dir, *store);
  auto r = ok.put(second, sha(second), "image/webp", 4);
  REQUIRE(r.ok());
  CHECK(read(r->path_or_blob_key) == second);
  CHECK(files(dir).size() == 2);
}

TEST_CASE("attachments: a full store (SQLITE_FULL) on the row is disk_full, removes the new file, keeps the earlier ones and recovers") {
  Dir d("sqlitefull");
  const std::string store_dir = d.path + "/store", dir = d.path + "/attachments";
  std::vector<std::pair<std::string, std::string>> accepted;  // id, bytes
  std::string refused;
  {
    SqliteOptions o;
    o.max_page_count = 48;  // 192 KiB of database: filled below
    auto store = open_store(store_dir, o);
    // Fill the database with tickets, large then smaller, until even a small one does not fit.
    int n = 0;
    for (std::size_t size : {32768u, 4096u, 512u, 64u}) {
      for (int i = 0; i < 200; ++i) {
        NewTicket t;
        t.idempotency_key = "fill-" + std::to_string(n++);
        t.ticket_json = "{\"d\":\"" + std::string(size, 'x') + "\"}";
        t.body_sha256 = sha(t.ticket_json);
        t.now_ms = 1;
        auto r = store->create_ticket(t);
        if (!r.ok()) {
          REQUIRE_MESSAGE(is_disk_full(r.error()), r.error().message);
          break;
        }
      }
    }
    // Then images until their rows no longer fit either.
    AttachmentFiles files_(dir, *store);
    for (int i = 0; i < 400 && refused.empty(); ++i) {
      std::string bytes = image(i, 500);
      auto r = files_.put(bytes, sha(bytes), "image/webp", 10 + i);
      if (r.ok()) {
        accepted.emplace_back(r->id, bytes);
      } else {
        check_disk_full(r.error());
        refused = bytes;
      }
    }
    REQUIRE_FALSE(refused.empty());
    // The refused image's file is gone again; the accepted ones are all there.
    CHECK_FALSE(fs::exists(files_.path_for(sha(refused), "image/webp")));
    CHECK(files(dir).size() == accepted.size());
    // Still full for a new image: the same answer, still no file.
    std::string other = image(1000, 700);
    auto r = files_.put(other, sha(other), "image/webp", 5);
    REQUIRE_FALSE(r.ok());
    check_disk_full(r.error());
    CHECK(files(dir).size() == accepted.size());
  }
  // Room again (no cap): every accepted image is there with its bytes, and the refused one goes in.
  auto store = open_store(store_dir);
  AttachmentFiles files_(dir, *store);
  for (const auto& [id, bytes] : accepted) {
    auto rec = store->get_attachment(id);
    REQUIRE(rec.ok());
    REQUIRE(rec->has_value());
    CHECK(read((*rec)->path_or_blob_key) == bytes);
  }
  auto r = files_.put(refused, sha(refused), "image/webp", 99);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(read(r->path_or_blob_key) == refused);
  CHECK(files(dir).size() == accepted.size() + 1);
}

TEST_CASE("attachments: temp files a crash left are removed at start, recent ones are kept") {
  Dir d("stale");
  auto store = open_store(d.path + "/store");
  const std::string dir = d.path + "/attachments";
  fs::create_directories(dir);
  std::ofstream(dir + "/old.webp.AbCdEf.tmp") << "partial";
  std::ofstream(dir + "/new.webp.GhIjKl.tmp") << "partial";
  std::ofstream(dir + "/kept.webp") << "a complete image";
  fs::last_write_time(dir + "/old.webp.AbCdEf.tmp", fs::file_time_type::clock::now() - std::chrono::hours(2));
  AttachmentFiles files_(dir, *store);
  // The recent one may belong to another relay sharing the folder, writing right now.
  CHECK(files(dir) == std::vector<std::string>{"kept.webp", "new.webp.GhIjKl.tmp"});
}
