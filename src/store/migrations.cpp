#include "store/migrations.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "store/sqlite_db.hpp"

namespace mmclaw::store {
namespace {

// STRICT tables make SQLite reject a value of the wrong type, as PostgreSQL would, so code written
// against SQLite does not quietly depend on its loose typing. Times are unix milliseconds.
constexpr std::string_view create_meta_sql = R"sql(
CREATE TABLE meta (
  key        TEXT    NOT NULL PRIMARY KEY,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE schema_migrations (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;
)sql";

// Durable ingress (channel-behaviour.md §3.6): one row per accepted post, keyed as the gateway
// dedupes, and per-channel catch-up cursors. The partial indexes serve the two scans that must stay
// cheap however many finished rows there are: unfinished posts at start-up, finished ones to prune.
constexpr std::string_view create_ingress_sql = R"sql(
CREATE TABLE ingress_posts (
  account_id      TEXT    NOT NULL,
  post_id         TEXT    NOT NULL,
  channel_id      TEXT    NOT NULL,
  root_id         TEXT    NOT NULL DEFAULT '',
  create_at       INTEGER NOT NULL,
  update_at       INTEGER NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('received', 'dispatched', 'answered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  restart_retries INTEGER NOT NULL DEFAULT 0 CHECK (restart_retries >= 0),
  reason          TEXT    NOT NULL DEFAULT '',
  reply_post_id   TEXT    NOT NULL DEFAULT '',
  recorded_at     INTEGER NOT NULL,
  changed_at      INTEGER NOT NULL,
  PRIMARY KEY (account_id, post_id)
) STRICT;

CREATE INDEX ingress_posts_unfinished ON ingress_posts (account_id, create_at, post_id)
  WHERE state IN ('received', 'dispatched');
CREATE INDEX ingress_posts_finished ON ingress_posts (changed_at)
  WHERE state IN ('answered', 'dead');

CREATE TABLE ingress_cursors (
  account_id    TEXT    NOT NULL,
  channel_id    TEXT    NOT NULL,
  max_update_at INTEGER,
  last_sweep_at INTEGER,
  changed_at    INTEGER NOT NULL,
  PRIMARY KEY (account_id, channel_id)
) STRICT;
)sql";

// DM pairing (channel-behaviour.md §4.5) and thread participation (§4.6). A request is keyed by
// (account, user): one per sender. Codes are unique across accounts, which request_pairing keeps
// true by deleting expired requests before it issues one, so an approval can name a code alone.
// Approvals keep notified_at NULL until the gateway has told the user (the CLI approves offline).
constexpr std::string_view create_pairing_and_threads_sql = R"sql(
CREATE TABLE pairing_requests (
  account_id TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  code       TEXT    NOT NULL CHECK (length(code) > 0),
  username   TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, user_id)
) STRICT;

CREATE UNIQUE INDEX pairing_requests_code ON pairing_requests (code);
CREATE INDEX pairing_requests_expiry ON pairing_requests (expires_at);

CREATE TABLE pairing_approvals (
  account_id  TEXT    NOT NULL,
  user_id     TEXT    NOT NULL,
  username    TEXT    NOT NULL DEFAULT '',
  approved_at INTEGER NOT NULL,
  notified_at INTEGER,
  PRIMARY KEY (account_id, user_id)
) STRICT;

CREATE INDEX pairing_approvals_unnotified ON pairing_approvals (account_id, approved_at)
  WHERE notified_at IS NULL;

CREATE TABLE thread_participation (
  account_id    TEXT    NOT NULL,
  root_id       TEXT    NOT NULL,
  last_reply_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, root_id)
) STRICT;

CREATE INDEX thread_participation_age ON thread_participation (last_reply_at);
)sql";

// Agent sessions and their transcripts (PRODUCT.md "The agent runtime"), keyed by the agent session
// key alone. A session row holds what outlives one transcript: the generation (+1 per /new or
// /reset, so a turn that began before a reset cannot append to the fresh transcript), the next seq
// (never reused, so a seq names one message for good), the control-command settings (NULL = not
// set) and the last activity that pruning measures. tool_calls is JSON text of
// [{"id","name","arguments"}]; PostgreSQL would make it jsonb.
constexpr std::string_view create_sessions_and_transcripts_sql = R"sql(
CREATE TABLE agent_sessions (
  session_key TEXT    NOT NULL PRIMARY KEY,
  generation  INTEGER NOT NULL DEFAULT 0 CHECK (generation >= 0),
  next_seq    INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1),
  model       TEXT,
  think       TEXT    CHECK (think IN ('off', 'low', 'medium', 'high')),
  reasoning   INTEGER CHECK (reasoning IN (0, 1)),
  verbose     INTEGER CHECK (verbose IN (0, 1)),
  queue_mode  TEXT    CHECK (queue_mode IN ('steer', 'followup', 'collect', 'interrupt')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX agent_sessions_idle ON agent_sessions (updated_at);

CREATE TABLE transcript_messages (
  session_key   TEXT    NOT NULL REFERENCES agent_sessions (session_key) ON DELETE CASCADE,
  seq           INTEGER NOT NULL CHECK (seq >= 1),
  role          TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  text          TEXT    NOT NULL DEFAULT '',
  tool_calls    TEXT    NOT NULL DEFAULT '[]',
  tool_call_id  TEXT    NOT NULL DEFAULT '',
  tool_name     TEXT    NOT NULL DEFAULT '',
  post_id       TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  approx_tokens INTEGER NOT NULL CHECK (approx_tokens >= 0),
  PRIMARY KEY (session_key, seq)
) STRICT;
)sql";

