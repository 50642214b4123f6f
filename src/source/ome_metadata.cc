#include "source/ome_metadata.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "core/strings.h"

namespace tessera {
namespace {

// ---- a minimal XML tag scanner (elements and attributes; text content is not needed) -------

struct XmlTag {
  std::string name;  // local name (namespace prefix removed)
  std::map<std::string, std::string> attrs;
  bool is_end = false;
};

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi;
    if (s[i] != '&' || (semi = s.find(';', i)) == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent.size() > 1 && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      for (char ch : ent.substr(hex ? 2 : 1)) {
        int v = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(ch))
                    ? std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10
                    : -1;
        if (v < 0 || cp > 0x10FFFF) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      }
      AppendUtf8(&out, std::min<uint32_t>(cp, 0x10FFFF));
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Calls `visit` for every start and end tag (a self-closing tag gives both). False when the
// document is malformed.
bool ScanXml(std::string_view xml, const std::function<void(const XmlTag&)>& visit) {
  const size_t n = xml.size();
  size_t i = 0;
  auto skip_to = [&](std::string_view end, size_t from) {
    size_t e = xml.find(end, from);
    return e == std::string_view::npos ? n : e + end.size();
  };
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    std::string_view rest = xml.substr(i);
    if (rest.starts_with("<!--")) {
      i = skip_to("-->", i + 4);
      continue;
    }
    if (rest.starts_with("<![CDATA[")) {
      i = skip_to("]]>", i + 9);
      continue;
    }
    if (rest.starts_with("<?")) {
      i = skip_to("?>", i + 2);
      continue;
    }
    if (rest.starts_with("<!")) {
      i = skip_to(">", i + 2);
      continue;
    }
    XmlTag tag;
    size_t j = i + 1;
    if (j < n && xml[j] == '/') {
      tag.is_end = true;
      ++j;
    }
    size_t name_start = j;
    while (j < n && !IsSpace(xml[j]) && xml[j] != '/' && xml[j] != '>') ++j;
    std::string_view qname = xml.substr(name_start, j - name_start);
    if (qname.empty()) return false;
    size_t colon = qname.rfind(':');
    tag.name = std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
    bool self_closing = false;
    for (;;) {
      while (j < n && IsSpace(xml[j])) ++j;
      if (j >= n) return false;
      if (xml[j] == '>') {
        ++j;
        break;
      }
      if (xml[j] == '/' && j + 1 < n && xml[j + 1] == '>') {
        self_closing = true;
        j += 2;
        break;
      }
      size_t a = j;
      while (j < n && xml[j] != '=' && !IsSpace(xml[j]) && xml[j] != '>') ++j;
      std::string_view aname = xml.substr(a, j - a);
      while (j < n && IsSpace(xml[j])) ++j;
      if (j >= n || xml[j] != '=' || aname.empty()) return false;
      ++j;
      while (j < n && IsSpace(xml[j])) ++j;
      if (j >= n || (xml[j] != '"' && xml[j] != '\'')) return false;
      char quote = xml[j++];
      size_t end = xml.find(quote, j);
      if (end == std::string_view::npos) return false;
      size_t acolon = aname.rfind(':');
      std::string key(acolon == std::string_view::npos ? aname : aname.substr(acolon + 1));
      tag.attrs[key] = DecodeEntities(xml.substr(j, end - j));
      j = end + 1;
    }
    visit(tag);
    if (self_closing) {
      tag.is_end = true;
      tag.attrs.clear();
      visit(tag);
    }
    i = j;
  }
  return true;
}

// ---- OME ------------------------------------------------------------------------------------

std::optional<int64_t> IntAttr(const std::map<std::string, std::string>& attrs,
                               const std::string& key) {
  auto it = attrs.find(key);
  if (it == attrs.end()) return std::nullopt;
  return ParseInt(Trim(it->second));
}

// Metres per OME length unit.
std::optional<double> UnitToMetres(std::string_view unit) {
  static const std::pair<std::string_view, double> kUnits[] = {
      {"Ym", 1e24},        {"Zm", 1e21},  {"Em", 1e18},
      {"Pm", 1e15},        {"Tm", 1e12},  {"Gm", 1e9},
      {"Mm", 1e6},         {"km", 1e3},   {"hm", 1e2},
      {"dam", 1e1},        {"m", 1},      {"dm", 1e-1},
      {"cm", 1e-2},        {"mm", 1e-3},  {"\xC2\xB5m", 1e-6},
      {"\xCE\xBCm", 1e-6}, {"um", 1e-6},  {"nm", 1e-9},
      {"pm", 1e-12},       {"fm", 1e-15}, {"am", 1e-18},
      {"zm", 1e-21},       {"ym", 1e-24}, {"\xC3\x85", 1e-10},
  };
  for (const auto& [name, metres] : kUnits) {
    if (unit == name) return metres;
  }
  return std::nullopt;
}

std::optional<double> PhysicalSizeMm(const std::map<std::string, std::string>& pixels,
                                     const std::string& axis) {
  auto it = pixels.find("PhysicalSize" + axis);
  if (it == pixels.end()) return std::nullopt;
  auto value = ParseDouble(Trim(it->second));
  auto unit_it = pixels.find("PhysicalSize" + axis + "Unit");
  auto metres = UnitToMetres(unit_it == pixels.end() ? "\xC2\xB5m" : Trim(unit_it->second));
  if (!value || !metres || !(*value > 0)) return std::nullopt;
  return *value * 1e3 * *metres;
}

}  // namespace

