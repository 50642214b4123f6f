#include "store/assetstore.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include "testing/temp_dir.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// SHA-512 computed by coreutils, independently of libsodium.
std::string Sha512Sum(const std::string& path) {
  std::string cmd = "sha512sum '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  char buf[256] = {0};
  size_t n = fread(buf, 1, sizeof(buf) - 1, p);
  pclose(p);
  return std::string(buf, n).substr(0, 128);
}

class AssetstoreTest : public testing::Test {
 protected:
  void SetUp() override {
    auto a = Assetstore::Open(dir_.path() + "/assets");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    store_.emplace(std::move(*a));
  }
  const Assetstore& store() { return *store_; }

  TempDir dir_;
  std::optional<Assetstore> store_;
};

TEST_F(AssetstoreTest, OpenMakesRootAndTemp) {
  EXPECT_TRUE(fs::is_directory(dir_.path() + "/assets/temp"));
  EXPECT_EQ(store().root(), fs::canonical(dir_.path() + "/assets").string());
  EXPECT_EQ(store().TempPath("up1"), store().root() + "/temp/up1");
  EXPECT_EQ(store().FinalPath("0123456789abcdef01234567"),
            store().root() + "/01/23/0123456789abcdef01234567");
  EXPECT_GT(*store().FreeBytes(), 0);
  EXPECT_EQ(Assetstore::Open("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AssetstoreTest, ChunksAtOffsets) {
  EXPECT_EQ(*store().TempSize("up"), 0);
  EXPECT_EQ(*store().WriteChunk("up", 0, "hello"), 5);
  EXPECT_EQ(*store().WriteChunk("up", 5, " world"), 11);
  EXPECT_EQ(*store().TempSize("up"), 11);
  EXPECT_EQ(*store().WriteChunk("up", 6, "W"), 11);  // a rewrite keeps the size
  EXPECT_EQ(ReadAll(store().TempPath("up")), "hello World");
  EXPECT_EQ(*store().WriteChunk("up", 11, ""), 11);
  EXPECT_EQ(store().WriteChunk("up", -1, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().WriteChunk("../escape", 0, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().WriteChunk("a/b", 0, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().TempSize("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AssetstoreTest, FinalizeChecksumsAndRenames) {
  std::string data;
  for (int i = 0; i < 300000; ++i) data += static_cast<char>(i * 7 + i / 256);
  const size_t half = data.size() / 2;
  ASSERT_TRUE(store().WriteChunk("up", 0, std::string_view(data).substr(0, half)).ok());
  ASSERT_TRUE(store().WriteChunk("up", half, std::string_view(data).substr(half)).ok());
  const std::string expected = Sha512Sum(store().TempPath("up"));
  ASSERT_EQ(expected.size(), 128u);

  const std::string file_id = "5f43a1b2c3d4e5f601234567";
  auto sum = store().Finalize("up", file_id);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, expected);
  const std::string final_path = store().FinalPath(file_id);
  EXPECT_EQ(final_path, store().root() + "/5f/43/" + file_id);
  EXPECT_EQ(ReadAll(final_path), data);
  EXPECT_FALSE(fs::exists(store().TempPath("up")));
  EXPECT_EQ(*store().TempSize("up"), 0);
  EXPECT_TRUE(store().Owns(final_path));
  EXPECT_EQ(store().Finalize("up", file_id).status().code(), StatusCode::kNotFound);
}

TEST_F(AssetstoreTest, FinalizeEmptyFile) {
  WriteAll(store().TempPath("empty"), "");
  auto sum = store().Finalize("empty", "00000000000000000000000a");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, Sha512Sum(store().FinalPath("00000000000000000000000a")));
}

TEST_F(AssetstoreTest, RemoveTemp) {
  ASSERT_TRUE(store().WriteChunk("up", 0, "x").ok());
  ASSERT_TRUE(store().RemoveTemp("up").ok());
  EXPECT_FALSE(fs::exists(store().TempPath("up")));
  EXPECT_TRUE(store().RemoveTemp("up").ok());  // absent: fine
}

TEST_F(AssetstoreTest, RemoveStaysInsideTheRoot) {
  ASSERT_TRUE(store().WriteChunk("up", 0, "x").ok());
  ASSERT_TRUE(store().Finalize("up", "abcdef").ok());
  const std::string inside = store().FinalPath("abcdef");
  const std::string outside = dir_.path() + "/precious";
  WriteAll(outside, "keep me");

  EXPECT_FALSE(store().Owns(outside));
  EXPECT_EQ(store().Remove(outside).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(fs::exists(outside));
  const std::string dotdot = store().root() + "/ab/../../precious";
  EXPECT_FALSE(store().Owns(dotdot));
  EXPECT_EQ(store().Remove(dotdot).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(fs::exists(outside));

  fs::create_symlink(dir_.path(), store().root() + "/link");
  const std::string via_link = store().root() + "/link/precious";
  EXPECT_FALSE(store().Owns(via_link));
  EXPECT_EQ(store().Remove(via_link).code(), StatusCode::kPermissionDenied);
  fs::create_symlink(outside, store().root() + "/file-link");
  EXPECT_FALSE(store().Owns(store().root() + "/file-link"));
  EXPECT_EQ(store().Remove(store().root() + "/file-link").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadAll(outside), "keep me");

  // A sibling whose name starts with the root's is not inside it.
  fs::create_directories(store().root() + "-sibling");
  EXPECT_FALSE(store().Owns(store().root() + "-sibling/x"));
  EXPECT_FALSE(store().Owns(store().root()));
  EXPECT_FALSE(store().Owns(store().root() + "/"));
  EXPECT_FALSE(store().Owns(""));

  EXPECT_TRUE(store().Owns(inside));
  ASSERT_TRUE(store().Remove(inside).ok());
  EXPECT_FALSE(fs::exists(inside));
  EXPECT_TRUE(store().Remove(inside).ok());  // absent: fine
}

TEST_F(AssetstoreTest, ReclaimTempKeepsLiveUploads) {
  for (const char* id : {"live1", "dead1", "live2", "dead2"}) {
    ASSERT_TRUE(store().WriteChunk(id, 0, "x").ok());
  }
  ASSERT_TRUE(store().ReclaimTemp({"live1", "live2", "not-there"}).ok());
  EXPECT_TRUE(fs::exists(store().TempPath("live1")));
  EXPECT_TRUE(fs::exists(store().TempPath("live2")));
  EXPECT_FALSE(fs::exists(store().TempPath("dead1")));
  EXPECT_FALSE(fs::exists(store().TempPath("dead2")));
}

// The lock is an flock on the temp file: a second holder (another node, or another open file
// in this process) waits or is refused, and reclaiming passes over a held upload.
TEST_F(AssetstoreTest, UploadLocksExcludeOtherHoldersAndReclaiming) {
  ASSERT_TRUE(store().WriteChunk("held", 0, "x").ok());
  ASSERT_TRUE(store().WriteChunk("free", 0, "y").ok());
  auto held = store().LockUpload("held", false);
  ASSERT_TRUE(held.ok() && held->held());
  EXPECT_EQ(store().LockUpload("held", false).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store().ReclaimTemp(std::vector<std::string>{}).ok());
  EXPECT_TRUE(fs::exists(store().TempPath("held")));
  EXPECT_FALSE(fs::exists(store().TempPath("free")));
  // A waiter gets the lock once the holder lets go.
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto l = store().LockUpload("held", true);
    got = l.ok() && l->held();
  });
  *held = UploadLock();
  waiter.join();
  EXPECT_TRUE(got.load());
  // No temp file: nothing to hold (the upload is finished or cancelled).
  auto none = store().LockUpload("gone", false);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->held());
}

// Found by fuzz/upload_fuzz.cc (corpus/upload/crash-gap-offset): a chunk past the end left a
// hole of bytes nobody sent, and one near INT64_MAX made an 8 EiB sparse file on tmpfs.
TEST_F(AssetstoreTest, ChunkPastTheEndIsRefused) {
  ASSERT_EQ(*store().WriteChunk("up", 0, "abc"), 3);
  for (int64_t offset : {int64_t{4}, int64_t{1} << 40, std::numeric_limits<int64_t>::max() - 1,
                         std::numeric_limits<int64_t>::max()}) {
    auto r = store().WriteChunk("up", offset, "x");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << offset;
  }
  EXPECT_EQ(*store().TempSize("up"), 3);
  EXPECT_EQ(ReadAll(store().TempPath("up")), "abc");
  EXPECT_EQ(*store().WriteChunk("up", 3, "d"), 4);  // at the end is fine
  EXPECT_EQ(store().WriteChunk("new", 1, "x").status().code(), StatusCode::kInvalidArgument);
}

// ENOSPC without a full file system: the temp path is a symlink to /dev/full, whose writes
// always fail with ENOSPC.
TEST_F(AssetstoreTest, DiskFullIsResourceExhausted) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  fs::create_symlink("/dev/full", store().TempPath("full"));
  auto r = store().WriteChunk("full", 0, "some bytes");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message().rfind("Disk full: ", 0), 0u) << r.status().message();
}

// A write that stops part way (here: at RLIMIT_FSIZE, as it would at a full disk) is truncated
// away, so the file keeps its previous size.
TEST_F(AssetstoreTest, PartialWriteIsTruncatedAway) {
  ASSERT_EQ(*store().WriteChunk("up", 0, std::string(1000, 'a')), 1000);
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  auto r = store().WriteChunk("up", 1000, std::string(8000, 'b'));
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
  EXPECT_EQ(*store().TempSize("up"), 1000);
  EXPECT_EQ(ReadAll(store().TempPath("up")), std::string(1000, 'a'));
}

}  // namespace
}  // namespace tessera
