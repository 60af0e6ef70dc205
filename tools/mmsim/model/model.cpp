#include "mmsim/model/model.hpp"

#include <algorithm>
#include <exception>

#include "mmsim/model/events.hpp"
#include "mmsim/model/integrations.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/membership.hpp"
#include "mmsim/model/router.hpp"
#include "mmsim/model/state.hpp"

namespace mmsim {

std::string_view find_header(const HeaderList& headers, std::string_view name) noexcept {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      char a = key[i];
      char b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      same = a == b;
    }
    if (same) return value;
  }
  return std::string_view("");
}

Model::Model(ModelConfig config, IdGenerator ids)
    : state_(std::make_unique<State>(std::move(config), std::move(ids))) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const ModelConfig& Model::config() const noexcept {
  return state_->config;
}
std::string Model::version_string() const {
  return state_->version_string();
}
std::string Model::new_id() {
  return state_->new_id();
}
RateLimiter& Model::rate_limiter() noexcept {
  return state_->limiter;
}

RestResult Model::handle(const RestRequest& request, std::int64_t now_ms) {
  State& state = *state_;
  RestResult result;
  HeaderList rate_headers;
  if (state.limiter.enabled()) {
    RateLimitDecision decision = state.limiter.take(state.limiter.key_for(request), now_ms);
    if (decision.limited) {
      result.response = RateLimiter::limited_response(decision);
      result.response.headers.emplace_back("X-Request-Id", state.new_id());
      result.response.headers.emplace_back("X-Version-Id", state.version_string());
      return result;
    }
    rate_headers = std::move(decision.headers);
  }
  Ctx ctx{state, request, now_ms, state.new_id(), rate_headers};
  Outcome outcome;
  try {
    outcome = dispatch(ctx);
  } catch (const std::exception& error) {
    outcome = std::unexpected(AppError::make(500, "mmsim.internal.app_error", {}, error.what()));
  }
  if (outcome && outcome->deferred && ctx.call) {
    result.call = std::move(ctx.call);
    result.response.status = 0;
  } else {
    result.response = render(state, outcome, ctx.request_id, rate_headers, request.method == "GET");
  }
  result.events = std::move(ctx.events);
  return result;
}

std::vector<std::uint64_t> Model::pending_integration_calls() const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, call] : state_->pending_calls) out.push_back(id);
  return out;
}

std::optional<std::string> Model::user_for_token(std::string_view token) const {
  auto found = state_->tokens.find(token);
  if (found == state_->tokens.end()) return std::nullopt;
  const User* user = state_->user(found->second.user_id);
  if (user == nullptr || user->delete_at != 0) return std::nullopt;
  return user->id;
}

const User* Model::find_user(std::string_view user_id) const {
  return state_->user(user_id);
}
const User* Model::find_user_by_username(std::string_view username) const {
  return state_->user_by_username(username);
}
const Team* Model::find_team(std::string_view team_id) const {
  return state_->team(team_id);
}

const Team* Model::find_team_by_name(std::string_view name) const {
  auto found = state_->team_by_name.find(name);
  return found == state_->team_by_name.end() ? nullptr : state_->team(found->second);
}

const Channel* Model::find_channel(std::string_view channel_id) const {
  return state_->channel(channel_id);
}

const Channel* Model::find_channel_by_name(std::string_view team_id, std::string_view name) const {
  auto found = state_->channel_by_name.find({std::string(team_id), std::string(name)});
  return found == state_->channel_by_name.end() ? nullptr : state_->channel(found->second);
}

const Post* Model::find_post(std::string_view post_id) const {
  return state_->post(post_id);
}

const FileRecord* Model::find_file(std::string_view file_id) const {
  auto found = state_->files.find(file_id);
  return found == state_->files.end() ? nullptr : &found->second;
}

const Command* Model::find_command(std::string_view command_id) const {
  auto found = state_->commands.find(command_id);
  return found == state_->commands.end() ? nullptr : &found->second;
}

const ChannelMember* Model::find_channel_member(std::string_view channel_id, std::string_view user_id) const {
  return state_->member(channel_id, user_id);
}

bool Model::is_channel_member(std::string_view user_id, std::string_view channel_id) const {
  return state_->is_member(user_id, channel_id);
}

bool Model::is_team_member(std::string_view user_id, std::string_view team_id) const {
  return state_->is_team_member(user_id, team_id);
}

bool Model::is_system_admin(std::string_view user_id) const {
  const User* user = state_->user(user_id);
  return user != nullptr && state_->is_admin(*user);
}

bool Model::can_post(std::string_view user_id, std::string_view channel_id) const {
  const User* user = state_->user(user_id);
  const Channel* channel = state_->channel(channel_id);
  return user != nullptr && channel != nullptr && user->delete_at == 0 && channel->delete_at == 0 &&
         state_->can_create_post(*user, *channel);
}

std::vector<std::string> Model::channel_member_ids(std::string_view channel_id) const {
  std::vector<std::string> out;
  auto found = state_->channel_members.find(channel_id);
  if (found != state_->channel_members.end()) {
    for (const auto& [user_id, member] : found->second) out.push_back(user_id);
  }
  return out;
}

std::vector<std::string> Model::user_channel_ids(std::string_view user_id) const {
  std::vector<std::string> out;
  auto found = state_->user_channels.find(user_id);
  if (found != state_->user_channels.end()) out.assign(found->second.begin(), found->second.end());
  return out;
}

