// The style language end to end on the shared test images: styled tiles, regions and
// thumbnails against large_image's formulas written out in the test over pixels read with
// libvips (the file itself for 16-bit and float images; the server's unstyled TIFF tile, decoded
// by libvips, for JPEG-compressed slides), the cache flow proved by counters, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>

#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

std::string UrlEncode(const std::string& s) {
  std::string out;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

double At(const Image& img, int x, int y, int band) {
  return DispatchPixelType(img.type(), [&](auto zero) {
    using T = decltype(zero);
    return static_cast<double>(img.row_as<T>(y)[static_cast<size_t>(x) * img.bands() + band]);
  });
}

// large_image's output cast for 8-bit encodings: float32, clipped to 0..255, truncated.
int U8(double v) {
  float f = static_cast<float>(v);
  if (std::isnan(f)) return 0;
  return static_cast<int>(std::clamp(f, 0.0f, 255.0f));
}

struct MinMax {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};
MinMax BandRange(const Image& img, int band) {
  MinMax r;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const double v = At(img, x, y, band);
      r.min = std::min(r.min, v);
      r.max = std::max(r.max, v);
    }
  }
  return r;
}

// large_image's histogramThreshold over numpy.histogram(band, 256, range=(min, max + 1)).
double Threshold(const Image& img, int band, double t, bool from_max) {
  const MinMax r = BandRange(img, band);
  const double lo = r.min, hi = r.max + 1;
  std::vector<double> hist(256, 0);
  double samples = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const double v = At(img, x, y, band);
      int bin = static_cast<int>((v - lo) * 256 / (hi - lo));
      hist[static_cast<size_t>(std::clamp(bin, 0, 255))] += 1;
      samples += 1;
    }
  }
  auto edge = [&](int i) { return lo + (hi - lo) * i / 256.0; };
  double tally = 0;
  for (int k = 0; k < 256; ++k) {
    const int i = from_max ? 255 - k : k;
    if (tally + hist[static_cast<size_t>(i)] > t * samples) {
      if (k == 0) return from_max ? r.max : r.min;
      return from_max ? edge(256 - k) : edge(k);
    }
    tally += hist[static_cast<size_t>(i)];
  }
  return from_max ? edge(0) : edge(256);
}

class StyleTest : public ServerFixture {
 protected:
  HttpResult Styled(const std::string& id, const std::string& what, const Json& style,
                    const std::string& extra = "") {
    return Get("/api/v1/item/" + id + "/tiles/" + what +
               (what.find('?') == std::string::npos ? "?" : "&") +
               "style=" + UrlEncode(style.dump()) + extra);
  }
  Image StyledImage(const std::string& id, const std::string& what, const Json& style,
                    const std::string& extra = "&encoding=PNG") {
    HttpResult r = Styled(id, what, style, extra);
    EXPECT_EQ(r.status, 200) << style.dump() << ": " << r.body.substr(0, 300);
    return r.status == 200 ? DecodeBody(r) : Image();
  }
  // Checks every pixel of `got` (RGBA or one band) against want(x, y, channel).
  void ExpectPixels(const Image& got, int channels, const std::function<int(int, int, int)>& want,
                    const std::string& what) {
    ASSERT_EQ(got.bands(), channels) << what;
    int bad = 0;
    for (int y = 0; y < got.height() && bad < 5; ++y) {
      for (int x = 0; x < got.width() && bad < 5; ++x) {
        for (int c = 0; c < channels; ++c) {
          const int w = want(x, y, c), g = static_cast<int>(At(got, x, y, c));
          if (w != g) {
            ADD_FAILURE() << what << " at " << x << "," << y << " channel " << c << ": " << g
                          << " instead of " << w;
            ++bad;
          }
        }
      }
    }
  }
};

