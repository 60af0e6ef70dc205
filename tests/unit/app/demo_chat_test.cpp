// The pure parts of `mmclaw demo`: chat input, fixture and config, transcript lines, and which
// posts and edits were already shown.

#include "app/demo_chat.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../../support/source_file.hpp"
#include "config/json5.hpp"

using namespace mmclaw::app::demo;
using std::chrono::milliseconds;
namespace json = boost::json;

namespace {

ChatCommand say(std::string text) {
  return {ChatCommandKind::say, std::move(text), {}};
}

PostView post(std::string id, std::string message, std::int64_t update_at) {
  PostView view;
  view.id = std::move(id);
  view.channel_id = "c1";
  view.user_id = "u1";
  view.message = std::move(message);
  view.update_at = update_at;
  return view;
}

}  // namespace

// ---- Chat input ----------------------------------------------------------------------------------

TEST(DemoChatInput, PlainLinesAreSaidTrimmed) {
  EXPECT_EQ(parse_chat_line("hello bot"), say("hello bot"));
  EXPECT_EQ(parse_chat_line("  @mmclaw hi  \r"), say("@mmclaw hi"));
  EXPECT_EQ(parse_chat_line("#general is great"), say("#general is great"));
  EXPECT_EQ(parse_chat_line("").kind, ChatCommandKind::nothing);
  EXPECT_EQ(parse_chat_line(" \t\r").kind, ChatCommandKind::nothing);
}

TEST(DemoChatInput, DoubleSlashPostsALeadingSlash) {
  EXPECT_EQ(parse_chat_line("//status"), say("/status"));
  EXPECT_EQ(parse_chat_line("// hi"), say("/ hi"));
}

TEST(DemoChatInput, CommandsTakeOneNameWithOptionalSigil) {
  EXPECT_EQ(parse_chat_line("/as bob"), (ChatCommand{ChatCommandKind::as, "bob", {}}));
  EXPECT_EQ(parse_chat_line("/as @bob"), (ChatCommand{ChatCommandKind::as, "bob", {}}));
  EXPECT_EQ(parse_chat_line("/dm  mmclaw "), (ChatCommand{ChatCommandKind::dm, "mmclaw", {}}));
  EXPECT_EQ(parse_chat_line("/join #town-square"), (ChatCommand{ChatCommandKind::join, "town-square", {}}));
  EXPECT_EQ(parse_chat_line("/join dev"), (ChatCommand{ChatCommandKind::join, "dev", {}}));
  EXPECT_EQ(parse_chat_line("/who").kind, ChatCommandKind::who);
  EXPECT_EQ(parse_chat_line("/help").kind, ChatCommandKind::help);
  EXPECT_EQ(parse_chat_line("/quit").kind, ChatCommandKind::quit);
  EXPECT_EQ(parse_chat_line("/exit").kind, ChatCommandKind::quit);
}

TEST(DemoChatInput, MistakesSayWhatIsExpected) {
  const auto missing = parse_chat_line("/as");
  EXPECT_EQ(missing.kind, ChatCommandKind::invalid);
  EXPECT_EQ(missing.text, "/as needs one user: /as bob");
  EXPECT_EQ(parse_chat_line("/join").text, "/join needs one channel: /join #town-square");
  EXPECT_EQ(parse_chat_line("/dm bob carol").kind, ChatCommandKind::invalid);
  const auto bad_name = parse_chat_line("/join #a/b");
  EXPECT_EQ(bad_name.kind, ChatCommandKind::invalid);
  EXPECT_EQ(bad_name.text, "\"a/b\" is not a channel name (letters, digits, '.', '-' and '_')");
  EXPECT_EQ(parse_chat_line("/as ../x?y").kind, ChatCommandKind::invalid);
  const auto unknown = parse_chat_line("/status");
  EXPECT_EQ(unknown.kind, ChatCommandKind::invalid);
  EXPECT_NE(unknown.text.find("unknown command /status"), std::string::npos);
  EXPECT_NE(unknown.text.find("//"), std::string::npos);
}

TEST(DemoChatInput, WaitTakesBoundedMilliseconds) {
  EXPECT_EQ(parse_chat_line("/wait 1500"), (ChatCommand{ChatCommandKind::wait, "", milliseconds(1500)}));
  EXPECT_EQ(parse_chat_line("/wait 0").wait, milliseconds(0));
  EXPECT_EQ(parse_chat_line("/wait 60000").wait, kMaxChatWait);
  for (const char* bad : {"/wait", "/wait 60001", "/wait -5", "/wait 2s", "/wait 1 2"})
    EXPECT_EQ(parse_chat_line(bad).kind, ChatCommandKind::invalid) << bad;
}

