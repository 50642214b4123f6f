#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "io/fake_file_system.h"
#include "io/file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

TEST(PosixFileSystemTest, ReadsAtOffsetsAndReportsTruncation) {
  TempDir dir;
  std::string path = dir.path() + "/f.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "0123456789";
  }
  const FileSystem& fs = FileSystem::Posix();
  auto file = fs.Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 10u);
  char buf[4] = {};
  ASSERT_TRUE((*file)->ReadAt(3, 4, buf).ok());
  EXPECT_EQ(std::string(buf, 4), "3456");
  Status past = (*file)->ReadAt(8, 4, buf);
  EXPECT_EQ(past.code(), StatusCode::kDataLoss);
  EXPECT_NE(past.message().find(path), std::string::npos);

  auto st = fs.Stat(path);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 10u);
  EXPECT_TRUE(st->is_regular);

  EXPECT_EQ(fs.Open(dir.path() + "/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs.Open(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

TEST(FakeFileSystemTest, InjectedFailuresAndRewrites) {
  FakeFileSystem fs;
  fs.SetFile("/a", "hello");
  auto st1 = fs.Stat("/a");
  auto file = fs.Open("/a");
  ASSERT_TRUE(file.ok());
  char buf[5];
  ASSERT_TRUE((*file)->ReadAt(0, 5, buf).ok());
  fs.FailReads("/a", true);
  EXPECT_EQ((*file)->ReadAt(0, 5, buf).code(), StatusCode::kDataLoss);
  fs.SetFile("/a", "world!");
  auto st2 = fs.Stat("/a");
  EXPECT_NE(st1->mtime_ns, st2->mtime_ns);
  EXPECT_EQ(fs.open_count(), 1);
}

}  // namespace
}  // namespace tessera
