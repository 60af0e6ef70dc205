#pragma once
// The post operations shared by REST routes, system messages and integration responses:
// validation (§4.6, §6), storage, counters, mentions and events.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "mmsim/model/app_error.hpp"
#include "mmsim/model/state.hpp"

namespace mmsim {

inline constexpr std::size_t kPostMessageMaxRunes = 16383;
inline constexpr std::size_t kPostPropsMaxRunes = 800000;
inline constexpr std::size_t kPostFileIdsMaxRunes = 300;

struct NewPost {
  std::string user_id;
  std::string channel_id;
  std::string root_id;
  std::string message;
  std::string type;
  boost::json::object props;
  std::vector<std::string> file_ids;
  std::string pending_post_id;
  std::int64_t create_at = 0;  // 0 = now
  bool set_online = true;
};

// Validates and stores a post, emits `posted` (and the "not in channel" ephemeral to the
// author). The caller has checked permissions.
std::expected<Post*, AppError> create_post(State& state, NewPost input, std::int64_t now,
                                           std::vector<Event>& events);

struct PostChange {
  std::optional<std::string> message;
  std::optional<boost::json::object> props;  // replaces the whole map
  std::optional<std::vector<std::string>> file_ids;
  std::optional<bool> is_pinned;
};

// Applies an edit, records it in the post's history and emits `post_edited`.
std::expected<Post*, AppError> update_post(State& state, Post& post, PostChange change,
                                           std::string_view cause, std::int64_t now,
                                           std::vector<Event>& events);

// Soft-deletes the post (and its replies when it is a root) and emits the two `post_deleted`.
void delete_post(State& state, Post& post, std::string_view deleter_id, std::int64_t now,
                 std::vector<Event>& events);

struct EphemeralPost {
  std::string user_id;  // author shown
  std::string channel_id;
  std::string root_id;
  std::string message;
  boost::json::object props;
};

// Sends an ephemeral post (`ephemeral_message`, user+channel scoped) to `recipient_id`; nothing
// is stored. Returns the post as sent.
boost::json::object send_ephemeral(State& state, std::string_view recipient_id, EphemeralPost input,
                                   std::int64_t now, std::vector<Event>& events);

// Users mentioned by a post: explicit @usernames of members, @channel/@all/@here to all
// members, the DM receiver; never the author. Non-members mentioned in O/P channels go to
// `not_in_channel` when given.
std::vector<std::string> mentioned_users(const State& state, const Channel& channel, const Post& post,
                                         std::vector<std::string>* not_in_channel = nullptr);

bool is_valid_post_type(std::string_view type);

}  // namespace mmsim
