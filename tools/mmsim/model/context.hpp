#pragma once
// What a route handler sees (the request, the caller, the state) and what it returns.
// Internal to the model library.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "mmsim/model/app_error.hpp"
#include "mmsim/model/state.hpp"

namespace mmsim {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  HeaderList headers;
  bool deferred = false;  // an IntegrationCall was made; complete_integration answers
};

using Outcome = std::expected<Reply, AppError>;

Reply json_reply(int status, const boost::json::value& body);
Reply status_ok_reply();  // 200 {"status":"OK"}

struct Ctx {
  Ctx(State& state, const RestRequest& request, std::int64_t now_ms, std::string id, HeaderList extra)
      : st(state), req(request), now(now_ms), request_id(std::move(id)), extra_headers(std::move(extra)) {}

  State& st;
  const RestRequest& req;
  std::int64_t now = 0;
  std::string request_id;
  HeaderList extra_headers;  // rate-limit headers, kept for deferred answers
  const User* me = nullptr;
  const Token* token = nullptr;
  std::vector<std::string> params;  // path captures, in order
  std::vector<Event> events;
  std::optional<IntegrationCall> call;

  std::string query(std::string_view name) const;
  bool is_admin() const { return me != nullptr && st.is_admin(*me); }
  // Bots and personal access tokens are integrations; `session` tokens are not.
  bool is_integration() const { return me != nullptr && (me->is_bot || token == nullptr || !token->session); }
};

// A path id (RequireUserId & co.): 26 chars, else 400 api.context.invalid_url_param.app_error.
std::expected<std::string, AppError> require_id(std::string_view value, std::string_view name);
// As require_id, with "me" meaning the caller.
std::expected<std::string, AppError> require_user_id(const Ctx& ctx, std::string_view value);

// The JSON body; malformed -> 400 api.context.invalid_body_param.app_error naming `name`.
std::expected<boost::json::value, AppError> parse_body(const Ctx& ctx, std::string_view name);
std::expected<boost::json::object, AppError> parse_body_object(const Ctx& ctx, std::string_view name);
// A body that is a JSON array of strings (ids, usernames).
std::expected<std::vector<std::string>, AppError> parse_body_strings(const Ctx& ctx, std::string_view name);

// page / per_page (web/params.go): defaults 0 / 60, per_page clamped to 200.
struct Paging {
  std::int64_t page = 0;
  std::int64_t per_page = 60;
};
Paging paging(const Ctx& ctx);

// Safe accessors of untrusted JSON.
std::string json_string(const boost::json::object& object, std::string_view key);
bool json_has_string(const boost::json::object& object, std::string_view key);
std::optional<bool> json_bool(const boost::json::object& object, std::string_view key);

}  // namespace mmsim

namespace mmsim {

// Typed fields of a JSON body decoded into a Go struct: absent or null give the zero value, a
// value of the wrong type is a decode error (400 invalid_body_param naming `name`).
std::expected<std::string, AppError> field_string(const boost::json::object& object, std::string_view key,
                                                  std::string_view name);
std::expected<bool, AppError> field_bool(const boost::json::object& object, std::string_view key,
                                         std::string_view name);
std::expected<std::optional<std::vector<std::string>>, AppError> field_strings(
    const boost::json::object& object, std::string_view key, std::string_view name);
std::expected<std::optional<boost::json::object>, AppError> field_object(const boost::json::object& object,
                                                                         std::string_view key,
                                                                         std::string_view name);

}  // namespace mmsim
