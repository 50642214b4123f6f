// Response helpers shared by the image endpoints: ETags from cache keys and conditional
// requests, large_image's caching headers, Content-Disposition, and path integers.
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api/api_context.h"
#include "api/api_types.h"
#include "cache/tile_cache.h"
#include "cache/tile_value.h"
#include "imaging/codec.h"

namespace tessera {

// A strong ETag for a cache key (stable across restarts).
std::string ETagFor(std::string_view key);
// True when the request's If-None-Match matches `etag`.
bool NotModified(const ApiRequest& r, const std::string& etag);
// ETag + `Cache-Control: public, max-age=3600`, as large_image's _handleETag.
void AddCachingHeaders(ApiResponse& resp, const std::string& etag);
// An image response for an encoded tile value, with caching headers.
ApiResponse ImageResponse(const TileValuePtr& value, const std::string& etag);
ApiResponse NotModifiedResponse(const std::string& etag);

// large_image's suggested file name: the item name without its extension, "-" subname, and
// the encoding's extension ("slide-thumbnail.jpg").
std::string DefaultFilename(const std::string& item_name, const std::string& subname,
                            Encoding encoding);

// large_image's contentDisposition (inline | attachment) and contentDispositionFilename
// (default `default_filename`): adds the Content-Disposition header; 400 for other values.
Status ApplyContentDisposition(const ApiRequest& r, const std::string& default_filename,
                               ApiResponse* resp);

// A tile a viewer is looking at (zxy, fzxy, IIIF pyramid tiles): recorded with the viewer
// tracker (ctx.viewers, when set) so that the viewer's working set and the source stay cached,
// and answered with ImageResponse plus `X-Cache: hit` or `miss` (whether the tile cache
// answered without any work).
ApiResponse ViewedTile(const ApiContext& ctx, const std::string& viewer,
                       const std::string& source_key, const TileValuePtr& value,
                       const std::string& etag, bool hit);

// The flow of an image endpoint whose answers live in the tile cache under `key`:
// Content-Disposition checked first (400 before any work), 304 on a matching If-None-Match, a
// cache hit answered right here, otherwise `produce` on a worker. Every image answer carries
// the ETag of `key`, the caching headers and the Content-Disposition.
// The hit is looked up with GetLocal (no network hop on the HTTP thread): `produce`, which is
// ExpensiveWork, must look in the whole cache itself before making the image.
HandlerResult ServeCachedImage(const ApiRequest& r, const ApiContext& ctx, const std::string& key,
                               const std::string& default_filename,
                               std::function<StatusOr<TileValuePtr>()> produce);

// The work of a region-sized request (a region, a thumbnail, a histogram, composited frames):
// HandlerResult::Expensive, so it counts against the server's max-expensive, and run within a
// DecodeBudget of ctx.max_decoded_bytes (tiles/decode_budget.h).
HandlerResult ExpensiveWork(const ApiContext& ctx, Deferred work);

// A non-negative integer path parameter (x, y, z, frame...); 400 otherwise.
StatusOr<int64_t> PathInt(const ApiRequest& r, const std::string& name);

}  // namespace tessera
