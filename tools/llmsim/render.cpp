#include "llmsim/render.hpp"

#include <fmt/format.h>

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace llmsim {

namespace json = boost::json;

namespace {

constexpr std::string_view kSignature = "llmsim-signature";

Frame data_frame(Frame::Kind kind, const json::value& v) {
  return Frame{kind, fmt::format("data: {}\n\n", json::serialize(v))};
}

Frame event_frame(Frame::Kind kind, std::string_view name, const json::value& v) {
  return Frame{kind, fmt::format("event: {}\ndata: {}\n\n", name, json::serialize(v))};
}

json::object openai_usage(const Plan& plan) {
  return {{"prompt_tokens", plan.prompt_tokens},
          {"completion_tokens", plan.completion_tokens},
          {"total_tokens", plan.prompt_tokens + plan.completion_tokens}};
}

json::object openai_chunk(const Plan& plan, json::object delta, json::value finish_reason) {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
  choice["finish_reason"] = std::move(finish_reason);
  return {{"id", plan.id},
          {"object", "chat.completion.chunk"},
          {"created", plan.created},
          {"model", plan.model},
          {"system_fingerprint", "llmsim"},
          {"choices", json::array{std::move(choice)}}};
}

// A tool call's input for a whole Anthropic message: the arguments as an object when they parse
// as one, else the raw text (which is what a broken model would hand over).
json::value anthropic_input(const std::string& arguments) {
  boost::system::error_code ec;
  auto parsed = json::parse(arguments, ec);
  if (!ec && parsed.is_object()) return parsed;
  return json::value(arguments);
}

std::string_view openai_error_type(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "invalid_request_error";
    case 429: return "rate_limit_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string_view anthropic_error_type(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

std::string openai_finish_reason(const Plan& plan) {
  if (plan.finish_override) return *plan.finish_override;
  switch (plan.finish) {
    case Finish::stop: return "stop";
    case Finish::length: return "length";
    case Finish::tool_calls: return "tool_calls";
  }
  return "stop";
}

std::string anthropic_stop_reason(const Plan& plan) {
  if (plan.finish_override) return *plan.finish_override;
  switch (plan.finish) {
    case Finish::stop: return "end_turn";
    case Finish::length: return "max_tokens";
    case Finish::tool_calls: return "tool_use";
  }
  return "end_turn";
}

std::string openai_completion(const Plan& plan) {
  json::object message{{"role", "assistant"}};
  if (plan.tool_calls.empty() || !plan.content.empty()) {
    message["content"] = plan.content_text();
  } else {
    message["content"] = nullptr;
  }
  if (!plan.reasoning.empty()) message["reasoning_content"] = plan.reasoning_text();
  if (!plan.tool_calls.empty()) {
    json::array calls;
    for (const auto& call : plan.tool_calls) {
      calls.push_back(
          json::object{{"id", call.id},
                       {"type", "function"},
                       {"function", json::object{{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  json::object choice{{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}};
  choice["finish_reason"] = openai_finish_reason(plan);
  json::object body{{"id", plan.id},
                    {"object", "chat.completion"},
                    {"created", plan.created},
                    {"model", plan.model},
                    {"system_fingerprint", "llmsim"},
                    {"choices", json::array{std::move(choice)}},
                    {"usage", openai_usage(plan)}};
  return json::serialize(body);
}

std::vector<Frame> openai_stream(const Plan& plan, bool include_usage) {
  std::vector<Frame> frames;
  frames.push_back(
      data_frame(Frame::Kind::head, openai_chunk(plan, {{"role", "assistant"}, {"content", ""}}, nullptr)));
  for (const auto& piece : plan.reasoning) {
    frames.push_back(
        data_frame(Frame::Kind::generated, openai_chunk(plan, {{"reasoning_content", piece}}, nullptr)));
  }
  for (const auto& piece : plan.content) {
    frames.push_back(data_frame(Frame::Kind::generated, openai_chunk(plan, {{"content", piece}}, nullptr)));
  }
  for (std::size_t i = 0; i < plan.tool_calls.size(); ++i) {
    const auto& call = plan.tool_calls[i];
    // As OpenAI sends them: id, type and name first with empty arguments, then argument pieces
    // that carry only the index.
    json::object first{{"index", i},
                       {"id", call.id},
                       {"type", "function"},
                       {"function", json::object{{"name", call.name}, {"arguments", ""}}}};
    frames.push_back(
        data_frame(Frame::Kind::generated,
                   openai_chunk(plan, {{"tool_calls", json::array{std::move(first)}}}, nullptr)));
    for (const auto& piece : call.argument_pieces) {
      json::object part{{"index", i}, {"function", json::object{{"arguments", piece}}}};
      frames.push_back(
          data_frame(Frame::Kind::generated,
                     openai_chunk(plan, {{"tool_calls", json::array{std::move(part)}}}, nullptr)));
    }
  }
  frames.push_back(
      data_frame(Frame::Kind::other, openai_chunk(plan, {}, json::value(openai_finish_reason(plan)))));
  if (include_usage) {
    json::object usage{{"id", plan.id},
                       {"object", "chat.completion.chunk"},
                       {"created", plan.created},
                       {"model", plan.model},
                       {"system_fingerprint", "llmsim"},
                       {"choices", json::array{}},
                       {"usage", openai_usage(plan)}};
    frames.push_back(data_frame(Frame::Kind::other, usage));
  }
  frames.push_back(Frame{Frame::Kind::other, "data: [DONE]\n\n"});
  return frames;
}

std::string anthropic_message(const Plan& plan) {
  json::array content;
  if (!plan.reasoning.empty()) {
    content.push_back(
        json::object{{"type", "thinking"}, {"thinking", plan.reasoning_text()}, {"signature", kSignature}});
  }
  if (!plan.content.empty() || plan.tool_calls.empty()) {
    content.push_back(json::object{{"type", "text"}, {"text", plan.content_text()}});
  }
  for (const auto& call : plan.tool_calls) {
    content.push_back(json::object{{"type", "tool_use"},
                                   {"id", call.id},
                                   {"name", call.name},
                                   {"input", anthropic_input(call.arguments)}});
  }
  json::object body{{"id", plan.id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", plan.model},
                    {"content", std::move(content)},
                    {"stop_reason", anthropic_stop_reason(plan)},
                    {"stop_sequence", nullptr},
                    {"usage", json::object{{"input_tokens", plan.prompt_tokens},
                                           {"output_tokens", plan.completion_tokens}}}};
  return json::serialize(body);
}

std::vector<Frame> anthropic_stream(const Plan& plan) {
  std::vector<Frame> frames;
  json::object message{{"id", plan.id},
                       {"type", "message"},
                       {"role", "assistant"},
                       {"model", plan.model},
                       {"content", json::array{}},
                       {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", json::object{{"input_tokens", plan.prompt_tokens}, {"output_tokens", 1}}}};
  frames.push_back(event_frame(Frame::Kind::head, "message_start",
                               json::object{{"type", "message_start"}, {"message", message}}));
  frames.push_back(event_frame(Frame::Kind::head, "ping", json::object{{"type", "ping"}}));

  std::size_t index = 0;
  const auto start_block = [&](json::object block) {
    frames.push_back(event_frame(
        Frame::Kind::other, "content_block_start",
        json::object{{"type", "content_block_start"}, {"index", index}, {"content_block", block}}));
  };
  const auto delta = [&](Frame::Kind kind, json::object d) {
    frames.push_back(
        event_frame(kind, "content_block_delta",
                    json::object{{"type", "content_block_delta"}, {"index", index}, {"delta", d}}));
  };
  const auto stop_block = [&] {
    frames.push_back(event_frame(Frame::Kind::other, "content_block_stop",
                                 json::object{{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  };

  if (!plan.reasoning.empty()) {
    start_block({{"type", "thinking"}, {"thinking", ""}});
    for (const auto& piece : plan.reasoning)
      delta(Frame::Kind::generated, {{"type", "thinking_delta"}, {"thinking", piece}});
    delta(Frame::Kind::other, {{"type", "signature_delta"}, {"signature", kSignature}});
    stop_block();
  }
  if (!plan.content.empty() || plan.tool_calls.empty()) {
    start_block({{"type", "text"}, {"text", ""}});
    for (const auto& piece : plan.content)
      delta(Frame::Kind::generated, {{"type", "text_delta"}, {"text", piece}});
    stop_block();
  }
  for (const auto& call : plan.tool_calls) {
    // The name arrives with the block start, which counts as generated like OpenAI's first piece.
    frames.push_back(event_frame(Frame::Kind::generated, "content_block_start",
                                 json::object{{"type", "content_block_start"},
                                              {"index", index},
                                              {"content_block", json::object{{"type", "tool_use"},
                                                                             {"id", call.id},
                                                                             {"name", call.name},
                                                                             {"input", json::object{}}}}}));
    for (const auto& piece : call.argument_pieces) {
      delta(Frame::Kind::generated, {{"type", "input_json_delta"}, {"partial_json", piece}});
    }
    stop_block();
  }
  frames.push_back(event_frame(
      Frame::Kind::other, "message_delta",
      json::object{
          {"type", "message_delta"},
          {"delta", json::object{{"stop_reason", anthropic_stop_reason(plan)}, {"stop_sequence", nullptr}}},
          {"usage", json::object{{"output_tokens", plan.completion_tokens}}}}));
  frames.push_back(event_frame(Frame::Kind::other, "message_stop", json::object{{"type", "message_stop"}}));
  return frames;
}

std::string default_error_message(unsigned status) {
  switch (status) {
    case 400: return "Bad request (llmsim)";
    case 401: return "Incorrect API key provided (llmsim)";
    case 403: return "Permission denied (llmsim)";
    case 404: return "Not found (llmsim)";
    case 429: return "Rate limit reached for requests (llmsim)";
    case 500: return "The server had an error while processing your request (llmsim)";
    case 502: return "Bad gateway (llmsim)";
    case 503: return "The engine is currently overloaded, please try again later (llmsim)";
    case 529: return "Overloaded (llmsim)";
    default: return fmt::format("Simulated failure with status {} (llmsim)", status);
  }
}

std::string openai_error(unsigned status, std::string_view message, std::optional<std::string_view> param) {
  json::object error{{"message", message}, {"type", openai_error_type(status)}};
  error["param"] = param ? json::value(*param) : json::value(nullptr);
  if (status == 429) {
    error["code"] = "rate_limit_exceeded";
  } else if (status == 401) {
    error["code"] = "invalid_api_key";
  } else if (status == 404) {
    error["code"] = "unknown_url";
  } else {
    error["code"] = nullptr;
  }
  return json::serialize(json::object{{"error", std::move(error)}});
}

std::string anthropic_error(unsigned status, std::string_view message) {
  return json::serialize(
      json::object{{"type", "error"},
                   {"error", json::object{{"type", anthropic_error_type(status)}, {"message", message}}}});
}

std::string openai_models(const std::vector<std::string>& models) {
  json::array data;
  for (const auto& id : models) {
    data.push_back(json::object{{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "llmsim"}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string anthropic_models(const std::vector<std::string>& models) {
  json::array data;
  for (const auto& id : models) {
    data.push_back(json::object{
        {"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", "2025-01-01T00:00:00Z"}});
  }
  json::object body{{"data", std::move(data)}, {"has_more", false}};
  body["first_id"] = models.empty() ? json::value(nullptr) : json::value(models.front());
  body["last_id"] = models.empty() ? json::value(nullptr) : json::value(models.back());
  return json::serialize(body);
}

}  // namespace llmsim
