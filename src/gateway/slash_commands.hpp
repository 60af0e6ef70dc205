#pragma once
// Native slash commands (channel-behaviour §9), the pure part: the command set of §9.1 and how an
// invocation maps onto a control command, the per-team registration plan of §9.2, the callback
// payload of §9.4 (form or JSON) and the matching of its token to a registered command. No I/O:
// the shell lists, creates and validates commands over REST and serves the callback.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mattermost/rest_types.hpp"

namespace mmclaw::gateway {

// §9.4 texts, byte for byte.
inline constexpr std::string_view kSlashNotReady = "Slash commands are not yet initialized. Please try again in a moment.";
inline constexpr std::string_view kSlashInvalidPayload = "Invalid slash command payload.";
inline constexpr std::string_view kSlashUnauthorizedToken = "Unauthorized: invalid command token.";
inline constexpr std::string_view kSlashProcessing = "Processing...";
inline constexpr std::string_view kSlashFailed = "Sorry, something went wrong processing that command.";
// Mattermost keeps at most this many bytes of a command's description (§9.2).
inline constexpr std::size_t kMaxCommandDescriptionBytes = 128;

// One command of §9.1.
struct SlashCommandSpec {
  std::string trigger;      // without `/`: oc_status
  std::string command;      // the control command it stands for, without `/`: status
  std::string description;  // at most kMaxCommandDescriptionBytes (cut on a UTF-8 boundary)
  std::string hint;         // autocomplete hint, e.g. `[on|off]`
  bool operator==(const SlashCommandSpec&) const = default;
};

// The nine commands of §9.1 in their order (oc_status, oc_model, oc_models, oc_new, oc_help,
// oc_think, oc_reasoning, oc_verbose, oc_queue).
std::vector<SlashCommandSpec> native_command_specs();

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8_bytes(std::string_view text, std::size_t max_bytes);

// The control command text of an invocation: `/<command>` plus ` <trimmed text>` when the text is
// not blank (`oc_status` + `now` → `/status now`). nullopt for a trigger (with or without its
// leading `/`, any case) that is not one of `specs`.
std::optional<std::string> invocation_text(std::span<const SlashCommandSpec> specs, std::string_view trigger,
                                           std::string_view text);

// ---- Registration (§9.2) -----------------------------------------------------------------------

struct RegistrationStep {
  enum class Action {
    skip_foreign,  // the trigger is used only by commands someone else created: leave it
    reuse,         // our command with the same URL and method P: keep it (and its token)
    update,        // our command with another URL or method: PUT it (on failure: delete, create)
    create,        // none: POST it (and delete it when the account stops)
  };
  Action action = Action::create;
  SlashCommandSpec spec;
  std::optional<mattermost::SlashCommand> existing;  // reuse and update: ours; skip: the first foreign one
};

// The plan for one team: one step per spec, in the specs' order. `existing` is the team's custom
// commands (`GET /commands?team_id=&custom_only=true`); deleted ones (delete_at > 0) and other
// teams' are ignored. Ours = created by `bot_id`; when several of ours share a trigger, the first
// with the same URL and method wins, else the first.
std::vector<RegistrationStep> plan_registration(std::span<const SlashCommandSpec> specs,
                                                std::span<const mattermost::SlashCommand> existing,
                                                std::string_view team_id, std::string_view bot_id,
                                                std::string_view url);

// The command to POST (no id) or PUT (with `id`) for a spec: method P, auto_complete on,
// auto_complete_desc = description.
mattermost::SlashCommand command_for(const SlashCommandSpec& spec, std::string_view team_id, std::string_view url,
                                     std::string_view id = {});

// ---- The callback (§9.4) ------------------------------------------------------------------------

struct SlashPayload {
  std::string token;  // secret: never logged
  std::string team_id;
  std::string channel_id;
  std::string user_id;
  std::string user_name;
  std::string command;  // as sent: `/oc_status`
  std::string text;
  std::string trigger_id;
  bool operator==(const SlashPayload&) const = default;
};

// The body as JSON (when `content_type` contains `application/json`, any case) or as
// application/x-www-form-urlencoded (`+` is a space; percent escapes decoded). nullopt when it
// cannot be read or one of token, team_id, channel_id, user_id, command is missing or empty.
std::optional<SlashPayload> parse_slash_payload(std::string_view content_type, std::string_view body);

// The trigger of a payload's command: without the leading `/`, lower case.
std::string payload_trigger(std::string_view command);

// §9.4 step 4: the registered command of the payload's team and trigger whose token equals the
// payload's (constant-time); nullptr when there is none (a token of another command included).
const mattermost::SlashCommand* match_registered(std::span<const mattermost::SlashCommand> registered,
                                                 const SlashPayload& payload);

// §9.4 step 5: the command Mattermost has now still is the one registered: not deleted, same id,
// team, trigger, method P, URL and token (constant-time).
bool live_command_matches(const mattermost::SlashCommand& live, const mattermost::SlashCommand& registered);

// ---- Routing between accounts (§9.3) ---------------------------------------------------------

inline constexpr std::string_view kSlashTokenConflict = "Conflict: command token is not unique across accounts.";
inline constexpr std::string_view kSlashCommandConflict = "Conflict: slash command is not unique across accounts.";

// Which of several active accounts a payload is for: `account` (an index into `accounts`, each the
// commands one account registered) when exactly one account registered the payload's token
// (constant-time), else, when no account has the token, exactly one registered its team and
// trigger. Otherwise `status` and `text`: 401 kSlashUnauthorizedToken when none matches, 409
// kSlashTokenConflict / kSlashCommandConflict when several do.
struct SlashRouting {
  std::optional<std::size_t> account;
  int status = 0;
  std::string_view text;
};
SlashRouting route_slash_payload(std::span<const std::span<const mattermost::SlashCommand>> accounts,
                                 const SlashPayload& payload);

}  // namespace mmclaw::gateway
