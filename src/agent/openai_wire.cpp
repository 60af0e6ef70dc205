#include "agent/openai_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "mattermost/rate_pause.hpp"
#include "util/base64.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

namespace mmclaw::agent {

namespace json = boost::json;

namespace {

// --- Small helpers -------------------------------------------------------------------------------

std::string_view string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string()) return v->get_string();
  return {};
}

const json::object* object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<std::int64_t> integer_of(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    const auto u = v.get_uint64();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && std::fabs(d) < 9e15 && d == std::floor(d)) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<std::int64_t> integer_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? integer_of(*v) : std::nullopt;
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// `sk-` keys (OpenAI, OpenRouter `sk-or-`, Anthropic `sk-ant-`), also masked ones such as
// `sk-proj-abc1****wxyz` that OpenAI echoes in its 401 message, replaced whole.
std::string redact_sk_keys(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || !is_word_char(text[i - 1]);
    if (boundary && text.substr(i, 3) == "sk-") {
      std::size_t j = i + 3;
      while (j < text.size() && (is_word_char(text[j]) || text[j] == '*')) ++j;
      if (j - (i + 3) >= 6) {
        out += util::kRedacted;
        i = j;
        continue;
      }
    }
    out += text[i];
    ++i;
  }
  return out;
}

// Long random-looking tokens (32+ word characters with both letters and digits): API keys of other
// providers (`gsk_...`, `AIza...`) and anything else nobody registered.
std::string redact_long_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_word_char(text[i])) {
      out += text[i];
      ++i;
      continue;
    }
    std::size_t j = i;
    bool letter = false;
    bool digit = false;
    while (j < text.size() && is_word_char(text[j])) {
      const char c = text[j];
      if (c >= '0' && c <= '9') digit = true;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letter = true;
      ++j;
    }
    if (j - i >= 32 && letter && digit) {
      out += util::kRedacted;
    } else {
      out.append(text.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

// --- Error classification ------------------------------------------------------------------------

bool retryable_status(std::int64_t status) {
  return status == 408 || status == 409 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

// A server's error `type`/`code` string that says the request (or the account) is the problem, so
// the same request will fail again.
bool says_not_retryable(std::string_view text) {
  static constexpr std::array<std::string_view, 13> kMarkers{
      "insufficient_quota", "invalid_request", "invalid_api_key", "authentication", "permission",
      "not_found",          "notfound",        "context_length",  "badrequest",     "bad_request",
      "unprocessable",      "content_filter",  "content_policy"};
  const std::string lower = util::to_lower(text);
  return std::any_of(kMarkers.begin(), kMarkers.end(),
                     [&](std::string_view marker) { return lower.find(marker) != std::string::npos; });
}

struct ServerError {
  std::string message;              // the server's text, unsanitised
  std::vector<std::string> labels;  // type and code strings
  std::optional<std::int64_t> numeric_code;
};

// Reads `{"error": {...} | "text"}`, vLLM's old `{"object":"error","message":...}`, FastAPI's
// `{"detail": "..."}` and Anthropic's `{"type":"error","error":{...}}`.
ServerError read_server_error(const json::object& body) {
  ServerError out;
  const auto read_fields = [&](const json::object& o) {
    if (out.message.empty()) out.message = std::string(string_member(o, "message"));
    for (const std::string_view key : {"type", "code", "status"}) {
      const auto* v = o.if_contains(key);
      if (!v) continue;
      if (v->is_string()) {
        const std::string_view s = v->get_string();
        out.labels.emplace_back(s);
        if (!out.numeric_code && !s.empty() && s.size() <= 3 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          out.numeric_code = std::stoll(std::string(s));
        }
      } else if (auto n = integer_of(*v); n && !out.numeric_code) {
        out.numeric_code = n;
      }
    }
  };
  if (const auto* err = body.if_contains("error")) {
    if (err->is_object()) {
      read_fields(err->get_object());
    } else if (err->is_string()) {
      out.message = std::string(err->get_string());
    }
  }
  if (string_member(body, "object") == "error") read_fields(body);
  if (out.message.empty()) out.message = std::string(string_member(body, "detail"));
  if (out.message.empty()) out.message = std::string(string_member(body, "message"));
  return out;
}

bool error_retryable(const ServerError& error, bool default_retryable) {
  for (const auto& label : error.labels) {
    if (says_not_retryable(label)) return false;
  }
  if (error.numeric_code && *error.numeric_code >= 400 && *error.numeric_code <= 599)
    return retryable_status(*error.numeric_code);
  return default_retryable;
}

ErrorDelta stream_error(const json::object& chunk) {
  const ServerError error = read_server_error(chunk);
  ErrorDelta out;
  out.retryable = error_retryable(error, true);  // a failure mid-generation is the server's
  const std::string detail = sanitize_server_message(error.message);
  out.message = detail.empty() ? std::string("the model server reported an error mid-stream")
                               : fmt::format("the model server reported an error mid-stream: {}", detail);
  return out;
}

std::string_view http_phrase(int status, bool quota) {
  switch (status) {
    case 400: return "the model server refused the request";
    case 401: return "the model server refused the API key";
    case 402: return "the model provider account is out of credits";
    case 403: return "the model server denied access";
    case 404: return "the model or its endpoint was not found";
    case 408: return "the model server timed out";
    case 409: return "the model server reported a conflict";
    case 413: return "the request is too large for the model server";
    case 422: return "the model server could not process the request";
    case 429:
      return quota ? "the model provider's quota is used up" : "the model server is rate limiting requests";
    case 502: return "the model server (or a proxy in front of it) failed";
    case 503: return "the model server is unavailable or overloaded";
    case 504: return "the model server (or a proxy in front of it) timed out";
    case 529: return "the model server is overloaded";
    default: break;
  }
  if (status >= 500 && status <= 599) return "the model server failed";
  if (status >= 400 && status <= 499) return "the model server refused the request";
  return "the model server answered with an unexpected status";
}

// --- Request parts -------------------------------------------------------------------------------

json::value tool_arguments(const std::string& arguments, const OpenAiDialect& dialect) {
  if (arguments.empty()) return json::value("{}");
  if (dialect.verbatim_tool_arguments) return json::value(arguments);
  boost::system::error_code ec;
  const auto parsed = json::parse(arguments, ec);
  if (ec || !parsed.is_object()) return json::value("{}");
  return json::value(arguments);
}

json::object message_json(const ChatMessage& m, const OpenAiDialect& dialect) {
  json::object out;
  switch (m.role) {
    case Role::system:
      out["role"] = "system";
      out["content"] = m.text;
      break;
    case Role::user:
      out["role"] = "user";
      if (m.images.empty()) {
        out["content"] = m.text;
      } else {
        json::array parts;
        if (!m.text.empty()) parts.push_back(json::object{{"type", "text"}, {"text", m.text}});
        for (const auto& image : m.images) {
          parts.push_back(json::object{
              {"type", "image_url"},
              {"image_url", json::object{{"url", fmt::format("data:{};base64,{}", image.mime_type,
                                                             util::base64_encode(image.data))}}}});
        }
        out["content"] = std::move(parts);
      }
      break;
    case Role::assistant:
      out["role"] = "assistant";
      if (m.text.empty() && !m.tool_calls.empty()) {
        out["content"] = nullptr;
      } else {
        out["content"] = m.text;
      }
      if (!m.tool_calls.empty()) {
        json::array calls;
        for (const auto& call : m.tool_calls) {
          calls.push_back(json::object{
              {"id", call.id},
              {"type", "function"},
              {"function",
               json::object{{"name", call.name}, {"arguments", tool_arguments(call.arguments, dialect)}}}});
        }
        out["tool_calls"] = std::move(calls);
      }
      break;
    case Role::tool:
      out["role"] = "tool";
      out["tool_call_id"] = m.tool_call_id;
      out["content"] = m.text;
      break;
  }
  return out;
}

std::string_view effort_name(ThinkLevel level) {
  switch (level) {
    case ThinkLevel::low: return "low";
    case ThinkLevel::medium: return "medium";
    case ThinkLevel::high: return "high";
    case ThinkLevel::off: break;
  }
  return {};
}

std::string host_of(std::string_view url) {
  url = util::trim(url);
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') {
    url = url.substr(0, url.find(']') + 1);
  } else {
    url = url.substr(0, url.find(':'));
  }
  std::string host = util::to_lower(url);
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

}  // namespace

// --- The request ---------------------------------------------------------------------------------

OpenAiDialect dialect_for_base_url(std::string_view base_url) {
  const std::string host = host_of(base_url);
  OpenAiDialect dialect;
  if (host == "api.openai.com") {
    dialect.stream_usage = true;
    dialect.reasoning_effort = true;
    dialect.max_completion_tokens = true;
    dialect.verbatim_tool_arguments = true;
  } else if (host == "openrouter.ai") {
    dialect.stream_usage = true;
    dialect.reasoning_effort = true;
  }
  return dialect;
}

json::object build_chat_request(const ModelRequest& request, const OpenAiDialect& dialect) {
  json::object body;
  body["model"] = request.model;
  json::array messages;
  for (const auto& m : request.messages) messages.push_back(message_json(m, dialect));
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json::array tools;
    for (const auto& tool : request.tools) {
      json::object function{{"name", tool.name}};
      if (!tool.description.empty()) function["description"] = tool.description;
      function["parameters"] = tool.parameters.empty()
                                   ? json::object{{"type", "object"}, {"properties", json::object{}}}
                                   : tool.parameters;
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(function)}});
    }
    body["tools"] = std::move(tools);
  }
  body["stream"] = true;
  if (dialect.stream_usage) body["stream_options"] = json::object{{"include_usage", true}};
  if (request.max_tokens && *request.max_tokens > 0) {
    body[dialect.max_completion_tokens ? "max_completion_tokens" : "max_tokens"] = *request.max_tokens;
  }
  if (dialect.reasoning_effort && request.think) {
    if (const auto effort = effort_name(*request.think); !effort.empty()) body["reasoning_effort"] = effort;
  }
  return body;
}

