#include "mattermost/api_targets.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "mattermost/api.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace mmclaw::mattermost {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kComponent = "mattermost_targets";
// DM channels are remembered as long as the process runs; this bounds how many.
constexpr std::size_t kDirectCacheMaxEntries = 4096;
constexpr std::int64_t kDirectCacheTtlMs = std::int64_t{24} * 3600 * 1000;

using Resolved = std::expected<ResolvedTarget, ResolveError>;

std::unexpected<ResolveError> lookup_failed(std::string message) {
  return std::unexpected(ResolveError{std::move(message), false});
}

ProbeResult probe_result(const ApiResult<void>& result) {
  if (result) return ProbeResult::found;
  return result.error().error.status == 404 ? ProbeResult::not_found : ProbeResult::failed;
}

template <class T>
ApiResult<void> as_void(const ApiResult<T>& result) {
  if (result) return {};
  return std::unexpected(result.error());
}

ResolvedTarget channel_target(std::string id, ResolvedTarget::Kind kind) {
  ResolvedTarget target;
  target.kind = kind;
  target.to = opaque_target_string(OpaqueTargetKind::channel, id);
  target.channel_id = std::move(id);
  return target;
}

ResolvedTarget::Kind kind_of(const Channel& channel) {
  if (channel.type == ChannelType::direct) return ResolvedTarget::Kind::direct;
  if (channel.type == ChannelType::group || channel.type == ChannelType::private_team)
    return ResolvedTarget::Kind::group;
  return ResolvedTarget::Kind::channel;
}

}  // namespace

std::string_view to_string(ResolvedTarget::Kind kind) noexcept {
  switch (kind) {
    case ResolvedTarget::Kind::channel: return "channel";
    case ResolvedTarget::Kind::group: return "group";
    case ResolvedTarget::Kind::direct: return "direct";
  }
  return "channel";
}

TargetResolver::TargetResolver(Api& api, TargetResolverOptions options)
    : api_(api),
      options_(std::move(options)),
      opaque_(std::chrono::duration_cast<std::chrono::milliseconds>(kOpaqueTargetCacheTtl).count(),
              kOpaqueTargetCacheMaxEntries),
      direct_(kDirectCacheTtlMs, kDirectCacheMaxEntries),
      jitter_(std::random_device{}()) {}

