#include "mattermost/api_error.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmclaw::mattermost {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using std::chrono::milliseconds;

constexpr TimeMs kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
const std::vector<std::string> kNoSecrets;

ApiError from(int status, std::string_view body, const Headers& headers = {},
              const std::vector<std::string>& secrets = kNoSecrets) {
  return api_error_from_response(status, headers, body, secrets, kNow);
}

TEST(ApiErrorTest, KindFollowsTheStatus) {
  struct Case {
    int status;
    ErrorKind kind;
  };
  const Case cases[] = {
      {400, ErrorKind::permanent}, {401, ErrorKind::auth},      {403, ErrorKind::permanent},
      {404, ErrorKind::not_found}, {405, ErrorKind::permanent}, {408, ErrorKind::transient},
      {409, ErrorKind::permanent}, {413, ErrorKind::permanent}, {429, ErrorKind::rate_limited},
      {500, ErrorKind::transient}, {501, ErrorKind::transient}, {502, ErrorKind::transient},
      {503, ErrorKind::transient}, {504, ErrorKind::transient}, {599, ErrorKind::transient},
      {304, ErrorKind::permanent}, {600, ErrorKind::permanent},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(error_kind_for_status(c.status), c.kind) << c.status;
    const auto e = from(c.status, "");
    EXPECT_EQ(e.error.kind, c.kind) << c.status;
    EXPECT_EQ(e.error.status, c.status);
    EXPECT_TRUE(e.has_response());
  }
}

TEST(ApiErrorTest, DecodesAppErrorBodies) {
  struct Case {
    int status;
    std::string_view body;
    std::string_view message;
    std::string_view id;
  };
  const Case cases[] = {
      {404,
       R"({"id":"app.post.get.app_error","message":"Unable to get the post.","detailed_error":"",)"
       R"("request_id":"ab3ncgmz4bd1zx8gpjbt3h8jcw","status_code":404})",
       "Mattermost API 404 Not Found: Unable to get the post.", "app.post.get.app_error"},
      {400,
       R"({"id":"api.post.create_post.root_id.app_error","message":"Invalid RootId parameter.",)"
       R"("request_id":"ab3ncgmz4bd1zx8gpjbt3h8jcw","status_code":400})",
       "Mattermost API 400 Bad Request: Invalid RootId parameter.", "api.post.create_post.root_id.app_error"},
      {403,
       R"({"id":"api.context.permissions.app_error",)"
       R"("message":"You do not have the appropriate permissions.",)"
       R"("request_id":"ab3ncgmz4bd1zx8gpjbt3h8jcw","status_code":403})",
       "Mattermost API 403 Forbidden: You do not have the appropriate permissions.",
       "api.context.permissions.app_error"},
      {503,
       R"({"id":"api.context.server_busy.app_error","message":"Server is busy",)"
       R"("request_id":"ab3ncgmz4bd1zx8gpjbt3h8jcw"})",
       "Mattermost API 503 Service Unavailable: Server is busy", "api.context.server_busy.app_error"},
  };
  for (const auto& c : cases) {
    const auto e = from(c.status, c.body);
    EXPECT_EQ(e.error.message, c.message);
    EXPECT_EQ(e.app_error_id, c.id);
    EXPECT_EQ(e.request_id, "ab3ncgmz4bd1zx8gpjbt3h8jcw");
    EXPECT_EQ(e.error.status, c.status);
  }
}

