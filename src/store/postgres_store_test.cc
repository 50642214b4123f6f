// The PostgreSQL store against a real server (one per test binary, a fresh database per test):
// the conformance suite, plus what only a shared server has: migrations (from empty, re-run,
// several nodes at once), two stores on one database, concurrent writers keeping the
// invariants, the pool (bounded; recovers from a server restart) and transactions that fail
// midway leaving nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/metadata_store.h"
#include "store/postgres_db.h"
#include "store/postgres_schema.h"
#include "store/postgres_store.h"
#include "store/store_conformance_test.h"
#include "testing/postgres_server.h"

namespace tessera {
namespace {

testing::Environment* const kPostgres =
    testing::AddGlobalTestEnvironment(new PostgresEnvironment());

// The conninfo of a fresh empty database ("" and a test failure when there is no server).
std::string FreshDatabase() {
  PostgresServer* server = PostgresEnvironment::server();
  if (server == nullptr) {
    ADD_FAILURE() << "no PostgreSQL server: " << PostgresEnvironment::error();
    return "";
  }
  std::string name = server->CreateDatabase();
  return name.empty() ? "" : server->ConnInfo(name);
}

std::unique_ptr<MetadataStore> MakePostgresStore() {
  std::string conninfo = FreshDatabase();
  if (conninfo.empty()) return nullptr;
  auto store = OpenPostgresStore(conninfo, 2);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         testing::Values(StoreConformanceParam{"postgres", MakePostgresStore}),
                         StoreConformanceName);

// Raw SQL for peeking at the database and setting traps in it.
class Raw {
 public:
  explicit Raw(const std::string& conninfo) {
    auto c = PgConnection::Open(conninfo);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (c.ok()) conn_ = std::move(*c);
  }
  void Exec(const std::string& sql) {
    ASSERT_NE(conn_, nullptr);
    Status s = conn_->ExecScript(sql);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  int64_t Int(const std::string& sql) {
    if (conn_ == nullptr) return -1;
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->rows() > 0 ? r->Int(0, 0) : -1;
  }
  PgConnection* conn() { return conn_.get(); }

 private:
  std::unique_ptr<PgConnection> conn_;
};

class PostgresStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    conninfo_ = FreshDatabase();
    ASSERT_FALSE(conninfo_.empty());
  }

  std::unique_ptr<MetadataStore> Open(int pool = 2) {
    auto store = OpenPostgresStore(conninfo_, pool);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A user, a public collection and a folder in it.
  struct Tree {
    UserRecord user;
    CollectionRecord collection;
    FolderRecord folder;
  };
  Tree MakeTree(MetadataStore& store, const std::string& folder_name = "f") {
    Tree t;
    UserRecord u;
    u.login = "u" + folder_name;
    u.email = folder_name + "@example.org";
    t.user = *store.CreateUser(u);
    CollectionRecord c;
    c.name = "c" + folder_name;
    c.access.is_public = true;
    t.collection = *store.CreateCollection(c);
    FolderRecord f;
    f.name = folder_name;
    f.parent_type = ParentType::kCollection;
    f.parent_id = t.collection.id;
    t.folder = *store.CreateFolder(f);
    return t;
  }

  std::string conninfo_;
};

TEST_F(PostgresStoreTest, MigratesFromEmptyAndReRunsAsNoOp) {
  Raw raw(conninfo_);
  ASSERT_NE(raw.conn(), nullptr);
  auto before = PostgresSchemaVersion(raw.conn());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(*before, 0);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                    "'public'"),
            0);

  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*PostgresSchemaVersion(raw.conn()), kPostgresSchemaVersion);
  // schema_version plus the ten tables of the data model.
  EXPECT_EQ(raw.Int("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                    "'public'"),
            11);
  Tree t = MakeTree(*store);
  store.reset();

  // Opening again (and migrating directly) changes nothing and keeps the data.
  auto again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(MigratePostgresSchema(raw.conn()).ok());
  EXPECT_EQ(raw.Int("SELECT count(*) FROM schema_version"), kPostgresSchemaVersion);
  EXPECT_EQ(again->GetFolder(t.folder.id)->name, "f");
  EXPECT_EQ(*again->CountUsers(), 1);
}

