#pragma once
// Mattermost's AppError (protocol reference §5.1): the JSON body of every non-2xx answer except
// 429. Handlers return these as values; the router adds request_id and the status.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace mmsim {

struct AppError {
  int status = 500;
  std::string id;              // stable i18n key, e.g. "api.context.permissions.app_error"
  std::string message;         // English text of the key
  std::string detailed_error;  // blank unless developer mode; mmsim uses it for hints

  // The English message of `id` with {{.Key}} placeholders filled from `params`.
  static AppError make(int status, std::string_view id,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> params = {},
                       std::string detailed = {});
};

// {"id","message","detailed_error","request_id","status_code"}; `is_oauth` is omitempty in Go
// and never true here, so it is not written.
std::string app_error_body(const AppError& error, std::string_view request_id);

// The errors used across routes.
AppError err_route_not_found();
AppError err_session_expired();
AppError err_token_in_query();
AppError err_permissions();
AppError err_invalid_body_param(std::string_view name);
AppError err_invalid_url_param(std::string_view name);
AppError err_invalid_param(std::string_view name);
AppError err_user_missing();
AppError err_post_get(int status = 404);
AppError err_channel_missing();
AppError err_channel_by_name_missing();
AppError err_channel_member_missing();
AppError err_team_missing();
AppError err_team_by_name_missing();
AppError err_team_member_missing();
AppError err_file_missing();
AppError err_storage_full(std::string_view what, std::size_t limit);

}  // namespace mmsim
