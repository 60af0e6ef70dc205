#include "app/cmd_demo.hpp"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "app/demo_chat.hpp"
#include "util/free_port.hpp"
#include "app/demo_http.hpp"
#include "util/child_process.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kReadyTimeout{15000};  // a simulator's "listening on" line (sanitizer builds are slow)
constexpr milliseconds kHttpTimeout{5000};    // every call to mmsim
constexpr milliseconds kPollInterval{200};    // how often the view asks mmsim for new posts and edits
constexpr milliseconds kGatewayWatch{5000};   // how long to watch a starting gateway exit or connect
constexpr milliseconds kStopGrace{5000};      // SIGTERM, then SIGKILL after this
constexpr std::size_t kMaxInputLine = 64 * 1024;

// ---- Signals -------------------------------------------------------------------------------------

volatile std::sig_atomic_t g_signal = 0;

void on_stop_signal(int number) {
  g_signal = number;
}

bool stopping() {
  return g_signal != 0;
}

// SIGINT, SIGTERM, SIGHUP and SIGQUIT end the demo through its normal stopping path (every child stopped);
// without SA_RESTART, so a wait for input returns at once. SIGPIPE is ignored: a closed stdout must
// not kill the demo and leave its children behind. The old dispositions come back at the end.
class SignalScope {
 public:
  SignalScope() {
    g_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    ::sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kStopSignals.size(); ++i) ::sigaction(kStopSignals[i], &action, &old_[i]);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~SignalScope() {
    for (std::size_t i = 0; i < kStopSignals.size(); ++i) ::sigaction(kStopSignals[i], &old_[i], nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr std::array<int, 4> kStopSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  std::array<struct sigaction, 4> old_{};
  struct sigaction old_pipe_ {};
};

// ---- The transcript on stdout --------------------------------------------------------------------

// Everything the demo shows goes through here, one line at a time. In a terminal chat the prompt
// stays on the last line: a line that arrives while it is shown replaces it, and the prompt is shown
// again after.
class Transcript {
 public:
  explicit Transcript(bool stdout_is_tty) : tty_(stdout_is_tty) {}

  void line(std::string_view text) {
    if (prompt_visible_) {
      std::cout << (tty_ ? "\r\033[K" : "\n");
      prompt_visible_ = false;
    }
    std::cout << text << '\n' << std::flush;
  }
  void note(std::string_view text) { line(fmt::format("-- {}", text)); }
  void show_prompt(std::string_view prompt) {
    if (prompt_visible_) return;
    std::cout << prompt << std::flush;
    prompt_visible_ = true;
  }
  // The person pressed Enter: the terminal moved past the prompt.
  void prompt_consumed() { prompt_visible_ = false; }

 private:
  bool tty_;
  bool prompt_visible_ = false;
};

// ---- Files and programs --------------------------------------------------------------------------

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(Error::invalid_input(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno))));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

fs::path self_exe() {
  std::error_code ec;
  auto path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : path;
}

Result<fs::path> find_tool(const std::optional<fs::path>& given, std::string_view name, std::string_view what,
                           const fs::path& exe) {
  if (given) {
    if (is_executable_file(*given)) return fs::absolute(*given);
    return fail(Error::not_found(fmt::format("--{} {}: not an executable file", name, given->string())));
  }
  const char* path_env = std::getenv("PATH");
  const auto candidates = demo::tool_candidates(exe, name, path_env != nullptr ? path_env : "");
  std::vector<std::string> looked;
  for (const auto& candidate : candidates) {
    if (is_executable_file(candidate)) return candidate;
    looked.push_back(candidate.string());
  }
  return fail(Error::not_found(
      fmt::format("cannot find {} ({}); looked for {}; build it with `make build`, or pass --{} PATH", name,
                  what, looked.empty() ? std::string("nothing (no PATH)") : util::join(looked, ", "), name)));
}

// The first of the candidates that exists, else the first candidate (for the error message).
fs::path find_source_file(const fs::path& cwd, const fs::path& exe, std::string_view relative) {
  const auto candidates = demo::source_file_candidates(cwd, exe, relative);
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return candidates.empty() ? fs::path(relative) : candidates.front();
}

