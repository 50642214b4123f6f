// SqliteDb: one SQLite connection with a cache of prepared statements, and Statement, a
// prepared statement whose parameters are bound by value (never built into the SQL text).
// Transaction is a BEGIN IMMEDIATE scope that rolls back unless committed.
//
// sqlite3.h stays in the .cc files: this header only forward-declares the handles.
// Thread-safety: none. A SqliteDb and its statements are used by one thread at a time (the
// store holds its mutex around every call).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tessera {

class SqliteDb;

// A prepared statement borrowed from the connection's cache (reset when destroyed), or owned
// (finalized when destroyed) when the cached one is already in use.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL's ?1.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  // Binds every argument in order, from ?1.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // true when a row is ready, false when done. Errors: AlreadyExists for a UNIQUE or PRIMARY
  // KEY violation, FailedPrecondition for other constraints, Unavailable when the database
  // stayed busy, Internal otherwise.
  StatusOr<bool> Step();
  // Steps to the end (for statements without rows).
  Status Run();

  std::string Text(int column) const;  // 0-based; "" for NULL
  int64_t Int(int column) const;
  double Double(int column) const;
  bool Bool(int column) const { return Int(column) != 0; }

 private:
  friend class SqliteDb;
  Statement(SqliteDb* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}

  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache entry's flag; null when this statement is owned
  Status bind_error_;
};

class SqliteDb {
 public:
  // Opens (creating) the database file with a busy timeout, WAL, synchronous=NORMAL and
  // foreign keys on.
  static StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT).
  Status Exec(const char* sql);
  // A prepared statement for `sql` (a string literal or other constant text).
  StatusOr<Statement> Prepare(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  std::string ErrorMessage() const;
  sqlite3* raw() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  std::map<std::string, Cached, std::less<>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  static StatusOr<Transaction> Begin(SqliteDb* db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), done_(other.done_) {
    other.done_ = true;
  }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
  bool done_ = false;
};

}  // namespace tessera
