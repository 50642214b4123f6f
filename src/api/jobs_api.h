// Conversion jobs and Girder's job endpoints:
//
//   POST   /api/v1/item/{id}/tiles        make the item a large image (user, WRITE on the item)
//   DELETE /api/v1/item/{id}/tiles        stop being one                (user, WRITE)
//   GET    /api/v1/job/{id}               a job (its owner or an admin)
//   GET    /api/v1/job                    own jobs, newest first (admins: everyone's); limit/offset
//   PUT    /api/v1/job/{id}/cancel        cancel (its owner or an admin)
//
// POST, as large_image's createImageItem: 400 "Item already has largeImage set." when it has a
// large image file or a conversion still queued or running. The file (the `fileId` parameter,
// or the item's only file) is opened once with the format registry, never through the source
// cache (as `tessera import` probes); when a format reads it and `force` is not true, the item
// records that file and format and the answer is `null`. Otherwise a "large_image_tiff" job
// converts it (tiles/convert.h; tileSize, compression, quality, predictor) and the answer is the
// job. The item's large_image_job_id names the job from the start; on success the new file
// "<name without extension>.tiff" is added to the item and becomes its large image ("tiff").
//
// Where the converted file goes: the file id is assigned by CreateFile, but a record must name
// its final path, and a record naming a path that does not exist yet would be a broken item
// after a crash. So the output is written to the assetstore's temp path of the job id,
// finalized (fsync, SHA-512, rename) to Assetstore::FinalPath(job id) — ObjectIds are unique
// across collections, so that name is free — and only then recorded with CreateFile. A crash
// between the rename and the record leaves an unreferenced file under the root, never a record
// without its file; an interrupted conversion leaves only temp files (ReclaimTemp removes them).
// That path is also how DELETE recognises the file a conversion made: it is deleted with the
// large image, an uploaded or imported file never is.
//
// Updates of an item's large image fields made here (POST, DELETE, a job's end) are serialised
// in this process, so a job finishing while a DELETE runs cannot resurrect a cleared large image;
// a job whose item no longer names it as its conversion discards its output.
// Thread-safety: handlers are safe to run concurrently. Jobs reference the context's store,
// assetstore and auth: the JobRunner must be stopped before those are destroyed.
#pragma once

#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

class JobContext;

// Girder's job document: _id, _modelType "job", title, type, status (0..5), progress
// ({current, total, message} or null before any report), log (a list of lines), created, updated,
// userId, itemId (when the job has one), kwargs.
nlohmann::ordered_json JobJson(const JobRecord& job);

class JobsApi {
 public:
  explicit JobsApi(const ApiContext& ctx);
  void Register(Router& router);

 private:
  struct Shared;      // what queued jobs keep (the API may be gone when they run)
  struct Conversion;  // one job's input
  // The job's work: convert into the assetstore, record the file, make it the large image.
  static Status RunConversion(Shared& s, JobContext& ctx, const Conversion& c);
  HandlerResult CreateTiles(ApiRequest& r);
  HandlerResult DeleteTiles(ApiRequest& r);
  HandlerResult GetJob(ApiRequest& r);
  HandlerResult ListJobs(ApiRequest& r);
  HandlerResult CancelJob(ApiRequest& r);

  const ApiContext& ctx_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace tessera
