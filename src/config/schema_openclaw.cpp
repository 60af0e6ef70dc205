#include "config/schema_openclaw.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "config/accounts.hpp"
#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace mmclaw::config {

namespace json = boost::json;
using namespace schema;

bool is_secret_provider_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

bool is_env_var_name(std::string_view s) {
  if (s.empty() || s.size() > 128 || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

namespace {

std::optional<std::string> check_http_url(std::string_view s) {
  const auto trimmed = util::trim(s);
  if (trimmed.empty()) return std::nullopt;  // blank means "not configured"; reported by account resolution
  auto url = boost::urls::parse_absolute_uri(trimmed);
  if (!url) return fmt::format("must be an http:// or https:// URL (got \"{}\")", trimmed);
  const auto scheme = util::to_lower(url->scheme());
  if (scheme != "http" && scheme != "https")
    return fmt::format("must be an http:// or https:// URL (got scheme \"{}\")", url->scheme());
  if (url->host().empty()) return fmt::format("must include a host name (got \"{}\")", trimmed);
  return std::nullopt;
}

std::optional<std::string> check_ip_or_cidr(std::string_view s) {
  if (util::Cidr::parse(util::trim(s))) return std::nullopt;
  return fmt::format("must be an IP address or CIDR range such as 10.0.0.0/8 (got \"{}\")", s);
}

std::optional<std::string> check_model_ref(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size())
    return fmt::format("must be \"provider/model\" (got \"{}\")", s);
  return std::nullopt;
}

std::optional<std::string> check_callback_path(std::string_view s) {
  if (s.find_first_of("?# \t\r\n") != std::string_view::npos)
    return fmt::format("must be a URL path without query, fragment or spaces (got \"{}\")", s);
  return std::nullopt;
}

std::optional<std::string> check_absolute_path(std::string_view s) {
  if (!s.starts_with('/')) return fmt::format("must be an absolute path (got \"{}\")", s);
  return std::nullopt;
}

NodePtr url() {
  return string(false, check_http_url);
}
NodePtr strings() {
  return array(string());
}
NodePtr ids() {
  return array(one_of({string(), number()}));
}  // allowlists accept numbers too
NodePtr non_negative_int(double max = 2147483647) {
  return integer(0, max);
}
NodePtr positive_int(double max = 2147483647) {
  return integer(1, max);
}

// SecretRef: { source, provider, id } with the id grammar of its source.
NodePtr secret_ref() {
  auto check = [](const json::object& obj, const KeyPath& path, IssueList& issues) {
    for (const char* key : {"source", "provider", "id"})
      if (!obj.contains(key))
        issues.error(path.child(key), fmt::format("a secret reference needs `{}`", key));
    const auto* source = obj.if_contains("source");
    const auto* provider = obj.if_contains("provider");
    const auto* id = obj.if_contains("id");
    if (provider && provider->is_string() && !is_secret_provider_name(provider->get_string()))
      issues.error(path.child("provider"),
                   fmt::format("must match ^[a-z][a-z0-9_-]{{0,63}}$ (got \"{}\")", provider->get_string()));
    if (!source || !source->is_string() || !id || !id->is_string()) return;
    const std::string_view src = source->get_string();
    const std::string_view value = id->get_string();
    if ((src == "env" || src == "store") && !is_env_var_name(value))
      issues.error(
          path.child("id"),
          fmt::format("must match ^[A-Z][A-Z0-9_]{{0,127}}$ for source \"{}\" (got \"{}\")", src, value));
    if (src == "file" && value != "value" && (value.empty() || value.front() != '/'))
      issues.error(
          path.child("id"),
          fmt::format("must be an absolute JSON pointer such as /mattermost/botToken, or \"value\" for a "
                      "singleValue file provider (got \"{}\")",
                      value));
    if (src == "exec") {
      bool ok = !value.empty() && value.size() <= 256 && std::isalnum(static_cast<unsigned char>(value[0]));
      for (char c : value)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("._:/#-").find(c) != std::string_view::npos);
      for (auto segment : util::split(value, '/')) ok = ok && segment != "." && segment != "..";
      if (!ok)
        issues.error(
            path.child("id"),
            fmt::format(
                "must match ^[A-Za-z0-9][A-Za-z0-9._:/#-]{{0,255}}$ without . or .. segments (got \"{}\")",
                value));
    }
  };
  return object(
      {
          {"source", enumeration({"env", "file", "exec", "store"}), "where the secret comes from"},
          {"provider", string(true), "a provider name from secrets.providers (\"default\" for env)"},
          {"id", string(true), "the variable name, JSON pointer or exec id"},
      },
      UnknownKeys::reject, check);
}

NodePtr secret_input() {
  return one_of({string(), secret_ref()});
}

NodePtr streaming_node() {
  auto progress_check = [](const json::object& obj, const KeyPath& path, IssueList& issues) {
    if (const auto* label = obj.if_contains("label"); label && label->is_bool() && label->get_bool())
      issues.error(path.child("label"), "must be a string, \"auto\" or false (got true)");
  };
  const auto command_text = enumeration({"raw", "status"});
  auto object_form = object({
      {"mode", enumeration({"off", "partial", "block", "progress"}),
       "preview streaming mode (default partial)"},
      {"chunkMode", enumeration({"length", "newline"}), "how long replies are split (default length)"},
      {"preview",
       object({
           {"toolProgress", boolean(), "show tool lines in partial/block previews (default true)"},
           {"commandText", command_text, "how commands appear in tool lines (default status)"},
       }),
       "partial/block preview options"},
      {"progress",
       object(
           {
               {"label", one_of({string(), boolean()}), "status label, \"auto\", or false to hide"},
               {"labels", strings(), "label pool used by \"auto\""},
               {"maxLines", positive_int(1000), "lines kept in the progress post (default 8)"},
               {"maxLineChars", positive_int(100000), "characters per progress line (default 120)"},
               {"toolProgress", boolean(), "show tool lines in progress mode (default false)"},
               {"commandText", command_text, "how commands appear in progress lines (default status)"},
           },
           UnknownKeys::reject, progress_check),
       "progress mode options"},
      {"block",
       object({
           {"enabled", boolean(), "send block replies as separate posts when preview is off (default false)"},
           {"coalesce",
            object({
                {"minChars", positive_int(), "coalesce blocks until this many characters (1500)"},
                {"maxChars", positive_int(), "never coalesce beyond this many characters"},
                {"idleMs", non_negative_int(), "flush after this idle time (1000 ms)"},
            }),
            "block coalescing"},
       }),
       "block streaming options"},
  });
  // The documented shorthand `streaming: "partial"` (and true/false) is accepted (PRODUCT.md).
  return one_of({enumeration({"off", "partial", "block", "progress"}), boolean(), object_form});
}

NodePtr dm_channel_retry_node() {
  auto check = [](const json::object& obj, const KeyPath& path, IssueList& issues) {
    const auto* initial = obj.if_contains("initialDelayMs");
    const auto* max = obj.if_contains("maxDelayMs");
    if (initial && max && initial->is_number() && max->is_number() &&
        initial->to_number<double>() > max->to_number<double>())
      issues.error(path.child("initialDelayMs"), "initialDelayMs must be less than or equal to maxDelayMs");
  };
  return object(
      {
          {"maxRetries", integer(0, 10), "retries after the first attempt (default 3)"},
          {"initialDelayMs", integer(100, 60000), "delay before the first retry (default 1000)"},
          {"maxDelayMs", integer(1000, 60000), "longest delay between retries (default 10000)"},
          {"timeoutMs", integer(5000, 120000), "timeout of each attempt (default 30000)"},
      },
      UnknownKeys::reject, check);
}

std::vector<Field> account_fields() {
  const auto reply_mode = enumeration({"off", "first", "all", "batched"});
  const auto native = one_of({boolean(), enumeration({"auto"})});
  auto group_key = [](std::string_view key) -> std::optional<std::string> {
    if (util::trim(key).empty()) return "a channel id (or \"*\") must not be empty";
    return std::nullopt;
  };
  const std::string doctor = "Run \"mmclaw doctor --fix\".";
  auto legacy = [&](std::string old_key, std::string new_key) {
    return Field{old_key, any(), "", FieldRole::legacy,
                 fmt::format("`{}` is a legacy key; use `{}`. {}", old_key, new_key, doctor)};
  };
  auto third_party = [&](std::string key, NodePtr node, std::string instead) {
    return Field{
        key, std::move(node), "deprecated third-party key: " + instead, FieldRole::deprecated,
        fmt::format("`{}` is not an OpenClaw key (it comes from a third-party setup page); mmclaw accepts it "
                    "as {}. \"mmclaw doctor --fix\" rewrites it.",
                    key, instead)};
  };
  return {
      {"enabled", boolean(), "false disables the account (top level: every account)"},
      {"name", string(), "display name"},
      {"baseUrl", url(), "Mattermost server URL (trailing / and /api/v4 removed)"},
      {"botToken", secret_input(), "bot access token, or a secret reference"},
      {"dmPolicy", enumeration({"pairing", "allowlist", "open", "disabled"}),
       "who may DM the bot (default pairing)"},
      {"allowFrom", ids(), "DM allowlist: user ids, \"*\", accessGroup:<name>"},
      {"groupPolicy", enumeration({"open", "disabled", "allowlist"}),
       "who is answered in channels (default allowlist)"},
      {"groupAllowFrom", ids(), "channel sender allowlist (falls back to allowFrom)"},
      {"groups",
       map(object({{"requireMention", boolean(), "require an @mention in this channel"},
                   {"systemPrompt", string(), "added to the agent's system prompt in this channel"}}),
           group_key),
       "per-channel overrides keyed by channel id or \"*\""},
      {"chatmode", enumeration({"oncall", "onmessage", "onchar"}), "when the bot answers in channels"},
      {"oncharPrefixes", strings(), "prefixes that trigger the bot in onchar mode (default > and !)"},
      {"requireMention", boolean(), "legacy: require a mention when chatmode is unset"},
      {"implicitMentions",
       object({
           {"replyToBot", boolean(), "accepted; no effect in the baseline"},
           {"quotedBot", boolean(), "accepted; no effect in the baseline"},
           {"threadParticipation", boolean(), "threads the bot answered count as mentions (default true)"},
       }),
       "what counts as a mention without an @"},
      {"dangerouslyAllowNameMatching", boolean(), "match allowlists against usernames (default false)"},
      {"contextVisibility", enumeration({"all", "allowlist", "allowlist_quote"}),
       "what rejected senders leave in history"},
      {"historyLimit", non_negative_int(), "channel history kept for context (default 50; 0 disables)"},
      {"mediaMaxMb", number(0, std::nullopt, true), "largest attachment in MB (inbound fallback 8 MiB)"},
      {"textChunkLimit", positive_int(), "characters per post before splitting (default 4000)"},
      {"markdown",
       object({{"tables", enumeration({"off", "bullets", "code", "block"}),
                "markdown table rendering (default off)"}}),
       "markdown rendering"},
      {"streaming", streaming_node(), "preview streaming: a mode string, true/false, or an object"},
      {"replyToMode", reply_mode, "threading of replies in channels (default off)"},
      {"replyToModeByChatType",
       object({
           {"direct", reply_mode, "reply mode for DMs"},
           {"group", reply_mode, "reply mode for group DMs and private channels"},
           {"channel", reply_mode, "reply mode for public channels"},
       }),
       "reply mode per chat type"},
      {"responsePrefix", string(), "text put before every reply"},
      {"capabilities", strings(), "free-form capability flags (inlineButtons)"},
      {"configWrites", boolean(), "allow config-changing commands from this channel"},
      {"actions",
       object({
           {"reactions", boolean(), "enable the react action (default true)"},
           {"messages", boolean(), "enable the read action (default false)"},
       }),
       "message tool actions"},
      {"commands",
       object({
           {"native", native, "register /oc_* slash commands (true; \"auto\" = off)"},
           {"nativeSkills", native, "register skill commands too"},
           {"callbackPath", string(false, check_callback_path), "slash callback path"},
           {"callbackUrl", url(), "slash callback URL Mattermost calls"},
       }),
       "native slash commands"},
      {"interactions",
       object({
           {"callbackBaseUrl", url(), "base URL for button callbacks"},
           {"allowedSourceIps", array(string(false, check_ip_or_cidr)), "IPs/CIDRs allowed to call back"},
       }),
       "interactive buttons"},
      {"network",
       object({
           {"dangerouslyAllowPrivateNetwork", boolean(), "allow private/loopback Mattermost hosts"},
           Field{"allowPrivateNetwork", any(), "", FieldRole::legacy,
                 "`network.allowPrivateNetwork` is a legacy key; use "
                 "`network.dangerouslyAllowPrivateNetwork`. " +
                     doctor},
       }),
       "network guard"},
      {"dmChannelRetry", dm_channel_retry_node(), "retry of DM channel creation"},
      // mmclaw's own keys (PRODUCT.md).
      {"allowBots", boolean(), "answer posts from other bots (default false)"},
      {"ackReaction", string(), "emoji added to a post while the agent works (default off)"},
      // Third-party keys from a widely copied setup page: accepted with a deprecation warning.
      third_party("serverUrl", url(), "`baseUrl`"),
      third_party("teamId", string(true), "the only team used for slash commands and #name lookups"),
      third_party("allowChannels", ids(), "a channel allowlist"),
      third_party("respondToMentions", boolean(), "`chatmode: \"oncall\"` (false: \"onmessage\")"),
      third_party("respondToDMs", boolean(), "`dmPolicy: \"disabled\"` when false"),
      third_party("useWebSocket", boolean(), "REST polling mode when false"),
      third_party("reconnectInterval", integer(100, 3600000), "the initial reconnect delay in milliseconds"),
      // The reference's doctor-migrated keys: rejected with the migration hint.
      legacy("streamMode", "streaming.mode"),
      legacy("chunkMode", "streaming.chunkMode"),
      legacy("blockStreaming", "streaming.block.enabled"),
      legacy("blockStreamingCoalesce", "streaming.block.coalesce"),
      legacy("allowPrivateNetwork", "network.dangerouslyAllowPrivateNetwork"),
      legacy("dangerouslyAllowPrivateNetwork", "network.dangerouslyAllowPrivateNetwork"),
  };
}

NodePtr make_account_node() {
  return object(account_fields());
}

NodePtr make_mattermost_node() {
  auto fields = account_fields();
  auto account_key = [](std::string_view key) -> std::optional<std::string> {
    if (normalize_account_id(key).empty())
      return fmt::format("account id \"{}\" has no letters or digits; use a name such as \"ops\"", key);
    return std::nullopt;
  };
  fields.push_back(
      {"accounts", map(make_account_node(), account_key), "named accounts; each overlays the top level"});
  fields.push_back({"defaultAccount", string(), "the account used when none is named"});
  return object(std::move(fields));
}

NodePtr make_secrets_node() {
  auto provider_check = [](const json::object& obj, const KeyPath& path, IssueList& issues) {
    const auto* source = obj.if_contains("source");
    if (!source) {
      issues.error(path.child("source"), "a secret provider needs `source` (env, file, exec or store)");
      return;
    }
    if (!source->is_string()) return;
    const std::string_view src = source->get_string();
    static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> allowed = {
        {"env", {"source", "allowlist"}},
        {"file", {"source", "path", "mode", "timeoutMs", "maxBytes"}},
        {"exec",
         {"source", "command", "args", "passEnv", "env", "jsonOnly", "timeoutMs", "noOutputTimeoutMs",
          "maxOutputBytes", "trustedDirs", "pluginIntegration"}},
        {"store", {"source"}},
    };
    for (const auto& [name, keys] : allowed) {
      if (name != src) continue;
      for (const auto& member : obj)
        if (std::find(keys.begin(), keys.end(), member.key()) == keys.end())
          issues.error(path.child(member.key()),
                       fmt::format("`{}` does not apply to a \"{}\" provider", member.key(), src));
    }
    if (src == "file" && !obj.contains("path"))
      issues.error(path.child("path"), "a file provider needs `path`");
    if (src == "exec" && !obj.contains("command") && !obj.contains("pluginIntegration"))
      issues.error(path.child("command"), "an exec provider needs `command` (an absolute path)");
    if (const auto* cmd = obj.if_contains("command");
        cmd && cmd->is_string() && !cmd->get_string().starts_with("/"))
      issues.error(path.child("command"),
                   fmt::format("must be an absolute path (got \"{}\")", cmd->get_string()));
  };
  auto provider = object(
      {
          {"source", enumeration({"env", "file", "exec", "store"}), "provider kind"},
          {"allowlist", strings(), "env: the variable names it may read"},
          {"path", string(true), "file: the secrets file"},
          {"mode", enumeration({"json", "singleValue"}), "file: a JSON object (default) or the raw contents"},
          {"timeoutMs", integer(1, 120000), "file/exec: time limit (default 5000)"},
          {"maxBytes", integer(1, 16 * 1024 * 1024), "file: largest file read (default 1 MiB)"},
          {"command", string(true), "exec: absolute path of the resolver program"},
          {"args", strings(), "exec: its arguments"},
          {"passEnv", strings(), "exec: environment variables passed through"},
          {"env", map(string()), "exec: extra environment variables"},
          {"jsonOnly", boolean(), "exec: require the JSON protocol (default true)"},
          {"noOutputTimeoutMs", integer(1, 120000), "exec: limit on silence (default timeoutMs)"},
          {"maxOutputBytes", integer(1, 16 * 1024 * 1024), "exec: largest output (default 1 MiB)"},
          {"trustedDirs", strings(), "exec: directories the command must be in"},
          {"pluginIntegration", any(), "exec: plugin-managed provider (not supported by mmclaw)"},
      },
      UnknownKeys::reject, provider_check);
  auto provider_key = [](std::string_view key) -> std::optional<std::string> {
    if (!is_secret_provider_name(key))
      return fmt::format("provider names must match ^[a-z][a-z0-9_-]{{0,63}}$ (got \"{}\")", key);
    return std::nullopt;
  };
  return object(
      {
          {"providers", map(provider, provider_key), "named secret providers"},
          {"defaults",
           object({
               {"env", string(true), "default env provider alias"},
               {"file", string(true), "default file provider alias"},
               {"exec", string(true), "default exec provider alias"},
               {"store", string(true), "default store provider alias"},
           }),
           "default provider per source"},
      },
      UnknownKeys::shared);
}

NodePtr make_models_node() {
  auto model = object({
      {"id", string(true), "model id sent to the server"},
      {"name", string(), "display name"},
      {"reasoning", boolean(), "the model streams reasoning"},
      {"input", array(enumeration({"text", "image"})), "accepted inputs"},
      {"contextWindow", positive_int(), "context window in tokens"},
      {"maxTokens", positive_int(), "largest answer in tokens"},
      {"cost", any(), "OpenClaw pricing data (not used by mmclaw)", FieldRole::ignored},
      {"compat", any(), "OpenClaw compatibility flags (not used by mmclaw)", FieldRole::ignored},
  });
  auto provider = object({
      {"baseUrl", url(), "API base URL"},
      {"apiKey", secret_input(), "API key, or a secret reference"},
      {"api", enumeration({"openai-completions", "anthropic-messages", "command", "echo"}),
       "wire protocol (`echo`: the diagnostic backend that answers `echo: <text>`)"},
      {"headers", map(string()), "extra HTTP headers"},
      {"timeoutSeconds", integer(1, 3600), "request timeout in seconds"},
      {"models", array(model), "models this provider serves"},
      {"command", array(string(true)), "api \"command\": the program to run per turn and its arguments"},
      {"auth", any(), "OpenClaw auth mode (not used by mmclaw)", FieldRole::ignored},
      {"authHeader", any(), "OpenClaw auth header flag (not used by mmclaw)", FieldRole::ignored},
  });
  return object(
      {
          {"providers", map(provider), "model providers keyed by id"},
          {"mode", any(), "OpenClaw catalogue merge mode (not used by mmclaw)", FieldRole::ignored},
      },
      UnknownKeys::shared);
}

NodePtr make_agents_node() {
  auto model = one_of(
      {string(true, check_model_ref),
       object({
           {"primary", string(true, check_model_ref), "provider/model used first"},
           {"fallbacks", array(string(true, check_model_ref)), "provider/model tried in order on errors"},
       })});
  auto defaults = object(
      {
          {"model", model, "the agent's model: \"provider/model\" or {primary, fallbacks}"},
          {"systemPrompt", string(), "system prompt of every turn"},
          {"maxConcurrent", integer(1, 64), "turns running at once across all sessions (default 4)"},
          {"models", any(), "OpenClaw model aliases (not used by mmclaw)", FieldRole::ignored},
      },
      UnknownKeys::shared);
  return object({{"defaults", defaults, "agent defaults"}}, UnknownKeys::shared);
}

NodePtr make_gateway_node() {
  return object(
      {
          {"port", integer(1, 65535), "HTTP port for callbacks, health and metrics (default 18789)"},
          {"bind", enumeration({"loopback", "lan", "tailnet", "auto", "custom"}),
           "listen address (default loopback)"},
          {"customBindHost", string(), "host to bind when bind is \"custom\""},
          {"trustedProxies", array(string(false, check_ip_or_cidr)),
           "proxies whose X-Forwarded-For is trusted"},
          {"allowRealIpFallback", boolean(), "trust X-Real-IP from trusted proxies"},
          {"reload",
           object(
               {
                   {"mode", enumeration({"off", "restart", "hot", "hybrid"}),
                    "config reload (default hybrid)"},
                   {"debounceMs", integer(0, 60000), "wait for writes to settle (default 300)"},
               },
               UnknownKeys::shared),
           "config file reload"},
          {"mode", any(), "OpenClaw gateway mode (not used by mmclaw)", FieldRole::ignored},
          {"auth", any(), "OpenClaw gateway auth (not used by mmclaw)", FieldRole::ignored},
      },
      UnknownKeys::shared);
}

NodePtr make_messages_node() {
  return object(
      {
          {"responsePrefix", string(), "text put before every reply (channel keys override)"},
          {"inbound",
           object(
               {
                   {"debounceMs", non_negative_int(), "merge quick consecutive posts (0 = off)"},
                   {"byChannel", map(non_negative_int()), "per-channel debounce; mmclaw reads `mattermost`"},
               },
               UnknownKeys::shared),
           "inbound debounce"},
          {"groupChat",
           object({{"historyLimit", non_negative_int(), "default channel history (50)"}},
                  UnknownKeys::shared),
           "group chat defaults"},
          {"ackReaction", string(), "emoji acknowledging a post while the agent works"},
          {"ackReactionScope", enumeration({"group-mentions", "group-all", "direct", "all"}),
           "where ack reactions are added (default group-mentions)"},
          {"removeAckAfterReply", boolean(), "remove the ack reaction after the reply"},
          {"queue",
           object(
               {
                   {"mode", enumeration({"followup", "collect", "interrupt", "steer"}),
                    "posts for a busy session (default followup)"},
                   {"cap", integer(1, 1000), "posts waiting per session (default 20)"},
                   {"debounceMs", any(), "OpenClaw queue debounce (not used by mmclaw)", FieldRole::ignored},
                   {"drop", any(), "OpenClaw overflow policy (not used by mmclaw)", FieldRole::ignored},
                   {"byChannel", any(), "OpenClaw per-channel queue modes (not used by mmclaw)",
                    FieldRole::ignored},
               },
               UnknownKeys::shared),
           "posts that arrive while the session's turn runs"},
      },
      UnknownKeys::shared);
}

NodePtr make_mmclaw_node() {
  return object({
      {"store", object({{"path", string(true), "SQLite database path (default ~/.openclaw/mmclaw.db)"}}),
       "the store"},
      {"log",
       object({
           {"format", enumeration({"text", "json"}), "log line format (default text)"},
           {"level", enumeration({"trace", "debug", "info", "warn", "error", "off"}),
            "log level (default info)"},
       }),
       "logging"},
      {"catchUp",
       object({{"maxAgeMinutes", integer(0, 10080),
                "oldest missed post fetched after an outage (60; 0 = off)"}}),
       "catch-up after an outage"},
      {"monitor",
       object({
           {"connectTimeoutMs", integer(100, 600000), "WebSocket connect and handshake deadline (30000)"},
           {"authTimeoutMs", integer(100, 600000), "authentication reply deadline (30000)"},
           {"pingIntervalMs", integer(100, 600000), "client ping interval (30000)"},
           {"pongTimeoutMs", integer(100, 600000), "pong deadline after a client ping (10000)"},
           {"readIdleMs", integer(100, 3600000), "reconnect when no frame arrives for this long (90000)"},
           {"healthCheckIntervalMs", integer(100, 3600000), "GET /users/me update_at check interval (30000)"},
           {"reconnectInitialDelayMs", integer(1, 3600000), "first reconnect delay (2000)"},
           {"reconnectMaxDelayMs", integer(1, 3600000), "longest reconnect delay (60000)"},
           {"pollIntervalMs", integer(100, 3600000),
            "REST polling interval when useWebSocket is false (5000)"},
       }),
       "connection timers (tests shorten them)"},
      {"agent",
       object({
           {"firstTokenTimeoutSeconds", integer(1, 3600),
            "longest wait for a model's first token (120; local models load slowly)"},
           {"stallTimeoutSeconds", integer(1, 3600), "longest silence between two pieces of a stream (60)"},
           {"turnTimeoutSeconds", integer(1, 86400), "longest turn, tool rounds included (600)"},
           {"maxToolRounds", integer(0, 64), "tool rounds per turn before the model must answer (8)"},
       }),
       "the agent runtime's limits"},
      {"media",
       object({{"allowedDirs", array(string(true, check_absolute_path)),
                "directories the message tool may send local files from (none by default)"}}),
       "outbound files"},
  });
}

NodePtr make_root() {
  auto channels = object(
      {
          {"mattermost", make_mattermost_node(), "the Mattermost channel"},
          {"defaults",
           object(
               {
                   {"groupPolicy", enumeration({"open", "disabled", "allowlist"}), "fallback groupPolicy"},
                   {"contextVisibility", enumeration({"all", "allowlist", "allowlist_quote"}),
                    "fallback contextVisibility"},
               },
               UnknownKeys::shared),
           "defaults shared by channels"},
      },
      UnknownKeys::shared);
  return object(
      {
          {"channels", channels, "chat channels"},
          {"models", make_models_node(), "model providers"},
          {"agents", make_agents_node(), "agent defaults"},
          {"session",
           object(
               {{"dmScope", enumeration({"main", "per-peer", "per-channel-peer", "per-account-channel-peer"}),
                 "how DM sessions are keyed (default main)"}},
               UnknownKeys::shared),
           "sessions"},
          {"messages", make_messages_node(), "message handling"},
          {"gateway", make_gateway_node(), "the gateway's HTTP surface"},
          {"secrets", make_secrets_node(), "secret providers"},
          {"mmclaw", make_mmclaw_node(), "mmclaw's own settings"},
      },
      UnknownKeys::shared);
}

}  // namespace

const SchemaNode& openclaw_schema() {
  static const NodePtr root = make_root();
  return *root;
}

const SchemaNode& mattermost_account_schema() {
  static const NodePtr account = make_account_node();
  return *account;
}

}  // namespace mmclaw::config
