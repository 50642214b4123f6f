// Conversion jobs end to end: POST/DELETE /item/{id}/tiles and Girder's job endpoints over HTTP,
// against the real SQLite store, assetstore, Auth, JobRunner and libvips. The server is composed
// here from its parts (not App), so the test depends only on the interfaces it exercises.
// Outputs are checked with libvips and libtiff (testing/reference.h), never with Tessera's
// readers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/jobs.h"
#include "api/jobs_api.h"
#include "http/server.h"
#include "source/registry.h"
#include "testing/http_client.h"
#include "testing/images.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/tiff_ifds.h"

namespace tessera {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kFarFutureMs = 4'102'444'800'000;  // 2100-01-01

class JobsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() + "/tessera.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto assets = Assetstore::Open(dir_.path() + "/assetstore");
    ASSERT_TRUE(assets.ok()) << assets.status().ToString();
    assetstore_ = std::make_unique<Assetstore>(std::move(*assets));
    auth_ = std::make_unique<Auth>(*store_, Clock::Real(), 0);
    registry_ = FormatRegistry::Default();
    JobRunnerOptions options;
    options.threads = 1;
    jobs_ = std::make_unique<JobRunner>(*store_, options);
    ASSERT_TRUE(jobs_->Start().ok());

    ctx_.store = store_.get();
    ctx_.auth = auth_.get();
    ctx_.assetstore = assetstore_.get();
    ctx_.jobs = jobs_.get();
    ctx_.registry = &registry_;
    api_ = std::make_unique<JobsApi>(ctx_);
    api_->Register(router_);
    ServerOptions so;
    so.port = 0;
    server_ = std::make_unique<HttpServer>(so, router_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());

    alice_ = MakeUser("alice", false);
    bob_ = MakeUser("bob", false);
    admin_ = MakeUser("root", true);
    CollectionRecord c;
    c.name = "slides";
    c.creator_id = alice_.id;
    c.access.users.push_back({alice_.id, AccessLevel::kAdmin});
    auto collection = store_->CreateCollection(c);
    ASSERT_TRUE(collection.ok()) << collection.status().ToString();
    FolderRecord f;
    f.name = "incoming";
    f.parent_type = ParentType::kCollection;
    f.parent_id = collection->id;
    f.creator_id = alice_.id;
    f.access = c.access;
    auto folder = store_->CreateFolder(f);
    ASSERT_TRUE(folder.ok()) << folder.status().ToString();
    folder_id_ = folder->id;
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    if (jobs_) jobs_->Stop();
  }

  struct User {
    std::string id;
    std::string token;
  };

  User MakeUser(const std::string& login, bool admin) {
    UserRecord u;
    u.login = login;
    u.email = login + "@example.org";
    u.first_name = login;
    u.last_name = "Tester";
    u.admin = admin;
    auto created = store_->CreateUser(u);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    TokenRecord t;
    t.token = std::string(64 - login.size(), 't') + login;
    t.user_id = created.ok() ? created->id : "";
    t.created_ms = 1;
    t.expires_ms = kFarFutureMs;
    EXPECT_TRUE(store_->CreateToken(t).ok());
    return User{t.user_id, t.token};
  }

  // An item holding one imported file at `path`; returns {item id, file id}.
  std::pair<std::string, std::string> MakeItem(const std::string& path) {
    ItemRecord item;
    item.name = fs::path(path).filename().string();
    item.folder_id = folder_id_;
    item.creator_id = alice_.id;
    auto created = store_->CreateItem(item);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return {};
    return {created->id, AddFile(created->id, path)};
  }

  std::string AddFile(const std::string& item_id, const std::string& path) {
    FileRecord file;
    file.item_id = item_id;
    file.name = fs::path(path).filename().string();
    file.size = static_cast<int64_t>(fs::file_size(path));
    file.path = path;
    file.imported = true;
    file.creator_id = alice_.id;
    auto created = store_->CreateFile(file);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->id : "";
  }

  std::string WriteImage(const std::string& name, const Image& img, const std::string& suffix) {
    std::string error;
    const std::string bytes = VipsEncode(img, suffix, &error);
    EXPECT_FALSE(bytes.empty()) << error;
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
  }

  HttpResult Call(const std::string& method, const std::string& target, const User* who) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (who) headers.emplace_back("Girder-Token", who->token);
    return client_->Request(method, target, headers);
  }

  Json CallJson(const std::string& method, const std::string& target, const User* who,
                int expect = 200) {
    HttpResult r = Call(method, target, who);
    EXPECT_EQ(r.status, expect) << method << " " << target << ": " << r.body;
    auto j = Json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  ItemRecord Item(const std::string& id) {
    auto item = store_->GetItem(id);
    EXPECT_TRUE(item.ok()) << item.status().ToString();
    return item.ok() ? *item : ItemRecord{};
  }

  TempDir dir_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<Assetstore> assetstore_;
  std::unique_ptr<Auth> auth_;
  FormatRegistry registry_;
  std::unique_ptr<JobRunner> jobs_;
  ApiContext ctx_;
  std::unique_ptr<JobsApi> api_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  User alice_, bob_, admin_;
  std::string folder_id_;
};

