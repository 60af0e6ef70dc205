#include "config/build_snapshot.hpp"

#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/accounts.hpp"
#include "config/secrets.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mmclaw::config {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kMattermostPostLimit = 16383;  // Mattermost rejects longer posts
constexpr int kHistoryCap = 200;             // the reference core's hard cap

const json::object* object_at(const json::object* obj, std::string_view key) {
  if (obj == nullptr) return nullptr;
  const auto* v = obj->if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::object* object_path(const json::value& root, std::initializer_list<std::string_view> keys) {
  const json::object* cur = root.is_object() ? &root.get_object() : nullptr;
  for (auto key : keys) cur = object_at(cur, key);
  return cur;
}

std::optional<bool> get_bool(const json::object* obj, std::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const auto* v = obj->if_contains(key);
  return v != nullptr && v->is_bool() ? std::optional<bool>(v->get_bool()) : std::nullopt;
}

std::optional<int> get_int(const json::object* obj, std::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const auto* v = obj->if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return static_cast<int>(v->to_number<double>());
}

std::optional<double> get_double(const json::object* obj, std::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const auto* v = obj->if_contains(key);
  return v != nullptr && v->is_number() ? std::optional<double>(v->to_number<double>()) : std::nullopt;
}

std::optional<std::string> get_string(const json::object* obj, std::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const auto* v = obj->if_contains(key);
  return v != nullptr && v->is_string() ? std::optional<std::string>(std::string(v->get_string()))
                                        : std::nullopt;
}

// Allowlists accept strings and numbers; numbers are ids written without quotes.
std::vector<std::string> get_string_list(const json::object* obj, std::string_view key) {
  std::vector<std::string> out;
  if (obj == nullptr) return out;
  const auto* v = obj->if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (item.is_string())
      out.emplace_back(item.get_string());
    else if (item.is_int64())
      out.push_back(std::to_string(item.get_int64()));
    else if (item.is_uint64())
      out.push_back(std::to_string(item.get_uint64()));
    else if (item.is_double())
      out.push_back(fmt::format("{}", item.get_double()));
  }
  return out;
}

template <class Enum>
std::optional<Enum> get_enum(const json::object* obj, std::string_view key,
                             std::initializer_list<std::pair<std::string_view, Enum>> table) {
  const auto s = get_string(obj, key);
  if (!s) return std::nullopt;
  for (const auto& [name, value] : table)
    if (name == *s) return value;
  return std::nullopt;
}

const std::initializer_list<std::pair<std::string_view, ReplyToMode>> kReplyModes = {
    {"off", ReplyToMode::off},
    {"first", ReplyToMode::first},
    {"all", ReplyToMode::all},
    {"batched", ReplyToMode::batched}};
const std::initializer_list<std::pair<std::string_view, StreamingMode>> kStreamingModes = {
    {"off", StreamingMode::off},
    {"partial", StreamingMode::partial},
    {"block", StreamingMode::block},
    {"progress", StreamingMode::progress}};
const std::initializer_list<std::pair<std::string_view, CommandText>> kCommandText = {
    {"raw", CommandText::raw}, {"status", CommandText::status}};
const std::initializer_list<std::pair<std::string_view, GroupPolicy>> kGroupPolicies = {
    {"open", GroupPolicy::open}, {"disabled", GroupPolicy::disabled}, {"allowlist", GroupPolicy::allowlist}};
const std::initializer_list<std::pair<std::string_view, ContextVisibility>> kVisibility = {
    {"all", ContextVisibility::all},
    {"allowlist", ContextVisibility::allowlist},
    {"allowlist_quote", ContextVisibility::allowlist_quote}};

// Where an account's key was written: its own object when it sets the key, else the top level.
struct AccountPaths {
  KeyPath top = KeyPath::parse_dotted("channels.mattermost");
  std::optional<KeyPath> own;  // channels.mattermost.accounts.<raw key>
  const json::object* own_obj = nullptr;

  [[nodiscard]] KeyPath of(std::string_view key) const {
    if (own && own_obj != nullptr && own_obj->contains(key)) return own->child(key);
    return top.child(key);
  }
  // Where a missing key belongs: the account's own object when it has one.
  [[nodiscard]] KeyPath missing(std::string_view key) const { return own ? own->child(key) : top.child(key); }
  // The path the reference's messages use for the account: accounts.<id> even when implicit.
  [[nodiscard]] std::string account_prefix(std::string_view id) const {
    return fmt::format("channels.mattermost.accounts.{}", id);
  }
};

