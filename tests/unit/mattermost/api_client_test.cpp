// mattermost::Api against the real mmsim process (and, for answers mmsim never gives, a small
// in-test HTTP server), all on 127.0.0.1. Every wait is bounded; timing checks have only
// generous lower bounds.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "mattermost/api.hpp"
#include "mattermost/api_url.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "support/mmsim_process.hpp"
#include "unit/mattermost/api_client_fixture.hpp"

namespace mmclaw::mattermost {
namespace {

using namespace test_support;

bool has_id(const auto& items, std::string_view id) {
  for (const auto& item : items)
    if (item.id == id) return true;
  return false;
}

// --- users and teams ---

TEST_F(ApiClientTest, GetMe) {
  auto me = run(api_->get_me());
  ASSERT_TRUE(me) << me.error().error.message;
  EXPECT_EQ(me->id, kBotId);
  EXPECT_EQ(me->username, "mmclaw");
  EXPECT_TRUE(me->is_bot);
  EXPECT_GT(me->update_at, 0);
  EXPECT_EQ(api_->stats().requests, 1u);
  EXPECT_EQ(api_->stats().errors, 0u);
}

TEST_F(ApiClientTest, SendsBearerTokenOnEveryCall) {
  ASSERT_TRUE(run(api_->get_me()));
  const auto log = calls();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().at("user_id").as_string(), kBotId);  // mmsim authenticated the bot
  EXPECT_EQ(log.back().at("status").to_number<int>(), 200);
}

TEST_F(ApiClientTest, GetUserAndByUsername) {
  auto alice = run(api_->get_user(std::string(kAliceId)));
  ASSERT_TRUE(alice) << alice.error().error.message;
  EXPECT_EQ(alice->username, "alice");
  EXPECT_EQ(alice->first_name, "Alice");
  EXPECT_FALSE(alice->is_bot);

  auto bob = run(api_->get_user_by_username("Bob"));  // sent lower-case
  ASSERT_TRUE(bob) << bob.error().error.message;
  EXPECT_EQ(bob->id, kBobId);
}

TEST_F(ApiClientTest, GetUsersByIdsOmitsUnknownAndBatches) {
  auto some =
      run(api_->get_users_by_ids({std::string(kAliceId), std::string(kBobId), std::string(kMissingId)}));
  ASSERT_TRUE(some) << some.error().error.message;
  ASSERT_EQ(some->size(), 2u);
  EXPECT_TRUE(has_id(*some, kAliceId));
  EXPECT_TRUE(has_id(*some, kBobId));

  auto none = run(api_->get_users_by_ids({}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  // 450 ids: three requests of at most 200.
  std::vector<std::string> ids;
  for (int i = 0; i < 449; ++i) ids.push_back(fmt::format("a{:025d}", i));
  ids.emplace_back(kBotId);
  const auto since = next_call_index();
  auto many = run(api_->get_users_by_ids(ids));
  ASSERT_TRUE(many) << many.error().error.message;
  ASSERT_EQ(many->size(), 1u);
  EXPECT_EQ(many->front().id, kBotId);
  const auto log = calls(since);
  ASSERT_EQ(count_calls(log, "POST", "/api/v4/users/ids"), 3u);
  for (const auto& call : log) {
    EXPECT_LE(json::parse(call.at("body").as_string()).as_array().size(), 200u);
  }
}

TEST_F(ApiClientTest, SearchUsers) {
  auto found = run(api_->search_users("ali", std::string(kTeam)));
  ASSERT_TRUE(found) << found.error().error.message;
  EXPECT_TRUE(has_id(*found, kAliceId));
  EXPECT_FALSE(has_id(*found, kBobId));
}

TEST_F(ApiClientTest, TeamsAndMembers) {
  auto teams = run(api_->get_user_teams(std::string(kBotId)));
  ASSERT_TRUE(teams) << teams.error().error.message;
  ASSERT_EQ(teams->size(), 1u);
  EXPECT_EQ(teams->front().id, kTeam);
  EXPECT_EQ(teams->front().name, "eng");

  auto members = run(api_->get_team_members(std::string(kTeam), 0));
  ASSERT_TRUE(members) << members.error().error.message;
  bool bot_found = false;
  for (const auto& m : *members) {
    EXPECT_EQ(m.team_id, kTeam);
    bot_found = bot_found || m.user_id == kBotId;
  }
  EXPECT_TRUE(bot_found);
  const auto log = calls();
  EXPECT_EQ(log.back().at("query").as_string(), "page=0&per_page=200");
}

// --- channels ---

TEST_F(ApiClientTest, GetChannelAndByName) {
  auto channel = run(api_->get_channel(std::string(kTownSquare)));
  ASSERT_TRUE(channel) << channel.error().error.message;
  EXPECT_EQ(channel->name, "town-square");
  EXPECT_EQ(channel->display_name, "Town Square");
  EXPECT_EQ(channel->type, ChannelType::open);
  EXPECT_EQ(channel->team_id, kTeam);

  auto by_name = run(api_->get_channel_by_name(std::string(kTeam), "ops"));
  ASSERT_TRUE(by_name) << by_name.error().error.message;
  EXPECT_EQ(by_name->id, kOps);
  EXPECT_EQ(by_name->type, ChannelType::private_team);
}

TEST_F(ApiClientTest, UserChannelsIncludeDirectMessages) {
  auto channels = run(api_->get_user_channels(std::string(kBotId)));
  ASSERT_TRUE(channels) << channels.error().error.message;
  EXPECT_TRUE(has_id(*channels, kTownSquare));
  EXPECT_TRUE(has_id(*channels, kOps));
  EXPECT_TRUE(has_id(*channels, kAliceDm));
  EXPECT_FALSE(has_id(*channels, "889766ufjgio6kbpzjbufozksq"));  // dev: not a member
}

TEST_F(ApiClientTest, CreateDirectChannel) {
  auto dm = run(api_->create_direct_channel(std::string(kBotId), std::string(kBobId)));
  ASSERT_TRUE(dm) << dm.error().error.message;
  EXPECT_EQ(dm->type, ChannelType::direct);
  EXPECT_EQ(dm->team_id, "");
  const std::string a(std::min(kBotId, kBobId));
  const std::string b(std::max(kBotId, kBobId));
  EXPECT_EQ(dm->name, a + "__" + b);

  auto again = run(api_->create_direct_channel(std::string(kBobId), std::string(kBotId)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, dm->id);
}

TEST_F(ApiClientTest, ChannelPostsInEachMode) {
  // Distinct create_at values, so that the server's order does not depend on id tie-breaks.
  const Post p1 = create("first");
  std::this_thread::sleep_for(5ms);
  const Post p2 = create("second");
  std::this_thread::sleep_for(5ms);
  const Post p3 = create("third");
  ASSERT_LT(p1.create_at, p2.create_at);
  ASSERT_LT(p2.create_at, p3.create_at);

  PostsQuery page;
  page.per_page = 2;
  auto newest = run(api_->get_channel_posts(std::string(kTownSquare), page));
  ASSERT_TRUE(newest) << newest.error().error.message;
  ASSERT_GE(newest->posts.size(), 2u);
  EXPECT_EQ(newest->posts[0].id, p3.id);  // newest first
  EXPECT_EQ(newest->posts[1].id, p2.id);

  PostsQuery before;
  before.before = p3.id;
  before.per_page = 2;
  auto older = run(api_->get_channel_posts(std::string(kTownSquare), before));
  ASSERT_TRUE(older) << older.error().error.message;
  ASSERT_GE(older->posts.size(), 2u);
  EXPECT_EQ(older->posts[0].id, p2.id);
  EXPECT_EQ(older->posts[1].id, p1.id);

  PostsQuery after;
  after.after = p1.id;
  after.before = p3.id;  // ignored: after comes first
  auto newer = run(api_->get_channel_posts(std::string(kTownSquare), after));
  ASSERT_TRUE(newer) << newer.error().error.message;
  ASSERT_EQ(newer->posts.size(), 2u);
  EXPECT_EQ(newer->posts[0].id, p3.id);
  EXPECT_EQ(newer->posts[1].id, p2.id);

  PostsQuery since;
  since.since = p1.create_at - 1;
  since.after = p2.id;  // ignored: since comes first
  auto changed = run(api_->get_channel_posts(std::string(kTownSquare), since));
  ASSERT_TRUE(changed) << changed.error().error.message;
  EXPECT_TRUE(has_id(changed->posts, p1.id));
  EXPECT_TRUE(has_id(changed->posts, p2.id));
  EXPECT_TRUE(has_id(changed->posts, p3.id));

  const auto log = calls();
  std::vector<std::string> queries;
  for (const auto& call : log)
    if (call.at("method").as_string() == "GET") queries.emplace_back(call.at("query").as_string());
  ASSERT_EQ(queries.size(), 4u);
  EXPECT_EQ(queries[0], "page=0&per_page=2");
  EXPECT_EQ(queries[1], "before=" + p3.id + "&page=0&per_page=2");
  EXPECT_EQ(queries[2], "after=" + p1.id + "&page=0&per_page=60");
  EXPECT_EQ(queries[3], "since=" + std::to_string(p1.create_at - 1));
}

// --- posts ---

TEST_F(ApiClientTest, PostThread) {
  const Post root = create("root");
  const Post r1 = create("reply one", root.id);
  const Post r2 = create("reply two", root.id);
  EXPECT_EQ(r1.root_id, root.id);

  auto thread = run(api_->get_post_thread(root.id));
  ASSERT_TRUE(thread) << thread.error().error.message;
  EXPECT_EQ(thread->posts.size(), 3u);
  EXPECT_TRUE(has_id(thread->posts, root.id));
  EXPECT_TRUE(has_id(thread->posts, r1.id));
  EXPECT_TRUE(has_id(thread->posts, r2.id));

  ThreadQuery query;
  query.per_page = 50;
  query.direction = "down";
  auto paged = run(api_->get_post_thread(root.id, query));
  ASSERT_TRUE(paged) << paged.error().error.message;
  EXPECT_TRUE(has_id(paged->posts, r2.id));
  EXPECT_EQ(calls().back().at("query").as_string(), "perPage=50&direction=down");
}

TEST_F(ApiClientTest, CreateGetUpdatePatchDeletePost) {
  CreatePost request;
  request.channel_id = std::string(kTownSquare);
  request.message = "hello from the api";
  request.props["mmclaw_reply_to"] = "abc";
  auto created = run(api_->create_post(std::move(request)));
  ASSERT_TRUE(created) << created.error().error.message;
  EXPECT_EQ(created->channel_id, kTownSquare);
  EXPECT_EQ(created->user_id, kBotId);
  EXPECT_EQ(created->props.at("mmclaw_reply_to").as_string(), "abc");
  EXPECT_TRUE(is_mattermost_id(created->id));

  auto fetched = run(api_->get_post(created->id));
  ASSERT_TRUE(fetched) << fetched.error().error.message;
  EXPECT_EQ(fetched->message, "hello from the api");

  json::object props;
  props["mmclaw_reply_to"] = "abc";
  props["extra"] = "1";
  auto updated = run(api_->update_post(created->id, "edited", props));
  ASSERT_TRUE(updated) << updated.error().error.message;
  EXPECT_EQ(updated->message, "edited");
  EXPECT_GT(updated->edit_at, 0);
  EXPECT_EQ(updated->props.at("extra").as_string(), "1");

  PostPatch patch;
  patch.message = "patched";
  auto patched = run(api_->patch_post(created->id, patch));
  ASSERT_TRUE(patched) << patched.error().error.message;
  EXPECT_EQ(patched->message, "patched");
  EXPECT_EQ(patched->props.at("mmclaw_reply_to").as_string(), "abc");  // kept by a patch

  // What mmsim saw: one post that went through create, update and patch.
  const auto posts = posts_of(kTownSquare);
  const json::object* mine = nullptr;
  for (const auto& p : posts)
    if (p.at("id").as_string() == created->id) mine = &p.as_object();
  ASSERT_NE(mine, nullptr);
  const auto& history = mine->at("history").as_array();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[1].at("cause").as_string(), "update");
  EXPECT_EQ(history[2].at("cause").as_string(), "patch");

  auto deleted = run(api_->delete_post(created->id));
  ASSERT_TRUE(deleted) << deleted.error().error.message;
  auto gone = run(api_->get_post(created->id));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().error.kind, ErrorKind::not_found);
}

TEST_F(ApiClientTest, Typing) {
  auto typed = run(api_->send_typing(std::string(kTownSquare)));
  ASSERT_TRUE(typed) << typed.error().error.message;
  auto in_thread = run(api_->send_typing(std::string(kTownSquare), create("root").id));
  ASSERT_TRUE(in_thread) << in_thread.error().error.message;
  const auto log = calls();
  EXPECT_EQ(count_calls(log, "POST", "/api/v4/users/me/typing"), 2u);
}

// --- files ---

TEST_F(ApiClientTest, UploadDownloadAndInfo) {
  // Bytes a multipart body must carry untouched: CRLF, dashes, NUL, a quote in the name.
  std::string content = "line one\r\n--not-a-boundary\r\n\0binary";
  content.push_back('\0');
  content += "\xff\xfe end";
  auto uploaded =
      run(api_->upload_file(std::string(kTownSquare), "report \"final\".txt", content, "text/plain"));
  ASSERT_TRUE(uploaded) << uploaded.error().error.message;
  EXPECT_EQ(uploaded->name, "report \"final\".txt");
  EXPECT_EQ(uploaded->size, static_cast<std::int64_t>(content.size()));
  EXPECT_EQ(uploaded->channel_id, kTownSquare);
  EXPECT_EQ(uploaded->post_id, "");

  bool listed = false;
  const json::value files = control("/_control/files");
  for (const auto& file : files.as_array()) listed = listed || file.at("id").as_string() == uploaded->id;
  EXPECT_TRUE(listed);

  auto downloaded = run(api_->download_file(uploaded->id));
  ASSERT_TRUE(downloaded) << downloaded.error().error.message;
  EXPECT_EQ(*downloaded, content);

  auto info = run(api_->get_file_info(uploaded->id));
  ASSERT_TRUE(info) << info.error().error.message;
  EXPECT_EQ(info->id, uploaded->id);
  EXPECT_EQ(info->size, uploaded->size);

  CreatePost post;
  post.channel_id = std::string(kTownSquare);
  post.message = "with a file";
  post.file_ids = {uploaded->id};
  auto attached = run(api_->create_post(std::move(post)));
  ASSERT_TRUE(attached) << attached.error().error.message;
  ASSERT_EQ(attached->file_ids.size(), 1u);
  EXPECT_EQ(attached->file_ids.front(), uploaded->id);
}

TEST_F(ApiClientTest, DownloadIsCappedAtMaxDownloadBytes) {
  auto uploaded = run(api_->upload_file(std::string(kTownSquare), "big.bin", std::string(4096, 'x'), ""));
  ASSERT_TRUE(uploaded) << uploaded.error().error.message;
  auto o = options();
  o.max_download_bytes = 1000;
  Api small(*http_, o);
  auto downloaded = run(small.download_file(uploaded->id));
  ASSERT_FALSE(downloaded);
  EXPECT_EQ(downloaded.error().error.kind, ErrorKind::permanent);
  EXPECT_NE(downloaded.error().error.message.find("larger than 1000 bytes"), std::string::npos)
      << downloaded.error().error.message;
}

TEST_F(ApiClientTest, UnsafeFileIdIsRefusedWithoutACall) {
  const auto since = next_call_index();
  auto info = run(api_->get_file_info("../users/me"));
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().error.kind, ErrorKind::invalid_input);
  EXPECT_EQ(info.error().error.message, kUnsafeApiPathMessage);
  EXPECT_TRUE(calls(since).empty());
  EXPECT_EQ(http_->stats().requests, 0u);
}

// --- reactions ---

TEST_F(ApiClientTest, AddAndRemoveReactions) {
  const Post post = create("react to me");
  ASSERT_TRUE(run(api_->add_reaction(std::string(kBotId), post.id, "thumbsup")));
  ASSERT_TRUE(run(api_->add_reaction(std::string(kBotId), post.id, "+1")));  // encoded in the path later

  auto reactions = control("/_control/reactions?post_id=" + post.id).as_array();
  ASSERT_EQ(reactions.size(), 2u);
  for (const auto& r : reactions) EXPECT_EQ(r.at("delete_at").to_number<std::int64_t>(), 0);

  auto removed = run(api_->remove_reaction(std::string(kBotId), post.id, "thumbsup"));
  ASSERT_TRUE(removed) << removed.error().error.message;
  auto removed_plus = run(api_->remove_reaction(std::string(kBotId), post.id, "+1"));
  ASSERT_TRUE(removed_plus) << removed_plus.error().error.message;
  // The emoji name is one encoded path segment (the server decodes it back to "+1").
  EXPECT_EQ(std::string(calls().back().at("path").as_string()),
            "/api/v4/users/" + std::string(kBotId) + "/posts/" + post.id + "/reactions/%2B1");

  reactions = control("/_control/reactions?post_id=" + post.id).as_array();
  ASSERT_EQ(reactions.size(), 2u);
  for (const auto& r : reactions) EXPECT_GT(r.at("delete_at").to_number<std::int64_t>(), 0);
}

// --- slash commands ---

TEST_F(ApiClientTest, CommandsCrud) {
  SlashCommand command;
  command.team_id = std::string(kTeam);
  command.trigger = "mmclaw_test";
  command.method = "P";
  command.url = "http://127.0.0.1:9/mattermost/slash";
  command.display_name = "mmclaw test";
  command.description = "first";
  command.auto_complete = true;
  command.auto_complete_desc = "run it";
  auto created = run(api_->create_command(command));
  ASSERT_TRUE(created) << created.error().error.message;
  EXPECT_TRUE(is_mattermost_id(created->id));
  EXPECT_EQ(created->token.size(), 26u);
  EXPECT_EQ(created->creator_id, kBotId);
  EXPECT_EQ(created->trigger, "mmclaw_test");
  EXPECT_TRUE(created->auto_complete);

  auto listed = run(api_->list_commands(std::string(kTeam)));
  ASSERT_TRUE(listed) << listed.error().error.message;
  EXPECT_TRUE(has_id(*listed, created->id));
  EXPECT_EQ(calls().back().at("query").as_string(), "team_id=" + std::string(kTeam) + "&custom_only=true");

  auto fetched = run(api_->get_command(created->id));
  ASSERT_TRUE(fetched) << fetched.error().error.message;
  EXPECT_EQ(fetched->url, command.url);

  SlashCommand changed = *created;
  changed.description = "second";
  auto updated = run(api_->update_command(changed));
  ASSERT_TRUE(updated) << updated.error().error.message;
  EXPECT_EQ(updated->description, "second");
  EXPECT_EQ(updated->token, created->token);

  ASSERT_TRUE(run(api_->delete_command(created->id)));
  auto after = run(api_->list_commands(std::string(kTeam)));
  ASSERT_TRUE(after);
  EXPECT_FALSE(has_id(*after, created->id));

  // A failure of a command route never shows the command's token.
  auto again = run(api_->create_command(command));
  ASSERT_TRUE(again);
  auto duplicate = run(api_->create_command(command));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().error.status, 400);
  EXPECT_EQ(duplicate.error().app_error_id, "api.command.duplicate_trigger.app_error");
  EXPECT_EQ(duplicate.error().error.message.find(again->token), std::string::npos);
}

