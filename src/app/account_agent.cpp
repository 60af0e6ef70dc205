// The account's answers: control commands answered directly, the echo backend, or a turn of the
// configured models with the session's transcript (issue 6), streamed through the
// reply stream (issue 7).

#include <algorithm>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "agent/prompt.hpp"
#include "agent/transcript.hpp"
#include "app/account_runtime_impl.hpp"
#include "app/model_turn.hpp"
#include "gateway/reply_rules.hpp"
#include "mattermost/chunk_text.hpp"

namespace mmclaw::app {

using namespace detail;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

// The transcript read for a turn: the newest entries (the budget trims further).
constexpr std::int64_t kTranscriptEntries = 400;
// Typing is shown again this often while a model turn runs.
constexpr milliseconds kTypingRefresh{4000};
// Sessions whose last usage is kept for /status.
constexpr std::size_t kUsageSessions = 1000;

const std::chrono::steady_clock::time_point kProcessStart = std::chrono::steady_clock::now();

std::optional<agent::ThinkLevel> think_level(const std::optional<std::string>& name) {
  return name ? agent::think_level_from_name(*name) : std::nullopt;
}

std::optional<config::QueueMode> queue_mode(const std::optional<std::string>& name) {
  return name ? agent::queue_mode_from_name(*name) : std::nullopt;
}

std::vector<agent::ProviderModels> provider_models(const config::Snapshot& snapshot) {
  std::vector<agent::ProviderModels> out;
  for (const auto& [id, provider] : snapshot.providers) {
    agent::ProviderModels entry;
    entry.provider = id;
    for (const auto& model : provider.models) entry.models.push_back(model.id);
    out.push_back(std::move(entry));
  }
  return out;
}

// `/reasoning on`: the model's reasoning as a quote under a heading.
std::string reasoning_post(std::string_view reasoning) {
  std::string out = "**Reasoning**\n";
  std::size_t start = 0;
  while (start <= reasoning.size()) {
    const auto end = reasoning.find('\n', start);
    const auto line = reasoning.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += "> ";
    out += line;
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.pop_back();
  return out;
}

// `/verbose on`: each tool call of the turn and the first line of its result.
std::string tools_post(const std::vector<agent::ChatMessage>& rounds) {
  std::string out = "**Tools**";
  for (const auto& message : rounds) {
    if (message.role != agent::Role::tool) continue;
    std::string_view result = message.text;
    result = result.substr(0, std::min(result.find('\n'), std::size_t{200}));
    out += fmt::format("\n- `{}` ({}): {}", message.tool_name, message.tool_call_id, result);
  }
  return out;
}

}  // namespace

asio::awaitable<void> AccountRuntime::Impl::keep_typing(std::string channel_id, std::string parent_id,
                                                        std::shared_ptr<bool> busy) {
  asio::steady_timer timer(io_);
  while (*busy && !stopping_) {
    if (auto typing = co_await api_.send_typing(channel_id, parent_id); !typing)
      log(log::Level::debug, "typing indicator failed: {}", typing.error().error.message);
    co_await sleep(timer, kTypingRefresh);
  }
}

std::string AccountRuntime::Impl::command_reply(const agent::ControlCommand& command,
                                                const std::string& session_key) {
  auto settings = store_.session_settings(session_key);
  if (!settings) return "mmclaw cannot read this session's settings: " + settings.error().message;
  const auto candidates = agent::model_candidates(*live_, settings->model);
  const std::string current = candidates.empty() ? "(none)" : candidates.front().ref;
  const auto save = [&](const store::SessionSettings& next, std::string reply) {
    if (auto saved = store_.set_session_settings(session_key, next, now_ms()); !saved)
      return "mmclaw cannot save this session's settings: " + saved.error().message;
    return reply;
  };
  return std::visit(
      [&](const auto& c) -> std::string {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, agent::StatusCommand>) {
          agent::StatusInfo info;
          info.model = current;
          info.session_key = session_key;
          if (auto stats = store_.transcript_stats(session_key)) {
            info.transcript_entries = static_cast<std::size_t>(stats->entries);
            info.transcript_tokens = stats->approx_tokens;
          }
          if (auto it = last_usage_.find(session_key); it != last_usage_.end()) info.last_usage = it->second;
          info.uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - kProcessStart);
          info.queue = queue_mode(settings->queue_mode).value_or(live_->messages.queue.mode);
          info.think = think_level(settings->think);
          info.reasoning = settings->reasoning.value_or(false);
          info.verbose = settings->verbose.value_or(false);
          return agent::status_text(info);
        } else if constexpr (std::is_same_v<C, agent::NewCommand> || std::is_same_v<C, agent::ResetCommand>) {
          if (auto reset = store_.reset_transcript(session_key, now_ms()); !reset)
            return "mmclaw cannot start a new session: " + reset.error().message;
          last_usage_.erase(session_key);
          return agent::new_session_text();
        } else if constexpr (std::is_same_v<C, agent::HelpCommand>) {
          return agent::help_text();
        } else if constexpr (std::is_same_v<C, agent::ModelCommand>) {
          if (!c.ref) return agent::model_text(current);
          const auto refs = agent::configured_model_refs(*live_);
          auto resolved = agent::resolve_model_ref(*c.ref, refs);
          if (!resolved) return resolved.error();
          auto next = *settings;
          next.model = *resolved;
          return save(next, agent::model_switched_text(*resolved));
        } else if constexpr (std::is_same_v<C, agent::ModelsCommand>) {
          const auto providers = provider_models(*live_);
          return agent::models_text(providers, current,
                                    c.provider ? std::optional<std::string_view>(*c.provider) : std::nullopt);
        } else if constexpr (std::is_same_v<C, agent::ThinkCommand>) {
          if (!c.level) return agent::think_text(think_level(settings->think));
          auto next = *settings;
          next.think = std::string(agent::think_level_name(*c.level));
          return save(next, agent::think_set_text(*c.level));
        } else if constexpr (std::is_same_v<C, agent::ReasoningCommand>) {
          if (!c.on) return agent::reasoning_text(settings->reasoning.value_or(false));
          auto next = *settings;
          next.reasoning = *c.on;
          return save(next, agent::reasoning_set_text(*c.on));
        } else if constexpr (std::is_same_v<C, agent::VerboseCommand>) {
          if (!c.on) return agent::verbose_text(settings->verbose.value_or(false));
          auto next = *settings;
          next.verbose = *c.on;
          return save(next, agent::verbose_set_text(*c.on));
        } else if constexpr (std::is_same_v<C, agent::QueueCommand>) {
          if (!c.mode) return agent::queue_text(queue_mode(settings->queue_mode).value_or(live_->messages.queue.mode));
          auto next = *settings;
          next.queue_mode = std::string(agent::queue_mode_name(*c.mode));
          return save(next, agent::queue_set_text(*c.mode));
        } else {
          return c.error;  // InvalidCommand: the usage reply
        }
      },
      command);
}

