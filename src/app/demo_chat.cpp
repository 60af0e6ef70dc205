#include "app/demo_chat.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/json5.hpp"
#include "util/strings.hpp"

namespace mmclaw::app::demo {

namespace json = boost::json;

namespace {

constexpr std::string_view kBotSilentTail =
    "the bot will not answer; you can still talk as users and watch the channels";

std::string_view first_word(std::string_view text, std::string_view& rest) {
  const auto end = text.find_first_of(" \t");
  const auto word = text.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : util::trim(text.substr(end));
  return word;
}

// `/as @bob` and `/dm bob` take one username; `/join #dev` one channel name. The sigil is optional.
ChatCommand one_name(ChatCommandKind kind, std::string_view command, std::string_view argument, char sigil,
                     std::string_view example) {
  if (!argument.empty() && argument.front() == sigil) argument.remove_prefix(1);
  const std::string_view what = sigil == '#' ? "channel" : "user";
  if (argument.empty() || argument.find_first_of(" \t") != std::string_view::npos)
    return {ChatCommandKind::invalid, fmt::format("{} needs one {}: {}", command, what, example), {}};
  // Usernames and channel names are letters, digits, '.', '-' and '_'; the name goes into a URL.
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  };
  if (!std::all_of(argument.begin(), argument.end(), allowed)) {
    return {ChatCommandKind::invalid,
            fmt::format("\"{}\" is not a {} name (letters, digits, '.', '-' and '_')", argument, what),
            {}};
  }
  return {kind, std::string(argument), {}};
}

json::object* object_at(json::object& parent, std::string_view key) {
  auto* value = parent.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

json::object& ensure_object(json::object& parent, std::string_view key) {
  auto& value = parent[key];
  if (!value.is_object()) value = json::object{};
  return value.get_object();
}

Result<std::string> string_of(const json::object& object, std::string_view key, bool required,
                              std::string_view what) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    if (required) return fail(Error::invalid_input(fmt::format("{} has no \"{}\"", what, key)));
    return std::string();
  }
  if (!value->is_string()) return fail(Error::invalid_input(fmt::format("{}.{} is not a string", what, key)));
  return std::string(value->get_string());
}

Result<std::int64_t> int_of(const json::object& object, std::string_view key, std::string_view what) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->get_uint64());
  return fail(Error::invalid_input(fmt::format("{}.{} is not an integer", what, key)));
}

std::string indent_continuations(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

}  // namespace

// ---- What the person types ----------------------------------------------------------------------

ChatCommand parse_chat_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::string_view text = util::trim(line);
  if (text.empty()) return {};
  if (text.starts_with("//")) return {ChatCommandKind::say, std::string(text.substr(1)), {}};
  if (!text.starts_with('/')) return {ChatCommandKind::say, std::string(text), {}};

  std::string_view argument;
  const std::string_view command = first_word(text, argument);
  if (command == "/as") return one_name(ChatCommandKind::as, command, argument, '@', "/as bob");
  if (command == "/dm") return one_name(ChatCommandKind::dm, command, argument, '@', "/dm mmclaw");
  if (command == "/join")
    return one_name(ChatCommandKind::join, command, argument, '#', "/join #town-square");
  if (command == "/who") return {ChatCommandKind::who, {}, {}};
  if (command == "/help" || command == "/?") return {ChatCommandKind::help, {}, {}};
  if (command == "/quit" || command == "/exit") return {ChatCommandKind::quit, {}, {}};
  if (command == "/wait") {
    long long ms = -1;
    const auto* end = argument.data() + argument.size();
    const auto [ptr, ec] = std::from_chars(argument.data(), end, ms);
    if (argument.empty() || ec != std::errc{} || ptr != end || ms < 0 || ms > kMaxChatWait.count()) {
      return {ChatCommandKind::invalid,
              fmt::format("/wait needs a time in milliseconds, 0 to {}: /wait 2000", kMaxChatWait.count()),
              {}};
    }
    return {ChatCommandKind::wait, {}, std::chrono::milliseconds(ms)};
  }
  return {
      ChatCommandKind::invalid,
      fmt::format("unknown command {}: /help lists the commands; start a message with // to post it with a "
                  "leading /",
                  command),
      {}};
}