std::optional<OmeMetadata> ParseOmeXml(std::string_view xml) {
  if (xml.find("<OME") == std::string_view::npos && xml.find(":OME") == std::string_view::npos) {
    return std::nullopt;
  }
  struct Channel {
    std::optional<std::string> name;
    int samples = 1;
  };
  bool saw_ome = false, in_image = false, in_pixels = false, saw_pixels = false;
  int images = 0;
  std::map<std::string, std::string> pixels;
  std::vector<Channel> channels;
  std::vector<std::map<std::string, std::string>> tiffdata;
  std::set<std::string> files;
  std::set<std::string> named_axes;
  bool ok = ScanXml(xml, [&](const XmlTag& tag) {
    if (tag.name == "OME") saw_ome = true;
    if (tag.name == "Image") {
      if (!tag.is_end) ++images;
      in_image = !tag.is_end && images == 1;
      return;
    }
    if (!in_image) return;
    if (tag.name == "Pixels") {
      in_pixels = !tag.is_end && !saw_pixels;
      if (!tag.is_end && !saw_pixels) {
        pixels = tag.attrs;
        saw_pixels = true;
      }
      return;
    }
    if (!in_pixels || tag.is_end) return;
    if (tag.name == "Channel") {
      Channel c;
      if (auto it = tag.attrs.find("Name"); it != tag.attrs.end()) c.name = it->second;
      c.samples = static_cast<int>(IntAttr(tag.attrs, "SamplesPerPixel").value_or(1));
      channels.push_back(c);
    } else if (tag.name == "TiffData") {
      tiffdata.push_back(tag.attrs);
      for (const char* axis : {"C", "Z", "T"}) {
        if (tag.attrs.count(std::string("First") + axis)) named_axes.insert(axis);
      }
    } else if (tag.name == "UUID") {
      if (auto it = tag.attrs.find("FileName"); it != tag.attrs.end()) files.insert(it->second);
    } else if (tag.name == "Plane") {
      for (const char* axis : {"C", "Z", "T"}) {
        if (tag.attrs.count(std::string("The") + axis)) named_axes.insert(axis);
      }
    }
  });
  if (!ok || !saw_ome || !saw_pixels || files.size() > 1) return std::nullopt;

  OmeMetadata ome;
  int samples = channels.empty() ? 1 : std::max(1, channels[0].samples);
  auto count_c = IntAttr(pixels, "SizeC").value_or(1);
  ome.count_c = static_cast<int>(std::max<int64_t>(1, count_c / samples));
  ome.count_z = static_cast<int>(std::max<int64_t>(1, IntAttr(pixels, "SizeZ").value_or(1)));
  ome.count_t = static_cast<int>(std::max<int64_t>(1, IntAttr(pixels, "SizeT").value_or(1)));
  const int64_t total = int64_t{ome.count_c} * ome.count_z * ome.count_t;
  if (total > (1 << 20)) return std::nullopt;
  if (auto it = pixels.find("DimensionOrder"); it != pixels.end()) {
    std::string order = it->second;
    std::string axes = order.size() == 5 ? order.substr(2) : "";
    std::sort(axes.begin(), axes.end());
    if (order.starts_with("XY") && axes == "CTZ") ome.dimension_order = order;
  }
  auto size_of = [&](char axis) {
    return axis == 'C' ? ome.count_c : axis == 'Z' ? ome.count_z : ome.count_t;
  };
  auto plane_of = [&](int64_t p) {
    int v[3] = {0, 0, 0};  // c, z, t
    for (int k = 2; k < 5; ++k) {
      char axis = ome.dimension_order[k];
      int idx = axis == 'C' ? 0 : axis == 'Z' ? 1 : 2;
      v[idx] = static_cast<int>(p % size_of(axis));
      p /= size_of(axis);
    }
    return std::make_tuple(v[0], v[1], v[2]);
  };
  auto index_of = [&](int64_t c, int64_t z, int64_t t) {
    int64_t p = 0, stride = 1;
    for (int k = 2; k < 5; ++k) {
      char axis = ome.dimension_order[k];
      p += (axis == 'C' ? c : axis == 'Z' ? z : t) * stride;
      stride *= size_of(axis);
    }
    return p;
  };
  auto add_plane = [&](int64_t ifd, int64_t p) {
    if (p < 0 || p >= total || ifd < 0 || ifd > (1 << 20)) return false;
    auto [c, z, t] = plane_of(p);
    ome.planes.push_back(OmePlane{static_cast<int>(ifd), c, z, t});
    return true;
  };
  if (tiffdata.empty()) {
    for (int64_t p = 0; p < total; ++p) add_plane(p, p);
  } else {
    for (const auto& td : tiffdata) {
      auto ifd = IntAttr(td, "IFD");
      int64_t c = IntAttr(td, "FirstC").value_or(0), z = IntAttr(td, "FirstZ").value_or(0),
              t = IntAttr(td, "FirstT").value_or(0);
      if (c < 0 || z < 0 || t < 0 || c >= ome.count_c || z >= ome.count_z || t >= ome.count_t) {
        return std::nullopt;
      }
      int64_t first = index_of(c, z, t);
      int64_t count = IntAttr(td, "PlaneCount").value_or(ifd ? 1 : total - first);
      if (count < 0 || count > total) return std::nullopt;
      for (int64_t k = 0; k < count; ++k) {
        if (!add_plane(ifd.value_or(0) + k, first + k)) return std::nullopt;
      }
    }
  }
  std::set<std::tuple<int, int, int>> distinct;
  for (const auto& p : ome.planes) distinct.insert({p.c, p.z, p.t});
  if (static_cast<int64_t>(ome.planes.size()) != total ||
      static_cast<int64_t>(distinct.size()) != total) {
    return std::nullopt;
  }
  for (const char* axis : {"C", "Z", "T"}) {
    if (named_axes.count(axis) || size_of(axis[0]) > 1) ome.axes.push_back(axis);
  }
  bool all_named = static_cast<int>(channels.size()) >= ome.count_c &&
                   std::all_of(channels.begin(), channels.end(), [](const Channel& c) {
                     return c.name.has_value() && !c.name->empty();
                   });
  if (all_named) {
    for (int c = 0; c < ome.count_c; ++c) ome.channel_names.push_back(*channels[c].name);
  }
  ome.mm_x = PhysicalSizeMm(pixels, "X");
  ome.mm_y = PhysicalSizeMm(pixels, "Y");
  return ome;
}

