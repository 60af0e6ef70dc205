#pragma once
// The resolved configuration: plain structs built once from the file and the environment by
// build_snapshot() (build_snapshot.hpp). Nothing at run time looks at JSON. A snapshot is
// immutable once built and shared as `std::shared_ptr<const Snapshot>`; hot reload builds a new
// one and compares accounts with operator==.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmclaw::config {

enum class DmPolicy { pairing, allowlist, open, disabled };
enum class GroupPolicy { open, disabled, allowlist };
enum class ChatMode { oncall, onmessage, onchar };
enum class ContextVisibility { all, allowlist, allowlist_quote };
enum class TablesMode { off, bullets, code, block };
enum class StreamingMode { off, partial, block, progress };
enum class ChunkMode { length, newline };
enum class CommandText { raw, status };
enum class ReplyToMode { off, first, all, batched };
enum class Transport { websocket, polling };
enum class DmScope { main, per_peer, per_channel_peer, per_account_channel_peer };
enum class BindMode { loopback, lan, tailnet, auto_, custom };
enum class ReloadMode { off, restart, hot, hybrid };
enum class AckScope { group_mentions, group_all, direct, all };
enum class ModelApi { openai_completions, anthropic_messages, command, echo };
enum class LogFormat { text, json };
enum class LogLevel { trace, debug, info, warn, error, off };  // same order as log::Level
// What happens to a post for a session whose turn is still running (gateway/lanes.hpp).
enum class QueueMode { followup, collect, interrupt, steer };

// Where a value came from; secrets are reported by source, never by value.
enum class ValueSource { none, config, env, file, exec };

struct Secret {
  std::string value;  // never logged or printed
  ValueSource source = ValueSource::none;
  std::string origin;  // e.g. "MATTERMOST_BOT_TOKEN", "file:filemain:/mattermost/token"; never the value
  [[nodiscard]] bool present() const { return !value.empty(); }
  bool operator==(const Secret&) const = default;
};

struct GroupOverride {
  std::optional<bool> require_mention;
  std::optional<std::string> system_prompt;  // added to the agent's system prompt in this channel
  bool operator==(const GroupOverride&) const = default;
};

struct ImplicitMentions {
  std::optional<bool> reply_to_bot;
  std::optional<bool> quoted_bot;
  bool thread_participation = true;
  bool operator==(const ImplicitMentions&) const = default;
};

struct StreamingConfig {
  StreamingMode mode = StreamingMode::partial;
  ChunkMode chunk_mode = ChunkMode::length;
  bool preview_tool_progress = true;
  CommandText preview_command_text = CommandText::status;
  std::optional<std::string> progress_label =
      "Working";  // nullopt = hidden (label: false); "auto" picks from labels
  std::vector<std::string> progress_labels;
  int progress_max_lines = 8;
  int progress_max_line_chars = 120;
  bool progress_tool_progress = false;
  CommandText progress_command_text = CommandText::status;
  bool block_enabled = false;
  int block_coalesce_min_chars = 1500;
  std::optional<int> block_coalesce_max_chars;
  int block_coalesce_idle_ms = 1000;
  bool operator==(const StreamingConfig&) const = default;
};

struct ReplyToModes {
  ReplyToMode base = ReplyToMode::off;  // replyToMode
  std::optional<ReplyToMode> direct, group, channel;
  bool operator==(const ReplyToModes&) const = default;
};

struct CommandsConfig {
  bool native = false;         // true only for `native: true` ("auto" is disabled)
  bool native_skills = false;  // likewise
  std::string callback_path = "/api/channels/mattermost/command";
  std::optional<std::string> callback_url;
  bool operator==(const CommandsConfig&) const = default;
};

struct InteractionsConfig {
  std::optional<std::string> callback_base_url;
  std::vector<std::string> allowed_source_ips;  // empty = loopback only
  bool operator==(const InteractionsConfig&) const = default;
};

struct DmChannelRetry {
  int max_retries = 3;
  int initial_delay_ms = 1000;
  int max_delay_ms = 10000;
  int timeout_ms = 30000;
  bool operator==(const DmChannelRetry&) const = default;
};

struct AccountConfig {
  std::string id;  // normalised account id
  std::optional<std::string> name;
  bool enabled = true;
  std::string base_url;  // normalised; empty = not configured
  ValueSource base_url_source = ValueSource::none;
  Secret bot_token;

  DmPolicy dm_policy = DmPolicy::pairing;
  std::vector<std::string> allow_from;  // as written (normalisation belongs to access control)
  GroupPolicy group_policy = GroupPolicy::allowlist;
  std::vector<std::string> group_allow_from;
  std::map<std::string, GroupOverride> groups;
  std::optional<ChatMode> chatmode;
  std::vector<std::string> onchar_prefixes{">", "!"};
  std::optional<bool> require_mention;
  ImplicitMentions implicit_mentions;
  bool dangerously_allow_name_matching = false;
  ContextVisibility context_visibility = ContextVisibility::all;
  int history_limit = 50;
  std::optional<double> media_max_mb;
  int text_chunk_limit = 4000;
  TablesMode markdown_tables = TablesMode::off;
  StreamingConfig streaming;
  ReplyToModes reply_to;
  std::optional<std::string> response_prefix;
  std::vector<std::string> capabilities;
  bool config_writes = false;
  bool actions_reactions = true;
  bool actions_messages = false;
  CommandsConfig commands;
  InteractionsConfig interactions;
  bool dangerously_allow_private_network = false;
  DmChannelRetry dm_channel_retry;

