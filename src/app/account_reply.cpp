// The shell of a turn's reply stream (gateway/reply_stream decides): its actions run against the
// REST client one at a time, finals retried, the outcome recorded.

#include <boost/asio/this_coro.hpp>

#include "app/account_runtime_impl.hpp"
#include "mattermost/chunk_text.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

// An answer complete within this long after its first token is posted once, without a draft and
// its edit (the minimum throttle of §6: no user sees a draft sooner than that anyway).
constexpr milliseconds kFirstPreviewDelay{250};

gateway::ActionResult::Status failure_status(const mattermost::ApiError& e) {
  using Status = gateway::ActionResult::Status;
  if (e.error.kind == ErrorKind::not_found) return Status::gone;
  if (e.error.kind == ErrorKind::transient || e.error.kind == ErrorKind::rate_limited) return Status::retry;
  return Status::failed;
}

}  // namespace

gateway::ReplyStreamOptions AccountRuntime::Impl::reply_stream_options() const {
  const auto& streaming = account_.streaming;
  gateway::ReplyStreamOptions options;
  options.mode = streaming.mode;
  options.first_preview_delay = kFirstPreviewDelay;
  options.preview_tool_progress = streaming.preview_tool_progress;
  options.progress_label = streaming.progress_label;
  // `"auto"` picks one of `labels` per turn (the built-in label when there are none).
  if (options.progress_label == "auto")
    options.progress_label = streaming.progress_labels.empty()
                                 ? std::string("Working")
                                 : streaming.progress_labels[static_cast<std::size_t>(now_ms()) %
                                                             streaming.progress_labels.size()];
  options.progress_max_lines = static_cast<std::size_t>(std::max(1, streaming.progress_max_lines));
  options.progress_max_line_chars = static_cast<std::size_t>(std::max(1, streaming.progress_max_line_chars));
  options.progress_tool_progress = streaming.progress_tool_progress;
  options.response_prefix = account_.response_prefix.value_or(live_->messages.response_prefix.value_or(""));
  mattermost::ChunkOptions chunks;
  chunks.limit = static_cast<std::size_t>(std::max(1, account_.text_chunk_limit));
  chunks.mode = streaming.chunk_mode;
  options.chunk = [chunks](std::string_view text) { return mattermost::chunk_text(text, chunks); };
  return options;
}

boost::json::object AccountRuntime::Impl::reply_props(const TurnJob& job, std::size_t part) const {
  boost::json::object props;
  props[kReplyToProp] = job.post_id;
  props[kReplyPartProp] = static_cast<std::int64_t>(part);
  if (!job.merged.empty()) {
    boost::json::array merged;
    for (const auto& id : job.merged) merged.emplace_back(id);
    props[kMergedProp] = std::move(merged);
  }
  return props;
}

asio::awaitable<AccountRuntime::Impl::ActionRun> AccountRuntime::Impl::run_stream_action(
    const TurnJob& job, const gateway::StreamAction& action, std::size_t part) {
  using Kind = gateway::StreamAction::Kind;
  using Status = gateway::ActionResult::Status;
  ActionRun run;
  const auto fail = [&](const mattermost::ApiError& e) {
    run.result.status = failure_status(e);
    run.result.error = e.error.message;
  };
  switch (action.kind) {
    case Kind::create: {
      mattermost::CreatePost post;
      post.channel_id = job.route->channel_id;
      post.root_id = job.route->root_id;
      post.message = action.message;
      if (action.final)
        post.props = reply_props(job, part);
      else
        post.props[kPreviewForProp] = job.post_id;
      auto created = co_await api_.create_post(std::move(post));
      if (created) {
        run.result.post_id = created->id;
      } else if (created.error().receipt_lost) {
        run.result.status = Status::receipt_lost;  // visible already: sending again would answer twice
      } else {
        fail(created.error());
        run.maybe_created = created.error().error.kind == ErrorKind::transient && !created.error().has_response();
      }
      break;
    }
    case Kind::patch: {
      mattermost::PostPatch patch;
      patch.message = action.message;
      // Finalising a preview in place makes it an answer: its props become the answer's (a patch
      // replaces the props wholesale, so the preview mark goes).
      if (action.final) patch.props = reply_props(job, part);
      auto patched = co_await api_.patch_post(action.post_id, std::move(patch));
      if (!patched)
        fail(patched.error());
      else
        ++status_.counters.preview_edits;
      break;
    }
    case Kind::remove: {
      auto removed = co_await api_.delete_post(action.post_id);
      if (!removed) fail(removed.error());
      break;
    }
  }
  co_return run;
}

