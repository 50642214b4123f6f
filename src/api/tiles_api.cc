#include "api/tiles_api.h"

#include "api/params.h"
#include "api/region_params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "tiles/metadata_json.h"

namespace tessera {

namespace {}  // namespace

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
}

HandlerResult TilesApi::Metadata(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  auto respond = [](const SourcePtr& s) {
    return ApiResponse::Json(MetadataToJson(s->metadata()));
  };
  if (SourcePtr s = ctx_.source_cache->Peek(resolved->source.key)) return respond(s);
  return Deferred([this, ref = resolved->source, respond]() {
    auto s = ctx_.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ApiResponse::Error(s.status());
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
    TS_ASSIGN_OR_RETURN(t.style, StyleParam(r, &t.encode));
    return t;
  };
  auto request = build();
  if (!request.ok()) return ApiResponse::Error(request.status());
  std::string etag = ETagFor(EncodedTileKey(*request));
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  std::string viewer = ViewerOf(r);
  if (TileValuePtr hit = ctx_.tiles->TryCached(*request)) {
    return ViewedTile(ctx_, viewer, request->source.key, hit, etag, true);
  }
  if (auto now = ctx_.tiles->TryServeInline(*request)) {
    return now->ok() ? ViewedTile(ctx_, viewer, request->source.key, **now, etag, false)
                     : ApiResponse::Error(now->status());
  }
  return Deferred([this, t = std::move(*request), etag, viewer = std::move(viewer)]() {
    bool cached = false;  // a shared tier's hit is a hit too
    auto v = ctx_.tiles->GetTile(t, &cached);
    return v.ok() ? ViewedTile(ctx_, viewer, t.source.key, *v, etag, cached)
                  : ApiResponse::Error(v.status());
  });
}

HandlerResult TilesApi::Thumbnail(ApiRequest& r) {
  std::string item_name = "test";
  std::string item_id;
  auto build = [&]() -> StatusOr<ThumbnailRequest> {
    ThumbnailRequest t;
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    if (item.item) {
      item_name = item.item->name;
      item_id = item.item->id;
    }
    t.source = std::move(item.source);
    TS_ASSIGN_OR_RETURN(auto w, IntParam(r, "width", -(int64_t{1} << 31), int64_t{1} << 31));
    TS_ASSIGN_OR_RETURN(auto h, IntParam(r, "height", -(int64_t{1} << 31), int64_t{1} << 31));
    if (w) t.width = static_cast<int>(*w);
    if (h) t.height = static_cast<int>(*h);
    TS_ASSIGN_OR_RETURN(t.frame, FrameParam(r));
    TS_ASSIGN_OR_RETURN(t.encode, EncodeParams(r, Encoding::kJpeg));
    TS_ASSIGN_OR_RETURN(t.style, StyleParam(r, &t.encode));
    TS_ASSIGN_OR_RETURN(std::optional<Fill> fill, FillParam(r));
    if (fill) {
      t.fill = fill->color;
      t.fill_corner = fill->corner;
    }
    return t;
  };
  auto request = build();
  if (!request.ok()) return ApiResponse::Error(request.status());
  const std::string filename = DefaultFilename(item_name, "thumbnail", request->encode.encoding);
  const std::string key = ThumbnailKey(*request);  // before the request moves into the lambda
  // A miss in the tile cache is served from the persisted copy when there is one (no source
  // opened); otherwise produced, then persisted.
  return ServeCachedImage(
      r, ctx_, key, filename,
      [this, t = std::move(*request), key, item_id]() -> StatusOr<TileValuePtr> {
        if (item_id.empty() || !persisted_.enabled()) {
          return ctx_.tiles->GetThumbnail(t);
        }
        if (TileValuePtr saved = persisted_.Find(item_id, key)) {
          ctx_.tile_cache->Put(key, saved);
          return saved;
        }
        TS_ASSIGN_OR_RETURN(TileValuePtr v, ctx_.tiles->GetThumbnail(t));
        persisted_.Save(item_id, key, v);
        return v;
      });
}

}  // namespace tessera
