#include "mmsim/model/context.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

Reply json_reply(int status, const boost::json::value& body) {
  Reply reply;
  reply.status = status;
  reply.body = to_json(body);
  return reply;
}

Reply status_ok_reply() {
  return json_reply(200, json::object{{"status", "OK"}});
}

std::string Ctx::query(std::string_view name) const {
  return query_param(req.query, name);
}

std::expected<std::string, AppError> require_id(std::string_view value, std::string_view name) {
  if (!is_valid_id(value)) return std::unexpected(err_invalid_url_param(name));
  return std::string(value);
}

std::expected<std::string, AppError> require_user_id(const Ctx& ctx, std::string_view value) {
  if (value == "me" && ctx.me != nullptr) return ctx.me->id;
  return require_id(value, "user_id");
}

std::expected<boost::json::value, AppError> parse_body(const Ctx& ctx, std::string_view name) {
  std::error_code ec;
  json::value value = json::parse(ctx.req.body, ec);
  if (ec) return std::unexpected(err_invalid_body_param(name));
  return value;
}

std::expected<boost::json::object, AppError> parse_body_object(const Ctx& ctx, std::string_view name) {
  auto value = parse_body(ctx, name);
  if (!value) return std::unexpected(value.error());
  if (!value->is_object()) return std::unexpected(err_invalid_body_param(name));
  return std::move(value->get_object());
}

std::expected<std::vector<std::string>, AppError> parse_body_strings(const Ctx& ctx, std::string_view name) {
  auto value = parse_body(ctx, name);
  if (!value) return std::unexpected(value.error());
  if (!value->is_array()) return std::unexpected(err_invalid_body_param(name));
  std::vector<std::string> out;
  for (const auto& item : value->get_array()) {
    if (!item.is_string()) return std::unexpected(err_invalid_body_param(name));
    out.emplace_back(item.get_string());
  }
  return out;
}

Paging paging(const Ctx& ctx) {
  Paging out;
  if (auto page = parse_go_int(ctx.query("page")); page && *page >= 0 && *page <= 1'000'000'000)
    out.page = *page;
  if (auto per_page = parse_go_int(ctx.query("per_page")); per_page && *per_page >= 0) {
    out.per_page = std::min<std::int64_t>(*per_page, 200);
  }
  return out;
}

std::string json_string(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

bool json_has_string(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string();
}

std::optional<bool> json_bool(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_bool()) return std::nullopt;
  return value->get_bool();
}

}  // namespace mmsim

namespace mmsim {

std::expected<std::string, AppError> field_string(const boost::json::object& object, std::string_view key,
                                                  std::string_view name) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string()) return std::unexpected(err_invalid_body_param(name));
  return std::string(value->get_string());
}

std::expected<bool, AppError> field_bool(const boost::json::object& object, std::string_view key,
                                         std::string_view name) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return false;
  if (!value->is_bool()) return std::unexpected(err_invalid_body_param(name));
  return value->get_bool();
}

std::expected<std::optional<std::vector<std::string>>, AppError> field_strings(
    const boost::json::object& object, std::string_view key, std::string_view name) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::optional<std::vector<std::string>>();
  if (!value->is_array()) return std::unexpected(err_invalid_body_param(name));
  std::vector<std::string> out;
  for (const auto& item : value->get_array()) {
    if (!item.is_string()) return std::unexpected(err_invalid_body_param(name));
    out.emplace_back(item.get_string());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::expected<std::optional<boost::json::object>, AppError> field_object(const boost::json::object& object,
                                                                         std::string_view key,
                                                                         std::string_view name) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::optional<boost::json::object>();
  if (!value->is_object()) return std::unexpected(err_invalid_body_param(name));
  return std::optional<boost::json::object>(value->get_object());
}

}  // namespace mmsim
