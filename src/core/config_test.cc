#include "core/config.h"

#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_EQ(c.expensive_workers, 2 * m.cores);
  EXPECT_EQ(c.max_expensive, 64);
}

TEST(ConfigTest, HardeningLimits) {
  Config c;
  EXPECT_EQ(c.max_decoded_bytes, uint64_t{2} << 30);
  EXPECT_EQ(c.max_levels, 32);
  EXPECT_EQ(c.max_frames, 16384);
  ASSERT_TRUE(ApplySetting("max-expensive", "3", &c).ok());
  ASSERT_TRUE(ApplySetting("expensive-workers", "5", &c).ok());
  ASSERT_TRUE(ApplySetting("max-decoded-bytes", "512MiB", &c).ok());
  ASSERT_TRUE(ApplySetting("max-levels", "20", &c).ok());
  ASSERT_TRUE(ApplySetting("max-frames", "100", &c).ok());
  c.ResolveDefaults();
  EXPECT_EQ(c.max_expensive, 3);
  EXPECT_EQ(c.expensive_workers, 5);
  EXPECT_EQ(c.max_decoded_bytes, uint64_t{512} << 20);
  EXPECT_EQ(c.max_levels, 20);
  EXPECT_EQ(c.max_frames, 100);
  EXPECT_FALSE(ApplySetting("max-expensive", "0", &c).ok());
  EXPECT_FALSE(ApplySetting("max-levels", "65", &c).ok());
  EXPECT_FALSE(ApplySetting("max-decoded-bytes", "lots", &c).ok());
}

TEST(ConfigTest, RequestAndImageSizeLimits) {
  Config c;
  EXPECT_EQ(c.max_image_side, int64_t{1} << 24);
  EXPECT_EQ(c.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.max_body_bytes, uint64_t{128} << 20);
  ASSERT_TRUE(ApplySetting("max-image-side", "100000", &c).ok());
  ASSERT_TRUE(ApplySetting("max-header-bytes", "8KiB", &c).ok());
  ASSERT_TRUE(ApplySetting("max-body-bytes", "1GiB", &c).ok());
  EXPECT_EQ(c.max_image_side, 100000);
  EXPECT_EQ(c.max_header_bytes, 8u * 1024);
  EXPECT_EQ(c.max_body_bytes, uint64_t{1} << 30);
  // The side can be lowered, not raised past what the readers are built for.
  EXPECT_FALSE(ApplySetting("max-image-side", "16777217", &c).ok());
  EXPECT_FALSE(ApplySetting("max-image-side", "0", &c).ok());
  // Below 1 KiB no ordinary request fits; Beast's header limit is 32-bit.
  EXPECT_FALSE(ApplySetting("max-header-bytes", "512", &c).ok());
  EXPECT_FALSE(ApplySetting("max-header-bytes", "4GiB", &c).ok());
  EXPECT_FALSE(ApplySetting("max-body-bytes", "1000", &c).ok());
  EXPECT_EQ(c.max_image_side, 100000);
  EXPECT_EQ(c.max_header_bytes, 8u * 1024);
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

// The upload limits: no quota and a 1 GiB free-space reserve unless set.
TEST(ConfigTest, UploadLimitSettings) {
  Config c;
  EXPECT_EQ(c.user_quota_bytes, 0u);
  EXPECT_EQ(c.min_free_disk_bytes, uint64_t{1} << 30);
  ASSERT_TRUE(ApplySetting("user-quota-bytes", "200GiB", &c).ok());
  EXPECT_EQ(c.user_quota_bytes, uint64_t{200} << 30);
  ASSERT_TRUE(ApplySetting("min-free-disk-bytes", "0", &c).ok());
  EXPECT_EQ(c.min_free_disk_bytes, 0u);
  EXPECT_EQ(ApplySetting("user-quota-bytes", "lots", &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplySetting("min-free-disk-bytes", "-1", &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.user_quota_bytes, uint64_t{200} << 30);
  const auto names = SettingNames();
  for (const char* name : {"user-quota-bytes", "min-free-disk-bytes"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

// Shared tile caches (docs/cache.md#shared-tile-caches).
TEST(ConfigTest, SharedCacheSettings) {
  Config c;
  EXPECT_EQ(c.cache_backend, "memory");
  EXPECT_EQ(c.cache_namespace, "tessera");
  EXPECT_EQ(c.cache_item_max_bytes, 1u << 20);
  ASSERT_TRUE(ApplySetting("cache-backend", "memcached", &c).ok());
  ASSERT_TRUE(ApplySetting("cache-servers", "10.0.0.1:11211, 10.0.0.2:11211,/run/m.sock", &c).ok());
  EXPECT_EQ(c.cache_servers,
            (std::vector<std::string>{"10.0.0.1:11211", "10.0.0.2:11211", "/run/m.sock"}));
  ASSERT_TRUE(ApplySetting("cache-front-bytes", "64MiB", &c).ok());
  EXPECT_EQ(c.cache_front_bytes, 64u << 20);
  ASSERT_TRUE(ApplySetting("cache-ttl-s", "3600", &c).ok());
  EXPECT_EQ(c.cache_ttl_s, 3600);
  ASSERT_TRUE(ApplySetting("cache-shared-pixels", "true", &c).ok());
  EXPECT_TRUE(c.cache_shared_pixels);
  EXPECT_FALSE(ApplySetting("cache-backend", "couchbase", &c).ok());
  EXPECT_FALSE(ApplySetting("cache-servers", "no-port", &c).ok());
  EXPECT_FALSE(ApplySetting("cache-namespace", "a b", &c).ok());
  EXPECT_FALSE(ApplySetting("cache-item-max-bytes", "100", &c).ok());
  EXPECT_FALSE(ApplySetting("cache-nonsense", "1", &c).ok());
  for (const char* name : {"cache-backend", "cache-servers", "cache-password", "cache-ttl-s"}) {
    const auto names = SettingNames();
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

}  // namespace
}  // namespace tessera
