#include "app/account_runtime.hpp"

#include <chrono>
#include <deque>
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
#include "gateway/catch_up.hpp"
#include "gateway/ingress.hpp"
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

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string baseline_key(std::string_view account_id) {
  return fmt::format("ingress.baseline.{}", account_id);
}

// One post waiting for its answer.
struct Job {
  std::string post_id;
  std::string channel_id;
  std::optional<mattermost::Post> post;  // absent after a restart: fetched again by id
  bool may_have_answer = false;          // dispatched before a restart: look for a tagged reply first
};

struct Lane {
  std::deque<Job> jobs;
  bool running = false;
};

}  // namespace

struct AccountRuntime::Impl {
  Impl(asio::io_context& io, store::Store& store, net::HttpClient& http, asio::ssl::context* tls,
       std::shared_ptr<const config::Snapshot> snapshot, const config::AccountConfig& account)
      : io_(io),
        store_(store),
        snapshot_(std::move(snapshot)),
        account_(account),
        api_(http, api_options(account)),
        tls_(tls),
        poll_timer_(io),
        sweep_retry_timer_(io),
        idle_timer_(io) {
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
    if (!prepare_store()) co_return;
    recover_unfinished();
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
    co_await drain();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    if (monitor_) monitor_->stop();
    poll_timer_.cancel();
    sweep_retry_timer_.cancel();
    for (const auto& timer : retry_timers_) timer->cancel();
  }

