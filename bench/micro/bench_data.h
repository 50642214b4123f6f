// Inputs shared by the micro benchmarks: where the third-party test images live, and real
// slide pixels (CMU-1-Small-Region.svs read through tessera's own TIFF reader), so that codec
// and resampling numbers are measured on tissue rather than on flat or random data.
//
// A benchmark whose input is missing calls state.SkipWithError with the reason: the binary
// still runs the rest and exits 0, so the smoke run passes on a fresh clone without testdata.
// Thread-safety: the loaders cache their result in function-local statics (initialised once).
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/image.h"
#include "core/status.h"

namespace tessera::bench {

// $TESSERA_TESTDATA, else the shared folder beside the checkout (set by CMake).
std::string TestDataDir();

// A width x height RGB uint8 canvas of tissue pasted from the stored full-resolution tiles of
// CMU-1-Small-Region.svs (240x240 JPEG tiles), starting at an interior pixel. NotFound when
// the test image is missing. The returned pointer stays valid for the life of the process.
StatusOr<const Image*> SlidePixels(int width, int height);

// One stored JPEG tile of CMU-1-Small-Region.svs as ReadRawTile returns it (a complete JPEG
// with the JPEGTables spliced in, 240x240), for decode benchmarks.
StatusOr<const Bytes*> SlideRawJpegTile();

}  // namespace tessera::bench
