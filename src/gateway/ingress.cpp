#include "gateway/ingress.hpp"

#include "util/strings.hpp"

namespace mmclaw::gateway {

std::string_view to_string(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::self: return "self";
    case DropReason::system_post: return "system_post";
    case DropReason::deleted: return "deleted";
    case DropReason::empty_body: return "empty_body";
    case DropReason::unknown_channel: return "unknown_channel";
  }
  return "unknown";
}

std::optional<DropReason> screen_post(const InboundPost& inbound, const BotIdentity& bot) {
  const auto& post = *inbound.post;
  if (!bot.id.empty() && post.user_id == bot.id) return DropReason::self;
  if (util::starts_with_icase(post.type, "system_")) return DropReason::system_post;
  if (post.delete_at != 0) return DropReason::deleted;
  if (util::trim(post.message).empty() && post.file_ids.empty()) return DropReason::empty_body;
  if (!inbound.channel_type) return DropReason::unknown_channel;
  return std::nullopt;
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
