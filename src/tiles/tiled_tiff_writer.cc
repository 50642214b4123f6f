#include "tiles/tiled_tiff_writer.h"

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numbers>

#include "tiles/decode_budget.h"

namespace tessera {
namespace {

constexpr int kBlockTiles = 4;  // blocks of up to 4 x 4 tiles are read at once

// ---- libtiff handles with per-handle errors

struct TiffErrors {
  char first[512] = {0};
};

int CollectError(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap) {
  auto* e = static_cast<TiffErrors*>(user_data);
  if (e->first[0] == '\0') {
    int n = module ? std::snprintf(e->first, sizeof(e->first), "%s: ", module) : 0;
    if (n >= 0 && static_cast<size_t>(n) < sizeof(e->first)) {
      std::vsnprintf(e->first + n, sizeof(e->first) - n, fmt, ap);
    }
  }
  return 1;
}

int IgnoreWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffClose {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffClose>;

TiffPtr OpenTiff(const std::string& path, const char* mode, TiffErrors* errors) {
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, CollectError, errors);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, IgnoreWarning, nullptr);
  TiffPtr tif(TIFFOpenExt(path.c_str(), mode, opts));
  TIFFOpenOptionsFree(opts);
  return tif;
}

Status TiffFailure(const std::string& what, const TiffErrors& errors) {
  return InternalError("writing the tiled TIFF failed (" + what +
                       "): " + (errors.first[0] ? errors.first : "unknown libtiff error"));
}

Image KeepFirstBands(const Image& img, int bands) {
  if (img.bands() == bands) return img.Clone();
  Image out = Image::Uninitialized(img.width(), img.height(), bands, img.type());
  const size_t s = img.sample_bytes();
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      std::memcpy(out.row(y) + static_cast<size_t>(x) * bands * s,
                  img.row(y) + static_cast<size_t>(x) * img.bands() * s, bands * s);
    }
  }
  return out;
}

// What JPEG stores: 8-bit grey or RGB.
Image ForJpeg(Image img) {
  if (img.type() == PixelType::kU8 && (img.bands() == 1 || img.bands() == 3)) return img;
  Image u8 = ToDisplayUint8(img);
  const int bands = u8.bands() >= 3 ? 3 : 1;
  return u8.bands() == bands ? std::move(u8) : KeepFirstBands(u8, bands);
}

struct Layout {
  int64_t width, height;
  int bands;
  PixelType type;
};

Status SetupDirectory(TIFF* tif, const Layout& l, int level, double level_scale,
                      const TiledTiffOptions& o) {
  bool ok = true;
  auto set = [&](uint32_t tag, auto... v) { ok = ok && TIFFSetField(tif, tag, v...) == 1; };
  set(TIFFTAG_SUBFILETYPE, static_cast<uint32_t>(level == 0 ? 0 : FILETYPE_REDUCEDIMAGE));
  set(TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(l.width));
  set(TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(l.height));
  set(TIFFTAG_TILEWIDTH, static_cast<uint32_t>(o.tile_size));
  set(TIFFTAG_TILELENGTH, static_cast<uint32_t>(o.tile_size));
  set(TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(8 * BytesPerSample(l.type)));
  set(TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(l.bands));
  set(TIFFTAG_SAMPLEFORMAT, TiffSampleFormatOf(l.type));
  set(TIFFTAG_PLANARCONFIG, static_cast<uint16_t>(PLANARCONFIG_CONTIG));
  set(TIFFTAG_SOFTWARE, "Tessera");
  const bool rgb = l.bands == 3 || l.bands == 4;
  const bool jpeg = o.compression == TiffCompression::kJpeg;
  uint16_t photometric = rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (jpeg && rgb) photometric = PHOTOMETRIC_YCBCR;
  set(TIFFTAG_PHOTOMETRIC, photometric);
  const int color_bands = rgb ? 3 : 1;
  if (l.bands > color_bands) {
    std::vector<uint16_t> extra(l.bands - color_bands, EXTRASAMPLE_UNSPECIFIED);
    if (l.bands == 2 || l.bands == 4) extra[0] = EXTRASAMPLE_UNASSALPHA;
    set(TIFFTAG_EXTRASAMPLES, static_cast<uint16_t>(extra.size()), extra.data());
  }
  set(TIFFTAG_COMPRESSION, TiffCompressionTag(o.compression));
  if (jpeg) {
    set(TIFFTAG_JPEGQUALITY, o.jpeg_quality);
    if (rgb) {
      const uint16_t h = o.jpeg_subsampling >= 1 ? 2 : 1, v = o.jpeg_subsampling >= 2 ? 2 : 1;
      set(TIFFTAG_YCBCRSUBSAMPLING, h, v);
      set(TIFFTAG_JPEGCOLORMODE, static_cast<int>(JPEGCOLORMODE_RGB));
    }
  } else if (o.compression == TiffCompression::kLzw || o.compression == TiffCompression::kDeflate ||
             o.compression == TiffCompression::kZstd) {
    const bool fp = l.type == PixelType::kF32 || l.type == PixelType::kF64;
    set(TIFFTAG_PREDICTOR,
        static_cast<uint16_t>(fp ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL));
  }
  if (o.mm_x && o.mm_y && *o.mm_x > 0 && *o.mm_y > 0) {
    set(TIFFTAG_RESOLUTIONUNIT, static_cast<uint16_t>(RESUNIT_CENTIMETER));
    set(TIFFTAG_XRESOLUTION, static_cast<float>(10.0 / (*o.mm_x * level_scale)));
    set(TIFFTAG_YRESOLUTION, static_cast<float>(10.0 / (*o.mm_y * level_scale)));
  }
  return ok ? Status::Ok() : InvalidArgumentError("libtiff refused the TIFF fields");
}

