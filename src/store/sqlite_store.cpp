#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mmclaw::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view memory_path = ":memory:";

// Every store error names the store, so a log line says which file to look at.
std::unexpected<Error> fail_at(const fs::path& path, Error error) {
  error.message = "store " + path.string() + ": " + error.message;
  return fail(std::move(error));
}

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Creates the missing directories leading to `dir`, each with mode 0700: the store holds
// transcripts and tokens, so a directory we create is for this user only. Existing directories
// keep the mode their owner gave them.
Result<void> create_parent_directories(const fs::path& dir) {
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat info {};
    if (::stat(p.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return fail(Error::invalid_input("cannot create the directory " + dir.string() + ": " + p.string() +
                                         " exists and is not a directory"));
      }
      break;
    }
    const int stat_errno = errno;
    if (stat_errno != ENOENT) {
      return fail(
          Error::permanent("cannot create the directory " + dir.string() + ": " + errno_text(stat_errno)));
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // EEXIST: another process created it meanwhile, which is as good.
    if (::mkdir(it->c_str(), 0700) != 0) {
      const int mkdir_errno = errno;
      if (mkdir_errno == EEXIST) continue;
      return fail(
          Error::permanent("cannot create the directory " + it->string() + ": " + errno_text(mkdir_errno)));
    }
  }
  return {};
}

// Creates the database file ourselves, so that it is 0600 from its first moment; sqlite would make it
// 0644 (less umask). sqlite gives the -wal and -shm files the mode of the database file. An existing
// file keeps its mode: its owner chose it.
Result<void> create_private_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int open_errno = errno;
    if (open_errno == EEXIST) return {};
    return fail(Error::permanent("cannot create the file: " + errno_text(open_errno)));
  }
  // A restrictive umask (0277) would otherwise leave us a file we cannot write.
  const bool mode_set = ::fchmod(fd, 0600) == 0;
  const int chmod_errno = errno;
  ::close(fd);
  if (!mode_set) {
    return fail(Error::permanent("cannot set the file mode to 0600: " + errno_text(chmod_errno)));
  }
  return {};
}

// sqlite opens anything and fails only at the first read, with "file is not a database"; checking
// the header first gives a message that says which file and what to do. An empty file is a new
// database; a file we cannot read is left for sqlite to report.
Result<void> check_sqlite_header(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size == 0) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  constexpr std::string_view magic{"SQLite format 3\0", 16};
  std::string header(magic.size(), '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<std::size_t>(in.gcount()));
  if (header != magic) {
    return fail(Error::invalid_input("the file is not a SQLite database (is the store path right?)"));
  }
  return {};
}

Result<std::string> query_text(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement) return fail(std::move(statement.error()));
  auto stepped = statement->step();
  if (!stepped) return fail(std::move(stepped.error()));
  if (*stepped != Step::row) return fail(Error::permanent(std::string(sql) + " returned no row"));
  return std::string(statement->column_text(0));
}

// Keys and values must fit a PostgreSQL `text` as well, which cannot hold NUL. The value itself never
// goes into the message: it may be a secret.
Result<void> check_meta_text(std::string_view key, std::optional<std::string_view> value) {
  if (key.empty()) return fail(Error::invalid_input("a meta key must not be empty"));
  if (key.find('\0') != std::string_view::npos) {
    return fail(Error::invalid_input("a meta key must not contain a NUL byte"));
  }
  if (value && value->find('\0') != std::string_view::npos) {
    return fail(
        Error::invalid_input("the value for meta key '" + std::string(key) + "' contains a NUL byte"));
  }
  return {};
}

// Ids go into PostgreSQL `text` columns later, which cannot hold NUL; an empty id is always a bug in
// the caller, and would make every such post a duplicate of the first.
Result<void> check_id(std::string_view what, std::string_view value) {
  if (value.empty()) return fail(Error::invalid_input(std::string(what) + " must not be empty"));
  if (value.find('\0') != std::string_view::npos) {
    return fail(Error::invalid_input(std::string(what) + " must not contain a NUL byte"));
  }
  return {};
}

Result<void> check_ids(std::string_view account_id, std::string_view post_id) {
  if (auto checked = check_id("the account id", account_id); !checked) return checked;
  return check_id("the post id", post_id);
}

Result<void> check_time(std::string_view what, std::int64_t value) {
  if (value < 0) {
    return fail(
        Error::invalid_input(std::string(what) + " must not be negative, got " + std::to_string(value)));
  }
  return {};
}

std::string describe_post(std::string_view account_id, std::string_view post_id) {
  return "post " + std::string(post_id) + " of account " + std::string(account_id);
}

std::optional<IngressState> parse_state(std::string_view text) {
  for (IngressState state :
       {IngressState::received, IngressState::dispatched, IngressState::answered, IngressState::dead}) {
    if (to_string(state) == text) return state;
  }
  return std::nullopt;
}

constexpr std::string_view ingress_columns =
    "account_id, post_id, channel_id, root_id, create_at, update_at, state, attempts, restart_retries, "
    "reason, reply_post_id, recorded_at, changed_at";

// Reads a row selected with ingress_columns. The CHECK constraint keeps unknown states out, so one
// here means the file was edited by hand or by a newer mmclaw that left a state this one lacks.
Result<IngressRecord> read_ingress_row(const Statement& row) {
  IngressRecord record;
  record.account_id = row.column_text(0);
  record.post_id = row.column_text(1);
  record.channel_id = row.column_text(2);
  record.root_id = row.column_text(3);
  record.create_at = row.column_int64(4);
  record.update_at = row.column_int64(5);
  const auto state = parse_state(row.column_text(6));
  if (!state) {
    return fail(Error::permanent(describe_post(record.account_id, record.post_id) +
                                 " has an unknown state '" + std::string(row.column_text(6)) + "'"));
  }
  record.state = *state;
  record.attempts = static_cast<int>(row.column_int64(7));
  record.restart_retries = static_cast<int>(row.column_int64(8));
  record.reason = row.column_text(9);
  record.reply_post_id = row.column_text(10);
  record.recorded_at = row.column_int64(11);
  record.changed_at = row.column_int64(12);
  return record;
}

Result<std::optional<IngressRecord>> select_ingress_post(Database& db, std::string_view account_id,
                                                         std::string_view post_id) {
  auto statement = db.prepare("SELECT " + std::string(ingress_columns) +
                              " FROM ingress_posts WHERE account_id = ?1 AND post_id = ?2");
  if (!statement) return fail(std::move(statement.error()));
  statement->bind_text(1, account_id).bind_text(2, post_id);
  auto stepped = statement->step();
  if (!stepped) return fail(std::move(stepped.error()));
  if (*stepped == Step::done) return std::optional<IngressRecord>();
  auto record = read_ingress_row(*statement);
  if (!record) return fail(std::move(record.error()));
  return std::optional<IngressRecord>(std::move(*record));
}

// Why a state change did not apply: the post is unknown, or in a state that does not allow it.
Error refused_change(Database& db, std::string_view account_id, std::string_view post_id,
                     std::string_view change) {
  auto found = select_ingress_post(db, account_id, post_id);
  if (!found) return std::move(found.error());
  if (!*found) return Error::not_found(describe_post(account_id, post_id) + " was never admitted");
  return Error::invalid_input("cannot " + std::string(change) + " " + describe_post(account_id, post_id) +
                              ": it is " + std::string(to_string((*found)->state)));
}

Result<void> run(Statement& statement) {
  auto stepped = statement.step();
  if (!stepped) return fail(std::move(stepped.error()));
  return {};
}

// What admit_post and record_callback_turn check of the post before they touch the store.
Result<void> check_post(const IngressRecord& post) {
  if (auto ok = check_ids(post.account_id, post.post_id); !ok) return ok;
  if (auto ok = check_id("the channel id", post.channel_id); !ok) return ok;
  if (post.root_id.find('\0') != std::string::npos) {
    return fail(Error::invalid_input("the root id must not contain a NUL byte"));
  }
  if (auto ok = check_time("create_at", post.create_at); !ok) return ok;
  return check_time("update_at", post.update_at);
}

