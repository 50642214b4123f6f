// Codecs on real tissue: encoding a 256x256 RGB tile the way the server does on a re-encode
// (large_image's defaults: JPEG q95 4:4:4, PNG zlib level 2, WebP q80), and decoding 256x256
// JPEG tiles like the stored tiles of a vips pyramid (q80 4:2:0) and the server's own q95
// re-encodes, plus a stored SVS tile as ReadRawTile passes it through (240x240, tables spliced).
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "imaging/codec.h"

namespace tessera {
namespace {

constexpr int kTile = 256;

const Image* TileOrSkip(benchmark::State& state) {
  auto pixels = bench::SlidePixels(kTile, kTile);
  if (!pixels.ok()) {
    state.SkipWithError(pixels.status().message().c_str());
    return nullptr;
  }
  return *pixels;
}

void EncodeLoop(benchmark::State& state, const EncodeOptions& options) {
  const Image* tile = TileOrSkip(state);
  if (!tile) return;
  size_t out_bytes = 0, out_capacity = 0;
  for (auto _ : state) {
    StatusOr<Bytes> bytes = Encode(*tile, options);
    if (!bytes.ok()) {
      state.SkipWithError(bytes.status().message().c_str());
      return;
    }
    out_bytes = bytes->size();
    out_capacity = bytes->capacity();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(tile->byte_size()));
  state.counters["out_bytes"] = static_cast<double>(out_bytes);
  // What a cached tile costs: TileValue::ByteSize() charges the capacity, not the size.
  state.counters["out_capacity"] = static_cast<double>(out_capacity);
}

void BM_Encode_Jpeg_Q95(benchmark::State& state) {
  EncodeOptions o;
  o.encoding = Encoding::kJpeg;
  EncodeLoop(state, o);
}
BENCHMARK(BM_Encode_Jpeg_Q95);

void BM_Encode_Jpeg_Q80_420(benchmark::State& state) {
  EncodeOptions o;
  o.encoding = Encoding::kJpeg;
  o.jpeg_quality = 80;
  o.jpeg_subsampling = 2;
  EncodeLoop(state, o);
}
BENCHMARK(BM_Encode_Jpeg_Q80_420);

void BM_Encode_Png_Level2(benchmark::State& state) {
  EncodeOptions o;
  o.encoding = Encoding::kPng;
  EncodeLoop(state, o);
}
BENCHMARK(BM_Encode_Png_Level2);

void BM_Encode_Webp_Q80(benchmark::State& state) {
  EncodeOptions o;
  o.encoding = Encoding::kWebp;
  EncodeLoop(state, o);
}
BENCHMARK(BM_Encode_Webp_Q80);

void DecodeLoop(benchmark::State& state, const Bytes& jpeg) {
  int64_t pixel_bytes = 0;
  for (auto _ : state) {
    StatusOr<Image> img = DecodeJpeg(jpeg.data(), jpeg.size());
    if (!img.ok()) {
      state.SkipWithError(img.status().message().c_str());
      return;
    }
    pixel_bytes = static_cast<int64_t>(img->byte_size());
    benchmark::DoNotOptimize(img);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * pixel_bytes);
  state.counters["in_bytes"] = static_cast<double>(jpeg.size());
}

void DecodeEncoded(benchmark::State& state, int quality, int subsampling) {
  const Image* tile = TileOrSkip(state);
  if (!tile) return;
  StatusOr<Bytes> jpeg = EncodeJpeg(*tile, quality, subsampling);
  if (!jpeg.ok()) {
    state.SkipWithError(jpeg.status().message().c_str());
    return;
  }
  DecodeLoop(state, *jpeg);
}

void BM_DecodeJpeg_256_Q80_420(benchmark::State& state) { DecodeEncoded(state, 80, 2); }
BENCHMARK(BM_DecodeJpeg_256_Q80_420);

void BM_DecodeJpeg_256_Q95_444(benchmark::State& state) { DecodeEncoded(state, 95, 0); }
BENCHMARK(BM_DecodeJpeg_256_Q95_444);

void BM_DecodeJpeg_SvsStoredTile_240(benchmark::State& state) {
  auto raw = bench::SlideRawJpegTile();
  if (!raw.ok()) {
    state.SkipWithError(raw.status().message().c_str());
    return;
  }
  DecodeLoop(state, **raw);
}
BENCHMARK(BM_DecodeJpeg_SvsStoredTile_240);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