StreamingConfig build_streaming(const json::object& merged) {
  StreamingConfig s;
  const auto* v = merged.if_contains("streaming");
  if (v == nullptr) return s;
  if (v->is_string()) {
    s.mode = get_enum(&merged, "streaming", kStreamingModes).value_or(StreamingMode::partial);
    return s;
  }
  if (v->is_bool()) {
    s.mode = v->get_bool() ? StreamingMode::partial : StreamingMode::off;
    return s;
  }
  if (!v->is_object()) return s;
  const auto& obj = v->get_object();
  s.mode = get_enum(&obj, "mode", kStreamingModes).value_or(s.mode);
  s.chunk_mode =
      get_enum<ChunkMode>(&obj, "chunkMode", {{"length", ChunkMode::length}, {"newline", ChunkMode::newline}})
          .value_or(s.chunk_mode);
  const auto* preview = object_at(&obj, "preview");
  s.preview_tool_progress = get_bool(preview, "toolProgress").value_or(s.preview_tool_progress);
  s.preview_command_text = get_enum(preview, "commandText", kCommandText).value_or(s.preview_command_text);
  const auto* progress = object_at(&obj, "progress");
  if (progress != nullptr) {
    if (const auto* label = progress->if_contains("label")) {
      if (label->is_string())
        s.progress_label = std::string(label->get_string());
      else if (label->is_bool() && !label->get_bool())
        s.progress_label = std::nullopt;
    }
    s.progress_labels = get_string_list(progress, "labels");
    s.progress_max_lines = get_int(progress, "maxLines").value_or(s.progress_max_lines);
    s.progress_max_line_chars = get_int(progress, "maxLineChars").value_or(s.progress_max_line_chars);
    s.progress_tool_progress = get_bool(progress, "toolProgress").value_or(s.progress_tool_progress);
    s.progress_command_text =
        get_enum(progress, "commandText", kCommandText).value_or(s.progress_command_text);
  }
  const auto* block = object_at(&obj, "block");
  s.block_enabled = get_bool(block, "enabled").value_or(s.block_enabled);
  const auto* coalesce = object_at(block, "coalesce");
  s.block_coalesce_min_chars = get_int(coalesce, "minChars").value_or(s.block_coalesce_min_chars);
  s.block_coalesce_max_chars = get_int(coalesce, "maxChars");
  s.block_coalesce_idle_ms = get_int(coalesce, "idleMs").value_or(s.block_coalesce_idle_ms);
  return s;
}

class SnapshotBuilder {
 public:
  SnapshotBuilder(const BuildInputs& in, IssueList& issues)
      : in_(in),
        issues_(issues),
        root_(in.root->is_object() ? &in.root->get_object() : nullptr),
        mm_(object_path(*in.root, {"channels", "mattermost"})),
        secrets_(object_path(*in.root, {"secrets"}), in.env, in.home, in.source_path.parent_path()) {}

  std::optional<Snapshot> build() {
    Snapshot snap;
    snap.source_path = in_.source_path;
    build_shared(snap);
    build_accounts(snap);
    build_providers(snap);
    return issues_.has_errors() ? std::nullopt : std::optional<Snapshot>(std::move(snap));
  }

 private:
  bool substituted(const KeyPath& path) const { return in_.env_substituted.contains(path.pointer()); }

  std::optional<std::string> env_value(std::string_view name) const {
    auto v = in_.env(name);
    if (v && util::trim(*v).empty()) return std::nullopt;
    return v;
  }

