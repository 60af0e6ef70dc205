#include "agent/message_tool.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "mattermost/emoji.hpp"
#include "util/strings.hpp"

namespace mmclaw::agent {
namespace {

namespace json = boost::json;
using Error = std::unexpected<std::string>;

// Arguments are model output: bounded before they are parsed (the text cap plus JSON escaping).
constexpr std::size_t kMaxArgumentsBytes = 1024 * 1024;
constexpr std::size_t kEchoLimit = 48;

constexpr std::array<std::string_view, 6> kButtonStyles{"default", "primary", "success",
                                                        "good",    "warning", "danger"};
// The single-file keys a send accepts (§5.4); `path` is the one the schema offers.
constexpr std::array<std::string_view, 5> kFileKeys{"path", "filePath", "media", "mediaUrl", "fileUrl"};

constexpr std::string_view kOneAttachment =
    "Mattermost send supports one attachment per message; split multiple mediaUrls or attachments[] entries "
    "into separate sends.";
constexpr std::string_view kNoBuffers =
    "Mattermost send attachments require media, mediaUrl, path, filePath, fileUrl, mediaUrls, or "
    "attachments[] "
    "with one of those fields; buffer/base64 payloads are not supported.";

std::string echo(std::string_view s) {
  if (s.size() <= kEchoLimit) return std::string(s);
  std::size_t cut = kEchoLimit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

// The field's value; nullptr when absent or null.
const json::value* field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

// The first of `keys` that is present and not null.
const json::value* first_field(const json::object& o, std::initializer_list<std::string_view> keys,
                               std::string_view* found = nullptr) {
  for (const auto key : keys) {
    if (const auto* v = field(o, key)) {
      if (found != nullptr) *found = key;
      return v;
    }
  }
  return nullptr;
}

std::string type_error(std::string_view action, std::string_view key, std::string_view expected) {
  return fmt::format("Mattermost {}: {} must be {}", action, key, expected);
}

// An optional string parameter, trimmed; blank is absent.
std::expected<std::optional<std::string>, std::string> trimmed_string(const json::value* v,
                                                                      std::string_view action,
                                                                      std::string_view key) {
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return Error(type_error(action, key, "a string"));
  const std::string_view s = util::trim(std::string_view(v->get_string()));
  if (s.empty()) return std::nullopt;
  return std::string(s);
}

std::expected<std::optional<std::string>, std::string> trimmed_string(const json::object& o,
                                                                      std::string_view action,
                                                                      std::string_view key) {
  return trimmed_string(field(o, key), action, key);
}

std::string action_list(const MessageToolOptions& options) {
  std::vector<std::string_view> names{"send"};
  if (options.reactions_enabled) names.emplace_back("react");
  if (options.read_enabled) names.emplace_back("read");
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// --- send ----------------------------------------------------------------------------------------

// The shape checks of §5.1 that need no lookup: a prefix with nothing after it.
std::optional<std::string> send_target_error(std::string_view to) {
  const auto value_after = [&](std::string_view prefix) { return util::trim(to.substr(prefix.size())); };
  for (const auto prefix : {"channel:", "group:"}) {
    if (!util::starts_with_icase(to, prefix)) continue;
    const std::string_view rest = value_after(prefix);
    if (rest.empty()) return "Channel id is required for Mattermost sends";
    if (rest.front() == '#' && util::trim(rest.substr(1)).empty())
      return "Channel name is required for Mattermost sends";
    return std::nullopt;
  }
  for (const auto prefix : {"user:", "mattermost:"})
    if (util::starts_with_icase(to, prefix) && value_after(prefix).empty())
      return "User id is required for Mattermost sends";
  if (to.front() == '@' && value_after("@").empty()) return "Username is required for Mattermost sends";
  if (to.front() == '#' && value_after("#").empty()) return "Channel name is required for Mattermost sends";
  return std::nullopt;
}

std::expected<MessageButton, std::string> parse_button(const json::value& v) {
  if (!v.is_object())
    return Error(type_error("send", "each button", "an object with text and callback_data"));
  const auto& o = v.get_object();
  const auto* text = field(o, "text");
  if (text == nullptr || !text->is_string() || util::trim(std::string_view(text->get_string())).empty())
    return Error(std::string("Mattermost send button requires text"));
  const auto* data = field(o, "callback_data");
  if (data == nullptr || !data->is_string() || util::trim(std::string_view(data->get_string())).empty())
    return Error(std::string("Mattermost send button requires callback_data"));
  MessageButton button;
  button.text = util::trim(std::string_view(text->get_string()));
  button.callback_data = std::string_view(data->get_string());
  if (button.text.size() > kMaxButtonTextBytes)
    return Error(
        fmt::format("Mattermost send button text is too long (at most {} bytes)", kMaxButtonTextBytes));
  if (button.callback_data.size() > kMaxCallbackDataBytes)
    return Error(fmt::format("Mattermost send button callback_data is too long (at most {} bytes)",
                             kMaxCallbackDataBytes));
  if (const auto* style = field(o, "style")) {
    const std::string lowered = style->is_string()
                                    ? util::to_lower(util::trim(std::string_view(style->get_string())))
                                    : std::string();
    if (std::find(kButtonStyles.begin(), kButtonStyles.end(), lowered) == kButtonStyles.end())
      return Error(std::string(
          "Mattermost send button style must be default, primary, success, good, warning or danger"));
    button.style = lowered;
  }
  return button;
}

std::expected<std::vector<std::vector<MessageButton>>, std::string> parse_buttons(const json::object& o) {
  std::vector<std::vector<MessageButton>> rows;
  const auto* v = field(o, "buttons");
  if (v == nullptr) return rows;
  if (!v->is_array()) return Error(type_error("send", "buttons", "an array of button rows"));
  const auto& in = v->get_array();
  if (in.size() > kMaxButtonRows)
    return Error(fmt::format("Mattermost send supports at most {} button rows", kMaxButtonRows));
  for (const auto& row_value : in) {
    // A bare button object stands for a row of one.
    const json::array single = row_value.is_object() ? json::array{row_value} : json::array{};
    if (!row_value.is_object() && !row_value.is_array())
      return Error(type_error("send", "buttons", "an array of button rows"));
    const json::array& row = row_value.is_object() ? single : row_value.get_array();
    if (row.size() > kMaxButtonsPerRow)
      return Error(fmt::format("Mattermost send supports at most {} buttons per row", kMaxButtonsPerRow));
    std::vector<MessageButton> out;
    for (const auto& b : row) {
      auto button = parse_button(b);
      if (!button) return Error(std::move(button.error()));
      out.push_back(std::move(*button));
    }
    if (!out.empty()) rows.push_back(std::move(out));
  }
  return rows;
}

// The one file of a send, from any of the §5.4 media parameters; equal values count once.
std::expected<std::optional<std::string>, std::string> parse_file(const json::object& o) {
  if (field(o, "buffer") != nullptr || field(o, "base64") != nullptr) return Error(std::string(kNoBuffers));
  std::vector<std::string> files;
  const auto add = [&](std::string_view value) {
    const std::string_view s = util::trim(value);
    if (!s.empty() && std::find(files.begin(), files.end(), s) == files.end()) files.emplace_back(s);
  };
  for (const auto key : kFileKeys) {
    const auto* v = field(o, key);
    if (v == nullptr) continue;
    if (!v->is_string()) return Error(type_error("send", key, "a string"));
    add(v->get_string());
  }
  if (const auto* v = field(o, "mediaUrls")) {
    if (!v->is_array()) return Error(type_error("send", "mediaUrls", "an array of strings"));
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) return Error(type_error("send", "mediaUrls", "an array of strings"));
      add(item.get_string());
    }
  }
  if (const auto* v = field(o, "attachments")) {
    if (!v->is_array()) return Error(std::string(kNoBuffers));
    for (const auto& item : v->get_array()) {
      if (!item.is_object()) return Error(std::string(kNoBuffers));
      const auto& a = item.get_object();
      if (field(a, "buffer") != nullptr || field(a, "base64") != nullptr)
        return Error(std::string(kNoBuffers));
      const json::value* file = nullptr;
      for (const auto key : kFileKeys)
        if ((file = field(a, key)) != nullptr) break;
      if (file == nullptr || !file->is_string() || util::trim(std::string_view(file->get_string())).empty())
        return Error(std::string(kNoBuffers));
      add(file->get_string());
    }
  }
  if (files.size() > 1) return Error(std::string(kOneAttachment));
  if (files.empty()) return std::nullopt;
  return std::move(files.front());
}

std::expected<MessageToolCall, std::string> parse_send(const json::object& o) {
  SendCall call;
  std::string_view to_key = "to";
  auto to = trimmed_string(first_field(o, {"to", "target"}, &to_key), "send", to_key);
  if (!to) return Error(std::move(to.error()));
  if (*to) {
    if (auto error = send_target_error(**to)) return Error(std::move(*error));
    call.to = std::move(**to);
  }

  std::string_view text_key = "text";
  if (const auto* text = first_field(o, {"text", "message"}, &text_key)) {
    if (!text->is_string()) return Error(type_error("send", text_key, "a string"));
    call.text = std::string_view(text->get_string());
  }
  if (call.text.size() > kMaxSendTextBytes)
    return Error(fmt::format("Mattermost send text is too long: {} bytes (at most {})", call.text.size(),
                             kMaxSendTextBytes));

  // §5.5: replyToId, else threadId, else replyTo; blank values are ignored.
  for (const auto key : {"replyToId", "threadId", "replyTo"}) {
    auto id = trimmed_string(o, "send", key);
    if (!id) return Error(std::move(id.error()));
    if (*id && !call.reply_to) call.reply_to = std::move(**id);
  }
  const auto* top_level = o.if_contains("topLevel");
  const auto* thread_id = o.if_contains("threadId");
  call.top_level = (top_level != nullptr && top_level->is_bool() && top_level->get_bool()) ||
                   (thread_id != nullptr && thread_id->is_null());

  auto buttons = parse_buttons(o);
  if (!buttons) return Error(std::move(buttons.error()));
  call.buttons = std::move(*buttons);
  if (const auto* text = field(o, "attachmentText")) {
    if (!text->is_string()) return Error(type_error("send", "attachmentText", "a string"));
    call.attachment_text = std::string_view(text->get_string());
    if (call.attachment_text.size() > kMaxSendTextBytes)
      return Error(fmt::format("Mattermost send attachmentText is too long: {} bytes (at most {})",
                               call.attachment_text.size(), kMaxSendTextBytes));
  }

  auto file = parse_file(o);
  if (!file) return Error(std::move(file.error()));
  call.file = std::move(*file);

  if (util::trim(call.text).empty() && !call.file) return Error(std::string("Mattermost message is empty"));
  return call;
}

// --- react ---------------------------------------------------------------------------------------

bool is_mattermost_id(std::string_view s) {
  return s.size() == 26 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
         });
}

