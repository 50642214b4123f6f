// PersistedImages: thumbnails generated once and kept on disk, as large_image keeps them as
// Girder files ("isLargeImageThumbnail"), so that listing a folder of 500 slides opens no
// source on later visits — even after a restart or once the tile cache has moved on.
//
// Keyed by (item id, the thumbnail's cache key); the cache key names the file version (source
// key), so a rewritten file never serves an old thumbnail. At most ApiContext::
// max_thumbnail_files per item (the oldest go first); deleting an item deletes its records
// (MetadataStore cascade) and their files.
// Thread-safety: safe from any thread. Two requests racing to persist one key both write;
// the store keeps one record and the loser's file is removed.
#pragma once

#include <string>

#include "api/api_context.h"
#include "cache/tile_value.h"

namespace tessera {

class PersistedImages {
 public:
  explicit PersistedImages(const ApiContext& ctx) : ctx_(ctx) {}

  bool enabled() const { return !ctx_.thumbnail_dir.empty() && ctx_.max_thumbnail_files > 0; }
  // The persisted image, or null (none, disabled, or its file unreadable).
  TileValuePtr Find(const std::string& item_id, const std::string& key) const;
  // Writes `value` (an encoded image) and records it; failures are logged, never returned —
  // persistence is an optimisation.
  void Save(const std::string& item_id, const std::string& key, const TileValuePtr& value) const;

 private:
  const ApiContext& ctx_;
};

}  // namespace tessera
