// Colour palettes for the style language (imaging/style.h): what a style band's `palette` value
// names, read the way large_image's getPaletteColors reads it, as RGBA stops on a 0..255 scale.
//
// The named palettes are palettable's and matplotlib's, generated at build time from Debian's
// python3-palettable and python3-matplotlib by scripts/gen_palettes.py (the repository holds no
// colour data of theirs).
//
// Thread-safety: pure functions over constant tables; the case-insensitive index and the name
// list are built once, on first use, by function-local statics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "imaging/color.h"

namespace tessera {

// large_image's getPaletteColors: the palette a style band's `palette` value names, as RGBA
// stops on a 0..255 scale. `value` is the JSON value of the key:
//  - a list: each entry a colour string (ParseColor's CSS forms, large_image's "R"/"G"/"B"/
//    "RED"/"GREEN"/"BLUE", a matplotlib colour name such as "tab:blue" or "xkcd:sky blue", or a
//    matplotlib grey level "0.5") or a list of 3 or 4 numbers in 0..1 (RGB(A), alpha 1 when
//    absent; values outside 0..1 are clamped);
//  - a string that is one colour: ["#000", colour] (a matplotlib-only colour name:
//    ["#0000", colour]). As in large_image this comes first, so "gray" and "pink" are colours,
//    not matplotlib's colormaps of those names ("gray_r" is the colormap);
//  - otherwise a named palette: palettable's dotted names ("matplotlib.Plasma_6",
//    "colorbrewer.sequential.Blues_9", "cmocean.sequential.Thermal_10", ... and their "_r"
//    reversed forms), then matplotlib's colormap names ("viridis", "Greys", "jet", ... and "_r"
//    forms), converted as large_image's _mpl_lsc_to_palette does (a LinearSegmentedColormap:
//    its anchor values; other colormaps: the cmap.N sampled colours, alpha dropped).
// Names are case-sensitive as in Python, but a case-insensitive match is also accepted when it
// is unique ("Viridis", "greys"). Otherwise InvalidArgument
// "cannot be used as a color palette: <value as JSON>"; an empty list is invalid.
StatusOr<std::vector<Rgba>> PaletteColors(const nlohmann::json& value);

// All named palettes (palettable's and matplotlib's), sorted (for an API listing).
const std::vector<std::string>& NamedPaletteNames();

}  // namespace tessera
