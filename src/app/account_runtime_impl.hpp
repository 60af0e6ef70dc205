#pragma once
// The inside of one AccountRuntime (app/account_runtime.hpp): the state of the account and the
// members that act on it. Internal to the files that define them: account_runtime.cpp (start, stop,
// status), account_inbound.cpp, account_pairing.cpp, account_turns.cpp and account_catch_up.cpp.

#include "app/account_runtime.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "agent/backends/echo.hpp"
#include "agent/control_commands.hpp"
#include "agent/message_tool.hpp"
#include "app/callback_http.hpp"
#include "app/outbound_send.hpp"
#include "app/turn_lanes.hpp"
#include "gateway/access.hpp"
#include "gateway/catch_up.hpp"
#include "gateway/debounce.hpp"
#include "gateway/attachments.hpp"
#include "gateway/envelope.hpp"
#include "gateway/gating.hpp"
#include "gateway/inbound.hpp"
#include "gateway/ingress.hpp"
#include "gateway/pairing.hpp"
#include "gateway/reactions.hpp"
#include "gateway/reply_stream.hpp"
#include "gateway/interaction_checks.hpp"
#include "gateway/model_picker.hpp"
#include "gateway/slash_commands.hpp"
#include "gateway/slash_guards.hpp"
#include "mattermost/api.hpp"
#include "mattermost/monitor.hpp"
#include "mattermost/api_targets.hpp"
#include "net/backoff.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// Internal to the account runtime's files, which use these names unqualified.
namespace detail {

inline constexpr std::string_view kComponent = "gateway";
// Answers that fail for a reason a retry can fix are tried this often, with these delays.
inline constexpr int kMaxAnswerAttempts = 5;
inline constexpr net::BackoffPolicy kAnswerRetry{1000, 16000, 2.0, 0.2};
// How long stop() waits for answers in flight.
inline constexpr milliseconds kStopGrace{5000};
// A sweep that failed (the server was unreachable) is tried again after this long.
inline constexpr milliseconds kSweepRetry{5000};
// Pages of one channel per sweep (each ≤ 1000 posts).
inline constexpr int kMaxPagesPerChannel = 20;
// Thread participation counts for this long (§4.6).
inline constexpr std::int64_t kThreadParticipationMs = 7LL * 24 * 3600 * 1000;
// How often a connected account looks for pairing approvals to tell their users about.
inline constexpr milliseconds kApprovalCheck{1000};
// The bot's own root posts are kept beside its thread participation, under this account suffix,
// for the reply-to-bot implicit mention (§4.6, §14).
inline constexpr std::string_view kBotRootsSuffix = "#roots";

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The reply stream's clock (monotonic).
inline std::chrono::milliseconds monotonic_now() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

inline std::string baseline_key(std::string_view account_id) {
  return fmt::format("ingress.baseline.{}", account_id);
}

// A callback turn's time is the gateway's clock: its answer is looked for this far back.
inline constexpr std::int64_t kCallbackClockMarginMs = 10 * 60 * 1000;

// Where an inbound post came from.
enum class Origin { live, caught_up, edited };

}  // namespace detail

struct AccountRuntime::Impl {
  Impl(asio::io_context& io, store::Store& store, net::HttpClient& http, net::HttpClient& model_http,
       asio::ssl::context* tls, TurnLanes& lanes, std::shared_ptr<const config::Snapshot> snapshot,
       const config::AccountConfig& account, bool recover);

  // --- logging -----------------------------------------------------------------------------------
  template <class... Args>
  void log(log::Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (!log::enabled(level)) return;
    log::write(level, detail::kComponent,
               fmt::format("[{}] {}", account_.id, fmt::format(format, std::forward<Args>(args)...)));
  }

  // --- tasks -------------------------------------------------------------------------------------
  // Every task of the account is counted, so run() can wait for them (ARCHITECTURE.md rule 3).
  void spawn(asio::awaitable<void> task, std::string_view what);

  asio::awaitable<void> sleep(asio::steady_timer& timer, milliseconds delay);

  // --- run ---------------------------------------------------------------------------------------
  asio::awaitable<void> run();
  void disconnected();
  void stop();
  asio::awaitable<void> drain();
  mattermost::MonitorOptions monitor_options() const;