// Callback turns and slash commands (issue 9). A callback turn (a button click, a native slash
// command) is keyed as its ingress row, which holds its state; payload is the JSON text the gateway
// needs to run it again after a restart. Slash registrations are what a callback request is checked
// against, tokens included, so they outlive a restart (ARCHITECTURE.md, rule 8); `created` (0 or 1)
// says whether this gateway created the command and so deletes it again.
constexpr std::string_view create_callback_turns_and_slash_commands_sql = R"sql(
CREATE TABLE callback_turns (
  account_id TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  kind       TEXT    NOT NULL CHECK (kind IN ('click', 'slash')),
  payload    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, id)
) STRICT;

CREATE TABLE slash_registrations (
  account_id    TEXT    NOT NULL,
  team_id       TEXT    NOT NULL,
  trigger       TEXT    NOT NULL,
  command_id    TEXT    NOT NULL,
  token         TEXT    NOT NULL,
  url           TEXT    NOT NULL,
  created       INTEGER NOT NULL CHECK (created IN (0, 1)),
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, team_id, trigger)
) STRICT;
)sql";

constexpr std::array migrations_list{
    Migration{1, "create_meta", create_meta_sql},
    Migration{2, "create_ingress", create_ingress_sql},
    Migration{3, "create_pairing_and_threads", create_pairing_and_threads_sql},
    Migration{4, "create_sessions_and_transcripts", create_sessions_and_transcripts_sql},
    Migration{5, "create_callback_turns_and_slash_commands", create_callback_turns_and_slash_commands_sql},
};

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error newer_schema_error(int found, int known) {
  return Error::permanent("the database schema is version " + std::to_string(found) +
                          " but this mmclaw knows only up to " + std::to_string(known) +
                          "; use a newer mmclaw or another store path");
}

std::string describe(const Migration& migration) {
  return "migration " + std::to_string(migration.version) + " (" + std::string(migration.name) + ")";
}

Result<void> run_migration(Database& db, const Migration& migration) {
  if (auto ran = db.exec(migration.sql); !ran) return ran;
  auto insert = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
  if (!insert) return fail(std::move(insert.error()));
  insert->bind_int64(1, migration.version).bind_text(2, migration.name).bind_int64(3, now_millis());
  if (auto stepped = insert->step(); !stepped) return fail(std::move(stepped.error()));
  // PRAGMA takes no parameters; the version is an int we produced, not outside input.
  return db.exec("PRAGMA user_version = " + std::to_string(migration.version));
}

}  // namespace

std::span<const Migration> all_migrations() { return migrations_list; }

void check_migrations(std::span<const Migration> migrations) {
  int expected = 1;
  for (const Migration& migration : migrations) {
    if (migration.version != expected) {
      throw std::logic_error(
          "schema migrations must be numbered 1, 2, 3, ... without gaps: expected version " +
          std::to_string(expected) + ", found " + std::to_string(migration.version) + " (" +
          std::string(migration.name) + ")");
    }
    if (migration.name.empty() || migration.sql.empty()) {
      throw std::logic_error("schema migration " + std::to_string(migration.version) +
                             " needs a name and SQL");
    }
    ++expected;
  }
}

Result<int> read_schema_version(Database& db) {
  auto statement = db.prepare("PRAGMA user_version");
  if (!statement) return fail(std::move(statement.error()));
  auto stepped = statement->step();
  if (!stepped) return fail(std::move(stepped.error()));
  if (*stepped != Step::row) return fail(Error::permanent("PRAGMA user_version returned no row"));
  return static_cast<int>(statement->column_int64(0));
}

Result<int> apply_migrations(Database& db, std::span<const Migration> migrations) {
  check_migrations(migrations);
  const int latest = static_cast<int>(migrations.size());

  // The common case, an up-to-date database, needs no write lock.
  auto current = read_schema_version(db);
  if (!current) return fail(std::move(current.error()));
  if (*current > latest) return fail(newer_schema_error(*current, latest));

  int version = *current;
  while (version < latest) {
    const Migration* attempted = nullptr;
    bool refused_newer = false;
    auto stepped = db.transaction([&]() -> Result<int> {
      // Another process may have migrated between our read and taking the write lock.
      auto locked = read_schema_version(db);
      if (!locked) return locked;
      if (*locked > latest) {
        refused_newer = true;
        return fail(newer_schema_error(*locked, latest));
      }
      if (*locked == latest) return latest;
      attempted = &migrations[static_cast<std::size_t>(*locked)];
      if (auto ran = run_migration(db, *attempted); !ran) return fail(std::move(ran.error()));
      return attempted->version;
    });
    if (!stepped) {
      Error error = std::move(stepped.error());
      if (attempted != nullptr) {
        error.message = describe(*attempted) + " failed: " + error.message;
      } else if (!refused_newer) {
        error.message =
            "cannot migrate the schema from version " + std::to_string(version) + ": " + error.message;
      }
      return fail(std::move(error));
    }
    version = *stepped;
  }
  return version;
}

}  // namespace mmclaw::store
