// The model request of a turn (agent/prompt): system prompt parts, the transcript trimmed to the
// budget with the newest messages kept, and the channel's own prompt.
#include "agent/prompt.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "agent/transcript.hpp"

namespace mmclaw::agent {
namespace {

ChatMessage message(Role role, std::string text) {
  ChatMessage m;
  m.role = role;
  m.text = std::move(text);
  return m;
}

TEST(Prompt, SystemPromptPartsInOrder) {
  PromptInput in;
  in.model_id = "llama3";
  in.agent_prompt = "You are helpful.";
  in.channel_prompt = "  Ops channel: be terse.  ";
  in.conversation = "You are in the Mattermost channel #ops; this message is from @alice.";
  in.system_events = {"Mattermost reaction added: :eyes: by @bob on post p1 in channel c1"};
  in.message = "hello";
  const auto prompt = build_prompt(in);
  ASSERT_EQ(prompt.request.messages.size(), 2u);
  EXPECT_EQ(prompt.request.model, "llama3");
  EXPECT_EQ(prompt.request.messages[0].role, Role::system);
  EXPECT_EQ(prompt.request.messages[0].text,
            "You are helpful.\n\nOps channel: be terse.\n\nYou are in the Mattermost channel #ops; this message is "
            "from @alice.\n\nSince the last message:\n- Mattermost reaction added: :eyes: by @bob on post p1 in "
            "channel c1");
  EXPECT_EQ(prompt.request.messages[1].role, Role::user);
  EXPECT_EQ(prompt.request.messages[1].text, "hello");
}

TEST(Prompt, NoSystemMessageWhenThereIsNothingToSay) {
  PromptInput in;
  in.message = "hi";
  const auto prompt = build_prompt(in);
  ASSERT_EQ(prompt.request.messages.size(), 1u);
  EXPECT_EQ(prompt.request.messages[0].role, Role::user);
}

TEST(Prompt, TheTranscriptIsTrimmedFromTheOldestEndToTheBudget) {
  PromptInput in;
  in.context_window = 1200;
  in.max_tokens = 200;
  for (int i = 0; i < 40; ++i) {
    in.transcript.push_back(message(Role::user, fmt::format("question {} {}", i, std::string(200, 'q'))));
    in.transcript.push_back(message(Role::assistant, fmt::format("answer {} {}", i, std::string(200, 'a'))));
  }
  in.message = "the newest question";
  const auto prompt = build_prompt(in);
  EXPECT_GT(prompt.transcript_dropped, 0u);
  EXPECT_FALSE(prompt.over_budget);
  const auto& messages = prompt.request.messages;
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages.back().text, "the newest question");
  EXPECT_TRUE(messages[messages.size() - 2].text.starts_with("answer 39 ")) << "the newest history stays";
  int tokens = 0;
  for (const auto& m : messages) tokens += approx_tokens(m);
  EXPECT_LE(tokens, 1200 - 200);
}

TEST(Prompt, TheChannelPromptFallsBackToTheStar) {
  config::AccountConfig account;
  account.groups["*"].system_prompt = "Everywhere.";
  account.groups["c1"].system_prompt = "Here.";
  account.groups["c2"].require_mention = false;  // no prompt of its own
  EXPECT_EQ(channel_system_prompt(account, "c1"), "Here.");
  EXPECT_EQ(channel_system_prompt(account, "c2"), "Everywhere.");
  account.groups.erase("*");
  EXPECT_EQ(channel_system_prompt(account, "c2"), std::nullopt);
}

TEST(Prompt, ConversationContextSaysWhereTheTurnIs) {
  gateway::TurnContext dm;
  dm.chat_type = gateway::ChatType::direct;
  dm.sender_id = "u1";
  dm.sender_name = "alice";
  EXPECT_EQ(conversation_context(dm), "You are talking with @alice in a direct message on Mattermost.");
  gateway::TurnContext channel;
  channel.chat_type = gateway::ChatType::channel;
  channel.sender_name = "bob";
  channel.group_channel = "#town-square";
  channel.message_thread_id = "root1";
  EXPECT_EQ(conversation_context(channel),
            "You are in the Mattermost channel #town-square; this message is from @bob. You are answering in a "
            "thread.");
}

// --- images of the turn --------------------------------------------------------------------------

ImagePart png(char tag) {
  return ImagePart{"image/png", std::string("\x89PNG\r\n\x1a\n") + tag};
}

TEST(Prompt, ImagesGoWithTheFinalUserMessageOnly) {
  PromptInput in;
  in.transcript = {message(Role::user, "earlier"), message(Role::assistant, "ok")};
  in.message = "what is in this picture?";
  in.images = {png('a'), png('b')};
  const auto prompt = build_prompt(in);
  ASSERT_EQ(prompt.request.messages.size(), 3u);
  EXPECT_TRUE(prompt.request.messages[0].images.empty());
  EXPECT_TRUE(prompt.request.messages[1].images.empty());
  const auto& last = prompt.request.messages.back();
  EXPECT_EQ(last.role, Role::user);
  EXPECT_EQ(last.text, "what is in this picture?") << "the text is unchanged when every image fits";
  EXPECT_EQ(last.images, (std::vector<ImagePart>{png('a'), png('b')}));
  EXPECT_EQ(prompt.images_dropped, 0u);
}

TEST(Prompt, WithoutImagesTheMessageHasNone) {
  PromptInput in;
  in.message = "hi";
  EXPECT_TRUE(build_prompt(in).request.messages.back().images.empty());
}

TEST(Prompt, ImagesTakeAtMostHalfTheBudgetAndTheRestAreLeftOutVisibly) {
  EXPECT_EQ(max_prompt_images(0), 1u) << "a tiny window still sees one image";
  EXPECT_EQ(max_prompt_images(1999), 1u);
  EXPECT_EQ(max_prompt_images(6000), 3u);
  EXPECT_EQ(max_prompt_images(100000), 50u);

  PromptInput in;
  in.context_window = 8192;
  in.max_tokens = 2048;  // a history budget of 6144: three images
  in.message = "compare these";
  for (char c = 'a'; c < 'a' + 5; ++c) in.images.push_back(png(c));
  const auto prompt = build_prompt(in);
  const auto& last = prompt.request.messages.back();
  ASSERT_EQ(last.images.size(), 3u);
  EXPECT_EQ(last.images[0], png('a')) << "the first images are kept, in order";
  EXPECT_EQ(last.images[2], png('c'));
  EXPECT_EQ(prompt.images_dropped, 2u);
  EXPECT_EQ(last.text, "compare these\n\n[2 of the 5 attached images were left out to fit the model's context window.]");
  EXPECT_FALSE(prompt.over_budget);

  PromptInput one;
  one.context_window = 1200;
  one.max_tokens = 200;
  one.images = {png('a'), png('b')};
  const auto small = build_prompt(one);
  EXPECT_EQ(small.request.messages.back().images.size(), 1u);
  EXPECT_EQ(small.request.messages.back().text,
            "[1 of the 2 attached images was left out to fit the model's context window.]");
}

TEST(Prompt, TheTranscriptMakesRoomForTheImages) {
  PromptInput in;
  in.context_window = 8192;
  in.max_tokens = 2048;
  for (int i = 0; i < 40; ++i) {
    in.transcript.push_back(message(Role::user, fmt::format("question {} {}", i, std::string(200, 'q'))));
    in.transcript.push_back(message(Role::assistant, fmt::format("answer {} {}", i, std::string(200, 'a'))));
  }
  in.message = "and this one?";
  const auto without = build_prompt(in);
  in.images = {png('a'), png('b'), png('c')};
  const auto with = build_prompt(in);
  EXPECT_FALSE(with.over_budget);
  EXPECT_GT(with.transcript_dropped, without.transcript_dropped) << "older history gives way to the images";
  EXPECT_EQ(with.request.messages.back().images.size(), 3u) << "the turn's images are never trimmed away";
  int tokens = 0;
  for (const auto& m : with.request.messages) tokens += approx_tokens(m);
  EXPECT_LE(tokens, 8192 - 2048);
}

}  // namespace
}  // namespace mmclaw::agent
