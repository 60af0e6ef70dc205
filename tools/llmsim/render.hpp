#pragma once
// Turns a Plan into the bytes of a response in the OpenAI or Anthropic wire format: a whole JSON
// body, or the server-sent-event frames of a stream. Pure code.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmsim/plan.hpp"

namespace llmsim {

// One server-sent event, exactly as it goes on the wire (ends with a blank line).
struct Frame {
  enum class Kind {
    head,       // before anything is generated (OpenAI role chunk, Anthropic message_start and ping)
    generated,  // carries generated text or tool-call pieces: delays, stalls and drops count these
    other,      // block boundaries, the finish, usage, [DONE]
  };
  Kind kind = Kind::other;
  std::string bytes;
};

std::string openai_completion(const Plan& plan);
std::vector<Frame> openai_stream(const Plan& plan, bool include_usage);
std::string anthropic_message(const Plan& plan);
std::vector<Frame> anthropic_stream(const Plan& plan);

// The finish reason as each API names it (or the directive's override).
std::string openai_finish_reason(const Plan& plan);
std::string anthropic_stop_reason(const Plan& plan);

// Error bodies: {"error":{"message","type","param","code"}} and {"type":"error","error":{...}}.
std::string openai_error(unsigned status, std::string_view message,
                         std::optional<std::string_view> param = {});
std::string anthropic_error(unsigned status, std::string_view message);
// A standard message for a status (429 -> "Rate limit reached ...").
std::string default_error_message(unsigned status);

std::string openai_models(const std::vector<std::string>& models);
std::string anthropic_models(const std::vector<std::string>& models);

}  // namespace llmsim