asio::awaitable<void> AccountRuntime::Impl::answer_turn(TurnJob& job, const gateway::TurnContext& context) {
  gateway::ReplyStream stream(reply_stream_options());
  StreamSignal signal(io_);
  ToolTurnState tools;
  ++status_.counters.turns_started;
  co_await (compose_answer(job, context, stream, signal, tools) && pump_stream(job, stream, signal));
  ++status_.counters.turns_finished;
  finish_reply(job, stream.outcome(), tools.first_post_id);
}

void AccountRuntime::Impl::observe_model_latency(const std::string& model_ref,
                                                 std::chrono::steady_clock::time_point started,
                                                 std::optional<std::chrono::steady_clock::time_point> first_token) {
  if (model_ref.empty()) return;
  const auto seconds = [&](std::chrono::steady_clock::time_point end) {
    return std::chrono::duration<double>(end - started).count();
  };
  auto& counters = status_.counters;
  // Keyed by the model that answered (or was tried last): bounded by the configured models.
  const auto histogram = [&](auto& map) -> util::Histogram& {
    auto it = map.find(model_ref);
    if (it == map.end()) it = map.emplace(model_ref, util::Histogram(model_latency_buckets())).first;
    return it->second;
  };
  histogram(counters.model_turn_seconds).observe(seconds(std::chrono::steady_clock::now()));
  if (first_token) histogram(counters.model_first_token_seconds).observe(seconds(*first_token));
}