TEST(ApiErrorTest, DetailFallsBackToTheBodyTextThenUnknownError) {
  struct Case {
    int status;
    std::string_view body;
    std::string_view message;
  };
  const Case cases[] = {
      {500, R"({"id":"x.y","message":""})",
       R"(Mattermost API 500 Internal Server Error: {"id":"x.y","message":""})"},
      {500, "[1,2]", "Mattermost API 500 Internal Server Error: [1,2]"},
      {502, "upstream\r\n  went\taway\n", "Mattermost API 502 Bad Gateway: upstream went away"},
      {404, "", "Mattermost API 404 Not Found: unknown error"},
      {404, " \n\t", "Mattermost API 404 Not Found: unknown error"},
      {599, "", "Mattermost API 599: unknown error"},
      {429, "limit exceeded\n", "Mattermost API 429 Too Many Requests: limit exceeded"},
      {502,
       "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
       "</center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n",
       "Mattermost API 502 Bad Gateway: HTML error page: 502 Bad Gateway"},
      {504, "<!DOCTYPE html><html><body><p>The gateway timed out</p></body></html>",
       "Mattermost API 504 Gateway Timeout: HTML error page"},
      {503, "  <HTML><HEAD><TITLE>\n Service\n Unavailable </TITLE></HEAD></HTML>",
       "Mattermost API 503 Service Unavailable: HTML error page: Service Unavailable"},
  };
  for (const auto& c : cases) EXPECT_EQ(from(c.status, c.body).error.message, c.message) << c.body;
}

TEST(ApiErrorTest, LongDetailsAreCutOnACharacterBoundary) {
  const std::string long_text(2000, 'a');
  const auto e = from(500, long_text);
  const std::string prefix = "Mattermost API 500 Internal Server Error: ";
  EXPECT_EQ(e.error.message, prefix + std::string(kMaxErrorDetailBytes, 'a') + "\xE2\x80\xA6");

  // 511 ASCII bytes then a two-byte character: the cut must not split it.
  const std::string mixed = std::string(511, 'b') + "\xC3\xA9" + std::string(100, 'c');
  EXPECT_EQ(from(500, mixed).error.message, prefix + std::string(511, 'b') + "\xE2\x80\xA6");
}

TEST(ApiErrorTest, TokensAreRedacted) {
  const std::vector<std::string> secrets = {"tok3nsecretvalue42"};
  EXPECT_EQ(
      from(
          401,
          R"({"id":"api.context.session_expired.app_error","message":"Token tok3nsecretvalue42 is invalid"})",
          {}, secrets)
          .error.message,
      "Mattermost API 401 Unauthorized: Token *** is invalid");
  EXPECT_EQ(from(400, "bad request from tok3nsecretvalue42", {}, secrets).error.message,
            "Mattermost API 400 Bad Request: bad request from ***");
  // Credentials nobody registered are caught by the patterns.
  const auto echoed = from(400, "echo: Authorization: Bearer abcdefghijklmnopqrstuvwxyz").error.message;
  EXPECT_EQ(echoed.find("abcdefghijklmnopqrstuvwxyz"), std::string::npos) << echoed;
  EXPECT_NE(echoed.find("***"), std::string::npos) << echoed;
  const auto query = from(400, "GET /api/v4/users?access_token=s3cr3tt0k3nvalue failed").error.message;
  EXPECT_EQ(query.find("s3cr3tt0k3nvalue"), std::string::npos) << query;
  // An HTML title is redacted too.
  EXPECT_EQ(from(502, "<html><title>bad tok3nsecretvalue42</title></html>", {}, secrets).error.message,
            "Mattermost API 502 Bad Gateway: HTML error page: bad ***");
}

TEST(ApiErrorTest, BodyIsReadUpTo8KiBAndASecretCutThereIsStillRedacted) {
  const std::string secret = "tok3nsecretvalue42";
  const std::vector<std::string> secrets = {secret};
  // The 8 KiB cut leaves the first 6 characters of the secret at the end of the body.
  const std::string body = std::string(kMaxErrorBodyBytes - 6, ' ') + secret + " tail";
  EXPECT_EQ(from(500, body, {}, secrets).error.message, "Mattermost API 500 Internal Server Error: ***");
  // Beyond 8 KiB nothing is read.
  const std::string hidden = std::string(kMaxErrorBodyBytes, ' ') + "never shown";
  EXPECT_EQ(from(500, hidden).error.message, "Mattermost API 500 Internal Server Error: unknown error");
}

