#pragma once
// llmsim's script language: a directive in the last user message tells the simulated model what
// to do, e.g. `@llmsim {"tokens": 50, "delay_ms": 20}`. Pure code; docs/simulators.md lists every
// key. A directive starts at `@llmsim` followed by a JSON object (which may span lines); the text
// around it is the user's message. Several directives in one message are merged in order.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace llmsim {

using mmclaw::Error;
using mmclaw::Result;

struct ToolCallSpec {
  std::string name;
  std::string arguments;  // the arguments as the model sends them: JSON text (a string is kept verbatim)
  bool operator==(const ToolCallSpec&) const = default;
};

struct FailSpec {
  unsigned status = 500;                  // 400..599
  std::optional<unsigned> retry_after_s;  // Retry-After header; 429 gets 1 when unset
  std::string message;                    // "" = a standard message for the status
  unsigned times = 0;                     // fail the first N requests carrying this directive; 0 = all
  bool operator==(const FailSpec&) const = default;
};

struct StallSpec {
  std::size_t after = 0;                              // generated chunks sent before the stall
  std::optional<std::chrono::milliseconds> duration;  // nullopt: until the client or the server gives up
  bool operator==(const StallSpec&) const = default;
};

struct Directive {
  // The answer: at most one of reply, tokens, lorem (default: "echo: <user text>").
  std::optional<std::string> reply;
  std::optional<std::size_t> tokens;  // that many generated words
  std::optional<std::size_t> lorem;   // that many characters of generated text with code fences
  // Reasoning before the answer: text or a number of generated words.
  std::optional<std::string> think;
  std::optional<std::size_t> think_tokens;
  std::vector<ToolCallSpec> tools;        // tool calls after the answer text
  std::optional<std::string> after_tool;  // the answer once the conversation ends with a tool result
  std::optional<FailSpec> fail;
  std::optional<StallSpec> stall;
  std::optional<std::size_t> drop_after;           // close the connection after N generated chunks
  std::optional<std::chrono::milliseconds> delay;  // between generated chunks
  std::optional<std::chrono::milliseconds> first_token_delay;  // before the first one
  std::optional<std::string> finish;                           // finish_reason / stop_reason as sent

  // Fields set in `over` replace these; setting one of reply/tokens/lorem (or think/think_tokens)
  // replaces the whole group, so defaults never combine with a message's choice.
  void merge_from(const Directive& over);
  bool operator==(const Directive&) const = default;
};

// Reads a directive object; unknown keys and wrong types are errors naming the key.
Result<Directive> directive_from_json(const boost::json::value& value);
boost::json::value directive_to_json(const Directive& directive);

struct UserMessage {
  std::string text;  // the message without its directives, trimmed
  std::optional<Directive> directive;
  std::string directive_source;  // the directives' JSON texts as written (identifies "the same directive")
};

// Splits the directives off a user message. An error (invalid_input, "llmsim directive: ...")
// when `@llmsim` is followed by something that is not a valid directive object.
Result<UserMessage> split_directives(std::string_view message);

}  // namespace llmsim
