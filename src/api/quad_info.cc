#include "api/quad_info.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

// Python's int(math.ceil(x)) and int(math.floor(x)).
int64_t Ceil(double x) { return static_cast<int64_t>(std::ceil(x)); }
int64_t Floor(double x) { return static_cast<int64_t>(std::floor(x)); }
double D(int64_t v) { return static_cast<double>(v); }

// Python's str.isdigit() (ASCII digits, at least one).
bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr int64_t kMaxCount = int64_t{1} << 31;

// metadata["IndexRange"]["Index" + AXIS], or 1 when the image has no such axis.
int64_t AxisLength(const Json& metadata, std::string_view axis) {
  auto range = metadata.find("IndexRange");
  if (range == metadata.end() || !range->is_object()) return 1;
  std::string key = "Index";
  for (char c : axis) key.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  auto it = range->find(key);
  return it != range->end() && it->is_number_integer() ? it->get<int64_t>() : 1;
}

// large_image's `int(v) if str(v).isdigit() else IndexRange.get('Index' + v.upper(), 1)`.
StatusOr<int64_t> CountOrAxis(const Json& metadata, const std::string& value, const char* name) {
  if (!IsDigits(value)) return AxisLength(metadata, value);
  auto n = ParseInt(value);
  if (!n || *n > kMaxCount) {
    return InvalidArgumentError("Invalid value for " + std::string(name) + ": '" + value +
                                "' is too large");
  }
  return *n;
}

int64_t FrameCount(const Json& metadata) {
  auto frames = metadata.find("frames");
  if (frames == metadata.end() || !frames->is_array() || frames->empty()) return 1;
  return static_cast<int64_t>(frames->size());
}

int64_t IntField(const Json& metadata, const char* name) {
  auto it = metadata.find(name);
  return it != metadata.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Python's dict.update: existing keys keep their place, new ones are appended.
void Update(Json& target, const Json& source) {
  if (!source.is_object()) return;
  for (auto it = source.begin(); it != source.end(); ++it) target[it.key()] = it.value();
}

// One getTileFramesQuadInfo call with a numeric frameBase; `opts` is the options dict as
// large_image reports it.
StatusOr<Json> QuadInfoForBase(const Json& metadata, const Json& opts, const TextureOptions& tex,
                               int64_t frame_base, int64_t frame_stride,
                               int64_t frame_group_stride) {
  const int64_t size_x = IntField(metadata, "sizeX");
  const int64_t size_y = IntField(metadata, "sizeY");
  if (size_x <= 0 || size_y <= 0) return InvalidArgumentError("The image has no pixels");
  const int64_t total_frames = FrameCount(metadata);
  std::vector<int64_t> frames;
  for (int64_t fds = 0; fds < frame_group_stride; ++fds) {
    for (int64_t f = frame_base + fds * frame_stride; f < total_frames;
         f += frame_stride * frame_group_stride) {
      frames.push_back(f);
    }
  }
  const int64_t num_frames = static_cast<int64_t>(frames.size());
  if (num_frames == 0) {
    return InvalidArgumentError("frameBase " + std::to_string(frame_base) +
                                " selects no frames (the image has " +
                                std::to_string(total_frames) + ")");
  }
  TS_ASSIGN_OR_RETURN(FramesPerTexture fpt,
                      ComputeFramesPerTexture(tex, num_frames, size_x, size_y));
  const int64_t fw = fpt.frame_width, fh = fpt.frame_height, fhorz = fpt.frames_across;
  // The used area of each frame.
  const double fit = std::max(D(size_x) / D(fw), D(size_y) / D(fh));
  const int64_t usedw = Floor(D(size_x) / fit);
  const int64_t usedh = Floor(D(size_y) / fit);

  Json status;
  status["metadata"] = metadata;
  status["options"] = opts;
  status["src"] = Json::array();
  status["quads"] = Json::array();
  status["quadsToIdx"] = Json::array();
  status["frames"] = frames;
  status["framesToIdx"] = Json::object();
  const int64_t tile_w = IntField(metadata, "tileWidth");
  const int64_t tile_h = IntField(metadata, "tileHeight");
  if (tile_w && tile_h) {
    // Tiles below this level are not needed. (Python raises on log(0); skipped here.)
    const double ratio = std::min(D(usedw) / D(tile_w), D(usedh) / D(tile_h));
    if (ratio > 0) status["minLevel"] = Ceil(std::log(ratio) / std::log(2.0));
  }
  for (size_t i = 0; i < frames.size(); ++i) {
    status["framesToIdx"][std::to_string(frames[i])] = i;
  }
  const size_t metadata_frames =
      metadata.contains("frames") && metadata["frames"].is_array() ? metadata["frames"].size() : 0;
  for (int64_t idx = 0; idx < fpt.textures; ++idx) {
    const size_t begin = std::min(frames.size(), static_cast<size_t>(idx * fpt.frames_per_texture));
    const size_t end =
        std::min(frames.size(), static_cast<size_t>((idx + 1) * fpt.frames_per_texture));
    std::vector<int64_t> frame_list(frames.begin() + static_cast<std::ptrdiff_t>(begin),
                                    frames.begin() + static_cast<std::ptrdiff_t>(end));
    Json params;
    params["framesAcross"] = fhorz;
    params["width"] = fw;
    params["height"] = fh;
    params["fill"] = "corner:black";
    params["exact"] = false;
    if (frame_list.size() != metadata_frames) params["frameList"] = frame_list;
    Update(params, opts.at("format"));
    Update(params, opts.at("query"));
    status["src"].push_back(std::move(params));
    const int64_t f = static_cast<int64_t>(frame_list.size());
    if (f == 0) continue;
    const int64_t ivert = Ceil(D(f) / D(fhorz));
    const int64_t ihorz = std::min(f, fhorz);
    for (int64_t fidx = 0; fidx < f; ++fidx) {
      Json quad;
      // z = -1 places the quads under other tile layers; y is inverted.
      quad["ul"] = {{"x", 0}, {"y", 0}, {"z", -1}};
      quad["lr"] = {{"x", size_x}, {"y", -size_y}, {"z", -1}};
      quad["crop"] = {{"x", size_x},
                      {"y", size_y},
                      {"left", (fidx % ihorz) * fw},
                      {"top", (ivert - fidx / ihorz) * fh - usedh},
                      {"right", (fidx % ihorz) * fw + usedw},
                      {"bottom", (ivert - fidx / ihorz) * fh}};
      status["quads"].push_back(std::move(quad));
      status["quadsToIdx"].push_back(idx);
    }
  }
  return status;
}

}  // namespace

