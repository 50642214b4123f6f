// The rest of the large_image tiles API on the real server with real files: associated images
// (listed, sized and compared pixel by pixel with libtiff / OpenSlide through libvips),
// internal_metadata, tile_frames sprites (each cell compared with the frame read by libvips),
// quad_info, and the /large_image admin routes (cache clear, sources, settings). Every
// expectation comes from libtiff, libvips or plain arithmetic, never from the code under test.
#include <gtest/gtest.h>
#include <openslide.h>
#include <tiffio.h>

#include <map>
#include <regex>
#include <string>

#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class FramesTest : public ServerFixture {
 protected:
  HttpResult Put(const std::string& target) { return client_->Request("PUT", target); }
  uint64_t Deferred() { return app().server().Stats().deferred; }
};

struct TiffDir {
  int index = 0;
  uint32_t width = 0, height = 0;
  std::string description;
  bool tiled = false;
};

std::vector<TiffDir> ReadDirs(const std::string& path) {
  std::vector<TiffDir> dirs;
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return dirs;
  int index = 0;
  do {
    TiffDir d;
    d.index = index++;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &d.width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &d.height);
    const char* text = nullptr;
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) && text) d.description = text;
    d.tiled = TIFFIsTiled(tif);
    dirs.push_back(d);
  } while (TIFFReadDirectory(tif));
  TIFFClose(tif);
  return dirs;
}

// Aperio's associated images by their descriptions: "... -> ..." is the thumbnail, a second
// line starting with "label" / "macro" names the others.
std::map<std::string, TiffDir> AperioAssociated(const std::string& path) {
  std::map<std::string, TiffDir> out;
  for (const TiffDir& d : ReadDirs(path)) {
    if (d.index == 0 || d.tiled) continue;
    if (d.description.find(" -> ") != std::string::npos) out["thumbnail"] = d;
    if (d.description.find("\nlabel") != std::string::npos) out["label"] = d;
    if (d.description.find("\nmacro") != std::string::npos) out["macro"] = d;
  }
  return out;
}

// A directory decoded by libtiff as RGBA, top row first.
Image LibtiffRgba(const std::string& path, int dir) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  Image out;
  if (tif && TIFFSetDirectory(tif, static_cast<tdir_t>(dir))) {
    uint32_t w = 0, h = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    std::vector<uint32_t> raster(size_t{w} * h);
    if (TIFFReadRGBAImageOriented(tif, w, h, raster.data(), ORIENTATION_TOPLEFT, 0)) {
      out = Image(static_cast<int>(w), static_cast<int>(h), 4, PixelType::kU8);
      for (size_t i = 0; i < raster.size(); ++i) {
        out.data()[4 * i] = static_cast<uint8_t>(TIFFGetR(raster[i]));
        out.data()[4 * i + 1] = static_cast<uint8_t>(TIFFGetG(raster[i]));
        out.data()[4 * i + 2] = static_cast<uint8_t>(TIFFGetB(raster[i]));
        out.data()[4 * i + 3] = static_cast<uint8_t>(TIFFGetA(raster[i]));
      }
    }
  }
  if (tif) TIFFClose(tif);
  return out;
}