TEST(DemoChatInput, ScriptCommentsAndBlankLinesAreSkipped) {
  EXPECT_TRUE(is_script_comment("# a comment"));
  EXPECT_TRUE(is_script_comment("   #indented"));
  EXPECT_TRUE(is_script_comment(""));
  EXPECT_TRUE(is_script_comment("  \r"));
  EXPECT_FALSE(is_script_comment("/join #dev"));
  EXPECT_FALSE(is_script_comment("hello #dev"));
}

TEST(DemoChatInput, PromptAndHelp) {
  EXPECT_EQ(chat_prompt("alice", "#town-square"), "alice@#town-square> ");
  EXPECT_EQ(chat_prompt("bob", "@mmclaw"), "bob@@mmclaw> ");
  const auto help = chat_help();
  for (const char* command : {"/as", "/dm", "/join", "/who", "/wait", "/help", "/quit"})
    EXPECT_NE(help.find(command), std::string::npos) << command;
}

// ---- Setting the demo up ------------------------------------------------------------------------

TEST(DemoSetup, ReadsTheBundledDemoFixture) {
  const auto text = mmclaw::test::read_source_file("examples/demo-fixture.json");
  ASSERT_FALSE(text.empty());
  const auto fixture = read_demo_fixture(text);
  ASSERT_TRUE(fixture) << fixture.error().message;
  EXPECT_EQ(fixture->bot_username, "mmclaw");
  EXPECT_EQ(fixture->bot_token, "demobottoken00000000000000");
  EXPECT_EQ(fixture->people(), (std::vector<std::string>{"alice", "bob", "carol", "admin"}));
  EXPECT_EQ(fixture->first_person(), "alice");
}

TEST(DemoSetup, ReadsTokenObjectsAndSkipsAdminsForTheFirstPerson) {
  const auto fixture = read_demo_fixture(R"({
    // comments are fine
    users: [{username: "admin"}, {username: "zed"},
            {username: "bot", is_bot: true, tokens: [{token: "t0k", kind: "pat"}]}],
  })");
  ASSERT_TRUE(fixture) << fixture.error().message;
  EXPECT_EQ(fixture->bot_token, "t0k");
  EXPECT_EQ(fixture->first_person(), "zed");
}

TEST(DemoSetup, AFixtureWithoutABotOrPeopleIsRefused) {
  const auto no_bot = read_demo_fixture(R"({"users": [{"username": "alice"}]})");
  ASSERT_FALSE(no_bot);
  EXPECT_NE(no_bot.error().message.find("no bot"), std::string::npos);
  EXPECT_FALSE(read_demo_fixture(R"({"users": [{"username": "b", "is_bot": true, "tokens": ["x"]}]})"));
  EXPECT_FALSE(read_demo_fixture(R"({"users": [{"username": "b", "is_bot": true}]})"));
  EXPECT_FALSE(read_demo_fixture("[]"));
  const auto broken = read_demo_fixture("{users: [");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.substr(0, 2), "1:");
}

TEST(DemoSetup, TheConfigPointsTheExampleAtTheSimulators) {
  const auto example = mmclaw::test::read_source_file("examples/openclaw.json");
  ASSERT_FALSE(example.empty());
  const DemoEndpoints endpoints{"http://127.0.0.1:4001", "http://127.0.0.1:4002/v1", "bot-token",
                                "/tmp/x/mmclaw.db"};
  const auto config = make_demo_config(example, endpoints);
  ASSERT_TRUE(config) << config.error().message;
  const auto value = json::parse(*config);  // plain JSON now
  const auto& mattermost = value.at("channels").at("mattermost");
  EXPECT_EQ(mattermost.at("baseUrl").as_string(), "http://127.0.0.1:4001");
  EXPECT_EQ(mattermost.at("botToken").as_string(), "bot-token");
  EXPECT_EQ(mattermost.at("chatmode").as_string(), "oncall");  // the rest as the example has it
  EXPECT_EQ(value.at("models").at("providers").at("llmsim").at("baseUrl").as_string(),
            "http://127.0.0.1:4002/v1");
  EXPECT_EQ(value.at("mmclaw").at("store").at("path").as_string(), "/tmp/x/mmclaw.db");
  // The gateway answers with the example's model, on llmsim.
  EXPECT_FALSE(value.at("models").at("providers").as_object().contains("echo"));
}

TEST(DemoSetup, TheConfigNeedsAMattermostSection) {
  const DemoEndpoints endpoints{"u", "m", "t", "s"};
  EXPECT_FALSE(make_demo_config("{models: {}}", endpoints));
  EXPECT_FALSE(make_demo_config("[1]", endpoints));
  EXPECT_FALSE(make_demo_config("{channels: {mattermost: ", endpoints));
  const auto minimal = make_demo_config("{channels: {mattermost: {}}}", endpoints);
  ASSERT_TRUE(minimal);
  EXPECT_EQ(json::parse(*minimal).at("mmclaw").at("store").at("path").as_string(), "s");
}

