#include "cli/commands.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/importer.h"
#include "cache/memory_tile_cache.h"
#include "cli/app.h"
#include "core/config.h"
#include "core/strings.h"
#include "tiles/metadata_json.h"
#include "tiles/tile_service.h"

namespace tessera {
namespace {

constexpr char kUsage[] =
    "usage: tessera <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve    serve the imported images over HTTP (large_image's REST API)\n"
    "  import   register image files (or folders of them) as items, in place\n"
    "  info     print an image's metadata as JSON\n"
    "  tile     write one tile of an image\n"
    "\n"
    "`tessera <command> --help` describes a command.\n";

// A tiny flag parser: --name value, --name=value, -o value, and positionals.
struct Args {
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positional;
  bool help = false;
};

StatusOr<Args> Parse(const std::vector<std::string>& in, const std::vector<std::string>& boolean,
                     const std::vector<std::string>& valued) {
  Args a;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& s = in[i];
    if (s == "--help" || s == "-h") {
      a.help = true;
      continue;
    }
    if (s.size() > 1 && s[0] == '-') {
      std::string name = s.substr(s[1] == '-' ? 2 : 1);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      if (std::find(boolean.begin(), boolean.end(), name) != boolean.end()) {
        a.flags.emplace_back(name, has_value ? value : "true");
        continue;
      }
      if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
        return InvalidArgumentError("unknown option " + s);
      }
      if (!has_value) {
        if (i + 1 >= in.size()) return InvalidArgumentError("option " + s + " needs a value");
        value = in[++i];
      }
      a.flags.emplace_back(name, value);
      continue;
    }
    a.positional.push_back(s);
  }
  return a;
}

std::optional<std::string> Flag(const Args& a, const std::string& name) {
  std::optional<std::string> v;
  for (const auto& [k, val] : a.flags)
    if (k == name) v = val;
  return v;
}

int Fail(const std::string& message) {
  std::cerr << "tessera: " << message << "\n";
  return 2;
}

constexpr char kServeHelp[] =
    "usage: tessera serve [--host H] [--port P] [--data DIR] [--config FILE] [settings...]\n"
    "\n"
    "Serves the items of the data directory over HTTP: large_image's REST API under /api/v1\n"
    "and the web pages. --port 0 picks a free port; the URL is printed once listening.\n"
    "\n"
    "settings (also valid as `key = value` lines in --config FILE):\n"
    "  --host H                 address to listen on (127.0.0.1)\n"
    "  --port P                 port (8080)\n"
    "  --data DIR               data directory with tessera.db (.tessera-data)\n"
    "  --web-root DIR           static web pages (the repository's web/)\n"
    "  --tile-cache-bytes N     tile cache size, e.g. 2GiB (1/8 of memory)\n"
    "  --source-memory-bytes N  memory budget of open sources (1/16 of memory)\n"
    "  --max-sources N          open sources kept (min(max-open-files, 1024))\n"
    "  --max-open-files N       file handles for sources (half of RLIMIT_NOFILE)\n"
    "  --io-threads N           HTTP threads (cores)\n"
    "  --workers N              tile production threads (2 x cores)\n"
    "  --max-queue N            queued tile work before 503 (4096)\n"
    "  --expensive-workers N    threads for regions, thumbnails, histograms (2 x cores)\n"
    "  --max-expensive N        such requests queued or running before 503 (64)\n"
    "  --max-output-pixels N    largest thumbnail/region output (67108864)\n"
    "  --max-decoded-bytes N    pixel bytes one region-sized request may decode (2GiB)\n"
    "  --max-image-side N       images with a longer side are refused on open (16777216)\n"
    "  --max-levels N           images with more levels are refused on open (32)\n"
    "  --max-frames N           images with more frames are refused on open (16384)\n"
    "  --file-check-interval-ms N  re-stat an item's file after N ms (1000; 0: every request)\n"
    "  --request-timeout-s N    close a connection whose request or response takes longer (60)\n"
    "  --max-header-bytes N     a request's header fields, else 431 (16KiB)\n"
    "  --max-body-bytes N       a request's body (one upload chunk), else 413 (128MiB)\n"
    "  --tile-cache-policy P    protect (active viewers' tiles and viewed images stay) or lru\n"
    "  --active-window-s N      a viewer and what it views are active this long (300)\n"
    "  --viewer-working-set-tiles N  tiles held per active viewer (128)\n"
    "  --log-level L            debug, info, warning, error, off (info)\n"
    "  --assetstore DIR         where uploads are stored (<data>/assetstore)\n"
    "  --admin-login L          the admin created on the first start (admin)\n"
    "  --admin-password P       its password (random, printed once, when not given)\n"
    "  --open-registration B    anyone may create an account (false: admins only)\n"
    "  --token-days N           a login's token lifetime (30)\n"
    "  --import-roots D1:D2     directories admins may import from over REST (none)\n"
    "  --max-upload-bytes N     the largest file one upload may declare (0: no limit)\n"
    "  --user-quota-bytes N     default quota of files + uploads in progress (0: none; admins\n"
    "                           exempt; PUT /user/{id}/quota sets a user's own)\n"
    "  --min-free-disk-bytes N  uploads leave this much free on the assetstore's disk (1GiB)\n"
    "  --max-thumbnail-files N  persisted thumbnails per item (10; 0: none)\n";

}  // namespace

