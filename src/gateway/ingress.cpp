#include "gateway/ingress.hpp"

#include "gateway/gating.hpp"
#include "util/strings.hpp"

namespace mmclaw::gateway {

std::string_view to_string(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::own_post: return "own_post";
    case DropReason::system_post: return "system_post";
    case DropReason::deleted: return "deleted";
    case DropReason::empty: return "empty";
    case DropReason::not_mentioned: return "not_mentioned";
    case DropReason::unknown_channel: return "unknown_channel";
  }
  return "unknown";
}

std::optional<DropReason> screen_post(const InboundPost& inbound, const BotIdentity& bot) {
  const auto& post = *inbound.post;
  if (!bot.id.empty() && post.user_id == bot.id) return DropReason::own_post;
  if (util::starts_with_icase(post.type, "system_")) return DropReason::system_post;
  if (post.delete_at != 0) return DropReason::deleted;
  if (util::trim(post.message).empty() && post.file_ids.empty()) return DropReason::empty;
  if (!inbound.channel_type) return DropReason::unknown_channel;
  switch (*inbound.channel_type) {
    case mattermost::ChannelType::direct:
    case mattermost::ChannelType::group: return std::nullopt;
    case mattermost::ChannelType::open:
    case mattermost::ChannelType::private_team: break;
  }
  if (mentions_username(post.message, bot.username)) return std::nullopt;
  return DropReason::not_mentioned;
}

store::IngressRecord ingress_record(std::string_view account_id, const mattermost::Post& post) {
  store::IngressRecord record;
  record.account_id = std::string(account_id);
  record.post_id = post.id;
  record.channel_id = post.channel_id;
  record.root_id = post.root_id;
  record.create_at = post.create_at;
  record.update_at = post.update_at != 0 ? post.update_at : post.create_at;
  return record;
}

}  // namespace mmclaw::gateway
