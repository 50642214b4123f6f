#include "api/tiles_api.h"

#include "api/params.h"
#include "core/strings.h"
#include "tiles/metadata_json.h"

namespace tessera {

std::string ETagFor(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  uint64_t h2 = h ^ (key.size() * 0x9E3779B97F4A7C15ULL);
  h2 *= 1099511628211ULL;
  uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(h2 >> (56 - 8 * i));
  }
  std::string etag = "\"";
  etag += HexEncode(bytes, sizeof(bytes));
  etag += '"';
  return etag;
}

bool NotModified(const ApiRequest& r, const std::string& etag) {
  const std::string* inm = r.Header("if-none-match");
  if (!inm) return false;
  for (auto part : Split(*inm, ',')) {
    std::string_view t = Trim(part);
    if (t.rfind("W/", 0) == 0) t.remove_prefix(2);
    if (t == etag || t == "*") return true;
  }
  return false;
}

namespace {

void AddCachingHeaders(ApiResponse& resp, const std::string& etag) {
  resp.headers.emplace_back("ETag", etag);
  resp.headers.emplace_back("Cache-Control", "public, max-age=3600");
}

ApiResponse ErrorResponse(const Status& s) { return ApiResponse::Error(s); }

// Runs `fn` and turns a failed Status into Girder's error response.
template <typename F>
ApiResponse Guard(F&& fn) {
  StatusOr<ApiResponse> r = fn();
  return r.ok() ? std::move(r).value() : ErrorResponse(r.status());
}

StatusOr<int64_t> PathInt(const ApiRequest& r, const std::string& name) {
  auto v = ParseInt(r.PathParam(name));
  if (!v || *v < 0) {
    return InvalidArgumentError("x, y, z and frame must be non-negative integers (" + name +
                                " is '" + r.PathParam(name) + "')");
  }
  return *v;
}

}  // namespace

ApiResponse ImageResponse(const TileValuePtr& value, const std::string& etag) {
  ApiResponse resp = ApiResponse::Content(BytesOf(value), std::string(MimeType(*value->encoding)));
  AddCachingHeaders(resp, etag);
  return resp;
}

ApiResponse NotModifiedResponse(const std::string& etag) {
  ApiResponse resp;
  resp.status = 304;
  resp.content_type.clear();
  AddCachingHeaders(resp, etag);
  return resp;
}

void TilesApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item/{id}/tiles", [this](ApiRequest& r) { return Metadata(r); });
  for (const char* prefix : {"/api/v1/item/{id}/tiles", "/api/v1/item/{id}/tile"}) {
    std::string p(prefix);
    router.Add("GET", p + "/zxy/{z}/{x}/{y}", [this](ApiRequest& r) { return Tile(r, false); });
    router.Add("GET", p + "/fzxy/{frame}/{z}/{x}/{y}",
               [this](ApiRequest& r) { return Tile(r, true); });
  }
  router.Add("GET", "/api/v1/item/{id}/tiles/thumbnail",
             [this](ApiRequest& r) { return Thumbnail(r); });
  router.Add("GET", "/api/v1/large_image/cache", [this](ApiRequest& r) { return CacheInfo(r); });
}

HandlerResult TilesApi::Metadata(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ErrorResponse(resolved.status());
  auto respond = [](const SourcePtr& s) {
    return ApiResponse::Json(MetadataToJson(s->metadata()));
  };
  if (SourcePtr s = ctx_.source_cache->Peek(resolved->source.key)) return respond(s);
  return Deferred([this, ref = resolved->source, respond]() {
    auto s = ctx_.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ErrorResponse(s.status());
  });
}

