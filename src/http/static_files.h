// Static files for the web pages (item list, viewer): GET paths outside /api/ map to files
// under the web root; "/" is index.html. Paths with ".." segments or that resolve outside the
// root (symlinks included) are refused.
// Thread-safety: pure function of the file system.
#pragma once

#include <string>

#include "api/api_types.h"

namespace tessera {

ApiResponse ServeStaticFile(const std::string& web_root, const ApiRequest& request);

}  // namespace tessera
