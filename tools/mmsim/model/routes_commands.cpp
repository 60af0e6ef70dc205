// Slash command management and execution (§4.9, §7.1).

#include <algorithm>
#include <cctype>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/integrations.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

constexpr std::int64_t kResponseUrlLifetimeMs = 30 * 60 * 1000;
constexpr int kResponseUrlMaxUses = 5;

constexpr std::string_view kBuiltInTriggers[] = {
    "away",   "code",   "collapse",      "dnd",      "echo",      "expand", "groupmsg",
    "header", "invite", "invite_people", "join",     "kick",      "leave",  "logout",
    "me",     "msg",    "mute",          "offline",  "online",    "open",   "purpose",
    "remove", "rename", "search",        "settings", "shortcuts", "shrug",  "status"};

bool is_built_in(std::string_view trigger) {
  return std::find(std::begin(kBuiltInTriggers), std::end(kBuiltInTriggers), trigger) !=
         std::end(kBuiltInTriggers);
}

AppError command_missing() {
  return AppError::make(404, "store.sql_command.get.missing.app_error");
}

bool manages_own(const Ctx& ctx, std::string_view team_id) {
  return ctx.is_admin() || ctx.st.is_team_member(ctx.me->id, team_id);
}

bool manages_others(const Ctx& ctx, std::string_view team_id) {
  return ctx.is_admin() || ctx.st.is_team_admin(ctx.me->id, team_id);
}

bool may_manage(const Ctx& ctx, const Command& command) {
  return command.creator_id == ctx.me->id ? manages_own(ctx, command.team_id)
                                          : manages_others(ctx, command.team_id);
}

std::expected<void, AppError> validate(const Command& command) {
  if (!is_valid_id(command.team_id))
    return std::unexpected(AppError::make(400, "model.command.is_valid.team_id.app_error"));
  if (command.trigger.empty() || command.trigger.size() > 128 || command.trigger.starts_with('/') ||
      command.trigger.find(' ') != std::string::npos) {
    return std::unexpected(AppError::make(400, "model.command.is_valid.trigger.app_error"));
  }
  if (command.url.empty() || command.url.size() > 1024 ||
      !(starts_with_icase(command.url, "http://") || starts_with_icase(command.url, "https://"))) {
    return std::unexpected(AppError::make(400, "model.command.is_valid.url.app_error"));
  }
  if (command.method != "P" && command.method != "G") {
    return std::unexpected(AppError::make(400, "model.command.is_valid.method.app_error"));
  }
  if (rune_count(command.display_name) > 64) {
    return std::unexpected(AppError::make(400, "model.command.is_valid.display_name.app_error"));
  }
  if (rune_count(command.description) > 128) {
    return std::unexpected(AppError::make(400, "model.command.is_valid.description.app_error"));
  }
  return {};
}

std::expected<void, AppError> check_trigger_free(const State& state, const Command& command) {
  if (is_built_in(command.trigger))
    return std::unexpected(AppError::make(400, "api.command.duplicate_trigger.app_error"));
  for (const auto& [id, other] : state.commands) {
    if (id != command.id && other.delete_at == 0 && other.team_id == command.team_id &&
        other.trigger == command.trigger) {
      return std::unexpected(AppError::make(400, "api.command.duplicate_trigger.app_error"));
    }
  }
  return {};
}

// Reads the editable fields of a Command body into `command`.
std::expected<void, AppError> read_command_fields(const json::object& body, Command& command) {
  for (auto [key, target] : std::initializer_list<std::pair<std::string_view, std::string*>>{
           {"team_id", &command.team_id},
           {"trigger", &command.trigger},
           {"method", &command.method},
           {"username", &command.username},
           {"icon_url", &command.icon_url},
           {"auto_complete_desc", &command.auto_complete_desc},
           {"auto_complete_hint", &command.auto_complete_hint},
           {"display_name", &command.display_name},
           {"description", &command.description},
           {"url", &command.url}}) {
    auto value = field_string(body, key, "command");
    if (!value) return std::unexpected(value.error());
    *target = std::move(*value);
  }
  auto auto_complete = field_bool(body, "auto_complete", "command");
  if (!auto_complete) return std::unexpected(auto_complete.error());
  command.auto_complete = *auto_complete;
  command.trigger = to_lower_ascii(command.trigger);
  return {};
}

