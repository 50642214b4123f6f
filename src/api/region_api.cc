#include "api/region_api.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "api/params.h"
#include "api/region_params.h"
#include "api/responses.h"
#include "core/strings.h"
#include "tiles/histogram.h"
#include "tiles/tiled_tiff_writer.h"

namespace tessera {
namespace {

constexpr double kHistogramDefaultSize = 2048;  // large_image documents it, we apply it
constexpr int kBandsAnalysisSize = 2048;
constexpr size_t kMaxFrameList = 10000;

std::string FilterKey(const std::optional<ResampleFilter>& f) {
  return f ? std::to_string(static_cast<int>(*f)) : "d";
}

Status CheckFrame(const TileSource& s, int frame) {
  return frame < s.metadata().frame_count ? Status::Ok() : OutOfRangeError("Frame does not exist");
}

bool IsFloat(PixelType t) { return t == PixelType::kF32 || t == PixelType::kF64; }

// One sample as JSON: integers as integers, floats as floats (exact).
nlohmann::ordered_json Sample(const Image& img, int x, int y, int band) {
  return DispatchPixelType(img.type(), [&](auto zero) -> nlohmann::ordered_json {
    using T = decltype(zero);
    const T v = img.row_as<T>(y)[x * img.bands() + band];
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<double>(v);
    } else {
      return static_cast<int64_t>(v);
    }
  });
}

// large_image's getPixel: raw values, then the 8-bit values under PIL's mode letters.
nlohmann::ordered_json PixelJson(const Image& px) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  nlohmann::ordered_json values = nlohmann::ordered_json::array();
  for (int b = 0; b < px.bands(); ++b) values.push_back(Sample(px, 0, 0, b));
  j["value"] = values;
  Image u8 = ToDisplayUint8(px);
  static constexpr const char* kModes[] = {"l", "la", "rgb", "rgba"};
  const std::string mode = kModes[std::min(u8.bands(), 4) - 1];
  for (size_t b = 0; b < mode.size(); ++b) j[std::string(1, mode[b])] = u8.row(0)[b];
  return j;
}

StatusOr<std::vector<int>> ParseFrameList(const std::string& text) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.front() == '[') t.remove_prefix(1);
  if (!t.empty() && t.back() == ']') t.remove_suffix(1);
  std::vector<int> frames;
  for (std::string_view part : Split(t, ',')) {
    auto f = ParseInt(Trim(part));
    if (!f || *f < 0 || *f > (1 << 30)) {
      return InvalidArgumentError("Invalid value for frameList: '" + text +
                                  "': use comma-separated frame numbers");
    }
    frames.push_back(static_cast<int>(*f));
  }
  if (frames.size() > kMaxFrameList) {
    return InvalidArgumentError("frameList may name at most " + std::to_string(kMaxFrameList) +
                                " frames");
  }
  return frames;
}

struct RegionQuery {
  SourceRef ref;
  std::string item_name = "test";
  RegionSpec spec;
  int frame = 0;
  bool tiled = false;
  std::optional<TiffCompression> tiff_compression;  // as asked
  EncodeOptions encode;
  std::string style;
  std::optional<ResampleFilter> filter;
  std::optional<Fill> fill;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Disposition
  std::string etag;
};

