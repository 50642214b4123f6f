// TileSource: one opened image (a file, or generated pixels), seen as a large_image pyramid.
//
// Levels use large_image's numbering: level 0 is the smallest (the whole image fits in one
// tile), level `levels - 1` is full resolution, and level z is downsampled by
// 2^(levels - 1 - z). A source says which levels it stores (HasLevel); the tile service
// synthesizes the others from the next higher-resolution level (tiles/), so sources never
// resample.
//
// Tiles are tile_width x tile_height at every level. ReadTile returns a full-size tile; pixels
// outside the level's extent are unspecified (the tile service crops or fills them). A frame
// (OME channel / Z / T plane, a page) is part of a tile's identity.
//
// ReadRawTile is the passthrough path: when a stored tile is already a complete image file
// (a JPEG tile with its tables spliced in), it is returned without decoding.
//
// Thread-safety: an opened source is immutable and every method is safe to call concurrently
// from many threads (sources keep per-thread or pooled decoder state internally). Styled
// sources share an unstyled source's handles through this contract.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/image.h"
#include "core/status.h"
#include "imaging/codec.h"
#include "io/file.h"

namespace tessera {

// One frame of a multi-frame image: its axis indices ("IndexC", "IndexZ", "IndexT",
// "IndexXY", ...; only axes the image has) in large_image's naming.
struct FrameInfo {
  std::vector<std::pair<std::string, int>> indices;
};

struct SourceMetadata {
  int64_t size_x = 0;
  int64_t size_y = 0;
  int tile_width = 256;
  int tile_height = 256;
  int levels = 1;  // large_image levels (LevelCount below)
  std::optional<double> magnification;
  std::optional<double> mm_x;
  std::optional<double> mm_y;
  PixelType dtype = PixelType::kU8;
  int band_count = 3;
  int frame_count = 1;
  std::vector<FrameInfo> frames;      // empty for single-frame images
  std::vector<std::string> channels;  // channel names when known (OME), else empty
  // Format-specific facts, flattened ("tiff.Software", "aperio.MPP", "tessera.storedLevels"),
  // reported by internal_metadata and `tessera info`.
  std::vector<std::pair<std::string, std::string>> properties;
};

// large_image's level count: max(1, ceil(log2(max(size_x / tile_w, size_y / tile_h))) + 1).
int LevelCount(int64_t size_x, int64_t size_y, int tile_width, int tile_height);

// A stored tile that is already a complete image file.
struct RawTile {
  Encoding encoding = Encoding::kJpeg;
  Bytes bytes;
};

struct LevelSize {
  int64_t width = 0;
  int64_t height = 0;
};

class TileSource {
 public:
  virtual ~TileSource() = default;

  // "tiff", "openslide", "vips", "test".
  virtual std::string_view format_name() const = 0;
  virtual const SourceMetadata& metadata() const = 0;

  // Pixel extent of `level`. The default is large_image's floor(size / 2^(levels-1-level)),
  // at least 1; sources override it with the real size of levels they store.
  virtual LevelSize GetLevelSize(int level) const;

  // True when the file stores `level` of `frame`; other levels are synthesized.
  virtual bool HasLevel(int frame, int level) const = 0;

  // Pixels of a stored tile (HasLevel(frame, level) must be true; x, y inside the level).
  // Full tile_width x tile_height, metadata().band_count bands of metadata().dtype.
  // A corrupt tile is DataLoss naming the file and the tile.
  virtual StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const = 0;

  // The stored tile as a complete image file, without decoding, when the format allows it for
  // this tile; nullopt otherwise.
  virtual StatusOr<std::optional<RawTile>> ReadRawTile(int frame, int level, int64_t x,
                                                       int64_t y) const;

  // ReadRawTile for an event-loop thread: reads only bytes already in memory and returns
  // WouldBlockError() (io/file.h) when it would have to wait for the disk or cannot tell. The
  // default always says so.
  virtual StatusOr<std::optional<RawTile>> ReadRawTileNoWait(int frame, int level, int64_t x,
                                                             int64_t y) const;

  // Associated images (slide label, macro, thumbnail), by name.
  virtual std::vector<std::string> AssociatedImageNames() const { return {}; }
  virtual StatusOr<Image> ReadAssociatedImage(std::string_view name) const;

  // The ICC profile embedded for `frame` (the frame's own when frames differ), or nullopt.
  virtual std::optional<Bytes> IccProfile(int /*frame*/) const { return std::nullopt; }

  // Resource use, for the source cache's bounds.
  virtual size_t MemoryEstimate() const { return 64 * 1024; }
  virtual int OpenFileCount() const { return 1; }
};

}  // namespace tessera