bool is_script_comment(std::string_view line) {
  const auto text = util::trim(line);
  return text.empty() || text.front() == '#';
}

std::string chat_help() {
  return "/as <user>        speak as another person (alice, bob, ...)\n"
         "/dm <user>        go to your DM with <user> (/dm mmclaw talks to the bot)\n"
         "/join #<channel>  go to a channel, joining it if you are not a member\n"
         "/who              who speaks where, the people, your channels\n"
         "/wait <ms>        watch for a while (for scripts)\n"
         "/help             this list\n"
         "/quit             stop the simulators and the gateway, and leave\n"
         "anything else     is posted as the current user where they are (// posts a leading /)\n";
}

std::string chat_prompt(std::string_view user, std::string_view place) {
  return fmt::format("{}@{}> ", user, place);
}

// ---- Setting the demo up ------------------------------------------------------------------------

std::vector<std::string> DemoFixture::people() const {
  std::vector<std::string> out;
  for (const auto& user : users)
    if (!user.is_bot) out.push_back(user.username);
  return out;
}

std::string DemoFixture::first_person() const {
  const auto all = people();
  for (const auto& name : all)
    if (name != "admin" && name != "sysadmin") return name;
  return all.empty() ? std::string() : all.front();
}

Result<DemoFixture> read_demo_fixture(std::string_view text) {
  auto parsed = config::parse_json5(text);
  if (!parsed) {
    return fail(Error::invalid_input(fmt::format("{}:{}: {}", parsed.error().pos.line,
                                                 parsed.error().pos.column, parsed.error().message)));
  }
  if (!parsed->root.is_object()) return fail(Error::invalid_input("the fixture is not a JSON object"));
  const auto* users = parsed->root.get_object().if_contains("users");
  if (users == nullptr || !users->is_array())
    return fail(Error::invalid_input("the fixture has no \"users\" list"));
  DemoFixture fixture;
  for (const auto& item : users->get_array()) {
    if (!item.is_object()) continue;
    const auto& user = item.get_object();
    const auto* name = user.if_contains("username");
    if (name == nullptr || !name->is_string()) continue;
    const auto* is_bot = user.if_contains("is_bot");
    FixtureUser entry{std::string(name->get_string()),
                      is_bot != nullptr && is_bot->is_bool() && is_bot->get_bool()};
    if (entry.is_bot && fixture.bot_token.empty()) {
      const auto* tokens = user.if_contains("tokens");
      if (tokens != nullptr && tokens->is_array() && !tokens->get_array().empty()) {
        const auto& first = tokens->get_array().front();
        const json::value* token = &first;
        if (first.is_object()) token = first.get_object().if_contains("token");
        if (token != nullptr && token->is_string() && !token->get_string().empty()) {
          fixture.bot_username = entry.username;
          fixture.bot_token = std::string(token->get_string());
        }
      }
    }
    fixture.users.push_back(std::move(entry));
  }
  if (fixture.bot_token.empty()) {
    return fail(
        Error::invalid_input("the fixture has no bot to run the gateway as (a user with \"is_bot\": true and "
                             "a token in \"tokens\")"));
  }
  if (fixture.people().empty()) return fail(Error::invalid_input("the fixture has no people to speak as"));
  return fixture;
}