StatusOr<RegionQuery> ParseRegion(const ApiRequest& r, ItemResolver& resolver) {
  RegionQuery q;
  TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver.Resolve(r.PathParam("id"), r));
  if (item.item) q.item_name = item.item->name;
  q.ref = std::move(item.source);
  TS_ASSIGN_OR_RETURN(q.spec, RegionParams(r));
  TS_ASSIGN_OR_RETURN(q.frame, FrameParam(r));
  // TILED and pickle are region-only encodings; the rest are EncodeParams'.
  ApiRequest enc = r;
  if (const std::string* e = r.Query("encoding")) {
    const std::string name = ToLower(Trim(*e));
    if (name.rfind("pickle", 0) == 0) {
      return InvalidArgumentError("encoding " + *e +
                                  " (Python pickles) is not supported by this server");
    }
    q.tiled = name == "tiled";
    if (q.tiled) std::erase_if(enc.query, [](const auto& kv) { return kv.first == "encoding"; });
  }
  TS_ASSIGN_OR_RETURN(q.encode, EncodeParams(enc, Encoding::kJpeg));
  if (q.tiled) q.encode.encoding = Encoding::kTiff;
  if (const std::string* c = r.Query("tiffCompression"); c && !Trim(*c).empty()) {
    q.tiff_compression = q.encode.tiff_compression;
  }
  TS_ASSIGN_OR_RETURN(q.style, StyleParam(r, &q.encode));
  TS_ASSIGN_OR_RETURN(q.filter, ResampleParam(r));
  TS_ASSIGN_OR_RETURN(q.fill, FillParam(r));
  ApiResponse headers;
  TS_RETURN_IF_ERROR(ApplyContentDisposition(
      r, DefaultFilename(q.item_name, "region", q.encode.encoding), &headers));
  q.headers = std::move(headers.headers);
  std::string enc_key = q.encode.CacheKey();
  if (q.tiled) {
    enc_key = "TILED:" +
              (q.tiff_compression ? std::string(TiffCompressionName(*q.tiff_compression)) : "-") +
              ":q" + std::to_string(q.encode.jpeg_quality) + ":s" +
              std::to_string(q.encode.jpeg_subsampling);
  }
  std::string fill = "-";
  if (q.fill) {
    fill = KeyNumber(q.fill->color.r) + "," + KeyNumber(q.fill->color.g) + "," +
           KeyNumber(q.fill->color.b) + "," + KeyNumber(q.fill->color.a) +
           (q.fill->corner ? ",c" : "");
  }
  q.etag =
      ETagFor("region|" + q.ref.key + "|" + std::to_string(q.frame) + "|" + RegionSpecKey(q.spec) +
              "|" + enc_key + "|" + q.style + "|" + FilterKey(q.filter) + "|" + fill);
  return q;
}

// The TILED answer: a tiled TIFF written to a temp file that the server streams and deletes.
StatusOr<ApiResponse> WriteTiled(const ApiContext& ctx, std::atomic<int>& running,
                                 const RegionQuery& q, const SourcePtr& src, const RegionPlan& plan,
                                 uint64_t canvas_w, uint64_t canvas_h, uint64_t budget) {
  // TILED streams, so it is not held to the budget; it may not exceed the region's
  // full-resolution pixels, though (no unbounded enlargements or letterboxes).
  const uint64_t limit =
      std::max<uint64_t>(budget, static_cast<uint64_t>(plan.base.width) * plan.base.height);
  const uint64_t px =
      std::max<uint64_t>(canvas_w, plan.out_width) * std::max<uint64_t>(canvas_h, plan.out_height);
  if (px > limit) {
    return InvalidArgumentError(
        "Requested TILED region is too large: the limit is " + std::to_string(limit) +
        " pixels (the region at full resolution, at least " + std::to_string(budget) + ")");
  }
  if (running.fetch_add(1) >= RegionApi::kMaxTiledExports) {
    running.fetch_sub(1);
    return UnavailableError("Too many TILED regions are being written; retry shortly");
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n.fetch_sub(1); }
  } release{running};
  TiledRegion g{ctx.tiles, src, q.ref, q.frame, plan, q.filter};
  if (canvas_w > 0 && canvas_h > 0) {
    g.fill = q.fill->color;
    g.fill_corner = q.fill->corner;
    g.canvas_width = static_cast<int64_t>(canvas_w);
    g.canvas_height = static_cast<int64_t>(canvas_h);
  }
  const SourceMetadata& m = src->metadata();
  TiledTiffOptions o;
  // JPEG for 8-bit grey or RGB, else lossless LZW (large_image's TILED default).
  const bool jpeg_ok = m.dtype == PixelType::kU8 && (m.band_count == 1 || m.band_count == 3);
  o.compression =
      q.tiff_compression.value_or(jpeg_ok ? TiffCompression::kJpeg : TiffCompression::kLzw);
  o.jpeg_quality = q.encode.jpeg_quality;
  o.jpeg_subsampling = q.encode.jpeg_subsampling;
  std::string path = ctx.temp_dir + "/region-XXXXXX.tiff";
  const int fd = mkstemps(path.data(), 5);
  if (fd < 0) return InternalError("cannot create a temporary file in " + ctx.temp_dir);
  close(fd);
  auto written = WriteTiledRegion(path, g, o);
  if (!written.ok()) {
    std::remove(path.c_str());
    return written.status();
  }
  ApiResponse resp;
  resp.content_type = "image/tiff";
  resp.body_file = path;
  resp.remove_body_file = true;
  return resp;
}

}  // namespace

