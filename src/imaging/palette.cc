// TEMPORARY stand-in while the palettes land on branch palette-icc (replaced by the merge).
#include "imaging/palette.h"

namespace tessera {

StatusOr<std::vector<Rgba>> PaletteColors(const nlohmann::json& value) {
  std::vector<Rgba> out;
  auto one = [](const nlohmann::json& v) -> StatusOr<Rgba> {
    if (v.is_string()) return ParseColor(v.get<std::string>());
    if (v.is_array() && (v.size() == 3 || v.size() == 4)) {
      Rgba c;
      c.r = v[0].get<double>() * 255;
      c.g = v[1].get<double>() * 255;
      c.b = v[2].get<double>() * 255;
      c.a = v.size() == 4 ? v[3].get<double>() * 255 : 255;
      return c;
    }
    return InvalidArgumentError("bad colour");
  };
  if (value.is_array()) {
    for (const auto& v : value) {
      auto c = one(v);
      if (!c.ok())
        return InvalidArgumentError("cannot be used as a color palette: " + value.dump());
      out.push_back(*c);
    }
    if (out.empty())
      return InvalidArgumentError("cannot be used as a color palette: " + value.dump());
    return out;
  }
  auto c = one(value);
  if (!c.ok()) return InvalidArgumentError("cannot be used as a color palette: " + value.dump());
  return std::vector<Rgba>{Rgba{0, 0, 0, 255}, *c};
}

const std::vector<std::string>& NamedPaletteNames() {
  static const std::vector<std::string> none;
  return none;
}

}  // namespace tessera
