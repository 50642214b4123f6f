#include "tiles/convert.h"

#include <vips/vips.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "imaging/vips_glue.h"
#include "tiles/tiff_append.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

// Whether libvips' loader `name` (a class name or nickname, as vips_foreign_find_load_source
// returns) is one it does not mark untrusted.
bool LoaderTrusted(const char* name, std::string* nickname) {
  *nickname = name;
  GType type = vips_type_find("VipsOperation", name);
  if (type == 0) return false;
  gpointer klass = g_type_class_ref(type);
  if (const char* nick = VIPS_OBJECT_CLASS(klass)->nickname) *nickname = nick;
  const bool trusted = (VIPS_OPERATION_CLASS(klass)->flags & VIPS_OPERATION_UNTRUSTED) == 0;
  g_type_class_unref(klass);
  return trusted;
}

std::string_view FormatName(VipsBandFormat f) {
  const char* nick = vips_enum_nick(VIPS_TYPE_BAND_FORMAT, f);
  return nick ? nick : "unknown";
}

// The eval handler's state; lives on ConvertToTiledTiff's stack while a handler is connected.
// A level's pixels are the fraction [base, base + weight) of the whole conversion.
struct ProgressState {
  const std::function<bool(double)>* progress = nullptr;
  double base = 0;
  double weight = 1;
  double last = 0;
  bool canceled = false;
};

void OnEval(VipsImage* image, VipsProgress* p, gpointer user) {
  auto* state = static_cast<ProgressState*>(user);
  if (state->canceled) return;
  const double level =
      p->tpels > 0 ? static_cast<double>(p->npels) / static_cast<double>(p->tpels) : 0;
  const double f = std::clamp(state->base + state->weight * level, state->last, 1.0);
  state->last = f;
  if (*state->progress && !(*state->progress)(f)) {
    state->canceled = true;
    vips_image_set_kill(image, TRUE);
  }
}

VipsForeignTiffCompression VipsCompression(ConvertCompression c) {
  switch (c) {
    case ConvertCompression::kJpeg:
      return VIPS_FOREIGN_TIFF_COMPRESSION_JPEG;
    case ConvertCompression::kDeflate:
      return VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE;
    case ConvertCompression::kLzw:
      return VIPS_FOREIGN_TIFF_COMPRESSION_LZW;
    case ConvertCompression::kZstd:
      return VIPS_FOREIGN_TIFF_COMPRESSION_ZSTD;
    case ConvertCompression::kPackbits:
      return VIPS_FOREIGN_TIFF_COMPRESSION_PACKBITS;
    case ConvertCompression::kWebp:
      return VIPS_FOREIGN_TIFF_COMPRESSION_WEBP;
    case ConvertCompression::kNone:
      return VIPS_FOREIGN_TIFF_COMPRESSION_NONE;
  }
  return VIPS_FOREIGN_TIFF_COMPRESSION_NONE;
}

// The compression actually written: lossy codecs only for samples they hold exactly in shape.
ConvertCompression ChooseCompression(ConvertCompression wanted, VipsBandFormat format, int bands,
                                     std::string* note) {
  const bool u8 = format == VIPS_FORMAT_UCHAR;
  const bool fits = (wanted == ConvertCompression::kJpeg && u8 && (bands == 1 || bands == 3)) ||
                    (wanted == ConvertCompression::kWebp && u8 && (bands == 3 || bands == 4));
  if ((wanted != ConvertCompression::kJpeg && wanted != ConvertCompression::kWebp) || fits) {
    return wanted;
  }
  *note = std::string(ConvertCompressionName(wanted)) + " cannot hold " + std::to_string(bands) +
          (bands == 1 ? " band" : " bands") + " of " + std::string(FormatName(format)) +
          " samples; written with lossless deflate";
  return ConvertCompression::kDeflate;
}

StatusOr<VipsForeignTiffPredictor> ChoosePredictor(ConvertPredictor wanted, ConvertCompression c,
                                                   VipsBandFormat format) {
  const bool is_float = vips_band_format_isfloat(format);
  const bool predicts = c == ConvertCompression::kDeflate || c == ConvertCompression::kLzw ||
                        c == ConvertCompression::kZstd;
  switch (wanted) {
    case ConvertPredictor::kAuto:
      if (!predicts) return VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
      return is_float ? VIPS_FOREIGN_TIFF_PREDICTOR_FLOAT : VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL;
    case ConvertPredictor::kNone:
      return VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
    case ConvertPredictor::kHorizontal:
      return predicts ? VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL : VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
    case ConvertPredictor::kFloat:
      if (!is_float) {
        return InvalidArgumentError("predictor float needs floating-point samples, not " +
                                    std::string(FormatName(format)));
      }
      return predicts ? VIPS_FOREIGN_TIFF_PREDICTOR_FLOAT : VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
  }
  return VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
}

