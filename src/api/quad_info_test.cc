// The expected values come from large_image's own getTileFramesQuadInfo and
// _computeFramesPerTexture (large_image 1.35.2, large_image/tilesource/utilities.py) run on the
// same inputs with Python 3, and one case worked through by hand.
#include "api/quad_info.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

// 15 frames of 439 x 167 (3 channels x 5 z, like the OME sample).
Json OmeLike() {
  Json m;
  m["sizeX"] = 439;
  m["sizeY"] = 167;
  m["tileWidth"] = 256;
  m["tileHeight"] = 256;
  m["levels"] = 2;
  m["frames"] = Json::array();
  for (int i = 0; i < 15; ++i) {
    m["frames"].push_back({{"Frame", i}, {"Index", i}, {"IndexC", i / 5}, {"IndexZ", i % 5}});
  }
  m["IndexRange"] = {{"IndexC", 3}, {"IndexZ", 5}};
  return m;
}

// 100 frames of 10000 x 5000.
Json Stack100() {
  Json m;
  m["sizeX"] = 10000;
  m["sizeY"] = 5000;
  m["tileWidth"] = 1024;
  m["tileHeight"] = 1024;
  m["frames"] = Json::array();
  for (int i = 0; i < 100; ++i) m["frames"].push_back({{"Frame", i}});
  m["IndexRange"] = {{"IndexT", 100}};
  return m;
}

// The result without its "metadata" member, compared as JSON values (key order aside).
void ExpectQuadInfo(const Json& metadata, const QuadInfoOptions& options, const char* expected) {
  auto r = TileFramesQuadInfo(metadata, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["metadata"], metadata);
  Json got = *r;
  got.erase("metadata");
  EXPECT_EQ(nlohmann::json::parse(got.dump()), nlohmann::json::parse(expected)) << got.dump();
}

TEST(ComputeFramesPerTexture, MatchesLargeImage) {
  TextureOptions o;
  // By hand: f = 1; at 8192 the frame is 8192 -> clipped to ceil(1000/16)*16 = 1008, and the
  // texture halves (8192 -> 4096 -> 2048 -> 1024) while one frame still fits in half of it.
  EXPECT_EQ(*ComputeFramesPerTexture(o, 1, 1000, 1000), (FramesPerTexture{1008, 1008, 1, 1, 1}));
  EXPECT_EQ(*ComputeFramesPerTexture(o, 15, 439, 167), (FramesPerTexture{448, 176, 4, 16, 1}));
  o.max_texture_size = 1024;
  EXPECT_EQ(*ComputeFramesPerTexture(o, 15, 439, 167), (FramesPerTexture{336, 128, 3, 15, 1}));
  o.max_texture_size = 4096;
  o.max_textures = 8;
  EXPECT_EQ(*ComputeFramesPerTexture(o, 100, 10000, 5000), (FramesPerTexture{1344, 672, 3, 18, 6}));
  o.frame_group = 7;
  EXPECT_EQ(*ComputeFramesPerTexture(o, 100, 10000, 5000), (FramesPerTexture{1344, 672, 3, 14, 8}));
  TextureOptions small;
  small.max_frame_size = 100;
  small.alignment = 8;
  EXPECT_EQ(*ComputeFramesPerTexture(small, 30, 512, 256), (FramesPerTexture{96, 48, 5, 30, 1}));
  TextureOptions capped;
  capped.max_textures = 4;
  capped.max_texture_size = 2048;
  capped.max_total_texture_pixels = 2048 * 2048 * 3;
  EXPECT_EQ(*ComputeFramesPerTexture(capped, 1000, 256, 256),
            (FramesPerTexture{96, 96, 21, 441, 3}));
}

