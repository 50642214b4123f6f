#include "integration/server_fixture.h"

#include <tiffio.h>

#include "core/strings.h"
#include "testing/reference.h"

namespace tessera {

void ServerFixture::SetUp() {
  dir_ = std::make_unique<TempDir>();
  Config config;
  config.port = 0;
  config.data_dir = dir_->path() + "/data";
  config.tile_cache_bytes = 256ull << 20;
  config.io_threads = 2;
  config.workers = 4;
  config.log_level = LogLevel::kError;
  config.admin_password = kAdminPassword;
  config.fast_password_hash = true;
  config.min_free_disk_bytes = 0;  // tests run on nearly full disks too; a test may set one
  Configure(config);
  SetLogLevel(config.log_level);
  ASSERT_NO_FATAL_FAILURE(StartApp(config));
  auto folder = DefaultImportFolder(app_->store(), "Imported", false);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  import_options_.folder_id = folder->id;
  import_options_.open = app_->context().open;  // the configured max-levels / max-frames
}

void ServerFixture::StartApp(const Config& config) {
  auto app = App::Create(config);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  app_ = std::move(*app);
  ASSERT_TRUE(app_->Start().ok());
  client_ = std::make_unique<HttpClient>("127.0.0.1", app_->port());
}

void ServerFixture::Restart() {
  Config config = app_->config();
  config.port = 0;
  client_.reset();
  app_->Stop();
  app_.reset();
  StartApp(config);
}

void ServerFixture::TearDown() {
  client_.reset();
  if (app_) app_->Stop();
  app_.reset();
  dir_.reset();
}

std::string ServerFixture::Import(const std::string& path) {
  std::string id;
  Status s = ImportPaths(app_->store(), app_->registry(), {path}, import_options_,
                         [&](const ImportResult& r) {
                           EXPECT_TRUE(r.error.empty()) << path << ": " << r.error;
                           id = r.item.id;
                         });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return id;
}

std::string ServerFixture::AddItem(const std::string& name, const std::string& path,
                                   const std::string& source_name) {
  ItemRecord item;
  item.name = name;
  item.folder_id = import_options_.folder_id;
  auto created = app_->store().CreateItem(item);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  if (!created.ok()) return "";
  FileRecord file;
  file.item_id = created->id;
  file.name = name;
  file.path = path;
  file.imported = true;
  auto f = app_->store().CreateFile(file);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return "";
  ItemRecord large = *app_->store().GetItem(created->id);
  large.large_image_file_id = f->id;
  large.source_name = source_name;
  EXPECT_TRUE(app_->store().UpdateItem(large).ok());
  return created->id;
}

std::string ServerFixture::Login(const std::string& login, const std::string& password) {
  const std::string b64 = Base64Encode(login + ":" + password);
  HttpResult r = client_->Get("/api/v1/user/authentication", {{"Authorization", "Basic " + b64}});
  EXPECT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.contains("authToken")) return "";
  return j["authToken"]["token"].get<std::string>();
}

std::string ServerFixture::AdminToken() {
  if (admin_token_.empty()) admin_token_ = Login("admin", kAdminPassword);
  return admin_token_;
}

std::pair<std::string, std::string> ServerFixture::CreateUser(const std::string& login) {
  nlohmann::json u = CallJson("POST",
                              "/api/v1/user?login=" + login + "&email=" + login +
                                  "@example.org&firstName=F&lastName=L&password=" + login + "-pw",
                              AdminToken());
  if (!u.contains("_id")) return {"", ""};
  return {u["_id"].get<std::string>(), Login(login, login + "-pw")};
}

HttpResult ServerFixture::Call(const std::string& method, const std::string& target,
                               const std::string& token, const std::string& body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  if (!token.empty()) headers.emplace_back("Girder-Token", token);
  return client_->Request(method, target, headers, body);
}

nlohmann::json ServerFixture::CallJson(const std::string& method, const std::string& target,
                                       const std::string& token, int expect_status,
                                       const std::string& body) {
  HttpResult r = Call(method, target, token, body);
  EXPECT_EQ(r.status, expect_status) << method << " " << target << ": " << r.body;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << target << ": " << r.body;
  return j;
}

HttpResult ServerFixture::Get(const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  return client_->Get(target, headers);
}

nlohmann::json ServerFixture::GetJson(const std::string& target, int expect_status) {
  HttpResult r = Get(target);
  EXPECT_EQ(r.status, expect_status) << target << ": " << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json") << target;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << target << ": " << r.body;
  return j;
}

Image ServerFixture::DecodeBody(const HttpResult& r) {
  auto img = VipsDecode(r.body);
  EXPECT_TRUE(img.ok()) << img.status().ToString();
  return img.ok() ? std::move(*img) : Image();
}

std::string ReferenceRawJpegTile(const std::string& path, int dir, int index) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return "";
  std::string out;
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(dir))) {
    uint32_t count = 0;
    void* tables = nullptr;
    uint64_t* counts = nullptr;
    TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &counts);
    tmsize_t size = counts ? static_cast<tmsize_t>(counts[index]) : 0;
    std::string tile(static_cast<size_t>(size), '\0');
    if (size > 0 && TIFFReadRawTile(tif, static_cast<uint32_t>(index), tile.data(), size) == size) {
      if (TIFFGetField(tif, TIFFTAG_JPEGTABLES, &count, &tables) && count > 4) {
        out.assign(static_cast<const char*>(tables), count - 2);  // without EOI
        out.append(tile.substr(2));                               // without SOI
      } else {
        out = tile;
      }
      // large_image's one correction (tiff_reader._getJpegFrame): Photometric RGB tiles whose
      // JPEG components are numbered 0, 1, 2 get the ids 'R', 'G', 'B' in SOF0 and SOS, so
      // decoders do not treat the RGB samples as YCbCr.
      uint16_t photometric = 0;
      TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
      size_t sof = out.find("\xFF\xC0");
      size_t sos = out.find("\xFF\xDA");
      if (photometric == PHOTOMETRIC_RGB && sof != std::string::npos && sos != std::string::npos &&
          out[sof + 9] == 3 && out[sof + 10] == 0 && out[sof + 13] == 1 && out[sof + 16] == 2 &&
          out[sos + 5] == 0 && out[sos + 7] == 1 && out[sos + 9] == 2) {
        for (int i = 0; i < 3; ++i) {
          out[sof + 10 + 3 * i] = "RGB"[i];
          out[sos + 5 + 2 * i] = "RGB"[i];
        }
      }
    }
  }
  TIFFClose(tif);
  return out;
}

}  // namespace tessera
