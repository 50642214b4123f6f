#include "http/request_target.h"

#include <optional>
#include <string>
#include <utility>

#include "core/strings.h"

namespace tessera {

bool ParseRequestTarget(std::string_view target, ApiRequest* out) {
  size_t q = target.find('?');
  auto path = UrlDecode(target.substr(0, q), /*plus_as_space=*/false);
  if (!path) return false;
  out->path = std::move(*path);
  if (q == std::string_view::npos) return true;
  for (auto part : Split(target.substr(q + 1), '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto key = UrlDecode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : UrlDecode(part.substr(eq + 1), true);
    if (!key || !value) return false;
    out->query.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

}  // namespace tessera