TEST(ComputeFramesPerTexture, RefusesWhatPythonWouldDivideByZeroOn) {
  TextureOptions o;
  o.max_texture_size = 8;  // smaller than the 16-pixel alignment
  EXPECT_EQ(ComputeFramesPerTexture(o, 4, 100, 100).status().code(), StatusCode::kInvalidArgument);
  o = TextureOptions();
  o.max_frame_size = 10;  // rounds down to 0 at alignment 16
  EXPECT_FALSE(ComputeFramesPerTexture(o, 4, 100, 100).ok());
  o = TextureOptions();
  o.max_total_texture_pixels = 0;
  EXPECT_FALSE(ComputeFramesPerTexture(o, 4, 100, 100).ok());
  o = TextureOptions();
  o.max_texture_size = kMaxTextureSize + 1;
  EXPECT_FALSE(ComputeFramesPerTexture(o, 4, 100, 100).ok());
  EXPECT_FALSE(ComputeFramesPerTexture(TextureOptions(), 0, 100, 100).ok());
}

TEST(TileFramesQuadInfo, DefaultsOnAFifteenFrameImage) {
  auto r = TileFramesQuadInfo(OmeLike(), QuadInfoOptions());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& j = *r;
  EXPECT_EQ(j["options"].dump(),
            R"({"format":{"encoding":"JPEG","jpegQuality":85,"jpegSubsampling":1},"query":{},)"
            R"("frameBase":0,"frameStride":1,"frameGroup":1,"frameGroupFactor":4,)"
            R"("frameGroupStride":1,"maxTextureSize":8192,"maxTextures":1,)"
            R"("maxTotalTexturePixels":1073741824,"alignment":16,"maxFrameSize":null})");
  // Every frame is in the one texture: no frameList.
  EXPECT_EQ(j["src"].dump(),
            R"([{"framesAcross":4,"width":448,"height":176,"fill":"corner:black","exact":false,)"
            R"("encoding":"JPEG","jpegQuality":85,"jpegSubsampling":1}])");
  ASSERT_EQ(j["quads"].size(), 15u);
  EXPECT_EQ(j["quads"][0].dump(),
            R"({"ul":{"x":0,"y":0,"z":-1},"lr":{"x":439,"y":-167,"z":-1},)"
            R"("crop":{"x":439,"y":167,"left":0,"top":534,"right":448,"bottom":704}})");
  EXPECT_EQ(j["quads"][5]["crop"].dump(),
            R"({"x":439,"y":167,"left":448,"top":358,"right":896,"bottom":528})");
  EXPECT_EQ(j["quads"][14]["crop"].dump(),
            R"({"x":439,"y":167,"left":896,"top":6,"right":1344,"bottom":176})");
  EXPECT_EQ(j["quadsToIdx"], Json(std::vector<int>(15, 0)));
  EXPECT_EQ(j["frames"].size(), 15u);
  EXPECT_EQ(j["framesToIdx"]["14"], 14);
  EXPECT_EQ(j["minLevel"], 0);
}

TEST(TileFramesQuadInfo, AxisStrideAndGroup) {
  QuadInfoOptions o;
  o.max_textures = 4;
  o.max_texture_size = 512;
  o.frame_stride = "c";
  o.frame_group = "z";
  o.frame_group_stride = "auto";
  ExpectQuadInfo(OmeLike(), o, R"({
    "options": {"format": {"encoding": "JPEG", "jpegQuality": 85, "jpegSubsampling": 1},
      "query": {}, "frameBase": 0, "frameStride": 3, "frameGroup": 5, "frameGroupFactor": 4,
      "frameGroupStride": 1, "maxTextureSize": 512, "maxTextures": 4,
      "maxTotalTexturePixels": 1073741824, "alignment": 16, "maxFrameSize": null},
    "src": [{"framesAcross": 2, "width": 256, "height": 112, "fill": "corner:black",
      "exact": false, "frameList": [0, 3, 6, 9, 12], "encoding": "JPEG", "jpegQuality": 85,
      "jpegSubsampling": 1}],
    "quads": [
      {"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 439, "y": -167, "z": -1},
       "crop": {"x": 439, "y": 167, "left": 0, "top": 239, "right": 256, "bottom": 336}},
      {"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 439, "y": -167, "z": -1},
       "crop": {"x": 439, "y": 167, "left": 256, "top": 239, "right": 512, "bottom": 336}},
      {"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 439, "y": -167, "z": -1},
       "crop": {"x": 439, "y": 167, "left": 0, "top": 127, "right": 256, "bottom": 224}},
      {"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 439, "y": -167, "z": -1},
       "crop": {"x": 439, "y": 167, "left": 256, "top": 127, "right": 512, "bottom": 224}},
      {"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 439, "y": -167, "z": -1},
       "crop": {"x": 439, "y": 167, "left": 0, "top": 15, "right": 256, "bottom": 112}}],
    "quadsToIdx": [0, 0, 0, 0, 0],
    "frames": [0, 3, 6, 9, 12],
    "framesToIdx": {"0": 0, "3": 1, "6": 2, "9": 3, "12": 4},
    "minLevel": -1})");
}