// The command a management route acts on: 404 when missing or not visible, 403 when visible
// but not manageable.
std::expected<Command*, AppError> managed_command(Ctx& ctx) {
  auto command_id = require_id(ctx.params[0], "command_id");
  if (!command_id) return std::unexpected(command_id.error());
  auto found = ctx.st.commands.find(*command_id);
  if (found == ctx.st.commands.end() || found->second.delete_at != 0)
    return std::unexpected(command_missing());
  Command& command = found->second;
  if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, command.team_id))
    return std::unexpected(command_missing());
  if (!may_manage(ctx, command)) return std::unexpected(err_permissions());
  return &command;
}

AppError commands_disabled() {
  return AppError::make(501, "api.command.disabled.app_error");
}

}  // namespace

Outcome post_command(Ctx& ctx) {
  if (!ctx.st.config.enable_commands) return std::unexpected(commands_disabled());
  auto body = parse_body_object(ctx, "command");
  if (!body) return std::unexpected(body.error());
  Command command;
  if (auto ok = read_command_fields(*body, command); !ok) return std::unexpected(ok.error());
  if (!manages_own(ctx, command.team_id) || ctx.st.team(command.team_id) == nullptr) {
    return std::unexpected(err_permissions());
  }
  command.id = ctx.st.new_id();
  command.token = ctx.st.new_id();
  command.create_at = ctx.now;
  command.update_at = ctx.now;
  command.creator_id = ctx.me->id;
  if (auto ok = validate(command); !ok) return std::unexpected(ok.error());
  if (auto ok = check_trigger_free(ctx.st, command); !ok) return std::unexpected(ok.error());
  ctx.st.command_order.push_back(command.id);
  const std::string id = command.id;
  const Command& stored = ctx.st.commands.emplace(id, std::move(command)).first->second;
  return json_reply(201, command_json(stored, false));
}

Outcome get_commands(Ctx& ctx) {
  if (!ctx.st.config.enable_commands) return std::unexpected(commands_disabled());
  const std::string team_id = ctx.query("team_id");
  if (team_id.empty()) return std::unexpected(err_invalid_body_param("team_id"));
  const bool custom_only = parse_go_bool(ctx.query("custom_only")).value_or(false);
  json::array out;
  if (custom_only) {
    if (!manages_own(ctx, team_id)) return std::unexpected(err_permissions());
    const bool all = manages_others(ctx, team_id);
    for (const auto& id : ctx.st.command_order) {
      const Command& command = ctx.st.commands.at(id);
      if (command.delete_at != 0 || command.team_id != team_id) continue;
      if (all || command.creator_id == ctx.me->id) out.push_back(command_json(command, false));
    }
    return json_reply(200, out);
  }
  if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, team_id))
    return std::unexpected(err_permissions());
  for (std::string_view trigger : kBuiltInTriggers) {
    Command built_in;
    built_in.trigger = trigger;
    built_in.auto_complete = true;
    built_in.method = "";
    out.push_back(command_json(built_in, true));
  }
  for (const auto& id : ctx.st.command_order) {
    const Command& command = ctx.st.commands.at(id);
    if (command.delete_at != 0 || command.team_id != team_id || !command.auto_complete) continue;
    out.push_back(command_json(command, !may_manage(ctx, command)));
  }
  return json_reply(200, out);
}

Outcome get_command(Ctx& ctx) {
  auto command = managed_command(ctx);
  if (!command) {
    // Commands the caller may not manage are reported as missing.
    return std::unexpected(command.error().status == 403 ? command_missing() : command.error());
  }
  return json_reply(200, command_json(**command, false));
}

Outcome put_command(Ctx& ctx) {
  auto body = parse_body_object(ctx, "command");
  if (!body) return std::unexpected(body.error());
  auto id = field_string(*body, "id", "command");
  if (!id) return std::unexpected(id.error());
  if (*id != ctx.params[0]) return std::unexpected(err_invalid_body_param("command_id"));
  auto command = managed_command(ctx);
  if (!command) return std::unexpected(command.error());
  Command updated = **command;
  if (auto ok = read_command_fields(*body, updated); !ok) return std::unexpected(ok.error());
  if (updated.team_id != (*command)->team_id) {
    return std::unexpected(AppError::make(400, "api.command.team_mismatch.app_error"));
  }
  updated.update_at = ctx.now;
  if (auto ok = validate(updated); !ok) return std::unexpected(ok.error());
  if (auto ok = check_trigger_free(ctx.st, updated); !ok) return std::unexpected(ok.error());
  **command = std::move(updated);
  return json_reply(200, command_json(**command, false));
}

