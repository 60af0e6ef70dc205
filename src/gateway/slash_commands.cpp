#include "gateway/slash_commands.hpp"

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "mattermost/buttons.hpp"  // tokens_equal
#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mmclaw::gateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kPostMethod = "P";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: `+` is a space, `%XX` a byte; a broken escape fails.
std::optional<std::string> form_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// The fields of a form body; the first value of a repeated field wins.
std::optional<SlashPayload> payload_from_form(std::string_view body) {
  SlashPayload p;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"token", &p.token},         {"team_id", &p.team_id}, {"channel_id", &p.channel_id},
      {"user_id", &p.user_id},     {"user_name", &p.user_name}, {"command", &p.command},
      {"text", &p.text},           {"trigger_id", &p.trigger_id}};
  std::vector<std::string_view> seen;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    for (const auto& [name, target] : fields)
      if (*key == name && std::find(seen.begin(), seen.end(), name) == seen.end()) {
        *target = std::move(*value);
        seen.push_back(name);
      }
  }
  return p;
}

std::optional<SlashPayload> payload_from_json(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  SlashPayload p;
  const auto take = [&](std::string_view key, std::string& target) {
    if (const auto* f = o.if_contains(key); f != nullptr && f->is_string()) target = std::string(f->get_string());
  };
  take("token", p.token);
  take("team_id", p.team_id);
  take("channel_id", p.channel_id);
  take("user_id", p.user_id);
  take("user_name", p.user_name);
  take("command", p.command);
  take("text", p.text);
  take("trigger_id", p.trigger_id);
  return p;
}

}  // namespace

std::vector<SlashCommandSpec> native_command_specs() {
  return {
      {"oc_status", "status", "Show session status (model, usage, uptime)", ""},
      {"oc_model", "model", "View or change the current model", "[model-name] [--runtime runtime]"},
      {"oc_models", "models", "Browse available models", "[provider]"},
      {"oc_new", "new", "Start a new conversation session", ""},
      {"oc_help", "help", "Show available commands", ""},
      {"oc_think", "think", "Set thinking/reasoning level", "[off|low|medium|high]"},
      {"oc_reasoning", "reasoning", "Toggle reasoning mode", "[on|off]"},
      {"oc_verbose", "verbose", "Toggle verbose mode", "[on|off]"},
      {"oc_queue", "queue", "Adjust active-run queue behavior",
       "[steer|followup|collect|interrupt] [debounce:2s] [cap:N] [drop:old|new|summarize]"},
  };
}

std::string truncate_utf8_bytes(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = 0;
  while (end < text.size()) {
    const auto step = util::utf8_step(text, end);
    const std::size_t length = step.length == 0 ? 1 : step.length;
    if (end + length > max_bytes) break;
    end += length;
  }
  return std::string(text.substr(0, end));
}

std::optional<std::string> invocation_text(std::span<const SlashCommandSpec> specs, std::string_view trigger,
                                           std::string_view text) {
  const std::string wanted = payload_trigger(trigger);
  for (const auto& spec : specs) {
    if (spec.trigger != wanted) continue;
    const std::string_view args = util::trim(text);
    return args.empty() ? "/" + spec.command : "/" + spec.command + " " + std::string(args);
  }
  return std::nullopt;
}

std::vector<RegistrationStep> plan_registration(std::span<const SlashCommandSpec> specs,
                                                std::span<const mattermost::SlashCommand> existing,
                                                std::string_view team_id, std::string_view bot_id,
                                                std::string_view url) {
  std::vector<RegistrationStep> plan;
  plan.reserve(specs.size());
  for (const auto& spec : specs) {
    RegistrationStep step;
    step.spec = spec;
    step.spec.description = truncate_utf8_bytes(spec.description, kMaxCommandDescriptionBytes);
    const mattermost::SlashCommand* ours = nullptr;
    const mattermost::SlashCommand* foreign = nullptr;
    for (const auto& command : existing) {
      if (command.delete_at > 0 || command.team_id != team_id || util::to_lower(command.trigger) != spec.trigger)
        continue;
      if (command.creator_id != bot_id) {
        if (foreign == nullptr) foreign = &command;
        continue;
      }
      const bool same = command.url == url && command.method == kPostMethod;
      if (ours == nullptr || (same && !(ours->url == url && ours->method == kPostMethod))) ours = &command;
    }
    if (ours != nullptr) {
      step.action = ours->url == url && ours->method == kPostMethod ? RegistrationStep::Action::reuse
                                                                    : RegistrationStep::Action::update;
      step.existing = *ours;
    } else if (foreign != nullptr) {
      step.action = RegistrationStep::Action::skip_foreign;
      step.existing = *foreign;
    } else {
      step.action = RegistrationStep::Action::create;
    }
    plan.push_back(std::move(step));
  }
  return plan;
}

