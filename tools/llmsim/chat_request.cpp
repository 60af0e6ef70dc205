#include "llmsim/chat_request.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace llmsim {

namespace json = boost::json;

namespace {

using Parsed = std::expected<ChatRequest, InvalidRequest>;

std::unexpected<InvalidRequest> invalid(std::string message, std::string param = {}) {
  return std::unexpected(InvalidRequest{std::move(message), std::move(param)});
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::optional<std::size_t> positive_count(const json::value& v) {
  if (v.is_uint64() && v.get_uint64() > 0) return static_cast<std::size_t>(v.get_uint64());
  if (v.is_int64() && v.get_int64() > 0) return static_cast<std::size_t>(v.get_int64());
  return std::nullopt;
}

// The text of OpenAI content (a string or parts) or Anthropic content (a string or blocks):
// text parts joined with newlines; other parts (images, tool results) are skipped.
std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content.get_array()) {
    if (!part.is_object()) continue;
    const auto& o = part.get_object();
    const auto* type = o.if_contains("type");
    const auto* text = o.if_contains("text");
    if (type && type->is_string() && type->get_string() == "text" && text && text->is_string()) {
      if (!out.empty()) out += '\n';
      out.append(text->get_string());
    }
  }
  return out;
}

bool has_text(const json::value& content) {
  if (content.is_string()) return true;
  if (!content.is_array()) return false;
  for (const auto& part : content.get_array()) {
    if (!part.is_object()) continue;
    const auto* type = part.get_object().if_contains("type");
    if (type && type->is_string() && type->get_string() == "text") return true;
  }
  return false;
}

std::expected<json::object, InvalidRequest> parse_object(std::string_view body,
                                                         std::string_view api_message) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return invalid(std::string(api_message));
  return std::move(value.get_object());
}

std::expected<std::string, InvalidRequest> required_model(const json::object& o, std::string_view message) {
  const auto* model = o.if_contains("model");
  if (!model) return invalid(std::string(message), "model");
  if (!model->is_string() || model->get_string().empty())
    return invalid("model: must be a non-empty string", "model");
  return std::string(model->get_string());
}

std::expected<bool, InvalidRequest> optional_bool(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return false;
  if (!v->is_bool()) return invalid(fmt::format("{}: must be a boolean", key), std::string(key));
  return v->get_bool();
}

}  // namespace

std::size_t count_words(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

Parsed parse_openai_request(std::string_view body) {
  auto object = parse_object(body,
                             "We could not parse the JSON body of your request. (HINT: This likely means you "
                             "aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                             "payload, but what was sent was not valid JSON.)");
  if (!object) return std::unexpected(object.error());
  const auto& o = *object;
  ChatRequest req;
  req.api = Api::openai;
  auto model = required_model(o, "you must provide a model parameter");
  if (!model) return std::unexpected(model.error());
  req.model = std::move(*model);

  const auto* messages = o.if_contains("messages");
  if (!messages) return invalid("Missing required parameter: 'messages'.", "messages");
  if (!messages->is_array()) return invalid("Invalid type for 'messages': expected an array.", "messages");
  if (messages->get_array().empty()) {
    return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
  }
  static constexpr std::array<std::string_view, 6> kRoles{"system",    "developer", "user",
                                                          "assistant", "tool",      "function"};
  const auto& list = messages->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto param = fmt::format("messages[{}]", i);
    if (!list[i].is_object())
      return invalid(fmt::format("Invalid type for '{}': expected an object.", param), param);
    const auto& m = list[i].get_object();
    const auto* role = m.if_contains("role");
    if (!role) return invalid(fmt::format("Missing required parameter: '{}.role'.", param), param + ".role");
    if (!role->is_string() ||
        std::find(kRoles.begin(), kRoles.end(), std::string_view(role->get_string())) == kRoles.end()) {
      return invalid(
          fmt::format("Invalid value for '{}.role': expected one of system, developer, user, assistant, "
                      "tool.",
                      param),
          param + ".role");
    }
    const auto* content = m.if_contains("content");
    const std::string_view role_name = role->get_string();
    if (content && !content->is_string() && !content->is_array() && !content->is_null()) {
      return invalid(fmt::format("Invalid type for '{}.content': expected a string or an array.", param),
                     param + ".content");
    }
    if (!content && role_name != "assistant") {
      return invalid(fmt::format("Missing required parameter: '{}.content'.", param), param + ".content");
    }
    if (role_name == "tool") {
      const auto* id = m.if_contains("tool_call_id");
      if (!id || !id->is_string()) {
        return invalid(fmt::format("Missing required parameter: '{}.tool_call_id'.", param),
                       param + ".tool_call_id");
      }
    }
    const std::string text = content ? text_of(*content) : std::string();
    req.prompt_tokens += count_words(text);
    if (role_name == "user" && content && has_text(*content)) req.last_user_text = text;
  }
  const auto& last = list.back().get_object();
  if (last.at("role").get_string() == "tool") {
    req.ends_with_tool_result = true;
    req.tool_result_text = text_of(last.at("content"));
  }

  auto stream = optional_bool(o, "stream");
  if (!stream) return std::unexpected(stream.error());
  req.stream = *stream;
  if (const auto* options = o.if_contains("stream_options"); options && !options->is_null()) {
    if (!options->is_object()) return invalid("stream_options: must be an object", "stream_options");
    auto usage = optional_bool(options->get_object(), "include_usage");
    if (!usage)
      return invalid("stream_options.include_usage: must be a boolean", "stream_options.include_usage");
    req.include_usage = *usage;
  }
  for (const std::string_view key : {"max_completion_tokens", "max_tokens"}) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) continue;
    auto n = positive_count(*v);
    if (!n) return invalid(fmt::format("Invalid '{}': expected a positive integer.", key), std::string(key));
    if (!req.max_tokens) req.max_tokens = *n;
  }
  if (const auto* tools = o.if_contains("tools"); tools && !tools->is_array() && !tools->is_null()) {
    return invalid("Invalid type for 'tools': expected an array.", "tools");
  }
  return req;
}

