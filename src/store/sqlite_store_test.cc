// The SQLite store: the conformance suite, plus what only a file database has: the v1 → v2
// migration, reopening, and several connections writing one file at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/metadata_store.h"
#include "store/sqlite_schema.h"
#include "store/store_conformance_test.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

std::unique_ptr<MetadataStore> MakeSqliteStore() {
  static TempDir* dir = new TempDir();  // outlives every test; removed by the OS's tmp policy
  static std::atomic<int> n{0};
  auto store = OpenSqliteStore(dir->path() + "/conformance-" + std::to_string(n++) + ".db");
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         testing::Values(StoreConformanceParam{"sqlite", MakeSqliteStore}),
                         StoreConformanceName);

// Raw SQL against a database file, for building old schemas and peeking at pragmas.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "") << " in " << sql;
    sqlite3_free(err);
  }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  // Column `column` of the first row.
  std::string Text(const std::string& sql, int column = 0) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    }
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr char kV1Id1[] = "5f0000000000000000000001";
constexpr char kV1Id2[] = "5f0000000000000000000002";

void MakeV1Database(const std::string& path) {
  RawDb raw(path);
  raw.Exec(
      "CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL UNIQUE,"
      " size INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT"
      " NULL, source_name TEXT NOT NULL DEFAULT '');"
      "CREATE INDEX items_name ON items(name);"
      "PRAGMA user_version=1;");
  raw.Exec(std::string("INSERT INTO items VALUES ('") + kV1Id1 +
           "', 'CMU-1.svs', '/data/CMU-1.svs', 1000, 10, 11, 'openslide')");
  raw.Exec(std::string("INSERT INTO items VALUES ('") + kV1Id2 +
           "', 'big.tif', '/data/sub/big.tif', 2000, 20, 21, 'tiff')");
}

TEST(SqliteStoreTest, MigratesV1Items) {
  TempDir dir;
  const std::string db = dir.path() + "/v1.db";
  MakeV1Database(db);
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  MetadataStore& s = **store;

  auto collections = s.ListCollections(ListQuery(), AccessFilter{});  // anonymous sees it
  ASSERT_TRUE(collections.ok());
  ASSERT_EQ(collections->size(), 1u);
  EXPECT_EQ(collections->front().name, "Imported");
  EXPECT_TRUE(collections->front().access.is_public);
  auto folders =
      s.ListFolders(ParentType::kCollection, collections->front().id, ListQuery(), AccessFilter{});
  ASSERT_EQ(folders->size(), 1u);
  EXPECT_EQ(folders->front().name, "Imported");
  EXPECT_TRUE(folders->front().access.is_public);
  EXPECT_EQ(folders->front().base_parent_id, collections->front().id);

  auto items = s.ListItems(folders->front().id, ListQuery(), AccessFilter{});
  ASSERT_EQ(items->size(), 2u);
  const ItemRecord& cmu = (*items)[0];
  EXPECT_EQ(cmu.id, kV1Id1);
  EXPECT_EQ(cmu.name, "CMU-1.svs");
  EXPECT_EQ(cmu.size, 1000);
  EXPECT_EQ(cmu.created_ms, 10);
  EXPECT_EQ(cmu.updated_ms, 11);
  EXPECT_EQ(cmu.source_name, "openslide");
  EXPECT_EQ(cmu.path, "/data/CMU-1.svs");
  auto files = s.ListFiles(cmu.id);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->front().id, cmu.large_image_file_id);
  EXPECT_TRUE(files->front().imported);
  EXPECT_EQ(files->front().size, 1000);
  EXPECT_EQ(files->front().name, "CMU-1.svs");
  EXPECT_EQ(s.FindFileByPath("/data/sub/big.tif")->value().item_id, kV1Id2);
  EXPECT_EQ((*items)[1].source_name, "tiff");

  // Deleting migrated items never deletes the slides they point at.
  std::vector<std::string> removed;
  ASSERT_TRUE(s.DeleteItem(kV1Id1, &removed).ok());
  EXPECT_TRUE(removed.empty());

  RawDb raw(db);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSqliteSchemaVersion);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE name = 'items_v1'"), 0);
}

TEST(SqliteStoreTest, MigrationRunsOnce) {
  TempDir dir;
  const std::string db = dir.path() + "/v1.db";
  MakeV1Database(db);
  { ASSERT_TRUE(OpenSqliteStore(db).ok()); }
  auto again = OpenSqliteStore(db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->CountItems(), 2);
  EXPECT_EQ((*again)->ListCollections(ListQuery(), AccessFilter::All())->size(), 1u);
}

