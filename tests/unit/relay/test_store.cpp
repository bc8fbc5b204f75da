// The relay's store: idempotency, concurrency, the event log and deliveries, a killed process,
// run against both backends: "store: ..." on SQLite, "store (postgres): ..." on PostgreSQL (a
// fresh schema per test case on the server named by LANTERN_PG_URL; those cases are skipped
// by default and run by the ctest fixture in tests/integration/CMakeLists.txt, which starts a
// server). Then each backend's own cases: a full disk and schema versions (SQLite); racing
// stores, out-of-order commits, leases and lost connections (PostgreSQL).
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lantern/encoding.h"
#include "lantern/relay/store.h"

using namespace lantern;
using namespace lantern::relay;

namespace {

std::string sha(const std::string& s) {
  std::uint8_t d[32];
  encoding::sha256(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), d);
  return encoding::hex_encode(d, 32);
}

NewTicket new_ticket(const std::string& key, const std::string& json = R"({"schema":"lantern.ticket/1"})", std::int64_t now = 1000) {
  NewTicket t;
  t.idempotency_key = key;
  t.ticket_json = json;
  t.body_sha256 = sha(json);
  t.now_ms = now;
  return t;
}

// A fresh folder per test case, removed afterwards.
struct TempDir {
  std::string path;
  explicit TempDir(const char* name)
      : path((std::filesystem::temp_directory_path() / ("lantern-store-" + std::string(name) + "-" + std::to_string(::getpid()))).string()) {
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::unique_ptr<Store> open_store(const std::string& dir, SqliteOptions o = {}) {
  auto s = open_sqlite_store(dir, o);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(*s);
}

CreateResult create(Store& s, const NewTicket& t) {
  auto r = s.create_ticket(t);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(*r);
}

// Runs SQL on the store's file with a separate connection (the store must be closed).
std::string sql_scalar(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/relay.db").c_str(), &db) == SQLITE_OK);
  std::string out;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* p, int, char** v, char**) {
        *static_cast<std::string*>(p) = v[0] ? v[0] : "";
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

// Runs SQL on a PostgreSQL server and returns the first value of the last result ("" if none).
std::string pg_scalar(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  REQUIRE_MESSAGE(PQstatus(c) == CONNECTION_OK, PQerrorMessage(c));
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(c, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  std::string error = PQresultErrorMessage(r);
  std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  REQUIRE_MESSAGE((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK), error);
  return out;
}

// The store under test, opened as often as a case needs (reopening sees the same data).
struct Backend {
  virtual ~Backend() = default;
  virtual Result<std::unique_ptr<Store>> try_open() = 0;  // no REQUIRE: also used in a forked child
  std::unique_ptr<Store> open() {
    auto s = try_open();
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    return std::move(*s);
  }
  virtual void check_integrity() {}
};

struct SqliteBackend : Backend {
  TempDir dir;
  explicit SqliteBackend(const char* name) : dir(name) {}
  Result<std::unique_ptr<Store>> try_open() override { return open_sqlite_store(dir.path, {}); }
  void check_integrity() override { CHECK(sql_scalar(dir.path, "PRAGMA integrity_check") == "ok"); }
};

// A schema of its own per test case, dropped afterwards; the store's tables go into it through
// the connection's search_path.
struct PgBackend : Backend {
  std::string server, schema, url;
  PostgresOptions options;
  explicit PgBackend(const char* name) {
    const char* env = std::getenv("LANTERN_PG_URL");
    REQUIRE_MESSAGE(env, "LANTERN_PG_URL is not set: run the postgres cases through ctest (its fixture starts a server)");
    server = env;
    schema = std::string("lantern_") + name + "_" + std::to_string(::getpid());
    pg_scalar(server, "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    // application_name: lets a case find its own connections (and only them) on the server.
    url = server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema +
          "&application_name=" + schema;
  }
  ~PgBackend() override {
    PGconn* c = PQconnectdb(server.c_str());
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE").c_str()));
    PQfinish(c);
  }
  Result<std::unique_ptr<Store>> try_open() override { return open_postgres_store(url, options); }
  std::string scalar(const std::string& sql) { return pg_scalar(url, sql); }
};

// One body, two test cases: SQLite always, PostgreSQL when the fixture runs it (--no-skip).
#define STORE_TEST(title, fn)                                                  \
  TEST_CASE("store: " title) {                                                 \
    SqliteBackend b(#fn);                                                      \
    fn(b);                                                                     \
  }                                                                            \
  TEST_CASE("store (postgres): " title * doctest::skip()) {                    \
    PgBackend b(#fn);                                                          \
    fn(b);                                                                     \
  }

}  // namespace

static void idempotency(Backend& b) {
  auto s = b.open();
  CreateResult first = create(*s, new_ticket("key-1"));
  CHECK(first.created);
  CHECK(first.ticket.id.size() == 14);
  CHECK(first.ticket.id.rfind("T-", 0) == 0);
  CHECK(first.ticket.status == "open");

  CreateResult again = create(*s, new_ticket("key-1"));
  CHECK_FALSE(again.created);
  CHECK(again.ticket.id == first.ticket.id);

  auto conflict = s->create_ticket(new_ticket("key-1", R"({"other":true})"));
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().code == ErrorCode::duplicate);
  CHECK(conflict.error().message.find("conflict") == 0);

  auto st = s->stats();
  REQUIRE(st.ok());
  CHECK(st->tickets == 1);
  CHECK(st->events == 1);
  CHECK(st->pending_deliveries == 1);

  auto bad = s->create_ticket(new_ticket(""));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::invalid_argument);
}
STORE_TEST("the same key and body returns the first ticket, another body is a conflict", idempotency)

static void concurrent(Backend& b) {
  auto s = b.open();
  constexpr int kThreads = 16, kKeys = 8, kRounds = 20;
  std::vector<std::map<std::string, std::string>> seen(kThreads);  // key -> id, per thread
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kKeys; ++k) {
          std::string key = "shared-" + std::to_string((k + t) % kKeys);
          auto res = s->create_ticket(new_ticket(key, "{\"k\":\"" + key + "\"}"));
          if (!res) {
            ++failed;
            continue;
          }
          if (res->created) ++created;
          auto [it, fresh] = seen[std::size_t(t)].emplace(key, res->ticket.id);
          if (!fresh && it->second != res->ticket.id) ++failed;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(failed == 0);
  CHECK(created == kKeys);
  for (int t = 1; t < kThreads; ++t) CHECK(seen[std::size_t(t)] == seen[0]);
  auto st = s->stats();
  REQUIRE(st.ok());
  CHECK(st->tickets == kKeys);
  CHECK(st->events == kKeys);
  auto all = s->list_tickets("", 100, "");
  REQUIRE(all.ok());
  CHECK(all->size() == kKeys);
}
STORE_TEST("16 threads creating 8 repeated keys make exactly one ticket per key", concurrent)

static void events(Backend& b) {
  auto s = b.open();
  CreateResult t = create(*s, new_ticket("k", "{}", 1000));
  auto m1 = s->add_message(t.ticket.id, "user", "it is still missing", 2000);
  REQUIRE(m1.ok());
  auto m2 = s->add_message(t.ticket.id, "agent:alice", "looking into it", 3000);
  REQUIRE(m2.ok());
  CHECK(m2->id > m1->id);
  CHECK(s->add_message(t.ticket.id, "robot", "x", 1).error().code == ErrorCode::invalid_argument);
  CHECK(s->add_message(t.ticket.id, "agent:", "x", 1).error().code == ErrorCode::invalid_argument);
  CHECK(s->add_message("T-NOSUCHTICKET", "user", "x", 1).error().code == ErrorCode::invalid_argument);

  auto msgs = s->messages(t.ticket.id);
  REQUIRE(msgs.ok());
  REQUIRE(msgs->size() == 2);
  CHECK((*msgs)[0].body == "it is still missing");
  CHECK((*msgs)[1].author == "agent:alice");

  REQUIRE(s->set_status(t.ticket.id, "pending", 4000).ok());
  REQUIRE(s->set_status(t.ticket.id, "pending", 4500).ok());  // no change, no event
  REQUIRE(s->set_status(t.ticket.id, "solved", 5000).ok());
  CHECK(s->set_status(t.ticket.id, "reopened", 1).error().code == ErrorCode::invalid_argument);
  CHECK(s->set_status("T-NOSUCHTICKET", "closed", 1).error().code == ErrorCode::invalid_argument);
  auto after = s->get_ticket(t.ticket.id);
  CHECK((*after)->status == "solved");
  CHECK((*after)->updated_ms == 5000);
  CHECK((*after)->created_ms == 1000);

  auto ev = s->events_after(0, 100);
  REQUIRE(ev.ok());
  std::vector<std::string> types;
  for (const auto& e : *ev) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{"ticket.created", "message.created", "message.created", "ticket.status_changed",
                                          "ticket.status_changed"});
  std::set<std::string> ids;
  for (std::size_t i = 0; i < ev->size(); ++i) {
    CHECK((*ev)[i].ticket_id == t.ticket.id);
    CHECK((*ev)[i].id.size() == 36);
    ids.insert((*ev)[i].id);
    if (i > 0) CHECK((*ev)[i].seq > (*ev)[i - 1].seq);
  }
  CHECK(ids.size() == ev->size());
  CHECK(ev->back().payload_json == "{\"from\":\"pending\",\"ticket_id\":\"" + t.ticket.id + "\",\"to\":\"solved\"}");

  auto tail = s->events_after((*ev)[2].seq, 100);
  REQUIRE(tail.ok());
  REQUIRE(tail->size() == 2);
  CHECK((*tail)[0].seq == (*ev)[3].seq);
  CHECK(s->events_after(0, 2)->size() == 2);
  CHECK(s->events_after(ev->back().seq, 10)->empty());

  // Listing: creation order, by status, continuing after an id.
  CreateResult t2 = create(*s, new_ticket("k2"));
  CreateResult t3 = create(*s, new_ticket("k3"));
  auto open = s->list_tickets("open", 10, "");
  REQUIRE(open.ok());
  REQUIRE(open->size() == 2);
  CHECK((*open)[0].id == t2.ticket.id);
  auto page = s->list_tickets("", 1, t2.ticket.id);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK((*page)[0].id == t3.ticket.id);
  CHECK(s->list_tickets("", 10, "T-NOSUCHTICKET").error().code == ErrorCode::invalid_argument);
  CHECK(s->list_tickets("lost", 10, "").error().code == ErrorCode::invalid_argument);
}
STORE_TEST("messages, status changes and the event log in cursor order", events)

static void deliveries(Backend& backend) {
  auto s = backend.open();
  CreateResult a = create(*s, new_ticket("a", "{}", 1000));
  CreateResult b = create(*s, new_ticket("b", "{}", 1000));
  auto due = s->due_deliveries(1000, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].first.ticket_id == a.ticket.id);
  CHECK((*due)[0].second.state == "pending");
  CHECK((*due)[0].second.attempts == 0);
  CHECK(s->due_deliveries(999, 10)->empty());
  std::int64_t seq_a = (*due)[0].first.seq, seq_b = (*due)[1].first.seq;

  auto rd = s->record_delivery(seq_b, true, "", 0, 3);
  REQUIRE_MESSAGE(rd.ok(), (rd.ok() ? "" : rd.error().message));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    std::int64_t now = 1000 * attempt;
    auto d = s->due_deliveries(now, 10);
    REQUIRE(d->size() == 1);
    CHECK((*d)[0].first.seq == seq_a);
    CHECK((*d)[0].second.attempts == attempt - 1);
    REQUIRE(s->record_delivery(seq_a, false, "HTTP 502", now + 1000, 3).ok());
    if (attempt < 3) {
      CHECK(s->due_deliveries(now + 999, 10)->empty());  // backed off
      CHECK((*s->due_deliveries(now + 1000, 10))[0].second.last_error == "HTTP 502");
    }
  }
  CHECK(s->due_deliveries(1'000'000, 10)->empty());
  auto st = s->stats();
  CHECK(st->dead_deliveries == 1);
  CHECK(st->pending_deliveries == 0);
  REQUIRE(s->record_delivery(seq_a, true, "", 0, 3).ok());  // late: a dead delivery stays dead
  CHECK(s->stats()->dead_deliveries == 1);
  CHECK(s->record_delivery(999, true, "", 0, 3).error().code == ErrorCode::invalid_argument);
}
STORE_TEST("deliveries are due, retried, and dead after max attempts", deliveries)

static void attachments(Backend& b) {
  auto s = b.open();
  AttachmentRecord a{"", std::string(64, 'a'), "image/png", 1234, 1000, "blobs/aa"};
  auto first = s->put_attachment(a);
  REQUIRE(first.ok());
  CHECK(first->id.rfind("A-", 0) == 0);
  a.path_or_blob_key = "blobs/aa-copy";
  auto second = s->put_attachment(a);
  REQUIRE(second.ok());
  CHECK(second->id == first->id);
  CHECK(second->path_or_blob_key == "blobs/aa");
  auto other = s->put_attachment({"", std::string(64, 'b'), "image/webp", 10, 1000, "blobs/bb"});
  REQUIRE(other.ok());
  CHECK(other->id != first->id);
  auto got = s->get_attachment(first->id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->size == 1234);
  CHECK((*got)->type == "image/png");
  CHECK_FALSE(s->get_attachment("A-NONE")->has_value());
  CHECK(s->put_attachment({"", "not-hex", "image/png", 1, 1, "x"}).error().code == ErrorCode::invalid_argument);
}
STORE_TEST("attachments are deduplicated by sha256", attachments)

TEST_CASE("store: a full disk fails only the write that did not fit, and the store stays healthy") {
  TempDir dir("full");
  SqliteOptions o;
  o.max_page_count = 64;  // 256 KiB: a 1 MiB ticket cannot fit, small ones can
  std::string big = "{\"description\":\"" + std::string(1 << 20, 'x') + "\"}";
  {
    auto s = open_store(dir.path, o);
    for (int i = 0; i < 3; ++i) create(*s, new_ticket("small-" + std::to_string(i)));
    auto full = s->create_ticket(new_ticket("big", big));
    REQUIRE_FALSE(full.ok());
    CHECK(full.error().code == ErrorCode::io_error);
    CHECK(full.error().message.find("the store's disk is full") == 0);
    // Nothing of it was written: no ticket, no event, no delivery.
    auto st = s->stats();
    REQUIRE(st.ok());
    CHECK(st->tickets == 3);
    CHECK(st->events == 3);
    CHECK(st->pending_deliveries == 3);
    // Healthy: small writes still fit, also when committed in one batch with a big one.
    create(*s, new_ticket("small-3"));
    std::vector<std::thread> pool;
    std::atomic<int> ok{0}, full_errors{0};
    for (int t = 0; t < 6; ++t) {
      pool.emplace_back([&, t] {
        auto r = s->create_ticket(t == 0 ? new_ticket("big-2", big) : new_ticket("batch-" + std::to_string(t)));
        if (r.ok()) ++ok;
        else if (r.error().message.find("disk is full") != std::string::npos) ++full_errors;
      });
    }
    for (auto& th : pool) th.join();
    CHECK(ok == 5);
    CHECK(full_errors == 1);
    CHECK(s->stats()->tickets == 9);
  }
  // With room again, the refused ticket goes in under the same key.
  auto s = open_store(dir.path);
  CreateResult late = create(*s, new_ticket("big", big));
  CHECK(late.created);
  CHECK(s->stats()->tickets == 10);
  s.reset();
  CHECK(sql_scalar(dir.path, "PRAGMA integrity_check") == "ok");
}

static void reopen(Backend& b) {
  std::string id;
  std::int64_t last_seq = 0;
  {
    auto s = b.open();
    CreateResult t = create(*s, new_ticket("k"));
    id = t.ticket.id;
    REQUIRE(s->add_message(id, "user", "hello", 2000).ok());
    last_seq = s->events_after(0, 10)->back().seq;
  }
  auto s = b.open();
  auto t = s->get_ticket(id);
  REQUIRE(t.ok());
  REQUIRE(t->has_value());
  CHECK((*t)->idempotency_key == "k");
  CHECK(s->messages(id)->size() == 1);
  CHECK_FALSE(create(*s, new_ticket("k")).created);
  REQUIRE(s->set_status(id, "closed", 3000).ok());
  auto ev = s->events_after(last_seq, 10);
  REQUIRE(ev->size() == 1);
  CHECK(ev->front().seq > last_seq);
}
STORE_TEST("everything survives reopening, and the event cursor continues", reopen)

TEST_CASE("store: a second process on the same folder is refused") {
  TempDir dir("second");
  auto s = open_store(dir.path);
  auto again = open_sqlite_store(dir.path, {});  // a second opener of the same folder
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("another process") != std::string::npos);
}

