#pragma once
// What llmsim answers to one request, decided before anything is sent: the reasoning, the answer
// text and the tool calls, each already cut into the chunks a stream sends, plus the timing and
// the faults to act out. Pure and deterministic: the same request and directive give the same plan.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmsim/chat_request.hpp"
#include "llmsim/directive.hpp"

namespace llmsim {

enum class Finish { stop, length, tool_calls };

struct ToolCallPlan {
  std::string id;
  std::string name;
  std::string arguments;                     // the whole arguments text
  std::vector<std::string> argument_pieces;  // the same text cut for streaming
};

struct Plan {
  std::string id;  // response id (chatcmpl-... or msg_...)
  std::string model;
  std::int64_t created = 0;            // unix seconds
  std::vector<std::string> reasoning;  // chunks of reasoning text
  std::vector<std::string> content;    // chunks of answer text
  std::vector<ToolCallPlan> tool_calls;
  Finish finish = Finish::stop;
  std::optional<std::string> finish_override;  // sent verbatim instead of finish
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds first_token_delay{0};
  std::optional<StallSpec> stall;
  std::optional<std::size_t> drop_after;
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;

  [[nodiscard]] std::string reasoning_text() const;
  [[nodiscard]] std::string content_text() const;
  // Generated chunks a stream sends: reasoning, content and tool-call pieces (one per tool call
  // for its name, then its argument pieces).
  [[nodiscard]] std::size_t generated_chunks() const;
};

// `directive` is the merged one (settings defaults, then the message's); `user_text` the last user
// message without directives; `sequence` numbers responses for ids; `created` is the time to report.
Plan make_plan(const ChatRequest& request, const Directive& directive, std::string_view user_text,
               std::uint64_t sequence, std::int64_t created);

// Cuts text into word chunks (a word with the whitespace after it); joined they give the text back.
std::vector<std::string> split_tokens(std::string_view text);
// Cuts text into pieces of about `size` bytes without splitting a UTF-8 sequence.
std::vector<std::string> split_pieces(std::string_view text, std::size_t size);
// `count` words of lorem ipsum separated by single spaces.
std::string lorem_words(std::size_t count);
// Exactly `chars` characters (ASCII) of paragraphs and fenced code blocks.
std::string lorem_text(std::size_t chars);

}  // namespace llmsim
