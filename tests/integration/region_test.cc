// The region-like endpoints end to end on real files: region pixels against libvips reads and
// resizes (every unit, negative offsets, magnification, output sizes), TILED output opened with
// libtiff and libvips, histograms against plain loops over libvips-read pixels, pixel values
// against the stored samples, band statistics, non-power-of-two pyramids, and errors.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"
#include "testing/tiff_ifds.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class RegionTest : public ServerFixture {
 protected:
  std::string Url(const std::string& id, const std::string& what, const std::string& q = "") {
    return "/api/v1/item/" + id + "/tiles/" + what + (q.empty() ? "" : "?" + q);
  }
  // A region decoded with libvips (a test failure unless 200).
  Image Region(const std::string& id, const std::string& q) {
    HttpResult r = Get(Url(id, "region", q));
    EXPECT_EQ(r.status, 200) << q << ": " << r.body.substr(0, 300);
    return r.status == 200 ? DecodeBody(r) : Image();
  }
  // The body of a response saved as a file (for libtiff and libvips).
  std::string Save(const HttpResult& r, const std::string& name) {
    std::string path = dir_->path() + "/" + name;
    std::ofstream(path, std::ios::binary) << r.body;
    return path;
  }
  // The message of an error response with this status.
  std::string Error(const std::string& url, int status) {
    HttpResult r = Get(url);
    EXPECT_EQ(r.status, status) << url << ": " << r.body;
    Json j = Json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("message")) << r.body;
    return j.is_object() ? j.value("message", "") : "";
  }
};

Image Load(const std::string& path, int page = -1) {
  auto img = VipsLoad(path, page);
  EXPECT_TRUE(img.ok()) << img.status().ToString();
  return img.ok() ? std::move(*img) : Image();
}

// CMU-1-Small-Region.svs as libvips (OpenSlide) reads it, RGB; read once per process.
const Image& Cmu(const std::string& path) {
  static const Image img = KeepBands(Load(path), 3);
  return img;
}

void ExpectNear(const Image& got, const Image& want, double max_abs, double mean_abs,
                const std::string& what) {
  ASSERT_EQ(got.width(), want.width()) << what;
  ASSERT_EQ(got.height(), want.height()) << what;
  Diff d = CompareImages(got, want, want.width(), want.height(), want.bands());
  EXPECT_LE(d.max_abs, max_abs) << what << " (mean " << d.mean_abs << ")";
  EXPECT_LE(d.mean_abs, mean_abs) << what;
}

// Every level of a TILED answer: geometry by libtiff, pixels by libvips — level 0 against
// `want`, level j against a 2^j box downsample of it (whole blocks).
void CheckTiled(const std::string& path, const Image& want, int levels, double tol0, double tolj) {
  std::vector<TiffIfd> ifds = ReadTiffIfds(path);
  ASSERT_EQ(ifds.size(), static_cast<size_t>(levels));
  int64_t w = want.width(), h = want.height();
  for (int j = 0; j < levels; ++j) {
    SCOPED_TRACE("level " + std::to_string(j));
    EXPECT_EQ(ifds[j].width, w);
    EXPECT_EQ(ifds[j].height, h);
    EXPECT_EQ(ifds[j].tile_w, 256u);
    EXPECT_EQ(ifds[j].tile_h, 256u);
    EXPECT_EQ(ifds[j].subfile, j ? 1u : 0u);
    Image level = Load(path, j);
    if (j == 0) {
      ExpectNear(level, want, tol0, tol0 / 8, "level 0");
    } else {
      auto shrunk = VipsShrink(want, std::exp2(j), std::exp2(j));
      ASSERT_TRUE(shrunk.ok());
      Diff d = CompareImages(level, *shrunk, want.width() >> j, want.height() >> j, want.bands());
      EXPECT_LE(d.mean_abs, tolj) << "max " << d.max_abs;
    }
    w = (w + 1) / 2;
    h = (h + 1) / 2;
  }
  EXPECT_LE(std::max(ifds.back().width, ifds.back().height), 256u);
}

