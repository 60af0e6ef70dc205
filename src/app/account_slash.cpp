// Native slash commands (channel-behaviour §9): registration per team when the account is
// identified, deletion of the commands it created when it stops for good, and the account's
// handler of the callback (§9.4): every check in order, fail closed, `Processing...`, then the
// command answered as a normal post (or the model picker opened, §10).

#include "app/account_runtime_impl.hpp"
#include "gateway/model_picker.hpp"
#include "mattermost/buttons.hpp"
#include "gateway/client_ip.hpp"
#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

namespace json = boost::json;

constexpr std::chrono::milliseconds kLiveLookupTimeout{1000};
constexpr std::int64_t kLookupFailureCacheMs = 5000;
constexpr std::chrono::milliseconds kDeleteTimeout{2000};
constexpr std::string_view kTemporaryChannelError =
    "Temporary error: unable to determine channel type. Please try again.";

bool loopback_host(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (util::iequals(host, "localhost")) return true;
  const auto ip = util::IpAddress::parse(host);
  return ip && gateway::source_allowed(*ip, {});  // no list: loopback only
}

// A registration to keep in the store (which sets registered_at).
store::SlashRegistration registration_of(std::string_view account_id, const mattermost::SlashCommand& command,
                                        bool created) {
  store::SlashRegistration r;
  r.account_id = std::string(account_id);
  r.team_id = command.team_id;
  r.command_id = command.id;
  r.trigger = command.trigger;
  r.token = command.token;
  r.url = command.url;
  r.created = created;
  return r;
}

// What the callback checks a request against.
std::vector<mattermost::SlashCommand> registered_commands(const std::vector<store::SlashRegistration>& registrations) {
  std::vector<mattermost::SlashCommand> out;
  for (const auto& r : registrations) {
    mattermost::SlashCommand command;
    command.id = r.command_id;
    command.token = r.token;
    command.team_id = r.team_id;
    command.trigger = r.trigger;
    command.method.assign(1, 'P');  // method P (not `= "P"`: GCC 12 -Wrestrict false positive)
    command.url = r.url;
    out.push_back(std::move(command));
  }
  return out;
}

}  // namespace

std::string AccountRuntime::Impl::slash_callback_url() const {
  if (account_.commands.callback_url && !util::trim(*account_.commands.callback_url).empty())
    return std::string(util::trim(*account_.commands.callback_url));
  return mattermost::gateway_base_url(live_->gateway.custom_bind_host, live_->gateway.port) +
         account_.commands.callback_path;
}