std::int64_t TargetResolver::now_ms() const {
  if (now_ms_) return now_ms_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<std::expected<std::string, ResolveError>> TargetResolver::bot_id() {
  if (bot_id_) co_return *bot_id_;
  auto me = co_await api_.get_me();
  if (!me) co_return lookup_failed(me.error().error.message);
  bot_id_ = me->id;
  co_return *bot_id_;
}

asio::awaitable<Resolved> TargetResolver::resolve(std::string raw, DmRetryOverrides overrides) {
  auto parsed = parse_target(raw);
  if (!parsed) co_return std::unexpected(ResolveError{std::move(parsed.error()), true});
  switch (parsed->kind) {
    case Target::Kind::opaque_id: co_return co_await probe_opaque(std::move(parsed->value), overrides);
    case Target::Kind::channel_id:
      co_return channel_target(std::move(parsed->value), ResolvedTarget::Kind::channel);
    case Target::Kind::channel_name: co_return co_await find_channel_by_name(std::move(parsed->value));
    case Target::Kind::user_id: co_return co_await direct_target(std::move(parsed->value), overrides);
    case Target::Kind::username: {
      // Mattermost keeps usernames in lower case; its own error text is the answer for an unknown one.
      auto user = co_await api_.get_user_by_username(util::to_lower(parsed->value));
      if (!user) co_return lookup_failed(user.error().error.message);
      co_return co_await direct_target(user->id, overrides);
    }
  }
  co_return lookup_failed("unknown target kind");
}

asio::awaitable<Resolved> TargetResolver::probe_opaque(std::string id, DmRetryOverrides overrides) {
  if (const auto* known = opaque_.get(id, now_ms())) {
    if (*known == OpaqueTargetKind::user) co_return co_await direct_target(std::move(id), overrides);
    co_return channel_target(std::move(id), *known == OpaqueTargetKind::group ? ResolvedTarget::Kind::group
                                                                              : ResolvedTarget::Kind::channel);
  }
  auto step = after_user_probe(probe_result(as_void(co_await api_.get_user(id))));
  std::optional<Channel> channel;
  if (step.action == ProbeStep::Action::probe_channel) {
    auto found = co_await api_.get_channel(id);
    std::optional<ChannelType> type;
    if (found) {
      type = found->type;
      channel = std::move(*found);
    }
    step = after_channel_probe(probe_result(as_void(found)), type);
  }
  if (step.cache) opaque_.put(id, step.kind, now_ms());
  log::debug(kComponent, "{}the id {} is a {}{}", options_.log_prefix, id,
             step.kind == OpaqueTargetKind::user ? "user" : step.kind == OpaqueTargetKind::group ? "group" : "channel",
             step.cache ? "" : " (not remembered: the lookup failed)");
  if (step.kind == OpaqueTargetKind::user) co_return co_await direct_target(std::move(id), overrides);
  if (channel && channel->type == ChannelType::direct)
    co_return channel_target(std::move(id), ResolvedTarget::Kind::direct);
  co_return channel_target(std::move(id), step.kind == OpaqueTargetKind::group ? ResolvedTarget::Kind::group
                                                                               : ResolvedTarget::Kind::channel);
}

asio::awaitable<Resolved> TargetResolver::find_channel_by_name(std::string name) {
  // Mattermost keeps channel names (the URL part, not the display name) in lower case.
  const std::string lookup = util::to_lower(name);
  std::vector<std::string> teams;
  if (options_.team_id) {
    teams.push_back(*options_.team_id);
  } else {
    auto me = co_await bot_id();
    if (!me) co_return std::unexpected(std::move(me.error()));
    auto listed = co_await api_.get_user_teams(*me);
    if (!listed) co_return lookup_failed(listed.error().error.message);
    for (auto& team : *listed) teams.push_back(std::move(team.id));
  }
  for (const auto& team : teams) {
    auto channel = co_await api_.get_channel_by_name(team, lookup);
    if (channel) co_return channel_target(channel->id, kind_of(*channel));
    if (channel.error().error.status != 404) co_return lookup_failed(channel.error().error.message);
  }
  co_return lookup_failed(channel_not_found_error(name));
}

asio::awaitable<Resolved> TargetResolver::direct_target(std::string user_id, DmRetryOverrides overrides) {
  auto channel = co_await direct_channel(user_id, overrides);
  if (!channel) co_return std::unexpected(std::move(channel.error()));
  ResolvedTarget target;
  target.kind = ResolvedTarget::Kind::direct;
  target.channel_id = std::move(*channel);
  target.to = opaque_target_string(OpaqueTargetKind::user, user_id);
  target.user_id = std::move(user_id);
  co_return target;
}

asio::awaitable<std::expected<std::string, ResolveError>> TargetResolver::direct_channel(
    std::string user_id, DmRetryOverrides overrides) {
  if (const auto* known = direct_.get(user_id, now_ms())) co_return *known;
  auto me = co_await bot_id();
  if (!me) co_return std::unexpected(std::move(me.error()));
  const auto settings = merge(options_.dm_retry, overrides);
  const int attempts = dm_attempts(settings);
  const std::optional<std::chrono::milliseconds> timeout =
      settings.timeout_ms > 0 ? std::optional(std::chrono::milliseconds(settings.timeout_ms)) : std::nullopt;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 1;; ++attempt) {
    auto created = co_await api_.create_direct_channel(*me, user_id, timeout);
    if (created) {
      direct_.put(user_id, created->id, now_ms());
      co_return created->id;
    }
    const std::string& message = created.error().error.message;
    if (attempt >= attempts || !dm_retryable(created.error())) {
      if (attempt > 1)
        log::warn(kComponent, "{}the DM channel with user {} could not be opened after {} attempts: {}",
                  options_.log_prefix, user_id, attempt, message);
      co_return lookup_failed(message);
    }
    const auto delay = dm_retry_delay(attempt, settings, unit(jitter_));
    log::warn(kComponent, "{}opening the DM channel with user {} failed (attempt {} of {}): {}; retrying in {} ms",
              options_.log_prefix, user_id, attempt, attempts, message, delay.count());
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return lookup_failed(message);
  }
}

}  // namespace mmclaw::mattermost
