#pragma once
// The button-click callback of channel-behaviour §8.3, the pure part: the checks of a click's
// body in the reference's order (context, `_token`, the HMAC, `action_id`, the signed channel),
// the checks against the clicked post once it has been fetched (post/channel, the action), and
// the texts a generic click produces (the confirmation line, the system event, the turn's text).
// The shell reads the body within its limits, checks the source address, fetches the post,
// authorises the clicker and records the click.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// A refused click: the status and the `error` of the JSON body (`{"error":"<error>"}`), and what
// to log (empty: nothing).
struct InteractionRefusal {
  int status = 400;
  std::string error;
  std::string log;
  bool operator==(const InteractionRefusal&) const = default;
};

// A click whose body passed every check that needs no lookup.
struct InteractionClick {
  std::string post_id;
  std::string channel_id;
  std::string user_id;
  std::string user_name;  // may be empty
  std::string team_id;
  std::string action_id;
  boost::json::object context;  // as signed, `_token` included
};

// `{"error":"<error>"}`.
std::string refusal_body(const InteractionRefusal& refusal);

// In order: not a JSON object → 400 `Invalid request body`; no `context` object → 400 `Missing
// context`; `_token` not a string → 403 `Missing token` (log `missing _token in context`); HMAC of
// the context (without `_token`) with `secret` ≠ `_token` → 403 `Invalid token` (log `invalid
// _token`); `action_id` not a string → 400 `Missing action_id in context`; the signed
// `__openclaw_channel_id` ≠ the body's `channel_id` → 403 `Channel mismatch`. `post_id`,
// `channel_id` and `user_id` must be non-empty strings (else 400 `Invalid request body`).
std::expected<InteractionClick, InteractionRefusal> check_interaction_body(std::string_view body,
                                                                          std::string_view secret);

// After `GET /posts/<post_id>`: its channel ≠ the click's → 403 `Post/channel mismatch`; no action
// with `id == action_id` in the post's `props.attachments[].actions[]` → 403 `Unknown action`.
std::optional<InteractionRefusal> check_clicked_post(const InteractionClick& click, const mattermost::Post& post);

// The `name` of the clicked action in the post (its id when it has no name).
std::string clicked_button_name(const InteractionClick& click, const mattermost::Post& post);

// Who clicked, as the texts name them: `user_name`, else the user id.
std::string clicker_name(const InteractionClick& click);

// The props that replace the buttons: `{attachments:[{text:"✓ **<button>** selected by @<user>"}]}`.
boost::json::object confirmation_props(std::string_view button_name, std::string_view user_name);

// `Mattermost button click: action="<action>" by <user> in channel <channel>` (the system event).
std::string click_event_text(const InteractionClick& click);

// `[Button click: user @<user> selected "<button>"]` (the turn's text).
std::string click_turn_text(std::string_view user_name, std::string_view button_name);

// `interaction:<post id>:<action id>`: the click's id, so each click is answered once.
std::string click_message_id(const InteractionClick& click);

}  // namespace mmclaw::gateway
