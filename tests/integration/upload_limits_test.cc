// The upload limits against the real server, store and disk: the per-user quota
// (user-quota-bytes, Girder's user_quota plugin: 400 "validation", nothing created) and the
// assetstore's free-space reserve (min-free-disk-bytes: 507 at init and at a chunk).
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "integration/server_fixture.h"

namespace tessera {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

class UploadLimitsTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    std::tie(user_id_, token_) = CreateUser("uploader");
    folder_ = PrivateFolder(user_id_, token_);
    ASSERT_FALSE(folder_.empty());
  }
  std::string PrivateFolder(const std::string& user_id, const std::string& token) {
    for (const auto& f :
         CallJson("GET", "/api/v1/folder?parentType=user&parentId=" + user_id, token)) {
      if (f["name"] == "Private") return f["_id"];
    }
    return "";
  }
  HttpResult Init(const std::string& folder, const std::string& name, int64_t size,
                  const std::string& token) {
    return Call("POST",
                "/api/v1/file?parentType=folder&parentId=" + folder + "&name=" + name +
                    "&size=" + std::to_string(size),
                token);
  }
  HttpResult Chunk(const std::string& upload, int64_t offset, const std::string& bytes,
                   const std::string& token) {
    return Call("POST",
                "/api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(offset),
                token, bytes, {{"Content-Type", "application/octet-stream"}});
  }
  // A whole upload of `size` bytes in one chunk; the file's id ("" and a failure otherwise).
  std::string Upload(const std::string& folder, const std::string& name, int64_t size,
                     const std::string& token) {
    HttpResult init = Init(folder, name, size, token);
    EXPECT_EQ(init.status, 200) << init.body;
    if (init.status != 200) return "";
    HttpResult done = Chunk(Json::parse(init.body)["_id"], 0, std::string(size, 'q'), token);
    EXPECT_EQ(done.status, 200) << done.body;
    Json file = Json::parse(done.body, nullptr, false);
    EXPECT_EQ(file["_modelType"], "file") << done.body;
    return file.value("_id", "");
  }
  size_t Uploads() { return app().store().ListUploads()->size(); }
  size_t TempFiles() {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(app().assetstore().root() + "/temp")) {
      n += e.is_regular_file();
    }
    return n;
  }

  std::string user_id_, token_, folder_;
};

class UserQuotaTest : public UploadLimitsTest {
 protected:
  void Configure(Config& c) override { c.user_quota_bytes = 10000; }
};

TEST_F(UserQuotaTest, UploadsAreRefusedPastTheQuotaAndDeletingFreesIt) {
  const std::string first = Upload(folder_, "a.bin", 6000, token_);
  ASSERT_FALSE(first.empty());
  // An upload in progress counts with its declared size (nothing of it has arrived yet).
  HttpResult pending = Init(folder_, "pending.bin", 3000, token_);
  ASSERT_EQ(pending.status, 200) << pending.body;
  ASSERT_EQ(Uploads(), 1u);

  // 6000 + 3000 used: 1001 more is refused, as Girder's user_quota refuses it, and nothing is
  // created (no upload record, no temp file, no item).
  HttpResult over = Init(folder_, "over.bin", 1001, token_);
  EXPECT_EQ(over.status, 400) << over.body;
  EXPECT_EQ(Json::parse(over.body),
            (Json{{"message",
                   "Upload would exceed file storage quota (need 1001 B, only 1000 B available - "
                   "used 9000 B out of 10000 B)"},
                  {"type", "validation"},
                  {"field", "size"}}));
  EXPECT_EQ(Uploads(), 1u);
  EXPECT_EQ(TempFiles(), 0u);
  EXPECT_EQ(CallJson("GET", "/api/v1/item?folderId=" + folder_, token_).size(), 1u);

  // Exactly up to the quota is fine; cancelling that upload gives its bytes back.
  HttpResult exact = Init(folder_, "exact.bin", 1000, token_);
  ASSERT_EQ(exact.status, 200) << exact.body;
  EXPECT_EQ(Init(folder_, "one.bin", 1, token_).status, 400);
  const std::string exact_id = Json::parse(exact.body)["_id"];
  ASSERT_EQ(Call("DELETE", "/api/v1/file/upload/" + exact_id, token_).status, 200);

  // Deleting the 6000-byte file frees it: 3000 pending + 7000 fits again.
  EXPECT_EQ(Init(folder_, "big.bin", 7001, token_).status, 400);
  ASSERT_EQ(Call("DELETE", "/api/v1/file/" + first, token_).status, 200);
  EXPECT_FALSE(Upload(folder_, "big.bin", 7000, token_).empty());
  HttpResult full = Init(folder_, "more.bin", 1, token_);
  EXPECT_EQ(full.status, 400) << full.body;
  EXPECT_NE(full.body.find("only 0 B available - used 10000 B out of 10000 B"), std::string::npos)
      << full.body;

  // Girder's size formatting past 20000 bytes.
  HttpResult large = Init(folder_, "large.bin", int64_t{3} << 30, token_);
  EXPECT_EQ(Json::parse(large.body)["message"],
            "Upload would exceed file storage quota (need 3.000 GB, only 0 B available - used "
            "10000 B out of 10000 B)");

  // The quota is per user: another user starts from nothing.
  auto [other_id, other_token] = CreateUser("other");
  EXPECT_FALSE(Upload(PrivateFolder(other_id, other_token), "o.bin", 10000, other_token).empty());

  // Admins are exempt, here even in the full user's folder (the bytes are the admin's).
  EXPECT_FALSE(Upload(folder_, "admin.bin", 50000, AdminToken()).empty());
  EXPECT_EQ(Init(folder_, "still.bin", 1, token_).status, 400);
}

