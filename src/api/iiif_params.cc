// PLACEHOLDER
#include "api/iiif_params.h"
