// Routing, authentication, common headers and error bodies.

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelRouting : public ModelTest {};

TEST_F(ModelRouting, PingNeedsNoAuthAndHasTheStandardHeaders) {
  RestResult result = get("/api/v4/system/ping", "");
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(body_of(result), json::parse(R"({"ActiveSearchBackend":"database","AndroidLatestVersion":"",
      "AndroidMinVersion":"","IosLatestVersion":"","IosMinVersion":"","status":"OK"})"));
  EXPECT_TRUE(is_valid_id(result.response.header("X-Request-Id")));
  EXPECT_EQ(result.response.header("x-version-id"), "10.5.0.10.5.0.4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e.false");
  EXPECT_EQ(result.response.header("X-Version-Id"), model_.version_string());
  EXPECT_EQ(result.response.header("Content-Type"), "application/json");
  EXPECT_EQ(result.response.header("Expires"), "0");
  EXPECT_TRUE(result.events.empty());
  EXPECT_FALSE(result.call.has_value());

  json::value full = body_of(get("/api/v4/system/ping?get_server_status=true", ""));
  EXPECT_EQ(full.at("database_status"), "OK");
  EXPECT_EQ(full.at("filestore_status"), "OK");
}

TEST_F(ModelRouting, EveryResponseHasItsOwnRequestId) {
  RestResult first = get("/api/v4/users/me");
  RestResult second = get("/api/v4/users/me");
  EXPECT_NE(first.response.header("X-Request-Id"), second.response.header("X-Request-Id"));
  EXPECT_TRUE(is_valid_id(second.response.header("X-Request-Id")));
  EXPECT_EQ(post("/api/v4/posts", json::object{{"channel_id", kTownSquare}, {"message", "x"}})
                .response.header("Expires"),
            "");
}

TEST_F(ModelRouting, UnknownRoutesAndMethodsAre404) {
  expect_app_error(get("/api/v4/nothing/here"), 404, "api.context.404.app_error");
  expect_app_error(get("/api/v4/nothing/here", ""), 404, "api.context.404.app_error");
  expect_app_error(get("/api/v3/users/me"), 404, "api.context.404.app_error");
  expect_app_error(get("/api/v4/users/me/"), 404, "api.context.404.app_error");
  expect_app_error(get("/api/v4/"), 404, "api.context.404.app_error");
  expect_app_error(call("PATCH", "/api/v4/users/me"), 404, "api.context.404.app_error");
  expect_app_error(call("DELETE", "/api/v4/system/ping"), 404, "api.context.404.app_error");
  expect_app_error(get("/api/v4/posts"), 404, "api.context.404.app_error");
  // Path parameter patterns: ids are [A-Za-z0-9]+.
  expect_app_error(get("/api/v4/users/not-an-id"), 404, "api.context.404.app_error");
  expect_app_error(get(""), 404, "api.context.404.app_error");
}

TEST_F(ModelRouting, AuthenticationFailuresAre401) {
  expect_app_error(get("/api/v4/users/me", ""), 401, "api.context.session_expired.app_error");
  expect_app_error(get("/api/v4/users/me", "wrongtoken"), 401, "api.context.session_expired.app_error");
  expect_app_error(call("GET", "/api/v4/users/me", {}, "", {{"authorization", "Basic abc"}}), 401,
                   "api.context.session_expired.app_error");
  expect_app_error(call("GET", "/api/v4/users/me", {}, "", {{"authorization", "Bearer"}}), 401,
                   "api.context.session_expired.app_error");
}

TEST_F(ModelRouting, BearerAndTokenSchemesAreCaseInsensitive) {
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "Token ", "token "}) {
    RestResult result = call("GET", "/api/v4/users/me", {}, "",
                             {{"authorization", std::string(scheme) + std::string(kBobToken)}});
    EXPECT_EQ(result.response.status, 200) << scheme;
    EXPECT_EQ(body_of(result).at("id"), kBob) << scheme;
  }
}

TEST_F(ModelRouting, TokensInTheQueryStringAreRefused) {
  expect_app_error(get("/api/v4/users/me?access_token=" + std::string(kAliceToken), ""), 401,
                   "api.context.token_provided.app_error");
  expect_app_error(get("/api/v4/users/me?access_token=bogus", ""), 401,
                   "api.context.session_expired.app_error");
  // A header wins over the query string.
  EXPECT_EQ(get("/api/v4/users/me?access_token=bogus").response.status, 200);
}

TEST_F(ModelRouting, RevokedAndAddedTokens) {
  EXPECT_TRUE(model_.revoke_token(kBobToken));
  EXPECT_FALSE(model_.revoke_token(kBobToken));
  expect_app_error(get("/api/v4/users/me", kBobToken), 401, "api.context.session_expired.app_error");
  EXPECT_FALSE(model_.user_for_token(kBobToken).has_value());
  auto added = model_.add_token(kBob);
  ASSERT_TRUE(added);
  EXPECT_TRUE(is_valid_id(*added));
  EXPECT_EQ(body_of(get("/api/v4/users/me", *added)).at("username"), "bob");
  EXPECT_FALSE(model_.add_token(kBob, *added));
  EXPECT_FALSE(model_.add_token("nosuchuser00000000000000000"));
  auto named = model_.add_token(kBob, "bobsecond");
  ASSERT_TRUE(named);
  EXPECT_EQ(*named, "bobsecond");
  EXPECT_EQ(model_.tokens_of(kBob).size(), 2u);
}

TEST_F(ModelRouting, BadPathIdsAndBodies) {
  expect_app_error(get("/api/v4/users/abc"), 400, "api.context.invalid_url_param.app_error");
  expect_app_error(get("/api/v4/channels/abc"), 400, "api.context.invalid_url_param.app_error");
  expect_app_error(call("POST", "/api/v4/posts", "{not json"), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/posts", "[1,2]"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/posts", R"({"channel_id": 5})"), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/users/ids", "{}"), 400, "api.context.invalid_body_param.app_error");
  RestResult result = call("POST", "/api/v4/posts", "");
  expect_app_error(result, 400, "api.context.invalid_body_param.app_error");
  EXPECT_EQ(body_of(result).at("message"), "Invalid or missing post in request body.");
}

TEST_F(ModelRouting, ErrorBodyHasTheExactShape) {
  RestResult result = get("/api/v4/users/me", "");
  EXPECT_EQ(body_of(result),
            (json::value(json::object{{"id", "api.context.session_expired.app_error"},
                                      {"message", "Invalid or expired session, please login again."},
                                      {"detailed_error", ""},
                                      {"request_id", result.response.header("X-Request-Id")},
                                      {"status_code", 401}})));
}

TEST_F(ModelRouting, ControlMutationsAndPercentEncodedPaths) {
  ASSERT_TRUE(model_.set_user_update_at(kBob, 5));
  EXPECT_EQ(model_.find_user(kBob)->update_at, 5);
  EXPECT_FALSE(model_.set_user_update_at("nosuchuser", 5));
  EXPECT_EQ(get("/api/v4/users/username/%61lice").response.status, 200);
}

}  // namespace
}  // namespace mmsim::test