// A private directory for the generated config and the gateway's store, removed at the end.
class TempDir {
 public:
  static Result<TempDir> create() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        fmt::format("{}/mmclaw-demo-XXXXXX", base != nullptr && *base != '\0' ? base : "/tmp");
    if (::mkdtemp(pattern.data()) == nullptr)
      return fail(
          Error::permanent(fmt::format("cannot create a temporary directory: {}", std::strerror(errno))));
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, fs::path())) {}
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

// The demo's children, stopped in reverse order of need (the gateway first) when the demo ends,
// whatever way it ends.
struct Children {
  std::optional<util::ChildProcess> mmsim;
  std::optional<util::ChildProcess> llmsim;
  std::optional<util::ChildProcess> gateway;

  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() { stop(); }

  void stop() {
    for (auto* child : {&gateway, &llmsim, &mmsim}) {
      if (!*child) continue;
      [[maybe_unused]] auto status = (*child)->terminate(kStopGrace);
      child->reset();
    }
  }
};

std::string last_lines(const std::string& text, std::size_t count) {
  std::vector<std::string_view> lines;
  for (const auto piece : util::split(text, '\n'))
    if (!util::trim(piece).empty()) lines.push_back(piece);
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  std::string out;
  for (const auto line : lines) out += fmt::format("\n  {}", line);
  return out;
}

// Starts a simulator and reads its port from its ready line.
Result<std::uint16_t> start_simulator(std::optional<util::ChildProcess>& slot,
                                      std::vector<std::string> argv) {
  const std::string program = argv.front();
  util::ChildOptions options;
  options.argv = std::move(argv);
  auto child = util::ChildProcess::spawn(options);
  if (!child) return fail(child.error());
  slot.emplace(std::move(*child));
  auto ready = slot->wait_for_line(util::Stream::out, "listening on", kReadyTimeout);
  if (!ready) {
    return fail(Error::permanent(fmt::format("{} did not start: {}{}", program, ready.error().message,
                                             last_lines(slot->output(util::Stream::err), 5))));
  }
  const auto port = demo::parse_listening_port(*ready);
  if (!port) return fail(Error::permanent(fmt::format("{} said \"{}\": no port in it", program, *ready)));
  return *port;
}

// ---- mmsim's control API -------------------------------------------------------------------------

struct ApiReply {
  unsigned status = 0;
  json::value body;
};

// What went wrong in a REST call made through /_control/act: Mattermost's AppError message.
std::string api_error(const ApiReply& reply) {
  if (reply.body.is_object()) {
    if (const auto* message = reply.body.get_object().if_contains("message"); message && message->is_string())
      return fmt::format("{} ({})", std::string(message->get_string()), reply.status);
  }
  return fmt::format("status {}", reply.status);
}

class Mmsim {
 public:
  explicit Mmsim(std::uint16_t port) : http_("127.0.0.1", port, kHttpTimeout) {}

  Result<json::value> get(std::string_view target) {
    auto reply = http_.request("GET", target);
    if (!reply) return fail(reply.error());
    return parse(target, *reply);
  }

  // A REST call as `as` (a username), through the same code path as a client's.
  Result<ApiReply> act(std::string_view as, std::string_view method, std::string_view path,
                       const json::value& body = nullptr) {
    json::object request{{"as", as}, {"method", method}, {"path", path}};
    if (!body.is_null()) request["body"] = body;
    return unwrap("/_control/act", json::serialize(request));
  }

  Result<ApiReply> post(std::string_view as, std::string_view channel_id, std::string_view message) {
    json::object request{{"as", as}, {"channel_id", channel_id}, {"message", message}};
    return unwrap("/_control/post", json::serialize(request));
  }

 private:
  Result<json::value> parse(std::string_view target, const demo::HttpReply& reply) {
    json::error_code ec;
    auto value = json::parse(reply.body, ec);
    if (reply.status != 200) {
      std::string message = fmt::format("status {}", reply.status);
      if (!ec && value.is_object()) {
        if (const auto* error = value.get_object().if_contains("error"); error && error->is_string())
          message = std::string(error->get_string());
      }
      return fail(Error::permanent(fmt::format("mmsim {}: {}", target, message)));
    }
    if (ec) return fail(Error::permanent(fmt::format("mmsim {}: the reply is not JSON", target)));
    return value;
  }

