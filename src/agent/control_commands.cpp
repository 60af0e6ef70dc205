#include "agent/control_commands.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::agent {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";
constexpr std::size_t kEchoLimit = 48;  // bytes of user input quoted back in an error

// A Markdown code span. Backticks cannot be escaped inside one, so they are dropped.
std::string code(std::string_view s) {
  std::string out = "`";
  for (const char c : s)
    if (c != '`') out += c;
  out += '`';
  return out;
}

// User input quoted back: a code span, cut (on a UTF-8 boundary) so a long word stays short.
std::string echo(std::string_view s) {
  if (s.size() <= kEchoLimit) return code(s);
  std::size_t cut = kEchoLimit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return code(std::string(s.substr(0, cut)) + "…");
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    pos = s.find_first_not_of(kWhitespace, pos);
    if (pos == std::string_view::npos) break;
    const std::size_t end = s.find_first_of(kWhitespace, pos);
    out.push_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return out;
}

struct CommandSpec {
  std::string_view name;
  std::string_view usage;  // without "Usage: "
};

constexpr std::array<CommandSpec, 10> kCommands{{
    {"status", "/status"},
    {"new", "/new"},
    {"reset", "/reset"},
    {"model", "/model [provider/model]"},
    {"models", "/models [provider]"},
    {"think", "/think off|low|medium|high"},
    {"reasoning", "/reasoning on|off"},
    {"verbose", "/verbose on|off"},
    {"queue", "/queue steer|followup|collect|interrupt"},
    {"help", "/help"},
}};

const CommandSpec* find_command(std::string_view name) {
  if (util::starts_with_icase(name, "oc_")) name.remove_prefix(3);
  for (const auto& spec : kCommands)
    if (util::iequals(spec.name, name)) return &spec;
  return nullptr;
}

std::string usage_line(const CommandSpec& spec) {
  return "Usage: " + code(spec.usage);
}

InvalidCommand invalid(const CommandSpec& spec, std::string_view reason) {
  return InvalidCommand{std::string(spec.name), fmt::format("{} {}", reason, usage_line(spec))};
}

InvalidCommand too_many(const CommandSpec& spec) {
  return invalid(spec, "Too many arguments.");
}

constexpr std::array<std::pair<std::string_view, ThinkLevel>, 4> kThinkLevels{{
    {"off", ThinkLevel::off},
    {"low", ThinkLevel::low},
    {"medium", ThinkLevel::medium},
    {"high", ThinkLevel::high},
}};

constexpr std::array<std::pair<std::string_view, config::QueueMode>, 4> kQueueModes{{
    {"steer", config::QueueMode::steer},
    {"followup", config::QueueMode::followup},
    {"collect", config::QueueMode::collect},
    {"interrupt", config::QueueMode::interrupt},
}};

template <typename T, std::size_t N>
std::optional<T> lookup(const std::array<std::pair<std::string_view, T>, N>& table, std::string_view word) {
  for (const auto& [name, value] : table)
    if (util::iequals(name, word)) return value;
  return std::nullopt;
}

std::optional<bool> parse_on_off(std::string_view word) {
  if (util::iequals(word, "on")) return true;
  if (util::iequals(word, "off")) return false;
  return std::nullopt;
}

// One word that can name a model: `provider/model` with both parts present, or a bare id.
bool plausible_model_ref(std::string_view ref) {
  if (ref.front() == '/' || ref.back() == '/') return false;
  return ref.find("//") == std::string_view::npos;
}

ControlCommand parse_arguments(const CommandSpec& spec, const std::vector<std::string_view>& args) {
  const std::string_view name = spec.name;
  if (name == "status" || name == "new" || name == "reset" || name == "help") {
    if (!args.empty()) return InvalidCommand{std::string(name), code(spec.usage) + " takes no arguments."};
    if (name == "status") return StatusCommand{};
    if (name == "new") return NewCommand{};
    if (name == "reset") return ResetCommand{};
    return HelpCommand{};
  }
  if (args.size() > 1) return too_many(spec);
  const std::optional<std::string_view> arg = args.empty() ? std::nullopt : std::optional(args.front());

  if (name == "model") {
    if (!arg || util::iequals(*arg, "status")) return ModelCommand{};
    if (!plausible_model_ref(*arg)) return invalid(spec, echo(*arg) + " is not a model reference.");
    return ModelCommand{std::string(*arg)};
  }
  if (name == "models") {
    if (!arg) return ModelsCommand{};
    return ModelsCommand{std::string(*arg)};
  }
  if (name == "think") {
    if (!arg) return ThinkCommand{};
    if (const auto level = lookup(kThinkLevels, *arg)) return ThinkCommand{*level};
    return invalid(spec, "Unknown thinking level " + echo(*arg) + ".");
  }
  if (name == "queue") {
    if (!arg) return QueueCommand{};
    if (const auto mode = lookup(kQueueModes, *arg)) return QueueCommand{*mode};
    return invalid(spec, "Unknown queue mode " + echo(*arg) + ".");
  }
  // reasoning, verbose
  std::optional<bool> on;
  if (arg) {
    on = parse_on_off(*arg);
    if (!on) return invalid(spec, "Expected on or off, not " + echo(*arg) + ".");
  }
  if (name == "reasoning") return ReasoningCommand{on};
  return VerboseCommand{on};
}