TEST(TileFramesQuadInfo, FrameBaseAxisListsTheSrcOfEveryValue) {
  QuadInfoOptions o;
  o.frame_base = "c";
  o.frame_stride = "c";
  o.max_texture_size = 1024;
  ExpectQuadInfo(OmeLike(), o, R"({
    "options": {"format": {"encoding": "JPEG", "jpegQuality": 85, "jpegSubsampling": 1},
      "query": {}, "frameBase": 2, "frameStride": 3, "frameGroup": 1, "frameGroupFactor": 4,
      "frameGroupStride": 1, "maxTextureSize": 1024, "maxTextures": 1,
      "maxTotalTexturePixels": 1073741824, "alignment": 16, "maxFrameSize": null},
    "src": [
      {"framesAcross": 2, "width": 448, "height": 176, "fill": "corner:black", "exact": false,
       "frameList": [0, 3, 6, 9, 12], "encoding": "JPEG", "jpegQuality": 85,
       "jpegSubsampling": 1},
      {"framesAcross": 2, "width": 448, "height": 176, "fill": "corner:black", "exact": false,
       "frameList": [1, 4, 7, 10, 13], "encoding": "JPEG", "jpegQuality": 85,
       "jpegSubsampling": 1},
      {"framesAcross": 2, "width": 448, "height": 176, "fill": "corner:black", "exact": false,
       "frameList": [2, 5, 8, 11, 14], "encoding": "JPEG", "jpegQuality": 85,
       "jpegSubsampling": 1}]})");
}

TEST(TileFramesQuadInfo, SingleFrameImageWithFormatAndQuery) {
  Json m = {{"sizeX", 1000}, {"sizeY", 800}, {"tileWidth", 256}, {"tileHeight", 256}};
  QuadInfoOptions o;
  o.format = {{"encoding", "PNG"}};
  o.query = {{"style", "{}"}};
  ExpectQuadInfo(m, o, R"({
    "options": {"format": {"encoding": "PNG"}, "query": {"style": "{}"}, "frameBase": 0,
      "frameStride": 1, "frameGroup": 1, "frameGroupFactor": 4, "frameGroupStride": 1,
      "maxTextureSize": 8192, "maxTextures": 1, "maxTotalTexturePixels": 1073741824,
      "alignment": 16, "maxFrameSize": null},
    "src": [{"framesAcross": 1, "width": 640, "height": 512, "fill": "corner:black",
      "exact": false, "frameList": [0], "encoding": "PNG", "style": "{}"}],
    "quads": [{"ul": {"x": 0, "y": 0, "z": -1}, "lr": {"x": 1000, "y": -800, "z": -1},
      "crop": {"x": 1000, "y": 800, "left": 0, "top": 0, "right": 640, "bottom": 512}}],
    "quadsToIdx": [0], "frames": [0], "framesToIdx": {"0": 0}, "minLevel": 1})");
}

