#pragma once
// What one model call is asked (issue 6 "Sessions and transcripts"): the system prompt (the
// agent's, the channel's, and where the conversation is), the session's transcript trimmed from the
// oldest end to the model's context budget, and the turn's message (the envelope and history
// window the inbound decisions built, gateway/envelope). Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model_types.hpp"
#include "config/snapshot.hpp"
#include "gateway/envelope.hpp"

namespace mmclaw::agent {

// The channel's own system prompt: `groups.<channelId>.systemPrompt`, else `groups["*"]`.
std::optional<std::string> channel_system_prompt(const config::AccountConfig& account, std::string_view channel_id);

// Where the conversation is, for the system prompt: the chat type, the channel, the thread, the
// sender, in one or two plain sentences.
std::string conversation_context(const gateway::TurnContext& context);

struct PromptInput {
  std::string model_id;                         // sent to the server
  std::optional<std::string> agent_prompt;      // agents.defaults.systemPrompt
  std::optional<std::string> channel_prompt;    // channel_system_prompt()
  std::string conversation;                     // conversation_context()
  std::vector<std::string> system_events;       // reactions and the like since the last turn
  std::vector<ChatMessage> transcript;          // the session so far, oldest first
  std::string message;                          // the turn's body (TurnContext::body)
  // Images of the turn's post, for a model that takes images: attached to the final user message.
  // At most max_prompt_images() of them are sent; the rest are left out with a line saying so.
  std::vector<ImagePart> images;
  std::optional<int> context_window;            // the model's contextWindow
  std::optional<int> max_tokens;                // the model's maxTokens
  std::optional<ThinkLevel> think;              // only for models that reason
};

struct Prompt {
  ModelRequest request;
  std::size_t transcript_dropped = 0;  // oldest transcript messages left out to fit the budget
  bool over_budget = false;            // even the newest message alone does not fit
  std::size_t images_dropped = 0;      // images of the turn left out to fit the budget
};

// How many images one request carries for a history budget of `budget_tokens` (context_budget):
// they may take at most half of it at kImageTokens each, so the message's text and some history
// keep room; at least one, so a model with a small configured window still sees an image.
std::size_t max_prompt_images(int budget_tokens) noexcept;

// The system prompt is one message: the agent's prompt, the channel's, then the conversation
// context and the system events, separated by blank lines. The images go with the final user
// message (the turn's); the transcript trimming counts them (kImageTokens each) and never drops
// them, since that message always stays.
Prompt build_prompt(const PromptInput& input);

}  // namespace mmclaw::agent