// --- The stream ----------------------------------------------------------------------------------

FinishReason finish_reason_from_string(std::string_view reason) noexcept {
  if (reason == "stop" || reason == "eos" || reason == "end_turn" || reason == "stop_sequence")
    return FinishReason::stop;
  if (reason == "length" || reason == "max_tokens") return FinishReason::length;
  if (reason == "tool_calls" || reason == "function_call" || reason == "tool_use")
    return FinishReason::tool_calls;
  if (reason == "content_filter") return FinishReason::content_filter;
  return FinishReason::unknown;
}

OpenAiStreamDecoder::OpenAiStreamDecoder(ToolCallLimits limits) : tools_(limits) {}

ErrorDelta OpenAiStreamDecoder::end_with_error(ErrorDelta error) {
  done_ = true;
  return error;
}

std::vector<Delta> OpenAiStreamDecoder::final_deltas() {
  done_ = true;
  auto calls = tools_.finish();
  if (!calls) return {ErrorDelta{calls.error(), false, std::nullopt}};
  FinalDelta final_delta;
  final_delta.reason = finish_.value_or(FinishReason::unknown);
  if (!calls->empty() &&
      (final_delta.reason == FinishReason::stop || final_delta.reason == FinishReason::unknown))
    final_delta.reason = FinishReason::tool_calls;  // servers that say "stop" after tool calls
  std::vector<Delta> out;
  if (final_delta.reason == FinishReason::tool_calls) {
    for (const auto& call : *calls) out.emplace_back(ToolActivity{call.id, call.name, true});
    final_delta.tool_calls = std::move(*calls);
  }
  // Cut short by the length limit or a filter: the calls are incomplete or unwanted; none is run.
  final_delta.usage = usage_;
  out.emplace_back(std::move(final_delta));
  return out;
}