// --- caches ---

TEST_F(ApiClientTest, CachedChannelMakesOneCall) {
  const std::string path = "/api/v4/channels/" + std::string(kTownSquare);
  const auto since = next_call_index();
  auto first = run(api_->cached_channel(std::string(kTownSquare)));
  ASSERT_TRUE(first) << first.error().error.message;
  auto second = run(api_->cached_channel(std::string(kTownSquare)));
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(count_calls(calls(since), "GET", path), 1u);
  EXPECT_EQ(api_->stats().cache_hits, 1u);
  EXPECT_EQ(api_->stats().cache_misses, 1u);

  api_->forget_channel(kTownSquare);
  ASSERT_TRUE(run(api_->cached_channel(std::string(kTownSquare))));
  EXPECT_EQ(count_calls(calls(since), "GET", path), 2u);
}

TEST_F(ApiClientTest, CachedUserMakesOneCall) {
  const auto since = next_call_index();
  ASSERT_TRUE(run(api_->cached_user(std::string(kAliceId))));
  auto again = run(api_->cached_user(std::string(kAliceId)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->username, "alice");
  EXPECT_EQ(count_calls(calls(since), "GET", "/api/v4/users/" + std::string(kAliceId)), 1u);
}

TEST_F(ApiClientTest, FailuresAreNotCached) {
  const auto since = next_call_index();
  auto first = run(api_->cached_channel(std::string(kMissingId)));
  ASSERT_FALSE(first);
  auto second = run(api_->cached_channel(std::string(kMissingId)));
  ASSERT_FALSE(second);
  EXPECT_EQ(count_calls(calls(since), "GET", "/api/v4/channels/" + std::string(kMissingId)), 2u);
  EXPECT_EQ(api_->stats().cache_hits, 0u);
}

// --- errors ---

TEST_F(ApiClientTest, RateLimitedCreateIsSentAgainAfterThePause) {
  json::object spec{{"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/posts"},
                    {"count", 1},       {"status", 429},    {"retry_after", 1}};
  fault(spec);
  const auto since = next_call_index();
  const auto start = Clock::now();
  const Post post = create("after the pause");
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_EQ(api_->stats().rate_limited, 1u);
  EXPECT_EQ(api_->stats().errors, 0u);

  std::size_t copies = 0;
  for (const auto& p : posts_of(kTownSquare))
    if (p.at("message").as_string() == "after the pause") ++copies;
  EXPECT_EQ(copies, 1u);
  EXPECT_EQ(count_calls(calls(since), "POST", "/api/v4/posts"), 2u);  // the 429, then the post
  EXPECT_FALSE(post.id.empty());
}

TEST_F(ApiClientTest, RateLimitedAfterRetriesIsReturned) {
  json::object spec{{"action", "fail"}, {"method", "GET"}, {"path", "/api/v4/users/me"},
                    {"count", 1},       {"status", 429},   {"retry_after", 1}};
  fault(spec);
  auto o = options();
  o.max_rate_limit_retries = 0;
  Api api(*http_, o);
  const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::rate_limited);
  EXPECT_EQ(me.error().error.status, 429);
  ASSERT_TRUE(me.error().retry_after.has_value());
  EXPECT_EQ(*me.error().retry_after, 1000ms);
  EXPECT_EQ(api.stats().rate_limited, 1u);

  // The pause is shared: it was set from the header, and the next call waits for it instead of
  // drawing another 429.
  ASSERT_TRUE(api.rate_pause().paused_until().has_value());
  EXPECT_GE(*api.rate_pause().paused_until(), before_ms + 900);
  auto later = run(api.get_me());
  ASSERT_TRUE(later) << later.error().error.message;
  EXPECT_EQ(api.stats().requests, 2u);
}

