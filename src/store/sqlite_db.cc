#include "store/sqlite_db.h"

#include <sqlite3.h>

namespace tessera {

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      in_use_(other.in_use_),
      bind_error_(std::move(other.bind_error_)) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = InternalError("sqlite bind: " + db_->ErrorMessage());
  }
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = InternalError("sqlite bind: " + db_->ErrorMessage());
  }
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = InternalError("sqlite bind: " + db_->ErrorMessage());
  }
  return *this;
}

StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int extended = sqlite3_extended_errcode(db_->raw());
  std::string msg = db_->ErrorMessage();
  sqlite3_reset(stmt_);
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return AlreadyExistsError("sqlite: " + msg);
  }
  if ((rc & 0xFF) == SQLITE_CONSTRAINT) return FailedPreconditionError("sqlite: " + msg);
  if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED) {
    return UnavailableError("sqlite: database is busy: " + msg);
  }
  if ((rc & 0xFF) == SQLITE_FULL) return ResourceExhaustedError("Disk full: sqlite: " + msg);
  return InternalError("sqlite: " + msg);
}

Status Statement::Run() {
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_, column);
  if (t == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(t),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return UnavailableError("cannot open database " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10000);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  TS_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  TS_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));
  TS_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

Status SqliteDb::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if ((rc & 0xFF) == SQLITE_BUSY) return UnavailableError("sqlite: database is busy: " + msg);
    if ((rc & 0xFF) == SQLITE_FULL) return ResourceExhaustedError("Disk full: sqlite: " + msg);
    return InternalError("sqlite: " + msg);
  }
  return Status::Ok();
}

StatusOr<Statement> SqliteDb::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(this, it->second.stmt, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return InternalError("sqlite prepare: " + ErrorMessage() + " in: " + sql);
  }
  if (it != cache_.end()) return Statement(this, stmt, nullptr);  // the cached one is busy
  Cached& cached = cache_[sql];
  cached.stmt = stmt;
  cached.in_use = true;
  return Statement(this, stmt, &cached.in_use);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

std::string SqliteDb::ErrorMessage() const { return sqlite3_errmsg(db_); }

StatusOr<Transaction> Transaction::Begin(SqliteDb* db) {
  TS_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (!done_) db_->Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Commit() {
  done_ = true;
  Status s = db_->Exec("COMMIT");
  if (!s.ok()) db_->Exec("ROLLBACK").IgnoreError();
  return s;
}

}  // namespace tessera