  Result<ApiReply> unwrap(std::string_view target, const std::string& body) {
    auto reply = http_.request("POST", target, body);
    if (!reply) return fail(reply.error());
    auto value = parse(target, *reply);
    if (!value) return fail(value.error());
    const auto* object = value->if_object();
    const auto* status = object ? object->if_contains("status") : nullptr;
    if (status == nullptr || !status->is_int64())
      return fail(Error::permanent(fmt::format("mmsim {}: no status in the reply", target)));
    const auto* inner = object->if_contains("body");
    return ApiReply{static_cast<unsigned>(status->get_int64()), inner ? *inner : json::value()};
  }

  demo::DemoHttpClient http_;
};

// ---- The chat ------------------------------------------------------------------------------------

class Chat {
 public:
  Chat(Mmsim& mmsim, Transcript& out, const demo::DemoFixture& fixture)
      : mmsim_(mmsim), out_(out), fixture_(fixture) {}

  // Speaks as the fixture's first person, in #town-square (or their first channel).
  Result<void> start() {
    auto first = person(fixture_.first_person(), fixture_.first_person());
    if (!first) return fail(first.error());
    me_ = *first;
    if (auto channels = refresh_channels(); !channels) return channels;
    auto place = default_place();
    if (!place) return fail(place.error());
    place_ = *place;
    return {};
  }

  std::string prompt() { return demo::chat_prompt(me_.username, label(place_)); }
  int failures() const { return failures_; }

  Result<std::string> user_id(std::string_view username) {
    auto found = person(me_.username, username);
    if (!found) return fail(found.error());
    return found->id;
  }

  // Carries out one command; quit and wait belong to the caller's loop.
  void handle(const demo::ChatCommand& command) {
    using Kind = demo::ChatCommandKind;
    switch (command.kind) {
      case Kind::nothing: return;
      case Kind::say: return say(command.text);
      case Kind::as: return switch_user(command.text);
      case Kind::dm: return open_dm(command.text);
      case Kind::join: return join(command.text);
      case Kind::who: return who();
      case Kind::help: {
        const std::string help = demo::chat_help();  // split() returns views into it
        for (const auto piece : util::split(help, '\n'))
          if (!piece.empty()) out_.line(piece);
        return;
      }
      case Kind::invalid: return trouble(command.text);
      case Kind::quit:
      case Kind::wait: return;
    }
  }

  // Shows the posts and edits in the current user's channels that were not shown yet.
  void poll() {
    auto posts = mmsim_.get("/_control/posts");
    if (!posts || !posts->is_array()) {
      report_poll_error(posts ? "mmsim /_control/posts: not a list" : posts.error().message);
      return;
    }
    if (auto channels = refresh_channels(); !channels) {
      report_poll_error(channels.error().message);
      return;
    }
    poll_error_.clear();
    for (const auto& value : posts->get_array()) {
      auto post = demo::parse_post(value);
      if (!post || !channels_.contains(post->channel_id)) continue;
      const auto change = shown_.observe(*post);
      if (!change) continue;
      out_.line(demo::render_post(*change, *post, label(post->channel_id), username_of(post->user_id)));
    }
  }

 private:
  struct Person {
    std::string id;
    std::string username;
    bool is_bot = false;
  };

  void trouble(std::string_view text) {
    ++failures_;
    out_.note(text);
  }

  void report_poll_error(const std::string& message) {
    if (message == poll_error_) return;  // said once, not every 200 ms
    poll_error_ = message;
    out_.note(fmt::format("cannot read the posts: {}", message));
  }

