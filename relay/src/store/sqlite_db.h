// Thin RAII over the SQLite C API for the store: a connection that caches its prepared
// statements, a query guard that resets its statement on scope exit (so no read snapshot or
// lock outlives the call), and SQLite result codes turned into lantern::Error.
// Threading: a Db and its queries belong to one thread at a time (connections are opened
// SQLITE_OPEN_NOMUTEX; the store hands each to one thread).
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lantern/result.h"

namespace lantern::relay::sqlite {

class Db {
 public:
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  Status exec(const char* sql);  // one or more statements without results (pragmas, schema)
  // `sql` must be a string literal: its address keys the cache. nullptr on error (see error()).
  sqlite3_stmt* prepare(const char* sql);
  // rc (a failed SQLite call on this connection) as an Error; `what` names the operation.
  Error error(int rc, std::string_view what) const;
  std::int64_t last_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// One use of a cached statement: bind, step, read columns; reset when it goes out of scope.
class Query {
 public:
  Query(Db& db, const char* sql) : db_(db), s_(db.prepare(sql)), rc_(s_ ? SQLITE_OK : sqlite3_errcode(db.handle())) {}
  ~Query() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Binds parameters 1..n in order; a failure is kept and reported by step().
  template <class... A>
  Query& bind(const A&... a) {
    int i = 0;
    (bind_one(++i, a), ...);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code (then error() explains it).
  int step() { return rc_ != SQLITE_OK ? rc_ : sqlite3_step(s_); }
  // Runs a statement that returns no rows.
  Status run(std::string_view what);
  Error error(int rc, std::string_view what) const { return db_.error(rc, what); }

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, std::size_t(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  // An empty view may have a null data(); SQLite would store NULL, not "".
  void bind_one(int i, std::string_view v) { keep(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", int(v.size()), SQLITE_TRANSIENT)); }
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, std::int64_t v) { keep(sqlite3_bind_int64(s_, i, v)); }
  void bind_one(int i, int v) { keep(sqlite3_bind_int64(s_, i, v)); }
  void bind_one(int i, bool v) { keep(sqlite3_bind_int(s_, i, v ? 1 : 0)); }
  void bind_one(int i, std::uint64_t v) { keep(sqlite3_bind_int64(s_, i, std::int64_t(v))); }
  void keep(int rc) {
    if (rc_ == SQLITE_OK && s_) rc_ = rc;
  }

  Db& db_;
  sqlite3_stmt* s_;
  int rc_;
};

}  // namespace lantern::relay::sqlite
