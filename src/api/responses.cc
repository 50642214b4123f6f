#include "api/responses.h"

#include <cctype>

#include "core/strings.h"
#include "tiles/decode_budget.h"

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

void AddCachingHeaders(ApiResponse& resp, const std::string& etag) {
  resp.headers.emplace_back("ETag", etag);
  resp.headers.emplace_back("Cache-Control", "public, max-age=3600");
}

ApiResponse ViewedTile(const ApiContext& ctx, const std::string& viewer,
                       const std::string& source_key, const TileValuePtr& value,
                       const std::string& etag, bool hit) {
  if (ctx.viewers) ctx.viewers->RecordTile(viewer, source_key, value);
  ApiResponse resp = ImageResponse(value, etag);
  resp.headers.emplace_back("X-Cache", hit ? "hit" : "miss");
  return resp;
}

HandlerResult ServeCachedImage(const ApiRequest& r, const ApiContext& ctx, const std::string& key,
                               const std::string& default_filename,
                               std::function<StatusOr<TileValuePtr>()> produce) {
  ApiResponse extra;
  Status disposition = ApplyContentDisposition(r, default_filename, &extra);
  if (!disposition.ok()) return ApiResponse::Error(disposition);
  const std::string etag = ETagFor(key);
  auto respond = [extra = std::move(extra.headers), etag](const TileValuePtr& v) {
    ApiResponse resp = ImageResponse(v, etag);
    resp.headers.insert(resp.headers.end(), extra.begin(), extra.end());
    return resp;
  };
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  // Only this process's tiers here (an HTTP thread); `produce` asks a shared tier first.
  if (TileValuePtr hit = ctx.tile_cache->GetLocal(key)) return respond(hit);
  return ExpensiveWork(ctx, [produce = std::move(produce), respond = std::move(respond)]() {
    auto v = produce();
    return v.ok() ? respond(*v) : ApiResponse::Error(v.status());
  });
}

HandlerResult ExpensiveWork(const ApiContext& ctx, Deferred work) {
  return HandlerResult::Expensive([max_bytes = ctx.max_decoded_bytes, work = std::move(work)]() {
    DecodeBudget::Scope budget(max_bytes);
    return work();
  });
}

StatusOr<int64_t> PathInt(const ApiRequest& r, const std::string& name) {
  auto v = ParseInt(r.PathParam(name));
  if (!v || *v < 0) {
    return InvalidArgumentError("x, y, z and frame must be non-negative integers (" + name +
                                " is '" + r.PathParam(name) + "')");
  }
  return *v;
}

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

std::string DefaultFilename(const std::string& item_name, const std::string& subname,
                            Encoding encoding) {
  std::string stem = item_name;
  if (auto dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
  if (stem.empty()) stem = "image";
  if (!subname.empty()) stem += "-" + subname;
  return stem + "." + std::string(FileExtension(encoding));
}

Status ApplyContentDisposition(const ApiRequest& r, const std::string& default_filename,
                               ApiResponse* resp) {
  const std::string* mode = r.Query("contentDisposition");
  if (!mode || Trim(*mode).empty()) return Status::Ok();
  const std::string m = ToLower(Trim(*mode));
  if (m != "inline" && m != "attachment") {
    return InvalidArgumentError("Invalid contentDisposition '" + *mode +
                                "': use inline or attachment");
  }
  std::string name = default_filename;
  if (const std::string* f = r.Query("contentDispositionFilename"); f && !Trim(*f).empty()) {
    name = std::string(Trim(*f));
  }
  // Like large_image: an ASCII fallback without quotes, and the UTF-8 name percent-encoded.
  std::string ascii, encoded;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ascii.push_back(static_cast<char>(c));
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  resp->headers.emplace_back("Content-Disposition",
                             m + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded);
  return Status::Ok();
}

}  // namespace tessera