namespace {
// The records named by `order` (ids in creation order), looked up one by one.
template <class Ids, class Lookup>
auto in_creation_order(const Ids& order, Lookup lookup) {
  std::vector<decltype(lookup(*order.begin()))> out;
  out.reserve(order.size());
  for (const auto& id : order) out.push_back(lookup(id));
  return out;
}
}  // namespace

std::vector<const User*> Model::users() const {
  return in_creation_order(state_->user_order,
                           [this](const auto& id) -> const User* { return state_->user(id); });
}

std::vector<const Team*> Model::teams() const {
  return in_creation_order(state_->team_order,
                           [this](const auto& id) -> const Team* { return state_->team(id); });
}

std::vector<const Channel*> Model::channels() const {
  return in_creation_order(state_->channel_order,
                           [this](const auto& id) -> const Channel* { return state_->channel(id); });
}

std::vector<const Post*> Model::posts() const {
  return in_creation_order(state_->post_order,
                           [this](const auto& id) -> const Post* { return state_->post(id); });
}

std::vector<const Post*> Model::channel_posts(std::string_view channel_id) const {
  std::vector<const Post*> out;
  auto found = state_->channel_posts.find(channel_id);
  if (found != state_->channel_posts.end()) {
    for (const auto& id : found->second) out.push_back(state_->post(id));
  }
  return out;
}

std::vector<const Reaction*> Model::reactions(std::string_view post_id) const {
  std::vector<const Reaction*> out;
  auto found = state_->reactions.find(post_id);
  if (found != state_->reactions.end()) {
    for (const auto& reaction : found->second) out.push_back(&reaction);
  }
  return out;
}

std::vector<const FileRecord*> Model::files() const {
  std::vector<const FileRecord*> out;
  for (const auto& id : state_->file_order) out.push_back(&state_->files.at(id));
  return out;
}

std::vector<const Command*> Model::commands() const {
  std::vector<const Command*> out;
  for (const auto& id : state_->command_order) out.push_back(&state_->commands.at(id));
  return out;
}

std::vector<const Token*> Model::tokens_of(std::string_view user_id) const {
  std::vector<const Token*> out;
  for (const auto& token : state_->token_order) {
    auto found = state_->tokens.find(token);
    if (found != state_->tokens.end() && found->second.user_id == user_id) out.push_back(&found->second);
  }
  return out;
}

boost::json::object Model::post_json(const Post& post) const {
  return mmsim::post_json(*state_, post);
}

mmclaw::Result<void> Model::set_user_update_at(std::string_view user_id, std::int64_t ms) {
  auto found = state_->users.find(user_id);
  if (found == state_->users.end())
    return mmclaw::fail(mmclaw::Error::not_found("no user " + std::string(user_id)));
  found->second.update_at = ms;
  return {};
}

mmclaw::Result<std::vector<Event>> Model::add_channel_member(std::string_view user_id,
                                                             std::string_view channel_id,
                                                             std::int64_t now_ms) {
  const User* user = state_->user(user_id);
  const Channel* channel = state_->channel(channel_id);
  if (user == nullptr) return mmclaw::fail(mmclaw::Error::not_found("no user " + std::string(user_id)));
  if (channel == nullptr)
    return mmclaw::fail(mmclaw::Error::not_found("no channel " + std::string(channel_id)));
  std::vector<Event> events;
  if (!state_->is_member(user_id, channel_id))
    join_channel(*state_, *channel, *user, *user, "", now_ms, events);
  return events;
}

mmclaw::Result<std::vector<Event>> Model::remove_channel_member(std::string_view user_id,
                                                                std::string_view channel_id,
                                                                std::int64_t now_ms) {
  const User* user = state_->user(user_id);
  const Channel* channel = state_->channel(channel_id);
  if (user == nullptr) return mmclaw::fail(mmclaw::Error::not_found("no user " + std::string(user_id)));
  if (channel == nullptr)
    return mmclaw::fail(mmclaw::Error::not_found("no channel " + std::string(channel_id)));
  if (!state_->is_member(user_id, channel_id)) {
    return mmclaw::fail(mmclaw::Error::not_found("user is not a member of the channel"));
  }
  std::vector<Event> events;
  leave_channel(*state_, *channel, *user, *user, now_ms, events);
  return events;
}

mmclaw::Result<std::string> Model::add_token(std::string_view user_id, std::string_view token, bool session) {
  if (state_->user(user_id) == nullptr)
    return mmclaw::fail(mmclaw::Error::not_found("no user " + std::string(user_id)));
  std::string value = token.empty() ? state_->new_id() : std::string(token);
  if (state_->tokens.contains(value))
    return mmclaw::fail(mmclaw::Error::invalid_input("token already in use"));
  Token record;
  record.token = value;
  record.id = state_->new_id();
  record.user_id = user_id;
  record.session = session;
  state_->tokens.emplace(value, std::move(record));
  state_->token_order.push_back(value);
  return value;
}

bool Model::revoke_token(std::string_view token) {
  auto found = state_->tokens.find(token);
  if (found == state_->tokens.end()) return false;
  state_->tokens.erase(found);
  std::erase(state_->token_order, std::string(token));
  return true;
}

}  // namespace mmsim

namespace mmsim {

RestResult Model::complete_integration(std::uint64_t call_id, IntegrationReply reply, std::int64_t now_ms) {
  return complete_call(*state_, call_id, std::move(reply), now_ms);
}

}  // namespace mmsim
