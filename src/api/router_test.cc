#include "api/router.h"

#include <gtest/gtest.h>

#include "api/status_http.h"

namespace tessera {
namespace {

TEST(RouterTest, CapturesAndMethodHandling) {
  Router router;
  router.Add("GET", "/api/v1/item/{id}/tiles/zxy/{z}/{x}/{y}", [](ApiRequest& r) {
    return HandlerResult(ApiResponse::Json(nlohmann::json{
        {"id", r.PathParam("id")}, {"z", r.PathParam("z")}, {"y", r.PathParam("y")}}));
  });
  ApiRequest ok;
  ok.method = "GET";
  ok.path = "/api/v1/item/abc/tiles/zxy/1/2/3";
  auto resp = router.Dispatch(ok).response;
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->BodyText(), R"({"id":"abc","y":"3","z":"1"})");

  ApiRequest head = ok;
  head.method = "HEAD";
  EXPECT_EQ(router.Dispatch(head).response->status, 200);

  ApiRequest post = ok;
  post.method = "POST";
  EXPECT_EQ(router.Dispatch(post).response->status, 405);

  ApiRequest missing;
  missing.method = "GET";
  missing.path = "/api/v1/nothing";
  auto nf = router.Dispatch(missing).response;
  EXPECT_EQ(nf->status, 404);
  auto j = nlohmann::json::parse(nf->BodyText());
  EXPECT_EQ(j["type"], "rest");
  EXPECT_NE(j["message"].get<std::string>().find("/api/v1/nothing"), std::string::npos);
}

TEST(StatusHttpTest, OneTable) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kOutOfRange), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnsupported), 415);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(ErrorTypeFor(StatusCode::kPermissionDenied), "access");
  auto r = ApiResponse::Error(NotFoundError("Invalid item id"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.BodyText(), R"({"message":"Invalid item id","type":"rest"})");
}

}  // namespace
}  // namespace tessera
