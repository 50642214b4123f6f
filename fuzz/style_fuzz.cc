// Fuzz target: large_image's style JSON (imaging/style.h ParseStyle). Any text must parse into
// a Style or fail with InvalidArgument; a style that parses must have a canonical text that
// parses again to the same canonical text (the canonical text names the style in cache keys, so
// two spellings of one style must not drift apart).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "imaging/style.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto style = ParseStyle(text);
  if (!style.ok()) {
    FUZZ_CHECK(style.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  if (style->canonical.empty()) return 0;  // {} or {"icc": true}
  auto again = ParseStyle(style->canonical);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->canonical == style->canonical);
  FUZZ_CHECK(again->bands.size() == style->bands.size());
  return 0;
}
