#include "sqlite_db.h"

namespace lantern::relay::sqlite {

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Db> db(new Db(raw, path));  // owns raw even when opening failed
  if (rc != SQLITE_OK) return db->error(rc, "cannot open the store");
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  return ok_status();
}

sqlite3_stmt* Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) return nullptr;
  cache_.emplace(sql, s);
  return s;
}

Error Db::error(int rc, std::string_view what) const {
  std::string detail = std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return make_error(ErrorCode::io_error, "the store's disk is full (" + path_ + "); free space, then retry [" + detail + "]");
    case SQLITE_IOERR:
      return make_error(ErrorCode::io_error, "the store cannot read or write " + path_ + " [" + detail + "]");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(ErrorCode::io_error, "the store " + path_ + " is locked by another connection [" + detail + "]");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return make_error(ErrorCode::bad_format, path_ + " is damaged or not a Lantern store [" + detail + "]");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return make_error(ErrorCode::io_error, "the store cannot open or write " + path_ + " [" + detail + "]");
    default:
      return make_error(ErrorCode::io_error, "the store failed [" + detail + "]");
  }
}

Status Query::run(std::string_view what) {
  int rc = step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return error(rc, what);
  return ok_status();
}

}  // namespace lantern::relay::sqlite