bool canonical_conversation(std::string_view to) {
  for (const std::string_view prefix : {"channel:", "user:"})
    if (to.starts_with(prefix) && is_mattermost_id(to.substr(prefix.size()))) return true;
  return false;
}

// A required string parameter where a non-string counts as missing (the §5.7 texts).
std::optional<std::string> required_string(const json::object& o,
                                           std::initializer_list<std::string_view> keys) {
  for (const auto key : keys) {
    const auto* v = field(o, key);
    if (v == nullptr || !v->is_string()) continue;
    const std::string_view s = util::trim(std::string_view(v->get_string()));
    if (!s.empty()) return std::string(s);
  }
  return std::nullopt;
}

std::expected<MessageToolCall, std::string> parse_react(const json::object& o,
                                                        const MessageToolOptions& options) {
  if (!options.reactions_enabled) return Error(std::string("Mattermost reactions are disabled in config"));
  ReactCall call;
  auto post_id = required_string(o, {"messageId", "postId"});
  if (!post_id) return Error(std::string("Mattermost react requires messageId (post id)"));
  call.post_id = std::move(*post_id);
  const auto emoji = required_string(o, {"emoji"});
  if (emoji) call.emoji = mattermost::normalize_emoji(*emoji);
  if (call.emoji.empty()) return Error(std::string("Mattermost react requires emoji"));
  const auto* remove = o.if_contains("remove");
  call.remove = remove != nullptr && remove->is_bool() && remove->get_bool();
  if (const auto* to = field(o, "to")) {
    const std::string_view s =
        to->is_string() ? util::trim(std::string_view(to->get_string())) : std::string_view();
    if (!canonical_conversation(s))
      return Error(
          std::string("Mattermost delegated reactions require a canonical authorized conversation target."));
    call.to = std::string(s);
  }
  return call;
}