// The admission itself, inside a transaction the caller holds, so that record_callback_turn can
// keep its turn in the same one. Insert first: in the common case (a new post) that is the only
// statement, and the conflict target makes the check-and-record one step for every replica sharing
// a PostgreSQL store.
Result<AdmitOutcome> admit_in_transaction(Database& db, const IngressRecord& post, std::int64_t now_ms) {
  auto insert = db.prepare(
      "INSERT INTO ingress_posts (account_id, post_id, channel_id, root_id, create_at, update_at, state, "
      "recorded_at, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'received', ?7, ?7) "
      "ON CONFLICT (account_id, post_id) DO NOTHING");
  if (!insert) return fail(std::move(insert.error()));
  insert->bind_text(1, post.account_id)
      .bind_text(2, post.post_id)
      .bind_text(3, post.channel_id)
      .bind_text(4, post.root_id)
      .bind_int64(5, post.create_at)
      .bind_int64(6, post.update_at)
      .bind_int64(7, now_ms);
  if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
  if (db.changes() == 1) return AdmitOutcome::new_post;

  auto existing = select_ingress_post(db, post.account_id, post.post_id);
  if (!existing) return fail(std::move(existing.error()));
  if (!*existing) return fail(Error::permanent("the conflicting ingress row vanished"));
  const IngressState state = (*existing)->state;
  return state == IngressState::answered || state == IngressState::dead ? AdmitOutcome::duplicate_done
                                                                        : AdmitOutcome::duplicate_pending;
}

// ---- Pairing helpers ----

// Pairing codes are compared as the user may type them: surrounding blanks and case do not matter.
std::string normalize_code(std::string_view code) {
  std::string normalized(util::trim(code));
  for (char& c : normalized) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return normalized;
}

// The code is never echoed into an error: it is what grants access.
Result<void> check_code(std::string_view normalized) {
  if (normalized.empty()) return fail(Error::invalid_input("the pairing code must not be empty"));
  if (normalized.find('\0') != std::string_view::npos) {
    return fail(Error::invalid_input("the pairing code must not contain a NUL byte"));
  }
  return {};
}

Result<void> check_account_filter(std::optional<std::string_view> account_id) {
  if (!account_id) return {};
  return check_id("the account id", *account_id);
}

void bind_optional_text(Statement& statement, int index, std::optional<std::string_view> value) {
  if (value) {
    statement.bind_text(index, *value);
  } else {
    statement.bind_null(index);
  }
}

constexpr std::string_view pairing_columns = "account_id, code, user_id, username, created_at, expires_at";

PairingRequest read_pairing_row(const Statement& row) {
  PairingRequest request;
  request.account_id = row.column_text(0);
  request.code = row.column_text(1);
  request.user_id = row.column_text(2);
  request.username = row.column_text(3);
  request.created_at = row.column_int64(4);
  request.expires_at = row.column_int64(5);
  return request;
}

Result<std::vector<PairingRequest>> read_pairing_rows(Statement& select) {
  std::vector<PairingRequest> found;
  while (true) {
    auto stepped = select.step();
    if (!stepped) return fail(std::move(stepped.error()));
    if (*stepped == Step::done) break;
    found.push_back(read_pairing_row(select));
  }
  return found;
}

// How often request_pairing asks make_code for a code before it gives up: with 32^8 codes and at
// most a few pending per account, one collision is already rare; eight in a row means a broken
// generator.
constexpr int max_code_attempts = 8;

struct OpenSteps {
  const fs::path& path;
  const SqliteOptions& options;
  bool in_memory;

  Result<void> prepare_path() const {
    if (!path.has_filename()) return fail(Error::invalid_input("the path names a directory, not a file"));
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      return fail(Error::invalid_input("the path is a directory; give a file path such as " +
                                       (path / "mmclaw.db").string()));
    }
    if (path.has_parent_path()) {
      if (auto created = create_parent_directories(path.parent_path()); !created) return created;
    }
    if (auto created = create_private_file(path); !created) return created;
    return check_sqlite_header(path);
  }

  Result<void> configure(Database& db) const {
    if (!in_memory && db.read_only()) {
      return fail(Error::permanent(
          "the file is read-only for this process; the store must be writable (check its mode and owner)"));
    }
    // First, so that switching the journal mode below also waits for a lock held by another process.
    const auto timeout = std::clamp<std::chrono::milliseconds::rep>(options.busy_timeout.count(), 0,
                                                                    std::numeric_limits<int>::max());
    if (auto set = db.exec("PRAGMA busy_timeout = " + std::to_string(timeout)); !set) return set;

    if (!in_memory) {
      // WAL lets the CLI read while the gateway writes. sqlite answers with the mode it ended up in
      // rather than failing (e.g. on a file system without shared memory), so check the answer.
      auto mode = query_text(db, "PRAGMA journal_mode = WAL");
      if (!mode) return fail(std::move(mode.error()));
      if (*mode != "wal") {
        return fail(Error::permanent("cannot switch to WAL journal mode (sqlite kept '" + *mode +
                                     "'); the store needs a local file system"));
      }
    }
    // In WAL, NORMAL syncs at checkpoints, not at every commit: crash-safe, and fast enough for the
    // event loop to write inline (ARCHITECTURE.md, rule 2).
    if (auto set = db.exec("PRAGMA synchronous = NORMAL"); !set) return set;

    if (auto set = db.exec("PRAGMA foreign_keys = ON"); !set) return set;
    // A no-op inside a transaction or in a build without foreign keys; the schema relies on it.
    auto foreign_keys = query_text(db, "PRAGMA foreign_keys");
    if (!foreign_keys) return fail(std::move(foreign_keys.error()));
    if (*foreign_keys != "1") return fail(Error::permanent("cannot turn on foreign key enforcement"));
    return {};
  }
};

}  // namespace

SqliteStore::SqliteStore(std::filesystem::path path, Database db, int schema_version)
    : path_(std::move(path)), db_(std::move(db)), schema_version_(schema_version) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path,
                                                       const SqliteOptions& options) {
  const OpenSteps steps{path, options, path.native() == memory_path};

  if (!steps.in_memory) {
    if (auto prepared = steps.prepare_path(); !prepared) return fail_at(path, std::move(prepared.error()));
  }
  // Database::open names the path itself.
  auto db = Database::open(path.string(), OpenMode::read_write_create);
  if (!db) return fail(std::move(db.error()));
  if (auto configured = steps.configure(*db); !configured) {
    return fail_at(path, std::move(configured.error()));
  }

  auto version = apply_migrations(*db, options.migrations);
  if (!version) return fail_at(path, std::move(version.error()));
  return std::unique_ptr<SqliteStore>(new SqliteStore(path, std::move(*db), *version));
}

Result<std::optional<std::string>> SqliteStore::get_meta(std::string_view key) {
  if (auto checked = check_meta_text(key, std::nullopt); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto statement = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!statement) return fail_at(path_, std::move(statement.error()));
  statement->bind_text(1, key);
  auto stepped = statement->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  if (*stepped == Step::done) return std::optional<std::string>();
  return std::optional<std::string>(statement->column_text(0));
}

