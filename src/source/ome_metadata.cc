// PLACEHOLDER
#include "source/ome_metadata.h"