TEST_F(RegionTest, UnitsOffsetsAndScalesMatchLibvips) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const Image& ref = Cmu(path);
  ASSERT_EQ(ref.width(), 2220);
  Json meta = GetJson(Url(id, ""));
  const double mm = meta["mm_x"];
  EXPECT_NEAR(mm, 0.000499, 1e-9);
  auto check = [&](const std::string& q, Rect want) {
    Image got = Region(id, q + "&encoding=PNG");
    ExpectNear(KeepBands(got, 3), ref.Crop(want), 0, 0, q);  // the same decoded samples
  };
  check("left=100&top=200&regionWidth=300&regionHeight=250", Rect{100, 200, 300, 250});
  check("left=0.25&top=0.5&right=0.5&bottom=0.75&units=fraction",
        Rect{555, 1484, 1110 - 555, std::lround(0.75 * 2967) - 1484});
  const auto px = [&](double mm_value) { return std::lround(mm_value / mm); };
  check("left=0.5&top=0.25&regionWidth=0.1&regionHeight=0.2&units=mm",
        Rect{px(0.5), px(0.25), px(0.6) - px(0.5), px(0.45) - px(0.25)});
  check("left=300&top=450&regionWidth=80&regionHeight=60&units=um",
        Rect{px(0.3), px(0.45), px(0.38) - px(0.3), px(0.51) - px(0.45)});
  check("left=-300&top=-200", Rect{1920, 2767, 300, 200});
  check("left=-300&top=-200&right=-100&bottom=-50", Rect{1920, 2767, 200, 150});

  // Magnification 5 of a 20x scan: a quarter of the size, from a synthesized level.
  auto quarter = VipsShrink(ref, 4, 4);
  ASSERT_TRUE(quarter.ok());
  Image mag = Region(id, "magnification=5&encoding=PNG");
  ExpectNear(KeepBands(mag, 3), quarter->Crop(Rect{0, 0, 555, 741}), 1, 0.1, "magnification 5");
  Image exact = Region(id, "magnification=5&exact=true&encoding=PNG");
  EXPECT_EQ(exact, mag);
  HttpResult none = Get(Url(id, "region", "magnification=7&exact=true"));
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(none.body.empty()) << "no level has exactly 7x: large_image's empty answer";

  // Output sizes keep the aspect ratio; the pixels are a resize of the region.
  Image small = Region(id, "width=500&encoding=PNG");
  ASSERT_EQ(small.width(), 500);
  ASSERT_EQ(small.height(), 2967 * 500 / 2220);
  // Like large_image: the smallest level at least that large (a quarter), then resized.
  // (libvips rounds 741.75 rows up: the level has 741.)
  auto resized = VipsResizeTo(quarter->Crop(Rect{0, 0, 555, 741}), 500, small.height());
  ASSERT_TRUE(resized.ok());
  ExpectNear(KeepBands(small, 3), *resized, 2, 0.2, "width=500");
  Image boxed = Region(id, "width=300&height=300&fill=red&encoding=PNG");
  ASSERT_EQ(boxed.width(), 300);
  ASSERT_EQ(boxed.height(), 300);
  const int inner = 2220 * 300 / 2967;  // 224 wide, centred
  const int x0 = (300 - inner) / 2;
  EXPECT_EQ(boxed.row(150)[(x0 - 2) * boxed.bands()], 255);
  EXPECT_EQ(boxed.row(150)[(x0 - 2) * boxed.bands() + 1], 0);
  Image plain = Region(id, "width=300&height=300&encoding=PNG");
  ASSERT_EQ(plain.width(), inner);
  EXPECT_EQ(CompareImages(boxed.Crop(Rect{x0, 0, inner, 300}), plain, inner, 300, 3).max_abs, 0);
}

TEST_F(RegionTest, EncodingsHeadersAndETags) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const std::string q = "left=10&top=20&regionWidth=64&regionHeight=48";
  for (auto [enc, mime] : {std::pair<std::string, std::string>{"", "image/jpeg"},
                           {"PNG", "image/png"},
                           {"WEBP", "image/webp"},
                           {"TIFF", "image/tiff"}}) {
    HttpResult r = Get(Url(id, "region", q + (enc.empty() ? "" : "&encoding=" + enc)));
    ASSERT_EQ(r.status, 200) << enc << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), mime);
    Image img = DecodeBody(r);
    EXPECT_EQ(img.width(), 64);
    EXPECT_EQ(img.height(), 48);
    const std::string etag = r.Header("etag");
    ASSERT_FALSE(etag.empty());
    // The ETag names the parameters' values: the default spelled out is the same request.
    EXPECT_EQ(Get(Url(id, "region", q + "&encoding=" + (enc.empty() ? "JPEG" : enc)),
                  {{"If-None-Match", etag}})
                  .status,
              304);
  }
  HttpResult other = Get(Url(id, "region", q + "&jpegQuality=50"));
  EXPECT_NE(other.Header("etag"), Get(Url(id, "region", q)).Header("etag"));
  HttpResult att = Get(Url(id, "region", q + "&encoding=PNG&contentDisposition=attachment"));
  EXPECT_NE(att.Header("content-disposition").find("filename=\"CMU-1-Small-Region-region.png\""),
            std::string::npos)
      << att.Header("content-disposition");
  HttpResult outside = Get(Url(id, "region", "left=5000&top=10&regionWidth=10&regionHeight=10"));
  EXPECT_EQ(outside.status, 200);
  EXPECT_TRUE(outside.body.empty());
}

