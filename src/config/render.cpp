#include "config/render.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace mmclaw::config {

namespace json = boost::json;

std::string_view to_string(ValueSource source) noexcept {
  switch (source) {
    case ValueSource::none: return "none";
    case ValueSource::config: return "config";
    case ValueSource::env: return "env";
    case ValueSource::file: return "file";
    case ValueSource::exec: return "exec";
  }
  return "none";
}

std::string_view to_string(DmPolicy v) noexcept {
  switch (v) {
    case DmPolicy::pairing: return "pairing";
    case DmPolicy::allowlist: return "allowlist";
    case DmPolicy::open: return "open";
    case DmPolicy::disabled: return "disabled";
  }
  return "pairing";
}

std::string_view to_string(GroupPolicy v) noexcept {
  switch (v) {
    case GroupPolicy::open: return "open";
    case GroupPolicy::disabled: return "disabled";
    case GroupPolicy::allowlist: return "allowlist";
  }
  return "allowlist";
}

std::string_view to_string(ChatMode v) noexcept {
  switch (v) {
    case ChatMode::oncall: return "oncall";
    case ChatMode::onmessage: return "onmessage";
    case ChatMode::onchar: return "onchar";
  }
  return "oncall";
}

std::string_view to_string(StreamingMode v) noexcept {
  switch (v) {
    case StreamingMode::off: return "off";
    case StreamingMode::partial: return "partial";
    case StreamingMode::block: return "block";
    case StreamingMode::progress: return "progress";
  }
  return "partial";
}

namespace {

std::string_view to_string(ContextVisibility v) noexcept {
  switch (v) {
    case ContextVisibility::all: return "all";
    case ContextVisibility::allowlist: return "allowlist";
    case ContextVisibility::allowlist_quote: return "allowlist_quote";
  }
  return "all";
}

std::string_view to_string(ReplyToMode v) noexcept {
  switch (v) {
    case ReplyToMode::off: return "off";
    case ReplyToMode::first: return "first";
    case ReplyToMode::all: return "all";
    case ReplyToMode::batched: return "batched";
  }
  return "off";
}

std::string_view to_string(TablesMode v) noexcept {
  switch (v) {
    case TablesMode::off: return "off";
    case TablesMode::bullets: return "bullets";
    case TablesMode::code: return "code";
    case TablesMode::block: return "block";
  }
  return "off";
}

std::string_view to_string(CommandText v) noexcept {
  return v == CommandText::raw ? "raw" : "status";
}
std::string_view to_string(ChunkMode v) noexcept {
  return v == ChunkMode::length ? "length" : "newline";
}

std::string_view to_string(ModelApi v) noexcept {
  switch (v) {
    case ModelApi::openai_completions: return "openai-completions";
    case ModelApi::anthropic_messages: return "anthropic-messages";
    case ModelApi::command: return "command";
    case ModelApi::echo: return "echo";
  }
  return "openai-completions";
}

json::array to_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

json::value secret_view(const Secret& s) {
  if (!s.present() && s.source == ValueSource::none) return nullptr;
  json::object out{{"value", s.present() ? "***" : "(unresolved)"}, {"source", to_string(s.source)}};
  return out;
}

template <class T>
json::value optional_value(const std::optional<T>& v) {
  if (!v) return nullptr;
  return json::value_from(*v);
}

json::value reply_mode_view(const std::optional<ReplyToMode>& v) {
  if (!v) return nullptr;
  return json::string(to_string(*v));
}

}  // namespace

std::string summarize_account(const AccountConfig& a, bool is_default) {
  std::string line = fmt::format("account \"{}\"{}: {}", a.id, is_default ? " (default)" : "",
                                 a.enabled ? "enabled" : "disabled");
  line +=
      fmt::format(", {} ({})", a.base_url.empty() ? "no baseUrl" : a.base_url, to_string(a.base_url_source));
  line += fmt::format(", token from {}", to_string(a.bot_token.source));
  line += fmt::format(", dmPolicy={}, groupPolicy={}", to_string(a.dm_policy), to_string(a.group_policy));
  line += fmt::format(", chatmode={}", a.chatmode ? to_string(*a.chatmode) : "unset");
  line += fmt::format(", streaming={}", to_string(a.streaming.mode));
  if (a.transport == Transport::polling) line += ", REST polling";
  return line;
}