// Writes `part` as tile (tx, ty), padded to a full tile by repeating its last column and row
// (cheaper to compress than a hard edge).
bool WriteTile(TIFF* tif, int64_t tx, int64_t ty, const Image& part, int tile) {
  Image full = Image::Uninitialized(tile, tile, part.bands(), part.type());
  const size_t px = part.pixel_bytes();
  for (int y = 0; y < tile; ++y) {
    const uint8_t* src = part.row(std::min(y, part.height() - 1));
    uint8_t* dst = full.row(y);
    std::memcpy(dst, src, part.row_bytes());
    for (int x = part.width(); x < tile; ++x) {
      std::memcpy(dst + x * px, src + (part.width() - 1) * px, px);
    }
  }
  const uint32_t index = TIFFComputeTile(tif, static_cast<uint32_t>(tx * tile),
                                         static_cast<uint32_t>(ty * tile), 0, 0);
  return TIFFWriteEncodedTile(tif, index, full.data(), static_cast<tmsize_t>(full.byte_size())) >=
         0;
}

// Level `level` (>= 1) from level - 1, read back from `path`.
Status WriteReducedLevel(TIFF* out, const TiffErrors& out_errors, const std::string& path,
                         const Layout& child, const Layout& layout, int level,
                         const TiledTiffOptions& o) {
  TiffErrors read_errors;
  TiffPtr in = OpenTiff(path, "rm", &read_errors);
  if (!in || !TIFFSetDirectory(in.get(), static_cast<tdir_t>(level - 1))) {
    return TiffFailure("reading back level " + std::to_string(level - 1), read_errors);
  }
  if (o.compression == TiffCompression::kJpeg && layout.bands == 3) {
    TIFFSetField(in.get(), TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  }
  const int t = o.tile_size;
  Image tile = Image::Uninitialized(t, t, layout.bands, layout.type);
  Image canvas(2 * t, 2 * t, layout.bands, layout.type);
  for (int64_t ty = 0; ty * t < layout.height; ++ty) {
    for (int64_t tx = 0; tx * t < layout.width; ++tx) {
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const int64_t cx = 2 * tx + dx, cy = 2 * ty + dy;
          if (cx * t >= child.width || cy * t >= child.height) continue;
          const uint32_t index = TIFFComputeTile(in.get(), static_cast<uint32_t>(cx * t),
                                                 static_cast<uint32_t>(cy * t), 0, 0);
          if (TIFFReadEncodedTile(in.get(), index, tile.data(),
                                  static_cast<tmsize_t>(tile.byte_size())) < 0) {
            return TiffFailure("reading back a tile of level " + std::to_string(level - 1),
                               read_errors);
          }
          canvas.Paste(tile, dx * t, dy * t);
        }
      }
      const int64_t valid_w = std::clamp<int64_t>(child.width - 2 * tx * t, 0, 2 * t);
      const int64_t valid_h = std::clamp<int64_t>(child.height - 2 * ty * t, 0, 2 * t);
      Image half = Downsample2x(canvas, valid_w, valid_h);
      Image part = half.Crop(Rect{0, 0, std::min<int64_t>(t, layout.width - tx * t),
                                  std::min<int64_t>(t, layout.height - ty * t)});
      if (!WriteTile(out, tx, ty, part, t)) return TiffFailure("tile", out_errors);
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<TiledTiffInfo> WriteTiledTiff(const std::string& path, int64_t width, int64_t height,
                                       int bands, PixelType type, const TiledTiffOptions& o,
                                       const PixelReader& read) {
  if (width <= 0 || height <= 0 || width > UINT32_MAX || height > UINT32_MAX || bands <= 0) {
    return InvalidArgumentError("invalid tiled TIFF size");
  }
  if (o.tile_size < 16 || o.tile_size % 16 != 0 || o.tile_size > 4096) {
    return InvalidArgumentError("the TIFF tile size must be a multiple of 16");
  }
  if (!TIFFIsCODECConfigured(TiffCompressionTag(o.compression))) {
    return InvalidArgumentError("TIFF compression " +
                                std::string(TiffCompressionName(o.compression)) +
                                " is not available in this build");
  }
  const bool jpeg = o.compression == TiffCompression::kJpeg;
  Layout top{width, height, jpeg ? (bands >= 3 ? 3 : 1) : bands, jpeg ? PixelType::kU8 : type};
  std::vector<Layout> levels{top};
  while (levels.back().width > o.tile_size || levels.back().height > o.tile_size) {
    Layout l = levels.back();
    l.width = (l.width + 1) / 2;
    l.height = (l.height + 1) / 2;
    levels.push_back(l);
  }
  TiledTiffInfo info;
  info.levels = static_cast<int>(levels.size());
  info.bands = top.bands;
  info.type = top.type;
  // Worst case: every tile stored raw, times 1.5 for codecs that expand noise.
  double raw = 0;
  for (const Layout& l : levels) {
    const double tiles = std::ceil(static_cast<double>(l.width) / o.tile_size) *
                         std::ceil(static_cast<double>(l.height) / o.tile_size);
    raw += tiles * o.tile_size * o.tile_size * l.bands * BytesPerSample(l.type);
  }
  const double factor = o.compression == TiffCompression::kNone ? 1.0 : 1.5;
  info.bigtiff = o.bigtiff.value_or(raw * factor + (64 << 20) > 4294967296.0);

  TiffErrors errors;
  TiffPtr tif = OpenTiff(path, info.bigtiff ? "w8" : "w", &errors);
  if (!tif) return TiffFailure("open " + path, errors);
  const int t = o.tile_size;
  const int64_t block = int64_t{t} * kBlockTiles;
  for (size_t level = 0; level < levels.size(); ++level) {
    const Layout& l = levels[level];
    const double scale = static_cast<double>(width) / static_cast<double>(l.width);
    TS_RETURN_IF_ERROR(SetupDirectory(tif.get(), l, static_cast<int>(level), scale, o));
    if (level == 0) {
      for (int64_t by = 0; by < height; by += block) {
        for (int64_t bx = 0; bx < width; bx += block) {
          Rect r{bx, by, std::min(block, width - bx), std::min(block, height - by)};
          TS_ASSIGN_OR_RETURN(Image px, read(r));
          if (px.width() != r.width || px.height() != r.height || px.bands() != bands ||
              px.type() != type) {
            return InternalError("tiled TIFF pixels do not match the requested layout");
          }
          if (jpeg) px = ForJpeg(std::move(px));
          for (int64_t y = 0; y < r.height; y += t) {
            for (int64_t x = 0; x < r.width; x += t) {
              Image part = px.Crop(Rect{x, y, std::min<int64_t>(t, r.width - x),
                                        std::min<int64_t>(t, r.height - y)});
              if (!WriteTile(tif.get(), (bx + x) / t, (by + y) / t, part, t)) {
                return TiffFailure("tile", errors);
              }
            }
          }
        }
      }
    } else {
      TS_RETURN_IF_ERROR(WriteReducedLevel(tif.get(), errors, path, levels[level - 1], l,
                                           static_cast<int>(level), o));
    }
    if (!TIFFWriteDirectory(tif.get())) return TiffFailure("directory", errors);
  }
  TIFF* raw_tif = tif.release();
  TIFFClose(raw_tif);  // flushes; errors were reported while writing
  if (errors.first[0]) return TiffFailure("close", errors);
  return info;
}

// ---- resampling like PIL (libImaging/Resample.c)

namespace {

double Sinc(double x) {
  if (x == 0) return 1;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}

double Filter(ResampleFilter f, double x) {
  switch (f) {
    case ResampleFilter::kLinear:
      x = std::fabs(x);
      return x < 1 ? 1 - x : 0;
    case ResampleFilter::kCubic: {
      constexpr double a = -0.5;
      x = std::fabs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    }
    case ResampleFilter::kLanczos3:
      return x > -3 && x < 3 ? Sinc(x) * Sinc(x / 3) : 0;
    case ResampleFilter::kNearest:
      break;
  }
  return 0;
}

double Support(ResampleFilter f) {
  return f == ResampleFilter::kLinear ? 1 : f == ResampleFilter::kCubic ? 2 : 3;
}

}  // namespace

AxisWeights ResampleWeights(int64_t in_size, int64_t out_size, int64_t first, int64_t last,
                            ResampleFilter filter) {
  AxisWeights w;
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  for (int64_t i = first; i < last; ++i) {
    const double center = (static_cast<double>(i) + 0.5) * scale;
    if (filter == ResampleFilter::kNearest) {
      w.start.push_back(std::min<int64_t>(in_size - 1, static_cast<int64_t>(center)));
      w.weights.push_back({1.0});
      continue;
    }
    const double filterscale = std::max(scale, 1.0);
    const double support = Support(filter) * filterscale;
    const int64_t xmin = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const int64_t xmax = std::min<int64_t>(in_size, static_cast<int64_t>(center + support + 0.5));
    std::vector<double> k;
    double total = 0;
    for (int64_t x = xmin; x < xmax; ++x) {
      k.push_back(Filter(filter, (static_cast<double>(x) - center + 0.5) / filterscale));
      total += k.back();
    }
    if (total != 0) {
      for (double& v : k) v /= total;
    }
    w.start.push_back(xmin);
    w.weights.push_back(std::move(k));
  }
  return w;
}

namespace {

// Resamples `src` (covering input [x0, ...) x [y0, ...)) with per-axis weights whose starts
// are absolute input coordinates.
Image ApplyWeights(const Image& src, int64_t x0, int64_t y0, const AxisWeights& wx,
                   const AxisWeights& wy) {
  const int bands = src.bands();
  const int out_w = static_cast<int>(wx.start.size()), out_h = static_cast<int>(wy.start.size());
  Image out(out_w, out_h, bands, src.type());
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    // Horizontal pass over every source row, kept in double.
    std::vector<double> mid(static_cast<size_t>(src.height()) * out_w * bands);
    for (int y = 0; y < src.height(); ++y) {
      const T* row = src.row_as<T>(y);
      double* m = mid.data() + static_cast<size_t>(y) * out_w * bands;
      for (int i = 0; i < out_w; ++i) {
        const std::vector<double>& k = wx.weights[i];
        const T* p = row + (wx.start[i] - x0) * bands;
        for (int b = 0; b < bands; ++b) {
          double acc = 0;
          for (size_t j = 0; j < k.size(); ++j) acc += k[j] * static_cast<double>(p[j * bands + b]);
          m[i * bands + b] = acc;
        }
      }
    }
    const size_t stride = static_cast<size_t>(out_w) * bands;
    for (int j = 0; j < out_h; ++j) {
      const std::vector<double>& k = wy.weights[j];
      const double* m = mid.data() + static_cast<size_t>(wy.start[j] - y0) * stride;
      T* dst = out.row_as<T>(j);
      for (size_t i = 0; i < stride; ++i) {
        double acc = 0;
        for (size_t r = 0; r < k.size(); ++r) acc += k[r] * m[r * stride + i];
        if constexpr (std::is_integral_v<T>) {
          acc = std::clamp(std::round(acc), static_cast<double>(std::numeric_limits<T>::lowest()),
                           static_cast<double>(std::numeric_limits<T>::max()));
        }
        dst[i] = static_cast<T>(acc);
      }
    }
  });
  return out;
}

// Output pixels [rect] of the region (output coordinates, inside the output).
StatusOr<Image> RegionPixels(const TiledRegion& g, const Rect& rect) {
  // Each strip is written and freed before the next: the request's pixel budget is per strip.
  DecodeBudget::Scope strip(DecodeBudget::Limit());
  const RegionPlan& p = g.plan;
  if (p.out_width == p.rect.width && p.out_height == p.rect.height) {
    return g.tiles->ReadLevelRegion(
        g.source, g.ref, g.frame, p.level,
        Rect{p.rect.x + rect.x, p.rect.y + rect.y, rect.width, rect.height});
  }
  const bool enlarge = p.out_width > p.rect.width || p.out_height > p.rect.height;
  const ResampleFilter f =
      g.filter.value_or(enlarge ? ResampleFilter::kCubic : ResampleFilter::kLanczos3);
  AxisWeights wx = ResampleWeights(p.rect.width, p.out_width, rect.x, rect.x + rect.width, f);
  AxisWeights wy = ResampleWeights(p.rect.height, p.out_height, rect.y, rect.y + rect.height, f);
  const int64_t x0 = wx.start.front(), y0 = wy.start.front();
  int64_t x1 = x0, y1 = y0;
  for (size_t i = 0; i < wx.start.size(); ++i) {
    x1 = std::max<int64_t>(x1, wx.start[i] + wx.weights[i].size());
  }
  for (size_t i = 0; i < wy.start.size(); ++i) {
    y1 = std::max<int64_t>(y1, wy.start[i] + wy.weights[i].size());
  }
  TS_ASSIGN_OR_RETURN(
      Image src, g.tiles->ReadLevelRegion(g.source, g.ref, g.frame, p.level,
                                          Rect{p.rect.x + x0, p.rect.y + y0, x1 - x0, y1 - y0}));
  return ApplyWeights(src, x0, y0, wx, wy);
}

}  // namespace

