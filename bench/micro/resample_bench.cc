// Downsample2x: the 2x2 area average that synthesizes a tile of a missing level from the four
// tiles below it (a 512x512 canvas of real tissue -> 256x256), with and without a clipped
// (edge) valid area, plus the canvas assembly the tile service does before it (4 Pastes).
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "imaging/resample.h"

namespace tessera {
namespace {

const Image* CanvasOrSkip(benchmark::State& state) {
  auto pixels = bench::SlidePixels(512, 512);
  if (!pixels.ok()) {
    state.SkipWithError(pixels.status().message().c_str());
    return nullptr;
  }
  return *pixels;
}

void BM_Downsample2x_512_RGB_U8(benchmark::State& state) {
  const Image* canvas = CanvasOrSkip(state);
  if (!canvas) return;
  const int64_t valid = state.range(0);
  for (auto _ : state) benchmark::DoNotOptimize(Downsample2x(*canvas, valid, valid));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(canvas->byte_size()));
}
BENCHMARK(BM_Downsample2x_512_RGB_U8)->Arg(512)->Arg(301);

void BM_PasteFourTiles_512_RGB_U8(benchmark::State& state) {
  const Image* canvas = CanvasOrSkip(state);
  if (!canvas) return;
  Image quarter = canvas->Crop(Rect{0, 0, 256, 256});
  for (auto _ : state) {
    Image out(512, 512, 3, PixelType::kU8);
    for (int i = 0; i < 4; ++i) out.Paste(quarter, (i % 2) * 256, (i / 2) * 256);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PasteFourTiles_512_RGB_U8);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
