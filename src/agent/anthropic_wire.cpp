#include "agent/anthropic_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "util/base64.hpp"
#include "util/redact.hpp"

namespace mmclaw::agent {

namespace json = boost::json;

namespace {

// --- Building the request ------------------------------------------------------------------------

// The image media types the API accepts, or nullopt. `image/jpg` is a common misspelling.
std::optional<std::string_view> image_media_type(std::string_view mime) {
  mime = mime.substr(0, mime.find(';'));
  while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
  std::string lower(mime);
  std::ranges::transform(lower, lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "image/jpeg" || lower == "image/jpg") return "image/jpeg";
  if (lower == "image/png") return "image/png";
  if (lower == "image/gif") return "image/gif";
  if (lower == "image/webp") return "image/webp";
  return std::nullopt;
}

json::object text_block(std::string_view text) {
  return {{"type", "text"}, {"text", text}};
}

// A tool call's `input` must be an object: the arguments when they parse as one, else `{}` (the
// call stays in the conversation so its tool_result still has a partner).
json::object tool_input(const std::string& arguments) {
  if (arguments.empty()) return {};
  boost::system::error_code ec;
  auto parsed = json::parse(arguments, ec);
  if (ec || !parsed.is_object()) return {};
  return std::move(parsed.get_object());
}

json::array user_blocks(const ChatMessage& m) {
  json::array blocks;
  // Images before the text, as Anthropic recommends.
  for (const auto& image : m.images) {
    if (const auto media = image_media_type(image.mime_type)) {
      blocks.push_back(json::object{
          {"type", "image"},
          {"source",
           json::object{{"type", "base64"}, {"media_type", *media}, {"data", util::base64_encode(image.data)}}}});
    } else {
      // The API rejects the whole request for one unsupported image; leave it out and say so.
      blocks.push_back(text_block(fmt::format(
          "(An attachment of type {} was left out: only JPEG, PNG, GIF and WebP images can be shown.)",
          image.mime_type.empty() ? std::string_view("unknown") : std::string_view(image.mime_type))));
    }
  }
  // The API rejects empty text blocks.
  if (!m.text.empty()) blocks.push_back(text_block(m.text));
  return blocks;
}

json::array assistant_blocks(const ChatMessage& m) {
  json::array blocks;
  if (!m.text.empty()) blocks.push_back(text_block(m.text));
  for (const auto& call : m.tool_calls) {
    blocks.push_back(json::object{
        {"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", tool_input(call.arguments)}});
  }
  return blocks;
}

json::array tool_result_blocks(const ChatMessage& m) {
  json::object block{{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}};
  if (!m.text.empty()) block["content"] = m.text;
  return json::array{std::move(block)};
}

bool is_tool_result(const json::value& block) {
  const auto* type = block.get_object().if_contains("type");
  return type && type->is_string() && type->get_string() == "tool_result";
}

struct Turn {
  std::string_view role;
  json::array content;
};

void append_turn(std::vector<Turn>& turns, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!turns.empty() && turns.back().role == role) {
    for (auto& block : blocks) turns.back().content.push_back(std::move(block));
  } else {
    turns.push_back(Turn{role, std::move(blocks)});
  }
}

int level_budget(ThinkLevel level) {
  switch (level) {
    case ThinkLevel::low: return kAnthropicThinkingLow;
    case ThinkLevel::medium: return kAnthropicThinkingMedium;
    case ThinkLevel::high: return kAnthropicThinkingHigh;
    case ThinkLevel::off: return 0;
  }
  return 0;
}

// --- Errors --------------------------------------------------------------------------------------

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// util::redact_patterns covers `sk-` keys of 20+ characters and credential-looking members; this
// also catches a shortened or partly masked Anthropic key.
std::string redact_anthropic_keys(std::string text) {
  static constexpr std::string_view kPrefix = "sk-ant-";
  for (auto pos = text.find(kPrefix); pos != std::string::npos; pos = text.find(kPrefix, pos)) {
    auto end = pos + kPrefix.size();
    while (end < text.size() && (is_key_char(text[end]) || text[end] == '*' || text[end] == '.')) ++end;
    text.replace(pos, end - pos, util::kRedacted);
    pos += util::kRedacted.size();
  }
  return text;
}

constexpr std::size_t kMaxMessageBytes = 200;

// One line, no secrets, at most kMaxMessageBytes (cut at a UTF-8 character boundary).
std::string safe_message(std::string_view raw) {
  auto text = redact_anthropic_keys(util::redact_patterns(raw));
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  text.erase(0, first);
  text.erase(text.find_last_not_of(' ') + 1);
  if (text.size() > kMaxMessageBytes) {
    static constexpr std::string_view kEllipsis = "…";
    auto cut = kMaxMessageBytes - kEllipsis.size();
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += kEllipsis;
  }
  return text;
}

std::string_view string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// `type: message`, or whichever of the two is there; empty when neither is.
std::string describe_error(std::string_view type, std::string_view message) {
  if (type.empty()) return safe_message(message);
  if (message.empty()) return safe_message(type);
  return safe_message(fmt::format("{}: {}", type, message));
}

bool is_retryable_error_type(std::string_view type) {
  static constexpr std::array<std::string_view, 4> kRetryable = {"overloaded_error", "rate_limit_error",
                                                                 "api_error", "timeout_error"};
  return std::ranges::find(kRetryable, type) != kRetryable.end();
}

// --- Decoding ------------------------------------------------------------------------------------

constexpr std::string_view kMalformed = "the model's stream was malformed";

std::optional<std::int64_t> as_int(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<std::size_t> block_index(const json::object& event) {
  const auto n = as_int(event.if_contains("index"));
  if (!n || *n < 0) return std::nullopt;
  return static_cast<std::size_t>(*n);
}

// Anthropic counts cached prompt tokens apart from input_tokens; the prompt's size is their sum.
std::optional<std::int64_t> prompt_tokens(const json::object& usage) {
  auto total = as_int(usage.if_contains("input_tokens"));
  if (!total) return std::nullopt;
  for (const auto* key : {"cache_creation_input_tokens", "cache_read_input_tokens"}) {
    if (const auto n = as_int(usage.if_contains(key))) *total += *n;
  }
  return total;
}

const json::object* object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

FinishReason finish_reason(std::string_view stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence") return FinishReason::stop;
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return FinishReason::length;
  if (stop_reason == "tool_use") return FinishReason::tool_calls;
  if (stop_reason == "refusal") return FinishReason::content_filter;
  return FinishReason::unknown;  // pause_turn (server tools) and anything newer
}

constexpr std::array<std::string_view, 8> kKnownEvents = {"message_start",
                                                          "content_block_start",
                                                          "content_block_delta",
                                                          "content_block_stop",
                                                          "message_delta",
                                                          "message_stop",
                                                          "ping",
                                                          "error"};

bool is_known_event(std::string_view name) {
  return std::ranges::find(kKnownEvents, name) != kKnownEvents.end();
}

}  // namespace

// --- Request -------------------------------------------------------------------------------------

json::object build_messages_request(const ModelRequest& request) {
  std::vector<std::string_view> system;
  std::vector<Turn> turns;
  for (const auto& m : request.messages) {
    switch (m.role) {
      case Role::system:
        if (!m.text.empty()) system.push_back(m.text);
        break;
      case Role::user: append_turn(turns, "user", user_blocks(m)); break;
      case Role::assistant: append_turn(turns, "assistant", assistant_blocks(m)); break;
      case Role::tool: append_turn(turns, "user", tool_result_blocks(m)); break;
    }
  }

  json::array messages;
  bool in_tool_round = false;
  for (auto& turn : turns) {
    if (turn.role == "user") {
      // The API wants a user message's tool_result blocks before anything else in it.
      std::ranges::stable_partition(turn.content, is_tool_result);
      in_tool_round = is_tool_result(turn.content.front());
    } else {
      in_tool_round = false;
    }
    messages.push_back(json::object{{"role", turn.role}, {"content", std::move(turn.content)}});
  }

  const bool known_max = request.max_tokens && *request.max_tokens > 0;
  int max_tokens = known_max ? *request.max_tokens : kAnthropicDefaultMaxTokens;
  int budget = 0;
  // In a tool round the API would want the signed thinking block of the assistant's tool call
  // back, which the transcript does not keep: think again on the next user message instead.
  if (request.think && !in_tool_round) {
    budget = level_budget(*request.think);
    if (known_max) budget = std::min(budget, max_tokens - kAnthropicMinThinkingBudget);
    if (budget < kAnthropicMinThinkingBudget) budget = 0;
    if (budget > 0 && !known_max) max_tokens += budget;
  }

  json::object body;
  body["model"] = request.model;
  body["max_tokens"] = max_tokens;
  if (system.size() == 1) {
    body["system"] = system.front();
  } else if (system.size() > 1) {
    json::array blocks;
    for (const auto text : system) blocks.push_back(text_block(text));
    body["system"] = std::move(blocks);
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json::array tools;
    for (const auto& tool : request.tools) {
      json::object t{{"name", tool.name}};
      if (!tool.description.empty()) t["description"] = tool.description;
      auto schema = tool.parameters;
      if (schema.empty()) schema = {{"type", "object"}, {"properties", json::object{}}};
      t["input_schema"] = std::move(schema);
      tools.push_back(std::move(t));
    }
    body["tools"] = std::move(tools);
  }
  if (budget > 0) body["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", budget}};
  body["stream"] = true;
  return body;
}