Result<std::string> make_demo_config(std::string_view example_text, const DemoEndpoints& endpoints) {
  auto parsed = config::parse_json5(example_text);
  if (!parsed) {
    return fail(Error::invalid_input(fmt::format("{}:{}: {}", parsed.error().pos.line,
                                                 parsed.error().pos.column, parsed.error().message)));
  }
  if (!parsed->root.is_object()) return fail(Error::invalid_input("the config is not a JSON object"));
  json::object& root = parsed->root.get_object();
  json::object* channels = object_at(root, "channels");
  json::object* mattermost = channels != nullptr ? object_at(*channels, "mattermost") : nullptr;
  if (mattermost == nullptr)
    return fail(Error::invalid_input("the config has no channels.mattermost section"));
  (*mattermost)["baseUrl"] = endpoints.mattermost_url;
  (*mattermost)["botToken"] = endpoints.bot_token;
  if (json::object* models = object_at(root, "models")) {
    if (json::object* providers = object_at(*models, "providers")) {
      for (auto& provider : *providers)
        if (provider.value().is_object()) provider.value().get_object()["baseUrl"] = endpoints.model_base_url;
    }
  }
  ensure_object(ensure_object(root, "mmclaw"), "store")["path"] = endpoints.store_path;
  if (endpoints.gateway_port != 0) ensure_object(root, "gateway")["port"] = endpoints.gateway_port;
  return json::serialize(parsed->root);
}