Result<void> SqliteStore::set_meta(std::string_view key, std::string_view value) {
  if (auto checked = check_meta_text(key, value); !checked) return fail_at(path_, std::move(checked.error()));
  // One statement, so atomic without an explicit transaction; PostgreSQL spells the upsert the same.
  auto statement = db_.prepare(
      "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  if (!statement) return fail_at(path_, std::move(statement.error()));
  statement->bind_text(1, key).bind_text(2, value).bind_int64(3, now_millis());
  if (auto stepped = statement->step(); !stepped) return fail_at(path_, std::move(stepped.error()));
  return {};
}

Result<AdmitOutcome> SqliteStore::admit_post(const IngressRecord& post, std::int64_t now_ms) {
  if (auto checked = check_post(post); !checked) return fail_at(path_, std::move(checked.error()));
  auto admitted = db_.transaction([&]() { return admit_in_transaction(db_, post, now_ms); });
  if (!admitted) return fail_at(path_, std::move(admitted.error()));
  return *admitted;
}

Result<bool> SqliteStore::mark_dispatched(std::string_view account_id, std::string_view post_id,
                                          std::int64_t now_ms) {
  if (auto checked = check_ids(account_id, post_id); !checked)
    return fail_at(path_, std::move(checked.error()));
  auto dispatched = db_.transaction([&]() -> Result<bool> {
    auto update = db_.prepare(
        "UPDATE ingress_posts SET state = 'dispatched', attempts = attempts + 1, changed_at = ?3 "
        "WHERE account_id = ?1 AND post_id = ?2 AND state = 'received'");
    if (!update) return fail(std::move(update.error()));
    update->bind_text(1, account_id).bind_text(2, post_id).bind_int64(3, now_ms);
    if (auto ran = run(*update); !ran) return fail(std::move(ran.error()));
    if (db_.changes() == 1) return true;
    // Losing the race is an answer; a post nobody admitted is a bug in the caller.
    auto existing = select_ingress_post(db_, account_id, post_id);
    if (!existing) return fail(std::move(existing.error()));
    if (!*existing) return fail(Error::not_found(describe_post(account_id, post_id) + " was never admitted"));
    return false;
  });
  if (!dispatched) return fail_at(path_, std::move(dispatched.error()));
  return *dispatched;
}

Result<void> SqliteStore::finish_post(std::string_view account_id, std::string_view post_id, IngressState to,
                                      std::string_view from_sql, std::string_view reason,
                                      std::string_view reply_post_id, std::int64_t now_ms) {
  auto finished = db_.transaction([&]() -> Result<void> {
    auto update = db_.prepare(
        "UPDATE ingress_posts SET state = ?3, reason = ?4, reply_post_id = ?5, changed_at = ?6 "
        "WHERE account_id = ?1 AND post_id = ?2 AND state IN (" +
        std::string(from_sql) + ")");
    if (!update) return fail(std::move(update.error()));
    update->bind_text(1, account_id)
        .bind_text(2, post_id)
        .bind_text(3, to_string(to))
        .bind_text(4, reason)
        .bind_text(5, reply_post_id)
        .bind_int64(6, now_ms);
    if (auto ran = run(*update); !ran) return fail(std::move(ran.error()));
    if (db_.changes() == 1) return {};
    return fail(refused_change(db_, account_id, post_id, "mark " + std::string(to_string(to))));
  });
  if (!finished) return fail_at(path_, std::move(finished.error()));
  return {};
}

Result<void> SqliteStore::mark_answered(std::string_view account_id, std::string_view post_id,
                                        std::string_view reply_post_id, std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_ids(account_id, post_id); !ok) return ok;
    return check_id("the reply post id", reply_post_id);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  // Only a dispatched post can have been answered; anything else means two paths handled one post.
  return finish_post(account_id, post_id, IngressState::answered, "'dispatched'", "", reply_post_id, now_ms);
}

Result<void> SqliteStore::mark_dead(std::string_view account_id, std::string_view post_id,
                                    std::string_view reason, std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_ids(account_id, post_id); !ok) return ok;
    return check_id("the reason", reason);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  return finish_post(account_id, post_id, IngressState::dead, "'received', 'dispatched'", reason, "", now_ms);
}

Result<std::optional<IngressRecord>> SqliteStore::ingress_post(std::string_view account_id,
                                                               std::string_view post_id) {
  if (auto checked = check_ids(account_id, post_id); !checked)
    return fail_at(path_, std::move(checked.error()));
  auto found = select_ingress_post(db_, account_id, post_id);
  if (!found) return fail_at(path_, std::move(found.error()));
  return std::move(*found);
}

Result<std::vector<IngressRecord>> SqliteStore::take_unfinished_after_restart(std::string_view account_id,
                                                                              std::int64_t now_ms) {
  if (auto checked = check_id("the account id", account_id); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  // One transaction, so a crash in the middle hands nothing out and exhausts nothing.
  auto taken = db_.transaction([&]() -> Result<std::vector<IngressRecord>> {
    std::vector<IngressRecord> records;
    {
      auto select = db_.prepare("SELECT " + std::string(ingress_columns) +
                                " FROM ingress_posts WHERE account_id = ?1 AND state IN ('received', "
                                "'dispatched') AND restart_retries = 0 ORDER BY create_at, post_id");
      if (!select) return fail(std::move(select.error()));
      select->bind_text(1, account_id);
      while (true) {
        auto stepped = select->step();
        if (!stepped) return fail(std::move(stepped.error()));
        if (*stepped == Step::done) break;
        auto record = read_ingress_row(*select);
        if (!record) return fail(std::move(record.error()));
        records.push_back(std::move(*record));
      }
    }
    // Handed back once before and still unfinished: the retry itself did not finish, so stop here.
    auto exhaust = db_.prepare(
        "UPDATE ingress_posts SET state = 'dead', reason = ?2, changed_at = ?3 "
        "WHERE account_id = ?1 AND state IN ('received', 'dispatched') AND restart_retries > 0");
    if (!exhaust) return fail(std::move(exhaust.error()));
    exhaust->bind_text(1, account_id).bind_text(2, restart_retry_exhausted).bind_int64(3, now_ms);
    if (auto ran = run(*exhaust); !ran) return fail(std::move(ran.error()));

    // Back to received, so the ordinary mark_dispatched path dispatches them and counts the attempt.
    auto retry = db_.prepare(
        "UPDATE ingress_posts SET state = 'received', restart_retries = restart_retries + 1, changed_at = ?2 "
        "WHERE account_id = ?1 AND state IN ('received', 'dispatched') AND restart_retries = 0");
    if (!retry) return fail(std::move(retry.error()));
    retry->bind_text(1, account_id).bind_int64(2, now_ms);
    if (auto ran = run(*retry); !ran) return fail(std::move(ran.error()));
    if (db_.changes() != static_cast<std::int64_t>(records.size())) {
      return fail(Error::permanent("the unfinished ingress rows changed during the restart scan"));
    }
    for (IngressRecord& record : records) {
      record.state = IngressState::received;
      record.restart_retries += 1;
      record.changed_at = now_ms;
    }
    return records;
  });
  if (!taken) return fail_at(path_, std::move(taken.error()));
  return std::move(*taken);
}

Result<std::optional<std::int64_t>> SqliteStore::channel_cursor(std::string_view account_id,
                                                                std::string_view channel_id) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    return check_id("the channel id", channel_id);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  auto select =
      db_.prepare("SELECT max_update_at FROM ingress_cursors WHERE account_id = ?1 AND channel_id = ?2");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id).bind_text(2, channel_id);
  auto stepped = select->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  if (*stepped == Step::done || select->column_is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(select->column_int64(0));
}

Result<bool> SqliteStore::advance_cursor(std::string_view account_id, std::string_view channel_id,
                                         std::int64_t update_at, std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    if (auto ok = check_id("the channel id", channel_id); !ok) return ok;
    return check_time("update_at", update_at);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  // The WHERE on the update keeps the cursor from moving backwards in the same statement that moves
  // it, so two writers cannot interleave a read and a write; PostgreSQL spells it the same.
  auto upsert = db_.prepare(
      "INSERT INTO ingress_cursors (account_id, channel_id, max_update_at, changed_at) VALUES (?1, ?2, ?3, "
      "?4) "
      "ON CONFLICT (account_id, channel_id) DO UPDATE SET max_update_at = excluded.max_update_at, "
      "changed_at = excluded.changed_at WHERE ingress_cursors.max_update_at IS NULL OR "
      "excluded.max_update_at > ingress_cursors.max_update_at");
  if (!upsert) return fail_at(path_, std::move(upsert.error()));
  upsert->bind_text(1, account_id).bind_text(2, channel_id).bind_int64(3, update_at).bind_int64(4, now_ms);
  if (auto ran = run(*upsert); !ran) return fail_at(path_, std::move(ran.error()));
  return db_.changes() == 1;
}

