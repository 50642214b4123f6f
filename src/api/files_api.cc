#include "api/files_api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

#include "api/auth.h"
#include "api/importer.h"
#include "api/models_json.h"
#include "core/logging.h"
#include "core/strings.h"

namespace tessera {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// A single "bytes=a-b" / "bytes=a-" / "bytes=-n" range of a `size`-byte file. nullopt: no
// usable Range (absent, several ranges, or malformed: the whole file is sent, as RFC 9110
// allows); `unsatisfiable` when it starts past the end.
std::optional<ByteRange> ParseRange(const std::string* header, uint64_t size, bool* unsatisfiable) {
  *unsatisfiable = false;
  if (!header || header->rfind("bytes=", 0) != 0) return std::nullopt;
  std::string_view spec = std::string_view(*header).substr(6);
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto a = Trim(spec.substr(0, dash));
  auto b = Trim(spec.substr(dash + 1));
  if (a.empty()) {  // the last n bytes
    auto n = ParseInt(b);
    if (!n || *n <= 0) return std::nullopt;
    uint64_t len = std::min<uint64_t>(static_cast<uint64_t>(*n), size);
    if (len == 0) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    return ByteRange{size - len, len};
  }
  auto first = ParseInt(a);
  if (!first || *first < 0) return std::nullopt;
  if (static_cast<uint64_t>(*first) >= size) {
    *unsatisfiable = true;
    return std::nullopt;
  }
  uint64_t last = size - 1;
  if (!b.empty()) {
    auto l = ParseInt(b);
    if (!l || *l < *first) return std::nullopt;
    last = std::min<uint64_t>(static_cast<uint64_t>(*l), size - 1);
  }
  return ByteRange{static_cast<uint64_t>(*first), last - static_cast<uint64_t>(*first) + 1};
}

std::string QuoteFilename(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

int64_t ClampToInt64(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}

// Girder's formatSize: bytes below 20000, else binary kB/MB/GB/TB with 3, 2 or 1 decimals.
std::string FormatSize(int64_t bytes) {
  if (bytes < 20000) return std::to_string(bytes) + " B";
  static constexpr const char* kSuffixes[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int i = 0;
  while (value >= 1024 && i + 1 < 5) {
    value /= 1024;
    ++i;
  }
  const int decimals = value < 10 ? 3 : value < 100 ? 2 : 1;
  char out[64];
  std::snprintf(out, sizeof(out), "%.*f %s", decimals, value, kSuffixes[i]);
  return out;
}

// Girder's user_quota refusal: 400, a ValidationException on the `size` field.
ApiResponse QuotaExceeded(int64_t need, int64_t used, int64_t quota) {
  return ApiResponse::Json(
      Json{{"message", "Upload would exceed file storage quota (need " + FormatSize(need) +
                           ", only " + FormatSize(std::max<int64_t>(0, quota - used)) +
                           " available - used " + FormatSize(used) + " out of " +
                           FormatSize(quota) + ")"},
           {"type", "validation"},
           {"field", "size"}},
      400);
}

// 507 Insufficient Storage (RFC 4918): the assetstore's disk is full (ENOSPC, or EFBIG at the
// process's file-size limit) or would be within min-free-disk-bytes of full. The table sends
// ResourceExhausted to 503 (a momentary limit: retry); this one lasts until space is freed.
ApiResponse InsufficientStorage(const std::string& message) {
  ApiResponse r = ApiResponse::Error(ResourceExhaustedError(message));
  r.status = 507;
  return r;
}

// Whether writing `bytes` more would leave less than the reserve free; the refusal to send.
StatusOr<std::optional<ApiResponse>> CheckReserve(const ApiContext& ctx, int64_t bytes) {
  TS_ASSIGN_OR_RETURN(int64_t free_bytes, ctx.assetstore->FreeBytes());
  const int64_t reserve = ClampToInt64(ctx.min_free_disk_bytes);
  if (free_bytes - bytes >= reserve) return std::optional<ApiResponse>();
  return std::optional<ApiResponse>(InsufficientStorage(
      "Not enough disk space: " + std::to_string(bytes) + " bytes would leave " +
      std::to_string(std::max<int64_t>(0, free_bytes - bytes)) + " of " +
      std::to_string(free_bytes) + " free, below the reserve of " + std::to_string(reserve) +
      " (min-free-disk-bytes)."));
}

}  // namespace

StatusOr<std::pair<FileRecord, ItemRecord>> FinishUpload(const ApiContext& ctx,
                                                         const UploadRecord& upload) {
  Assetstore& assets = *ctx.assetstore;
  const std::string final_path = assets.FinalPath(upload.id);
  TS_ASSIGN_OR_RETURN(int64_t temp_size, assets.TempSize(upload.id));
  std::error_code ec;
  FileRecord file;
  if (temp_size == upload.size && (upload.size > 0 || !std::filesystem::exists(final_path, ec))) {
    TS_ASSIGN_OR_RETURN(file.sha512, assets.Finalize(upload.id, upload.id));
  } else if (std::filesystem::exists(final_path, ec)) {
    // A crash after the rename and before the store transaction.
    TS_ASSIGN_OR_RETURN(file.sha512, assets.Checksum(final_path));
  } else {
    return DataLossError("The bytes of upload " + upload.id + " are missing.");
  }
  file.name = upload.name;
  file.mime_type = upload.mime_type.empty() ? "application/octet-stream" : upload.mime_type;
  file.size = upload.size;
  file.path = final_path;
  file.creator_id = upload.user_id;
  if (upload.parent_is_item) file.item_id = upload.parent_id;
  TS_ASSIGN_OR_RETURN(auto done, ctx.store->CompleteUpload(upload.id, file));
  ItemRecord& item = done.second;
  if (item.source_name.empty()) {
    // The upload path of the spec: opened to check it, never cached.
    std::string why;
    const std::string source_name =
        DetectLargeImage(*ctx.registry, done.first.path, ctx.open, &why);
    if (!source_name.empty()) {
      item.large_image_file_id = done.first.id;
      item.source_name = source_name;
      TS_RETURN_IF_ERROR(ctx.store->UpdateItem(item));
      if (ctx.auth) ctx.auth->ForgetItem(item.id);
    }
  }
  return done;
}

Status RecoverUploads(const ApiContext& ctx) {
  TS_ASSIGN_OR_RETURN(auto uploads, ctx.store->ListUploads());
  std::set<std::string> live;
  for (const UploadRecord& u : uploads) {
    live.insert(u.id);
    // Another node sharing the store and assetstore is writing it: its business.
    auto lock = ctx.assetstore->LockUpload(u.id, false);
    if (!lock.ok()) {
      if (lock.status().code() == StatusCode::kFailedPrecondition) continue;
      return lock.status();
    }
    TS_ASSIGN_OR_RETURN(int64_t have, ctx.assetstore->TempSize(u.id));
    std::error_code ec;
    const bool finalized = std::filesystem::exists(ctx.assetstore->FinalPath(u.id), ec);
    if ((have == u.size && u.size > 0) || (have == 0 && finalized)) {
      auto done = FinishUpload(ctx, u);
      if (done.ok()) {
        TS_LOG(kInfo) << "completed upload " << u.id << " (" << u.name
                      << ") interrupted by a restart";
        continue;
      }
      TS_LOG(kWarning) << "upload " << u.id
                       << " could not be completed: " << done.status().message();
    }
    if (have != u.received) TS_RETURN_IF_ERROR(ctx.store->SetUploadReceived(u.id, have));
  }
  // A temp file without a listed upload is garbage unless the upload was created since the
  // listing (by another node): ask the store again before removing it.
  return ctx.assetstore->ReclaimTemp([&](const std::string& id) {
    if (live.count(id)) return true;
    auto u = ctx.store->GetUpload(id);
    return u.ok() || u.status().code() != StatusCode::kNotFound;
  });
}

std::shared_ptr<std::mutex> FilesApi::UploadMutex(const std::string& upload_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (upload_locks_.size() > 4096) {
    for (auto it = upload_locks_.begin(); it != upload_locks_.end();) {
      it = it->second.expired() ? upload_locks_.erase(it) : std::next(it);
    }
  }
  auto& weak = upload_locks_[upload_id];
  auto strong = weak.lock();
  if (!strong) {
    strong = std::make_shared<std::mutex>();
    weak = strong;
  }
  return strong;
}

HandlerResult FilesApi::InitUpload(ApiRequest& r) {
  return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
    TS_RETURN_IF_ERROR(Auth::RequireUser(who));
    TS_ASSIGN_OR_RETURN(std::string type, RequiredParam(r, "parentType"));
    TS_ASSIGN_OR_RETURN(std::string parent, IdParam(r, "parentId"));
    TS_ASSIGN_OR_RETURN(std::string name, RequiredParam(r, "name"));
    TS_ASSIGN_OR_RETURN(std::string size_text, RequiredParam(r, "size"));
    name = std::string(Trim(name));
    if (name.empty() || name.find('/') != std::string::npos) {
      return InvalidArgumentError("Invalid file name: \"" + name + "\".");
    }
    auto size = ParseInt(size_text);
    if (!size || *size < 0) return InvalidArgumentError("Invalid size: \"" + size_text + "\".");
    UploadRecord u;
    if (type == "folder") {
      TS_RETURN_IF_ERROR(ctx_.auth->FolderFor(who, parent, AccessLevel::kWrite).status());
    } else if (type == "item") {
      TS_RETURN_IF_ERROR(ctx_.auth->ItemFor(who, parent, AccessLevel::kWrite).status());
      u.parent_is_item = true;
    } else {
      return InvalidArgumentError("parentType must be folder or item.");
    }
    if (ctx_.max_upload_bytes > 0 && static_cast<uint64_t>(*size) > ctx_.max_upload_bytes) {
      return InvalidArgumentError("File is too large: " + std::to_string(*size) +
                                  " bytes, the limit is " + std::to_string(ctx_.max_upload_bytes) +
                                  " (max-upload-bytes).");
    }
    TS_ASSIGN_OR_RETURN(std::optional<ApiResponse> no_room, CheckReserve(ctx_, *size));
    if (no_room) return std::move(*no_room);
    u.user_id = who.user_id();
    u.parent_id = parent;
    u.name = name;
    if (const std::string* m = r.Query("mimeType")) u.mime_type = *m;
    u.size = *size;
    // Girder's user_quota: what the user's files and uploads in progress take, plus this one,
    // against the user's effective quota; checked in the transaction that records the upload.
    UploadQuotaCheck quota;
    quota.default_bytes = ctx_.user_quota_bytes;
    auto created = ctx_.store->CreateUpload(u, &quota);
    if (!created.ok() && quota.exceeded) return QuotaExceeded(*size, quota.used, quota.limit);
    TS_RETURN_IF_ERROR(created.status());
    if (created->size == 0) {  // nothing to wait for: an empty file, finished at once
      TS_RETURN_IF_ERROR(ctx_.assetstore->WriteChunk(created->id, 0, "").status());
      TS_ASSIGN_OR_RETURN(auto done, FinishUpload(ctx_, *created));
      return ApiResponse::Json(FileJson(done.first));
    }
    return ApiResponse::Json(UploadJson(*created));
  });
}

