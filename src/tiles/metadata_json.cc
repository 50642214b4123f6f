#include "tiles/metadata_json.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace tessera {
namespace {

nlohmann::ordered_json OptionalNumber(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::optional<int> IndexOf(const FrameInfo& f, const std::string& key) {
  for (const auto& [k, v] : f.indices)
    if (k == key) return v;
  return std::nullopt;
}

void AddFrames(const SourceMetadata& m, nlohmann::ordered_json& out) {
  // Reference keys in order of first appearance; IndexC is always one.
  std::vector<std::string> refkeys = {"IndexC"};
  std::map<std::string, int> maxref;
  nlohmann::ordered_json frames = nlohmann::ordered_json::array();
  int index = 0;
  for (size_t i = 0; i < m.frames.size(); ++i) {
    const FrameInfo& f = m.frames[i];
    for (const auto& [k, v] : f.indices) {
      if (k.size() > 5 && k.rfind("Index", 0) == 0 &&
          std::find(refkeys.begin(), refkeys.end(), k) == refkeys.end()) {
        refkeys.push_back(k);
      }
    }
    for (const auto& k : refkeys) {
      if (auto v = IndexOf(f, k); v && *v + 1 > maxref[k]) maxref[k] = *v + 1;
    }
    if (i > 0) {
      const FrameInfo& prev = m.frames[i - 1];
      bool changed = false;
      bool any_set = false;
      for (const auto& k : refkeys) {
        if (k != "IndexC" && IndexOf(f, k) != IndexOf(prev, k)) changed = true;
        if (IndexOf(f, k).value_or(0) != 0) any_set = true;
      }
      if (changed || !any_set) ++index;
    }
    nlohmann::ordered_json j;
    for (const auto& [k, v] : f.indices) j[k] = v;
    j["Frame"] = i;
    j["Index"] = index;
    frames.push_back(std::move(j));
  }
  const int channel_count = maxref.count("IndexC") ? std::max(1, maxref["IndexC"]) : 1;
  if (!m.channels.empty() && static_cast<int>(m.channels.size()) >= channel_count) {
    for (size_t i = 0; i < m.frames.size(); ++i) {
      int c = IndexOf(m.frames[i], "IndexC").value_or(0);
      if (c >= 0 && c < static_cast<int>(m.channels.size())) frames[i]["Channel"] = m.channels[c];
    }
  }
  out["frames"] = std::move(frames);
  bool any_range = false;
  for (const auto& [k, v] : maxref) any_range |= v > 1;
  if (any_range) {
    nlohmann::ordered_json range = nlohmann::ordered_json::object();
    nlohmann::ordered_json stride = nlohmann::ordered_json::object();
    for (const auto& k : refkeys) {
      auto it = maxref.find(k);
      if (it == maxref.end() || it->second <= 1) continue;
      range[k] = it->second;
      for (size_t i = 0; i < m.frames.size(); ++i) {
        if (IndexOf(m.frames[i], k) == 1) {
          stride[k] = i;
          break;
        }
      }
    }
    out["IndexRange"] = std::move(range);
    out["IndexStride"] = std::move(stride);
  }
  if (!m.channels.empty() && static_cast<int>(m.channels.size()) >= channel_count) {
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    nlohmann::ordered_json map = nlohmann::ordered_json::object();
    for (int c = 0; c < channel_count; ++c) {
      names.push_back(m.channels[c]);
      map[m.channels[c]] = c;
    }
    out["channels"] = std::move(names);
    out["channelmap"] = std::move(map);
  }
}

}  // namespace

nlohmann::ordered_json MetadataToJson(const SourceMetadata& m) {
  nlohmann::ordered_json j;
  j["levels"] = m.levels;
  j["sizeX"] = m.size_x;
  j["sizeY"] = m.size_y;
  j["tileWidth"] = m.tile_width;
  j["tileHeight"] = m.tile_height;
  j["magnification"] = OptionalNumber(m.magnification);
  j["mm_x"] = OptionalNumber(m.mm_x);
  j["mm_y"] = OptionalNumber(m.mm_y);
  j["dtype"] = std::string(PixelTypeName(m.dtype));
  j["bandCount"] = m.band_count;
  if (m.frames.size() > 1) AddFrames(m, j);
  return j;
}

}  // namespace tessera
