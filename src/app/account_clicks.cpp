// Button clicks (channel-behaviour §8.3) and the turns that enter through the gateway's callbacks:
// a click is checked in the reference's order, recorded in the store with its ingress row before
// Mattermost gets its 200, and then answered like a post, exactly once (after a crash too: the row
// is handed back after the restart and the turn rebuilt from what was recorded).

#include "app/account_runtime_impl.hpp"
#include "gateway/client_ip.hpp"
#include "gateway/interaction_checks.hpp"
#include "mattermost/buttons.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

namespace json = boost::json;

std::string string_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::int64_t int_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->get_int64() : 0;
}

// How the refusal of a click names the conversation.
std::string room_label(const gateway::ChannelFacts& channel) {
  if (channel.type == mattermost::ChannelType::direct) return "this direct message";
  if (channel.type == mattermost::ChannelType::group) return "this group message";
  return fmt::format("~{}", channel.name.empty() ? channel.id : channel.name);
}

}  // namespace

std::optional<gateway::AccessReason> AccountRuntime::Impl::callback_access(const gateway::InboundFacts& facts,
                                                                          bool& pair) {
  const auto access = sender_access(facts, /*control_command=*/false);
  pair = access.outcome == gateway::AccessOutcome::pair;
  if (access.outcome == gateway::AccessOutcome::allow) return std::nullopt;
  return access.reason.value_or(gateway::AccessReason::not_allowlisted);
}

asio::awaitable<CallbackReply> AccountRuntime::Impl::handle_interaction(CallbackRequest request) {
  if (request.method != "POST") co_return method_not_allowed(error_reply(405, "Method Not Allowed"));
  const auto& gateway_config = live_->gateway;
  const auto ip = gateway::client_ip(request.peer_ip, request.forwarded_for, request.real_ip,
                                     gateway_config.trusted_proxies, gateway_config.allow_real_ip_fallback);
  if (!ip || !gateway::source_allowed(*ip, account_.interactions.allowed_source_ips)) {
    log(log::Level::warn, "button callback from {} refused: not in interactions.allowedSourceIps",
        request.peer_ip);
    ++status_.counters.callbacks_refused;
    co_return error_reply(403, "Forbidden origin");
  }
  if (stopping_) co_return error_reply(503, "Service Unavailable");
  auto checked = gateway::check_interaction_body(request.body, interaction_secret_);
  if (!checked) {
    ++status_.counters.callbacks_refused;
    if (!checked.error().log.empty()) log(log::Level::warn, "button callback refused: {}", checked.error().log);
    co_return error_reply(static_cast<unsigned>(checked.error().status), checked.error().error);
  }
  const gateway::InteractionClick click = std::move(*checked);
  auto post = co_await api_.get_post(click.post_id);
  if (!post) {
    log(log::Level::error, "cannot fetch clicked post {}: {}", click.post_id, post.error().error.message);
    co_return error_reply(500, "Failed to validate interaction");
  }
  if (auto refusal = gateway::check_clicked_post(click, *post)) {
    ++status_.counters.callbacks_refused;
    log(log::Level::warn, "button callback refused: {} (post {})", refusal->error, click.post_id);
    co_return error_reply(static_cast<unsigned>(refusal->status), refusal->error);
  }

  // The clicker, authorised again as a post of theirs in that channel would be.
  mattermost::Post as_post;
  as_post.id = click.post_id;
  as_post.user_id = click.user_id;
  as_post.channel_id = click.channel_id;
  gateway::InboundFacts facts;
  co_await complete_facts(as_post, facts);
  if (!facts.channel) co_return error_reply(500, "Interaction authorization failed");
  if (facts.sender.username.empty()) facts.sender.username = click.user_name;
  bool pair = false;
  if (const auto denied = callback_access(facts, pair)) {
    ++status_.counters.callbacks_refused;
    log(log::Level::info, "button click by {} on post {} ignored ({})", click.user_id, click.post_id,
        pair ? "pairing_required" : gateway::to_string(*denied));
    co_return json_reply(200, json::object{{"ephemeral_text", fmt::format("OpenClaw ignored this action for {}.",
                                                                           room_label(*facts.channel))}});
  }

  ++status_.counters.button_clicks;
  if (picker_click(click.context)) co_return co_await handle_picker_click(click, *post, facts);

  const std::string user_name = gateway::clicker_name(click);
  const std::string button = gateway::clicked_button_name(click, *post);
  json::object payload{{"post_id", click.post_id},
                       {"action_id", click.action_id},
                       {"channel_id", click.channel_id},
                       {"root_id", post->root_id},
                       {"user_id", click.user_id},
                       {"user_name", user_name},
                       {"button", button},
                       {"at", now_ms()}};
  const std::string id = gateway::click_message_id(click);
  auto recorded = record_callback_turn(id, "click", payload, click.channel_id);
  if (!recorded) {
    log(log::Level::error, "cannot record button click {}: {}", id, recorded.error().message);
    co_return error_reply(500, "Interaction handler failed");
  }
  if (!*recorded) {
    log(log::Level::info, "button click {} was already received", id);
    co_return json_reply(200, json::object{});
  }

  auto job = callback_job(id, "click", payload, *facts.channel);
  if (system_events_.push(job.route->base_session_key,
                          {fmt::format("mattermost:interaction:{}:{}", click.post_id, click.action_id),
                           gateway::click_event_text(click)}))
    log(log::Level::debug, "button click {} queued as a system event", id);
  // The buttons give way to the confirmation line (a failure is only logged).
  auto edited = co_await api_.update_post(click.post_id, post->message, gateway::confirmation_props(button, user_name));
  if (!edited)
    log(log::Level::warn, "cannot replace the buttons of post {}: {}", click.post_id, edited.error().error.message);
  log(log::Level::info, "button click {} by @{} (\"{}\") accepted", id, user_name, button);
  offer_to_debounce(std::move(job), /*immediate=*/true);
  co_return json_reply(200, json::object{});
}

