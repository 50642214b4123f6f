#include "source/tile_source.h"

#include <algorithm>
#include <cmath>

namespace tessera {

int LevelCount(int64_t size_x, int64_t size_y, int tile_width, int tile_height) {
  if (size_x <= 0 || size_y <= 0 || tile_width <= 0 || tile_height <= 0) return 1;
  double ratio =
      std::max(static_cast<double>(size_x) / tile_width, static_cast<double>(size_y) / tile_height);
  if (ratio <= 1) return 1;
  return std::max(1, static_cast<int>(std::ceil(std::log2(ratio))) + 1);
}

LevelSize TileSource::GetLevelSize(int level) const {
  const SourceMetadata& m = metadata();
  int shift = std::max(0, m.levels - 1 - level);
  double scale = std::ldexp(1.0, shift);
  return LevelSize{std::max<int64_t>(1, static_cast<int64_t>(std::floor(m.size_x / scale))),
                   std::max<int64_t>(1, static_cast<int64_t>(std::floor(m.size_y / scale)))};
}

StatusOr<std::optional<RawTile>> TileSource::ReadRawTile(int, int, int64_t, int64_t) const {
  return std::optional<RawTile>();
}

StatusOr<std::optional<RawTile>> TileSource::ReadRawTileNoWait(int, int, int64_t, int64_t) const {
  return WouldBlockError();
}

StatusOr<Image> TileSource::ReadAssociatedImage(std::string_view name) const {
  return NotFoundError("no associated image named '" + std::string(name) + "'");
}

}  // namespace tessera