Outcome delete_command(Ctx& ctx) {
  auto command = managed_command(ctx);
  if (!command) return std::unexpected(command.error());
  (*command)->delete_at = ctx.now;
  (*command)->update_at = ctx.now;
  return status_ok_reply();
}

Outcome put_command_regen_token(Ctx& ctx) {
  auto command = managed_command(ctx);
  if (!command) return std::unexpected(command.error());
  (*command)->token = ctx.st.new_id();
  (*command)->update_at = ctx.now;
  return json_reply(200, json::object{{"token", (*command)->token}});
}

namespace {

std::vector<std::pair<std::string, std::string>> command_form(
    Ctx& ctx, const Command& command, const Team& team, const Channel& channel, const std::string& trigger,
    const std::string& text, const std::string& hook_id, const std::string& trigger_id) {
  std::vector<std::pair<std::string, std::string>> form{
      {"token", command.token},
      {"team_id", team.id},
      {"team_domain", team.name},
      {"channel_id", channel.id},
      {"channel_name", channel.name},
      {"user_id", ctx.me->id},
      {"user_name", ctx.me->username},
      {"command", "/" + trigger},
      {"text", text},
      {"response_url", ctx.st.config.site_url + "/hooks/commands/" + hook_id},
      {"trigger_id", trigger_id},
  };
  std::vector<std::string> seen;
  for (std::string word : at_mentions(text)) {
    const User* user = ctx.st.user_by_username(word);
    if (user == nullptr || !ctx.st.is_team_member(user->id, team.id)) continue;
    if (std::find(seen.begin(), seen.end(), user->id) != seen.end()) continue;
    seen.push_back(user->id);
    form.emplace_back("user_mentions", user->username);
    form.emplace_back("user_mentions_ids", user->id);
  }
  for (std::size_t pos = text.find('~'); pos != std::string::npos; pos = text.find('~', pos + 1)) {
    std::size_t end = pos + 1;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-' || text[end] == '_')) {
      ++end;
    }
    const std::string name = to_lower_ascii(text.substr(pos + 1, end - pos - 1));
    auto found = ctx.st.channel_by_name.find({team.id, name});
    const Channel* mentioned =
        found == ctx.st.channel_by_name.end() ? nullptr : ctx.st.channel(found->second);
    if (mentioned == nullptr || mentioned->type != "O" ||
        std::find(seen.begin(), seen.end(), mentioned->id) != seen.end()) {
      continue;
    }
    seen.push_back(mentioned->id);
    form.emplace_back("channel_mentions", mentioned->name);
    form.emplace_back("channel_mentions_ids", mentioned->id);
  }
  return form;
}

// An opaque signed-looking trigger id, longer than 26 chars like the real one.
std::string long_trigger_id(const std::string& client_trigger_id, const std::string& user_id,
                            std::int64_t now) {
  const std::string payload = client_trigger_id + ":" + user_id + ":" + std::to_string(now);
  return base64_encode(payload + ":" + sha1_hex("mmsim-trigger|" + payload));
}

}  // namespace

