// Uploads (Girder's resumable chunked protocol), downloads with ranges, server-side import
// limited to its roots, and persisted thumbnails — against the real server, store and disk.
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/strings.h"
#include "integration/server_fixture.h"
#include "testing/images.h"
#include "testing/reference.h"

namespace tessera {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

class UploadTest : public ServerFixture {
 protected:
  void Configure(Config& c) override {
    roots_ = std::make_unique<TempDir>();
    c.import_roots = {roots_->path() + "/allowed"};
    c.max_upload_bytes = uint64_t{64} << 20;
    fs::create_directories(roots_->path() + "/allowed/sub");
    fs::create_directories(roots_->path() + "/outside");
  }
  void SetUp() override {
    ServerFixture::SetUp();
    auto [id, token] = CreateUser("uploader");
    user_id_ = id;
    token_ = token;
    Json folders = CallJson("GET", "/api/v1/folder?parentType=user&parentId=" + id, token);
    for (const auto& f : folders) {
      if (f["name"] == "Private") folder_ = f["_id"];
    }
    ASSERT_FALSE(folder_.empty());
  }
  Json Init(const std::string& name, size_t size, const std::string& token) {
    return CallJson("POST",
                    "/api/v1/file?parentType=folder&parentId=" + folder_ + "&name=" + name +
                        "&size=" + std::to_string(size) + "&mimeType=image/png",
                    token);
  }
  HttpResult Chunk(const std::string& upload, size_t offset, const std::string& bytes) {
    return Call("POST",
                "/api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(offset),
                token_, bytes, {{"Content-Type", "application/octet-stream"}});
  }
  size_t ItemsInFolder() {
    return CallJson("GET", "/api/v1/item?folderId=" + folder_, token_).size();
  }
  std::string Png(int w, int h, uint64_t seed = 1) {
    return VipsEncode(Noise(w, h, 3, PixelType::kU8, seed), ".png");
  }

