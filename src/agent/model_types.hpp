#pragma once
// What the agent runtime and the model backends exchange (PRODUCT.md "The agent runtime"): the
// request of one model call, and the typed deltas a backend streams back. Plain data shared by
// every wire format (agent/openai_wire, agent/anthropic_wire, the command backend), so the reply
// stream and the runtime never see a wire format.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

namespace mmclaw::agent {

// --- The request ---------------------------------------------------------------------------------

enum class Role { system, user, assistant, tool };

// A complete tool call (the model asked for `name` with `arguments`, a JSON text).
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text as the model wrote it; validated by the tool, not here
  bool operator==(const ToolCall&) const = default;
};

// An image given to a model that declares `input: ["image"]`.
struct ImagePart {
  std::string mime_type;  // image/png, image/jpeg, ...
  std::string data;       // the raw bytes (encoded by the wire format)
  bool operator==(const ImagePart&) const = default;
};

struct ChatMessage {
  Role role = Role::user;
  std::string text;
  std::vector<ImagePart> images;       // user messages only
  std::vector<ToolCall> tool_calls;    // assistant messages that called tools
  std::string tool_call_id;            // tool messages: the call this answers
  std::string tool_name;               // tool messages: the tool's name (some wires need it)
  bool operator==(const ChatMessage&) const = default;
};

// A tool offered to the model: `parameters` is a JSON Schema object.
struct ToolSpec {
  std::string name;
  std::string description;
  boost::json::object parameters;
  bool operator==(const ToolSpec&) const = default;
};

// `/think`: the reasoning effort (OpenAI-style) or thinking budget (Anthropic) asked for.
enum class ThinkLevel { off, low, medium, high };

struct ModelRequest {
  std::string model;  // the model id sent to the server (without the provider prefix)
  std::vector<ChatMessage> messages;  // system prompt first when there is one
  std::vector<ToolSpec> tools;
  std::optional<int> max_tokens;      // sent only when known (the model's maxTokens)
  std::optional<ThinkLevel> think;    // nullopt: not asked (the server's default)
  bool operator==(const ModelRequest&) const = default;
};

// --- The stream ----------------------------------------------------------------------------------

struct TextDelta {
  std::string text;
  bool operator==(const TextDelta&) const = default;
};

struct ReasoningDelta {
  std::string text;
  bool operator==(const ReasoningDelta&) const = default;
};

// The model started (or finished assembling) a tool call: for progress lines in the preview.
struct ToolActivity {
  std::string id;
  std::string name;
  bool complete = false;  // the call's arguments are complete (it will be run)
  bool operator==(const ToolActivity&) const = default;
};

struct Usage {
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> reasoning_tokens;
  bool operator==(const Usage&) const = default;
};

enum class FinishReason { stop, length, tool_calls, content_filter, unknown };

// The end of a successful stream: why it ended, the tool calls to run (complete), the usage.
struct FinalDelta {
  FinishReason reason = FinishReason::unknown;
  std::vector<ToolCall> tool_calls;
  std::optional<Usage> usage;
  bool operator==(const FinalDelta&) const = default;
};

// The stream failed. `message` is short and safe to show (never a raw body with secrets);
// `retryable` says a retry or a fallback model may help (429, 5xx, overloaded, a broken stream).
struct ErrorDelta {
  std::string message;
  bool retryable = false;
  std::optional<int> status;  // HTTP status when the server answered with one
  bool operator==(const ErrorDelta&) const = default;
};

using Delta = std::variant<TextDelta, ReasoningDelta, ToolActivity, FinalDelta, ErrorDelta>;

}  // namespace mmclaw::agent
