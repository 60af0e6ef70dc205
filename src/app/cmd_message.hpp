#pragma once
// `mmclaw message send|react|read` (PRODUCT.md, channel-behaviour §5): scripts and cron jobs talk
// to Mattermost as the bot, from the config's account, without a running gateway. Targets are
// resolved as the message tool resolves them (§5.1, the DM retry of §5.2); text is chunked and
// threaded, files and buttons attached, as the gateway does.
// Exit codes: 0 ok; 1 the send (react, read) failed, with the reference's error text; 2 a usage
// or config error (an unknown account, an empty target, unreadable --buttons JSON, ...).

#include <optional>
#include <string>

#include "app/cli.hpp"

namespace mmclaw::app {

struct MessageOptions {
  std::optional<std::string> account;
  std::string target;
  std::optional<std::string> reply_to;
  std::optional<std::string> file;
  std::optional<std::string> buttons;  // JSON: rows of {text, callback_data, style}
  std::string attachment_text;
  std::string text;  // "-" = read it from stdin
  std::string post;
  std::string emoji;
  bool remove = false;
  bool json = false;
  int limit = 60;
  std::optional<std::string> before;
  std::optional<std::string> after;
};

int run_message_send(const GlobalOptions& global, const MessageOptions& options);
int run_message_react(const GlobalOptions& global, const MessageOptions& options);
int run_message_read(const GlobalOptions& global, const MessageOptions& options);

}  // namespace mmclaw::app
