// ConvertToTiledTiff: makes a large image out of a file that is not directly tileable (a huge
// JPEG or PNG, a strip TIFF) — large_image's POST /item/{id}/tiles conversion job. libvips reads
// the input sequentially (top to bottom, a few strips in memory) and writes a tiled BigTIFF: the
// full-resolution IFD, then reduced-resolution IFDs halving down to the first that fits in one
// tile (2x2 means, odd edges dropped, as libvips' own pyramids). Each reduced level is made from
// the level above and written by libvips to a file of its own, whose tiles are then appended to
// the output byte for byte (tiles/tiff_append.h). Memory stays small whatever the image size.
//
// Why not libvips' pyramid=TRUE in one save: libvips 8.14.1 (Debian 12) frees the lower layers'
// temporary targets before closing them whenever a pyramid save fails or is killed — a use after
// free (libvips #3411, fixed in 8.14.3) that a corrupt upload or a cancel would turn into a
// crash of the server. A single-level save has no such layers. The price: the level above is
// decoded again for each level, about twice the time of one pyramid save for JPEG (3.6 s
// against 1.9 s for an 8000 x 8000 RGB JPEG). Reduced levels are plain 2x2 means of every band
// (libvips' pyramid weights colours by alpha), as the tile service synthesizes missing levels.
//
// Compression follows large_image's `compression` / `quality` / `predictor` parameters. The
// lossy codecs hold only what they can: JPEG takes 8-bit grey or RGB, WebP 8-bit RGB or RGBA;
// other inputs (16-bit, float, alpha with JPEG, ...) are written with lossless deflate instead of
// being narrowed, and ConvertResult says so. The predictor (for deflate, lzw and zstd) is by
// default horizontal differencing for integer samples and floating-point prediction for floats.
//
// The output appears atomically: it is written as `output + ".part"` (levels as ".part.<k>"
// beside it), renamed to `output` only when complete; on any failure or cancellation the
// temporary files are removed and `output` is not touched. Loaders libvips marks untrusted
// (ImageMagick, PDF, SVG, ...) are refused, as the flat-image source refuses them.
//
// Progress: `progress(fraction)` is called with the fraction of all levels' pixels written
// (0..1, non-decreasing, 1 at the end of a successful write). Returning false cancels the
// conversion (libvips' kill flag): the call then returns FailedPrecondition("conversion
// canceled") and leaves no output. libvips may call it from one of its worker threads, never
// from two threads at once.
//
// Thread-safety: conversions may run concurrently; each has its own libvips pipeline. libvips'
// error buffer is process-global, so a failure's text is taken right after the failing call
// (imaging/vips_glue.h TakeVipsError); under concurrent failures a message may carry another
// conversion's text too, never lose its own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tessera {

enum class ConvertCompression { kJpeg, kDeflate, kLzw, kZstd, kPackbits, kWebp, kNone };
enum class ConvertPredictor { kAuto, kNone, kHorizontal, kFloat };

// large_image's names: "jpeg", "deflate", "lzw", "zstd", "packbits", "webp", "none".
// "jp2k" (Aperio's JPEG 2000 tiles, which libtiff cannot decode, so the tiff reader could not
// serve the result) and anything else: InvalidArgument.
StatusOr<ConvertCompression> ParseConvertCompression(std::string_view name);
std::string_view ConvertCompressionName(ConvertCompression c);
// "none", "horizontal", "float"; "yes" means the default choice (kAuto).
StatusOr<ConvertPredictor> ParseConvertPredictor(std::string_view name);

struct ConvertOptions {
  int tile_size = 256;  // a multiple of 16 in [16, 4096] (TIFF tiles)
  ConvertCompression compression = ConvertCompression::kJpeg;
  int quality = 90;  // JPEG / WebP quality, 1..100
  ConvertPredictor predictor = ConvertPredictor::kAuto;
};

// InvalidArgument naming the first bad field (large_image's parameter names).
Status ValidateConvertOptions(const ConvertOptions& options);

struct ConvertResult {
  int64_t width = 0;
  int64_t height = 0;
  int bands = 0;
  int levels = 0;  // IFDs written: full resolution and the reduced ones
  ConvertCompression compression = ConvertCompression::kJpeg;  // what was written
  // Why `compression` differs from the requested one ("" when it does not).
  std::string note;
};

// Errors: InvalidArgument (options), NotFound (no input), Unsupported (not an image libvips
// reads with a trusted loader), DataLoss (its header cannot be read), Internal (the conversion
// failed: corrupt pixel data, a full disk, ...; the message carries libvips' text),
// FailedPrecondition (canceled).
StatusOr<ConvertResult> ConvertToTiledTiff(const std::string& input, const std::string& output,
                                           const ConvertOptions& options,
                                           const std::function<bool(double fraction)>& progress);

}  // namespace tessera
