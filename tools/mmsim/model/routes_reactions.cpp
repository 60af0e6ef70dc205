// Reactions (§4.7): saving is idempotent, removal is a soft delete; both touch the post's
// update_at and has_reactions and emit reaction_added / reaction_removed (no post_edited).

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/events.hpp"
#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/routes.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

constexpr std::size_t kEmojiNameMaxLength = 64;

bool valid_emoji_name(std::string_view name) {
  if (name.empty() || name.size() > kEmojiNameMaxLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '+';
  });
}

// The live post and its channel when the caller holds a channel-member permission there.
Post* reactable_post(Ctx& ctx, const std::string& post_id) {
  Post* post = ctx.st.post_mut(post_id);
  if (post == nullptr || post->delete_at != 0) return nullptr;
  const Channel* channel = ctx.st.channel(post->channel_id);
  if (channel == nullptr || !ctx.st.has_channel_role(*ctx.me, *channel)) return nullptr;
  return post;
}

void refresh_has_reactions(State& state, Post& post, std::int64_t now) {
  const auto& list = state.reactions[post.id];
  post.has_reactions =
      std::any_of(list.begin(), list.end(), [](const Reaction& r) { return r.delete_at == 0; });
  post.update_at = now;
}

}  // namespace

Outcome post_reaction(Ctx& ctx) {
  auto body = parse_body_object(ctx, "reaction");
  if (!body) return std::unexpected(body.error());
  auto user_id = field_string(*body, "user_id", "reaction");
  auto post_id = field_string(*body, "post_id", "reaction");
  auto emoji = field_string(*body, "emoji_name", "reaction");
  if (!user_id) return std::unexpected(user_id.error());
  if (!post_id) return std::unexpected(post_id.error());
  if (!emoji) return std::unexpected(emoji.error());
  if (!is_valid_id(*user_id) || !is_valid_id(*post_id) || emoji->empty() ||
      emoji->size() > kEmojiNameMaxLength) {
    return std::unexpected(AppError::make(400, "api.reaction.save_reaction.invalid.app_error"));
  }
  if (*user_id != ctx.me->id)
    return std::unexpected(AppError::make(403, "api.reaction.save_reaction.user_id.app_error"));
  Post* post = reactable_post(ctx, *post_id);
  if (post == nullptr) return std::unexpected(err_permissions());
  if (!valid_emoji_name(*emoji))
    return std::unexpected(AppError::make(400, "model.reaction.is_valid.emoji_name.app_error"));

  auto& list = ctx.st.reactions[post->id];
  auto found = std::find_if(list.begin(), list.end(), [&](const Reaction& r) {
    return r.user_id == *user_id && r.emoji_name == *emoji;
  });
  if (found == list.end()) {
    Reaction reaction;
    reaction.user_id = *user_id;
    reaction.post_id = post->id;
    reaction.emoji_name = *emoji;
    reaction.channel_id = post->channel_id;
    reaction.create_at = ctx.now;
    list.push_back(std::move(reaction));
    found = list.end() - 1;
  } else if (found->delete_at != 0) {
    found->create_at = ctx.now;
    found->delete_at = 0;
  }
  found->update_at = ctx.now;  // saving again is an upsert
  const Reaction saved = *found;
  refresh_has_reactions(ctx.st, *post, ctx.now);
  ctx.events.push_back(channel_event("reaction_added", post->channel_id,
                                     json::object{{"reaction", to_json(reaction_json(saved))}}));
  return json_reply(200, reaction_json(saved));
}

Outcome delete_reaction(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  auto post_id = require_id(ctx.params[1], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  const std::string& emoji = ctx.params[2];
  if (!valid_emoji_name(emoji)) return std::unexpected(err_invalid_url_param("emoji_name"));
  Post* post = reactable_post(ctx, *post_id);
  if (post == nullptr) return std::unexpected(err_permissions());
  if (*user_id != ctx.me->id && !ctx.is_admin())
    return std::unexpected(err_permissions());  // remove_others_reactions
  auto& list = ctx.st.reactions[post->id];
  auto found = std::find_if(list.begin(), list.end(), [&](const Reaction& r) {
    return r.user_id == *user_id && r.emoji_name == emoji && r.delete_at == 0;
  });
  if (found != list.end()) {
    found->update_at = ctx.now;
    found->delete_at = ctx.now;
    const Reaction removed = *found;
    refresh_has_reactions(ctx.st, *post, ctx.now);
    ctx.events.push_back(channel_event("reaction_removed", post->channel_id,
                                       json::object{{"reaction", to_json(reaction_json(removed))}}));
  }
  return status_ok_reply();
}

Outcome get_post_reactions(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  const Post* post = ctx.st.post(*post_id);
  const Channel* channel = post == nullptr ? nullptr : ctx.st.channel(post->channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  json::array out;
  auto found = ctx.st.reactions.find(post->id);
  if (found != ctx.st.reactions.end()) {
    for (const auto& reaction : found->second) {
      if (reaction.delete_at == 0) out.push_back(reaction_json(reaction));
    }
  }
  return json_reply(200, out);
}

}  // namespace mmsim