TEST(TileFramesQuadInfo, StrideBaseAlignmentAndMaxFrameSize) {
  QuadInfoOptions o;
  o.frame_stride = "2";
  o.frame_base = "1";
  o.alignment = 8;
  o.max_frame_size = 64;
  auto r = TileFramesQuadInfo(OmeLike(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["src"][0]["frameList"].dump(), "[1,3,5,7,9,11,13]");
  EXPECT_EQ((*r)["src"][0]["framesAcross"], 2);
  EXPECT_EQ((*r)["src"][0]["width"], 64);
  EXPECT_EQ((*r)["src"][0]["height"], 32);
  EXPECT_EQ((*r)["quads"][6]["crop"].dump(),
            R"({"x":439,"y":167,"left":0,"top":8,"right":64,"bottom":32})");
  EXPECT_EQ((*r)["framesToIdx"]["13"], 6);
  EXPECT_EQ((*r)["minLevel"], -3);
}

TEST(TileFramesQuadInfo, SeveralTexturesWithFrameGroups) {
  QuadInfoOptions o;
  o.max_textures = 8;
  o.max_texture_size = 4096;
  o.frame_group = "7";
  o.frame_group_stride = "auto";
  auto r = TileFramesQuadInfo(Stack100(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& j = *r;
  EXPECT_EQ(j["options"]["frameGroupStride"], 7);
  ASSERT_EQ(j["src"].size(), 8u);
  EXPECT_EQ(j["src"][0]["frameList"].dump(), "[0,7,14,21,28,35,42,49,56,63,70,77,84,91]");
  EXPECT_EQ(j["src"][1]["frameList"].dump(), "[98,1,8,15,22,29,36,43,50,57,64,71,78,85]");
  EXPECT_EQ(j["src"][7]["frameList"].dump(), "[90,97]");
  EXPECT_EQ(j["src"][3]["width"], 1344);
  EXPECT_EQ(j["src"][3]["height"], 672);
  EXPECT_EQ(j["src"][3]["framesAcross"], 3);
  ASSERT_EQ(j["quads"].size(), 100u);
  EXPECT_EQ(j["quads"][15]["crop"].dump(),
            R"({"x":10000,"y":5000,"left":1344,"top":2688,"right":2688,"bottom":3360})");
  EXPECT_EQ(j["quads"][99]["crop"].dump(),
            R"({"x":10000,"y":5000,"left":1344,"top":0,"right":2688,"bottom":672})");
  EXPECT_EQ(j["quadsToIdx"][13], 0);
  EXPECT_EQ(j["quadsToIdx"][14], 1);
  EXPECT_EQ(j["minLevel"], 0);

  o = QuadInfoOptions();
  o.max_textures = 8;
  o.max_texture_size = 4096;
  r = TileFramesQuadInfo(Stack100(), o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)["src"].size(), 6u);
  EXPECT_EQ((*r)["src"][5]["frameList"].dump(), "[90,91,92,93,94,95,96,97,98,99]");
  EXPECT_EQ((*r)["quads"][17]["crop"].dump(),
            R"({"x":10000,"y":5000,"left":2688,"top":0,"right":4032,"bottom":672})");
  EXPECT_EQ((*r)["quadsToIdx"][17], 0);
  EXPECT_EQ((*r)["quadsToIdx"][18], 1);
}

TEST(TileFramesQuadInfo, ErrorsInsteadOfPythonExceptions) {
  QuadInfoOptions o;
  o.frame_stride = "0";
  EXPECT_EQ(TileFramesQuadInfo(OmeLike(), o).status().code(), StatusCode::kInvalidArgument);
  o = QuadInfoOptions();
  o.frame_group_stride = "often";
  EXPECT_FALSE(TileFramesQuadInfo(OmeLike(), o).ok());
  o = QuadInfoOptions();
  o.frame_base = "20";
  auto r = TileFramesQuadInfo(OmeLike(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("selects no frames"), std::string::npos);
  o = QuadInfoOptions();
  o.frame_stride = "99999999999999999999";
  EXPECT_FALSE(TileFramesQuadInfo(OmeLike(), o).ok());
  // An axis the image does not have counts 1, like large_image.
  o = QuadInfoOptions();
  o.frame_stride = "t";
  r = TileFramesQuadInfo(OmeLike(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["options"]["frameStride"], 1);
}

TEST(ParseQueryString, LikePythonParseQsl) {
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ParseQueryString("encoding=JPEG&jpegQuality=85&jpegSubsampling=1"),
            (P{{"encoding", "JPEG"}, {"jpegQuality", "85"}, {"jpegSubsampling", "1"}}));
  EXPECT_EQ(ParseQueryString("style=%7B%22a%22%3A+1%7D&&empty=&bare&=v"),
            (P{{"style", "{\"a\": 1}"}, {"", "v"}}));
  EXPECT_EQ(ParseQueryString(""), P{});
}

}  // namespace
}  // namespace tessera
