// The directories of a TIFF file as libtiff reads them, for tests that check the TIFF files
// Tessera writes (tiled regions, TIFF tiles).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

struct TiffIfd {
  uint32_t width = 0, height = 0, tile_w = 0, tile_h = 0, subfile = 0;
  uint16_t bits = 0, samples = 0, format = 1, compression = 0, photometric = 0;  // format: uint
};

// Every IFD of `path` in order (empty when libtiff cannot open it).
std::vector<TiffIfd> ReadTiffIfds(const std::string& path);

}  // namespace tessera
