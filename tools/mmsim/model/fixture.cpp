// Model::load_fixture: teams, users (with tokens), channels (O/P/D/G with members) and posts
// from JSON. See demo_fixture.json for the format. All or nothing: the fixture is applied to a
// copy of the state that replaces it only when every entry is valid.

#include <algorithm>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/model.hpp"
#include "mmsim/model/posts_core.hpp"
#include "mmsim/model/state.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

using mmclaw::Error;

std::unexpected<Error> bad(const std::string& path, const std::string& what) {
  return mmclaw::fail(Error::invalid_input(path + ": " + what));
}

bool valid_username(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name == "all" || name == "channel" || name == "here" || name == "matterbot" || name == "system")
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool valid_token(std::string_view token) {
  if (token.empty() || token.size() > 64) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

class FixtureLoader {
 public:
  FixtureLoader(State& state, std::int64_t time) : st_(state), time_(time) {}

  mmclaw::Result<void> load(const json::value& fixture) {
    if (!fixture.is_object()) return bad("fixture", "must be a JSON object");
    const json::object& root = fixture.get_object();
    for (const auto& [key, value] : root) {
      if (key != "time" && key != "teams" && key != "users" && key != "channels" && key != "posts") {
        return bad(std::string(key), "unknown key (expected time, teams, users, channels, posts)");
      }
    }
    if (const json::value* time = root.if_contains("time")) {
      if (!time->is_int64() || time->get_int64() <= 0) return bad("time", "must be a positive integer (ms)");
      time_ = time->get_int64();
    }
    // Users first: teams and channels name their members.
    if (auto ok = each(root, "users", &FixtureLoader::user); !ok) return ok;
    if (auto ok = each(root, "teams", &FixtureLoader::team); !ok) return ok;
    if (auto ok = each(root, "channels", &FixtureLoader::channel); !ok) return ok;
    if (auto ok = each(root, "posts", &FixtureLoader::post); !ok) return ok;
    return {};
  }

 private:
  using Step = mmclaw::Result<void> (FixtureLoader::*)(const json::object&, const std::string&, std::size_t);

  mmclaw::Result<void> each(const json::object& root, std::string_view key, Step step) {
    const json::value* list = root.if_contains(key);
    if (list == nullptr) return {};
    if (!list->is_array()) return bad(std::string(key), "must be an array");
    std::size_t index = 0;
    for (const auto& item : list->get_array()) {
      const std::string path = std::string(key) + "[" + std::to_string(index) + "]";
      if (!item.is_object()) return bad(path, "must be an object");
      if (auto ok = (this->*step)(item.get_object(), path, index); !ok) return ok;
      ++index;
    }
    return {};
  }

  // A string field; `required` fields must be non-empty.
  mmclaw::Result<std::string> text(const json::object& object, const std::string& path, std::string_view key,
                                   bool required = false, std::string fallback = {}) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) {
      if (required) return bad(path + "." + std::string(key), "is required");
      return fallback;
    }
    if (!value->is_string()) return bad(path + "." + std::string(key), "must be a string");
    if (required && value->get_string().empty())
      return bad(path + "." + std::string(key), "must not be empty");
    return std::string(value->get_string());
  }

  mmclaw::Result<bool> flag(const json::object& object, const std::string& path, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return false;
    if (!value->is_bool()) return bad(path + "." + std::string(key), "must be true or false");
    return value->get_bool();
  }

  mmclaw::Result<std::int64_t> millis(const json::object& object, const std::string& path,
                                      std::string_view key, std::int64_t fallback) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return fallback;
    if (!value->is_int64() || value->get_int64() <= 0)
      return bad(path + "." + std::string(key), "must be a positive integer (ms)");
    return value->get_int64();
  }

  // A given id (validated, unused) or a new one.
  mmclaw::Result<std::string> id_of(const json::object& object, const std::string& path,
                                    bool taken(const State&, std::string_view)) {
    auto id = text(object, path, "id");
    if (!id) return mmclaw::fail(id.error());
    if (id->empty()) return st_.new_id();
    if (!is_valid_id(*id)) return bad(path + ".id", "must be a 26-character id of letters and digits");
    if (taken(st_, *id)) return bad(path + ".id", "is already used by another object");
    return *id;
  }

  static bool user_taken(const State& s, std::string_view id) { return s.users.contains(id); }
  static bool team_taken(const State& s, std::string_view id) { return s.teams.contains(id); }
  static bool channel_taken(const State& s, std::string_view id) { return s.channels.contains(id); }
  static bool post_taken(const State& s, std::string_view id) { return s.posts.contains(id); }

  mmclaw::Result<std::vector<const User*>> usernames(const json::object& object, const std::string& path,
                                                     std::string_view key) {
    std::vector<const User*> out;
    const json::value* list = object.if_contains(key);
    if (list == nullptr || list->is_null()) return out;
    if (!list->is_array()) return bad(path + "." + std::string(key), "must be an array of usernames");
    std::size_t index = 0;
    for (const auto& item : list->get_array()) {
      const std::string item_path = path + "." + std::string(key) + "[" + std::to_string(index++) + "]";
      if (!item.is_string()) return bad(item_path, "must be a username");
      const User* user = st_.user_by_username(item.get_string());
      if (user == nullptr) return bad(item_path, "no user named '" + std::string(item.get_string()) + "'");
      if (std::find(out.begin(), out.end(), user) == out.end()) out.push_back(user);
    }
    return out;
  }

  mmclaw::Result<void> user(const json::object& object, const std::string& path, std::size_t) {
    for (const auto& [key, value] : object) {
      static constexpr std::string_view kKeys[] = {"id",        "username",        "email",    "first_name",
                                                   "last_name", "nickname",        "position", "roles",
                                                   "is_bot",    "bot_description", "tokens",   "create_at"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return bad(path + "." + std::string(key), "unknown key");
      }
    }
    User user;
    auto id = id_of(object, path, &user_taken);
    if (!id) return mmclaw::fail(id.error());
    user.id = *id;
    auto username = text(object, path, "username", true);
    if (!username) return mmclaw::fail(username.error());
    if (!valid_username(*username)) {
      return bad(path + ".username", "must be 1-64 characters of a-z 0-9 . - _ and not a reserved name");
    }
    if (st_.user_by_name.contains(*username))
      return bad(path + ".username", "'" + *username + "' is already taken");
    user.username = *username;
    for (auto [key, target] : std::initializer_list<std::pair<std::string_view, std::string*>>{
             {"email", &user.email},
             {"first_name", &user.first_name},
             {"last_name", &user.last_name},
             {"nickname", &user.nickname},
             {"position", &user.position},
             {"bot_description", &user.bot_description}}) {
      auto value = text(object, path, key);
      if (!value) return mmclaw::fail(value.error());
      *target = *value;
    }
    if (user.email.empty()) user.email = user.username + "@example.com";
    auto roles = text(object, path, "roles", false, "system_user");
    if (!roles) return mmclaw::fail(roles.error());
    for (std::string_view rest = *roles; !rest.empty();) {
      const std::size_t space = rest.find(' ');
      const std::string_view role = rest.substr(0, space);
      if (!role.empty() && role != "system_user" && role != "system_admin" && role != "system_guest") {
        return bad(path + ".roles", "unknown role '" + std::string(role) + "' (system_user, system_admin)");
      }
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    user.roles = *roles;
    auto is_bot = flag(object, path, "is_bot");
    if (!is_bot) return mmclaw::fail(is_bot.error());
    user.is_bot = *is_bot;
    auto created = millis(object, path, "create_at", time_);
    if (!created) return mmclaw::fail(created.error());
    user.create_at = *created;
    user.update_at = *created;

    if (const json::value* tokens = object.if_contains("tokens"); tokens != nullptr && !tokens->is_null()) {
      if (!tokens->is_array()) return bad(path + ".tokens", "must be an array");
      std::size_t index = 0;
      for (const auto& item : tokens->get_array()) {
        const std::string token_path = path + ".tokens[" + std::to_string(index++) + "]";
        Token token;
        token.user_id = user.id;
        token.session = !user.is_bot;  // a human's plain token stands for a login session
        if (item.is_string()) {
          token.token = item.get_string();
        } else if (item.is_object()) {
          const json::object& spec = item.get_object();
          auto value = text(spec, token_path, "token", true);
          auto kind = text(spec, token_path, "kind", false, user.is_bot ? "pat" : "session");
          auto description = text(spec, token_path, "description");
          if (!value) return mmclaw::fail(value.error());
          if (!kind) return mmclaw::fail(kind.error());
          if (!description) return mmclaw::fail(description.error());
          if (*kind != "pat" && *kind != "session")
            return bad(token_path + ".kind", "must be \"pat\" or \"session\"");
          token.token = *value;
          token.session = *kind == "session" && !user.is_bot;
          token.description = *description;
        } else {
          return bad(token_path, "must be a token string or {\"token\", \"kind\", \"description\"}");
        }
        if (!valid_token(token.token))
          return bad(token_path, "tokens are 1-64 characters of letters, digits, - and _");
        if (st_.tokens.contains(token.token)) return bad(token_path, "token already in use");
        token.id = st_.new_id();
        st_.token_order.push_back(token.token);
        st_.tokens.emplace(token.token, std::move(token));
      }
    }
    st_.user_by_name[user.username] = user.id;
    st_.user_order.push_back(user.id);
    st_.users.emplace(user.id, std::move(user));
    return {};
  }

  mmclaw::Result<void> team(const json::object& object, const std::string& path, std::size_t) {
    for (const auto& [key, value] : object) {
      static constexpr std::string_view kKeys[] = {
          "id",   "name",    "display_name", "description",       "email",
          "type", "members", "admins",       "allow_open_invite", "create_at"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return bad(path + "." + std::string(key), "unknown key");
      }
    }
    Team team;
    auto id = id_of(object, path, &team_taken);
    if (!id) return mmclaw::fail(id.error());
    team.id = *id;
    auto name = text(object, path, "name", true);
    if (!name) return mmclaw::fail(name.error());
    if (!valid_name(*name)) return bad(path + ".name", "must be 1-64 characters of a-z 0-9 - _");
    if (st_.team_by_name.contains(*name)) return bad(path + ".name", "'" + *name + "' is already taken");
    team.name = *name;
    auto display = text(object, path, "display_name", false, *name);
    auto description = text(object, path, "description");
    auto email = text(object, path, "email");
    auto type = text(object, path, "type", false, "O");
    auto open = flag(object, path, "allow_open_invite");
    auto created = millis(object, path, "create_at", time_);
    if (!display) return mmclaw::fail(display.error());
    if (!description) return mmclaw::fail(description.error());
    if (!email) return mmclaw::fail(email.error());
    if (!type) return mmclaw::fail(type.error());
    if (!open) return mmclaw::fail(open.error());
    if (!created) return mmclaw::fail(created.error());
    if (*type != "O" && *type != "I")
      return bad(path + ".type", "must be \"O\" (open) or \"I\" (invite only)");
    team.display_name = *display;
    team.description = *description;
    team.email = *email;
    team.type = *type;
    team.allow_open_invite = *open;
    team.create_at = *created;
    team.update_at = *created;
    team.invite_id = st_.new_id();
    auto members = usernames(object, path, "members");
    auto admins = usernames(object, path, "admins");
    if (!members) return mmclaw::fail(members.error());
    if (!admins) return mmclaw::fail(admins.error());
    st_.team_by_name[team.name] = team.id;
    st_.team_order.push_back(team.id);
    const std::string team_id = team.id;
    st_.teams.emplace(team_id, std::move(team));
    for (const User* member : *members) st_.add_team_member(team_id, member->id);
    for (const User* admin : *admins) st_.add_team_member(team_id, admin->id).scheme_admin = true;
    return {};
  }

  mmclaw::Result<void> channel(const json::object& object, const std::string& path, std::size_t) {
    for (const auto& [key, value] : object) {
      static constexpr std::string_view kKeys[] = {"id",     "team",     "name",    "display_name",
                                                   "type",   "header",   "purpose", "members",
                                                   "admins", "create_at"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return bad(path + "." + std::string(key), "unknown key");
      }
    }
    Channel channel;
    auto id = id_of(object, path, &channel_taken);
    if (!id) return mmclaw::fail(id.error());
    channel.id = *id;
    auto type = text(object, path, "type", false, "O");
    if (!type) return mmclaw::fail(type.error());
    if (*type != "O" && *type != "P" && *type != "D" && *type != "G") {
      return bad(path + ".type", "must be \"O\", \"P\", \"D\" or \"G\"");
    }
    channel.type = *type;
    auto created = millis(object, path, "create_at", time_);
    auto header = text(object, path, "header");
    auto purpose = text(object, path, "purpose");
    auto members = usernames(object, path, "members");
    auto admins = usernames(object, path, "admins");
    if (!created) return mmclaw::fail(created.error());
    if (!header) return mmclaw::fail(header.error());
    if (!purpose) return mmclaw::fail(purpose.error());
    if (!members) return mmclaw::fail(members.error());
    if (!admins) return mmclaw::fail(admins.error());
    channel.create_at = *created;
    channel.update_at = *created;
    channel.header = *header;
    channel.purpose = *purpose;
    std::vector<const User*> all = *members;
    for (const User* admin : *admins) {
      if (std::find(all.begin(), all.end(), admin) == all.end()) all.push_back(admin);
    }
    if (channel.type == "D" || channel.type == "G") {
      for (std::string_view key : {"team", "name", "display_name"}) {
        if (object.contains(key))
          return bad(path + "." + std::string(key), "is computed for D and G channels");
      }
      std::vector<std::string> ids;
      std::vector<std::string> names;
      for (const User* user : all) {
        ids.push_back(user->id);
        names.push_back(user->username);
      }
      if (channel.type == "D" && (ids.empty() || ids.size() > 2)) {
        return bad(path + ".members", "a D channel has 2 members (1 for a self-DM)");
      }
      if (channel.type == "G" && (ids.size() < 3 || ids.size() > 8)) {
        return bad(path + ".members", "a G channel has 3 to 8 members");
      }
      channel.name =
          channel.type == "D" ? direct_channel_name(ids.front(), ids.back()) : group_channel_name(ids);
      if (channel.type == "G") {
        std::sort(names.begin(), names.end());
        for (const auto& name : names)
          channel.display_name += (channel.display_name.empty() ? "" : ", ") + name;
      }
      if (st_.channel_by_name.contains({std::string(), channel.name})) {
        return bad(path + ".members", "this " + channel.type + " channel already exists");
      }
      channel.creator_id = ids.front();
    } else {
      auto team_name = text(object, path, "team", true);
      if (!team_name) return mmclaw::fail(team_name.error());
      auto team = st_.team_by_name.find(*team_name);
      if (team == st_.team_by_name.end()) return bad(path + ".team", "no team named '" + *team_name + "'");
      channel.team_id = team->second;
      auto name = text(object, path, "name", true);
      if (!name) return mmclaw::fail(name.error());
      if (!valid_name(*name)) return bad(path + ".name", "must be 1-64 characters of a-z 0-9 - _");
      if (st_.channel_by_name.contains({channel.team_id, *name})) {
        return bad(path + ".name", "'" + *name + "' already exists in team " + *team_name);
      }
      channel.name = *name;
      auto display = text(object, path, "display_name", false, *name);
      if (!display) return mmclaw::fail(display.error());
      if (rune_count(*display) > 64) return bad(path + ".display_name", "must be at most 64 characters");
      channel.display_name = *display;
      for (std::size_t i = 0; i < all.size(); ++i) {
        if (!st_.is_team_member(all[i]->id, channel.team_id)) {
          return bad(path + ".members", all[i]->username + " is not a member of team " + *team_name);
        }
      }
      if (!all.empty()) channel.creator_id = all.front()->id;
    }
    const Channel& stored = st_.insert_channel(std::move(channel));
    for (const User* user : all) st_.add_member(stored, user->id, stored.create_at);
    for (const User* admin : *admins) st_.member_mut(stored.id, admin->id)->scheme_admin = true;
    return {};
  }

  // "team/name", a channel id, or "@alice,bob" for a D/G channel.
  const Channel* channel_ref(std::string_view ref) {
    if (ref.starts_with('@')) {
      std::vector<std::string> ids;
      for (std::string_view rest = ref.substr(1); !rest.empty();) {
        const std::size_t comma = rest.find(',');
        const User* user = st_.user_by_username(trim_ascii(rest.substr(0, comma)));
        if (user == nullptr) return nullptr;
        ids.push_back(user->id);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
      if (ids.empty()) return nullptr;
      const std::string name =
          ids.size() <= 2 ? direct_channel_name(ids.front(), ids.back()) : group_channel_name(ids);
      auto found = st_.channel_by_name.find({std::string(), name});
      return found == st_.channel_by_name.end() ? nullptr : st_.channel(found->second);
    }
    if (const std::size_t slash = ref.find('/'); slash != std::string_view::npos) {
      auto team = st_.team_by_name.find(ref.substr(0, slash));
      if (team == st_.team_by_name.end()) return nullptr;
      auto found = st_.channel_by_name.find({team->second, std::string(ref.substr(slash + 1))});
      return found == st_.channel_by_name.end() ? nullptr : st_.channel(found->second);
    }
    return st_.channel(ref);
  }

  mmclaw::Result<void> post(const json::object& object, const std::string& path, std::size_t index) {
    for (const auto& [key, value] : object) {
      static constexpr std::string_view kKeys[] = {"id",   "key",   "channel", "user",     "message",
                                                   "root", "props", "type",    "create_at"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return bad(path + "." + std::string(key), "unknown key");
      }
    }
    auto id = text(object, path, "id");
    auto key = text(object, path, "key");
    auto channel_name = text(object, path, "channel", true);
    auto username = text(object, path, "user", true);
    auto message = text(object, path, "message");
    auto root = text(object, path, "root");
    auto type = text(object, path, "type");
    auto created = millis(object, path, "create_at", time_ + 1000 * static_cast<std::int64_t>(index + 1));
    for (const auto* field : {&id, &key, &channel_name, &username, &message, &root, &type}) {
      if (!*field) return mmclaw::fail(field->error());
    }
    if (!created) return mmclaw::fail(created.error());
    if (!id->empty() && !is_valid_id(*id))
      return bad(path + ".id", "must be a 26-character id of letters and digits");
    if (!id->empty() && post_taken(st_, *id)) return bad(path + ".id", "is already used by another object");
    const Channel* channel = channel_ref(*channel_name);
    if (channel == nullptr)
      return bad(path + ".channel", "no channel '" + *channel_name + "' (team/name, id or @a,b)");
    const User* author = st_.user_by_username(*username);
    if (author == nullptr) return bad(path + ".user", "no user named '" + *username + "'");
    NewPost post;
    post.user_id = author->id;
    post.channel_id = channel->id;
    post.message = *message;
    post.type = *type;
    post.create_at = *created;
    if (const json::value* props = object.if_contains("props"); props != nullptr && !props->is_null()) {
      if (!props->is_object()) return bad(path + ".props", "must be an object");
      post.props = props->get_object();
    }
    if (!root->empty()) {
      auto by_key = keys_.find(*root);
      post.root_id = by_key != keys_.end() ? by_key->second : *root;
      const Post* root_post = st_.post(post.root_id);
      if (root_post == nullptr) return bad(path + ".root", "no earlier post with key or id '" + *root + "'");
      if (!root_post->root_id.empty()) post.root_id = root_post->root_id;
    }
    std::vector<Event> ignored;
    auto stored = create_post(st_, std::move(post), *created, ignored);
    if (!stored) return bad(path, stored.error().message + " (" + stored.error().id + ")");
    Post& created_post = **stored;
    if (!id->empty()) rename_post(created_post, *id);
    if (!key->empty()) {
      if (keys_.contains(*key)) return bad(path + ".key", "'" + *key + "' is used by an earlier post");
      keys_[*key] = created_post.id;
    }
    return {};
  }

  // Gives a just-created post the id the fixture asked for.
  void rename_post(Post& post, const std::string& id) {
    const std::string old_id = post.id;
    Post moved = std::move(post);
    st_.posts.erase(old_id);
    moved.id = id;
    for (auto* list : {&st_.post_order, &st_.channel_posts[moved.channel_id]})
      std::replace(list->begin(), list->end(), old_id, id);
    if (!moved.root_id.empty()) {
      auto& replies = st_.thread_replies[moved.root_id];
      std::replace(replies.begin(), replies.end(), old_id, id);
    }
    for (auto& [file_id, file] : st_.files) {
      if (file.post_id == old_id) file.post_id = id;
    }
    st_.posts.emplace(id, std::move(moved));
  }

  State& st_;
  std::int64_t time_;
  std::map<std::string, std::string> keys_;
};

}  // namespace

mmclaw::Result<void> Model::load_fixture(const boost::json::value& fixture) {
  State staged = *state_;
  FixtureLoader loader(staged, staged.config.fixture_time_ms);
  if (auto ok = loader.load(fixture); !ok) return ok;
  *state_ = std::move(staged);
  return {};
}

mmclaw::Result<boost::json::value> Model::parse_fixture_text(std::string_view text) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  std::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) return mmclaw::fail(Error::invalid_input("fixture is not valid JSON: " + ec.message()));
  return value;
}

}  // namespace mmsim
