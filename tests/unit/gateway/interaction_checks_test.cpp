// The button-click callback's checks and texts (channel-behaviour §8.3), in the reference's order.

#include "gateway/interaction_checks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mattermost/buttons.hpp"

namespace mmclaw::gateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kChannel = "chanchanchanchanchanchanch";
constexpr std::string_view kPost = "postpostpostpostpostpostpo";

const std::string& secret() {
  static const std::string s = mattermost::interaction_secret("bot-token-for-tests");
  return s;
}

// The props of a post with a Yes and a No button, signed as the gateway signs them.
json::object button_props() {
  std::vector<mattermost::ButtonSpec> buttons(2);
  buttons[0].id = "deploy_yes";
  buttons[0].name = "Yes";
  buttons[1].id = "deploy_no";
  buttons[1].name = "No";
  return mattermost::button_attachments_props(buttons, "", kChannel, "http://localhost:18789/mattermost/interactions/default",
                                              secret());
}

json::object signed_context(std::size_t index = 0) {
  return button_props()
      .at("attachments").at(0).at("actions").at(index).at("integration").at("context").as_object();
}

json::object body(json::object context) {
  return json::object{{"user_id", "useruseruseruseruseruserus"}, {"user_name", "alice"},
                      {"channel_id", kChannel},                  {"team_id", "teamteamteamteamteamteamte"},
                      {"post_id", kPost},                        {"context", std::move(context)}};
}

InteractionRefusal refusal_of(const json::object& b) {
  auto checked = check_interaction_body(json::serialize(b), secret());
  if (checked) return {};
  return checked.error();
}

mattermost::Post post_with_buttons() {
  mattermost::Post post;
  post.id = std::string(kPost);
  post.channel_id = std::string(kChannel);
  post.message = "Deploy?";
  post.props = button_props();
  return post;
}

TEST(InteractionBody, ASignedClickPasses) {
  auto click = check_interaction_body(json::serialize(body(signed_context())), secret());
  ASSERT_TRUE(click) << click.error().error;
  EXPECT_EQ(click->action_id, "deployyes");
  EXPECT_EQ(click->post_id, kPost);
  EXPECT_EQ(click->channel_id, kChannel);
  EXPECT_EQ(click->user_name, "alice");
  EXPECT_EQ(click_message_id(*click), "interaction:" + std::string(kPost) + ":deployyes");
}

TEST(InteractionBody, UnreadableBodiesAndAMissingContext) {
  EXPECT_EQ(check_interaction_body("{not json", secret()).error(), (InteractionRefusal{400, "Invalid request body", ""}));
  EXPECT_EQ(check_interaction_body("[1]", secret()).error(), (InteractionRefusal{400, "Invalid request body", ""}));
  auto b = body(signed_context());
  b.erase("context");
  EXPECT_EQ(refusal_of(b), (InteractionRefusal{400, "Missing context", ""}));
  b["context"] = "not an object";
  EXPECT_EQ(refusal_of(b), (InteractionRefusal{400, "Missing context", ""}));
}

TEST(InteractionBody, TheTokenIsCheckedBeforeAnythingInTheContextIsBelieved) {
  auto context = signed_context();
  context.erase("_token");
  EXPECT_EQ(refusal_of(body(context)), (InteractionRefusal{403, "Missing token", "missing _token in context"}));
  context["_token"] = 42;
  EXPECT_EQ(refusal_of(body(context)), (InteractionRefusal{403, "Missing token", "missing _token in context"}));

  for (const auto& [key, value] : {std::pair<std::string, std::string>{"action_id", "deployno"},
                                   {"__openclaw_channel_id", "otherchannelotherchannelot"},
                                   {"callback_data", "deploy_no"}}) {
    auto tampered = signed_context();
    tampered[key] = value;
    EXPECT_EQ(refusal_of(body(tampered)), (InteractionRefusal{403, "Invalid token", "invalid _token"})) << key;
  }
  auto forged = signed_context();
  forged["_token"] = std::string(64, 'a');
  EXPECT_EQ(refusal_of(body(forged)), (InteractionRefusal{403, "Invalid token", "invalid _token"}));
}

TEST(InteractionBody, ASignedContextWithoutActionIdAndTheChannelBinding) {
  json::object context{{"__openclaw_channel_id", kChannel}};
  context["_token"] = mattermost::interaction_token(secret(), context);
  EXPECT_EQ(refusal_of(body(context)), (InteractionRefusal{400, "Missing action_id in context", ""}));

  auto moved = body(signed_context());
  moved["channel_id"] = "otherchannelotherchannelot";
  EXPECT_EQ(refusal_of(moved), (InteractionRefusal{403, "Channel mismatch", ""}));

  auto no_post = body(signed_context());
  no_post.erase("post_id");
  EXPECT_EQ(refusal_of(no_post), (InteractionRefusal{400, "Invalid request body", ""}));
  EXPECT_EQ(refusal_body(InteractionRefusal{403, "Channel mismatch", ""}), R"({"error":"Channel mismatch"})");
}

TEST(InteractionPost, ThePostMustBeInTheChannelAndHoldTheAction) {
  auto click = check_interaction_body(json::serialize(body(signed_context(1))), secret());
  ASSERT_TRUE(click);
  auto post = post_with_buttons();
  EXPECT_EQ(check_clicked_post(*click, post), std::nullopt);
  EXPECT_EQ(clicked_button_name(*click, post), "No");
  post.channel_id = "otherchannelotherchannelot";
  EXPECT_EQ(check_clicked_post(*click, post), (InteractionRefusal{403, "Post/channel mismatch", ""}));
  post = post_with_buttons();
  post.props = confirmation_props("No", "alice");  // the buttons are gone after a click
  EXPECT_EQ(check_clicked_post(*click, post), (InteractionRefusal{403, "Unknown action", ""}));
}

TEST(InteractionTexts, ConfirmationEventAndTurn) {
  EXPECT_EQ(json::serialize(confirmation_props("Yes", "alice")),
            R"({"attachments":[{"text":"✓ **Yes** selected by @alice"}]})");
  auto click = check_interaction_body(json::serialize(body(signed_context())), secret());
  ASSERT_TRUE(click);
  EXPECT_EQ(click_event_text(*click),
            "Mattermost button click: action=\"deployyes\" by alice in channel " + std::string(kChannel));
  click->user_name.clear();
  EXPECT_EQ(clicker_name(*click), "useruseruseruseruseruserus");
  EXPECT_EQ(click_turn_text("alice", "Yes"), "[Button click: user @alice selected \"Yes\"]");
}

}  // namespace
}  // namespace mmclaw::gateway