// No quota (the default): only the other limits apply.
TEST_F(UploadLimitsTest, NoQuotaByDefault) {
  EXPECT_EQ(app().config().user_quota_bytes, 0u);
  EXPECT_FALSE(Upload(folder_, "a.bin", 50000, token_).empty());
  EXPECT_FALSE(Upload(folder_, "b.bin", 50000, token_).empty());
}

// The reserve, on the real file system: it is set 1 GiB below what is free when the server
// starts, so a 2 GiB upload is refused at once; a small one starts, and once a filler file takes
// the space (fallocate: instant, nothing written) its next chunk is refused too, until the space
// comes back. The margins (1 GiB, 256 MiB) are far above what other processes write meanwhile.
class DiskReserveTest : public UploadLimitsTest {
 protected:
  static constexpr int64_t kMargin = int64_t{1} << 30;
  void Configure(Config& c) override {
    const int64_t free_bytes = FreeBytes(dir_->path());
    enough_ = free_bytes > 4 * kMargin;
    c.min_free_disk_bytes = enough_ ? static_cast<uint64_t>(free_bytes - kMargin) : 0;
  }
  static int64_t FreeBytes(const std::string& path) {
    struct statvfs vfs {};
    if (statvfs(path.c_str(), &vfs) != 0) return 0;
    return static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
  }
  bool enough_ = false;
};

TEST_F(DiskReserveTest, InitAndChunksLeaveTheReserveFree) {
  if (!enough_) GTEST_SKIP() << "needs 4 GiB free in " << dir_->path();
  const int64_t reserve = static_cast<int64_t>(app().config().min_free_disk_bytes);
  HttpResult huge = Init(folder_, "huge.bin", 2 * kMargin, token_);
  EXPECT_EQ(huge.status, 507) << huge.body;
  Json j = Json::parse(huge.body);
  EXPECT_EQ(j["type"], "internal");
  EXPECT_NE(j["message"].get<std::string>().find("min-free-disk-bytes"), std::string::npos) << j;
  EXPECT_EQ(Uploads(), 0u);

  constexpr int64_t kSize = 1 << 20, kFirst = 64 << 10;
  HttpResult init = Init(folder_, "small.bin", kSize, token_);
  ASSERT_EQ(init.status, 200) << init.body;
  const std::string id = Json::parse(init.body)["_id"];
  const std::string bytes(kSize, 'r');
  ASSERT_EQ(Chunk(id, 0, bytes.substr(0, kFirst), token_).status, 200);

  // Take the free space down to 256 MiB below the reserve.
  const std::string filler = dir_->path() + "/filler";
  const int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const int64_t take = FreeBytes(dir_->path()) - reserve + (int64_t{256} << 20);
  const int rc = fallocate(fd, 0, 0, static_cast<off_t>(take));
  close(fd);
  if (rc != 0) {
    fs::remove(filler);
    GTEST_SKIP() << "fallocate: " << std::strerror(errno);
  }
  HttpResult refused = Chunk(id, kFirst, bytes.substr(kFirst), token_);
  EXPECT_EQ(refused.status, 507) << refused.body;
  EXPECT_NE(refused.body.find("min-free-disk-bytes"), std::string::npos) << refused.body;
  EXPECT_EQ(*app().assetstore().TempSize(id), kFirst);  // nothing of the chunk was written
  EXPECT_EQ(CallJson("GET", "/api/v1/file/offset?uploadId=" + id, token_)["offset"], kFirst);

  // Space again: the same chunk completes the upload.
  fs::remove(filler);
  HttpResult done = Chunk(id, kFirst, bytes.substr(kFirst), token_);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Json::parse(done.body)["size"], kSize);
}

}  // namespace
}  // namespace tessera