void RegionApi::Register(Router& router) {
  const std::string p = "/api/v1/item/{id}/tiles";
  router.Add("GET", p + "/region", [this](ApiRequest& r) { return Region(r); });
  router.Add("GET", p + "/pixel", [this](ApiRequest& r) { return Pixel(r); });
  router.Add("GET", p + "/histogram", [this](ApiRequest& r) { return Histogram(r); });
  router.Add("GET", p + "/bands", [this](ApiRequest& r) { return Bands(r); });
}

HandlerResult RegionApi::Region(ApiRequest& r) {
  auto parsed = ParseRegion(r, resolver_);
  if (!parsed.ok()) return ApiResponse::Error(parsed.status());
  if (NotModified(r, parsed->etag)) return NotModifiedResponse(parsed->etag);
  return ExpensiveWork(ctx_, [this, q = std::move(*parsed)]() {
    auto decorate = [&q](ApiResponse resp) {
      AddCachingHeaders(resp, q.etag);
      for (const auto& h : q.headers) resp.headers.push_back(h);
      return resp;
    };
    auto run = [&]() -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(SourcePtr src, ctx_.tiles->GetStyledSource(q.ref, q.style, q.encode));
      TS_RETURN_IF_ERROR(CheckFrame(*src, q.frame));
      TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*src, q.spec));
      const std::string mime(MimeType(q.encode.encoding));
      // large_image answers an empty region with an empty body.
      if (plan.empty) return decorate(ApiResponse::Content(nullptr, mime));
      const bool box = q.fill && q.spec.max_width && q.spec.max_height && *q.spec.max_width > 0 &&
                       *q.spec.max_height > 0;
      const uint64_t budget = ctx_.tiles->max_output_pixels();
      const auto canvas_w = static_cast<uint64_t>(box ? *q.spec.max_width : 0);
      const auto canvas_h = static_cast<uint64_t>(box ? *q.spec.max_height : 0);
      if (q.tiled) {
        TS_ASSIGN_OR_RETURN(ApiResponse resp, WriteTiled(ctx_, tiled_exports_, q, src, plan,
                                                         canvas_w, canvas_h, budget));
        return decorate(std::move(resp));
      }
      TS_ASSIGN_OR_RETURN(Image img, ctx_.tiles->ReadRegion(src, q.ref, q.frame, plan, q.filter));
      if (box) {
        if (std::max<uint64_t>(canvas_w, img.width()) * std::max<uint64_t>(canvas_h, img.height()) >
            budget) {
          return InvalidArgumentError("Requested region is too large: the limit is " +
                                      std::to_string(budget) + " output pixels");
        }
        img = Letterbox(std::move(img), static_cast<int>(canvas_w), static_cast<int>(canvas_h),
                        q.fill->color, q.fill->corner);
      }
      TS_ASSIGN_OR_RETURN(Bytes bytes, Encode(img, q.encode));
      return decorate(ApiResponse::Content(std::make_shared<const Bytes>(std::move(bytes)), mime));
    };
    auto resp = run();
    return resp.ok() ? std::move(*resp) : ApiResponse::Error(resp.status());
  });
}

