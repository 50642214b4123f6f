// PLACEHOLDER: openslide format (to be implemented).
#include "source/openslide_source.h"

namespace tessera {

FormatEntry OpenSlideFormat() {
  FormatEntry e;
  e.name = "openslide";
  e.probe = [](const std::string&, std::string_view) { return 0; };
  e.open = [](const std::string& path,
              const OpenOptions&) -> StatusOr<std::unique_ptr<TileSource>> {
    return UnsupportedError("not built: " + path);
  };
  return e;
}

}  // namespace tessera