  void build_shared(Snapshot& snap) {
    const auto* gateway = object_at(root_, "gateway");
    snap.gateway.port = get_int(gateway, "port").value_or(0);
    if (snap.gateway.port == 0) {
      snap.gateway.port = 18789;
      if (auto env_port = env_value("OPENCLAW_GATEWAY_PORT")) {
        int port = 0;
        const auto [end, ec] = std::from_chars(env_port->data(), env_port->data() + env_port->size(), port);
        if (ec != std::errc{} || end != env_port->data() + env_port->size() || port < 1 || port > 65535)
          issues_.error(
              KeyPath::parse_dotted("gateway.port"),
              fmt::format("OPENCLAW_GATEWAY_PORT must be a port from 1 to 65535 (got \"{}\")", *env_port));
        else
          snap.gateway.port = port;
      }
    }
    snap.gateway.bind = get_enum<BindMode>(gateway, "bind",
                                           {{"loopback", BindMode::loopback},
                                            {"lan", BindMode::lan},
                                            {"tailnet", BindMode::tailnet},
                                            {"auto", BindMode::auto_},
                                            {"custom", BindMode::custom}})
                            .value_or(BindMode::loopback);
    snap.gateway.custom_bind_host = get_string(gateway, "customBindHost");
    if (snap.gateway.bind == BindMode::custom &&
        (!snap.gateway.custom_bind_host || util::trim(*snap.gateway.custom_bind_host).empty()))
      issues_.error(KeyPath::parse_dotted("gateway.customBindHost"),
                    "gateway.bind is \"custom\" but gateway.customBindHost is not set");
    snap.gateway.trusted_proxies = get_string_list(gateway, "trustedProxies");
    snap.gateway.allow_real_ip_fallback = get_bool(gateway, "allowRealIpFallback").value_or(false);
    const auto* reload = object_at(gateway, "reload");
    snap.gateway.reload_mode = get_enum<ReloadMode>(reload, "mode",
                                                    {{"off", ReloadMode::off},
                                                     {"restart", ReloadMode::restart},
                                                     {"hot", ReloadMode::hot},
                                                     {"hybrid", ReloadMode::hybrid}})
                                   .value_or(ReloadMode::hybrid);
    snap.gateway.reload_debounce_ms = get_int(reload, "debounceMs").value_or(300);

    const auto* messages = object_at(root_, "messages");
    snap.messages.response_prefix = get_string(messages, "responsePrefix");
    const auto* inbound = object_at(messages, "inbound");
    snap.messages.inbound_debounce_ms = get_int(object_at(inbound, "byChannel"), "mattermost")
                                            .value_or(get_int(inbound, "debounceMs").value_or(0));
    snap.messages.group_history_limit = get_int(object_at(messages, "groupChat"), "historyLimit");
    snap.messages.ack_reaction = get_string(messages, "ackReaction");
    snap.messages.ack_reaction_scope = get_enum<AckScope>(messages, "ackReactionScope",
                                                          {{"group-mentions", AckScope::group_mentions},
                                                           {"group-all", AckScope::group_all},
                                                           {"direct", AckScope::direct},
                                                           {"all", AckScope::all}})
                                           .value_or(AckScope::group_mentions);
    snap.messages.remove_ack_after_reply = get_bool(messages, "removeAckAfterReply").value_or(false);
    const auto* queue = object_at(messages, "queue");
    snap.messages.queue.mode = get_enum<QueueMode>(queue, "mode",
                                                   {{"followup", QueueMode::followup},
                                                    {"collect", QueueMode::collect},
                                                    {"interrupt", QueueMode::interrupt},
                                                    {"steer", QueueMode::steer}})
                                   .value_or(QueueMode::followup);
    snap.messages.queue.cap = get_int(queue, "cap").value_or(20);

    snap.dm_scope = get_enum<DmScope>(object_at(root_, "session"), "dmScope",
                                      {{"main", DmScope::main},
                                       {"per-peer", DmScope::per_peer},
                                       {"per-channel-peer", DmScope::per_channel_peer},
                                       {"per-account-channel-peer", DmScope::per_account_channel_peer}})
                        .value_or(DmScope::main);

    const auto* defaults = object_path(*in_.root, {"agents", "defaults"});
    if (defaults != nullptr) {
      if (const auto* model = defaults->if_contains("model")) {
        if (model->is_string()) {
          snap.agent.primary_model = std::string(model->get_string());
        } else if (model->is_object()) {
          snap.agent.primary_model = get_string(&model->get_object(), "primary");
          snap.agent.fallback_models = get_string_list(&model->get_object(), "fallbacks");
        }
      }
      snap.agent.system_prompt = get_string(defaults, "systemPrompt");
      snap.agent.max_concurrent_turns = get_int(defaults, "maxConcurrent").value_or(4);
    }

    const auto* mmclaw = object_at(root_, "mmclaw");
    const auto store_path = get_string(object_at(mmclaw, "store"), "path");
    fs::path store =
        store_path ? util::expand_home(*store_path, in_.home) : in_.home / ".openclaw" / "mmclaw.db";
    if (store.is_relative()) store = in_.source_path.parent_path() / store;  // relative to the config file
    snap.mmclaw.store_path = store.lexically_normal();
    const auto* log = object_at(mmclaw, "log");
    snap.mmclaw.log_format =
        get_enum<LogFormat>(log, "format", {{"text", LogFormat::text}, {"json", LogFormat::json}})
            .value_or(LogFormat::text);
    snap.mmclaw.log_level = get_enum<LogLevel>(log, "level",
                                               {{"trace", LogLevel::trace},
                                                {"debug", LogLevel::debug},
                                                {"info", LogLevel::info},
                                                {"warn", LogLevel::warn},
                                                {"error", LogLevel::error},
                                                {"off", LogLevel::off}})
                                .value_or(LogLevel::info);
    snap.mmclaw.catch_up_max_age_minutes =
        get_int(object_at(mmclaw, "catchUp"), "maxAgeMinutes").value_or(60);
    if (const auto* agent = object_at(mmclaw, "agent")) {
      auto& limits = snap.mmclaw.agent;
      limits.first_token_timeout_seconds =
          get_int(agent, "firstTokenTimeoutSeconds").value_or(limits.first_token_timeout_seconds);
      limits.stall_timeout_seconds = get_int(agent, "stallTimeoutSeconds").value_or(limits.stall_timeout_seconds);
      limits.turn_timeout_seconds = get_int(agent, "turnTimeoutSeconds").value_or(limits.turn_timeout_seconds);
      limits.max_tool_rounds = get_int(agent, "maxToolRounds").value_or(limits.max_tool_rounds);
    }
    for (const auto& dir : get_string_list(object_at(mmclaw, "media"), "allowedDirs")) {
      fs::path normal = fs::path(dir).lexically_normal();
      if (!normal.has_filename() && normal != normal.root_path()) normal = normal.parent_path();
      if (normal.is_absolute()) snap.mmclaw.media_allowed_dirs.push_back(std::move(normal));
    }
    const auto* monitor = object_at(mmclaw, "monitor");
    auto& timers = snap.mmclaw.monitor;
    timers.connect_timeout_ms = get_int(monitor, "connectTimeoutMs").value_or(timers.connect_timeout_ms);
    timers.auth_timeout_ms = get_int(monitor, "authTimeoutMs").value_or(timers.auth_timeout_ms);
    timers.ping_interval_ms = get_int(monitor, "pingIntervalMs").value_or(timers.ping_interval_ms);
    timers.pong_timeout_ms = get_int(monitor, "pongTimeoutMs").value_or(timers.pong_timeout_ms);
    timers.read_idle_ms = get_int(monitor, "readIdleMs").value_or(timers.read_idle_ms);
    timers.health_check_interval_ms =
        get_int(monitor, "healthCheckIntervalMs").value_or(timers.health_check_interval_ms);
    timers.reconnect_initial_delay_ms =
        get_int(monitor, "reconnectInitialDelayMs").value_or(timers.reconnect_initial_delay_ms);
    timers.reconnect_max_delay_ms =
        get_int(monitor, "reconnectMaxDelayMs").value_or(timers.reconnect_max_delay_ms);
    timers.poll_interval_ms = get_int(monitor, "pollIntervalMs").value_or(timers.poll_interval_ms);
    if (timers.reconnect_initial_delay_ms > timers.reconnect_max_delay_ms)
      issues_.error(KeyPath::parse_dotted("mmclaw.monitor.reconnectInitialDelayMs"),
                    "reconnectInitialDelayMs must be less than or equal to reconnectMaxDelayMs");
    if (timers.pong_timeout_ms >= timers.read_idle_ms)
      issues_.warning(KeyPath::parse_dotted("mmclaw.monitor.readIdleMs"),
                      "readIdleMs should be longer than pongTimeoutMs, or a healthy socket may be dropped");
  }

