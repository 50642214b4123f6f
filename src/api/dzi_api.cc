#include "api/dzi_api.h"

#include <algorithm>
#include <string>

#include "api/params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "imaging/resample.h"

namespace tessera {
namespace {

struct DziParams {
  int tile_size = 256;
  int overlap = 0;
  EncodeOptions encode;
  int frame = 0;
  std::string style;  // canonical, "" for none
};

// `extension`: the tile's file extension, which picks the encoding when the query has none
// ("" for the descriptor).
StatusOr<DziParams> ParseDziParams(const ApiRequest& r, std::string_view extension) {
  DziParams p;
  TS_ASSIGN_OR_RETURN(auto size, IntParam(r, "tilesize", 1, 1 << 16));
  if (size) {
    if ((*size & (*size - 1)) != 0) {
      return InvalidArgumentError("Invalid tilesize: " + std::to_string(*size) +
                                  " is not a power of 2");
    }
    p.tile_size = static_cast<int>(*size);
  }
  TS_ASSIGN_OR_RETURN(auto overlap, IntParam(r, "overlap", 0, 1 << 16));
  if (overlap) p.overlap = static_cast<int>(*overlap);
  Encoding fallback = Encoding::kJpeg;
  const std::string ext = ToLower(extension);
  if (ext == "png") {
    fallback = Encoding::kPng;
  } else if (!ext.empty() && ext != "jpg" && ext != "jpeg") {
    return InvalidArgumentError("Invalid DeepZoom tile extension '" + std::string(extension) +
                                "': use jpg or png");
  }
  TS_ASSIGN_OR_RETURN(p.encode, EncodeParams(r, fallback));
  if (p.encode.encoding != Encoding::kJpeg && p.encode.encoding != Encoding::kPng) {
    return InvalidArgumentError("Only JPEG and PNG encodings are supported");
  }
  TS_ASSIGN_OR_RETURN(p.frame, FrameParam(r));
  TS_ASSIGN_OR_RETURN(p.style, StyleParam(r, &p.encode));
  return p;
}

// "{x}_{y}.{ext}" (the extension may be absent, as large_image allows).
StatusOr<std::pair<int64_t, int64_t>> ParseTileName(const std::string& name,
                                                    std::string* extension) {
  const size_t dot = name.find('.');
  std::string_view xy = std::string_view(name).substr(0, dot);
  *extension = dot == std::string::npos ? "" : name.substr(dot + 1);
  const size_t underscore = xy.find('_');
  std::optional<int64_t> x, y;
  if (underscore != std::string_view::npos) {
    x = ParseInt(xy.substr(0, underscore));
    y = ParseInt(xy.substr(underscore + 1));
  }
  if (!x || !y || *x < 0 || *y < 0) {
    return InvalidArgumentError("Invalid DeepZoom tile '" + name +
                                "': use {x}_{y}.{ext} with non-negative integers");
  }
  return std::pair<int64_t, int64_t>(*x, *y);
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The pixels of `img` right of column valid_w or below row valid_h become copies of its last
// valid column / row: DeepZoom writers (vips dzsave) extend a level's edges the same way.
void ReplicateEdges(Image& img, int64_t valid_w, int64_t valid_h) {
  if (valid_w <= 0 || valid_h <= 0) return;
  for (int64_t x = valid_w; x < img.width(); ++x) {
    img.Paste(img.Crop(Rect{valid_w - 1, 0, 1, valid_h}), x, 0);
  }
  for (int64_t y = valid_h; y < img.height(); ++y) {
    img.Paste(img.Crop(Rect{0, valid_h - 1, img.width(), 1}), 0, y);
  }
}

}  // namespace

StatusOr<Image> ReadDziTile(TileService& tiles, const SourcePtr& source, const SourceRef& ref,
                            int frame, const RegionPlan& plan) {
  const LevelSize level = source->GetLevelSize(plan.level);
  const int64_t step_x = plan.rect.width / std::max(1, plan.out_width);
  const int64_t step_y = plan.rect.height / std::max(1, plan.out_height);
  // A tile that starts past the level's last column or row (its one rounded-up pixel) is read
  // with whole output pixels more on the left or top, so there is an edge to repeat.
  const int64_t more_x =
      plan.rect.x >= level.width ? CeilDiv(plan.rect.x - level.width + 1, step_x) : 0;
  const int64_t more_y =
      plan.rect.y >= level.height ? CeilDiv(plan.rect.y - level.height + 1, step_y) : 0;
  RegionPlan read = plan;  // the rectangle as it is: no resampling
  read.rect = Rect{plan.rect.x - more_x * step_x, plan.rect.y - more_y * step_y,
                   plan.rect.width + more_x * step_x, plan.rect.height + more_y * step_y};
  read.out_width = static_cast<int>(read.rect.width);
  read.out_height = static_cast<int>(read.rect.height);
  TS_ASSIGN_OR_RETURN(Image img, tiles.ReadRegion(source, ref, frame, read, std::nullopt));
  int64_t valid_w = std::clamp<int64_t>(level.width - read.rect.x, 0, read.rect.width);
  int64_t valid_h = std::clamp<int64_t>(level.height - read.rect.y, 0, read.rect.height);
  while (img.width() > plan.out_width + more_x || img.height() > plan.out_height + more_y) {
    img = Downsample2x(img, valid_w, valid_h);
    valid_w = CeilDiv(valid_w, 2);
    valid_h = CeilDiv(valid_h, 2);
  }
  ReplicateEdges(img, valid_w, valid_h);
  if (more_x || more_y) img = img.Crop(Rect{more_x, more_y, plan.out_width, plan.out_height});
  return img;
}

int DziMaxLevel(int64_t width, int64_t height) {
  const int64_t side = std::max<int64_t>(1, std::max(width, height));
  int level = 0;
  while ((int64_t{1} << level) < side) ++level;
  return level;
}

StatusOr<RegionPlan> PlanDziTile(const TileSource& source, int64_t level, int64_t x, int64_t y,
                                 int tile_size, int overlap) {
  const SourceMetadata& m = source.metadata();
  const int max_level = DziMaxLevel(m.size_x, m.size_y);
  if (level < 1 || level > max_level) {
    return OutOfRangeError("level must be between 1 and the image scale (" +
                           std::to_string(max_level) + ")");
  }
  const int k = max_level - static_cast<int>(level);
  const int64_t f = int64_t{1} << k;
  const int64_t level_w = CeilDiv(m.size_x, f), level_h = CeilDiv(m.size_y, f);
  if (x * tile_size >= level_w) return OutOfRangeError("x is outside layer");
  if (y * tile_size >= level_h) return OutOfRangeError("y is outside layer");
  // The DeepZoom tile in DeepZoom-level pixels: overlap only on sides with a neighbour.
  const int64_t left = std::max<int64_t>(0, x * tile_size - overlap);
  const int64_t top = std::max<int64_t>(0, y * tile_size - overlap);
  const int64_t right = std::min(level_w, (x + 1) * tile_size + overlap);
  const int64_t bottom = std::min(level_h, (y + 1) * tile_size + overlap);
  // Read from the pyramid level of the same scale, or from the smallest level for DeepZoom
  // levels below it (then resized).
  const int pyramid_top = m.levels - 1;
  const int kz = std::min(k, pyramid_top);
  const int64_t step = int64_t{1} << (k - kz);  // DeepZoom-level pixel -> read-level pixels
  RegionPlan plan;
  plan.level = pyramid_top - kz;
  // The same pixel grid (scaled by `step` below the smallest level). DeepZoom rounds a level's
  // size up where large_image rounds down, so the rectangle may reach past the level's last row
  // or column: ReadDziTile extends the edge there.
  plan.rect = Rect{left * step, top * step, (right - left) * step, (bottom - top) * step};
  plan.base = Rect{left * f, top * f, std::min(right * f, m.size_x) - left * f,
                   std::min(bottom * f, m.size_y) - top * f};
  plan.out_width = static_cast<int>(right - left);
  plan.out_height = static_cast<int>(bottom - top);
  return plan;
}

void DziApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item/{id}/tiles/dzi.dzi",
             [this](ApiRequest& r) { return Descriptor(r); });
  router.Add("GET", "/api/v1/item/{id}/tiles/dzi_files/{level}/{xy}",
             [this](ApiRequest& r) { return Tile(r); });
}