// Claims (lease_ms > 0) are what lets several forwarders share one outbox.
static void leases(Backend& b) {
  auto s = b.open();
  for (int i = 0; i < 5; ++i) create(*s, new_ticket("lease-" + std::to_string(i), "{}", 1000));
  auto first = s->due_deliveries(1000, 3, 60'000);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 3);
  CHECK((*first)[0].second.next_attempt_ms == 61'000);
  auto second = s->due_deliveries(1000, 10, 60'000);  // only the two nobody holds
  REQUIRE(second.ok());
  REQUIRE(second->size() == 2);
  std::set<std::int64_t> seqs;
  for (const auto& d : *first) seqs.insert(d.first.seq);
  for (const auto& d : *second) seqs.insert(d.first.seq);
  CHECK(seqs.size() == 5);
  CHECK(s->due_deliveries(60'999, 10, 60'000)->empty());
  CHECK(s->due_deliveries(60'999, 10)->empty());  // a look sees the leases too
  // Recorded attempts end the lease: a failure is due at its own next attempt.
  REQUIRE(s->record_delivery((*first)[0].first.seq, true, "", 0, 3).ok());
  REQUIRE(s->record_delivery((*first)[1].first.seq, false, "HTTP 500", 2000, 3).ok());
  auto retry = s->due_deliveries(2000, 10, 60'000);
  REQUIRE(retry->size() == 1);
  CHECK(retry->front().first.seq == (*first)[1].first.seq);
  CHECK(retry->front().second.attempts == 1);
  // A claimer that never reports (it died): due again when its lease ends.
  auto expired = s->due_deliveries(61'000, 10, 60'000);
  REQUIRE(expired.ok());
  CHECK(expired->size() == 3);
  CHECK(s->due_deliveries(1000, 10, -1).error().code == ErrorCode::invalid_argument);
}
STORE_TEST("claimed deliveries go to one caller until the lease ends or an attempt is recorded", leases)

TEST_CASE("store: a database from a newer relay is refused with a clear error") {
  TempDir dir("version");
  open_store(dir.path).reset();
  CHECK(sql_scalar(dir.path, "PRAGMA user_version") == "3");
  sql_scalar(dir.path, "PRAGMA user_version = 99");
  auto s = open_sqlite_store(dir.path, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::bad_format);
  CHECK(s.error().message.find("has schema version 99, newer than this lantern-relay understands (3)") != std::string::npos);

  TempDir other("foreign");
  std::filesystem::create_directories(other.path);
  sql_scalar(other.path, "CREATE TABLE x(y); PRAGMA application_id = 42");
  auto f = open_sqlite_store(other.path, {});
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message.find("is not a Lantern relay store") != std::string::npos);
}

TEST_CASE("store: a version 1 database (with stored token hashes) is migrated and keeps its tickets") {
  TempDir dir("v1");
  std::filesystem::create_directories(dir.path);
  // The first release's tickets table, with the access_token_hash column the store no longer has.
  sql_scalar(dir.path, R"sql(
    CREATE TABLE tickets(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, access_token_hash TEXT NOT NULL,
      idempotency_key TEXT NOT NULL UNIQUE, body_sha256 TEXT NOT NULL, ticket_json TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')), verified INTEGER NOT NULL,
      user_id TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE INDEX tickets_by_status ON tickets(status, seq);
    CREATE TABLE messages(id INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL REFERENCES tickets(id), author TEXT NOT NULL,
      body TEXT NOT NULL, created_ms INTEGER NOT NULL);
    CREATE INDEX messages_by_ticket ON messages(ticket_id, id);
    CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL,
      ticket_id TEXT NOT NULL REFERENCES tickets(id), payload_json TEXT NOT NULL, created_ms INTEGER NOT NULL);
    CREATE TABLE deliveries(event_seq INTEGER PRIMARY KEY REFERENCES events(seq), attempts INTEGER NOT NULL,
      next_attempt_ms INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
      last_error TEXT NOT NULL);
    CREATE INDEX deliveries_by_state ON deliveries(state, event_seq);
    CREATE TABLE attachments(id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, type TEXT NOT NULL, size INTEGER NOT NULL,
      created_ms INTEGER NOT NULL, path_or_blob_key TEXT NOT NULL);
    INSERT INTO tickets VALUES (1, 'T-OLDTICKET234', 'ab', 'old-key', ')sql" + sha("{}") + R"sql(', '{}', 'open', 0, '', 5, 5);
    INSERT INTO events VALUES (1, 'e', 'ticket.created', 'T-OLDTICKET234', '{}', 5);
    INSERT INTO deliveries VALUES (1, 0, 5, 'pending', '');
    PRAGMA application_id = 1280201810; PRAGMA user_version = 1;)sql");
  {
    auto s = open_store(dir.path);
    auto old = s->get_ticket("T-OLDTICKET234");
    REQUIRE(old.ok());
    REQUIRE(old->has_value());
    CHECK((*old)->idempotency_key == "old-key");
    CreateResult replay = create(*s, new_ticket("old-key", "{}"));
    CHECK_FALSE(replay.created);
    CHECK(replay.ticket.id == "T-OLDTICKET234");
    CreateResult fresh = create(*s, new_ticket("new-key"));
    CHECK(fresh.created);
    auto ev = s->events_after(0, 10);
    REQUIRE(ev->size() == 2);
    CHECK(ev->back().seq == 2);  // the cursor continues
    CHECK(*s->setting("k", "v") == "v");  // the settings table of version 3
  }
  CHECK(sql_scalar(dir.path, "PRAGMA user_version") == "3");
  CHECK(sql_scalar(dir.path, "SELECT COUNT(*) FROM pragma_table_info('tickets') WHERE name = 'access_token_hash'") == "0");
  CHECK(sql_scalar(dir.path, "PRAGMA integrity_check") == "ok");
}

static void sigkill(Backend& b) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child: 8 threads create tickets as fast as they can and report each one only after
    // create_ticket returned, i.e. after the store acknowledged it.
    ::close(fds[0]);
    auto s = b.try_open();
    if (!s) ::_exit(3);
    std::vector<std::thread> pool;
    for (int t = 0; t < 8; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string key = "kill-" + std::to_string(t) + "-" + std::to_string(i);
          auto r = (*s)->create_ticket(new_ticket(key, "{\"n\":" + std::to_string(i) + "}"));
          if (!r) ::_exit(4);
          std::string line = key + " " + r->ticket.id + "\n";  // < PIPE_BUF: one atomic write
          if (::write(fds[1], line.data(), line.size()) != ssize_t(line.size())) ::_exit(5);
        }
      });
    }
    for (auto& th : pool) th.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  FILE* in = ::fdopen(fds[0], "r");
  REQUIRE(in);
  std::map<std::string, std::string> acked;  // key -> id
  char key[64], id[32];
  while (acked.size() < 2000 && std::fscanf(in, "%63s %31s", key, id) == 2) acked[key] = id;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  while (std::fscanf(in, "%63s %31s", key, id) == 2) acked[key] = id;  // acknowledged before it died
  std::fclose(in);
  REQUIRE(acked.size() >= 2000);
  INFO("acknowledged before SIGKILL: " << acked.size());

  auto s = b.open();
  for (const auto& [k, tid] : acked) {
    auto t = s->get_ticket(tid);
    REQUIRE(t.ok());
    REQUIRE_MESSAGE(t->has_value(), "lost acknowledged ticket " << tid);
    CHECK((*t)->idempotency_key == k);
  }
  // Exactly once: one ticket per key, and each with exactly one creation event.
  std::set<std::string> keys;
  std::size_t listed = 0;
  std::string after;
  for (;;) {
    auto page = s->list_tickets("", 1000, after);
    REQUIRE(page.ok());
    if (page->empty()) break;
    for (const auto& t : *page) keys.insert(t.idempotency_key);
    listed += page->size();
    after = page->back().id;
  }
  CHECK(keys.size() == listed);
  auto st = s->stats();
  CHECK(st->tickets == listed);
  CHECK(st->events == listed);
  CHECK(st->pending_deliveries == listed);
  s.reset();
  b.check_integrity();
}
STORE_TEST("a process killed with SIGKILL loses no acknowledged ticket", sigkill)

// A setting is stored once: later values and other openers get the first.
static void settings(Backend& b) {
  auto s = b.open();
  auto other = b.try_open();  // a second relay on the same store (PostgreSQL); SQLite allows one process
  Store& second = other.ok() ? **other : *s;
  std::vector<std::thread> pool;
  std::vector<std::string> got(8);
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&, t] {
      auto r = (t % 2 ? second : *s).setting("fingerprint", "value-" + std::to_string(t));
      got[std::size_t(t)] = r ? *r : "error: " + r.error().message;
    });
  }
  for (auto& th : pool) th.join();
  CHECK(got[0].rfind("value-", 0) == 0);
  for (const auto& g : got) CHECK(g == got[0]);
  CHECK(*s->setting("fingerprint", "later") == got[0]);
  CHECK(*s->setting("another", "x") == "x");
  CHECK(s->setting("", "x").error().code == ErrorCode::invalid_argument);
  if (other.ok()) other->reset();
  s.reset();
  CHECK(*b.open()->setting("fingerprint", "after reopening") == got[0]);
}
STORE_TEST("a setting is stored once, whoever asks first", settings)