TEST_F(RegionTest, TiledOutputIsAPyramidOfTheRegion) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const Image& ref = Cmu(path);
  HttpResult r = Get(Url(id, "region", "encoding=TILED"));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.Header("content-type"), "image/tiff");
  // 2967 rows: 1484, 742, 371, 186 -> five levels, JPEG for 8-bit RGB.
  CheckTiled(Save(r, "full.tif"), ref, 5, 24, 2.5);
  // The temp file is gone once the response is sent (the next request on this connection is
  // read only after that).
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
  const std::string tmp = dir_->path() + "/data/tmp";
  EXPECT_TRUE(std::filesystem::is_empty(tmp)) << tmp;

  // Scaled: 1000 px wide, resampled block by block, against a libvips resize of the whole.
  HttpResult scaled = Get(Url(id, "region", "encoding=TILED&width=1000&tiffCompression=lzw"));
  ASSERT_EQ(scaled.status, 200) << scaled.body.substr(0, 300);
  auto half = VipsShrink(ref, 2, 2);  // the level it is read from: 1110 x 1483
  ASSERT_TRUE(half.ok());
  auto want = VipsResizeTo(half->Crop(Rect{0, 0, 1110, 1483}), 1000, 2967 * 1000 / 2220);
  ASSERT_TRUE(want.ok());
  const std::string spath = Save(scaled, "scaled.tif");
  Image level0 = Load(spath, 0);
  // PIL's Lanczos (large_image's) against libvips' Lanczos.
  ExpectNear(level0, *want, 16, 0.5, "scaled TILED");
  EXPECT_EQ(ReadTiffIfds(spath).size(), 4u);  // 1336 rows: 668, 334, 167

  // 16-bit RGBA stays 16-bit RGBA, losslessly.
  TS_REQUIRE_TESTDATA(rgba, "RGBA.uint16.tif");
  const std::string id16 = Import(rgba);
  HttpResult t16 = Get(Url(id16, "region", "encoding=TILED&tiffCompression=lzw"));
  ASSERT_EQ(t16.status, 200) << t16.body.substr(0, 300);
  const std::string p16 = Save(t16, "rgba16.tif");
  std::vector<TiffIfd> ifds = ReadTiffIfds(p16);
  ASSERT_FALSE(ifds.empty());
  EXPECT_EQ(ifds[0].bits, 16);
  EXPECT_EQ(ifds[0].samples, 4);
  CheckTiled(p16, Load(rgba), 3, 0, 1);
}

// Plain reference: numpy's bins over (min, max + 1) found by binary search over the edges.
struct Plain {
  double min = INFINITY, max = -INFINITY;
  std::vector<double> edges, hist;
};

Plain PlainHistogram(const Image& img, int band, int bins) {
  Plain p;
  std::vector<double> v;
  DispatchPixelType(img.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < img.height(); ++y)
      for (int x = 0; x < img.width(); ++x) v.push_back(img.row_as<T>(y)[x * img.bands() + band]);
  });
  for (double s : v) p.min = std::min(p.min, s), p.max = std::max(p.max, s);
  const bool f32 = img.type() == PixelType::kF32;
  for (int i = 0; i <= bins; ++i) {
    double e = i == bins ? p.max + 1 : p.min + i * ((p.max + 1 - p.min) / bins);
    p.edges.push_back(f32 ? static_cast<float>(e) : e);
  }
  p.hist.assign(bins, 0);
  for (double s : v) {
    size_t i = std::upper_bound(p.edges.begin(), p.edges.end(), s) - p.edges.begin();
    p.hist[std::min<size_t>(i, bins) - 1] += 1;
  }
  return p;
}