  // The account's first start is its baseline: channels without a cursor are swept from there, so
  // a new installation does not answer old history.
  bool prepare_store();

  // Posts a previous run left unfinished are fetched again and decided again with today's config
  // (in their channel's order), then answered like new ones.
  void recover_unfinished();

  // --- status ------------------------------------------------------------------------------------
  void on_monitor_status(const mattermost::MonitorStatus& status);
  void on_identified();

  void count_drop(std::string_view reason) {
    ++status_.counters.posts_dropped;
    auto& drops = status_.counters.drops;
    auto it = drops.find(reason);
    if (it == drops.end()) it = drops.emplace(std::string(reason), 0).first;
    ++it->second;
  }

  // --- live events -------------------------------------------------------------------------------
  void on_event(const mattermost::Event& event);
  void on_posted(const mattermost::PostedEvent& event);
  asio::awaitable<void> accept_after_lookup(mattermost::Post post, gateway::InboundFacts facts,
                                            detail::Origin origin);

  // Looks up what the event did not say: the channel (type, name, team) and the sender's name.
  asio::awaitable<void> complete_facts(const mattermost::Post& post, gateway::InboundFacts& facts);

  asio::awaitable<void> on_edited(mattermost::Post post);

  // §4.10: a reaction becomes a system event for the base session of its channel, when its author
  // passes the access policy (no pairing, no reply).
  asio::awaitable<void> on_reaction(mattermost::ReactionEvent event);

  std::set<std::string> approved_senders(mattermost::ChannelType type);
  // The sender of `facts` (its channel known) under the DM and group policies (§4.5).
  gateway::AccessDecision sender_access(const gateway::InboundFacts& facts, bool control_command);

  // The bot's own posts say where it took part (§4.6): a reply marks its thread, a root post is a
  // root the bot wrote.
  void note_own_post(const mattermost::Post& post);

  bool recorded_thread(std::string_view account, std::string_view root_id);

  // The inbound decisions for a post (gateway/inbound), with the thread facts and pairing
  // approvals from the store.
  gateway::InboundDecision decide(const mattermost::Post& post, gateway::InboundFacts& facts);
  // Decides one post and acts on the verdict; true when it was recorded now to be answered.
  bool accept(const mattermost::Post& post, gateway::InboundFacts facts, detail::Origin origin);

  // Records the post before it is answered; false when it must not be answered now.
  bool admit(const mattermost::Post& post, detail::Origin origin);

  void remember_history(const mattermost::Post& post, const gateway::InboundFacts& facts,
                        const gateway::Route& route);
  int history_limit(gateway::ChatType type) const;

  // --- pairing -----------------------------------------------------------------------------------
  // §4.5: a DM from a sender not yet approved gets a code once per request; repeats get nothing.
  asio::awaitable<void> challenge(mattermost::Post post, std::string username);

  // Users approved with `mmclaw pairing approve` (by this process or another) are told by DM.
  asio::awaitable<void> notify_approvals();

  // --- debounce (§3.6) ---------------------------------------------------------------------------
  void offer_to_debounce(TurnJob job, bool immediate);
  void arm_debounce_timer();
  asio::awaitable<void> debounce_wait(std::int64_t deadline);

  // A reload hands posts still held to the lanes (the account's next runtime runs them); a final
  // stop leaves them recorded, to be answered after the next start.
  void flush_debounce_on_stop();

  // The batch's last post carries the merged text; the others are answered by the same reply.
  void submit_batch(const gateway::DebounceBatch& batch);

  // --- lanes -------------------------------------------------------------------------------------
  void submit(TurnJob job);

  // A job that will not be answered: recorded as dead with the reason, logged and counted.
  void drop_job(const TurnJob& job, std::string_view reason);

  // --- turns -------------------------------------------------------------------------------------
  // One turn of a session: its jobs (several only in collect mode) are answered by one reply.
  asio::awaitable<void> run_turn(Turn turn);

  void finish_dead(const TurnJob& job, std::string_view reason, std::string_view detail);
  static bool retryable(const mattermost::ApiError& e);
  asio::awaitable<void> answer_with_retries(TurnJob job, asio::steady_timer& retry_timer,
                                            std::string session);

  struct AnswerStep {
    bool done = false;
    std::optional<mattermost::ApiError> error;
  };

