#include "store/postgres_db.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>

namespace tessera {
namespace {

// pg_type Oids of the parameter types we send.
constexpr unsigned kTextOid = 25;
constexpr unsigned kInt8Oid = 20;
constexpr unsigned kBoolOid = 16;
constexpr unsigned kFloat8Oid = 701;

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping" and the like

std::string TrimmedMessage(const char* m) {
  std::string s = m != nullptr ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PgParams& PgParams::Add(std::string_view text) {
  values_.emplace_back(text);
  types_.push_back(kTextOid);
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  values_.push_back(std::to_string(value));
  types_.push_back(kInt8Oid);
  return *this;
}

PgParams& PgParams::Add(bool value) {
  values_.push_back(value ? "true" : "false");
  types_.push_back(kBoolOid);
  return *this;
}

PgParams& PgParams::Add(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  values_.push_back(buf);
  types_.push_back(kFloat8Oid);
  return *this;
}

PgResult::~PgResult() {
  if (res_ != nullptr) PQclear(res_);
}

int PgResult::rows() const { return PQntuples(res_); }

int64_t PgResult::changed() const {
  const char* n = PQcmdTuples(res_);
  return (n != nullptr && *n != '\0') ? std::strtoll(n, nullptr, 10) : 0;
}

std::string PgResult::Text(int row, int column) const {
  if (PQgetisnull(res_, row, column)) return std::string();
  return std::string(PQgetvalue(res_, row, column),
                     static_cast<size_t>(PQgetlength(res_, row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  if (PQgetisnull(res_, row, column)) return 0;
  return std::strtoll(PQgetvalue(res_, row, column), nullptr, 10);
}

double PgResult::Double(int row, int column) const {
  if (PQgetisnull(res_, row, column)) return 0;
  return std::strtod(PQgetvalue(res_, row, column), nullptr);
}

bool PgResult::Bool(int row, int column) const {
  return !PQgetisnull(res_, row, column) && PQgetvalue(res_, row, column)[0] == 't';
}

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo) {
  // Defaults first: the caller's string (expanded from "dbname") overrides them.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "tessera", conninfo.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return UnavailableError("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = TrimmedMessage(PQerrorMessage(conn));
    PQfinish(conn);
    return UnavailableError("postgresql: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  // Byte-order comparisons and ASCII-only lower() come from COLLATE "C" in the schema and the
  // queries; the session needs only a known encoding.
  TS_RETURN_IF_ERROR(c->ExecScript("SET client_encoding = 'UTF8'"));
  return c;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool PgConnection::reusable() const {
  return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Status PgConnection::ErrorFrom(pg_result* res, std::string_view what) {
  std::string state;
  if (res != nullptr) {
    const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (s != nullptr) state = s;
  }
  std::string msg = "postgresql " + std::string(what) + ": " +
                    TrimmedMessage(res != nullptr ? PQresultErrorMessage(res) : nullptr);
  if (res == nullptr || msg.size() < 20) msg += TrimmedMessage(PQerrorMessage(conn_));
  if (res != nullptr) PQclear(res);
  retryable_ = state == "40001" || state == "40P01";
  if (state == "23505") return AlreadyExistsError(msg);
  if (state.rfind("23", 0) == 0) return FailedPreconditionError(msg);
  if (state == "53100") return ResourceExhaustedError("Disk full: " + msg);
  if (retryable_ || broken() || state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 ||
      state == "53300") {
    return UnavailableError(msg);
  }
  return InternalError(msg);
}

StatusOr<PgResult> PgConnection::Exec(const std::string& sql, const PgParams& params) {
  retryable_ = false;
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    pg_result* res = PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()),
                               params.types_.data());
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
      Status s = ErrorFrom(res, "prepare");
      return Status(s.code(), s.message() + " in: " + sql);
    }
    PQclear(res);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& v : params.values_) values.push_back(v.c_str());
  pg_result* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, /*resultFormat=*/0);
  ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return ErrorFrom(res, "query");
  ++statements_ok_;
  return PgResult(res);
}

Status PgConnection::ExecScript(const std::string& sql) {
  retryable_ = false;
  pg_result* res = PQexec(conn_, sql.c_str());
  ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return ErrorFrom(res, "exec");
  PQclear(res);
  ++statements_ok_;
  return Status::Ok();
}

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

StatusOr<PooledConnection> PgPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    while (idle_.empty() && open_ >= options_.max_connections) {
      if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.max_connections) {
        return ResourceExhaustedError("postgresql: no free connection in the pool (" +
                                      std::to_string(options_.max_connections) + ") within " +
                                      std::to_string(options_.acquire_timeout.count()) + " ms");
      }
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return PooledConnection(this, std::move(conn));
    }
    ++open_;  // reserved while it opens, outside the lock
  }
  auto conn = PgConnection::Open(options_.conninfo);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    returned_.notify_one();
    return conn.status();
  }
  return PooledConnection(this, std::move(*conn));
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  const bool broken = !conn->reusable();
  if (broken) conn.reset();  // closed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  if (broken) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

int PgPool::open_connections() {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

}  // namespace tessera
