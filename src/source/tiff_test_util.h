// Helpers shared by the tiff format tests (tiff_source_test.cc, tiff_generated_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <tiffio.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>
#include "imaging/codec.h"
#include "io/fake_file_system.h"
#include "source/ome_metadata.h"
#include "source/tiff_orientation.h"
#include "source/tiff_source.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {

// ---- helpers --------------------------------------------------------------------------------

inline std::unique_ptr<TileSource> Open(const std::string& path, const OpenOptions& options = {}) {
  auto s = TiffFormat().open(path, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

inline std::string Property(const TileSource& s, const std::string& key) {
  for (const auto& [k, v] : s.metadata().properties) {
    if (k == key) return v;
  }
  return "<missing>";
}

inline bool Sh(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

inline bool HaveTools(std::initializer_list<const char*> tools) {
  for (const char* t : tools) {
    if (!Sh(std::string("command -v ") + t)) return false;
  }
  return true;
}

#define REQUIRE_TOOLS(...)                                       \
  if (!HaveTools({__VA_ARGS__})) {                               \
    GTEST_SKIP() << "needs the command-line tools " #__VA_ARGS__ \
                    " (libvips-tools, libtiff-tools)";           \
  }

inline std::string Q(const std::string& s) { return "'" + s + "'"; }

// A w x h 3-band uint8 image with smooth and noisy bands, as a .v file in `dir`.
inline std::string MakeRgb(const std::string& dir, int w, int h) {
  const std::string p = dir + "/";
  const std::string size = std::to_string(w) + " " + std::to_string(h);
  EXPECT_TRUE(Sh("vips sines " + Q(p + "a.v") + " " + size + " --hfreq 3 --vfreq 2"));
  EXPECT_TRUE(Sh("vips linear " + Q(p + "a.v") + " " + Q(p + "a8.v") + " 100 128 --uchar"));
  EXPECT_TRUE(Sh("vips zone " + Q(p + "b.v") + " " + size));
  EXPECT_TRUE(Sh("vips linear " + Q(p + "b.v") + " " + Q(p + "b8.v") + " 120 128 --uchar"));
  EXPECT_TRUE(Sh("vips gaussnoise " + Q(p + "c.v") + " " + size + " --mean 128 --sigma 30"));
  EXPECT_TRUE(Sh("vips cast " + Q(p + "c.v") + " " + Q(p + "c8.v") + " uchar"));
  EXPECT_TRUE(Sh("vips bandjoin \"" + p + "a8.v " + p + "b8.v " + p + "c8.v\" " + Q(p + "rgb.v")));
  return p + "rgb.v";
}

// `img` with its samples read as `type` (of the same size): libvips writes SampleFormat in the
// first IFD of a pyramid only, and reads the others as unsigned.
inline Image Reinterpret(const Image& img, PixelType type) {
  if (BytesPerSample(type) != img.sample_bytes()) return img.Clone();
  Image out(img.width(), img.height(), img.bands(), type);
  std::memcpy(out.data(), img.data(), img.byte_size());
  return out;
}

// Compares every tile of `level` with `ref` (the whole level, displayed, as vips decodes it).
inline void ExpectLevelMatches(const TileSource& s, int frame, int level, const Image& ref,
                               double max_tolerance, double mean_tolerance = 1e9) {
  const SourceMetadata& m = s.metadata();
  const LevelSize ls = s.GetLevelSize(level);
  ASSERT_EQ(ls.width, ref.width()) << "level " << level;
  ASSERT_EQ(ls.height, ref.height()) << "level " << level;
  const int bands = std::min(m.band_count, ref.bands());
  for (int64_t ty = 0; ty * m.tile_height < ls.height; ++ty) {
    for (int64_t tx = 0; tx * m.tile_width < ls.width; ++tx) {
      auto tile = s.ReadTile(frame, level, tx, ty);
      ASSERT_TRUE(tile.ok()) << tile.status().ToString();
      ASSERT_EQ(tile->width(), m.tile_width);
      ASSERT_EQ(tile->height(), m.tile_height);
      ASSERT_EQ(tile->bands(), m.band_count);
      ASSERT_EQ(tile->type(), m.dtype);
      const int w = static_cast<int>(std::min<int64_t>(m.tile_width, ls.width - tx * m.tile_width));
      const int h =
          static_cast<int>(std::min<int64_t>(m.tile_height, ls.height - ty * m.tile_height));
      Image crop = ref.Crop(Rect{tx * m.tile_width, ty * m.tile_height, w, h});
      Diff d = CompareImages(*tile, crop, w, h, bands);
      EXPECT_LE(d.max_abs, max_tolerance)
          << "frame " << frame << " level " << level << " tile " << tx << "," << ty;
      EXPECT_LE(d.mean_abs, mean_tolerance)
          << "frame " << frame << " level " << level << " tile " << tx << "," << ty;
    }
  }
}

// A JPEG tile spliced independently: libtiff's raw tile bytes and JPEGTables.
inline Bytes IndependentJpegTile(const std::string& path, int directory, uint32_t tile) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return {};
  Bytes out;
  uint64_t* counts = nullptr;
  uint32_t ntables = 0;
  void* tables = nullptr;
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(directory)) &&
      TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &counts) && counts) {
    Bytes raw(counts[tile]);
    tmsize_t n = TIFFReadRawTile(tif, tile, raw.data(), static_cast<tmsize_t>(raw.size()));
    raw.resize(n > 0 ? static_cast<size_t>(n) : 0);
    if (TIFFGetField(tif, TIFFTAG_JPEGTABLES, &ntables, &tables) && ntables > 2) {
      const auto* t = static_cast<const uint8_t*>(tables);
      out.assign(t, t + ntables - 2);
      out.insert(out.end(), raw.begin() + 2, raw.end());
    } else {
      out = raw;
    }
    // large_image's rule for Photometric RGB: component ids 0, 1, 2 become 'R', 'G', 'B'.
    uint16_t photometric = 0;
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    const std::string s(out.begin(), out.end());
    const size_t sof = s.find("\xFF\xC0"), sos = s.find("\xFF\xDA");
    if (photometric == PHOTOMETRIC_RGB && sof != std::string::npos && sos != std::string::npos &&
        s.substr(sof + 2, 2) == std::string("\x00\x11", 2) && s[sof + 10] == 0 &&
        s[sof + 13] == 1 && s[sof + 16] == 2 && s[sos + 5] == 0 && s[sos + 7] == 1 &&
        s[sos + 9] == 2) {
      for (int c = 0; c < 3; ++c) {
        out[sof + 10 + 3 * c] = static_cast<uint8_t>("RGB"[c]);
        out[sos + 5 + 2 * c] = static_cast<uint8_t>("RGB"[c]);
      }
    }
  }
  TIFFClose(tif);
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace tessera
