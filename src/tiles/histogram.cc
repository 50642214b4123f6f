// PLACEHOLDER
#include "tiles/histogram.h"