  asio::awaitable<void> drain() {
    const auto until = std::chrono::steady_clock::now() + kStopGrace;
    while (tasks_ > 0 && std::chrono::steady_clock::now() < until) {
      idle_timer_.expires_at(until);
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

  void recover_unfinished() {
    auto unfinished = store_.take_unfinished_after_restart(account_.id, now_ms());
    if (!unfinished) {
      log(log::Level::error, "cannot read unfinished posts from the store: {}", unfinished.error().message);
      return;
    }
    if (unfinished->empty()) return;
    log(log::Level::info, "answering {} post{} left unanswered by the last run", unfinished->size(),
        unfinished->size() == 1 ? "" : "s");
    for (auto& record : *unfinished)
      enqueue(Job{record.post_id, record.channel_id, std::nullopt, record.attempts > 0});
  }

  // --- status ------------------------------------------------------------------------------------
  void on_monitor_status(const mattermost::MonitorStatus& status) {
    const bool first_identity = bot_.id.empty() && !status.bot_id.empty();
    status_.monitor = status;
    if (!status.bot_id.empty()) {
      bot_.id = status.bot_id;
      bot_.username = status.bot_username;
    }
    if (first_identity) spawn(diagnose_membership(), "membership check");
  }

  // --- live events -------------------------------------------------------------------------------
  void on_event(const mattermost::Event& event) {
    if (const auto* posted = std::get_if<mattermost::PostedEvent>(&event)) {
      accept(posted->post, posted->channel_type, /*caught_up=*/false);
    } else if (const auto* removed = std::get_if<mattermost::UserRemoved>(&event)) {
      if (!bot_.id.empty() && removed->user_id == bot_.id && is_configured_channel(removed->channel_id, {}))
        warn_not_member(removed->channel_id);
    } else if (std::holds_alternative<mattermost::Malformed>(event)) {
      ++status_.counters.malformed_frames;
    }
  }

  // Screens one post and records it; true when it was recorded now (a new post to answer).
  bool accept(const mattermost::Post& post, std::optional<mattermost::ChannelType> type, bool caught_up) {
    auto& counters = status_.counters;
    ++counters.posts_seen;
    if (auto drop = gateway::screen_post(gateway::InboundPost{&post, type}, bot_)) {
      ++counters.posts_dropped;
      if (*drop != gateway::DropReason::own_post)
        log(log::Level::debug, "post {} not answered ({})", post.id, gateway::to_string(*drop));
      return false;
    }
    const auto record = gateway::ingress_record(account_.id, post);
    auto outcome = store_.admit_post(record, now_ms());
    if (!outcome) {
      // Not recorded, so the cursor stays behind it: the next sweep finds the post again.
      log(log::Level::error, "durable admission of post {} failed: {}; a catch-up sweep will retry", post.id,
          outcome.error().message);
      schedule_sweep_retry();
      return false;
    }
    if (auto moved = store_.advance_cursor(account_.id, post.channel_id, record.update_at, now_ms()); !moved)
      log(log::Level::warn, "cannot advance the cursor of channel {}: {}", post.channel_id,
          moved.error().message);
    if (*outcome != store::AdmitOutcome::new_post) {
      ++counters.posts_duplicate;
      log(log::Level::debug, "post {} already recorded ({})", post.id, store::to_string(*outcome));
      return false;
    }
    ++counters.posts_recorded;
    if (caught_up) ++counters.posts_caught_up;
    enqueue(Job{post.id, post.channel_id, post, false});
    return true;
  }

  // --- answers -----------------------------------------------------------------------------------
  void enqueue(Job job) {
    auto& lane = lanes_[job.channel_id];
    const std::string channel = job.channel_id;
    lane.jobs.push_back(std::move(job));
    if (!lane.running) {
      lane.running = true;
      spawn(run_lane(channel), "answer lane");
    }
  }

  asio::awaitable<void> run_lane(std::string channel_id) {
    while (!stopping_) {
      auto it = lanes_.find(channel_id);
      if (it == lanes_.end() || it->second.jobs.empty()) break;
      Job job = std::move(it->second.jobs.front());
      it->second.jobs.pop_front();
      co_await answer(std::move(job));
    }
    if (auto it = lanes_.find(channel_id); it != lanes_.end()) {
      if (it->second.jobs.empty())
        lanes_.erase(it);
      else
        it->second.running = false;  // stopping: the rest stays recorded for the next start
    }
  }

  void finish_dead(const Job& job, std::string_view reason, std::string_view detail) {
    ++status_.counters.posts_failed;
    log(log::Level::error, "post {} not answered ({}): {}", job.post_id, reason, detail);
    if (auto r = store_.mark_dead(account_.id, job.post_id, reason, now_ms()); !r)
      log(log::Level::error, "cannot record post {} as failed: {}", job.post_id, r.error().message);
  }

  static bool retryable(const mattermost::ApiError& e) {
    return e.error.kind == ErrorKind::transient || e.error.kind == ErrorKind::rate_limited;
  }

  asio::awaitable<void> answer(Job job) {
    auto claimed = store_.mark_dispatched(account_.id, job.post_id, now_ms());
    if (!claimed) {
      log(log::Level::error, "cannot claim post {}: {}", job.post_id, claimed.error().message);
      co_return;
    }
    if (!*claimed) co_return;  // answered, dead, or taken by another path

    // stop() cancels the wait between attempts. The timer is shared with the set, not removed by a
    // destructor: a frame destroyed with the io_context must not touch the runtime.
    auto retry_timer = std::make_shared<asio::steady_timer>(io_);
    retry_timers_.insert(retry_timer);
    co_await answer_with_retries(std::move(job), *retry_timer);
    retry_timers_.erase(retry_timer);
  }

  asio::awaitable<void> answer_with_retries(Job job, asio::steady_timer& retry_timer) {
    net::Backoff backoff(kAnswerRetry);
    for (int attempt = 1; !stopping_; ++attempt) {
      auto step = co_await answer_once(job);
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

  asio::awaitable<AnswerStep> answer_once(Job& job) {
    if (!job.post) {
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
    }
    if (job.may_have_answer) {
      auto existing = co_await find_tagged_reply(*job.post, job.channel_id);
      if (!existing) co_return AnswerStep{false, existing.error()};
      if (!existing->empty()) {
        log(log::Level::info, "post {} was answered before the restart (reply {})", job.post_id, *existing);
        record_answered(job, *existing);
        co_return AnswerStep{true, std::nullopt};
      }
      job.may_have_answer = false;
    }
    mattermost::CreatePost reply;
    reply.channel_id = job.post->channel_id.empty() ? job.channel_id : job.post->channel_id;
    reply.message = agent::echo_answer(job.post->message);
    reply.root_id = job.post->root_id;
    reply.props[kReplyToProp] = job.post_id;
    auto created = co_await api_.create_post(std::move(reply));
    if (!created) {
      if (created.error().receipt_lost) {
        // Visible to the user already: sending again would answer twice.
        log(log::Level::warn, "post {}: the answer was delivered but its receipt was lost", job.post_id);
        record_answered(job, "receipt-lost");
        co_return AnswerStep{true, std::nullopt};
      }
      // A transport failure (a timeout, a dropped connection) may come after the server created
      // the post: the retry looks for a reply tagged with this post before it sends another.
      if (created.error().error.kind == ErrorKind::transient && !created.error().has_response())
        job.may_have_answer = true;
      co_return AnswerStep{false, created.error()};
    }
    record_answered(job, created->id);
    co_return AnswerStep{true, std::nullopt};
  }

  void record_answered(const Job& job, std::string_view reply_id) {
    ++status_.counters.posts_answered;
    log(log::Level::debug, "post {} answered by {}", job.post_id, reply_id);
    if (auto r = store_.mark_answered(account_.id, job.post_id, reply_id, now_ms()); !r)
      log(log::Level::error, "cannot record the answer to post {}: {}", job.post_id, r.error().message);
  }

  // The id of a reply tagged with the post (props.mmclaw_reply_to), or "" when there is none.
  asio::awaitable<mattermost::ApiResult<std::string>> find_tagged_reply(const mattermost::Post& post,
                                                                        std::string channel_id) {
    mattermost::PostsQuery query;
    query.since = post.create_at > 0 ? post.create_at - 1 : 0;
    auto list = co_await api_.get_channel_posts(std::move(channel_id), query);
    if (!list) co_return std::unexpected(list.error());
    for (const auto& candidate : list->posts) {
      const auto* tag = candidate.props.if_contains(kReplyToProp);
      if (tag != nullptr && tag->is_string() && tag->get_string() == post.id && candidate.delete_at == 0)
        co_return candidate.id;
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
          if (accept(post, channel.type, /*caught_up=*/true)) ++channel_recorded;
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
    spawn(diagnose_membership(), "membership check");
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
  std::shared_ptr<const config::Snapshot> snapshot_;
  const config::AccountConfig& account_;
  mattermost::Api api_;
  asio::ssl::context* tls_;
  std::unique_ptr<mattermost::Monitor> monitor_;

  gateway::BotIdentity bot_;
  AccountStatus status_;
  std::int64_t baseline_ms_ = 0;
  std::map<std::string, Lane, std::less<>> lanes_;
  bool sweeping_ = false;
  bool sweep_again_ = false;
  bool sweep_retry_pending_ = false;
  std::optional<CursorSnapshot> pending_cursors_;  // the starting points of the next sweep
  bool stopping_ = false;
  int tasks_ = 0;

  asio::steady_timer poll_timer_;
  asio::steady_timer sweep_retry_timer_;
  asio::steady_timer idle_timer_;
  std::set<std::shared_ptr<asio::steady_timer>> retry_timers_;
};

AccountRuntime::AccountRuntime(asio::io_context& io, store::Store& store, net::HttpClient& http,
                               asio::ssl::context* tls, std::shared_ptr<const config::Snapshot> snapshot,
                               const config::AccountConfig& account)
    : impl_(std::make_unique<Impl>(io, store, http, tls, std::move(snapshot), account)) {}

AccountRuntime::~AccountRuntime() = default;

asio::awaitable<void> AccountRuntime::run() {
  return impl_->run();
}

void AccountRuntime::stop() {
  impl_->stop();
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
