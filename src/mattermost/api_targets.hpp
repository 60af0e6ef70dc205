#pragma once
// The outbound resolver of one account (channel-behaviour §5.1, §5.2): turns a send target
// (`channel:<id>`, `user:<id>`, `@username`, `#channel-name`, a bare id) into the channel to post
// in, over the account's REST client. The grammar and the probe decisions are pure
// (targets.hpp, dm_retry.hpp); this class does the lookups in the reference's order:
//  * a bare 26-character id is probed as a user first (`GET /users/<id>`), then as a channel;
//    the classification is remembered 5 minutes, a transient failure never;
//  * a channel name is looked up in each of the bot's teams (only `teamId` when it is set);
//  * a user is reached by the DM channel with the bot (`POST /channels/direct`), created with the
//    retry of §5.2 (`dmChannelRetry`; each attempt with its own timeout) and remembered.
// Not thread-safe: use it on the Api's io_context. The Api must outlive it.

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "config/snapshot.hpp"
#include "mattermost/dm_retry.hpp"
#include "mattermost/targets.hpp"
#include "util/ttl_cache.hpp"

namespace mmclaw::mattermost {

class Api;

// Where a target leads.
struct ResolvedTarget {
  enum class Kind { channel, group, direct };
  Kind kind = Kind::channel;
  std::string channel_id;  // the channel to post in
  std::string to;          // normalised: `channel:<id>` (channels and groups) or `user:<id>` (DMs)
  std::string user_id;     // direct: the user on the other side
};

std::string_view to_string(ResolvedTarget::Kind kind) noexcept;

struct ResolveError {
  std::string message;
  // The target itself is malformed (an empty value, say), as opposed to a lookup that failed.
  bool invalid_target = false;
};

struct TargetResolverOptions {
  std::optional<std::string> team_id;  // teamId: channel names are looked up in this team only
  config::DmChannelRetry dm_retry;     // dmChannelRetry (account over top level)
  std::string log_prefix;              // e.g. "[default] ", put before the resolver's log lines
};

class TargetResolver {
 public:
  TargetResolver(Api& api, TargetResolverOptions options);

  boost::asio::awaitable<std::expected<ResolvedTarget, ResolveError>> resolve(std::string raw,
                                                                              DmRetryOverrides overrides = {});

  // The DM channel between the bot and `user_id`, created when needed (§5.2 retry) and remembered.
  boost::asio::awaitable<std::expected<std::string, ResolveError>> direct_channel(std::string user_id,
                                                                                 DmRetryOverrides overrides = {});

  // The bot's own user id (`GET /users/me`, remembered after the first success).
  boost::asio::awaitable<std::expected<std::string, ResolveError>> bot_id();
  // Known already (the gateway has it from its connection): no `GET /users/me` is needed.
  void set_bot_id(std::string id) { bot_id_ = std::move(id); }

  // Replaces the clock (ms on a monotonic clock) the 5-minute classification cache uses.
  void set_clock_for_tests(std::function<std::int64_t()> now_ms) { now_ms_ = std::move(now_ms); }

 private:
  boost::asio::awaitable<std::expected<ResolvedTarget, ResolveError>> probe_opaque(std::string id,
                                                                                  DmRetryOverrides overrides);
  boost::asio::awaitable<std::expected<ResolvedTarget, ResolveError>> find_channel_by_name(std::string name);
  boost::asio::awaitable<std::expected<ResolvedTarget, ResolveError>> direct_target(std::string user_id,
                                                                                   DmRetryOverrides overrides);
  std::int64_t now_ms() const;

  Api& api_;
  TargetResolverOptions options_;
  std::optional<std::string> bot_id_;
  util::TtlCache<std::string, OpaqueTargetKind> opaque_;
  util::TtlCache<std::string, std::string> direct_;  // user id → DM channel id
  std::function<std::int64_t()> now_ms_;
  std::mt19937_64 jitter_;
};

}  // namespace mmclaw::mattermost