  void build_accounts(Snapshot& snap) {
    const bool nothing_configured = [&] {
      const bool env_pair = env_value("MATTERMOST_URL") && env_value("MATTERMOST_BOT_TOKEN");
      if (env_pair) return false;
      if (mm_ == nullptr) return true;
      const auto* accounts = object_at(mm_, "accounts");
      const bool has_accounts = accounts != nullptr && !accounts->empty();
      return !has_accounts && !mm_->contains("baseUrl") && !mm_->contains("serverUrl") &&
             !mm_->contains("botToken");
    }();
    if (nothing_configured) {
      issues_.error(KeyPath::parse_dotted("channels.mattermost"),
                    "no Mattermost account configured: set channels.mattermost.baseUrl and "
                    "channels.mattermost.botToken "
                    "(or the MATTERMOST_URL and MATTERMOST_BOT_TOKEN environment variables)");
      return;
    }

    const json::object empty;
    const json::object& mm = mm_ != nullptr ? *mm_ : empty;
    const AccountListing listing = list_accounts(mm_, in_.env);
    for (const auto& id : listing.duplicate_ids)
      issues_.error(KeyPath::parse_dotted("channels.mattermost.accounts"),
                    fmt::format("two accounts normalise to the id \"{}\"; rename one of them", id));
    if (const auto wanted = get_string(mm_, "defaultAccount");
        wanted && normalize_account_id(*wanted) != listing.default_account)
      issues_.warning(KeyPath::parse_dotted("channels.mattermost.defaultAccount"),
                      fmt::format("\"{}\" is not a configured account; the default account is \"{}\"",
                                  *wanted, listing.default_account));
    snap.default_account = listing.default_account;

    const bool top_enabled = get_bool(mm_, "enabled").value_or(true);
    for (const auto& listed : listing.accounts)
      snap.accounts.push_back(build_account(listed, mm, top_enabled));

    // Two accounts on one bot would answer every post twice.
    for (std::size_t i = 0; i < snap.accounts.size(); ++i)
      for (std::size_t j = i + 1; j < snap.accounts.size(); ++j) {
        const auto& a = snap.accounts[i];
        const auto& b = snap.accounts[j];
        if (a.enabled && b.enabled && a.bot_token.present() && a.bot_token.value == b.bot_token.value &&
            a.base_url == b.base_url)
          issues_.error(
              KeyPath::parse_dotted("channels.mattermost.accounts").child(b.id),
              fmt::format(
                  "accounts \"{}\" and \"{}\" connect the same bot (same baseUrl and botToken), so every "
                  "post would be answered twice; give one its own bot or set enabled: false",
                  a.id, b.id));
      }
    const bool any_enabled =
        std::any_of(snap.accounts.begin(), snap.accounts.end(), [](const auto& a) { return a.enabled; });
    if (!any_enabled)
      issues_.warning(KeyPath::parse_dotted("channels.mattermost"), "every Mattermost account is disabled");
  }

