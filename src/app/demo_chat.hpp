#pragma once
// The pure parts of `mmclaw demo` (app/cmd_demo.cpp does the I/O): reading what the person types,
// reading the demo fixture, writing the demo's config, turning mmsim's posts into transcript lines,
// and remembering which posts and edits were already shown. No sockets, no processes, no clock.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/value.hpp>

#include "util/error.hpp"

namespace mmclaw::app::demo {

// ---- What the person types ----------------------------------------------------------------------

enum class ChatCommandKind {
  nothing,  // a blank line
  say,      // post `text` as the current user in the current place
  as,       // /as <user>: speak as another person
  dm,       // /dm <user>: go to the DM between the current user and <user>
  join,     // /join #<channel>: go to a channel, joining it when needed
  who,      // /who: who speaks where, the people, the current user's channels
  help,     // /help
  quit,     // /quit (also /exit)
  wait,     // /wait <ms>: watch for that long before the next line (for scripts)
  invalid,  // `text` says what is wrong
};

inline constexpr std::chrono::milliseconds kMaxChatWait{60000};

struct ChatCommand {
  ChatCommandKind kind = ChatCommandKind::nothing;
  std::string text;  // say: the message; as/dm: a username (no '@'); join: a channel name (no '#');
                     // invalid: the error to show
  std::chrono::milliseconds wait{0};

  friend bool operator==(const ChatCommand&, const ChatCommand&) = default;
};

// One line of input (without its '\n'; a trailing '\r' is ignored). A line starting with "//" is
// posted with one '/' removed, so a message can start with a slash.
ChatCommand parse_chat_line(std::string_view line);

// In a script, blank lines and lines whose first non-blank character is '#' are skipped.
bool is_script_comment(std::string_view line);

// The text /help prints, one command per line.
std::string chat_help();

// `user@place> `, e.g. `alice@#town-square> ` or `alice@@mmclaw> ` in the DM with the bot.
std::string chat_prompt(std::string_view user, std::string_view place);

// ---- Setting the demo up ------------------------------------------------------------------------

struct FixtureUser {
  std::string username;
  bool is_bot = false;
};

// What the demo needs from an mmsim fixture: its users, in order, and the bot it runs as.
struct DemoFixture {
  std::vector<FixtureUser> users;
  std::string bot_username;
  std::string bot_token;

  // The people (not bots), in fixture order.
  [[nodiscard]] std::vector<std::string> people() const;
  // Whom the chat starts as: the first person who is not an admin-looking account ("admin"),
  // else the first person.
  [[nodiscard]] std::string first_person() const;
};

// Reads an mmsim fixture (JSON with comments, see tools/mmsim/model/demo_fixture.json). Errors
// (invalid_input) say what is missing: a fixture without a bot user with a token cannot run the demo.
Result<DemoFixture> read_demo_fixture(std::string_view text);

struct DemoEndpoints {
  std::string mattermost_url;  // http://127.0.0.1:PORT (mmsim)
  std::string model_base_url;  // http://127.0.0.1:PORT/v1 (llmsim)
  std::string bot_token;
  std::string store_path;  // absolute
  int gateway_port = 0;    // gateway.port (the gateway's HTTP surface); 0 = leave the example's
};

// The config the demo's gateway runs with: the example config (JSON5 text, e.g.
// examples/openclaw.json) with channels.mattermost.baseUrl and botToken, the baseUrl of every
// models.providers entry, mmclaw.store.path and (when given) gateway.port replaced. Returns JSON text. Errors (invalid_input)
// when the example is not a JSON5 object or has no channels.mattermost object.
Result<std::string> make_demo_config(std::string_view example_text, const DemoEndpoints& endpoints);

// The port in a simulator's ready line, `mmsim listening on http://127.0.0.1:40123`.
std::optional<std::uint16_t> parse_listening_port(std::string_view line);

// What to tell the person when `mmclaw gateway` ended on its own with `status`; `stderr_text` is
// what it wrote. Today's gateway prints "not available yet" and exits with 2.
std::string gateway_exit_note(int status, std::string_view stderr_text);

// Where to look for a simulator binary called `name`: next to the mmclaw binary's build layout
// (<dir of exe>/../tools/<name>/<name>), then each directory of PATH, in order.
std::vector<std::filesystem::path> tool_candidates(const std::filesystem::path& exe, std::string_view name,
                                                   std::string_view path_env);

// Where to look for a file of the source tree (e.g. "examples/openclaw.json"): the working
// directory, then the tree the binary was built from (<dir of exe>/../../.., the layout of
// build/<preset>/src/mmclaw).
std::vector<std::filesystem::path> source_file_candidates(const std::filesystem::path& cwd,
                                                          const std::filesystem::path& exe,
                                                          std::string_view relative);

// ---- Posts and channels as the transcript shows them --------------------------------------------

struct PostView {
  std::string id;
  std::string channel_id;
  std::string user_id;
  std::string root_id;
  std::string message;
  std::string type;  // "" for a normal post; "system_..." for the server's own
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::size_t file_count = 0;
};

// A post as mmsim returns it (GET /_control/posts, REST). Errors (invalid_input) name the field.
Result<PostView> parse_post(const boost::json::value& value);

struct ChannelView {
  std::string id;
  std::string type;  // O, P, D or G
  std::string name;
  std::string display_name;
};

Result<ChannelView> parse_channel(const boost::json::value& value);

// How the transcript names a place, as seen by `viewer_id`: `#name` for a channel, `@other` for a
// DM (the other member; `@viewer` for a DM with oneself), `@a,b,c` for a group message.
// `username_of` turns a user id into a username ("" when unknown).
std::string place_label(const ChannelView& channel, std::string_view viewer_id,
                        const std::function<std::string(std::string_view)>& username_of);

enum class PostChange { created, edited, deleted };

// One transcript line (continuation lines of a multi-line message indented by four spaces):
//   [#town-square] @alice: hello          [#town-square] @mmclaw (edited): hello there
//   [#town-square] @bob (reply): +1       [#town-square] @mmclaw (deleted)
//   [#town-square] (system) bob joined the channel.
std::string render_post(PostChange change, const PostView& post, std::string_view place,
                        std::string_view author);

// Which posts, and which version of each, the transcript has shown. A post is shown once when it
// first appears; afterwards a different message (at the same or a newer update_at) is an edit, and a
// delete_at is a deletion (shown once). A newer update_at with the same message (a reaction, a reply
// to it) shows nothing, and so does an older version. A post already deleted when first seen is
// never shown.
class ShownPosts {
 public:
  // What to show for this version of the post, if anything; remembers it.
  std::optional<PostChange> observe(const PostView& post);
  [[nodiscard]] bool known(std::string_view post_id) const;
  [[nodiscard]] std::size_t size() const noexcept { return seen_.size(); }

 private:
  struct Seen {
    std::int64_t update_at = 0;
    std::string message;
    bool deleted = false;
  };
  std::unordered_map<std::string, Seen> seen_;
};

}  // namespace mmclaw::app::demo