HandlerResult FilesApi::Chunk(ApiRequest& r) {
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  // Disk writes and checksums are blocking work: the worker pool, not the I/O thread.
  return Deferred([this, who = *who, upload_id = r.Query("uploadId") ? *r.Query("uploadId") : "",
                   offset_text = r.Query("offset") ? *r.Query("offset") : "",
                   body = std::move(r.body)]() -> ApiResponse {
    auto run = [&]() -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      if (!IsObjectId(upload_id)) return InvalidArgumentError("Invalid ObjectId: " + upload_id);
      auto offset = ParseInt(offset_text);
      if (!offset || *offset < 0) {
        return InvalidArgumentError("Invalid offset: \"" + offset_text + "\".");
      }
      auto lock = UploadMutex(upload_id);
      std::lock_guard<std::mutex> guard(*lock);
      // And across the nodes that share the assetstore (their chunks of one upload may come in
      // through different nodes behind a load balancer).
      TS_ASSIGN_OR_RETURN(UploadLock file_lock,
                          ctx_.assetstore->LockUpload(upload_id, /*wait=*/true));
      TS_ASSIGN_OR_RETURN(UploadRecord u, ctx_.store->GetUpload(upload_id));
      if (u.user_id != who.user_id() && !who.admin()) {
        return PermissionDeniedError("You did not initiate this upload.");
      }
      TS_ASSIGN_OR_RETURN(int64_t have, ctx_.assetstore->TempSize(u.id));
      if (*offset != have) {
        return InvalidArgumentError("Server has received " + std::to_string(have) +
                                    " bytes, but client sent offset " + std::to_string(*offset) +
                                    ".");
      }
      if (have + static_cast<int64_t>(body.size()) > u.size) {
        return InvalidArgumentError("Received too many bytes: the upload declared " +
                                    std::to_string(u.size) + " bytes and this chunk ends at " +
                                    std::to_string(have + static_cast<int64_t>(body.size())) + ".");
      }
      // The reserve again: the disk may have filled since the upload began.
      TS_ASSIGN_OR_RETURN(std::optional<ApiResponse> no_room,
                          CheckReserve(ctx_, static_cast<int64_t>(body.size())));
      if (no_room) return std::move(*no_room);
      auto written = ctx_.assetstore->WriteChunk(u.id, have, body);
      if (!written.ok()) {
        if (written.status().code() != StatusCode::kResourceExhausted) return written.status();
        // The disk is full: the assetstore truncated the chunk away, the upload stays at `have`
        // and may be resumed from there once there is room (or cancelled). The paths and errno
        // are for the log, not the client.
        TS_LOG(kWarning) << "upload " << u.id << ": " << written.status().message();
        return InsufficientStorage("Not enough disk space for this chunk: the upload keeps its " +
                                   std::to_string(have) + " bytes; resume at offset " +
                                   std::to_string(have) + " once there is room.");
      }
      const int64_t now_have = *written;
      u.received = now_have;
      if (now_have < u.size) {
        TS_RETURN_IF_ERROR(ctx_.store->SetUploadReceived(u.id, now_have));
        u.updated_ms = WallMs();
        return ApiResponse::Json(UploadJson(u));
      }
      TS_ASSIGN_OR_RETURN(auto done, FinishUpload(ctx_, u));
      return ApiResponse::Json(FileJson(done.first));
    };
    auto out = run();
    return out.ok() ? std::move(*out) : ApiResponse::Error(out.status());
  });
}

