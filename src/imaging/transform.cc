// PLACEHOLDER
#include "imaging/transform.h"
