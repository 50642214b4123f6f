#include "tiles/metadata_json.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(MetadataJsonTest, SingleFrameShape) {
  SourceMetadata m;
  m.size_x = 2220;
  m.size_y = 2967;
  m.tile_width = m.tile_height = 240;
  m.levels = 5;
  m.magnification = 20;
  m.mm_x = m.mm_y = 0.000499;
  auto j = MetadataToJson(m);
  EXPECT_EQ(j.dump(), R"({"levels":5,"sizeX":2220,"sizeY":2967,"tileWidth":240,"tileHeight":240,)"
                      R"("magnification":20.0,"mm_x":0.000499,"mm_y":0.000499,"dtype":"uint8",)"
                      R"("bandCount":3})");
  m.mm_x.reset();
  EXPECT_TRUE(MetadataToJson(m)["mm_x"].is_null());
}

TEST(MetadataJsonTest, FramesLikeLargeImage) {
  SourceMetadata m;
  m.frame_count = 6;
  // 3 channels x 2 Z, channel fastest.
  for (int z = 0; z < 2; ++z)
    for (int c = 0; c < 3; ++c) m.frames.push_back(FrameInfo{{{"IndexC", c}, {"IndexZ", z}}});
  m.channels = {"DAPI", "GFP", "RFP"};
  auto j = MetadataToJson(m);
  ASSERT_EQ(j["frames"].size(), 6u);
  EXPECT_EQ(j["frames"][4]["Frame"], 4);
  EXPECT_EQ(j["frames"][4]["Index"], 1);  // frames differing only by channel share an Index
  EXPECT_EQ(j["frames"][4]["Channel"], "GFP");
  EXPECT_EQ(j["IndexRange"]["IndexC"], 3);
  EXPECT_EQ(j["IndexRange"]["IndexZ"], 2);
  EXPECT_EQ(j["IndexStride"]["IndexC"], 1);
  EXPECT_EQ(j["IndexStride"]["IndexZ"], 3);
  EXPECT_EQ(j["channelmap"]["RFP"], 2);
}

}  // namespace
}  // namespace tessera