json::object render_account(const AccountConfig& a) {
  json::object groups;
  for (const auto& [id, g] : a.groups)
    groups[id] = json::object{{"requireMention", optional_value(g.require_mention)},
                              {"systemPrompt", optional_value(g.system_prompt)}};
  const auto& s = a.streaming;
  json::value label = nullptr;
  if (s.progress_label)
    label = json::string(*s.progress_label);
  else
    label = false;
  json::value allowed_channels = nullptr;
  if (a.allowed_channels) allowed_channels = to_array(*a.allowed_channels);
  return json::object{
      {"id", a.id},
      {"enabled", a.enabled},
      {"name", optional_value(a.name)},
      {"baseUrl", a.base_url},
      {"baseUrlSource", to_string(a.base_url_source)},
      {"botToken", secret_view(a.bot_token)},
      {"dmPolicy", to_string(a.dm_policy)},
      {"allowFrom", to_array(a.allow_from)},
      {"groupPolicy", to_string(a.group_policy)},
      {"groupAllowFrom", to_array(a.group_allow_from)},
      {"groups", std::move(groups)},
      {"chatmode", a.chatmode ? json::value(to_string(*a.chatmode)) : json::value(nullptr)},
      {"oncharPrefixes", to_array(a.onchar_prefixes)},
      {"requireMention", optional_value(a.require_mention)},
      {"implicitMentions", json::object{{"replyToBot", optional_value(a.implicit_mentions.reply_to_bot)},
                                        {"quotedBot", optional_value(a.implicit_mentions.quoted_bot)},
                                        {"threadParticipation", a.implicit_mentions.thread_participation}}},
      {"dangerouslyAllowNameMatching", a.dangerously_allow_name_matching},
      {"contextVisibility", to_string(a.context_visibility)},
      {"historyLimit", a.history_limit},
      {"mediaMaxMb", optional_value(a.media_max_mb)},
      {"textChunkLimit", a.text_chunk_limit},
      {"markdown", json::object{{"tables", to_string(a.markdown_tables)}}},
      {"streaming",
       json::object{
           {"mode", to_string(s.mode)},
           {"chunkMode", to_string(s.chunk_mode)},
           {"preview", json::object{{"toolProgress", s.preview_tool_progress},
                                    {"commandText", to_string(s.preview_command_text)}}},
           {"progress", json::object{{"label", label},
                                     {"labels", to_array(s.progress_labels)},
                                     {"maxLines", s.progress_max_lines},
                                     {"maxLineChars", s.progress_max_line_chars},
                                     {"toolProgress", s.progress_tool_progress},
                                     {"commandText", to_string(s.progress_command_text)}}},
           {"block",
            json::object{{"enabled", s.block_enabled},
                         {"coalesce", json::object{{"minChars", s.block_coalesce_min_chars},
                                                   {"maxChars", optional_value(s.block_coalesce_max_chars)},
                                                   {"idleMs", s.block_coalesce_idle_ms}}}}}}},
      {"replyToMode", to_string(a.reply_to.base)},
      {"replyToModeByChatType", json::object{{"direct", reply_mode_view(a.reply_to.direct)},
                                             {"group", reply_mode_view(a.reply_to.group)},
                                             {"channel", reply_mode_view(a.reply_to.channel)}}},
      {"responsePrefix", optional_value(a.response_prefix)},
      {"capabilities", to_array(a.capabilities)},
      {"configWrites", a.config_writes},
      {"actions", json::object{{"reactions", a.actions_reactions}, {"messages", a.actions_messages}}},
      {"commands", json::object{{"native", a.commands.native},
                                {"nativeSkills", a.commands.native_skills},
                                {"callbackPath", a.commands.callback_path},
                                {"callbackUrl", optional_value(a.commands.callback_url)}}},
      {"interactions", json::object{{"callbackBaseUrl", optional_value(a.interactions.callback_base_url)},
                                    {"allowedSourceIps", to_array(a.interactions.allowed_source_ips)}}},
      {"network", json::object{{"dangerouslyAllowPrivateNetwork", a.dangerously_allow_private_network}}},
      {"dmChannelRetry", json::object{{"maxRetries", a.dm_channel_retry.max_retries},
                                      {"initialDelayMs", a.dm_channel_retry.initial_delay_ms},
                                      {"maxDelayMs", a.dm_channel_retry.max_delay_ms},
                                      {"timeoutMs", a.dm_channel_retry.timeout_ms}}},
      {"allowBots", a.allow_bots},
      {"ackReaction", optional_value(a.ack_reaction)},
      {"teamId", optional_value(a.team_id)},
      {"allowedChannels", allowed_channels},
      {"transport", a.transport == Transport::websocket ? "websocket" : "polling"},
      {"reconnectInitialDelayMs", optional_value(a.reconnect_initial_delay_ms)},
  };
}