std::vector<Delta> OpenAiStreamDecoder::feed(std::string_view data) {
  if (done_) return {};
  data = util::trim(data);
  if (data.empty()) return {};
  if (data == "[DONE]") return final_deltas();

  boost::system::error_code ec;
  json::value parsed = json::parse(data, ec);
  if (ec || !parsed.is_object()) {
    return {end_with_error(
        ErrorDelta{"the model server sent a stream chunk that is not a JSON object", false, std::nullopt})};
  }
  const auto& chunk = parsed.get_object();
  if (const auto* error = chunk.if_contains("error");
      (error && !error->is_null()) || string_member(chunk, "object") == "error") {
    return {end_with_error(stream_error(chunk))};
  }

  if (const auto* usage = object_member(chunk, "usage")) {
    Usage u;
    u.input_tokens = integer_member(*usage, "prompt_tokens");
    u.output_tokens = integer_member(*usage, "completion_tokens");
    if (const auto* details = object_member(*usage, "completion_tokens_details"))
      u.reasoning_tokens = integer_member(*details, "reasoning_tokens");
    if (u.input_tokens || u.output_tokens || u.reasoning_tokens) usage_ = u;
  }

  std::vector<Delta> out;
  const auto* choices = chunk.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty()) return out;
  const json::object* choice = nullptr;
  for (const auto& c : choices->get_array()) {
    if (!c.is_object()) continue;
    const auto index = integer_member(c.get_object(), "index");
    if (!index || *index == 0) {
      choice = &c.get_object();
      break;
    }
  }
  if (!choice) return out;

  if (const auto* delta = object_member(*choice, "delta")) {
    std::string_view reasoning = string_member(*delta, "reasoning_content");
    if (reasoning.empty()) reasoning = string_member(*delta, "reasoning");
    if (!reasoning.empty()) out.emplace_back(ReasoningDelta{std::string(reasoning)});
    if (const auto content = string_member(*delta, "content"); !content.empty())
      out.emplace_back(TextDelta{std::string(content)});
    if (const auto refusal = string_member(*delta, "refusal"); !refusal.empty())
      out.emplace_back(TextDelta{std::string(refusal)});
    std::vector<ToolActivity> activities;
    if (const auto* calls = delta->if_contains("tool_calls"); calls && calls->is_array()) {
      activities = tools_.add_openai_deltas(calls->get_array());
    } else if (const auto* legacy = object_member(*delta, "function_call")) {
      activities = tools_.add_openai_deltas(json::array{json::object{{"index", 0}, {"function", *legacy}}});
    }
    for (auto& activity : activities) out.emplace_back(std::move(activity));
    if (tools_.failed()) {
      out.emplace_back(end_with_error(ErrorDelta{tools_.error(), false, std::nullopt}));
      return out;
    }
  }

  if (const auto reason = string_member(*choice, "finish_reason"); !reason.empty()) {
    if (reason == "error") {
      out.emplace_back(
          end_with_error(ErrorDelta{"the model server reported an error mid-stream", true, std::nullopt}));
      return out;
    }
    finish_ = finish_reason_from_string(reason);
  }
  return out;
}

