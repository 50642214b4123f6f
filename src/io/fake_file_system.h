// FakeFileSystem: in-memory files with injectable faults, for tests.
//
// Files are byte strings keyed by path. A test can make reads of a file fail, truncate it, or
// replace its bytes (bumping its mtime) while readers hold it open — the situations a tile
// server meets when files change on disk.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/thread_annotations.h"
#include "io/file.h"

namespace tessera {

class FakeFileSystem final : public FileSystem {
 public:
  void SetFile(const std::string& path, std::string contents);
  void RemoveFile(const std::string& path);
  // Every ReadAt of `path` (on handles open now or later) fails with DataLoss.
  void FailReads(const std::string& path, bool fail);

  StatusOr<std::unique_ptr<RandomAccessFile>> Open(const std::string& path) const override;
  StatusOr<FileStat> Stat(const std::string& path) const override;

  int open_count() const { return opens_.load(); }
  int64_t read_count() const { return reads_->load(); }

 private:
  struct Entry {
    std::shared_ptr<const std::string> bytes;
    int64_t mtime_ns = 0;
    std::shared_ptr<std::atomic<bool>> fail = std::make_shared<std::atomic<bool>>(false);
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> files_ GUARDED_BY(mu_);
  int64_t next_mtime_ GUARDED_BY(mu_) = 1;
  mutable std::atomic<int> opens_{0};
  std::shared_ptr<std::atomic<int64_t>> reads_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace tessera