Result<void> SqliteStore::record_sweep(std::string_view account_id, std::string_view channel_id,
                                       std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    return check_id("the channel id", channel_id);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  auto upsert = db_.prepare(
      "INSERT INTO ingress_cursors (account_id, channel_id, last_sweep_at, changed_at) VALUES (?1, ?2, ?3, "
      "?3) "
      "ON CONFLICT (account_id, channel_id) DO UPDATE SET last_sweep_at = excluded.last_sweep_at, "
      "changed_at = excluded.changed_at WHERE ingress_cursors.last_sweep_at IS NULL OR "
      "excluded.last_sweep_at > ingress_cursors.last_sweep_at");
  if (!upsert) return fail_at(path_, std::move(upsert.error()));
  upsert->bind_text(1, account_id).bind_text(2, channel_id).bind_int64(3, now_ms);
  if (auto ran = run(*upsert); !ran) return fail_at(path_, std::move(ran.error()));
  return {};
}

Result<std::vector<ChannelCursor>> SqliteStore::cursors(std::string_view account_id) {
  if (auto checked = check_id("the account id", account_id); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto select = db_.prepare(
      "SELECT channel_id, max_update_at, last_sweep_at, changed_at FROM ingress_cursors "
      "WHERE account_id = ?1 ORDER BY channel_id");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id);
  std::vector<ChannelCursor> found;
  while (true) {
    auto stepped = select->step();
    if (!stepped) return fail_at(path_, std::move(stepped.error()));
    if (*stepped == Step::done) break;
    ChannelCursor cursor;
    cursor.channel_id = select->column_text(0);
    if (!select->column_is_null(1)) cursor.max_update_at = select->column_int64(1);
    if (!select->column_is_null(2)) cursor.last_sweep_at = select->column_int64(2);
    cursor.changed_at = select->column_int64(3);
    found.push_back(std::move(cursor));
  }
  return found;
}

Result<std::int64_t> SqliteStore::prune_ingress(std::int64_t finished_before_ms, std::int64_t max_rows) {
  if (max_rows <= 0) {
    return fail_at(path_, Error::invalid_input("max_rows must be positive, got " + std::to_string(max_rows)));
  }
  // DELETE ... LIMIT is an optional sqlite feature and absent in PostgreSQL; a keyed subquery is not.
  // Both deletes select the same batch: the order is total and nothing changes the rows in between,
  // so a callback turn goes exactly when its ingress row does.
  constexpr std::string_view batch =
      "SELECT account_id, post_id FROM ingress_posts WHERE state IN ('answered', 'dead') AND changed_at < ?1 "
      "ORDER BY changed_at, account_id, post_id LIMIT ?2";
  auto pruned = db_.transaction([&]() -> Result<std::int64_t> {
    auto turns =
        db_.prepare("DELETE FROM callback_turns WHERE (account_id, id) IN (" + std::string(batch) + ")");
    if (!turns) return fail(std::move(turns.error()));
    turns->bind_int64(1, finished_before_ms).bind_int64(2, max_rows);
    if (auto ran = run(*turns); !ran) return fail(std::move(ran.error()));

    auto posts =
        db_.prepare("DELETE FROM ingress_posts WHERE (account_id, post_id) IN (" + std::string(batch) + ")");
    if (!posts) return fail(std::move(posts.error()));
    posts->bind_int64(1, finished_before_ms).bind_int64(2, max_rows);
    if (auto ran = run(*posts); !ran) return fail(std::move(ran.error()));
    return db_.changes();
  });
  if (!pruned) return fail_at(path_, std::move(pruned.error()));
  return *pruned;
}

// ---- DM pairing ----