  AccountConfig build_account(const ListedAccount& listed, const json::object& mm, bool top_enabled) {
    AccountConfig a;
    a.id = listed.id;
    const json::object merged = merge_account(mm, listed.raw_key);
    AccountPaths paths;
    if (listed.raw_key) {
      paths.own = KeyPath::parse_dotted("channels.mattermost.accounts").child(*listed.raw_key);
      paths.own_obj = object_at(object_at(&mm, "accounts"), *listed.raw_key);
    }
    const bool is_default = a.id == kDefaultAccountId;
    a.enabled = top_enabled && get_bool(&merged, "enabled").value_or(true);
    a.name = get_string(&merged, "name");

    // Server URL: baseUrl, else the third-party serverUrl, else MATTERMOST_URL for the default account.
    auto base = get_string(&merged, "baseUrl");
    if (const auto server = get_string(&merged, "serverUrl")) {
      if (base && !util::trim(*base).empty())
        issues_.warning(paths.of("serverUrl"), "serverUrl is ignored because baseUrl is set");
      else
        base = server;
    }
    a.base_url = base ? normalize_base_url(*base) : "";
    if (!a.base_url.empty()) {
      a.base_url_source = substituted(paths.of(merged.contains("baseUrl") ? "baseUrl" : "serverUrl"))
                              ? ValueSource::env
                              : ValueSource::config;
    } else if (auto env_url = env_value("MATTERMOST_URL")) {
      if (is_default) {
        a.base_url = normalize_base_url(*env_url);
        a.base_url_source = ValueSource::env;
      } else if (a.enabled) {
        issues_.note(paths.missing("baseUrl"),
                     fmt::format("MATTERMOST_URL applies only to the default account; it is ignored for "
                                 "account \"{}\"",
                                 a.id));
      }
    }

    // Bot token: the config (a plain string or a secret reference), else MATTERMOST_BOT_TOKEN for
    // the default account. A configured reference that does not resolve never falls back to env.
    if (const auto* token = merged.if_contains("botToken");
        token != nullptr && !(token->is_string() && util::trim(token->get_string()).empty())) {
      const KeyPath token_path = paths.of("botToken");
      if (a.enabled && in_.resolve_secrets) {
        auto secret = secrets_.resolve(*token, substituted(token_path));
        if (secret)
          a.bot_token = std::move(*secret);
        else
          issues_.error(token_path, secret.error());
      } else {
        a.bot_token.source = SecretResolver::declared_source(*token, substituted(token_path));
      }
    } else if (is_default) {
      if (auto env_token = env_value("MATTERMOST_BOT_TOKEN"))
        a.bot_token = Secret{*env_token, ValueSource::env, "MATTERMOST_BOT_TOKEN"};
    }

    // A configured token that failed to resolve was reported above with its own reason.
    const auto* configured_token = merged.if_contains("botToken");
    const bool token_configured =
        configured_token != nullptr &&
        !(configured_token->is_string() && util::trim(configured_token->get_string()).empty());
    if (a.enabled && !token_configured && !a.bot_token.present())
      issues_.error(
          paths.missing("botToken"),
          fmt::format(
              "Mattermost bot token missing for account \"{}\" (set {}.botToken or MATTERMOST_BOT_TOKEN for "
              "default).",
              a.id, paths.account_prefix(a.id)));
    if (a.enabled && a.base_url.empty())
      issues_.error(
          paths.missing("baseUrl"),
          fmt::format(
              "Mattermost baseUrl missing for account \"{}\" (set {}.baseUrl or MATTERMOST_URL for default).",
              a.id, paths.account_prefix(a.id)));

    build_policies(a, merged, paths);
    build_behaviour(a, merged, paths);
    return a;
  }

