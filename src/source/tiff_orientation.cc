// PLACEHOLDER
#include "source/tiff_orientation.h"