  // A user by name, looked up as `as` (cached).
  Result<Person> person(std::string_view as, std::string_view username) {
    if (auto found = people_.find(std::string(username)); found != people_.end()) return found->second;
    auto reply = mmsim_.act(as, "GET", fmt::format("/api/v4/users/username/{}", username));
    if (!reply) return fail(reply.error());
    if (reply->status == 404) {
      return fail(Error::not_found(fmt::format("there is no user @{}; the people here: {}", username,
                                               util::join(fixture_.people(), ", "))));
    }
    if (reply->status != 200 || !reply->body.is_object())
      return fail(Error::permanent(fmt::format("looking up @{}: {}", username, api_error(*reply))));
    const auto& user = reply->body.get_object();
    const auto* id = user.if_contains("id");
    const auto* is_bot = user.if_contains("is_bot");
    if (id == nullptr || !id->is_string()) return fail(Error::permanent("mmsim sent a user without an id"));
    Person found{std::string(id->get_string()), std::string(username),
                 is_bot && is_bot->is_bool() && is_bot->get_bool()};
    names_[found.id] = found.username;
    people_[found.username] = found;
    return found;
  }

  std::string username_of(std::string_view id) {
    if (auto found = names_.find(std::string(id)); found != names_.end()) return found->second;
    auto reply = mmsim_.act(me_.username, "GET", fmt::format("/api/v4/users/{}", id));
    if (reply && reply->status == 200 && reply->body.is_object()) {
      if (const auto* name = reply->body.get_object().if_contains("username"); name && name->is_string())
        return names_[std::string(id)] = std::string(name->get_string());
    }
    return std::string(id);  // not cached: the next poll asks again
  }

  std::string label(const std::string& channel_id) {
    const auto found = channels_.find(channel_id);
    if (found == channels_.end()) return channel_id;
    return demo::place_label(found->second, me_.id, [this](std::string_view id) { return username_of(id); });
  }

  Result<void> refresh_channels() {
    auto reply = mmsim_.act(me_.username, "GET", fmt::format("/api/v4/users/{}/channels", me_.id));
    if (!reply) return fail(reply.error());
    if (reply->status != 200 || !reply->body.is_array())
      return fail(
          Error::permanent(fmt::format("listing the channels of {}: {}", me_.username, api_error(*reply))));
    channels_.clear();
    channel_order_.clear();
    for (const auto& value : reply->body.get_array()) {
      auto channel = demo::parse_channel(value);
      if (!channel) continue;
      channel_order_.push_back(channel->id);
      channels_.emplace(channel->id, std::move(*channel));
    }
    return {};
  }

  Result<std::string> default_place() const {
    const demo::ChannelView* first_channel = nullptr;
    for (const auto& id : channel_order_) {
      const auto& channel = channels_.at(id);
      if (channel.type != "O" && channel.type != "P") continue;
      if (channel.name == "town-square") return channel.id;
      if (first_channel == nullptr) first_channel = &channel;
    }
    if (first_channel != nullptr) return first_channel->id;
    if (!channel_order_.empty()) return channel_order_.front();
    return fail(Error::not_found(fmt::format("{} is in no channel", me_.username)));
  }

  std::string channel_list() {
    std::vector<std::string> labels;
    for (const auto& id : channel_order_) labels.push_back(label(id));
    return labels.empty() ? std::string("none") : util::join(labels, ", ");
  }

  void say(const std::string& text) {
    auto reply = mmsim_.post(me_.username, place_, text);
    if (!reply) return trouble(fmt::format("could not post: {}", reply.error().message));
    if (reply->status != 201) return trouble(fmt::format("could not post: {}", api_error(*reply)));
    poll();
  }

  void switch_user(const std::string& username) {
    auto found = person(me_.username, username);
    if (!found) return trouble(found.error().message);
    if (found->is_bot) {
      return trouble(fmt::format("@{} is the bot: the gateway speaks for it; /as is for people: {}", username,
                                 util::join(fixture_.people(), ", ")));
    }
    const Person previous = me_;
    me_ = *found;
    if (auto channels = refresh_channels(); !channels) {
      me_ = previous;
      return trouble(channels.error().message);
    }
    if (!channels_.contains(place_)) {
      auto place = default_place();
      if (!place) {
        me_ = previous;
        [[maybe_unused]] auto restored = refresh_channels();
        return trouble(place.error().message);
      }
      place_ = *place;
    }
    out_.note(fmt::format("you are {} now, in {}", me_.username, label(place_)));
    poll();
  }

