// ConvertToTiledTiff: makes a large image out of a file that is not directly tileable (a huge
// JPEG or PNG, a strip TIFF) — large_image's POST /item/{id}/tiles conversion job. libvips reads
// the input sequentially (top to bottom, a few strips in memory) and writes a tiled, pyramidal
// BigTIFF: the full-resolution IFD and reduced-resolution IFDs halving down to one tile, each
// made as the rows stream past, so memory stays small whatever the image size.
//
// Compression follows large_image's `compression` / `quality` / `predictor` parameters. The
// lossy codecs hold only what they can: JPEG takes 8-bit grey or RGB, WebP 8-bit RGB or RGBA;
// other inputs (16-bit, float, alpha with JPEG, ...) are written with lossless deflate instead of
// being narrowed, and ConvertResult says so. The predictor (for deflate, lzw and zstd) is by
// default horizontal differencing for integer samples and floating-point prediction for floats.
//
// The output appears atomically: libvips writes `output + ".part"`, which is renamed to `output`
// only after a complete write; on any failure or cancellation the part file is removed and
// `output` is not touched. Loaders libvips marks untrusted (ImageMagick, PDF, SVG, ...) are
// refused, as the flat-image source refuses them.
//
// Progress: `progress(fraction)` is called with the fraction of full-resolution pixels written
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