  // mmclaw's own keys.
  bool allow_bots = false;
  std::optional<std::string> ack_reaction;
  // Mapped from third-party keys (PRODUCT.md).
  std::optional<std::string> team_id;                        // teamId
  std::optional<std::vector<std::string>> allowed_channels;  // allowChannels
  Transport transport = Transport::websocket;                // useWebSocket
  std::optional<int> reconnect_initial_delay_ms;             // reconnectInterval

  bool operator==(const AccountConfig&) const = default;
};

struct GatewayConfig {
  int port = 18789;
  BindMode bind = BindMode::loopback;
  std::optional<std::string> custom_bind_host;
  std::vector<std::string> trusted_proxies;
  bool allow_real_ip_fallback = false;
  ReloadMode reload_mode = ReloadMode::hybrid;
  int reload_debounce_ms = 300;
  bool operator==(const GatewayConfig&) const = default;
};

// messages.queue: posts for a busy session.
struct QueueConfig {
  QueueMode mode = QueueMode::followup;
  int cap = 20;  // posts waiting per session; the next one is dropped (queue_full)
  bool operator==(const QueueConfig&) const = default;
};

struct MessagesConfig {
  std::optional<std::string> response_prefix;
  int inbound_debounce_ms = 0;  // byChannel.mattermost, else debounceMs, else 0
  std::optional<int> group_history_limit;
  std::optional<std::string> ack_reaction;
  AckScope ack_reaction_scope = AckScope::group_mentions;
  bool remove_ack_after_reply = false;
  QueueConfig queue;
  bool operator==(const MessagesConfig&) const = default;
};

struct ModelConfig {
  std::string id;
  std::optional<std::string> name;
  bool reasoning = false;
  std::vector<std::string> input{"text"};
  std::optional<int> context_window;
  std::optional<int> max_tokens;
  bool operator==(const ModelConfig&) const = default;
};

struct ProviderConfig {
  std::string id;
  std::string base_url;
  Secret api_key;
  ModelApi api = ModelApi::openai_completions;
  std::map<std::string, std::string> headers;
  std::optional<int> timeout_seconds;
  std::vector<ModelConfig> models;
  std::vector<std::string> command;  // api "command": the program and its arguments
  bool operator==(const ProviderConfig&) const = default;
};

struct AgentDefaults {
  std::optional<std::string> primary_model;  // "provider/model"
  std::vector<std::string> fallback_models;
  std::optional<std::string> system_prompt;
  int max_concurrent_turns = 4;  // maxConcurrent: turns running at once, all sessions and accounts
  bool operator==(const AgentDefaults&) const = default;
};

// The monitor's timers (mmclaw.monitor); defaults are the reference's (channel-behaviour.md §3.4-3.5).
struct MonitorTimers {
  int connect_timeout_ms = 30000;
  int auth_timeout_ms = 30000;
  int ping_interval_ms = 30000;
  int pong_timeout_ms = 10000;
  int read_idle_ms = 90000;
  int health_check_interval_ms = 30000;
  int reconnect_initial_delay_ms = 2000;
  int reconnect_max_delay_ms = 60000;
  int poll_interval_ms = 5000;
  bool operator==(const MonitorTimers&) const = default;
};

// The agent runtime's limits (mmclaw.agent).
struct AgentLimits {
  int first_token_timeout_seconds = 120;  // local models load slowly
  int stall_timeout_seconds = 60;         // silence between two pieces of a stream
  int turn_timeout_seconds = 600;         // a whole turn, tool rounds included
  int max_tool_rounds = 8;
  bool operator==(const AgentLimits&) const = default;
};

struct MmclawSettings {
  std::filesystem::path store_path;  // default ~/.openclaw/mmclaw.db
  LogFormat log_format = LogFormat::text;
  LogLevel log_level = LogLevel::info;
  int catch_up_max_age_minutes = 60;
  MonitorTimers monitor;
  AgentLimits agent;
  // mmclaw.media.allowedDirs: the directories the message tool may send local files from (absolute,
  // normalised); empty = no local file may be sent.
  std::vector<std::filesystem::path> media_allowed_dirs;
  bool operator==(const MmclawSettings&) const = default;
};

struct Snapshot {
  std::filesystem::path source_path;
  std::vector<AccountConfig> accounts;  // every listed account, enabled or not, in listing order
  std::string default_account;
  GatewayConfig gateway;
  MessagesConfig messages;
  DmScope dm_scope = DmScope::main;
  std::map<std::string, ProviderConfig> providers;
  AgentDefaults agent;
  MmclawSettings mmclaw;

  [[nodiscard]] const AccountConfig* find_account(std::string_view id) const {
    for (const auto& a : accounts)
      if (a.id == id) return &a;
    return nullptr;
  }
};

}  // namespace mmclaw::config