  void open_dm(const std::string& username) {
    auto other = person(me_.username, username);
    if (!other) return trouble(other.error().message);
    json::array members;
    members.emplace_back(me_.id);
    members.emplace_back(other->id);
    auto reply = mmsim_.act(me_.username, "POST", "/api/v4/channels/direct", members);
    if (!reply) return trouble(fmt::format("could not open the DM: {}", reply.error().message));
    if (reply->status != 201 && reply->status != 200)
      return trouble(fmt::format("could not open the DM: {}", api_error(*reply)));
    auto channel = demo::parse_channel(reply->body);
    if (!channel) return trouble(fmt::format("could not open the DM: {}", channel.error().message));
    const bool existed = channels_.contains(channel->id);
    if (auto channels = refresh_channels(); !channels) return trouble(channels.error().message);
    place_ = channel->id;
    out_.note(fmt::format("{} the DM between {} and {}", existed ? "in" : "created", me_.username,
                          other->username));
    poll();
  }

  void join(const std::string& name) {
    auto teams = mmsim_.act(me_.username, "GET", "/api/v4/users/me/teams");
    if (!teams) return trouble(teams.error().message);
    if (teams->status != 200 || !teams->body.is_array())
      return trouble(fmt::format("listing teams: {}", api_error(*teams)));
    std::optional<demo::ChannelView> channel;
    for (const auto& team : teams->body.get_array()) {
      const auto* team_id = team.is_object() ? team.get_object().if_contains("id") : nullptr;
      if (team_id == nullptr || !team_id->is_string()) continue;
      auto reply = mmsim_.act(
          me_.username, "GET",
          fmt::format("/api/v4/teams/{}/channels/name/{}", std::string(team_id->get_string()), name));
      if (!reply) return trouble(reply.error().message);
      if (reply->status != 200) continue;
      if (auto found = demo::parse_channel(reply->body)) {
        channel = std::move(*found);
        break;
      }
    }
    if (!channel) {
      return trouble(
          fmt::format("{} cannot see a channel named #{} (a private channel needs an invitation); "
                      "{}'s channels: {}",
                      me_.username, name, me_.username, channel_list()));
    }
    const bool member = channels_.contains(channel->id);
    if (!member) {
      const json::object body{{"user_id", me_.id}};
      auto reply =
          mmsim_.act(me_.username, "POST", fmt::format("/api/v4/channels/{}/members", channel->id), body);
      if (!reply) return trouble(reply.error().message);
      if (reply->status != 201 && reply->status != 200)
        return trouble(fmt::format("{} cannot join #{}: {}", me_.username, name, api_error(*reply)));
    }
    if (auto channels = refresh_channels(); !channels) return trouble(channels.error().message);
    place_ = channel->id;
    out_.note(member ? fmt::format("{} is in #{}", me_.username, name)
                     : fmt::format("{} joined #{}", me_.username, name));
    poll();
  }

  void who() {
    out_.note(fmt::format("you are {}, in {}", me_.username, label(place_)));
    out_.note(
        fmt::format("people: {}; the bot: @{}", util::join(fixture_.people(), ", "), fixture_.bot_username));
    out_.note(fmt::format("{}'s channels: {}", me_.username, channel_list()));
  }

  Mmsim& mmsim_;
  Transcript& out_;
  const demo::DemoFixture& fixture_;
  Person me_;
  std::string place_;                                            // a channel id
  std::unordered_map<std::string, demo::ChannelView> channels_;  // the current user's
  std::vector<std::string> channel_order_;
  std::unordered_map<std::string, Person> people_;      // by username
  std::unordered_map<std::string, std::string> names_;  // username by user id
  demo::ShownPosts shown_;
  std::string poll_error_;
  int failures_ = 0;
};

// ---- The loops -----------------------------------------------------------------------------------

// Keeps an eye on the children while the chat runs: says when the gateway ends on its own, and
// notices when a simulator dies (the demo cannot go on without mmsim).
class Watch {
 public:
  Watch(Children& children, Transcript& out) : children_(children), out_(out) {}