// An OpenSlide associated image as RGBA, read with the OpenSlide C API (libvips 8.14's
// openslideload crashes on associated images read with random access). Premultiplied ARGB is
// turned back into straight RGBA.
StatusOr<Image> OpenSlideAssociated(const std::string& path, const std::string& name) {
  openslide_t* slide = openslide_open(path.c_str());
  if (!slide) return NotFoundError("OpenSlide cannot open " + path);
  int64_t w = 0, h = 0;
  openslide_get_associated_image_dimensions(slide, name.c_str(), &w, &h);
  std::vector<uint32_t> argb(static_cast<size_t>(std::max<int64_t>(0, w * h)));
  if (w > 0 && h > 0) openslide_read_associated_image(slide, name.c_str(), argb.data());
  const char* err = openslide_get_error(slide);
  std::string error = err ? err : "";
  openslide_close(slide);
  if (!error.empty() || w <= 0 || h <= 0) return InternalError("OpenSlide: " + error);
  Image out(static_cast<int>(w), static_cast<int>(h), 4, PixelType::kU8);
  for (size_t i = 0; i < argb.size(); ++i) {
    const uint32_t p = argb[i];
    const uint32_t a = p >> 24;
    for (int c = 0; c < 3; ++c) {
      const uint32_t v = (p >> (16 - 8 * c)) & 0xFF;
      out.data()[4 * i + c] = static_cast<uint8_t>(a == 0 ? 0 : a == 255 ? v : v * 255 / a);
    }
    out.data()[4 * i + 3] = static_cast<uint8_t>(a);
  }
  return out;
}

// large_image's _calculateWidthHeight for a width limit alone: the height follows the aspect.
int HeightForWidth(int width, int image_w, int image_h) {
  return std::max(1, static_cast<int>(static_cast<int64_t>(image_h) * width / image_w));
}

TEST_F(FramesTest, AperioAssociatedImages) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const auto expected = AperioAssociated(path);
  ASSERT_EQ(expected.size(), 3u);
  const std::string id = Import(path);
  const std::string base = "/api/v1/item/" + id + "/tiles/images";
  EXPECT_EQ(GetJson(base), Json({"label", "macro", "thumbnail"}));
  for (const auto& [name, dir] : expected) {
    Json m = GetJson(base + "/" + name + "/metadata");
    EXPECT_EQ(m, Json({{"sizeX", dir.width}, {"sizeY", dir.height}, {"mode", "RGB"}})) << name;
    // Native size without width / height, JPEG by default.
    HttpResult r = Get(base + "/" + name);
    ASSERT_EQ(r.status, 200) << name << r.body;
    EXPECT_EQ(r.Header("content-type"), "image/jpeg");
    Image img = DecodeBody(r);
    EXPECT_EQ(img.width(), static_cast<int>(dir.width)) << name;
    EXPECT_EQ(img.height(), static_cast<int>(dir.height)) << name;
  }
  // The label (LZW, lossless) as PNG equals libtiff's decode of its directory.
  HttpResult png = Get(base + "/label?encoding=PNG");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(png.Header("content-type"), "image/png");
  Image label = DecodeBody(png);
  Image ref = LibtiffRgba(path, expected.at("label").index);
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(label.bands(), 3);
  Diff d = CompareImages(label, ref, ref.width(), ref.height(), 3);
  EXPECT_EQ(d.max_abs, 0) << "mean " << d.mean_abs;
  // A maximum size keeps the aspect ratio.
  const TiffDir& macro = expected.at("macro");
  Image small = DecodeBody(Get(base + "/macro?width=200"));
  EXPECT_EQ(small.width(), 200);
  EXPECT_EQ(small.height(), HeightForWidth(200, macro.width, macro.height));
  Image boxed = DecodeBody(Get(base + "/label?width=100&height=100&encoding=PNG"));
  EXPECT_EQ(boxed.height(), 100);
  EXPECT_EQ(boxed.width(), static_cast<int>(387 * 100 / 463));
  // Reduced with a proper filter: close to libvips' Lanczos resize of the libtiff decode.
  Image reduced = DecodeBody(Get(base + "/label?width=129&encoding=PNG"));
  auto ref_small = VipsResizeTo(KeepBands(ref, 3), reduced.width(), reduced.height());
  ASSERT_TRUE(ref_small.ok());
  d = CompareImages(reduced, *ref_small, reduced.width(), reduced.height(), 3);
  EXPECT_LT(d.mean_abs, 2.0);
  // Other encodings.
  HttpResult tiff = Get(base + "/thumbnail?encoding=TIFF&width=64");
  EXPECT_EQ(tiff.Header("content-type"), "image/tiff");
  EXPECT_EQ(DecodeBody(tiff).width(), 64);
  EXPECT_EQ(Get(base + "/macro?encoding=WEBP&width=64").Header("content-type"), "image/webp");
}