TEST_F(PostgresStoreTest, MigratesAnOlderSchemaKeepingItsRows) {
  Raw raw(conninfo_);
  ASSERT_NE(raw.conn(), nullptr);
  ASSERT_TRUE(MigratePostgresSchema(raw.conn(), 1).ok());
  EXPECT_EQ(*PostgresSchemaVersion(raw.conn()), 1);
  raw.Exec(
      "INSERT INTO jobs (id, title, status, created_ms, updated_ms) VALUES "
      "('5f0000000000000000000001', 'v1 job', 2, 1, 1)");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*PostgresSchemaVersion(raw.conn()), kPostgresSchemaVersion);
  auto job = store->GetJob("5f0000000000000000000001");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->title, "v1 job");
  EXPECT_EQ(job->node, "");
}

TEST_F(PostgresStoreTest, MigratesV2UsersToV3WithTheDefaultPolicy) {
  Raw raw(conninfo_);
  ASSERT_NE(raw.conn(), nullptr);
  ASSERT_TRUE(MigratePostgresSchema(raw.conn(), 2).ok());
  raw.Exec(
      "INSERT INTO users (id, login, created_ms) VALUES ('5f0000000000000000000001', 'old', 1)");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*PostgresSchemaVersion(raw.conn()), kPostgresSchemaVersion);
  auto policy = store->GetUserQuota("5f0000000000000000000001");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->file_size_quota, std::nullopt);
  EXPECT_TRUE(policy->use_quota_default);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM pg_indexes WHERE tablename = 'files' AND indexname = "
                    "'files_creator'"),
            1);
}

TEST_F(PostgresStoreTest, NodesStartingAtOnceMigrateOnce) {
  constexpr int kNodes = 6;
  std::vector<std::thread> threads;
  std::vector<Status> results(kNodes);
  std::atomic<int> ready{0};
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      ready++;
      while (ready.load() < kNodes) std::this_thread::yield();  // start together
      auto store = OpenPostgresStore(conninfo_, 1);
      results[i] = store.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  Raw raw(conninfo_);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM schema_version"), kPostgresSchemaVersion);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM pg_tables WHERE tablename = 'items'"), 1);
}

TEST_F(PostgresStoreTest, RefusesADatabaseNewerThanItKnows) {
  ASSERT_NE(Open(), nullptr);
  Raw raw(conninfo_);
  raw.Exec("INSERT INTO schema_version (version, applied_ms) VALUES (99, 0)");
  auto store = OpenPostgresStore(conninfo_, 1);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  PostgresServer* server = PostgresEnvironment::server();
  ASSERT_NE(server, nullptr);
  // A port nothing listens on.
  auto store =
      OpenPostgresStore("postgresql://postgres@127.0.0.1:" + std::to_string(FreeTcpPort()) +
                            "/nothing?connect_timeout=2",
                        1);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
}

TEST_F(PostgresStoreTest, WorksOverATcpUrl) {
  PostgresServer* server = PostgresEnvironment::server();
  ASSERT_NE(server, nullptr);
  std::string db = server->CreateDatabase();
  auto store = OpenPostgresStore(server->Url(db), 1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Tree t = MakeTree(**store);
  EXPECT_EQ((*store)->GetCollection(t.collection.id)->name, "cf");
}

TEST_F(PostgresStoreTest, TwoNodesShareOneDatabase) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Tree t = MakeTree(*a);
  TokenRecord token{std::string(64, 'x'), t.user.id, 0, int64_t{1} << 50};
  ASSERT_TRUE(a->CreateToken(token).ok());
  auto found = b->GetToken(token.token, 1000);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->user_id, t.user.id);

  ItemRecord item;
  item.name = "made on b";
  item.folder_id = t.folder.id;
  auto made = b->CreateItem(item);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(a->GetItem(made->id)->name, "made on b");
  ASSERT_TRUE(a->DeleteToken(token.token).ok());
  EXPECT_EQ(b->GetToken(token.token, 1000).status().code(), StatusCode::kNotFound);
  Status deleted = a->DeleteFolder(t.folder.id, nullptr);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_EQ(b->GetItem(made->id).status().code(), StatusCode::kNotFound);
}

