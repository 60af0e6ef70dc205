#pragma once
// The directory adapter's lookups (channel-behaviour §11) over one account's REST client; the
// mapping, filters and limit are the pure directory.hpp.
//  * list_channels: `GET /users/<bot>/channels?per_page=200`, kept: live public and private
//    channels whose name or display name contains the query (case-insensitive).
//  * list_users: the bot's first team (`GET /users/<bot>/teams`). With a query:
//    `POST /users/search {term, team_id}`. Without: `GET /teams/<t>/members` 200 per page, each
//    page's users from `POST /users/ids`, until `limit` entries are found or a page comes back
//    short. The bot and deleted users are left out. A bot in no team sees no users.
// `limit` bounds the entries returned (0 = no limit). A failed call ends the lookup: the error is
// the ApiError's message (`Mattermost API 500 Internal Server Error: ...`), no partial list.
// Use on the Api's io_context; the Api must outlive the coroutines.

#include <cstddef>
#include <expected>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "mattermost/directory.hpp"

namespace mmclaw::mattermost {

class Api;

using DirectoryResult = std::expected<std::vector<DirectoryEntry>, std::string>;

boost::asio::awaitable<DirectoryResult> list_channels(Api& api, std::string bot_id, std::string query,
                                                      std::size_t limit);

boost::asio::awaitable<DirectoryResult> list_users(Api& api, std::string bot_id, std::string query,
                                                   std::size_t limit);

}  // namespace mmclaw::mattermost
