#include "mattermost/api_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace mmclaw::mattermost {
namespace {

constexpr std::string_view kBase = "https://mm.example.com";

TEST(ApiUrlTest, JoinsBaseApiPrefixAndPath) {
  struct Case {
    std::string_view base;
    std::string_view path;
    std::string_view want;
  };
  const Case cases[] = {
      {kBase, "/users/me", "https://mm.example.com/api/v4/users/me"},
      {kBase, "users/me", "https://mm.example.com/api/v4/users/me"},
      {kBase, "/teams/t1/members?page=0&per_page=200",
       "https://mm.example.com/api/v4/teams/t1/members?page=0&per_page=200"},
      {"http://10.0.0.5:8065/mm", "/posts", "http://10.0.0.5:8065/mm/api/v4/posts"},
      {kBase, "", "https://mm.example.com/api/v4/"},
  };
  for (const auto& c : cases) {
    const auto url = api_url(c.base, c.path);
    ASSERT_TRUE(url.has_value()) << c.path;
    EXPECT_EQ(*url, c.want) << c.path;
  }
}

TEST(ApiUrlTest, RefusesUnsafePathSegments) {
  const std::string_view unsafe[] = {
      // The reference's examples.
      "../users/me", "%2e%2e/users/me", "..\\x", ".%0a.", "%",
      // The same tricks inside a real route.
      "/files/../users/me", "/files/%2E%2E", "/files/%2e%2E/users/me", "/files/..\\users", "/files/.%0A./me",
      "/files/%", "/files/%zz", "/files/%e", "/files/abc%2", ".", "/files/./x", "/files/%2e",
      // Separators and line breaks that only appear after decoding.
      "..%2fusers", "/files/..%2Fusers%2Fme", "/files/..%5Cusers", ".%09.", "/files/.%0d%0a.",
      // Raw tabs and line breaks are removed before splitting.
      ".\t.", "/files/.\r\n./me",
      // A decoded segment must be valid UTF-8 (decodeURIComponent fails otherwise).
      "/files/%ff", "/files/%C3", "/files/%ED%A0%80",
      // A query or fragment does not hide an unsafe path in front of it.
      "/files/..?x=1", "/files/../#frag"};
  for (const auto path : unsafe) {
    EXPECT_FALSE(is_safe_api_path(path)) << path;
    const auto url = api_url(kBase, path);
    ASSERT_FALSE(url.has_value()) << path;
    EXPECT_EQ(url.error().kind, ErrorKind::invalid_input) << path;
    EXPECT_EQ(url.error().status, 0);
    EXPECT_EQ(url.error().message, "Mattermost API path must not contain unsafe path segments") << path;
  }
}

TEST(ApiUrlTest, AcceptsOrdinaryPaths) {
  const std::string_view safe[] = {"/users/me",
                                   "/files/abcdefghijklmnopqrstuvwxyz/info",
                                   "/users/username/john.doe",
                                   "/files/...",
                                   "/files/.hidden",
                                   "/files/a..b",
                                   "/emoji/%2B1",
                                   "/users/username/%C3%A9mile",
                                   "/a//b/",
                                   "/posts/p1/thread?perPage=10&fromPost=../..",
                                   "/files/abc#/../..",
                                   "/channels/c1/posts?before=%"};
  for (const auto path : safe) EXPECT_TRUE(is_safe_api_path(path)) << path;
}

TEST(ApiUrlTest, EncodesPathSegmentsLikeEncodeUriComponent) {
  struct Case {
    std::string_view in;
    std::string_view want;
  };
  const Case cases[] = {
      {"abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz"},
      {"john.doe", "john.doe"},
      {"town-square_2", "town-square_2"},
      {"-_.!~*'()", "-_.!~*'()"},
      {"a b", "a%20b"},
      {"+1", "%2B1"},
      {"a/b", "a%2Fb"},
      {"a\\b", "a%5Cb"},
      {"x?y#z&w=1", "x%3Fy%23z%26w%3D1"},
      {"%", "%25"},
      {"é", "%C3%A9"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(encode_path_segment(c.in), c.want) << c.in;
  // An encoded dot segment stays a dot segment and is still refused by the path check.
  EXPECT_FALSE(api_url(kBase, "/users/username/" + encode_path_segment("..")).has_value());
  // So is one hidden behind an encoded separator: decoded pieces are checked too.
  EXPECT_FALSE(api_url(kBase, "/users/username/" + encode_path_segment("../users/me")).has_value());
  EXPECT_EQ(*api_url(kBase, "/users/username/" + encode_path_segment("john.doe")),
            "https://mm.example.com/api/v4/users/username/john.doe");
}

TEST(ApiUrlTest, RecognisesMattermostIds) {
  EXPECT_TRUE(is_mattermost_id("ab3ncgmz4bd1zx8gpjbt3h8jcw"));
  EXPECT_TRUE(is_mattermost_id("00000000000000000000000000"));
  EXPECT_FALSE(is_mattermost_id("ab3ncgmz4bd1zx8gpjbt3h8jc"));    // 25
  EXPECT_FALSE(is_mattermost_id("ab3ncgmz4bd1zx8gpjbt3h8jcwx"));  // 27
  EXPECT_FALSE(is_mattermost_id("Ab3ncgmz4bd1zx8gpjbt3h8jcw"));   // upper case
  EXPECT_FALSE(is_mattermost_id("ab3ncgmz4bd1zx8gpjbt3h8jc-"));
  EXPECT_FALSE(is_mattermost_id("../users/me/aaaaaaaaaaaaaa"));
  EXPECT_FALSE(is_mattermost_id(""));
}

TEST(ApiUrlTest, RouteTemplatesHideIdsNamesAndQueries) {
  EXPECT_EQ(route_template("/posts"), "/posts");
  EXPECT_EQ(route_template("/users/me"), "/users/me");
  EXPECT_EQ(route_template("/posts/abcdefghijklmnopqrstuvwxyz/patch"), "/posts/{id}/patch");
  EXPECT_EQ(route_template("/channels/abcdefghijklmnopqrstuvwxyz/posts?since=5&per_page=200"), "/channels/{id}/posts");
  EXPECT_EQ(route_template("/users/username/alice"), "/users/username/{username}");
  EXPECT_EQ(route_template("/teams/abcdefghijklmnopqrstuvwxyz/channels/name/town-square"),
            "/teams/{id}/channels/name/{name}");
  EXPECT_EQ(route_template("/users/abcdefghijklmnopqrstuvwxyz/posts/bbbbbbbbbbbbbbbbbbbbbbbbbb/reactions/thumbsup"),
            "/users/{id}/posts/{id}/reactions/{emoji}");
  EXPECT_EQ(route_template("/users/email/a@example.com"), "/users/email/{email}");
  EXPECT_EQ(route_template(""), "");
}

TEST(ApiUrlTest, BuildsTheWebSocketUrl) {
  struct Case {
    std::string_view base;
    std::optional<WebSocketResume> resume;
    std::string_view want;
  };
  const Case cases[] = {
      {"https://mm.example.com", std::nullopt, "wss://mm.example.com/api/v4/websocket"},
      {"http://127.0.0.1:8065", std::nullopt, "ws://127.0.0.1:8065/api/v4/websocket"},
      {"HTTPS://mm.example.com/chat", std::nullopt, "wss://mm.example.com/chat/api/v4/websocket"},
      {"https://mm.example.com", WebSocketResume{"ab3ncgmz4bd1zx8gpjbt3h8jcw", 42},
       "wss://mm.example.com/api/v4/websocket?connection_id=ab3ncgmz4bd1zx8gpjbt3h8jcw&sequence_number=42"},
      {"https://mm.example.com", WebSocketResume{"a&b=c", 0},
       "wss://mm.example.com/api/v4/websocket?connection_id=a%26b%3Dc&sequence_number=0"},
      {"https://mm.example.com", WebSocketResume{"", 7}, "wss://mm.example.com/api/v4/websocket"},
  };
  for (const auto& c : cases) {
    const auto url = websocket_url(c.base, c.resume);
    ASSERT_TRUE(url.has_value()) << c.base;
    EXPECT_EQ(*url, c.want);
  }
  for (const std::string_view bad : {"ftp://mm.example.com", "mm.example.com", "", "httpx://a"}) {
    const auto url = websocket_url(bad);
    ASSERT_FALSE(url.has_value()) << bad;
    EXPECT_EQ(url.error().kind, ErrorKind::invalid_input);
    EXPECT_EQ(url.error().message, "Mattermost base URL must start with http:// or https://");
  }
}

}  // namespace
}  // namespace mmclaw::mattermost