  void build_policies(AccountConfig& a, const json::object& merged, const AccountPaths& paths) {
    a.dm_policy = get_enum<DmPolicy>(&merged, "dmPolicy",
                                     {{"pairing", DmPolicy::pairing},
                                      {"allowlist", DmPolicy::allowlist},
                                      {"open", DmPolicy::open},
                                      {"disabled", DmPolicy::disabled}})
                      .value_or(DmPolicy::pairing);
    if (const auto respond = get_bool(&merged, "respondToDMs"); respond && !*respond) {
      if (merged.contains("dmPolicy"))
        issues_.warning(paths.of("respondToDMs"), "respondToDMs is ignored because dmPolicy is set");
      else
        a.dm_policy = DmPolicy::disabled;
    }
    a.allow_from = get_string_list(&merged, "allowFrom");
    if (a.dm_policy == DmPolicy::open &&
        std::find(a.allow_from.begin(), a.allow_from.end(), "*") == a.allow_from.end()) {
      const KeyPath where = paths.of("allowFrom");
      const std::string prefix = paths.own && paths.own_obj && paths.own_obj->contains("dmPolicy")
                                     ? paths.own->dotted()
                                     : "channels.mattermost";
      issues_.error(
          where, fmt::format("{}.dmPolicy=\"open\" requires {}.allowFrom to include \"*\"", prefix, prefix));
    }
    const auto* channel_defaults = object_path(*in_.root, {"channels", "defaults"});
    // With no channels.mattermost section at all the runtime uses allowlist whatever the defaults say.
    a.group_policy = get_enum(&merged, "groupPolicy", kGroupPolicies)
                         .value_or(mm_ != nullptr ? get_enum(channel_defaults, "groupPolicy", kGroupPolicies)
                                                        .value_or(GroupPolicy::allowlist)
                                                  : GroupPolicy::allowlist);
    a.group_allow_from = get_string_list(&merged, "groupAllowFrom");
    if (const auto* groups = object_at(&merged, "groups"))
      for (const auto& member : *groups)
      {
        const auto* group = member.value().is_object() ? &member.value().get_object() : nullptr;
        a.groups[std::string(member.key())] =
            GroupOverride{get_bool(group, "requireMention"), get_string(group, "systemPrompt")};
      }
    a.context_visibility = get_enum(&merged, "contextVisibility", kVisibility)
                               .value_or(get_enum(channel_defaults, "contextVisibility", kVisibility)
                                             .value_or(ContextVisibility::all));
    a.dangerously_allow_name_matching = get_bool(&merged, "dangerouslyAllowNameMatching").value_or(false);
    a.allow_bots = get_bool(&merged, "allowBots").value_or(false);
    if (merged.contains("allowChannels")) a.allowed_channels = get_string_list(&merged, "allowChannels");
    a.team_id = get_string(&merged, "teamId");
  }

