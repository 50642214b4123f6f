// DerivedSource: a styled/encoded view of a cached unstyled source, as in the spec ("copy the
// unstyled source and alter it for {style}"): it shares the unstyled source's file handles and
// parsed metadata — no second open — and adds the parsed style and output encoding. The style
// language plugs in here (a later issue); today a derived source forwards every read.
//
// Thread-safety: immutable after construction; safe to share across threads.
#pragma once

#include <memory>
#include <string>

#include "imaging/codec.h"
#include "source/tile_source.h"

namespace tessera {

class DerivedSource final : public TileSource {
 public:
  DerivedSource(std::shared_ptr<const TileSource> unstyled, std::string style, EncodeOptions encode)
      : unstyled_(std::move(unstyled)), style_(std::move(style)), encode_(encode) {}

  const TileSource& unstyled() const { return *unstyled_; }
  const std::string& style() const { return style_; }
  const EncodeOptions& encode() const { return encode_; }

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
  size_t MemoryEstimate() const override { return sizeof(*this) + style_.size(); }
  int OpenFileCount() const override { return 0; }

 private:
  std::shared_ptr<const TileSource> unstyled_;
  std::string style_;
  EncodeOptions encode_;
};

}  // namespace tessera
