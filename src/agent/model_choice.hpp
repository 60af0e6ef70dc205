#pragma once
// Which model answers a turn (PRODUCT.md "The agent runtime"): `provider/model` refs resolved
// against the configured providers, the order they are tried in, and the visible text of a turn
// none of them could answer. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace mmclaw::agent {

// A configured model: its provider, its entry in `models[]` (null when the ref names an id the
// provider does not list), the `provider/model` ref and the id sent to the server.
struct ModelChoice {
  const config::ProviderConfig* provider = nullptr;
  const config::ModelConfig* model = nullptr;
  std::string ref;
  std::string model_id;
};

// "provider/model" against the snapshot's providers; nullopt when the provider is not configured.
std::optional<ModelChoice> resolve_model(const config::Snapshot& snapshot, std::string_view ref);

// The primary ref (a session's /model choice when given, in place of agents.defaults.model.primary;
// else that; else the only provider's first model) and then the fallbacks, each resolved; unresolvable refs, and
// an `echo` provider anywhere but first, are left out.
std::vector<ModelChoice> model_candidates(const config::Snapshot& snapshot,
                                          const std::optional<std::string>& session_model);

// Every configured `provider/model` ref, in configuration order (for /model and /models).
std::vector<std::string> configured_model_refs(const config::Snapshot& snapshot);

// `The model server did not answer in time (openai-completions, ollama/llama3.3).`
std::string visible_model_error(std::string_view reason, config::ModelApi api, std::string_view model_ref);

}  // namespace mmclaw::agent
