#include "mattermost/rest_types.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "mattermost/events.hpp"
#include "mattermost/json_fields.hpp"

namespace mmclaw::mattermost {

namespace {

namespace json = boost::json;

Error unreadable(std::string_view object, std::string_view what) {
  return Error::permanent(fmt::format("Mattermost API returned an unreadable {}: {}", object, what));
}

// "<key> is not <a type>": names the object and the field, never the value (a body may hold
// secrets such as a command token).
Error unreadable(const FieldTypeError& error) {
  std::string_view phrase = "of the expected type";
  switch (error.expected) {
    case FieldType::string: phrase = "a string"; break;
    case FieldType::integer: phrase = "an integer"; break;
    case FieldType::boolean: phrase = "a boolean"; break;
    case FieldType::object: phrase = "an object"; break;
    case FieldType::array: phrase = "an array"; break;
    case FieldType::array_of_strings: phrase = "an array of strings"; break;
  }
  return unreadable(error.object, fmt::format("{} is not {}", error.key, phrase));
}

Result<const json::object*> as_object(const json::value& v, std::string_view name) {
  if (!v.is_object()) return fail(unreadable(name, "the response is not an object"));
  return &v.get_object();
}

// A JSON array of objects, each read by `one`; an item that fails names its index.
template <class T, class One>
Result<std::vector<T>> list_from_json(const json::value& v, std::string_view name, One one) {
  if (!v.is_array()) return fail(unreadable(fmt::format("{} list", name), "the response is not an array"));
  std::vector<T> out;
  out.reserve(v.get_array().size());
  std::size_t index = 0;
  for (const json::value& item : v.get_array()) {
    if (!item.is_object())
      return fail(unreadable(fmt::format("{} list", name), fmt::format("item {} is not an object", index)));
    auto decoded = one(item);
    if (!decoded) {
      decoded.error().message += fmt::format(" (item {})", index);
      return fail(std::move(decoded.error()));
    }
    out.push_back(std::move(*decoded));
    ++index;
  }
  return out;
}

// post_from_json (events.cpp) reports a Malformed; a bad field is said the way the other REST
// objects say it.
Error post_error(const Malformed& malformed) {
  if (malformed.field) return unreadable(*malformed.field);
  return unreadable("post", malformed.detail.empty() ? std::string_view("bad field") : malformed.detail);
}

}  // namespace

Result<User> user_from_json(const boost::json::value& v) {
  auto object = as_object(v, "user");
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, "user");
  User u;
  u.id = f.text("id");
  u.username = f.text("username");
  u.first_name = f.text("first_name");
  u.last_name = f.text("last_name");
  u.nickname = f.text("nickname");
  u.roles = f.text("roles");
  u.is_bot = f.boolean("is_bot");
  u.update_at = f.integer("update_at");
  u.delete_at = f.integer("delete_at");
  if (f.failed()) return fail(unreadable(f.take_error()));
  return u;
}

Result<std::vector<User>> users_from_json(const boost::json::value& v) {
  return list_from_json<User>(v, "user", user_from_json);
}

Result<Channel> channel_from_json(const boost::json::value& v) {
  auto object = as_object(v, "channel");
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, "channel");
  Channel c;
  c.id = f.text("id");
  c.type_code = f.text("type");
  c.type = channel_type_from_code(c.type_code);
  c.name = f.text("name");
  c.display_name = f.text("display_name");
  c.team_id = f.text("team_id");
  c.update_at = f.integer("update_at");
  c.delete_at = f.integer("delete_at");
  c.last_post_at = f.integer("last_post_at");
  if (f.failed()) return fail(unreadable(f.take_error()));
  return c;
}

Result<std::vector<Channel>> channels_from_json(const boost::json::value& v) {
  return list_from_json<Channel>(v, "channel", channel_from_json);
}

Result<Team> team_from_json(const boost::json::value& v) {
  auto object = as_object(v, "team");
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, "team");
  Team t;
  t.id = f.text("id");
  t.name = f.text("name");
  t.display_name = f.text("display_name");
  if (f.failed()) return fail(unreadable(f.take_error()));
  return t;
}

Result<std::vector<Team>> teams_from_json(const boost::json::value& v) {
  return list_from_json<Team>(v, "team", team_from_json);
}

Result<std::vector<TeamMember>> team_members_from_json(const boost::json::value& v) {
  return list_from_json<TeamMember>(v, "team member", [](const json::value& item) -> Result<TeamMember> {
    auto object = as_object(item, "team member");
    if (!object) return fail(std::move(object.error()));
    JsonFields f(**object, "team member");
    TeamMember m;
    m.team_id = f.text("team_id");
    m.user_id = f.text("user_id");
    m.roles = f.text("roles");
    m.delete_at = f.integer("delete_at");
    if (f.failed()) return fail(unreadable(f.take_error()));
    return m;
  });
}

Result<Post> rest_post_from_json(const boost::json::value& v) {
  auto object = as_object(v, "post");
  if (!object) return fail(std::move(object.error()));
  auto post = post_from_json(**object);
  if (!post) return fail(post_error(post.error()));
  return std::move(*post);
}

