// The cost of the metadata calls every request makes (GetToken for the auth, GetItem to find
// the image) and a page of the item list (ListItems, 50 of 500 visible to a user through a
// grant), for the SQLite store (a file in a temp dir) and the PostgreSQL store (a throwaway
// local server over its unix socket, tests/testing/postgres_server.h; set
// TESSERA_BENCH_DATABASE to a conninfo to measure another server instead).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

constexpr int kItems = 500;

struct Fixture {
  std::unique_ptr<MetadataStore> store;
  std::string token;
  std::string folder_id;
  std::string user_id;
  std::vector<std::string> item_ids;
};

bool Fill(Fixture* f) {
  UserRecord u;
  u.login = "viewer";
  u.email = "viewer@example.org";
  auto user = f->store->CreateUser(u);
  if (!user.ok()) return false;
  f->user_id = user->id;
  f->token = std::string(64, 'k');
  if (!f->store->CreateToken(TokenRecord{f->token, user->id, 0, int64_t{1} << 50}).ok()) {
    return false;
  }
  CollectionRecord c;
  c.name = "slides";
  c.access.users = {{user->id, AccessLevel::kRead}};
  auto collection = f->store->CreateCollection(c);
  if (!collection.ok()) return false;
  FolderRecord folder;
  folder.name = "cases";
  folder.parent_id = collection->id;
  auto made = f->store->CreateFolder(folder);
  if (!made.ok()) return false;
  f->folder_id = made->id;
  for (int i = 0; i < kItems; ++i) {
    ItemRecord item;
    item.name = "slide-" + std::to_string(i * 7919 % kItems) + ".svs";
    item.folder_id = made->id;
    auto created = f->store->CreateItem(item);
    if (!created.ok()) return false;
    FileRecord file;
    file.item_id = created->id;
    file.name = item.name;
    file.size = 1000 + i;
    file.path = "/data/" + item.name;
    file.imported = true;
    auto stored = f->store->CreateFile(file);
    if (!stored.ok()) return false;
    ItemRecord large = *created;
    large.large_image_file_id = stored->id;
    large.source_name = "openslide";
    if (!f->store->UpdateItem(large).ok()) return false;
    f->item_ids.push_back(created->id);
  }
  return true;
}

void GetToken(benchmark::State& state, Fixture* f) {
  for (auto _ : state) {
    auto t = f->store->GetToken(f->token, 1);
    if (!t.ok()) state.SkipWithError(t.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void GetItem(benchmark::State& state, Fixture* f) {
  size_t i = 0;
  for (auto _ : state) {
    auto item = f->store->GetItem(f->item_ids[i++ % f->item_ids.size()]);
    if (!item.ok()) state.SkipWithError(item.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void ListItems(benchmark::State& state, Fixture* f) {
  ListQuery q;
  q.limit = 50;
  const AccessFilter filter{false, f->user_id, AccessLevel::kRead};
  int page = 0;
  for (auto _ : state) {
    q.offset = 50 * (page++ % (kItems / 50));
    auto items = f->store->ListItems(f->folder_id, q, filter);
    if (!items.ok() || items->size() != 50) state.SkipWithError("ListItems");
  }
  state.SetItemsProcessed(state.iterations());
}

void Register(const std::string& backend, Fixture* f) {
  benchmark::RegisterBenchmark(("BM_GetToken/" + backend).c_str(), GetToken, f);
  benchmark::RegisterBenchmark(("BM_GetItem/" + backend).c_str(), GetItem, f);
  benchmark::RegisterBenchmark(("BM_ListItems/" + backend).c_str(), ListItems, f);
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  using namespace tessera;
  benchmark::Initialize(&argc, argv);
  TempDir dir;
  Fixture sqlite;
  auto opened = OpenSqliteStore(dir.path() + "/bench.db");
  if (!opened.ok() || !(sqlite.store = std::move(*opened), Fill(&sqlite))) {
    std::fprintf(stderr, "sqlite setup failed\n");
    return 1;
  }
  Register("sqlite", &sqlite);

  std::unique_ptr<PostgresServer> server;
  std::string conninfo;
  if (const char* env = std::getenv("TESSERA_BENCH_DATABASE")) {
    conninfo = env;
  } else {
    std::string error;
    server = PostgresServer::Start(&error);
    if (server == nullptr) {
      std::fprintf(stderr, "no PostgreSQL: %s\n", error.c_str());
      return 1;
    }
    conninfo = server->ConnInfo(server->CreateDatabase());
  }
  Fixture postgres;
  auto pg = OpenPostgresStore(conninfo, 2);
  if (!pg.ok() || !(postgres.store = std::move(*pg), Fill(&postgres))) {
    std::fprintf(stderr, "postgres setup failed: %s\n",
                 pg.ok() ? "" : pg.status().ToString().c_str());
    return 1;
  }
  Register("postgres", &postgres);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  postgres.store.reset();
  return 0;
}
