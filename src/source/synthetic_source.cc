// PLACEHOLDER
#include "source/synthetic_source.h"
