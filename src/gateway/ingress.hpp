#pragma once
// The first look at an inbound post (channel-behaviour §3.6, §4.2): the filters that need nothing
// but the post and the bot's identity. Pure. Access control, mention gating and routing follow in
// gateway/inbound.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mattermost/types.hpp"
#include "store/store.hpp"

namespace mmclaw::gateway {

struct BotIdentity {
  std::string id;
  std::string username;  // without '@'
};

// Why a post is not answered; a stable code for logs and metrics.
enum class DropReason {
  self,            // posted by the bot itself
  system_post,     // type system_* (joins, header changes, ...)
  deleted,         // delete_at set (catch-up sees deletions too)
  empty_body,      // no text and no files
  unknown_channel  // the channel type is unknown, so DM and channel rules cannot be told apart
};
std::string_view to_string(DropReason reason) noexcept;

struct InboundPost {
  const mattermost::Post* post = nullptr;
  std::optional<mattermost::ChannelType> channel_type;
};

// nullopt: go on to access control. Otherwise the reason it is dropped.
std::optional<DropReason> screen_post(const InboundPost& inbound, const BotIdentity& bot);

// The store row for a post that will be answered.
store::IngressRecord ingress_record(std::string_view account_id, const mattermost::Post& post);

}  // namespace mmclaw::gateway
