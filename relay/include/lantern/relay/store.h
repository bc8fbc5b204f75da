// The relay's store: tickets, their messages, the event log the forwarder reads, webhook
// deliveries and attachment records. Two backends implement it with the same guarantees:
// SQLite (WAL) in the relay's data folder, the default, for one relay; and PostgreSQL (libpq),
// for several relays sharing one database (scale-out). open_store() picks one from --store.
//
// [SECTION] Records
// [SECTION] Store
// [SECTION] SQLite backend
// [SECTION] PostgreSQL backend
// [SECTION] Choosing a backend
//
// Durability: a write returns only after its transaction is on disk (fsync'd), so whatever the
// relay acknowledged survives a crash or a power cut. Errors: io_error for the disk or the
// database server (its message says "the store's disk is full" when it is, and names the
// server when it cannot be reached), invalid_argument for a missing ticket or a bad value,
// duplicate for an idempotency key reused with another body, bad_format for a database this
// build cannot read.
// Threading: every method may be called from any thread at once. SQLite: writes go through one
// writer thread that commits concurrent calls together (group commit: one fsync for many
// tickets); reads use a pool of read connections. PostgreSQL: a pool of connections, each call
// one transaction; the server groups concurrent commits itself. Reads see every write that
// returned before they began.
// Returned records are copies: they stay valid after the store is gone.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lantern/result.h"

namespace lantern::relay {

// [SECTION] Records

// Ticket statuses, as help desks name them; a new ticket is "open".
constexpr const char* kStatuses[] = {"open", "pending", "solved", "closed"};
// Event types.
constexpr const char* kTicketCreated = "ticket.created";
constexpr const char* kMessageCreated = "message.created";
constexpr const char* kTicketStatusChanged = "ticket.status_changed";

struct StoredTicket {
  // Access tokens are not stored: the relay derives them from the id (relay.cpp), so a retried
  // request gets the same token and a copy of the database holds none.
  std::string id;               // "T-" + 12 base32 characters (60 random bits), e.g. "T-K3V7Q2MZ4XWA"
  std::string idempotency_key;  // as the client sent it
  std::string body_sha256;      // 64 hex digits of the request body that created the ticket
  std::string ticket_json;      // the ticket as received (lantern.ticket/1)
  std::string status;           // open, pending, solved, closed
  bool verified = false;        // the exchange's backend vouched for user_id
  std::string user_id;          // "" when anonymous
  std::int64_t created_ms = 0, updated_ms = 0;  // relay clock, Unix milliseconds
};

struct NewTicket {
  std::string idempotency_key;  // required, at most 128 bytes
  std::string body_sha256;      // required: tells a retry (same body) from a conflict (another body)
  std::string ticket_json;      // required
  bool verified = false;
  std::string user_id;
  std::int64_t now_ms = 0;
};

struct CreateResult {
  StoredTicket ticket;
  bool created = false;  // false: this key came again with the same body; ticket is the first one
};

struct Message {
  std::int64_t id = 0;  // increasing across the store
  std::string ticket_id;
  std::string author;  // "user" or "agent:<name>"
  std::string body;
  std::int64_t created_ms = 0;
};

// One entry of the event log, in commit order. payload_json holds small facts and references:
//   ticket.created         {"ticket_id","status","verified","user_id"}  (the ticket: get_ticket)
//   message.created        {"ticket_id","message_id","author","body"}
//   ticket.status_changed  {"ticket_id","from","to"}
struct Event {
  // The cursor: strictly increasing, never reused, and a poller that saw seq N never later finds
  // a new event below N (PostgreSQL: seqs are assigned after commit, see pg_store.cpp).
  std::int64_t seq = 0;
  std::string id;        // random UUID (v4 form): receivers drop duplicates by it
  std::string type;
  std::string ticket_id;
  std::string payload_json;
  std::int64_t created_ms = 0;
};

// The webhook delivery of one event. Every event gets one, due at once.
struct Delivery {
  std::int64_t event_seq = 0;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string state;  // pending, delivered, dead
  std::string last_error;
};

struct AttachmentRecord {
  std::string id;      // "" asks the store for one: "A-" + 12 base32 characters
  std::string sha256;  // 64 lower-case hex digits of the stored bytes
  std::string type;    // image/png, image/jpeg, image/webp
  std::uint64_t size = 0;
  std::int64_t created_ms = 0;
  std::string path_or_blob_key;  // where the bytes live; the store keeps only this record
};

struct StoreStats {
  std::uint64_t tickets = 0, pending_deliveries = 0, dead_deliveries = 0, events = 0;
  // Since open, by this process: writes committed and the transactions (fsyncs) that carried
  // them; writes / commits is the group-commit factor (PostgreSQL: one transaction per write,
  // the server groups their fsyncs).
  std::uint64_t writes = 0, commits = 0;
  std::uint64_t wal_pages = 0;  // SQLite: the WAL's length after the last commit; stays small while checkpoints keep up
};

// [SECTION] Store

class Store {
 public:
  virtual ~Store() = default;  // finishes queued writes; callers must have returned first