// Several threads on two "nodes" complete uploads into one folder and one item and move items
// between two folders; afterwards every size adds up and nothing was lost or doubled.
TEST_F(PostgresStoreTest, ConcurrentUploadsAndMovesKeepInvariants) {
  auto a = Open(3);
  auto b = Open(3);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Tree t = MakeTree(*a);
  FolderRecord other;
  other.name = "other";
  other.parent_type = ParentType::kCollection;
  other.parent_id = t.collection.id;
  other = *a->CreateFolder(other);
  ItemRecord shared;
  shared.name = "shared";
  shared.folder_id = t.folder.id;
  shared = *a->CreateItem(shared);

  constexpr int kThreads = 4;
  constexpr int kPerThread = 12;
  std::atomic<int> failures{0};
  std::atomic<int64_t> shared_bytes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      MetadataStore& store = i % 2 == 0 ? *a : *b;
      for (int k = 0; k < kPerThread; ++k) {
        const int64_t size = 1 + i * 100 + k;
        UploadRecord up;
        up.user_id = t.user.id;
        up.parent_is_item = k % 2 == 1;
        up.parent_id = up.parent_is_item ? shared.id : t.folder.id;
        up.name = "u" + std::to_string(i) + "-" + std::to_string(k);
        up.size = size;
        auto created = store.CreateUpload(up, nullptr);
        if (!created.ok()) {
          failures++;
          continue;
        }
        FileRecord file;
        file.size = size;
        file.path = "/assets/" + up.name;
        auto done = store.CompleteUpload(created->id, file);
        if (!done.ok()) {
          ADD_FAILURE() << done.status().ToString();
          failures++;
          continue;
        }
        if (up.parent_is_item) shared_bytes += size;
        // Move the new (or the shared) item to the other folder and back.
        ItemRecord moved = done->second;
        moved.folder_id = (k % 4 < 2) ? other.id : t.folder.id;
        Status s = store.UpdateItem(moved);
        if (!s.ok()) {
          ADD_FAILURE() << s.ToString();
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  EXPECT_TRUE(a->ListUploads()->empty());
  ListQuery all;
  all.limit = 0;
  auto items_here = *a->ListItems(t.folder.id, all, AccessFilter::All());
  auto items_there = *a->ListItems(other.id, all, AccessFilter::All());
  std::vector<ItemRecord> items = items_here;
  items.insert(items.end(), items_there.begin(), items_there.end());
  // One item per folder upload, plus the shared one.
  EXPECT_EQ(static_cast<int>(items.size()), kThreads * kPerThread / 2 + 1);
  EXPECT_EQ(*a->CountItems(), static_cast<int64_t>(items.size()));
  int files = 0;
  for (const ItemRecord& item : items) {
    int64_t sum = 0;
    auto listed = *b->ListFiles(item.id);
    for (const FileRecord& f : listed) sum += f.size;
    files += static_cast<int>(listed.size());
    EXPECT_EQ(item.size, sum) << item.name;
    if (item.id == shared.id) {
      EXPECT_EQ(item.size, shared_bytes.load());
    }
  }
  EXPECT_EQ(files, kThreads * kPerThread);
}

// Two threads each try to complete the same upload: one file, one winner.
// Two nodes (two pools) racing uploads for one user: the SERIALIZABLE check-and-insert lets
// through exactly what fits, whatever the interleaving (conflicts are re-run by Write).
TEST_F(PostgresStoreTest, RacingUploadsOnTwoNodesNeverPassTheQuota) {
  auto a = Open(4);
  auto b = Open(4);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Tree t = MakeTree(*a);
  UploadRace race = RaceUploads({a.get(), b.get()}, t.user.id, t.folder.id, /*threads=*/8,
                                /*per_thread=*/4, /*size=*/70, /*default_bytes=*/1000);
  EXPECT_EQ(race.failed, 0);
  EXPECT_EQ(race.accepted, 1000 / 70);
  EXPECT_LE(race.accepted_bytes, 1000);
  EXPECT_EQ(*b->UserStorageBytes(t.user.id), race.accepted_bytes);
}

TEST_F(PostgresStoreTest, AnUploadCompletesOnce) {
  auto a = Open();
  auto b = Open();
  Tree t = MakeTree(*a);
  for (int round = 0; round < 5; ++round) {
    UploadRecord up;
    up.parent_id = t.folder.id;
    up.name = "once" + std::to_string(round);
    up.size = 10;
    auto created = a->CreateUpload(up, nullptr);
    ASSERT_TRUE(created.ok());
    std::atomic<int> ok{0}, not_found{0};
    auto complete = [&](MetadataStore* store) {
      FileRecord f;
      f.size = 10;
      f.path = "/p";
      auto r = store->CompleteUpload(created->id, f);
      if (r.ok()) ok++;
      if (r.status().code() == StatusCode::kNotFound) not_found++;
    };
    std::thread t1(complete, a.get()), t2(complete, b.get());
    t1.join();
    t2.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(not_found.load(), 1);
  }
  EXPECT_EQ(*a->CountItems(), 5);
}

// Folders moved into each other from two nodes at once never form a cycle: one move of each
// pair is refused (InvalidArgument) or both apply in some order that is still a tree.
TEST_F(PostgresStoreTest, ConcurrentFolderMovesNeverMakeACycle) {
  auto a = Open();
  auto b = Open();
  Tree t = MakeTree(*a);
  auto folder = [&](const std::string& name) {
    FolderRecord f;
    f.name = name;
    f.parent_type = ParentType::kCollection;
    f.parent_id = t.collection.id;
    return *a->CreateFolder(f);
  };
  for (int round = 0; round < 8; ++round) {
    FolderRecord x = folder("x" + std::to_string(round));
    FolderRecord y = folder("y" + std::to_string(round));
    FolderRecord x_under_y = x, y_under_x = y;
    x_under_y.parent_type = y_under_x.parent_type = ParentType::kFolder;
    x_under_y.parent_id = y.id;
    y_under_x.parent_id = x.id;
    Status s1, s2;
    std::thread t1([&] { s1 = a->UpdateFolder(x_under_y); });
    std::thread t2([&] { s2 = b->UpdateFolder(y_under_x); });
    t1.join();
    t2.join();
    EXPECT_TRUE(s1.ok() || s1.code() == StatusCode::kInvalidArgument) << s1.ToString();
    EXPECT_TRUE(s2.ok() || s2.code() == StatusCode::kInvalidArgument) << s2.ToString();
    EXPECT_FALSE(s1.ok() && s2.ok());
    auto gx = *a->GetFolder(x.id);
    auto gy = *a->GetFolder(y.id);
    EXPECT_FALSE(gx.parent_id == y.id && gy.parent_id == x.id) << "cycle in round " << round;
    // The base parent stayed the collection for both.
    EXPECT_EQ(gx.base_parent_id, t.collection.id);
    EXPECT_EQ(gy.base_parent_id, t.collection.id);
  }
}

TEST_F(PostgresStoreTest, PoolIsBoundedAndReusesConnections) {
  PgPoolOptions options;
  options.conninfo = conninfo_;
  options.max_connections = 2;
  options.acquire_timeout = std::chrono::milliseconds(50);
  PostgresStore store(options);
  ASSERT_TRUE(store.Migrate().ok());
  {
    auto c1 = store.pool().Acquire();
    auto c2 = store.pool().Acquire();
    ASSERT_TRUE(c1.ok());
    ASSERT_TRUE(c2.ok());
    auto c3 = store.pool().Acquire();
    ASSERT_FALSE(c3.ok());
    EXPECT_EQ(c3.status().code(), StatusCode::kResourceExhausted);
    // A call made while the pool is exhausted fails the same way, cleanly.
    EXPECT_EQ(store.CountUsers().status().code(), StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(store.pool().open_connections(), 2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store.CountUsers().ok());
  EXPECT_EQ(store.pool().open_connections(), 2);  // reused, not reopened
}

TEST_F(PostgresStoreTest, AcquireWaitsForAConnectionToComeBack) {
  PgPoolOptions options;
  options.conninfo = conninfo_;
  options.max_connections = 1;
  options.acquire_timeout = std::chrono::seconds(20);
  PgPool pool(options);
  auto held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  Status waited;
  std::thread waiter([&] { waited = pool.Acquire().status(); });
  // Whether the waiter is already blocked or not yet started, it must get this connection.
  { auto give_back = std::move(*held); }
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited.ToString();
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(PostgresStoreTest, RecoversAfterTheServerRestarts) {
  PostgresServer* server = PostgresEnvironment::server();
  ASSERT_NE(server, nullptr);
  auto store = Open(3);
  ASSERT_NE(store, nullptr);
  Tree t = MakeTree(*store);
  TokenRecord token{std::string(64, 't'), t.user.id, 0, int64_t{1} << 50};
  ASSERT_TRUE(store->CreateToken(token).ok());
  // Fill the pool with idle connections.
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back([&] { (void)store->GetToken(token.token, 1); });
  for (auto& r : readers) r.join();

  ASSERT_TRUE(server->Stop());
  auto down = store->GetToken(token.token, 1);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().ToString();
  ItemRecord item;
  item.name = "while down";
  item.folder_id = t.folder.id;
  EXPECT_EQ(store->CreateItem(item).status().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(server->Restart());
  // Every call succeeds again: the dead pooled connections are replaced, none surfaces. First a
  // write (a transaction whose BEGIN meets a dead connection)...
  auto made = store->CreateItem(item);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(store->GetItem(made->id)->name, "while down");

  // ... then, after another restart, a read first.
  for (int i = 0; i < 3; ++i)
    readers[i] = std::thread([&] { (void)store->GetToken(token.token, 1); });
  for (auto& r : readers) r.join();
  ASSERT_TRUE(server->Stop());
  ASSERT_TRUE(server->Restart());
  for (int i = 0; i < 6; ++i) {
    auto up = store->GetToken(token.token, 1);
    ASSERT_TRUE(up.ok()) << i << ": " << up.status().ToString();
    EXPECT_EQ(up->user_id, t.user.id);
  }
  EXPECT_EQ(*store->CountItems(), 1);
}

// A trap in the database (a trigger that raises on the second grant) makes SetFolderAccess
// fail after it has already changed rows: everything it changed is rolled back.
TEST_F(PostgresStoreTest, ATransactionFailingMidwayLeavesNothingHalfWritten) {
  auto store = Open();
  Tree t = MakeTree(*store);
  FolderRecord child;
  child.name = "child";
  child.parent_type = ParentType::kFolder;
  child.parent_id = t.folder.id;
  child = *store->CreateFolder(child);
  UserRecord bob;
  bob.login = "bob";
  bob = *store->CreateUser(bob);
  UserRecord trap;
  trap.login = "trap";
  trap = *store->CreateUser(trap);

  Raw raw(conninfo_);
  raw.Exec(
      "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; "
      "END $$ LANGUAGE plpgsql");
  raw.Exec("CREATE TRIGGER refuse_trap BEFORE INSERT ON access FOR EACH ROW WHEN (NEW.user_id = '" +
           trap.id + "') EXECUTE FUNCTION refuse()");

  AccessList access;
  access.is_public = false;
  access.users = {{bob.id, AccessLevel::kWrite}, {trap.id, AccessLevel::kRead}};
  Status s = store->SetFolderAccess(t.folder.id, access, /*recurse=*/true);
  ASSERT_FALSE(s.ok());
  for (const std::string& id : {t.folder.id, child.id}) {
    auto f = store->GetFolder(id);
    EXPECT_TRUE(f->access.is_public) << "is_public was changed";
    EXPECT_TRUE(f->access.users.empty()) << "a grant was written";
  }

  // The same for an upload: the item is made, then the file insert fails; neither stays.
  UploadRecord up;
  up.parent_id = t.folder.id;
  up.name = "half";
  up.size = 3;
  auto created = store->CreateUpload(up, nullptr);
  ASSERT_TRUE(created.ok());
  raw.Exec(
      "CREATE TRIGGER refuse_files BEFORE INSERT ON files FOR EACH ROW EXECUTE FUNCTION "
      "refuse()");
  const int64_t items_before = *store->CountItems();
  FileRecord f;
  f.size = 3;
  f.path = "/p";
  EXPECT_FALSE(store->CompleteUpload(created->id, f).ok());
  EXPECT_EQ(*store->CountItems(), items_before);
  EXPECT_TRUE(store->GetUpload(created->id).ok()) << "the upload must still be there";
  raw.Exec("DROP TRIGGER refuse_files ON files");
  auto done = store->CompleteUpload(created->id, f);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->second.size, 3);
}

// Values travel as parameters: text that would be SQL if pasted in is just a name.
TEST_F(PostgresStoreTest, ValuesAreNeverSql) {
  auto store = Open();
  Tree t = MakeTree(*store);
  ItemRecord item;
  item.name = "x'); DROP TABLE items; --";
  item.folder_id = t.folder.id;
  ASSERT_TRUE(store->CreateItem(item).ok());
  ListQuery q;
  q.text = "'; DELETE FROM items; --";
  EXPECT_TRUE(store->ListItems(t.folder.id, q, AccessFilter::All())->empty());
  q.text = "drop table";
  auto found = store->ListItems(t.folder.id, q, AccessFilter::All());
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].name, item.name);
}

}  // namespace
}  // namespace tessera