TEST_F(JobsApiTest, ADirectlyReadableFileBecomesTheLargeImageWithoutAJob) {
  auto [item, file] = MakeItem(WriteImage("small.png", Smooth(300, 200, 3), ".png"));
  Json answer = CallJson("POST", "/api/v1/item/" + item + "/tiles", &alice_);
  EXPECT_TRUE(answer.is_null()) << answer;
  EXPECT_EQ(Item(item).large_image_file_id, file);
  EXPECT_EQ(Item(item).source_name, "vips");
  EXPECT_EQ(Item(item).large_image_job_id, "");
  Json again = CallJson("POST", "/api/v1/item/" + item + "/tiles", &alice_, 400);
  EXPECT_EQ(again["message"], "Item already has largeImage set.");
  EXPECT_EQ(again["type"], "rest");
}

TEST_F(JobsApiTest, ForcedConversionAddsATiledTiffAndDeleteRemovesIt) {
  Image img = Noise(600, 500, 3, PixelType::kU8);
  auto [item, file] = MakeItem(WriteImage("scan.png", img, ".png"));
  Json job = CallJson("POST",
                      "/api/v1/item/" + item + "/tiles?force=true&compression=deflate&tileSize=128",
                      &alice_);
  ASSERT_TRUE(job.is_object()) << job;
  EXPECT_EQ(job["_modelType"], "job");
  EXPECT_EQ(job["type"], "large_image_tiff");
  EXPECT_EQ(job["title"], "TIFF conversion: scan.png");
  EXPECT_EQ(job["userId"], alice_.id);
  EXPECT_EQ(job["itemId"], item);
  EXPECT_EQ(job["kwargs"]["fileId"], file);
  EXPECT_EQ(Item(item).large_image_job_id, job["_id"]);
  jobs_->WaitIdle();

  Json done = CallJson("GET", "/api/v1/job/" + job["_id"].get<std::string>(), &alice_);
  EXPECT_EQ(done["status"], 3) << done;
  EXPECT_EQ(done["progress"]["current"], 100);
  EXPECT_EQ(done["progress"]["total"], 100);
  ASSERT_TRUE(done["log"].is_array());
  EXPECT_FALSE(done["log"].empty());

  ItemRecord converted = Item(item);
  EXPECT_EQ(converted.source_name, "tiff");
  ASSERT_NE(converted.large_image_file_id, file);
  auto tiff = store_->GetFile(converted.large_image_file_id);
  ASSERT_TRUE(tiff.ok()) << tiff.status().ToString();
  EXPECT_EQ(tiff->name, "scan.tiff");
  EXPECT_EQ(tiff->mime_type, "image/tiff");
  EXPECT_EQ(tiff->size, static_cast<int64_t>(fs::file_size(tiff->path)));
  EXPECT_TRUE(assetstore_->Owns(tiff->path));
  EXPECT_EQ(tiff->sha512.size(), 128u);
  std::vector<TiffIfd> ifds = ReadTiffIfds(tiff->path);
  ASSERT_GE(ifds.size(), 3u);  // 600 x 500 at 128 px tiles: 4 levels
  EXPECT_EQ(ifds[0].tile_w, 128u);
  auto pixels = VipsLoad(tiff->path, 0);
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  EXPECT_EQ(CompareImages(*pixels, img, 600, 500, 3).max_abs, 0);
  auto files = store_->ListFiles(item);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 2u);

  Json deleted = CallJson("DELETE", "/api/v1/item/" + item + "/tiles", &alice_);
  EXPECT_EQ(deleted["deleted"], true);
  EXPECT_EQ(store_->GetFile(converted.large_image_file_id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(tiff->path));
  EXPECT_TRUE(store_->GetFile(file).ok());  // the original stays
  EXPECT_EQ(Item(item).large_image_file_id, "");
  EXPECT_EQ(Item(item).large_image_job_id, "");
  EXPECT_EQ(CallJson("DELETE", "/api/v1/item/" + item + "/tiles", &alice_)["deleted"], false);
}