TEST_F(FramesTest, AssociatedImagesAreCachedWithETagsAndDisposition) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const std::string target = "/api/v1/item/" + id + "/tiles/images/label?width=64";
  HttpResult first = Get(target);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("etag");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(first.Header("cache-control"), "public, max-age=3600");
  // The second request is answered from the tile cache on the HTTP thread.
  const uint64_t deferred = Deferred();
  const uint64_t hits = CacheInfo()["tileCache"]["hits"];
  HttpResult again = Get(target);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Deferred(), deferred);
  EXPECT_GT(CacheInfo()["tileCache"]["hits"].get<uint64_t>(), hits);
  EXPECT_EQ(Get(target, {{"If-None-Match", etag}}).status, 304);
  // Another size or encoding is another entry and another ETag.
  EXPECT_NE(Get(target + "&encoding=PNG").Header("etag"), etag);
  HttpResult att = Get(target + "&contentDisposition=attachment");
  EXPECT_EQ(att.Header("content-disposition"),
            "attachment; filename=\"CMU-1-Small-Region-label.jpg\"; "
            "filename*=UTF-8''CMU-1-Small-Region-label.jpg");
  EXPECT_EQ(Get(target + "&contentDisposition=download").status, 400);
}

TEST_F(FramesTest, NdpiMacroThroughOpenSlide) {
  TS_REQUIRE_TESTDATA(path, "test3-TRITC-2-560.ndpi");
  const std::string id = Import(path);
  const std::string base = "/api/v1/item/" + id + "/tiles/images";
  Json names = GetJson(base);
  ASSERT_TRUE(std::find(names.begin(), names.end(), "macro") != names.end()) << names.dump();
  auto ref = OpenSlideAssociated(path, "macro");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(GetJson(base + "/macro/metadata"),
            Json({{"sizeX", ref->width()}, {"sizeY", ref->height()}, {"mode", "RGBA"}}));
  Image macro = DecodeBody(Get(base + "/macro?encoding=PNG"));
  ASSERT_EQ(macro.width(), ref->width());
  ASSERT_EQ(macro.height(), ref->height());
  Diff d = CompareImages(macro, *ref, ref->width(), ref->height(), 3);
  EXPECT_EQ(d.max_abs, 0);
  Json internal = GetJson("/api/v1/item/" + id + "/tiles/internal_metadata");
  EXPECT_EQ(internal["tilesource"], "openslide");
  ASSERT_TRUE(internal["openslide"].contains("openslide.mpp-x")) << internal.dump();
  const double mpp = std::stod(internal["openslide"]["openslide.mpp-x"].get<std::string>());
  EXPECT_NEAR(mpp, 0.228, 0.005);
  EXPECT_EQ(internal["openslide"]["openslide.vendor"], "hamamatsu");
}

TEST_F(FramesTest, UnknownImagesAndBadParameters) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  const std::string id = Import(path);
  const std::string base = "/api/v1/item/" + id + "/tiles/images";
  EXPECT_EQ(GetJson(base), Json::array());
  HttpResult missing = Get(base + "/label");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("No associated image named 'label'"), std::string::npos);
  EXPECT_EQ(GetJson(base + "/label/metadata"), Json::object());
  HttpResult bad = Get(base + "/label?width=wide");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("width"), std::string::npos);
  EXPECT_EQ(Get(base + "/label?encoding=GIF").status, 400);
  EXPECT_EQ(Get("/api/v1/item/ffffffffffffffffffffffff/tiles/images").status, 404);
  EXPECT_EQ(Get("/api/v1/item/ffffffffffffffffffffffff/tiles/internal_metadata").status, 404);
  EXPECT_EQ(GetJson("/api/v1/system/check")["status"], "ok");
}