HandlerResult DziApi::Descriptor(ApiRequest& r) {
  auto params = ParseDziParams(r, "");
  if (!params.ok()) return ApiResponse::Error(params.status());
  auto item = resolver_.Resolve(r.PathParam("id"), r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  auto respond = [p = *params](const SourcePtr& s) {
    const SourceMetadata& m = s->metadata();
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Image TileSize=\"" +
                      std::to_string(p.tile_size) + "\" Overlap=\"" + std::to_string(p.overlap) +
                      "\" Format=\"" + (p.encode.encoding == Encoding::kPng ? "png" : "jpg") +
                      "\" xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"><Size Width=\"" +
                      std::to_string(m.size_x) + "\" Height=\"" + std::to_string(m.size_y) +
                      "\"/></Image>";
    return ApiResponse::Content(std::make_shared<const Bytes>(xml.begin(), xml.end()), "text/xml");
  };
  if (SourcePtr s = ctx_.source_cache->Peek(item->source.key)) return respond(s);
  return Deferred([this, ref = item->source, respond]() {
    auto s = ctx_.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ApiResponse::Error(s.status());
  });
}

HandlerResult DziApi::Tile(ApiRequest& r) {
  std::string extension;
  auto xy = ParseTileName(r.PathParam("xy"), &extension);
  if (!xy.ok()) return ApiResponse::Error(xy.status());
  auto level = PathInt(r, "level");
  if (!level.ok()) return ApiResponse::Error(level.status());
  auto params = ParseDziParams(r, extension);
  if (!params.ok()) return ApiResponse::Error(params.status());
  auto item = resolver_.Resolve(r.PathParam("id"), r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  const int64_t x = xy->first, y = xy->second;
  const std::string key = "dzi|" + item->source.key + "|" + std::to_string(params->frame) + "|" +
                          std::to_string(*level) + "/" + std::to_string(x) + "_" +
                          std::to_string(y) + "|" + std::to_string(params->tile_size) + "|" +
                          std::to_string(params->overlap) + "|" + params->encode.CacheKey() + "|" +
                          params->style;
  const std::string etag = ETagFor(key);
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  // The HTTP thread asks only this process's tiers; the worker asks a shared one too.
  if (TileValuePtr hit = ctx_.tile_cache->GetLocal(key)) return ImageResponse(hit, etag);
  auto produce = [this, ref = item->source, p = *params, level = *level, x, y, key,
                  etag](const SourcePtr& s) -> ApiResponse {
    if (TileValuePtr hit = ctx_.tile_cache->Get(key)) return ImageResponse(hit, etag);
    auto plan = PlanDziTile(*s, level, x, y, p.tile_size, p.overlap);
    if (!plan.ok()) return ApiResponse::Error(plan.status());
    auto img = ReadDziTile(*ctx_.tiles, s, ref, p.frame, *plan);
    if (!img.ok()) return ApiResponse::Error(img.status());
    auto bytes = Encode(*img, p.encode);
    if (!bytes.ok()) return ApiResponse::Error(bytes.status());
    TileValuePtr v = MakeEncodedValue(p.encode.encoding, std::move(*bytes));
    ctx_.tile_cache->Put(key, v);
    return ImageResponse(v, etag);
  };
  SourcePtr source = ctx_.source_cache->Peek(item->source.key);
  if (source) {
    // Range errors are cheap: answer them here.
    auto plan = PlanDziTile(*source, *level, x, y, params->tile_size, params->overlap);
    if (!plan.ok()) return ApiResponse::Error(plan.status());
  }
  return Deferred([this, ref = item->source, source, produce, p = *params]() {
    if (source && p.style.empty()) return produce(source);
    auto s = ctx_.tiles->GetStyledSource(ref, p.style, p.encode);
    return s.ok() ? produce(*s) : ApiResponse::Error(s.status());
  });
}

}  // namespace tessera
