#include "app/cmd_message.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "agent/message_tool.hpp"
#include "app/cli_account.hpp"
#include "app/outbound_send.hpp"
#include "app/media_files.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Text read from stdin is bounded: a runaway pipe must not fill the memory.
constexpr std::size_t kMaxStdinBytes = 1024 * 1024;

int usage_error(std::string_view message) {
  std::cerr << "mmclaw: " << message << '\n';
  return kExitUsage;
}

int failure(std::string_view message) {
  std::cerr << "mmclaw: " << message << '\n';
  return kExitFailure;
}

std::expected<std::string, std::string> read_stdin() {
  std::string text;
  char buffer[16384];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > kMaxStdinBytes)
      return std::unexpected(fmt::format("the message text on stdin is larger than {}", describe_size(kMaxStdinBytes)));
  }
  // A trailing newline from `echo` or a heredoc is not part of the message.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// A local file named relative to the working directory is made absolute; URLs stay as they are.
std::string file_reference(const std::string& file) {
  if (is_http_url(file) || file.starts_with("file:")) return file;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec);
  return ec ? file : absolute.string();
}


// A target that could not be resolved: a malformed one is a usage error naming the option.
std::pair<int, std::string> target_failure(const mattermost::ResolveError& error) {
  if (error.invalid_target) return {kExitUsage, fmt::format("--target: {}", error.message)};
  return {kExitFailure, error.message};
}

struct SendOutcome {
  int exit_code = kExitOk;
  std::string error;
  mattermost::ResolvedTarget target;
  std::string root_id;
  OutboundResult result;
};

asio::awaitable<SendOutcome> send(CliAccount& cli, const MessageOptions& options, OutboundMessage message) {
  SendOutcome out;
  auto target = co_await cli.targets->resolve(options.target);
  if (!target) {
    std::tie(out.exit_code, out.error) = target_failure(target.error());
    co_return out;
  }
  out.target = *target;
  message.channel_id = target->channel_id;
  // §5.5: a reply goes to the thread of the post it answers (a reply's root, or the post itself).
  if (options.reply_to) {
    auto post = co_await cli.api->get_post(*options.reply_to);
    if (!post) {
      out.exit_code = kExitFailure;
      out.error = fmt::format("Mattermost post {} cannot be read: {}", *options.reply_to, post.error().error.message);
      co_return out;
    }
    if (post->channel_id != target->channel_id) {
      out.exit_code = kExitUsage;
      out.error = fmt::format("--reply-to: post {} is in channel {}, not in the target's channel {}",
                              *options.reply_to, post->channel_id, target->channel_id);
      co_return out;
    }
    message.root_id = post->root_id.empty() ? post->id : post->root_id;
  }
  out.root_id = message.root_id;
  OutboundContext context{*cli.api, *cli.account, *cli.snapshot, [&cli]() -> net::HttpClient& { return cli.media_client(); }};
  out.result = co_await send_outbound(context, std::move(message));
  if (out.result.error) {
    out.exit_code = kExitFailure;
    out.error = *out.result.error;
  }
  co_return out;
}

}  // namespace

int run_message_send(const GlobalOptions& global, const MessageOptions& options) {
  OutboundMessage message;
  if (options.text == "-") {
    auto text = read_stdin();
    if (!text) return usage_error(text.error());
    message.text = std::move(*text);
  } else {
    message.text = options.text;
  }
  if (options.buttons) {
    boost::system::error_code ec;
    const json::value rows = json::parse(*options.buttons, ec);
    if (ec) return usage_error(fmt::format("--buttons is not JSON: {}", ec.message()));
    auto buttons = agent::parse_message_buttons(rows);
    if (!buttons) return usage_error(fmt::format("--buttons: {}", buttons.error()));
    message.buttons = std::move(*buttons);
  }
  if (!options.attachment_text.empty() && message.buttons.empty())
    return usage_error("--attachment-text is the text above buttons: give --buttons too");
  if (options.file) message.file = file_reference(*options.file);

  auto cli = open_cli_account(global, options.account);
  if (!cli) return cli.error();
  message.attachment_text = options.attachment_text;
  const auto out = (*cli)->run(send(**cli, options, std::move(message)));
  if (out.exit_code == kExitUsage) return usage_error(out.error);
  if (out.exit_code != kExitOk && out.result.post_ids.empty()) return failure(out.error);
  if (options.json) {
    json::array ids;
    for (const auto& id : out.result.post_ids) ids.emplace_back(id);
    json::object result{{"ok", out.exit_code == kExitOk},
                        {"postId", out.result.post_ids.front()},
                        {"postIds", std::move(ids)},
                        {"channelId", out.target.channel_id},
                        {"to", out.target.to},
                        {"kind", std::string(mattermost::to_string(out.target.kind))},
                        {"rootId", out.root_id}};
    if (out.result.file_id) result["fileId"] = *out.result.file_id;
    if (out.exit_code != kExitOk) result["error"] = out.error;
    std::cout << json::serialize(result) << '\n';
  } else {
    std::cout << out.result.post_ids.front() << '\n';
  }
  // Part of the message was posted before the failure: the ids say what, the error why.
  if (out.exit_code != kExitOk) return failure(out.error);
  return kExitOk;
}

