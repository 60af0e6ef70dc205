#pragma once
// Control commands (PRODUCT.md "The agent runtime", issue 6): `/status`, `/new`, `/reset`,
// `/model [provider/model]`, `/models [provider]`, `/think`, `/reasoning`, `/verbose`, `/queue`,
// `/help`. Pure: the parser of one whole message and the Markdown replies, built from plain data
// passed in. Who may run a command (reference §4.5) and what a command changes are the caller's.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/model_types.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::agent {

// --- The commands --------------------------------------------------------------------------------

struct StatusCommand {
  bool operator==(const StatusCommand&) const = default;
};
struct NewCommand {
  bool operator==(const NewCommand&) const = default;
};
struct ResetCommand {
  bool operator==(const ResetCommand&) const = default;
};
struct HelpCommand {
  bool operator==(const HelpCommand&) const = default;
};
// `/model` shows the session's model (ref nullopt; `/model status` too); `/model <ref>` switches.
// The ref is one word as typed (`provider/model` or a bare model id); resolve_model_ref() checks
// it against the configured models.
struct ModelCommand {
  std::optional<std::string> ref;
  bool operator==(const ModelCommand&) const = default;
};
struct ModelsCommand {
  std::optional<std::string> provider;  // nullopt: every provider
  bool operator==(const ModelsCommand&) const = default;
};
// The settings commands: nullopt shows the current value (bare `/think`), a value sets it.
struct ThinkCommand {
  std::optional<ThinkLevel> level;
  bool operator==(const ThinkCommand&) const = default;
};
struct ReasoningCommand {
  std::optional<bool> on;
  bool operator==(const ReasoningCommand&) const = default;
};
struct VerboseCommand {
  std::optional<bool> on;
  bool operator==(const VerboseCommand&) const = default;
};
struct QueueCommand {
  std::optional<config::QueueMode> mode;
  bool operator==(const QueueCommand&) const = default;
};
// A known command with arguments it does not take: it is still a command (it is answered with
// `error`, a short usage text, and never reaches the model).
struct InvalidCommand {
  std::string name;   // the canonical command name without the slash ("think")
  std::string error;  // the reply, e.g. "Unknown thinking level `max`. Usage: `/think off|low|medium|high`"
  bool operator==(const InvalidCommand&) const = default;
};

using ControlCommand =
    std::variant<StatusCommand, NewCommand, ResetCommand, HelpCommand, ModelCommand, ModelsCommand,
                 ThinkCommand, ReasoningCommand, VerboseCommand, QueueCommand, InvalidCommand>;

// The command that the whole message is, or nullopt. The text is trimmed; it must start with `/`
// and a known name (ASCII case-insensitive; an `oc_` prefix as in the slash commands is accepted:
// `/oc_status`), followed by nothing or by whitespace and the arguments (whitespace-separated,
// values case-insensitive). Text that merely contains a command (`hello /status`) and unknown
// names (`/stop`, `/status.`) are not commands.
std::optional<ControlCommand> parse_control_command(std::string_view text);

// The canonical name of a command without the slash ("status", "new", ...; an InvalidCommand's
// own name), for logs and metrics.
std::string_view command_name(const ControlCommand& command) noexcept;

// `Usage: `/think off|low|medium|high`` for a canonical name; empty for an unknown name.
std::string usage_text(std::string_view name);

// Stable names: "off", "low", "medium", "high"; "steer", "followup", "collect", "interrupt".
std::string_view think_level_name(ThinkLevel level) noexcept;
std::string_view queue_mode_name(config::QueueMode mode) noexcept;
// The reverse of think_level_name() and queue_mode_name() (the words the store keeps); nullopt for
// any other word.
std::optional<ThinkLevel> think_level_from_name(std::string_view name) noexcept;
std::optional<config::QueueMode> queue_mode_from_name(std::string_view name) noexcept;

// --- The replies (Markdown, short; they name mmclaw) ---------------------------------------------

std::string help_text();

// What `/status` shows; the caller gathers it.
struct StatusInfo {
  std::string model;  // the session's model as provider/model
  std::string session_key;
  std::size_t transcript_entries = 0;
  std::int64_t transcript_tokens = 0;  // approximate
  std::optional<Usage> last_usage;     // the last turn's usage, when the backend reported one
  std::chrono::seconds uptime{0};
  config::QueueMode queue = config::QueueMode::followup;
  std::optional<ThinkLevel> think;  // nullopt: not set (the model server's default)
  bool reasoning = false;
  bool verbose = false;
};
std::string status_text(const StatusInfo& info);

// The configured models of one provider, in configuration order.
struct ProviderModels {
  std::string provider;             // models.providers.<id>
  std::vector<std::string> models;  // model ids (without the provider prefix)
  bool operator==(const ProviderModels&) const = default;
};

// Every `provider/model` ref, in order.
std::vector<std::string> model_refs(std::span<const ProviderModels> providers);

// `/models` (provider nullopt) or `/models <provider>`: one line per model, the current one
// marked; an unknown provider gets an error text with a did-you-mean and the provider list.
std::string models_text(std::span<const ProviderModels> providers, std::string_view current,
                        std::optional<std::string_view> provider = std::nullopt);

// The configured ref that `ref` names: exact, else ASCII case-insensitive, else the one
// configured model whose id (the part after the provider) is `ref`. The error is the reply:
// unknown (with a did-you-mean when one is close), ambiguous bare id, or nothing configured.
std::expected<std::string, std::string> resolve_model_ref(std::string_view ref,
                                                          std::span<const std::string> configured);

std::string model_text(std::string_view current);       // `/model`
std::string model_switched_text(std::string_view ref);  // `/model <ref>` accepted
std::string new_session_text();                         // `/new` and `/reset`

// Settings: `*_text` shows the current value (bare command), `*_set_text` confirms a change.
std::string think_text(std::optional<ThinkLevel> level);
std::string think_set_text(ThinkLevel level);
std::string reasoning_text(bool on);
std::string reasoning_set_text(bool on);
std::string verbose_text(bool on);
std::string verbose_set_text(bool on);
std::string queue_text(config::QueueMode mode);
std::string queue_set_text(config::QueueMode mode);

}  // namespace mmclaw::agent
