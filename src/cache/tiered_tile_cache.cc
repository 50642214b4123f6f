#include "cache/tiered_tile_cache.h"

namespace tessera {

TileValuePtr TieredTileCache::Get(std::string_view key) {
  if (TileValuePtr v = front_->Get(key)) return v;
  TileValuePtr v = back_->Get(key);
  if (v) front_->Put(key, v);
  return v;
}

void TieredTileCache::Put(std::string_view key, TileValuePtr value) {
  if (!value) return;
  front_->Put(key, value);
  back_->Put(key, std::move(value));
}

void TieredTileCache::Erase(std::string_view key) {
  front_->Erase(key);
  back_->Erase(key);
}

void TieredTileCache::Clear() {
  front_->Clear();
  back_->Clear();
}

TileCacheStats TieredTileCache::Stats() const {
  TileCacheStats t = front_->Stats();
  const TileCacheStats b = back_->Stats();
  // A front miss is a back lookup: the combined misses are the back's, the hits both tiers'.
  t.hits += b.hits;
  t.misses = b.misses;
  return t;
}

std::optional<TileCacheTiers> TieredTileCache::Tiers() const {
  TileCacheTiers t;
  t.front = front_->Stats();
  t.shared = back_->SharedStats();
  return t;
}

}  // namespace tessera