  // A post recovered after a restart is fetched again and decided again with today's config.
  asio::awaitable<AnswerStep> restore(TurnJob& job);

  asio::awaitable<AnswerStep> answer_once(TurnJob& job, const std::string& session);

  // The §4.9 context of the turn, with the history window.
  gateway::TurnContext turn_context(const TurnJob& job);

  // --- the agent (account_agent.cpp) -------------------------------------------------------------
  // Wakes the pump of a turn's reply stream when new input arrived (a notice given while the pump
  // is busy is kept for its next wait).
  struct StreamSignal {
    explicit StreamSignal(asio::io_context& io) : timer(io, asio::steady_timer::time_point::max()) {}
    void notify() {
      pending = true;
      timer.cancel();
    }
    // A delta only needs to wake a pump that waits without a deadline: one waiting for a throttled
    // update reads the newest text when it wakes (a wake per token would cost a preview per token).
    void notify_delta() {
      if (open_ended) notify();
    }
    asio::steady_timer timer;
    bool pending = false;
    bool open_ended = false;  // the pump waits for input, not for a time
  };
  struct ToolTurnState;
  // Answers the job: control commands directly, the echo backend, or a turn of the configured
  // models with the session's transcript (a model that cannot answer gives a visible error text),
  // streamed through a ReplyStream whose actions pump_stream runs meanwhile. Then the outcome is
  // recorded (finish_reply).
  asio::awaitable<void> answer_turn(TurnJob& job, const gateway::TurnContext& context);
  asio::awaitable<void> compose_answer(TurnJob& job, const gateway::TurnContext& context, gateway::ReplyStream& stream,
                                       StreamSignal& signal, ToolTurnState& tools);
  // A final reply of the turn: tables rendered per markdown.tables, reasoning recognised (§5.6).
  // The latency of a model turn (to its first token, and all of it) in the account's histograms.
  void observe_model_latency(const std::string& model_ref, std::chrono::steady_clock::time_point started,
                             std::optional<std::chrono::steady_clock::time_point> first_token);
  void deliver_final(gateway::ReplyStream& stream, StreamSignal& signal, std::string text, bool is_error,
                     bool may_be_reasoning = true);
  std::string command_reply(const agent::ControlCommand& command, const std::string& session_key);
  // Typing every few seconds while `busy` is true (§4.11: the indicator fades after about 5 s).
  asio::awaitable<void> keep_typing(std::string channel_id, std::string parent_id, std::shared_ptr<bool> busy);

  // --- the reply stream (account_reply.cpp) ------------------------------------------------------
  gateway::ReplyStreamOptions reply_stream_options() const;
  // Runs the stream's actions as they come until it is finished: previews once, finals with
  // retries of what a retry can fix (a create that may have reached the server is looked for
  // first, by its part index, so it is never posted twice).
  asio::awaitable<void> pump_stream(TurnJob& job, gateway::ReplyStream& stream, StreamSignal& signal);
  struct ActionRun {
    gateway::ActionResult result;
    bool maybe_created = false;  // a create failed without an answer: the post may exist
  };
  asio::awaitable<ActionRun> run_stream_action(const TurnJob& job, const gateway::StreamAction& action,
                                               std::size_t part);
  boost::json::object reply_props(const TurnJob& job, std::size_t part) const;
  // Records what the turn delivered: answered (with its first post, or the post a `send` tool
  // call made), or failed when no final could be delivered.
  void finish_reply(TurnJob& job, const gateway::StreamOutcome& outcome, std::string_view tool_reply_id);
  // Preview posts a crashed run left for this post are deleted before it is answered again.
  asio::awaitable<void> delete_orphan_previews(const mattermost::Post& post, std::string channel_id);
  void append_transcript(const TurnJob& job);

  // --- attachments (account_media.cpp) ------------------------------------------------------------
  // The files of the job's post (§4.7): each downloaded with the bot token within mediaMaxMb (8 MiB
  // when unset), with its deadlines; the info alone when the download fails. A post whose event
  // said it has files but carried no file ids is fetched again first. Never fails: what could not
  // be fetched is marked unavailable (the model gets the notice).
  asio::awaitable<gateway::InboundMedia> fetch_inbound_media(const TurnJob& job);