TEST(SqliteStoreTest, ConcurrentOpenersMigrateOnce) {
  TempDir dir;
  const std::string db = dir.path() + "/v1.db";
  MakeV1Database(db);
  std::vector<std::unique_ptr<MetadataStore>> stores(4);
  std::vector<std::thread> threads;
  for (auto& s : stores) {
    threads.emplace_back([&db, &s] {
      auto opened = OpenSqliteStore(db);
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      if (opened.ok()) s = std::move(*opened);
    });
  }
  for (auto& t : threads) t.join();
  for (auto& s : stores) {
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(*s->CountItems(), 2);
    EXPECT_EQ(s->ListCollections(ListQuery(), AccessFilter::All())->size(), 1u);
  }
}

// What schema v4 added, dropped again (a v3 file).
constexpr char kDropV4[] =
    "DROP INDEX files_creator; ALTER TABLE users DROP COLUMN quota_file_size; "
    "ALTER TABLE users DROP COLUMN quota_use_default;";

TEST(SqliteStoreTest, MigratesV3UsersToV4WithTheDefaultPolicy) {
  TempDir dir;
  const std::string db = dir.path() + "/v3.db";
  std::string user_id;
  {
    auto s = OpenSqliteStore(db);
    ASSERT_TRUE(s.ok());
    UserRecord u;
    u.login = "old";
    user_id = (*s)->CreateUser(u)->id;
  }
  RawDb(db).Exec(std::string(kDropV4) + "PRAGMA user_version=3;");
  EXPECT_EQ(RawDb(db).Int("SELECT count(*) FROM sqlite_master WHERE name = 'files_creator'"), 0);
  auto s = OpenSqliteStore(db);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto policy = (*s)->GetUserQuota(user_id);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->file_size_quota, std::nullopt);
  EXPECT_TRUE(policy->use_quota_default);
  EXPECT_EQ((*s)->GetUser(user_id)->login, "old");
  RawDb raw(db);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSqliteSchemaVersion);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                    "'files_creator' AND tbl_name = 'files'"),
            1);
  // The usage sum searches it (the plan's "detail" column).
  const std::string plan = raw.Text(
      "EXPLAIN QUERY PLAN SELECT sum(size) FROM files WHERE creator_id = 'x' AND imported = 0", 3);
  EXPECT_NE(plan.find("USING INDEX files_creator"), std::string::npos) << plan;
}

TEST(SqliteStoreTest, MigratesV2JobsToV3WithNoNode) {
  TempDir dir;
  const std::string db = dir.path() + "/v2.db";
  std::string job_id;
  {
    auto s = OpenSqliteStore(db);
    ASSERT_TRUE(s.ok());
    JobRecord j;
    j.title = "old";
    j.status = JobStatus::kRunning;
    job_id = (*s)->CreateJob(j)->id;
  }
  // Back to what a v2 file looks like.
  RawDb(db).Exec(std::string(kDropV4) +
                 "ALTER TABLE jobs DROP COLUMN node; PRAGMA user_version=2;");
  auto s = OpenSqliteStore(db);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto job = (*s)->GetJob(job_id);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->title, "old");
  EXPECT_EQ(job->node, "");
  EXPECT_EQ(RawDb(db).Int("PRAGMA user_version"), kSqliteSchemaVersion);
}

