// One account at run time: its start, stop and status, and the public AccountRuntime.

#include "app/account_runtime.hpp"

#include "app/account_runtime_impl.hpp"
#include "app/cli_account.hpp"
#include "mattermost/buttons.hpp"

namespace mmclaw::app {

using namespace detail;

AccountRuntime::Impl::Impl(asio::io_context& io, store::Store& store, net::HttpClient& http,
                           net::HttpClient& model_http, asio::ssl::context* tls, TurnLanes& lanes,
                           std::shared_ptr<const config::Snapshot> snapshot,
                           const config::AccountConfig& account, bool recover)
    : io_(io),
      store_(store),
      lanes_(lanes),
      model_http_(model_http),
      snapshot_(std::move(snapshot)),
      live_(snapshot_),
      account_(account),
      api_(http, mattermost_api_options(account)),
      targets_(api_, mattermost::TargetResolverOptions{account.team_id, account.dm_channel_retry,
                                                       fmt::format("[{}] ", account.id)}),
      tls_(tls),
      recover_(recover),
      poll_timer_(io),
      sweep_retry_timer_(io),
      idle_timer_(io),
      debounce_timer_(io),
      approval_timer_(io) {
  status_.account_id = account_.id;
  status_.transport = account_.transport;
  interaction_secret_ = mattermost::interaction_secret(account_.bot_token.value);
}

// --- tasks -------------------------------------------------------------------------------------
void AccountRuntime::Impl::spawn(asio::awaitable<void> task, std::string_view what) {
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

asio::awaitable<void> AccountRuntime::Impl::sleep(asio::steady_timer& timer, milliseconds delay) {
  timer.expires_after(delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// --- run ---------------------------------------------------------------------------------------
asio::awaitable<void> AccountRuntime::Impl::run() {
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
  co_await unregister_slash_commands();
  flush_debounce_on_stop();
  // Queued turns stay in the lanes for the account's next runtime (a reload) or are forgotten
  // (they stay recorded in the store and are answered after the next start).
  lanes_.detach(account_.id, /*forget=*/!handover_);
  disconnected();
  co_await drain();
}

void AccountRuntime::Impl::disconnected() {
  if (auto callback = std::exchange(on_disconnected_, nullptr)) callback();
}

void AccountRuntime::Impl::stop() {
  if (stopping_) return;
  stopping_ = true;
  slash_.active = false;  // slash callbacks fail closed from now on
  if (monitor_) monitor_->stop();
  poll_timer_.cancel();
  sweep_retry_timer_.cancel();
  debounce_timer_.cancel();
  approval_timer_.cancel();
  // A reload lets answers in flight keep their retry rhythm; a final stop cuts them short.
  if (!handover_)
    for (const auto& timer : retry_timers_) timer->cancel();
}

asio::awaitable<void> AccountRuntime::Impl::drain() {
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

mattermost::MonitorOptions AccountRuntime::Impl::monitor_options() const {
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

bool AccountRuntime::Impl::prepare_store() {
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

void AccountRuntime::Impl::recover_unfinished() {
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
void AccountRuntime::Impl::on_monitor_status(const mattermost::MonitorStatus& status) {
  const bool first_identity = bot_.id.empty() && !status.bot_id.empty();
  status_.monitor = status;
  if (!status.bot_id.empty()) {
    bot_.id = status.bot_id;
    targets_.set_bot_id(bot_.id);
    bot_.username = status.bot_username;
  }
  if (first_identity) on_identified();
}

void AccountRuntime::Impl::on_identified() {
  spawn(diagnose_membership(), "membership check");
  spawn(notify_approvals(), "pairing approvals");
  spawn(register_slash_commands(), "slash command registration");
}

AccountRuntime::AccountRuntime(asio::io_context& io, store::Store& store, net::HttpClient& http,
                               net::HttpClient& model_http, asio::ssl::context* tls, TurnLanes& lanes,
                               std::shared_ptr<const config::Snapshot> snapshot,
                               const config::AccountConfig& account, bool recover)
    : impl_(std::make_unique<Impl>(io, store, http, model_http, tls, lanes, std::move(snapshot), account,
                                   recover)) {}

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
  status.api = impl_->api_.stats();
  if (impl_->monitor_) {
    status.monitor = impl_->monitor_->status();
    status.counters.malformed_frames = impl_->monitor_->counters().malformed_frames;
  }
  return status;
}

}  // namespace mmclaw::app
