// ServerFixture: a real Tessera App listening on 127.0.0.1:0 with a fresh data directory, and
// helpers to import test images and make requests. Tests that need an image skip with a message
// when the shared test data is absent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "api/importer.h"
#include "cli/app.h"
#include "core/image.h"
#include "testing/http_client.h"
#include "testing/temp_dir.h"

namespace tessera {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Settings a test wants before the server starts (override to change).
  virtual void Configure(Config&) {}
  // A second life of the server: the same settings and data directory, fresh process memory and
  // a new port (client_ connects to it). Call it as ASSERT_NO_FATAL_FAILURE(Restart()).
  void Restart();

  // Imports a file by path into the public "Imported" collection, within the server's open
  // limits (max-levels, max-frames); returns the item id ("" and a test failure on error).
  std::string Import(const std::string& path);
  // Where Import puts items (ImportPaths' options).
  const ImportOptions& import_options() const { return import_options_; }
  // Registers `path` as an item of the import folder with `source_name` as its large image
  // format, without checking the file (for files that break after import).
  std::string AddItem(const std::string& name, const std::string& path,
                      const std::string& source_name);

  // Users: the admin (created at start with kAdminPassword) and others made by the admin.
  static constexpr const char* kAdminPassword = "admin-password-1";
  // A token for login/password (HTTP Basic through GET /user/authentication).
  std::string Login(const std::string& login, const std::string& password);
  std::string AdminToken();
  // Creates a user (as the admin) and returns {user id, token}.
  std::pair<std::string, std::string> CreateUser(const std::string& login);
  // A request with a token (empty: anonymous).
  HttpResult Call(const std::string& method, const std::string& target, const std::string& token,
                  const std::string& body = "",
                  std::vector<std::pair<std::string, std::string>> headers = {});
  nlohmann::json CallJson(const std::string& method, const std::string& target,
                          const std::string& token, int expect_status = 200,
                          const std::string& body = "");

  HttpResult Get(const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  nlohmann::json GetJson(const std::string& target, int expect_status = 200);
  // Decodes an image response with libvips (independent of our codecs).
  Image DecodeBody(const HttpResult& r);
  nlohmann::json CacheInfo() { return GetJson("/api/v1/large_image/cache"); }

  App& app() { return *app_; }
  uint16_t port() const { return app_->port(); }
  // Creates and starts app_ with `config` and connects client_ to it.
  void StartApp(const Config& config);

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<HttpClient> client_;
  ImportOptions import_options_;
  std::string admin_token_;
};

// The stored JPEG tile `index` of TIFF directory `dir` spliced with its JPEGTables, built
// independently with libtiff (TIFFReadRawTile + TIFFTAG_JPEGTABLES), with large_image's
// component-id correction for Photometric RGB.
std::string ReferenceRawJpegTile(const std::string& path, int dir, int index);

}  // namespace tessera
