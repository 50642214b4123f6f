#include "imaging/palette.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace tessera {

void PrintTo(const Rgba& c, std::ostream* os) {
  *os << "(" << c.r << ", " << c.g << ", " << c.b << ", " << c.a << ")";
}

namespace {

using nlohmann::json;

std::vector<Rgba> Colors(const json& value) {
  auto p = PaletteColors(value);
  EXPECT_TRUE(p.ok()) << value.dump() << ": " << p.status().ToString();
  return p.ok() ? *p : std::vector<Rgba>{};
}

Rgba Hex(const std::string& hex) {
  auto c = ParseColor(hex);
  EXPECT_TRUE(c.ok()) << hex;
  return c.ok() ? *c : Rgba{};
}

std::vector<Rgba> Hexes(const std::vector<std::string>& hexes) {
  std::vector<Rgba> out;
  for (const std::string& h : hexes) out.push_back(Hex(h));
  return out;
}

void ExpectInvalid(const json& value) {
  auto p = PaletteColors(value);
  ASSERT_FALSE(p.ok()) << value.dump();
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "cannot be used as a color palette: " + value.dump());
}

TEST(PaletteTest, OneColourRunsFromBlack) {
  EXPECT_EQ(Colors("#f00"), (std::vector<Rgba>{{0, 0, 0, 255}, {255, 0, 0, 255}}));
  EXPECT_EQ(Colors("#0000ff80"), (std::vector<Rgba>{{0, 0, 0, 255}, {0, 0, 255, 128}}));
  EXPECT_EQ(Colors("green"), (std::vector<Rgba>{{0, 0, 0, 255}, {0, 128, 0, 255}}));
  // large_image's own colour names: GREEN is pure green.
  EXPECT_EQ(Colors("GREEN"), (std::vector<Rgba>{{0, 0, 0, 255}, {0, 255, 0, 255}}));
  // A matplotlib-only colour starts from transparent black.
  EXPECT_EQ(Colors("tab:blue"), (std::vector<Rgba>{{0, 0, 0, 0}, {31, 119, 180, 255}}));
  EXPECT_EQ(Colors("xkcd:sky blue"), (std::vector<Rgba>{{0, 0, 0, 0}, {117, 187, 253, 255}}));
  // As in large_image, "gray" is the CSS colour before it is matplotlib's colormap.
  EXPECT_EQ(Colors("gray"), (std::vector<Rgba>{{0, 0, 0, 255}, {128, 128, 128, 255}}));
  EXPECT_EQ(Colors("gray_r"), Hexes({"#fff", "#000"}));
}