TEST_F(FramesTest, InternalMetadataOfAnAperioSlide) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::vector<TiffDir> dirs = ReadDirs(path);
  ASSERT_FALSE(dirs.empty());
  const std::string& desc = dirs[0].description;
  const size_t at = desc.find("|MPP = ");
  ASSERT_NE(at, std::string::npos);
  const std::string mpp = desc.substr(at + 7, desc.find('|', at + 1) - at - 7);
  int tiled = 0;
  for (const TiffDir& d : dirs) tiled += d.tiled ? 1 : 0;
  const std::string id = Import(path);
  Json j = GetJson("/api/v1/item/" + id + "/tiles/internal_metadata");
  EXPECT_EQ(j["tilesource"], "tiff");
  EXPECT_EQ(j["populatedLevels"], tiled);
  EXPECT_EQ(j["aperio"]["MPP"], mpp) << j.dump();
  EXPECT_EQ(j["aperio"]["AppMag"], "20");
  EXPECT_EQ(j["tiff"]["imagedescription"], desc);
  EXPECT_EQ(j["aperio_version"], "Aperio Image Library v11.2.1");
  // The synthetic item reports large_image's test-source keys.
  Json t = GetJson("/api/v1/item/test/tiles/internal_metadata?fractal=true");
  EXPECT_EQ(t["tilesource"], "test");
  EXPECT_EQ(t["fractal"], true);
  EXPECT_EQ(t["monochrome"], false);
}

// The frames of the OME sample, read with libvips: frame i is IFD i (its TiffData elements list
// IFD 0..14 in order). Its frames differ from each other in a few small spots only, so cells are
// compared exactly at full resolution, and with a resampling tolerance at thumbnail size.
class OmeFramesTest : public FramesTest {
 protected:
  void SetUp() override {
    FramesTest::SetUp();
    path_ = TestDataFile("multi-channel-z-series.ome.tif");
    if (!path_.empty()) id_ = Import(path_);
  }
  std::string Target(const std::string& query) {
    return "/api/v1/item/" + id_ + "/tiles/tile_frames?" + query;
  }
  Image Frame(int i) {
    auto full = VipsLoad(path_, i);
    EXPECT_TRUE(full.ok()) << full.status().ToString();
    if (!full.ok()) return Image();
    EXPECT_EQ(full->type(), PixelType::kI8);
    return std::move(*full);
  }
  // Frame `i` resized to w x h (Lanczos); the server's resampling differs by a few levels.
  Image Thumbnail(int i, int w, int h) {
    auto scaled = VipsResizeTo(Frame(i), w, h);
    return scaled.ok() ? std::move(*scaled) : Image();
  }
  std::string path_, id_;
};