TEST_F(ApiClientTest, WrongTokenIsAuthAndNeverShown) {
  const std::string wrong = "wrongtoken0000000000000042";
  Api api(*http_, options({}, wrong));
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::auth);
  EXPECT_EQ(me.error().error.status, 401);
  EXPECT_EQ(me.error().app_error_id, "api.context.session_expired.app_error");
  EXPECT_EQ(me.error().error.message.find(wrong), std::string::npos) << me.error().error.message;
  EXPECT_EQ(me.error().error.message.rfind("Mattermost API 401", 0), 0u) << me.error().error.message;
  EXPECT_EQ(api.stats().errors, 1u);
}

TEST_F(ApiClientTest, NotFoundCarriesTheAppErrorId) {
  auto post = run(api_->get_post(std::string(kMissingId)));
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().error.kind, ErrorKind::not_found);
  EXPECT_EQ(post.error().error.status, 404);
  EXPECT_EQ(post.error().app_error_id, "app.post.get.app_error");
  EXPECT_FALSE(post.error().request_id.empty());

  auto user = run(api_->get_user(std::string(kMissingId)));
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().error.kind, ErrorKind::not_found);
  EXPECT_EQ(user.error().app_error_id, "app.user.missing_account.const");
}

TEST_F(ApiClientTest, ServerErrorIsTransientAndNotRetried) {
  json::object spec{
      {"action", "fail"}, {"method", "GET"}, {"path", "/api/v4/users/me"}, {"count", 1}, {"status", 503}};
  fault(spec);
  const auto since = next_call_index();
  auto me = run(api_->get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::transient);
  EXPECT_EQ(me.error().error.status, 503);
  EXPECT_EQ(me.error().error.message.find(kBotToken), std::string::npos);
  EXPECT_EQ(count_calls(calls(since), "GET", "/api/v4/users/me"), 1u);  // retry belongs to the caller
  EXPECT_TRUE(run(api_->get_me()));
}