TEST_F(RegionTest, HistogramsMatchAPlainLoopOverLibvipsPixels) {
  TS_REQUIRE_TESTDATA(cmu, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(rgba, "RGBA.uint16.tif");
  TS_REQUIRE_TESTDATA(f32, "predictor-3-gray-f32.tif");
  struct Case {
    std::string path;
    int bins;
    Image ref;
  };
  std::vector<Case> cases;
  cases.push_back({cmu, 256, KeepBands(Cmu(cmu), 3)});
  cases.push_back({rgba, 256, Load(rgba)});
  cases.push_back({f32, 100, Load(f32)});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const std::string id = Import(c.path);
    // No size given: Tessera's 2048 default, which these images fit at full resolution.
    Json h = GetJson(Url(id, "histogram", "bins=" + std::to_string(c.bins)));
    ASSERT_TRUE(h.is_array()) << h.dump().substr(0, 300);
    ASSERT_GE(h.size(), static_cast<size_t>(c.ref.bands()));
    for (int b = 0; b < c.ref.bands(); ++b) {
      SCOPED_TRACE("band " + std::to_string(b));
      Plain p = PlainHistogram(c.ref, b, c.bins);
      const Json& e = h[b];
      EXPECT_EQ(e["min"].get<double>(), p.min);
      EXPECT_EQ(e["max"].get<double>(), p.max);
      EXPECT_EQ(e["range"], Json({p.min, p.max + 1}));
      EXPECT_EQ(e["bins"], c.bins);
      EXPECT_EQ(e["density"], false);
      EXPECT_EQ(e["samples"].get<double>(), static_cast<double>(c.ref.width()) * c.ref.height());
      EXPECT_EQ(e["bin_edges"].get<std::vector<double>>(), p.edges);
      EXPECT_EQ(e["hist"].get<std::vector<double>>(), p.hist);
      EXPECT_TRUE(e.contains("mean") && e.contains("stdev"));
    }
  }
  // Options: explicit range with density, roundRange, and resampling to a size.
  const std::string id = Import(rgba);
  Json d = GetJson(Url(id, "histogram", "rangeMin=0&rangeMax=65536&bins=16&density=true"));
  double total = 0;
  for (double v : d[0]["hist"].get<std::vector<double>>()) total += v;
  EXPECT_NEAR(total, 1, 1e-9);
  EXPECT_EQ(d[0]["range"], Json({0.0, 65536.0}));
  Json rr = GetJson(Url(id, "histogram", "roundRange=true&bins=100000"));
  const double span = rr[0]["range"][1].get<double>() - rr[0]["range"][0].get<double>();
  EXPECT_EQ(std::fmod(span, 1.0), 0);
  Json rs = GetJson(Url(id, "histogram", "width=100&resample=true"));
  EXPECT_EQ(rs[0]["samples"].get<double>(), 100.0 * (411 * 100 / 634));
}

TEST_F(RegionTest, PixelsAreTheStoredSamples) {
  TS_REQUIRE_TESTDATA(rgba, "RGBA.uint16.tif");
  TS_REQUIRE_TESTDATA(f32, "predictor-3-gray-f32.tif");
  TS_REQUIRE_TESTDATA(ome, "multi-channel-z-series.ome.tif");
  const std::string id16 = Import(rgba);
  Image ref16 = Load(rgba);
  for (auto [x, y] : {std::pair{0, 0}, {633, 410}, {300, 200}, {17, 399}}) {
    Json p = GetJson(Url(id16, "pixel", "left=" + std::to_string(x) + "&top=" + std::to_string(y)));
    const uint16_t* s = ref16.row_as<uint16_t>(y) + x * 4;
    EXPECT_EQ(p["value"], Json({s[0], s[1], s[2], s[3]})) << x << "," << y;
    EXPECT_EQ(p["r"], s[0] / 256);
    EXPECT_EQ(p["a"], s[3] / 256);
  }
  Json last = GetJson(Url(id16, "pixel", "left=-1&top=-1"));
  EXPECT_EQ(last["value"][0], ref16.row_as<uint16_t>(410)[633 * 4]);
  EXPECT_EQ(GetJson(Url(id16, "pixel", "left=634&top=0")), Json::object());
  EXPECT_EQ(GetJson(Url(id16, "pixel", "left=-5000&top=0")), Json::object());

  const std::string idf = Import(f32);
  Image reff = Load(f32);
  for (auto [x, y] : {std::pair{0, 0}, {199, 199}, {57, 123}}) {
    Json p = GetJson(Url(idf, "pixel", "left=" + std::to_string(x) + "&top=" + std::to_string(y)));
    const float v = reff.row_as<float>(y)[x];
    EXPECT_EQ(p["value"][0].get<double>(), static_cast<double>(v));
    EXPECT_EQ(p["l"], static_cast<int>(std::clamp(v, 0.0f, 255.0f)));
  }

  // Frames of the OME file (XYZCT: IFD = z + 5 c), signed 8-bit.
  const std::string ido = Import(ome);
  Json meta = GetJson(Url(ido, ""));
  ASSERT_EQ(meta["frames"].size(), 15u);
  Json list = GetJson(Url(ido, "pixel", "left=200&top=100&frameList=0,4,7,14"));
  ASSERT_EQ(list.size(), 4u);
  for (const Json& entry : list) {
    const int frame = entry["frame"];
    const Json& f = meta["frames"][frame];
    const int ifd = f.value("IndexZ", 0) + 5 * f.value("IndexC", 0);
    Image page = Load(ome, ifd);
    const int8_t v = page.row_as<int8_t>(100)[200];
    EXPECT_EQ(entry["value"], Json({v})) << "frame " << frame;
    EXPECT_EQ(entry["l"], v + 128);
  }
  Json single = GetJson(Url(ido, "pixel", "left=200&top=100&frame=7"));
  EXPECT_EQ(single["value"], list[2]["value"]);
  EXPECT_EQ(GetJson(Url(ido, "pixel", "left=900&top=0&frameList=1")), Json({{{"frame", 1}}}));
}