std::vector<Delta> OpenAiStreamDecoder::finish() {
  if (done_) return {};
  if (finish_) return final_deltas();
  return {end_with_error(ErrorDelta{"the model's stream ended early", true, std::nullopt})};
}

// --- Errors --------------------------------------------------------------------------------------

std::string sanitize_server_message(std::string_view message, std::size_t max_bytes) {
  std::string flat;
  flat.reserve(message.size());
  bool blank = false;
  for (const char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ') {
      blank = true;
      continue;
    }
    if (blank && !flat.empty()) flat += ' ';
    blank = false;
    flat += c;
  }
  std::string text = redact_long_tokens(util::redact_patterns(redact_sk_keys(flat)));
  if (text.size() <= max_bytes) return text;
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  std::size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  text += kEllipsis;
  return text;
}

ErrorDelta error_from_http(int status, std::string_view body, std::optional<std::string> retry_after) {
  ServerError server;
  if (body.size() <= 1024 * 1024) {
    boost::system::error_code ec;
    const auto parsed = json::parse(body, ec);
    if (!ec && parsed.is_object()) server = read_server_error(parsed.get_object());
  }
  const bool quota = std::any_of(server.labels.begin(), server.labels.end(), [](const std::string& label) {
    return util::to_lower(label).find("insufficient_quota") != std::string::npos;
  });

  ErrorDelta out;
  out.status = status;
  out.retryable = retryable_status(status) && !quota;

  std::string wait;
  if (retry_after && out.retryable) {
    const auto value = util::trim(*retry_after);
    if (!value.empty() &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      if (const auto ms = retry_after_ms(value, 0)) wait = fmt::format(", retry after {} s", *ms / 1000);
    }
  }
  const std::string detail = sanitize_server_message(server.message);
  out.message = fmt::format("{} (HTTP {}{}){}{}", http_phrase(status, quota), status, wait,
                            detail.empty() ? "" : ": ", detail);
  return out;
}

std::optional<int> retry_after_ms(std::string_view header, std::int64_t now_ms) {
  constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;
  const auto value = util::trim(header);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t whole = 0;
    std::size_t i = 0;
    for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
      whole = std::min<std::int64_t>(whole * 10 + (value[i] - '0'), kMaxMs);
    }
    std::int64_t fraction_ms = 0;
    if (i < value.size() && value[i] == '.') {
      ++i;
      std::int64_t scale = 100;
      const std::size_t digits_start = i;
      for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
        fraction_ms += (value[i] - '0') * scale;
        scale /= 10;
      }
      if (i == digits_start) return std::nullopt;
    }
    if (i != value.size()) return std::nullopt;
    return static_cast<int>(std::min(whole * 1000 + fraction_ms, kMaxMs));
  }
  const auto date = mattermost::parse_http_date(value);
  if (!date) return std::nullopt;
  return static_cast<int>(std::clamp<std::int64_t>(*date - now_ms, 0, kMaxMs));
}

}  // namespace mmclaw::agent