Parsed parse_anthropic_request(std::string_view body) {
  auto object = parse_object(body, "The request body is not valid JSON.");
  if (!object) return std::unexpected(object.error());
  const auto& o = *object;
  ChatRequest req;
  req.api = Api::anthropic;
  auto model = required_model(o, "model: Field required");
  if (!model) return std::unexpected(model.error());
  req.model = std::move(*model);

  const auto* max_tokens = o.if_contains("max_tokens");
  if (!max_tokens) return invalid("max_tokens: Field required", "max_tokens");
  const auto limit = positive_count(*max_tokens);
  if (!limit) return invalid("max_tokens: Input should be a positive integer", "max_tokens");
  req.max_tokens = *limit;

  const auto* messages = o.if_contains("messages");
  if (!messages) return invalid("messages: Field required", "messages");
  if (!messages->is_array()) return invalid("messages: Input should be a valid list", "messages");
  if (messages->get_array().empty()) return invalid("messages: at least one message is required", "messages");
  if (const auto* system = o.if_contains("system")) {
    if (!system->is_string() && !system->is_array()) {
      return invalid("system: Input should be a valid string or a list of text blocks", "system");
    }
    req.prompt_tokens += count_words(text_of(*system));
  }
  const auto& list = messages->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto param = fmt::format("messages.{}", i);
    if (!list[i].is_object())
      return invalid(fmt::format("{}: Input should be a valid dictionary", param), param);
    const auto& m = list[i].get_object();
    const auto* role = m.if_contains("role");
    if (!role || !role->is_string() || (role->get_string() != "user" && role->get_string() != "assistant")) {
      return invalid(fmt::format("{}.role: Input should be 'user' or 'assistant'", param), param + ".role");
    }
    const auto* content = m.if_contains("content");
    if (!content) return invalid(fmt::format("{}.content: Field required", param), param + ".content");
    if (!content->is_string() && !content->is_array()) {
      return invalid(fmt::format("{}.content: Input should be a valid string or a list of blocks", param),
                     param + ".content");
    }
    if (content->is_array()) {
      const auto& blocks = content->get_array();
      for (std::size_t j = 0; j < blocks.size(); ++j) {
        const auto* type = blocks[j].is_object() ? blocks[j].get_object().if_contains("type") : nullptr;
        if (!type || !type->is_string()) {
          return invalid(fmt::format("{}.content.{}.type: Field required", param, j),
                         fmt::format("{}.content.{}.type", param, j));
        }
      }
    }
    const std::string text = text_of(*content);
    req.prompt_tokens += count_words(text);
    if (role->get_string() == "user" && has_text(*content)) req.last_user_text = text;
  }
  // A conversation that ends with tool results: the last user message carries tool_result blocks.
  const auto& last = list.back().get_object();
  if (last.at("role").get_string() == "user" && last.at("content").is_array()) {
    for (const auto& block : last.at("content").get_array()) {
      const auto& b = block.get_object();
      if (b.at("type").get_string() != "tool_result") continue;
      req.ends_with_tool_result = true;
      if (const auto* result = b.if_contains("content")) {
        if (!req.tool_result_text.empty()) req.tool_result_text += '\n';
        req.tool_result_text += text_of(*result);
      }
    }
  }
  auto stream = optional_bool(o, "stream");
  if (!stream) return std::unexpected(stream.error());
  req.stream = *stream;
  return req;
}

}  // namespace llmsim
