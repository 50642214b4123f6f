// Fuzz target: IIIF Image API 3.0 requests (api/iiif_params.h): the four path segments parsed,
// resolved against an image and the server's limits, written in canonical form, and matched to
// a pyramid tile.
//
// Input: 8 bytes of image geometry (width and height up to 2^24, tile size, limits), then
// "{region}/{size}/{rotation}/{quality}.{format}".
// Invariants: every error is a 400; a resolved region is non-empty and inside the image; a
// resolved size is positive and within the limits; the canonical path parses and resolves to
// the same region and size; a matched pyramid tile is a tile of the pyramid.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/iiif_params.h"
#include "core/strings.h"
#include "fuzz/fuzz_check.h"

namespace tessera {
namespace {

void Expect400(const Status& s) { FUZZ_CHECK(s.ok() || s.code() == StatusCode::kInvalidArgument); }

struct Resolved {
  Rect region;
  IiifOutputSize out;
};

// Parses and resolves the four segments of `path`; nullopt when any step fails.
std::optional<Resolved> Resolve(std::string_view path, int64_t width, int64_t height,
                                const IiifLimits& limits, IiifImageRequest* request) {
  std::vector<std::string_view> parts = Split(path, '/');
  if (parts.size() != 4) return std::nullopt;
  auto req = ParseIiifImageRequest(parts[0], parts[1], parts[2], parts[3]);
  Expect400(req.status());
  if (!req.ok()) return std::nullopt;
  (void)req->Key();
  auto region = ResolveIiifRegion(req->region, width, height);
  Expect400(region.status());
  if (!region.ok()) return std::nullopt;
  FUZZ_CHECK(region->x >= 0 && region->y >= 0 && region->width > 0 && region->height > 0);
  FUZZ_CHECK(region->x + region->width <= width && region->y + region->height <= height);
  auto out = ResolveIiifSize(req->size, region->width, region->height, limits);
  Expect400(out.status());
  if (!out.ok()) return std::nullopt;
  FUZZ_CHECK(out->width > 0 && out->height > 0);
  FUZZ_CHECK(out->width <= limits.max_width && out->height <= limits.max_height);
  FUZZ_CHECK(static_cast<uint64_t>(out->width) * static_cast<uint64_t>(out->height) <=
             limits.max_area);
  *request = *req;
  return Resolved{*region, *out};
}

}  // namespace
}  // namespace tessera

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  if (size < 8) return 0;
  const int64_t width = 1 + ((data[0] | data[1] << 8 | data[2] << 16) & 0xFFFFFF);
  const int64_t height = 1 + ((data[3] | data[4] << 8 | data[5] << 16) & 0xFFFFFF);
  const int tile = 64 << (data[6] & 3);
  IiifLimits limits;
  limits.max_width = limits.max_height = 256 << (data[7] & 7);
  limits.max_area =
      (data[7] & 8) ? uint64_t(limits.max_width) * uint64_t(limits.max_height) : uint64_t{1} << 20;
  const std::string_view path(reinterpret_cast<const char*>(data) + 8, size - 8);

  IiifImageRequest request;
  auto resolved = Resolve(path, width, height, limits, &request);
  if (!resolved) return 0;

  const std::string canonical =
      IiifCanonicalPath(request, resolved->region, resolved->out, width, height, limits);
  IiifImageRequest again_request;
  auto again = Resolve(canonical, width, height, limits, &again_request);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->region == resolved->region);
  FUZZ_CHECK(again->out.width == resolved->out.width && again->out.height == resolved->out.height);

  const int levels = LevelCount(width, height, tile, tile);
  std::vector<LevelSize> level_sizes;
  for (int z = 0; z < levels; ++z) {
    const int shift = levels - 1 - z;
    level_sizes.push_back(
        LevelSize{std::max<int64_t>(1, width >> shift), std::max<int64_t>(1, height >> shift)});
  }
  auto match = MatchPyramidTile(resolved->region, resolved->out, tile, tile, level_sizes);
  if (match) {
    FUZZ_CHECK(match->level >= 0 && match->level < levels);
    const LevelSize& ls = level_sizes[match->level];
    FUZZ_CHECK(match->x >= 0 && match->x * tile < ls.width);
    FUZZ_CHECK(match->y >= 0 && match->y * tile < ls.height);
  }
  return 0;
}