  void build_behaviour(AccountConfig& a, const json::object& merged, const AccountPaths& paths) {
    a.chatmode = get_enum<ChatMode>(
        &merged, "chatmode",
        {{"oncall", ChatMode::oncall}, {"onmessage", ChatMode::onmessage}, {"onchar", ChatMode::onchar}});
    if (const auto respond = get_bool(&merged, "respondToMentions")) {
      if (a.chatmode)
        issues_.warning(paths.of("respondToMentions"),
                        "respondToMentions is ignored because chatmode is set");
      else
        a.chatmode = *respond ? ChatMode::oncall : ChatMode::onmessage;
    }
    std::vector<std::string> prefixes;
    for (const auto& p : get_string_list(&merged, "oncharPrefixes"))
      if (const auto t = util::trim(p); !t.empty()) prefixes.emplace_back(t);
    if (!prefixes.empty()) a.onchar_prefixes = std::move(prefixes);
    a.require_mention = get_bool(&merged, "requireMention");
    const auto* implicit = object_at(&merged, "implicitMentions");
    a.implicit_mentions.reply_to_bot = get_bool(implicit, "replyToBot");
    a.implicit_mentions.quoted_bot = get_bool(implicit, "quotedBot");
    a.implicit_mentions.thread_participation = get_bool(implicit, "threadParticipation").value_or(true);

    const auto* messages = object_at(root_, "messages");
    const auto group_history = get_int(object_at(messages, "groupChat"), "historyLimit");
    a.history_limit = get_int(&merged, "historyLimit").value_or(group_history.value_or(50));
    if (a.history_limit > kHistoryCap) {
      issues_.warning(merged.contains("historyLimit")
                          ? paths.of("historyLimit")
                          : KeyPath::parse_dotted("messages.groupChat.historyLimit"),
                      fmt::format("history is capped at {} entries", kHistoryCap));
      a.history_limit = kHistoryCap;
    }
    a.media_max_mb = get_double(&merged, "mediaMaxMb");
    a.text_chunk_limit = get_int(&merged, "textChunkLimit").value_or(4000);
    if (a.text_chunk_limit > kMattermostPostLimit) {
      issues_.warning(paths.of("textChunkLimit"),
                      fmt::format("Mattermost rejects posts over {} characters; chunks are capped there",
                                  kMattermostPostLimit));
      a.text_chunk_limit = kMattermostPostLimit;
    }
    a.markdown_tables = get_enum<TablesMode>(object_at(&merged, "markdown"), "tables",
                                             {{"off", TablesMode::off},
                                              {"bullets", TablesMode::bullets},
                                              {"code", TablesMode::code},
                                              {"block", TablesMode::block}})
                            .value_or(TablesMode::off);
    a.streaming = build_streaming(merged);
    a.reply_to.base = get_enum(&merged, "replyToMode", kReplyModes).value_or(ReplyToMode::off);
    const auto* by_type = object_at(&merged, "replyToModeByChatType");
    a.reply_to.direct = get_enum(by_type, "direct", kReplyModes);
    a.reply_to.group = get_enum(by_type, "group", kReplyModes);
    a.reply_to.channel = get_enum(by_type, "channel", kReplyModes);
    a.response_prefix = get_string(&merged, "responsePrefix");
    if (!a.response_prefix) a.response_prefix = get_string(messages, "responsePrefix");
    a.capabilities = get_string_list(&merged, "capabilities");
    a.config_writes = get_bool(&merged, "configWrites").value_or(false);
    const auto* actions = object_at(&merged, "actions");
    a.actions_reactions = get_bool(actions, "reactions").value_or(true);
    a.actions_messages = get_bool(actions, "messages").value_or(false);

    const auto* commands = object_at(&merged, "commands");
    a.commands.native = get_bool(commands, "native").value_or(false);  // "auto" means disabled
    a.commands.native_skills = get_bool(commands, "nativeSkills").value_or(false);
    if (auto path = get_string(commands, "callbackPath"); path && !util::trim(*path).empty()) {
      std::string p(util::trim(*path));
      if (!p.starts_with('/')) p.insert(p.begin(), '/');
      a.commands.callback_path = p;
    }
    if (auto url = get_string(commands, "callbackUrl"); url && !util::trim(*url).empty())
      a.commands.callback_url = std::string(util::trim(*url));

    const auto* interactions = object_at(&merged, "interactions");
    if (auto base = get_string(interactions, "callbackBaseUrl"); base && !util::trim(*base).empty()) {
      std::string b(util::trim(*base));
      while (b.ends_with('/')) b.pop_back();
      a.interactions.callback_base_url = b;
    }
    a.interactions.allowed_source_ips = get_string_list(interactions, "allowedSourceIps");
    a.dangerously_allow_private_network =
        get_bool(object_at(&merged, "network"), "dangerouslyAllowPrivateNetwork").value_or(false);

    const auto* retry = object_at(&merged, "dmChannelRetry");
    a.dm_channel_retry.max_retries = get_int(retry, "maxRetries").value_or(3);
    a.dm_channel_retry.initial_delay_ms = get_int(retry, "initialDelayMs").value_or(1000);
    a.dm_channel_retry.max_delay_ms = get_int(retry, "maxDelayMs").value_or(10000);
    a.dm_channel_retry.timeout_ms = get_int(retry, "timeoutMs").value_or(30000);

    a.ack_reaction = get_string(&merged, "ackReaction");
    if (!a.ack_reaction) a.ack_reaction = get_string(messages, "ackReaction");
    if (const auto ws = get_bool(&merged, "useWebSocket"); ws && !*ws) a.transport = Transport::polling;
    a.reconnect_initial_delay_ms = get_int(&merged, "reconnectInterval");
  }