Result<PostList> post_list_from_json(const boost::json::value& v) {
  constexpr std::string_view kName = "post list";
  auto object = as_object(v, kName);
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, kName);
  PostList list;
  list.next_post_id = f.text("next_post_id");
  list.prev_post_id = f.text("prev_post_id");
  list.has_next = f.boolean("has_next");
  if (f.failed()) return fail(unreadable(f.take_error()));

  const json::object* posts = nullptr;
  if (const json::value* value = f.find("posts")) {
    if (!value->is_object()) return fail(unreadable(kName, "posts is not an object"));
    posts = &value->get_object();
  }
  auto decode = [&](std::string_view id, const json::value& value) -> Result<void> {
    auto post = rest_post_from_json(value);
    if (!post) return fail(std::move(post.error()));
    if (post->id.empty()) post->id = std::string(id);  // the map key is the id
    list.posts.push_back(std::move(*post));
    return {};
  };

  std::unordered_set<std::string_view> listed;
  if (const json::value* value = f.find("order")) {
    if (!value->is_array()) return fail(unreadable(kName, "order is not an array"));
    for (const json::value& id : value->get_array()) {
      if (!id.is_string()) return fail(unreadable(kName, "order is not an array of strings"));
      const std::string_view key = id.get_string();
      if (!listed.insert(key).second) continue;  // a repeated id is one post
      // An id without its post in the map cannot be returned; the server never sends one.
      const json::value* post = posts != nullptr ? posts->if_contains(key) : nullptr;
      if (post == nullptr || post->is_null()) continue;
      if (auto ok = decode(key, *post); !ok) return fail(std::move(ok.error()));
    }
  }
  if (posts != nullptr) {
    for (const auto& [key, post] : *posts) {
      if (listed.contains(std::string_view(key))) continue;
      if (post.is_null()) continue;
      if (auto ok = decode(key, post); !ok) return fail(std::move(ok.error()));
    }
  }
  return list;
}

Result<FileInfo> file_info_from_json(const boost::json::value& v) {
  auto object = as_object(v, "file info");
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, "file info");
  FileInfo info;
  info.id = f.text("id");
  info.name = f.text("name");
  info.extension = f.text("extension");
  info.mime_type = f.text("mime_type");
  info.size = f.integer("size");
  info.post_id = f.text("post_id");
  info.channel_id = f.text("channel_id");
  if (f.failed()) return fail(unreadable(f.take_error()));
  return info;
}

Result<std::vector<FileInfo>> file_infos_from_upload_json(const boost::json::value& v) {
  constexpr std::string_view kName = "upload result";
  auto object = as_object(v, kName);
  if (!object) return fail(std::move(object.error()));
  const json::value* infos = (*object)->if_contains("file_infos");
  if (infos == nullptr || infos->is_null()) return std::vector<FileInfo>{};
  if (!infos->is_array()) return fail(unreadable(kName, "file_infos is not an array"));
  return list_from_json<FileInfo>(*infos, "file info", file_info_from_json);
}

Result<SlashCommand> slash_command_from_json(const boost::json::value& v) {
  auto object = as_object(v, "command");
  if (!object) return fail(std::move(object.error()));
  JsonFields f(**object, "command");
  SlashCommand c;
  c.id = f.text("id");
  c.token = f.text("token");
  c.team_id = f.text("team_id");
  c.creator_id = f.text("creator_id");
  c.trigger = f.text("trigger");
  c.method = f.text("method");
  c.url = f.text("url");
  c.display_name = f.text("display_name");
  c.description = f.text("description");
  c.auto_complete_desc = f.text("auto_complete_desc");
  c.auto_complete_hint = f.text("auto_complete_hint");
  c.username = f.text("username");
  c.icon_url = f.text("icon_url");
  c.auto_complete = f.boolean("auto_complete");
  c.delete_at = f.integer("delete_at");
  if (f.failed()) return fail(unreadable(f.take_error()));
  return c;
}

Result<std::vector<SlashCommand>> slash_commands_from_json(const boost::json::value& v) {
  return list_from_json<SlashCommand>(v, "command", slash_command_from_json);
}

boost::json::object to_json(const SlashCommand& command) {
  json::object out;
  // Server-assigned fields go only when known: POST /commands makes its own, PUT keeps the stored
  // token and creator, and an empty id would not match the path of a PUT.
  if (!command.id.empty()) out["id"] = command.id;
  if (!command.token.empty()) out["token"] = command.token;
  if (!command.creator_id.empty()) out["creator_id"] = command.creator_id;
  out["team_id"] = command.team_id;
  out["trigger"] = command.trigger;
  out["method"] = command.method;
  out["url"] = command.url;
  out["display_name"] = command.display_name;
  out["description"] = command.description;
  out["auto_complete"] = command.auto_complete;
  out["auto_complete_desc"] = command.auto_complete_desc;
  out["auto_complete_hint"] = command.auto_complete_hint;
  out["username"] = command.username;
  out["icon_url"] = command.icon_url;
  return out;
}

}  // namespace mmclaw::mattermost
