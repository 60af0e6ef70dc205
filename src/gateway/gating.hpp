#pragma once
// Mention gating and body normalisation (channel-behaviour §4.6, §4.7, and the edit-to-mention
// variant of §14). Pure: plain values in, a decision out. What the gateway knows about the thread
// (whether the bot has replied in it, who wrote its root) and whether the post carries files are
// passed in as data; remembering "already hinted" for a channel is the caller's.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// Whether `message` mentions `@username` (§4.6 "explicit mention"): `@` not preceded by
// `[A-Za-z0-9_]`; the name compared case-insensitively; not followed by `[A-Za-z0-9_]`, nor by a run
// of `.`, `:` or `-` that is followed by `[A-Za-z0-9_]` (`@bot,`, `@bot.`, `@bot:` mention;
// `@botx`, `@bot.name`, `bob@bot` do not). Mentions inside code spans and fenced code blocks do not
// count. An empty username never matches.
bool mentions_username(std::string_view message, std::string_view username);

// requireMention for a channel (§4.6): `groups.<channelId>.requireMention` → `groups["*"]` →
// chatmode (oncall → true, onmessage → false, onchar → true) → legacy `requireMention` → true.
bool resolve_require_mention(const config::AccountConfig& account, std::string_view channel_id);

// The onchar trigger (§4.6): leading whitespace ignored, the first prefix in order that the text
// starts with triggers, and the prefix plus the whitespace after it are stripped. Prefixes are
// trimmed; blank ones are skipped, and when none is left the defaults `>` and `!` apply.
struct OncharMatch {
  bool triggered = false;
  std::string_view rest;  // the text after the prefix (the whole text when not triggered)
};
OncharMatch match_onchar(std::string_view text, std::span<const std::string> prefixes);

// The bot mention removed line-aware (§4.7): on each line a leading mention (with a `,` or `:`
// right after it) and the blanks after it, or a trailing mention and the blanks before it, are
// removed; a mention inside a line is removed and the doubled blank collapsed. Mention-only leading
// lines are removed, then the result is trimmed. Indentation, lists, quotes and code (spans and
// fences) are kept.
std::string strip_bot_mention(std::string_view text, std::string_view username);

// Why gating drops a post; a stable code for logs and metrics.
enum class GatingDrop {
  no_mention,  // requireMention applies and nothing mentioned the bot
  empty_body   // nothing visible left and no files (§4.7 empty-body rule)
};
std::string_view to_string(GatingDrop reason) noexcept;

struct GatingInput {
  mattermost::ChannelType channel_type = mattermost::ChannelType::open;
  std::string_view channel_id;
  std::string_view message;
  bool has_attachments = false;
  // Implicit mentions (§4.6, §14): the bot has posted a visible reply in this post's thread, and
  // this post replies in a thread whose root post the bot wrote. Set only for thread posts.
  bool bot_replied_in_thread = false;
  bool thread_root_by_bot = false;
  // An authorised control command bypasses mention gating (§4.5, §4.6).
  bool authorised_command = false;
};

struct GatingDecision {
  bool answer = false;
  bool was_mentioned = false;  // explicit, implicit or onchar; false for DMs (§4.9: groups only)
  bool require_mention = false;
  bool onchar_triggered = false;
  std::string body;  // the normalised body (§4.7); set when answered
  std::optional<GatingDrop> drop;
};

// The gating of one post. DMs are never gated (but the empty-body rule applies to every post).
// When the username is empty a mention cannot be detected and the post is not gated (§4.6:
// "detection is possible when the username is known").
GatingDecision gate_post(const GatingInput& input, const config::AccountConfig& account,
                         std::string_view bot_username);

// The edit rule (§14): an edited post is answered only when the edit adds a bot mention the
// previous text did not have, by the same author, with the text changed. The caller then gates the
// edited text with gate_post.
struct PostEdit {
  std::string_view previous_message;
  std::string_view message;
  std::string_view previous_user_id;
  std::string_view user_id;
};
bool edit_adds_mention(const PostEdit& edit, std::string_view bot_username);

// Where an account's `groups` live in the config file: `channels.mattermost.groups` for the default
// account, `channels.mattermost.accounts.<id>.groups` otherwise.
std::string groups_config_path(std::string_view account_id);

// The one-time hint logged for a channel whose post was skipped for lack of a mention (§4.6).
std::string mention_hint(std::string_view groups_path, std::string_view channel_id);

}  // namespace mmclaw::gateway