asio::awaitable<void> AccountRuntime::Impl::register_slash_commands() {
  if (!account_.commands.native) co_return;
  slash_.url = slash_callback_url();
  slash_.specs = gateway::native_command_specs();
  if (loopback_host(slash_.url) && !loopback_host(account_.base_url))
    log(log::Level::warn,
        "mattermost: slash command callback URL {} is a loopback address, but Mattermost at {} is not on "
        "this machine: it cannot reach the gateway (set commands.callbackUrl)",
        slash_.url, account_.base_url);

  auto teams = co_await api_.get_user_teams(bot_.id);
  if (!teams) {
    log(log::Level::error, "mattermost: failed to list the bot's teams for slash commands: {}",
        teams.error().error.message);
    log(log::Level::warn,
        "mattermost: native slash commands enabled but no commands could be registered; keeping slash "
        "callbacks inactive");
    co_return;
  }
  // Commands a previous run created (and did not delete: it was killed) are still ours to delete.
  std::set<std::string, std::less<>> created_before;
  if (auto previous = store_.slash_registrations(account_.id))
    for (const auto& r : *previous)
      if (r.created) created_before.insert(r.command_id);

  std::vector<store::SlashRegistration> registrations;
  std::size_t team_errors = 0;
  std::set<std::string, std::less<>> teams_used;
  const auto keep = [&](const mattermost::SlashCommand& command, bool created) {
    registrations.push_back(
        registration_of(account_.id, command, created || created_before.contains(command.id)));
    teams_used.insert(command.team_id);
  };
  for (const auto& team : *teams) {
    if (stopping_) co_return;
    if (account_.team_id && *account_.team_id != team.id) continue;
    auto existing = co_await api_.list_commands(team.id, true);
    if (!existing) {
      ++team_errors;
      log(log::Level::error, "mattermost: failed to register slash commands for team {}: {}", team.id,
          existing.error().error.message);
      continue;
    }
    for (const auto& step : gateway::plan_registration(slash_.specs, *existing, team.id, bot_.id, slash_.url)) {
      using Action = gateway::RegistrationStep::Action;
      const auto& trigger = step.spec.trigger;
      switch (step.action) {
        case Action::skip_foreign:
          log(log::Level::warn,
              "mattermost: slash command /{} already used by non-OpenClaw command(s) in team {}; skipping",
              trigger, team.id);
          break;
        case Action::reuse:
          keep(*step.existing, false);
          break;
        case Action::update: {
          auto updated = co_await api_.update_command(gateway::command_for(step.spec, team.id, slash_.url, step.existing->id));
          if (updated) {
            keep(*updated, false);
            break;
          }
          log(log::Level::warn, "mattermost: cannot update slash command /{} in team {}: {}; replacing it", trigger,
              team.id, updated.error().error.message);
          if (auto deleted = co_await api_.delete_command(step.existing->id); !deleted) {
            log(log::Level::error, "mattermost: cannot delete slash command /{} in team {}: {}; skipping", trigger,
                team.id, deleted.error().error.message);
            break;
          }
          [[fallthrough]];
        }
        case Action::create: {
          auto created = co_await api_.create_command(gateway::command_for(step.spec, team.id, slash_.url));
          if (!created) {
            ++team_errors;
            log(log::Level::error, "mattermost: failed to register slash command /{} for team {}: {}", trigger,
                team.id, created.error().error.message);
            break;
          }
          keep(*created, true);
          break;
        }
      }
    }
  }
  if (auto saved = store_.replace_slash_registrations(account_.id, registrations, now_ms()); !saved)
    log(log::Level::error, "cannot record the slash command registrations: {}", saved.error().message);
  if (team_errors > 0)
    log(log::Level::warn, "mattermost: slash command registration completed with {} team error(s)", team_errors);
  slash_.registered = registered_commands(registrations);
  slash_.created.clear();
  for (const auto& r : registrations)
    if (r.created) slash_.created.push_back(r.command_id);
  if (slash_.registered.empty()) {
    log(log::Level::warn,
        "mattermost: native slash commands enabled but no commands could be registered; keeping slash "
        "callbacks inactive");
    co_return;
  }
  slash_.active = !stopping_;
  log(log::Level::info, "mattermost: slash commands registered ({} commands across {} teams, callback={})",
      slash_.registered.size(), teams_used.size(), slash_.url);
}

asio::awaitable<void> AccountRuntime::Impl::unregister_slash_commands() {
  slash_.active = false;
  if (handover_) co_return;  // the account's next runtime reuses them
  // Bounded, so that a stop never waits long on an unreachable server: after a failure without an
  // answer the rest stay, recorded as ours, for the next run to delete when it stops.
  std::vector<store::SlashRegistration> left;
  bool reachable = true;
  std::size_t deleted = 0;
  for (const auto& command : slash_.registered) {
    if (std::ranges::find(slash_.created, command.id) == slash_.created.end()) continue;
    if (reachable) {
      auto done = co_await api_.delete_command(command.id, kDeleteTimeout);
      if (done || done.error().error.kind == ErrorKind::not_found) {
        ++deleted;
        continue;
      }
      reachable = done.error().has_response();
      log(log::Level::warn, "mattermost: cannot delete slash command /{}: {}", command.trigger,
          done.error().error.message);
    }
    left.push_back(registration_of(account_.id, command, /*created=*/true));
  }
  if (deleted > 0) log(log::Level::info, "mattermost: deleted {} slash command(s) this gateway created", deleted);
  if (account_.commands.native || !slash_.registered.empty())
    if (auto saved = store_.replace_slash_registrations(account_.id, left, now_ms()); !saved)
      log(log::Level::warn, "cannot record the slash command registrations: {}", saved.error().message);
  slash_.registered.clear();
  slash_.created.clear();
}

