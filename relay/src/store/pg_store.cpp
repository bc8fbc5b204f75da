// PostgreSQL backend of the relay's store (lantern/relay/store.h): several relays share one
// database, with the same guarantees as the SQLite backend.
//
//   connections  a pool of libpq connections (PostgresOptions::pool_size), opened as needed; a
//                call takes one, runs its transaction and gives it back. A connection the server
//                dropped is thrown away; idempotent calls then retry once on a new one.
//   tickets      one statement per create: INSERT ... ON CONFLICT (idempotency_key) DO NOTHING,
//                with the ticket.created event and its delivery inserted by the same statement's
//                CTEs (one transaction, one round trip). When two relays race one key, the second
//                insert waits for the first transaction, then inserts nothing (no event either)
//                and reads the winner's ticket: same body -> a replay, other body -> duplicate.
//   event seq    PostgreSQL sequences hand out numbers in call order but transactions commit in
//                any order, so a poller following "seq > cursor" could step over a smaller seq
//                that commits later. Instead events are inserted without a seq (an internal pk
//                orders deliveries) and numbered after they committed: events_after and
//                due_deliveries first run the sequencer, which under a transaction-level
//                advisory lock gives every committed, unnumbered event the next values of the
//                event_cursor sequence. Runs are serialized by the lock, and each sees the
//                commits of the runs before it, so a seq handed out later is always larger than
//                every seq any reader could have seen: nothing appears behind a cursor. Writers
//                never wait for each other (concurrent commits share the server's WAL flush);
//                the sequencer is one short write per poll, only when something is unnumbered.
//   deliveries   a claim (lease_ms > 0) is SELECT ... FOR UPDATE SKIP LOCKED that moves
//                next_attempt_ms to the lease's end in the same statement: several relays'
//                forwarders never get the same delivery, and a forwarder that dies releases its
//                claims when the leases end.
//   durability   synchronous_commit = on is set for every session: a commit returns only after
//                the server flushed its WAL, so what the relay acknowledged is durable whatever
//                the server's default (the server's own commit_delay may group the flushes).
//
// Schema changes: bump kSchemaVersion and add a step to migrate().
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ids.h"
#include "lantern/relay/store.h"

namespace lantern::relay {

namespace {

constexpr int kSchemaVersion = 1;
constexpr std::size_t kMaxList = 1000;
// Advisory lock keys ("LNTR" and a purpose), held to the end of their transaction.
#define SCHEMA_LOCK "5498987102011621377"     // 0x4C4E545200000001: creating or migrating the schema
#define SEQUENCER_LOCK "5498987102011621378"  // 0x4C4E545200000002: numbering events

const char* const kSchema = R"sql(
CREATE TABLE tickets(
  seq bigserial PRIMARY KEY,  -- creation order, for listing
  id text NOT NULL UNIQUE,
  idempotency_key text NOT NULL UNIQUE,
  body_sha256 text NOT NULL,
  ticket_json text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
  verified boolean NOT NULL,
  user_id text NOT NULL,
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL);
CREATE INDEX tickets_by_status ON tickets(status, seq);
CREATE TABLE messages(
  id bigserial PRIMARY KEY,
  ticket_id text NOT NULL REFERENCES tickets(id),
  author text NOT NULL,
  body text NOT NULL,
  created_ms bigint NOT NULL);
CREATE INDEX messages_by_ticket ON messages(ticket_id, id);
-- seq: the public cursor, NULL until the sequencer numbers the committed event.
CREATE SEQUENCE event_cursor;
CREATE TABLE events(
  pk bigserial PRIMARY KEY,
  seq bigint UNIQUE,
  id text NOT NULL,
  type text NOT NULL,
  ticket_id text NOT NULL REFERENCES tickets(id),
  payload_json text NOT NULL,
  created_ms bigint NOT NULL);
CREATE INDEX events_unnumbered ON events(pk) WHERE seq IS NULL;
CREATE TABLE deliveries(
  event_pk bigint PRIMARY KEY REFERENCES events(pk),
  attempts integer NOT NULL,
  next_attempt_ms bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  last_error text NOT NULL);
CREATE INDEX deliveries_due ON deliveries(next_attempt_ms) WHERE state = 'pending';
CREATE INDEX deliveries_by_state ON deliveries(state);
CREATE TABLE attachments(
  id text PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  type text NOT NULL,
  size bigint NOT NULL,
  created_ms bigint NOT NULL,
  path_or_blob_key text NOT NULL);
)sql";

#define TICKET_COLS "id, idempotency_key, body_sha256, ticket_json, status, verified, user_id, created_ms, updated_ms"
#define EVENT_COLS "e.seq, e.id, e.type, e.ticket_id, e.payload_json, e.created_ms"
#define ATTACHMENT_COLS "id, sha256, type, size, created_ms, path_or_blob_key"

// [SECTION] libpq

// One pooled connection and what belongs to it.
struct Conn {
  PGconn* pg = nullptr;
  std::string where;  // host:port/database, for messages (never the password)
  std::unordered_map<const char*, std::string> prepared;  // statement text (a literal's address) -> name
  Ids ids;
  std::string sqlstate;  // of the last failed statement, "" after a success
  ~Conn() {
    if (pg) PQfinish(pg);
  }
};

// Owns a PGresult.
class Res {
 public:
  explicit Res(PGresult* r = nullptr) : r_(r) {}
  ~Res() {
    if (r_) PQclear(r_);
  }
  Res(Res&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Res& operator=(Res&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  PGresult* get() const { return r_; }
  int rows() const { return PQntuples(r_); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), std::size_t(PQgetlength(r_, row, col)));
  }
  std::int64_t int64(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
  bool boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }

 private:
  PGresult* r_;
};

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string where_of(PGconn* pg) {
  const char* host = PQhost(pg);
  const char* port = PQport(pg);
  const char* db = PQdb(pg);
  return std::string(host ? host : "?") + ":" + (port ? port : "?") + "/" + (db ? db : "?");
}

Error invalid(std::string message) { return make_error(ErrorCode::invalid_argument, std::move(message)); }

// A failed statement (r may be null: then the connection's own error) as an Error.
Error failure(Conn& c, PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  c.sqlstate = state ? state : "";
  std::string detail = std::string(what) + ": " + trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c.pg));
  const std::string& s = c.sqlstate;
  if (PQstatus(c.pg) != CONNECTION_OK || s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0) {
    return make_error(ErrorCode::io_error, "the PostgreSQL store at " + c.where + " cannot be reached (is the server running?) [" + detail + "]");
  }
  if (s == "53100") {
    return make_error(ErrorCode::io_error, "the store's disk is full (PostgreSQL at " + c.where + "); free space, then retry [" + detail + "]");
  }
  if (s == "22021" || s == "22P05" || s == "54000") {
    return invalid("text the database cannot hold (a NUL character, invalid UTF-8, or too long) [" + detail + "]");
  }
  return make_error(ErrorCode::io_error, "the PostgreSQL store at " + c.where + " failed [" + detail + "]");
}

std::string param(std::string_view v) { return std::string(v); }
[[maybe_unused]] std::string param(const char* v) { return v; }  // not to bool
std::string param(std::int64_t v) { return std::to_string(v); }
std::string param(int v) { return std::to_string(v); }
std::string param(std::uint64_t v) { return std::to_string(v); }
std::string param(bool v) { return v ? "true" : "false"; }