  void gateway_running(bool running) { gateway_running_ = running; }

  // False when the demo cannot go on.
  bool check() {
    if (gateway_running_ && children_.gateway && !children_.gateway->running()) {
      gateway_running_ = false;
      const auto status = children_.gateway->wait(milliseconds(0));
      out_.note(fmt::format(
          "the gateway stopped: {}",
          demo::gateway_exit_note(status.value_or(-1), children_.gateway->output(util::Stream::err))));
    }
    if (children_.mmsim && !children_.mmsim->running()) {
      const auto status = children_.mmsim->wait(milliseconds(0));
      out_.note(fmt::format("mmsim stopped unexpectedly (status {}){}", status.value_or(-1),
                            last_lines(children_.mmsim->output(util::Stream::err), 5)));
      return false;
    }
    return true;
  }

 private:
  Children& children_;
  Transcript& out_;
  bool gateway_running_ = false;
};

// Watches for `duration`: polls mmsim every kPollInterval. False when the demo cannot go on.
bool watch_for(milliseconds duration, Chat& chat, Watch& watch) {
  const auto deadline = Clock::now() + duration;
  while (!stopping()) {
    chat.poll();
    if (!watch.check()) return false;
    const auto now = Clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, deadline - now));
  }
  return true;
}

// Lines from stdin, read without blocking longer than asked.
class InputLines {
 public:
  // Waits until `deadline` at most for input; returns the complete lines that arrived.
  std::vector<std::string> read_until(Clock::time_point deadline) {
    std::vector<std::string> lines;
    const auto wait = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
    pollfd polled{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&polled, 1, static_cast<int>(std::clamp<long long>(wait, 0, 1000)));
    if (ready <= 0) return lines;  // nothing yet, or a signal
    char buffer[4096];
    const auto n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return lines;
    if (n <= 0) {
      eof_ = true;
      if (!pending_.empty()) lines.push_back(std::exchange(pending_, std::string()));
      return lines;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto newline = pending_.find('\n'); newline != std::string::npos;
         newline = pending_.find('\n', start)) {
      lines.push_back(pending_.substr(start, newline - start));
      start = newline + 1;
    }
    pending_.erase(0, start);
    if (pending_.size() > kMaxInputLine) lines.push_back(std::exchange(pending_, std::string()));
    return lines;
  }
  bool eof() const { return eof_; }

 private:
  std::string pending_;
  bool eof_ = false;
};

// The terminal chat (or lines piped to stdin). Returns false when the demo cannot go on.
bool run_chat(Chat& chat, Watch& watch, Transcript& out, bool echo_input) {
  InputLines input;
  auto next_poll = Clock::now() + kPollInterval;
  if (!echo_input) out.show_prompt(chat.prompt());
  while (!stopping()) {
    for (const auto& line : input.read_until(next_poll)) {
      if (echo_input)
        out.line(chat.prompt() + std::string(util::trim(line)));
      else
        out.prompt_consumed();
      const auto command = demo::parse_chat_line(line);
      if (command.kind == demo::ChatCommandKind::quit) return true;
      if (command.kind == demo::ChatCommandKind::wait) {
        if (!watch_for(command.wait, chat, watch)) return false;
      } else {
        chat.handle(command);
      }
      if (stopping()) return true;
    }
    if (input.eof()) {
      out.note("end of input");
      return true;
    }
    if (Clock::now() >= next_poll) {
      chat.poll();
      if (!watch.check()) return false;
      next_poll = Clock::now() + kPollInterval;
    }
    if (!echo_input) out.show_prompt(chat.prompt());
  }
  return true;
}

// A script: the same lines a person would type. Returns false when the demo cannot go on.
bool run_script(const std::vector<std::string>& lines, Chat& chat, Watch& watch, Transcript& out) {
  for (const auto& line : lines) {
    if (stopping()) return true;
    if (demo::is_script_comment(line)) continue;
    out.line(chat.prompt() + std::string(util::trim(line)));
    const auto command = demo::parse_chat_line(line);
    if (command.kind == demo::ChatCommandKind::quit) break;
    if (command.kind == demo::ChatCommandKind::wait) {
      if (!watch_for(command.wait, chat, watch)) return false;
      continue;
    }
    chat.handle(command);
    if (!watch.check()) return false;
  }
  chat.poll();
  return true;
}

