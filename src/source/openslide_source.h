// PLACEHOLDER: openslide format (to be implemented).
#pragma once

#include "source/registry.h"

namespace tessera {

FormatEntry OpenSlideFormat();

}  // namespace tessera