TEST_F(JobsApiTest, AnImageTooLargeToOpenDirectlyIsConvertedWithoutForce) {
  // 16385 x 16385 is over the flat-image limit (16384 x 16384): no format opens it directly.
  const std::string path = dir_.path() + "/huge.png";
  ASSERT_EQ(std::system(("vips black " + path + " 16385 16385").c_str()), 0);
  auto [item, file] = MakeItem(path);
  Json job = CallJson("POST", "/api/v1/item/" + item + "/tiles", &alice_);
  ASSERT_TRUE(job.is_object()) << job;
  jobs_->WaitIdle();
  EXPECT_EQ(CallJson("GET", "/api/v1/job/" + job["_id"].get<std::string>(), &alice_)["status"], 3);
  ItemRecord converted = Item(item);
  auto tiff = store_->GetFile(converted.large_image_file_id);
  ASSERT_TRUE(tiff.ok()) << tiff.status().ToString();
  std::vector<TiffIfd> ifds = ReadTiffIfds(tiff->path);
  ASSERT_FALSE(ifds.empty());
  EXPECT_EQ(ifds[0].width, 16385u);
  EXPECT_EQ(ifds[0].compression, 7);  // JPEG by default
  EXPECT_EQ(ifds.size(), 7u);         // 16385, 8192, ..., 256: one tile
}

TEST_F(JobsApiTest, ARunningConversionCanBeCanceled) {
  const std::string path = dir_.path() + "/big.png";
  ASSERT_EQ(std::system(("vips black " + path + " 8000 8000").c_str()), 0);
  auto [item, file] = MakeItem(path);
  Json job = CallJson("POST", "/api/v1/item/" + item + "/tiles?force=true", &alice_);
  ASSERT_TRUE(job.is_object()) << job;
  const std::string id = job["_id"];
  // The conversion takes about a second; the cancel arrives within its first strips.
  while (jobs_->running() == 0 && jobs_->queued() == 1) std::this_thread::yield();
  Json during = CallJson("PUT", "/api/v1/job/" + id + "/cancel", &alice_);
  EXPECT_NE(during["log"].dump().find("Cancel requested."), std::string::npos) << during;
  jobs_->WaitIdle();
  Json done = CallJson("GET", "/api/v1/job/" + id, &alice_);
  EXPECT_EQ(done["status"], 5) << done;
  EXPECT_EQ(Item(item).large_image_file_id, "");
  EXPECT_TRUE(fs::is_empty(assetstore_->root() + "/temp"));
  auto files = store_->ListFiles(item);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 1u);
}

TEST_F(JobsApiTest, QueuedConversionCanBeCanceledAndThenRetried) {
  // The only worker is busy, so the conversion stays queued.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  JobRecord blocker;
  blocker.type = "test";
  blocker.title = "blocker";
  blocker.user_id = admin_.id;
  ASSERT_TRUE(jobs_
                  ->Submit(blocker,
                           [released](JobContext&) {
                             released.wait();
                             return Status::Ok();
                           })
                  .ok());
  auto [item, file] = MakeItem(WriteImage("a.png", Smooth(100, 100, 3), ".png"));
  Json job = CallJson("POST", "/api/v1/item/" + item + "/tiles?force=true", &alice_);
  const std::string id = job["_id"];
  EXPECT_EQ(job["status"], 1);
  EXPECT_EQ(CallJson("POST", "/api/v1/item/" + item + "/tiles?force=true", &alice_, 400)["message"],
            "Item already has largeImage set.");
  CallJson("PUT", "/api/v1/job/" + id + "/cancel", &bob_, 403);
  Json canceled = CallJson("PUT", "/api/v1/job/" + id + "/cancel", &alice_);
  EXPECT_EQ(canceled["status"], 5);
  release.set_value();
  jobs_->WaitIdle();
  EXPECT_EQ(Item(item).large_image_file_id, "");

  // A canceled (or failed, or interrupted) conversion does not block a new one.
  Json retry = CallJson("POST", "/api/v1/item/" + item + "/tiles?force=true", &alice_);
  ASSERT_TRUE(retry.is_object()) << retry;
  jobs_->WaitIdle();
  EXPECT_EQ(CallJson("GET", "/api/v1/job/" + retry["_id"].get<std::string>(), &alice_)["status"],
            3);
  EXPECT_NE(Item(item).large_image_file_id, "");
}