TEST_F(OmeFramesTest, GridOfEveryFrame) {
  if (path_.empty()) GTEST_SKIP() << "multi-channel-z-series.ome.tif not in " << TestDataDir();
  // 15 frames: ceil(sqrt(15)) = 4 across, 4 down, each cell a whole 439 x 167 frame.
  HttpResult r = Get(Target("encoding=TIFF"));
  ASSERT_EQ(r.status, 200) << r.body;
  Image sprite = DecodeBody(r);
  ASSERT_EQ(sprite.type(), PixelType::kI8);
  ASSERT_EQ(sprite.width(), 4 * 439);
  ASSERT_EQ(sprite.height(), 4 * 167);
  std::vector<Image> frames;
  for (int i = 0; i < 15; ++i) frames.push_back(Frame(i));
  for (int i = 0; i < 15; ++i) {
    Image cell = sprite.Crop(Rect{(i % 4) * 439, (i / 4) * 167, 439, 167});
    EXPECT_EQ(CompareImages(cell, frames[i], 439, 167, 1).max_abs, 0) << "frame " << i;
    // The frames differ: the comparison tells them apart.
    EXPECT_GT(CompareImages(cell, frames[(i + 1) % 15], 439, 167, 1).max_abs, 0) << i;
  }
  // The sixteenth cell is empty.
  Image last = sprite.Crop(Rect{3 * 439, 3 * 167, 439, 167});
  EXPECT_EQ(CompareImages(last, Image(439, 167, 1, PixelType::kI8), 439, 167, 1).max_abs, 0);

  // Thumbnail-sized cells: 100 x int(167 * 100 / 439).
  const int cw = 100, ch = 167 * 100 / 439;
  Image small = DecodeBody(Get(Target("width=100&encoding=TIFF")));
  ASSERT_EQ(small.width(), 4 * cw);
  ASSERT_EQ(small.height(), 4 * ch);
  for (int i = 0; i < 15; ++i) {
    Image cell = small.Crop(Rect{(i % 4) * cw, (i / 4) * ch, cw, ch});
    Diff d = CompareImages(cell, Thumbnail(i, cw, ch), cw, ch, 1);
    EXPECT_LE(d.max_abs, 12) << "frame " << i;
    EXPECT_LT(d.mean_abs, 1.0) << "frame " << i;
  }
  // PNG (8-bit: int8 + 128) and JPEG decode with the same geometry.
  Image png = DecodeBody(Get(Target("width=100&encoding=PNG")));
  EXPECT_EQ(png.width(), 4 * cw);
  EXPECT_EQ(png.type(), PixelType::kU8);
  Image jpeg = DecodeBody(Get(Target("width=100")));
  EXPECT_EQ(jpeg.height(), 4 * ch);
}

TEST_F(OmeFramesTest, FrameListAcrossRegionAndFill) {
  if (path_.empty()) GTEST_SKIP() << "multi-channel-z-series.ome.tif not in " << TestDataDir();
  // Three frames of a region, framesAcross capped at their number.
  const Rect region{100, 20, 300, 140};
  Image three = DecodeBody(
      Get(Target("left=100&top=20&regionWidth=300&regionHeight=140&encoding=TIFF&frameList=0,7,14"
                 "&framesAcross=5")));
  ASSERT_EQ(three.width(), 3 * 300);
  ASSERT_EQ(three.height(), 140);
  const int frames[] = {0, 7, 14};
  for (int k = 0; k < 3; ++k) {
    Image ref = Frame(frames[k]).Crop(region);
    EXPECT_EQ(CompareImages(three.Crop(Rect{k * 300, 0, 300, 140}), ref, 300, 140, 1).max_abs, 0)
        << "frame " << frames[k];
  }
  // framesAcross=1: a column.
  Image column =
      DecodeBody(Get(Target("right=50&bottom=40&encoding=TIFF&frameList=3,4&framesAcross=1")));
  EXPECT_EQ(column.width(), 50);
  EXPECT_EQ(column.height(), 80);
  EXPECT_EQ(
      CompareImages(column.Crop(Rect{0, 40, 50, 40}), Frame(4).Crop(Rect{0, 0, 50, 40}), 50, 40, 1)
          .max_abs,
      0);
  // Bracketed lists; frames outside the image are dropped; one frame is a plain region.
  Image one = DecodeBody(Get(Target("width=100&encoding=TIFF&frameList=%5B99,7,-1%5D")));
  EXPECT_EQ(one.width(), 100);
  EXPECT_EQ(one.height(), 167 * 100 / 439);
  // Nothing left: every frame.
  EXPECT_EQ(DecodeBody(Get(Target("width=100&encoding=TIFF&frameList=40"))).width(), 400);
  // A fill letterboxes each frame to the full cell (corner: at its top-left).
  Image filled =
      DecodeBody(Get(Target("width=120&height=120&fill=corner:black&encoding=TIFF&frameList=1,2")));
  ASSERT_EQ(filled.width(), 240);
  ASSERT_EQ(filled.height(), 120);
  const int fh = 167 * 120 / 439;
  Diff d = CompareImages(filled.Crop(Rect{120, 0, 120, fh}), Thumbnail(2, 120, fh), 120, fh, 1);
  EXPECT_LE(d.max_abs, 12);
  EXPECT_LT(d.mean_abs, 1.0);
  EXPECT_EQ(filled.row_as<int8_t>(fh + 10)[130], 0);
}