// --- read ----------------------------------------------------------------------------------------

constexpr std::string_view kReadTarget = "Mattermost read target must be a channel: channel:<id> or #name";

std::optional<int> positive_limit(const json::value& v) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64()) {
    n = v.get_uint64() > static_cast<std::uint64_t>(kMaxReadLimit)
            ? kMaxReadLimit
            : static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
    n = d > kMaxReadLimit ? kMaxReadLimit : static_cast<std::int64_t>(d);
  } else {
    return std::nullopt;
  }
  if (n < 1) return std::nullopt;
  return static_cast<int>(std::min<std::int64_t>(n, kMaxReadLimit));
}

std::expected<MessageToolCall, std::string> parse_read(const json::object& o) {
  ReadCall call;
  std::string_view key = "to";
  auto channel = trimmed_string(first_field(o, {"to", "channelId", "target"}, &key), "read", key);
  if (!channel) return Error(std::move(channel.error()));
  if (*channel) {
    const std::string_view c = **channel;
    const bool dm =
        util::starts_with_icase(c, "user:") || util::starts_with_icase(c, "mattermost:") || c.front() == '@';
    const bool empty_channel = (util::starts_with_icase(c, "channel:") && util::trim(c.substr(8)).empty()) ||
                               (util::starts_with_icase(c, "group:") && util::trim(c.substr(6)).empty()) ||
                               (c.front() == '#' && util::trim(c.substr(1)).empty());
    if (dm || empty_channel) return Error(std::string(kReadTarget));
    call.channel = std::move(**channel);
  }
  if (const auto* limit = field(o, "limit")) {
    const auto n = positive_limit(*limit);
    if (!n) return Error(std::string("Mattermost read limit must be a positive integer"));
    call.limit = *n;
  }
  auto before = trimmed_string(o, "read", "before");
  if (!before) return Error(std::move(before.error()));
  auto after = trimmed_string(o, "read", "after");
  if (!after) return Error(std::move(after.error()));
  if (*before && *after) return Error(std::string("Mattermost read accepts before or after, not both"));
  call.before = std::move(*before);
  call.after = std::move(*after);
  return call;
}

