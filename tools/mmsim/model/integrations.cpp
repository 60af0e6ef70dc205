#include "mmsim/model/integrations.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/posts_core.hpp"
#include "mmsim/model/router.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

PendingCall& start_call(Ctx& ctx, IntegrationCall call, PendingCall pending) {
  State& state = ctx.st;
  while (!state.pending_calls.empty() &&
         state.pending_calls.size() >= std::max<std::size_t>(1, state.config.max_pending_calls)) {
    state.pending_calls.erase(state.pending_calls.begin());
  }
  pending.id = state.next_call_id++;
  pending.kind = call.kind;
  pending.request_id = ctx.request_id;
  pending.extra_headers = ctx.extra_headers;
  call.id = pending.id;
  call.timeout_ms = state.config.integration_timeout_ms;
  ctx.call = std::move(call);
  return state.pending_calls.emplace(pending.id, std::move(pending)).first->second;
}

std::string slack_to_markdown(const State& state, std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('<', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('>', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    const std::string_view inner = text.substr(open + 1, close - open - 1);
    if (inner == "!channel" || inner == "!here" || inner == "!all") {
      out += "@" + std::string(inner.substr(1));
    } else if (inner.starts_with('@')) {
      const std::string_view id = inner.substr(
          1, inner.find('|') == std::string_view::npos ? std::string_view::npos : inner.find('|') - 1);
      const User* user = state.user(id);
      out += user != nullptr ? "@" + user->username : "<" + std::string(inner) + ">";
    } else if (inner.starts_with("http://") || inner.starts_with("https://") ||
               inner.starts_with("mailto:")) {
      const std::size_t bar = inner.find('|');
      if (bar == std::string_view::npos) {
        out += inner;
      } else {
        out += "[" + std::string(inner.substr(bar + 1)) + "](" + std::string(inner.substr(0, bar)) + ")";
      }
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

namespace {

AppError command_failed(const CommandInvocation& invocation) {
  return AppError::make(500, "api.command.execute_command.failed.app_error",
                        {{"Trigger", invocation.trigger}});
}

// The CommandResponse struct's fields, typed; anything else is dropped like Go's decoder does.
std::expected<json::object, AppError> normalize_response(const CommandInvocation& invocation,
                                                         const json::object& in, int depth) {
  json::object out;
  for (std::string_view key : {"response_type", "text", "username", "channel_id", "icon_url", "type"}) {
    const json::value* value = in.if_contains(key);
    if (value != nullptr && !value->is_null() && !value->is_string())
      return std::unexpected(command_failed(invocation));
    out[key] = value != nullptr && value->is_string() ? value->get_string() : json::string();
  }
  const json::value* props = in.if_contains("props");
  if (props != nullptr && !props->is_null() && !props->is_object())
    return std::unexpected(command_failed(invocation));
  out["props"] =
      props != nullptr && props->is_object() ? json::value(props->get_object()) : json::value(nullptr);
  for (std::string_view key : {"goto_location", "trigger_id"}) {
    const json::value* value = in.if_contains(key);
    if (value != nullptr && !value->is_null() && !value->is_string())
      return std::unexpected(command_failed(invocation));
    out[key] = value != nullptr && value->is_string() ? value->get_string() : json::string();
  }
  const json::value* skip = in.if_contains("skip_slack_parsing");
  if (skip != nullptr && !skip->is_null() && !skip->is_bool())
    return std::unexpected(command_failed(invocation));
  out["skip_slack_parsing"] = skip != nullptr && skip->is_bool() && skip->get_bool();
  const json::value* attachments = in.if_contains("attachments");
  if (attachments != nullptr && !attachments->is_null() && !attachments->is_array()) {
    return std::unexpected(command_failed(invocation));
  }
  out["attachments"] = attachments != nullptr && attachments->is_array()
                           ? json::value(attachments->get_array())
                           : json::value(nullptr);
  const json::value* extra = in.if_contains("extra_responses");
  if (extra != nullptr && !extra->is_null() && (!extra->is_array() || depth > 0)) {
    return std::unexpected(command_failed(invocation));
  }
  if (extra != nullptr && extra->is_array()) {
    json::array list;
    for (const auto& item : extra->get_array()) {
      if (!item.is_object()) return std::unexpected(command_failed(invocation));
      auto normalized = normalize_response(invocation, item.get_object(), depth + 1);
      if (!normalized) return std::unexpected(normalized.error());
      list.push_back(std::move(*normalized));
    }
    out["extra_responses"] = std::move(list);
  } else {
    out["extra_responses"] = nullptr;
  }
  const std::string_view type = out["response_type"].get_string();
  if (type != "" && type != "in_channel" && type != "ephemeral") {
    return std::unexpected(AppError::make(400, "model.command_response.is_valid.response_type.app_error"));
  }
  return out;
}

std::expected<void, AppError> apply_one(State& state, const CommandInvocation& invocation,
                                        const json::object& response, std::int64_t now,
                                        std::vector<Event>& events) {
  const auto text_of = [&response](std::string_view key) {
    return std::string(response.at(key).get_string());
  };
  std::string channel_id = invocation.channel_id;
  std::string root_id = invocation.root_id;
  if (const std::string redirect = text_of("channel_id"); !redirect.empty()) {
    if (!state.is_member(invocation.user_id, redirect)) {
      return std::unexpected(AppError::make(403, "api.command.command_post.forbidden.app_error"));
    }
    if (redirect != channel_id) root_id.clear();
    channel_id = redirect;
  }
  const bool skip_slack = response.at("skip_slack_parsing").get_bool();
  std::string message = text_of("text");
  if (!skip_slack) message = slack_to_markdown(state, message);
  std::string type = text_of("type");
  if (type.starts_with("system_")) return std::unexpected(err_invalid_param("post.type"));
  json::object props = response.at("props").is_object() ? response.at("props").get_object() : json::object{};
  props["from_webhook"] = "true";
  const json::value& attachments = response.at("attachments");
  if (attachments.is_array()) {
    props["attachments"] = attachments;
    type = "slack_attachment";
  }
  const std::string response_type = text_of("response_type");
  if (response_type == "in_channel") {
    NewPost post;
    post.user_id = invocation.user_id;
    post.channel_id = channel_id;
    post.root_id = root_id;
    post.message = std::move(message);
    post.type = std::move(type);
    post.props = std::move(props);
    auto created = create_post(state, std::move(post), now, events);
    if (!created) return std::unexpected(created.error());
    return {};
  }
  if (!message.empty() || attachments.is_array()) {
    EphemeralPost ephemeral;
    ephemeral.user_id = invocation.user_id;
    ephemeral.channel_id = channel_id;
    ephemeral.root_id = root_id;
    ephemeral.message = std::move(message);
    ephemeral.props = std::move(props);
    send_ephemeral(state, invocation.user_id, std::move(ephemeral), now, events);
  }
  return {};
}

}  // namespace

std::expected<boost::json::object, AppError> parse_command_response(const CommandInvocation& invocation,
                                                                    std::string_view content_type,
                                                                    std::string_view body) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  if (iequals_ascii(trim_ascii(media), "application/json")) {
    std::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (ec || !parsed.is_object()) return std::unexpected(command_failed(invocation));
    return normalize_response(invocation, parsed.get_object(), 0);
  }
  return normalize_response(invocation, json::object{{"text", body}}, 0);
}

std::expected<void, AppError> apply_command_response(State& state, const CommandInvocation& invocation,
                                                     const boost::json::object& response, std::int64_t now,
                                                     std::vector<Event>& events) {
  std::expected<void, AppError> last = apply_one(state, invocation, response, now, events);
  const json::value& extra = response.at("extra_responses");
  if (extra.is_array()) {
    for (const auto& item : extra.get_array()) {
      if (auto result = apply_one(state, invocation, item.get_object(), now, events); !result) last = result;
    }
  }
  return last;
}

namespace {

Outcome complete_slash_command(State& state, const PendingCall& pending, const IntegrationReply& reply,
                               std::int64_t now, std::vector<Event>& events) {
  CommandInvocation invocation{pending.command_id, pending.trigger, pending.user_id,
                               pending.channel_id, pending.team_id, pending.root_id};
  if (reply.status == 0) return std::unexpected(command_failed(invocation));
  if (reply.status != 200) {
    const std::string status = std::to_string(reply.status);
    return std::unexpected(AppError::make(500, "api.command.execute_command.failed_resp.app_error",
                                          {{"Trigger", invocation.trigger}, {"Status", status}}));
  }
  auto response = parse_command_response(invocation, reply.content_type, reply.body.substr(0, 1 << 20));
  if (!response) return std::unexpected(response.error());
  if (auto applied = apply_command_response(state, invocation, *response, now, events); !applied) {
    return std::unexpected(applied.error());
  }
  return json_reply(200, *response);
}

Outcome complete_post_action(State& state, const PendingCall& pending, const IntegrationReply& reply,
                             std::int64_t now, std::vector<Event>& events) {
  const AppError integration_error = AppError::make(400, "api.post.do_action.action_integration.app_error");
  if (reply.status != 200) return std::unexpected(integration_error);
  json::object response;
  if (!reply.body.empty()) {
    std::error_code ec;
    json::value parsed = json::parse(reply.body, ec);
    if (ec || !parsed.is_object()) return std::unexpected(integration_error);
    response = std::move(parsed.get_object());
  }
  const json::value* update = response.if_contains("update");
  const json::value* ephemeral_text = response.if_contains("ephemeral_text");
  const json::value* skip = response.if_contains("skip_slack_parsing");
  if ((update != nullptr && !update->is_null() && !update->is_object()) ||
      (ephemeral_text != nullptr && !ephemeral_text->is_null() && !ephemeral_text->is_string()) ||
      (skip != nullptr && !skip->is_null() && !skip->is_bool())) {
    return std::unexpected(integration_error);
  }
  const bool skip_slack = skip != nullptr && skip->is_bool() && skip->get_bool();
  Post* post = state.post_mut(pending.post_id);
  if (post == nullptr || post->delete_at != 0) return std::unexpected(err_post_get());

  // PostActionRetainPropKeys: kept from the original post, or removed when it had none.
  static constexpr std::string_view kRetained[] = {"from_webhook", "override_username", "override_icon_url"};
  json::object retained;
  for (std::string_view key : kRetained) {
    if (const json::value* value = post->props.if_contains(key)) retained[key] = *value;
  }
  if (update != nullptr && update->is_object()) {
    const json::object& changes = update->get_object();
    const json::value* message = changes.if_contains("message");
    const json::value* props = changes.if_contains("props");
    if ((message != nullptr && !message->is_null() && !message->is_string()) ||
        (props != nullptr && !props->is_null() && !props->is_object())) {
      return std::unexpected(integration_error);
    }
    PostChange change;
    change.message =
        message != nullptr && message->is_string() ? std::string(message->get_string()) : std::string();
    if (props != nullptr && props->is_object()) {
      json::object new_props = props->get_object();
      for (std::string_view key : kRetained) {
        if (const json::value* value = retained.if_contains(key)) {
          new_props[key] = *value;
        } else {
          new_props.erase(key);
        }
      }
      change.props = std::move(new_props);
    }
    if (!skip_slack) change.message = slack_to_markdown(state, *change.message);
    auto updated = update_post(state, *post, std::move(change), "action", now, events);
    if (!updated) return std::unexpected(updated.error());
  }
  if (ephemeral_text != nullptr && ephemeral_text->is_string() && !ephemeral_text->get_string().empty()) {
    EphemeralPost ephemeral;
    ephemeral.user_id = pending.user_id;
    ephemeral.channel_id = post->channel_id;
    ephemeral.root_id = post->root_id.empty() ? post->id : post->root_id;
    const std::string text(ephemeral_text->get_string());
    ephemeral.message = skip_slack ? text : slack_to_markdown(state, text);
    ephemeral.props = std::move(retained);
    send_ephemeral(state, pending.user_id, std::move(ephemeral), now, events);
  }
  return json_reply(200, json::object{{"status", "OK"}, {"trigger_id", pending.trigger_id}});
}

}  // namespace

RestResult complete_call(State& state, std::uint64_t call_id, IntegrationReply reply, std::int64_t now) {
  RestResult result;
  auto found = state.pending_calls.find(call_id);
  if (found == state.pending_calls.end()) {
    const Outcome unknown = std::unexpected(AppError::make(500, "mmsim.integration.unknown_call.app_error"));
    result.response = render(state, unknown, state.new_id(), {}, false);
    return result;
  }
  const PendingCall pending = std::move(found->second);
  state.pending_calls.erase(found);
  Outcome outcome;
  try {
    outcome = pending.kind == IntegrationCall::Kind::slash_command
                  ? complete_slash_command(state, pending, reply, now, result.events)
                  : complete_post_action(state, pending, reply, now, result.events);
  } catch (const std::exception& error) {
    outcome = std::unexpected(AppError::make(500, "mmsim.internal.app_error", {}, error.what()));
  }
  result.response = render(state, outcome, pending.request_id, pending.extra_headers, false);
  return result;
}

}  // namespace mmsim
