#pragma once
// The end-to-end fixture for tests that talk to a model: mmsim and llmsim, and a gateway whose
// provider `llmsim` serves models alpha (the primary) and beta.

#include <gtest/gtest.h>

#include <memory>

#include "gateway_fixture.hpp"
#include "support/llmsim_process.hpp"

namespace mmclaw::e2e {

class GatewayLlmFixture : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    llm_ = std::make_unique<mmclaw::test::LlmsimProcess>();
  }
  void TearDown() override {
    GatewayFixture::TearDown();
    llm_.reset();
  }

  // A provider `llmsim` with models alpha and beta (the primary is alpha), `fallback` naming an
  // optional second provider as the fallback model.
  GatewayOptions options(std::string api = "openai-completions", std::string extra_providers = "",
                         std::string fallback = "") const {
    GatewayOptions o;
    o.models = fmt::format(R"(models: {{ providers: {{
      llmsim: {{ baseUrl: "{}", api: "{}", apiKey: "sk-test-not-a-real-key-0123456789",
                 models: [{{ id: "alpha", contextWindow: 8192, maxTokens: 512 }}, {{ id: "beta" }}] }},
      {}
    }} }},
  agents: {{ defaults: {{ model: {{ primary: "llmsim/alpha", fallbacks: [{}] }}, systemPrompt: "You are a test bot." }} }},)",
                           llm_->base_url(), api, extra_providers, fallback);
    o.mmclaw_extra = "agent: { firstTokenTimeoutSeconds: 5, stallTimeoutSeconds: 1, turnTimeoutSeconds: 30 },";
    return o;
  }

  // Waits for the one answer to `post` and returns its text.
  std::string answer_to(const json::object& post, std::chrono::milliseconds timeout = 20s) {
    std::vector<json::object> found;
    if (!poll_until(
            [&] {
              found = answers_to(*sim_, field(post, "channel_id"), field(post, "id"));
              return !found.empty();
            },
            timeout))
      throw std::runtime_error("no answer to \"" + field(post, "message") + "\"; log:\n" + gateway_->log_tail());
    std::this_thread::sleep_for(500ms);
    found = answers_to(*sim_, field(post, "channel_id"), field(post, "id"));
    EXPECT_EQ(found.size(), 1u) << "answered once";
    return field(found.front(), "message");
  }

  json::object dm(std::string_view text) { return sim_->post_as("alice", kAliceDm, text); }

  std::unique_ptr<mmclaw::test::LlmsimProcess> llm_;
};

}  // namespace mmclaw::e2e