int ServeCommand(const std::vector<std::string>& args) {
  std::vector<std::string> valued = SettingNames();
  valued.push_back("config");
  auto parsed = Parse(args, {}, valued);
  if (!parsed.ok()) return Fail(parsed.status().message() + "\n" + kServeHelp);
  if (parsed->help) {
    std::cout << kServeHelp;
    return 0;
  }
  if (!parsed->positional.empty()) return Fail("serve takes no positional arguments");
  Config config;
  if (auto file = Flag(*parsed, "config")) {
    Status s = ApplyConfigFile(*file, &config);
    if (!s.ok()) return Fail(s.message());
  }
  for (const auto& [k, v] : parsed->flags) {
    if (k == "config") continue;
    Status s = ApplySetting(k, v, &config);
    if (!s.ok()) return Fail(s.message());
  }
  SetLogLevel(config.log_level);
  RaiseOpenFileLimit();
  // A file-size limit (RLIMIT_FSIZE) makes a write fail with EFBIG, an upload's 507, rather
  // than kill the server.
  signal(SIGXFSZ, SIG_IGN);

  // SIGINT/SIGTERM end the server; block them here and wait for them on a thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto app = App::Create(config);
  if (!app.ok()) return Fail(app.status().message());
  Status started = (*app)->Start();
  if (!started.ok()) return Fail(started.message());
  const Config& c = (*app)->config();
  if (!(*app)->generated_admin_password().empty()) {
    // Printed once, on the start that created the admin; never logged or stored in clear.
    std::cout << "created the admin user '" << c.admin_login << "' with password "
              << (*app)->generated_admin_password() << std::endl;
  }
  std::cout << "tessera listening on " << (*app)->url() << std::endl;
  TS_LOG(kInfo) << "listening on " << (*app)->url() << " data=" << c.data_dir
                << " tile-cache-bytes=" << c.tile_cache_bytes << " max-sources=" << c.max_sources
                << " workers=" << c.workers;
  int sig = 0;
  sigwait(&signals, &sig);
  TS_LOG(kInfo) << "signal " << sig << ": draining (up to " << c.shutdown_grace_s << " s)";
  const int64_t left = (*app)->Drain();
  if (left > 0) TS_LOG(kWarning) << left << " requests still running after the grace period";
  (*app)->Stop();
  return 0;
}