  // Idempotent create. A new key stores the ticket, its ticket.created event and a pending
  // delivery in one transaction, durable before this returns. The same key with the same
  // body_sha256 returns the first ticket (created=false); with another body,
  // ErrorCode::duplicate.
  virtual Result<CreateResult> create_ticket(const NewTicket& t) = 0;
  virtual Result<std::optional<StoredTicket>> get_ticket(std::string_view id) = 0;
  // Adds a message (author "user" or "agent:<name>"), a message.created event and its delivery,
  // and bumps the ticket's updated_ms. invalid_argument if the ticket does not exist.
  virtual Result<Message> add_message(std::string_view ticket_id, std::string_view author, std::string_view body,
                                      std::int64_t now_ms) = 0;
  virtual Result<std::vector<Message>> messages(std::string_view ticket_id) = 0;  // oldest first
  // Tickets in creation order, optionally of one status ("" = all), starting after after_id
  // ("" = from the start); limit is capped at 1000.
  virtual Result<std::vector<StoredTicket>> list_tickets(std::string_view status, std::size_t limit,
                                                         std::string_view after_id) = 0;
  // Changes the status and logs ticket.status_changed; setting the current status again is a
  // no-op without an event.
  virtual Status set_status(std::string_view ticket_id, std::string_view status, std::int64_t now_ms) = 0;
  // Events with seq > cursor, oldest first; limit is capped at 1000.
  virtual Result<std::vector<Event>> events_after(std::int64_t cursor, std::size_t limit) = 0;
  // Pending deliveries with next_attempt_ms <= now_ms, oldest event first.
  // lease_ms = 0 only looks: every caller gets the same deliveries (one forwarder, or a gauge).
  // lease_ms > 0 claims them: their next_attempt_ms becomes now_ms + lease_ms (returned as such),
  // so concurrent callers (several relays' forwarders on PostgreSQL) never get the same delivery;
  // the claimer reports with record_delivery, or the delivery is due again once the lease ends.
  virtual Result<std::vector<std::pair<Event, Delivery>>> due_deliveries(std::int64_t now_ms, std::size_t limit,
                                                                          std::int64_t lease_ms = 0) = 0;
  // Records one attempt: ok -> delivered; otherwise retried at next_attempt_ms, or dead once
  // attempts reach max_attempts. An attempt on a delivery that is no longer pending is ignored.
  virtual Status record_delivery(std::int64_t event_seq, bool ok, std::string_view error, std::int64_t next_attempt_ms,
                                 int max_attempts) = 0;
  // Stores the record, or returns the existing one with the same sha256 (then the caller's
  // bytes at path_or_blob_key are a spare copy it may delete).
  virtual Result<AttachmentRecord> put_attachment(const AttachmentRecord& a) = 0;
  virtual Result<std::optional<AttachmentRecord>> get_attachment(std::string_view id) = 0;
  virtual Result<StoreStats> stats() = 0;  // counts scan indexes: fine for /health, not per request
  // The value stored under `key`; if there is none yet, value_if_unset is stored first and
  // returned. Atomic: of several relays starting together on one store, one value wins and all
  // get it (the relay records a fingerprint of relay.secret this way). Keys: 1 to 64 bytes.
  virtual Result<std::string> setting(std::string_view key, std::string_view value_if_unset) = 0;
};

// [SECTION] SQLite backend

struct SqliteOptions {
  std::size_t max_batch = 512;       // most writes committed by one transaction
  int busy_timeout_ms = 5000;        // waiting for another connection's lock before failing
  std::uint32_t checkpoint_pages = 1000;  // WAL length (4 KiB pages) after which the writer checkpoints
  std::int64_t max_page_count = 0;   // caps the database (4 KiB pages); 0: no cap. Tests use it as a full disk
};

// Opens (creating if needed) `dir`/relay.db. Fails with bad_format if the database was written
// by a newer relay (schema version), and with io_error if another process holds `dir`.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir, const SqliteOptions& options);

// [SECTION] PostgreSQL backend

struct PostgresOptions {
  std::size_t pool_size = 8;  // connections, opened as needed; callers beyond it wait for one
  int connect_timeout_s = 5;  // per connection attempt (unless the URL sets connect_timeout)
};

// Connects to `url` (postgresql://user:password@host:port/db?param=..., libpq's URI syntax) and
// creates the schema in the connection's search_path on first use. Several relays may open the
// same database at once. io_error names the server (never the password) when it cannot be
// reached; bad_format if the database holds tables that are not a Lantern store's, or a newer
// schema. Commits are durable before they return: the store sets synchronous_commit = on for its
// sessions whatever the server's default.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, const PostgresOptions& options);

// [SECTION] Choosing a backend

struct StoreOptions {
  SqliteOptions sqlite;
  PostgresOptions postgres;
};

// spec "" (or "sqlite"): SQLite in data_dir. "postgresql://..." or "postgres://...": PostgreSQL.
// Anything else is invalid_argument.
Result<std::unique_ptr<Store>> open_store(const std::string& spec, const std::string& data_dir, const StoreOptions& options = {});

}  // namespace lantern::relay
