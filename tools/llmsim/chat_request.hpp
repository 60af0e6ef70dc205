#pragma once
// Reads and validates the body of an OpenAI Chat Completions or Anthropic Messages request into
// what llmsim needs to answer it. Pure code. Validation follows what the real APIs reject, so a
// client bug shows up against the simulator too.

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace llmsim {

enum class Api { openai, anthropic };

struct ChatRequest {
  Api api = Api::openai;
  std::string model;
  bool stream = false;
  bool include_usage = false;             // OpenAI stream_options.include_usage
  std::optional<std::size_t> max_tokens;  // max_tokens / max_completion_tokens
  std::string last_user_text;             // text of the last user message that has text
  bool ends_with_tool_result = false;     // the conversation's last message is a tool result
  std::string tool_result_text;           // that result's text
  std::size_t prompt_tokens = 0;          // whitespace-separated words in every message's text
};

struct InvalidRequest {
  std::string message;
  std::string param;  // the offending field ("messages[2].role"), or "" when none applies
};

std::expected<ChatRequest, InvalidRequest> parse_openai_request(std::string_view body);
std::expected<ChatRequest, InvalidRequest> parse_anthropic_request(std::string_view body);

// Words separated by whitespace: llmsim's deterministic stand-in for a tokenizer.
std::size_t count_words(std::string_view text);

}  // namespace llmsim
