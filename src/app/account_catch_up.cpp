// Catch-up sweeps and REST polling of the account's channels, and the check of its memberships.

#include "app/account_runtime_impl.hpp"

namespace mmclaw::app {

using namespace detail;

// --- catch-up and polling ----------------------------------------------------------------------
bool AccountRuntime::Impl::snapshot_cursors(CursorSnapshot& into) {
  auto cursors = store_.cursors(account_.id);
  if (!cursors) {
    log(log::Level::error, "catch-up: cannot read the cursors: {}", cursors.error().message);
    return false;
  }
  for (const auto& cursor : *cursors) merge_cursor(into, cursor.channel_id, cursor.max_update_at);
  return true;
}

void AccountRuntime::Impl::merge_cursor(CursorSnapshot& into, const std::string& channel,
                                        std::optional<std::int64_t> cursor) {
  auto [it, inserted] = into.try_emplace(channel, cursor);
  if (!inserted && it->second && (!cursor || *cursor < *it->second)) it->second = cursor;
}

void AccountRuntime::Impl::request_sweep(std::string reason) {
  if (snapshot_->mmclaw.catch_up_max_age_minutes == 0 && account_.transport == config::Transport::websocket) {
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

void AccountRuntime::Impl::schedule_sweep_retry() {
  if (sweep_retry_pending_ || stopping_) return;
  sweep_retry_pending_ = true;
  spawn(retry_sweep_later(), "catch-up retry");
}

asio::awaitable<void> AccountRuntime::Impl::retry_sweep_later() {
  co_await sleep(sweep_retry_timer_, kSweepRetry);
  sweep_retry_pending_ = false;
  if (!stopping_) request_sweep("retry");
}

asio::awaitable<void> AccountRuntime::Impl::sweep(std::string reason) {
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

asio::awaitable<bool> AccountRuntime::Impl::sweep_once(const std::string& reason,
                                                       const CursorSnapshot& cursors) {
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
        if (auto moved = store_.advance_cursor(account_.id, channel.id, page.max_update_at, now_ms()); !moved)
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

asio::awaitable<void> AccountRuntime::Impl::poll_loop() {
  auto& monitor = status_.monitor;
  const auto options = monitor_options();
  net::Backoff identity_backoff(options.timings.identity);
  monitor.state = mattermost::MonitorState::identifying;
  while (!stopping_ && bot_.id.empty()) {
    auto me = co_await api_.get_me();
    if (me) {
      bot_.id = me->id;
      targets_.set_bot_id(bot_.id);
      bot_.username = me->username;
      monitor.bot_id = me->id;
      monitor.bot_username = me->username;
      log(log::Level::info, "mattermost connected as @{} (REST polling every {} ms)", me->username,
          snapshot_->mmclaw.monitor.poll_interval_ms);
      break;
    }
    const bool rejected = me.error().error.kind == ErrorKind::auth;
    monitor.state = rejected ? mattermost::MonitorState::auth_failed : mattermost::MonitorState::identifying;
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
std::vector<std::string> AccountRuntime::Impl::configured_channels() const {
  std::vector<std::string> out;
  for (const auto& [key, override_] : account_.groups)
    if (key != "*") out.push_back(key);
  if (account_.allowed_channels)
    for (const auto& c : *account_.allowed_channels)
      if (c != "*") out.push_back(c);
  return out;
}

bool AccountRuntime::Impl::is_configured_channel(std::string_view id, std::string_view name) const {
  for (const auto& c : configured_channels()) {
    std::string_view entry = c;
    if (!entry.empty() && entry.front() == '#') entry.remove_prefix(1);
    if (entry == id || (!name.empty() && entry == name)) return true;
  }
  return false;
}

void AccountRuntime::Impl::warn_not_member(std::string_view channel) {
  log(log::Level::warn, "the bot is not a member of channel {}: Mattermost will not send its posts", channel);
}

asio::awaitable<void> AccountRuntime::Impl::diagnose_membership() {
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

}  // namespace mmclaw::app
