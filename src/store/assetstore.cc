#include "store/assetstore.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include "core/strings.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status ErrnoError(const std::string& what, const std::string& path, int err) {
  std::string detail = what + " " + path + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return ResourceExhaustedError("Disk full: " + detail);
  if (err == EFBIG) return ResourceExhaustedError("File too large: " + detail);
  if (err == ENOENT) return NotFoundError(detail);
  if (err == EACCES || err == EPERM) return PermissionDeniedError(detail);
  return InternalError(detail);
}

// Upload and file ids name files: letters, digits, '-' and '_' only (no '/' or "..").
Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > 128) return InvalidArgumentError("Invalid id: empty or long");
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_';
    if (!ok) return InvalidArgumentError("Invalid id: " + std::string(name));
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync directory", dir, errno);
  return Status::Ok();
}

}  // namespace

StatusOr<Assetstore> Assetstore::Open(std::string root) {
  if (root.empty()) return InvalidArgumentError("The assetstore root must not be empty.");
  std::error_code ec;
  fs::create_directories(fs::path(root) / "temp", ec);
  if (ec) return ErrnoError("create assetstore", root, ec.value());
  fs::path canonical = fs::canonical(root, ec);
  if (ec) return ErrnoError("resolve assetstore", root, ec.value());
  return Assetstore(canonical.string());
}

UploadLock::~UploadLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

UploadLock& UploadLock::operator=(UploadLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StatusOr<UploadLock> Assetstore::LockUpload(std::string_view upload_id, bool wait) const {
  TS_RETURN_IF_ERROR(CheckName(upload_id));
  const std::string path = TempPath(upload_id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return UploadLock();
    return ErrnoError("open", path, errno);
  }
  UploadLock lock(fd);
  for (;;) {
    if (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) return lock;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return FailedPreconditionError("upload " + std::string(upload_id) + " is being written");
    }
    return ErrnoError("lock", path, errno);
  }
}

Status Assetstore::ReclaimTemp(const std::vector<std::string>& live_upload_ids) const {
  const std::set<std::string> live(live_upload_ids.begin(), live_upload_ids.end());
  return ReclaimTemp([&](const std::string& id) { return live.count(id) > 0; });
}

Status Assetstore::ReclaimTemp(const std::function<bool(const std::string&)>& keep) const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ + "/temp", ec)) {
    const std::string name = entry.path().filename().string();
    if (keep(name)) continue;
    // Written right now by another process sharing the assetstore: not ours to remove.
    auto lock = LockUpload(name, false);
    if (!lock.ok() && lock.status().code() == StatusCode::kFailedPrecondition) continue;
    std::error_code rm;
    fs::remove(entry.path(), rm);
    if (rm) return ErrnoError("remove temp file", entry.path().string(), rm.value());
  }
  if (ec) return ErrnoError("list", root_ + "/temp", ec.value());
  return Status::Ok();
}

std::string Assetstore::TempPath(std::string_view upload_id) const {
  return root_ + "/temp/" + std::string(upload_id);
}

std::string Assetstore::FinalPath(std::string_view file_id) const {
  std::string id(file_id);
  std::string aa = id.substr(0, std::min<size_t>(2, id.size()));
  std::string bb = id.size() > 2 ? id.substr(2, 2) : "00";
  return root_ + "/" + aa + "/" + bb + "/" + id;
}

StatusOr<int64_t> Assetstore::TempSize(std::string_view upload_id) const {
  TS_RETURN_IF_ERROR(CheckName(upload_id));
  const std::string path = TempPath(upload_id);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return int64_t{0};
    return ErrnoError("stat", path, errno);
  }
  return static_cast<int64_t>(st.st_size);
}

