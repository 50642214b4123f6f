#include "api/images_api.h"

#include <algorithm>
#include <optional>

#include "api/params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "imaging/resample.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

// Largest width / height parameter (the output budget refuses large outputs anyway).
constexpr int64_t kMaxSide = int64_t{1} << 24;

// An associated image name inside a cache key: '|' separates key parts.
std::string KeyPart(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '|' || c == '%') {
      out += c == '|' ? "%7C" : "%25";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string DecodedKey(const std::string& source_key, const std::string& name) {
  return "ai|" + source_key + "|" + KeyPart(name);
}

bool HasImage(const TileSource& source, const std::string& name) {
  const auto names = source.AssociatedImageNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Json ImageMetadataJson(const Image& img) {
  return Json{
      {"sizeX", img.width()}, {"sizeY", img.height()}, {"mode", PilMode(img.bands(), img.type())}};
}

// Answers from the opened source: inline when it is in the source cache, else on a worker.
HandlerResult WithSource(const ApiContext& ctx, SourceRef ref,
                         std::function<ApiResponse(const SourcePtr&)> respond) {
  if (SourcePtr s = ctx.source_cache->Peek(ref.key)) return respond(s);
  return Deferred([&ctx, ref = std::move(ref), respond = std::move(respond)]() {
    auto s = ctx.tiles->GetSource(ref);
    return s.ok() ? respond(*s) : ApiResponse::Error(s.status());
  });
}

}  // namespace

struct ImagesApi::ImageRequest {
  SourceRef source;
  std::string name;
  std::optional<int> width;
  std::optional<int> height;
  EncodeOptions encode;
  std::string style;

  std::string Key() const {
    return "aie|" + source.key + "|" + KeyPart(name) + "|" +
           (width ? std::to_string(*width) : "-") + "x" + (height ? std::to_string(*height) : "-") +
           "|" + encode.CacheKey() + "|" + style;
  }
};

std::string PilMode(int bands, PixelType type) {
  if (type == PixelType::kU8) {
    switch (bands) {
      case 1:
        return "L";
      case 2:
        return "LA";
      case 3:
        return "RGB";
      case 4:
        return "RGBA";
      default:
        break;
    }
  }
  if (bands == 1 && type == PixelType::kU16) return "I;16";
  if (bands == 1 && type == PixelType::kI32) return "I";
  if (bands == 1 && type == PixelType::kF32) return "F";
  return std::string(PixelTypeName(type));
}

nlohmann::ordered_json InternalMetadataJson(const TileSource& source) {
  Json j = Json::object();
  const std::string format(source.format_name());
  auto aperio_version = [&j](const std::string& text) {
    std::string leader(Trim(text.substr(0, text.find('\n'))));
    if (ToLower(leader).find("aperio") != std::string::npos) j["aperio_version"] = leader;
  };
  for (const auto& [key, value] : source.metadata().properties) {
    const size_t dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
      if (!key.empty()) j[key] = value;
      continue;
    }
    const std::string prefix = key.substr(0, dot);
    const std::string rest = key.substr(dot + 1);
    if (prefix == "tessera") {
      j["tessera"][rest] = value;
    } else if (format == "openslide") {
      // large_image's openslide source: every property under its full name.
      j["openslide"][key] = value;
      if (key == "openslide.comment") aperio_version(value);
    } else if (format == "test") {
      // large_image's test source: {"fractal": bool, "monochrome": bool, ...}.
      if (auto b = ParseBool(value)) {
        j[rest] = *b;
      } else if (auto n = ParseInt(value)) {
        j[rest] = *n;
      } else {
        j[rest] = value;
      }
    } else if (prefix == "tiff") {
      // large_image's tiff source: libtiff's lower-case field names; a JSON description is
      // reported parsed, under "xml" (its _description_record).
      const std::string field = ToLower(rest);
      if (field == "imagedescription") {
        auto parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
        if (!parsed.is_discarded() && parsed.is_object()) {
          j["xml"] = std::move(parsed);
          continue;
        }
        aperio_version(value);
      }
      j["tiff"][field] = value;
    } else {
      j[prefix][rest] = value;
    }
  }
  j["tilesource"] = format;
  int populated = 0;
  for (int z = 0; z < source.metadata().levels; ++z) populated += source.HasLevel(0, z) ? 1 : 0;
  j["populatedLevels"] = populated;
  return j;
}

void ImagesApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item/{id}/tiles/images",
             [this](ApiRequest& r) { return ListImages(r); });
  router.Add("GET", "/api/v1/item/{id}/tiles/images/{key}",
             [this](ApiRequest& r) { return GetImage(r); });
  router.Add("GET", "/api/v1/item/{id}/tiles/images/{key}/metadata",
             [this](ApiRequest& r) { return GetImageMetadata(r); });
  router.Add("GET", "/api/v1/item/{id}/tiles/internal_metadata",
             [this](ApiRequest& r) { return GetInternalMetadata(r); });
}

HandlerResult ImagesApi::ListImages(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  return WithSource(ctx_, resolved->source, [](const SourcePtr& s) {
    std::vector<std::string> names = s->AssociatedImageNames();
    std::sort(names.begin(), names.end());
    return ApiResponse::Json(Json(names));
  });
}

HandlerResult ImagesApi::GetInternalMetadata(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  return WithSource(ctx_, resolved->source,
                    [](const SourcePtr& s) { return ApiResponse::Json(InternalMetadataJson(*s)); });
}