TEST(PaletteTest, ListsOfColourStringsAndTuples) {
  EXPECT_EQ(Colors(json::parse(R"(["#000", "#ff000080", "red", "xkcd:sky blue", "Tab:Orange"])")),
            (std::vector<Rgba>{{0, 0, 0, 255},
                               {255, 0, 0, 128},
                               {255, 0, 0, 255},
                               {117, 187, 253, 255},
                               {255, 127, 14, 255}}));
  EXPECT_EQ(Colors(json::parse(R"([[1, 0, 0], [0, 0.5, 1, 0.2], "0.5", [2, -1, 0]])")),
            (std::vector<Rgba>{
                {255, 0, 0, 255}, {0, 127.5, 255, 51}, {128, 128, 128, 255}, {255, 0, 0, 255}}));
  EXPECT_EQ(Colors(json::array({"#123"})).size(), 1u);
}

TEST(PaletteTest, Viridis) {
  std::vector<Rgba> v = Colors("viridis");
  ASSERT_EQ(v.size(), 256u);
  EXPECT_EQ(v.front(), Hex("#440154"));
  EXPECT_EQ(v.back(), Hex("#fde725"));
  EXPECT_EQ(Colors("Viridis"), v);  // a unique case-insensitive match
  std::vector<Rgba> r = Colors("viridis_r");
  std::reverse(r.begin(), r.end());
  EXPECT_EQ(r, v);
  EXPECT_EQ(Colors("VIRIDIS_R"), Colors("viridis_r"));
}

TEST(PaletteTest, PalettableNames) {
  std::vector<Rgba> p6 = Colors("matplotlib.Plasma_6");
  ASSERT_EQ(p6.size(), 6u);
  std::vector<Rgba> plasma = Colors("plasma");
  ASSERT_EQ(plasma.size(), 256u);
  EXPECT_EQ(p6.front(), plasma.front());
  EXPECT_EQ(p6.back(), plasma.back());

  std::vector<Rgba> blues = Colors("colorbrewer.sequential.Blues_9");
  ASSERT_EQ(blues.size(), 9u);
  std::vector<Rgba> reversed = Colors("colorbrewer.sequential.Blues_9_r");
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(reversed, blues);
  EXPECT_EQ(Colors("cmocean.sequential.Thermal_10").size(), 10u);
}

TEST(PaletteTest, LinearSegmentedColormapsGiveTheirAnchors) {
  std::vector<Rgba> greys = Colors("Greys");
  ASSERT_EQ(greys.size(), 9u);  // colorbrewer's nine greys
  EXPECT_EQ(greys.front(), Hex("#fff"));
  EXPECT_EQ(greys.back(), Hex("#000"));
  EXPECT_EQ(Colors("greys"), greys);
  std::vector<Rgba> r = Colors("Greys_r");
  std::reverse(r.begin(), r.end());
  EXPECT_EQ(r, greys);
}

TEST(PaletteTest, BadValues) {
  ExpectInvalid("no such palette");
  ExpectInvalid("viridis_rr");
  ExpectInvalid(json::array());
  ExpectInvalid(json::parse(R"(["#000", "#zzz"])"));
  ExpectInvalid(json::parse(R"([[1, 0]])"));
  ExpectInvalid(json::parse(R"([[1, 0, 0, 1, 1]])"));
  ExpectInvalid(json::parse(R"([[1, "0", 0]])"));
  ExpectInvalid(json::parse(R"(["1.5"])"));
  ExpectInvalid(json::parse(R"([true])"));
  ExpectInvalid(5);
  ExpectInvalid(json::parse(R"({"palette": "viridis"})"));
  ExpectInvalid(nullptr);
}

TEST(PaletteTest, NamedPaletteNames) {
  const std::vector<std::string>& names = NamedPaletteNames();
  EXPECT_GT(names.size(), 3000u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end());
  for (const char* name : {"viridis", "viridis_r", "Greys", "jet", "matplotlib.Plasma_6",
                           "colorbrewer.sequential.Blues_9_r", "cmocean.sequential.Thermal_10"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << name;
    EXPECT_TRUE(PaletteColors(name).ok()) << name;
  }
}

// Runs Debian's Python with `code` (no single quotes in it); nullopt when it fails.
std::optional<std::string> RunPython(const std::string& code) {
  FILE* p = popen(("/usr/bin/python3 -c '" + code + "' 2>/dev/null").c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? std::optional<std::string>(out) : std::nullopt;
}

// The values the test checks, computed at test time by matplotlib and palettable themselves
// (not from our generated tables).
constexpr char kReferenceScript[] = R"(
import json, matplotlib, matplotlib.colors as mc, palettable
cm = matplotlib.colormaps
def anchors(name):
    d = cm[name]._segmentdata
    out = []
    for i in range(len(d["red"])):
        h = "#" + "".join("%02x" % int(round(float(d[k][i][-1]) * 255)) for k in ("red", "green", "blue"))
        if not out or out[-1] != h:
            out.append(h)
    return out
print(json.dumps({
    "viridis": [mc.to_hex(cm["viridis"](i)) for i in range(256)],
    "twilight_shifted": [mc.to_hex(cm["twilight_shifted"](i)) for i in range(cm["twilight_shifted"].N)],
    "tab10": [mc.to_hex(c) for c in cm["tab10"].colors],
    "gist_heat": [mc.to_hex(cm["gist_heat"](i)) for i in range(256)],
    "Greys": anchors("Greys"),
    "RdBu_r": anchors("RdBu_r"),
    "jet": anchors("jet"),
    "colorbrewer.sequential.Blues_9": palettable.colorbrewer.sequential.Blues_9.hex_colors,
    "cmocean.sequential.Thermal_10_r": palettable.cmocean.sequential.Thermal_10_r.hex_colors,
    "scientific.sequential.Batlow_20": palettable.scientific.sequential.Batlow_20.hex_colors,
    "xkcd:sky blue": ["#0000", mc.to_hex("xkcd:sky blue")],
    "tab:olive": ["#0000", mc.to_hex("tab:olive")],
}))
)";

TEST(PaletteTest, MatchesMatplotlibAndPalettableAtTestTime) {
  if (!RunPython("import matplotlib, palettable")) {
    GTEST_SKIP() << "/usr/bin/python3 with matplotlib and palettable is not available "
                    "(scripts/setup installs python3-matplotlib and python3-palettable)";
  }
  std::optional<std::string> out = RunPython(kReferenceScript);
  ASSERT_TRUE(out.has_value()) << "the reference script failed";
  json ref = json::parse(*out);
  ASSERT_EQ(ref.size(), 12u);
  for (auto it = ref.begin(); it != ref.end(); ++it) {
    std::vector<std::string> hexes = it.value().get<std::vector<std::string>>();
    EXPECT_EQ(Colors(it.key()), Hexes(hexes)) << it.key();
  }
}

}  // namespace
}  // namespace tessera