TEST_F(OmeFramesTest, CachingETagsBudgetAndErrors) {
  if (path_.empty()) GTEST_SKIP() << "multi-channel-z-series.ome.tif not in " << TestDataDir();
  const std::string target = Target("width=64&frameList=0,1,2,3");
  HttpResult first = Get(target);
  ASSERT_EQ(first.status, 200);
  const uint64_t deferred = Deferred();
  HttpResult again = Get(target);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Deferred(), deferred);  // answered from the tile cache on the HTTP thread
  EXPECT_EQ(Get(target, {{"If-None-Match", first.Header("etag")}}).status, 304);
  EXPECT_EQ(Get(target + "&contentDisposition=inline")
                .Header("content-disposition")
                .rfind("inline; filename=\"multi-channel-z-series.ome-tileframes.jpg\"", 0),
            0u);
  // 16 cells of 8192 x 8192 are far beyond the output budget.
  HttpResult big = Get(Target("width=8192&height=8192&fill=black"));
  EXPECT_EQ(big.status, 400);
  EXPECT_NE(big.body.find("too large"), std::string::npos) << big.body;
  EXPECT_EQ(Get(Target("frameList=1,x")).status, 400);
  EXPECT_EQ(Get(Target("framesAcross=-2")).status, 400);
  EXPECT_EQ(Get(Target("encoding=pickle")).status, 400);
  EXPECT_EQ(Get("/api/v1/item/ffffffffffffffffffffffff/tiles/tile_frames").status, 404);
  EXPECT_EQ(Get(target).status, 200);
}

TEST_F(OmeFramesTest, QuadInfoAndItsSprites) {
  if (path_.empty()) GTEST_SKIP() << "multi-channel-z-series.ome.tif not in " << TestDataDir();
  const std::string base = "/api/v1/item/" + id_ + "/tiles/tile_frames/quad_info";
  Json q = GetJson(base);
  for (const char* key :
       {"metadata", "options", "src", "quads", "quadsToIdx", "frames", "framesToIdx", "minLevel"}) {
    EXPECT_TRUE(q.contains(key)) << key;
  }
  EXPECT_EQ(q["metadata"]["sizeX"], 439);
  EXPECT_EQ(q["options"]["maxTextureSize"], 8192);
  ASSERT_EQ(q["src"].size(), 1u);
  EXPECT_EQ(q["quads"].size(), 15u);
  EXPECT_EQ(q["frames"].size(), 15u);
  const Json& src = q["src"][0];
  EXPECT_FALSE(src.contains("frameList"));  // every frame
  // Request the sprite exactly as a client does: the src entry as the query.
  std::string query;
  for (auto it = src.begin(); it != src.end(); ++it) {
    std::string v = it->is_string() ? it->get<std::string>() : it->dump();
    query += (query.empty() ? "" : "&") + it.key() + "=" + v;
  }
  const int across = src["framesAcross"], w = src["width"], h = src["height"];
  Image sprite = DecodeBody(Get(Target(query)));
  EXPECT_EQ(sprite.width(), across * w);
  EXPECT_EQ(sprite.height(), (15 + across - 1) / across * h);
  // The quads' crops lie inside it (y measured from the bottom).
  for (const Json& quad : q["quads"]) {
    EXPECT_LE(quad["crop"]["right"].get<int>(), sprite.width());
    EXPECT_LE(quad["crop"]["bottom"].get<int>(), sprite.height());
  }
  Json report = GetJson(base + "?cache=report");
  EXPECT_EQ(report["cached"], Json({true}));
  Json other =
      GetJson(base + "?cache=report&format=encoding%3DPNG&maxTextures=4&maxTextureSize=512");
  EXPECT_EQ(other["options"]["format"], Json({{"encoding", "PNG"}}));
  EXPECT_EQ(other["cached"].size(), other["src"].size());
  EXPECT_EQ(other["cached"][0], false);
  Json axis = GetJson(base + "?frameBase=c&frameStride=c");
  EXPECT_EQ(axis["src"].size(), 3u);
  EXPECT_EQ(axis["src"][1]["frameList"], Json({1, 4, 7, 10, 13}));
  HttpResult bad = Get(base + "?maxTextureSize=huge");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("maxTextureSize"), std::string::npos);
  EXPECT_EQ(Get(base + "?frameStride=0").status, 400);
  EXPECT_EQ(Get(base + "?cache=always").status, 400);
  EXPECT_EQ(Get(base + "?alignment=16&maxTextureSize=8").status, 400);
}

