// TIFF structure for the tiff format (tiff_source.h): libtiff handles that read a file through
// a RandomAccessFile, a pool of such handles, TiffDirectory — the facts of one image file
// directory (IFD), read once when the file is opened — and TiffLayout, the role of each IFD
// (frame, pyramid level, associated image) decided the way large_image decides it.
//
// Every handle reads through RandomAccessFile::ReadAt-style positional reads with its own
// offset, and libtiff's errors and warnings land in that handle's own buffer
// (TIFFOpenOptionsSetErrorHandlerExtR), never in a process-global one.
//
// Thread-safety: a TiffHandle is used by one thread at a time. TiffHandlePool is safe from any
// thread and never lends one handle to two threads. TiffDirectory, TiffStructure and TiffLayout
// are values, immutable once built.
#pragma once

#include <tiffio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "io/file.h"
#include "source/ome_metadata.h"
#include "source/tile_source.h"

namespace tessera {

// One IFD. Sizes are as stored (before Orientation is applied).
struct TiffDirectory {
  int main_index = 0;     // position in the main IFD chain (of the parent, for a SubIFD)
  int subifd_index = -1;  // -1 for a main-chain IFD, else its index in the parent's SubIFDs
  uint64_t offset = 0;    // file offset of the IFD

  int64_t width = 0;
  int64_t height = 0;
  bool tiled = false;
  // Tiles: the tile size. Strips: the image width x rows per strip (clipped to the height).
  int64_t tile_width = 0;
  int64_t tile_height = 0;

  uint16_t compression = COMPRESSION_NONE;
  uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  uint16_t bits_per_sample = 1;
  uint16_t sample_format = SAMPLEFORMAT_UINT;
  bool has_sample_format = false;  // the SampleFormat tag is present
  uint16_t samples_per_pixel = 1;
  uint16_t planar_config = PLANARCONFIG_CONTIG;
  uint16_t predictor = PREDICTOR_NONE;
  uint16_t orientation = ORIENTATION_TOPLEFT;
  uint32_t subfile_type = 0;  // NewSubfileType bits

  std::string description;  // ImageDescription
  Bytes jpeg_tables;        // JPEGTables (a JPEG stream: SOI, tables, EOI), or empty
  // Offsets and byte counts of every tile / strip (all planes, plane-major), read once.
  std::vector<uint64_t> offsets;
  std::vector<uint64_t> byte_counts;

  double x_resolution = 0;
  double y_resolution = 0;
  uint16_t resolution_unit = RESUNIT_INCH;
  bool has_icc = false;
  // The ICCProfile tag's bytes. ScanTiff fills it for every IFD; the tiff source keeps those of
  // each frame's full-resolution IFD and clears the others.
  Bytes icc_profile;
  // Other text tags worth reporting ("Software", "Make", "DateTime", ...).
  std::vector<std::pair<std::string, std::string>> text_tags;

  std::vector<TiffDirectory> subifds;  // IFDs linked through the SubIFDs tag (one level deep)
  // Why this IFD cannot be used (absurd geometry, missing tile tables), or empty.
  std::string unusable;

  bool is_mask() const { return (subfile_type & FILETYPE_MASK) || photometric == PHOTOMETRIC_MASK; }
  bool is_reduced() const { return (subfile_type & FILETYPE_REDUCEDIMAGE) != 0; }
  int planes() const { return planar_config == PLANARCONFIG_SEPARATE ? samples_per_pixel : 1; }
  int64_t units_across() const { return (width + tile_width - 1) / tile_width; }
  int64_t units_down() const { return (height + tile_height - 1) / tile_height; }
  int64_t units_per_plane() const { return units_across() * units_down(); }
  // "IFD 3" or "IFD 0 SubIFD 2", for messages.
  std::string Name() const;
  size_t MemoryEstimate() const;
};

struct TiffStructure {
  bool big_tiff = false;
  bool big_endian = false;
  std::vector<TiffDirectory> directories;  // the main chain, in file order
};

// An open libtiff handle over a RandomAccessFile (which must outlive it).
class TiffHandle {
 public:
  // Errors: Unsupported when libtiff does not recognise the file (with libtiff's text).
  // `defer_tables`: do not load tile/strip offset tables when a directory is read (handles that
  // only decode bytes read elsewhere never need them).
  static StatusOr<std::unique_ptr<TiffHandle>> Open(const RandomAccessFile& file,
                                                    bool defer_tables);
  ~TiffHandle();
  TiffHandle(const TiffHandle&) = delete;
  TiffHandle& operator=(const TiffHandle&) = delete;

  TIFF* get() const { return tif_; }
  // Makes the IFD at `offset` current (nothing to do when it already is).
  Status SetDirectory(uint64_t offset);
  uint64_t directory() const { return directory_; }
  // The errors libtiff reported on this handle since the last call (then forgets them); empty
  // when there were none. Warnings are appended after "warnings: " when `with_warnings`.
  std::string TakeErrors(bool with_warnings = false);

