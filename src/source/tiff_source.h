// PLACEHOLDER: tiff format (to be implemented).
#pragma once

#include "source/registry.h"

namespace tessera {

FormatEntry TiffFormat();

}  // namespace tessera
