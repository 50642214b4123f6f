// TEMPORARY stand-in while the palettes land on branch palette-icc (replaced by the merge).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "imaging/color.h"

namespace tessera {

StatusOr<std::vector<Rgba>> PaletteColors(const nlohmann::json& value);
const std::vector<std::string>& NamedPaletteNames();

}  // namespace tessera
