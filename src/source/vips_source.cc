// PLACEHOLDER: vips format (to be implemented).
#include "source/vips_source.h"

namespace tessera {

FormatEntry VipsFormat() {
  FormatEntry e;
  e.name = "vips";
  e.probe = [](const std::string&, std::string_view) { return 0; };
  e.open = [](const std::string& path,
              const OpenOptions&) -> StatusOr<std::unique_ptr<TileSource>> {
    return UnsupportedError("not built: " + path);
  };
  return e;
}

}  // namespace tessera
