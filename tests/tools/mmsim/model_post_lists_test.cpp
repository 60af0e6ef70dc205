// PostList answers: channel pages, before/after/since and threads (§4.6).

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelPostLists : public ModelTest {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) ids_.push_back(make_post(kBuildAlerts, "p" + std::to_string(i)));
  }

  json::object list(std::string_view query, std::string_view token = kAliceToken) {
    RestResult result =
        get("/api/v4/channels/" + std::string(kBuildAlerts) + "/posts" + std::string(query), token);
    EXPECT_EQ(result.response.status, 200) << result.response.body;
    return body_of(result).as_object();
  }

  static std::vector<std::string> order_of(const json::object& list) {
    std::vector<std::string> out;
    for (const auto& id : list.at("order").as_array()) out.emplace_back(id.as_string());
    return out;
  }

  std::vector<std::string> ids(std::initializer_list<int> numbers) {
    std::vector<std::string> out;
    for (int n : numbers) out.push_back(ids_.at(static_cast<std::size_t>(n - 1)));
    return out;
  }

  std::vector<std::string> ids_;  // p1 (oldest) .. p5
};

TEST_F(ModelPostLists, DefaultPageIsNewestFirst) {
  json::object page = list("");
  EXPECT_EQ(keys_of(page), (std::set<std::string>{"order", "posts", "next_post_id", "prev_post_id",
                                                  "has_next", "first_inaccessible_post_time"}));
  EXPECT_EQ(order_of(page), ids({5, 4, 3, 2, 1}));
  EXPECT_EQ(page.at("posts").as_object().size(), 5u);
  EXPECT_EQ(keys_of(page.at("posts").at(ids_[0]).as_object()), post_keys());
  EXPECT_EQ(page.at("next_post_id"), "");
  EXPECT_EQ(page.at("prev_post_id"), "");
  EXPECT_EQ(page.at("has_next"), false);
  EXPECT_EQ(page.at("first_inaccessible_post_time"), 0);
}

TEST_F(ModelPostLists, PagingAndCursors) {
  json::object first = list("?per_page=2");
  EXPECT_EQ(order_of(first), ids({5, 4}));
  EXPECT_EQ(first.at("next_post_id"), "");
  EXPECT_EQ(first.at("prev_post_id"), ids_[2]);
  json::object second = list("?per_page=2&page=1");
  EXPECT_EQ(order_of(second), ids({3, 2}));
  EXPECT_EQ(second.at("next_post_id"), ids_[3]);
  EXPECT_EQ(second.at("prev_post_id"), ids_[0]);
  EXPECT_TRUE(order_of(list("?per_page=2&page=3")).empty());
  EXPECT_EQ(order_of(list("?per_page=-1")).size(), 5u);
  EXPECT_EQ(order_of(list("?per_page=abc&page=x")).size(), 5u);
  EXPECT_TRUE(order_of(list("?per_page=0")).empty());
}

TEST_F(ModelPostLists, PerPageIsClampedTo200) {
  for (int i = 0; i < 200; ++i) make_post(kBuildAlerts, "bulk");
  EXPECT_EQ(order_of(list("?per_page=500")).size(), 200u);
  EXPECT_EQ(order_of(list("")).size(), 60u);
  EXPECT_EQ(order_of(list("?per_page=200&page=1")).size(), 5u);
}

