#include "testing/tiff_ifds.h"

#include <tiffio.h>

namespace tessera {

std::vector<TiffIfd> ReadTiffIfds(const std::string& path) {
  std::vector<TiffIfd> out;
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return out;
  do {
    TiffIfd d;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &d.width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &d.height);
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &d.tile_w);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &d.tile_h);
    TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &d.subfile);
    TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &d.bits);
    TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &d.samples);
    TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &d.format);
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &d.compression);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &d.photometric);
    out.push_back(d);
  } while (TIFFReadDirectory(tif));
  TIFFClose(tif);
  return out;
}

}  // namespace tessera