StatusOr<FramesPerTexture> ComputeFramesPerTexture(const TextureOptions& o, int64_t num_frames,
                                                   int64_t size_x, int64_t size_y) {
  if (num_frames < 1 || size_x < 1 || size_y < 1) {
    return InvalidArgumentError("No frames to place in textures");
  }
  const int64_t alignment = o.alignment ? o.alignment : 16;
  if (alignment < 1) return InvalidArgumentError("Invalid value for alignment: must be positive");
  if (o.max_texture_size > kMaxTextureSize || o.max_textures > kMaxTextures) {
    return InvalidArgumentError("maxTextureSize is limited to " + std::to_string(kMaxTextureSize) +
                                " and maxTextures to " + std::to_string(kMaxTextures));
  }
  int64_t tex = o.max_texture_size;
  int64_t textures = o.max_textures ? o.max_textures : 1;
  while (tex > 0 && tex * tex > o.max_total_texture_pixels) tex /= 2;
  // texSize ** 2 * textures > maxTotalTexturePixels, without overflow.
  while (textures > 1 && tex * tex > o.max_total_texture_pixels / textures) --textures;
  const Status too_small = InvalidArgumentError(
      "The texture size (maxTextureSize " + std::to_string(o.max_texture_size) +
      ", maxTotalTexturePixels " + std::to_string(o.max_total_texture_pixels) +
      ") is too small for frames aligned to " + std::to_string(alignment) + " pixels");
  if (tex < 1) return too_small;
  // Iterate in case the number of textures or the texture size can be reduced.
  while (true) {
    int64_t f = Ceil(D(num_frames) / D(textures));  // frames per texture
    if (o.frame_group > 1) {
      const int64_t fg = Ceil(D(f) / D(o.frame_group)) * o.frame_group;
      if (D(fg) / D(f) <= D(o.frame_group_factor)) f = fg;
    }
    const double scale = std::pow(D(tex * tex) / D(f) / D(size_x) / D(size_y), 0.5);
    // Frames across and down the texture.
    int64_t fhorz = Ceil(D(tex) / D(Ceil(D(size_x) * scale / D(alignment)) * alignment));
    int64_t fvert = Ceil(D(tex) / D(Ceil(D(size_y) * scale / D(alignment)) * alignment));
    // Frame sizes.
    int64_t fw = Floor(D(tex) / D(fhorz) / D(alignment)) * alignment;
    if (fw < 1) return too_small;
    fvert = std::max(Ceil(D(f) / D(tex / fw)), fvert);
    int64_t fh = Floor(D(tex) / D(fvert) / D(alignment)) * alignment;
    if (o.max_frame_size && *o.max_frame_size) {
      const int64_t max_frame = *o.max_frame_size / alignment * alignment;
      fw = std::min(fw, max_frame);
      fh = std::min(fh, max_frame);
    }
    if (fw > size_x) fw = Ceil(D(size_x) / D(alignment)) * alignment;
    if (fh > size_y) fh = Ceil(D(size_y) / D(alignment)) * alignment;
    // Shrink one dimension to the aspect ratio.
    fw = std::min(Ceil(D(fh * size_x) / D(size_y) / D(alignment)) * alignment, fw);
    fh = std::min(Ceil(D(fw * size_y) / D(size_x) / D(alignment)) * alignment, fh);
    if (fw < 1 || fh < 1) return too_small;
    // Recompute the frames across the texture.
    fhorz = tex / fw;
    fvert = std::min(tex / fh, Ceil(D(num_frames) / D(fhorz)));
    int64_t fperframe = fhorz * fvert;
    if (textures > 1 && o.frame_group > 1) {
      fperframe = fperframe / o.frame_group * o.frame_group;
      if (textures * fperframe < num_frames && fhorz * fvert * textures >= num_frames) {
        fperframe = fhorz * fvert;
      }
    }
    // Fewer textures, or a smaller texture, when they are not all needed.
    if (textures > 1 && num_frames <= fperframe * (textures - 1)) {
      --textures;
      continue;
    }
    if (fhorz >= 2 && D(Ceil(D(f) / D(fhorz / 2)) * fh) <= D(tex) / 2) {
      tex /= 2;
      continue;
    }
    return FramesPerTexture{fw, fh, fhorz, fperframe, textures};
  }
}

