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
#include "app/turn_lanes.hpp"
#include "gateway/access.hpp"
#include "gateway/catch_up.hpp"
#include "gateway/debounce.hpp"
#include "gateway/envelope.hpp"
#include "gateway/gating.hpp"
#include "gateway/inbound.hpp"
#include "gateway/ingress.hpp"
#include "gateway/pairing.hpp"
#include "gateway/reactions.hpp"
#include "mattermost/api.hpp"
#include "mattermost/monitor.hpp"
#include "net/backoff.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "gateway";
// Answers that fail for a reason a retry can fix are tried this often, with these delays.
constexpr int kMaxAnswerAttempts = 5;
constexpr net::BackoffPolicy kAnswerRetry{1000, 16000, 2.0, 0.2};
// How long stop() waits for answers in flight.
constexpr milliseconds kStopGrace{5000};
// A sweep that failed (the server was unreachable) is tried again after this long.
constexpr milliseconds kSweepRetry{5000};
// Pages of one channel per sweep (each ≤ 1000 posts).
constexpr int kMaxPagesPerChannel = 20;
// Thread participation counts for this long (§4.6).
constexpr std::int64_t kThreadParticipationMs = 7LL * 24 * 3600 * 1000;
// How often a connected account looks for pairing approvals to tell their users about.
constexpr milliseconds kApprovalCheck{1000};
// The bot's own root posts are kept beside its thread participation, under this account suffix,
// for the reply-to-bot implicit mention (§4.6, §14).
constexpr std::string_view kBotRootsSuffix = "#roots";

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string baseline_key(std::string_view account_id) {
  return fmt::format("ingress.baseline.{}", account_id);
}

// Where an inbound post came from.
enum class Origin { live, caught_up, edited };

}  // namespace

struct AccountRuntime::Impl {
  Impl(asio::io_context& io, store::Store& store, net::HttpClient& http, asio::ssl::context* tls, TurnLanes& lanes,
       std::shared_ptr<const config::Snapshot> snapshot, const config::AccountConfig& account, bool recover)
      : io_(io),
        store_(store),
        lanes_(lanes),
        snapshot_(std::move(snapshot)),
        live_(snapshot_),
        account_(account),
        api_(http, api_options(account)),
        tls_(tls),
        recover_(recover),
        poll_timer_(io),
        sweep_retry_timer_(io),
        idle_timer_(io),
        debounce_timer_(io),
        approval_timer_(io) {
    status_.account_id = account_.id;
    status_.transport = account_.transport;
  }

  static mattermost::ApiOptions api_options(const config::AccountConfig& account) {
    mattermost::ApiOptions options;
    options.base_url = account.base_url;
    options.token = account.bot_token.value;
    options.ssrf.allow_private_network = account.dangerously_allow_private_network;
    return options;
  }

  // --- logging -----------------------------------------------------------------------------------
  template <class... Args>
  void log(log::Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (!log::enabled(level)) return;
    log::write(level, kComponent,
               fmt::format("[{}] {}", account_.id, fmt::format(format, std::forward<Args>(args)...)));
  }

