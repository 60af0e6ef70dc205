// Interactive message buttons and menus (§4.10, §7.2): POST /posts/{id}/actions/{action_id}
// makes the PostActionIntegrationRequest call; complete_integration applies the answer.

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/integrations.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

Outcome post_action(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  const std::string& action_id = ctx.params[1];
  // DoPostActionRequest: a malformed body is only logged by the server.
  std::string selected_option;
  {
    std::error_code ec;
    json::value body = json::parse(ctx.req.body, ec);
    if (!ec && body.is_object()) selected_option = json_string(body.get_object(), "selected_option");
  }
  const Post* post = ctx.st.post(*post_id);
  const Channel* channel = post == nullptr ? nullptr : ctx.st.channel(post->channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  if (post->delete_at != 0) return std::unexpected(err_post_get());
  const json::object* action = find_action(post->props, action_id);
  const json::value* integration = action == nullptr ? nullptr : action->if_contains("integration");
  if (integration == nullptr || !integration->is_object()) {
    return std::unexpected(AppError::make(404, "api.post.do_action.action_id.app_error"));
  }
  const std::string url = json_string(integration->get_object(), "url");
  if (url.empty())
    return std::unexpected(AppError::make(400, "api.post.do_action.action_integration.app_error"));

  const Team* team = ctx.st.team(channel->team_id);
  const std::string type = json_string(*action, "type");
  json::object context;
  if (const json::value* value = integration->get_object().if_contains("context");
      value && value->is_object()) {
    context = value->get_object();
  }
  std::string data_source;
  if (type == "select" && !selected_option.empty()) {
    data_source = json_string(*action, "data_source");
    context["selected_option"] = selected_option;
  }
  const std::string client_trigger_id = ctx.st.new_id();
  const std::string payload = client_trigger_id + ":" + ctx.me->id + ":" + std::to_string(ctx.now);
  json::object request{{"user_id", ctx.me->id},
                       {"user_name", ctx.me->username},
                       {"channel_id", channel->id},
                       {"channel_name", channel->name},
                       {"team_id", channel->team_id},
                       {"team_domain", team != nullptr ? team->name : std::string()},
                       {"post_id", post->id},
                       {"trigger_id", base64_encode(payload + ":" + sha1_hex("mmsim-trigger|" + payload))},
                       {"type", type},
                       {"data_source", data_source}};
  if (!context.empty()) request["context"] = std::move(context);

  IntegrationCall call;
  call.kind = IntegrationCall::Kind::post_action;
  call.method = "POST";
  call.url = url;
  call.headers.emplace_back("Content-Type", "application/json");
  call.headers.emplace_back("Accept", "application/json");
  call.headers.emplace_back("User-Agent", "Mattermost-Bot/1.1");
  call.body = to_json(request);
  PendingCall pending;
  pending.user_id = ctx.me->id;
  pending.channel_id = channel->id;
  pending.team_id = channel->team_id;
  pending.post_id = post->id;
  pending.trigger_id = client_trigger_id;
  start_call(ctx, std::move(call), std::move(pending));
  Reply reply;
  reply.deferred = true;
  return reply;
}

}  // namespace mmsim
