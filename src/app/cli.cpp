#include "app/cli.hpp"

#include <iostream>
#include <tuple>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app/cmd_config.hpp"
#include "app/cmd_gateway.hpp"
#include "app/cmd_demo.hpp"
#include "app/cmd_directory.hpp"
#include "app/cmd_message.hpp"
#include "app/cmd_pairing.hpp"
#include "app/cmd_status.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

namespace {

// Commands whose implementation arrives with later work say so plainly instead of pretending.
int not_available(std::string_view command) {
  std::cerr << fmt::format("mmclaw {}: not available yet in this version of mmclaw\n", command);
  return kExitUsage;
}

std::optional<int> init_logging(const GlobalOptions& global) {
  log::Options options;
  if (global.log_format) {
    const auto format = log::parse_format(*global.log_format);
    if (!format) {
      std::cerr << fmt::format("mmclaw: --log-format must be text or json (got \"{}\")\n",
                               *global.log_format);
      return kExitUsage;
    }
    options.format = *format;
  }
  if (global.log_level) {
    const auto level = log::parse_level(*global.log_level);
    if (!level) {
      std::cerr << fmt::format(
          "mmclaw: --log-level must be trace, debug, info, warn, error or off (got \"{}\")\n",
          *global.log_level);
      return kExitUsage;
    }
    options.level = *level;
  }
  log::init(options);
  return std::nullopt;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"mmclaw: a small, fast gateway that puts AI agents into Mattermost", "mmclaw"};
  app.set_version_flag("--version", std::string("mmclaw ") + MMCLAW_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option("--config", global.config,
                 "Config file (default: $OPENCLAW_CONFIG_PATH, else ~/.openclaw/openclaw.json)");
  app.add_option("--log-format", global.log_format, "Log line format: text or json");
  app.add_option("--log-level", global.log_level, "Log level: trace, debug, info, warn, error, off");

  enum class Command {
    none,
    gateway,
    config_check,
    config_show,
    doctor,
    status,
    pairing_list,
    pairing_approve,
    pairing_deny,
    message_send,
    message_react,
    message_read,
    directory_channels,
    directory_users,
    demo
  };
  Command chosen = Command::none;
  const auto choose = [&](Command c) { return [&chosen, c] { chosen = c; }; };

  app.add_subcommand("gateway", "Run the gateway: connect every enabled account and answer")
      ->callback(choose(Command::gateway));

  auto* config = app.add_subcommand("config", "Check or show the configuration");
  config->require_subcommand(1);
  config->add_subcommand("check", "Validate the config: a summary per account, or every error (exit 2)")
      ->callback(choose(Command::config_check));
  config->add_subcommand("show", "Print the resolved per-account config as JSON (secrets shown as \"***\")")
      ->callback(choose(Command::config_show));

  bool fix = false;
  auto* doctor = app.add_subcommand("doctor", "Diagnose connectivity, membership, permissions and callbacks");
  doctor->add_flag("--fix", fix, "Migrate legacy and third-party keys in the config file");
  doctor->callback(choose(Command::doctor));

  StatusOptions status_options;
  auto* status = app.add_subcommand("status", "Accounts, connection state and last errors of the running gateway");
  status->add_flag("--json", status_options.json, "Print the gateway's readiness report as JSON");
  status->callback(choose(Command::status));

  PairingOptions pairing_options;
  auto* pairing = app.add_subcommand("pairing", "Pending DM pairing requests");
  pairing->require_subcommand(1);
  auto* pairing_list = pairing->add_subcommand("list", "List pending pairing requests");
  pairing_list->add_option("--account", pairing_options.account, "Only this account's requests");
  pairing_list->add_flag("--json", pairing_options.json, "Print the requests as a JSON array");
  pairing_list->callback(choose(Command::pairing_list));
  auto* approve = pairing->add_subcommand("approve", "Approve a pairing code");
  approve->add_option("CODE", pairing_options.code, "The pairing code (case does not matter)")->required();
  approve->add_option("--account", pairing_options.account, "Only look at this account's requests");
  approve->callback(choose(Command::pairing_approve));
  auto* deny = pairing->add_subcommand("deny", "Deny a pairing code");
  deny->add_option("CODE", pairing_options.code, "The pairing code (case does not matter)")->required();
  deny->add_option("--account", pairing_options.account, "Only look at this account's requests");
  deny->callback(choose(Command::pairing_deny));

  MessageOptions msg;
  auto* message = app.add_subcommand("message", "Send, react to and read Mattermost messages as the bot");
  message->require_subcommand(1);
  auto* send = message->add_subcommand("send", "Send a message to a target");
  send->add_option("--target", msg.target, "channel:<id>, user:<id>, @username, #channel-name or an id")
      ->required();
  send->add_option("--account", msg.account, "Account id (default: the default account)");
  send->add_option("--reply-to", msg.reply_to, "Post id to reply to (the reply goes to its thread)");
  send->add_option("--file", msg.file, "A file to attach: a path in mmclaw.media.allowedDirs, or an http(s) URL");
  send->add_option("--buttons", msg.buttons, "Interactive buttons: JSON rows of {text, callback_data, style}");
  send->add_option("--attachment-text", msg.attachment_text, "Text shown above the buttons");
  send->add_flag("--json", msg.json, "Print the full result as JSON");
  send->add_option("TEXT", msg.text, "Message text, or - to read it from stdin")->required();
  send->callback(choose(Command::message_send));
  auto* react = message->add_subcommand("react", "Add or remove a reaction");
  react->add_option("--post", msg.post, "Post id")->required();
  react->add_option("--emoji", msg.emoji, "Emoji name or glyph")->required();
  react->add_flag("--remove", msg.remove, "Remove the reaction instead of adding it");
  react->add_option("--account", msg.account, "Account id (default: the default account)");
  react->add_flag("--json", msg.json, "Print the result as JSON");
  react->callback(choose(Command::message_react));
  auto* read = message->add_subcommand("read", "Read recent posts of a channel");
  read->add_option("--target", msg.target, "The channel: channel:<id>, #channel-name, @username (the DM) or an id")
      ->required();
  read->add_option("--limit", msg.limit, "How many posts (1-200, default 60)")->check(CLI::Range(1, 200));
  auto* before = read->add_option("--before", msg.before, "Posts before this post id");
  read->add_option("--after", msg.after, "Posts after this post id")->excludes(before);
  read->add_option("--account", msg.account, "Account id (default: the default account)");
  read->add_flag("--json", msg.json, "Print the result as JSON");
  read->callback(choose(Command::message_read));

  DirectoryOptions directory_options;
  auto* directory = app.add_subcommand("directory", "Channels and users the bot can see");
  directory->require_subcommand(1);
  for (const auto& [name, help, query_help, command] :
       {std::tuple{"channels", "Public and private channels the bot is a member of",
                   "Only channels whose name or display name contains this text", Command::directory_channels},
        std::tuple{"users", "Users of the bot's first team",
                   "Search the team: users whose username, name or nickname starts with this text",
                   Command::directory_users}}) {
    auto* sub = directory->add_subcommand(name, help);
    sub->add_option("--query", directory_options.query, query_help);
    sub->add_option("--limit", directory_options.limit, "At most this many entries")->check(CLI::Range(1, 1000));
    sub->add_option("--account", directory_options.account, "Account id (default: the default account)");
    sub->add_flag("--json", directory_options.json, "Print a JSON array");
    sub->callback(choose(command));
  }

  DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "Run the whole flow on the bundled Mattermost and LLM simulators");
  demo->add_option("--script", demo_options.script, "Run the chat lines of FILE instead of the terminal's")
      ->type_name("FILE");
  demo->add_option("--mmsim", demo_options.mmsim, "The mmsim binary (default: next to the build, or PATH)")
      ->type_name("PATH");
  demo->add_option("--llmsim", demo_options.llmsim, "The llmsim binary (default: as for --mmsim)")
      ->type_name("PATH");
  demo->add_option("--fixture", demo_options.fixture, "mmsim fixture (default: examples/demo-fixture.json)")
      ->type_name("PATH");
  demo->add_flag("--keep-running", demo_options.keep_running,
                 "After the chat or script, keep the simulators and the gateway running until Ctrl-C");
  demo->callback(choose(Command::demo));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (auto code_on_error = init_logging(global)) return *code_on_error;

  switch (chosen) {
    case Command::config_check: return run_config_check(global);
    case Command::config_show: return run_config_show(global);
    case Command::gateway: return run_gateway(global);
    case Command::doctor: return not_available("doctor");
    case Command::status: return run_status(global, status_options);
    case Command::pairing_list: return run_pairing_list(global, pairing_options);
    case Command::pairing_approve: return run_pairing_approve(global, pairing_options);
    case Command::pairing_deny: return run_pairing_deny(global, pairing_options);
    case Command::message_send: return run_message_send(global, msg);
    case Command::message_react: return run_message_react(global, msg);
    case Command::message_read: return run_message_read(global, msg);
    case Command::directory_channels: return run_directory_channels(global, directory_options);
    case Command::directory_users: return run_directory_users(global, directory_options);
    case Command::demo: return run_demo(global, demo_options);
    case Command::none: break;
  }
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace mmclaw::app