TEST_F(JobsApiTest, AccessChecks) {
  auto [item, file] = MakeItem(WriteImage("b.png", Smooth(64, 64, 3), ".png"));
  EXPECT_EQ(Call("POST", "/api/v1/item/" + item + "/tiles", nullptr).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/item/" + item + "/tiles", &bob_).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/item/" + item + "/tiles", &bob_).status, 403);
  Json job = CallJson("POST", "/api/v1/item/" + item + "/tiles?force=true", &alice_);
  jobs_->WaitIdle();
  const std::string id = job["_id"];
  EXPECT_EQ(Call("GET", "/api/v1/job/" + id, nullptr).status, 401);
  Json denied = CallJson("GET", "/api/v1/job/" + id, &bob_, 403);
  EXPECT_EQ(denied["type"], "access");
  EXPECT_EQ(CallJson("GET", "/api/v1/job/" + id, &admin_)["_id"], id);

  EXPECT_EQ(CallJson("GET", "/api/v1/job", &alice_).size(), 1u);
  EXPECT_EQ(CallJson("GET", "/api/v1/job", &bob_).size(), 0u);
  EXPECT_EQ(CallJson("GET", "/api/v1/job", &admin_).size(), 1u);
  EXPECT_EQ(CallJson("GET", "/api/v1/job?userId=" + alice_.id, &bob_, 403)["type"], "access");
  EXPECT_EQ(CallJson("GET", "/api/v1/job?limit=1&offset=1", &alice_).size(), 0u);
  EXPECT_EQ(Call("GET", "/api/v1/job/0123456789abcdef01234567", &alice_).status, 404);
}

TEST_F(JobsApiTest, ParameterAndFileErrors) {
  auto [item, file] = MakeItem(WriteImage("c.png", Smooth(64, 64, 3), ".png"));
  for (const char* bad : {"compression=jp2k", "compression=gzip", "tileSize=100", "quality=0",
                          "force=maybe", "predictor=sometimes"}) {
    SCOPED_TRACE(bad);
    Json j = CallJson("POST", "/api/v1/item/" + item + "/tiles?" + std::string(bad), &alice_, 400);
    EXPECT_EQ(j["type"], "rest");
  }
  // Two files and no fileId.
  AddFile(item, WriteImage("d.png", Smooth(64, 64, 3), ".png"));
  EXPECT_EQ(CallJson("POST", "/api/v1/item/" + item + "/tiles", &alice_, 400)["message"],
            "Missing \"fileId\" parameter.");
  // A file of another item.
  auto [other, other_file] = MakeItem(WriteImage("e.png", Smooth(64, 64, 3), ".png"));
  EXPECT_EQ(CallJson("POST", "/api/v1/item/" + item + "/tiles?fileId=" + other_file, &alice_,
                     400)["message"],
            "The provided file must be in the provided item.");
  // The named file is used.
  EXPECT_TRUE(
      CallJson("POST", "/api/v1/item/" + item + "/tiles?fileId=" + file, &alice_).is_null());
  EXPECT_EQ(Item(item).large_image_file_id, file);
}

TEST_F(JobsApiTest, AFailedConversionIsAnErrorJob) {
  const std::string path = dir_.path() + "/notes.txt";
  std::ofstream(path) << "not an image\n";
  auto [item, file] = MakeItem(path);
  Json job = CallJson("POST", "/api/v1/item/" + item + "/tiles", &alice_);
  ASSERT_TRUE(job.is_object()) << job;
  jobs_->WaitIdle();
  Json failed = CallJson("GET", "/api/v1/job/" + job["_id"].get<std::string>(), &alice_);
  EXPECT_EQ(failed["status"], 4);
  EXPECT_NE(failed["log"].dump().find("not an image libvips reads"), std::string::npos) << failed;
  EXPECT_EQ(Item(item).large_image_file_id, "");
  // Nothing is left in the assetstore's temp directory.
  EXPECT_TRUE(fs::is_empty(assetstore_->root() + "/temp"));
}

}  // namespace
}  // namespace tessera