asio::awaitable<bool> AccountRuntime::Impl::slash_command_live(const mattermost::SlashCommand& registered) {
  const std::int64_t now = now_ms();
  if (const auto failed = slash_.failed_until.find(registered.id);
      failed != slash_.failed_until.end() && failed->second > now)
    co_return false;
  // Concurrent lookups of one command share the first one's answer.
  if (const auto pending = slash_.lookups.find(registered.id); pending != slash_.lookups.end()) {
    const auto lookup = pending->second;
    boost::system::error_code ec;
    co_await lookup->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return lookup->ok.value_or(false);
  }
  if (!slash_.budget.take(registered.id, now)) {
    log(log::Level::warn, "mattermost: slash command validation lookup rate-limited for /{}", registered.trigger);
    co_return false;
  }
  auto lookup = std::make_shared<SlashLookup>(io_);
  slash_.lookups.emplace(registered.id, lookup);
  std::optional<mattermost::SlashCommand> live;
  if (auto fetched = co_await api_.get_command(registered.id, kLiveLookupTimeout); fetched && fetched->delete_at == 0) {
    live = std::move(*fetched);
  } else if (auto listed = co_await api_.list_commands(registered.team_id, true, kLiveLookupTimeout)) {
    for (auto& command : *listed)
      if (command.id == registered.id) live = std::move(command);
  }
  const bool ok = live && gateway::live_command_matches(*live, registered);
  if (ok) {
    slash_.failed_until.erase(registered.id);
  } else {
    slash_.failed_until.insert_or_assign(registered.id, now_ms() + kLookupFailureCacheMs);
    log(log::Level::warn, "mattermost: slash command /{} failed live validation ({})", registered.trigger,
        live ? "changed in Mattermost" : "not found or Mattermost unreachable");
  }
  lookup->ok = ok;
  lookup->done.cancel();
  slash_.lookups.erase(registered.id);
  co_return ok;
}

asio::awaitable<std::optional<std::string>> AccountRuntime::Impl::authorise_slash(const gateway::SlashPayload& payload,
                                                                                  gateway::InboundFacts& facts) {
  mattermost::Post as_post;
  as_post.user_id = payload.user_id;
  as_post.channel_id = payload.channel_id;
  co_await complete_facts(as_post, facts);
  if (!facts.channel) co_return std::string(kTemporaryChannelError);
  if (facts.sender.username.empty()) facts.sender.username = payload.user_name;
  const auto access = sender_access(facts, /*control_command=*/true);
  if (access.outcome == gateway::AccessOutcome::pair) {
    auto requested = store_.request_pairing(account_.id, payload.user_id, facts.sender.username,
                                            gateway::random_pairing_code, now_ms(), gateway::kPairingTtlMs);
    if (!requested || !requested->request) co_return std::string("Unauthorized.");
    if (requested->outcome == store::PairingOutcome::created) ++status_.counters.pairing_requests;
    log(log::Level::info, "pairing requested by user {} with a slash command; see `mmclaw pairing list`",
        payload.user_id);
    co_return gateway::pairing_reply_text(payload.user_id, requested->request->code);
  }
  if (access.outcome == gateway::AccessOutcome::drop) {
    switch (access.reason.value_or(gateway::AccessReason::not_allowlisted)) {
      case gateway::AccessReason::dm_disabled: co_return std::string("This bot is not accepting direct messages.");
      case gateway::AccessReason::group_disabled: co_return std::string("Slash commands are disabled in channels.");
      case gateway::AccessReason::group_allowlist_empty:
        co_return std::string("Slash commands are not configured for this channel (no allowlist).");
      default: co_return std::string("Unauthorized.");
    }
  }
  if (!access.command_authorized) co_return std::string("Unauthorized.");
  co_return std::nullopt;
}

