#include "agent/backends/model_stream.hpp"

#include <optional>

#include <boost/json/serialize.hpp>

#include "agent/anthropic_wire.hpp"
#include "agent/openai_wire.hpp"
#include "agent/sse.hpp"
#include "net/http_client.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

namespace mmclaw::agent {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// A streamed answer is bounded like any response, only larger: long answers with reasoning.
constexpr std::size_t kMaxStreamBytes = 64 * 1024 * 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ErrorDelta transport_error(const Error& error, bool got_token) {
  ErrorDelta out;
  const bool timed_out = error.message.find("timed out") != std::string::npos;
  // A stream that stalled after it started is not asked again: the user gets the error within
  // the stall deadline (or the fallback model is tried), instead of waiting out the retries.
  out.retryable = (error.kind == ErrorKind::transient || error.kind == ErrorKind::rate_limited) &&
                  !(timed_out && got_token);
  if (error.message.find("cancelled by the turn") != std::string::npos)
    out.message = "the turn was interrupted";
  else if (timed_out)
    out.message = got_token ? "the model's stream stalled" : "the model server did not answer in time";
  else if (error.kind == ErrorKind::transient)
    out.message = "the model server cannot be reached";
  else
    out.message = "the model call failed: " + util::SecretRegistry::instance().redact(error.message);
  return out;
}

}  // namespace

std::string model_endpoint(const config::ProviderConfig& provider) {
  std::string base = provider.base_url;
  while (base.ends_with('/')) base.pop_back();
  if (provider.api == config::ModelApi::anthropic_messages)
    return base.ends_with("/v1") ? base + "/messages" : base + "/v1/messages";
  return base + "/chat/completions";
}

asio::awaitable<StreamEnd> stream_model(net::HttpClient& http, const ModelCall& call,
                                        std::function<void(const Delta&)> on_delta) {
  const auto& provider = *call.provider;
  const bool anthropic = provider.api == config::ModelApi::anthropic_messages;

  net::HttpClientRequest request;
  request.method = "POST";
  request.url = model_endpoint(provider);
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "text/event-stream");
  if (anthropic) {
    for (auto& header : anthropic_headers(provider.api_key.value))
      if (!util::iequals(header.first, "content-type") && !header.second.empty())
        request.headers.push_back(std::move(header));
    request.body = boost::json::serialize(build_messages_request(call.request));
  } else {
    if (provider.api_key.present())
      request.headers.emplace_back("Authorization", "Bearer " + provider.api_key.value);
    request.body = boost::json::serialize(build_chat_request(call.request, dialect_for_base_url(provider.base_url)));
  }
  for (const auto& [name, value] : provider.headers) request.headers.emplace_back(name, value);
  request.max_response_bytes = kMaxStreamBytes;
  request.timeouts.response_header = call.deadlines.first_token;
  request.timeouts.response_body = call.deadlines.stall;
  request.timeouts.total = call.deadlines.total;

  SseParser sse;
  OpenAiStreamDecoder openai;
  AnthropicStreamDecoder claude;
  std::optional<Delta> last;  // the FinalDelta or ErrorDelta that ended the stream
  bool got_token = false;
  const auto started = std::chrono::steady_clock::now();
  auto emit = [&](Delta delta) {
    if (last) return;  // nothing after the end
    if (std::holds_alternative<TextDelta>(delta) || std::holds_alternative<ReasoningDelta>(delta)) got_token = true;
    if (std::holds_alternative<FinalDelta>(delta) || std::holds_alternative<ErrorDelta>(delta)) last = delta;
    on_delta(delta);
  };
  request.next_piece_timeout = [&]() -> milliseconds {
    if (got_token) return call.deadlines.stall;
    const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    return std::max(milliseconds(1), call.deadlines.first_token - waited);
  };
  request.on_body_chunk = [&](std::string_view chunk) -> Result<void> {
    if (call.cancelled && *call.cancelled) return fail(Error::permanent("cancelled by the turn"));
    for (auto& event : sse.feed(chunk)) {
      auto deltas = anthropic ? claude.on_event(event.type, event.data) : openai.feed(event.data);
      for (auto& delta : deltas) emit(std::move(delta));
    }
    if (sse.failed()) return fail(Error::permanent(sse.error()));
    return {};
  };

  auto response = co_await http.send(std::move(request));
  if (!response) {
    if (!last) emit(transport_error(response.error(), got_token));
    co_return StreamEnd{*last, std::nullopt};
  }
  if (response->status / 100 != 2) {
    const auto retry_after = response->header("Retry-After");
    ErrorDelta error = anthropic ? anthropic_error_from_http(static_cast<int>(response->status), response->body)
                                 : error_from_http(static_cast<int>(response->status), response->body,
                                                   retry_after ? std::optional<std::string>(*retry_after)
                                                               : std::nullopt);
    error.message = util::SecretRegistry::instance().redact(error.message);
    std::optional<milliseconds> wait;
    if (retry_after)
      if (auto ms = retry_after_ms(*retry_after, now_ms())) wait = milliseconds(*ms);
    if (!last) emit(std::move(error));
    co_return StreamEnd{*last, wait};
  }
  (void)sse.finish();
  for (auto& delta : anthropic ? claude.finish() : openai.finish()) emit(std::move(delta));
  if (!last) {
    ErrorDelta early;
    early.message = "the model's stream ended early";
    early.retryable = true;
    emit(std::move(early));
  }
  co_return StreamEnd{*last, std::nullopt};
}

}  // namespace mmclaw::agent