StatusOr<int64_t> Assetstore::WriteChunk(std::string_view upload_id, int64_t offset,
                                         std::string_view data) const {
  TS_RETURN_IF_ERROR(CheckName(upload_id));
  if (offset < 0) return InvalidArgumentError("A chunk offset must not be negative.");
  // Found by fuzz/upload_fuzz.cc: an offset past the end left a hole of bytes nobody sent (on
  // tmpfs up to an 8 EiB sparse file), and offset + size could pass INT64_MAX.
  if (data.size() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - offset)) {
    return InvalidArgumentError("A chunk must end before byte 2^63.");
  }
  const std::string path = TempPath(upload_id);
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoError("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  const off_t previous = st.st_size;
  if (offset > previous) {
    return InvalidArgumentError("A chunk at offset " + std::to_string(offset) +
                                " would leave a gap: the upload has " + std::to_string(previous) +
                                " bytes.");
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd.get(), data.data() + done, data.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;  // a zero-byte write: no room
      // Restore the previous size so a retry starts from a known state (best effort: a
      // device such as /dev/full cannot be truncated).
      if (S_ISREG(st.st_mode) && ::ftruncate(fd.get(), previous) != 0) {
        // The write error is the one to report.
      }
      return ErrnoError("write", path, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  return static_cast<int64_t>(st.st_size);
}

namespace {

// The SHA-512 (hex) of everything in `fd`, read with pread from the start.
StatusOr<std::string> Sha512Of(int fd, const std::string& path) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  std::string buffer(1 << 20, '\0');
  off_t at = 0;
  while (true) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read", path, errno);
    if (n == 0) break;
    crypto_hash_sha512_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(n));
    at += n;
  }
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512_final(&state, digest);
  return HexEncode(digest, sizeof(digest));
}

}  // namespace

StatusOr<std::string> Assetstore::Checksum(const std::string& path) const {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("open", path, errno);
  return Sha512Of(fd.get(), path);
}

StatusOr<std::string> Assetstore::Finalize(std::string_view upload_id,
                                           std::string_view file_id) const {
  TS_RETURN_IF_ERROR(CheckName(upload_id));
  TS_RETURN_IF_ERROR(CheckName(file_id));
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  const std::string temp = TempPath(upload_id);
  std::string checksum;
  {
    Fd fd(::open(temp.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoError("open", temp, errno);
    if (::fsync(fd.get()) != 0) return ErrnoError("fsync", temp, errno);
    TS_ASSIGN_OR_RETURN(checksum, Sha512Of(fd.get(), temp));
  }
  const std::string final_path = FinalPath(file_id);
  const std::string dir = fs::path(final_path).parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ErrnoError("create directory", dir, ec.value());
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    return ErrnoError("rename to " + final_path + ":", temp, errno);
  }
  TS_RETURN_IF_ERROR(FsyncDir(dir));
  TS_RETURN_IF_ERROR(FsyncDir(root_ + "/temp"));
  return checksum;
}

Status Assetstore::RemoveTemp(std::string_view upload_id) const {
  TS_RETURN_IF_ERROR(CheckName(upload_id));
  const std::string path = TempPath(upload_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", path, errno);
  return Status::Ok();
}

Status Assetstore::Remove(const std::string& path) const {
  if (!Owns(path)) {
    return PermissionDeniedError("Refusing to remove " + path + ": outside the assetstore " +
                                 root_);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", path, errno);
  return Status::Ok();
}

bool Assetstore::Owns(const std::string& path) const {
  if (path.empty()) return false;
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return false;
  const fs::path root(root_);
  auto r = root.begin();
  auto p = resolved.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == resolved.end() || *p != *r) return false;
  }
  for (; p != resolved.end(); ++p) {  // strictly below the root
    if (!p->empty() && *p != ".") return true;
  }
  return false;
}

StatusOr<int64_t> Assetstore::FreeBytes() const {
  struct statvfs vfs;
  if (::statvfs(root_.c_str(), &vfs) != 0) return ErrnoError("statvfs", root_, errno);
  return static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
}

}  // namespace tessera
