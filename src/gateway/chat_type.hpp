#pragma once
// The chat kinds the decisions tell apart (channel-behaviour §4.3): D is direct; G (group message)
// and P (private channel) are group; O is channel. Pure.

#include <string_view>

#include "mattermost/types.hpp"

namespace mmclaw::gateway {

enum class ChatType { direct, group, channel };

constexpr ChatType chat_type_of(mattermost::ChannelType type) noexcept {
  switch (type) {
    case mattermost::ChannelType::direct: return ChatType::direct;
    case mattermost::ChannelType::group:
    case mattermost::ChannelType::private_team: return ChatType::group;
    case mattermost::ChannelType::open: return ChatType::channel;
  }
  return ChatType::channel;
}

// "direct", "group", "channel".
constexpr std::string_view to_string(ChatType type) noexcept {
  switch (type) {
    case ChatType::direct: return "direct";
    case ChatType::group: return "group";
    case ChatType::channel: return "channel";
  }
  return "channel";
}

}  // namespace mmclaw::gateway
