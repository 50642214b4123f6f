// The `database` setting end to end: a real App whose metadata lives in a real PostgreSQL
// (tests/testing/postgres_server.h), and a second App on the same database as another node.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/server_fixture.h"
#include "testing/postgres_server.h"

namespace tessera {
namespace {

testing::Environment* const kPostgres =
    testing::AddGlobalTestEnvironment(new PostgresEnvironment());

class PostgresAppTest : public ServerFixture {
 protected:
  void SetUp() override {
    ASSERT_NE(PostgresEnvironment::server(), nullptr) << PostgresEnvironment::error();
    database_ = PostgresEnvironment::server()->Url(PostgresEnvironment::server()->CreateDatabase());
    ServerFixture::SetUp();
  }
  void Configure(Config& c) override {
    c.database = database_;
    c.database_pool_size = 3;
  }

  std::string database_;
};

TEST_F(PostgresAppTest, TheDatabaseSettingPutsTheMetadataInPostgres) {
  const std::string token = AdminToken();
  ASSERT_FALSE(token.empty());
  // Nothing went to SQLite.
  EXPECT_FALSE(std::filesystem::exists(dir_->path() + "/data/tessera.db"));
  nlohmann::json created = CallJson("POST", "/api/v1/collection?name=shared&public=true", token);
  ASSERT_TRUE(created.contains("_id"));

  // A second node: its own data directory, the same database. The admin exists already, the
  // first node's token is valid here and its collection is listed.
  TempDir other_dir;
  Config config;
  config.port = 0;
  config.data_dir = other_dir.path() + "/data";
  config.io_threads = 1;
  config.workers = 2;
  config.log_level = LogLevel::kError;
  config.fast_password_hash = true;
  config.database = database_;
  config.database_pool_size = 2;
  auto node_b = App::Create(config);
  ASSERT_TRUE(node_b.ok()) << node_b.status().ToString();
  ASSERT_TRUE((*node_b)->Start().ok());
  EXPECT_TRUE((*node_b)->generated_admin_password().empty()) << "the admin was created twice";
  HttpClient b("127.0.0.1", (*node_b)->port());
  HttpResult me = b.Get("/api/v1/user/me", {{"Girder-Token", token}});
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find("\"admin\""), std::string::npos) << me.body;
  HttpResult list = b.Get("/api/v1/collection", {{"Girder-Token", token}});
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(created["_id"].get<std::string>()), std::string::npos) << list.body;
  (*node_b)->Stop();
}

}  // namespace
}  // namespace tessera
