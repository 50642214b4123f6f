#include "source/registry.h"

#include <algorithm>

namespace tessera {

void FormatRegistry::Register(FormatEntry entry) { entries_.push_back(std::move(entry)); }

std::vector<std::string> FormatRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

namespace {

struct Candidate {
  int score;
  size_t index;
};

StatusOr<std::string> ReadHeader(const std::string& path, const OpenOptions& options) {
  TS_ASSIGN_OR_RETURN(auto file, options.fs->Open(path));
  std::string header(std::min<uint64_t>(4096, file->Size()), '\0');
  TS_RETURN_IF_ERROR(file->ReadAt(0, header.size(), header.data()));
  return header;
}

// The limits every format shares, checked on what it opened (a TIFF's directory count, an
// OME plane table, OpenSlide's level list all end up here).
Status CheckLimits(const std::string& path, const SourceMetadata& m, const OpenOptions& options) {
  if (m.levels > options.max_levels) {
    return ResourceExhaustedError(path + " has " + std::to_string(m.levels) +
                                  " levels, more than the limit of " +
                                  std::to_string(options.max_levels) + " (max-levels)");
  }
  if (m.frame_count > options.max_frames) {
    return ResourceExhaustedError(path + " has " + std::to_string(m.frame_count) +
                                  " frames, more than the limit of " +
                                  std::to_string(options.max_frames) + " (max-frames)");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<std::string>> FormatRegistry::Probe(const std::string& path,
                                                         const OpenOptions& options) const {
  TS_ASSIGN_OR_RETURN(std::string header, ReadHeader(path, options));
  std::vector<Candidate> c;
  for (size_t i = 0; i < entries_.size(); ++i) {
    int s = entries_[i].probe(path, header);
    if (s > 0) c.push_back({s, i});
  }
  std::stable_sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.score > b.score; });
  std::vector<std::string> out;
  for (auto& k : c) out.push_back(entries_[k.index].name);
  return out;
}

StatusOr<std::unique_ptr<TileSource>> FormatRegistry::Open(const std::string& path,
                                                           const OpenOptions& options) const {
  auto header = ReadHeader(path, options);
  if (!header.ok()) return header.status();
  std::vector<Candidate> c;
  for (size_t i = 0; i < entries_.size(); ++i) {
    int s = entries_[i].probe(path, *header);
    if (s > 0) c.push_back({s, i});
  }
  std::stable_sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.score > b.score; });
  if (c.empty()) {
    return UnsupportedError("cannot open " + path + ": not a format Tessera reads");
  }
  std::string reasons;
  for (auto& k : c) {
    const FormatEntry& e = entries_[k.index];
    auto source = e.open(path, options);
    if (source.ok()) {
      TS_RETURN_IF_ERROR(CheckLimits(path, (*source)->metadata(), options));
      return std::move(source).value();
    }
    if (source.status().code() == StatusCode::kNotFound ||
        source.status().code() == StatusCode::kPermissionDenied) {
      return source.status();
    }
    if (!reasons.empty()) reasons += "; ";
    reasons += e.name + ": " + source.status().message();
  }
  return UnsupportedError("cannot open " + path + ": " + reasons);
}

}  // namespace tessera
