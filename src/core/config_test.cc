#include "core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace tessera {
namespace {

TEST(ConfigTest, DefaultsFromTheMachine) {
  Config c;
  c.ResolveDefaults();
  MachineInfo m = ReadMachineInfo();
  EXPECT_GE(c.tile_cache_bytes, 64ULL << 20);
  EXPECT_LE(c.tile_cache_bytes, m.memory_bytes);
  EXPECT_GT(c.max_sources, 0);
  EXPECT_LE(static_cast<uint64_t>(c.max_open_files), std::max<uint64_t>(16, m.open_file_limit));
  EXPECT_EQ(c.io_threads, m.cores);
}

TEST(ConfigTest, FileThenFlagsWithClearErrors) {
  TempDir dir;
  std::string path = dir.path() + "/tessera.conf";
  {
    std::ofstream out(path);
    out << "# comment\nport = 9000\ntile-cache-bytes = 2GiB\nlog-level = debug\n";
  }
  Config c;
  ASSERT_TRUE(ApplyConfigFile(path, &c).ok());
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.tile_cache_bytes, 2ULL << 30);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  ASSERT_TRUE(ApplySetting("port", "0", &c).ok());
  EXPECT_EQ(c.port, 0);
  Status bad = ApplySetting("port", "70000", &c);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("port"), std::string::npos);
  EXPECT_FALSE(ApplySetting("colour", "blue", &c).ok());
  {
    std::ofstream out(path);
    out << "port 9000\n";
  }
  Status line = ApplyConfigFile(path, &c);
  EXPECT_NE(line.message().find(":1"), std::string::npos);
}

TEST(ConfigTest, DatabaseSettings) {
  Config c;
  EXPECT_TRUE(c.database.empty());  // SQLite in the data directory
  ASSERT_TRUE(ApplySetting("database", " postgresql://tessera@db.example/tessera ", &c).ok());
  EXPECT_EQ(c.database, "postgresql://tessera@db.example/tessera");
  ASSERT_TRUE(ApplySetting("database-pool-size", "16", &c).ok());
  EXPECT_EQ(c.database_pool_size, 16);
  EXPECT_EQ(ApplySetting("database-pool-size", "0", &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.database_pool_size, 16);
  ASSERT_TRUE(ApplySetting("database", "", &c).ok());
  EXPECT_TRUE(c.database.empty());
  EXPECT_TRUE(c.node_name.empty());
  ASSERT_TRUE(ApplySetting("node-name", "tile-3", &c).ok());
  EXPECT_EQ(c.node_name, "tile-3");
}

}  // namespace
}  // namespace tessera
