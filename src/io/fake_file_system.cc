#include "io/fake_file_system.h"

#include <cstring>

namespace tessera {
namespace {

class FakeFile final : public RandomAccessFile {
 public:
  FakeFile(std::string path, std::shared_ptr<const std::string> bytes,
           std::shared_ptr<std::atomic<bool>> fail, std::shared_ptr<std::atomic<int64_t>> reads)
      : path_(std::move(path)),
        bytes_(std::move(bytes)),
        fail_(std::move(fail)),
        reads_(std::move(reads)) {}

  Status ReadAt(uint64_t offset, size_t n, void* dst) const override {
    TS_ASSIGN_OR_RETURN(size_t got, ReadSomeAt(offset, n, dst));
    if (got != n) return DataLossError("file " + path_ + " is truncated");
    return Status::Ok();
  }
  StatusOr<size_t> ReadSomeAt(uint64_t offset, size_t n, void* dst) const override {
    ++*reads_;
    if (fail_->load()) return DataLossError("injected read failure in " + path_);
    if (offset >= bytes_->size()) return size_t{0};
    size_t got = std::min<size_t>(n, bytes_->size() - offset);
    std::memcpy(dst, bytes_->data() + offset, got);
    return got;
  }
  uint64_t Size() const override { return bytes_->size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  std::shared_ptr<const std::string> bytes_;
  std::shared_ptr<std::atomic<bool>> fail_;
  std::shared_ptr<std::atomic<int64_t>> reads_;
};

}  // namespace

void FakeFileSystem::SetFile(const std::string& path, std::string contents) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = files_[path];
  e.bytes = std::make_shared<const std::string>(std::move(contents));
  e.mtime_ns = next_mtime_++;
}

void FakeFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(path);
}

void FakeFileSystem::FailReads(const std::string& path, bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second.fail->store(fail);
}

StatusOr<std::unique_ptr<RandomAccessFile>> FakeFileSystem::Open(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError("no such file: " + path);
  ++opens_;
  return std::unique_ptr<RandomAccessFile>(
      new FakeFile(path, it->second.bytes, it->second.fail, reads_));
}

StatusOr<FileStat> FakeFileSystem::Stat(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return NotFoundError("no such file: " + path);
  FileStat st;
  st.size = it->second.bytes->size();
  st.mtime_ns = it->second.mtime_ns;
  st.is_regular = true;
  return st;
}

}  // namespace tessera
