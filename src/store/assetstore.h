// Assetstore: where uploaded file content lives — a directory on a local (or shared) file
// system. Content is written to a temporary file in the assetstore's own temp directory and
// renamed into place only when complete and checksummed, so a half-written file is never
// visible under a final path, and a crash leaves at most a temp file (reclaimed on open).
//
// Layout: <root>/temp/<upload id> while uploading; <root>/<aa>/<bb>/<file id> when complete
// (aa, bb: the first hex digits of the file id). Tessera deletes only paths under <root>.
// Several processes (nodes sharing the directory) may use one assetstore: an upload being
// written is held with UploadLock (flock on its temp file), and recovery and reclaiming pass
// over held uploads.
// Thread-safety: safe from any thread; one upload's chunks must be written by one caller at a
// time (the API holds the upload's UploadLock while it writes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tessera {

// An exclusive advisory lock (flock) on an upload's temp file, across threads and processes;
// released on destruction. Holds nothing when the temp file did not exist (the upload is
// finished or cancelled: the store says which).
class UploadLock {
 public:
  UploadLock() = default;
  explicit UploadLock(int fd) : fd_(fd) {}
  ~UploadLock();
  UploadLock(UploadLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UploadLock& operator=(UploadLock&& other) noexcept;
  UploadLock(const UploadLock&) = delete;
  UploadLock& operator=(const UploadLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class Assetstore {
 public:
  // Creates <root> and <root>/temp.
  static StatusOr<Assetstore> Open(std::string root);
  // Removes temp files whose upload id is not in `live_upload_ids`.
  Status ReclaimTemp(const std::vector<std::string>& live_upload_ids) const;
  // Removes temp files for which `keep(upload id)` is false and that no one holds locked.
  Status ReclaimTemp(const std::function<bool(const std::string&)>& keep) const;
  // Locks the upload's temp file: waits for the holder when `wait`, else FailedPrecondition
  // when someone else holds it.
  StatusOr<UploadLock> LockUpload(std::string_view upload_id, bool wait) const;

  const std::string& root() const { return root_; }
  std::string TempPath(std::string_view upload_id) const;
  std::string FinalPath(std::string_view file_id) const;

  // Bytes present in the upload's temp file (0 when it does not exist).
  StatusOr<int64_t> TempSize(std::string_view upload_id) const;
  // Writes `data` at `offset` of the upload's temp file (created on the first chunk), and
  // returns the file's new size. InvalidArgument for an offset past the bytes present (a chunk
  // must not leave a gap) or a chunk ending beyond 2^63. ResourceExhausted when the disk is full
  // (the partial write is truncated away, so the file keeps its previous size).
  StatusOr<int64_t> WriteChunk(std::string_view upload_id, int64_t offset,
                               std::string_view data) const;
  // fsyncs the temp file, computes its SHA-512 (hex) and renames it to FinalPath(file_id)
  // (fsyncing the directory). Returns the checksum.
  StatusOr<std::string> Finalize(std::string_view upload_id, std::string_view file_id) const;
  // The SHA-512 (hex) of a stored file (recovering an upload finalized before a crash).
  StatusOr<std::string> Checksum(const std::string& path) const;
  // Removes an upload's temp file (no error when absent).
  Status RemoveTemp(std::string_view upload_id) const;
  // Removes a stored file; refuses paths outside the root.
  Status Remove(const std::string& path) const;
  // Whether `path` is inside the root (after resolving symlinks and "..").
  bool Owns(const std::string& path) const;

  // Free bytes on the assetstore's file system.
  StatusOr<int64_t> FreeBytes() const;

 private:
  explicit Assetstore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace tessera
