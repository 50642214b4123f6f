#include "bench_data.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "source/registry.h"

namespace tessera::bench {
namespace {

constexpr char kSlide[] = "CMU-1-Small-Region.svs";
// Interior tissue of the slide (2220x2967): far from the white margins.
constexpr int64_t kOriginX = 480;
constexpr int64_t kOriginY = 960;

StatusOr<std::unique_ptr<TileSource>> OpenSlide() {
  const std::string path = TestDataDir() + "/" + kSlide;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFoundError("test image " + path +
                         " not found (set TESSERA_TESTDATA to the shared testdata folder)");
  }
  return FormatRegistry::Default().Open(path, OpenOptions());
}

// RGB uint8 from what the reader gives (RGB, or RGBA for some slides).
Image ToRgb(const Image& tile) {
  if (tile.bands() == 3) return tile.Clone();
  Image out(tile.width(), tile.height(), 3, PixelType::kU8);
  for (int y = 0; y < tile.height(); ++y) {
    const uint8_t* s = tile.row(y);
    uint8_t* d = out.row(y);
    for (int x = 0; x < tile.width(); ++x) {
      for (int b = 0; b < 3; ++b)
        d[3 * x + b] = s[tile.bands() * x + std::min(b, tile.bands() - 1)];
    }
  }
  return out;
}

StatusOr<Image> LoadCanvas(int width, int height) {
  TS_ASSIGN_OR_RETURN(std::unique_ptr<TileSource> source, OpenSlide());
  const SourceMetadata& m = source->metadata();
  if (m.dtype != PixelType::kU8) return InternalError("unexpected sample type of the slide");
  const int level = m.levels - 1;
  const LevelSize size = source->GetLevelSize(level);
  if (kOriginX + width > size.width || kOriginY + height > size.height) {
    return OutOfRangeError("canvas larger than the slide");
  }
  Image canvas(width, height, 3, PixelType::kU8);
  const int64_t tx0 = kOriginX / m.tile_width, tx1 = (kOriginX + width - 1) / m.tile_width;
  const int64_t ty0 = kOriginY / m.tile_height, ty1 = (kOriginY + height - 1) / m.tile_height;
  for (int64_t ty = ty0; ty <= ty1; ++ty) {
    for (int64_t tx = tx0; tx <= tx1; ++tx) {
      TS_ASSIGN_OR_RETURN(Image tile, source->ReadTile(0, level, tx, ty));
      canvas.Paste(ToRgb(tile), tx * m.tile_width - kOriginX, ty * m.tile_height - kOriginY);
    }
  }
  return canvas;
}

}  // namespace

std::string TestDataDir() {
  if (const char* env = std::getenv("TESSERA_TESTDATA"); env && *env) return env;
  return TESSERA_DEFAULT_TESTDATA;
}

StatusOr<const Image*> SlidePixels(int width, int height) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::unique_ptr<StatusOr<Image>>> loaded;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = loaded[{width, height}];
  if (!slot) slot = std::make_unique<StatusOr<Image>>(LoadCanvas(width, height));
  if (!slot->ok()) return slot->status();
  return &slot->value();
}

StatusOr<const Bytes*> SlideRawJpegTile() {
  static const StatusOr<Bytes> raw = []() -> StatusOr<Bytes> {
    TS_ASSIGN_OR_RETURN(std::unique_ptr<TileSource> source, OpenSlide());
    const SourceMetadata& m = source->metadata();
    TS_ASSIGN_OR_RETURN(
        std::optional<RawTile> tile,
        source->ReadRawTile(0, m.levels - 1, kOriginX / m.tile_width, kOriginY / m.tile_height));
    if (!tile || tile->encoding != Encoding::kJpeg) {
      return UnsupportedError("the slide's tile is not passed through as JPEG");
    }
    return std::move(tile->bytes);
  }();
  if (!raw.ok()) return raw.status();
  return &raw.value();
}

}  // namespace tessera::bench