HandlerResult FilesApi::Download(ApiRequest& r, const std::string& file_id) {
  return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
    TS_ASSIGN_OR_RETURN(FileRecord f, ctx_.store->GetFile(file_id));
    TS_RETURN_IF_ERROR(ctx_.auth->ItemFor(who, f.item_id, AccessLevel::kRead).status());
    auto st = ctx_.fs->Stat(f.path);
    if (!st.ok()) return NotFoundError("The content of file " + f.id + " is missing.");
    const uint64_t size = static_cast<uint64_t>(st->size);
    ApiResponse resp;
    resp.content_type = f.mime_type.empty() ? "application/octet-stream" : f.mime_type;
    resp.body_file = f.path;
    resp.headers.emplace_back("Accept-Ranges", "bytes");
    const std::string* disposition = r.Query("contentDisposition");
    resp.headers.emplace_back(
        "Content-Disposition",
        std::string(disposition && *disposition == "inline" ? "inline" : "attachment") +
            "; filename=\"" + QuoteFilename(f.name) + "\"");
    // Girder's offset/endByte parameters, or a Range header.
    std::optional<ByteRange> range;
    bool unsatisfiable = false;
    if (r.Query("offset") || r.Query("endByte")) {
      auto a = r.Query("offset") ? ParseInt(*r.Query("offset")) : std::optional<int64_t>(0);
      auto b = r.Query("endByte") ? ParseInt(*r.Query("endByte"))
                                  : std::optional<int64_t>(static_cast<int64_t>(size));
      if (!a || !b || *a < 0 || *b < *a) {
        return InvalidArgumentError("Invalid offset/endByte.");
      }
      const uint64_t first = std::min<uint64_t>(static_cast<uint64_t>(*a), size);
      const uint64_t end = std::min<uint64_t>(static_cast<uint64_t>(*b), size);
      range = ByteRange{first, end - first};
    } else {
      range = ParseRange(r.Header("range"), size, &unsatisfiable);
    }
    if (unsatisfiable) {
      ApiResponse err = ApiResponse::Error(OutOfRangeError("Range not satisfiable."));
      err.status = 416;
      err.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return err;
    }
    if (range) {
      resp.status = 206;
      resp.body_file_offset = range->first;
      resp.body_file_length = range->length;
      resp.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                     std::to_string(range->first + range->length -
                                                                    (range->length ? 1 : 0)) +
                                                     "/" + std::to_string(size));
    }
    return resp;
  });
}

