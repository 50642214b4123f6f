// Fuzz target: chunked uploads into the Assetstore (store/assetstore.h) — WriteChunk at
// arbitrary offsets, TempSize, Finalize — checked against a model of what was acknowledged:
// after every step the temp file holds exactly the bytes of the chunks WriteChunk accepted
// (written where they said, as pwrite would), a refused chunk changes nothing, and Finalize's
// checksum and final file are those bytes.
//
// Input: a sequence of operations, each one opcode byte then its arguments:
//   0 (mod 4): a chunk near the end: 1 byte back-off from the current size, 1 byte length, data
//   1: a chunk at an extreme offset (negative, INT64_MAX - n, 2^62): 1 byte choice, 1 byte length
//   2: TempSize must equal the model's size
//   3: Finalize, compare, remove the final file, start a new upload
// The assetstore lives in a temp directory (on /dev/shm when there is one) made once per run.
#include <sodium.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "fuzz/fuzz_check.h"
#include "store/assetstore.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

// The assetstore of this process, removed at exit.
class FuzzStore {
 public:
  FuzzStore() : root_(Root()), store_(Make(root_)) {}
  ~FuzzStore() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const Assetstore& get() const { return store_; }

 private:
  static fs::path Root() {
    std::error_code ec;
    const fs::path base =
        fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path root = base / ("tessera-upload-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(root, ec);
    return root;
  }
  static Assetstore Make(const fs::path& root) {
    auto s = Assetstore::Open(root.string());
    FUZZ_CHECK(s.ok());
    return std::move(*s);
  }
  fs::path root_;
  Assetstore store_;
};

const Assetstore& Store() {
  static const FuzzStore store;
  return store.get();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Sha512Hex(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return HexEncode(digest, sizeof digest);
}

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::string_view Take(size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    std::string_view out(reinterpret_cast<const char*>(data_) + at_, n);
    at_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace
}  // namespace tessera

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  const Assetstore& store = Store();
  const std::string upload = "upload";
  const std::string file_id = "0123456789abcdef";
  FUZZ_CHECK(store.RemoveTemp(upload).ok());
  std::string model;  // the acknowledged bytes
  Input in(data, size);
  int finalizes = 0;
  while (!in.empty()) {
    const uint8_t op = in.Byte() % 4;
    if (op == 0 || op == 1) {
      int64_t offset;
      if (op == 0) {
        offset = static_cast<int64_t>(model.size()) - (in.Byte() % 8);
      } else {
        constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
        const int64_t extremes[] = {
            -1, std::numeric_limits<int64_t>::min(), kMax, kMax - 1, kMax - 255, int64_t{1} << 62};
        offset = extremes[in.Byte() % std::size(extremes)];
      }
      const std::string_view chunk = in.Take(in.Byte());
      auto written = store.WriteChunk(upload, offset, chunk);
      if (written.ok()) {
        // Acknowledged: the bytes are where the chunk said, and a chunk never leaves a gap of
        // bytes nobody sent.
        FUZZ_CHECK(offset >= 0 && offset <= static_cast<int64_t>(model.size()));
        const size_t at = static_cast<size_t>(offset);
        if (model.size() < at + chunk.size()) model.resize(at + chunk.size(), '\0');
        model.replace(at, chunk.size(), chunk);
        FUZZ_CHECK(*written == static_cast<int64_t>(model.size()));
      }
      FUZZ_CHECK(ReadAll(store.TempPath(upload)) == model);
    } else if (op == 2) {
      auto have = store.TempSize(upload);
      FUZZ_CHECK(have.ok() && *have == static_cast<int64_t>(model.size()));
    } else if (finalizes++ < 2) {
      // Finalize needs a temp file: an upload that has not written yet has none.
      if (!store.WriteChunk(upload, static_cast<int64_t>(model.size()), "").ok()) continue;
      auto checksum = store.Finalize(upload, file_id);
      FUZZ_CHECK(checksum.ok());
      FUZZ_CHECK(*checksum == Sha512Hex(model));
      const std::string final_path = store.FinalPath(file_id);
      FUZZ_CHECK(ReadAll(final_path) == model);
      FUZZ_CHECK(store.Remove(final_path).ok());
      auto have = store.TempSize(upload);
      FUZZ_CHECK(have.ok() && *have == 0);
      model.clear();
    }
  }
  FUZZ_CHECK(store.RemoveTemp(upload).ok());
  return 0;
}