TEST(SqliteStoreTest, RefusesANewerSchema) {
  TempDir dir;
  const std::string db = dir.path() + "/v9.db";
  { RawDb(db).Exec("PRAGMA user_version=9"); }
  auto store = OpenSqliteStore(db);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteStoreTest, EmptyDatabaseGetsTheCurrentSchema) {
  TempDir dir;
  const std::string db = dir.path() + "/new.db";
  ASSERT_TRUE(OpenSqliteStore(db).ok());
  RawDb raw(db);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSqliteSchemaVersion);
  for (const char* table : {"users", "tokens", "collections", "folders", "access", "items", "files",
                            "uploads", "jobs", "thumbnails"}) {
    EXPECT_EQ(raw.Int(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name = '") +
                      table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreTest, SurvivesReopen) {
  TempDir dir;
  const std::string db = dir.path() + "/t.db";
  std::string item_id, user_id;
  {
    auto store = OpenSqliteStore(db);
    ASSERT_TRUE(store.ok());
    UserRecord u;
    u.login = "alice";
    u.email = "a@example.org";
    user_id = (*store)->CreateUser(u)->id;
    CollectionRecord c;
    c.name = "C";
    c.access.users = {{user_id, AccessLevel::kAdmin}};
    auto coll = (*store)->CreateCollection(c);
    FolderRecord f;
    f.name = "f";
    f.parent_id = coll->id;
    auto folder = (*store)->CreateFolder(f);
    ASSERT_TRUE(folder.ok());
    ItemRecord i;
    i.name = "slide";
    i.folder_id = folder->id;
    item_id = (*store)->CreateItem(i)->id;
    FileRecord file;
    file.item_id = item_id;
    file.name = "slide.svs";
    file.size = 77;
    file.path = "/data/slide.svs";
    ASSERT_TRUE((*store)->CreateFile(file).ok());
  }
  auto again = OpenSqliteStore(db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->GetItem(item_id)->size, 77);
  EXPECT_EQ((*again)->FindUser("alice")->id, user_id);
  auto visible = (*again)->ListItems("", ListQuery(), AccessFilter{false, user_id});
  ASSERT_EQ(visible->size(), 1u);
  EXPECT_TRUE((*again)->ListItems("", ListQuery(), AccessFilter{})->empty());
}

TEST(SqliteStoreTest, ConcurrentWritersOnOneFile) {
  TempDir dir;
  const std::string db = dir.path() + "/t.db";
  auto a = OpenSqliteStore(db);
  auto b = OpenSqliteStore(db);  // a second process would do the same
  ASSERT_TRUE(a.ok() && b.ok());
  CollectionRecord c;
  c.name = "C";
  auto coll = (*a)->CreateCollection(c);
  FolderRecord f;
  f.name = "shared";
  f.parent_id = coll->id;
  auto folder = (*a)->CreateFolder(f);
  ASSERT_TRUE(folder.ok());

  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    MetadataStore* store = (t % 2 == 0 ? *a : *b).get();
    threads.emplace_back([&, store, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        UploadRecord up;
        up.parent_id = folder->id;
        up.name = name;
        up.size = 3;
        auto created = store->CreateUpload(up, nullptr);
        FileRecord file;
        file.size = 3;
        file.path = "/store/" + name;
        if (!created.ok() || !store->CompleteUpload(created->id, file).ok()) ++failures;
        FolderRecord sub;
        sub.name = name;
        sub.parent_type = ParentType::kFolder;
        sub.parent_id = folder->id;
        if (!store->CreateFolder(sub).ok()) ++failures;
        if (!store->ListItems(folder->id, ListQuery(), AccessFilter::All()).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  auto again = OpenSqliteStore(db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->CountItems(), kThreads * kPerThread);
  ListQuery all;
  all.limit = 0;
  auto items = (*again)->ListItems(folder->id, all, AccessFilter::All());
  std::set<std::string> ids;
  for (const auto& r : *items) {
    ids.insert(r.id);
    EXPECT_EQ(r.size, 3);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(
      (*again)->ListFolders(ParentType::kFolder, folder->id, all, AccessFilter::All())->size(),
      static_cast<size_t>(kThreads * kPerThread));
  EXPECT_TRUE((*again)->ListUploads()->empty());
}

// Two connections to one file (two processes would do the same) racing uploads for one user:
// BEGIN IMMEDIATE makes each check-and-insert one step, across connections too.
TEST(SqliteStoreTest, RacingUploadsOnTwoConnectionsNeverPassTheQuota) {
  TempDir dir;
  const std::string db = dir.path() + "/race.db";
  auto a = OpenSqliteStore(db);
  auto b = OpenSqliteStore(db);
  ASSERT_TRUE(a.ok() && b.ok());
  UserRecord u;
  u.login = "racer";
  const std::string user_id = (*a)->CreateUser(u)->id;
  CollectionRecord c;
  c.name = "C";
  FolderRecord f;
  f.name = "f";
  f.parent_id = (*a)->CreateCollection(c)->id;
  const std::string folder_id = (*a)->CreateFolder(f)->id;
  UploadRace race = RaceUploads({a->get(), b->get()}, user_id, folder_id, /*threads=*/6,
                                /*per_thread=*/5, /*size=*/70, /*default_bytes=*/1000);
  EXPECT_EQ(race.failed, 0);
  EXPECT_EQ(race.accepted, 1000 / 70);
  EXPECT_LE(race.accepted_bytes, 1000);
  EXPECT_EQ(*(*b)->UserStorageBytes(user_id), race.accepted_bytes);
}

}  // namespace
}  // namespace tessera