void FilesApi::Register(Router& router) {
  router.Add("POST", "/api/v1/file", [this](ApiRequest& r) { return InitUpload(r); });
  router.Add("POST", "/api/v1/file/chunk", [this](ApiRequest& r) { return Chunk(r); });
  router.Add("GET", "/api/v1/file/offset", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(std::string id, IdParam(r, "uploadId"));
      TS_ASSIGN_OR_RETURN(UploadRecord u, ctx_.store->GetUpload(id));
      if (u.user_id != who.user_id() && !who.admin()) {
        return PermissionDeniedError("You did not initiate this upload.");
      }
      TS_ASSIGN_OR_RETURN(int64_t have, ctx_.assetstore->TempSize(u.id));
      return ApiResponse::Json(Json{{"offset", have}});
    });
  });
  router.Add("DELETE", "/api/v1/file/upload/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(UploadRecord u, ctx_.store->GetUpload(r.PathParam("id")));
      if (u.user_id != who.user_id() && !who.admin()) {
        return PermissionDeniedError("You did not initiate this upload.");
      }
      auto lock = UploadMutex(u.id);
      std::lock_guard<std::mutex> guard(*lock);
      TS_ASSIGN_OR_RETURN(UploadLock file_lock, ctx_.assetstore->LockUpload(u.id, /*wait=*/true));
      TS_RETURN_IF_ERROR(ctx_.store->DeleteUpload(u.id));
      TS_RETURN_IF_ERROR(ctx_.assetstore->RemoveTemp(u.id));
      return ApiResponse::Json(UploadJson(u));
    });
  });
  router.Add("GET", "/api/v1/file/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FileRecord f, ctx_.store->GetFile(r.PathParam("id")));
      TS_RETURN_IF_ERROR(ctx_.auth->ItemFor(who, f.item_id, AccessLevel::kRead).status());
      return ApiResponse::Json(FileJson(f));
    });
  });
  router.Add("GET", "/api/v1/file/{id}/download",
             [this](ApiRequest& r) { return Download(r, r.PathParam("id")); });
  router.Add("GET", "/api/v1/file/{id}/download/{name}",
             [this](ApiRequest& r) { return Download(r, r.PathParam("id")); });
  router.Add("GET", "/api/v1/item/{id}/download", [this](ApiRequest& r) -> HandlerResult {
    auto who = ctx_.auth->Authenticate(r);
    if (!who.ok()) return ApiResponse::Error(who.status());
    auto item = ctx_.auth->ItemFor(*who, r.PathParam("id"), AccessLevel::kRead);
    if (!item.ok()) return ApiResponse::Error(item.status());
    std::string file_id = item->large_image_file_id;
    if (file_id.empty()) {
      auto files = ctx_.store->ListFiles(item->id);
      if (!files.ok()) return ApiResponse::Error(files.status());
      if (files->size() != 1) {
        return ApiResponse::Error(
            InvalidArgumentError("This item has " + std::to_string(files->size()) +
                                 " files; download one of them with /file/{id}/download."));
      }
      file_id = files->front().id;
    }
    return Download(r, file_id);
  });
  router.Add("DELETE", "/api/v1/file/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FileRecord f, ctx_.store->GetFile(r.PathParam("id")));
      TS_RETURN_IF_ERROR(ctx_.auth->ItemFor(who, f.item_id, AccessLevel::kWrite).status());
      std::vector<std::string> removed;
      TS_RETURN_IF_ERROR(ctx_.store->DeleteFile(f.id, &removed));
      for (const std::string& path : removed) ctx_.assetstore->Remove(path).IgnoreError();
      ctx_.auth->ForgetItem(f.item_id);
      return ApiResponse::Json(FileJson(f));
    });
  });
}

}  // namespace tessera