// Watches a gateway that was just started: it exits (today: "not available yet"), connects to
// mmsim as the bot, or neither within kGatewayWatch. True while it runs.
bool watch_gateway_start(util::ChildProcess& gateway, Mmsim& mmsim, const std::string& bot_id,
                         const std::string& bot_username, Transcript& out) {
  const auto deadline = Clock::now() + kGatewayWatch;
  while (!stopping() && Clock::now() < deadline) {
    if (auto status = gateway.wait(milliseconds(100))) {
      out.note(demo::gateway_exit_note(*status, gateway.output(util::Stream::err)));
      return false;
    }
    auto connections = mmsim.get("/_control/connections");
    if (!connections || !connections->is_array()) continue;
    for (const auto& connection : connections->get_array()) {
      const auto* object = connection.if_object();
      if (object == nullptr) continue;
      const auto* user = object->if_contains("user_id");
      const auto* authenticated = object->if_contains("authenticated");
      if (user && user->is_string() && user->get_string() == bot_id && authenticated &&
          authenticated->is_bool() && authenticated->get_bool()) {
        out.note(fmt::format("the gateway is connected to mmsim as @{}: it answers as the config says",
                             bot_username));
        return true;
      }
    }
  }
  if (!stopping())
    out.note(fmt::format("the gateway is running but has not connected to mmsim as @{} yet", bot_username));
  return true;
}

int usage_failure(std::string_view message) {
  std::cerr << "mmclaw demo: " << message << '\n';
  return kExitUsage;
}

int runtime_failure(std::string_view message) {
  std::cerr << "mmclaw demo: " << message << '\n';
  return kExitFailure;
}