TEST_F(StyleTest, SixteenBitRangesAutoMinMaxFullAndThresholds) {
  TS_REQUIRE_TESTDATA(path, "RGBA.uint16.tif");
  const std::string id = Import(path);
  auto file = VipsLoad(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->type(), PixelType::kU16);
  const MinMax band1 = BandRange(*file, 0);
  struct Case {
    Json style;
    double min, max;
  };
  const Case cases[] = {
      // The image's values pass 255, so auto is the band's own min and max.
      {Json{{"band", 1}}, band1.min, band1.max},
      {Json{{"band", 1}, {"min", "min"}, {"max", "max"}}, band1.min, band1.max},
      {Json{{"band", 1}, {"min", "full"}, {"max", "full"}}, 0, 65535},
      {Json{{"band", 1}, {"min", 1000}, {"max", "40000"}}, 1000, 40000},
      {Json{{"band", 1}, {"min", "min:0.02"}, {"max", "max:0.05"}},
       Threshold(*file, 0, 0.02, false), Threshold(*file, 0, 0.05, true)},
  };
  for (const Case& c : cases) {
    Image got = StyledImage(id, "zxy/2/1/0", c.style);  // full resolution, inside the image
    ASSERT_EQ(got.width(), 256);
    ExpectPixels(
        got, 4,
        [&](int x, int y, int ch) {
          if (ch == 3) return 255;
          const double v = (At(*file, 256 + x, y, 0) - c.min) / (c.max - c.min);
          return U8(v * 255);
        },
        c.style.dump());
  }
}

TEST_F(StyleTest, FloatPalettesLinearAndDiscrete) {
  TS_REQUIRE_TESTDATA(path, "predictor-3-gray-f32.tif");
  const std::string id = Import(path);
  auto file = VipsLoad(path);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->type(), PixelType::kF32);
  const MinMax range = BandRange(*file, 0);
  const double stops[3][4] = {{0, 0, 0, 255}, {255, 0, 0, 255}, {255, 255, 0, 255}};
  for (const char* scheme : {"linear", "discrete"}) {
    const Json style = {
        {"min", 0}, {"max", "max"}, {"palette", {"#000", "#f00", "#ff0"}}, {"scheme", scheme}};
    Image got = StyledImage(id, "zxy/0/0/0", style);  // 200 x 200 in one 256 tile
    ExpectPixels(
        got, 4,
        [&](int x, int y, int ch) {
          if (x >= 200 || y >= 200) return static_cast<int>(At(got, x, y, ch));  // padding
          const double v = (At(*file, x, y, 0) - 0) / (range.max - 0);
          if (std::string(scheme) == "discrete") {
            const int k = std::clamp(static_cast<int>(std::floor(v * 3)), 0, 2);
            return U8(stops[k][ch]);
          }
          if (v <= 0) return U8(stops[0][ch]);
          if (v >= 1) return U8(stops[2][ch]);
          const int j = v < 0.5 ? 0 : 1;
          return U8(stops[j][ch] + (stops[j + 1][ch] - stops[j][ch]) * (v - 0.5 * j) / 0.5);
        },
        scheme);
  }
}

TEST_F(StyleTest, CompositeOfThreeOmeChannelsFromOtherFrames) {
  TS_REQUIRE_TESTDATA(path, "multi-channel-z-series.ome.tif");
  const std::string id = Import(path);
  // Channels C = 0, 1, 2 at Z = 0 are frames 0, 5 and 10; the request asks for frame 3 (whose
  // own pixels are then not used: every band names its frame).
  const int frames[3] = {0, 5, 10};
  Json bands = Json::array();
  const char* colours[3] = {"#f00", "#0f0", "#00f"};
  for (int k = 0; k < 3; ++k) bands.push_back({{"frame", frames[k]}, {"palette", colours[k]}});
  Image got = StyledImage(id, "region", Json{{"bands", bands}}, "&frame=3&encoding=PNG");
  ASSERT_EQ(got.width(), 439);
  ASSERT_EQ(got.height(), 167);
  Image planes[3];
  MinMax ranges[3];
  for (int k = 0; k < 3; ++k) {
    auto p = VipsLoad(path, frames[k]);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_EQ(p->type(), PixelType::kI8);
    ranges[k] = BandRange(*p, 0);
    planes[k] = std::move(*p);
  }
  ExpectPixels(
      got, 4,
      [&](int x, int y, int ch) {
        if (ch == 3) return 255;
        // auto: signed data is not 0..255, so each frame's own min and max.
        const double v =
            (At(planes[ch], x, y, 0) - ranges[ch].min) / (ranges[ch].max - ranges[ch].min);
        return U8(v * 255);
      },
      "composite");
}

