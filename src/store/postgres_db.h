// PostgreSQL plumbing for PostgresStore: PgConnection (one libpq connection with its own cache
// of prepared statements), PgResult (the rows of one statement, read as text), PgParams (the
// values bound to $1, $2, ...: parameters always travel apart from the SQL text) and PgPool (a
// bounded pool of connections: blocking acquire with a timeout; a connection that broke is
// thrown away and replaced by a fresh one on a later acquire, so a restarted server costs the
// calls in flight, not the store).
//
// libpq-fe.h stays in postgres_db.cc: this header only forward-declares the handles.
// Thread-safety: PgConnection, PgResult and PgParams are used by one thread at a time; PgPool is
// safe from any thread (one mutex around its idle list).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/thread_annotations.h"

struct pg_conn;
struct pg_result;

namespace tessera {

// Typed parameters: each carries its PostgreSQL type, so a statement never depends on the
// server guessing one (and a parameter a statement does not use is no error).
class PgParams {
 public:
  PgParams& Add(std::string_view text);
  PgParams& Add(const std::string& text) { return Add(std::string_view(text)); }
  PgParams& Add(const char* text) { return Add(std::string_view(text)); }
  PgParams& Add(int64_t value);
  PgParams& Add(int value) { return Add(static_cast<int64_t>(value)); }
  PgParams& Add(bool value);
  PgParams& Add(double value);
  template <typename... Args>
  static PgParams Of(const Args&... args) {
    PgParams p;
    (p.Add(args), ...);
    return p;
  }
  size_t size() const { return values_.size(); }

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<unsigned> types_;  // Oids
};

// The rows of one statement (text format). Columns are 0-based.
class PgResult {
 public:
  explicit PgResult(pg_result* res) : res_(res) {}
  PgResult(PgResult&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  int64_t changed() const;                      // rows an INSERT/UPDATE/DELETE touched
  std::string Text(int row, int column) const;  // "" for NULL
  int64_t Int(int row, int column) const;       // 0 for NULL
  double Double(int row, int column) const;
  bool Bool(int row, int column) const;  // "t"

 private:
  pg_result* res_;
};

// One connection. Exec prepares a statement the first time this connection sees its SQL (a
// string literal or other constant text: never a value) and executes the prepared one after.
class PgConnection {
 public:
  // `conninfo`: a postgresql:// URL or a libpq keyword string. Unavailable when the server
  // cannot be reached (the message names it, never a password).
  static StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Errors by SQLSTATE: AlreadyExists for a unique violation, FailedPrecondition for other
  // integrity violations, ResourceExhausted for a full disk, Unavailable for a lost connection,
  // a server shutting down, a serialization failure or a deadlock (retryable() tells the last
  // two apart), Internal otherwise.
  StatusOr<PgResult> Exec(const std::string& sql, const PgParams& params = PgParams());
  // Runs SQL without parameters and without preparing it (BEGIN, COMMIT, schema scripts; may
  // hold several statements).
  Status ExecScript(const std::string& sql);

  // The connection is unusable (lost, or the server went away): the pool drops it.
  bool broken() const;
  // Connected and outside any transaction: fit to go back to the pool.
  bool reusable() const;
  // The last error was a serialization failure or deadlock: the transaction may be re-run.
  bool retryable() const { return retryable_; }
  // Statements that succeeded on this connection so far (to tell "died before anything ran").
  int64_t statements_ok() const { return statements_ok_; }

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Status ErrorFrom(pg_result* res, std::string_view what);

  pg_conn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL → statement name
  bool retryable_ = false;
  int64_t statements_ok_ = 0;
};

class PgPool;

// A connection borrowed from the pool; returned (or dropped when broken) on destruction.
class PooledConnection {
 public:
  PooledConnection(PgPool* pool, std::unique_ptr<PgConnection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&& other) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();
  PgConnection& operator*() { return *conn_; }
  PgConnection* operator->() { return conn_.get(); }

 private:
  PgPool* pool_;
  std::unique_ptr<PgConnection> conn_;
};

struct PgPoolOptions {
  std::string conninfo;
  int max_connections = 8;
  // How long Acquire waits for a free connection when all are in use.
  std::chrono::milliseconds acquire_timeout{10000};
};

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options) : options_(std::move(options)) {}
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // An idle connection, else a new one while fewer than max_connections exist, else waits up to
  // acquire_timeout for one to come back (ResourceExhausted then). Unavailable when a new
  // connection cannot be opened.
  StatusOr<PooledConnection> Acquire();
  // Connections that exist now (idle and in use), for tests and metrics.
  int open_connections();

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<PgConnection> conn);

  const PgPoolOptions options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle + in use + being opened
};

}  // namespace tessera
