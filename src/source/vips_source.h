// PLACEHOLDER: vips format (to be implemented).
#pragma once

#include "source/registry.h"

namespace tessera {

FormatEntry VipsFormat();

}  // namespace tessera