// Opens `input` for one sequential pass; refuses untrusted loaders.
StatusOr<VipsImagePtr> OpenInput(const std::string& input) {
  std::error_code ec;
  if (!fs::is_regular_file(input, ec)) return NotFoundError("no such file: " + input);
  // A source, not vips_image_new_from_file: a path is never parsed for "[options]".
  std::unique_ptr<VipsSource, GObjectUnref> source(vips_source_new_from_file(input.c_str()));
  if (!source) return NotFoundError(input + ": " + TakeVipsError());
  const char* found = vips_foreign_find_load_source(source.get());
  if (!found) {
    return UnsupportedError(input + ": not an image libvips reads (" + TakeVipsError() + ")");
  }
  std::string loader;
  if (!LoaderTrusted(found, &loader)) {
    return UnsupportedError(input + ": libvips would read it with " + loader +
                            ", a loader it marks untrusted");
  }
  VipsImagePtr image(vips_image_new_from_source(source.get(), "", "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_ERROR, nullptr));
  if (!image) return DataLossError(input + ": " + loader + ": " + TakeVipsError());
  // Coded images (LABQ, Radiance) are decoded and CMYK becomes sRGB, as the flat-image source
  // shows them.
  VipsImage* out = nullptr;
  if (vips_image_get_coding(image.get()) != VIPS_CODING_NONE) {
    if (vips_image_decode(image.get(), &out) != 0) return VipsFailure("vips_image_decode");
    image.reset(out);
  }
  if (vips_image_get_interpretation(image.get()) == VIPS_INTERPRETATION_CMYK) {
    if (vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
      return VipsFailure("vips_colourspace");
    }
    image.reset(out);
  }
  return image;
}

struct SaveParams {
  int tile_size = 256;
  VipsForeignTiffCompression compression = VIPS_FOREIGN_TIFF_COMPRESSION_JPEG;
  int quality = 90;
  VipsForeignTiffPredictor predictor = VIPS_FOREIGN_TIFF_PREDICTOR_NONE;
};

// One level as a single-IFD tiled BigTIFF, reporting progress through `state`. Never a libvips
// pyramid save: libvips 8.14.1 unrefs the lower layers' temporary targets before closing their
// TIFF handles when a pyramid save fails or is killed (a use after free, fixed in 8.14.3), so
// every path that can fail here writes a single layer, whose target we hold.
Status SaveLevel(VipsImage* image, const std::string& path, const SaveParams& params,
                 ProgressState* state) {
  std::unique_ptr<VipsTarget, GObjectUnref> target(vips_target_new_to_file(path.c_str()));
  if (!target) return InternalError("cannot create " + path + ": " + TakeVipsError());
  vips_image_set_progress(image, TRUE);
  const gulong handler = g_signal_connect(image, "eval", G_CALLBACK(&OnEval), state);
  const int rc = vips_tiffsave_target(image, target.get(), "tile", TRUE, "tile_width",
                                      params.tile_size, "tile_height", params.tile_size, "pyramid",
                                      FALSE, "bigtiff", TRUE, "compression", params.compression,
                                      "Q", params.quality, "predictor", params.predictor, nullptr);
  // A failed save's error text is taken before anything else can call libvips.
  const std::string error = rc != 0 ? TakeVipsError() : "";
  g_signal_handler_disconnect(image, handler);
  target.reset();  // closes the file
  if (state->canceled) return FailedPreconditionError("conversion canceled");
  if (rc != 0) return InternalError(error);
  return Status::Ok();
}

// The next level of the pyramid from the previous level's file: 2x2 means, the last row and
// column dropped when odd (libvips' own pyramid rule), in the samples' own format.
StatusOr<VipsImagePtr> HalfOf(const std::string& path, VipsBandFormat format) {
  std::unique_ptr<VipsSource, GObjectUnref> source(vips_source_new_from_file(path.c_str()));
  if (!source) return InternalError(path + ": " + TakeVipsError());
  VipsImagePtr image(
      vips_image_new_from_source(source.get(), "", "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!image) return InternalError(path + ": " + TakeVipsError());
  const int w = vips_image_get_width(image.get()) / 2;
  const int h = vips_image_get_height(image.get()) / 2;
  VipsImage* out = nullptr;
  if (vips_extract_area(image.get(), &out, 0, 0, 2 * w, 2 * h, nullptr) != 0) {
    return VipsFailure("vips_extract_area");
  }
  image.reset(out);
  if (vips_shrink(image.get(), &out, 2.0, 2.0, nullptr) != 0) return VipsFailure("vips_shrink");
  image.reset(out);
  TS_RETURN_IF_ERROR(CastToFormat(image, format));
  return image;
}

// Level sizes down to the first that fits in one tile (libvips' depth "onetile").
std::vector<std::pair<int64_t, int64_t>> PlanLevels(int64_t w, int64_t h, int tile) {
  std::vector<std::pair<int64_t, int64_t>> levels{{w, h}};
  while ((w > tile || h > tile) && w >= 2 && h >= 2) {
    w /= 2;
    h /= 2;
    levels.emplace_back(w, h);
  }
  return levels;
}

}  // namespace

StatusOr<ConvertCompression> ParseConvertCompression(std::string_view name) {
  static constexpr ConvertCompression kAll[] = {
      ConvertCompression::kJpeg, ConvertCompression::kDeflate,  ConvertCompression::kLzw,
      ConvertCompression::kZstd, ConvertCompression::kPackbits, ConvertCompression::kWebp,
      ConvertCompression::kNone};
  for (ConvertCompression c : kAll) {
    if (name == ConvertCompressionName(c)) return c;
  }
  if (name == "jp2k") {
    return InvalidArgumentError(
        "Invalid value for compression: jp2k tiles cannot be read back by libtiff.");
  }
  return InvalidArgumentError("Invalid value for compression: \"" + std::string(name) +
                              "\" (none, jpeg, deflate, lzw, zstd, packbits or webp).");
}

std::string_view ConvertCompressionName(ConvertCompression c) {
  switch (c) {
    case ConvertCompression::kJpeg:
      return "jpeg";
    case ConvertCompression::kDeflate:
      return "deflate";
    case ConvertCompression::kLzw:
      return "lzw";
    case ConvertCompression::kZstd:
      return "zstd";
    case ConvertCompression::kPackbits:
      return "packbits";
    case ConvertCompression::kWebp:
      return "webp";
    case ConvertCompression::kNone:
      return "none";
  }
  return "none";
}

StatusOr<ConvertPredictor> ParseConvertPredictor(std::string_view name) {
  if (name == "yes") return ConvertPredictor::kAuto;
  if (name == "none") return ConvertPredictor::kNone;
  if (name == "horizontal") return ConvertPredictor::kHorizontal;
  if (name == "float") return ConvertPredictor::kFloat;
  return InvalidArgumentError("Invalid value for predictor: \"" + std::string(name) +
                              "\" (none, horizontal, float or yes).");
}

Status ValidateConvertOptions(const ConvertOptions& options) {
  if (options.tile_size < 16 || options.tile_size > 4096 || options.tile_size % 16 != 0) {
    return InvalidArgumentError("tileSize must be a multiple of 16 from 16 to 4096, not " +
                                std::to_string(options.tile_size) + ".");
  }
  if (options.quality < 1 || options.quality > 100) {
    return InvalidArgumentError("quality must be from 1 to 100, not " +
                                std::to_string(options.quality) + ".");
  }
  return Status::Ok();
}

StatusOr<ConvertResult> ConvertToTiledTiff(const std::string& input, const std::string& output,
                                           const ConvertOptions& options,
                                           const std::function<bool(double fraction)>& progress) {
  TS_RETURN_IF_ERROR(ValidateConvertOptions(options));
  TS_RETURN_IF_ERROR(InitVips());
  TS_ASSIGN_OR_RETURN(VipsImagePtr image, OpenInput(input));

  ConvertResult result;
  result.width = vips_image_get_width(image.get());
  result.height = vips_image_get_height(image.get());
  result.bands = vips_image_get_bands(image.get());
  const VipsBandFormat format = vips_image_get_format(image.get());
  result.compression = ChooseCompression(options.compression, format, result.bands, &result.note);
  SaveParams params;
  params.tile_size = options.tile_size;
  params.compression = VipsCompression(result.compression);
  params.quality = options.quality;
  TS_ASSIGN_OR_RETURN(params.predictor,
                      ChoosePredictor(options.predictor, result.compression, format));

  const auto levels = PlanLevels(result.width, result.height, options.tile_size);
  result.levels = static_cast<int>(levels.size());
  double total = 0;
  for (const auto& [w, h] : levels) total += static_cast<double>(w) * static_cast<double>(h);

  // The full-resolution level goes to the part file straight from the input; each smaller level
  // is made from the one above into a file of its own, whose tiles are then appended to the part
  // file. Temporary files sit beside the output.
  const std::string part = output + ".part";
  std::vector<std::string> temps{part};
  ProgressState state;
  state.progress = &progress;
  state.weight = static_cast<double>(result.width) * static_cast<double>(result.height) / total;
  Status s = SaveLevel(image.get(), part, params, &state);
  image.reset();
  for (size_t k = 1; k < levels.size() && s.ok(); ++k) {
    state.base += state.weight;
    state.weight =
        static_cast<double>(levels[k].first) * static_cast<double>(levels[k].second) / total;
    const std::string above = temps.back();
    temps.push_back(part + "." + std::to_string(k));
    auto half = HalfOf(above, format);
    s = half.ok() ? SaveLevel(half->get(), temps.back(), params, &state) : half.status();
    if (half.ok()) half->reset();  // closes the level above before it is appended to
    if (s.ok()) s = AppendReducedIfd(part, temps.back());
  }
  if (s.ok() && state.last < 1.0 && progress && !progress(1.0)) {
    s = FailedPreconditionError("conversion canceled");
  }
  std::error_code ec;
  for (size_t i = s.ok() ? 1 : 0; i < temps.size(); ++i) fs::remove(temps[i], ec);
  if (!s.ok()) {
    return s.code() == StatusCode::kFailedPrecondition ? s : s.WithContext("converting " + input);
  }
  fs::rename(part, output, ec);
  if (ec) {
    Status failed = InternalError("cannot rename " + part + " to " + output + ": " + ec.message());
    fs::remove(part, ec);
    return failed;
  }
  return result;
}

}  // namespace tessera
