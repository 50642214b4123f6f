#include "tiles/tiff_append.h"

#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <vector>

namespace tessera {
namespace {

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

Status Failure(const std::string& what, const TiffErrors& errors) {
  return InternalError(what + ": " + (errors.first[0] ? errors.first : "unknown libtiff error"));
}

// Copies one single-valued tag when `in` has it.
template <typename T>
bool CopyTag(TIFF* in, TIFF* out, uint32_t tag) {
  T value{};
  if (!TIFFGetField(in, tag, &value)) return true;
  return TIFFSetField(out, tag, value) != 0;
}

bool CopyTags(TIFF* in, TIFF* out) {
  bool ok = TIFFSetField(out, TIFFTAG_SUBFILETYPE, uint32_t{FILETYPE_REDUCEDIMAGE}) != 0;
  for (uint32_t tag :
       {TIFFTAG_IMAGEWIDTH, TIFFTAG_IMAGELENGTH, TIFFTAG_TILEWIDTH, TIFFTAG_TILELENGTH}) {
    ok = ok && CopyTag<uint32_t>(in, out, tag);
  }
  // The compression first: its codec owns the predictor and the JPEG tags.
  for (uint32_t tag :
       {TIFFTAG_COMPRESSION, TIFFTAG_BITSPERSAMPLE, TIFFTAG_SAMPLESPERPIXEL, TIFFTAG_SAMPLEFORMAT,
        TIFFTAG_PHOTOMETRIC, TIFFTAG_PLANARCONFIG, TIFFTAG_PREDICTOR, TIFFTAG_YCBCRPOSITIONING}) {
    ok = ok && CopyTag<uint16_t>(in, out, tag);
  }
  uint16_t count16 = 0;
  uint16_t* extra = nullptr;
  if (ok && TIFFGetField(in, TIFFTAG_EXTRASAMPLES, &count16, &extra) && count16 > 0) {
    ok = TIFFSetField(out, TIFFTAG_EXTRASAMPLES, count16, extra) != 0;
  }
  uint16_t sub_h = 0, sub_v = 0;
  if (ok && TIFFGetField(in, TIFFTAG_YCBCRSUBSAMPLING, &sub_h, &sub_v)) {
    ok = TIFFSetField(out, TIFFTAG_YCBCRSUBSAMPLING, sub_h, sub_v) != 0;
  }
  float* black_white = nullptr;
  if (ok && TIFFGetField(in, TIFFTAG_REFERENCEBLACKWHITE, &black_white) && black_white) {
    ok = TIFFSetField(out, TIFFTAG_REFERENCEBLACKWHITE, black_white) != 0;
  }
  uint32_t count32 = 0;
  void* tables = nullptr;
  if (ok && TIFFGetField(in, TIFFTAG_JPEGTABLES, &count32, &tables) && count32 > 0) {
    ok = TIFFSetField(out, TIFFTAG_JPEGTABLES, count32, tables) != 0;
  }
  return ok;
}

}  // namespace

Status AppendReducedIfd(const std::string& to, const std::string& from) {
  TiffErrors in_errors, out_errors;
  TiffPtr in = OpenTiff(from, "r", &in_errors);
  if (!in) return Failure("cannot open " + from, in_errors);
  if (!TIFFIsTiled(in.get())) return InvalidArgumentError(from + " is not tiled");
  TiffPtr out = OpenTiff(to, "a", &out_errors);
  if (!out) return Failure("cannot open " + to + " to append", out_errors);
  if (!CopyTags(in.get(), out.get())) return Failure("copying the tags of " + from, out_errors);

  std::vector<uint8_t> buffer;
  const uint32_t tiles = TIFFNumberOfTiles(in.get());
  for (uint32_t i = 0; i < tiles; ++i) {
    int err = 0;
    const uint64_t size = TIFFGetStrileByteCountWithErr(in.get(), i, &err);
    if (err != 0) return Failure("reading tile sizes of " + from, in_errors);
    buffer.resize(static_cast<size_t>(size));
    if (size > 0 && TIFFReadRawTile(in.get(), i, buffer.data(), static_cast<tmsize_t>(size)) !=
                        static_cast<tmsize_t>(size)) {
      return Failure("reading tile " + std::to_string(i) + " of " + from, in_errors);
    }
    if (TIFFWriteRawTile(out.get(), i, buffer.data(), static_cast<tmsize_t>(size)) < 0) {
      return Failure("writing tile " + std::to_string(i) + " to " + to, out_errors);
    }
  }
  if (!TIFFWriteDirectory(out.get())) return Failure("writing a directory to " + to, out_errors);
  TIFF* raw = out.release();
  TIFFClose(raw);  // flushes; libtiff reports a failed flush through the handler
  if (out_errors.first[0]) return Failure("closing " + to, out_errors);
  return Status::Ok();
}

}  // namespace tessera