  // --- the message tool (account_tools.cpp) ------------------------------------------------------
  struct ToolTurnState {
    std::shared_ptr<bool> answered = std::make_shared<bool>(false);  // a send reached the conversation
    std::string first_post_id;                                       // the first such post
  };
  agent::MessageToolOptions message_tool_options() const;
  OutboundContext outbound_context();
  asio::awaitable<std::string> run_message_tool(const TurnJob& job, const agent::ToolCall& call, ToolTurnState& state);

  void delivered(const TurnJob& job, std::string_view reply_id);
  void record_answered(const TurnJob& job, std::string_view reply_id);

  // The id of a reply tagged with the post (props.mmclaw_reply_to, or among props.mmclaw_merged),
  // with the given part index when one is given, or "" when there is none.
  asio::awaitable<mattermost::ApiResult<std::string>> find_tagged_reply(const mattermost::Post& post,
                                                                        std::string channel_id,
                                                                        std::optional<std::size_t> part = {});

  // --- callbacks: button clicks (account_clicks.cpp) ----------------------------------------------
  asio::awaitable<CallbackReply> handle_interaction(CallbackRequest request);
  // The sender of a click or slash command under the DM and group policies: nullopt = allowed;
  // `pair` tells a DM sender who needs pairing.
  std::optional<gateway::AccessReason> callback_access(const gateway::InboundFacts& facts, bool& pair);
  // Records a callback turn with its ingress row; true when it is new (dispatch it).
  Result<bool> record_callback_turn(const std::string& id, std::string_view kind, const boost::json::object& payload,
                                    const std::string& channel_id);
  // The job of a callback turn ("click" or "slash") from what was recorded.
  TurnJob callback_job(const std::string& id, std::string_view kind, const boost::json::object& payload,
                       const gateway::ChannelFacts& channel);
  static bool is_callback_turn(std::string_view post_id);
  // After a restart: the job rebuilt from the store and decided again under the current config.
  asio::awaitable<AnswerStep> restore_callback_turn(TurnJob& job);

  // --- callbacks: slash commands (account_slash.cpp) ---------------------------------------------
  std::string slash_callback_url() const;
  asio::awaitable<void> register_slash_commands();
  asio::awaitable<void> unregister_slash_commands();
  // §9.4 step 5: the command is still as registered in Mattermost (failures cached 5 s, lookups
  // coalesced and rate-limited).
  asio::awaitable<bool> slash_command_live(const mattermost::SlashCommand& registered);
  // §9.4 step 6: nullopt when the sender may run the command, else the ephemeral answer.
  asio::awaitable<std::optional<std::string>> authorise_slash(const gateway::SlashPayload& payload,
                                                              gateway::InboundFacts& facts);
  asio::awaitable<CallbackReply> handle_slash(CallbackRequest request);
  asio::awaitable<void> post_slash_failure(std::string channel_id);

  // --- the model picker (account_picker.cpp, §10) ------------------------------------------------
  static bool picker_click(const boost::json::object& context);
  // The picker a native command opens (`/model`, `/models [provider]`), or nullopt.
  static std::optional<gateway::PickerState> picker_for_invocation(std::string_view text, std::string_view owner_id);
  // The base session a native command of the user in the channel runs in, and its model.
  std::string picker_session(const std::string& channel_id, const std::string& user_id,
                             mattermost::ChannelType type) const;
  std::string session_model(const std::string& session_key);
  boost::json::object picker_props(const gateway::PickerView& view, const std::string& channel_id) const;
  asio::awaitable<void> open_picker(std::string channel_id, gateway::PickerState state, mattermost::ChannelType type);
  asio::awaitable<CallbackReply> handle_picker_click(const gateway::InteractionClick& click,
                                                     const mattermost::Post& post, const gateway::InboundFacts& facts);

  // --- catch-up and polling ----------------------------------------------------------------------
  // The cursors a sweep starts from are read when the sweep is asked for, not when it runs: the
  // monitor asks right after a new hello, before the new socket's events, and a live post of the
  // new socket must not move a cursor past the posts the outage hid.
  using CursorSnapshot = std::map<std::string, std::optional<std::int64_t>, std::less<>>;

  // Merges the store's cursors into `into`, keeping the earlier one per channel.
  bool snapshot_cursors(CursorSnapshot& into);