// --- the schema ----------------------------------------------------------------------------------

json::object string_property(std::string_view description) {
  return json::object{{"type", "string"}, {"description", description}};
}

}  // namespace

ToolSpec message_tool_spec(const MessageToolOptions& options) {
  json::array actions{"send"};
  if (options.reactions_enabled) actions.emplace_back("react");
  if (options.read_enabled) actions.emplace_back("read");

  json::object button{
      {"type", "object"},
      {"properties",
       json::object{
           {"text", string_property("The button's label.")},
           {"callback_data", string_property("What you receive when someone clicks the button.")},
           {"style", json::object{{"type", "string"},
                                  {"enum", json::array(kButtonStyles.begin(), kButtonStyles.end())},
                                  {"description", "The button's colour; default when omitted."}}},
       }},
      {"required", json::array{"text", "callback_data"}},
  };

  json::object properties{
      {"action", json::object{{"type", "string"}, {"enum", actions}, {"description", "What to do."}}},
      {"to", string_property("Where (send" + std::string(options.read_enabled ? ", read" : "") +
                             "): channel:<channel id>, #channel-name, user:<user id> or @username. "
                             "Omit for the current conversation.")},
      {"text", string_property("send: the message, in Markdown.")},
      {"replyToId", string_property("send: the id of the post to reply to in its thread.")},
      {"threadId", string_property("send: the id of the thread's root post (replyToId wins).")},
      {"buttons", json::object{{"type", "array"},
                               {"description", "send: rows of interactive buttons."},
                               {"maxItems", kMaxButtonRows},
                               {"items", json::object{{"type", "array"},
                                                      {"maxItems", kMaxButtonsPerRow},
                                                      {"items", std::move(button)}}}}},
      {"attachmentText", string_property("send: a line of text shown above the buttons.")},
      {"path", string_property("send: one file to attach: the absolute path of a local file (only from the "
                               "directories the operator allows) or an http(s) URL. One file per send.")},
  };
  if (options.reactions_enabled) {
    properties["messageId"] = string_property("react: the id of the post to react to.");
    properties["emoji"] =
        string_property("react: an emoji name (thumbsup, white_check_mark, eyes) or the emoji itself.");
    properties["remove"] = json::object{
        {"type", "boolean"}, {"description", "react: true removes the reaction instead of adding it."}};
  }
  if (options.read_enabled) {
    properties["limit"] = json::object{{"type", "integer"},
                                       {"minimum", 1},
                                       {"maximum", kMaxReadLimit},
                                       {"description", "read: how many posts (default 60)."}};
    properties["before"] = string_property("read: posts before this post id.");
    properties["after"] = string_property("read: posts after this post id (not with before).");
  }

  std::string description =
      "Act in Mattermost. send: post a message (text and/or one file, optional buttons) to the current "
      "conversation or another one.";
  if (options.reactions_enabled) description += " react: add or remove an emoji reaction on a post.";
  if (options.read_enabled) description += " read: fetch recent posts of a channel.";

  ToolSpec spec;
  spec.name = std::string(kMessageToolName);
  spec.description = std::move(description);
  spec.parameters = json::object{
      {"type", "object"},
      {"properties", std::move(properties)},
      {"required", json::array{"action"}},
  };
  return spec;
}

