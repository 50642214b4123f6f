// App: the composition root of a Tessera server — config in, objects wired, HTTP out.
// `tessera serve` and the integration tests build the same App (tests on 127.0.0.1:0).
// Thread-safety: Create/Start/Stop from one thread; the parts are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/jobs.h"
#include "api/router.h"
#include "cache/memory_tile_cache.h"
#include "cache/source_cache.h"
#include "cache/viewer_tracker.h"
#include "core/config.h"
#include "http/server.h"
#include "source/registry.h"
#include "store/assetstore.h"
#include "store/metadata_store.h"
#include "tiles/tile_service.h"

namespace tessera {

class App {
 public:
  // Resolves defaults, opens the database in config.data_dir (creating it), builds the caches
  // and the service. Does not listen yet.
  static StatusOr<std::unique_ptr<App>> Create(Config config);
  ~App();

  Status Start();
  // Graceful: stop taking connections and let requests in flight finish, up to
  // shutdown-grace-s; the number still running when it gave up (0: all finished).
  int64_t Drain();
  void Stop();
  void Wait();
  uint16_t port() const { return server_->port(); }
  std::string url() const;

  const Config& config() const { return config_; }
  MetadataStore& store() { return *store_; }
  Assetstore& assetstore() { return *assetstore_; }
  const ApiContext& context() const { return context_; }
  // The admin's password when this start created the admin with a random one (else empty).
  const std::string& generated_admin_password() const { return generated_admin_password_; }
  TileService& tiles() { return *tiles_; }
  TileCache& tile_cache() { return *tile_cache_; }
  SourceCache& source_cache() { return *source_cache_; }
  ViewerTracker& viewers() { return *viewers_; }
  const FormatRegistry& registry() const { return registry_; }
  HttpServer& server() { return *server_; }

 private:
  App() = default;

  Config config_;
  FormatRegistry registry_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<Assetstore> assetstore_;
  std::unique_ptr<Auth> auth_;
  std::string generated_admin_password_;
  // After the store the assetstore and Auth: destroyed before them, so no job
  // outlives what it writes to.
  std::unique_ptr<JobRunner> jobs_;
  std::unique_ptr<ViewerTracker> viewers_;
  std::unique_ptr<RouteMetrics> metrics_;
  std::unique_ptr<TileCache> tile_cache_;  // cache/make_tile_cache.h (shared tiers too)
  std::unique_ptr<SourceCache> source_cache_;
  std::unique_ptr<TileService> tiles_;
  ApiContext context_;
  std::vector<std::shared_ptr<void>> handlers_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

// The database path inside a data directory.
std::string DatabasePath(const std::string& data_dir);

// The limits an image must keep to on open (max-image-side, max-levels, max-frames), for the
// server and for `tessera import` alike.
OpenOptions OpenLimits(const Config& config);

// Creates the admin user when the store has no user yet: `config.admin_login` with
// `config.admin_password`, or a random password returned in `*generated`.
Status EnsureAdmin(MetadataStore& store, const Config& config, std::string* generated);

}  // namespace tessera