  std::unique_ptr<TempDir> roots_;
  std::string user_id_, token_, folder_;
};

TEST_F(UploadTest, ChunkedUploadResumesAndBecomesALargeImage) {
  const std::string png = Png(700, 500);
  Json up = Init("noise.png", png.size(), token_);
  ASSERT_TRUE(up.contains("_id")) << up.dump();
  const std::string id = up["_id"];
  EXPECT_EQ(up["received"], 0);
  const size_t a = png.size() / 3, b = 2 * png.size() / 3;
  HttpResult first = Chunk(id, 0, png.substr(0, a));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Json::parse(first.body)["received"], a);
  // A wrong offset is 400 and names both; nothing is written.
  HttpResult wrong = Chunk(id, a + 10, png.substr(a, 10));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(Json::parse(wrong.body)["message"], "Server has received " + std::to_string(a) +
                                                    " bytes, but client sent offset " +
                                                    std::to_string(a + 10) + ".");
  // A declared size over max-upload-bytes is refused before anything is written.
  HttpResult huge = Call("POST",
                         "/api/v1/file?parentType=folder&parentId=" + folder_ +
                             "&name=huge.png&size=" + std::to_string((uint64_t{64} << 20) + 1),
                         token_);
  EXPECT_EQ(huge.status, 400) << huge.body;
  EXPECT_NE(huge.body.find("max-upload-bytes"), std::string::npos) << huge.body;
  // A chunk past the declared size is 400.
  HttpResult too_big = Chunk(id, a, png.substr(a) + "extra");
  EXPECT_EQ(too_big.status, 400) << too_big.body;
  // A broken connection: the client asks where to resume.
  Json offset = CallJson("GET", "/api/v1/file/offset?uploadId=" + id, token_);
  EXPECT_EQ(offset["offset"], a);
  // Someone else cannot write into or look at this upload.
  auto [other_id, other] = CreateUser("intruder");
  EXPECT_EQ(Call("GET", "/api/v1/file/offset?uploadId=" + id, other).status, 403);
  // Half an upload is no item.
  EXPECT_EQ(ItemsInFolder(), 0u);
  ASSERT_EQ(Chunk(id, a, png.substr(a, b - a)).status, 200);
  EXPECT_EQ(ItemsInFolder(), 0u);
  HttpResult last = Chunk(id, b, png.substr(b));
  ASSERT_EQ(last.status, 200) << last.body;
  Json file = Json::parse(last.body);
  EXPECT_EQ(file["_modelType"], "file");
  EXPECT_EQ(file["size"], png.size());
  EXPECT_EQ(file["name"], "noise.png");
  EXPECT_EQ(file["sha512"].get<std::string>().size(), 128u);
  // Exactly one item, a large image, whose tiles decode to the uploaded pixels.
  Json items = CallJson("GET", "/api/v1/item?folderId=" + folder_, token_);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["_id"], file["itemId"]);
  ASSERT_TRUE(items[0].contains("largeImage")) << items[0].dump();
  const std::string item = items[0]["_id"];
  // The upload check opened the file without caching it (the spec).
  EXPECT_EQ(app().source_cache().Stats().opens, 0u);
  HttpResult region = Call("GET", "/api/v1/item/" + item + "/tiles/region?encoding=PNG", token_);
  ASSERT_EQ(region.status, 200) << region.body;
  auto got = VipsDecode(region.body);
  auto want = VipsDecode(png);
  ASSERT_TRUE(got.ok() && want.ok());
  Diff d = CompareImages(*got, *want, 700, 500, 3);
  EXPECT_EQ(d.max_abs, 0) << "mean " << d.mean_abs;
  // Download: the whole file and byte ranges are the uploaded bytes.
  const std::string fid = file["_id"];
  HttpResult whole = Call("GET", "/api/v1/file/" + fid + "/download", token_);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, png);
  EXPECT_EQ(whole.Header("accept-ranges"), "bytes");
  HttpResult part =
      Call("GET", "/api/v1/file/" + fid + "/download", token_, "", {{"Range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, png.substr(100, 100));
  EXPECT_EQ(part.Header("content-range"), "bytes 100-199/" + std::to_string(png.size()));
  HttpResult tail =
      Call("GET", "/api/v1/file/" + fid + "/download", token_, "", {{"Range", "bytes=-50"}});
  EXPECT_EQ(tail.body, png.substr(png.size() - 50));
  HttpResult beyond = Call("GET", "/api/v1/file/" + fid + "/download", token_, "",
                           {{"Range", "bytes=" + std::to_string(png.size()) + "-"}});
  EXPECT_EQ(beyond.status, 416);
  HttpResult girder_range =
      Call("GET", "/api/v1/file/" + fid + "/download?offset=10&endByte=20", token_);
  EXPECT_EQ(girder_range.body, png.substr(10, 10));
  // The finished upload is gone: more chunks are 404.
  EXPECT_EQ(Chunk(id, png.size(), "x").status, 404);
}

TEST_F(UploadTest, ConcurrentUploadsAndCancel) {
  constexpr int kN = 4;
  std::vector<std::string> pngs;
  for (int i = 0; i < kN; ++i) pngs.push_back(Png(200 + 10 * i, 150, i + 1));
  std::vector<int> ok(kN, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", port());
      auto call = [&](const std::string& target, const std::string& body) {
        return c.Request("POST", target, {{"Girder-Token", token_}}, body);
      };
      HttpResult init = call("/api/v1/file?parentType=folder&parentId=" + folder_ + "&name=c" +
                                 std::to_string(i) + ".png&size=" + std::to_string(pngs[i].size()),
                             "");
      if (init.status != 200) return;
      const std::string id = Json::parse(init.body)["_id"];
      size_t off = 0;
      while (off < pngs[i].size()) {
        const size_t n = std::min<size_t>(4096, pngs[i].size() - off);
        HttpResult r = call("/api/v1/file/chunk?uploadId=" + id + "&offset=" + std::to_string(off),
                            pngs[i].substr(off, n));
        if (r.status != 200) return;
        off += n;
      }
      ok[i] = 1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(ok.begin(), ok.end(), 1), kN);
  Json items = CallJson("GET", "/api/v1/item?folderId=" + folder_, token_);
  EXPECT_EQ(items.size(), static_cast<size_t>(kN));
  for (const auto& item : items) {
    Json files =
        CallJson("GET", "/api/v1/item/" + item["_id"].get<std::string>() + "/files", token_);
    ASSERT_EQ(files.size(), 1u);
    const int i = std::stoi(item["name"].get<std::string>().substr(1));
    EXPECT_EQ(
        Call("GET", "/api/v1/file/" + files[0]["_id"].get<std::string>() + "/download", token_)
            .body,
        pngs[i]);
  }
  // A canceled upload leaves neither an item nor its bytes.
  const std::string png = Png(64, 64);
  Json up = Init("canceled.png", png.size(), token_);
  ASSERT_EQ(Chunk(up["_id"], 0, png.substr(0, 100)).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/file/upload/" + up["_id"].get<std::string>(), token_).status,
            200);
  EXPECT_FALSE(fs::exists(app().assetstore().TempPath(up["_id"].get<std::string>())));
  EXPECT_EQ(ItemsInFolder(), static_cast<size_t>(kN));
  // An empty file needs no chunk: the answer is the file.
  Json empty = Init("empty.txt", 0, token_);
  EXPECT_EQ(empty["_modelType"], "file") << empty.dump();
  EXPECT_EQ(empty["size"], 0);
  // Anonymous users and readers cannot upload here.
  EXPECT_EQ(
      Call("POST", "/api/v1/file?parentType=folder&parentId=" + folder_ + "&name=a&size=1", "")
          .status,
      401);
  auto [rid, reader] = CreateUser("reader");
  EXPECT_EQ(
      Call("POST", "/api/v1/file?parentType=folder&parentId=" + folder_ + "&name=a&size=1", reader)
          .status,
      403);
}

TEST_F(UploadTest, AnUnfinishedUploadSurvivesARestart) {
  const std::string png = Png(300, 300);
  Json up = Init("restart.png", png.size(), token_);
  const std::string id = up["_id"];
  ASSERT_EQ(Chunk(id, 0, png.substr(0, 1000)).status, 200);
  // Stop and start a new server on the same data directory.
  ASSERT_NO_FATAL_FAILURE(Restart());
  // Tokens live in the store: still valid.
  EXPECT_EQ(CallJson("GET", "/api/v1/file/offset?uploadId=" + id, token_)["offset"], 1000);
  EXPECT_EQ(ItemsInFolder(), 0u);
  HttpResult last = Chunk(id, 1000, png.substr(1000));
  ASSERT_EQ(last.status, 200) << last.body;
  EXPECT_EQ(ItemsInFolder(), 1u);
}

TEST_F(UploadTest, ImportIsLimitedToItsRootsAndCachesNothing) {
  const std::string allowed = roots_->path() + "/allowed";
  std::ofstream(allowed + "/a.png", std::ios::binary) << Png(100, 80);
  std::ofstream(allowed + "/sub/b.png", std::ios::binary) << Png(90, 70, 2);
  std::ofstream(allowed + "/notes.txt") << "not an image";
  std::ofstream(roots_->path() + "/outside/secret.png", std::ios::binary) << Png(50, 50, 3);
  fs::create_symlink(roots_->path() + "/outside/secret.png", allowed + "/escape.png");
  const std::string admin = AdminToken();
  auto import = [&](const std::string& path, const std::string& token) {
    return Call("POST",
                "/api/v1/assetstore/000000000000000000000001/import?importPath=" + UrlEncode(path) +
                    "&destinationType=folder&destinationId=" + folder_,
                token);
  };
  EXPECT_EQ(import(allowed, token_).status, 403);  // admins only
  EXPECT_EQ(import(roots_->path() + "/outside", admin).status, 403);
  EXPECT_EQ(import(allowed + "/../outside", admin).status, 403);
  HttpResult r = import(allowed, admin);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["imported"], 2) << j.dump();        // a.png and sub/b.png
  EXPECT_EQ(j["errors"].size(), 1u) << j.dump();  // the symlink out of the root
  EXPECT_EQ(app().source_cache().Stats().opens, 0u);
  // The subdirectory became a folder; nothing of /outside is visible.
  Json folders = CallJson("GET", "/api/v1/folder?parentType=folder&parentId=" + folder_, token_);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0]["name"], "sub");
  Json all = CallJson("GET", "/api/v1/item?text=secret", admin);
  EXPECT_TRUE(all.empty()) << all.dump();
  // Importing again registers nothing twice.
  Json again = Json::parse(import(allowed, admin).body);
  EXPECT_EQ(again["imported"], 0);
  EXPECT_EQ(again["existing"], 2);
}

