#include "api/frames_api.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include "api/params.h"
#include "api/quad_info.h"
#include "api/region_params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "tiles/metadata_json.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxFrameList = 1 << 16;

// large_image's frameList: "0,2,5" or "[0, 2, 5]".
StatusOr<std::vector<int64_t>> FrameListParam(const ApiRequest& r) {
  std::vector<int64_t> out;
  const std::string* v = r.Query("frameList");
  if (!v || Trim(*v).empty()) return out;
  std::string_view t = Trim(*v);
  if (t.front() == '[') t.remove_prefix(1);
  if (!t.empty() && t.back() == ']') t.remove_suffix(1);
  for (std::string_view part : Split(t, ',')) {
    auto n = ParseInt(Trim(part));
    if (!n) {
      return InvalidArgumentError("Invalid value for frameList: '" + *v +
                                  "': use comma-separated frame numbers");
    }
    out.push_back(*n);
  }
  if (out.size() > kMaxFrameList) {
    return InvalidArgumentError("Invalid value for frameList: more than " +
                                std::to_string(kMaxFrameList) + " frames");
  }
  return out;
}

// Pastes `src` at (x, y) like large_image's _addSubimageToImage: with an alpha band, only the
// pixels whose alpha is above 0 (the canvas is zero elsewhere).
void PasteSubimage(Image& dst, const Image& src, int64_t x, int64_t y) {
  dst.Paste(src, x, y);
  const int bands = src.bands();
  if (bands != 2 && bands != 4) return;
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int row = 0; row < src.height() && y + row < dst.height(); ++row) {
      const T* s = src.row_as<T>(row);
      T* d = dst.row_as<T>(static_cast<int>(y + row));
      for (int col = 0; col < src.width() && x + col < dst.width(); ++col) {
        if (s[col * bands + bands - 1] > 0) continue;
        for (int b = 0; b < bands; ++b) d[(x + col) * bands + b] = T{};
      }
    }
  });
}

// A query value of a quad_info src entry, as a client would send it to tile_frames.
std::string QueryValue(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + QueryValue(e);
    return s;
  }
  return v.dump();
}

HandlerResult WithSource(const ApiContext& ctx, SourceRef ref,
                         std::function<ApiResponse(const SourcePtr&)> respond) {
  if (SourcePtr s = ctx.source_cache->Peek(ref.key)) return respond(s);
  return Deferred([&ctx, ref = std::move(ref), respond = std::move(respond)]() {
    auto s = ctx.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ApiResponse::Error(s.status());
  });
}

}  // namespace

struct FramesApi::SpriteRequest {
  SourceRef source;
  std::vector<int64_t> frame_list;  // as requested; empty: every frame
  int64_t frames_across = 0;        // 0: ceil(sqrt(frames))
  RegionSpec region;
  std::optional<ResampleFilter> resample;
  bool fill_given = false;  // any fill, "none" included, sizes the cells (large_image)
  std::optional<Fill> fill;
  EncodeOptions encode;
  std::string style;

  std::string Key() const {
    std::string frames;
    for (int64_t f : frame_list) frames += (frames.empty() ? "" : ",") + std::to_string(f);
    const std::string fill_key =
        !fill_given ? "-"
        : !fill     ? "none"
                    : (fill->corner ? "corner:" : "") + std::to_string(fill->color.r) + "/" +
                      std::to_string(fill->color.g) + "/" + std::to_string(fill->color.b) + "/" +
                      std::to_string(fill->color.a);
    return "tf|" + source.key + "|" + frames + "|" + std::to_string(frames_across) + "|" +
           RegionSpecKey(region) + "|" +
           (resample ? std::to_string(static_cast<int>(*resample)) : "-") + "|" + fill_key + "|" +
           encode.CacheKey() + "|" + style;
  }

  // Output max width and height when both are set (large_image: `maxWidth and maxHeight`).
  bool BothSizes() const {
    return region.max_width && *region.max_width > 0 && region.max_height && *region.max_height > 0;
  }

