// The account's inbound posts, edits and reactions: decided, recorded, debounced and queued for a turn.

#include "app/account_runtime_impl.hpp"

namespace mmclaw::app {

using namespace detail;

// --- live events -------------------------------------------------------------------------------
void AccountRuntime::Impl::on_event(const mattermost::Event& event) {
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

void AccountRuntime::Impl::on_posted(const mattermost::PostedEvent& event) {
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

asio::awaitable<void> AccountRuntime::Impl::accept_after_lookup(mattermost::Post post,
                                                                gateway::InboundFacts facts, Origin origin) {
  co_await complete_facts(post, facts);
  accept(post, std::move(facts), origin);
}

asio::awaitable<void> AccountRuntime::Impl::complete_facts(const mattermost::Post& post,
                                                           gateway::InboundFacts& facts) {
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
asio::awaitable<void> AccountRuntime::Impl::on_edited(mattermost::Post post) {
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

asio::awaitable<void> AccountRuntime::Impl::on_reaction(mattermost::ReactionEvent event) {
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
  const auto access = sender_access(facts, /*control_command=*/false);
  if (access.outcome != gateway::AccessOutcome::allow) {
    log(log::Level::debug, "reaction on post {} ignored ({})", event.post_id,
        access.reason ? gateway::to_string(*access.reason) : "pairing_required");
    co_return;
  }
  const auto route = gateway::route_post(gateway::route_params(account_, live_->dm_scope), post,
                                         facts.channel->type, event.user_id);
  if (system_events_.push(route.base_session_key,
                          {gateway::reaction_context_key(event),
                           gateway::reaction_event_text(event, facts.sender.username)})) {
    ++status_.counters.reactions;
    log(log::Level::debug, "reaction {} queued for session {}", gateway::reaction_context_key(event),
        route.base_session_key);
  }
}

gateway::AccessDecision AccountRuntime::Impl::sender_access(const gateway::InboundFacts& facts, bool control_command) {
  gateway::AccessInput in;
  in.sender_id = facts.sender.id;
  in.sender_username = facts.sender.username;
  in.sender_is_bot = facts.sender.is_bot;
  in.channel_type = facts.channel->type;
  in.channel_id = facts.channel->id;
  in.channel_name = facts.channel->name;
  in.is_control_command = control_command;
  const auto approved = approved_senders(facts.channel->type);
  gateway::AccessContext context;
  context.account = &account_;
  context.approved_senders = &approved;
  return gateway::decide_access(in, context);
}

std::set<std::string> AccountRuntime::Impl::approved_senders(mattermost::ChannelType type) {
  std::set<std::string> out;
  if (type != mattermost::ChannelType::direct || account_.dm_policy == config::DmPolicy::allowlist)
    return out;
  auto approved = store_.approved_senders(account_.id);
  if (!approved) {
    log(log::Level::error, "cannot read pairing approvals: {}", approved.error().message);
    return out;
  }
  out.insert(approved->begin(), approved->end());
  return out;
}

void AccountRuntime::Impl::note_own_post(const mattermost::Post& post) {
  if (post.delete_at != 0 || post.type.starts_with("system_")) return;
  const bool root = post.root_id.empty();
  const std::string account = root ? account_.id + std::string(kBotRootsSuffix) : account_.id;
  if (auto r = store_.record_thread_participation(account, root ? post.id : post.root_id, now_ms()); !r)
    log(log::Level::warn, "cannot record thread participation: {}", r.error().message);
}

bool AccountRuntime::Impl::recorded_thread(std::string_view account, std::string_view root_id) {
  auto r = store_.thread_participated(account, root_id, now_ms() - kThreadParticipationMs);
  if (!r) {
    log(log::Level::warn, "cannot read thread participation: {}", r.error().message);
    return false;
  }
  return *r;
}

gateway::InboundDecision AccountRuntime::Impl::decide(const mattermost::Post& post, gateway::InboundFacts& facts) {
  facts.post = &post;
  if (facts.sender.id.empty()) facts.sender.id = post.user_id;
  const bool thread_post = !post.root_id.empty() && facts.channel &&
                           facts.channel->type != mattermost::ChannelType::direct && post.user_id != bot_.id;
  if (thread_post) {
    facts.bot_replied_in_thread = recorded_thread(account_.id, post.root_id);
    if (!facts.bot_replied_in_thread)
      facts.thread_root_by_bot = recorded_thread(account_.id + std::string(kBotRootsSuffix), post.root_id);
  }
  const auto approved = facts.channel ? approved_senders(facts.channel->type) : std::set<std::string>{};
  gateway::InboundContext context;
  context.account = &account_;
  context.bot = bot_;
  context.dm_scope = live_->dm_scope;
  context.approved_senders = &approved;
  return gateway::decide_inbound(facts, context);
}

bool AccountRuntime::Impl::accept(const mattermost::Post& post, gateway::InboundFacts facts, Origin origin) {
  // Stopping: a post that arrives now (after a lookup) is left to the next runtime's catch-up,
  // since its cursor has not moved past it.
  if (stopping_) return false;
  auto& counters = status_.counters;
  ++counters.posts_seen;
  if (!bot_.id.empty() && post.user_id == bot_.id) note_own_post(post);
  const auto decision = decide(post, facts);

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
  job.has_files = facts.has_files || !post.file_ids.empty();
  job.command_authorized = decision.command_authorized;
  job.sender_name = facts.sender.username;
  job.channel = *facts.channel;
  offer_to_debounce(std::move(job), decision.is_control_command || facts.has_files || !post.file_ids.empty());
  return true;
}

bool AccountRuntime::Impl::admit(const mattermost::Post& post, Origin origin) {
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

void AccountRuntime::Impl::remember_history(const mattermost::Post& post, const gateway::InboundFacts& facts,
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

int AccountRuntime::Impl::history_limit(gateway::ChatType type) const {
  if (type == gateway::ChatType::direct) return account_.history_limit;
  return live_->messages.group_history_limit.value_or(account_.history_limit);
}

// --- debounce (§3.6) ---------------------------------------------------------------------------
void AccountRuntime::Impl::offer_to_debounce(TurnJob job, bool immediate) {
  const int interval = live_->messages.inbound_debounce_ms;
  gateway::DebounceItem item;
  item.post_id = job.post_id;
  item.message = job.body;
  item.create_at = job.post ? job.post->create_at : 0;
  item.immediate = immediate;
  const std::string key =
      gateway::debounce_key(account_.id, job.channel_id, job.post ? job.post->root_id : std::string(),
                            job.post ? job.post->user_id : std::string());
  debounced_.insert_or_assign(job.post_id, std::move(job));
  for (auto& batch : debouncer_.offer(key, std::move(item), now_ms(), interval)) submit_batch(batch);
  arm_debounce_timer();
}

void AccountRuntime::Impl::arm_debounce_timer() {
  const auto next = debouncer_.next_deadline();
  if (!next || debounce_armed_ || stopping_) return;
  debounce_armed_ = true;
  spawn(debounce_wait(*next), "debounce");
}

asio::awaitable<void> AccountRuntime::Impl::debounce_wait(std::int64_t deadline) {
  co_await sleep(debounce_timer_, milliseconds(std::max<std::int64_t>(0, deadline - now_ms())));
  debounce_armed_ = false;
  if (stopping_) co_return;
  for (auto& batch : debouncer_.due(now_ms())) submit_batch(batch);
  arm_debounce_timer();
}

void AccountRuntime::Impl::flush_debounce_on_stop() {
  auto batches = debouncer_.drain();
  if (!handover_) {
    debounced_.clear();
    return;
  }
  for (auto& batch : batches) submit_batch(batch);
}

void AccountRuntime::Impl::submit_batch(const gateway::DebounceBatch& batch) {
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
void AccountRuntime::Impl::submit(TurnJob job) {
  TurnJob ids;  // what a drop needs, since submit() takes the job
  ids.post_id = job.post_id;
  ids.merged = job.merged;
  // `/queue` chooses the mode per session; else messages.queue.mode.
  config::QueueMode mode = live_->messages.queue.mode;
  if (job.route)
    if (auto settings = store_.session_settings(job.route->session_key); settings && settings->queue_mode)
      mode = agent::queue_mode_from_name(*settings->queue_mode).value_or(mode);
  if (lanes_.submit(std::move(job), mode) == TurnLanes::Submitted::dropped_queue_full)
    drop_job(ids, "queue_full");
}

void AccountRuntime::Impl::drop_job(const TurnJob& job, std::string_view reason) {
  count_drop(reason);
  log(log::Level::warn, "post {} not answered ({})", job.post_id, reason);
  for (const auto& id : job.merged) (void)store_.mark_dead(account_.id, id, reason, now_ms());
  if (auto r = store_.mark_dead(account_.id, job.post_id, reason, now_ms()); !r)
    log(log::Level::error, "cannot record post {} as not answered: {}", job.post_id, r.error().message);
}

}  // namespace mmclaw::app