  struct State;  // client I/O position and captured messages (tiff_directory.cc)
  class Key {    // only Open constructs handles
    friend class TiffHandle;
    Key() = default;
  };
  TiffHandle(Key, std::unique_ptr<State> state, TIFF* tif);

 private:
  std::unique_ptr<State> state_;
  TIFF* tif_ = nullptr;
  uint64_t directory_ = 0;
};

// Lends TiffHandles positioned at a requested IFD. Handles are opened on demand; up to
// `max_idle` are kept for reuse, preferring ones already positioned at the wanted IFD.
class TiffHandlePool {
 public:
  TiffHandlePool(const RandomAccessFile& file, size_t max_idle);
  ~TiffHandlePool();

  class Lease {
   public:
    Lease(TiffHandlePool* pool, std::unique_ptr<TiffHandle> handle)
        : pool_(pool), handle_(std::move(handle)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    TiffHandle* operator->() const { return handle_.get(); }
    TiffHandle& operator*() const { return *handle_; }
    // The handle is in an unknown state (a failed decode): close it instead of reusing it.
    void Discard() { discard_ = true; }

   private:
    TiffHandlePool* pool_;
    std::unique_ptr<TiffHandle> handle_;
    bool discard_ = false;
  };

  StatusOr<Lease> Acquire(uint64_t directory_offset);
  size_t max_idle() const { return max_idle_; }

 private:
  void Return(std::unique_ptr<TiffHandle> handle);

  const RandomAccessFile& file_;
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<TiffHandle>> idle_ GUARDED_BY(mu_);
};

// Reads every IFD of the main chain and their SubIFDs through `handle`. IFD loops end the walk;
// IFDs with absurd geometry (beyond `max_dimension`, inconsistent tile tables) are kept but
// marked `unusable`, except the first, which fails the scan (Unsupported / ResourceExhausted
// naming the file). directories[i].main_index == i. IFDs without a SampleFormat tag take IFD 0's
// when their sample size is the same (libvips tags the first IFD of a pyramid only).
StatusOr<TiffStructure> ScanTiff(TiffHandle& handle, const std::string& path,
                                 int64_t max_dimension);

// The size of `d` as displayed (width and height swapped for orientations 5..8).
LevelSize DisplayedSize(const TiffDirectory& d);

// large_image's `_levelFromIfd`: the level (of `levels`, the last being `full`) that an IFD of
// `size` stands for — reached from `full` by halving per level, each step rounding down, up, or
// up to whole tiles; nullopt when no level has that size.
std::optional<int> LevelFromSize(LevelSize size, LevelSize full, int tile_width, int tile_height,
                                 int levels);

// The role of every IFD of a file.
struct TiffLayout {
  struct Frame {
    std::vector<const TiffDirectory*> levels;          // per large_image level; nullptr: not stored
    std::vector<std::pair<std::string, int>> indices;  // {"IndexC", 2}, ...
  };
  LevelSize size;      // displayed full-resolution size
  int tile_width = 0;  // displayed tile size; 256 x 256 for stripped images
  int tile_height = 0;
  int levels = 1;             // LevelCount(size, tile size)
  std::vector<Frame> frames;  // at least one
  std::vector<std::pair<std::string, const TiffDirectory*>> associated;
  int stored_levels = 1;  // pyramid resolutions of frame 0 in the file, used or not
  std::optional<OmeMetadata> ome;
  std::vector<std::string> channels;  // channel names (OME, large_image JSON), or empty
};

// Frames are the OME planes (reduced levels in their SubIFDs) when IFD 0 holds usable OME-XML,
// else the main-chain IFDs with IFD 0's size and tiling (each with the reduced IFDs that follow
// or sit in its SubIFDs, placed with LevelFromSize on the first frame missing that level).
// Masks are ignored; stripped IFDs left over are associated images when large_image would name
// them (Aperio's "... -> WxH" copy of the slide is the "thumbnail").
// `same_samples(d)`: d decodes to IFD 0's sample type and band count; `readable(d)`: d can be
// decoded at all. IFD 0 must be usable.
TiffLayout BuildTiffLayout(const TiffStructure& structure,
                           const std::function<bool(const TiffDirectory&)>& same_samples,
                           const std::function<bool(const TiffDirectory&)>& readable);

// Names as large_image and GDAL spell them: "none", "lzw", "jpeg", "deflate", "zstd", ...
std::string CompressionName(uint16_t compression);
std::string PhotometricName(uint16_t photometric);

// For a complete JPEG stream from a Photometric RGB TIFF tile: like large_image, component ids
// 0, 1, 2 (which JPEG decoders take for YCbCr) become 'R', 'G', 'B' in the frame and scan
// headers, so that any decoder leaves the samples as they are, as libtiff does. Other streams
// are left alone.
void MarkRgbComponents(Bytes& jpeg);

}  // namespace tessera
