#include "cli/app.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "api/files_api.h"
#include "api/items_api.h"
#include "api/users_api.h"
#include "cache/make_tile_cache.h"
#include "core/logging.h"
#include "store/passwords.h"

namespace tessera {

std::string DatabasePath(const std::string& data_dir) { return data_dir + "/tessera.db"; }

OpenOptions OpenLimits(const Config& config) {
  OpenOptions open;
  open.max_dimension = config.max_image_side;
  open.max_levels = config.max_levels;
  open.max_frames = config.max_frames;
  return open;
}

namespace {

// The `node-name` setting, or <host name>:<port>: stable across restarts of one node (with
// `port = 0`, nodes on one host need a node-name each).
std::string NodeName(const Config& config) {
  if (!config.node_name.empty()) return config.node_name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "localhost") + ":" + std::to_string(config.port);
}

}  // namespace

Status EnsureAdmin(MetadataStore& store, const Config& config, std::string* generated) {
  TS_ASSIGN_OR_RETURN(int64_t users, store.CountUsers());
  if (users > 0) return Status::Ok();
  std::string password = config.admin_password;
  if (password.empty()) {
    password = RandomSecret(16);
    *generated = password;
  }
  UserRecord admin;
  admin.login = config.admin_login;
  admin.email = config.admin_login + "@localhost.localdomain";
  admin.first_name = "Tessera";
  admin.last_name = "Administrator";
  admin.admin = true;
  auto created = CreateAccount(store, admin, password, config.fast_password_hash);
  // Another process sharing the database may have won the race: that is fine.
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return created.status();
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<App>> App::Create(Config config) {
  config.ResolveDefaults();
  std::unique_ptr<App> app(new App());
  app->config_ = config;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return UnavailableError("cannot create data directory " + config.data_dir + ": " +
                            ec.message());
  }
  // The metadata database: SQLite in the data directory, or PostgreSQL (`database`).
  TS_ASSIGN_OR_RETURN(app->store_, OpenMetadataStore(config.database, DatabasePath(config.data_dir),
                                                     config.database_pool_size));
  TS_RETURN_IF_ERROR(EnsureAdmin(*app->store_, config, &app->generated_admin_password_));
  TS_ASSIGN_OR_RETURN(Assetstore assets, Assetstore::Open(config.assetstore_dir));
  app->assetstore_ = std::make_unique<Assetstore>(std::move(assets));
  if (auto free_bytes = app->assetstore_->FreeBytes();
      free_bytes.ok() && *free_bytes < static_cast<int64_t>(config.min_free_disk_bytes)) {
    TS_LOG(kWarning) << "the assetstore " << app->assetstore_->root() << " has " << *free_bytes
                     << " bytes free, less than min-free-disk-bytes (" << config.min_free_disk_bytes
                     << "): uploads are refused (507)";
  }
  app->auth_ = std::make_unique<Auth>(*app->store_, Clock::Real(),
                                      int64_t{config.file_check_interval_ms} * 1'000'000);
  // Background conversions (POST /item/{id}/tiles); jobs a previous run left are marked
  // interrupted here, before anything is served.
  JobRunnerOptions job_options;
  job_options.threads = 1;
  job_options.node_name = NodeName(config);  // several nodes: only this one's jobs are interrupted
  app->jobs_ = std::make_unique<JobRunner>(*app->store_, job_options);
  TS_RETURN_IF_ERROR(app->jobs_->Start());
  // Temporary outputs of a previous run are garbage now.
  const std::string temp_dir = config.data_dir + "/tmp";
  std::filesystem::remove_all(temp_dir, ec);
  std::filesystem::create_directories(temp_dir, ec);
  if (ec) return UnavailableError("cannot create " + temp_dir + ": " + ec.message());
  app->registry_ = FormatRegistry::Default();
  const bool protect = config.tile_cache_policy == "protect";
  ViewerTrackerOptions viewing;
  viewing.active_window_nanos = int64_t{config.active_window_s} * 1'000'000'000;
  viewing.tiles_per_viewer = static_cast<size_t>(config.viewer_working_set_tiles);
  // Shared tile caches: the pins live in the in-process tier (all of it, or the front tier).
  const uint64_t in_process_tile_bytes = InProcessTileCacheBytes(config);
  viewing.pin_tiles = protect && in_process_tile_bytes > 0;
  // What the tracker holds is also in the tile cache: at most half of its budget.
  viewing.max_pinned_bytes = in_process_tile_bytes / 2;
  app->viewers_ = std::make_unique<ViewerTracker>(Clock::Real(), viewing);
  TS_ASSIGN_OR_RETURN(app->tile_cache_, MakeTileCache(config, protect));
  SourceCacheLimits limits;
  limits.max_sources = static_cast<size_t>(config.max_sources);
  limits.max_memory_bytes = config.source_memory_bytes;
  limits.max_open_files = config.max_open_files;
  // Active sources may take up to twice the soft limits, file handles at most 90% of the
  // descriptor limit (the rest is for sockets and the database).
  limits.hard_max_open_files =
      static_cast<int>(std::min<uint64_t>(2 * static_cast<uint64_t>(config.max_open_files),
                                          ReadMachineInfo().open_file_limit * 9 / 10));
  limits.protect_active = protect;
  app->source_cache_ = std::make_unique<SourceCache>(limits);
  app->source_cache_->SetActivity([viewers = app->viewers_.get()](const std::string& key) {
    return viewers->IsSourceActive(key);
  });
  TileServiceOptions options;
  options.max_output_pixels = config.max_output_pixels;
  options.open = OpenLimits(config);
  app->tiles_ = std::make_unique<TileService>(app->registry_, *app->tile_cache_,
                                              *app->source_cache_, options);
  app->context_.store = app->store_.get();
  app->context_.auth = app->auth_.get();
  app->context_.assetstore = app->assetstore_.get();
  app->context_.open_registration = config.open_registration;
  app->context_.token_ms = int64_t{config.token_days} * 24 * 3600 * 1000;
  app->context_.fast_password_hash = config.fast_password_hash;
  app->context_.import_roots = config.import_roots;
  app->context_.max_thumbnail_files = config.max_thumbnail_files;
  app->context_.max_upload_bytes = config.max_upload_bytes;
  app->context_.max_decoded_bytes = config.max_decoded_bytes;
  app->context_.user_quota_bytes = static_cast<int64_t>(
      std::min<uint64_t>(config.user_quota_bytes, std::numeric_limits<int64_t>::max()));
  app->context_.min_free_disk_bytes = config.min_free_disk_bytes;
  app->context_.thumbnail_dir = app->assetstore_->root() + "/thumbnails";
  app->context_.jobs = app->jobs_.get();
  app->context_.tiles = app->tiles_.get();
  app->context_.tile_cache = app->tile_cache_.get();
  app->context_.source_cache = app->source_cache_.get();
  app->context_.viewers = app->viewers_.get();
  app->metrics_ = std::make_unique<RouteMetrics>();
  app->context_.metrics = app->metrics_.get();
  app->context_.registry = &app->registry_;
  app->context_.open = options.open;
  app->context_.start_nanos = Clock::Real().NowNanos();
  app->context_.temp_dir = temp_dir;
  app->context_.file_check_interval_nanos = int64_t{config.file_check_interval_ms} * 1'000'000;
  TS_RETURN_IF_ERROR(RecoverUploads(app->context_));
  app->router_ = BuildRouter(app->context_, &app->handlers_);

  ServerOptions so;
  so.host = config.host;
  so.port = static_cast<uint16_t>(config.port);
  so.io_threads = config.io_threads;
  so.workers = config.workers;
  so.max_queued_work = static_cast<size_t>(config.max_queue);
  so.expensive_workers = config.expensive_workers;
  so.max_expensive = config.max_expensive;
  so.idle_timeout = std::chrono::seconds(config.request_timeout_s);
  so.max_header_bytes = static_cast<uint32_t>(config.max_header_bytes);
  so.max_body_bytes = config.max_body_bytes;
  so.metrics = app->metrics_.get();
  so.web_root = config.web_root.empty() ? std::string(TESSERA_WEB_ROOT) : config.web_root;
  app->server_ = std::make_unique<HttpServer>(so, app->router_);
  return app;
}

App::~App() {
  if (server_) server_->Stop();
  if (jobs_) jobs_->Stop();
}

Status App::Start() { return server_->Start(); }
int64_t App::Drain() {
  const bool all = server_->Drain(std::chrono::seconds(config_.shutdown_grace_s));
  return all ? 0 : static_cast<int64_t>(server_->Stats().in_flight);
}

void App::Stop() {
  server_->Stop();
  jobs_->Stop();  // running conversions are canceled, queued ones marked canceled
}
void App::Wait() { server_->Wait(); }

std::string App::url() const {
  std::string host = config_.host == "0.0.0.0" ? "127.0.0.1" : config_.host;
  return "http://" + host + ":" + std::to_string(server_->port());
}

}  // namespace tessera
