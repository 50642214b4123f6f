#include "cache/redis_tile_cache.h"

#include <hiredis/hiredis.h>

#include <atomic>
#include <cstdlib>

namespace tessera {
namespace {

using Result = SharedStore::Result;

struct Connection {
  redisContext* ctx = nullptr;
  ~Connection() {
    if (ctx) redisFree(ctx);
  }
};

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisStore final : public SharedStore {
 public:
  explicit RedisStore(const SharedTileCacheOptions& o)
      : options_(o), pool_(o.max_idle_connections), prefix_(o.name_space + ":") {}
  ~RedisStore() override { pool_.Drain(); }

  const char* name() const override { return "redis"; }
  std::string KeyPrefix() const override { return prefix_; }

  Result Get(std::string_view key, const Visitor& found, std::string* error) override {
    const char* argv[] = {"GET", key.data()};
    const size_t lens[] = {3, key.size()};
    return Command(2, argv, lens, error, [&](redisReply* r) {
      if (r->type == REDIS_REPLY_NIL) return Result::kMiss;
      if (r->type != REDIS_REPLY_STRING) return Unexpected(r, error);
      found(std::string_view(r->str, r->len));
      return Result::kOk;
    });
  }

  Result MultiGet(const std::vector<std::string>& keys,
                  const std::function<void(size_t, std::string_view)>& found,
                  std::string* error) override {
    std::vector<const char*> argv{"MGET"};
    std::vector<size_t> lens{4};
    for (const std::string& k : keys) {
      argv.push_back(k.data());
      lens.push_back(k.size());
    }
    return Command(static_cast<int>(argv.size()), argv.data(), lens.data(), error,
                   [&](redisReply* r) {
                     if (r->type != REDIS_REPLY_ARRAY) return Unexpected(r, error);
                     for (size_t i = 0; i < r->elements && i < keys.size(); ++i) {
                       const redisReply* e = r->element[i];
                       if (e->type == REDIS_REPLY_STRING)
                         found(i, std::string_view(e->str, e->len));
                     }
                     return Result::kOk;
                   });
  }

  Result Set(std::string_view key, std::string_view value, int ttl_s, std::string* error) override {
    const std::string ttl = std::to_string(ttl_s);
    const char* argv[] = {"SET", key.data(), value.data(), "EX", ttl.c_str()};
    const size_t lens[] = {3, key.size(), value.size(), 2, ttl.size()};
    return Command(ttl_s > 0 ? 5 : 3, argv, lens, error, [&](redisReply* r) {
      return r->type == REDIS_REPLY_STATUS ? Result::kOk : Unexpected(r, error);
    });
  }

  Result Delete(std::string_view key, std::string* error) override {
    const char* argv[] = {"UNLINK", key.data()};
    const size_t lens[] = {6, key.size()};
    return Command(2, argv, lens, error, [&](redisReply* r) {
      return r->type == REDIS_REPLY_INTEGER ? Result::kOk : Unexpected(r, error);
    });
  }

  Result Clear(std::string* error) override {
    const std::string match = prefix_ + "*";
    std::string cursor = "0";
    do {
      std::vector<std::string> found;
      const char* argv[] = {"SCAN", cursor.c_str(), "MATCH", match.c_str(), "COUNT", "1000"};
      const size_t lens[] = {4, cursor.size(), 5, match.size(), 5, 4};
      Result r = Command(6, argv, lens, error, [&](redisReply* reply) {
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[1]->type != REDIS_REPLY_ARRAY) {
          return Unexpected(reply, error);
        }
        cursor.assign(reply->element[0]->str, reply->element[0]->len);
        const redisReply* keys = reply->element[1];
        for (size_t i = 0; i < keys->elements; ++i) {
          found.emplace_back(keys->element[i]->str, keys->element[i]->len);
        }
        return Result::kOk;
      });
      if (r != Result::kOk) return r;
      if (found.empty()) continue;
      std::vector<const char*> uargv{"UNLINK"};
      std::vector<size_t> ulens{6};
      for (const std::string& k : found) {
        uargv.push_back(k.data());
        ulens.push_back(k.size());
      }
      r = Command(static_cast<int>(uargv.size()), uargv.data(), ulens.data(), error,
                  [&](redisReply* reply) {
                    return reply->type == REDIS_REPLY_INTEGER ? Result::kOk
                                                              : Unexpected(reply, error);
                  });
      if (r != Result::kOk) return r;
    } while (cursor != "0");
    return Result::kOk;
  }

