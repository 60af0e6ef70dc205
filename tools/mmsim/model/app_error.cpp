#include "mmsim/model/app_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <unordered_map>

namespace mmsim {

namespace {

// English texts from server/i18n/en.json for the ids mmsim produces.
const std::unordered_map<std::string_view, std::string_view>& catalogue() {
  static const std::unordered_map<std::string_view, std::string_view> kMessages{
      {"api.context.404.app_error", "Sorry, we could not find the page."},
      {"api.context.session_expired.app_error", "Invalid or expired session, please login again."},
      {"api.context.token_provided.app_error",
       "Session is not OAuth but token was provided in the query string."},
      {"api.context.permissions.app_error", "You do not have the appropriate permissions."},
      {"api.context.invalid_body_param.app_error", "Invalid or missing {{.Name}} in request body."},
      {"api.context.invalid_url_param.app_error", "Invalid or missing {{.Name}} parameter in request URL."},
      {"api.context.invalid_param.app_error", "Invalid {{.Name}} parameter."},
      {"app.user.missing_account.const", "Unable to find the user."},
      {"app.post.get.app_error", "Unable to get post."},
      {"app.channel.get.existing.app_error", "Unable to find the existing channel."},
      {"app.channel.get_by_name.missing.app_error", "Channel does not exist."},
      {"app.channel.get_member.missing.app_error",
       "No channel member found for that user ID and channel ID."},
      {"app.team.get.find.app_error", "Unable to find the existing team."},
      {"app.team.get_by_name.missing.app_error", "Unable to find the existing team."},
      {"app.team.get_member.missing.app_error", "No team member found for that user ID and team ID."},
      {"app.file_info.get.app_error", "Unable to get the file info."},
      {"model.post.is_valid.message_length.app_error",
       "Post Message property is longer than the maximum permitted length."},
      {"model.post.is_valid.props.app_error", "Invalid props."},
      {"model.post.is_valid.file_ids.app_error",
       "Invalid file ids. Note that uploads are limited to 10 files maximum."},
      {"model.post.is_valid.root_id.app_error", "Invalid root ID."},
      {"model.post.is_valid.type.app_error", "Invalid type."},
      {"model.post.is_valid.channel_id.app_error", "Invalid channel ID."},
      {"api.post.create_post.root_id.app_error", "Invalid RootId parameter."},
      {"api.post.create_post.can_not_post_to_deleted.error", "Can not post to deleted channel."},
      {"api.post.posts_by_ids.invalid_body.request_error",
       "The number of post IDs requested cannot exceed {{.MaxLength}}."},
      {"api.post.do_action.action_id.app_error", "Invalid action id."},
      {"api.post.do_action.action_integration.app_error", "Action integration error."},
      {"api.reaction.save_reaction.invalid.app_error", "Reaction is not valid."},
      {"api.reaction.save_reaction.user_id.app_error",
       "You are not allowed to save reaction for the other user."},
      {"model.reaction.is_valid.emoji_name.app_error", "Invalid emoji name."},
      {"api.file.upload_file.too_large_detailed.app_error",
       "Unable to upload file {{.Filename}}. {{.Length}} bytes exceeds the maximum allowed {{.Limit}} "
       "bytes."},
      {"api.file.upload_file.incorrect_number_of_files.app_error",
       "Unable to upload files. Incorrect number of files specified."},
      {"api.file.upload_file.incorrect_number_of_client_ids.app_error",
       "Unable to upload files. Have {{.NumClientIds}} client_ids for {{.NumFiles}} files."},
      {"api.file.attachments.disabled.app_error", "File attachments have been disabled on this server."},
      {"api.channel.create_group.bad_size.app_error",
       "Group message channels must contain at least 3 and no more than 8 users."},
      {"api.channel.create_direct_channel.invalid_user.app_error",
       "Invalid user ID for direct channel creation."},
      {"api.channel.create_group.bad_user.app_error", "One of the provided users does not exist."},
      {"api.channel.add_user_to_channel.type.app_error", "Can not add user to this channel type."},
      {"api.channel.remove.default.app_error",
       "Unable to remove user from the default channel {{.Channel}}."},
      {"api.channel.remove_user_from_channel.app_error", "Can not remove user from this channel type."},
      {"api.command.disabled.app_error", "Commands have been disabled by the system admin."},
      {"api.command.duplicate_trigger.app_error",
       "This trigger word is already in use. Please choose another word."},
      {"api.command.team_mismatch.app_error", "Unable to update commands across teams."},
      {"api.command.execute_command.start.app_error", "No command trigger found."},
      {"api.command.execute_command.not_found.app_error",
       "Command with a trigger of '{{.Trigger}}' not found. To send a message beginning with \"/\", try "
       "adding an "
       "empty space at the beginning of the message."},
      {"api.command.execute_command.failed.app_error", "Command with a trigger of '{{.Trigger}}' failed."},
      {"api.command.execute_command.failed_resp.app_error",
       "Command with a trigger of '{{.Trigger}}' returned response {{.Status}}."},
      {"api.command.execute_command.create_post_failed.app_error",
       "Command '{{.Trigger}}' failed to post response. Please contact your System Administrator."},
      {"api.command.command_post.forbidden.app_error",
       "Specified user is not a member of specified channel."},
      {"store.sql_command.get.missing.app_error", "Command does not exist."},
      {"model.command.is_valid.trigger.app_error", "Invalid trigger."},
      {"model.command.is_valid.url.app_error", "Invalid URL."},
      {"model.command.is_valid.method.app_error", "Invalid Method."},
      {"model.command.is_valid.display_name.app_error", "Invalid title."},
      {"model.command.is_valid.description.app_error", "Invalid description."},
      {"model.command.is_valid.team_id.app_error", "Invalid team ID."},
      {"model.command_response.is_valid.response_type.app_error", "Invalid response type."},
      {"app.command_webhook.get.missing", "Unable to find the webhook."},
      {"app.command_webhook.try_use.invalid", "Invalid webhook."},
      {"mmsim.store.full.app_error",
       "mmsim keeps at most {{.Limit}} {{.What}}; raise the limit in its configuration."},
      {"mmsim.integration.unknown_call.app_error", "No integration call is pending with this id."},
      {"mmsim.internal.app_error", "mmsim hit an internal error."},
  };
  return kMessages;
}

std::string fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> params) {
  std::string out(text);
  for (const auto& [key, value] : params) {
    const std::string placeholder = "{{." + std::string(key) + "}}";
    for (std::size_t pos = out.find(placeholder); pos != std::string::npos;
         pos = out.find(placeholder, pos + value.size())) {
      out.replace(pos, placeholder.size(), value);
    }
  }
  return out;
}

}  // namespace

