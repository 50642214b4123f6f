// Files and Girder's resumable chunked upload:
//   POST /file (parentType folder|item, parentId, name, size, mimeType) → an upload document;
//   POST /file/chunk (uploadId, offset; the chunk as the body) → the upload, or the file once
//     the last byte arrived; GET /file/offset (uploadId) → {"offset"} to resume after a broken
//     connection; DELETE /file/upload/{id} cancels.
//   GET /file/{id}, GET /file/{id}/download (Range requests, `offset`/`endByte`,
//   contentDisposition), DELETE /file/{id}; GET /item/{id}/download (its only/large file).
// A chunk must start exactly where the server's bytes end (else 400 naming both offsets) and
// may not go past the declared size (400). Chunks of one upload are applied one at a time.
// Limits at POST /file: max-upload-bytes (400), the free-space reserve (min-free-disk-bytes:
// 507) and the user's effective quota (the default user-quota-bytes, admins exempt, or the
// user's own policy, PUT /user/{id}/quota; Girder's user_quota refusal: 400 "validation"),
// checked in the store transaction that records the upload so that simultaneous uploads cannot
// together pass it. Each chunk is checked against the reserve again, and a disk that
// fills while a chunk is written (ENOSPC, EFBIG) is a 507 with the chunk truncated away.
// A half-finished upload is never an item file: the bytes live in the assetstore's temp file
// until the last chunk, then are checksummed, renamed into place and recorded in one store
// transaction (MetadataStore::CompleteUpload). A completed file that a format reads within the
// serving limits (ApiContext::open: max-levels, max-frames) makes its item a large image,
// checked WITHOUT caching the source (api/importer.h: DetectLargeImage).
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/router.h"
#include "core/thread_annotations.h"

namespace tessera {

class FilesApi {
 public:
  explicit FilesApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  HandlerResult InitUpload(ApiRequest& r);
  HandlerResult Chunk(ApiRequest& r);
  HandlerResult Download(ApiRequest& r, const std::string& file_id);
  // The per-upload lock that serialises its chunks.
  std::shared_ptr<std::mutex> UploadMutex(const std::string& upload_id);

  const ApiContext& ctx_;
  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<std::mutex>> upload_locks_ GUARDED_BY(mu_);
};

// Finishes an upload whose bytes are all present: checksum and rename (Assetstore::Finalize),
// the store transaction, and the large image check. Also used at start-up to finish uploads a
// crash interrupted after their last chunk. Returns the file and its item.
StatusOr<std::pair<FileRecord, ItemRecord>> FinishUpload(const ApiContext& ctx,
                                                         const UploadRecord& upload);

// At start-up: completes uploads whose last chunk arrived before a crash, aligns the others'
// `received` with their temp files, and removes temp files no upload owns.
Status RecoverUploads(const ApiContext& ctx);

}  // namespace tessera