TEST_F(UploadTest, ThumbnailsArePersistedAndServedWithoutOpeningTheSource) {
  const std::string path = dir_->path() + "/thumb.png";
  std::ofstream(path, std::ios::binary) << Png(640, 480);
  const std::string id = Import(path);
  const std::string url = "/api/v1/item/" + id + "/tiles/thumbnail?width=96";
  HttpResult first = Get(url);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(app().source_cache().Stats().opens, 1u);
  // Empty every cache: the persisted copy answers and no source is opened.
  ASSERT_EQ(Call("PUT", "/api/v1/large_image/cache/clear", AdminToken()).status, 200);
  const uint64_t opens = app().source_cache().Stats().opens;
  HttpResult second = Get(url);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(app().source_cache().Stats().opens, opens);
  // Deleting the item deletes its persisted thumbnails.
  size_t files_before = 0;
  for (auto& e : fs::recursive_directory_iterator(app().context().thumbnail_dir)) {
    files_before += e.is_regular_file();
  }
  EXPECT_EQ(files_before, 1u);
  EXPECT_EQ(Call("DELETE", "/api/v1/item/" + id, AdminToken()).status, 200);
  size_t files_after = 0;
  for (auto& e : fs::recursive_directory_iterator(app().context().thumbnail_dir)) {
    files_after += e.is_regular_file();
  }
  EXPECT_EQ(files_after, 0u);
  // The imported image itself is never deleted by Tessera.
  EXPECT_TRUE(fs::exists(path));
}

}  // namespace
}  // namespace tessera