int ImportCommand(const std::vector<std::string>& args) {
  static constexpr char kHelp[] =
      "usage: tessera import [--config FILE] [--data DIR] [--database URL] [--max-image-side N]\n"
      "                      [--max-levels N] [--max-frames N]\n"
      "                      [--folder ID | --collection NAME [--private]]\n"
      "                      PATH...\n"
      "\n"
      "Registers image files as items of the data directory, in place: nothing is copied, and\n"
      "no source is opened into a cache. A directory's contents are imported with its\n"
      "subdirectories as folders (files no format reads are skipped there). The items go to\n"
      "folder ID, or else to collection NAME (default \"Imported\", created public unless\n"
      "--private) / folder NAME. Prints one JSON line per file: {\"id\", \"name\", \"path\",\n"
      "\"folderId\", \"largeImage\", \"sourceName\", \"existing\"?, \"error\"?}. Exits 1 when\n"
      "a named file could not be imported. --database: the server's PostgreSQL database\n"
      "(default: SQLite in the data directory). A file becomes a large image only if it opens\n"
      "within the server's --max-image-side / --max-levels / --max-frames (16777216 / 32 /\n"
      "16384): give the server's values, or its --config FILE (data, database and those limits\n"
      "are read from it).\n";
  auto parsed = Parse(args, {"private"},
                      {"config", "data", "database", "max-image-side", "max-levels", "max-frames",
                       "folder", "collection"});
  if (!parsed.ok()) return Fail(parsed.status().message() + "\n" + kHelp);
  if (parsed->help) {
    std::cout << kHelp;
    return 0;
  }
  if (parsed->positional.empty()) return Fail(std::string("import needs a PATH\n") + kHelp);
  // The server's settings that matter here, as `tessera serve` reads them: the config file,
  // then the flags.
  Config config;
  if (auto file = Flag(*parsed, "config")) {
    if (Status s = ApplyConfigFile(*file, &config); !s.ok()) return Fail(s.message());
  }
  for (const char* key : {"data", "database", "max-image-side", "max-levels", "max-frames"}) {
    if (auto v = Flag(*parsed, key)) {
      if (Status s = ApplySetting(key, *v, &config); !s.ok()) return Fail(s.message());
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  auto store = OpenMetadataStore(config.database, DatabasePath(config.data_dir), 2);
  if (!store.ok()) return Fail(store.status().message());
  ImportOptions options;
  options.open = OpenLimits(config);
  if (auto folder = Flag(*parsed, "folder")) {
    options.folder_id = *folder;
  } else {
    auto f = DefaultImportFolder(**store, Flag(*parsed, "collection").value_or("Imported"),
                                 Flag(*parsed, "private").has_value());
    if (!f.ok()) return Fail(f.status().message());
    options.folder_id = f->id;
  }
  FormatRegistry registry = FormatRegistry::Default();
  bool failed = false;
  Status s =
      ImportPaths(**store, registry, parsed->positional, options, [&](const ImportResult& r) {
        nlohmann::ordered_json j;
        j["id"] =
            r.item.id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.item.id);
        j["name"] = r.item.name;
        j["path"] = r.path;
        j["folderId"] = r.item.folder_id;
        j["largeImage"] = !r.item.source_name.empty();
        j["sourceName"] = r.item.source_name;
        if (r.existing) j["existing"] = true;
        if (!r.error.empty()) j["error"] = r.error;
        if (r.item.id.empty()) failed = true;
        std::cout << j.dump() << std::endl;
      });
  if (!s.ok()) return Fail(s.message());
  return failed ? 1 : 0;
}

int InfoCommand(const std::vector<std::string>& args) {
  static constexpr char kHelp[] =
      "usage: tessera info FILE\n"
      "\n"
      "Opens FILE with the best reader and prints its metadata as JSON: large_image's\n"
      "metadata, the reader, which levels the file stores, level sizes, associated images and\n"
      "the format's properties.\n";
  auto parsed = Parse(args, {}, {});
  if (!parsed.ok()) return Fail(parsed.status().message() + "\n" + kHelp);
  if (parsed->help) {
    std::cout << kHelp;
    return 0;
  }
  if (parsed->positional.size() != 1) return Fail(std::string("info needs one FILE\n") + kHelp);
  FormatRegistry registry = FormatRegistry::Default();
  auto source = registry.Open(parsed->positional[0], OpenOptions());
  if (!source.ok()) return Fail(source.status().message());
  const TileSource& s = **source;
  nlohmann::ordered_json j = MetadataToJson(s.metadata());
  nlohmann::ordered_json t;
  t["sourceName"] = std::string(s.format_name());
  nlohmann::ordered_json levels = nlohmann::ordered_json::array();
  for (int z = 0; z < s.metadata().levels; ++z) {
    LevelSize size = s.GetLevelSize(z);
    levels.push_back({{"level", z},
                      {"width", size.width},
                      {"height", size.height},
                      {"stored", s.HasLevel(0, z)}});
  }
  t["levels"] = std::move(levels);
  t["frames"] = s.metadata().frame_count;
  t["associatedImages"] = s.AssociatedImageNames();
  nlohmann::ordered_json props = nlohmann::ordered_json::object();
  for (const auto& [k, v] : s.metadata().properties) props[k] = v;
  t["properties"] = std::move(props);
  j["tessera"] = std::move(t);
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  return 0;
}

int TileCommand(const std::vector<std::string>& args) {
  static constexpr char kHelp[] =
      "usage: tessera tile FILE Z X Y [-o OUT] [--frame F] [--encoding JPEG|PNG|WEBP|TIFF]\n"
      "                    [--edge crop|COLOUR] [--jpeg-quality Q]\n"
      "\n"
      "Writes one tile (large_image's z/x/y: level 0 is the whole image in one tile) through\n"
      "the same engine as the server: stored JPEG tiles are written as stored, missing levels\n"
      "are synthesized. Without -o the bytes go to standard output.\n";
  auto parsed = Parse(args, {}, {"o", "frame", "encoding", "edge", "jpeg-quality"});
  if (!parsed.ok()) return Fail(parsed.status().message() + "\n" + kHelp);
  if (parsed->help) {
    std::cout << kHelp;
    return 0;
  }
  if (parsed->positional.size() != 4) {
    return Fail(std::string("tile needs FILE Z X Y\n") + kHelp);
  }
  TileRequest r;
  auto z = ParseInt(parsed->positional[1]);
  auto x = ParseInt(parsed->positional[2]);
  auto y = ParseInt(parsed->positional[3]);
  if (!z || !x || !y || *z < 0 || *z > 1000) return Fail("Z X Y must be integers");
  r.level = static_cast<int>(*z);
  r.x = *x;
  r.y = *y;
  if (auto f = Flag(*parsed, "frame")) {
    auto v = ParseInt(*f);
    if (!v || *v < 0) return Fail("--frame must be a non-negative integer");
    r.frame = static_cast<int>(*v);
  }
  if (auto e = Flag(*parsed, "encoding")) {
    auto enc = ParseEncoding(*e);
    if (!enc.ok()) return Fail(enc.status().message());
    r.encode.encoding = *enc;
  }
  if (auto q = Flag(*parsed, "jpeg-quality")) {
    auto v = ParseInt(*q);
    if (!v || *v < 1 || *v > 100) return Fail("--jpeg-quality must be 1..100");
    r.encode.jpeg_quality = static_cast<int>(*v);
  }
  if (auto e = Flag(*parsed, "edge")) {
    auto edge = ParseEdge(*e);
    if (!edge.ok()) return Fail(edge.status().message());
    r.edge = *edge;
  }
  r.source.key = "cli";
  r.source.path = parsed->positional[0];
  FormatRegistry registry = FormatRegistry::Default();
  MemoryTileCache tiles(256 << 20);
  SourceCache sources(SourceCacheLimits{});
  TileService service(registry, tiles, sources);
  auto v = service.GetTile(r);
  if (!v.ok()) return Fail(v.status().message());
  const Bytes& bytes = (*v)->bytes;
  if (auto out = Flag(*parsed, "o")) {
    std::ofstream f(*out, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!f) return Fail("cannot write " + *out);
  } else {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  }
  return 0;
}

int RunCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& verb = args[0];
  if (verb == "serve") return ServeCommand(rest);
  if (verb == "import") return ImportCommand(rest);
  if (verb == "info") return InfoCommand(rest);
  if (verb == "tile") return TileCommand(rest);
  if (verb == "--version" || verb == "version") {
    std::cout << "tessera 0.1.0\n";
    return 0;
  }
  std::cerr << "tessera: unknown command '" << verb << "'\n" << kUsage;
  return 2;
}

}  // namespace tessera
