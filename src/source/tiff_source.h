// The tiff format: TIFF and BigTIFF files (generic pyramids, COGs, Aperio SVS, OME-TIFF) read
// with libtiff and seen the way large_image's tiff and ometiff sources see them.
//
//  - Levels: large_image's count for the full-resolution IFD; every reduced-resolution IFD
//    with the same tile size and sample layout lands on the level large_image's
//    `_levelFromIfd` gives it; other levels are not stored (the tile service synthesizes
//    them). Mask IFDs are ignored.
//  - Frames: the planes of an OME-TIFF (pyramids in SubIFDs), else every full-resolution IFD
//    of the main chain with the same size and layout, each with its reduced IFDs.
//  - Stripped images are served as virtual 256x256 tiles decoded from the strips covering
//    them. Orientation 1..8 is applied: sizes, tiles and associated images are as displayed.
//  - JPEG tiles are decoded with TurboJPEG after splicing the JPEGTables in (and passed
//    through as they are by ReadRawTile); other compressions are decoded by libtiff from bytes
//    read here (TIFFReadFromUserBuffer); odd photometrics become 8-bit RGBA.
//  - The file is read only through OpenOptions::fs.
//
// Thread-safety: an opened source is immutable; its methods are safe from many threads at
// once (libtiff handles come from a pool and serve one thread at a time).
#pragma once

#include "source/registry.h"

namespace tessera {

// {"tiff", probe: 50 for the TIFF / BigTIFF magic numbers (else 0), open}.
FormatEntry TiffFormat();

}  // namespace tessera