HandlerResult TilesApi::Tile(ApiRequest& r, bool with_frame) {
  auto build = [&]() -> StatusOr<TileRequest> {
    TileRequest t;
    TS_ASSIGN_OR_RETURN(int64_t z, PathInt(r, "z"));
    TS_ASSIGN_OR_RETURN(t.x, PathInt(r, "x"));
    TS_ASSIGN_OR_RETURN(t.y, PathInt(r, "y"));
    if (z > 1000) return OutOfRangeError("z layer does not exist");
    t.level = static_cast<int>(z);
    if (with_frame) {
      TS_ASSIGN_OR_RETURN(int64_t f, PathInt(r, "frame"));
      if (f > (1 << 30)) return OutOfRangeError("Frame does not exist");
      t.frame = static_cast<int>(f);
    } else {
      TS_ASSIGN_OR_RETURN(t.frame, FrameParam(r));
    }
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    t.source = std::move(item.source);
    // large_image's test source defaults to PNG; everything else to JPEG.
    TS_ASSIGN_OR_RETURN(t.encode,
                        EncodeParams(r, item.synthetic ? Encoding::kPng : Encoding::kJpeg));
    if (const std::string* edge = r.Query("edge")) {
      TS_ASSIGN_OR_RETURN(t.edge, ParseEdge(*edge));
    }
    TS_ASSIGN_OR_RETURN(t.style, StyleParam(r));
    return t;
  };
  auto request = build();
  if (!request.ok()) return ErrorResponse(request.status());
  std::string etag = ETagFor(EncodedTileKey(*request));
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  if (TileValuePtr hit = ctx_.tiles->TryCached(*request)) return ImageResponse(hit, etag);
  if (auto now = ctx_.tiles->TryServeInline(*request)) {
    return now->ok() ? ImageResponse(**now, etag) : ErrorResponse(now->status());
  }
  return Deferred([this, t = std::move(*request), etag]() {
    auto v = ctx_.tiles->GetTile(t);
    return v.ok() ? ImageResponse(*v, etag) : ErrorResponse(v.status());
  });
}

HandlerResult TilesApi::Thumbnail(ApiRequest& r) {
  auto build = [&]() -> StatusOr<ThumbnailRequest> {
    ThumbnailRequest t;
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    t.source = std::move(item.source);
    TS_ASSIGN_OR_RETURN(auto w, IntParam(r, "width", -(int64_t{1} << 31), int64_t{1} << 31));
    TS_ASSIGN_OR_RETURN(auto h, IntParam(r, "height", -(int64_t{1} << 31), int64_t{1} << 31));
    if (w) t.width = static_cast<int>(*w);
    if (h) t.height = static_cast<int>(*h);
    TS_ASSIGN_OR_RETURN(t.frame, FrameParam(r));
    TS_ASSIGN_OR_RETURN(t.encode, EncodeParams(r, Encoding::kJpeg));
    TS_ASSIGN_OR_RETURN(t.style, StyleParam(r));
    if (const std::string* fill = r.Query("fill"); fill && !Trim(*fill).empty()) {
      std::string f(Trim(*fill));
      if (ToLower(f) != "none") {
        if (ToLower(f).rfind("corner:", 0) == 0) {
          t.fill_corner = true;
          f = f.substr(7);
        }
        TS_ASSIGN_OR_RETURN(t.fill, ParseColor(f));
      }
    }
    return t;
  };
  auto request = build();
  if (!request.ok()) return ErrorResponse(request.status());
  std::string etag = ETagFor(ThumbnailKey(*request));
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  if (TileValuePtr hit = ctx_.tile_cache->Get(ThumbnailKey(*request))) {
    return ImageResponse(hit, etag);
  }
  return Deferred([this, t = std::move(*request), etag]() {
    auto v = ctx_.tiles->GetThumbnail(t);
    return v.ok() ? ImageResponse(*v, etag) : ErrorResponse(v.status());
  });
}

HandlerResult TilesApi::CacheInfo(ApiRequest&) {
  TileCacheStats t = ctx_.tile_cache->Stats();
  SourceCacheStats s = ctx_.source_cache->Stats();
  TileServiceStats w = ctx_.tiles->Stats();
  nlohmann::ordered_json j;
  j["tilesource"] = {{"maxsize", s.limits.max_sources},
                     {"used", s.items},
                     {"derived", s.derived_items},
                     {"memoryBytes", s.memory_bytes},
                     {"maxMemoryBytes", s.limits.max_memory_bytes},
                     {"openFiles", s.open_files},
                     {"maxOpenFiles", s.limits.max_open_files},
                     {"hits", s.hits},
                     {"misses", s.misses},
                     {"opens", s.opens},
                     {"openFailures", s.open_failures},
                     {"openWaits", s.open_waits},
                     {"evictions", s.evictions}};
  j["tileCache"] = {{"maxsize", t.capacity_bytes},
                    {"used", t.used_bytes},
                    {"items", t.items},
                    {"hits", t.hits},
                    {"misses", t.misses},
                    {"inserts", t.inserts},
                    {"evictions", t.evictions},
                    {"rejected", t.rejected}};
  j["tiles"] = {{"tileReads", w.tile_reads},  {"rawReads", w.raw_reads},
                {"decodes", w.decodes},       {"synthesized", w.synthesized},
                {"encodes", w.encodes},       {"passthrough", w.passthrough},
                {"thumbnails", w.thumbnails}, {"singleFlightWaits", w.flight_waits}};
  return ApiResponse::Json(j);
}

}  // namespace tessera