TEST_F(RegionTest, BandStatistics) {
  TS_REQUIRE_TESTDATA(rgba, "RGBA.uint16.tif");
  TS_REQUIRE_TESTDATA(cmu, "CMU-1-Small-Region.svs");
  const std::string id = Import(rgba);
  Image ref = Load(rgba);
  HttpResult r = Get(Url(id, "bands"));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  ASSERT_EQ(j.size(), 4u);
  const char* names[] = {"red", "green", "blue", "alpha"};
  for (int b = 0; b < 4; ++b) {
    const Json& e = j[std::to_string(b + 1)];
    EXPECT_EQ(e["interpretation"], names[b]);
    double lo = INFINITY, hi = -INFINITY, sum = 0, sum2 = 0;
    const double n = 634.0 * 411;
    for (int y = 0; y < 411; ++y) {
      for (int x = 0; x < 634; ++x) {
        const double v = ref.row_as<uint16_t>(y)[x * 4 + b];
        lo = std::min(lo, v), hi = std::max(hi, v), sum += v, sum2 += v * v;
      }
    }
    EXPECT_TRUE(e["min"].is_number_integer());
    EXPECT_EQ(e["min"].get<double>(), lo);
    EXPECT_EQ(e["max"].get<double>(), hi);
    EXPECT_NEAR(e["mean"].get<double>(), sum / n, 1e-6);
    EXPECT_NEAR(e["stdev"].get<double>(), std::sqrt(sum2 / n - (sum / n) * (sum / n)), 1e-4);
  }
  // Cached and tagged: the same body again, 304 on the ETag.
  HttpResult again = Get(Url(id, "bands"));
  EXPECT_EQ(again.body, r.body);
  EXPECT_EQ(Get(Url(id, "bands"), {{"If-None-Match", r.Header("etag")}}).status, 304);

  // 2220 x 2967 is analysed at the level of 1110 x 1483 (at most 2048 per side).
  const std::string idc = Import(cmu);
  Json c = GetJson(Url(idc, "bands"));
  auto half = VipsShrink(Cmu(cmu), 2, 2);
  ASSERT_TRUE(half.ok());
  for (int b = 0; b < 3; ++b) {
    const Json& e = c[std::to_string(b + 1)];
    double sum = 0;
    for (int y = 0; y < 1483; ++y)
      for (int x = 0; x < 1110; ++x) sum += half->row(y)[x * 3 + b];
    EXPECT_NEAR(e["mean"].get<double>(), sum / (1110.0 * 1483), 0.5);
  }
}

