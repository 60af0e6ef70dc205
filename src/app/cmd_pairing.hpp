#pragma once
// `mmclaw pairing list|approve|deny` (channel-behaviour.md §4.5): the bot owner's side of DM
// pairing. Works on the store at mmclaw.store.path, alongside a running gateway (SQLite WAL); it
// never talks to Mattermost: the gateway DMs an approved user (Store::pending_approval_notices).
// Exit codes: 0 ok; 1 no request with the code, or the store failed; 2 a malformed code, an
// unknown --account, or a config that cannot be loaded.

#include <optional>
#include <string>

#include "app/cli.hpp"

namespace mmclaw::app {

struct PairingOptions {
  std::string code;                    // approve, deny: as typed; case and blanks do not matter
  std::optional<std::string> account;  // only this account's requests (normalised like config ids)
  bool json = false;                   // list: a JSON array instead of a table
};

int run_pairing_list(const GlobalOptions& global, const PairingOptions& options);
int run_pairing_approve(const GlobalOptions& global, const PairingOptions& options);
int run_pairing_deny(const GlobalOptions& global, const PairingOptions& options);

}  // namespace mmclaw::app