StatusOr<nlohmann::ordered_json> TileFramesQuadInfo(const nlohmann::ordered_json& metadata,
                                                    const QuadInfoOptions& options) {
  TS_ASSIGN_OR_RETURN(int64_t frame_stride,
                      CountOrAxis(metadata, options.frame_stride, "frameStride"));
  TS_ASSIGN_OR_RETURN(int64_t frame_group,
                      CountOrAxis(metadata, options.frame_group, "frameGroup"));
  int64_t frame_group_stride = 1;
  if (options.frame_group_stride == "auto") {
    if (frame_stride < 1) return InvalidArgumentError("frameStride must be at least 1");
    frame_group_stride = std::max<int64_t>(1, frame_group / frame_stride);
  } else {
    auto n = ParseInt(Trim(options.frame_group_stride));
    if (!n || *n < 1 || *n > kMaxCount) {
      return InvalidArgumentError("Invalid value for frameGroupStride: '" +
                                  options.frame_group_stride + "': use a positive integer or auto");
    }
    frame_group_stride = *n;
  }
  if (frame_stride < 1) {
    return InvalidArgumentError("Invalid value for frameStride: must be at least 1");
  }
  Json opts;
  opts["format"] = options.format;
  opts["query"] = options.query;
  opts["frameBase"] = options.frame_base;
  opts["frameStride"] = frame_stride;
  opts["frameGroup"] = frame_group;
  opts["frameGroupFactor"] = options.frame_group_factor;
  opts["frameGroupStride"] = frame_group_stride;
  opts["maxTextureSize"] = options.max_texture_size;
  opts["maxTextures"] = options.max_textures;
  opts["maxTotalTexturePixels"] = options.max_total_texture_pixels;
  opts["alignment"] = options.alignment;
  opts["maxFrameSize"] = options.max_frame_size ? Json(*options.max_frame_size) : Json(nullptr);
  TextureOptions tex;
  tex.frame_group = frame_group;
  tex.frame_group_factor = options.frame_group_factor;
  tex.max_texture_size = options.max_texture_size;
  tex.max_textures = options.max_textures;
  tex.max_total_texture_pixels = options.max_total_texture_pixels;
  tex.alignment = options.alignment;
  tex.max_frame_size = options.max_frame_size;

  if (IsDigits(options.frame_base)) {
    TS_ASSIGN_OR_RETURN(int64_t base, CountOrAxis(metadata, options.frame_base, "frameBase"));
    opts["frameBase"] = base;
    return QuadInfoForBase(metadata, opts, tex, base, frame_stride, frame_group_stride);
  }
  // An axis: the src of every value of that axis (for cache reporting and scheduling).
  Json status;
  status["metadata"] = metadata;
  status["options"] = opts;
  status["src"] = Json::array();
  const int64_t count = AxisLength(metadata, options.frame_base);
  for (int64_t val = 0; val < count; ++val) {
    opts["frameBase"] = val;
    TS_ASSIGN_OR_RETURN(
        Json result, QuadInfoForBase(metadata, opts, tex, val, frame_stride, frame_group_stride));
    for (auto& src : result["src"]) status["src"].push_back(std::move(src));
  }
  status["options"] = opts;
  return status;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  auto decode = [](std::string_view s) {
    auto d = UrlDecode(s, /*plus_as_space=*/true);
    return d ? *d : std::string(s);
  };
  for (std::string_view part : Split(text, '&')) {
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq + 1 == part.size()) continue;
    out.emplace_back(decode(part.substr(0, eq)), decode(part.substr(eq + 1)));
  }
  return out;
}

}  // namespace tessera