asio::awaitable<void> AccountRuntime::Impl::pump_stream(TurnJob& job, gateway::ReplyStream& stream,
                                                        StreamSignal& signal) {
  using Kind = gateway::StreamAction::Kind;
  using Status = gateway::ActionResult::Status;
  auto retry_timer = std::make_shared<asio::steady_timer>(io_);
  retry_timers_.insert(retry_timer);
  net::Backoff backoff(kAnswerRetry);
  std::size_t part = 0;  // the index of the answer's next post
  int attempts = 0;
  bool maybe_created = false;
  while (true) {
    auto action = stream.next(monotonic_now());
    if (!action) {
      if (stream.finished()) break;
      if (signal.pending) {
        signal.pending = false;
        continue;
      }
      const auto wake = stream.wake_at();
      signal.timer.expires_at(wake ? asio::steady_timer::time_point(*wake) : asio::steady_timer::time_point::max());
      signal.open_ended = !wake;
      boost::system::error_code ec;
      co_await signal.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      signal.open_ended = false;
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) break;
      signal.pending = false;
      continue;
    }
    const bool final_post = action->final && action->kind != Kind::remove;
    if (final_post && action->kind == Kind::create && maybe_created) {
      // The last attempt may have created the post: look for it before sending it again.
      auto found = co_await find_tagged_reply(*job.post, job.channel_id, part);
      if (found && !found->empty()) {
        log(log::Level::info, "post {}: part {} of the answer was delivered before (post {})", job.post_id, part,
            *found);
        gateway::ActionResult result;
        result.post_id = *found;
        stream.done(result, monotonic_now());
        ++part;
        attempts = 0;
        maybe_created = false;
        continue;
      }
    }
    auto run = co_await run_stream_action(job, *action, part);
    if (run.result.status == Status::retry && action->final) {
      maybe_created = maybe_created || run.maybe_created;
      if (++attempts < kMaxAnswerAttempts && (!stopping_ || handover_)) {
        const auto delay = milliseconds(backoff.after_failure());
        log(log::Level::warn, "answering post {} failed: {}; retrying in {} ms", job.post_id, run.result.error,
            delay.count());
        co_await sleep(*retry_timer, delay);
        stream.done(run.result, monotonic_now());
        continue;
      }
      run.result.status = Status::failed;
    }
    if (run.result.status == Status::failed || run.result.status == Status::gone || run.result.status == Status::retry)
      log(action->final ? log::Level::warn : log::Level::debug, "post {}: {} of {} failed: {}", job.post_id,
          action->kind == Kind::create ? "creating a post" : action->kind == Kind::patch ? "editing post" : "deleting post",
          action->post_id.empty() ? "the answer" : action->post_id, run.result.error);
    if (final_post && (run.result.status == Status::ok || run.result.status == Status::receipt_lost)) ++part;
    attempts = 0;
    maybe_created = false;
    backoff.reset();
    stream.done(run.result, monotonic_now());
  }
  retry_timers_.erase(retry_timer);
}

void AccountRuntime::Impl::finish_reply(TurnJob& job, const gateway::StreamOutcome& outcome,
                                        std::string_view tool_reply_id) {
  if (outcome.preview_error)
    log(log::Level::warn, "mattermost stream preview failed: {}", *outcome.preview_error);
  std::string first;
  for (const auto& id : outcome.final_post_ids)
    if (!id.empty()) {
      first = id;
      break;
    }
  if (outcome.finals_delivered > 0 || !tool_reply_id.empty()) {
    if (outcome.finals_failed > 0)
      log(log::Level::warn, "post {}: {} of the answer's replies could not be delivered", job.post_id,
          outcome.finals_failed);
    delivered(job, !first.empty() ? first : !tool_reply_id.empty() ? std::string(tool_reply_id) : "receipt-lost");
    append_transcript(job);
    return;
  }
  if (outcome.finals_failed > 0) {
    if (stopping_ && !handover_) {
      // Stopping cut the retries short: the post stays dispatched and is answered after the next start.
      log(log::Level::warn, "post {}: the answer could not be delivered before the stop; it is given after the next start",
          job.post_id);
      return;
    }
    finish_dead(job, "answer_failed", "no reply could be delivered");
    return;
  }
  // Nothing visible to send: the post is answered all the same (a reasoning-only or empty final).
  log(log::Level::info,
      "mattermost no-visible-reply: no-visible-reply-after-final-delivery to={} accountId={} agentId=main "
      "outcome={} finalTextLength={} mediaUrlCount=0",
      job.route->to, account_.id, outcome.finals_suppressed > 0 ? "reasoning_skipped" : "empty",
      job.final_text_chars);
  record_answered(job, "none");
  append_transcript(job);
}

asio::awaitable<void> AccountRuntime::Impl::delete_orphan_previews(const mattermost::Post& post,
                                                                   std::string channel_id) {
  mattermost::PostsQuery query;
  query.since = post.create_at > 0 ? post.create_at - 1 : 0;
  auto list = co_await api_.get_channel_posts(std::move(channel_id), query);
  if (!list) co_return;
  for (const auto& candidate : list->posts) {
    if (candidate.delete_at != 0 || candidate.user_id != bot_.id) continue;
    const auto* mark = candidate.props.if_contains(kPreviewForProp);
    if (mark == nullptr || !mark->is_string() || mark->get_string() != post.id) continue;
    log(log::Level::info, "deleting the preview {} an earlier run left for post {}", candidate.id, post.id);
    (void)co_await api_.delete_post(candidate.id);
  }
}

}  // namespace mmclaw::app
