// Metadata that TIFF writers put in ImageDescription, for the tiff format (tiff_source.h):
//  - OME-XML (OME-TIFF): planes (which IFD holds which channel / Z / T), channel names and the
//    physical pixel size, read the way large_image's ometiff source reads them;
//  - Aperio's "header|Key = value|..." description (AppMag, MPP);
//  - large_image's own JSON description ({"frame": {...}, "channels": [...]});
//  - the associated-image name large_image derives from a description.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

struct OmePlane {
  int ifd = 0;  // index in the main IFD chain
  int c = 0;
  int z = 0;
  int t = 0;
};

struct OmeMetadata {
  int count_c = 1;  // channels (planes per Z/T), after SamplesPerPixel
  int count_z = 1;
  int count_t = 1;
  std::string dimension_order = "XYZCT";
  std::vector<OmePlane> planes;  // frame order: the order the TiffData elements list them
  // Axes ("C", "Z", "T") the frames report an Index for, in that order: those the TiffData or
  // Plane elements name and those longer than 1.
  std::vector<std::string> axes;
  std::vector<std::string> channel_names;  // empty unless every channel has a distinct name
  std::optional<double> mm_x;              // PhysicalSizeX in millimetres
  std::optional<double> mm_y;
};

// The first Image of an OME-XML document. nullopt when `xml` is not OME-XML, or when its planes
// do not form a complete C x Z x T set stored in this file (multi-file OME, planes missing).
std::optional<OmeMetadata> ParseOmeXml(std::string_view xml);

struct AperioMetadata {
  std::vector<std::pair<std::string, std::string>> pairs;  // "AppMag" -> "20", in order
  std::optional<double> magnification;                     // AppMag
  std::optional<double> mm_per_pixel;                      // MPP (micrometres) / 1000
};

// Any description holding Aperio "Key = value" pairs separated by '|'; nullopt otherwise.
std::optional<AperioMetadata> ParseAperioDescription(std::string_view description);

struct LargeImageFrame {
  std::vector<std::pair<std::string, int>> indices;  // {"IndexC", 1}, ...
  std::vector<std::string> channels;
};
// large_image_converter's JSON ImageDescription; nullopt when the text is not such JSON.
std::optional<LargeImageFrame> ParseLargeImageDescription(std::string_view description);

// large_image's `_addAssociatedImage` naming of a stripped IFD: the first word of the
// description's second line (else of its first line), lower-cased; without a description,
// "label" / "macro" for NewSubfileType 1 / 9. Empty when the result is not 4..20 alphanumeric
// characters.
std::string AssociatedImageName(std::string_view description, uint32_t subfile_type);

}  // namespace tessera
