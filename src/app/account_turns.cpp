// The turns that answer the account's posts: claimed, answered once, retried, recorded.

#include "app/account_runtime_impl.hpp"

namespace mmclaw::app {

using namespace detail;

asio::awaitable<void> AccountRuntime::Impl::run_turn(Turn turn) {
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

void AccountRuntime::Impl::finish_dead(const TurnJob& job, std::string_view reason, std::string_view detail) {
  ++status_.counters.posts_failed;
  count_drop(reason);
  log(log::Level::error, "post {} not answered ({}): {}", job.post_id, reason, detail);
  for (const auto& id : job.merged) (void)store_.mark_dead(account_.id, id, reason, now_ms());
  if (auto r = store_.mark_dead(account_.id, job.post_id, reason, now_ms()); !r)
    log(log::Level::error, "cannot record post {} as failed: {}", job.post_id, r.error().message);
}

bool AccountRuntime::Impl::retryable(const mattermost::ApiError& e) {
  return e.error.kind == ErrorKind::transient || e.error.kind == ErrorKind::rate_limited;
}

asio::awaitable<void> AccountRuntime::Impl::answer_with_retries(TurnJob job, asio::steady_timer& retry_timer,
                                                                std::string session) {
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

asio::awaitable<AccountRuntime::Impl::AnswerStep> AccountRuntime::Impl::restore(TurnJob& job) {
  if (is_callback_turn(job.post_id)) co_return co_await restore_callback_turn(job);
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
  const auto decision = decide(*job.post, facts);
  if (decision.verdict != gateway::Verdict::answer) {
    const std::string reason =
        decision.verdict == gateway::Verdict::pair ? "pairing_required" : decision.reason;
    finish_dead(job, reason, "not answered under the current configuration");
    co_return AnswerStep{true, std::nullopt};
  }
  job.route = decision.route;
  job.body = decision.body;
  job.was_mentioned = decision.was_mentioned;
  job.has_files = facts.has_files;
  job.command_authorized = decision.command_authorized;
  job.sender_name = facts.sender.username;
  job.channel = *facts.channel;
  co_return AnswerStep{};
}

asio::awaitable<AccountRuntime::Impl::AnswerStep> AccountRuntime::Impl::answer_once(
    TurnJob& job, const std::string& session) {
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
    co_await delete_orphan_previews(*job.post, job.channel_id);
    job.may_have_answer = false;
  }
  if (cancelled_.contains(session)) {
    finish_dead(job, "interrupted",
                "a newer post of the session interrupted the turn (queue mode interrupt)");
    co_return AnswerStep{true, std::nullopt};
  }
  const auto context = turn_context(job);
  if (log::enabled(log::Level::trace))
    log(log::Level::trace, "turn context: {}", boost::json::serialize(gateway::to_json(context)));
  co_await answer_turn(job, context);
  co_return AnswerStep{true, std::nullopt};
}

gateway::TurnContext AccountRuntime::Impl::turn_context(const TurnJob& job) {
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
  return gateway::make_turn_context(input);
}

void AccountRuntime::Impl::delivered(const TurnJob& job, std::string_view reply_id) {
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

void AccountRuntime::Impl::record_answered(const TurnJob& job, std::string_view reply_id) {
  ++status_.counters.posts_answered;
  log(log::Level::debug, "post {} answered by {}", job.post_id, reply_id);
  for (const auto& id : job.merged) (void)store_.mark_answered(account_.id, id, reply_id, now_ms());
  if (auto r = store_.mark_answered(account_.id, job.post_id, reply_id, now_ms()); !r)
    log(log::Level::error, "cannot record the answer to post {}: {}", job.post_id, r.error().message);
}

asio::awaitable<mattermost::ApiResult<std::string>> AccountRuntime::Impl::find_tagged_reply(
    const mattermost::Post& post, std::string channel_id, std::optional<std::size_t> part) {
  mattermost::PostsQuery query;
  // A callback turn's time is the gateway's clock, not the server's: look further back.
  const std::int64_t margin = is_callback_turn(post.id) ? kCallbackClockMarginMs : 1;
  query.since = post.create_at > margin ? post.create_at - margin : 0;
  auto list = co_await api_.get_channel_posts(std::move(channel_id), query);
  if (!list) co_return std::unexpected(list.error());
  for (const auto& candidate : list->posts) {
    if (candidate.delete_at != 0) continue;
    if (part) {
      const auto* index = candidate.props.if_contains(kReplyPartProp);
      if (index == nullptr || !index->is_int64() || index->get_int64() != static_cast<std::int64_t>(*part)) continue;
    }
    const auto* tag = candidate.props.if_contains(kReplyToProp);
    if (tag != nullptr && tag->is_string() && tag->get_string() == post.id) co_return candidate.id;
    const auto* merged = candidate.props.if_contains(kMergedProp);
    if (merged != nullptr && merged->is_array())
      for (const auto& id : merged->get_array())
        if (id.is_string() && id.get_string() == post.id) co_return candidate.id;
  }
  co_return std::string{};
}

}  // namespace mmclaw::app
