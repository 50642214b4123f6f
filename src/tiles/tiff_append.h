// AppendReducedIfd: adds the first IFD of one tiled TIFF to the end of another as a
// reduced-resolution image (NewSubfileType = 1), copying the stored tiles byte for byte — no
// decode, no re-encode, so a JPEG level keeps its exact bytes and JPEGTables. The conversion job
// (tiles/convert.h) builds a pyramid this way from one single-level file per level.
//
// Copied: geometry, tile size, sample layout (bits, samples, format, extra samples, planar
// configuration), photometric interpretation, compression with its predictor, JPEGTables and
// the YCbCr fields. libtiff reports errors per handle (TIFFOpenOptionsSetErrorHandlerExtR).
// Thread-safety: no shared state; the two files must not be written by anyone else meanwhile.
#pragma once

#include <string>

#include "core/status.h"

namespace tessera {

// `to` keeps its byte order and classic/Big TIFF form. Errors: Internal (libtiff's text), and
// InvalidArgument when `from` is not tiled.
Status AppendReducedIfd(const std::string& to, const std::string& from);

}  // namespace tessera