// --- SSRF (§2.3) ---

TEST_F(ApiClientTest, PrivateHostIsRefusedBeforeAnyConnection) {
  auto o = options();
  o.ssrf.allow_private_network = false;
  Api api(*http_, o);
  const auto since = next_call_index();
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::invalid_input);
  EXPECT_EQ(me.error().error.status, 0);
  EXPECT_NE(me.error().error.message.find(net::kAllowPrivateNetworkKey), std::string::npos)
      << me.error().error.message;
  EXPECT_EQ(api.stats().ssrf_refused, 1u);
  EXPECT_EQ(api.stats().requests, 0u);
  EXPECT_EQ(http_->stats().requests, 0u);
  EXPECT_TRUE(calls(since).empty());
}

TEST_F(ApiClientTest, ResolvedPrivateAddressIsRefusedBeforeConnecting) {
  // The Api lets the host through; the client's hook (built from a stricter policy) still checks
  // the address the name resolved to, as it would for a public name pointing at loopback.
  net::HttpClient strict(io_, http_options_with_ssrf_guard(net::HttpClientOptions{}, net::SsrfPolicy{}));
  Api api(strict, options());
  const auto since = next_call_index();
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::invalid_input);
  EXPECT_EQ(me.error().error.status, 0);
  EXPECT_NE(me.error().error.message.find(net::kAllowPrivateNetworkKey), std::string::npos)
      << me.error().error.message;
  EXPECT_NE(me.error().error.message.find("loopback"), std::string::npos) << me.error().error.message;
  EXPECT_EQ(api.stats().ssrf_refused, 1u);
  EXPECT_EQ(strict.stats().connections_opened, 0u);
  EXPECT_TRUE(calls(since).empty());
}

