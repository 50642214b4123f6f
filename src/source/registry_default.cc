#include "source/openslide_source.h"
#include "source/registry.h"
#include "source/tiff_source.h"
#include "source/vips_source.h"

namespace tessera {

FormatRegistry FormatRegistry::Default() {
  FormatRegistry r;
  r.Register(TiffFormat());
  r.Register(OpenSlideFormat());
  r.Register(VipsFormat());
  return r;
}

}  // namespace tessera
