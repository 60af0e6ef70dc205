#pragma once
// One streamed model call over HTTP (PRODUCT.md "The agent runtime"): `openai-completions`
// (POST {baseUrl}/chat/completions) and `anthropic-messages` (POST {baseUrl}/v1/messages), with
// server-sent events parsed as they arrive (agent/sse) and decoded into typed deltas
// (agent/openai_wire, agent/anthropic_wire). Deadlines: the first token, the silence between two
// pieces of the stream once tokens flow, and the whole call.
//
// Runs on the event loop; every delta goes to `on_delta` as it arrives, and the call ends with
// exactly one FinalDelta or ErrorDelta, which is also returned. Error messages are short and never
// carry a key or a raw body.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "agent/model_types.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::net {
class HttpClient;
}

namespace mmclaw::agent {

struct StreamDeadlines {
  std::chrono::milliseconds first_token{120'000};
  std::chrono::milliseconds stall{60'000};
  std::chrono::milliseconds total{600'000};
};

struct ModelCall {
  const config::ProviderConfig* provider = nullptr;
  ModelRequest request;
  StreamDeadlines deadlines;
  // Set to true to end the call at the next piece of the stream (an interrupted turn).
  std::shared_ptr<bool> cancelled;
};

// The URL a provider's calls go to: `{baseUrl}/chat/completions`; for Anthropic `{baseUrl}/messages`
// when the base ends in `/v1` (as for OpenAI-style bases), else `{baseUrl}/v1/messages`.
std::string model_endpoint(const config::ProviderConfig& provider);

// How a call ended: its last delta (FinalDelta or ErrorDelta) and, for a refusal with
// `Retry-After`, how long the server asked to wait.
struct StreamEnd {
  Delta delta;
  std::optional<std::chrono::milliseconds> retry_after;
};

boost::asio::awaitable<StreamEnd> stream_model(net::HttpClient& http, const ModelCall& call,
                                               std::function<void(const Delta&)> on_delta);

}  // namespace mmclaw::agent
