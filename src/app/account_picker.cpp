// The model picker (channel-behaviour §10): `/oc_model` and `/oc_models [provider]` post it with
// signed buttons; clicks by its owner browse providers and pages (the picker post is edited in
// place) and a model click switches the session's model with the `/model` control command, run
// as a native command whose answer is threaded under the picker.

#include "app/account_runtime_impl.hpp"
#include "gateway/interaction_checks.hpp"
#include "gateway/model_picker.hpp"
#include "mattermost/buttons.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

namespace json = boost::json;

json::object ephemeral_text(std::string_view text) {
  return json::object{{"ephemeral_text", text}};
}

}  // namespace

bool AccountRuntime::Impl::picker_click(const boost::json::object& context) {
  const auto* marker = context.if_contains(gateway::kPickerContextKey);
  return marker != nullptr && marker->is_bool() && marker->get_bool();
}

std::optional<gateway::PickerState> AccountRuntime::Impl::picker_for_invocation(std::string_view text,
                                                                              std::string_view owner_id) {
  // `/model …` or `/models …`: the control command's name and its arguments.
  if (!text.starts_with('/')) return std::nullopt;
  text.remove_prefix(1);
  const auto space = text.find(' ');
  const std::string_view name = text.substr(0, space);
  const std::string_view args = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  return gateway::picker_for_command(name, args, owner_id);
}

std::string AccountRuntime::Impl::picker_session(const std::string& channel_id, const std::string& user_id,
                                                 mattermost::ChannelType type) const {
  mattermost::Post post;
  post.user_id = user_id;
  post.channel_id = channel_id;
  return gateway::route_post(gateway::route_params(account_, live_->dm_scope), post, type, user_id).base_session_key;
}

std::string AccountRuntime::Impl::session_model(const std::string& session_key) {
  auto settings = store_.session_settings(session_key);
  return settings && settings->model ? *settings->model : std::string();
}

boost::json::object AccountRuntime::Impl::picker_props(const gateway::PickerView& view,
                                                       const std::string& channel_id) const {
  const std::string url = mattermost::interaction_callback_url(
      account_.interactions.callback_base_url, account_.id, live_->gateway.custom_bind_host, live_->gateway.port);
  return mattermost::button_attachments_props(view.buttons, "", channel_id, url, interaction_secret_);
}

asio::awaitable<void> AccountRuntime::Impl::open_picker(std::string channel_id, gateway::PickerState state,
                                                        mattermost::ChannelType type) {
  const auto catalogue = gateway::picker_catalogue(*live_);
  const auto view =
      gateway::render_picker(catalogue, state, session_model(picker_session(channel_id, state.owner_user_id, type)));
  mattermost::CreatePost post;
  post.channel_id = channel_id;
  post.message = view.text;
  post.props = picker_props(view, channel_id);
  auto created = co_await api_.create_post(std::move(post));
  if (!created && !created.error().receipt_lost) {
    log(log::Level::error, "cannot post the model picker in channel {}: {}", channel_id, created.error().error.message);
    co_await post_slash_failure(channel_id);
    co_return;
  }
  log(log::Level::info, "model picker opened in channel {} for user {}", channel_id, state.owner_user_id);
}

asio::awaitable<CallbackReply> AccountRuntime::Impl::handle_picker_click(const gateway::InteractionClick& click,
                                                                         const mattermost::Post& post,
                                                                         const gateway::InboundFacts& facts) {
  const auto state = gateway::parse_picker_context(click.context);
  if (!state) co_return error_reply(400, "Invalid request body");
  // The picker runs a control command: the clicker must be allowed to run one here (§9.4 denials).
  if (facts.channel->type != mattermost::ChannelType::direct) {
    if (account_.group_policy == config::GroupPolicy::disabled)
      co_return json_reply(200, ephemeral_text(gateway::kPickerDisabledInChannels));
    if (account_.group_policy == config::GroupPolicy::allowlist && account_.group_allow_from.empty() &&
        account_.allow_from.empty())
      co_return json_reply(200, ephemeral_text(gateway::kPickerNotConfigured));
  }
  if (click.user_id != state->owner_user_id) co_return json_reply(200, ephemeral_text(gateway::kPickerNotOwner));

  const auto catalogue = gateway::picker_catalogue(*live_);
  const std::string session = picker_session(click.channel_id, click.user_id, facts.channel->type);
  std::string current = session_model(session);
  if (state->action == gateway::PickerAction::select) {
    const std::string ref = fmt::format("{}/{}", state->provider, state->model);
    if (!gateway::picker_model_available(catalogue, state->provider, state->model))
      co_return json_reply(200, ephemeral_text(gateway::picker_model_unavailable(ref)));
    // Recorded like a slash command, so the switch happens once even across a restart.
    const std::string id = fmt::format("slash:picker-{}-{}-{}", click.post_id, click.action_id, now_ms());
    json::object turn{{"channel_id", click.channel_id},
                      {"user_id", click.user_id},
                      {"user_name", facts.sender.username},
                      {"team_id", click.team_id},
                      {"text", gateway::model_select_command(state->provider, state->model)},
                      {"root_id", post.root_id.empty() ? post.id : post.root_id},
                      {"at", now_ms()}};
    auto recorded = record_callback_turn(id, "slash", turn, click.channel_id);
    if (!recorded) {
      log(log::Level::error, "cannot record the model picker's choice: {}", recorded.error().message);
      co_return error_reply(500, "Interaction handler failed");
    }
    if (*recorded) offer_to_debounce(callback_job(id, "slash", turn, *facts.channel), /*immediate=*/true);
    current = ref;
  }
  const auto view = gateway::render_picker(catalogue, *state, current);
  auto edited = co_await api_.update_post(post.id, view.text, picker_props(view, click.channel_id));
  if (!edited)
    log(log::Level::warn, "cannot update the model picker post {}: {}", post.id, edited.error().error.message);
  co_return json_reply(200, json::object{});
}

}  // namespace mmclaw::app