TEST(ApiErrorTest, RequestIdFallsBackToTheHeader) {
  const Headers headers = {{"X-Request-Id", " r3qu3st1d "}, {"X-Version-Id", "9.11.0"}};
  EXPECT_EQ(from(500, "oops", headers).request_id, "r3qu3st1d");
  EXPECT_EQ(from(500, R"({"message":"m","request_id":"fromjson"})", headers).request_id, "fromjson");
  EXPECT_EQ(from(500, "oops").request_id, "");
}

TEST(ApiErrorTest, RateLimitedResponsesCarryRetryAfter) {
  EXPECT_EQ(from(429, "limit exceeded", {{"Retry-After", "3"}}).retry_after, milliseconds(3000));
  EXPECT_EQ(from(429, "limit exceeded", {{"retry-after", "0"}}).retry_after, milliseconds(0));
  // 2023-11-14T22:13:25Z is 5 s after kNow.
  EXPECT_EQ(from(429, "", {{"Retry-After", "Tue, 14 Nov 2023 22:13:25 GMT"}}).retry_after,
            milliseconds(5000));
  EXPECT_EQ(from(429, "", {{"X-Ratelimit-Reset", "2"}, {"X-Ratelimit-Remaining", "0"}}).retry_after,
            milliseconds(2000));
  EXPECT_EQ(from(429, "", {{"Retry-After", "4"}, {"X-Ratelimit-Reset", "9"}}).retry_after,
            milliseconds(4000));
  EXPECT_EQ(from(429, "limit exceeded").retry_after, std::nullopt);
  EXPECT_EQ(from(429, "", {{"Retry-After", "soon"}}).retry_after, std::nullopt);
  EXPECT_EQ(from(503, "", {{"Retry-After", "3"}}).retry_after, std::nullopt);  // only read for 429
}

TEST(ApiErrorTest, TransportFailuresHaveNoStatusAndKeepTheirKind) {
  const std::vector<std::string> secrets = {"tok3nsecretvalue42"};
  const auto refused =
      api_error_from_transport(Error::transient("connect ECONNREFUSED 10.0.0.1:443"), secrets);
  EXPECT_EQ(refused.error.kind, ErrorKind::transient);
  EXPECT_EQ(refused.error.status, 0);
  EXPECT_FALSE(refused.has_response());
  EXPECT_EQ(refused.error.message, "Mattermost API request failed: connect ECONNREFUSED 10.0.0.1:443");
  const auto tls =
      api_error_from_transport(Error::permanent("TLS handshake failed for tok3nsecretvalue42@mm"), secrets);
  EXPECT_EQ(tls.error.kind, ErrorKind::permanent);
  EXPECT_EQ(tls.error.message, "Mattermost API request failed: TLS handshake failed for ***@mm");
}

TEST(ApiErrorTest, StatusIsReadOnlyAfterMattermostApi) {
  struct Case {
    std::string_view text;
    std::optional<int> want;
  };
  const Case cases[] = {
      {"Mattermost API 404 Not Found: x", 404},
      {"Error: mattermost api 503", 503},
      {"wrapped: Mattermost API 429: limit exceeded", 429},
      {"Mattermost API 4043 things", std::nullopt},
      {"Mattermost API 429_x", std::nullopt},
      {"Mattermost API 40", std::nullopt},
      {"connect ECONNREFUSED 10.0.0.1:443", std::nullopt},
      {"Mattermost API request failed: connect to mm.example.com:503 timed out", std::nullopt},
      {"status 500", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(status_from_error_text(c.text), c.want) << c.text;
}

TEST(ApiErrorTest, EveryStatusTheTextNamesInOrder) {
  EXPECT_EQ(statuses_in_error_text("Mattermost API 400 Bad Request: x; cause: Mattermost API 502 Bad Gateway"),
            (std::vector<int>{400, 502}));
  EXPECT_TRUE(statuses_in_error_text("connect ECONNREFUSED 10.0.0.1:443").empty());
  EXPECT_TRUE(statuses_in_error_text("Mattermost API 5030 or Mattermost API 50x").empty());
}

}  // namespace
}  // namespace mmclaw::mattermost
