#include "config/accounts.hpp"

#include "util/strings.hpp"

namespace mmclaw::config {

namespace json = boost::json;

std::string normalize_account_id(std::string_view raw) {
  const std::string lower = util::to_lower(util::trim(raw));
  std::string out;
  bool pending_dash = false;
  for (char c : lower) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      pending_dash = true;
      continue;
    }
    if (pending_dash && !out.empty()) out += '-';
    pending_dash = false;
    out += c;
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string normalize_base_url(std::string_view raw) {
  std::string_view s = util::trim(raw);
  const auto strip_slashes = [&] {
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  };
  strip_slashes();
  constexpr std::string_view api = "/api/v4";
  if (s.size() >= api.size() && util::iequals(s.substr(s.size() - api.size()), api))
    s.remove_suffix(api.size());
  strip_slashes();
  return std::string(s);
}

namespace {

bool non_blank_string(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() && !util::trim(v->get_string()).empty();
}

bool has_token(const json::object& obj) {
  const auto* v = obj.if_contains("botToken");
  if (v == nullptr) return false;
  if (v->is_string()) return !util::trim(v->get_string()).empty();
  return v->is_object();  // a secret reference counts as configured
}

}  // namespace

AccountListing list_accounts(const json::object* mm, const EnvLookup& env) {
  AccountListing listing;
  const auto env_set = [&](std::string_view name) {
    const auto v = env(name);
    return v && !util::trim(*v).empty();
  };
  if (mm != nullptr) {
    if (const auto* accounts = mm->if_contains("accounts"); accounts && accounts->is_object()) {
      for (const auto& member : accounts->get_object()) {
        const std::string id = normalize_account_id(member.key());
        if (id.empty()) continue;  // reported by validation
        bool seen = false;
        for (const auto& listed : listing.accounts) seen = seen || listed.id == id;
        if (seen) {
          listing.duplicate_ids.push_back(id);
          continue;
        }
        listing.accounts.push_back({id, std::string(member.key())});
      }
    }
    // The top level is an account of its own ("default") when it names a server and a token.
    const bool top_configured = (non_blank_string(*mm, "baseUrl") || non_blank_string(*mm, "serverUrl")) &&
                                (has_token(*mm) || env_set("MATTERMOST_BOT_TOKEN"));
    bool default_listed = false;
    for (const auto& listed : listing.accounts)
      default_listed = default_listed || listed.id == kDefaultAccountId;
    if (top_configured && !default_listed)
      listing.accounts.push_back({std::string(kDefaultAccountId), std::nullopt});
  }
  if (listing.accounts.empty()) listing.accounts.push_back({std::string(kDefaultAccountId), std::nullopt});

  std::string wanted;
  if (mm != nullptr)
    if (const auto* v = mm->if_contains("defaultAccount"); v && v->is_string())
      wanted = normalize_account_id(v->get_string());
  const auto listed = [&](std::string_view id) {
    for (const auto& a : listing.accounts)
      if (a.id == id) return true;
    return false;
  };
  if (!wanted.empty() && listed(wanted))
    listing.default_account = wanted;
  else if (listed(kDefaultAccountId))
    listing.default_account = std::string(kDefaultAccountId);
  else
    listing.default_account = listing.accounts.front().id;
  return listing;
}

json::object merge_account(const json::object& mm, const std::optional<std::string>& raw_key) {
  json::object merged;
  for (const auto& member : mm)
    if (member.key() != "accounts" && member.key() != "defaultAccount") merged[member.key()] = member.value();
  if (!raw_key) return merged;
  const auto* accounts = mm.if_contains("accounts");
  if (accounts == nullptr || !accounts->is_object()) return merged;
  const auto* account = accounts->get_object().if_contains(*raw_key);
  if (account == nullptr || !account->is_object()) return merged;
  for (const auto& member : account->get_object()) {
    if (member.key() == "commands" && member.value().is_object()) {
      auto* base = merged.if_contains("commands");
      if (base != nullptr && base->is_object()) {
        for (const auto& field : member.value().get_object()) base->get_object()[field.key()] = field.value();
        continue;
      }
    }
    merged[member.key()] = member.value();
  }
  return merged;
}

}  // namespace mmclaw::config