void AccountRuntime::Impl::deliver_final(gateway::ReplyStream& stream, StreamSignal& signal, std::string text,
                                         bool is_error, bool may_be_reasoning) {
  gateway::FinalReply reply;
  reply.text = mattermost::render_tables(text, account_.markdown_tables);
  reply.is_error = is_error;
  reply.is_reasoning = may_be_reasoning && !is_error && gateway::is_reasoning_text(reply.text);
  stream.deliver(std::move(reply), monotonic_now());
  signal.notify();
}

asio::awaitable<void> AccountRuntime::Impl::compose_answer(TurnJob& job, const gateway::TurnContext& context,
                                                           gateway::ReplyStream& stream, StreamSignal& signal,
                                                           ToolTurnState& tools) {
  const gateway::Route& route = *job.route;
  const auto events = system_events_.take(route.base_session_key);
  const auto finish = [&](std::string text, bool is_error, bool may_be_reasoning) {
    job.final_text_chars = text.size();
    if (!text.empty()) deliver_final(stream, signal, std::move(text), is_error, may_be_reasoning);
    stream.close(monotonic_now());
    signal.notify();
  };

  // Control commands from authorised senders are answered without the model (§4.5).
  if (job.command_authorized) {
    if (auto command = agent::parse_control_command(job.body)) {
      log(log::Level::info, "control command {} in session {}", agent::command_name(*command), route.session_key);
      finish(command_reply(*command, route.session_key), false, false);
      co_return;
    }
  }

  auto settings = store_.session_settings(route.session_key);
  const auto candidates =
      agent::model_candidates(*live_, settings ? settings->model : std::optional<std::string>{});
  if (candidates.empty() || candidates.front().provider->api == config::ModelApi::echo) {
    // §4.11: typing while the turn runs (the echo's turn is one step); a failure is only logged.
    if (auto typing = co_await api_.send_typing(route.channel_id, route.root_id); !typing)
      log(log::Level::debug, "typing indicator failed: {}", typing.error().error.message);
    finish(agent::echo_answer(job.body), false, true);
    co_return;
  }

  // The session's transcript, read with its generation: a /new during this turn makes the
  // transcript refuse what this turn would add.
  auto transcript = store_.transcript(route.session_key, kTranscriptEntries);
  std::vector<agent::ChatMessage> history;
  if (transcript) {
    job.transcript_generation = transcript->generation;
    history = agent::to_chat_messages(transcript->entries);
  } else {
    log(log::Level::warn, "cannot read the transcript of session {}: {}", route.session_key,
        transcript.error().message);
  }
  std::vector<std::string> event_texts;
  for (const auto& event : events) event_texts.push_back(event.text);
  const auto think = settings ? think_level(settings->think) : std::nullopt;
  // Typing while the files are fetched and the model answers (§4.11).
  auto busy = std::make_shared<bool>(true);
  spawn(keep_typing(route.channel_id, route.root_id, busy), "typing");
  // §4.7: the post's files, fetched once for every model the turn may try; the model sees them as
  // text (with images as image input when it takes images).
  gateway::InboundMedia media;
  if (job.has_files || (job.post && !job.post->file_ids.empty())) media = co_await fetch_inbound_media(job);
  const auto with_media = [&](bool takes_images) {
    std::string message = context.body;
    if (media.files.empty()) return message;
    const auto text = gateway::media_text_for_model(media, takes_images);
    if (!text.empty()) message += (message.empty() ? "" : "\n\n") + text;
    return message;
  };

  ModelTurnRequest request;
  request.candidates = candidates;
  request.first_token = std::chrono::seconds(live_->mmclaw.agent.first_token_timeout_seconds);
  request.stall = std::chrono::seconds(live_->mmclaw.agent.stall_timeout_seconds);
  request.turn = std::chrono::seconds(live_->mmclaw.agent.turn_timeout_seconds);
  request.build = [&](const agent::ModelChoice& choice) {
    agent::PromptInput in;
    in.model_id = choice.model_id;
    in.agent_prompt = live_->agent.system_prompt;
    in.channel_prompt = agent::channel_system_prompt(account_, route.channel_id);
    in.conversation = agent::conversation_context(context);
    in.system_events = event_texts;
    in.transcript = history;
    const bool takes_images =
        choice.model && std::ranges::find(choice.model->input, "image") != choice.model->input.end();
    in.message = with_media(takes_images);
    if (takes_images && !media.files.empty()) in.images = gateway::media_images(media);
    if (choice.model) {
      in.context_window = choice.model->context_window;
      in.max_tokens = choice.model->max_tokens;
      if (choice.model->reasoning) in.think = think;
    }
    return agent::build_prompt(in).request;
  };
  request.tools = {agent::message_tool_spec(message_tool_options())};
  request.max_tool_rounds = live_->mmclaw.agent.max_tool_rounds;
  request.answered_by_tool = tools.answered;
  request.run_tool = [this, &job, &tools](const agent::ToolCall& call) -> asio::awaitable<std::string> {
    log(log::Level::info, "tool call {} ({}) for post {}", call.name, call.id, job.post_id);
    co_return co_await run_message_tool(job, call, tools);
  };
  // The stream sees the deltas as they come; a call asked again replaces what the failed one
  // streamed; text written before a tool round is a final reply of its own.
  std::optional<std::chrono::steady_clock::time_point> first_token;
  request.on_delta = [&](const agent::Delta& delta) {
    if (!first_token) first_token = std::chrono::steady_clock::now();
    stream.on_delta(delta, monotonic_now());
    signal.notify_delta();
  };
  request.on_call_start = [&] {
    stream.restart_message(monotonic_now());
    signal.notify();
  };
  request.on_message_end = [&](std::string text) {
    stream.end_message(monotonic_now());
    deliver_final(stream, signal, std::move(text), false);
  };
  const auto started = std::chrono::steady_clock::now();
  auto result = co_await run_model_turn(io_, model_http_, std::move(request));
  *busy = false;
  observe_model_latency(result.model_ref, started, first_token);
  log(result.ok ? log::Level::info : log::Level::warn, "model turn for post {} with {}: {} in {} ms ({} call{})",
      job.post_id, result.model_ref, result.ok ? "answered" : "failed",
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started).count(), result.calls,
      result.calls == 1 ? "" : "s");
  if (result.usage) {
    if (last_usage_.size() >= kUsageSessions) last_usage_.clear();
    last_usage_[route.session_key] = *result.usage;
  }
  if (result.ok) {
    // The answer (empty when a `send` or text before a tool round delivered it), then, with
    // `/reasoning on` and `/verbose on`, the reasoning and the tool calls in posts of their own.
    job.final_text_chars = result.text.size();
    if (!result.text.empty()) deliver_final(stream, signal, result.text, false);
    if (settings && settings->reasoning.value_or(false) && !result.reasoning.empty())
      deliver_final(stream, signal, reasoning_post(result.reasoning), false, false);
    if (settings && settings->verbose.value_or(false) && !result.tool_messages.empty())
      deliver_final(stream, signal, tools_post(result.tool_messages), false, false);
    stream.close(monotonic_now());
    signal.notify();
  } else {
    finish(result.text, true, false);  // an error text is shown, not remembered
    co_return;
  }
  agent::ChatMessage user;
  user.role = agent::Role::user;
  user.text = with_media(false);  // the transcript keeps the files' text and names, not images
  agent::ChatMessage assistant;
  assistant.role = agent::Role::assistant;
  assistant.text = result.text;
  job.transcript = {agent::to_transcript_entry(user, job.post_id)};
  for (const auto& message : result.tool_messages) job.transcript.push_back(agent::to_transcript_entry(message));
  if (!result.text.empty()) job.transcript.push_back(agent::to_transcript_entry(assistant));
}

void AccountRuntime::Impl::append_transcript(const TurnJob& job) {
  if (job.transcript.empty()) return;
  auto appended = store_.append_transcript(job.route->session_key, job.transcript_generation, job.transcript, now_ms());
  if (!appended)
    log(log::Level::warn, "the answer to post {} is not kept in the transcript of session {}: {}", job.post_id,
        job.route->session_key, appended.error().message);
}

}  // namespace mmclaw::app