TEST_F(ApiClientTest, ResolvedAddressHookSeesEveryEndpoint) {
  std::vector<std::string> seen;
  net::HttpClientOptions o;
  o.check_resolved_address = [&seen](std::string_view host, const util::IpAddress& address) -> Result<void> {
    seen.push_back(std::string(host) + (address.v6 ? " v6" : " v4") + " " + std::to_string(address.bytes[0]) +
                   "." + std::to_string(address.bytes[3]));
    return {};
  };
  net::HttpClient client(io_, o);
  Api api(client, options());
  ASSERT_TRUE(run(api.get_me()));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.front(), "127.0.0.1 v4 127.1");
}

TEST_F(ApiClientTest, BadBaseUrlThrows) {
  EXPECT_THROW({ Api api(*http_, options("not a url")); }, std::invalid_argument);
  EXPECT_THROW({ Api api(*http_, options("ftp://127.0.0.1")); }, std::invalid_argument);
}

// --- answers mmsim never gives: an in-test server ---

class FakeServer {
 public:
  struct Seen {
    std::string method, target, authorization, content_type, body;
  };

  FakeServer(asio::io_context& io, unsigned status, std::string body,
             std::string content_type = "application/json")
      : server_(io, net::HttpServerOptions{},
                [this, status, body, content_type](
                    net::HttpRequest& req, const net::RequestContext&) -> asio::awaitable<net::HttpResponse> {
                  Seen s;
                  s.method = std::string(req.method_string());
                  s.target = std::string(req.target());
                  s.authorization = std::string(req[boost::beast::http::field::authorization]);
                  s.content_type = std::string(req[boost::beast::http::field::content_type]);
                  s.body = req.body();
                  seen_.push_back(std::move(s));
                  co_return net::make_response(status, body, content_type);
                }) {
    if (auto ok = server_.listen(); !ok) throw std::runtime_error(ok.error().message);
    server_.start();
  }

  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  [[nodiscard]] const std::vector<Seen>& seen() const { return seen_; }
  net::HttpServer& server() { return server_; }