  static void merge_cursor(CursorSnapshot& into, const std::string& channel,
                           std::optional<std::int64_t> cursor);
  void request_sweep(std::string reason);

  // One retry at a time, however many failures asked for it.
  void schedule_sweep_retry();

  asio::awaitable<void> retry_sweep_later();
  asio::awaitable<void> sweep(std::string reason);

  // Fetches and records the new posts of every channel of the bot, each from its cursor in
  // `cursors` (a channel missing there has none). False when the sweep could not finish.
  asio::awaitable<bool> sweep_once(const std::string& reason, const CursorSnapshot& cursors);

  // REST polling (`useWebSocket: false`): identity with backoff, then a sweep per interval.
  asio::awaitable<void> poll_loop();

  // --- membership diagnosis ----------------------------------------------------------------------
  // Channels the config names by id or name (groups keys, allowChannels).
  std::vector<std::string> configured_channels() const;

  bool is_configured_channel(std::string_view id, std::string_view name) const;
  void warn_not_member(std::string_view channel);
  asio::awaitable<void> diagnose_membership();

  asio::io_context& io_;
  store::Store& store_;
  TurnLanes& lanes_;
  net::HttpClient& model_http_;  // model servers (no SSRF guard: they are the operator's choice)
  // Media URLs the message tool sends (§5.4): direct, public addresses only (the SSRF guard without
  // exemption); made on first use (account_tools.cpp).
  std::unique_ptr<net::HttpClient> media_http_;
  std::map<std::string, agent::Usage, std::less<>> last_usage_;  // per session, for /status (bounded)
  std::shared_ptr<const config::Snapshot> snapshot_;  // the one the account was started with
  std::shared_ptr<const config::Snapshot> live_;      // the newest: settings read per post
  const config::AccountConfig& account_;              // in snapshot_
  mattermost::Api api_;
  // Send targets of the message tool (§5.1, §5.2); told the bot's id once it is known.
  mattermost::TargetResolver targets_;
  asio::ssl::context* tls_;
  std::unique_ptr<mattermost::Monitor> monitor_;

  gateway::BotIdentity bot_;
  AccountStatus status_;
  std::int64_t baseline_ms_ = 0;
  bool recover_ = true;
  // Stopping for a reload: turns in flight finish, queued ones wait for the successor.
  bool handover_ = false;
  std::function<void()> on_disconnected_;
  gateway::Debouncer debouncer_;
  std::map<std::string, TurnJob, std::less<>> debounced_;  // posts held by the debouncer, by id
  bool debounce_armed_ = false;
  gateway::HistoryWindow history_;
  gateway::SystemEventQueue system_events_;
  std::set<std::string, std::less<>> hinted_channels_;  // the no-mention hint is logged once per channel
  std::set<std::string, std::less<>> cancelled_;        // sessions whose running turn was interrupted
  bool sweeping_ = false;
  bool sweep_again_ = false;
  bool sweep_retry_pending_ = false;
  std::optional<CursorSnapshot> pending_cursors_;  // the starting points of the next sweep
  bool stopping_ = false;
  int tasks_ = 0;

  std::string interaction_secret_;  // signs and checks button contexts (§8.2): never logged
  struct SlashLookup {
    explicit SlashLookup(asio::io_context& io) : done(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;  // cancelled when the answer is in
    std::optional<bool> ok;
  };
  struct SlashState {
    bool active = false;  // at least one command registered and the account not stopping
    std::string url;
    std::vector<gateway::SlashCommandSpec> specs;
    std::vector<mattermost::SlashCommand> registered;  // id, token, team, trigger, method, url
    std::vector<std::string> created;                  // ids to delete when the account stops
    gateway::LookupBudget budget;
    std::map<std::string, std::int64_t, std::less<>> failed_until;  // command id -> ms
    std::map<std::string, std::shared_ptr<SlashLookup>, std::less<>> lookups;
    std::uint64_t sequence = 0;
  } slash_;

  asio::steady_timer poll_timer_;
  asio::steady_timer sweep_retry_timer_;
  asio::steady_timer idle_timer_;
  asio::steady_timer debounce_timer_;
  asio::steady_timer approval_timer_;
  std::set<std::shared_ptr<asio::steady_timer>> retry_timers_;
};

}  // namespace mmclaw::app
