// OpenSlideFormat: whole-slide images read with libopenslide (3.4.1): the vendor formats
// libtiff alone cannot read (Hamamatsu NDPI/VMS, MIRAX, Leica SCN, Ventana BIF, Philips TIFF,
// Sakura) and, as a fallback, Aperio SVS and generic tiled TIFF (the libtiff reader is
// preferred for those).
//
// Geometry follows large_image's openslide source:
//   - tile size from openslide.level[0].tile-width/-height, 256 when unset, < 4 or with an
//     aspect ratio >= 4 (NDPI strips), never larger than the image;
//   - openslide.bounds-* crop the image when they describe a proper sub-rectangle (MIRAX);
//   - large_image level z is stored when an OpenSlide level's downsample is 2^(levels-1-z)
//     within 0.02 in log2 (about 1.4%, large_image's nearPowerOfTwo) and its first pixel reads
//     (large_image's _getAvailableLevels); other levels are synthesized by the tile service.
// Tiles are RGBA uint8 (4 bands), like large_image's PIL tiles from openslide: OpenSlide's
// premultiplied ARGB is un-premultiplied; fully transparent pixels take openslide.background-
// color (alpha stays 0) when the slide names one.
//
// Metadata: magnification from openslide.objective-power (else 0.01 / mm_x, as large_image),
// mm_x / mm_y from openslide.mpp-x / -y; every OpenSlide property is copied verbatim into
// metadata.properties. Associated images (label, macro, thumbnail, ...) come from OpenSlide.
//
// Errors: an openslide_t that reported an error stays in error (OpenSlide has no recovery):
// every later read of that source fails with DataLoss naming the file; the source cache should
// drop such a source so that the next request reopens the file.
//
// Thread-safety: openslide_t is safe for concurrent reads; an opened source is immutable and
// every method may be called from many threads at once. OpenSlide opens files itself, by path:
// OpenOptions::fs is only used to check that the file exists.
#pragma once

#include "source/registry.h"

namespace tessera {

// name "openslide". probe (openslide_detect_vendor): no vendor 0; "aperio" or "generic-tiff" 10
// (below the libtiff reader's 50); any other vendor 100.
FormatEntry OpenSlideFormat();

}  // namespace tessera
