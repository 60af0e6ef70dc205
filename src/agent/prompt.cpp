#include "agent/prompt.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "agent/transcript.hpp"
#include "util/strings.hpp"

namespace mmclaw::agent {

std::optional<std::string> channel_system_prompt(const config::AccountConfig& account, std::string_view channel_id) {
  for (const std::string_view key : {channel_id, std::string_view("*")}) {
    const auto it = account.groups.find(std::string(key));
    if (it != account.groups.end() && it->second.system_prompt && !util::trim(*it->second.system_prompt).empty())
      return it->second.system_prompt;
  }
  return std::nullopt;
}

std::string conversation_context(const gateway::TurnContext& context) {
  std::string where;
  switch (context.chat_type) {
    case gateway::ChatType::direct:
      where = fmt::format("You are talking with {} in a direct message on Mattermost.",
                          context.sender_name.empty() ? context.sender_id : "@" + context.sender_name);
      break;
    case gateway::ChatType::group:
    case gateway::ChatType::channel: {
      const std::string room = context.group_channel.value_or(context.group_subject.value_or(context.native_channel_id));
      where = fmt::format("You are in the Mattermost {} {}; this message is from {}.",
                          context.chat_type == gateway::ChatType::group ? "group conversation" : "channel", room,
                          context.sender_name.empty() ? context.sender_id : "@" + context.sender_name);
      break;
    }
  }
  if (context.message_thread_id) where += " You are answering in a thread.";
  return where;
}

std::size_t max_prompt_images(int budget_tokens) noexcept {
  const int share = std::max(budget_tokens, 0) / 2 / kImageTokens;
  return static_cast<std::size_t>(std::max(share, 1));
}

Prompt build_prompt(const PromptInput& input) {
  std::vector<std::string> parts;
  for (const auto& part : {input.agent_prompt, input.channel_prompt})
    if (part && !util::trim(*part).empty()) parts.emplace_back(util::trim(*part));
  if (!input.conversation.empty()) parts.push_back(input.conversation);
  if (!input.system_events.empty()) {
    std::string events = "Since the last message:";
    for (const auto& event : input.system_events) events += "\n- " + event;
    parts.push_back(std::move(events));
  }
  std::string system;
  for (const auto& part : parts) system += (system.empty() ? "" : "\n\n") + part;

  Prompt out;
  out.request.model = input.model_id;
  out.request.max_tokens = input.max_tokens;
  out.request.think = input.think;
  ChatMessage system_message;
  system_message.role = Role::system;
  system_message.text = system;
  const int system_tokens = system.empty() ? 0 : approx_tokens(system_message);

  const int budget = context_budget(input.context_window, input.max_tokens, system_tokens);
  std::vector<ChatMessage> history = input.transcript;
  ChatMessage current;
  current.role = Role::user;
  current.text = input.message;
  if (!input.images.empty()) {
    const std::size_t keep = std::min(input.images.size(), max_prompt_images(budget));
    current.images.assign(input.images.begin(), input.images.begin() + static_cast<std::ptrdiff_t>(keep));
    out.images_dropped = input.images.size() - keep;
    if (out.images_dropped > 0)
      current.text += fmt::format("{}[{} of the {} attached images {} left out to fit the model's context window.]",
                                  current.text.empty() ? "" : "\n\n", out.images_dropped, input.images.size(),
                                  out.images_dropped == 1 ? "was" : "were");
  }
  history.push_back(std::move(current));
  auto trimmed = trim_to_budget(std::move(history), budget);
  out.transcript_dropped = trimmed.dropped;
  out.over_budget = trimmed.over_budget;

  if (!system.empty()) out.request.messages.push_back(std::move(system_message));
  for (auto& message : trimmed.messages) out.request.messages.push_back(std::move(message));
  return out;
}

}  // namespace mmclaw::agent