Outcome post_command_execute(Ctx& ctx) {
  if (!ctx.st.config.enable_commands) return std::unexpected(commands_disabled());
  auto body = parse_body_object(ctx, "command_args");
  if (!body) return std::unexpected(body.error());
  auto channel_id = field_string(*body, "channel_id", "command_args");
  auto team_id = field_string(*body, "team_id", "command_args");
  auto command_text = field_string(*body, "command", "command_args");
  auto root_id = field_string(*body, "root_id", "command_args");
  auto parent_id = field_string(*body, "parent_id", "command_args");
  for (const auto* field : {&channel_id, &team_id, &command_text, &root_id, &parent_id}) {
    if (!*field) return std::unexpected(field->error());
  }
  if (command_text->size() <= 1 || !command_text->starts_with('/') || !is_valid_id(*channel_id)) {
    return std::unexpected(AppError::make(400, "api.command.execute_command.start.app_error"));
  }
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr || !ctx.st.has_channel_role(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  std::string team_of_command = channel->team_id;
  if (channel->type == "D" || channel->type == "G") {
    if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, *team_id))
      return std::unexpected(err_permissions());
    team_of_command = *team_id;
  }
  const Team* team = ctx.st.team(team_of_command);

  const std::size_t space = command_text->find(' ');
  const std::string trigger =
      to_lower_ascii(command_text->substr(1, space == std::string::npos ? std::string::npos : space - 1));
  const std::string text = space == std::string::npos ? std::string() : command_text->substr(space + 1);
  const Command* command = nullptr;
  for (const auto& id : ctx.st.command_order) {
    const Command& candidate = ctx.st.commands.at(id);
    if (candidate.delete_at == 0 && candidate.team_id == team_of_command && candidate.trigger == trigger) {
      command = &candidate;
      break;
    }
  }
  if (command == nullptr || team == nullptr) {
    return std::unexpected(
        AppError::make(404, "api.command.execute_command.not_found.app_error", {{"Trigger", trigger}}));
  }

  // Responses go into the thread the command was typed in.
  std::string thread_root;
  if (const Post* in_thread = ctx.st.post(root_id->empty() ? *parent_id : *root_id);
      in_thread != nullptr && in_thread->channel_id == channel->id) {
    thread_root = in_thread->root_id.empty() ? in_thread->id : in_thread->root_id;
  }
  // response_url, valid 30 minutes and 5 uses.
  std::erase_if(ctx.st.command_webhooks, [&ctx](const auto& entry) {
    return ctx.now - entry.second.create_at > kResponseUrlLifetimeMs;
  });
  CommandWebhook hook;
  hook.id = ctx.st.new_id();
  hook.command_id = command->id;
  hook.user_id = ctx.me->id;
  hook.channel_id = channel->id;
  hook.team_id = team->id;
  hook.root_id = thread_root;
  hook.trigger = trigger;
  hook.create_at = ctx.now;
  ctx.st.command_webhooks[hook.id] = hook;

  const std::string client_trigger_id = ctx.st.new_id();
  const std::string trigger_id = long_trigger_id(client_trigger_id, ctx.me->id, ctx.now);
  const std::string form =
      encode_form(command_form(ctx, *command, *team, *channel, trigger, text, hook.id, trigger_id));
  IntegrationCall call;
  call.kind = IntegrationCall::Kind::slash_command;
  call.headers.emplace_back("Accept", "application/json");
  call.headers.emplace_back("Authorization", "Token " + command->token);
  call.headers.emplace_back("User-Agent", "Mattermost-Bot/1.1");
  if (command->method == "G") {
    call.method = "GET";
    call.url = command->url + (command->url.find('?') == std::string::npos ? "?" : "&") + form;
  } else {
    call.method = "POST";
    call.url = command->url;
    call.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    call.body = form;
  }
  PendingCall pending;
  pending.user_id = ctx.me->id;
  pending.channel_id = channel->id;
  pending.team_id = team->id;
  pending.root_id = thread_root;
  pending.command_id = command->id;
  pending.trigger = trigger;
  start_call(ctx, std::move(call), std::move(pending));
  Reply reply;
  reply.deferred = true;
  return reply;
}

Outcome post_command_webhook(Ctx& ctx) {
  auto found = ctx.st.command_webhooks.find(ctx.params[0]);
  if (found == ctx.st.command_webhooks.end())
    return std::unexpected(AppError::make(404, "app.command_webhook.get.missing"));
  CommandWebhook& hook = found->second;
  if (ctx.now - hook.create_at > kResponseUrlLifetimeMs || hook.use_count >= kResponseUrlMaxUses) {
    return std::unexpected(AppError::make(400, "app.command_webhook.try_use.invalid"));
  }
  hook.use_count += 1;
  const CommandInvocation invocation{hook.command_id, hook.trigger, hook.user_id,
                                     hook.channel_id, hook.team_id, hook.root_id};
  auto response = parse_command_response(invocation, ctx.req.header("content-type"), ctx.req.body);
  if (!response) return std::unexpected(response.error());
  if (auto applied = apply_command_response(ctx.st, invocation, *response, ctx.now, ctx.events); !applied) {
    return std::unexpected(applied.error());
  }
  Reply reply;
  reply.body = "ok";
  reply.content_type = "text/plain; charset=utf-8";
  return reply;
}

}  // namespace mmsim
