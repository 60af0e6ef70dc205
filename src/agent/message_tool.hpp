#pragma once
// The `message` tool offered to the model (PRODUCT.md "The agent runtime", channel-behaviour §5.7):
// its JSON Schema and the validation of one call's arguments into a typed call. Pure: targets are
// checked for shape only (resolving them, authorising delegated calls and talking to Mattermost
// are the caller's). Error texts go back to the model as the tool's result.

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "agent/model_types.hpp"

namespace mmclaw::agent {

inline constexpr std::string_view kMessageToolName = "message";
// A send's text is bounded here only against runaway output; chunking into posts of
// textChunkLimit (4000) happens on delivery (§5.3), so this is far above one post.
inline constexpr std::size_t kMaxSendTextBytes = 64 * 1024;
inline constexpr std::size_t kMaxButtonRows = 5;
inline constexpr std::size_t kMaxButtonsPerRow = 5;
inline constexpr std::size_t kMaxButtonTextBytes = 256;
inline constexpr std::size_t kMaxCallbackDataBytes = 1024;
inline constexpr int kDefaultReadLimit = 60;  // §5.7
inline constexpr int kMaxReadLimit = 200;     // per_page = min(limit, 200)

struct MessageToolOptions {
  bool reactions_enabled = true;  // `actions.reactions` (account → top level → true)
  bool read_enabled = false;      // `actions.messages` (off unless configured)
};

struct MessageButton {
  std::string text;
  std::string callback_data;
  std::string style = "default";  // default, primary, success, good, warning, danger
  bool operator==(const MessageButton&) const = default;
};

struct SendCall {
  std::optional<std::string> to;        // nullopt: the current conversation; else a §5.1 target, trimmed
  std::string text;                     // may be empty when a file is given
  std::optional<std::string> reply_to;  // thread root: replyToId, else threadId, else replyTo (§5.5)
  bool top_level = false;               // `topLevel: true` or `threadId: null`: no automatic threading
  std::vector<std::vector<MessageButton>> buttons;  // rows; empty rows dropped
  std::optional<std::string> file;                  // one local path or http(s) URL
  std::string attachment_text;                      // `attachmentText`: the text above the buttons
  bool operator==(const SendCall&) const = default;
};

struct ReactCall {
  std::optional<std::string>
      to;  // nullopt: the current conversation; else canonical channel:<id> / user:<id>
  std::string post_id;
  std::string emoji;  // normalised (mattermost::normalize_emoji)
  bool remove = false;
  bool operator==(const ReactCall&) const = default;
};

struct ReadCall {
  std::optional<std::string> channel;  // nullopt: the current conversation; else a channel target, trimmed
  int limit = kDefaultReadLimit;       // 1..kMaxReadLimit (larger asks are capped)
  std::optional<std::string> before;   // post id; at most one of before and after
  std::optional<std::string> after;
  bool operator==(const ReadCall&) const = default;
};

using MessageToolCall = std::variant<SendCall, ReactCall, ReadCall>;

// The tool as offered to the model: `react` only when reactions are enabled, `read` only when
// read is enabled (their parameters likewise).
ToolSpec message_tool_spec(const MessageToolOptions& options);

// The typed call, or the error text for the model: malformed JSON, a missing or unknown action,
// a parameter of the wrong type, the §5.4/§5.7 texts (`Mattermost react requires messageId (post
// id)`, `Mattermost react requires emoji`, `Mattermost reactions are disabled in config`,
// `Mattermost message is empty`, ...) and the bounds above. Unknown keys are ignored.
std::expected<MessageToolCall, std::string> parse_message_tool_call(std::string_view arguments_json,
                                                                    const MessageToolOptions& options);

// The `buttons` parameter of a send on its own: rows (arrays) of `{text, callback_data, style}`, a
// bare button standing for a row of one; the same checks and texts as in a tool call.
// `mmclaw message send --buttons` takes it.
std::expected<std::vector<std::vector<MessageButton>>, std::string> parse_message_buttons(
    const boost::json::value& rows);

// `Reacted with :<emoji>: on <postId>` / `Removed reaction :<emoji>: from <postId>` (§5.7).
std::string reaction_result_text(std::string_view emoji, std::string_view post_id, bool removed);

}  // namespace mmclaw::agent
