// The SQLite MetadataStore. sqlite3.h is included here only.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

#include "core/strings.h"
#include "core/thread_annotations.h"
#include "store/metadata_store.h"

namespace tessera {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Girder / MongoDB ObjectId layout: 4-byte seconds, 5 random bytes per store, 3-byte counter.
class ObjectIdGenerator {
 public:
  ObjectIdGenerator() {
    std::random_device rd;
    for (auto& b : random_) b = static_cast<uint8_t>(rd());
    counter_ = rd() & 0xFFFFFF;
  }
  std::string Next() {
    uint8_t id[12];
    uint32_t secs = static_cast<uint32_t>(NowMs() / 1000);
    id[0] = secs >> 24;
    id[1] = secs >> 16;
    id[2] = secs >> 8;
    id[3] = secs;
    for (int i = 0; i < 5; ++i) id[4 + i] = random_[i];
    uint32_t c = counter_++ & 0xFFFFFF;
    id[9] = c >> 16;
    id[10] = c >> 8;
    id[11] = c;
    return HexEncode(id, sizeof(id));
  }

 private:
  uint8_t random_[5];
  uint32_t counter_;
};

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  Status Migrate() {
    std::lock_guard<std::mutex> lock(mu_);
    TS_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    TS_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    TS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    TS_ASSIGN_OR_RETURN(int64_t version, QueryInt("PRAGMA user_version"));
    if (version < 1) {
      TS_RETURN_IF_ERROR(
          Exec("BEGIN IMMEDIATE;"
               "CREATE TABLE IF NOT EXISTS items ("
               "  id TEXT PRIMARY KEY,"
               "  name TEXT NOT NULL,"
               "  path TEXT NOT NULL UNIQUE,"
               "  size INTEGER NOT NULL DEFAULT 0,"
               "  created_ms INTEGER NOT NULL,"
               "  updated_ms INTEGER NOT NULL,"
               "  source_name TEXT NOT NULL DEFAULT '');"
               "CREATE INDEX IF NOT EXISTS items_name ON items(name);"
               "PRAGMA user_version=1;"
               "COMMIT;"));
    }
    return Status::Ok();
  }

  StatusOr<ItemRecord> GetItem(const std::string& id) override {
    if (!IsObjectId(id)) return InvalidArgumentError("Invalid ObjectId: " + id);
    std::lock_guard<std::mutex> lock(mu_);
    TS_ASSIGN_OR_RETURN(auto items, SelectItems("WHERE id = ?1", {id}));
    if (items.empty()) return NotFoundError("Invalid item id (" + id + ").");
    return items.front();
  }

  StatusOr<std::optional<ItemRecord>> FindItemByPath(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    TS_ASSIGN_OR_RETURN(auto items, SelectItems("WHERE path = ?1", {path}));
    if (items.empty()) return std::optional<ItemRecord>();
    return std::optional<ItemRecord>(items.front());
  }

  StatusOr<ItemRecord> CreateItem(ItemRecord item) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (item.id.empty()) item.id = ids_.Next();
    if (item.created_ms == 0) item.created_ms = NowMs();
    if (item.updated_ms == 0) item.updated_ms = item.created_ms;
    sqlite3_stmt* st = nullptr;
    const char* sql =
        "INSERT INTO items (id, name, path, size, created_ms, updated_ms, source_name) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return Error("prepare");
    sqlite3_bind_text(st, 1, item.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, item.name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, item.path.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, item.size);
    sqlite3_bind_int64(st, 5, item.created_ms);
    sqlite3_bind_int64(st, 6, item.updated_ms);
    sqlite3_bind_text(st, 7, item.source_name.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT) {
      return AlreadyExistsError("an item for " + item.path + " already exists");
    }
    if (rc != SQLITE_DONE) return Error("insert item");
    return item;
  }

  StatusOr<std::vector<ItemRecord>> ListItems(int limit, int offset,
                                              const std::string& text) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string where =
        text.empty() ? "WHERE 1 = 1 OR ?1 = ''" : "WHERE instr(lower(name), lower(?1)) > 0";
    where += " ORDER BY name, id LIMIT " + std::to_string(std::max(0, limit)) + " OFFSET " +
             std::to_string(std::max(0, offset));
    return SelectItems(where, {text});
  }

  StatusOr<int64_t> CountItems() override {
    std::lock_guard<std::mutex> lock(mu_);
    return QueryInt("SELECT count(*) FROM items");
  }

 private:
  Status Error(const std::string& what) REQUIRES(mu_) {
    return InternalError("sqlite " + what + ": " + sqlite3_errmsg(db_));
  }

  Status Exec(const std::string& sql) REQUIRES(mu_) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return InternalError("sqlite: " + msg);
    }
    return Status::Ok();
  }

  StatusOr<int64_t> QueryInt(const std::string& sql) REQUIRES(mu_) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    int64_t v = 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }

  StatusOr<std::vector<ItemRecord>> SelectItems(const std::string& tail,
                                                const std::vector<std::string>& args)
      REQUIRES(mu_) {
    std::string sql =
        "SELECT id, name, path, size, created_ms, updated_ms, source_name FROM items " + tail;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    for (size_t i = 0; i < args.size(); ++i) {
      sqlite3_bind_text(st, static_cast<int>(i + 1), args[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    std::vector<ItemRecord> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      ItemRecord r;
      r.id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      r.name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      r.path = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
      r.size = sqlite3_column_int64(st, 3);
      r.created_ms = sqlite3_column_int64(st, 4);
      r.updated_ms = sqlite3_column_int64(st, 5);
      r.source_name = reinterpret_cast<const char*>(sqlite3_column_text(st, 6));
      out.push_back(std::move(r));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return Error("select");
    return out;
  }

  std::mutex mu_;
  sqlite3* db_ PT_GUARDED_BY(mu_);
  ObjectIdGenerator ids_ GUARDED_BY(mu_);
};

}  // namespace

bool IsObjectId(std::string_view id) {
  if (id.size() != 24) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return UnavailableError("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  auto store = std::make_unique<SqliteStore>(db);
  TS_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace tessera
