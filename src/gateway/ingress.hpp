#pragma once
// The first look at an inbound post, before it is recorded in the store (channel-behaviour §3.6,
// §4.2): whose post it is, what kind of post, and whether the gateway answers it at all. Pure.
//
// This is the connection stage's rule (issue "Connect and listen"): every non-self post in a DM or
// GM is answered; a channel post only when it mentions the bot. Access control, pairing and the
// full mention gating of §4.5–4.6 replace `screen_post`'s last step later; the filters before it
// and the reason codes stay.

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
  own_post,        // posted by the bot itself
  system_post,     // type system_* (joins, header changes, ...)
  deleted,         // delete_at set (catch-up sees deletions too)
  empty,           // no text and no files
  not_mentioned,   // a channel post that does not mention the bot
  unknown_channel  // the channel type is unknown, so DM and channel rules cannot be told apart
};
std::string_view to_string(DropReason reason) noexcept;

struct InboundPost {
  const mattermost::Post* post = nullptr;
  std::optional<mattermost::ChannelType> channel_type;
};

// nullopt: answer it. Otherwise the reason it is dropped. Mentions are read from the text only, as
// the reference does: the server's `mentions` list also names every member for @channel and @here,
// and a post read by REST has no such list.
std::optional<DropReason> screen_post(const InboundPost& inbound, const BotIdentity& bot);

// The store row for a post that will be answered.
store::IngressRecord ingress_record(std::string_view account_id, const mattermost::Post& post);

}  // namespace mmclaw::gateway