  static StatusOr<SpriteRequest> Parse(const ApiRequest& r, SourceRef source) {
    SpriteRequest q;
    q.source = std::move(source);
    TS_ASSIGN_OR_RETURN(q.frame_list, FrameListParam(r));
    TS_ASSIGN_OR_RETURN(auto across, IntParam(r, "framesAcross", 0, int64_t{1} << 31));
    q.frames_across = across.value_or(0);
    TS_ASSIGN_OR_RETURN(q.region, RegionParams(r));
    TS_ASSIGN_OR_RETURN(q.resample, ResampleParam(r));
    const std::string* fill = r.Query("fill");
    q.fill_given = fill && !Trim(*fill).empty();
    TS_ASSIGN_OR_RETURN(q.fill, FillParam(r));
    // `frame` is validated and ignored, like large_image; `cache` too (sprites are always
    // kept in the tile cache).
    TS_ASSIGN_OR_RETURN(int frame, FrameParam(r));
    (void)frame;
    TS_ASSIGN_OR_RETURN(auto cache, BoolParam(r, "cache"));
    (void)cache;
    TS_ASSIGN_OR_RETURN(q.encode, EncodeParams(r, Encoding::kJpeg));
    TS_ASSIGN_OR_RETURN(q.style, StyleParam(r, &q.encode));
    return q;
  }
};

void FramesApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item/{id}/tiles/tile_frames",
             [this](ApiRequest& r) { return TileFrames(r); });
  router.Add("GET", "/api/v1/item/{id}/tiles/tile_frames/quad_info",
             [this](ApiRequest& r) { return QuadInfo(r); });
}

HandlerResult FramesApi::TileFrames(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  const std::string item_name = resolved->item ? resolved->item->name : "test";
  auto request = SpriteRequest::Parse(r, std::move(resolved->source));
  if (!request.ok()) return ApiResponse::Error(request.status());
  const std::string filename = DefaultFilename(item_name, "tileframes", request->encode.encoding);
  const std::string key = request->Key();
  return ServeCachedImage(r, ctx_, key, filename,
                          [this, q = std::move(*request), key]() { return Sprite(q, key); });
}

StatusOr<TileValuePtr> FramesApi::Sprite(const SpriteRequest& q, const std::string& key) {
  return flight_.Do(key, [&]() -> StatusOr<TileValuePtr> {
    if (TileValuePtr v = ctx_.tile_cache->Get(key)) return v;
    TS_ASSIGN_OR_RETURN(SourcePtr source, ctx_.tiles->GetStyledSource(q.source, q.style, q.encode));
    const SourceMetadata& m = source->metadata();
    // large_image's tileFrames: frames outside the image are dropped; none left means all.
    std::vector<int> frames;
    for (int64_t f : q.frame_list) {
      if (f >= 0 && f < m.frame_count) frames.push_back(static_cast<int>(f));
    }
    if (frames.empty()) {
      for (int f = 0; f < m.frame_count; ++f) frames.push_back(f);
    }
    const int64_t n = static_cast<int64_t>(frames.size());
    TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*source, q.region));
    int64_t across = q.frames_across ? q.frames_across
                                     : static_cast<int64_t>(std::ceil(std::pow(double(n), 0.5)));
    across = std::min(n, across);
    const int64_t high = (n + across - 1) / across;
    // One cell per frame: the region's output size, or the requested size when a fill
    // letterboxes each region to it.
    int64_t cell_w = plan.out_width, cell_h = plan.out_height;
    if (q.fill_given && q.BothSizes()) {
      cell_w = static_cast<int64_t>(*q.region.max_width);
      cell_h = static_cast<int64_t>(*q.region.max_height);
    }
    const uint64_t budget = ctx_.tiles->max_output_pixels();
    const double pixels = double(cell_w) * double(across) * double(cell_h) * double(high);
    if (!plan.empty && pixels > double(budget)) {
      return InvalidArgumentError("Requested frames are too large: " + std::to_string(n) +
                                  " frames of " + std::to_string(cell_w) + "x" +
                                  std::to_string(cell_h) + " exceed the limit of " +
                                  std::to_string(budget) + " output pixels");
    }
    auto read = [&](int frame) -> StatusOr<Image> {
      TS_ASSIGN_OR_RETURN(Image img,
                          ctx_.tiles->ReadRegion(source, q.source, frame, plan, q.resample));
      if (q.fill && q.BothSizes() && !img.empty()) {
        img = Letterbox(std::move(img), static_cast<int>(*q.region.max_width),
                        static_cast<int>(*q.region.max_height), q.fill->color, q.fill->corner);
      }
      return img;
    };
    Image sprite;
    if (n == 1 || plan.empty) {
      // large_image answers one frame with getRegion itself.
      TS_ASSIGN_OR_RETURN(sprite, read(frames[0]));
    } else {
      sprite = Image(static_cast<int>(cell_w * across), static_cast<int>(cell_h * high),
                     m.band_count, m.dtype);
      for (int64_t idx = 0; idx < n; ++idx) {
        TS_ASSIGN_OR_RETURN(Image img, read(frames[idx]));
        PasteSubimage(sprite, img, (idx % across) * cell_w, (idx / across) * cell_h);
      }
    }
    TS_ASSIGN_OR_RETURN(Bytes bytes, Encode(sprite, q.encode));
    TileValuePtr v = MakeEncodedValue(q.encode.encoding, std::move(bytes));
    ctx_.tile_cache->Put(key, v);
    return v;
  });
}

