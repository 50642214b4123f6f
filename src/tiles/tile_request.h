// The requests the tile service answers, and the cache keys that name their results.
//
// A key names everything that determines the bytes: the source (item file id plus modification
// stamp, so a changed file is never served stale), frame, level, x, y, style, encoding and its
// parameters, and edge handling. Unstyled tiles are keyed without style, encoding or edge, so
// every style and encoding of a tile reuses one stored or synthesized tile.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "imaging/codec.h"
#include "imaging/color.h"
#include "source/tile_source.h"

namespace tessera {

// Which image: the identity used as the source-cache key, and how to open it.
struct SourceRef {
  // Identity including a modification stamp, e.g. "f:<itemid>:<mtime_ns>:<size>" or
  // "test:<params>". Must not contain '|'.
  std::string key;
  // The file to open through the format registry...
  std::string path;
  // ...or, for sources without a file (synthetic), how to make one.
  std::function<StatusOr<std::unique_ptr<TileSource>>()> open;
};

// large_image's `edge`: absent/false keeps full-size edge tiles as they come; true/"crop"
// returns smaller edge tiles; a colour fills the part outside the image.
struct EdgeOptions {
  enum class Mode { kNone, kCrop, kFill };
  Mode mode = Mode::kNone;
  Rgba color;
  std::string CacheKey() const;
};
// Parses large_image's edge values ("false", "true", "crop", or a colour).
StatusOr<EdgeOptions> ParseEdge(std::string_view text);

struct TileRequest {
  SourceRef source;
  int frame = 0;
  int level = 0;
  int64_t x = 0;
  int64_t y = 0;
  // Canonical style JSON; empty for no style.
  std::string style;
  EncodeOptions encode;
  EdgeOptions edge;
};

struct ThumbnailRequest {
  SourceRef source;
  int frame = 0;
  std::optional<int> width;   // maximum output width
  std::optional<int> height;  // maximum output height
  std::string style;
  EncodeOptions encode;
  // Letterbox colour when both width and height are given ("corner:" puts the image top-left).
  std::optional<Rgba> fill;
  bool fill_corner = false;
};

// Cache keys (see the header comment).
std::string UnstyledTileKey(const std::string& source_key, int frame, int level, int64_t x,
                            int64_t y);
std::string EncodedTileKey(const TileRequest& r);
std::string ThumbnailKey(const ThumbnailRequest& r);
// The key of the styled/encoded source derived from the unstyled source (the spec's
// {file, style, encoding}).
std::string StyledSourceKey(const std::string& source_key, const std::string& style,
                            const EncodeOptions& encode);

}  // namespace tessera