// The cursor under concurrent writers: every event seen once, in increasing seq, none skipped.
static void poller(Backend& b) {
  auto s = b.open();
  constexpr int kWriters = 8, kTickets = 60;
  std::atomic<bool> done{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < kWriters; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < kTickets; ++i) {
        auto r = s->create_ticket(new_ticket("poll-" + std::to_string(t) + "-" + std::to_string(i)));
        if (r && i % 3 == 0) (void)s->add_message(r->ticket.id, "user", "more", 2000);
      }
    });
  }
  std::vector<Event> seen;
  std::int64_t cursor = 0;
  auto drain = [&] {
    for (;;) {
      auto ev = s->events_after(cursor, 50);
      REQUIRE(ev.ok());
      if (ev->empty()) return;
      for (auto& e : *ev) {
        CHECK(e.seq > cursor);
        cursor = e.seq;
        seen.push_back(std::move(e));
      }
    }
  };
  std::thread watcher([&] {
    while (!done) {
      for (;;) {
        auto ev = s->events_after(cursor, 50);
        if (!ev || ev->empty()) break;
        for (auto& e : *ev) {
          if (e.seq <= cursor) done = true;  // checked again below
          cursor = e.seq;
          seen.push_back(std::move(e));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (auto& th : pool) th.join();
  done = true;
  watcher.join();
  drain();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ids.insert(seen[i].id);
    if (i > 0) CHECK(seen[i].seq > seen[i - 1].seq);
  }
  auto st = s->stats();
  REQUIRE(st.ok());
  CHECK(ids.size() == seen.size());   // none twice
  CHECK(seen.size() == st->events);  // none missed
  CHECK(st->tickets == kWriters * kTickets);
}
STORE_TEST("a poller following the cursor during concurrent writes sees every event once", poller)

// [SECTION] PostgreSQL only

TEST_CASE("store: a PostgreSQL server that cannot be reached is an io_error naming it, not the password") {
  auto s = open_postgres_store("postgresql://lantern:s3cret-pw@127.0.0.1:1/lantern_db", {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::io_error);
  CHECK(s.error().message.find("cannot connect to the PostgreSQL store at 127.0.0.1:1/lantern_db") == 0);
  CHECK(s.error().message.find("s3cret-pw") == std::string::npos);
  auto bad = open_store("mysql://lantern:s3cret-pw@db/x", "unused");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message.find("s3cret-pw") == std::string::npos);
  TempDir dir("factory");
  auto sqlite = open_store("", dir.path);
  REQUIRE(sqlite.ok());
  CHECK(std::filesystem::exists(dir.path + "/relay.db"));
}

TEST_CASE("store (postgres): two stores (two relays) racing the same keys make one ticket per key" * doctest::skip()) {
  PgBackend b("race");
  auto s1 = b.open(), s2 = b.open();
  constexpr int kThreads = 8, kKeys = 25;
  std::vector<std::map<std::string, std::string>> seen(kThreads);
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      Store& s = t % 2 ? *s1 : *s2;
      for (int k = 0; k < kKeys; ++k) {
        std::string key = "race-" + std::to_string(k);
        auto r = s.create_ticket(new_ticket(key, "{\"k\":\"" + key + "\"}"));
        if (!r) {
          ++failed;
          continue;
        }
        if (r->created) ++created;
        seen[std::size_t(t)][key] = r->ticket.id;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(failed == 0);
  CHECK(created == kKeys);
  for (int t = 1; t < kThreads; ++t) CHECK(seen[std::size_t(t)] == seen[0]);
  auto st = s1->stats();
  CHECK(st->tickets == kKeys);
  CHECK(st->events == kKeys);
  CHECK(st->pending_deliveries == kKeys);
}

TEST_CASE("store (postgres): an event that commits after a later one still comes after the cursor" * doctest::skip()) {
  PgBackend b("late");
  auto s = b.open();
  CreateResult t = create(*s, new_ticket("late"));
  // A transaction that inserted an event (taking the smaller internal number) stays open ...
  PGconn* held = PQconnectdb(b.url.c_str());
  REQUIRE(PQstatus(held) == CONNECTION_OK);
  PQclear(PQexec(held, "BEGIN"));
  PGresult* ins = PQexec(held, ("INSERT INTO events(id, type, ticket_id, payload_json, created_ms) VALUES "
                                "('late-event', 'message.created', '" + t.ticket.id + "', '{}', 1)").c_str());
  CHECK(PQresultStatus(ins) == PGRES_COMMAND_OK);
  PQclear(ins);
  // ... while a later event commits, and a poller reads up to it.
  REQUIRE(s->add_message(t.ticket.id, "user", "after", 2000).ok());
  auto ev = s->events_after(0, 100);
  REQUIRE(ev.ok());
  REQUIRE(ev->size() == 2);
  std::int64_t cursor = ev->back().seq;
  CHECK(ev->back().type == "message.created");
  // The held transaction commits: its event must come after the poller's cursor.
  PGresult* commit = PQexec(held, "COMMIT");
  CHECK(PQresultStatus(commit) == PGRES_COMMAND_OK);
  PQclear(commit);
  PQfinish(held);
  auto tail = s->events_after(cursor, 100);
  REQUIRE(tail.ok());
  REQUIRE(tail->size() == 1);
  CHECK(tail->front().id == "late-event");
  CHECK(tail->front().seq > cursor);
}

TEST_CASE("store (postgres): forwarders of two relays claiming at once never get the same delivery" * doctest::skip()) {
  PgBackend b("claims");
  auto s1 = b.open(), s2 = b.open();
  constexpr int kTickets = 120;
  for (int i = 0; i < kTickets; ++i) create(*s1, new_ticket("claim-" + std::to_string(i), "{}", 1000));
  std::mutex mu;
  std::vector<std::int64_t> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      Store& s = t % 2 ? *s1 : *s2;
      for (;;) {
        auto due = s.due_deliveries(5000, 7, 60'000);
        if (!due) {
          ++errors;
          return;
        }
        if (due->empty()) return;
        for (const auto& [e, d] : *due) {
          {
            std::lock_guard<std::mutex> lk(mu);
            claimed.push_back(e.seq);
          }
          if (!s.record_delivery(e.seq, true, "", 0, 3)) ++errors;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(errors == 0);
  std::set<std::int64_t> unique(claimed.begin(), claimed.end());
  CHECK(unique.size() == claimed.size());
  CHECK(claimed.size() == kTickets);
  CHECK(s1->stats()->pending_deliveries == 0);
}

TEST_CASE("store (postgres): connections the server dropped are replaced" * doctest::skip()) {
  PgBackend b("dropped");
  auto s = b.open();
  CreateResult t = create(*s, new_ticket("dropped"));
  auto kill_ours = [&] {
    pg_scalar(b.server, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + b.schema + "'");
  };
  kill_ours();
  // Idempotent calls retry once on a new connection: the caller sees nothing.
  auto got = s->get_ticket(t.ticket.id);
  REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
  CHECK(got->has_value());
  kill_ours();
  CHECK(create(*s, new_ticket("dropped-2")).created);
  // Adding a message is not retried (it might have committed): a clear io_error, then it works.
  kill_ours();
  auto lost = s->add_message(t.ticket.id, "user", "x", 2000);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::io_error);
  CHECK(lost.error().message.find("cannot be reached") != std::string::npos);
  CHECK(s->add_message(t.ticket.id, "user", "x", 2000).ok());
}

TEST_CASE("store (postgres): a newer schema and another application's tables are refused" * doctest::skip()) {
  {
    PgBackend b("newer");
    b.open().reset();
    b.scalar("UPDATE lantern_meta SET value = '99' WHERE key = 'schema_version'");
    auto s = b.try_open();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::bad_format);
    CHECK(s.error().message.find("has schema version 99, newer than this lantern-relay understands (1)") != std::string::npos);
  }
  PgBackend other("foreign");
  other.scalar("CREATE TABLE tickets(x integer)");
  auto s = other.try_open();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::bad_format);
  CHECK(s.error().message.find("not a Lantern relay store") != std::string::npos);
}