std::optional<std::uint16_t> parse_listening_port(std::string_view line) {
  constexpr std::string_view marker = "listening on http://";
  const auto at = line.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view address = line.substr(at + marker.size());
  address = address.substr(0, address.find_first_of(" \t/"));
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view digits = address.substr(colon + 1);
  unsigned port = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() || port == 0 ||
      port > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

std::string gateway_exit_note(int status, std::string_view stderr_text) {
  if (stderr_text.find("not available yet") != std::string_view::npos)
    return fmt::format("the gateway is not available yet in this version: {}", kBotSilentTail);
  std::string_view last;
  for (const auto piece : util::split(stderr_text, '\n')) {
    if (!util::trim(piece).empty()) last = util::trim(piece);
  }
  if (last.empty()) return fmt::format("the gateway exited with status {}: {}", status, kBotSilentTail);
  return fmt::format("the gateway exited with status {} ({}): {}", status, last, kBotSilentTail);
}

std::vector<std::filesystem::path> tool_candidates(const std::filesystem::path& exe, std::string_view name,
                                                   std::string_view path_env) {
  std::vector<std::filesystem::path> out;
  if (!exe.empty()) out.push_back((exe.parent_path() / ".." / "tools" / name / name).lexically_normal());
  for (const auto dir : util::split(path_env, ':')) {
    if (dir.empty()) continue;  // an empty PATH entry means the working directory: not searched
    out.push_back(std::filesystem::path(dir) / name);
  }
  return out;
}

std::vector<std::filesystem::path> source_file_candidates(const std::filesystem::path& cwd,
                                                          const std::filesystem::path& exe,
                                                          std::string_view relative) {
  std::vector<std::filesystem::path> out;
  if (!cwd.empty()) out.push_back((cwd / relative).lexically_normal());
  if (!exe.empty()) {
    auto built = (exe.parent_path() / ".." / ".." / ".." / relative).lexically_normal();
    if (std::find(out.begin(), out.end(), built) == out.end()) out.push_back(std::move(built));
  }
  return out;
}

// ---- Posts and channels as the transcript shows them --------------------------------------------

Result<PostView> parse_post(const json::value& value) {
  if (!value.is_object()) return fail(Error::invalid_input("a post is not a JSON object"));
  const auto& object = value.get_object();
  PostView post;
  auto id = string_of(object, "id", true, "post");
  if (!id) return fail(id.error());
  post.id = std::move(*id);
  const std::string what = "post " + post.id;
  for (auto [key, field, required] :
       {std::tuple{"channel_id", &post.channel_id, true}, std::tuple{"user_id", &post.user_id, true},
        std::tuple{"root_id", &post.root_id, false}, std::tuple{"message", &post.message, false},
        std::tuple{"type", &post.type, false}}) {
    auto text = string_of(object, key, required, what);
    if (!text) return fail(text.error());
    *field = std::move(*text);
  }
  for (auto [key, field] :
       {std::pair{"update_at", &post.update_at}, std::pair{"delete_at", &post.delete_at}}) {
    auto number = int_of(object, key, what);
    if (!number) return fail(number.error());
    *field = *number;
  }
  if (const auto* files = object.if_contains("file_ids"); files != nullptr && files->is_array())
    post.file_count = files->get_array().size();
  return post;
}

Result<ChannelView> parse_channel(const json::value& value) {
  if (!value.is_object()) return fail(Error::invalid_input("a channel is not a JSON object"));
  const auto& object = value.get_object();
  ChannelView channel;
  for (auto [key, field, required] :
       {std::tuple{"id", &channel.id, true}, std::tuple{"type", &channel.type, true},
        std::tuple{"name", &channel.name, true}, std::tuple{"display_name", &channel.display_name, false}}) {
    auto text = string_of(object, key, required, "channel");
    if (!text) return fail(text.error());
    *field = std::move(*text);
  }
  return channel;
}

std::string place_label(const ChannelView& channel, std::string_view viewer_id,
                        const std::function<std::string(std::string_view)>& username_of) {
  if (channel.type == "D") {
    std::string_view other = viewer_id;
    if (const auto sep = channel.name.find("__"); sep != std::string::npos) {
      const std::string_view first = std::string_view(channel.name).substr(0, sep);
      const std::string_view second = std::string_view(channel.name).substr(sep + 2);
      other = first == viewer_id ? second : first;
    }
    const std::string name = username_of(other);
    return "@" + (name.empty() ? std::string(other) : name);
  }
  if (channel.type == "G") {
    std::string names;
    for (const char c : channel.display_name)
      if (c != ' ') names += c;
    return "@" + (names.empty() ? channel.name : names);
  }
  return "#" + channel.name;
}

std::string render_post(PostChange change, const PostView& post, std::string_view place,
                        std::string_view author) {
  std::string line = fmt::format("[{}] ", place);
  if (post.type.starts_with("system_")) {
    line += "(system) " + indent_continuations(post.message);
    return line;
  }
  std::vector<std::string> tags;
  if (!post.root_id.empty()) tags.emplace_back("reply");
  if (change == PostChange::edited) tags.emplace_back("edited");
  if (change == PostChange::deleted) tags.emplace_back("deleted");
  line += "@";
  line += author;
  if (!tags.empty()) line += " (" + util::join(tags, ", ") + ")";
  if (change == PostChange::deleted) return line;
  std::string body = indent_continuations(post.message);
  if (post.file_count > 0)
    body += fmt::format("{}[{} file{}]", body.empty() ? "" : " ", post.file_count,
                        post.file_count == 1 ? "" : "s");
  line += ":";
  if (!body.empty()) line += " " + body;
  return line;
}

std::optional<PostChange> ShownPosts::observe(const PostView& post) {
  auto found = seen_.find(post.id);
  if (found == seen_.end()) {
    const bool deleted = post.delete_at != 0;
    seen_.emplace(post.id, Seen{post.update_at, post.message, deleted});
    if (deleted) return std::nullopt;
    return PostChange::created;
  }
  Seen& seen = found->second;
  // An older version than the one shown is ignored; the same update_at may still carry a new
  // message (two edits within one millisecond).
  if (seen.deleted || post.update_at < seen.update_at) return std::nullopt;
  seen.update_at = post.update_at;
  if (post.delete_at != 0) {
    seen.deleted = true;
    return PostChange::deleted;
  }
  if (post.message == seen.message) return std::nullopt;
  seen.message = post.message;
  return PostChange::edited;
}

bool ShownPosts::known(std::string_view post_id) const {
  return seen_.contains(std::string(post_id));
}

}  // namespace mmclaw::app::demo