HandlerResult RegionApi::Pixel(ApiRequest& r) {
  struct Query {
    SourceRef ref;
    RegionSpec spec;
    int frame = 0;
    std::optional<std::vector<int>> frames;  // frameList
  };
  auto parse = [&]() -> StatusOr<Query> {
    Query q;
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    q.ref = std::move(item.source);
    RegionSpec& s = q.spec;
    TS_ASSIGN_OR_RETURN(s.left, DoubleParam(r, "left"));
    TS_ASSIGN_OR_RETURN(s.top, DoubleParam(r, "top"));
    TS_ASSIGN_OR_RETURN(s.right, DoubleParam(r, "right"));
    TS_ASSIGN_OR_RETURN(s.bottom, DoubleParam(r, "bottom"));
    if (const std::string* u = r.Query("units"); u && !Trim(*u).empty()) {
      TS_ASSIGN_OR_RETURN(s.units, ParseRegionUnits(*u));
    }
    // large_image's getPixel: a 1 x 1 base-pixel region at (left, top).
    s.width = s.height = 1;
    s.units_wh = RegionUnits::kBasePixels;
    TS_ASSIGN_OR_RETURN(q.frame, FrameParam(r));
    if (const std::string* fl = r.Query("frameList")) {
      TS_ASSIGN_OR_RETURN(q.frames, ParseFrameList(*fl));
    }
    return q;
  };
  auto parsed = parse();
  if (!parsed.ok()) return ApiResponse::Error(parsed.status());
  return Deferred([this, q = std::move(*parsed)]() {
    auto run = [&]() -> StatusOr<nlohmann::ordered_json> {
      TS_ASSIGN_OR_RETURN(SourcePtr src, ctx_.tiles->GetSource(q.ref));
      TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*src, q.spec));
      auto one = [&](int f) -> StatusOr<nlohmann::ordered_json> {
        TS_RETURN_IF_ERROR(CheckFrame(*src, f));
        // Outside the image: large_image returns an empty object.
        if (plan.empty) return nlohmann::ordered_json::object();
        TS_ASSIGN_OR_RETURN(Image px,
                            ctx_.tiles->ReadLevelRegion(src, q.ref, f, plan.level, plan.rect,
                                                        TileService::Samples::kStored));
        return PixelJson(px);
      };
      if (!q.frames) return one(q.frame);
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (int f : *q.frames) {
        TS_ASSIGN_OR_RETURN(nlohmann::ordered_json j, one(f));
        j["frame"] = f;
        list.push_back(std::move(j));
      }
      return list;
    };
    auto j = run();
    return j.ok() ? ApiResponse::Json(*j) : ApiResponse::Error(j.status());
  });
}