Result<PairingChallenge> SqliteStore::request_pairing(std::string_view account_id, std::string_view user_id,
                                                      std::string_view username,
                                                      const std::function<std::string()>& make_code,
                                                      std::int64_t now_ms, std::int64_t ttl_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    if (auto ok = check_id("the user id", user_id); !ok) return ok;
    if (username.find('\0') != std::string_view::npos) {
      return fail(Error::invalid_input("the username must not contain a NUL byte"));
    }
    if (auto ok = check_time("now_ms", now_ms); !ok) return ok;
    if (ttl_ms <= 0 || ttl_ms > std::numeric_limits<std::int64_t>::max() - now_ms) {
      return fail(Error::invalid_input("ttl_ms must be positive and keep the expiry representable, got " +
                                       std::to_string(ttl_ms)));
    }
    if (!make_code) return fail(Error::invalid_input("request_pairing needs a code generator"));
    return {};
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  auto challenged = db_.transaction([&]() -> Result<PairingChallenge> {
    // Expired requests of every account go first: their codes become free again, which keeps the
    // unique index on code equal to "unique among unexpired requests".
    auto expire = db_.prepare("DELETE FROM pairing_requests WHERE expires_at <= ?1");
    if (!expire) return fail(std::move(expire.error()));
    expire->bind_int64(1, now_ms);
    if (auto ran = run(*expire); !ran) return fail(std::move(ran.error()));

    {
      auto existing = db_.prepare("SELECT " + std::string(pairing_columns) +
                                  " FROM pairing_requests WHERE account_id = ?1 AND user_id = ?2");
      if (!existing) return fail(std::move(existing.error()));
      existing->bind_text(1, account_id).bind_text(2, user_id);
      auto stepped = existing->step();
      if (!stepped) return fail(std::move(stepped.error()));
      if (*stepped == Step::row) {
        PairingChallenge challenge;
        challenge.outcome = PairingOutcome::pending;
        challenge.request = read_pairing_row(*existing);
        return challenge;
      }
    }

    {
      auto count =
          db_.prepare("SELECT count(*) FROM pairing_requests WHERE account_id = ?1 AND expires_at > ?2");
      if (!count) return fail(std::move(count.error()));
      count->bind_text(1, account_id).bind_int64(2, now_ms);
      auto stepped = count->step();
      if (!stepped) return fail(std::move(stepped.error()));
      if (*stepped != Step::row) return fail(Error::permanent("count(*) returned no row"));
      if (count->column_int64(0) >= kMaxPendingPairings) {
        PairingChallenge challenge;
        challenge.outcome = PairingOutcome::limit_reached;
        return challenge;
      }
    }

    auto taken = db_.prepare("SELECT 1 FROM pairing_requests WHERE code = ?1");
    if (!taken) return fail(std::move(taken.error()));
    for (int attempt = 0; attempt < max_code_attempts; ++attempt) {
      std::string code = normalize_code(make_code());
      if (auto ok = check_code(code); !ok) return fail(std::move(ok.error()));
      taken->reset();
      taken->bind_text(1, code);
      auto stepped = taken->step();
      if (!stepped) return fail(std::move(stepped.error()));
      if (*stepped == Step::row) continue;

      PairingRequest request;
      request.account_id = std::string(account_id);
      request.code = std::move(code);
      request.user_id = std::string(user_id);
      request.username = std::string(username);
      request.created_at = now_ms;
      request.expires_at = now_ms + ttl_ms;
      auto insert = db_.prepare("INSERT INTO pairing_requests (" + std::string(pairing_columns) +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      if (!insert) return fail(std::move(insert.error()));
      insert->bind_text(1, request.account_id)
          .bind_text(2, request.code)
          .bind_text(3, request.user_id)
          .bind_text(4, request.username)
          .bind_int64(5, request.created_at)
          .bind_int64(6, request.expires_at);
      if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
      PairingChallenge challenge;
      challenge.outcome = PairingOutcome::created;
      challenge.request = std::move(request);
      return challenge;
    }
    return fail(Error::permanent("no unused pairing code after " + std::to_string(max_code_attempts) +
                                 " attempts; is the code generator broken?"));
  });
  if (!challenged) return fail_at(path_, std::move(challenged.error()));
  return std::move(*challenged);
}

Result<std::vector<PairingRequest>> SqliteStore::pairing_requests(std::optional<std::string_view> account_id,
                                                                  std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_account_filter(account_id); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  // One statement: a consistent snapshot without taking the write lock.
  auto select =
      db_.prepare("SELECT " + std::string(pairing_columns) +
                  " FROM pairing_requests WHERE expires_at > ?1 AND (?2 IS NULL OR account_id = ?2) "
                  "ORDER BY created_at, account_id, user_id");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_int64(1, now_ms);
  bind_optional_text(*select, 2, account_id);
  auto found = read_pairing_rows(*select);
  if (!found) return fail_at(path_, std::move(found.error()));
  return std::move(*found);
}

Result<std::optional<PairingRequest>> SqliteStore::approve_pairing(std::string_view code,
                                                                   std::optional<std::string_view> account_id,
                                                                   std::int64_t now_ms) {
  return settle_pairing(code, account_id, now_ms, /*approve=*/true);
}

Result<std::optional<PairingRequest>> SqliteStore::deny_pairing(std::string_view code,
                                                                std::optional<std::string_view> account_id,
                                                                std::int64_t now_ms) {
  return settle_pairing(code, account_id, now_ms, /*approve=*/false);
}

Result<std::optional<PairingRequest>> SqliteStore::settle_pairing(std::string_view code,
                                                                  std::optional<std::string_view> account_id,
                                                                  std::int64_t now_ms, bool approve) {
  const std::string normalized = normalize_code(code);
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_code(normalized); !ok) return ok;
    if (auto ok = check_account_filter(account_id); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  auto settled = db_.transaction([&]() -> Result<std::optional<PairingRequest>> {
    auto select = db_.prepare("SELECT " + std::string(pairing_columns) +
                              " FROM pairing_requests WHERE code = ?1 AND expires_at > ?2 AND "
                              "(?3 IS NULL OR account_id = ?3)");
    if (!select) return fail(std::move(select.error()));
    select->bind_text(1, normalized).bind_int64(2, now_ms);
    bind_optional_text(*select, 3, account_id);
    auto stepped = select->step();
    if (!stepped) return fail(std::move(stepped.error()));
    if (*stepped == Step::done) return std::optional<PairingRequest>();
    PairingRequest request = read_pairing_row(*select);

    auto remove = db_.prepare("DELETE FROM pairing_requests WHERE account_id = ?1 AND user_id = ?2");
    if (!remove) return fail(std::move(remove.error()));
    remove->bind_text(1, request.account_id).bind_text(2, request.user_id);
    if (auto ran = run(*remove); !ran) return fail(std::move(ran.error()));

    if (approve) {
      // Approving someone approved before (dmPolicy changed in between) tells them again.
      auto insert = db_.prepare(
          "INSERT INTO pairing_approvals (account_id, user_id, username, approved_at, notified_at) "
          "VALUES (?1, ?2, ?3, ?4, NULL) ON CONFLICT (account_id, user_id) DO UPDATE SET "
          "username = excluded.username, approved_at = excluded.approved_at, notified_at = NULL");
      if (!insert) return fail(std::move(insert.error()));
      insert->bind_text(1, request.account_id)
          .bind_text(2, request.user_id)
          .bind_text(3, request.username)
          .bind_int64(4, now_ms);
      if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
    }
    return std::optional<PairingRequest>(std::move(request));
  });
  if (!settled) return fail_at(path_, std::move(settled.error()));
  return std::move(*settled);
}

Result<std::vector<std::string>> SqliteStore::approved_senders(std::string_view account_id) {
  if (auto checked = check_id("the account id", account_id); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto select = db_.prepare(
      "SELECT user_id FROM pairing_approvals WHERE account_id = ?1 ORDER BY approved_at, user_id");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id);
  std::vector<std::string> found;
  while (true) {
    auto stepped = select->step();
    if (!stepped) return fail_at(path_, std::move(stepped.error()));
    if (*stepped == Step::done) break;
    found.emplace_back(select->column_text(0));
  }
  return found;
}

Result<std::vector<PairingApproval>> SqliteStore::pending_approval_notices(std::string_view account_id) {
  if (auto checked = check_id("the account id", account_id); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto select = db_.prepare(
      "SELECT account_id, user_id, username, approved_at, notified_at FROM pairing_approvals "
      "WHERE account_id = ?1 AND notified_at IS NULL ORDER BY approved_at, user_id");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id);
  std::vector<PairingApproval> found;
  while (true) {
    auto stepped = select->step();
    if (!stepped) return fail_at(path_, std::move(stepped.error()));
    if (*stepped == Step::done) break;
    PairingApproval approval;
    approval.account_id = select->column_text(0);
    approval.user_id = select->column_text(1);
    approval.username = select->column_text(2);
    approval.approved_at = select->column_int64(3);
    if (!select->column_is_null(4)) approval.notified_at = select->column_int64(4);
    found.push_back(std::move(approval));
  }
  return found;
}

Result<void> SqliteStore::mark_approval_notified(std::string_view account_id, std::string_view user_id,
                                                 std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    if (auto ok = check_id("the user id", user_id); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  auto marked = db_.transaction([&]() -> Result<void> {
    auto update = db_.prepare(
        "UPDATE pairing_approvals SET notified_at = ?3 "
        "WHERE account_id = ?1 AND user_id = ?2 AND notified_at IS NULL");
    if (!update) return fail(std::move(update.error()));
    update->bind_text(1, account_id).bind_text(2, user_id).bind_int64(3, now_ms);
    if (auto ran = run(*update); !ran) return fail(std::move(ran.error()));
    if (db_.changes() == 1) return {};
    auto exists = db_.prepare("SELECT 1 FROM pairing_approvals WHERE account_id = ?1 AND user_id = ?2");
    if (!exists) return fail(std::move(exists.error()));
    exists->bind_text(1, account_id).bind_text(2, user_id);
    auto stepped = exists->step();
    if (!stepped) return fail(std::move(stepped.error()));
    if (*stepped == Step::row) return {};  // told before; the first time stays
    return fail(Error::not_found("user " + std::string(user_id) + " of account " + std::string(account_id) +
                                 " was never approved"));
  });
  if (!marked) return fail_at(path_, std::move(marked.error()));
  return {};
}

// ---- Thread participation ----

Result<void> SqliteStore::record_thread_participation(std::string_view account_id, std::string_view root_id,
                                                      std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    if (auto ok = check_id("the root id", root_id); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  // Never backwards, in the statement that writes, as advance_cursor.
  auto upsert = db_.prepare(
      "INSERT INTO thread_participation (account_id, root_id, last_reply_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (account_id, root_id) DO UPDATE SET last_reply_at = excluded.last_reply_at "
      "WHERE excluded.last_reply_at > thread_participation.last_reply_at");
  if (!upsert) return fail_at(path_, std::move(upsert.error()));
  upsert->bind_text(1, account_id).bind_text(2, root_id).bind_int64(3, now_ms);
  if (auto ran = run(*upsert); !ran) return fail_at(path_, std::move(ran.error()));
  return {};
}

Result<bool> SqliteStore::thread_participated(std::string_view account_id, std::string_view root_id,
                                              std::int64_t since_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    return check_id("the root id", root_id);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  auto select = db_.prepare(
      "SELECT 1 FROM thread_participation WHERE account_id = ?1 AND root_id = ?2 AND last_reply_at >= ?3");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id).bind_text(2, root_id).bind_int64(3, since_ms);
  auto stepped = select->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  return *stepped == Step::row;
}

Result<std::int64_t> SqliteStore::prune_thread_participation(std::int64_t before_ms, std::int64_t max_rows) {
  if (max_rows <= 0) {
    return fail_at(path_, Error::invalid_input("max_rows must be positive, got " + std::to_string(max_rows)));
  }
  auto prune = db_.prepare(
      "DELETE FROM thread_participation WHERE (account_id, root_id) IN (SELECT account_id, root_id FROM "
      "thread_participation WHERE last_reply_at < ?1 ORDER BY last_reply_at LIMIT ?2)");
  if (!prune) return fail_at(path_, std::move(prune.error()));
  prune->bind_int64(1, before_ms).bind_int64(2, max_rows);
  if (auto ran = run(*prune); !ran) return fail_at(path_, std::move(ran.error()));
  return db_.changes();
}

// ---- Sessions and transcripts ----

namespace {

std::string describe_session(std::string_view session_key) {
  return "session " + std::string(session_key);
}

Result<void> check_generation(std::int64_t generation) {
  if (generation < 0) {
    return fail(
        Error::invalid_input("the generation must not be negative, got " + std::to_string(generation)));
  }
  return {};
}

Result<void> check_no_nul(std::string_view what, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    return fail(Error::invalid_input(std::string(what) + " must not contain a NUL byte"));
  }
  return {};
}

std::optional<TranscriptRole> parse_role(std::string_view text) {
  for (TranscriptRole role :
       {TranscriptRole::system, TranscriptRole::user, TranscriptRole::assistant, TranscriptRole::tool}) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

// The entry's own content only; seq and created_at are the store's. Text is never echoed: it is
// conversation content.
Result<void> check_entry(std::size_t index, const TranscriptEntry& entry) {
  auto checked = [&]() -> Result<void> {
    if (to_string(entry.role) == "unknown") return fail(Error::invalid_input("the role is not a known role"));
    if (auto ok = check_no_nul("the text", entry.text); !ok) return ok;
    if (auto ok = check_no_nul("the tool call id", entry.tool_call_id); !ok) return ok;
    if (auto ok = check_no_nul("the tool name", entry.tool_name); !ok) return ok;
    if (auto ok = check_no_nul("the post id", entry.post_id); !ok) return ok;
    if (entry.approx_tokens < 0) {
      return fail(Error::invalid_input("approx_tokens must not be negative, got " +
                                       std::to_string(entry.approx_tokens)));
    }
    if (!entry.tool_calls.empty() && entry.role != TranscriptRole::assistant) {
      return fail(Error::invalid_input("only assistant entries carry tool calls, this one is " +
                                       std::string(to_string(entry.role))));
    }
    for (std::size_t i = 0; i < entry.tool_calls.size(); ++i) {
      const TranscriptToolCall& call = entry.tool_calls[i];
      const std::string which = "tool call " + std::to_string(i);
      if (call.name.empty()) return fail(Error::invalid_input(which + " has no name"));
      if (auto ok = check_no_nul(which + ": the id", call.id); !ok) return ok;
      if (auto ok = check_no_nul(which + ": the name", call.name); !ok) return ok;
      if (auto ok = check_no_nul(which + ": the arguments", call.arguments); !ok) return ok;
    }
    return {};
  }();
  if (!checked) {
    checked.error().message = "transcript entry " + std::to_string(index) + ": " + checked.error().message;
  }
  return checked;
}

std::string tool_calls_json(const std::vector<TranscriptToolCall>& calls) {
  boost::json::array array;
  array.reserve(calls.size());
  for (const TranscriptToolCall& call : calls) {
    array.push_back(boost::json::object{{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  }
  return boost::json::serialize(array);
}

// What tool_calls_json wrote; anything else means the row was edited by hand or by another program.
std::optional<std::vector<TranscriptToolCall>> parse_tool_calls(std::string_view text) {
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;  // written verbatim from what the model sent
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(text, ec, {}, options);
  if (ec || !parsed.is_array()) return std::nullopt;
  std::vector<TranscriptToolCall> calls;
  for (const boost::json::value& item : parsed.get_array()) {
    const auto* object = item.if_object();
    if (object == nullptr) return std::nullopt;
    TranscriptToolCall call;
    for (auto [key, field] : {std::pair{"id", &call.id}, std::pair{"name", &call.name},
                              std::pair{"arguments", &call.arguments}}) {
      const auto* value = object->if_contains(key);
      if (value == nullptr || !value->is_string()) return std::nullopt;
      *field = std::string(value->get_string());
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

constexpr std::string_view transcript_columns =
    "seq, role, text, tool_calls, tool_call_id, tool_name, post_id, created_at, approx_tokens";

Result<TranscriptEntry> read_transcript_row(const Statement& row, std::string_view session_key) {
  TranscriptEntry entry;
  entry.seq = row.column_int64(0);
  const auto role = parse_role(row.column_text(1));
  const auto calls = parse_tool_calls(row.column_text(3));
  if (!role || !calls) {
    return fail(Error::permanent(describe_session(session_key) + ": transcript entry " +
                                 std::to_string(entry.seq) + " has " +
                                 (role ? "malformed tool calls" : "an unknown role")));
  }
  entry.role = *role;
  entry.text = row.column_text(2);
  entry.tool_calls = std::move(*calls);
  entry.tool_call_id = row.column_text(4);
  entry.tool_name = row.column_text(5);
  entry.post_id = row.column_text(6);
  entry.created_at = row.column_int64(7);
  entry.approx_tokens = static_cast<int>(row.column_int64(8));
  return entry;
}

struct SessionCounters {
  std::int64_t generation = 0;
  std::int64_t next_seq = 1;
};

Result<std::optional<SessionCounters>> select_session_counters(Database& db, std::string_view session_key) {
  auto select = db.prepare("SELECT generation, next_seq FROM agent_sessions WHERE session_key = ?1");
  if (!select) return fail(std::move(select.error()));
  select->bind_text(1, session_key);
  auto stepped = select->step();
  if (!stepped) return fail(std::move(stepped.error()));
  if (*stepped == Step::done) return std::optional<SessionCounters>();
  return std::optional<SessionCounters>(SessionCounters{select->column_int64(0), select->column_int64(1)});
}

bool is_one_of(std::string_view value, std::span<const std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

Result<void> check_settings(const SessionSettings& settings) {
  if (settings.model) {
    const std::string_view model = *settings.model;
    if (auto ok = check_no_nul("the model", model); !ok) return ok;
    const auto slash = model.find('/');
    const bool blank = std::any_of(model.begin(), model.end(),
                                   [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == model.size() || blank) {
      return fail(Error::invalid_input("the model must be written provider/model without blanks, got '" +
                                       std::string(model) + "'"));
    }
  }
  if (settings.think && !is_one_of(*settings.think, kThinkLevels)) {
    return fail(Error::invalid_input("the think level must be one of " + joined(kThinkLevels)));
  }
  if (settings.queue_mode && !is_one_of(*settings.queue_mode, kQueueModes)) {
    return fail(Error::invalid_input("the queue mode must be one of " + joined(kQueueModes)));
  }
  return {};
}

void bind_optional_bool(Statement& statement, int index, std::optional<bool> value) {
  if (value) {
    statement.bind_int64(index, *value ? 1 : 0);
  } else {
    statement.bind_null(index);
  }
}

std::optional<std::string> optional_text_column(const Statement& row, int index) {
  if (row.column_is_null(index)) return std::nullopt;
  return std::string(row.column_text(index));
}

std::optional<bool> optional_bool_column(const Statement& row, int index) {
  if (row.column_is_null(index)) return std::nullopt;
  return row.column_int64(index) != 0;
}

}  // namespace

Result<void> SqliteStore::append_transcript(std::string_view session_key, std::int64_t generation,
                                            const std::vector<TranscriptEntry>& entries,
                                            std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the session key", session_key); !ok) return ok;
    if (auto ok = check_generation(generation); !ok) return ok;
    if (auto ok = check_time("now_ms", now_ms); !ok) return ok;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (auto ok = check_entry(i, entries[i]); !ok) return ok;
    }
    return {};
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  auto appended = db_.transaction([&]() -> Result<void> {
    auto session = select_session_counters(db_, session_key);
    if (!session) return fail(std::move(session.error()));
    const std::int64_t current = *session ? (*session)->generation : 0;
    if (current != generation) {
      return fail(Error::not_found("the transcript of " + describe_session(session_key) +
                                   " was reset since it was read (generation " + std::to_string(generation) +
                                   ", now " + std::to_string(current) + "); nothing appended"));
    }
    if (entries.empty()) return {};
    if (!*session) {
      auto create =
          db_.prepare("INSERT INTO agent_sessions (session_key, created_at, updated_at) VALUES (?1, ?2, ?2)");
      if (!create) return fail(std::move(create.error()));
      create->bind_text(1, session_key).bind_int64(2, now_ms);
      if (auto ran = run(*create); !ran) return fail(std::move(ran.error()));
    }
    std::int64_t seq = *session ? (*session)->next_seq : 1;

    auto insert =
        db_.prepare("INSERT INTO transcript_messages (session_key, " + std::string(transcript_columns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!insert) return fail(std::move(insert.error()));
    for (const TranscriptEntry& entry : entries) {
      insert->reset();
      insert->bind_text(1, session_key)
          .bind_int64(2, seq++)
          .bind_text(3, to_string(entry.role))
          .bind_text(4, entry.text)
          .bind_text(5, tool_calls_json(entry.tool_calls))
          .bind_text(6, entry.tool_call_id)
          .bind_text(7, entry.tool_name)
          .bind_text(8, entry.post_id)
          .bind_int64(9, now_ms)
          .bind_int64(10, entry.approx_tokens);
      if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
    }

    // Last activity never moves backwards, should the clock.
    auto update = db_.prepare(
        "UPDATE agent_sessions SET next_seq = ?2, "
        "updated_at = CASE WHEN ?3 > updated_at THEN ?3 ELSE updated_at END WHERE session_key = ?1");
    if (!update) return fail(std::move(update.error()));
    update->bind_text(1, session_key).bind_int64(2, seq).bind_int64(3, now_ms);
    return run(*update);
  });
  if (!appended) return fail_at(path_, std::move(appended.error()));
  return {};
}

Result<Transcript> SqliteStore::transcript(std::string_view session_key,
                                           std::optional<std::int64_t> max_entries) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the session key", session_key); !ok) return ok;
    if (max_entries && *max_entries <= 0) {
      return fail(Error::invalid_input("max_entries must be positive, got " + std::to_string(*max_entries)));
    }
    return {};
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  // The generation and the entries in one transaction, so they belong together.
  auto read = db_.transaction([&]() -> Result<Transcript> {
    Transcript transcript;
    auto session = select_session_counters(db_, session_key);
    if (!session) return fail(std::move(session.error()));
    if (!*session) return transcript;
    transcript.generation = (*session)->generation;

    auto select = db_.prepare("SELECT " + std::string(transcript_columns) +
                              " FROM transcript_messages WHERE session_key = ?1 ORDER BY seq DESC LIMIT ?2");
    if (!select) return fail(std::move(select.error()));
    select->bind_text(1, session_key)
        .bind_int64(2, max_entries.value_or(std::numeric_limits<std::int64_t>::max()));
    while (true) {
      auto stepped = select->step();
      if (!stepped) return fail(std::move(stepped.error()));
      if (*stepped == Step::done) break;
      auto entry = read_transcript_row(*select, session_key);
      if (!entry) return fail(std::move(entry.error()));
      transcript.entries.push_back(std::move(*entry));
    }
    std::reverse(transcript.entries.begin(), transcript.entries.end());
    return transcript;
  });
  if (!read) return fail_at(path_, std::move(read.error()));
  return std::move(*read);
}

Result<std::int64_t> SqliteStore::reset_transcript(std::string_view session_key, std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the session key", session_key); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  auto reset = db_.transaction([&]() -> Result<std::int64_t> {
    auto remove = db_.prepare("DELETE FROM transcript_messages WHERE session_key = ?1");
    if (!remove) return fail(std::move(remove.error()));
    remove->bind_text(1, session_key);
    if (auto ran = run(*remove); !ran) return fail(std::move(ran.error()));

    auto bump = db_.prepare(
        "INSERT INTO agent_sessions (session_key, generation, created_at, updated_at) VALUES (?1, 1, ?2, ?2) "
        "ON CONFLICT (session_key) DO UPDATE SET generation = agent_sessions.generation + 1, "
        "updated_at = CASE WHEN excluded.updated_at > agent_sessions.updated_at THEN excluded.updated_at "
        "ELSE agent_sessions.updated_at END");
    if (!bump) return fail(std::move(bump.error()));
    bump->bind_text(1, session_key).bind_int64(2, now_ms);
    if (auto ran = run(*bump); !ran) return fail(std::move(ran.error()));

    auto session = select_session_counters(db_, session_key);
    if (!session) return fail(std::move(session.error()));
    if (!*session) return fail(Error::permanent("the session row vanished during the reset"));
    return (*session)->generation;
  });
  if (!reset) return fail_at(path_, std::move(reset.error()));
  return *reset;
}

Result<TranscriptStats> SqliteStore::transcript_stats(std::string_view session_key) {
  if (auto checked = check_id("the session key", session_key); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  // One statement: a consistent snapshot without taking the write lock.
  auto select = db_.prepare(
      "SELECT s.generation, count(m.seq), coalesce(sum(m.approx_tokens), 0) FROM agent_sessions s "
      "LEFT JOIN transcript_messages m ON m.session_key = s.session_key WHERE s.session_key = ?1 "
      "GROUP BY s.session_key, s.generation");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, session_key);
  auto stepped = select->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  TranscriptStats stats;
  if (*stepped == Step::done) return stats;
  stats.generation = select->column_int64(0);
  stats.entries = select->column_int64(1);
  stats.approx_tokens = select->column_int64(2);
  return stats;
}

Result<SessionSettings> SqliteStore::session_settings(std::string_view session_key) {
  if (auto checked = check_id("the session key", session_key); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto select = db_.prepare(
      "SELECT model, think, reasoning, verbose, queue_mode FROM agent_sessions WHERE session_key = ?1");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, session_key);
  auto stepped = select->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  SessionSettings settings;
  if (*stepped == Step::done) return settings;
  settings.model = optional_text_column(*select, 0);
  settings.think = optional_text_column(*select, 1);
  settings.reasoning = optional_bool_column(*select, 2);
  settings.verbose = optional_bool_column(*select, 3);
  settings.queue_mode = optional_text_column(*select, 4);
  return settings;
}

Result<void> SqliteStore::set_session_settings(std::string_view session_key, const SessionSettings& settings,
                                               std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the session key", session_key); !ok) return ok;
    if (auto ok = check_time("now_ms", now_ms); !ok) return ok;
    return check_settings(settings);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  // One statement, so atomic without an explicit transaction; PostgreSQL spells the upsert the same.
  auto upsert = db_.prepare(
      "INSERT INTO agent_sessions (session_key, model, think, reasoning, verbose, queue_mode, created_at, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
      "ON CONFLICT (session_key) DO UPDATE SET model = excluded.model, think = excluded.think, "
      "reasoning = excluded.reasoning, verbose = excluded.verbose, queue_mode = excluded.queue_mode, "
      "updated_at = CASE WHEN excluded.updated_at > agent_sessions.updated_at THEN excluded.updated_at "
      "ELSE agent_sessions.updated_at END");
  if (!upsert) return fail_at(path_, std::move(upsert.error()));
  upsert->bind_text(1, session_key);
  bind_optional_text(*upsert, 2, settings.model);
  bind_optional_text(*upsert, 3, settings.think);
  bind_optional_bool(*upsert, 4, settings.reasoning);
  bind_optional_bool(*upsert, 5, settings.verbose);
  bind_optional_text(*upsert, 6, settings.queue_mode);
  upsert->bind_int64(7, now_ms);
  if (auto ran = run(*upsert); !ran) return fail_at(path_, std::move(ran.error()));
  return {};
}

Result<std::int64_t> SqliteStore::prune_transcripts(std::int64_t older_than_ms, std::int64_t max_rows) {
  if (max_rows <= 0) {
    return fail_at(path_, Error::invalid_input("max_rows must be positive, got " + std::to_string(max_rows)));
  }
  auto pruned = db_.transaction([&]() -> Result<std::int64_t> {
    // Keyed subqueries rather than DELETE ... LIMIT, as prune_ingress.
    auto entries = db_.prepare(
        "DELETE FROM transcript_messages WHERE (session_key, seq) IN (SELECT m.session_key, m.seq FROM "
        "transcript_messages m JOIN agent_sessions s ON s.session_key = m.session_key "
        "WHERE s.updated_at < ?1 ORDER BY s.updated_at, m.session_key, m.seq LIMIT ?2)");
    if (!entries) return fail(std::move(entries.error()));
    entries->bind_int64(1, older_than_ms).bind_int64(2, max_rows);
    if (auto ran = run(*entries); !ran) return fail(std::move(ran.error()));
    const std::int64_t deleted_entries = db_.changes();

    // A session with settings keeps its row: a /model choice outlives a quiet month.
    auto sessions = db_.prepare(
        "DELETE FROM agent_sessions WHERE session_key IN (SELECT s.session_key FROM agent_sessions s "
        "WHERE s.updated_at < ?1 AND s.model IS NULL AND s.think IS NULL AND s.reasoning IS NULL AND "
        "s.verbose IS NULL AND s.queue_mode IS NULL AND NOT EXISTS (SELECT 1 FROM transcript_messages m "
        "WHERE m.session_key = s.session_key) ORDER BY s.updated_at LIMIT ?2)");
    if (!sessions) return fail(std::move(sessions.error()));
    sessions->bind_int64(1, older_than_ms).bind_int64(2, max_rows);
    if (auto ran = run(*sessions); !ran) return fail(std::move(ran.error()));
    return deleted_entries + db_.changes();
  });
  if (!pruned) return fail_at(path_, std::move(pruned.error()));
  return *pruned;
}

// ---- Callback turns and slash command registrations ----

namespace {

// A callback turn's payload is what the gateway wrote; the bound keeps one bad request from
// filling the store. Neither the payload nor the token is echoed into an error.
constexpr std::size_t max_callback_payload = 64 * 1024;

Result<void> check_callback_turn(const CallbackTurn& turn, const IngressRecord& ingress) {
  if (auto ok = check_id("the account id", turn.account_id); !ok) return ok;
  if (auto ok = check_id("the callback turn id", turn.id); !ok) return ok;
  if (turn.kind != "click" && turn.kind != "slash") {
    return fail(Error::invalid_input("the callback turn kind must be \"click\" or \"slash\""));
  }
  if (turn.payload.size() > max_callback_payload) {
    return fail(Error::invalid_input("the callback turn payload must be at most " +
                                     std::to_string(max_callback_payload) + " bytes, got " +
                                     std::to_string(turn.payload.size())));
  }
  if (turn.payload.find('\0') != std::string::npos) {
    return fail(Error::invalid_input("the callback turn payload must not contain a NUL byte"));
  }
  if (util::find_invalid_utf8(turn.payload) != std::string_view::npos) {
    return fail(Error::invalid_input("the callback turn payload is not valid UTF-8"));
  }
  if (ingress.account_id != turn.account_id || ingress.post_id != turn.id) {
    return fail(Error::invalid_input("the ingress post of callback turn " + turn.id + " of account " +
                                     turn.account_id + " must have its account and id"));
  }
  return check_post(ingress);
}

Result<void> check_registration(std::size_t index, std::string_view account_id,
                                const SlashRegistration& registration) {
  auto checked = [&]() -> Result<void> {
    if (registration.account_id != account_id) {
      return fail(Error::invalid_input("it belongs to account " + registration.account_id + ", not " +
                                       std::string(account_id)));
    }
    if (auto ok = check_id("the team id", registration.team_id); !ok) return ok;
    if (auto ok = check_id("the command id", registration.command_id); !ok) return ok;
    if (auto ok = check_id("the trigger", registration.trigger); !ok) return ok;
    if (auto ok = check_id("the token", registration.token); !ok) return ok;
    return check_id("the url", registration.url);
  }();
  if (!checked) {
    checked.error().message = "slash registration " + std::to_string(index) + ": " + checked.error().message;
  }
  return checked;
}

}  // namespace

Result<AdmitOutcome> SqliteStore::record_callback_turn(const CallbackTurn& turn, const IngressRecord& ingress,
                                                       std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_callback_turn(turn, ingress); !ok) return ok;
    return check_time("now_ms", now_ms);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  // The turn exactly when its ingress row is new: a duplicate keeps the first payload, and no turn
  // exists without the row that says whether it was answered.
  auto recorded = db_.transaction([&]() -> Result<AdmitOutcome> {
    auto admitted = admit_in_transaction(db_, ingress, now_ms);
    if (!admitted || *admitted != AdmitOutcome::new_post) return admitted;
    auto insert = db_.prepare(
        "INSERT INTO callback_turns (account_id, id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return fail(std::move(insert.error()));
    insert->bind_text(1, turn.account_id)
        .bind_text(2, turn.id)
        .bind_text(3, turn.kind)
        .bind_text(4, turn.payload)
        .bind_int64(5, now_ms);
    if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
    return AdmitOutcome::new_post;
  });
  if (!recorded) return fail_at(path_, std::move(recorded.error()));
  return *recorded;
}

Result<std::optional<CallbackTurn>> SqliteStore::callback_turn(std::string_view account_id,
                                                               std::string_view id) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    return check_id("the callback turn id", id);
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));
  auto select = db_.prepare(
      "SELECT account_id, id, kind, payload, created_at FROM callback_turns "
      "WHERE account_id = ?1 AND id = ?2");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id).bind_text(2, id);
  auto stepped = select->step();
  if (!stepped) return fail_at(path_, std::move(stepped.error()));
  if (*stepped == Step::done) return std::optional<CallbackTurn>();
  CallbackTurn turn;
  turn.account_id = select->column_text(0);
  turn.id = select->column_text(1);
  turn.kind = select->column_text(2);
  turn.payload = select->column_text(3);
  turn.created_at = select->column_int64(4);
  return std::optional<CallbackTurn>(std::move(turn));
}

Result<void> SqliteStore::replace_slash_registrations(std::string_view account_id,
                                                      const std::vector<SlashRegistration>& registrations,
                                                      std::int64_t now_ms) {
  auto checked = [&]() -> Result<void> {
    if (auto ok = check_id("the account id", account_id); !ok) return ok;
    if (auto ok = check_time("now_ms", now_ms); !ok) return ok;
    for (std::size_t i = 0; i < registrations.size(); ++i) {
      if (auto ok = check_registration(i, account_id, registrations[i]); !ok) return ok;
    }
    return {};
  }();
  if (!checked) return fail_at(path_, std::move(checked.error()));

  // All or none: a reader sees the old set or the new one, never half of each. Two registrations
  // of one (team, trigger) violate the primary key and roll the whole replacement back.
  auto replaced = db_.transaction([&]() -> Result<void> {
    auto remove = db_.prepare("DELETE FROM slash_registrations WHERE account_id = ?1");
    if (!remove) return fail(std::move(remove.error()));
    remove->bind_text(1, account_id);
    if (auto ran = run(*remove); !ran) return fail(std::move(ran.error()));

    auto insert = db_.prepare(
        "INSERT INTO slash_registrations (account_id, team_id, trigger, command_id, token, url, created, "
        "registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert) return fail(std::move(insert.error()));
    for (const SlashRegistration& registration : registrations) {
      insert->reset();
      insert->bind_text(1, account_id)
          .bind_text(2, registration.team_id)
          .bind_text(3, registration.trigger)
          .bind_text(4, registration.command_id)
          .bind_text(5, registration.token)
          .bind_text(6, registration.url)
          .bind_int64(7, registration.created ? 1 : 0)
          .bind_int64(8, now_ms);
      if (auto ran = run(*insert); !ran) return fail(std::move(ran.error()));
    }
    return {};
  });
  if (!replaced) return fail_at(path_, std::move(replaced.error()));
  return {};
}

Result<std::vector<SlashRegistration>> SqliteStore::slash_registrations(std::string_view account_id) {
  if (auto checked = check_id("the account id", account_id); !checked) {
    return fail_at(path_, std::move(checked.error()));
  }
  auto select = db_.prepare(
      "SELECT account_id, team_id, trigger, command_id, token, url, created, registered_at "
      "FROM slash_registrations WHERE account_id = ?1 ORDER BY team_id, trigger");
  if (!select) return fail_at(path_, std::move(select.error()));
  select->bind_text(1, account_id);
  std::vector<SlashRegistration> found;
  while (true) {
    auto stepped = select->step();
    if (!stepped) return fail_at(path_, std::move(stepped.error()));
    if (*stepped == Step::done) break;
    SlashRegistration registration;
    registration.account_id = select->column_text(0);
    registration.team_id = select->column_text(1);
    registration.trigger = select->column_text(2);
    registration.command_id = select->column_text(3);
    registration.token = select->column_text(4);
    registration.url = select->column_text(5);
    registration.created = select->column_int64(6) != 0;
    registration.registered_at = select->column_int64(7);
    found.push_back(std::move(registration));
  }
  return found;
}

}  // namespace mmclaw::store