int run_demo_session(const GlobalOptions& global, const DemoOptions& options) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const fs::path exe = self_exe();

  // What the command line names is read first: a wrong path is a usage error before anything starts.
  std::vector<std::string> script;
  if (options.script) {
    auto text = read_text(*options.script);
    if (!text) return usage_failure(fmt::format("--script: {}", text.error().message));
    for (const auto line : util::split(*text, '\n')) script.emplace_back(line);
  }
  const fs::path example_path =
      global.config ? *global.config : find_source_file(cwd, exe, "examples/openclaw.json");
  auto example = read_text(example_path);
  if (!example)
    return usage_failure(
        fmt::format("{} (the config the demo's gateway starts from)", example.error().message));
  fs::path fixture_path =
      options.fixture ? *options.fixture : find_source_file(cwd, exe, "examples/demo-fixture.json");
  auto fixture_text = read_text(fixture_path);
  if (!fixture_text)
    return usage_failure(fmt::format("{} (the demo's mmsim fixture)", fixture_text.error().message));
  auto fixture = demo::read_demo_fixture(*fixture_text);
  if (!fixture) return usage_failure(fmt::format("{}: {}", fixture_path.string(), fixture.error().message));
  fixture_path = fs::absolute(fixture_path, ec);

  auto mmsim_path = find_tool(options.mmsim, "mmsim", "the Mattermost simulator", exe);
  if (!mmsim_path) return runtime_failure(mmsim_path.error().message);
  auto llmsim_path = find_tool(options.llmsim, "llmsim", "the LLM simulator", exe);
  if (!llmsim_path) return runtime_failure(llmsim_path.error().message);
  if (exe.empty())
    return runtime_failure("cannot find the mmclaw binary itself (/proc/self/exe) to run the gateway");
  auto temp = TempDir::create();
  if (!temp) return runtime_failure(temp.error().message);

  Transcript out(::isatty(STDOUT_FILENO) == 1);
  const bool echo_input = options.script.has_value() || ::isatty(STDIN_FILENO) != 1;
  Children children;

  // The simulators.
  std::vector<std::string> mmsim_argv{mmsim_path->string(),  "--exit-with-parent", "--port",      "0",   "--fixture",
                                      fixture_path.string(), "--log-level", "warn"};
  auto mmsim_port = start_simulator(children.mmsim, std::move(mmsim_argv));
  if (!mmsim_port) return runtime_failure(mmsim_port.error().message);
  const std::string mattermost_url = fmt::format("http://127.0.0.1:{}", *mmsim_port);
  out.note(
      fmt::format("mmsim, the Mattermost simulator: {} (fixture {})", mattermost_url, fixture_path.string()));
  std::vector<std::string> llmsim_argv{llmsim_path->string(), "--port", "0", "--log-level", "warn", "--exit-with-parent"};
  auto llmsim_port = start_simulator(children.llmsim, std::move(llmsim_argv));
  if (!llmsim_port) return runtime_failure(llmsim_port.error().message);
  const std::string llm_url = fmt::format("http://127.0.0.1:{}", *llmsim_port);
  out.note(fmt::format("llmsim, the LLM simulator: {}", llm_url));

  // The gateway, with the example config pointed at them.
  const fs::path config_path = temp->path() / "openclaw.json";
  // A port of its own for the gateway's HTTP surface, so the demo runs next to a real gateway.
  auto gateway_port = util::free_loopback_port();
  if (!gateway_port) return runtime_failure(gateway_port.error().message);
  demo::DemoEndpoints endpoints{mattermost_url, llm_url + "/v1", fixture->bot_token,
                                (temp->path() / "mmclaw.db").string(), *gateway_port};
  auto config = demo::make_demo_config(*example, endpoints);
  if (!config) return usage_failure(fmt::format("{}: {}", example_path.string(), config.error().message));
  {
    std::ofstream file(config_path, std::ios::binary);
    file << *config << '\n';
    if (!file) return runtime_failure(fmt::format("cannot write {}", config_path.string()));
  }
  out.note(fmt::format("mmclaw gateway --config {} (from {})", config_path.string(), example_path.string()));
  util::ChildOptions gateway_options;
  gateway_options.argv = {exe.string(), "--config", config_path.string(), "gateway"};
  auto gateway = util::ChildProcess::spawn(gateway_options);
  if (!gateway) return runtime_failure(gateway.error().message);
  children.gateway.emplace(std::move(*gateway));

  Mmsim mmsim(*mmsim_port);
  Chat chat(mmsim, out, *fixture);
  if (auto started = chat.start(); !started) return runtime_failure(started.error().message);
  auto bot_id = chat.user_id(fixture->bot_username);
  if (!bot_id) return runtime_failure(bot_id.error().message);
  Watch watch(children, out);
  watch.gateway_running(watch_gateway_start(*children.gateway, mmsim, *bot_id, fixture->bot_username, out));

  bool healthy = true;
  if (!stopping()) {
    if (!options.script) out.note("type /help for the commands, /quit to leave");
    chat.poll();
    healthy = options.script ? run_script(script, chat, watch, out) : run_chat(chat, watch, out, echo_input);
  }
  if (healthy && options.keep_running && !stopping()) {
    out.note(fmt::format("still running (--keep-running): mmsim on {}, llmsim on {}; Ctrl-C stops everything",
                         mattermost_url, llm_url));
    while (healthy && !stopping()) healthy = watch_for(kPollInterval, chat, watch);
  }

  out.note("stopping the gateway, llmsim and mmsim");
  children.stop();
  out.note("stopped");
  if (stopping()) return 128 + static_cast<int>(g_signal);
  if (!healthy) return kExitFailure;
  if (options.script && chat.failures() > 0) {
    std::cerr << fmt::format("mmclaw demo: {} line{} of {} failed (see the transcript)\n", chat.failures(),
                             chat.failures() == 1 ? "" : "s", options.script->string());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int run_demo(const GlobalOptions& global, const DemoOptions& options) {
  SignalScope signals;
  try {
    return run_demo_session(global,
                            options);  // its Children stop every child on the way out, exceptions included
  } catch (const std::exception& e) {
    return runtime_failure(fmt::format("unexpected error: {}", e.what()));
  }
}

}  // namespace mmclaw::app
