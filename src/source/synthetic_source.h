// PLACEHOLDER
#pragma once
#include "source/tile_source.h"
