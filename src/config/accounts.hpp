#pragma once
// Accounts of channels.mattermost (channel-behaviour.md §1.3): id normalisation, which
// accounts exist, the default account, and the merge of the top level with one account.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/env_subst.hpp"

namespace mmclaw::config {

inline constexpr std::string_view kDefaultAccountId = "default";

// Trimmed, lower-cased, runs of characters outside [a-z0-9_-] replaced by one '-', leading and
// trailing '-' removed: "Ops Team" -> "ops-team". Empty when nothing is left.
std::string normalize_account_id(std::string_view raw);

// Trimmed, trailing '/' removed, a trailing "/api/v4" (any case) removed.
std::string normalize_base_url(std::string_view raw);

struct ListedAccount {
  std::string id;                      // normalised
  std::optional<std::string> raw_key;  // its key under `accounts`, if it has one
};

struct AccountListing {
  std::vector<ListedAccount> accounts;
  std::string default_account;
  std::vector<std::string> duplicate_ids;  // keys of `accounts` that normalise to the same id
};

// `mm` is channels.mattermost (nullptr when absent).
AccountListing list_accounts(const boost::json::object* mm, const EnvLookup& env);

// The effective account object: the top level (minus `accounts` and `defaultAccount`) overlaid
// by the account's own keys. Objects are replaced wholesale except `commands`, merged by field.
// Named accounts never inherit from `accounts.default`.
boost::json::object merge_account(const boost::json::object& mm, const std::optional<std::string>& raw_key);

}  // namespace mmclaw::config
