// VipsFormat: flat (untiled, single-resolution) images decoded with libvips: PNG (8 and 16
// bit), JPEG, GIF, WebP, HEIF and whatever else libvips loads that no better reader claims.
//
// large_image serves such files with its PIL source: the whole image is decoded once and kept
// in memory. Here the image is decoded once at open into an Image (its own sample type: a
// 16-bit PNG stays uint16) and cut into 256x256 tiles; only the full-resolution level is stored
// (the tile service synthesizes the smaller ones). Images above kMaxFlatImagePixels (or
// kMaxFlatImageBytes decoded) are refused with Unsupported: they must be converted to a tiled
// pyramid first.
//
// Orientation follows PIL: JPEG/PNG/WebP EXIF orientation is not applied (PIL.Image.open
// ignores it); a TIFF's Orientation tag is (PIL transposes TIFFs on load).
//
// Security: loaders libvips marks "untrusted" (ImageMagick, PDF, SVG, FITS, ...) are refused.
// The file is read through OpenOptions::fs (a libvips custom source), so libvips never opens
// the path itself and its operation cache cannot serve a stale copy of a replaced file.
//
// Thread-safety: probe and open may run concurrently (libvips is initialized once, by a
// function-local static; its operation cache is switched off then, since Tessera caches tiles
// itself and cached pipeline stages would keep decoders alive). An opened source is immutable;
// ReadTile crops from memory and is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "source/registry.h"

namespace tessera {

// Largest flat image decoded into memory: 16384 x 16384 pixels (256 Mpx).
inline constexpr int64_t kMaxFlatImagePixels = int64_t{16384} * 16384;
// Largest decoded size (a 16384 x 16384 RGBA uint16 image).
inline constexpr uint64_t kMaxFlatImageBytes = uint64_t{2} << 30;
// Tile size of flat images (large_image's default).
inline constexpr int kFlatTileSize = 256;

// name "vips". probe: 1 (last resort) when libvips finds a trusted loader for the header
// bytes, else 0.
FormatEntry VipsFormat();

}  // namespace tessera
