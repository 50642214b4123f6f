#!/usr/bin/python3
"""Writes the named-palette tables of src/imaging/palette.cc as a C++ include file.

Usage: /usr/bin/python3 scripts/gen_palettes.py OUTPUT.inc

The colour data comes from Debian's python3-matplotlib and python3-palettable (scripts/setup
installs them), read the way large_image's getPaletteColors reads them:

  - palettable: every object with a `hex_colors` list reached from the palettable package
    through at most three levels of submodules, named by its dotted path
    ("colorbrewer.sequential.Blues_9"), stops = its hex colours;
  - matplotlib colormaps (the registry, "_r" forms included): a LinearSegmentedColormap whose
    segment data are lists gives the last value of each anchor per channel (consecutive
    repeats dropped, alpha when the data has it); any other colormap, or segment data that are
    functions, gives its cmap.N sampled colours through to_hex (alpha dropped);
  - matplotlib's named colours (get_named_colors_mapping: CSS4, "tab:", "xkcd:", single
    letters) as opaque RGB.

Every table is sorted by name (byte order, as std::string_view compares). Stops are RGBA packed
in a uint32 as 0xRRGGBBAA; identical stop lists are stored once.
"""

import os
import sys
import types

import matplotlib
import matplotlib.colors as mcolors
import palettable


def palettable_palettes():
    """{dotted name: [hex colour, ...]} for every palettable palette."""
    found = {}

    def walk(module, root, depth):
        for key in dir(module):
            if key.startswith("_"):
                continue
            attr = getattr(module, key)
            if isinstance(attr, types.ModuleType) and depth < 3:
                walk(attr, root + "." + key if root else key, depth + 1)
            elif root and isinstance(getattr(attr, "hex_colors", None), list):
                found[root + "." + key] = list(attr.hex_colors)

    walk(palettable, "", 0)
    return found


def channel(value):
    return int(round(float(value) * 255))


def anchor_stops(cmap):
    """The anchor colours of a LinearSegmentedColormap with list segment data, else None."""
    if not isinstance(cmap, mcolors.LinearSegmentedColormap):
        return None
    try:
        data = cmap._segmentdata
        red, green, blue = data["red"], data["green"], data["blue"]
        alpha = data.get("alpha", None)
        stops = []
        for i in range(len(red)):
            entry = "#%02X%02X%02X" % (
                channel(red[i][-1]),
                channel(green[i][-1]),
                channel(blue[i][-1]),
            )
            if alpha is not None:
                entry += "%02X" % channel(alpha[i][-1])
            if not stops or stops[-1] != entry:
                stops.append(entry)
        return stops
    except Exception:  # functions as segment data, ragged lists: sample instead
        return None


def matplotlib_colormaps():
    """{name: [hex colour, ...]} for every registered matplotlib colormap."""
    registry = matplotlib.colormaps
    found = {}
    for name in registry:
        cmap = registry[name]
        stops = anchor_stops(cmap)
        if stops is None:
            stops = [mcolors.to_hex(cmap(i)) for i in range(cmap.N)]
        found[name] = stops
    return found


def matplotlib_colors():
    """{name: 0xRRGGBB} for matplotlib's named colours."""
    found = {}
    for name in mcolors.get_named_colors_mapping():
        found[name] = int(mcolors.to_hex(name)[1:], 16)
    return found


def pack(hex_colour):
    """'#RRGGBB' or '#RRGGBBAA' -> 0xRRGGBBAA."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 6:
        digits += "ff"
    if len(digits) != 8:
        raise ValueError("unexpected colour %r" % hex_colour)
    return int(digits, 16)


def c_string(text):
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= code < 127 and ch != "?":  # '?' could start a trigraph
            out.append(ch)
        elif code < 128:
            out.append("\\%03o" % code)
        else:
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


class StopTable:
    def __init__(self):
        self.stops = []
        self.offsets = {}

    def add(self, hex_colours):
        packed = tuple(pack(h) for h in hex_colours)
        if packed not in self.offsets:
            self.offsets[packed] = len(self.stops)
            self.stops.extend(packed)
        return self.offsets[packed], len(packed)


def write(path):
    stops = StopTable()
    sections = []
    for table, palettes in (
        ("kPalettablePalettes", palettable_palettes()),
        ("kMatplotlibColormaps", matplotlib_colormaps()),
    ):
        rows = []
        for name in sorted(palettes):
            offset, count = stops.add(palettes[name])
            rows.append("    {%s, %d, %d}," % (c_string(name), offset, count))
        sections.append((table, rows))
    colors = matplotlib_colors()
    color_rows = [
        "    {%s, 0x%06x}," % (c_string(name), colors[name]) for name in sorted(colors)
    ]

    lines = [
        "// Generated by scripts/gen_palettes.py from matplotlib %s and palettable %s."
        % (matplotlib.__version__, palettable.__version__),
        "// Do not edit; included by src/imaging/palette.cc only.",
        "",
        "// Palette stops, 0xRRGGBBAA.",
        "inline constexpr uint32_t kPaletteStops[] = {",
    ]
    for i in range(0, len(stops.stops), 8):
        lines.append("    " + " ".join("0x%08x," % v for v in stops.stops[i : i + 8]))
    lines.append("};")
    for table, rows in sections:
        lines += ["", "// {name, first stop, stop count}, sorted by name."]
        lines.append("inline constexpr PaletteEntry %s[] = {" % table)
        lines += rows
        lines.append("};")
    lines += ["", "// matplotlib's named colours {name, 0xRRGGBB}, sorted by name."]
    lines.append("inline constexpr NamedColorEntry kMatplotlibColors[] = {")
    lines += color_rows
    lines.append("};")

    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_palettes.py OUTPUT.inc")
    write(sys.argv[1])