TEST_F(RegionTest, NonPowerOfTwoPyramidsGiveTheRightPixelsAtEveryLevel) {
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  TS_REQUIRE_TESTDATA(cmu, "CMU-1-Small-Region.svs");
  // boxes.tiff stores 300x250, 150x125, 75x62, 37x31: each level is read as stored.
  const std::string idb = Import(boxes);
  for (int page = 0; page < 4; ++page) {
    Image want = Load(boxes, page);
    Image got = Region(idb, "width=" + std::to_string(want.width()) +
                                "&height=" + std::to_string(want.height()) + "&encoding=PNG");
    ExpectNear(got, want, 0, 0, "boxes page " + std::to_string(page));
  }
  // An SVS-like file with 4x steps (1100x1480 and 275x370 stored): the 2x levels between are
  // synthesized from the stored level above them.
  const std::string d = dir_->path();
  const std::string cmd = "cd " + d + " && vips extract_area '" + cmu + "' crop.v 0 0 1100 1480" +
                          " && vips extract_band crop.v rgb.v 0 --n 3" +
                          " && vips tiffsave rgb.v full.tif --tile --tile-width 256" +
                          " --tile-height 256 --pyramid --compression lzw" +
                          " && tiffcp full.tif,0,2 svs_like.tif";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string svs = d + "/svs_like.tif";
  ASSERT_EQ(ReadTiffIfds(svs).size(), 2u);
  const std::string ids = Import(svs);
  Image page0 = Load(svs, 0), page1 = Load(svs, 1);
  ASSERT_EQ(page1.width(), 275);
  auto half0 = VipsShrink(page0, 2, 2), half1 = VipsShrink(page1, 2, 2);
  ASSERT_TRUE(half0.ok() && half1.ok());
  struct Level {
    int w, h;
    const Image* want;
    double tol;
  };
  for (Level l : {Level{1100, 1480, &page0, 0}, Level{550, 740, &*half0, 1},
                  Level{275, 370, &page1, 0}, Level{137, 185, &*half1, 1}}) {
    Image got = Region(
        ids, "width=" + std::to_string(l.w) + "&height=" + std::to_string(l.h) + "&encoding=PNG");
    ExpectNear(got, l.want->Crop(Rect{0, 0, l.w, l.h}), l.tol, l.tol / 2,
               "level " + std::to_string(l.w));
  }
}

class RegionBudgetTest : public RegionTest {
  void Configure(Config& c) override { c.max_output_pixels = 1000 * 1000; }
};

TEST_F(RegionBudgetTest, ErrorsAre400WithClearMessagesAndTheServerKeepsServing) {
  TS_REQUIRE_TESTDATA(cmu, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  const std::string id = Import(cmu), idb = Import(boxes);
  EXPECT_NE(Error(Url(id, "region", "units=parsecs"), 400).find("units"), std::string::npos);
  EXPECT_NE(Error(Url(idb, "region", "left=1&units=mm"), 400).find("mm_x"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "width=2000"), 400).find("1000000"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "resample=9"), 400).find("resample"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "encoding=pickle"), 400).find("pickle"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "encoding=BMP"), 400).find("BMP"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "left=abc"), 400).find("left"), std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "width=300&height=5000&fill=red"), 400).find("1000000"),
            std::string::npos);
  EXPECT_NE(Error(Url(id, "region", "encoding=TILED&width=100000"), 400).find("TILED"),
            std::string::npos);
  EXPECT_NE(Error(Url(id, "histogram", "bins=0"), 400).find("bins"), std::string::npos);
  EXPECT_NE(Error(Url(id, "histogram", "rangeMin=x"), 400).find("rangeMin"), std::string::npos);
  EXPECT_NE(Error(Url(id, "histogram", "width=256&rangeMin=9&rangeMax=2"), 400).find("max"),
            std::string::npos);
  EXPECT_NE(Error(Url(id, "histogram", "width=5000&height=5000"), 400).find("1000000"),
            std::string::npos);
  EXPECT_NE(Error(Url(id, "pixel", "left=1&top=1&frameList=a,b"), 400).find("frameList"),
            std::string::npos);
  EXPECT_NE(Error(Url(id, "pixel", "left=1&top=1&units=furlongs"), 400).find("units"),
            std::string::npos);
  Error(Url(id, "pixel", "left=1&top=1&frame=3"), 404);
  Error(Url(id, "bands", "frame=3"), 404);
  Error(Url("0123456789abcdef01234567", "region"), 404);
  // TILED streams, so the full 6.6 Mpixel image is allowed; the rest keeps working.
  HttpResult tiled = Get(Url(id, "region", "encoding=TILED"));
  EXPECT_EQ(tiled.status, 200);
  EXPECT_EQ(Region(id, "width=100").width(), 100);
  EXPECT_EQ(GetJson(Url(id, "histogram", "width=256")).size(), 3u);
}

}  // namespace
}  // namespace tessera