HandlerResult ImagesApi::GetImageMetadata(ApiRequest& r) {
  auto resolved = resolver_.Resolve(r.PathParam("id"), r);
  if (!resolved.ok()) return ApiResponse::Error(resolved.status());
  const std::string name = r.PathParam("key");
  if (TileValuePtr v = ctx_.tile_cache->GetLocal(DecodedKey(resolved->source.key, name))) {
    return ApiResponse::Json(ImageMetadataJson(v->pixels));
  }
  return Deferred([this, ref = resolved->source, name]() {
    auto source = ctx_.tiles->GetSource(ref);
    if (!source.ok()) return ApiResponse::Error(source.status());
    // Like large_image: {} for an image the source does not have.
    if (!HasImage(**source, name)) return ApiResponse::Json(Json::object());
    auto v = DecodedImage(*source, ref, name);
    if (!v.ok()) return ApiResponse::Error(v.status());
    return ApiResponse::Json(ImageMetadataJson((*v)->pixels));
  });
}

HandlerResult ImagesApi::GetImage(ApiRequest& r) {
  std::string item_name = "test";
  auto build = [&]() -> StatusOr<ImageRequest> {
    ImageRequest q;
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    if (item.item) item_name = item.item->name;
    q.source = std::move(item.source);
    q.name = r.PathParam("key");
    TS_ASSIGN_OR_RETURN(auto w, IntParam(r, "width", 0, kMaxSide));
    TS_ASSIGN_OR_RETURN(auto h, IntParam(r, "height", 0, kMaxSide));
    // large_image: `if width or height` -- 0 is no limit.
    if (w && *w > 0) q.width = static_cast<int>(*w);
    if (h && *h > 0) q.height = static_cast<int>(*h);
    TS_ASSIGN_OR_RETURN(q.encode, EncodeParams(r, Encoding::kJpeg));
    TS_ASSIGN_OR_RETURN(q.style, StyleParam(r, &q.encode));
    return q;
  };
  auto request = build();
  if (!request.ok()) return ApiResponse::Error(request.status());
  const std::string filename = DefaultFilename(item_name, request->name, request->encode.encoding);
  const std::string key = request->Key();
  return ServeCachedImage(r, ctx_, key, filename,
                          [this, q = std::move(*request), key]() { return EncodedImage(q, key); });
}

StatusOr<TileValuePtr> ImagesApi::EncodedImage(const ImageRequest& q, const std::string& key) {
  return encoded_flight_.Do(key, [&]() -> StatusOr<TileValuePtr> {
    if (TileValuePtr v = ctx_.tile_cache->Get(key)) return v;
    // Associated images are not styled (large_image neither: the style is the pyramid's).
    TS_ASSIGN_OR_RETURN(SourcePtr source, ctx_.tiles->GetSource(q.source));
    TS_ASSIGN_OR_RETURN(TileValuePtr decoded, DecodedImage(source, q.source, q.name));
    const Image& img = decoded->pixels;
    // large_image's getAssociatedImage: the largest size within width x height that keeps the
    // aspect ratio; bicubic when enlarging, Lanczos when reducing.
    std::optional<OutputSize> size;
    if (q.width || q.height) {
      size = CalculateOutputSize(q.width, q.height, img.width(), img.height());
      const uint64_t pixels = static_cast<uint64_t>(size->width) * size->height;
      if (pixels > ctx_.tiles->max_output_pixels()) {
        return InvalidArgumentError("Requested image is too large: the limit is " +
                                    std::to_string(ctx_.tiles->max_output_pixels()) +
                                    " output pixels");
      }
    }
    StatusOr<Bytes> bytes = [&]() -> StatusOr<Bytes> {
      if (!size || (size->width == img.width() && size->height == img.height())) {
        return Encode(img, q.encode);
      }
      const ResampleFilter filter =
          size->width > img.width() ? ResampleFilter::kCubic : ResampleFilter::kLanczos3;
      TS_ASSIGN_OR_RETURN(Image resized, Resize(img, size->width, size->height, filter));
      return Encode(resized, q.encode);
    }();
    if (!bytes.ok()) return bytes.status();
    TileValuePtr v = MakeEncodedValue(q.encode.encoding, std::move(bytes).value());
    ctx_.tile_cache->Put(key, v);
    return v;
  });
}

StatusOr<TileValuePtr> ImagesApi::DecodedImage(const SourcePtr& source, const SourceRef& ref,
                                               const std::string& name) {
  const std::string key = DecodedKey(ref.key, name);
  if (TileValuePtr v = ctx_.tile_cache->Get(key)) return v;
  if (!HasImage(*source, name)) {
    std::vector<std::string> names = source->AssociatedImageNames();
    std::sort(names.begin(), names.end());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return NotFoundError("No associated image named '" + name + "' (this image has " +
                         (list.empty() ? std::string("none") : list) + ")");
  }
  return decoded_flight_.Do(key, [&]() -> StatusOr<TileValuePtr> {
    if (TileValuePtr v = ctx_.tile_cache->Get(key)) return v;
    TS_ASSIGN_OR_RETURN(Image img, source->ReadAssociatedImage(name));
    TileValuePtr v = MakePixelValue(std::move(img));
    ctx_.tile_cache->Put(key, v);
    return v;
  });
}

}  // namespace tessera