Result<bool> AccountRuntime::Impl::record_callback_turn(const std::string& id, std::string_view kind,
                                                        const boost::json::object& payload,
                                                        const std::string& channel_id) {
  const std::int64_t now = now_ms();
  store::CallbackTurn turn;
  turn.account_id = account_.id;
  turn.id = id;
  turn.kind = std::string(kind);
  turn.payload = json::serialize(payload);
  store::IngressRecord ingress;
  ingress.account_id = account_.id;
  ingress.post_id = id;
  ingress.channel_id = channel_id;
  ingress.create_at = now;
  ingress.update_at = now;
  auto outcome = store_.record_callback_turn(turn, ingress, now);
  if (!outcome) return std::unexpected(outcome.error());
  return *outcome == store::AdmitOutcome::new_post;
}

TurnJob AccountRuntime::Impl::callback_job(const std::string& id, std::string_view kind,
                                           const boost::json::object& payload, const gateway::ChannelFacts& channel) {
  const bool click = kind == "click";
  mattermost::Post post;  // the turn as a post of its user
  post.id = id;
  post.user_id = string_at(payload, "user_id");
  post.channel_id = string_at(payload, "channel_id");
  // The local time it was received (find_tagged_reply allows for the server's clock).
  post.create_at = int_at(payload, "at");

  gateway::Route route;
  const auto params = gateway::route_params(account_, live_->dm_scope);
  if (click) {
    // The session of the clicked post's conversation, thread-aware (§8.3).
    mattermost::Post clicked;
    clicked.id = string_at(payload, "post_id");
    clicked.root_id = string_at(payload, "root_id");
    clicked.channel_id = post.channel_id;
    route = gateway::route_post(params, clicked, channel.type, post.user_id);
    post.message = gateway::click_turn_text(string_at(payload, "user_name"), string_at(payload, "button"));
  } else {
    // §9.4: a native command runs in the base session, its replies are not threaded (unless a
    // picker selection answers under the picker post).
    route = gateway::route_post(params, post, channel.type, post.user_id);
    route.thread_id.reset();
    route.parent_session_key.reset();
    route.session_key = route.base_session_key;
    route.root_id = string_at(payload, "root_id");
    post.message = string_at(payload, "text");
  }
  post.root_id = route.root_id;

  TurnJob job;
  job.account_id = account_.id;
  job.post_id = id;
  job.channel_id = post.channel_id;
  job.route = std::move(route);
  job.body = post.message;
  job.was_mentioned = true;
  job.command_authorized = !click;
  job.sender_name = string_at(payload, "user_name");
  job.channel = channel;
  job.post = std::move(post);
  return job;
}

bool AccountRuntime::Impl::is_callback_turn(std::string_view post_id) {
  return post_id.starts_with("interaction:") || post_id.starts_with("slash:");
}

asio::awaitable<AccountRuntime::Impl::AnswerStep> AccountRuntime::Impl::restore_callback_turn(TurnJob& job) {
  auto turn = store_.callback_turn(account_.id, job.post_id);
  if (!turn || !*turn) {
    finish_dead(job, "callback_turn_missing", turn ? "the store has no record of it" : turn.error().message);
    co_return AnswerStep{true, std::nullopt};
  }
  json::object payload;
  try {
    payload = json::parse((*turn)->payload).as_object();
  } catch (const std::exception& e) {
    finish_dead(job, "callback_turn_unreadable", e.what());
    co_return AnswerStep{true, std::nullopt};
  }
  auto channel = co_await api_.cached_channel(string_at(payload, "channel_id"));
  if (!channel) {
    if (channel.error().error.kind == ErrorKind::not_found) {
      finish_dead(job, "channel_gone", channel.error().error.message);
      co_return AnswerStep{true, std::nullopt};
    }
    co_return AnswerStep{false, channel.error()};
  }
  gateway::InboundFacts facts;
  mattermost::Post as_post;
  as_post.user_id = string_at(payload, "user_id");
  as_post.channel_id = string_at(payload, "channel_id");
  co_await complete_facts(as_post, facts);
  if (!facts.channel) co_return AnswerStep{false, mattermost::ApiError{Error::transient("the channel type is unknown"), {}, {}, {}, false}};
  // Decided again under the current config, as a recovered post is.
  bool pair = false;
  if (const auto denied = callback_access(facts, pair)) {
    finish_dead(job, pair ? "pairing_required" : gateway::to_string(*denied),
                "not answered under the current configuration");
    co_return AnswerStep{true, std::nullopt};
  }
  const bool may_have_answer = job.may_have_answer;
  job = callback_job(job.post_id, (*turn)->kind, payload, *facts.channel);
  job.may_have_answer = may_have_answer;
  co_return AnswerStep{};
}

}  // namespace mmclaw::app
