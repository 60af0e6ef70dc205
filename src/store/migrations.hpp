#pragma once
// Numbered schema migrations. `PRAGMA user_version` records how far a database has come; each
// migration runs in its own transaction together with its `schema_migrations` row and the new
// user_version, so a database is always exactly at one known version, never between two.

#include <span>
#include <string_view>

#include "util/error.hpp"

namespace mmclaw::store {

class Database;

struct Migration {
  int version;            // 1, 2, 3, ... in list order, no gaps
  std::string_view name;  // snake_case, shown in errors: "migration 3 (add_pairing) failed: ..."
  std::string_view sql;   // one or more statements; no BEGIN/COMMIT (the runner owns the transaction)
};

// The real list, oldest first. Append only: a released migration is never edited or removed,
// because databases in the field already ran it.
[[nodiscard]] std::span<const Migration> all_migrations();

// Throws std::logic_error unless versions run 1, 2, 3, ... and every name and SQL is non-empty:
// a bad list is a bug in mmclaw, not a condition to handle.
void check_migrations(std::span<const Migration> migrations);

// The database's `PRAGMA user_version` (0 for a new database).
[[nodiscard]] Result<int> read_schema_version(Database& db);

// Brings `db` up to the last migration in the list and returns the version it is at. Refuses a
// database newer than the list. Stops at the first failing migration, naming it, and leaves the
// database at the last version that succeeded. Safe against another process migrating the same
// file at the same time: the version is re-read under the write lock before each step.
[[nodiscard]] Result<int> apply_migrations(Database& db, std::span<const Migration> migrations);

}  // namespace mmclaw::store