// Runs one statement as a prepared statement of this connection. `sql` must be a string
// literal: its address keys the cache. Parameters go as text; NUL bytes cannot (PostgreSQL's
// text type has none), so they are refused here with a clear error.
template <class... A>
Result<Res> query(Conn& c, std::string_view what, const char* sql, const A&... args) {
  std::vector<std::string> params{param(args)...};
  for (const auto& p : params) {
    if (p.find('\0') != std::string::npos) return invalid(std::string(what) + ": text with a NUL character cannot be stored");
  }
  auto it = c.prepared.find(sql);
  if (it == c.prepared.end()) {
    std::string name = "lantern_" + std::to_string(c.prepared.size());
    Res r(PQprepare(c.pg, name.c_str(), sql, int(params.size()), nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return failure(c, r.get(), what);
    it = c.prepared.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  Res r(PQexecPrepared(c.pg, it->second.c_str(), int(values.size()), values.data(), nullptr, nullptr, 0));
  ExecStatusType st = r.get() ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure(c, r.get(), what);
  c.sqlstate.clear();
  return r;
}

Status status_of(const Result<Res>& r) {
  if (!r) return r.error();
  return ok_status();
}

// One or more statements without parameters (schema, BEGIN/COMMIT, the sequencer).
Status simple(Conn& c, std::string_view what, const char* sql) {
  Res r(PQexec(c.pg, sql));
  ExecStatusType st = r.get() ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure(c, r.get(), what);
  c.sqlstate.clear();
  return ok_status();
}

// [SECTION] Rows

StoredTicket ticket_row(const Res& r, int i) {
  return StoredTicket{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.boolean(i, 5), r.text(i, 6),
                      r.int64(i, 7), r.int64(i, 8)};
}
Event event_row(const Res& r, int i) { return Event{r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.int64(i, 5)}; }
AttachmentRecord attachment_row(const Res& r, int i) {
  return AttachmentRecord{r.text(i, 0), r.text(i, 1), r.text(i, 2), std::uint64_t(r.int64(i, 3)), r.int64(i, 4), r.text(i, 5)};
}

bool known_status(std::string_view s) {
  return std::any_of(std::begin(kStatuses), std::end(kStatuses), [&](const char* k) { return s == k; });
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string to_json(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Result<std::optional<StoredTicket>> ticket_by_key(Conn& c, std::string_view key) {
  auto r = query(c, "cannot read a ticket", "SELECT " TICKET_COLS " FROM tickets WHERE idempotency_key = $1", key);
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<StoredTicket>();
  return std::optional<StoredTicket>(ticket_row(*r, 0));
}

// Creates the schema on first use; refuses databases that are not ours or are newer than us.
Status migrate(Conn& c) {
  Status st = simple(c, "cannot start a transaction", "BEGIN");
  if (st) st = status_of(query(c, "cannot lock the schema", "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")"));
  if (st) st = simple(c, "cannot create the store's tables", "CREATE TABLE IF NOT EXISTS lantern_meta(key text PRIMARY KEY, value text NOT NULL)");
  if (!st) return st;
  auto v = query(c, "cannot read the schema version", "SELECT value FROM lantern_meta WHERE key = 'schema_version'");
  if (!v) return v.error();
  int version = v->rows() ? std::atoi(v->text(0, 0).c_str()) : 0;
  if (version > kSchemaVersion) {
    return make_error(ErrorCode::bad_format, "the PostgreSQL store at " + c.where + " has schema version " + std::to_string(version) +
                                                 ", newer than this lantern-relay understands (" + std::to_string(kSchemaVersion) +
                                                 "): run a newer lantern-relay");
  }
  if (version == 0) {
    auto foreign = query(c, "cannot look at the database", "SELECT to_regclass('tickets') IS NOT NULL OR to_regclass('events') IS NOT NULL");
    if (!foreign) return foreign.error();
    if (foreign->boolean(0, 0)) {
      return make_error(ErrorCode::bad_format, "the PostgreSQL database at " + c.where +
                                                   " already has tables named tickets or events that are not a Lantern relay store's: "
                                                   "give the relay a database (or schema) of its own");
    }
    if (st = simple(c, "cannot create the store's tables", kSchema); !st) return st;
    st = status_of(query(c, "cannot record the schema version", "INSERT INTO lantern_meta(key, value) VALUES ('schema_version', $1)",
                         std::to_string(kSchemaVersion)));
    if (!st) return st;
  }
  // Future versions add their steps here, in this transaction.
  return simple(c, "cannot commit the schema", "COMMIT");
}

// Numbers committed events (see the top of this file). Cheap when nothing is unnumbered: one
// indexed read, no transaction.
Status sequence_events(Conn& c) {
  auto pending = query(c, "cannot read events", "SELECT EXISTS (SELECT 1 FROM events WHERE seq IS NULL)");
  if (!pending) return pending.error();
  if (!pending->boolean(0, 0)) return ok_status();
  // Separate statements: the UPDATE's snapshot is taken after the lock is held, so it sees
  // the previous run's numbers; nextval runs in pk order (the ordered subquery is not flattened).
  return simple(c, "cannot number events",
                "BEGIN; SELECT pg_advisory_xact_lock(" SEQUENCER_LOCK "); "
                "UPDATE events e SET seq = s.seq FROM (SELECT pk, nextval('event_cursor') AS seq FROM "
                "(SELECT pk FROM events WHERE seq IS NULL ORDER BY pk) u) s WHERE e.pk = s.pk; COMMIT");
}

// [SECTION] The store

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& url, const PostgresOptions& options);

  Result<CreateResult> create_ticket(const NewTicket& t) override;
  Result<std::optional<StoredTicket>> get_ticket(std::string_view id) override;
  Result<Message> add_message(std::string_view ticket_id, std::string_view author, std::string_view body,
                              std::int64_t now_ms) override;
  Result<std::vector<Message>> messages(std::string_view ticket_id) override;
  Result<std::vector<StoredTicket>> list_tickets(std::string_view status, std::size_t limit, std::string_view after_id) override;
  Status set_status(std::string_view ticket_id, std::string_view status, std::int64_t now_ms) override;
  Result<std::vector<Event>> events_after(std::int64_t cursor, std::size_t limit) override;
  Result<std::vector<std::pair<Event, Delivery>>> due_deliveries(std::int64_t now_ms, std::size_t limit,
                                                                  std::int64_t lease_ms) override;
  Status record_delivery(std::int64_t event_seq, bool ok, std::string_view error, std::int64_t next_attempt_ms,
                         int max_attempts) override;
  Result<AttachmentRecord> put_attachment(const AttachmentRecord& a) override;
  Result<std::optional<AttachmentRecord>> get_attachment(std::string_view id) override;
  Result<StoreStats> stats() override;
  Result<std::string> setting(std::string_view key, std::string_view value_if_unset) override;

 private:
  PgStore(std::string url, PostgresOptions o) : url_(std::move(url)), opt_(o) {}
  Result<std::unique_ptr<Conn>> connect();
  Result<std::unique_ptr<Conn>> acquire();
  void release(std::unique_ptr<Conn> c, bool broken);
  // Runs fn on a pooled connection. A transaction fn left open is rolled back. Retried: a
  // serialization failure or deadlock (a few times), and, when `idempotent`, a connection that
  // turned out dead (once, on a new one: the server restarted or dropped an idle connection).
  template <class T, class F>
  Result<T> with(F&& fn, bool idempotent = true);
  template <class T, class F>
  Result<T> write(F&& fn, bool idempotent = true) {
    auto r = with<T>(std::forward<F>(fn), idempotent);
    if (r) ++writes_;
    return r;
  }

  std::string url_;
  PostgresOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::size_t open_ = 0;  // connections in use or idle
  std::atomic<std::uint64_t> writes_{0};
};

Result<std::unique_ptr<Store>> PgStore::open(const std::string& url, const PostgresOptions& options) {
  std::unique_ptr<PgStore> s(new PgStore(url, options));
  if (s->opt_.pool_size == 0) s->opt_.pool_size = 1;
  if (s->opt_.connect_timeout_s < 1) s->opt_.connect_timeout_s = 1;
  Status st = s->with<Unit>([](Conn& c) -> Status { return migrate(c); });
  if (!st) return st.error();
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<Conn>> PgStore::connect() {
  // Defaults first: expand_dbname lets the URL's own parameters override them.
  std::string timeout = std::to_string(opt_.connect_timeout_s);
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "lantern-relay", "UTF8", url_.c_str(), nullptr};
  auto c = std::make_unique<Conn>();
  c->pg = PQconnectdbParams(keys, values, 1);
  if (!c->pg) return make_error(ErrorCode::io_error, "cannot connect to the PostgreSQL store: out of memory");
  c->where = where_of(c->pg);
  PQsetNoticeProcessor(c->pg, [](void*, const char*) {}, nullptr);  // "already exists, skipping" and the like
  if (PQstatus(c->pg) != CONNECTION_OK) {
    return make_error(ErrorCode::io_error, "cannot connect to the PostgreSQL store at " + c->where + " (is the server running?): " +
                                               trimmed(PQerrorMessage(c->pg)));
  }
  // Acknowledged means durable, whatever the server's or the role's default.
  if (Status st = simple(*c, "cannot set up the session", "SET synchronous_commit = on"); !st) return st.error();
  return c;
}

Result<std::unique_ptr<Conn>> PgStore::acquire() {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return !idle_.empty() || open_ < opt_.pool_size; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lk.unlock();
  auto c = connect();  // outside the lock: a slow server must not block the pool
  if (!c) {
    lk.lock();
    --open_;
    cv_.notify_one();
  }
  return c;
}

void PgStore::release(std::unique_ptr<Conn> c, bool broken) {
  std::lock_guard<std::mutex> lk(mu_);
  if (broken) {
    --open_;
    c.reset();
  } else {
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

template <class T, class F>
Result<T> PgStore::with(F&& fn, bool idempotent) {
  for (int attempt = 0;; ++attempt) {
    auto c = acquire();
    if (!c) return c.error();
    Conn& conn = **c;
    Result<T> r = fn(conn);
    bool broken = PQstatus(conn.pg) != CONNECTION_OK;
    if (!broken && PQtransactionStatus(conn.pg) != PQTRANS_IDLE) {
      Res rollback(PQexec(conn.pg, "ROLLBACK"));
      broken = PQtransactionStatus(conn.pg) != PQTRANS_IDLE;
    }
    std::string state = conn.sqlstate;
    release(std::move(*c), broken);
    if (r) return r;
    if (broken && idempotent && attempt == 0) continue;
    if ((state == "40001" || state == "40P01") && attempt < 5) continue;
    return r;
  }
}

// [SECTION] Reads

Result<std::optional<StoredTicket>> PgStore::get_ticket(std::string_view id) {
  return with<std::optional<StoredTicket>>([&](Conn& c) -> Result<std::optional<StoredTicket>> {
    auto r = query(c, "cannot read a ticket", "SELECT " TICKET_COLS " FROM tickets WHERE id = $1", id);
    if (!r) return r.error();
    if (r->rows() == 0) return std::optional<StoredTicket>();
    return std::optional<StoredTicket>(ticket_row(*r, 0));
  });
}

Result<std::vector<Message>> PgStore::messages(std::string_view ticket_id) {
  return with<std::vector<Message>>([&](Conn& c) -> Result<std::vector<Message>> {
    auto r = query(c, "cannot read messages",
                   "SELECT id, ticket_id, author, body, created_ms FROM messages WHERE ticket_id = $1 ORDER BY id", ticket_id);
    if (!r) return r.error();
    std::vector<Message> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(Message{r->int64(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->int64(i, 4)});
    return out;
  });
}

Result<std::vector<StoredTicket>> PgStore::list_tickets(std::string_view status, std::size_t limit, std::string_view after_id) {
  if (!status.empty() && !known_status(status)) return invalid("status: open, pending, solved or closed expected");
  auto n = std::int64_t(std::min(limit, kMaxList));
  return with<std::vector<StoredTicket>>([&](Conn& c) -> Result<std::vector<StoredTicket>> {
    std::int64_t after = 0;
    if (!after_id.empty()) {
      auto r = query(c, "cannot list tickets", "SELECT seq FROM tickets WHERE id = $1", after_id);
      if (!r) return r.error();
      if (r->rows() == 0) return invalid("after: no ticket " + std::string(after_id) + " to continue after");
      after = r->int64(0, 0);
    }
    auto r = status.empty()
                 ? query(c, "cannot list tickets", "SELECT " TICKET_COLS " FROM tickets WHERE seq > $1 ORDER BY seq LIMIT $2", after, n)
                 : query(c, "cannot list tickets",
                         "SELECT " TICKET_COLS " FROM tickets WHERE status = $1 AND seq > $2 ORDER BY seq LIMIT $3", status, after, n);
    if (!r) return r.error();
    std::vector<StoredTicket> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(ticket_row(*r, i));
    return out;
  });
}

Result<std::vector<Event>> PgStore::events_after(std::int64_t cursor, std::size_t limit) {
  auto n = std::int64_t(std::min(limit, kMaxList));
  return with<std::vector<Event>>([&](Conn& c) -> Result<std::vector<Event>> {
    if (Status st = sequence_events(c); !st) return st.error();
    auto r = query(c, "cannot read events", "SELECT " EVENT_COLS " FROM events e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2", cursor, n);
    if (!r) return r.error();
    std::vector<Event> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(event_row(*r, i));
    return out;
  });
}

Result<std::vector<std::pair<Event, Delivery>>> PgStore::due_deliveries(std::int64_t now_ms, std::size_t limit, std::int64_t lease_ms) {
  using Due = std::vector<std::pair<Event, Delivery>>;
  if (lease_ms < 0) return invalid("lease_ms: 0 or more expected");
  auto n = std::int64_t(std::min(limit, kMaxList));
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t until = now_ms > kMax - lease_ms ? kMax : now_ms + lease_ms;
  auto rows = [&](Conn& c) -> Result<Due> {
    if (Status st = sequence_events(c); !st) return st.error();
    // Only numbered events: the cursor is what record_delivery names them by.
    auto r = lease_ms == 0
                 ? query(c, "cannot read deliveries",
                         "SELECT " EVENT_COLS ", d.attempts, d.next_attempt_ms, d.state, d.last_error FROM deliveries d "
                         "JOIN events e ON e.pk = d.event_pk WHERE d.state = 'pending' AND d.next_attempt_ms <= $1 "
                         "AND e.seq IS NOT NULL ORDER BY e.seq LIMIT $2",
                         now_ms, n)
                 : query(c, "cannot claim deliveries",
                         "WITH c AS (SELECT d.event_pk FROM deliveries d JOIN events e ON e.pk = d.event_pk "
                         "  WHERE d.state = 'pending' AND d.next_attempt_ms <= $1 AND e.seq IS NOT NULL "
                         "  ORDER BY e.seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED), "
                         "u AS (UPDATE deliveries d SET next_attempt_ms = $3 FROM c WHERE d.event_pk = c.event_pk "
                         "  RETURNING d.event_pk, d.attempts, d.next_attempt_ms, d.state, d.last_error) "
                         "SELECT " EVENT_COLS ", u.attempts, u.next_attempt_ms, u.state, u.last_error FROM u "
                         "JOIN events e ON e.pk = u.event_pk ORDER BY e.seq",
                         now_ms, n, until);
    if (!r) return r.error();
    Due out;
    for (int i = 0; i < r->rows(); ++i) {
      out.emplace_back(event_row(*r, i), Delivery{r->int64(i, 0), int(r->int64(i, 6)), r->int64(i, 7), r->text(i, 8), r->text(i, 9)});
    }
    return out;
  };
  if (lease_ms == 0) return with<Due>(rows);
  return write<Due>(rows);
}

Result<std::optional<AttachmentRecord>> PgStore::get_attachment(std::string_view id) {
  return with<std::optional<AttachmentRecord>>([&](Conn& c) -> Result<std::optional<AttachmentRecord>> {
    auto r = query(c, "cannot read an attachment", "SELECT " ATTACHMENT_COLS " FROM attachments WHERE id = $1", id);
    if (!r) return r.error();
    if (r->rows() == 0) return std::optional<AttachmentRecord>();
    return std::optional<AttachmentRecord>(attachment_row(*r, 0));
  });
}

Result<StoreStats> PgStore::stats() {
  auto s = with<StoreStats>([&](Conn& c) -> Result<StoreStats> {
    auto r = query(c, "cannot count",
                   "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM deliveries WHERE state = 'pending'), "
                   "(SELECT count(*) FROM deliveries WHERE state = 'dead'), (SELECT count(*) FROM events)");
    if (!r) return r.error();
    StoreStats out;
    out.tickets = std::uint64_t(r->int64(0, 0));
    out.pending_deliveries = std::uint64_t(r->int64(0, 1));
    out.dead_deliveries = std::uint64_t(r->int64(0, 2));
    out.events = std::uint64_t(r->int64(0, 3));
    return out;
  });
  if (s) s->writes = s->commits = writes_.load();
  return s;
}

// [SECTION] Writes (each one transaction)

Result<CreateResult> PgStore::create_ticket(const NewTicket& t) {
  if (t.idempotency_key.empty() || t.idempotency_key.size() > 128) return invalid("idempotency_key: 1 to 128 characters expected");
  if (t.body_sha256.empty()) return invalid("body_sha256: the request body's SHA-256 expected");
  if (t.ticket_json.empty()) return invalid("ticket_json: the ticket expected");
  auto replay = [&](StoredTicket existing) -> Result<CreateResult> {
    if (existing.body_sha256 != t.body_sha256) {
      return make_error(ErrorCode::duplicate, "conflict: this idempotency key was already used for a different ticket");
    }
    return CreateResult{std::move(existing), false};
  };
  // A retry (the key is already stored) costs one read and no commit.
  auto seen = with<std::optional<StoredTicket>>([&](Conn& c) { return ticket_by_key(c, t.idempotency_key); });
  if (!seen) return seen.error();
  if (*seen) return replay(std::move(**seen));
  return write<CreateResult>([&](Conn& c) -> Result<CreateResult> {
    for (int attempt = 0;; ++attempt) {
      auto id = c.ids.ticket_id();
      if (!id) return id.error();
      auto event_id = c.ids.event_id();
      if (!event_id) return event_id.error();
      std::string payload = to_json({{"ticket_id", *id}, {"status", "open"}, {"verified", t.verified}, {"user_id", t.user_id}});
      auto r = query(c, "cannot store the ticket",
                     "WITH t AS (INSERT INTO tickets(" TICKET_COLS ") "
                     "  VALUES ($1, $2, $3, $4, 'open', $5::boolean, $6, $7::bigint, $7::bigint) "
                     "  ON CONFLICT (idempotency_key) DO NOTHING RETURNING id), "
                     "e AS (INSERT INTO events(id, type, ticket_id, payload_json, created_ms) "
                     "  SELECT $8::text, 'ticket.created', id, $9::text, $7::bigint FROM t RETURNING pk), "
                     "d AS (INSERT INTO deliveries(event_pk, attempts, next_attempt_ms, state, last_error) "
                     "  SELECT pk, 0, $7::bigint, 'pending', '' FROM e) "
                     "SELECT count(*) FROM t",
                     *id, t.idempotency_key, t.body_sha256, t.ticket_json, t.verified, t.user_id, t.now_ms, *event_id, payload);
      if (!r) {
        // The key is covered by ON CONFLICT, so a unique violation is the 60-bit random id: draw again.
        if (c.sqlstate == "23505" && attempt < 3) continue;
        return r.error();
      }
      if (r->int64(0, 0) == 1) {
        return CreateResult{StoredTicket{*id, t.idempotency_key, t.body_sha256, t.ticket_json, "open", t.verified, t.user_id, t.now_ms,
                                         t.now_ms},
                            true};
      }
      // Another relay (or thread) committed this key first; its transaction has ended, so the
      // row is visible to this new statement.
      auto again = ticket_by_key(c, t.idempotency_key);
      if (!again) return again.error();
      if (!*again) return make_error(ErrorCode::io_error, "the ticket for this idempotency key vanished while it was being read");
      return replay(std::move(**again));
    }
  });
}

Result<Message> PgStore::add_message(std::string_view ticket_id, std::string_view author, std::string_view body, std::int64_t now_ms) {
  bool agent = author.size() > 6 && author.substr(0, 6) == "agent:";
  if (author != "user" && !agent) return invalid("author: \"user\" or \"agent:<name>\" expected");
  if (body.empty()) return invalid("body: the message is empty");
  // Not retried on a lost connection: the first attempt may have committed, and a second would
  // store the message twice.
  return write<Message>(
      [&](Conn& c) -> Result<Message> {
        // The id is drawn first so that the event's payload can name it; an unused id is a gap.
        auto next = query(c, "cannot number the message", "SELECT nextval(pg_get_serial_sequence('messages', 'id'))");
        if (!next) return next.error();
        Message m{next->int64(0, 0), std::string(ticket_id), std::string(author), std::string(body), now_ms};
        auto event_id = c.ids.event_id();
        if (!event_id) return event_id.error();
        std::string payload = to_json({{"ticket_id", m.ticket_id}, {"message_id", m.id}, {"author", m.author}, {"body", m.body}});
        auto r = query(c, "cannot store the message",
                       "WITH t AS (UPDATE tickets SET updated_ms = $2::bigint WHERE id = $1 RETURNING id), "
                       "m AS (INSERT INTO messages(id, ticket_id, author, body, created_ms) "
                       "  SELECT $3::bigint, id, $4::text, $5::text, $2::bigint FROM t), "
                       "e AS (INSERT INTO events(id, type, ticket_id, payload_json, created_ms) "
                       "  SELECT $6::text, 'message.created', id, $7::text, $2::bigint FROM t RETURNING pk), "
                       "d AS (INSERT INTO deliveries(event_pk, attempts, next_attempt_ms, state, last_error) "
                       "  SELECT pk, 0, $2::bigint, 'pending', '' FROM e) "
                       "SELECT count(*) FROM t",
                       ticket_id, now_ms, m.id, author, body, *event_id, payload);
        if (!r) return r.error();
        if (r->int64(0, 0) == 0) return invalid("no ticket " + std::string(ticket_id));
        return m;
      },
      false);
}

Status PgStore::set_status(std::string_view ticket_id, std::string_view status, std::int64_t now_ms) {
  if (!known_status(status)) return invalid("status: open, pending, solved or closed expected");
  // Idempotent: once committed, the same call finds the status already set and does nothing.
  return write<Unit>([&](Conn& c) -> Status {
    if (Status st = simple(c, "cannot start a transaction", "BEGIN"); !st) return st;
    // NO KEY UPDATE: does not block the key-share locks of concurrent inserts that reference it.
    auto cur = query(c, "cannot read the ticket", "SELECT status FROM tickets WHERE id = $1 FOR NO KEY UPDATE", ticket_id);
    if (!cur) return cur.error();
    if (cur->rows() == 0) return invalid("no ticket " + std::string(ticket_id));
    std::string from = cur->text(0, 0);
    if (from == status) return simple(c, "cannot finish", "COMMIT");
    auto event_id = c.ids.event_id();
    if (!event_id) return event_id.error();
    std::string payload = to_json({{"ticket_id", ticket_id}, {"from", from}, {"to", status}});
    auto r = query(c, "cannot update the ticket",
                   "WITH t AS (UPDATE tickets SET status = $2, updated_ms = $3::bigint WHERE id = $1 RETURNING id), "
                   "e AS (INSERT INTO events(id, type, ticket_id, payload_json, created_ms) "
                   "  SELECT $4::text, 'ticket.status_changed', id, $5::text, $3::bigint FROM t RETURNING pk) "
                   "INSERT INTO deliveries(event_pk, attempts, next_attempt_ms, state, last_error) "
                   "  SELECT pk, 0, $3::bigint, 'pending', '' FROM e",
                   ticket_id, status, now_ms, *event_id, payload);
    if (!r) return r.error();
    return simple(c, "cannot commit", "COMMIT");
  });
}

Status PgStore::record_delivery(std::int64_t event_seq, bool ok, std::string_view error, std::int64_t next_attempt_ms,
                                int max_attempts) {
  if (max_attempts < 1) return invalid("max_attempts: at least 1 expected");
  std::string last_error = ok ? std::string() : std::string(error.substr(0, 1000));
  // A cut inside a UTF-8 sequence would be refused by the database: drop the partial character.
  while (!last_error.empty() && (static_cast<unsigned char>(last_error.back()) & 0xC0) == 0x80) last_error.pop_back();
  if (!last_error.empty() && static_cast<unsigned char>(last_error.back()) >= 0xC0) last_error.pop_back();
  return write<Unit>([&](Conn& c) -> Status {
    auto u = query(c, "cannot record a delivery",
                   "UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_ms = $4::bigint, last_error = $5, state = CASE "
                   "WHEN $2::boolean THEN 'delivered' WHEN d.attempts + 1 >= $3::integer THEN 'dead' ELSE 'pending' END "
                   "FROM events e WHERE e.pk = d.event_pk AND e.seq = $1::bigint AND d.state = 'pending'",
                   event_seq, ok, max_attempts, next_attempt_ms, last_error);
    if (!u) return u.error();
    if (std::atoi(PQcmdTuples(u->get())) > 0) return ok_status();
    auto q = query(c, "cannot read a delivery",
                   "SELECT 1 FROM deliveries d JOIN events e ON e.pk = d.event_pk WHERE e.seq = $1::bigint", event_seq);
    if (!q) return q.error();
    if (q->rows() > 0) return ok_status();  // already delivered or dead: a late report changes nothing
    return invalid("no delivery for event " + std::to_string(event_seq));
  });
}

Result<AttachmentRecord> PgStore::put_attachment(const AttachmentRecord& a) {
  if (!is_sha256_hex(a.sha256)) return invalid("sha256: 64 lower-case hex digits expected");
  if (a.type.empty()) return invalid("type: a media type expected");
  if (a.path_or_blob_key.empty()) return invalid("path_or_blob_key: where the bytes are expected");
  return write<AttachmentRecord>([&](Conn& c) -> Result<AttachmentRecord> {
    AttachmentRecord out = a;
    for (int attempt = 0;; ++attempt) {
      if (a.id.empty()) {
        auto id = c.ids.attachment_id();
        if (!id) return id.error();
        out.id = *id;
      }
      auto r = query(c, "cannot store the attachment",
                     "INSERT INTO attachments(" ATTACHMENT_COLS ") VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6) "
                     "ON CONFLICT (sha256) DO NOTHING RETURNING id",
                     out.id, out.sha256, out.type, out.size, out.created_ms, out.path_or_blob_key);
      if (!r) {
        if (c.sqlstate == "23505" && !a.id.empty()) return make_error(ErrorCode::duplicate, "attachment " + a.id + " exists");
        if (c.sqlstate == "23505" && attempt < 3) continue;  // a clash on the random id
        return r.error();
      }
      if (r->rows() == 1) return out;
      auto existing = query(c, "cannot read an attachment", "SELECT " ATTACHMENT_COLS " FROM attachments WHERE sha256 = $1", a.sha256);
      if (!existing) return existing.error();
      if (existing->rows() == 0) return make_error(ErrorCode::io_error, "the attachment record vanished while it was being read");
      return attachment_row(*existing, 0);
    }
  });
}

// Settings share lantern_meta with the schema version, under a prefix of their own.
Result<std::string> PgStore::setting(std::string_view key, std::string_view value_if_unset) {
  if (key.empty() || key.size() > 64) return invalid("setting: a key of 1 to 64 bytes expected");
  std::string k = "setting." + std::string(key);
  return with<std::string>([&](Conn& c) -> Result<std::string> {
    // One statement: inserts only when absent (a racing insert waits, then does nothing), and the
    // read that follows sees whichever value committed.
    auto ins = query(c, "cannot store a setting", "INSERT INTO lantern_meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                     k, value_if_unset);
    if (!ins) return ins.error();
    auto r = query(c, "cannot read a setting", "SELECT value FROM lantern_meta WHERE key = $1", k);
    if (!r) return r.error();
    if (r->rows() == 0) return make_error(ErrorCode::io_error, "a setting vanished while it was being stored");
    return r->text(0, 0);
  });
}

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, const PostgresOptions& options) {
  return PgStore::open(url, options);
}

}  // namespace lantern::relay