TEST(DemoSetup, ReadsThePortOfAReadyLine) {
  EXPECT_EQ(parse_listening_port("mmsim listening on http://127.0.0.1:40123"), 40123);
  EXPECT_EQ(parse_listening_port("llmsim listening on http://[::1]:8080"), 8080);
  EXPECT_EQ(parse_listening_port("x listening on http://127.0.0.1:99/path"), 99);
  EXPECT_FALSE(parse_listening_port("mmsim starting"));
  EXPECT_FALSE(parse_listening_port("listening on http://127.0.0.1:"));
  EXPECT_FALSE(parse_listening_port("listening on http://127.0.0.1:70000"));
  EXPECT_FALSE(parse_listening_port("listening on http://127.0.0.1:0"));
  EXPECT_FALSE(parse_listening_port("listening on http://127.0.0.1:12ab"));
}

TEST(DemoSetup, SaysWhatAMissingGatewayMeans) {
  EXPECT_EQ(
      gateway_exit_note(2, "mmclaw gateway: not available yet in this version of mmclaw\n"),
      "the gateway is not available yet in this version: the bot will not answer; you can still talk as "
      "users and watch the channels");
  EXPECT_EQ(
      gateway_exit_note(1, "starting\nchannels.mattermost.botToken: rejected\n\n"),
      "the gateway exited with status 1 (channels.mattermost.botToken: rejected): the bot will not answer; "
      "you can still talk as users and watch the channels");
  EXPECT_EQ(
      gateway_exit_note(137, ""),
      "the gateway exited with status 137: the bot will not answer; you can still talk as users and watch "
      "the channels");
}

TEST(DemoSetup, LooksForToolsNextToTheBuildThenOnPath) {
  const auto candidates = tool_candidates("/w/build/release/src/mmclaw", "mmsim", "/usr/local/bin::/usr/bin");
  EXPECT_EQ(candidates, (std::vector<std::filesystem::path>{"/w/build/release/tools/mmsim/mmsim",
                                                            "/usr/local/bin/mmsim", "/usr/bin/mmsim"}));
  EXPECT_EQ(tool_candidates("", "llmsim", ""), std::vector<std::filesystem::path>{});
}

TEST(DemoSetup, LooksForSourceFilesHereThenInTheBuiltTree) {
  EXPECT_EQ(source_file_candidates("/home/me", "/w/build/release/src/mmclaw", "examples/demo.txt"),
            (std::vector<std::filesystem::path>{"/home/me/examples/demo.txt", "/w/examples/demo.txt"}));
  EXPECT_EQ(source_file_candidates("/w", "/w/build/release/src/mmclaw", "examples/demo.txt"),
            (std::vector<std::filesystem::path>{"/w/examples/demo.txt"}));
}

// ---- Posts and channels --------------------------------------------------------------------------

TEST(DemoPosts, ParsesAPostAsMmsimSendsIt) {
  const auto value = json::parse(R"({"id": "p1", "create_at": 5, "update_at": 7, "edit_at": 0, "delete_at": 0,
    "user_id": "u1", "channel_id": "c1", "root_id": "r1", "message": "hi", "type": "", "props": {},
    "file_ids": ["f1", "f2"]})");
  const auto parsed = parse_post(value);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->id, "p1");
  EXPECT_EQ(parsed->channel_id, "c1");
  EXPECT_EQ(parsed->user_id, "u1");
  EXPECT_EQ(parsed->root_id, "r1");
  EXPECT_EQ(parsed->message, "hi");
  EXPECT_EQ(parsed->update_at, 7);
  EXPECT_EQ(parsed->delete_at, 0);
  EXPECT_EQ(parsed->file_count, 2u);
}