 private:
  std::vector<Seen> seen_;
  net::HttpServer server_;
};

class ReceiptLostTest : public ApiClientTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ReceiptLostTest, CreatePostWithoutUsableIdIsReceiptLost) {
  FakeServer fake(io_, 201, GetParam());
  Api api(*http_, options(fake.base_url()));
  CreatePost post;
  post.channel_id = std::string(kTownSquare);
  post.message = "hello";
  auto created = run(api.create_post(std::move(post)));
  ASSERT_FALSE(created);
  EXPECT_TRUE(created.error().receipt_lost);
  EXPECT_EQ(created.error().error.kind, ErrorKind::permanent);
  EXPECT_EQ(created.error().error.status, 201);
  EXPECT_NE(created.error().error.message.find("delivered but the receipt was lost"), std::string::npos)
      << created.error().error.message;
  ASSERT_EQ(fake.seen().size(), 1u);  // never sent again
  const auto& seen = fake.seen().front();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/api/v4/posts");
  EXPECT_EQ(seen.authorization, "Bearer " + std::string(kBotToken));
  EXPECT_EQ(seen.content_type, "application/json");
  const auto body = json::parse(seen.body).as_object();
  EXPECT_EQ(body.at("channel_id").as_string(), kTownSquare);
  EXPECT_EQ(body.at("message").as_string(), "hello");
  EXPECT_FALSE(body.contains("root_id"));
  run_void(fake.server().stop(100ms));
}

