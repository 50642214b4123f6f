// The style engine (imaging/style.h) on a 256 x 256 tile of real tissue widened to 16 bits, the
// composite a fluorescence viewer asks for (three bands, three colours), against the PNG encode
// it feeds: the style should cost less than that encode.
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "imaging/codec.h"
#include "imaging/style.h"

namespace tessera {
namespace {

// The tissue tile x 257: 16-bit RGB.
const Image* WideTileOrSkip(benchmark::State& state) {
  static Image wide;
  auto pixels = bench::SlidePixels(256, 256);
  if (!pixels.ok()) {
    state.SkipWithError(pixels.status().message().c_str());
    return nullptr;
  }
  if (wide.empty()) {
    const Image& src = **pixels;
    wide = Image::Uninitialized(src.width(), src.height(), 3, PixelType::kU16);
    for (size_t i = 0; i < src.byte_size(); ++i) {
      wide.row_as<uint16_t>(0)[i] = static_cast<uint16_t>(src.data()[i] * 257);
    }
  }
  return &wide;
}

ResolvedStyle Composite(PixelType type) {
  std::vector<ResolvedBand> bands(3);
  const Rgba tops[3] = {{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}};
  for (int k = 0; k < 3; ++k) {
    bands[k].channel = k;
    bands[k].min = 1000;
    bands[k].max = 60000;
    bands[k].palette = {Rgba{0, 0, 0, 255}, tops[k]};
  }
  return ResolvedStyle(std::move(bands), type, 4, StyleDtype::kNone, std::nullopt);
}

void BM_Style_Composite3_U16_256(benchmark::State& state) {
  const Image* tile = WideTileOrSkip(state);
  if (!tile) return;
  const ResolvedStyle style = Composite(PixelType::kU16);
  for (auto _ : state) {
    auto out = style.Apply([&](int) { return tile; }, 256, 256);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Style_Composite3_U16_256);

// The one-off cost of a resolved 16-bit style: its lookup tables.
void BM_Style_Resolve3_U16(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Composite(PixelType::kU16));
}
BENCHMARK(BM_Style_Resolve3_U16);

void BM_Encode_Png_Rgba_256(benchmark::State& state) {
  const Image* tile = WideTileOrSkip(state);
  if (!tile) return;
  auto styled = Composite(PixelType::kU16).Apply([&](int) { return tile; }, 256, 256);
  if (!styled.ok()) return state.SkipWithError("style failed");
  for (auto _ : state) benchmark::DoNotOptimize(EncodePng(*styled, 2));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Encode_Png_Rgba_256);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