TEST_F(StyleTest, NodataAndClampFalseAreTransparentAndUint16Outputs) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  // The unstyled tile as stored (decoded by libvips) is the input the style works on.
  HttpResult plain = Get("/api/v1/item/" + id + "/tiles/zxy/4/2/3?encoding=TIFF");
  ASSERT_EQ(plain.status, 200);
  Image input = DecodeBody(plain);
  ASSERT_EQ(input.bands(), 3);
  const Json masked = {
      {"band", "green"}, {"min", 50}, {"max", 200}, {"nodata", 128}, {"clamp", false}};
  Image got = StyledImage(id, "zxy/4/2/3", masked);
  int hidden = 0;
  ExpectPixels(
      got, 4,
      [&](int x, int y, int ch) {
        const double raw = At(input, x, y, 1);
        const bool shown = raw != 128 && raw >= 50 && raw <= 200;
        hidden += ch == 3 && !shown;
        if (!shown) return 0;
        return ch == 3 ? 255 : U8((raw - 50) / 150 * 255);
      },
      "nodata/clamp");
  EXPECT_GT(hidden, 100);  // the tile has both kinds of pixels
  // dtype uint16: a 16-bit PNG and TIFF (x 65535 / 255 in float32, as numpy).
  for (const char* encoding : {"PNG", "TIFF"}) {
    Image wide = StyledImage(id, "zxy/4/2/3",
                             Json{{"band", 2}, {"min", 0}, {"max", 255}, {"dtype", "uint16"}},
                             std::string("&encoding=") + encoding);
    ASSERT_EQ(wide.type(), PixelType::kU16) << encoding;
    ExpectPixels(
        wide, 4,
        [&](int x, int y, int ch) {
          if (ch == 3) return 65535;
          const float v = static_cast<float>(At(input, x, y, 1) / 255 * 255);
          return static_cast<int>(v * 65535.0f / 255.0f);
        },
        encoding);
  }
}

TEST_F(StyleTest, TenStylesOverSixteenTilesDecodeEachStoredTileOnce) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  ASSERT_EQ(Get("/api/v1/item/" + id + "/tiles").status, 200);
  const Json before = CacheInfo();
  for (int s = 0; s < 10; ++s) {
    const Json style = {{"band", 1 + s % 3},
                        {"min", s * 5},
                        {"max", 250 - s * 3},
                        {"palette", s % 2 ? "#0f0" : "#ff00ff"}};
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        HttpResult r = Styled(id, "zxy/4/" + std::to_string(x) + "/" + std::to_string(y), style,
                              "&encoding=PNG");
        ASSERT_EQ(r.status, 200) << r.body;
      }
    }
  }
  const Json after = CacheInfo();
  auto delta = [&](const char* k) {
    return after["tiles"][k].get<int64_t>() - before["tiles"][k].get<int64_t>();
  };
  EXPECT_EQ(delta("rawReads"), 16);
  EXPECT_EQ(delta("decodes"), 16);  // each stored tile once, whatever the style
  EXPECT_EQ(delta("encodes"), 160);
  // One unstyled source, ten styled sources derived from it (no second open).
  EXPECT_EQ(after["tilesource"]["opens"], before["tilesource"]["opens"]);
  EXPECT_EQ(after["tilesource"]["derived"].get<int64_t>(), 10);
  // A second pass of one style is all hits.
  const Json again = CacheInfo();
  ASSERT_EQ(
      Styled(id, "zxy/4/0/0", Json{{"band", 1}, {"min", 0}, {"max", 250}, {"palette", "#ff00ff"}},
             "&encoding=PNG")
          .status,
      200);
  EXPECT_EQ(CacheInfo()["tiles"]["encodes"], again["tiles"]["encodes"]);
}

TEST_F(StyleTest, StylesReachRegionsThumbnailsAndSprites) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  const Json red = {{"band", 1}, {"palette", "#f00"}, {"min", 0}, {"max", 255}};
  for (const std::string what :
       {"thumbnail?width=64", "region?regionWidth=300&regionHeight=200&width=100",
        "tile_frames?width=64"}) {
    HttpResult plain = Get("/api/v1/item/" + id + "/tiles/" + what + "&encoding=PNG");
    HttpResult styled = Styled(id, what, red, "&encoding=PNG");
    ASSERT_EQ(styled.status, 200) << what << ": " << styled.body;
    EXPECT_NE(plain.Header("etag"), styled.Header("etag")) << what;
    Image p = DecodeBody(plain), s = DecodeBody(styled);
    ASSERT_EQ(s.bands(), 4) << what;
    ASSERT_EQ(s.width(), p.width()) << what;
    // The styled image is the red band of the plain one: green and blue are zero.
    for (int y = 0; y < s.height(); ++y) {
      for (int x = 0; x < s.width(); ++x) {
        ASSERT_EQ(At(s, x, y, 1), 0) << what;
        ASSERT_EQ(At(s, x, y, 2), 0) << what;
      }
    }
  }
}

