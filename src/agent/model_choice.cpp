#include "agent/model_choice.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace mmclaw::agent {

namespace {

std::string_view api_name(config::ModelApi api) {
  switch (api) {
    case config::ModelApi::openai_completions: return "openai-completions";
    case config::ModelApi::anthropic_messages: return "anthropic-messages";
    case config::ModelApi::command: return "command";
    case config::ModelApi::echo: return "echo";
  }
  return "unknown";
}

}  // namespace

std::optional<ModelChoice> resolve_model(const config::Snapshot& snapshot, std::string_view ref) {
  const auto slash = ref.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= ref.size()) return std::nullopt;
  const auto provider = snapshot.providers.find(std::string(ref.substr(0, slash)));
  if (provider == snapshot.providers.end()) return std::nullopt;
  ModelChoice choice;
  choice.provider = &provider->second;
  choice.ref = std::string(ref);
  choice.model_id = std::string(ref.substr(slash + 1));
  for (const auto& model : provider->second.models)
    if (model.id == choice.model_id) choice.model = &model;
  return choice;
}

std::vector<std::string> configured_model_refs(const config::Snapshot& snapshot) {
  std::vector<std::string> refs;
  for (const auto& [id, provider] : snapshot.providers)
    for (const auto& model : provider.models) refs.push_back(id + "/" + model.id);
  return refs;
}

std::vector<ModelChoice> model_candidates(const config::Snapshot& snapshot,
                                          const std::optional<std::string>& session_model) {
  std::vector<std::string> refs;
  if (session_model) {
    refs.push_back(*session_model);  // the session's primary, in place of the configured one
  } else if (snapshot.agent.primary_model) {
    refs.push_back(*snapshot.agent.primary_model);
  } else if (snapshot.providers.size() == 1 && !snapshot.providers.begin()->second.models.empty()) {
    const auto& [id, provider] = *snapshot.providers.begin();
    refs.push_back(id + "/" + provider.models.front().id);
  }
  for (const auto& fallback : snapshot.agent.fallback_models) refs.push_back(fallback);
  std::vector<ModelChoice> out;
  for (const auto& ref : refs) {
    if (std::any_of(out.begin(), out.end(), [&](const ModelChoice& c) { return c.ref == ref; })) continue;
    auto choice = resolve_model(snapshot, ref);
    if (!choice) continue;
    // The diagnostic echo answers only as the first choice; as a fallback of a real model it
    // would hide the model's failure.
    if (!out.empty() && choice->provider->api == config::ModelApi::echo) continue;
    out.push_back(std::move(*choice));
  }
  return out;
}

std::string visible_model_error(std::string_view reason, config::ModelApi api, std::string_view model_ref) {
  std::string text(reason);
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return fmt::format("{} ({}, {}).", text, api_name(api), model_ref);
}

}  // namespace mmclaw::agent