// "~850", "~3.4k", "~12k", "~1.2M": transcript sizes are estimates, so they are shown rounded.
std::string approx_tokens(std::int64_t n) {
  if (n < 0) n = 0;
  if (n < 1000) return fmt::format("~{}", n);
  // The thresholds sit where rounding would carry over ("~10.0k", "~1000k").
  if (n < 9'950) return fmt::format("~{:.1f}k", static_cast<double>(n) / 1000.0);
  if (n < 999'500) return fmt::format("~{}k", (n + 500) / 1000);
  return fmt::format("~{:.1f}M", static_cast<double>(n) / 1'000'000.0);
}

std::string usage_line_text(const std::optional<Usage>& usage) {
  if (!usage || (!usage->input_tokens && !usage->output_tokens && !usage->reasoning_tokens))
    return "no token usage reported";
  const auto part = [](const std::optional<std::int64_t>& v) {
    return v ? fmt::format("{}", *v) : std::string("?");
  };
  std::string out =
      fmt::format("{} tokens in, {} out", part(usage->input_tokens), part(usage->output_tokens));
  if (usage->reasoning_tokens) out += fmt::format(" ({} reasoning)", *usage->reasoning_tokens);
  return out;
}

std::string uptime_text(std::chrono::seconds uptime) {
  const std::int64_t s = std::max<std::int64_t>(0, uptime.count());
  const std::int64_t days = s / 86'400;
  const std::int64_t hours = s % 86'400 / 3600;
  const std::int64_t minutes = s % 3600 / 60;
  const std::int64_t seconds = s % 60;
  if (days > 0) return fmt::format("{}d {}h", days, hours);
  if (hours > 0) return fmt::format("{}h {}m", hours, minutes);
  if (minutes > 0) return fmt::format("{}m {}s", minutes, seconds);
  return fmt::format("{}s", seconds);
}

std::string_view on_off(bool on) {
  return on ? "on" : "off";
}

std::string_view think_name(std::optional<ThinkLevel> level) {
  return level ? think_level_name(*level) : std::string_view("default");
}

std::string_view queue_meaning(config::QueueMode mode) {
  switch (mode) {
    case config::QueueMode::steer:
      return "messages sent while a reply runs are handed to it when it can take them, otherwise they wait";
    case config::QueueMode::followup:
      return "messages sent while a reply runs wait and each gets its own reply";
    case config::QueueMode::collect: return "messages sent while a reply runs wait and are answered together";
    case config::QueueMode::interrupt: return "a new message stops the running reply and is answered instead";
  }
  return "";
}

std::string code_list(std::span<const std::string> items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += code(item);
  }
  return out;
}

}  // namespace

std::optional<ControlCommand> parse_control_command(std::string_view text) {
  const std::string_view trimmed = util::trim(text);
  if (trimmed.size() < 2 || trimmed.front() != '/') return std::nullopt;
  const std::string_view rest = trimmed.substr(1);
  const std::size_t name_end = rest.find_first_of(kWhitespace);
  const std::string_view name = rest.substr(0, name_end);
  const CommandSpec* spec = find_command(name);
  if (spec == nullptr) return std::nullopt;
  const std::vector<std::string_view> args =
      name_end == std::string_view::npos ? std::vector<std::string_view>{} : words(rest.substr(name_end));
  return parse_arguments(*spec, args);
}

