#pragma once
// mmsim's model: the whole simulated server state and its REST v4 API as a pure function.
// `handle` takes a request and the time and returns the response, the WebSocket events to
// broadcast and possibly an outgoing integration call. No sockets, no clock, no threads: the
// owner serialises calls (one event loop) and passes `now_ms`.
//
// Not thread-safe; call from one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "mmsim/event.hpp"
#include "mmsim/model/ids.hpp"
#include "mmsim/model/rate_limiter.hpp"
#include "mmsim/model/rest.hpp"
#include "mmsim/model/types.hpp"
#include "util/error.hpp"

namespace mmsim {

struct ModelConfig {
  std::string site_url = "http://localhost:8065";  // SiteURL: response_url of slash commands
  std::string server_version = "10.5.0";           // CurrentVersion
  std::string build_number = "10.5.0";
  std::string config_hash;  // 32 hex chars; derived from the other fields when empty
  bool licensed = false;
  std::int64_t fixture_time_ms = 1732190400000;  // create_at of fixture objects without one

  std::size_t max_posts = 200000;                   // 507 beyond
  std::size_t max_files = 20000;                    // 507 beyond
  std::int64_t max_file_bytes_total = 512ll << 20;  // 507 beyond
  std::int64_t max_file_size = 104857600;           // FileSettings.MaxFileSize: 413 beyond
  std::size_t max_post_versions = 1000;             // per post edit history; oldest dropped
  std::size_t max_pending_calls = 10000;            // oldest integration calls forgotten

  bool hardened_mode = true;  // refuse integration-reserved props from non-integration sessions
  bool enable_commands = true;
  bool enable_file_attachments = true;
  std::int64_t integration_timeout_ms = 30000;  // OutgoingIntegrationRequestsTimeout
  RateLimitConfig rate_limit;
};

struct State;

class Model {
 public:
  explicit Model(ModelConfig config = {}, IdGenerator ids = random_id_generator());
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const noexcept;
  // "<version>.<build>.<config hash>.<licensed>": X-Version-Id and hello's server_version.
  std::string version_string() const;
  // A fresh id from the model's generator (e.g. for WebSocket connection ids).
  std::string new_id();

  // Adds the fixture's teams, users, channels and posts (format: demo_fixture.json). All or
  // nothing: on error nothing is added and the message names the bad field.
  mmclaw::Result<void> load_fixture(const boost::json::value& fixture);
  // Parses fixture text: JSON with // and /* */ comments and trailing commas.
  static mmclaw::Result<boost::json::value> parse_fixture_text(std::string_view text);

  // One REST request. Unknown routes give 404, bad input 4xx; never throws for any input.
  RestResult handle(const RestRequest& request, std::int64_t now_ms);
  // The outcome of an IntegrationCall; returns the deferred response of the request that made
  // the call, plus its events. Unknown (or already completed) ids give a 500 AppError.
  RestResult complete_integration(std::uint64_t call_id, IntegrationReply reply, std::int64_t now_ms);
  std::vector<std::uint64_t> pending_integration_calls() const;

  RateLimiter& rate_limiter() noexcept;

  // Lookups (for the hub and the control API).
  std::optional<std::string> user_for_token(std::string_view token) const;
  const User* find_user(std::string_view user_id) const;
  const User* find_user_by_username(std::string_view username) const;
  const Team* find_team(std::string_view team_id) const;
  const Team* find_team_by_name(std::string_view name) const;
  const Channel* find_channel(std::string_view channel_id) const;
  const Channel* find_channel_by_name(std::string_view team_id, std::string_view name) const;
  const Post* find_post(std::string_view post_id) const;
  const FileRecord* find_file(std::string_view file_id) const;
  const Command* find_command(std::string_view command_id) const;
  const ChannelMember* find_channel_member(std::string_view channel_id, std::string_view user_id) const;

  bool is_channel_member(std::string_view user_id, std::string_view channel_id) const;
  bool is_team_member(std::string_view user_id, std::string_view team_id) const;
  bool is_system_admin(std::string_view user_id) const;
  // Whether POST /posts by this user into this channel would pass the permission check.
  bool can_post(std::string_view user_id, std::string_view channel_id) const;
  std::vector<std::string> channel_member_ids(std::string_view channel_id) const;
  std::vector<std::string> user_channel_ids(std::string_view user_id) const;

  // Read-back, in creation order; pointers stay valid until the object's container changes.
  std::vector<const User*> users() const;
  std::vector<const Team*> teams() const;
  std::vector<const Channel*> channels() const;
  std::vector<const Post*> posts() const;  // deleted ones included (delete_at > 0)
  std::vector<const Post*> channel_posts(std::string_view channel_id) const;  // oldest first
  std::vector<const Reaction*> reactions(std::string_view post_id) const;     // deleted included
  std::vector<const FileRecord*> files() const;
  std::vector<const Command*> commands() const;
  std::vector<const Token*> tokens_of(std::string_view user_id) const;
  // A post as clients see it (integrations stripped, reply_count and metadata filled).
  boost::json::object post_json(const Post& post) const;

  // Mutations without a REST route (control API). Events are to be broadcast by the caller.
  mmclaw::Result<void> set_user_update_at(std::string_view user_id, std::int64_t ms);
  mmclaw::Result<std::vector<Event>> add_channel_member(std::string_view user_id, std::string_view channel_id,
                                                        std::int64_t now_ms);
  mmclaw::Result<std::vector<Event>> remove_channel_member(std::string_view user_id,
                                                           std::string_view channel_id, std::int64_t now_ms);
  // Adds a token (a new random one when `token` is empty) and returns it.
  mmclaw::Result<std::string> add_token(std::string_view user_id, std::string_view token = {},
                                        bool session = false);
  bool revoke_token(std::string_view token);

 private:
  std::unique_ptr<State> state_;
};

}  // namespace mmsim
