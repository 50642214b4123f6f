// Fuzz target: opening a TIFF from arbitrary bytes with the tiff format (source/tiff_source.h)
// and reading from it what a viewer would: metadata, the corner tiles of every stored level of
// the first frames (decoded and raw), the associated images and the ICC profile. The bytes are
// served from a FakeFileSystem, so nothing touches the disk.
//
// Every failure must be a Status; a crash, leak, sanitizer report or an allocation beyond
// -malloc_limit_mb is a bug in the reader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "io/fake_file_system.h"
#include "source/tiff_source.h"

namespace tessera {
namespace {

constexpr int kMaxFrames = 3;

void CheckTile(const TileSource& source, int frame, int level, int64_t x, int64_t y) {
  const SourceMetadata& m = source.metadata();
  auto tile = source.ReadTile(frame, level, x, y);
  if (tile.ok()) {
    // The contract of ReadTile: a full tile of the metadata's type and bands.
    FUZZ_CHECK(tile->width() == m.tile_width && tile->height() == m.tile_height);
    FUZZ_CHECK(tile->bands() == m.band_count && tile->type() == m.dtype);
  }
  auto raw = source.ReadRawTile(frame, level, x, y);
  FUZZ_CHECK(!raw.ok() || !raw->has_value() || !(*raw)->bytes.empty());
}

void Exercise(const TileSource& source) {
  const SourceMetadata& m = source.metadata();
  FUZZ_CHECK(m.size_x > 0 && m.size_y > 0 && m.tile_width > 0 && m.tile_height > 0);
  FUZZ_CHECK(m.levels >= 1 && m.frame_count >= 1 && m.band_count >= 1);
  for (int frame = 0; frame < m.frame_count && frame < kMaxFrames; ++frame) {
    for (int level = 0; level < m.levels; ++level) {
      if (!source.HasLevel(frame, level)) continue;
      const LevelSize size = source.GetLevelSize(level);
      FUZZ_CHECK(size.width > 0 && size.height > 0);
      const int64_t last_x = (size.width - 1) / m.tile_width;
      const int64_t last_y = (size.height - 1) / m.tile_height;
      CheckTile(source, frame, level, 0, 0);
      if (last_x != 0 || last_y != 0) CheckTile(source, frame, level, last_x, last_y);
    }
  }
  for (const std::string& name : source.AssociatedImageNames()) {
    (void)source.ReadAssociatedImage(name);
  }
  (void)source.IccProfile(0);
  (void)source.MemoryEstimate();
}

}  // namespace
}  // namespace tessera

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  static const FormatEntry format = TiffFormat();
  FakeFileSystem fs;
  fs.SetFile("/fuzz.tif", std::string(reinterpret_cast<const char*>(data), size));
  OpenOptions options;
  options.fs = &fs;
  const std::string header(reinterpret_cast<const char*>(data), size < 4096 ? size : 4096);
  const int score = format.probe("/fuzz.tif", header);
  auto source = format.open("/fuzz.tif", options);
  if (!source.ok()) return 0;
  FUZZ_CHECK(score > 0);  // it opened a file the probe said it cannot read
  Exercise(**source);
  return 0;
}
