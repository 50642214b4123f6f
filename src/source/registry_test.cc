#include "source/registry.h"

#include <gtest/gtest.h>

#include "io/fake_file_system.h"

namespace tessera {
namespace {

class FixedSource final : public TileSource {
 public:
  std::string_view format_name() const override { return "fixed"; }
  const SourceMetadata& metadata() const override { return meta_; }
  bool HasLevel(int, int) const override { return true; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override {
    return Image(256, 256, 3, PixelType::kU8);
  }

 private:
  SourceMetadata meta_;
};

FormatEntry Entry(std::string name, std::string magic, int score, bool opens) {
  FormatEntry e;
  e.name = name;
  e.probe = [magic, score](const std::string&, std::string_view header) {
    return header.substr(0, magic.size()) == magic ? score : 0;
  };
  e.open = [opens, name](const std::string& path,
                         const OpenOptions&) -> StatusOr<std::unique_ptr<TileSource>> {
    if (!opens) return DataLossError(name + " found junk in " + path);
    return std::unique_ptr<TileSource>(new FixedSource());
  };
  return e;
}

TEST(FormatRegistryTest, BestScoreFirstAndReasonsAggregated) {
  FakeFileSystem fs;
  fs.SetFile("/img", "MAGIC....");
  OpenOptions opt;
  opt.fs = &fs;
  FormatRegistry r;
  r.Register(Entry("low", "MAG", 1, true));
  r.Register(Entry("high", "MAGIC", 5, false));
  auto probe = r.Probe("/img", opt);
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*probe, (std::vector<std::string>{"high", "low"}));
  auto src = r.Open("/img", opt);
  ASSERT_TRUE(src.ok()) << src.status().ToString();  // high fails, low opens

  FormatRegistry only_bad;
  only_bad.Register(Entry("high", "MAGIC", 5, false));
  auto bad = only_bad.Open("/img", opt);
  EXPECT_EQ(bad.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bad.status().message().find("/img"), std::string::npos);
  EXPECT_NE(bad.status().message().find("high found junk"), std::string::npos);

  EXPECT_EQ(r.Open("/missing", opt).status().code(), StatusCode::kNotFound);
  fs.SetFile("/other", "zzz");
  EXPECT_EQ(r.Open("/other", opt).status().code(), StatusCode::kUnsupported);
}

TEST(LevelCountTest, MatchesLargeImage) {
  EXPECT_EQ(LevelCount(1024, 1024, 512, 512), 2);  // cogeo.tif
  EXPECT_EQ(LevelCount(2220, 2967, 240, 240), 5);  // CMU-1-Small-Region.svs
  EXPECT_EQ(LevelCount(16, 16, 64, 64), 1);        // small.svs
  EXPECT_EQ(LevelCount(58368, 12288, 256, 256), 9);
  EXPECT_EQ(LevelCount(256, 256, 256, 256), 1);
  EXPECT_EQ(LevelCount(257, 10, 256, 256), 2);
}

}  // namespace
}  // namespace tessera
