// Several Tessera nodes behind nginx, sharing PostgreSQL (metadata, tokens), a shared tile cache
// (memcached, or redis in the second variant) and an assetstore directory: all real servers,
// started here. An upload through one node is viewed through the others with the same bytes;
// a tile one node made is a hit on the next; a node that was never asked about an image never
// opens it; and killing a node under load through nginx loses no request nginx can retry.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/images.h"
#include "testing/memcached_server.h"
#include "testing/postgres_server.h"
#include "testing/redis_server.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int kNodes = 3;
constexpr char kAdminPassword[] = "multi-node-admin-pw";

Json JsonOf(const HttpResult& r) {
  auto j = Json::parse(r.body, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}

struct Node {
  ChildProcess process;
  uint16_t port = 0;
};

class MultiNodeTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    postgres_ = PostgresEnvironment::server();
    ASSERT_NE(postgres_, nullptr) << PostgresEnvironment::error();
    const std::string db = postgres_->CreateDatabase();
    ASSERT_FALSE(db.empty());
    std::string cache_address;
    if (GetParam() == "memcached") {
      memcached_ = std::make_unique<MemcachedServer>();
      MemcachedServer::Options o;
      o.item_max_bytes = 4 << 20;
      ASSERT_TRUE(memcached_->Start(o)) << memcached_->Log();
      cache_address = memcached_->address();
    } else {
      redis_ = std::make_unique<RedisServer>();
      ASSERT_TRUE(redis_->Start()) << redis_->Log();
      cache_address = redis_->address();
    }
    fs::create_directories(dir_.path() + "/assets");
    for (int i = 0; i < kNodes; ++i) {
      const std::string conf = dir_.path() + "/node" + std::to_string(i) + ".conf";
      std::ofstream(conf) << "database = " << postgres_->Url(db) << "\n"
                          << "cache-backend = " << GetParam() << "\n"
                          << "cache-servers = " << cache_address << "\n"
                          << "cache-namespace = multinode\n"
                          << "cache-item-max-bytes = 4MiB\n"
                          << "assetstore = " << dir_.path() << "/assets\n"
                          << "admin-password = " << kAdminPassword << "\n"
                          << "io-threads = 1\nworkers = 2\n"
                          << "log-level = warn\n"
                          << "min-free-disk-bytes = 0\n";  // nearly full test disks too
      nodes_[i] = std::make_unique<Node>();
      ASSERT_TRUE(StartNode(i, conf)) << nodes_[i]->process.Log();
    }
    StartNginx();
  }

  bool StartNode(int i, const std::string& conf) {
    Node& n = *nodes_[i];
    const std::string data = dir_.path() + "/node" + std::to_string(i);
    if (!n.process.Start({TESSERA_BINARY, "serve", "--port", "0", "--data", data, "--config", conf},
                         data + ".log")) {
      return false;
    }
    const std::string prefix = "tessera listening on http://127.0.0.1:";
    WaitUntil([&] {
      const std::string out = n.process.Log();
      const size_t at = out.rfind(prefix);
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        n.port = static_cast<uint16_t>(std::stoi(out.substr(at + prefix.size())));
      }
      return n.port != 0 || !n.process.running();
    });
    return n.port != 0;
  }

  void StartNginx() {
    const std::string conf_dir = dir_.path() + "/nginx";
    fs::create_directories(conf_dir);
    nginx_port_ = FreeTcpPort();
    std::string upstreams;
    for (int i = 0; i < kNodes; ++i) {
      upstreams += "    server 127.0.0.1:" + std::to_string(nodes_[i]->port) +
                   " max_fails=1 fail_timeout=30s;\n";
    }
    std::ofstream(conf_dir + "/nginx.conf")
        << (geteuid() == 0 ? "user root;\n" : "") << "worker_processes 1;\n"
        << "pid " << conf_dir << "/nginx.pid;\n"
        << "error_log " << conf_dir << "/error.log warn;\n"
        << "events { worker_connections 1024; }\n"
        << "http {\n"
        << "  access_log off;\n"
        << "  client_body_temp_path " << conf_dir << "/body;\n"
        << "  proxy_temp_path " << conf_dir << "/proxy;\n"
        << "  fastcgi_temp_path " << conf_dir << "/fastcgi;\n"
        << "  uwsgi_temp_path " << conf_dir << "/uwsgi;\n"
        << "  scgi_temp_path " << conf_dir << "/scgi;\n"
        << "  client_max_body_size 128m;\n"
        << "  upstream tessera {\n"
        << upstreams << "    keepalive 16;\n  }\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << nginx_port_ << ";\n"
        << "    location / {\n"
        << "      proxy_pass http://tessera;\n"
        << "      proxy_http_version 1.1;\n"
        << "      proxy_set_header Connection \"\";\n"
        << "      proxy_set_header Host $host;\n"
        << "      proxy_next_upstream error timeout http_502 http_503;\n"
        << "      proxy_next_upstream_tries 3;\n"
        << "      proxy_connect_timeout 2s;\n"
        << "    }\n  }\n}\n";
    ASSERT_TRUE(nginx_.Start({"nginx", "-p", conf_dir, "-c", conf_dir + "/nginx.conf", "-e",
                              conf_dir + "/error.log", "-g", "daemon off;"},
                             conf_dir + "/nginx.out"));
    ASSERT_TRUE(WaitUntil([&] { return TcpAccepts(nginx_port_) || !nginx_.running(); }));
    ASSERT_TRUE(nginx_.running()) << nginx_.Log();
  }

  uint16_t port(int i) const { return nodes_[i]->port; }

  // The node's source cache counters (GET /api/v1/large_image/cache, admin only).
  Json CacheInfo(int i, const std::string& token) {
    HttpClient c("127.0.0.1", port(i));
    return JsonOf(c.Get("/api/v1/large_image/cache", {{"Girder-Token", token}}));
  }

  TempDir dir_;
  PostgresServer* postgres_ = nullptr;
  std::unique_ptr<MemcachedServer> memcached_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Node> nodes_[kNodes];
  ChildProcess nginx_;
  uint16_t nginx_port_ = 0;
};

