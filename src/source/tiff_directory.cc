// PLACEHOLDER
#include "source/tiff_directory.h"