TEST_F(StyleTest, BadStylesAre400WithTheReason) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(ome, "multi-channel-z-series.ome.tif");
  const std::string id = Import(svs), oid = Import(ome);
  struct Case {
    std::string id;
    std::string style;
    std::string words;
  };
  for (const Case& c :
       {Case{id, "{bad", "Style is not a valid json object."},
        Case{id, R"({"band": 4})", "band 4 does not exist"},
        Case{id, R"({"band": "DAPI"})", "not a channel of this image"},
        Case{id, R"({"palette": "#12"})", "palette"}, Case{id, R"({"min": "lowest"})", "min"},
        Case{id, R"({"function": "math.sqrt"})", "not supported"},
        Case{oid, R"({"frame": 15})", "frame 15 does not exist"},
        Case{oid, R"({"framedelta": -1})", "frame -1 does not exist"}}) {
    for (const std::string what : {"zxy/0/0/0", "thumbnail", "region?width=50"}) {
      HttpResult r =
          Get("/api/v1/item/" + c.id + "/tiles/" + what +
              (what.find('?') == std::string::npos ? "?" : "&") + "style=" + UrlEncode(c.style));
      EXPECT_EQ(r.status, 400) << c.style << " " << what;
      EXPECT_NE(r.body.find(c.words), std::string::npos)
          << c.style << " " << what << ": " << r.body;
    }
  }
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

TEST_F(StyleTest, EmbeddedIccProfilesAreAppliedAndOnlyThenCostThePassthrough) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string profile = "/usr/share/color/icc/colord/ProPhotoRGB.icc";
  if (!std::filesystem::exists(profile)) {
    GTEST_SKIP() << profile << " not found (scripts/setup installs Debian's colord-data)";
  }
  // A JPEG pyramid of real tissue with a wide-gamut profile embedded, made with vips.
  const std::string dir = dir_->path();
  const std::string path = dir + "/prophoto.tif";
  const std::string cmd =
      "vips extract_band '" + svs + "' '" + dir + "/rgb.v' 0 --n 3 && " + "vips crop '" + dir +
      "/rgb.v' '" + dir + "/crop.v' 0 0 512 512 && " + "vips copy '" + dir + "/crop.v' '" + path +
      "[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=90," + "profile=" + profile +
      "]' && vips icc_transform '" + path + "' '" + dir + "/srgb.v' srgb --embedded";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string id = Import(path);
  const std::string tile = "/api/v1/item/" + id + "/tiles/zxy/1/1/0";
  // By default the colours are converted to sRGB: decoded and re-encoded, not passed through.
  const Json before = CacheInfo();
  HttpResult srgb = Get(tile + "?encoding=PNG");
  ASSERT_EQ(srgb.status, 200) << srgb.body;
  const Json after = CacheInfo();
  EXPECT_EQ(after["tiles"]["passthrough"], before["tiles"]["passthrough"]);
  auto want = VipsLoad(dir + "/srgb.v");
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  Image got = DecodeBody(srgb);
  Image expected = want->Crop(Rect{256, 0, 256, 256});
  const Diff d = CompareImages(got, expected, 256, 256, 3);
  EXPECT_LT(d.mean_abs, 1.0);  // lcms2 both times: the same transform but for rounding
  EXPECT_LT(d.max_abs, 3.0);
  // ...and visibly not the stored colours.
  HttpResult stored = Get(tile + "?encoding=PNG&style=" + UrlEncode(R"({"icc": false})"));
  ASSERT_EQ(stored.status, 200);
  EXPECT_GT(CompareImages(DecodeBody(stored), got, 256, 256, 3).mean_abs, 2.0);
  // style={"icc": false} passes the stored JPEG through, byte for byte.
  HttpResult raw = Get(tile + "?style=" + UrlEncode(R"({"icc": false})"));
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.body, ReferenceRawJpegTile(path, 0, 1));
  // A file without a profile keeps the passthrough by default.
  const std::string plain = Import(svs);
  const Json b2 = CacheInfo();
  HttpResult p = Get("/api/v1/item/" + plain + "/tiles/zxy/4/0/0");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(CacheInfo()["tiles"]["passthrough"].get<int64_t>(),
            b2["tiles"]["passthrough"].get<int64_t>() + 1);
}

}  // namespace
}  // namespace tessera
