// Which model answers (agent/model_choice): refs, the order of the candidates, the error text.
#include "agent/model_choice.hpp"

#include <gtest/gtest.h>

namespace mmclaw::agent {
namespace {

config::Snapshot snapshot() {
  config::Snapshot s;
  config::ProviderConfig local;
  local.id = "ollama";
  local.api = config::ModelApi::openai_completions;
  local.models = {config::ModelConfig{}, config::ModelConfig{}};
  local.models[0].id = "llama3.3";
  local.models[1].id = "qwen";
  s.providers["ollama"] = local;
  config::ProviderConfig claude;
  claude.id = "claude";
  claude.api = config::ModelApi::anthropic_messages;
  claude.models = {config::ModelConfig{}};
  claude.models[0].id = "sonnet";
  s.providers["claude"] = claude;
  config::ProviderConfig echo;
  echo.id = "diag";
  echo.api = config::ModelApi::echo;
  s.providers["diag"] = echo;
  s.agent.primary_model = "ollama/llama3.3";
  s.agent.fallback_models = {"claude/sonnet", "diag/echo", "nowhere/x", "ollama/llama3.3"};
  return s;
}

std::vector<std::string> refs(const std::vector<ModelChoice>& choices) {
  std::vector<std::string> out;
  for (const auto& c : choices) out.push_back(c.ref);
  return out;
}

TEST(ModelChoice, ResolvesRefsAgainstTheProviders) {
  const auto s = snapshot();
  const auto choice = resolve_model(s, "ollama/qwen");
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->provider->id, "ollama");
  ASSERT_NE(choice->model, nullptr);
  EXPECT_EQ(choice->model->id, "qwen");
  EXPECT_EQ(choice->model_id, "qwen");
  const auto unlisted = resolve_model(s, "ollama/mistral:7b/instruct");
  ASSERT_TRUE(unlisted) << "a model the provider does not list is still sent as asked";
  EXPECT_EQ(unlisted->model, nullptr);
  EXPECT_EQ(unlisted->model_id, "mistral:7b/instruct");
  EXPECT_FALSE(resolve_model(s, "nowhere/x"));
  EXPECT_FALSE(resolve_model(s, "ollama"));
  EXPECT_FALSE(resolve_model(s, "/x"));
  EXPECT_FALSE(resolve_model(s, "ollama/"));
}

TEST(ModelChoice, CandidatesArePrimaryThenFallbacksWithoutDuplicatesUnknownsOrEcho) {
  const auto s = snapshot();
  EXPECT_EQ(refs(model_candidates(s, std::nullopt)), (std::vector<std::string>{"ollama/llama3.3", "claude/sonnet"}));
  EXPECT_EQ(refs(model_candidates(s, std::string("ollama/qwen"))),
            (std::vector<std::string>{"ollama/qwen", "claude/sonnet", "ollama/llama3.3"}))
      << "a session's choice replaces the primary; the fallbacks follow";
  auto only_echo = snapshot();
  only_echo.agent.primary_model = "diag/echo";
  EXPECT_EQ(refs(model_candidates(only_echo, std::nullopt)).front(), "diag/echo") << "echo may answer first";
  auto single = config::Snapshot{};
  single.providers["ollama"] = s.providers.at("ollama");
  EXPECT_EQ(refs(model_candidates(single, std::nullopt)), std::vector<std::string>{"ollama/llama3.3"})
      << "without a primary, the only provider's first model";
}

TEST(ModelChoice, ConfiguredRefsInOrder) {
  EXPECT_EQ(configured_model_refs(snapshot()),
            (std::vector<std::string>{"claude/sonnet", "ollama/llama3.3", "ollama/qwen"}));
}

TEST(ModelChoice, VisibleErrorNamesTheBackendAndTheModel) {
  EXPECT_EQ(visible_model_error("the model server did not answer in time", config::ModelApi::openai_completions,
                                "ollama/llama3.3"),
            "The model server did not answer in time (openai-completions, ollama/llama3.3).");
  EXPECT_EQ(visible_model_error("overloaded (HTTP 529).", config::ModelApi::anthropic_messages, "claude/sonnet"),
            "Overloaded (HTTP 529) (anthropic-messages, claude/sonnet).");
  EXPECT_EQ(visible_model_error("the command did not answer in time", config::ModelApi::command, "script/x"),
            "The command did not answer in time (command, script/x).");
}

}  // namespace
}  // namespace mmclaw::agent
