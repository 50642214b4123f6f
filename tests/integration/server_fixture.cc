#include "integration/server_fixture.h"

#include <tiffio.h>

#include "cli/import.h"
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
  Configure(config);
  SetLogLevel(config.log_level);
  auto app = App::Create(config);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  app_ = std::move(*app);
  ASSERT_TRUE(app_->Start().ok());
  client_ = std::make_unique<HttpClient>("127.0.0.1", app_->port());
}

void ServerFixture::TearDown() {
  client_.reset();
  if (app_) app_->Stop();
  app_.reset();
  dir_.reset();
}

std::string ServerFixture::Import(const std::string& path) {
  std::string id;
  Status s = ImportPaths(app_->store(), app_->registry(), {path}, [&](const ImportResult& r) {
    EXPECT_TRUE(r.error.empty()) << path << ": " << r.error;
    id = r.item.id;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return id;
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