  // --- tasks -------------------------------------------------------------------------------------
  // Every task of the account is counted, so run() can wait for them (ARCHITECTURE.md rule 3).
  void spawn(asio::awaitable<void> task, std::string_view what) {
    ++tasks_;
    asio::co_spawn(io_, std::move(task), [this, what = std::string(what)](std::exception_ptr error) {
      --tasks_;
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log(log::Level::error, "{} failed: {}", what, e.what());
        }
      }
      if (tasks_ == 0) idle_timer_.cancel();
    });
  }

  asio::awaitable<void> sleep(asio::steady_timer& timer, milliseconds delay) {
    timer.expires_after(delay);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // --- run ---------------------------------------------------------------------------------------
  asio::awaitable<void> run() {
    if (!prepare_store()) {
      disconnected();
      co_return;
    }
    TurnLanes::Hooks hooks;
    hooks.run = [this](Turn turn) { spawn(run_turn(std::move(turn)), "turn"); };
    hooks.drop = [this](const TurnJob& job, std::string_view reason) { drop_job(job, reason); };
    hooks.cancel = [this](std::string_view session) { cancelled_.insert(std::string(session)); };
    lanes_.attach(account_.id, std::move(hooks));
    if (recover_) recover_unfinished();
    if (account_.transport == config::Transport::polling) {
      co_await poll_loop();
    } else {
      mattermost::MonitorConfig config;
      config.account_id = account_.id;
      config.base_url = account_.base_url;
      config.token = account_.bot_token.value;
      config.fsm = monitor_options();
      config.tls = tls_;
      mattermost::MonitorCallbacks callbacks;
      callbacks.on_event = [this](const mattermost::Event& event) { on_event(event); };
      callbacks.on_catch_up = [this](mattermost::CatchUpReason reason) {
        request_sweep(std::string(mattermost::to_string(reason)));
      };
      callbacks.on_status = [this](const mattermost::MonitorStatus& status) { on_monitor_status(status); };
      monitor_ = std::make_unique<mattermost::Monitor>(io_, api_, std::move(config), std::move(callbacks));
      if (stopping_) monitor_->stop();
      co_await monitor_->run();
    }
    flush_debounce_on_stop();
    // Queued turns stay in the lanes for the account's next runtime (a reload) or are forgotten
    // (they stay recorded in the store and are answered after the next start).
    lanes_.detach(account_.id, /*forget=*/!handover_);
    disconnected();
    co_await drain();
  }

  void disconnected() {
    if (auto callback = std::exchange(on_disconnected_, nullptr)) callback();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    if (monitor_) monitor_->stop();
    poll_timer_.cancel();
    sweep_retry_timer_.cancel();
    debounce_timer_.cancel();
    approval_timer_.cancel();
    // A reload lets answers in flight keep their retry rhythm; a final stop cuts them short.
    if (!handover_)
      for (const auto& timer : retry_timers_) timer->cancel();
  }

  asio::awaitable<void> drain() {
    const auto until = std::chrono::steady_clock::now() + kStopGrace;
    while (tasks_ > 0 && (handover_ || std::chrono::steady_clock::now() < until)) {
      idle_timer_.expires_at(handover_ ? std::chrono::steady_clock::now() + kStopGrace : until);
      boost::system::error_code ec;
      co_await idle_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (tasks_ > 0)
      log(log::Level::warn, "stopped with {} answer{} in flight; they are answered after the next start",
          tasks_, tasks_ == 1 ? "" : "s");
  }

  mattermost::MonitorOptions monitor_options() const {
    const auto& t = snapshot_->mmclaw.monitor;
    mattermost::MonitorOptions options;
    options.auth_mode = mattermost::AuthMode::header;
    auto& timings = options.timings;
    timings.connect_timeout_ms = t.connect_timeout_ms;
    timings.auth_timeout_ms = t.auth_timeout_ms;
    timings.ping_interval_ms = t.ping_interval_ms;
    timings.pong_timeout_ms = t.pong_timeout_ms;
    timings.read_idle_timeout_ms = t.read_idle_ms;
    timings.health_interval_ms = t.health_check_interval_ms;
    timings.reconnect =
        net::BackoffPolicy{account_.reconnect_initial_delay_ms.value_or(t.reconnect_initial_delay_ms),
                           t.reconnect_max_delay_ms, 2.0, 0.2};
    if (timings.reconnect.max_ms < timings.reconnect.initial_ms)
      timings.reconnect.max_ms = timings.reconnect.initial_ms;
    timings.identity = net::BackoffPolicy{t.reconnect_initial_delay_ms, t.reconnect_max_delay_ms, 2.0, 0.2};
    if (timings.identity.max_ms < timings.identity.initial_ms)
      timings.identity.max_ms = timings.identity.initial_ms;
    return options;
  }

  // The account's first start is its baseline: channels without a cursor are swept from there, so
  // a new installation does not answer old history.
  bool prepare_store() {
    const auto key = baseline_key(account_.id);
    auto stored = store_.get_meta(key);
    if (!stored) {
      log(log::Level::error, "cannot read the store: {}", stored.error().message);
      return false;
    }
    if (*stored) {
      try {
        baseline_ms_ = std::stoll(**stored);
        return true;
      } catch (const std::exception&) {
        log(log::Level::warn, "store meta {} is unreadable; starting a new baseline", key);
      }
    }
    baseline_ms_ = now_ms();
    if (auto set = store_.set_meta(key, std::to_string(baseline_ms_)); !set) {
      log(log::Level::error, "cannot write the store: {}", set.error().message);
      return false;
    }
    return true;
  }

  // Posts a previous run left unfinished are fetched again and decided again with today's config
  // (in their channel's order), then answered like new ones.
  void recover_unfinished() {
    auto unfinished = store_.take_unfinished_after_restart(account_.id, now_ms());
    if (!unfinished) {
      log(log::Level::error, "cannot read unfinished posts from the store: {}", unfinished.error().message);
      return;
    }
    if (unfinished->empty()) return;
    log(log::Level::info, "answering {} post{} left unanswered by the last run", unfinished->size(),
        unfinished->size() == 1 ? "" : "s");
    for (auto& record : *unfinished) {
      TurnJob job;
      job.account_id = account_.id;
      job.post_id = record.post_id;
      job.channel_id = record.channel_id;
      job.may_have_answer = record.attempts > 0;
      submit(std::move(job));
    }
  }

  // --- status ------------------------------------------------------------------------------------
  void on_monitor_status(const mattermost::MonitorStatus& status) {
    const bool first_identity = bot_.id.empty() && !status.bot_id.empty();
    status_.monitor = status;
    if (!status.bot_id.empty()) {
      bot_.id = status.bot_id;
      bot_.username = status.bot_username;
    }
    if (first_identity) on_identified();
  }

  void on_identified() {
    spawn(diagnose_membership(), "membership check");
    spawn(notify_approvals(), "pairing approvals");
  }

  void count_drop(std::string_view reason) {
    ++status_.counters.posts_dropped;
    auto& drops = status_.counters.drops;
    auto it = drops.find(reason);
    if (it == drops.end()) it = drops.emplace(std::string(reason), 0).first;
    ++it->second;
  }

  // --- live events -------------------------------------------------------------------------------
  void on_event(const mattermost::Event& event) {
    if (const auto* posted = std::get_if<mattermost::PostedEvent>(&event)) {
      on_posted(*posted);
    } else if (const auto* edited = std::get_if<mattermost::PostEdited>(&event)) {
      spawn(on_edited(edited->post), "edit");
    } else if (const auto* reaction = std::get_if<mattermost::ReactionEvent>(&event)) {
      spawn(on_reaction(*reaction), "reaction");
    } else if (const auto* removed = std::get_if<mattermost::UserRemoved>(&event)) {
      if (!bot_.id.empty() && removed->user_id == bot_.id && is_configured_channel(removed->channel_id, {}))
        warn_not_member(removed->channel_id);
    } else if (std::holds_alternative<mattermost::Malformed>(event)) {
      ++status_.counters.malformed_frames;
    }
  }

  void on_posted(const mattermost::PostedEvent& event) {
    gateway::InboundFacts facts;
    facts.has_files = event.has_files;
    facts.sender.id = event.post.user_id;
    if (event.sender_name.starts_with('@')) facts.sender.username = event.sender_name.substr(1);
    if (event.channel_type) {
      gateway::ChannelFacts channel;
      channel.id = event.post.channel_id;
      channel.type = *event.channel_type;
      channel.name = event.channel_name;
      channel.display_name = event.channel_display_name;
      channel.team_id = event.team_id;
      facts.channel = std::move(channel);
      accept(event.post, std::move(facts), Origin::live);
      return;
    }
    // Without the type in the event, the channel cache says what kind of channel it is (§4.3).
    spawn(accept_after_lookup(event.post, std::move(facts), Origin::live), "channel lookup");
  }

  asio::awaitable<void> accept_after_lookup(mattermost::Post post, gateway::InboundFacts facts, Origin origin) {
    co_await complete_facts(post, facts);
    accept(post, std::move(facts), origin);
  }

  // Looks up what the event did not say: the channel (type, name, team) and the sender's name.
  asio::awaitable<void> complete_facts(const mattermost::Post& post, gateway::InboundFacts& facts) {
    if (!facts.channel) {
      auto channel = co_await api_.cached_channel(post.channel_id);
      if (channel && channel->type) {
        gateway::ChannelFacts c;
        c.id = channel->id;
        c.type = *channel->type;
        c.name = channel->name;
        c.display_name = channel->display_name;
        c.team_id = channel->team_id;
        facts.channel = std::move(c);
      } else {
        log(log::Level::warn, "cannot resolve the type of channel {}: {}", post.channel_id,
            channel ? std::string("unknown type") : channel.error().error.message);
      }
    }
    if (facts.sender.id.empty()) facts.sender.id = post.user_id;
    if (facts.sender.username.empty() && !post.user_id.empty() && post.user_id != bot_.id) {
      if (auto user = co_await api_.cached_user(post.user_id)) {
        facts.sender.username = user->username;
        facts.sender.is_bot = user->is_bot;
      }
    }
  }

  // §14: an edit that adds a bot mention to a post that was never answered is answered once, as
  // the post it edits. A post that was answered (or dropped for good) before is recorded in the
  // store; a post that did not mention the bot was not; admission makes a repeated edit a
  // duplicate.
  asio::awaitable<void> on_edited(mattermost::Post post) {
    if (bot_.id.empty() || post.user_id == bot_.id || post.delete_at != 0) co_return;
    if (!gateway::mentions_username(post.message, bot_.username)) co_return;
    if (post.create_at < baseline_ms_) co_return;  // history from before the installation
    auto recorded = store_.ingress_post(account_.id, post.id);
    if (!recorded || *recorded) co_return;
    gateway::InboundFacts facts;
    facts.has_files = !post.file_ids.empty();
    co_await complete_facts(post, facts);
    accept(post, std::move(facts), Origin::edited);
  }

  // §4.10: a reaction becomes a system event for the base session of its channel, when its author
  // passes the access policy (no pairing, no reply).
  asio::awaitable<void> on_reaction(mattermost::ReactionEvent event) {
    if (auto drop = gateway::screen_reaction(event, bot_.id)) {
      log(log::Level::debug, "reaction on post {} ignored ({})", event.post_id, gateway::to_string(*drop));
      co_return;
    }
    mattermost::Post post;  // the reaction as a post of its author, for the decisions
    post.id = event.post_id;
    post.user_id = event.user_id;
    post.channel_id = event.channel_id;
    post.message = ":" + event.emoji_name + ":";
    gateway::InboundFacts facts;
    co_await complete_facts(post, facts);
    if (!facts.channel) co_return;
    gateway::AccessInput in;
    in.sender_id = event.user_id;
    in.sender_username = facts.sender.username;
    in.sender_is_bot = facts.sender.is_bot;
    in.channel_type = facts.channel->type;
    in.channel_id = facts.channel->id;
    in.channel_name = facts.channel->name;
    const auto approved = approved_senders(facts.channel->type);
    gateway::AccessContext ctx;
    ctx.account = &account_;
    ctx.approved_senders = &approved;
    const auto access = gateway::decide_access(in, ctx);
    if (access.outcome != gateway::AccessOutcome::allow) {
      log(log::Level::debug, "reaction on post {} ignored ({})", event.post_id,
          access.reason ? gateway::to_string(*access.reason) : "pairing_pending");
      co_return;
    }
    const auto route =
        gateway::route_post(gateway::route_params(account_, live_->dm_scope), post, facts.channel->type, event.user_id);
    if (system_events_.push(route.base_session_key, {gateway::reaction_context_key(event),
                                                     gateway::reaction_event_text(event, facts.sender.username)})) {
      ++status_.counters.reactions;
      log(log::Level::debug, "reaction {} queued for session {}", gateway::reaction_context_key(event),
          route.base_session_key);
    }
  }

  std::set<std::string> approved_senders(mattermost::ChannelType type) {
    std::set<std::string> out;
    if (type != mattermost::ChannelType::direct || account_.dm_policy == config::DmPolicy::allowlist) return out;
    auto approved = store_.approved_senders(account_.id);
    if (!approved) {
      log(log::Level::error, "cannot read pairing approvals: {}", approved.error().message);
      return out;
    }
    out.insert(approved->begin(), approved->end());
    return out;
  }

  // The bot's own posts say where it took part (§4.6): a reply marks its thread, a root post is a
  // root the bot wrote.
  void note_own_post(const mattermost::Post& post) {
    if (post.delete_at != 0 || post.type.starts_with("system_")) return;
    const bool root = post.root_id.empty();
    const std::string account = root ? account_.id + std::string(kBotRootsSuffix) : account_.id;
    if (auto r = store_.record_thread_participation(account, root ? post.id : post.root_id, now_ms()); !r)
      log(log::Level::warn, "cannot record thread participation: {}", r.error().message);
  }

  bool recorded_thread(std::string_view account, std::string_view root_id) {
    auto r = store_.thread_participated(account, root_id, now_ms() - kThreadParticipationMs);
    if (!r) {
      log(log::Level::warn, "cannot read thread participation: {}", r.error().message);
      return false;
    }
    return *r;
  }

  // Decides one post and acts on the verdict; true when it was recorded now to be answered.
  bool accept(const mattermost::Post& post, gateway::InboundFacts facts, Origin origin) {
    // Stopping: a post that arrives now (after a lookup) is left to the next runtime's catch-up,
    // since its cursor has not moved past it.
    if (stopping_) return false;
    auto& counters = status_.counters;
    ++counters.posts_seen;
    if (!bot_.id.empty() && post.user_id == bot_.id) note_own_post(post);
    facts.post = &post;
    if (facts.sender.id.empty()) facts.sender.id = post.user_id;
    const bool thread_post = !post.root_id.empty() && facts.channel &&
                             facts.channel->type != mattermost::ChannelType::direct &&
                             post.user_id != bot_.id;
    if (thread_post) {
      facts.bot_replied_in_thread = recorded_thread(account_.id, post.root_id);
      if (!facts.bot_replied_in_thread)
        facts.thread_root_by_bot = recorded_thread(account_.id + std::string(kBotRootsSuffix), post.root_id);
    }
    const auto approved =
        facts.channel ? approved_senders(facts.channel->type) : std::set<std::string>{};
    gateway::InboundContext context;
    context.account = &account_;
    context.bot = bot_;
    context.dm_scope = live_->dm_scope;
    context.approved_senders = &approved;
    const auto decision = gateway::decide_inbound(facts, context);

    if (decision.verdict == gateway::Verdict::drop) {
      count_drop(decision.reason);
      if (decision.reason != "self")
        log(log::Level::debug, "post {} not answered ({})", post.id, decision.reason);
      if (decision.keep_as_history && decision.route) remember_history(post, facts, *decision.route);
      if (decision.mention_hint && hinted_channels_.insert(post.channel_id).second)
        log(log::Level::info, "{}",
            gateway::mention_hint(gateway::groups_config_path(account_.id), post.channel_id));
      return false;
    }
    if (decision.verdict == gateway::Verdict::pair) {
      spawn(challenge(post, facts.sender.username), "pairing");
      return false;
    }

    if (!admit(post, origin)) return false;
    TurnJob job;
    job.account_id = account_.id;
    job.post_id = post.id;
    job.channel_id = post.channel_id;
    job.post = post;
    job.route = decision.route;
    job.body = decision.body;
    job.was_mentioned = decision.was_mentioned;
    job.command_authorized = decision.command_authorized;
    job.sender_name = facts.sender.username;
    job.channel = *facts.channel;
    offer_to_debounce(std::move(job), decision.is_control_command || facts.has_files || !post.file_ids.empty());
    return true;
  }

  // Records the post before it is answered; false when it must not be answered now.
  bool admit(const mattermost::Post& post, Origin origin) {
    auto& counters = status_.counters;
    const auto record = gateway::ingress_record(account_.id, post);
    auto outcome = store_.admit_post(record, now_ms());
    if (!outcome) {
      // Not recorded, so the cursor stays behind it: the next sweep finds the post again.
      log(log::Level::error, "durable admission of post {} failed: {}; a catch-up sweep will retry", post.id,
          outcome.error().message);
      schedule_sweep_retry();
      return false;
    }
    if (origin != Origin::edited) {
      if (auto moved = store_.advance_cursor(account_.id, post.channel_id, record.update_at, now_ms()); !moved)
        log(log::Level::warn, "cannot advance the cursor of channel {}: {}", post.channel_id,
            moved.error().message);
    }
    if (*outcome != store::AdmitOutcome::new_post) {
      ++counters.posts_duplicate;
      count_drop("duplicate");
      log(log::Level::debug, "post {} not answered (duplicate: {})", post.id, store::to_string(*outcome));
      return false;
    }
    ++counters.posts_recorded;
    if (origin == Origin::caught_up) ++counters.posts_caught_up;
    return true;
  }

  void remember_history(const mattermost::Post& post, const gateway::InboundFacts& facts,
                        const gateway::Route& route) {
    const auto key = gateway::history_key(route);
    if (!key) return;
    gateway::HistoryEntry entry;
    entry.sender = facts.sender.username.empty() ? post.user_id : facts.sender.username;
    entry.body = post.message;
    entry.timestamp = post.create_at;
    entry.message_id = post.id;
    entry.channel_id = post.channel_id;
    history_.record(*key, std::move(entry), history_limit(route.chat_type));
  }

  int history_limit(gateway::ChatType type) const {
    if (type == gateway::ChatType::direct) return account_.history_limit;
    return live_->messages.group_history_limit.value_or(account_.history_limit);
  }

  // --- pairing -----------------------------------------------------------------------------------
  // §4.5: a DM from a sender not yet approved gets a code once per request; repeats get nothing.
  asio::awaitable<void> challenge(mattermost::Post post, std::string username) {
    auto requested = store_.request_pairing(account_.id, post.user_id, username, gateway::random_pairing_code,
                                            now_ms(), gateway::kPairingTtlMs);
    if (!requested) {
      count_drop("pairing_failed");
      log(log::Level::error, "cannot record a pairing request for user {}: {}", post.user_id,
          requested.error().message);
      co_return;
    }
    if (requested->outcome == store::PairingOutcome::pending) {
      count_drop("pairing_pending");
      log(log::Level::debug, "post {} not answered (pairing_pending)", post.id);
      co_return;
    }
    if (requested->outcome == store::PairingOutcome::limit_reached) {
      count_drop("pairing_limit");
      log(log::Level::warn, "post {} from user {} not answered (pairing_limit): {} requests are pending already",
          post.id, post.user_id, store::kMaxPendingPairings);
      co_return;
    }
    const auto& request = *requested->request;
    count_drop("pairing_requested");
    ++status_.counters.pairing_requests;
    mattermost::CreatePost reply;
    reply.channel_id = post.channel_id;
    reply.message = gateway::pairing_reply_text(post.user_id, request.code);
    auto created = co_await api_.create_post(std::move(reply));
    if (!created && !created.error().receipt_lost) {
      // The user never saw the code: withdraw the request so their next message asks again.
      log(log::Level::error, "cannot send the pairing code to user {}: {}", post.user_id,
          created.error().error.message);
      (void)store_.deny_pairing(request.code, account_.id, now_ms());
      co_return;
    }
    log(log::Level::info, "pairing requested by user {} (@{}); approve with: mmclaw pairing approve {}",
        post.user_id, username.empty() ? "?" : username, request.code);
  }

  // Users approved with `mmclaw pairing approve` (by this process or another) are told by DM.
  asio::awaitable<void> notify_approvals() {
    while (!stopping_) {
      auto notices = store_.pending_approval_notices(account_.id);
      if (!notices) log(log::Level::warn, "cannot read pairing approvals: {}", notices.error().message);
      for (const auto& notice : notices ? *notices : std::vector<store::PairingApproval>{}) {
        if (stopping_) break;
        auto dm = co_await api_.create_direct_channel(bot_.id, notice.user_id);
        if (!dm) {
          log(log::Level::warn, "cannot open a DM with approved user {}: {}", notice.user_id,
              dm.error().error.message);
          continue;
        }
        mattermost::CreatePost post;
        post.channel_id = dm->id;
        post.message = gateway::pairing_approved_text();
        auto created = co_await api_.create_post(std::move(post));
        if (!created && !created.error().receipt_lost) {
          log(log::Level::warn, "cannot tell user {} about their approval: {}", notice.user_id,
              created.error().error.message);
          continue;
        }
        (void)store_.mark_approval_notified(account_.id, notice.user_id, now_ms());
        log(log::Level::info, "user {} was told that their pairing was approved", notice.user_id);
      }
      co_await sleep(approval_timer_, kApprovalCheck);
    }
  }

  // --- debounce (§3.6) ---------------------------------------------------------------------------
  void offer_to_debounce(TurnJob job, bool immediate) {
    const int interval = live_->messages.inbound_debounce_ms;
    gateway::DebounceItem item;
    item.post_id = job.post_id;
    item.message = job.body;
    item.create_at = job.post ? job.post->create_at : 0;
    item.immediate = immediate;
    const std::string key = gateway::debounce_key(account_.id, job.channel_id,
                                                  job.post ? job.post->root_id : std::string(), job.post ? job.post->user_id : std::string());
    debounced_.insert_or_assign(job.post_id, std::move(job));
    for (auto& batch : debouncer_.offer(key, std::move(item), now_ms(), interval)) submit_batch(batch);
    arm_debounce_timer();
  }

  void arm_debounce_timer() {
    const auto next = debouncer_.next_deadline();
    if (!next || debounce_armed_ || stopping_) return;
    debounce_armed_ = true;
    spawn(debounce_wait(*next), "debounce");
  }

  asio::awaitable<void> debounce_wait(std::int64_t deadline) {
    co_await sleep(debounce_timer_, milliseconds(std::max<std::int64_t>(0, deadline - now_ms())));
    debounce_armed_ = false;
    if (stopping_) co_return;
    for (auto& batch : debouncer_.due(now_ms())) submit_batch(batch);
    arm_debounce_timer();
  }

  // A reload hands posts still held to the lanes (the account's next runtime runs them); a final
  // stop leaves them recorded, to be answered after the next start.
  void flush_debounce_on_stop() {
    auto batches = debouncer_.drain();
    if (!handover_) {
      debounced_.clear();
      return;
    }
    for (auto& batch : batches) submit_batch(batch);
  }

  // The batch's last post carries the merged text; the others are answered by the same reply.
  void submit_batch(const gateway::DebounceBatch& batch) {
    auto last = debounced_.find(batch.last().post_id);
    if (last == debounced_.end()) return;
    TurnJob job = std::move(last->second);
    debounced_.erase(last);
    if (batch.items.size() > 1) {
      std::string merged;
      for (const auto& item : batch.items) {
        auto it = debounced_.find(item.post_id);
        if (it == debounced_.end()) continue;
        if (!it->second.body.empty()) merged += it->second.body + "\n";
        job.merged.push_back(item.post_id);
        debounced_.erase(it);
      }
      job.body = merged + job.body;
    }
    submit(std::move(job));
  }

  // --- lanes -------------------------------------------------------------------------------------
  void submit(TurnJob job) {
    TurnJob ids;  // what a drop needs, since submit() takes the job
    ids.post_id = job.post_id;
    ids.merged = job.merged;
    if (lanes_.submit(std::move(job), live_->messages.queue.mode) == TurnLanes::Submitted::dropped_queue_full)
      drop_job(ids, "queue_full");
  }

  // A job that will not be answered: recorded as dead with the reason, logged and counted.
  void drop_job(const TurnJob& job, std::string_view reason) {
    count_drop(reason);
    log(log::Level::warn, "post {} not answered ({})", job.post_id, reason);
    for (const auto& id : job.merged) (void)store_.mark_dead(account_.id, id, reason, now_ms());
    if (auto r = store_.mark_dead(account_.id, job.post_id, reason, now_ms()); !r)
      log(log::Level::error, "cannot record post {} as not answered: {}", job.post_id, r.error().message);
  }

  // --- turns -------------------------------------------------------------------------------------
  // One turn of a session: its jobs (several only in collect mode) are answered by one reply.
  asio::awaitable<void> run_turn(Turn turn) {
    try {
      std::optional<TurnJob> primary;
      for (auto& job : turn.jobs) {
        auto claimed = store_.mark_dispatched(account_.id, job.post_id, now_ms());
        if (!claimed) {
          log(log::Level::error, "cannot claim post {}: {}", job.post_id, claimed.error().message);
          continue;
        }
        if (!*claimed) continue;  // answered, dead, or taken by another path
        for (const auto& id : job.merged) (void)store_.mark_dispatched(account_.id, id, now_ms());
        if (!primary) {
          primary = std::move(job);
          continue;
        }
        // Collect mode: the later post carries the turn, the earlier ones are answered with it.
        job.merged.insert(job.merged.begin(), primary->merged.begin(), primary->merged.end());
        job.merged.insert(job.merged.begin(), primary->post_id);
        if (!primary->body.empty()) job.body = primary->body + "\n" + job.body;
        primary = std::move(job);
      }
      if (primary) {
        // stop() cancels the wait between attempts. The timer is shared with the set, not removed by a
        // destructor: a frame destroyed with the io_context must not touch the runtime.
        auto retry_timer = std::make_shared<asio::steady_timer>(io_);
        retry_timers_.insert(retry_timer);
        co_await answer_with_retries(std::move(*primary), *retry_timer, turn.session_key);
        retry_timers_.erase(retry_timer);
      }
    } catch (const std::exception& e) {
      log(log::Level::error, "a turn of session {} failed: {}", turn.session_key, e.what());
    }
    cancelled_.erase(turn.session_key);
    lanes_.finish(account_.id, turn.session_key);
  }

  void finish_dead(const TurnJob& job, std::string_view reason, std::string_view detail) {
    ++status_.counters.posts_failed;
    count_drop(reason);
    log(log::Level::error, "post {} not answered ({}): {}", job.post_id, reason, detail);
    for (const auto& id : job.merged) (void)store_.mark_dead(account_.id, id, reason, now_ms());
    if (auto r = store_.mark_dead(account_.id, job.post_id, reason, now_ms()); !r)
      log(log::Level::error, "cannot record post {} as failed: {}", job.post_id, r.error().message);
  }

  static bool retryable(const mattermost::ApiError& e) {
    return e.error.kind == ErrorKind::transient || e.error.kind == ErrorKind::rate_limited;
  }

  asio::awaitable<void> answer_with_retries(TurnJob job, asio::steady_timer& retry_timer, std::string session) {
    net::Backoff backoff(kAnswerRetry);
    for (int attempt = 1; !stopping_ || handover_; ++attempt) {
      auto step = co_await answer_once(job, session);
      if (step.done) co_return;
      if (!retryable(*step.error) || attempt >= kMaxAnswerAttempts) {
        finish_dead(job, fmt::format("answer_failed_{}", to_string(step.error->error.kind)),
                    step.error->error.message);
        co_return;
      }
      const auto delay = milliseconds(backoff.after_failure());
      log(log::Level::warn, "answering post {} failed: {}; retrying in {} ms", job.post_id,
          step.error->error.message, delay.count());
      co_await sleep(retry_timer, delay);
    }
    // Stopping: the post stays dispatched and is handed back once after the next start.
  }

  struct AnswerStep {
    bool done = false;
    std::optional<mattermost::ApiError> error;
  };

  // A post recovered after a restart is fetched again and decided again with today's config.
  asio::awaitable<AnswerStep> restore(TurnJob& job) {
    auto fetched = co_await api_.get_post(job.post_id);
    if (!fetched) {
      if (fetched.error().error.kind == ErrorKind::not_found) {
        finish_dead(job, "post_gone", fetched.error().error.message);
        co_return AnswerStep{true, std::nullopt};
      }
      co_return AnswerStep{false, fetched.error()};
    }
    job.post = std::move(*fetched);
    if (job.post->delete_at != 0) {
      finish_dead(job, "post_deleted", "the post was deleted before it was answered");
      co_return AnswerStep{true, std::nullopt};
    }
    gateway::InboundFacts facts;
    facts.has_files = !job.post->file_ids.empty();
    co_await complete_facts(*job.post, facts);
    facts.post = &*job.post;
    if (!job.post->root_id.empty() && facts.channel && facts.channel->type != mattermost::ChannelType::direct) {
      facts.bot_replied_in_thread = recorded_thread(account_.id, job.post->root_id);
      facts.thread_root_by_bot = recorded_thread(account_.id + std::string(kBotRootsSuffix), job.post->root_id);
    }
    const auto approved = facts.channel ? approved_senders(facts.channel->type) : std::set<std::string>{};
    gateway::InboundContext context;
    context.account = &account_;
    context.bot = bot_;
    context.dm_scope = live_->dm_scope;
    context.approved_senders = &approved;
    const auto decision = gateway::decide_inbound(facts, context);
    if (decision.verdict != gateway::Verdict::answer) {
      const std::string reason = decision.verdict == gateway::Verdict::pair ? "pairing_required" : decision.reason;
      finish_dead(job, reason, "not answered under the current configuration");
      co_return AnswerStep{true, std::nullopt};
    }
    job.route = decision.route;
    job.body = decision.body;
    job.was_mentioned = decision.was_mentioned;
    job.command_authorized = decision.command_authorized;
    job.sender_name = facts.sender.username;
    job.channel = *facts.channel;
    co_return AnswerStep{};
  }

  asio::awaitable<AnswerStep> answer_once(TurnJob& job, const std::string& session) {
    if (!job.post || !job.route) {
      auto restored = co_await restore(job);
      if (restored.done || restored.error) co_return restored;
    }
    if (job.may_have_answer) {
      auto existing = co_await find_tagged_reply(*job.post, job.channel_id);
      if (!existing) co_return AnswerStep{false, existing.error()};
      if (!existing->empty()) {
        log(log::Level::info, "post {} was answered before (reply {})", job.post_id, *existing);
        record_answered(job, *existing);
        co_return AnswerStep{true, std::nullopt};
      }
      job.may_have_answer = false;
    }
    if (cancelled_.contains(session)) {
      finish_dead(job, "interrupted", "a newer post of the session interrupted the turn (queue mode interrupt)");
      co_return AnswerStep{true, std::nullopt};
    }
    const gateway::Route& route = *job.route;
    // §4.11: typing while the turn runs; a failure is only logged.
    if (auto typing = co_await api_.send_typing(route.channel_id, route.root_id); !typing)
      log(log::Level::debug, "typing indicator failed: {}", typing.error().error.message);

    const auto context = turn_context(job);
    if (log::enabled(log::Level::trace))
      log(log::Level::trace, "turn context: {}", boost::json::serialize(gateway::to_json(context)));

    mattermost::CreatePost reply;
    reply.channel_id = route.channel_id;
    reply.message = agent::echo_answer(job.body);
    reply.root_id = route.root_id;
    reply.props[kReplyToProp] = job.post_id;
    if (!job.merged.empty()) {
      boost::json::array merged;
      for (const auto& id : job.merged) merged.emplace_back(id);
      reply.props[kMergedProp] = std::move(merged);
    }
    auto created = co_await api_.create_post(std::move(reply));
    if (!created) {
      if (created.error().receipt_lost) {
        // Visible to the user already: sending again would answer twice.
        log(log::Level::warn, "post {}: the answer was delivered but its receipt was lost", job.post_id);
        delivered(job, "receipt-lost");
        co_return AnswerStep{true, std::nullopt};
      }
      // A transport failure (a timeout, a dropped connection) may come after the server created
      // the post: the retry looks for a reply tagged with this post before it sends another.
      if (created.error().error.kind == ErrorKind::transient && !created.error().has_response())
        job.may_have_answer = true;
      co_return AnswerStep{false, created.error()};
    }
    delivered(job, created->id);
    co_return AnswerStep{true, std::nullopt};
  }

  // The §4.9 context of the turn, with the history window and the system events of the session.
  gateway::TurnContext turn_context(const TurnJob& job) {
    const gateway::Route& route = *job.route;
    const auto& post = *job.post;
    gateway::TurnInput input;
    input.route = route;
    input.account_id = account_.id;
    input.dm_scope = live_->dm_scope;
    input.envelope.chat_type = route.chat_type;
    input.envelope.channel_id = route.channel_id;
    input.envelope.channel_name = job.channel.name;
    input.envelope.channel_display = job.channel.display_name;
    input.envelope.sender_id = post.user_id;
    input.envelope.sender_name = job.sender_name;
    input.envelope.post_id = post.id;
    input.envelope.timestamp_ms = post.create_at;
    input.envelope.body = job.body;
    input.team_id = job.channel.team_id;
    input.was_mentioned = job.was_mentioned;
    input.command_authorized = job.command_authorized;
    input.control_command = gateway::is_control_command(job.body);
    input.command_body = job.body;
    if (const auto key = gateway::history_key(route))
      input.history = history_.window(*key, post.id, post.create_at, job.merged);
    if (!job.merged.empty()) {
      input.merged_post_ids = job.merged;
      input.merged_post_ids.push_back(job.post_id);
    }
    auto context = gateway::make_turn_context(input);
    for (const auto& event : system_events_.take(route.base_session_key))
      log(log::Level::debug, "system event for session {}: {}", route.base_session_key, event.text);
    return context;
  }

  void delivered(const TurnJob& job, std::string_view reply_id) {
    const gateway::Route& route = *job.route;
    log(log::Level::info, "delivered reply to {} (session {}, post {}, root {})", route.to, route.session_key,
        job.post_id, route.root_id.empty() ? "none" : route.root_id);
    record_answered(job, reply_id);
    if (const auto key = gateway::history_key(route)) history_.clear(*key);
    // §5.5: a visible reply in a thread makes the bot a participant there (§4.6).
    if (!route.root_id.empty() && route.chat_type != gateway::ChatType::direct) {
      if (auto r = store_.record_thread_participation(account_.id, route.root_id, now_ms()); !r)
        log(log::Level::warn, "cannot record thread participation: {}", r.error().message);
    }
  }

  void record_answered(const TurnJob& job, std::string_view reply_id) {
    ++status_.counters.posts_answered;
    log(log::Level::debug, "post {} answered by {}", job.post_id, reply_id);
    for (const auto& id : job.merged) (void)store_.mark_answered(account_.id, id, reply_id, now_ms());
    if (auto r = store_.mark_answered(account_.id, job.post_id, reply_id, now_ms()); !r)
      log(log::Level::error, "cannot record the answer to post {}: {}", job.post_id, r.error().message);
  }

  // The id of a reply tagged with the post (props.mmclaw_reply_to, or among props.mmclaw_merged),
  // or "" when there is none.
  asio::awaitable<mattermost::ApiResult<std::string>> find_tagged_reply(const mattermost::Post& post,
                                                                        std::string channel_id) {
    mattermost::PostsQuery query;
    query.since = post.create_at > 0 ? post.create_at - 1 : 0;
    auto list = co_await api_.get_channel_posts(std::move(channel_id), query);
    if (!list) co_return std::unexpected(list.error());
    for (const auto& candidate : list->posts) {
      if (candidate.delete_at != 0) continue;
      const auto* tag = candidate.props.if_contains(kReplyToProp);
      if (tag != nullptr && tag->is_string() && tag->get_string() == post.id) co_return candidate.id;
      const auto* merged = candidate.props.if_contains(kMergedProp);
      if (merged != nullptr && merged->is_array())
        for (const auto& id : merged->get_array())
          if (id.is_string() && id.get_string() == post.id) co_return candidate.id;
    }
    co_return std::string{};
  }

  // --- catch-up and polling ----------------------------------------------------------------------
  // The cursors a sweep starts from are read when the sweep is asked for, not when it runs: the
  // monitor asks right after a new hello, before the new socket's events, and a live post of the
  // new socket must not move a cursor past the posts the outage hid.
  using CursorSnapshot = std::map<std::string, std::optional<std::int64_t>, std::less<>>;

  // Merges the store's cursors into `into`, keeping the earlier one per channel.
  bool snapshot_cursors(CursorSnapshot& into) {
    auto cursors = store_.cursors(account_.id);
    if (!cursors) {
      log(log::Level::error, "catch-up: cannot read the cursors: {}", cursors.error().message);
      return false;
    }
    for (const auto& cursor : *cursors) merge_cursor(into, cursor.channel_id, cursor.max_update_at);
    return true;
  }

  static void merge_cursor(CursorSnapshot& into, const std::string& channel,
                           std::optional<std::int64_t> cursor) {
    auto [it, inserted] = into.try_emplace(channel, cursor);
    if (!inserted && it->second && (!cursor || *cursor < *it->second)) it->second = cursor;
  }

  void request_sweep(std::string reason) {
    if (snapshot_->mmclaw.catch_up_max_age_minutes == 0 &&
        account_.transport == config::Transport::websocket) {
      log(log::Level::info, "catch-up ({}) skipped: mmclaw.catchUp.maxAgeMinutes is 0", reason);
      return;
    }
    if (!pending_cursors_) pending_cursors_.emplace();
    if (!snapshot_cursors(*pending_cursors_)) {
      schedule_sweep_retry();
      return;
    }
    if (sweeping_) {
      sweep_again_ = true;
      return;
    }
    spawn(sweep(std::move(reason)), "catch-up");
  }

  // One retry at a time, however many failures asked for it.
  void schedule_sweep_retry() {
    if (sweep_retry_pending_ || stopping_) return;
    sweep_retry_pending_ = true;
    spawn(retry_sweep_later(), "catch-up retry");
  }

  asio::awaitable<void> retry_sweep_later() {
    co_await sleep(sweep_retry_timer_, kSweepRetry);
    sweep_retry_pending_ = false;
    if (!stopping_) request_sweep("retry");
  }

  asio::awaitable<void> sweep(std::string reason) {
    sweeping_ = true;
    bool ok = true;
    do {
      sweep_again_ = false;
      CursorSnapshot cursors = pending_cursors_ ? std::move(*pending_cursors_) : CursorSnapshot{};
      pending_cursors_.reset();
      ok = co_await sweep_once(reason, cursors);
      if (!ok) {
        // Tried again from the same starting points.
        if (!pending_cursors_) pending_cursors_.emplace();
        for (const auto& [channel, cursor] : cursors) merge_cursor(*pending_cursors_, channel, cursor);
      }
    } while (sweep_again_ && !stopping_);
    sweeping_ = false;
    if (!ok && !stopping_ && account_.transport == config::Transport::websocket) schedule_sweep_retry();
  }

  // Fetches and records the new posts of every channel of the bot, each from its cursor in
  // `cursors` (a channel missing there has none). False when the sweep could not finish.
  asio::awaitable<bool> sweep_once(const std::string& reason, const CursorSnapshot& cursors) {
    if (bot_.id.empty()) co_return false;
    ++status_.counters.sweeps;
    auto channels = co_await api_.get_user_channels(bot_.id);
    if (!channels) {
      log(log::Level::warn, "catch-up ({}): cannot list the bot's channels: {}", reason,
          channels.error().error.message);
      co_return false;
    }
    const int max_age = account_.transport == config::Transport::polling && reason == "poll"
                            ? 0
                            : snapshot_->mmclaw.catch_up_max_age_minutes;
    std::int64_t recorded = 0;
    std::int64_t channels_with_posts = 0;
    bool complete = true;
    for (const auto& channel : *channels) {
      if (stopping_) co_return false;
      if (channel.delete_at != 0) continue;
      const auto known = cursors.find(channel.id);
      const auto cursor = known == cursors.end() ? std::nullopt : known->second;
      auto window = gateway::sweep_window(cursor, baseline_ms_, now_ms(), max_age);
      std::int64_t channel_recorded = 0;
      bool channel_ok = true;
      for (int page_no = 0; page_no < kMaxPagesPerChannel; ++page_no) {
        mattermost::PostsQuery query;
        query.since = window.since;
        auto list = co_await api_.get_channel_posts(channel.id, query);
        if (!list) {
          log(log::Level::warn, "catch-up ({}): cannot read channel {}: {}", reason, channel.id,
              list.error().error.message);
          channel_ok = false;
          break;
        }
        auto page = gateway::sweep_page(std::move(list->posts), window);
        for (auto& post : page.new_posts) {
          if (post.channel_id.empty()) post.channel_id = channel.id;
          gateway::InboundFacts facts;
          if (channel.type) {
            gateway::ChannelFacts channel_facts;
            channel_facts.id = channel.id;
            channel_facts.type = *channel.type;
            channel_facts.name = channel.name;
            channel_facts.display_name = channel.display_name;
            channel_facts.team_id = channel.team_id;
            facts.channel = std::move(channel_facts);
          }
          facts.has_files = !post.file_ids.empty();
          co_await complete_facts(post, facts);
          if (accept(post, std::move(facts), Origin::caught_up)) ++channel_recorded;
        }
        // Every post of the page was recorded or deliberately skipped: the cursor may pass them.
        if (page.max_update_at > 0) {
          if (auto moved = store_.advance_cursor(account_.id, channel.id, page.max_update_at, now_ms());
              !moved)
            log(log::Level::warn, "cannot advance the cursor of channel {}: {}", channel.id,
                moved.error().message);
        }
        if (!page.more) break;
        window.since = page.max_update_at;
      }
      if (!channel_ok) {
        complete = false;
        continue;
      }
      if (auto swept = store_.record_sweep(account_.id, channel.id, now_ms()); !swept)
        log(log::Level::warn, "cannot record the sweep of channel {}: {}", channel.id, swept.error().message);
      recorded += channel_recorded;
      if (channel_recorded > 0) ++channels_with_posts;
    }
    if (reason != "poll" || recorded > 0)
      log(log::Level::info, "catch-up ({}): {} post{} to answer in {} channel{}", reason, recorded,
          recorded == 1 ? "" : "s", channels_with_posts, channels_with_posts == 1 ? "" : "s");
    co_return complete;
  }

  // REST polling (`useWebSocket: false`): identity with backoff, then a sweep per interval.
  asio::awaitable<void> poll_loop() {
    auto& monitor = status_.monitor;
    const auto options = monitor_options();
    net::Backoff identity_backoff(options.timings.identity);
    monitor.state = mattermost::MonitorState::identifying;
    while (!stopping_ && bot_.id.empty()) {
      auto me = co_await api_.get_me();
      if (me) {
        bot_.id = me->id;
        bot_.username = me->username;
        monitor.bot_id = me->id;
        monitor.bot_username = me->username;
        log(log::Level::info, "mattermost connected as @{} (REST polling every {} ms)", me->username,
            snapshot_->mmclaw.monitor.poll_interval_ms);
        break;
      }
      const bool rejected = me.error().error.kind == ErrorKind::auth;
      monitor.state =
          rejected ? mattermost::MonitorState::auth_failed : mattermost::MonitorState::identifying;
      monitor.last_error = me.error().error.message;
      const auto delay = rejected ? identity_backoff.slow_delay() : identity_backoff.after_failure();
      log(rejected ? log::Level::error : log::Level::warn, "mattermost: API auth failed: {}",
          me.error().error.message);
      log(log::Level::info, "mattermost: API not accessible, retrying in {}s", (delay + 500) / 1000);
      co_await sleep(poll_timer_, milliseconds(delay));
    }
    if (stopping_) co_return;
    monitor.state = mattermost::MonitorState::ready;
    monitor.connected = true;
    on_identified();
    bool first = true;
    while (!stopping_) {
      CursorSnapshot cursors;
      if (!sweeping_ && snapshot_cursors(cursors)) {
        sweeping_ = true;
        const bool ok = co_await sweep_once(first ? "startup" : "poll", cursors);
        sweeping_ = false;
        if (ok) first = false;
        monitor.last_error = ok ? std::nullopt : std::optional<std::string>("poll failed");
      }
      co_await sleep(poll_timer_, milliseconds(snapshot_->mmclaw.monitor.poll_interval_ms));
    }
    monitor.state = mattermost::MonitorState::stopped;
    monitor.connected = false;
  }

  // --- membership diagnosis ----------------------------------------------------------------------
  // Channels the config names by id or name (groups keys, allowChannels).
  std::vector<std::string> configured_channels() const {
    std::vector<std::string> out;
    for (const auto& [key, override_] : account_.groups)
      if (key != "*") out.push_back(key);
    if (account_.allowed_channels)
      for (const auto& c : *account_.allowed_channels)
        if (c != "*") out.push_back(c);
    return out;
  }

  bool is_configured_channel(std::string_view id, std::string_view name) const {
    for (const auto& c : configured_channels()) {
      std::string_view entry = c;
      if (!entry.empty() && entry.front() == '#') entry.remove_prefix(1);
      if (entry == id || (!name.empty() && entry == name)) return true;
    }
    return false;
  }

  void warn_not_member(std::string_view channel) {
    log(log::Level::warn, "the bot is not a member of channel {}: Mattermost will not send its posts",
        channel);
  }

  asio::awaitable<void> diagnose_membership() {
    const auto wanted = configured_channels();
    if (wanted.empty() || bot_.id.empty()) co_return;
    auto channels = co_await api_.get_user_channels(bot_.id);
    if (!channels) {
      log(log::Level::warn, "cannot check the bot's channel memberships: {}", channels.error().error.message);
      co_return;
    }
    for (const auto& c : wanted) {
      std::string_view entry = c;
      if (!entry.empty() && entry.front() == '#') entry.remove_prefix(1);
      bool member = false;
      for (const auto& channel : *channels)
        if (channel.delete_at == 0 && (channel.id == entry || channel.name == entry)) member = true;
      if (!member) warn_not_member(c);
    }
  }

  asio::io_context& io_;
  store::Store& store_;
  TurnLanes& lanes_;
  std::shared_ptr<const config::Snapshot> snapshot_;  // the one the account was started with
  std::shared_ptr<const config::Snapshot> live_;      // the newest: settings read per post
  const config::AccountConfig& account_;              // in snapshot_
  mattermost::Api api_;
  asio::ssl::context* tls_;
  std::unique_ptr<mattermost::Monitor> monitor_;

  gateway::BotIdentity bot_;
  AccountStatus status_;
  std::int64_t baseline_ms_ = 0;
  bool recover_ = true;
  bool handover_ = false;  // stopping for a reload: turns in flight finish, queued ones wait for the successor
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

  asio::steady_timer poll_timer_;
  asio::steady_timer sweep_retry_timer_;
  asio::steady_timer idle_timer_;
  asio::steady_timer debounce_timer_;
  asio::steady_timer approval_timer_;
  std::set<std::shared_ptr<asio::steady_timer>> retry_timers_;
};

AccountRuntime::AccountRuntime(asio::io_context& io, store::Store& store, net::HttpClient& http,
                               asio::ssl::context* tls, TurnLanes& lanes,
                               std::shared_ptr<const config::Snapshot> snapshot,
                               const config::AccountConfig& account, bool recover)
    : impl_(std::make_unique<Impl>(io, store, http, tls, lanes, std::move(snapshot), account, recover)) {}

AccountRuntime::~AccountRuntime() = default;

asio::awaitable<void> AccountRuntime::run() {
  return impl_->run();
}

void AccountRuntime::stop() {
  impl_->stop();
}

void AccountRuntime::stop_for_reload() {
  impl_->handover_ = true;
  impl_->stop();
}

void AccountRuntime::on_disconnected(std::function<void()> callback) {
  impl_->on_disconnected_ = std::move(callback);
}

void AccountRuntime::update_snapshot(std::shared_ptr<const config::Snapshot> snapshot) {
  impl_->live_ = std::move(snapshot);
}

AccountStatus AccountRuntime::status() const {
  AccountStatus status = impl_->status_;
  if (impl_->monitor_) {
    status.monitor = impl_->monitor_->status();
    status.counters.malformed_frames = impl_->monitor_->counters().malformed_frames;
  }
  return status;
}

}  // namespace mmclaw::app