  void build_providers(Snapshot& snap) {
    const auto* providers = object_path(*in_.root, {"models", "providers"});
    if (providers == nullptr) return;
    const KeyPath base = KeyPath::parse_dotted("models.providers");
    for (const auto& member : *providers) {
      if (!member.value().is_object()) continue;
      const auto& obj = member.value().get_object();
      const KeyPath path = base.child(member.key());
      ProviderConfig p;
      p.id = std::string(member.key());
      p.base_url = normalize_http_base(get_string(&obj, "baseUrl").value_or(""));
      p.api = get_enum<ModelApi>(&obj, "api",
                                 {{"openai-completions", ModelApi::openai_completions},
                                  {"anthropic-messages", ModelApi::anthropic_messages},
                                  {"command", ModelApi::command},
                                  {"echo", ModelApi::echo}})
                  .value_or(ModelApi::openai_completions);
      if (const auto* key = obj.if_contains("apiKey");
          key != nullptr && !(key->is_string() && key->get_string().empty())) {
        if (in_.resolve_secrets) {
          auto secret = secrets_.resolve(*key, substituted(path.child("apiKey")));
          if (secret)
            p.api_key = std::move(*secret);
          else
            issues_.error(path.child("apiKey"), secret.error());
        } else {
          p.api_key.source = SecretResolver::declared_source(*key, substituted(path.child("apiKey")));
        }
      }
      if (const auto* headers = object_at(&obj, "headers"))
        for (const auto& h : *headers)
          if (h.value().is_string()) p.headers[std::string(h.key())] = std::string(h.value().get_string());
      p.timeout_seconds = get_int(&obj, "timeoutSeconds");
      p.command = get_string_list(&obj, "command");
      if (p.api == ModelApi::command && p.command.empty())
        issues_.error(path.child("command"),
                      "api \"command\" needs `command`: the program to run and its arguments, e.g. [\"/usr/local/bin/my-agent\", \"--json\"]");
      if (p.api != ModelApi::command && obj.contains("command"))
        issues_.error(path.child("command"), "`command` applies only to api \"command\"");
      if ((p.api == ModelApi::openai_completions || p.api == ModelApi::anthropic_messages) && p.base_url.empty())
        issues_.error(path.child("baseUrl"),
                      fmt::format("api \"{}\" needs `baseUrl`, e.g. \"{}\"",
                                  p.api == ModelApi::openai_completions ? "openai-completions" : "anthropic-messages",
                                  p.api == ModelApi::openai_completions ? "http://127.0.0.1:11434/v1"
                                                                        : "https://api.anthropic.com"));
      if (const auto* models = obj.if_contains("models"); models && models->is_array()) {
        const auto& arr = models->get_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
          if (!arr[i].is_object()) continue;
          const auto* m = &arr[i].get_object();
          ModelConfig model;
          model.id = get_string(m, "id").value_or("");
          model.name = get_string(m, "name");
          model.reasoning = get_bool(m, "reasoning").value_or(false);
          if (m->contains("input")) model.input = get_string_list(m, "input");
          model.context_window = get_int(m, "contextWindow");
          model.max_tokens = get_int(m, "maxTokens");
          if (std::any_of(p.models.begin(), p.models.end(),
                          [&](const ModelConfig& x) { return x.id == model.id; }))
            issues_.error(path.child("models").index(i).child("id"),
                          fmt::format("model \"{}\" is listed twice for provider \"{}\"", model.id, p.id));
          p.models.push_back(std::move(model));
        }
      }
      snap.providers.emplace(p.id, std::move(p));
    }
  }

  static std::string normalize_http_base(std::string_view url) {
    std::string s(util::trim(url));
    while (s.ends_with('/')) s.pop_back();
    return s;
  }

  const BuildInputs& in_;
  IssueList& issues_;
  const json::object* root_;
  const json::object* mm_;
  SecretResolver secrets_;
};

}  // namespace

std::optional<Snapshot> build_snapshot(const BuildInputs& inputs, IssueList& issues) {
  return SnapshotBuilder(inputs, issues).build();
}

}  // namespace mmclaw::config