INSTANTIATE_TEST_SUITE_P(Bodies, ReceiptLostTest,
                         ::testing::Values("{}", R"({"id":""})", R"({"id":"   "})", "not json", "",
                                           R"({"id":"abc","message":7})", "[]"));

TEST_F(ApiClientTest, ErrorBodyIsCappedAndTheTokenRedacted) {
  const std::string body = std::string(20000, 'x') + " token " + std::string(kBotToken);
  FakeServer fake(io_, 500, body, "text/plain");
  Api api(*http_, options(fake.base_url()));
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::transient);
  EXPECT_EQ(me.error().error.status, 500);
  EXPECT_LT(me.error().error.message.size(), 1024u);
  EXPECT_EQ(me.error().error.message.find(kBotToken), std::string::npos);
  run_void(fake.server().stop(100ms));
}

TEST_F(ApiClientTest, NoContentAndTimeoutsAreHandled) {
  FakeServer fake(io_, 204, "");
  Api api(*http_, options(fake.base_url()));
  ASSERT_TRUE(run(api.delete_post(std::string(kMissingId))));
  ASSERT_TRUE(run(api.send_typing(std::string(kTownSquare))));
  ASSERT_EQ(fake.seen().size(), 2u);
  EXPECT_EQ(fake.seen()[0].method, "DELETE");
  EXPECT_EQ(fake.seen()[1].content_type, "application/json");
  // A JSON route answered without a body cannot be read: permanent, with the status.
  auto me = run(api.get_me());
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().error.kind, ErrorKind::permanent);
  EXPECT_EQ(me.error().error.status, 204);
  run_void(fake.server().stop(100ms));
}

}  // namespace
}  // namespace mmclaw::mattermost
