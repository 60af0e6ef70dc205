#pragma once
// Plain structs for the Mattermost objects the gateway uses (protocol reference §0). They carry
// data only; decoding from JSON lives in mattermost/events.hpp. Ids are opaque strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace mmclaw::mattermost {

// Channel.type / posted.data.channel_type.
enum class ChannelType {
  direct,        // "D": two users
  group,         // "G": group message, 3-8 users
  private_team,  // "P": private channel of a team
  open,          // "O": public channel of a team
};

// "D"/"G"/"P"/"O", trimmed and case-insensitive (channel-behaviour §4.3); anything else is nullopt.
constexpr std::optional<ChannelType> channel_type_from_code(std::string_view code) noexcept {
  while (!code.empty() && (code.front() == ' ' || code.front() == '\t')) code.remove_prefix(1);
  while (!code.empty() && (code.back() == ' ' || code.back() == '\t')) code.remove_suffix(1);
  if (code.size() != 1) return std::nullopt;
  switch (code.front()) {
    case 'D':
    case 'd': return ChannelType::direct;
    case 'G':
    case 'g': return ChannelType::group;
    case 'P':
    case 'p': return ChannelType::private_team;
    case 'O':
    case 'o': return ChannelType::open;
    default: return std::nullopt;
  }
}

constexpr std::string_view channel_type_code(ChannelType type) noexcept {
  switch (type) {
    case ChannelType::direct: return "D";
    case ChannelType::group: return "G";
    case ChannelType::private_team: return "P";
    case ChannelType::open: return "O";
  }
  return "";
}

// A post (§0.2), restricted to the fields the gateway reads. Times are epoch milliseconds.
struct Post {
  std::string id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t edit_at = 0;    // 0 = never edited (also 0 after pin-only changes)
  std::int64_t delete_at = 0;  // unreliable in post_deleted: the copy is taken before deletion
  std::string user_id;
  std::string channel_id;
  std::string root_id;  // "" for a root post, else the id of the thread root
  std::string message;
  std::string type;  // "" for normal posts; system_*, slack_attachment, me, custom_*
  boost::json::object props;
  std::vector<std::string> file_ids;
  bool is_pinned = false;
  std::string pending_post_id;
  std::int64_t reply_count = 0;

  bool operator==(const Post&) const = default;
};

// A reaction (§0.6). emoji_name has no colons.
struct Reaction {
  std::string user_id;
  std::string post_id;
  std::string emoji_name;
  std::string channel_id;  // may be empty on older servers
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;

  bool operator==(const Reaction&) const = default;
};

}  // namespace mmclaw::mattermost