TEST_F(FramesTest, CacheClearEmptiesBothCaches) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const std::string tile = "/api/v1/item/" + id + "/tiles/zxy/3/1/1?encoding=PNG";
  HttpResult before_tile = Get(tile);
  ASSERT_EQ(before_tile.status, 200);
  ASSERT_EQ(Get("/api/v1/item/" + id + "/tiles/images/label").status, 200);
  Json info = CacheInfo();
  ASSERT_GT(info["tileCache"]["items"].get<int>(), 0);
  ASSERT_GT(info["tilesource"]["used"].get<int>(), 0);
  const uint64_t opens = info["tilesource"]["opens"];

  // Clearing is for admins (Girder's rule).
  EXPECT_EQ(Put("/api/v1/large_image/cache/clear").status, 401);
  HttpResult r = Call("PUT", "/api/v1/large_image/cache/clear", AdminToken());
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_TRUE(std::regex_match(j["cacheCleared"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00)")))
      << j["cacheCleared"];
  EXPECT_GT(j["before"]["tileCache"]["items"].get<int>(), 0);
  EXPECT_EQ(j["after"]["tileCache"]["items"], 0);
  EXPECT_EQ(j["after"]["tileCache"]["used"], 0);
  EXPECT_EQ(j["after"]["tilesource"]["used"], 0);
  EXPECT_EQ(j["after"].size(), info.size());
  info = CacheInfo();
  EXPECT_EQ(info["tileCache"]["items"], 0);
  EXPECT_EQ(info["tilesource"]["used"], 0);
  // Served again: the source is opened anew and the tile is the same.
  HttpResult after_tile = Get(tile);
  ASSERT_EQ(after_tile.status, 200);
  EXPECT_EQ(after_tile.body, before_tile.body);
  EXPECT_EQ(CacheInfo()["tilesource"]["opens"].get<uint64_t>(), opens + 1);
  EXPECT_EQ(Get("/api/v1/large_image/cache/clear").status, 405);
}

TEST_F(FramesTest, SourcesAndSettings) {
  Json s = GetJson("/api/v1/large_image/sources");
  for (const char* name : {"tiff", "openslide", "vips", "test"}) {
    ASSERT_TRUE(s.contains(name)) << s.dump();
    EXPECT_TRUE(s[name]["extensions"].contains("default")) << name;
    EXPECT_TRUE(s[name]["mimeTypes"].contains("default")) << name;
    EXPECT_TRUE(s[name]["version"].is_string()) << name;
  }
  EXPECT_EQ(s["tiff"]["extensions"]["svs"], 1);
  EXPECT_EQ(s["openslide"]["extensions"]["ndpi"], 1);
  EXPECT_LT(s["tiff"]["extensions"]["svs"], s["openslide"]["extensions"]["svs"]);
  EXPECT_EQ(s["vips"]["mimeTypes"]["image/png"], 1);
  Json settings = GetJson("/api/v1/large_image/settings");
  EXPECT_EQ(settings["large_image.icc_correction"], true);
  EXPECT_EQ(settings["large_image.max_small_image_size"], 16384);
  EXPECT_EQ(settings["large_image.auto_set"], true);
}

}  // namespace
}  // namespace tessera
