// Fuzz target: the parameters of large_image's region-like endpoints (api/region_params.h:
// left/top/right/bottom, regionWidth/Height, units, width/height, magnification, mm_x/mm_y,
// exact, resample, fill) and the plan they make against an image (tiles/region.h PlanRegion).
//
// Input: 8 bytes of image geometry (width and height up to 2^24, tile size, whether the image
// knows its magnification and pixel size), then a query string.
// Invariants: parser errors are 400s; a plan's bounds lie inside the image, its level is a
// level of the image, and a non-empty plan has a positive output size and a rectangle inside
// its level.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/quad_info.h"
#include "api/region_params.h"
#include "fuzz/fuzz_check.h"
#include "tiles/region.h"

namespace tessera {
namespace {

// An image that is only metadata: PlanRegion reads nothing else.
class GeometrySource final : public TileSource {
 public:
  explicit GeometrySource(SourceMetadata m) : m_(std::move(m)) {}
  std::string_view format_name() const override { return "fuzz"; }
  const SourceMetadata& metadata() const override { return m_; }
  bool HasLevel(int, int) const override { return false; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override {
    return UnsupportedError("geometry only");
  }

 private:
  SourceMetadata m_;
};

void Expect400(const Status& s) { FUZZ_CHECK(s.ok() || s.code() == StatusCode::kInvalidArgument); }

}  // namespace
}  // namespace tessera

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  if (size < 8) return 0;
  SourceMetadata m;
  m.size_x = 1 + ((data[0] | data[1] << 8 | data[2] << 16) & 0xFFFFFF);
  m.size_y = 1 + ((data[3] | data[4] << 8 | data[5] << 16) & 0xFFFFFF);
  m.tile_width = m.tile_height = 64 << (data[6] & 3);
  m.levels = LevelCount(m.size_x, m.size_y, m.tile_width, m.tile_height);
  if (data[7] & 1) m.magnification = 1 + (data[7] >> 2);
  if (data[7] & 2) m.mm_x = m.mm_y = 0.00025 * (1 + (data[7] >> 4));
  const GeometrySource source(m);

  ApiRequest r;
  r.query = ParseQueryString(std::string_view(reinterpret_cast<const char*>(data) + 8, size - 8));
  Expect400(ResampleParam(r).status());
  Expect400(FillParam(r).status());
  auto spec = RegionParams(r);
  Expect400(spec.status());
  if (!spec.ok()) return 0;
  (void)RegionSpecKey(*spec);
  auto plan = PlanRegion(source, *spec);
  Expect400(plan.status());
  if (!plan.ok()) return 0;
  const Rect& b = plan->base;
  FUZZ_CHECK(b.x >= 0 && b.y >= 0 && b.width >= 0 && b.height >= 0);
  FUZZ_CHECK(b.x + b.width <= m.size_x && b.y + b.height <= m.size_y);
  if (plan->empty) return 0;
  FUZZ_CHECK(plan->level >= 0 && plan->level < m.levels);
  FUZZ_CHECK(plan->out_width > 0 && plan->out_height > 0);
  const LevelSize level = source.GetLevelSize(plan->level);
  const Rect& rect = plan->rect;
  FUZZ_CHECK(rect.x >= 0 && rect.y >= 0 && rect.width > 0 && rect.height > 0);
  FUZZ_CHECK(rect.x + rect.width <= level.width && rect.y + rect.height <= level.height);
  return 0;
}