TEST(DemoPosts, RefusesPostsWithoutTheirIds) {
  EXPECT_FALSE(parse_post(json::parse(R"({"channel_id": "c", "user_id": "u"})")));
  EXPECT_FALSE(parse_post(json::parse(R"({"id": "p", "user_id": "u"})")));
  EXPECT_FALSE(parse_post(json::parse(R"({"id": "p", "channel_id": "c", "user_id": 3})")));
  EXPECT_FALSE(
      parse_post(json::parse(R"({"id": "p", "channel_id": "c", "user_id": "u", "update_at": "x"})")));
  EXPECT_FALSE(parse_post(json::parse("[]")));
  const auto bare = parse_post(json::parse(R"({"id": "p", "channel_id": "c", "user_id": "u"})"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->message, "");
}

TEST(DemoPosts, NamesPlacesAsTheViewerSeesThem) {
  const auto names = [](std::string_view id) -> std::string {
    if (id == "aaa") return "alice";
    if (id == "bbb") return "bob";
    return "";
  };
  const auto channel = parse_channel(json::parse(R"({"id": "c", "type": "O", "name": "town-square",
                                                     "display_name": "Town Square"})"));
  ASSERT_TRUE(channel);
  EXPECT_EQ(place_label(*channel, "aaa", names), "#town-square");
  const ChannelView priv{"p", "P", "ops", "Operations"};
  EXPECT_EQ(place_label(priv, "aaa", names), "#ops");
  const ChannelView dm{"d", "D", "aaa__bbb", ""};
  EXPECT_EQ(place_label(dm, "aaa", names), "@bob");
  EXPECT_EQ(place_label(dm, "bbb", names), "@alice");
  const ChannelView self{"s", "D", "aaa__aaa", ""};
  EXPECT_EQ(place_label(self, "aaa", names), "@alice");
  const ChannelView stranger{"x", "D", "aaa__zzz", ""};
  EXPECT_EQ(place_label(stranger, "aaa", names), "@zzz");
  const ChannelView group{"g", "G", "f00", "alice, bob, carol"};
  EXPECT_EQ(place_label(group, "aaa", names), "@alice,bob,carol");
  EXPECT_FALSE(parse_channel(json::parse(R"({"id": "c", "name": "x"})")));
}

TEST(DemoPosts, RendersPostsEditsRepliesAndDeletions) {
  auto p = post("p1", "hello", 1);
  EXPECT_EQ(render_post(PostChange::created, p, "#town-square", "alice"), "[#town-square] @alice: hello");
  EXPECT_EQ(render_post(PostChange::edited, p, "#town-square", "mmclaw"),
            "[#town-square] @mmclaw (edited): hello");
  EXPECT_EQ(render_post(PostChange::deleted, p, "@mmclaw", "mmclaw"), "[@mmclaw] @mmclaw (deleted)");
  p.root_id = "r";
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] @bob (reply): hello");
  EXPECT_EQ(render_post(PostChange::edited, p, "#dev", "bob"), "[#dev] @bob (reply, edited): hello");
}

TEST(DemoPosts, RendersLinesFilesAndSystemPosts) {
  auto p = post("p1", "line one\nline two", 1);
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] @bob: line one\n    line two");
  p.message = "";
  p.file_count = 1;
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] @bob: [1 file]");
  p.message = "look";
  p.file_count = 3;
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] @bob: look [3 files]");
  p.file_count = 0;
  p.message = "";
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] @bob:");
  p.type = "system_join_channel";
  p.message = "bob joined the channel.";
  EXPECT_EQ(render_post(PostChange::created, p, "#dev", "bob"), "[#dev] (system) bob joined the channel.");
}

TEST(DemoShownPosts, ShowsANewPostOnce) {
  ShownPosts shown;
  EXPECT_EQ(shown.observe(post("p1", "hi", 10)), PostChange::created);
  EXPECT_EQ(shown.observe(post("p1", "hi", 10)), std::nullopt);
  EXPECT_TRUE(shown.known("p1"));
  EXPECT_FALSE(shown.known("p2"));
  EXPECT_EQ(shown.size(), 1u);
}

TEST(DemoShownPosts, ShowsEachEditOfTheMessage) {
  ShownPosts shown;
  ASSERT_EQ(shown.observe(post("p1", "Thinking", 10)), PostChange::created);
  EXPECT_EQ(shown.observe(post("p1", "The answer", 12)), PostChange::edited);
  EXPECT_EQ(shown.observe(post("p1", "The answer", 12)), std::nullopt);
  EXPECT_EQ(shown.observe(post("p1", "The answer is 42", 12)), PostChange::edited);  // same millisecond
  EXPECT_EQ(shown.observe(post("p1", "The answer", 11)), std::nullopt);              // an older version
}

TEST(DemoShownPosts, AnUpdateWithoutANewMessageIsNotAnEdit) {
  ShownPosts shown;
  ASSERT_EQ(shown.observe(post("p1", "root", 10)), PostChange::created);
  EXPECT_EQ(shown.observe(post("p1", "root", 20)), std::nullopt);  // a reply or a reaction bumped update_at
  EXPECT_EQ(shown.observe(post("p1", "root, edited", 21)), PostChange::edited);
}

TEST(DemoShownPosts, ShowsADeletionOnceAndNeverAPostDeletedBeforeItWasSeen) {
  ShownPosts shown;
  ASSERT_EQ(shown.observe(post("p1", "oops", 10)), PostChange::created);
  auto deleted = post("p1", "oops", 11);
  deleted.delete_at = 11;
  EXPECT_EQ(shown.observe(deleted), PostChange::deleted);
  EXPECT_EQ(shown.observe(deleted), std::nullopt);
  auto gone = post("p2", "never seen", 5);
  gone.delete_at = 6;
  EXPECT_EQ(shown.observe(gone), std::nullopt);
  EXPECT_TRUE(shown.known("p2"));
}