TEST_F(ModelPostLists, BeforeAndAfter) {
  json::object before = list("?before=" + ids_[3] + "&per_page=2");
  EXPECT_EQ(order_of(before), ids({3, 2}));
  EXPECT_EQ(before.at("next_post_id"), ids_[3]);
  EXPECT_EQ(before.at("prev_post_id"), ids_[0]);
  json::object oldest = list("?before=" + ids_[1] + "&per_page=5");
  EXPECT_EQ(order_of(oldest), ids({1}));
  EXPECT_EQ(oldest.at("prev_post_id"), "");
  EXPECT_EQ(oldest.at("next_post_id"), ids_[1]);

  json::object after = list("?after=" + ids_[1] + "&per_page=2");
  EXPECT_EQ(order_of(after), ids({4, 3}));
  EXPECT_EQ(after.at("prev_post_id"), ids_[1]);
  EXPECT_EQ(after.at("next_post_id"), ids_[4]);
  json::object newest = list("?after=" + ids_[3] + "&per_page=5");
  EXPECT_EQ(order_of(newest), ids({5}));
  EXPECT_EQ(newest.at("next_post_id"), "");
  json::object later_page = list("?after=" + ids_[0] + "&per_page=2&page=1");
  EXPECT_EQ(order_of(later_page), ids({5, 4}));
  EXPECT_EQ(later_page.at("prev_post_id"), ids_[2]);

  EXPECT_EQ(order_of(list("?after=" + ids_[1] + "&before=" + ids_[1] + "&per_page=1")),
            ids({3}));  // after wins
  EXPECT_TRUE(order_of(list("?before=zzzzzzzzzzzzzzzzzzzzzzzzzz")).empty());
  expect_app_error(get("/api/v4/channels/" + std::string(kBuildAlerts) + "/posts?after=bad"), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelPostLists, SinceReturnsNewEditedAndDeletedPosts) {
  const std::int64_t since = now();
  ASSERT_EQ(
      put("/api/v4/posts/" + ids_[1] + "/patch", json::object{{"message", "p2 edited"}}).response.status,
      200);
  ASSERT_EQ(del("/api/v4/posts/" + ids_[2]).response.status, 200);
  const std::string p6 = make_post(kBuildAlerts, "p6");
  json::object changed = list("?since=" + std::to_string(since));
  EXPECT_EQ(order_of(changed), (std::vector<std::string>{p6, ids_[2], ids_[1]}));
  EXPECT_GT(changed.at("posts").at(ids_[2]).at("delete_at").as_int64(), 0);
  EXPECT_EQ(changed.at("posts").at(ids_[1]).at("message"), "p2 edited");
  EXPECT_EQ(changed.at("next_post_id"), "");
  EXPECT_EQ(changed.at("prev_post_id"), "");
  // since wins over after/before and ignores paging.
  EXPECT_EQ(order_of(list("?since=" + std::to_string(since) + "&after=" + ids_[0] + "&per_page=1")).size(),
            3u);
  EXPECT_TRUE(order_of(list("?since=" + std::to_string(now()))).empty());
  // since=0 is plain paging.
  EXPECT_EQ(order_of(list("?since=0")).size(), 5u);
  expect_app_error(get("/api/v4/channels/" + std::string(kBuildAlerts) + "/posts?since=soon"), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelPostLists, SinceIsCappedAt1000) {
  const std::int64_t since = now();
  for (int i = 0; i < 1005; ++i) make_post(kBuildAlerts, "flood");
  json::object changed = list("?since=" + std::to_string(since));
  EXPECT_EQ(changed.at("order").as_array().size(), 1000u);
}

TEST_F(ModelPostLists, RepliesBringTheirThreadAlong) {
  const std::string r1 = make_post(kBuildAlerts, "r1", kBobToken, ids_[0]);
  const std::string r2 = make_post(kBuildAlerts, "r2", kBotToken, ids_[0]);
  json::object page = list("?per_page=1");
  EXPECT_EQ(order_of(page), (std::vector<std::string>{r2}));
  EXPECT_EQ(keys_of(page.at("posts").as_object()), (std::set<std::string>{r2, r1, ids_[0]}));
  json::object skipped = list("?per_page=1&skipFetchThreads=true");
  EXPECT_EQ(keys_of(skipped.at("posts").as_object()), (std::set<std::string>{r2, ids_[0]}));
  const std::int64_t since = model_.find_post(r1)->create_at - 1;
  json::object changed = list("?since=" + std::to_string(since));
  // The root's update_at moved with each reply, so it is in order too.
  EXPECT_EQ(order_of(changed), (std::vector<std::string>{r2, r1, ids_[0]}));
}

TEST_F(ModelPostLists, PermissionsAndDeletedPosts) {
  ASSERT_EQ(del("/api/v4/posts/" + ids_[4]).response.status, 200);
  EXPECT_EQ(order_of(list("", kCarolToken)), ids({4, 3, 2, 1}));  // public channel, not a member
  expect_app_error(get("/api/v4/channels/" + std::string(kBuildAlerts) + "/posts?include_deleted=true"), 403,
                   "api.context.permissions.app_error");
  EXPECT_EQ(order_of(list("?include_deleted=true", kAdminToken)), ids({5, 4, 3, 2, 1}));
  expect_app_error(get("/api/v4/channels/" + std::string(kOps) + "/posts", kBobToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/channels/" + std::string(kBuildAlerts) + "/posts", kDaveToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/channels/zzzzzzzzzzzzzzzzzzzzzzzzzz/posts"), 404,
                   "app.channel.get.existing.app_error");
}

class ModelThreads : public ModelPostLists {
 protected:
  void SetUp() override {
    ModelPostLists::SetUp();
    root_ = ids_[0];
    for (int i = 1; i <= 3; ++i)
      replies_.push_back(make_post(kBuildAlerts, "r" + std::to_string(i), kBobToken, root_));
  }

  json::object thread(std::string_view id, std::string_view query = {}) {
    RestResult result = get("/api/v4/posts/" + std::string(id) + "/thread" + std::string(query));
    EXPECT_EQ(result.response.status, 200) << result.response.body;
    return body_of(result).as_object();
  }

  std::string root_;
  std::vector<std::string> replies_;
};

TEST_F(ModelThreads, WholeThreadWithoutPaging) {
  json::object all = thread(root_);
  EXPECT_EQ(order_of(all), (std::vector<std::string>{root_, replies_[0], replies_[1], replies_[2]}));
  EXPECT_EQ(all.at("posts").as_object().size(), 4u);
  EXPECT_EQ(all.at("has_next"), false);
  EXPECT_EQ(all.at("posts").at(replies_[1]).at("reply_count"), 3);
  json::object from_reply = thread(replies_[1]);
  EXPECT_EQ(order_of(from_reply), (std::vector<std::string>{replies_[1], root_, replies_[0], replies_[2]}));
  EXPECT_EQ(order_of(thread(root_, "?skipFetchThreads=true")), (std::vector<std::string>{root_}));
}

TEST_F(ModelThreads, PagingDownAndUp) {
  const std::int64_t root_at = model_.find_post(root_)->create_at;
  json::object down = thread(root_, "?perPage=2&direction=down&fromCreateAt=" + std::to_string(root_at));
  EXPECT_EQ(order_of(down), (std::vector<std::string>{root_, replies_[0], replies_[1]}));
  EXPECT_EQ(down.at("has_next"), true);
  const std::int64_t second_at = model_.find_post(replies_[1])->create_at;
  json::object rest = thread(root_, "?perPage=2&direction=down&fromCreateAt=" + std::to_string(second_at) +
                                        "&fromPost=" + replies_[1]);
  EXPECT_EQ(order_of(rest), (std::vector<std::string>{root_, replies_[2]}));
  EXPECT_EQ(rest.at("has_next"), false);
  const std::int64_t last_at = model_.find_post(replies_[2])->create_at;
  json::object up = thread(root_, "?perPage=1&direction=up&fromCreateAt=" + std::to_string(last_at));
  EXPECT_EQ(order_of(up), (std::vector<std::string>{root_, replies_[1]}));
  EXPECT_EQ(up.at("has_next"), true);
}

TEST_F(ModelThreads, BadParametersAndAccess) {
  const std::string base = "/api/v4/posts/" + root_ + "/thread";
  expect_app_error(get(base + "?perPage=201"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get(base + "?perPage=x"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get(base + "?direction=sideways"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get(base + "?fromPost=" + replies_[0]), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get(base + "?fromCreateAt=abc"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get("/api/v4/posts/zzzzzzzzzzzzzzzzzzzzzzzzzz/thread"), 404, "app.post.get.app_error");
  const std::string secret = make_post(kOps, "secret");
  expect_app_error(get("/api/v4/posts/" + secret + "/thread", kBobToken), 403,
                   "api.context.permissions.app_error");
  ASSERT_EQ(del("/api/v4/posts/" + replies_[0], kBobToken).response.status, 200);
  expect_app_error(get("/api/v4/posts/" + replies_[0] + "/thread"), 404, "app.post.get.app_error");
  EXPECT_EQ(order_of(thread(root_)).size(), 3u);
}

}  // namespace
}  // namespace mmsim::test
