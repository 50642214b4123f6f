#include "api/iiif_api.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "api/params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "imaging/transform.h"
#include "store/metadata_store.h"
#include "tiles/decode_budget.h"

namespace tessera {
namespace {

constexpr char kContext[] = "http://iiif.io/api/image/3/context.json";
constexpr char kProfileUri[] = "http://iiif.io/api/image/3/level2.json";
// The largest side any output format takes (WebP's limit; JPEG allows 65535).
constexpr int64_t kMaxSide = 16383;
// Rendered outputs (not pyramid tiles) up to this many pixels are kept in the tile cache.
constexpr int64_t kCachedOutputPixels = int64_t{1024} * 1024;
constexpr int kNamePage = 500;

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The first entry of a comma-separated header ("" when absent), keeping only characters that
// may appear in a scheme or an authority (host[:port]).
std::string FirstToken(const std::string* header) {
  if (!header) return "";
  std::string_view v = Trim(Split(*header, ',').front());
  std::string out;
  for (unsigned char c : v) {
    const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (alnum || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// The image's base URI as the client sees it (IIIF's `id`): the Host header, or
// X-Forwarded-Proto / X-Forwarded-Host behind a proxy.
std::string BaseUri(const ApiRequest& r, const std::string& identifier) {
  std::string proto = ToLower(FirstToken(r.Header("x-forwarded-proto")));
  if (proto != "https") proto = "http";
  std::string host = FirstToken(r.Header("x-forwarded-host"));
  if (host.empty()) host = FirstToken(r.Header("host"));
  if (host.empty()) host = "localhost";
  return proto + "://" + host + "/iiif/3/" + PercentEncode(identifier);
}

struct ImagePlan {
  Rect region;         // full-resolution pixels
  IiifOutputSize out;  // before rotation
  std::optional<PyramidTile> tile;
  std::string canonical;  // {region}/{size}/{rotation}/{quality}.{format}
};

StatusOr<ImagePlan> PlanImage(const TileSource& source, const IiifImageRequest& req,
                              const IiifLimits& limits) {
  const SourceMetadata& m = source.metadata();
  ImagePlan p;
  TS_ASSIGN_OR_RETURN(p.region, ResolveIiifRegion(req.region, m.size_x, m.size_y));
  TS_ASSIGN_OR_RETURN(p.out, ResolveIiifSize(req.size, p.region.width, p.region.height, limits));
  p.canonical = IiifCanonicalPath(req, p.region, p.out, m.size_x, m.size_y, limits);
  const bool plain = req.quality == IiifQuality::kDefault || req.quality == IiifQuality::kColor;
  if (plain && req.rotation.degrees == 0 && !req.rotation.mirror) {
    std::vector<LevelSize> sizes;
    for (int z = 0; z < m.levels; ++z) sizes.push_back(source.GetLevelSize(z));
    p.tile = MatchPyramidTile(p.region, p.out, m.tile_width, m.tile_height, sizes);
  }
  return p;
}

EncodeOptions EncodeFor(Encoding format) {
  EncodeOptions e;  // large_image's defaults, so that tiles share entries with /tiles/zxy
  e.encoding = format;
  return e;
}

TileRequest TileFor(const SourceRef& ref, const PyramidTile& t, Encoding format) {
  TileRequest req;
  req.source = ref;
  req.level = t.level;
  req.x = t.x;
  req.y = t.y;
  req.encode = EncodeFor(format);
  // Interior tiles keep the default edge: crop would change nothing in their pixels but would
  // rule out passthrough of stored bytes and a shared cache entry with zxy viewers.
  req.edge.mode = t.edge ? EdgeOptions::Mode::kCrop : EdgeOptions::Mode::kNone;
  return req;
}

// `resp` with IIIF's Link headers: the canonical URI and the profile.
ApiResponse WithLinks(ApiResponse resp, const std::string& base, const std::string& canonical) {
  resp.headers.emplace_back("Link", "<" + base + "/" + canonical + ">;rel=\"canonical\", <" +
                                        kProfileUri + ">;rel=\"profile\"");
  return resp;
}

// The level rows or columns [lo, lo + len) of full-resolution pixels cover at downsample f.
std::pair<int64_t, int64_t> LevelSpan(int64_t lo, int64_t len, double f, int64_t limit) {
  const int64_t a = std::clamp<int64_t>(std::llround(static_cast<double>(lo) / f), 0,
                                        std::max<int64_t>(0, limit - 1));
  const int64_t b = std::clamp<int64_t>(std::llround(static_cast<double>(lo + len) / f), a + 1,
                                        std::max<int64_t>(a + 1, limit));
  return {a, b - a};
}

// A request that is not a pyramid tile: read, resize, mirror / rotate, quality, encode.
StatusOr<TileValuePtr> Render(const ApiContext& ctx, const SourcePtr& source, const SourceRef& ref,
                              const IiifImageRequest& req, const ImagePlan& plan,
                              const std::string& key) {
  const SourceMetadata& m = source->metadata();
  const int top = m.levels - 1;
  // Read from the smallest level that still has at least the output's resolution on both
  // axes (w,h may scale them differently).
  const double ratio =
      std::max(static_cast<double>(plan.out.width) / static_cast<double>(plan.region.width),
               static_cast<double>(plan.out.height) / static_cast<double>(plan.region.height));
  int k = ratio >= 1 ? 0 : static_cast<int>(std::floor(std::log2(1 / ratio) + 1e-9));
  k = std::clamp(k, 0, top);
  RegionPlan rp;
  rp.base = plan.region;
  rp.level = top - k;
  const LevelSize level = source->GetLevelSize(rp.level);
  const double f = std::ldexp(1.0, k);
  auto [x, w] = LevelSpan(plan.region.x, plan.region.width, f, level.width);
  auto [y, h] = LevelSpan(plan.region.y, plan.region.height, f, level.height);
  rp.rect = Rect{x, y, w, h};
  rp.out_width = static_cast<int>(plan.out.width);
  rp.out_height = static_cast<int>(plan.out.height);
  TS_ASSIGN_OR_RETURN(Image img, ctx.tiles->ReadRegion(source, ref, 0, rp, std::nullopt));
  const IiifRotation& rot = req.rotation;
  if (rot.degrees != 0 || rot.mirror) {
    if (rot.IsRightAngle()) {
      TS_ASSIGN_OR_RETURN(img, RotateMirror(img, static_cast<int>(rot.degrees), rot.mirror));
    } else {
      // The corners outside the image are transparent where the format has alpha.
      TS_ASSIGN_OR_RETURN(
          img, RotateArbitrary(img, rot.degrees, rot.mirror, req.format != Encoding::kJpeg));
    }
  }
  if (req.quality == IiifQuality::kGray) img = ToGray(img);
  if (req.quality == IiifQuality::kBitonal) img = ToBitonal(img);
  TS_ASSIGN_OR_RETURN(Bytes bytes, Encode(img, EncodeFor(req.format)));
  TileValuePtr v = MakeEncodedValue(req.format, std::move(bytes));
  if (plan.out.width * plan.out.height <= kCachedOutputPixels) ctx.tile_cache->Put(key, v);
  return v;
}

std::string_view StemOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

void IiifApi::Register(Router& router) {
  router.Add("GET", "/iiif/3/{id}", [this](ApiRequest& r) { return Redirect(r); });
  router.Add("GET", "/iiif/3/{id}/info.json", [this](ApiRequest& r) { return Info(r); });
  router.Add("GET", "/iiif/3/{id}/{region}/{size}/{rotation}/{quality_format}",
             [this](ApiRequest& r) { return Image(r); });
}

IiifLimits IiifApi::Limits() const {
  const uint64_t budget = ctx_.tiles->max_output_pixels();
  const int64_t side = static_cast<int64_t>(std::min<uint64_t>(kMaxSide, budget));
  return IiifLimits{side, side, budget};
}

StatusOr<std::string> IiifApi::FindItemIdByName(const std::string& name) {
  const int64_t now = ctx_.clock->NowNanos();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = names_.find(name);
    if (it != names_.end() && now - it->second.checked_nanos < ctx_.file_check_interval_nanos) {
      return it->second.item_id;
    }
  }
  const Status unknown = NotFoundError("No image has the IIIF identifier '" + name + "'");
  if (name.empty() || name.size() > 1024) return unknown;
  std::vector<std::string> exact, stem;
  // The store's text search finds names containing `name`; exact matches are picked here.
  for (int offset = 0; offset < 100 * kNamePage; offset += kNamePage) {
    ListQuery q;
    q.limit = kNamePage;
    q.offset = offset;
    q.text = name;
    // Every item: the access check comes after, on the item found (ItemResolver).
    TS_ASSIGN_OR_RETURN(std::vector<ItemRecord> items,
                        ctx_.store->ListItems("", q, AccessFilter::All()));
    for (const ItemRecord& item : items) {
      if (item.name == name) {
        exact.push_back(item.id);
      } else if (StemOf(item.name) == name) {
        stem.push_back(item.id);
      }
    }
    if (items.size() < static_cast<size_t>(kNamePage)) break;
  }
  const std::vector<std::string>& found = exact.empty() ? stem : exact;
  if (found.empty()) return unknown;
  if (found.size() > 1) {
    std::string ids;
    for (size_t i = 0; i < found.size() && i < 5; ++i) ids += (i ? ", " : "") + found[i];
    return FailedPreconditionError("The IIIF identifier '" + name + "' names " +
                                   std::to_string(found.size()) + " items (" + ids +
                                   (found.size() > 5 ? ", ..." : "") + "); use an item id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (names_.size() > 10000) names_.clear();  // a bound, not a policy: entries are small
  names_[name] = NameEntry{found.front(), now};
  return found.front();
}

StatusOr<ResolvedItem> IiifApi::ResolveIdentifier(const std::string& identifier,
                                                  const ApiRequest& r) {
  if (identifier == "test") return resolver_.Resolve(identifier, r);
  std::optional<Status> by_id;
  if (IsObjectId(identifier)) {
    auto item = resolver_.Resolve(identifier, r);
    if (item.ok() || item.status().code() != StatusCode::kNotFound) return item;
    by_id = item.status();
  }
  auto id = FindItemIdByName(identifier);
  if (!id.ok()) {
    return by_id && id.status().code() == StatusCode::kNotFound ? *by_id : id.status();
  }
  return resolver_.Resolve(*id, r);
}

HandlerResult IiifApi::Redirect(ApiRequest& r) {
  const std::string identifier = r.PathParam("id");
  auto item = ResolveIdentifier(identifier, r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  ApiResponse resp;
  resp.status = 303;
  resp.content_type.clear();
  resp.headers.emplace_back("Location", BaseUri(r, identifier) + "/info.json");
  return resp;
}

HandlerResult IiifApi::Info(ApiRequest& r) {
  const std::string identifier = r.PathParam("id");
  auto item = ResolveIdentifier(identifier, r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  const std::string* accept = r.Header("accept");
  const bool ld = accept && accept->find("application/ld+json") != std::string::npos;
  auto respond = [base = BaseUri(r, identifier), limits = Limits(), ld](const SourcePtr& s) {
    const SourceMetadata& m = s->metadata();
    nlohmann::ordered_json j;
    j["@context"] = kContext;
    j["id"] = base;
    j["type"] = "ImageService3";
    j["protocol"] = "http://iiif.io/api/image";
    j["profile"] = "level2";
    j["width"] = m.size_x;
    j["height"] = m.size_y;
    j["maxWidth"] = limits.max_width;
    j["maxHeight"] = limits.max_height;
    j["maxArea"] = limits.max_area;
    nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
    for (int z = 0; z < m.levels; ++z) {  // smallest first
      const LevelSize size = s->GetLevelSize(z);
      if (size.width <= limits.max_width && size.height <= limits.max_height &&
          static_cast<uint64_t>(size.width * size.height) <= limits.max_area) {
        sizes.push_back({{"width", size.width}, {"height", size.height}});
      }
    }
    j["sizes"] = sizes;
    nlohmann::ordered_json factors = nlohmann::ordered_json::array();
    for (int k = 0; k < m.levels; ++k) factors.push_back(int64_t{1} << k);
    j["tiles"] = nlohmann::ordered_json::array(
        {{{"width", m.tile_width}, {"height", m.tile_height}, {"scaleFactors", factors}}});
    // Beyond level 2 (which already has jpg and png, and default and color).
    j["extraFormats"] = {"webp", "tif"};
    j["extraQualities"] = {"gray", "bitonal"};
    j["extraFeatures"] = {"canonicalLinkHeader", "mirroring", "profileLinkHeader",
                          "rotationArbitrary", "sizeUpscaling"};
    ApiResponse resp = ApiResponse::Json(j);
    if (ld) resp.content_type = std::string("application/ld+json;profile=\"") + kContext + "\"";
    return resp;
  };
  if (SourcePtr s = ctx_.source_cache->Peek(item->source.key)) return respond(s);
  return Deferred([this, ref = item->source, respond]() {
    auto s = ctx_.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ApiResponse::Error(s.status());
  });
}

HandlerResult IiifApi::Image(ApiRequest& r) {
  auto req = ParseIiifImageRequest(r.PathParam("region"), r.PathParam("size"),
                                   r.PathParam("rotation"), r.PathParam("quality_format"));
  if (!req.ok()) return ApiResponse::Error(req.status());
  const std::string identifier = r.PathParam("id");
  auto item = ResolveIdentifier(identifier, r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  const std::string key = "iiif|" + item->source.key + "|" + req->Key();
  const std::string etag = ETagFor(key);
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  const std::string base = BaseUri(r, identifier);
  const IiifLimits limits = Limits();

  SourcePtr source = ctx_.source_cache->Peek(item->source.key);
  if (!source) {  // opening belongs on a worker; so does everything after it
    // Not counted as expensive (most such requests are a viewer's first tiles), but a region
    // rendered here keeps to the pixel budget.
    return Deferred([this, req = *req, ref = item->source, key, etag, base, limits]() {
      DecodeBudget::Scope budget(ctx_.max_decoded_bytes);
      auto s = ctx_.tiles->GetSource(ref);
      if (!s.ok()) return ApiResponse::Error(s.status());
      auto plan = PlanImage(**s, req, limits);
      if (!plan.ok()) return ApiResponse::Error(plan.status());
      StatusOr<TileValuePtr> v = TileValuePtr();
      if (plan->tile) {
        v = ctx_.tiles->GetTile(TileFor(ref, *plan->tile, req.format));
      } else if (TileValuePtr hit = ctx_.tile_cache->Get(key)) {
        v = hit;
      } else {
        v = Render(ctx_, *s, ref, req, *plan, key);
      }
      return v.ok() ? WithLinks(ImageResponse(*v, etag), base, plan->canonical)
                    : ApiResponse::Error(v.status());
    });
  }
  auto plan = PlanImage(*source, *req, limits);
  if (!plan.ok()) return ApiResponse::Error(plan.status());
  if (plan->tile) {
    // A pyramid tile: the viewer's, like a zxy tile (tracked, X-Cache).
    TileRequest t = TileFor(item->source, *plan->tile, req->format);
    std::string viewer = ViewerOf(r);
    auto answer = [this, base, canonical = plan->canonical](
                      const std::string& viewer, const TileRequest& t, const TileValuePtr& v,
                      const std::string& etag, bool hit) {
      return WithLinks(ViewedTile(ctx_, viewer, t.source.key, v, etag, hit), base, canonical);
    };
    if (TileValuePtr hit = ctx_.tiles->TryCached(t)) return answer(viewer, t, hit, etag, true);
    if (auto now = ctx_.tiles->TryServeInline(t)) {
      return now->ok() ? answer(viewer, t, **now, etag, false) : ApiResponse::Error(now->status());
    }
    return Deferred([this, t = std::move(t), etag, answer, viewer = std::move(viewer)]() {
      bool cached = false;  // a shared tier's hit is a hit too
      auto v = ctx_.tiles->GetTile(t, &cached);
      return v.ok() ? answer(viewer, t, *v, etag, cached) : ApiResponse::Error(v.status());
    });
  }
  // The HTTP thread asks only this process's tiers; the worker asks a shared one too.
  if (TileValuePtr hit = ctx_.tile_cache->GetLocal(key)) {
    return WithLinks(ImageResponse(hit, etag), base, plan->canonical);
  }
  return ExpensiveWork(
      ctx_, [this, source, req = *req, ref = item->source, plan = *plan, key, etag, base]() {
        StatusOr<TileValuePtr> v = ctx_.tile_cache->Get(key);
        if (!*v) v = Render(ctx_, source, ref, req, plan, key);
        return v.ok() ? WithLinks(ImageResponse(*v, etag), base, plan.canonical)
                      : ApiResponse::Error(v.status());
      });
}

}  // namespace tessera