json::object render_snapshot(const Snapshot& snap) {
  json::array accounts;
  for (const auto& a : snap.accounts) accounts.push_back(render_account(a));
  json::object providers;
  for (const auto& [id, p] : snap.providers) {
    json::array models;
    for (const auto& m : p.models)
      models.push_back(json::object{{"id", m.id},
                                    {"name", optional_value(m.name)},
                                    {"reasoning", m.reasoning},
                                    {"input", to_array(m.input)},
                                    {"contextWindow", optional_value(m.context_window)},
                                    {"maxTokens", optional_value(m.max_tokens)}});
    json::object headers;
    for (const auto& [k, v] : p.headers) headers[k] = v;
    providers[id] = json::object{{"baseUrl", p.base_url},
                                 {"api", to_string(p.api)},
                                 {"apiKey", secret_view(p.api_key)},
                                 {"headers", std::move(headers)},
                                 {"timeoutSeconds", optional_value(p.timeout_seconds)},
                                 {"models", std::move(models)}};
    if (!p.command.empty()) {
      json::array command;
      for (const auto& arg : p.command) command.emplace_back(arg);
      providers[id].as_object()["command"] = std::move(command);
    }
  }
  static constexpr std::string_view kBind[] = {"loopback", "lan", "tailnet", "auto", "custom"};
  static constexpr std::string_view kReload[] = {"off", "restart", "hot", "hybrid"};
  static constexpr std::string_view kScope[] = {"main", "per-peer", "per-channel-peer",
                                                "per-account-channel-peer"};
  static constexpr std::string_view kAckScope[] = {"group-mentions", "group-all", "direct", "all"};
  static constexpr std::string_view kQueueMode[] = {"followup", "collect", "interrupt", "steer"};
  static constexpr std::string_view kLevel[] = {"trace", "debug", "info", "warn", "error", "off"};
  json::array media_dirs;
  for (const auto& dir : snap.mmclaw.media_allowed_dirs) media_dirs.emplace_back(dir.string());
  return json::object{
      {"configPath", snap.source_path.string()},
      {"defaultAccount", snap.default_account},
      {"accounts", std::move(accounts)},
      {"gateway",
       json::object{{"port", snap.gateway.port},
                    {"bind", kBind[static_cast<int>(snap.gateway.bind)]},
                    {"customBindHost", optional_value(snap.gateway.custom_bind_host)},
                    {"trustedProxies", to_array(snap.gateway.trusted_proxies)},
                    {"allowRealIpFallback", snap.gateway.allow_real_ip_fallback},
                    {"reload", json::object{{"mode", kReload[static_cast<int>(snap.gateway.reload_mode)]},
                                            {"debounceMs", snap.gateway.reload_debounce_ms}}}}},
      {"messages",
       json::object{{"responsePrefix", optional_value(snap.messages.response_prefix)},
                    {"inboundDebounceMs", snap.messages.inbound_debounce_ms},
                    {"groupHistoryLimit", optional_value(snap.messages.group_history_limit)},
                    {"ackReaction", optional_value(snap.messages.ack_reaction)},
                    {"ackReactionScope", kAckScope[static_cast<int>(snap.messages.ack_reaction_scope)]},
                    {"removeAckAfterReply", snap.messages.remove_ack_after_reply},
                    {"queue", json::object{{"mode", kQueueMode[static_cast<int>(snap.messages.queue.mode)]},
                                           {"cap", snap.messages.queue.cap}}}}},
      {"session", json::object{{"dmScope", kScope[static_cast<int>(snap.dm_scope)]}}},
      {"models", json::object{{"providers", std::move(providers)}}},
      {"agents",
       json::object{
           {"defaults",
            json::object{{"model", json::object{{"primary", optional_value(snap.agent.primary_model)},
                                                {"fallbacks", to_array(snap.agent.fallback_models)}}},
                         {"systemPrompt", optional_value(snap.agent.system_prompt)},
                         {"maxConcurrent", snap.agent.max_concurrent_turns}}}}},
      {"mmclaw",
       json::object{
           {"store", json::object{{"path", snap.mmclaw.store_path.string()}}},
           {"log", json::object{{"format", snap.mmclaw.log_format == LogFormat::text ? "text" : "json"},
                                {"level", kLevel[static_cast<int>(snap.mmclaw.log_level)]}}},
           {"catchUp", json::object{{"maxAgeMinutes", snap.mmclaw.catch_up_max_age_minutes}}},
           {"monitor",
            json::object{{"connectTimeoutMs", snap.mmclaw.monitor.connect_timeout_ms},
                         {"authTimeoutMs", snap.mmclaw.monitor.auth_timeout_ms},
                         {"pingIntervalMs", snap.mmclaw.monitor.ping_interval_ms},
                         {"pongTimeoutMs", snap.mmclaw.monitor.pong_timeout_ms},
                         {"readIdleMs", snap.mmclaw.monitor.read_idle_ms},
                         {"healthCheckIntervalMs", snap.mmclaw.monitor.health_check_interval_ms},
                         {"reconnectInitialDelayMs", snap.mmclaw.monitor.reconnect_initial_delay_ms},
                         {"reconnectMaxDelayMs", snap.mmclaw.monitor.reconnect_max_delay_ms},
                         {"pollIntervalMs", snap.mmclaw.monitor.poll_interval_ms}}},
           {"agent",
            json::object{{"firstTokenTimeoutSeconds", snap.mmclaw.agent.first_token_timeout_seconds},
                         {"stallTimeoutSeconds", snap.mmclaw.agent.stall_timeout_seconds},
                         {"turnTimeoutSeconds", snap.mmclaw.agent.turn_timeout_seconds},
                         {"maxToolRounds", snap.mmclaw.agent.max_tool_rounds}}},
           {"media", json::object{{"allowedDirs", media_dirs}}}}},
  };
}

}  // namespace mmclaw::config