  uint64_t connects() const override { return connects_.load(); }

 private:
  static Result Unexpected(const redisReply* r, std::string* error) {
    *error = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len)
                                          : "unexpected reply type " + std::to_string(r->type);
    return Result::kError;
  }

  std::unique_ptr<Connection> Connect(std::string* error) {
    struct timeval tv;
    tv.tv_sec = options_.timeout_ms / 1000;
    tv.tv_usec = (options_.timeout_ms % 1000) * 1000;
    const std::string& s = options_.servers.front();
    auto c = std::make_unique<Connection>();
    if (s.front() == '/') {
      c->ctx = redisConnectUnixWithTimeout(s.c_str(), tv);
    } else {
      const size_t colon = s.rfind(':');
      std::string host = s.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      c->ctx = redisConnectWithTimeout(host.c_str(), std::atoi(s.c_str() + colon + 1), tv);
    }
    if (!c->ctx || c->ctx->err) {
      *error = c->ctx ? std::string("connect: ") + c->ctx->errstr : "connect: out of memory";
      return nullptr;
    }
    redisSetTimeout(c->ctx, tv);
    connects_.fetch_add(1, std::memory_order_relaxed);
    if (!options_.password.empty()) {
      Reply r;
      if (options_.username.empty()) {
        r.reset(
            static_cast<redisReply*>(redisCommand(c->ctx, "AUTH %s", options_.password.c_str())));
      } else {
        r.reset(static_cast<redisReply*>(redisCommand(
            c->ctx, "AUTH %s %s", options_.username.c_str(), options_.password.c_str())));
      }
      if (!r || r->type == REDIS_REPLY_ERROR) {
        *error =
            r ? "AUTH: " + std::string(r->str, r->len) : std::string("AUTH: ") + c->ctx->errstr;
        return nullptr;
      }
    }
    return c;
  }

  // Sends one command on a pooled connection and hands the reply to `handle`. A connection
  // whose I/O failed is dropped; an error reply (the server said no) keeps it.
  template <typename Handle>
  Result Command(int argc, const char** argv, const size_t* lens, std::string* error,
                 Handle handle) {
    std::unique_ptr<Connection> c = pool_.Take();
    if (!c) {
      c = Connect(error);
      if (!c) return Result::kError;
    }
    Reply reply(static_cast<redisReply*>(redisCommandArgv(c->ctx, argc, argv, lens)));
    if (!reply) {
      *error = c->ctx->errstr[0] ? c->ctx->errstr : "connection lost";
      return Result::kError;
    }
    Result r = handle(reply.get());
    pool_.Give(std::move(c));
    return r;
  }

  const SharedTileCacheOptions options_;
  ConnectionPool<Connection> pool_;
  const std::string prefix_;
  std::atomic<uint64_t> connects_{0};
};

}  // namespace

StatusOr<std::unique_ptr<SharedTileCache>> OpenRedisTileCache(
    const SharedTileCacheOptions& options) {
  TS_RETURN_IF_ERROR(ValidateSharedTileCacheOptions(options));
  if (options.servers.size() != 1) {
    return InvalidArgumentError("cache-servers: redis takes one server (standalone), got " +
                                std::to_string(options.servers.size()));
  }
  auto store = std::make_unique<RedisStore>(options);
  return std::make_unique<SharedTileCache>(std::move(store), options);
}

}  // namespace tessera
