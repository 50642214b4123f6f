// PLACEHOLDER
#include "tiles/tiled_tiff_writer.h"
