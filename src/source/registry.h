// FormatRegistry: the table of image formats. Each format registers {name, probe, open}.
//
// Opening a file probes every format cheaply (the path and the first bytes of the file: no
// decoder runs), then tries the formats that claim it, best score first, until one opens it.
// When none does, the error names the file and each format's reason.
//
// Thread-safety: a registry is filled at start-up and read-only afterwards; Open and Probe are
// safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/file.h"
#include "source/tile_source.h"

namespace tessera {

struct OpenOptions {
  const FileSystem* fs = &FileSystem::Posix();
  // Refuse images larger than this in either dimension (hardening)...
  int64_t max_dimension = int64_t{1} << 24;  // 16M pixels per side
  // ...or with more levels or frames (every format; Open checks after the format opened).
  int max_levels = 32;
  int max_frames = 16384;
};

struct FormatEntry {
  std::string name;
  // 0: cannot read this file. Higher: a better reader for it. `header` holds up to the first
  // 4 KiB of the file (less for small files).
  std::function<int(const std::string& path, std::string_view header)> probe;
  std::function<StatusOr<std::unique_ptr<TileSource>>(const std::string& path,
                                                      const OpenOptions& options)>
      open;
};

class FormatRegistry {
 public:
  void Register(FormatEntry entry);

  // The formats that claim `path`, best first (reads the header through options.fs).
  StatusOr<std::vector<std::string>> Probe(const std::string& path,
                                           const OpenOptions& options) const;

  // Opens `path` with the best format that can. Errors: NotFound (no such file), Unsupported
  // (no format claims or opens it; the message names the file and every reason),
  // ResourceExhausted (beyond options' dimension, level or frame limits).
  StatusOr<std::unique_ptr<TileSource>> Open(const std::string& path,
                                             const OpenOptions& options) const;

  std::vector<std::string> names() const;

  // tiff (libtiff), openslide, vips (flat images), in that order of preference.
  static FormatRegistry Default();

 private:
  std::vector<FormatEntry> entries_;
};

}  // namespace tessera