asio::awaitable<CallbackReply> AccountRuntime::Impl::handle_slash(CallbackRequest request) {
  if (request.method != "POST") co_return method_not_allowed(text_reply(405, "Method Not Allowed"));
  const auto payload = gateway::parse_slash_payload(request.content_type, request.body);
  if (!payload) co_return ephemeral_reply(400, gateway::kSlashInvalidPayload);
  const auto* registered = gateway::match_registered(slash_.registered, *payload);
  if (registered == nullptr || !slash_.active) {
    ++status_.counters.callbacks_refused;
    log(log::Level::warn, "slash command {} refused: invalid command token", payload->command);
    co_return ephemeral_reply(401, gateway::kSlashUnauthorizedToken);
  }
  const mattermost::SlashCommand command = *registered;  // the list may change while we wait
  if (!co_await slash_command_live(command)) {
    ++status_.counters.callbacks_refused;
    co_return ephemeral_reply(401, gateway::kSlashUnauthorizedToken);
  }
  if (stopping_) co_return ephemeral_reply(503, gateway::kSlashNotReady);

  gateway::InboundFacts facts;
  if (auto refusal = co_await authorise_slash(*payload, facts)) {
    ++status_.counters.callbacks_refused;
    log(log::Level::info, "slash command /{} by {} refused: {}", command.trigger, payload->user_id, *refusal);
    co_return ephemeral_reply(200, *refusal);
  }
  const auto text = gateway::invocation_text(slash_.specs, payload->command, payload->text);
  if (!text) co_return ephemeral_reply(401, gateway::kSlashUnauthorizedToken);
  ++status_.counters.slash_commands;
  log(log::Level::info, "slash command /{} by {} in channel {}", command.trigger, payload->user_id,
      payload->channel_id);

  if (auto picker = picker_for_invocation(*text, payload->user_id)) {
    spawn(open_picker(payload->channel_id, std::move(*picker), facts.channel->type), "model picker");
    co_return ephemeral_reply(200, gateway::kSlashProcessing);
  }

  const std::string id = payload->trigger_id.empty()
                             ? fmt::format("slash:{}-{}", now_ms(), ++slash_.sequence)
                             : fmt::format("slash:{}", payload->trigger_id);
  json::object turn{{"channel_id", payload->channel_id},
                    {"user_id", payload->user_id},
                    {"user_name", facts.sender.username},
                    {"team_id", payload->team_id},
                    {"text", *text},
                    {"root_id", ""},
                    {"at", now_ms()}};
  auto recorded = record_callback_turn(id, "slash", turn, payload->channel_id);
  if (!recorded) {
    log(log::Level::error, "cannot record slash command {}: {}", id, recorded.error().message);
    spawn(post_slash_failure(payload->channel_id), "slash failure notice");
    co_return ephemeral_reply(200, gateway::kSlashProcessing);
  }
  if (*recorded) offer_to_debounce(callback_job(id, "slash", turn, *facts.channel), /*immediate=*/true);
  co_return ephemeral_reply(200, gateway::kSlashProcessing);
}

asio::awaitable<void> AccountRuntime::Impl::post_slash_failure(std::string channel_id) {
  mattermost::CreatePost post;
  post.channel_id = std::move(channel_id);
  post.message = std::string(gateway::kSlashFailed);
  if (auto created = co_await api_.create_post(std::move(post)); !created)
    log(log::Level::warn, "cannot post the slash command failure notice: {}", created.error().error.message);
}

bool AccountRuntime::slash_active() const {
  return impl_->slash_.active;
}

const std::vector<mattermost::SlashCommand>& AccountRuntime::slash_commands() const {
  return impl_->slash_.registered;
}

asio::awaitable<CallbackReply> AccountRuntime::handle_slash(CallbackRequest request) {
  co_return co_await impl_->handle_slash(std::move(request));
}

asio::awaitable<CallbackReply> AccountRuntime::handle_interaction(CallbackRequest request) {
  co_return co_await impl_->handle_interaction(std::move(request));
}

}  // namespace mmclaw::app
