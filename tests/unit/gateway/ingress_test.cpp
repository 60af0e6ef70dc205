#include "gateway/ingress.hpp"

#include <gtest/gtest.h>

namespace mmclaw::gateway {
namespace {

using mattermost::ChannelType;

const BotIdentity kBot{"botid000000000000000000001", "mmclaw"};

mattermost::Post post(std::string message, std::string user = "alice00000000000000000000a") {
  mattermost::Post p;
  p.id = "post00000000000000000000001";
  p.user_id = std::move(user);
  p.channel_id = "chan00000000000000000000001";
  p.message = std::move(message);
  p.create_at = 1000;
  p.update_at = 1000;
  return p;
}

std::optional<DropReason> screen(const mattermost::Post& p, std::optional<ChannelType> type) {
  return screen_post(InboundPost{&p, type}, kBot);
}

TEST(ScreenPost, EveryChannelKindPassesOnToAccessControl) {
  // Mentions are gating's business (gateway/gating), not the screen's.
  for (auto type : {ChannelType::direct, ChannelType::group, ChannelType::open, ChannelType::private_team})
    EXPECT_EQ(screen(post("hello"), type), std::nullopt);
}

TEST(ScreenPost, FiltersComeBeforeTheChannelRule) {
  EXPECT_EQ(screen(post("@mmclaw hi", kBot.id), ChannelType::direct), DropReason::self);
  auto system = post("alice joined");
  system.type = "system_join_channel";
  EXPECT_EQ(screen(system, ChannelType::direct), DropReason::system_post);
  auto deleted = post("hi");
  deleted.delete_at = 2000;
  EXPECT_EQ(screen(deleted, ChannelType::direct), DropReason::deleted);
  EXPECT_EQ(screen(post("  \n"), ChannelType::direct), DropReason::empty_body);
  EXPECT_EQ(screen(post("hi"), std::nullopt), DropReason::unknown_channel);
}

TEST(ScreenPost, APostWithOnlyFilesIsNotEmpty) {
  auto files = post("");
  files.file_ids = {"file0000000000000000000001"};
  EXPECT_EQ(screen(files, ChannelType::direct), std::nullopt);
}

TEST(ScreenPost, ReasonCodesAreStable) {
  EXPECT_EQ(to_string(DropReason::self), "self");
  EXPECT_EQ(to_string(DropReason::system_post), "system_post");
  EXPECT_EQ(to_string(DropReason::deleted), "deleted");
  EXPECT_EQ(to_string(DropReason::empty_body), "empty_body");
  EXPECT_EQ(to_string(DropReason::unknown_channel), "unknown_channel");
}

TEST(IngressRecord, KeepsIdsAndTimes) {
  auto p = post("hi");
  p.root_id = "root00000000000000000000001";
  p.update_at = 0;
  const auto record = ingress_record("default", p);
  EXPECT_EQ(record.account_id, "default");
  EXPECT_EQ(record.post_id, p.id);
  EXPECT_EQ(record.channel_id, p.channel_id);
  EXPECT_EQ(record.root_id, p.root_id);
  EXPECT_EQ(record.create_at, 1000);
  EXPECT_EQ(record.update_at, 1000);  // falls back to create_at
}

}  // namespace
}  // namespace mmclaw::gateway
