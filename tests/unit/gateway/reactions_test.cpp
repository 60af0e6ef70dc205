// Inbound reactions as system events (gateway/reactions, channel-behaviour §4.10).
#include "gateway/reactions.hpp"

#include <gtest/gtest.h>

namespace mmclaw::gateway {
namespace {

mattermost::ReactionEvent reaction(bool added = true) {
  mattermost::ReactionEvent e;
  e.added = added;
  e.user_id = "alice00000000000000000000a";
  e.post_id = "post00000000000000000000p1";
  e.emoji_name = "thumbsup";
  e.channel_id = "chan00000000000000000000c1";
  return e;
}

TEST(Reactions, Screen) {
  EXPECT_EQ(screen_reaction(reaction(), "bot"), std::nullopt);
  auto own = reaction();
  own.user_id = "bot";
  EXPECT_EQ(screen_reaction(own, "bot"), ReactionDrop::self);
  auto no_channel = reaction();
  no_channel.channel_id = " ";
  EXPECT_EQ(screen_reaction(no_channel, "bot"), ReactionDrop::missing_channel);
  for (auto field : {&mattermost::ReactionEvent::user_id, &mattermost::ReactionEvent::post_id,
                     &mattermost::ReactionEvent::emoji_name}) {
    auto e = reaction();
    e.*field = "";
    EXPECT_EQ(screen_reaction(e, "bot"), ReactionDrop::missing_field);
  }
  EXPECT_EQ(to_string(ReactionDrop::self), "self");
}

TEST(Reactions, TextAndKey) {
  EXPECT_EQ(reaction_event_text(reaction(), "alice"),
            "Mattermost reaction added: :thumbsup: by @alice on post post00000000000000000000p1 in channel "
            "chan00000000000000000000c1");
  EXPECT_EQ(reaction_event_text(reaction(false), ""),
            "Mattermost reaction removed: :thumbsup: by @alice00000000000000000000a on post "
            "post00000000000000000000p1 in channel chan00000000000000000000c1");
  EXPECT_EQ(reaction_context_key(reaction()),
            "mattermost:reaction:post00000000000000000000p1:thumbsup:alice00000000000000000000a:added");
  EXPECT_EQ(reaction_context_key(reaction(false)),
            "mattermost:reaction:post00000000000000000000p1:thumbsup:alice00000000000000000000a:removed");
}

TEST(SystemEventQueue, DedupesBoundsAndTakes) {
  SystemEventQueue q(2, 2);
  EXPECT_TRUE(q.push("s1", {"k1", "one"}));
  EXPECT_FALSE(q.push("s1", {"k1", "one again"}));
  EXPECT_TRUE(q.push("s1", {"k2", "two"}));
  EXPECT_TRUE(q.push("s1", {"k3", "three"}));  // the oldest goes
  EXPECT_EQ(q.size("s1"), 2u);
  EXPECT_TRUE(q.push("s2", {"k1", "x"}));
  EXPECT_TRUE(q.push("s3", {"k1", "y"}));  // s1 is the least recently used: evicted
  EXPECT_EQ(q.sessions(), 2u);
  EXPECT_EQ(q.size("s1"), 0u);
  const auto taken = q.take("s2");
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].text, "x");
  EXPECT_EQ(q.size("s2"), 0u);
  EXPECT_TRUE(q.take("nothing").empty());
}

}  // namespace
}  // namespace mmclaw::gateway
