#include "api/jobs_api.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "api/admin_api.h"
#include "api/auth.h"
#include "api/jobs.h"
#include "api/params.h"
#include "core/logging.h"
#include "core/strings.h"
#include "tiles/convert.h"

namespace tessera {

// What a conversion job needs after its request is answered; shared with the queued work.
struct JobsApi::Shared {
  MetadataStore* store = nullptr;
  Assetstore* assetstore = nullptr;
  Auth* auth = nullptr;
  // Serialises read-modify-writes of items' large image fields (POST, DELETE, a job's end).
  std::mutex items_mu;
};

namespace {

namespace fs = std::filesystem;

constexpr char kAlreadySet[] = "Item already has largeImage set.";

std::string IsoMs(int64_t ms) {
  return IsoUtcTime(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

bool Active(JobStatus s) {
  return s == JobStatus::kInactive || s == JobStatus::kQueued || s == JobStatus::kRunning;
}

// Girder's clients send POST and PUT parameters in the query string or as a form body.
void AddFormParams(ApiRequest& r) {
  const std::string* type = r.Header("content-type");
  if (!type || ToLower(*type).rfind("application/x-www-form-urlencoded", 0) != 0) return;
  for (std::string_view pair : Split(r.body, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = UrlDecode(pair.substr(0, eq), true);
    auto value = UrlDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (key && value) r.query.emplace_back(std::move(*key), std::move(*value));
  }
}

// The routes need the store, Auth and the registry; a composition without them (a test, or a
// build before they are wired) answers 503 instead of crashing.
Status Ready(const ApiContext& ctx) {
  if (!ctx.store || !ctx.auth || !ctx.registry) {
    return UnavailableError("Jobs are not available on this server.");
  }
  return Status::Ok();
}

std::string WithoutExtension(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// 400 when the item is a large image or a conversion of it is still queued or running; a job
// that ended (failed, canceled, interrupted by a restart) does not count.
Status CheckNoLargeImage(MetadataStore& store, const ItemRecord& item) {
  if (!item.large_image_file_id.empty()) return InvalidArgumentError(kAlreadySet);
  if (!item.large_image_job_id.empty()) {
    auto job = store.GetJob(item.large_image_job_id);
    if (job.ok() && Active(job->status)) return InvalidArgumentError(kAlreadySet);
  }
  return Status::Ok();
}

StatusOr<ConvertOptions> ConvertParams(const ApiRequest& r) {
  ConvertOptions o;
  TS_ASSIGN_OR_RETURN(auto tile, IntParam(r, "tileSize", 1, 1 << 20));
  if (tile) o.tile_size = static_cast<int>(*tile);
  TS_ASSIGN_OR_RETURN(auto quality, IntParam(r, "quality", 0, 1000));
  if (quality) o.quality = static_cast<int>(*quality);
  if (const std::string* c = r.Query("compression"); c && !Trim(*c).empty()) {
    TS_ASSIGN_OR_RETURN(o.compression, ParseConvertCompression(Trim(*c)));
  }
  if (const std::string* p = r.Query("predictor"); p && !Trim(*p).empty()) {
    TS_ASSIGN_OR_RETURN(o.predictor, ParseConvertPredictor(Trim(*p)));
  }
  TS_RETURN_IF_ERROR(ValidateConvertOptions(o));
  return o;
}

}  // namespace

struct JobsApi::Conversion {
  std::string item_id;
  FileRecord source;
  ConvertOptions options;
  std::string user_id;
};

nlohmann::ordered_json JobJson(const JobRecord& job) {
  nlohmann::ordered_json j;
  j["_id"] = job.id;
  j["_modelType"] = "job";
  j["title"] = job.title;
  j["type"] = job.type;
  j["status"] = static_cast<int>(job.status);
  if (job.progress_total == 0 && job.progress_current == 0 && job.progress_message.empty()) {
    j["progress"] = nullptr;
  } else {
    j["progress"] = {{"current", job.progress_current},
                     {"total", job.progress_total},
                     {"message", job.progress_message}};
  }
  nlohmann::ordered_json log = nlohmann::ordered_json::array();
  for (std::string_view line : Split(job.log, '\n')) {
    if (!line.empty()) log.push_back(std::string(line) + "\n");
  }
  j["log"] = std::move(log);
  j["created"] = IsoMs(job.created_ms);
  j["updated"] = IsoMs(job.updated_ms);
  j["userId"] =
      job.user_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(job.user_id);
  if (!job.item_id.empty()) j["itemId"] = job.item_id;
  auto kwargs = nlohmann::ordered_json::parse(job.kwargs_json, nullptr, false);
  j["kwargs"] = kwargs.is_object() ? kwargs : nlohmann::ordered_json::object();
  return j;
}

JobsApi::JobsApi(const ApiContext& ctx) : ctx_(ctx), shared_(std::make_shared<Shared>()) {
  shared_->store = ctx.store;
  shared_->assetstore = ctx.assetstore;
  shared_->auth = ctx.auth;
}

void JobsApi::Register(Router& router) {
  router.Add("POST", "/api/v1/item/{id}/tiles", [this](ApiRequest& r) { return CreateTiles(r); });
  router.Add("DELETE", "/api/v1/item/{id}/tiles", [this](ApiRequest& r) { return DeleteTiles(r); });
  router.Add("GET", "/api/v1/job", [this](ApiRequest& r) { return ListJobs(r); });
  router.Add("GET", "/api/v1/job/{id}", [this](ApiRequest& r) { return GetJob(r); });
  router.Add("PUT", "/api/v1/job/{id}/cancel", [this](ApiRequest& r) { return CancelJob(r); });
}

HandlerResult JobsApi::CreateTiles(ApiRequest& r) {
  if (Status s = Ready(ctx_); !s.ok()) return ApiResponse::Error(s);
  AddFormParams(r);
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
  auto options = ConvertParams(r);
  if (!options.ok()) return ApiResponse::Error(options.status());
  auto force = BoolParam(r, "force");
  if (!force.ok()) return ApiResponse::Error(force.status());
  const std::string* file_param = r.Query("fileId");
  std::string file_id = file_param ? std::string(Trim(*file_param)) : "";

  // Opening the file to check it can take seconds (a large flat image is decoded): a worker.
  return Deferred([this, who = *who, id = r.PathParam("id"), file_id,
                   force = force->value_or(false), options = *options]() -> ApiResponse {
    MetadataStore& store = *ctx_.store;
    auto item = ctx_.auth->ItemFor(who, id, AccessLevel::kWrite);
    if (!item.ok()) return ApiResponse::Error(item.status());
    if (Status s = CheckNoLargeImage(store, *item); !s.ok()) return ApiResponse::Error(s);

    FileRecord file;
    if (file_id.empty()) {
      auto files = store.ListFiles(item->id);
      if (!files.ok()) return ApiResponse::Error(files.status());
      if (files->size() != 1) {
        return ApiResponse::Error(InvalidArgumentError("Missing \"fileId\" parameter."));
      }
      file = files->front();
    } else {
      auto found = store.GetFile(file_id);
      if (!found.ok()) return ApiResponse::Error(found.status());
      if (found->item_id != item->id) {
        return ApiResponse::Error(
            InvalidArgumentError("The provided file must be in the provided item."));
      }
      file = *found;
    }

    if (!force) {
      // As `tessera import` probes: opened once (within the serving limits) to check it, closed,
      // never cached.
      OpenOptions open_options = ctx_.open;
      open_options.fs = ctx_.fs;
      auto source = ctx_.registry->Open(file.path, open_options);
      if (source.ok()) {
        const std::string format((*source)->format_name());
        source->reset();
        std::lock_guard<std::mutex> lock(shared_->items_mu);
        auto fresh = store.GetItem(item->id);
        if (!fresh.ok()) return ApiResponse::Error(fresh.status());
        if (Status s = CheckNoLargeImage(store, *fresh); !s.ok()) return ApiResponse::Error(s);
        fresh->large_image_file_id = file.id;
        fresh->source_name = format;
        fresh->large_image_job_id.clear();
        if (Status s = store.UpdateItem(*fresh); !s.ok()) return ApiResponse::Error(s);
        ctx_.auth->ForgetItem(item->id);
        return ApiResponse::Json(nlohmann::json(nullptr));
      }
      if (source.status().code() == StatusCode::kNotFound) {
        return ApiResponse::Error(source.status());  // nothing to convert either
      }
    }

    if (!ctx_.jobs || !ctx_.assetstore) {
      return ApiResponse::Error(UnavailableError("Background jobs are not running."));
    }
    JobRecord job;
    job.type = "large_image_tiff";
    job.title = "TIFF conversion: " + file.name;
    job.user_id = who.user_id();
    job.item_id = item->id;
    nlohmann::ordered_json kwargs;
    kwargs["itemId"] = item->id;
    kwargs["fileId"] = file.id;
    kwargs["tileSize"] = options.tile_size;
    kwargs["compression"] = std::string(ConvertCompressionName(options.compression));
    kwargs["quality"] = options.quality;
    kwargs["force"] = force;
    job.kwargs_json = kwargs.dump();
    Conversion conversion{item->id, file, options, who.user_id()};

    // Held until the item names the job, so the job's end (which takes the same lock) always
    // comes after.
    std::lock_guard<std::mutex> lock(shared_->items_mu);
    auto fresh = store.GetItem(item->id);
    if (!fresh.ok()) return ApiResponse::Error(fresh.status());
    if (Status s = CheckNoLargeImage(store, *fresh); !s.ok()) return ApiResponse::Error(s);
    auto created =
        ctx_.jobs->Submit(std::move(job), [shared = shared_, conversion](JobContext& job_ctx) {
          return RunConversion(*shared, job_ctx, conversion);
        });
    if (!created.ok()) return ApiResponse::Error(created.status());
    fresh->large_image_job_id = created->id;
    if (Status s = store.UpdateItem(*fresh); !s.ok()) {
      ctx_.jobs->Cancel(created->id).status().IgnoreError();
      return ApiResponse::Error(s);
    }
    ctx_.auth->ForgetItem(item->id);
    return ApiResponse::Json(JobJson(*created));
  });
}

Status JobsApi::RunConversion(Shared& s, JobContext& ctx, const Conversion& c) {
  const std::string& job_id = ctx.job_id();
  ctx.Log("Converting " + c.source.name + " to a tiled pyramidal TIFF (" +
          std::string(ConvertCompressionName(c.options.compression)) + ", " +
          std::to_string(c.options.tile_size) + " px tiles).");
  const std::string temp = s.assetstore->TempPath(job_id);
  auto converted = ConvertToTiledTiff(c.source.path, temp, c.options, [&ctx](double f) {
    ctx.Progress(100 * f, 100, "Converting");
    return !ctx.canceled();
  });
  if (!converted.ok()) return converted.status();
  if (!converted->note.empty()) ctx.Log(converted->note + ".");
  ctx.Log(std::to_string(converted->width) + " x " + std::to_string(converted->height) +
          " pixels, " + std::to_string(converted->levels) + " levels.");

  // Named after the job (see the header): finalized before it is recorded.
  auto sha512 = s.assetstore->Finalize(job_id, job_id);
  if (!sha512.ok()) {
    s.assetstore->RemoveTemp(job_id).IgnoreError();
    return sha512.status();
  }
  const std::string path = s.assetstore->FinalPath(job_id);
  auto discard = [&](const Status& why) {
    s.assetstore->Remove(path).IgnoreError();
    return why;
  };
  std::error_code ec;
  FileRecord out;
  out.item_id = c.item_id;
  out.name = WithoutExtension(c.source.name) + ".tiff";
  out.mime_type = "image/tiff";
  out.size = static_cast<int64_t>(fs::file_size(path, ec));
  out.sha512 = *sha512;
  out.path = path;
  out.creator_id = c.user_id;

  std::lock_guard<std::mutex> lock(s.items_mu);
  auto item = s.store->GetItem(c.item_id);
  if (!item.ok()) return discard(item.status());
  if (item->large_image_job_id != job_id || !item->large_image_file_id.empty()) {
    return discard(FailedPreconditionError(
        "The item's large image changed during the conversion; the output was discarded."));
  }
  auto created = s.store->CreateFile(out);
  if (!created.ok()) return discard(created.status());
  item = s.store->GetItem(c.item_id);  // re-read: the new file changed its size
  if (!item.ok()) return item.status();
  item->large_image_file_id = created->id;
  item->source_name = "tiff";
  TS_RETURN_IF_ERROR(s.store->UpdateItem(*item));
  if (s.auth) s.auth->ForgetItem(c.item_id);
  ctx.Progress(100, 100, "Done");
  ctx.Log("Added " + out.name + " to the item as its large image.");
  return Status::Ok();
}

HandlerResult JobsApi::DeleteTiles(ApiRequest& r) {
  if (Status s = Ready(ctx_); !s.ok()) return ApiResponse::Error(s);
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
  return Deferred([this, who = *who, id = r.PathParam("id")]() -> ApiResponse {
    MetadataStore& store = *ctx_.store;
    auto checked = ctx_.auth->ItemFor(who, id, AccessLevel::kWrite);
    if (!checked.ok()) return ApiResponse::Error(checked.status());
    bool deleted = false;
    std::string cancel_job;
    std::vector<std::string> removed;
    {
      std::lock_guard<std::mutex> lock(shared_->items_mu);
      auto item = store.GetItem(id);
      if (!item.ok()) return ApiResponse::Error(item.status());
      deleted = !item->large_image_file_id.empty() || !item->large_image_job_id.empty();
      if (!item->large_image_job_id.empty()) {
        auto job = store.GetJob(item->large_image_job_id);
        if (job.ok() && Active(job->status)) cancel_job = job->id;
      }
      // The file a conversion made (named after its job) goes with the large image.
      if (!item->large_image_file_id.empty() && !item->large_image_job_id.empty() &&
          ctx_.assetstore) {
        auto file = store.GetFile(item->large_image_file_id);
        if (file.ok() && !file->imported &&
            file->path == ctx_.assetstore->FinalPath(item->large_image_job_id)) {
          if (Status s = store.DeleteFile(file->id, &removed); !s.ok()) {
            return ApiResponse::Error(s);
          }
          item = store.GetItem(id);
          if (!item.ok()) return ApiResponse::Error(item.status());
        }
      }
      if (deleted) {
        item->large_image_file_id.clear();
        item->source_name.clear();
        item->large_image_job_id.clear();
        if (Status s = store.UpdateItem(*item); !s.ok()) return ApiResponse::Error(s);
        // Persisted thumbnails showed the large image that is gone.
        if (Status s = store.DeleteThumbnails(id, &removed); !s.ok()) {
          TS_LOG(kWarning) << "item " << id << ": cannot delete its thumbnails: " << s.ToString();
        }
      }
    }
    if (!cancel_job.empty() && ctx_.jobs) ctx_.jobs->Cancel(cancel_job).status().IgnoreError();
    for (const std::string& path : removed) {
      if (!ctx_.assetstore) break;
      if (Status s = ctx_.assetstore->Remove(path); !s.ok()) {
        TS_LOG(kWarning) << "cannot remove " << path << ": " << s.ToString();
      }
    }
    ctx_.auth->ForgetItem(id);
    nlohmann::ordered_json j;
    j["deleted"] = deleted;
    return ApiResponse::Json(j);
  });
}

HandlerResult JobsApi::GetJob(ApiRequest& r) {
  if (Status s = Ready(ctx_); !s.ok()) return ApiResponse::Error(s);
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
  const std::string& id = r.PathParam("id");
  auto job = ctx_.store->GetJob(id);
  if (!job.ok()) return ApiResponse::Error(job.status());
  if (!who->admin() && job->user_id != who->user_id()) {
    return ApiResponse::Error(Auth::Denied(*who, AccessLevel::kRead, "job", id));
  }
  return ApiResponse::Json(JobJson(*job));
}

HandlerResult JobsApi::ListJobs(ApiRequest& r) {
  if (Status s = Ready(ctx_); !s.ok()) return ApiResponse::Error(s);
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
  auto limit = IntParam(r, "limit", 0, 100000);
  if (!limit.ok()) return ApiResponse::Error(limit.status());
  auto offset = IntParam(r, "offset", 0, int64_t{1} << 40);
  if (!offset.ok()) return ApiResponse::Error(offset.status());
  // Admins see everyone's jobs unless they ask for one user's; others only their own.
  std::string user_id = who->admin() ? "" : who->user_id();
  if (const std::string* u = r.Query("userId"); u && !Trim(*u).empty()) {
    if (!who->admin() && *u != who->user_id()) {
      return ApiResponse::Error(PermissionDeniedError("Administrator access required."));
    }
    user_id = std::string(Trim(*u));
  }
  ListQuery query;
  query.limit = static_cast<int>(limit->value_or(50));
  query.offset = static_cast<int>(offset->value_or(0));
  query.sort = "created";
  query.descending = true;
  auto jobs = ctx_.store->ListJobs(user_id, query);
  if (!jobs.ok()) return ApiResponse::Error(jobs.status());
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const JobRecord& job : *jobs) j.push_back(JobJson(job));
  return ApiResponse::Json(j);
}

HandlerResult JobsApi::CancelJob(ApiRequest& r) {
  if (Status s = Ready(ctx_); !s.ok()) return ApiResponse::Error(s);
  AddFormParams(r);
  auto who = ctx_.auth->Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
  const std::string& id = r.PathParam("id");
  auto job = ctx_.store->GetJob(id);
  if (!job.ok()) return ApiResponse::Error(job.status());
  if (!who->admin() && job->user_id != who->user_id()) {
    return ApiResponse::Error(Auth::Denied(*who, AccessLevel::kWrite, "job", id));
  }
  if (!ctx_.jobs) return ApiResponse::Error(UnavailableError("Background jobs are not running."));
  auto canceled = ctx_.jobs->Cancel(id);
  if (!canceled.ok()) return ApiResponse::Error(canceled.status());
  return ApiResponse::Json(JobJson(*canceled));
}

}  // namespace tessera
