// Fuzz target: decoding stored tiles and uploaded images (imaging/codec.h): Decode, which sniffs
// the encoding, and one of the JPEG / PNG / WebP / TIFF decoders chosen by the input's length,
// so that each decoder also meets bytes meant for another. Every failure must be a Status; a
// decoded image must be non-empty with exactly width x height x bands samples.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_check.h"
#include "imaging/codec.h"

namespace {

void CheckImage(const tessera::StatusOr<tessera::Image>& image) {
  if (!image.ok()) return;
  FUZZ_CHECK(image->width() > 0 && image->height() > 0 && image->bands() > 0);
  FUZZ_CHECK(image->byte_size() == image->row_bytes() * static_cast<size_t>(image->height()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  CheckImage(Decode(data, size));
  switch (size % 4) {
    case 0:
      CheckImage(DecodeJpeg(data, size));
      break;
    case 1:
      CheckImage(DecodePng(data, size));
      break;
    case 2:
      CheckImage(DecodeWebp(data, size));
      break;
    default:
      CheckImage(DecodeTiff(data, size));
      break;
  }
  return 0;
}