AppError AppError::make(int status, std::string_view id,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> params,
                        std::string detailed) {
  const auto& messages = catalogue();
  auto found = messages.find(id);
  std::string message = found == messages.end() ? std::string(id) : fill(found->second, params);
  return AppError{status, std::string(id), std::move(message), std::move(detailed)};
}

std::string app_error_body(const AppError& error, std::string_view request_id) {
  boost::json::object body;
  body["id"] = error.id;
  body["message"] = error.message;
  body["detailed_error"] = error.detailed_error;
  body["request_id"] = request_id;
  body["status_code"] = error.status;
  return boost::json::serialize(body);
}

AppError err_route_not_found() {
  return AppError::make(404, "api.context.404.app_error");
}
AppError err_session_expired() {
  return AppError::make(401, "api.context.session_expired.app_error");
}
AppError err_token_in_query() {
  return AppError::make(401, "api.context.token_provided.app_error");
}
AppError err_permissions() {
  return AppError::make(403, "api.context.permissions.app_error");
}
AppError err_invalid_body_param(std::string_view name) {
  return AppError::make(400, "api.context.invalid_body_param.app_error", {{"Name", name}});
}
AppError err_invalid_url_param(std::string_view name) {
  return AppError::make(400, "api.context.invalid_url_param.app_error", {{"Name", name}});
}
AppError err_invalid_param(std::string_view name) {
  return AppError::make(400, "api.context.invalid_param.app_error", {{"Name", name}});
}
AppError err_user_missing() {
  return AppError::make(404, "app.user.missing_account.const");
}
AppError err_post_get(int status) {
  return AppError::make(status, "app.post.get.app_error");
}
AppError err_channel_missing() {
  return AppError::make(404, "app.channel.get.existing.app_error");
}
AppError err_channel_by_name_missing() {
  return AppError::make(404, "app.channel.get_by_name.missing.app_error");
}
AppError err_channel_member_missing() {
  return AppError::make(404, "app.channel.get_member.missing.app_error");
}
AppError err_team_missing() {
  return AppError::make(404, "app.team.get.find.app_error");
}
AppError err_team_by_name_missing() {
  return AppError::make(404, "app.team.get_by_name.missing.app_error");
}
AppError err_team_member_missing() {
  return AppError::make(404, "app.team.get_member.missing.app_error");
}
AppError err_file_missing() {
  return AppError::make(404, "app.file_info.get.app_error");
}
AppError err_storage_full(std::string_view what, std::size_t limit) {
  const std::string limit_text = std::to_string(limit);
  return AppError::make(507, "mmsim.store.full.app_error", {{"Limit", limit_text}, {"What", what}});
}

}  // namespace mmsim
