// RandomAccessFile / FileSystem: positional reads (pread) behind an interface.
//
// Readers never share a file offset: every read names its position, so one open file serves
// many threads at once. Tests inject faults (short reads, errors, files that change) through
// FakeFileSystem (io/fake_file_system.h).
//
// Thread-safety: RandomAccessFile::ReadAt and FileSystem methods are safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace tessera {

struct FileStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  bool is_regular = false;
  bool is_directory = false;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly `n` bytes at `offset` into `dst`. A read past the end is DataLoss naming the
  // file ("truncated"), an I/O error is DataLoss with errno's text.
  virtual Status ReadAt(uint64_t offset, size_t n, void* dst) const = 0;
  // Reads up to `n` bytes; returns how many were read (0 at end of file).
  virtual StatusOr<size_t> ReadSomeAt(uint64_t offset, size_t n, void* dst) const = 0;
  // Like ReadAt, but only from memory: Unavailable when the bytes are not all in the page cache
  // (the read would wait for the disk), so an event-loop thread can hand the read to a worker.
  // The default (files that cannot tell) is always Unavailable.
  virtual Status ReadAtNoWait(uint64_t offset, size_t n, void* dst) const;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // NotFound when the path does not exist, PermissionDenied when it cannot be read.
  virtual StatusOr<std::unique_ptr<RandomAccessFile>> Open(const std::string& path) const = 0;
  virtual StatusOr<FileStat> Stat(const std::string& path) const = 0;

  // The process's real file system (stateless, shared).
  static const FileSystem& Posix();
};

// The status ReadAtNoWait returns when a read would block.
Status WouldBlockError();
bool IsWouldBlock(const Status& status);

// Reads a whole (small) file into a string.
StatusOr<std::string> ReadFileToString(const FileSystem& fs, const std::string& path,
                                       size_t max_bytes = 64 << 20);

}  // namespace tessera