std::string_view command_name(const ControlCommand& command) noexcept {
  struct Visitor {
    std::string_view operator()(const StatusCommand&) const { return "status"; }
    std::string_view operator()(const NewCommand&) const { return "new"; }
    std::string_view operator()(const ResetCommand&) const { return "reset"; }
    std::string_view operator()(const HelpCommand&) const { return "help"; }
    std::string_view operator()(const ModelCommand&) const { return "model"; }
    std::string_view operator()(const ModelsCommand&) const { return "models"; }
    std::string_view operator()(const ThinkCommand&) const { return "think"; }
    std::string_view operator()(const ReasoningCommand&) const { return "reasoning"; }
    std::string_view operator()(const VerboseCommand&) const { return "verbose"; }
    std::string_view operator()(const QueueCommand&) const { return "queue"; }
    std::string_view operator()(const InvalidCommand& c) const { return c.name; }
  };
  return std::visit(Visitor{}, command);
}

std::string usage_text(std::string_view name) {
  for (const auto& spec : kCommands)
    if (spec.name == name) return usage_line(spec);
  return {};
}

std::string_view think_level_name(ThinkLevel level) noexcept {
  for (const auto& [name, value] : kThinkLevels)
    if (value == level) return name;
  return "off";
}

std::string_view queue_mode_name(config::QueueMode mode) noexcept {
  for (const auto& [name, value] : kQueueModes)
    if (value == mode) return name;
  return "followup";
}

std::string help_text() {
  return "**mmclaw commands**\n"
         "- `/status`: model, session, token usage and uptime\n"
         "- `/new` or `/reset`: start a new conversation\n"
         "- `/model [provider/model]`: show or switch the model of this session\n"
         "- `/models [provider]`: list the configured models\n"
         "- `/think off|low|medium|high`: how hard the model thinks\n"
         "- `/reasoning on|off`: post the model's reasoning separately\n"
         "- `/verbose on|off`: show tool activity\n"
         "- `/queue steer|followup|collect|interrupt`: what happens to messages sent while a reply runs\n"
         "- `/help`: this list\n"
         "Without an argument, `/think`, `/reasoning`, `/verbose` and `/queue` show the current setting.";
}

std::string status_text(const StatusInfo& info) {
  std::string out = "**mmclaw status**\n";
  out += fmt::format("Model: {}\n", info.model.empty() ? std::string("none") : code(info.model));
  out += fmt::format("Session: {}\n", code(info.session_key));
  out +=
      fmt::format("Transcript: {} {}, {} tokens\n", info.transcript_entries,
                  info.transcript_entries == 1 ? "entry" : "entries", approx_tokens(info.transcript_tokens));
  out += fmt::format("Last turn: {}\n", usage_line_text(info.last_usage));
  out += fmt::format("Settings: think {}, reasoning {}, verbose {}, queue {}\n", think_name(info.think),
                     on_off(info.reasoning), on_off(info.verbose), queue_mode_name(info.queue));
  out += fmt::format("Uptime: {} (mmclaw {})", uptime_text(info.uptime), MMCLAW_VERSION);
  return out;
}

std::vector<std::string> model_refs(std::span<const ProviderModels> providers) {
  std::vector<std::string> refs;
  for (const auto& p : providers)
    for (const auto& m : p.models) refs.push_back(p.provider + "/" + m);
  return refs;
}

std::string models_text(std::span<const ProviderModels> providers, std::string_view current,
                        std::optional<std::string_view> provider) {
  std::vector<const ProviderModels*> shown;
  if (provider) {
    for (const auto& p : providers)
      if (util::iequals(p.provider, *provider)) shown.push_back(&p);
    if (shown.empty()) {
      std::vector<std::string> names;
      for (const auto& p : providers) names.push_back(p.provider);
      std::string out = "Unknown provider " + echo(*provider) + ".";
      if (const auto near = util::closest_match(*provider, names))
        out += " Did you mean " + code(*near) + "?";
      out += names.empty() ? std::string(" No providers are configured.")
                           : " Providers: " + code_list(names) + ".";
      return out;
    }
    if (shown.front()->models.empty())
      return "No models are configured for " + code(shown.front()->provider) + ".";
  } else {
    for (const auto& p : providers)
      if (!p.models.empty()) shown.push_back(&p);
    if (shown.empty()) return "No models are configured.";
  }

  std::string out = provider ? "**Models of " + shown.front()->provider + "**" : std::string("**Models**");
  if (!current.empty()) out += " (current: " + code(current) + ")";
  out += '\n';
  for (const auto* p : shown) {
    for (const auto& m : p->models) {
      const std::string ref = p->provider + "/" + m;
      out += "- " + code(ref) + (ref == current ? " (current)\n" : "\n");
    }
  }
  out += "Switch with `/model provider/model`.";
  return out;
}

