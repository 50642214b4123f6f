#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/file.h"

namespace tessera {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

class PosixFile final : public RandomAccessFile {
 public:
  PosixFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixFile() override { ::close(fd_); }

  Status ReadAt(uint64_t offset, size_t n, void* dst) const override {
    auto* out = static_cast<uint8_t*>(dst);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return DataLossError("read error in " + path_ + ": " + ErrnoText(errno));
      }
      if (r == 0) {
        return DataLossError("file " + path_ + " is truncated: wanted " + std::to_string(n) +
                             " bytes at offset " + std::to_string(offset));
      }
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Status ReadAtNoWait(uint64_t offset, size_t n, void* dst) const override {
    struct iovec iov {
      dst, n
    };
    for (;;) {
      ssize_t r = ::preadv2(fd_, &iov, 1, static_cast<off_t>(offset), RWF_NOWAIT);
      if (r == static_cast<ssize_t>(n)) return Status::Ok();
      if (r >= 0 || errno == EAGAIN || errno == EOPNOTSUPP || errno == ENOSYS) {
        return WouldBlockError();  // partly cached, not cached, or no RWF_NOWAIT here
      }
      if (errno != EINTR) return DataLossError("read error in " + path_ + ": " + ErrnoText(errno));
    }
  }

  StatusOr<size_t> ReadSomeAt(uint64_t offset, size_t n, void* dst) const override {
    for (;;) {
      ssize_t r = ::pread(fd_, dst, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) {
        return DataLossError("read error in " + path_ + ": " + ErrnoText(errno));
      }
    }
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const int fd_;
  const std::string path_;
  const uint64_t size_;
};

class PosixFileSystem final : public FileSystem {
 public:
  StatusOr<std::unique_ptr<RandomAccessFile>> Open(const std::string& path) const override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == ENOENT || err == ENOTDIR) return NotFoundError("no such file: " + path);
      if (err == EACCES || err == EPERM) {
        return PermissionDeniedError("cannot read " + path + ": " + ErrnoText(err));
      }
      if (err == EMFILE || err == ENFILE) {
        return ResourceExhaustedError("too many open files opening " + path);
      }
      return UnavailableError("cannot open " + path + ": " + ErrnoText(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return UnavailableError("cannot stat " + path + ": " + ErrnoText(err));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return InvalidArgumentError(path + " is not a regular file");
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixFile(fd, path, static_cast<uint64_t>(st.st_size)));
  }

  StatusOr<FileStat> Stat(const std::string& path) const override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      int err = errno;
      if (err == ENOENT || err == ENOTDIR) return NotFoundError("no such file: " + path);
      return UnavailableError("cannot stat " + path + ": " + ErrnoText(err));
    }
    FileStat out;
    out.size = static_cast<uint64_t>(st.st_size);
    out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    out.inode = st.st_ino;
    out.is_regular = S_ISREG(st.st_mode);
    out.is_directory = S_ISDIR(st.st_mode);
    return out;
  }
};

}  // namespace

const FileSystem& FileSystem::Posix() {
  static const PosixFileSystem fs;
  return fs;
}

Status RandomAccessFile::ReadAtNoWait(uint64_t, size_t, void*) const { return WouldBlockError(); }

Status WouldBlockError() { return UnavailableError("the read would block"); }

bool IsWouldBlock(const Status& status) {
  return status.code() == StatusCode::kUnavailable && status.message() == "the read would block";
}

StatusOr<std::string> ReadFileToString(const FileSystem& fs, const std::string& path,
                                       size_t max_bytes) {
  TS_ASSIGN_OR_RETURN(auto file, fs.Open(path));
  if (file->Size() > max_bytes) {
    return ResourceExhaustedError(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out(file->Size(), '\0');
  TS_RETURN_IF_ERROR(file->ReadAt(0, out.size(), out.data()));
  return out;
}

}  // namespace tessera