HandlerResult RegionApi::Histogram(ApiRequest& r) {
  struct Query {
    SourceRef ref;
    RegionSpec spec;
    int frame = 0;
    bool resample = false;
    std::optional<ResampleFilter> filter;
    HistogramOptions options;
    std::string style;
    std::string etag;
  };
  auto parse = [&]() -> StatusOr<Query> {
    Query q;
    TS_ASSIGN_OR_RETURN(ResolvedItem item, resolver_.Resolve(r.PathParam("id"), r));
    q.ref = std::move(item.source);
    TS_ASSIGN_OR_RETURN(q.spec, RegionParams(r));
    RegionSpec& s = q.spec;
    if (!s.max_width && !s.max_height && !s.magnification && !s.mm_x && !s.mm_y) {
      s.max_width = s.max_height = kHistogramDefaultSize;
    }
    TS_ASSIGN_OR_RETURN(q.frame, FrameParam(r));
    // large_image's tile iterator treats false and 0 alike: the pixels of an existing level.
    TS_ASSIGN_OR_RETURN(q.filter, ResampleParam(r));
    const std::string* rs = r.Query("resample");
    const std::string v = rs ? ToLower(Trim(*rs)) : "";
    q.resample = !(v.empty() || v == "false" || v == "0" || v == "no" || v == "off");
    TS_ASSIGN_OR_RETURN(auto bins, IntParam(r, "bins", 1, 1 << 20));
    q.options.bins = static_cast<int>(bins.value_or(256));
    TS_ASSIGN_OR_RETURN(auto lo, IntParam(r, "rangeMin", INT64_MIN / 2, INT64_MAX / 2));
    TS_ASSIGN_OR_RETURN(auto hi, IntParam(r, "rangeMax", INT64_MIN / 2, INT64_MAX / 2));
    if (lo && hi && *lo > *hi) {
      return InvalidArgumentError("max must be larger than min in range parameter.");
    }
    if (lo) q.options.range_min = static_cast<double>(*lo);
    if (hi) q.options.range_max = static_cast<double>(*hi);
    TS_ASSIGN_OR_RETURN(auto round, BoolParam(r, "roundRange"));
    TS_ASSIGN_OR_RETURN(auto density, BoolParam(r, "density"));
    q.options.round_range = round.value_or(false);
    q.options.density = density.value_or(false);
    TS_ASSIGN_OR_RETURN(q.style, StyleParam(r));
    if (const std::string* c = r.Query("cache"); c && !Trim(*c).empty() && ToLower(*c) != "none") {
      return InvalidArgumentError("cache=" + *c +
                                  " is not supported: this server keeps no histogram files");
    }
    q.etag = ETagFor("histogram|" + q.ref.key + "|" + std::to_string(q.frame) + "|" +
                     RegionSpecKey(s) + "|" + (q.resample ? FilterKey(q.filter) : "n") + "|" +
                     std::to_string(q.options.bins) + "|" + KeyNumber(q.options.range_min) + "|" +
                     KeyNumber(q.options.range_max) + "|" + (q.options.round_range ? "r" : "") +
                     (q.options.density ? "d" : "") + "|" + q.style);
    return q;
  };
  auto parsed = parse();
  if (!parsed.ok()) return ApiResponse::Error(parsed.status());
  if (NotModified(r, parsed->etag)) return NotModifiedResponse(parsed->etag);
  return ExpensiveWork(ctx_, [this, q = std::move(*parsed)]() {
    auto run = [&]() -> StatusOr<nlohmann::ordered_json> {
      TS_ASSIGN_OR_RETURN(SourcePtr src,
                          ctx_.tiles->GetStyledSource(q.ref, q.style, EncodeOptions()));
      TS_RETURN_IF_ERROR(CheckFrame(*src, q.frame));
      TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*src, q.spec));
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      if (plan.empty) return list;
      Image img;
      if (q.resample) {
        TS_ASSIGN_OR_RETURN(img, ctx_.tiles->ReadRegion(src, q.ref, q.frame, plan, q.filter,
                                                        TileService::Samples::kStored));
      } else {
        const uint64_t budget = ctx_.tiles->max_output_pixels();
        if (static_cast<uint64_t>(plan.rect.width) * plan.rect.height > 4 * budget) {
          return InvalidArgumentError("Requested region is too large: the limit is " +
                                      std::to_string(budget) + " output pixels");
        }
        TS_ASSIGN_OR_RETURN(img,
                            ctx_.tiles->ReadLevelRegion(src, q.ref, q.frame, plan.level, plan.rect,
                                                        TileService::Samples::kStored));
      }
      TS_ASSIGN_OR_RETURN(auto bands, ComputeHistogram(img, q.options));
      for (const BandHistogram& b : bands) {
        nlohmann::ordered_json e;
        e["min"] = b.stats.min;
        e["max"] = b.stats.max;
        e["mean"] = b.stats.mean;
        e["stdev"] = b.stats.stdev;
        e["range"] = {b.range_min, b.range_max};
        e["hist"] = b.hist;
        e["bin_edges"] = b.bin_edges;
        e["bins"] = b.bins;
        e["density"] = b.density;
        e["samples"] = static_cast<double>(b.samples);
        list.push_back(std::move(e));
      }
      return list;
    };
    auto j = run();
    if (!j.ok()) return ApiResponse::Error(j.status());
    ApiResponse resp = ApiResponse::Json(*j);
    AddCachingHeaders(resp, q.etag);
    return resp;
  });
}

