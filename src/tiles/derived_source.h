// DerivedSource: a styled/encoded view of a cached unstyled source, as in the spec ("copy the
// unstyled source and alter it for {style}"): it shares the unstyled source's file handles and
// parsed metadata — no second open — and adds the parsed style and output encoding. Reads are
// forwarded: styling happens in the tile service (tiles/styling.cc), on unstyled tiles read
// through the tile cache. The style resolved for each frame (bands, ranges, lookup tables) is
// kept here, so it is worked out once per styled source and frame.
//
// Thread-safety: immutable after construction but for the resolved-style memo, which is
// guarded by its own mutex; safe to share across threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/thread_annotations.h"
#include "imaging/codec.h"
#include "imaging/style.h"
#include "source/tile_source.h"

namespace tessera {

class DerivedSource final : public TileSource {
 public:
  DerivedSource(std::shared_ptr<const TileSource> unstyled, Style style, EncodeOptions encode)
      : unstyled_(std::move(unstyled)), style_(std::move(style)), encode_(encode) {}

  const std::shared_ptr<const TileSource>& unstyled() const { return unstyled_; }
  const Style& style() const { return style_; }
  const EncodeOptions& encode() const { return encode_; }

  // The memo of resolved styles by frame (nullptr: not resolved yet).
  std::shared_ptr<const ResolvedStyle> Resolved(int frame) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = resolved_.find(frame);
    return it == resolved_.end() ? nullptr : it->second;
  }
  void Remember(int frame, std::shared_ptr<const ResolvedStyle> r) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (resolved_.size() >= 1024) resolved_.clear();  // a bound: frames are few in practice
    resolved_[frame] = std::move(r);
  }

  std::string_view format_name() const override { return unstyled_->format_name(); }
  const SourceMetadata& metadata() const override { return unstyled_->metadata(); }
  LevelSize GetLevelSize(int level) const override { return unstyled_->GetLevelSize(level); }
  bool HasLevel(int frame, int level) const override { return unstyled_->HasLevel(frame, level); }
  StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const override {
    return unstyled_->ReadTile(frame, level, x, y);
  }
  StatusOr<std::optional<RawTile>> ReadRawTile(int frame, int level, int64_t x,
                                               int64_t y) const override {
    return unstyled_->ReadRawTile(frame, level, x, y);
  }
  StatusOr<std::optional<RawTile>> ReadRawTileNoWait(int frame, int level, int64_t x,
                                                     int64_t y) const override {
    return unstyled_->ReadRawTileNoWait(frame, level, x, y);
  }
  std::vector<std::string> AssociatedImageNames() const override {
    return unstyled_->AssociatedImageNames();
  }
  StatusOr<Image> ReadAssociatedImage(std::string_view name) const override {
    return unstyled_->ReadAssociatedImage(name);
  }
  std::optional<Bytes> IccProfile(int frame) const override { return unstyled_->IccProfile(frame); }
  size_t MemoryEstimate() const override { return sizeof(*this) + style_.canonical.size(); }
  int OpenFileCount() const override { return 0; }

 private:
  std::shared_ptr<const TileSource> unstyled_;
  const Style style_;
  const EncodeOptions encode_;
  mutable std::mutex mu_;
  mutable std::map<int, std::shared_ptr<const ResolvedStyle>> resolved_ GUARDED_BY(mu_);
};

}  // namespace tessera