std::expected<MessageToolCall, std::string> parse_message_tool_call(std::string_view arguments_json,
                                                                    const MessageToolOptions& options) {
  if (arguments_json.size() > kMaxArgumentsBytes)
    return Error(fmt::format("Invalid message tool arguments: larger than {} bytes", kMaxArgumentsBytes));
  json::value parsed;
  if (util::trim(arguments_json).empty()) {
    parsed = json::object{};  // some models send nothing for "no arguments"
  } else {
    boost::system::error_code ec;
    parsed = json::parse(arguments_json, ec);
    if (ec) return Error(fmt::format("Invalid message tool arguments: malformed JSON ({})", ec.message()));
  }
  if (!parsed.is_object())
    return Error(std::string("Invalid message tool arguments: expected a JSON object"));
  const auto& o = parsed.get_object();

  const auto* action_value = field(o, "action");
  const std::string action = action_value != nullptr && action_value->is_string()
                                 ? util::to_lower(util::trim(std::string_view(action_value->get_string())))
                                 : std::string();
  if (action.empty()) return Error("The message tool requires action: " + action_list(options));
  if (action == "send") return parse_send(o);
  if (action == "react") return parse_react(o, options);
  if (action == "read") {
    if (!options.read_enabled)
      return Error(std::string("Mattermost read is disabled in config (actions.messages)"));
    return parse_read(o);
  }
  return Error(fmt::format("Unknown message action \"{}\": use {}",
                           echo(util::trim(std::string_view(action_value->get_string()))),
                           action_list(options)));
}

std::expected<std::vector<std::vector<MessageButton>>, std::string> parse_message_buttons(const json::value& rows) {
  return parse_buttons(json::object{{"buttons", rows}});
}

std::string reaction_result_text(std::string_view emoji, std::string_view post_id, bool removed) {
  return removed ? fmt::format("Removed reaction :{}: from {}", emoji, post_id)
                 : fmt::format("Reacted with :{}: on {}", emoji, post_id);
}

}  // namespace mmclaw::agent