BytesPtr RegionApi::CachedBands(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = bands_.find(key);
  return it == bands_.end() ? nullptr : it->second;
}

void RegionApi::KeepBands(const std::string& key, BytesPtr body) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!bands_.emplace(key, std::move(body)).second) return;
  bands_order_.push_back(key);
  while (bands_order_.size() > kMaxBandEntries) {
    bands_.erase(bands_order_.front());
    bands_order_.pop_front();
  }
}

HandlerResult RegionApi::Bands(ApiRequest& r) {
  auto item = resolver_.Resolve(r.PathParam("id"), r);
  if (!item.ok()) return ApiResponse::Error(item.status());
  auto frame = FrameParam(r);
  if (!frame.ok()) return ApiResponse::Error(frame.status());
  const std::string key = item->source.key + "|" + std::to_string(*frame);
  const std::string etag = ETagFor("bands|" + key);
  if (NotModified(r, etag)) return NotModifiedResponse(etag);
  auto respond = [etag](BytesPtr body) {
    ApiResponse resp = ApiResponse::Content(std::move(body), "application/json");
    AddCachingHeaders(resp, etag);
    return resp;
  };
  if (BytesPtr hit = CachedBands(key)) return respond(hit);
  return ExpensiveWork(ctx_, [this, ref = std::move(item->source), f = *frame, key, respond]() {
    auto run = [&]() -> StatusOr<BytesPtr> {
      TS_ASSIGN_OR_RETURN(SourcePtr src, ctx_.tiles->GetSource(ref));
      TS_RETURN_IF_ERROR(CheckFrame(*src, f));
      // The largest level no larger than the analysis size (level 0 if none is).
      int level = src->metadata().levels - 1;
      while (level > 0 && (src->GetLevelSize(level).width > kBandsAnalysisSize ||
                           src->GetLevelSize(level).height > kBandsAnalysisSize)) {
        --level;
      }
      const LevelSize size = src->GetLevelSize(level);
      TS_ASSIGN_OR_RETURN(Image img, ctx_.tiles->ReadLevelRegion(
                                         src, ref, f, level, Rect{0, 0, size.width, size.height},
                                         TileService::Samples::kStored));
      static constexpr const char* kInterp[4][4] = {
          {"gray"}, {"gray", "alpha"}, {"red", "green", "blue"}, {"red", "green", "blue", "alpha"}};
      const std::vector<BandStats> stats = ComputeBandStats(img);
      const int n = static_cast<int>(stats.size());
      const auto& names = kInterp[n <= 4 ? n - 1 : 2];
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (int b = 0; b < n; ++b) {
        nlohmann::ordered_json e;
        e["interpretation"] = b < 4 && names[b] ? names[b] : "unknown";
        if (IsFloat(img.type())) {
          e["min"] = stats[b].min;
          e["max"] = stats[b].max;
        } else {
          e["min"] = static_cast<int64_t>(stats[b].min);
          e["max"] = static_cast<int64_t>(stats[b].max);
        }
        e["mean"] = stats[b].mean;
        e["stdev"] = stats[b].stdev;
        j[std::to_string(b + 1)] = std::move(e);
      }
      std::string text = j.dump();
      auto body = std::make_shared<const Bytes>(text.begin(), text.end());
      KeepBands(key, body);
      return BytesPtr(body);
    };
    auto body = run();
    return body.ok() ? respond(*body) : ApiResponse::Error(body.status());
  });
}

}  // namespace tessera
