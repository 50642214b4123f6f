#include "tiles/derived_source.h"

#include <gtest/gtest.h>

#include <memory>

namespace tessera {
namespace {

// A source whose frame 1 has an ICC profile.
class ProfiledSource final : public TileSource {
 public:
  std::string_view format_name() const override { return "profiled"; }
  const SourceMetadata& metadata() const override { return meta_; }
  bool HasLevel(int, int) const override { return true; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override { return Image(); }
  std::optional<Bytes> IccProfile(int frame) const override {
    if (frame != 1) return std::nullopt;
    return ToBytes("profile of frame 1");
  }

 private:
  SourceMetadata meta_;
};

TEST(DerivedSourceTest, ForwardsTheIccProfile) {
  DerivedSource derived(std::make_shared<ProfiledSource>(), Style{}, EncodeOptions{});
  EXPECT_FALSE(derived.IccProfile(0).has_value());
  ASSERT_TRUE(derived.IccProfile(1).has_value());
  EXPECT_EQ(AsStringView(*derived.IccProfile(1)), "profile of frame 1");
}

}  // namespace
}  // namespace tessera
