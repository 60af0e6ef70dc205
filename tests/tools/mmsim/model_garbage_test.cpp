// Robustness: random bytes and random JSON at every route, with every kind of caller. The model
// must answer each request with a well-formed response and never an internal error.

#include <random>

#include "model_support.hpp"

namespace mmsim::test {
namespace {

const std::vector<std::pair<std::string, std::string>> kRoutes = {
    {"GET", "/api/v4/system/ping"},
    {"GET", "/api/v4/users/{user}"},
    {"GET", "/api/v4/users/username/{name}"},
    {"POST", "/api/v4/users/ids"},
    {"POST", "/api/v4/users/usernames"},
    {"POST", "/api/v4/users/search"},
    {"GET", "/api/v4/users/{user}/teams"},
    {"GET", "/api/v4/users/{user}/teams/members"},
    {"GET", "/api/v4/users/{user}/channels"},
    {"GET", "/api/v4/users/{user}/teams/{team}/channels"},
    {"POST", "/api/v4/users/{user}/typing"},
    {"GET", "/api/v4/teams/{team}"},
    {"GET", "/api/v4/teams/name/{name}"},
    {"GET", "/api/v4/teams/{team}/members"},
    {"POST", "/api/v4/teams/{team}/members"},
    {"GET", "/api/v4/teams/{team}/channels/name/{name}"},
    {"GET", "/api/v4/teams/name/{name}/channels/name/{name}"},
    {"GET", "/api/v4/channels/{channel}"},
    {"POST", "/api/v4/channels/direct"},
    {"POST", "/api/v4/channels/group"},
    {"GET", "/api/v4/channels/{channel}/members"},
    {"GET", "/api/v4/channels/{channel}/members/{user}"},
    {"POST", "/api/v4/channels/{channel}/members"},
    {"DELETE", "/api/v4/channels/{channel}/members/{user}"},
    {"POST", "/api/v4/channels/members/{user}/view"},
    {"GET", "/api/v4/channels/{channel}/posts"},
    {"POST", "/api/v4/posts"},
    {"GET", "/api/v4/posts/{post}"},
    {"PUT", "/api/v4/posts/{post}"},
    {"PUT", "/api/v4/posts/{post}/patch"},
    {"DELETE", "/api/v4/posts/{post}"},
    {"GET", "/api/v4/posts/{post}/thread"},
    {"POST", "/api/v4/posts/ids"},
    {"POST", "/api/v4/reactions"},
    {"DELETE", "/api/v4/users/{user}/posts/{post}/reactions/{emoji}"},
    {"GET", "/api/v4/posts/{post}/reactions"},
    {"POST", "/api/v4/files"},
    {"GET", "/api/v4/files/{file}"},
    {"GET", "/api/v4/files/{file}/info"},
    {"GET", "/api/v4/commands"},
    {"POST", "/api/v4/commands"},
    {"GET", "/api/v4/commands/{command}"},
    {"PUT", "/api/v4/commands/{command}"},
    {"DELETE", "/api/v4/commands/{command}"},
    {"PUT", "/api/v4/commands/{command}/regen_token"},
    {"POST", "/api/v4/commands/execute"},
    {"POST", "/api/v4/posts/{post}/actions/{action}"},
    {"POST", "/hooks/commands/{hook}"},
};

class Garbage {
 public:
  explicit Garbage(std::uint32_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  std::string bytes(std::size_t max) {
    std::string out(below(max + 1), '\0');
    for (char& c : out) c = static_cast<char>(below(256));
    return out;
  }

  std::string word() {
    static const std::vector<std::string> kWords = {"",
                                                    "me",
                                                    "x",
                                                    "town-square",
                                                    "eng",
                                                    "alice",
                                                    "+1",
                                                    "%",
                                                    "%2F",
                                                    "..",
                                                    "approve",
                                                    std::string(300, 'a'),
                                                    "zzzzzzzzzzzzzzzzzzzzzzzzzz",
                                                    "@alice",
                                                    "@channel",
                                                    "/deploy",
                                                    "/deploy prod",
                                                    "~ops",
                                                    "#tag",
                                                    "\xc3\xa9",
                                                    "\xff\xfe",
                                                    "null",
                                                    "system_join_channel",
                                                    "custom_x",
                                                    "in_channel",
                                                    "ephemeral",
                                                    "https://bot.example.com/x",
                                                    "P",
                                                    "G",
                                                    "select",
                                                    "button",
                                                    "-1",
                                                    "99999999999999999999"};
    if (below(4) == 0) return bytes(30);
    return pick(kWords);
  }

  // A value biased towards the fields and ids the routes understand.
  json::value value(int depth) {
    switch (below(depth > 3 ? 6 : 9)) {
      case 0: return nullptr;
      case 1: return below(2) == 0;
      case 2: return static_cast<std::int64_t>(below(5)) - 2 + (below(3) == 0 ? kT0 : 0);
      case 3: return 1.5;
      case 4: return json::string(pick(ids_));
      case 5: return json::string(word());
      case 6: {
        json::array array;
        for (std::size_t i = below(4); i > 0; --i) array.push_back(value(depth + 1));
        return array;
      }
      default: {
        json::object object;
        for (std::size_t i = below(6); i > 0; --i) object[pick(keys_)] = value(depth + 1);
        return object;
      }
    }
  }

  std::string body() {
    switch (below(5)) {
      case 0: return bytes(64);
      case 1: return "";
      case 2: return std::string(below(100) + 1, '[');
      default: return json::serialize(value(0));
    }
  }

  std::string fill(std::string path) {
    for (std::size_t open = path.find('{'); open != std::string::npos; open = path.find('{')) {
      const std::size_t close = path.find('}', open);
      const std::string kind = path.substr(open + 1, close - open - 1);
      std::string replacement;
      switch (below(4)) {
        case 0: replacement = word(); break;
        case 1: replacement = "me"; break;
        default: replacement = kind == "name" ? pick(names_) : kind == "emoji" ? "+1" : pick(ids_);
      }
      path.replace(open, close - open + 1, replacement);
    }
    return path;
  }

  std::string query() {
    static const std::vector<std::string> kQueries = {
        "",
        "page=1&per_page=2",
        "per_page=-5",
        "since=1",
        "since=abc",
        "before=zzzzzzzzzzzzzzzzzzzzzzzzzz",
        "after=" + std::string(kTownSquare),
        "perPage=2&direction=up&fromCreateAt=99",
        "perPage=900",
        "fromPost=x",
        "include_deleted=true",
        "custom_only=true&team_id=" + std::string(kEng),
        "team_id=" + std::string(kEng),
        "channel_id=" + std::string(kBuildAlerts) + "&filename=a.png",
        "access_token=" + std::string(kAliceToken),
        "set_online=maybe",
        "download=1",
        "%zz=%",
        "skipFetchThreads=true"};
    return below(5) == 0 ? bytes(20) : pick(kQueries);
  }

  void remember(const std::string& id) {
    if (is_valid_id(id) && std::find(ids_.begin(), ids_.end(), id) == ids_.end()) ids_.push_back(id);
  }

  std::mt19937 rng_;
  std::vector<std::string> ids_ = {
      std::string(kAlice), std::string(kBob),        std::string(kBot),
      std::string(kEng),   std::string(kTownSquare), std::string(kBuildAlerts),
      std::string(kOps),   std::string(kDave),       "zzzzzzzzzzzzzzzzzzzzzzzzzz"};
  std::vector<std::string> names_ = {"eng", "other", "town-square", "ops", "alice", "nope"};
  std::vector<std::string> keys_ = {"channel_id",
                                    "message",
                                    "root_id",
                                    "props",
                                    "file_ids",
                                    "user_id",
                                    "post_id",
                                    "emoji_name",
                                    "team_id",
                                    "trigger",
                                    "url",
                                    "method",
                                    "command",
                                    "update",
                                    "attachments",
                                    "actions",
                                    "integration",
                                    "id",
                                    "type",
                                    "pending_post_id",
                                    "user_ids",
                                    "term",
                                    "parent_id",
                                    "is_pinned",
                                    "context",
                                    "selected_option",
                                    "create_at",
                                    "auto_complete",
                                    "response_type",
                                    "text",
                                    "extra_responses",
                                    "ephemeral_text",
                                    "limit",
                                    "post_root_id",
                                    "prev_channel_id"};
};

class ModelGarbage : public ModelTest {
 protected:
  void check(const RestResult& result, const std::string& what) {
    const RestResponse& response = result.response;
    if (result.call) {
      EXPECT_EQ(response.status, 0) << what;
      EXPECT_FALSE(result.call->url.empty()) << what;
      return;
    }
    ASSERT_GE(response.status, 200) << what;
    ASSERT_LT(response.status, 600) << what;
    EXPECT_NE(response.status, 500) << what << "\n" << response.body;
    EXPECT_TRUE(is_valid_id(response.header("X-Request-Id"))) << what;
    if (response.status >= 400 && response.status != 429) {
      std::error_code ec;
      json::value body = json::parse(response.body, ec);
      ASSERT_FALSE(ec) << what << "\n" << response.body;
      EXPECT_EQ(body.at("status_code").as_int64(), response.status) << what;
    }
    for (const Event& event : result.events) {
      EXPECT_FALSE(event.event.empty()) << what;
      if (event.data.contains("post")) {
        EXPECT_TRUE(json::parse(event.data.at("post").as_string()).is_object());
      }
    }
  }
};

TEST_F(ModelGarbage, RandomRequestsNeverBreakTheModel) {
  Garbage garbage(20241121);
  const std::vector<std::string> tokens = {std::string(kAliceToken),
                                           std::string(kBobToken),
                                           std::string(kBotToken),
                                           std::string(kAdminToken),
                                           std::string(kDaveToken),
                                           "",
                                           "junk"};
  // Seed some objects so ids hit real posts, files, commands and actions.
  for (int i = 0; i < 3; ++i) garbage.remember(make_post(kBuildAlerts, "seed @alice"));
  RestResult with_action = post(
      "/api/v4/posts",
      json::object{
          {"channel_id", kBuildAlerts},
          {"message", "a"},
          {"props",
           json::parse(
               R"({"attachments":[{"actions":[{"id":"approve","integration":{"url":"https://b/x"}}]}]})")}},
      kBotToken);
  garbage.remember(std::string(body_of(with_action).at("id").as_string()));
  RestResult command =
      post("/api/v4/commands",
           json::object{{"team_id", kEng}, {"trigger", "deploy"}, {"method", "P"}, {"url", "https://bot/c"}});
  garbage.remember(std::string(body_of(command).at("id").as_string()));

  for (int round = 0; round < 6000; ++round) {
    const auto& [method, path] = kRoutes[static_cast<std::size_t>(round) % kRoutes.size()];
    const std::string filled = garbage.fill(path);
    const std::string query = garbage.query();
    const std::string target = query.empty() ? filled : filled + "?" + query;
    const std::string chosen_method =
        garbage.below(10) == 0
            ? garbage.pick(std::vector<std::string>{"GET", "POST", "PUT", "DELETE", "PATCH", ""})
            : method;
    HeaderList headers;
    if (garbage.below(3) == 0)
      headers.emplace_back("content-type", garbage.below(2)
                                               ? "application/json"
                                               : "multipart/form-data; boundary=" + garbage.word());
    const std::string body = garbage.body();
    RestResult result = call(chosen_method, target, body, garbage.pick(tokens), headers);
    const std::string what = chosen_method + " " + target + " body=" + body.substr(0, 200);
    check(result, what);
    if (result.response.status >= 200 && result.response.status < 300 && !result.response.body.empty()) {
      std::error_code ec;
      json::value answer = json::parse(result.response.body, ec);
      if (!ec && answer.is_object() && answer.as_object().contains("id") && answer.at("id").is_string()) {
        garbage.remember(std::string(answer.at("id").as_string()));
      }
    }
    if (result.call) {
      IntegrationReply reply;
      reply.status = static_cast<int>(garbage.pick(std::vector<std::size_t>{0, 200, 200, 200, 404, 500}));
      reply.content_type = garbage.below(2) ? "application/json" : "text/plain";
      reply.body = garbage.body();
      RestResult done = model_.complete_integration(result.call->id, reply, now());
      check(done, "completion of " + what + " with " + reply.body.substr(0, 200));
    }
  }
  // Still serving normally.
  EXPECT_EQ(get("/api/v4/users/me").response.status, 200);
}

TEST_F(ModelGarbage, HostileInputs) {
  for (const std::string& body : {std::string(100000, '['), std::string(100000, '{'),
                                  std::string("\"\\ud800\""), std::string(5 << 20, 'x'),
                                  std::string("{\"channel_id\":\"") + std::string(kBuildAlerts) +
                                      "\",\"message\":\"" + std::string(70000, 'm') + "\"}"}) {
    for (const auto& [method, path] : kRoutes) {
      RestResult result = call(method, path, body);
      EXPECT_NE(result.response.status, 500) << method << " " << path;
    }
  }
}

}  // namespace
}  // namespace mmsim::test