int run_message_react(const GlobalOptions& global, const MessageOptions& options) {
  auto cli = open_cli_account(global, options.account);
  if (!cli) return cli.error();
  // The tool's own checks and texts (§5.7); an operator's call needs no conversation check.
  agent::MessageToolOptions tool;
  tool.reactions_enabled = (*cli)->account->actions_reactions;
  const json::object arguments{
      {"action", "react"}, {"messageId", options.post}, {"emoji", options.emoji}, {"remove", options.remove}};
  auto parsed = agent::parse_message_tool_call(json::serialize(arguments), tool);
  if (!parsed) return usage_error(parsed.error());
  const auto& react = std::get<agent::ReactCall>(*parsed);
  auto& account = **cli;
  const auto error = account.run([&]() -> asio::awaitable<std::optional<std::string>> {
    auto bot = co_await account.targets->bot_id();
    if (!bot) co_return bot.error().message;
    // Not `c ? co_await a : co_await b`: GCC 12 destroys such a result twice on the error path.
    mattermost::ApiResult<void> done;
    if (react.remove)
      done = co_await account.api->remove_reaction(*bot, react.post_id, react.emoji);
    else
      done = co_await account.api->add_reaction(*bot, react.post_id, react.emoji);
    if (!done) co_return fmt::format("Mattermost reaction failed: {}", done.error().error.message);
    co_return std::nullopt;
  }());
  if (error) return failure(*error);
  if (options.json)
    std::cout << json::serialize(json::object{
                     {"ok", true}, {"postId", react.post_id}, {"emoji", react.emoji}, {"removed", react.remove}})
              << '\n';
  else
    std::cout << agent::reaction_result_text(react.emoji, react.post_id, react.remove) << '\n';
  return kExitOk;
}

int run_message_read(const GlobalOptions& global, const MessageOptions& options) {
  auto cli = open_cli_account(global, options.account);
  if (!cli) return cli.error();
  auto& account = **cli;
  struct ReadOutcome {
    int exit_code = kExitOk;
    std::string error;
    std::string channel_id;
    mattermost::PostList list;
    std::map<std::string, std::string> usernames;
  };
  const auto out = account.run([&]() -> asio::awaitable<ReadOutcome> {
    ReadOutcome read;
    auto target = co_await account.targets->resolve(options.target);
    if (!target) {
      std::tie(read.exit_code, read.error) = target_failure(target.error());
      co_return read;
    }
    read.channel_id = target->channel_id;
    mattermost::PostsQuery query;
    query.per_page = options.limit;
    if (options.before) query.before = *options.before;
    if (options.after) query.after = *options.after;
    auto list = co_await account.api->get_channel_posts(target->channel_id, query);
    if (!list) {
      read.exit_code = kExitFailure;
      read.error = fmt::format("Mattermost read failed: {}", list.error().error.message);
      co_return read;
    }
    read.list = std::move(*list);
    if (!options.json) {
      // Names for the text listing; an unknown author keeps its id.
      std::vector<std::string> ids;
      for (const auto& post : read.list.posts)
        if (std::find(ids.begin(), ids.end(), post.user_id) == ids.end()) ids.push_back(post.user_id);
      if (!ids.empty())
        if (auto users = co_await account.api->get_users_by_ids(ids))
          for (const auto& user : *users) read.usernames[user.id] = user.username;
    }
    co_return read;
  }());
  if (out.exit_code == kExitUsage) return usage_error(out.error);
  if (out.exit_code != kExitOk) return failure(out.error);
  const bool has_more = options.after ? !out.list.next_post_id.empty() : !out.list.prev_post_id.empty();
  if (options.json) {
    json::array messages;
    for (const auto& post : out.list.posts) {
      if (post.delete_at != 0) continue;
      messages.push_back(json::object{{"id", post.id},
                                      {"userId", post.user_id},
                                      {"message", post.message},
                                      {"rootId", post.root_id},
                                      {"timestampMs", post.create_at}});
    }
    std::cout << json::serialize(json::object{
                     {"ok", true}, {"channelId", out.channel_id}, {"messages", std::move(messages)}, {"hasMore", has_more}})
              << '\n';
    return kExitOk;
  }
  // Oldest first, as a chat reads; the server lists the newest first.
  for (auto it = out.list.posts.rbegin(); it != out.list.posts.rend(); ++it) {
    if (it->delete_at != 0) continue;
    const auto name = out.usernames.find(it->user_id);
    std::cout << fmt::format("{} {} {}{}: {}\n", util::utc_time(it->create_at), it->id,
                             name != out.usernames.end() ? "@" + name->second : it->user_id,
                             it->root_id.empty() ? "" : fmt::format(" (in thread {})", it->root_id), it->message);
  }
  if (has_more) std::cout << "(more posts: use --before or --after with a post id)\n";
  return kExitOk;
}

}  // namespace mmclaw::app