StatusOr<TiledTiffInfo> WriteTiledRegion(const std::string& path, const TiledRegion& g,
                                         TiledTiffOptions options) {
  const SourceMetadata& m = g.source->metadata();
  const RegionPlan& p = g.plan;
  if (p.empty || p.out_width <= 0 || p.out_height <= 0) {
    return InvalidArgumentError("the region is empty");
  }
  const bool boxed = g.fill.has_value();
  const int64_t cw = boxed ? std::max<int64_t>(g.canvas_width, p.out_width) : p.out_width;
  const int64_t ch = boxed ? std::max<int64_t>(g.canvas_height, p.out_height) : p.out_height;
  const int64_t ox = boxed && !g.fill_corner ? (cw - p.out_width) / 2 : 0;
  const int64_t oy = boxed && !g.fill_corner ? (ch - p.out_height) / 2 : 0;
  // The output pixel size: the base region spread over the output pixels.
  if (m.mm_x && m.mm_y && !options.mm_x) {
    options.mm_x = *m.mm_x * static_cast<double>(p.base.width) / p.out_width;
    options.mm_y = *m.mm_y * static_cast<double>(p.base.height) / p.out_height;
  }
  const Rect image_area{ox, oy, p.out_width, p.out_height};
  auto read = [&](const Rect& r) -> StatusOr<Image> {
    const Rect inside = Intersect(r, image_area);
    if (inside == r && !boxed) return RegionPixels(g, r);
    Image canvas(static_cast<int>(r.width), static_cast<int>(r.height), m.band_count, m.dtype);
    canvas.Fill(Rect{0, 0, r.width, r.height},
                ColorSamples(g.fill.value_or(Rgba{}), m.band_count, m.dtype));
    if (!inside.empty()) {
      TS_ASSIGN_OR_RETURN(Image px, RegionPixels(g, Rect{inside.x - ox, inside.y - oy, inside.width,
                                                         inside.height}));
      canvas.Paste(px, inside.x - r.x, inside.y - r.y);
    }
    return canvas;
  };
  return WriteTiledTiff(path, cw, ch, m.band_count, m.dtype, options, read);
}

}  // namespace tessera