std::vector<std::pair<std::string, std::string>> anthropic_headers(std::string_view api_key) {
  return {{"x-api-key", std::string(api_key)},
          {"anthropic-version", std::string(kAnthropicVersion)},
          {"content-type", "application/json"}};
}

// --- Stream --------------------------------------------------------------------------------------

std::vector<Delta> AnthropicStreamDecoder::fail(std::string message, bool retryable) {
  done_ = true;
  return {ErrorDelta{std::move(message), retryable, std::nullopt}};
}

AnthropicStreamDecoder::ToolBlock* AnthropicStreamDecoder::tool_block(std::size_t index) {
  const auto it = std::ranges::find(tools_, index, &ToolBlock::index);
  return it == tools_.end() ? nullptr : &*it;
}

std::vector<Delta> AnthropicStreamDecoder::on_event(std::string_view event, std::string_view data) {
  if (done_) return {};
  // An event without a name (a proxy that leaves out `event:` lines) is named by its `type`.
  const bool unnamed = event.empty() || event == "message";
  if (!unnamed && !is_known_event(event)) return {};
  if (event == "ping") return {};

  boost::system::error_code ec;
  const auto parsed = json::parse(data, ec);
  if (ec || !parsed.is_object()) return fail(std::string(kMalformed), true);
  const auto& o = parsed.get_object();
  const std::string_view name = unnamed ? string_member(o, "type") : event;
  if (unnamed && (!is_known_event(name) || name == "ping")) return {};

  std::vector<Delta> out;
  if (name == "message_start") {
    if (const auto* message = object_member(o, "message")) {
      if (const auto* usage = object_member(*message, "usage")) {
        input_tokens_ = prompt_tokens(*usage);
        output_tokens_ = as_int(usage->if_contains("output_tokens"));
      }
    }
  } else if (name == "content_block_start") {
    const auto index = block_index(o);
    const auto* block = object_member(o, "content_block");
    if (!index || !block) return fail(std::string(kMalformed), true);
    const auto type = string_member(*block, "type");
    if (type == "tool_use") {
      const auto* id = block->if_contains("id");
      const auto* tool_name = block->if_contains("name");
      if (!id || !id->is_string() || !tool_name || !tool_name->is_string() || tool_block(*index)) {
        return fail(std::string(kMalformed), true);
      }
      if (tools_.size() >= kAnthropicMaxToolBlocks) {
        return fail("the model asked for too many tool calls at once", false);
      }
      ToolBlock tool{*index, std::string(id->get_string()), std::string(tool_name->get_string()), {}, {},
                     false};
      if (const auto* input = object_member(*block, "input"); input && !input->empty()) {
        tool.start_input = json::serialize(*input);
      }
      out.push_back(ToolActivity{tool.id, tool.name, false});
      tools_.push_back(std::move(tool));
    } else if (type == "text") {
      if (const auto text = string_member(*block, "text"); !text.empty())
        out.push_back(TextDelta{std::string(text)});
    } else if (type == "thinking") {
      if (const auto text = string_member(*block, "thinking"); !text.empty()) {
        out.push_back(ReasoningDelta{std::string(text)});
      }
    }
    // redacted_thinking carries nothing to show; server tool blocks are the server's business.
  } else if (name == "content_block_delta") {
    const auto index = block_index(o);
    const auto* delta = object_member(o, "delta");
    if (!index || !delta) return fail(std::string(kMalformed), true);
    const auto type = string_member(*delta, "type");
    const auto piece = [&](std::string_view key) -> const json::string* {
      const auto* v = delta->if_contains(key);
      return v && v->is_string() ? &v->get_string() : nullptr;
    };
    if (type == "text_delta") {
      const auto* text = piece("text");
      if (!text) return fail(std::string(kMalformed), true);
      if (!text->empty()) out.push_back(TextDelta{std::string(*text)});
    } else if (type == "thinking_delta") {
      const auto* text = piece("thinking");
      if (!text) return fail(std::string(kMalformed), true);
      if (!text->empty()) out.push_back(ReasoningDelta{std::string(*text)});
    } else if (type == "input_json_delta") {
      const auto* fragment = piece("partial_json");
      if (!fragment) return fail(std::string(kMalformed), true);
      // Server tool blocks (server_tool_use) stream their input too; only our tools are kept.
      if (auto* tool = tool_block(*index)) {
        if (tool->input.size() + fragment->size() > kAnthropicMaxToolInputBytes) {
          return fail("a tool call's arguments were too large", false);
        }
        tool->input.append(fragment->data(), fragment->size());
      }
    }
    // signature_delta, citations_delta and newer kinds change nothing shown.
  } else if (name == "content_block_stop") {
    const auto index = block_index(o);
    if (!index) return fail(std::string(kMalformed), true);
    if (auto* tool = tool_block(*index); tool && !tool->stopped) {
      tool->stopped = true;
      out.push_back(ToolActivity{tool->id, tool->name, true});
    }
  } else if (name == "message_delta") {
    if (const auto* delta = object_member(o, "delta")) {
      if (const auto reason = string_member(*delta, "stop_reason"); !reason.empty()) {
        reason_ = finish_reason(reason);
      }
    }
    // message_delta's usage is cumulative; newer API versions repeat input_tokens there.
    if (const auto* usage = object_member(o, "usage")) {
      if (const auto n = as_int(usage->if_contains("output_tokens"))) output_tokens_ = n;
      if (const auto n = prompt_tokens(*usage)) input_tokens_ = n;
    }
  } else if (name == "message_stop") {
    FinalDelta final;
    final.reason = reason_;
    for (auto& tool : tools_) {
      std::string arguments = !tool.input.empty()         ? std::move(tool.input)
                              : !tool.start_input.empty() ? std::move(tool.start_input)
                                                          : std::string("{}");
      final.tool_calls.push_back(ToolCall{std::move(tool.id), std::move(tool.name), std::move(arguments)});
    }
    tools_.clear();
    if (input_tokens_ || output_tokens_) final.usage = Usage{input_tokens_, output_tokens_, std::nullopt};
    done_ = true;
    out.push_back(std::move(final));
  } else if (name == "error") {
    const auto* error = object_member(o, "error");
    const auto type = error ? string_member(*error, "type") : std::string_view();
    auto message = describe_error(type, error ? string_member(*error, "message") : std::string_view());
    if (message.empty()) message = "the model server reported an error mid-stream";
    return fail(std::move(message), is_retryable_error_type(type));
  }
  return out;
}

std::vector<Delta> AnthropicStreamDecoder::finish() {
  if (done_) return {};
  return fail("the model's stream ended early", true);
}

// --- HTTP errors ---------------------------------------------------------------------------------

ErrorDelta anthropic_error_from_http(int status, std::string_view body) {
  std::string message;
  boost::system::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    if (const auto* error = o.if_contains("error"); error && error->is_object()) {
      message = describe_error(string_member(error->get_object(), "type"),
                               string_member(error->get_object(), "message"));
    } else if (error && error->is_string()) {
      message = safe_message(error->get_string());
    } else {
      message = safe_message(string_member(o, "message"));
    }
  }
  if (message.empty()) message = fmt::format("HTTP {} from the model server", status);
  static constexpr std::array<int, 6> kRetryable = {429, 500, 502, 503, 504, 529};
  const bool retryable = std::ranges::find(kRetryable, status) != kRetryable.end();
  return ErrorDelta{std::move(message), retryable, status};
}

}  // namespace mmclaw::agent