std::optional<AperioMetadata> ParseAperioDescription(std::string_view description) {
  if (!description.starts_with("Aperio") && description.find("AppMag = ") == std::string::npos) {
    return std::nullopt;
  }
  AperioMetadata out;
  std::vector<std::string_view> parts = Split(description, '|');
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find(" = ");
    if (eq == std::string_view::npos) continue;
    std::string key(Trim(parts[i].substr(0, eq)));
    if (key.empty()) continue;
    out.pairs.emplace_back(key, std::string(Trim(parts[i].substr(eq + 3))));
  }
  for (const auto& [key, value] : out.pairs) {
    if (key == "AppMag") out.magnification = ParseDouble(value);
    if (key == "MPP") {
      if (auto mpp = ParseDouble(value); mpp && *mpp > 0) out.mm_per_pixel = *mpp * 0.001;
    }
  }
  if (out.pairs.empty()) return std::nullopt;
  return out;
}

std::optional<LargeImageFrame> ParseLargeImageDescription(std::string_view description) {
  std::string_view d = Trim(description);
  if (!d.starts_with("{")) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(d, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  LargeImageFrame out;
  if (auto f = j.find("frame"); f != j.end() && f->is_object()) {
    for (const auto& [key, value] : f->items()) {
      if (key.starts_with("Index") && key.size() > 5 && value.is_number_integer()) {
        out.indices.emplace_back(key, value.get<int>());
      }
    }
  }
  if (auto c = j.find("channels"); c != j.end() && c->is_array()) {
    for (const auto& name : *c) {
      if (!name.is_string()) return out;
      out.channels.push_back(name.get<std::string>());
    }
  }
  return out;
}

std::string AssociatedImageName(std::string_view description, uint32_t subfile_type) {
  auto first_word = [](std::string_view s) {
    s = Trim(s);
    size_t end = 0;
    while (end < s.size() && !IsSpace(s[end])) ++end;
    return ToLower(s.substr(0, end));
  };
  std::string id;
  if (!Trim(description).empty()) {
    id = first_word(description);
    size_t nl = description.find('\n');
    if (nl != std::string_view::npos) {
      std::string second = first_word(description.substr(nl + 1));
      if (!second.empty()) id = second;
    }
  } else if (subfile_type == 1) {
    id = "label";
  } else if (subfile_type == 9) {
    id = "macro";
  }
  bool alnum = std::all_of(id.begin(), id.end(),
                           [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  if (!alnum || id.size() <= 3 || id.size() > 20) return "";
  return id;
}

}  // namespace tessera