std::expected<std::string, std::string> resolve_model_ref(std::string_view ref,
                                                          std::span<const std::string> configured) {
  ref = util::trim(ref);
  if (configured.empty()) return std::unexpected(std::string("No models are configured."));
  for (const auto& c : configured)
    if (c == ref) return c;
  const std::string* folded = nullptr;
  std::size_t folded_count = 0;
  for (const auto& c : configured) {
    if (util::iequals(c, ref)) {
      folded = &c;
      ++folded_count;
    }
  }
  if (folded_count == 1) return *folded;

  // A model id without its provider (`llama3.3` for `ollama/llama3.3`).
  std::vector<std::string> by_id;
  std::vector<std::string> ids;
  for (const auto& c : configured) {
    const auto slash = c.find('/');
    const std::string_view id =
        slash == std::string::npos ? std::string_view(c) : std::string_view(c).substr(slash + 1);
    ids.emplace_back(id);
    if (util::iequals(id, ref)) by_id.push_back(c);
  }
  if (by_id.size() == 1) return by_id.front();
  if (by_id.size() > 1)
    return std::unexpected("Model " + echo(ref) + " is offered by several providers: " + code_list(by_id) +
                           ". Use `/model provider/model`.");

  std::optional<std::string> near = util::closest_match(ref, configured);
  if (!near) {
    if (const auto near_id = util::closest_match(ref, ids)) {
      const auto at = std::find(ids.begin(), ids.end(), *near_id);
      near = configured[static_cast<std::size_t>(at - ids.begin())];
    }
  }
  std::string out = "Unknown model " + echo(ref) + ".";
  out += near ? " Did you mean " + code(*near) + "? See `/models`."
              : std::string(" See `/models` for the configured models.");
  return std::unexpected(std::move(out));
}

std::string model_text(std::string_view current) {
  if (current.empty())
    return "No model is set. Switch with `/model provider/model`; list them with `/models`.";
  return "Model: " + code(current) + ". Switch with `/model provider/model`; list them with `/models`.";
}

std::string model_switched_text(std::string_view ref) {
  return "Model set to " + code(ref) + " for this session.";
}

std::string new_session_text() {
  return "New session started: the earlier conversation is forgotten.";
}

std::string think_text(std::optional<ThinkLevel> level) {
  return fmt::format("Thinking: **{}**. Change it with `/think off|low|medium|high`.", think_name(level));
}

std::string think_set_text(ThinkLevel level) {
  return fmt::format("Thinking set to **{}** for this session.", think_level_name(level));
}

std::string reasoning_text(bool on) {
  return fmt::format("Reasoning: **{}**. Change it with `/reasoning on|off`.", on_off(on));
}

std::string reasoning_set_text(bool on) {
  return fmt::format("Reasoning set to **{}** for this session: the model's reasoning is {}.", on_off(on),
                     on ? "posted separately" : "not posted");
}

std::string verbose_text(bool on) {
  return fmt::format("Verbose: **{}**. Change it with `/verbose on|off`.", on_off(on));
}

std::string verbose_set_text(bool on) {
  return fmt::format("Verbose set to **{}** for this session: tool activity is {}.", on_off(on),
                     on ? "shown" : "not shown");
}

std::string queue_text(config::QueueMode mode) {
  return fmt::format("Queue mode: **{}** ({}). Change it with `/queue steer|followup|collect|interrupt`.",
                     queue_mode_name(mode), queue_meaning(mode));
}

std::string queue_set_text(config::QueueMode mode) {
  return fmt::format("Queue mode set to **{}** for this session: {}.", queue_mode_name(mode),
                     queue_meaning(mode));
}

std::optional<ThinkLevel> think_level_from_name(std::string_view name) noexcept {
  for (auto level : {ThinkLevel::off, ThinkLevel::low, ThinkLevel::medium, ThinkLevel::high})
    if (think_level_name(level) == name) return level;
  return std::nullopt;
}

std::optional<config::QueueMode> queue_mode_from_name(std::string_view name) noexcept {
  for (auto mode : {config::QueueMode::followup, config::QueueMode::collect, config::QueueMode::interrupt,
                    config::QueueMode::steer})
    if (queue_mode_name(mode) == name) return mode;
  return std::nullopt;
}

}  // namespace mmclaw::agent
