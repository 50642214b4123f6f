// PLACEHOLDER
#include "imaging/resample.h"
