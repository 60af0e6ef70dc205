#include "mattermost/api_directory.hpp"

#include <iterator>

#include "mattermost/api.hpp"

namespace mmclaw::mattermost {

namespace asio = boost::asio;

namespace {

constexpr int kMembersPerPage = 200;
// A server that keeps answering full pages cannot keep the command running for ever.
constexpr int kMaxMemberPages = 1000;

std::unexpected<std::string> failed(const ApiError& error) {
  return std::unexpected(error.error.message);
}

// Team members page by page, each page's users fetched at once, so that the users left out (the
// bot, deleted accounts) do not make the list shorter than `limit` while more members exist.
asio::awaitable<DirectoryResult> list_team_members(Api& api, std::string bot_id, std::string team_id,
                                                   std::size_t limit) {
  std::vector<DirectoryEntry> out;
  std::vector<std::string> seen;
  for (int page = 0; page < kMaxMemberPages; ++page) {
    auto members = co_await api.get_team_members(team_id, page, kMembersPerPage);
    if (!members) co_return failed(members.error());
    const auto ids = member_ids_to_fetch(*members, bot_id, seen);
    if (!ids.empty()) {
      auto users = co_await api.get_users_by_ids(ids);
      if (!users) co_return failed(users.error());
      const std::size_t room = limit == 0 ? 0 : limit - out.size();
      auto entries = user_entries(*users, bot_id, room);
      out.insert(out.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
    }
    if ((limit != 0 && out.size() >= limit) || members->size() < static_cast<std::size_t>(kMembersPerPage))
      break;
  }
  co_return out;
}

}  // namespace

asio::awaitable<DirectoryResult> list_channels(Api& api, std::string bot_id, std::string query,
                                               std::size_t limit) {
  auto channels = co_await api.get_user_channels(bot_id);
  if (!channels) co_return failed(channels.error());
  co_return channel_entries(*channels, query, limit);
}

asio::awaitable<DirectoryResult> list_users(Api& api, std::string bot_id, std::string query,
                                            std::size_t limit) {
  auto teams = co_await api.get_user_teams(bot_id);
  if (!teams) co_return failed(teams.error());
  if (teams->empty()) co_return std::vector<DirectoryEntry>{};
  const std::string team_id = teams->front().id;
  const std::string term = normalize_directory_query(query);
  if (term.empty()) co_return co_await list_team_members(api, bot_id, team_id, limit);
  auto found = co_await api.search_users(term, team_id);
  if (!found) co_return failed(found.error());
  co_return user_entries(*found, bot_id, limit);
}

}  // namespace mmclaw::mattermost
