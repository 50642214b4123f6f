#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace tessera {
namespace {

std::string ContentTypeFor(const std::string& path) {
  std::string ext = ToLower(std::filesystem::path(path).extension().string());
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

ApiResponse ServeStaticFile(const std::string& web_root, const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    ApiResponse r = ApiResponse::Error(InvalidArgumentError("Method not allowed"));
    r.status = 405;
    return r;
  }
  std::string rel = request.path;
  if (rel.empty() || rel == "/") rel = "/index.html";
  // No way up, no hidden files, and the npm tree is not browsable (web/vendor/ links name the
  // few files the pages load from it).
  for (auto seg : Split(rel, '/')) {
    if (seg == ".." || (!seg.empty() && seg[0] == '.') || seg == "node_modules" ||
        seg == "package.json" || seg == "package-lock.json") {
      return ApiResponse::Error(NotFoundError("No such page: " + request.path));
    }
  }
  std::error_code ec;
  auto root = std::filesystem::weakly_canonical(web_root, ec);
  auto file = std::filesystem::weakly_canonical(root.string() + rel, ec);
  if (ec || file.string().rfind(root.string() + "/", 0) != 0 ||
      !std::filesystem::is_regular_file(file, ec)) {
    return ApiResponse::Error(NotFoundError("No such page: " + request.path));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  ApiResponse r = ApiResponse::Content(std::make_shared<const Bytes>(data.begin(), data.end()),
                                       ContentTypeFor(file.string()));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace tessera