TEST_P(MultiNodeTest, UploadOnOneNodeViewOnAllSharedTilesAndANodeKilledUnderLoad) {
  // A login on node 0 is a session on every node (tokens live in PostgreSQL).
  std::string token;
  {
    HttpClient c("127.0.0.1", port(0));
    HttpResult login =
        c.Get("/api/v1/user/authentication",
              {{"Authorization", "Basic " + Base64Encode(std::string("admin:") + kAdminPassword)}});
    ASSERT_EQ(login.status, 200) << login.body;
    token = JsonOf(login)["authToken"]["token"];
  }
  const std::vector<std::pair<std::string, std::string>> auth = {{"Girder-Token", token}};
  for (int i = 0; i < kNodes; ++i) {
    HttpClient c("127.0.0.1", port(i));
    EXPECT_EQ(JsonOf(c.Get("/api/v1/user/me", auth))["login"], "admin") << "node " << i;
  }
  // Upload through node 1, in two chunks sent to two different nodes (the offset is shared).
  std::string folder;
  {
    HttpClient c("127.0.0.1", port(1));
    const std::string me = JsonOf(c.Get("/api/v1/user/me", auth))["_id"];
    for (const auto& f : JsonOf(c.Get("/api/v1/folder?parentType=user&parentId=" + me, auth))) {
      if (f["name"] == "Public") folder = f["_id"];
    }
  }
  ASSERT_FALSE(folder.empty());
  const int width = 1500, height = 1100;
  const std::string png = VipsEncode(Noise(width, height, 3, PixelType::kU8, 11), ".png");
  std::string upload;
  {
    HttpClient c("127.0.0.1", port(1));
    upload = JsonOf(c.Request("POST",
                              "/api/v1/file?parentType=folder&parentId=" + folder +
                                  "&name=shared.png&size=" + std::to_string(png.size()) +
                                  "&mimeType=image/png",
                              auth))["_id"];
    ASSERT_FALSE(upload.empty());
    HttpResult first =
        c.Request("POST", "/api/v1/file/chunk?uploadId=" + upload + "&offset=0",
                  {{"Girder-Token", token}, {"Content-Type", "application/octet-stream"}},
                  png.substr(0, png.size() / 2));
    ASSERT_EQ(first.status, 200) << first.body;
  }
  std::string item;
  {
    HttpClient c("127.0.0.1", port(2));
    EXPECT_EQ(JsonOf(c.Get("/api/v1/file/offset?uploadId=" + upload, auth))["offset"],
              png.size() / 2);
    HttpResult last = c.Request(
        "POST",
        "/api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(png.size() / 2),
        {{"Girder-Token", token}, {"Content-Type", "application/octet-stream"}},
        png.substr(png.size() / 2));
    ASSERT_EQ(last.status, 200) << last.body;
    item = JsonOf(last)["itemId"];
  }
  ASSERT_FALSE(item.empty());
  // Every node serves the file as the bytes sent.
  for (int i = 0; i < kNodes; ++i) {
    HttpClient c("127.0.0.1", port(i));
    Json files = JsonOf(c.Get("/api/v1/item/" + item + "/files", auth));
    ASSERT_EQ(files.size(), 1u) << "node " << i;
    EXPECT_EQ(c.Get("/api/v1/file/" + files[0]["_id"].get<std::string>() + "/download", auth).body,
              png)
        << "node " << i;
  }

  // Node 0 makes the tiles of the top level (a miss each), node 1 then hits every one of them in
  // the shared tier, byte for byte. The level is 0: its single tile holds the whole image.
  HttpClient n0("127.0.0.1", port(0)), n1("127.0.0.1", port(1));
  Json meta = JsonOf(n0.Get("/api/v1/item/" + item + "/tiles", auth));
  ASSERT_EQ(meta["sizeX"], width) << meta.dump();
  const int levels = meta["levels"];
  const int top = levels - 1;  // full resolution
  const int tile = meta["tileWidth"];
  const int nx = (width + tile - 1) / tile, ny = (height + tile - 1) / tile;
  std::vector<std::string> paths;
  for (int y = 0; y < ny; ++y) {
    for (int x = 0; x < nx; ++x) {
      paths.push_back("/api/v1/item/" + item + "/tiles/zxy/" + std::to_string(top) + "/" +
                      std::to_string(x) + "/" + std::to_string(y) + "?encoding=PNG");
    }
  }
  std::map<std::string, std::string> bytes;
  for (const std::string& p : paths) {
    HttpResult r = n0.Get(p, auth);
    ASSERT_EQ(r.status, 200) << p << " " << r.body;
    EXPECT_EQ(r.Header("x-cache"), "miss") << p;
    bytes[p] = r.body;
  }
  for (const std::string& p : paths) {
    HttpResult r = n1.Get(p, auth);
    ASSERT_EQ(r.status, 200) << p;
    EXPECT_EQ(r.Header("x-cache"), "hit") << p;
    EXPECT_EQ(r.body, bytes[p]) << p;
  }
  // And the pixels are the uploaded ones (libvips decodes both).
  {
    auto got = VipsDecode(bytes[paths[0]]);
    auto want = VipsDecode(png);
    ASSERT_TRUE(got.ok() && want.ok());
    Diff d = CompareImages(*got, *want, std::min(tile, width), std::min(tile, height), 3);
    EXPECT_EQ(d.max_abs, 0);
  }
  // Node 1 answered from the shared tier without opening the image; node 2 was never asked.
  EXPECT_EQ(CacheInfo(1, token)["tilesource"]["opens"], 0) << CacheInfo(1, token).dump();
  EXPECT_EQ(CacheInfo(2, token)["tilesource"]["opens"], 0);
  EXPECT_GE(CacheInfo(0, token)["tilesource"]["opens"], 1);

  // Load through nginx from four clients; node 2 is killed part way. nginx retries what the
  // dead node dropped on another node, so every request succeeds with the same bytes.
  std::vector<std::string> load = paths;
  for (int z = 0; z < top; ++z) {
    load.push_back("/api/v1/item/" + item + "/tiles/zxy/" + std::to_string(z) + "/0/0");
  }
  std::atomic<int> done{0}, failed{0}, mismatched{0};
  std::atomic<bool> killed{false};
  const int per_client = 150;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c("127.0.0.1", nginx_port_);
      for (int k = 0; k < per_client; ++k) {
        const std::string& p = load[(k * 7 + t) % load.size()];
        HttpResult r = c.Get(p, auth);
        if (r.connection_error) {  // nginx itself closed a keep-alive connection: retry once
          HttpClient fresh("127.0.0.1", nginx_port_);
          r = fresh.Get(p, auth);
        }
        if (r.status != 200) {
          ++failed;
        } else if (bytes.count(p) && r.body != bytes.at(p)) {
          ++mismatched;
        }
        if (++done == per_client && !killed.exchange(true)) nodes_[2]->process.Signal(SIGKILL);
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_TRUE(killed.load());
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_EQ(done.load(), 4 * per_client);
  nodes_[2]->process.Wait();
  // nginx did meet the dead node, and moved on (its error log names the failed upstream).
  std::ifstream nginx_errors(dir_.path() + "/nginx/error.log");
  std::stringstream errors;
  errors << nginx_errors.rdbuf();
  EXPECT_NE(errors.str().find("127.0.0.1:" + std::to_string(port(2))), std::string::npos)
      << errors.str();
  // The surviving nodes still answer, and stop cleanly.
  for (int i = 0; i < 2; ++i) {
    HttpClient c("127.0.0.1", port(i));
    EXPECT_EQ(c.Get("/api/v1/system/check").status, 200);
    EXPECT_EQ(nodes_[i]->process.Stop(), 0) << nodes_[i]->process.Log();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiNodeTest, testing::Values("memcached", "redis"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// One PostgreSQL server for the binary (gtest owns the environment).
testing::Environment* const postgres_env =
    testing::AddGlobalTestEnvironment(new PostgresEnvironment());

}  // namespace
}  // namespace tessera