HandlerResult FramesApi::QuadInfo(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  auto parse = [&]() -> StatusOr<QuadInfoOptions> {
    QuadInfoOptions o;
    auto dict = [](const std::string& text) {
      Json j = Json::object();
      for (auto& [k, v] : ParseQueryString(text)) j[k] = v;
      return j;
    };
    if (const std::string* f = r.Query("format")) o.format = dict(*f);
    if (const std::string* q = r.Query("query")) o.query = dict(*q);
    for (auto [name, field] :
         {std::pair{"frameBase", &o.frame_base}, std::pair{"frameStride", &o.frame_stride},
          std::pair{"frameGroup", &o.frame_group},
          std::pair{"frameGroupStride", &o.frame_group_stride}}) {
      if (const std::string* v = r.Query(name); v && !Trim(*v).empty()) {
        *field = std::string(Trim(*v));
      }
    }
    constexpr int64_t kInt = int64_t{1} << 31;
    TS_ASSIGN_OR_RETURN(auto factor, IntParam(r, "frameGroupFactor", -kInt, kInt));
    TS_ASSIGN_OR_RETURN(auto size, IntParam(r, "maxTextureSize", 1, kMaxTextureSize));
    TS_ASSIGN_OR_RETURN(auto textures, IntParam(r, "maxTextures", 0, kMaxTextures));
    TS_ASSIGN_OR_RETURN(auto total, IntParam(r, "maxTotalTexturePixels", 1, int64_t{1} << 62));
    TS_ASSIGN_OR_RETURN(auto alignment, IntParam(r, "alignment", 0, 1 << 20));
    TS_ASSIGN_OR_RETURN(auto max_frame, IntParam(r, "maxFrameSize", 0, kInt));
    o.frame_group_factor = factor.value_or(o.frame_group_factor);
    o.max_texture_size = size.value_or(o.max_texture_size);
    o.max_textures = textures.value_or(o.max_textures);
    o.max_total_texture_pixels = total.value_or(o.max_total_texture_pixels);
    o.alignment = alignment.value_or(o.alignment);
    o.max_frame_size = max_frame;
    return o;
  };
  auto options = parse();
  if (!options.ok()) return ApiResponse::Error(options.status());
  std::string cache = "none";
  if (const std::string* c = r.Query("cache"); c && !Trim(*c).empty()) cache = ToLower(Trim(*c));
  if (cache != "none" && cache != "report" && cache != "schedule") {
    return ApiResponse::Error(InvalidArgumentError("Invalid value for cache: '" + cache +
                                                   "': use none, report or schedule"));
  }
  SourceRef ref = resolved->source;
  return WithSource(ctx_, ref, [this, o = *options, cache, ref](const SourcePtr& s) {
    auto result = TileFramesQuadInfo(MetadataToJson(s->metadata()), o);
    if (!result.ok()) return ApiResponse::Error(result.status());
    if (cache != "none") {
      // Which of the sprites are in the tile cache (Tessera schedules no jobs: "schedule"
      // reports the same).
      Json cached = Json::array();
      for (const Json& src : (*result)["src"]) {
        ApiRequest sub;
        for (auto it = src.begin(); it != src.end(); ++it) {
          sub.query.emplace_back(it.key(), QueryValue(it.value()));
        }
        auto q = SpriteRequest::Parse(sub, ref);
        cached.push_back(q.ok() && ctx_.tile_cache->Get(q->Key()) != nullptr);
      }
      (*result)["cached"] = std::move(cached);
    }
    return ApiResponse::Json(*result);
  });
}

}  // namespace tessera