mattermost::SlashCommand command_for(const SlashCommandSpec& spec, std::string_view team_id, std::string_view url,
                                     std::string_view id) {
  mattermost::SlashCommand command;
  command.id = std::string(id);
  command.team_id = std::string(team_id);
  command.trigger = spec.trigger;
  command.method = std::string(kPostMethod);
  command.url = std::string(url);
  command.description = truncate_utf8_bytes(spec.description, kMaxCommandDescriptionBytes);
  command.auto_complete = true;
  command.auto_complete_desc = command.description;
  command.auto_complete_hint = spec.hint;
  return command;
}

std::optional<SlashPayload> parse_slash_payload(std::string_view content_type, std::string_view body) {
  const bool is_json = util::to_lower(content_type).find("application/json") != std::string::npos;
  auto payload = is_json ? payload_from_json(body) : payload_from_form(body);
  if (!payload) return std::nullopt;
  for (const std::string* required :
       {&payload->token, &payload->team_id, &payload->channel_id, &payload->user_id, &payload->command})
    if (util::trim(*required).empty()) return std::nullopt;
  return payload;
}

std::string payload_trigger(std::string_view command) {
  std::string_view trigger = util::trim(command);
  if (!trigger.empty() && trigger.front() == '/') trigger.remove_prefix(1);
  return util::to_lower(trigger);
}

const mattermost::SlashCommand* match_registered(std::span<const mattermost::SlashCommand> registered,
                                                 const SlashPayload& payload) {
  const std::string trigger = payload_trigger(payload.command);
  const mattermost::SlashCommand* found = nullptr;
  // Every candidate is compared, so the time taken does not tell which one matched.
  for (const auto& command : registered) {
    const bool same_slot = command.team_id == payload.team_id && util::to_lower(command.trigger) == trigger;
    const bool token_ok = mattermost::tokens_equal(command.token, payload.token);
    if (same_slot && token_ok && found == nullptr) found = &command;
  }
  return found;
}

bool live_command_matches(const mattermost::SlashCommand& live, const mattermost::SlashCommand& registered) {
  const bool token_ok = mattermost::tokens_equal(live.token, registered.token);
  return live.delete_at == 0 && live.id == registered.id && live.team_id == registered.team_id &&
         util::to_lower(live.trigger) == util::to_lower(registered.trigger) && live.method == kPostMethod &&
         live.url == registered.url && token_ok;
}

SlashRouting route_slash_payload(std::span<const std::span<const mattermost::SlashCommand>> accounts,
                                 const SlashPayload& payload) {
  const std::string trigger = payload_trigger(payload.command);
  std::vector<std::size_t> by_token;
  std::vector<std::size_t> by_slot;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    bool token = false;
    bool slot = false;
    for (const auto& command : accounts[i]) {
      // Every token is compared, so the time taken does not tell which one matched.
      token = mattermost::tokens_equal(command.token, payload.token) || token;
      slot = slot || (command.team_id == payload.team_id && util::to_lower(command.trigger) == trigger);
    }
    if (token) by_token.push_back(i);
    if (slot) by_slot.push_back(i);
  }
  if (by_token.size() == 1) return {by_token.front(), 0, {}};
  if (by_token.size() > 1) return {std::nullopt, 409, kSlashTokenConflict};
  if (by_slot.size() == 1) return {by_slot.front(), 0, {}};
  if (by_slot.size() > 1) return {std::nullopt, 409, kSlashCommandConflict};
  return {std::nullopt, 401, kSlashUnauthorizedToken};
}

}  // namespace mmclaw::gateway
