#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"

namespace mmclaw::store {
namespace {

namespace fs = std::filesystem;
using namespace std::string_view_literals;

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0xffffffffU;
  return info.st_mode & 07777U;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// The single text or integer a query answers with, or a failure naming the query.
std::string query_text(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement) return "prepare failed: " + statement.error().message;
  auto stepped = statement->step();
  if (!stepped) return "step failed: " + stepped.error().message;
  if (*stepped != Step::row) return "no row";
  return std::string(statement->column_text(0));
}

std::int64_t query_int(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement || !statement->step() || statement->column_is_null(0)) return -999;
  return statement->column_int64(0);
}

bool table_exists(Database& db, std::string_view table) {
  auto statement = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  if (!statement) return false;
  statement->bind_text(1, table);
  return statement->step() && statement->column_int64(0) == 1;
}

Database open_plain(const fs::path& path) {
  auto db = Database::open(path.string(), OpenMode::read_write);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// A test list built on the real first migration, so its tables are the ones the runner records into.
const std::array<Migration, 3> notes_migrations{
    all_migrations()[0],
    Migration{2, "add_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"},
    Migration{3, "add_note_author",
              "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown';\n"
              "CREATE INDEX notes_by_author ON notes (author);"},
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("mmclaw-store-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter++) + "-" + info->name());
    fs::remove_all(dir_);
    ASSERT_TRUE(fs::create_directories(dir_));
    // Readable by others so the read-only test can look at it as an unprivileged user.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<SqliteStore> open_ok(const fs::path& path, const SqliteOptions& options = {}) {
    auto store = SqliteStore::open(path, options);
    if (!store) {
      ADD_FAILURE() << "open failed: " << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }

  fs::path dir_;
};

TEST_F(SqliteStoreTest, FreshOpenMigratesToLatestWithWalAndForeignKeys) {
  const fs::path path = dir_ / "mmclaw.db";
  const std::int64_t before = now_millis();
  auto store = open_ok(path);
  ASSERT_NE(store, nullptr);

  EXPECT_EQ(store->backend(), "sqlite");
  const auto latest = static_cast<int>(all_migrations().size());
  EXPECT_EQ(store->schema_version(), latest);
  EXPECT_EQ(store->path(), path);

  Database& db = store->database();
  EXPECT_EQ(query_text(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(query_int(db, "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(query_int(db, "PRAGMA busy_timeout"), 5000);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest);
  EXPECT_TRUE(table_exists(db, "meta"));
  EXPECT_TRUE(table_exists(db, "schema_migrations"));

  auto rows = db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->step().value(), Step::row);
  EXPECT_EQ(rows->column_int64(0), 1);
  EXPECT_EQ(rows->column_text(1), "create_meta");
  EXPECT_GE(rows->column_int64(2), before);
  EXPECT_LE(rows->column_int64(2), now_millis());
  // Every later migration has its row, in order, named as in the list.
  for (int version = 2; version <= latest; ++version) {
    ASSERT_EQ(rows->step().value(), Step::row);
    EXPECT_EQ(rows->column_int64(0), version);
    EXPECT_EQ(rows->column_text(1), all_migrations()[static_cast<std::size_t>(version - 1)].name);
  }
  EXPECT_EQ(rows->step().value(), Step::done);
}

TEST_F(SqliteStoreTest, BusyTimeoutComesFromOptions) {
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds(1234);
  auto store = open_ok(dir_ / "mmclaw.db", options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(query_int(store->database(), "PRAGMA busy_timeout"), 1234);
}

TEST_F(SqliteStoreTest, InMemoryStoreWorks) {
  auto store = open_ok(":memory:");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), static_cast<int>(all_migrations().size()));
  EXPECT_EQ(query_text(store->database(), "PRAGMA journal_mode"), "memory");
  EXPECT_EQ(query_int(store->database(), "PRAGMA foreign_keys"), 1);
  ASSERT_TRUE(store->set_meta("k", "v"));
  EXPECT_EQ(store->get_meta("k").value(), std::optional<std::string>("v"));
  EXPECT_FALSE(fs::exists(":memory:"));
}

TEST_F(SqliteStoreTest, MetaRoundTripAndPersistsAcrossReopen) {
  const fs::path path = dir_ / "mmclaw.db";
  {
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    auto missing = store->get_meta("installation_id");
    ASSERT_TRUE(missing);
    EXPECT_EQ(*missing, std::nullopt);

    const std::int64_t before = now_millis();
    ASSERT_TRUE(store->set_meta("installation_id", "abc-123"));
    ASSERT_TRUE(store->set_meta("installation_id", "def-456"));  // replaces
    ASSERT_TRUE(store->set_meta("empty", ""));
    ASSERT_TRUE(store->set_meta("unicode", "h\xC3\xA9llo \xF0\x9F\x91\x8B"));
    EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("def-456"));

    EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM meta"), 3);
    const std::int64_t updated =
        query_int(store->database(), "SELECT updated_at FROM meta WHERE key = 'empty'");
    EXPECT_GE(updated, before);
    EXPECT_LE(updated, now_millis());
  }
  auto store = open_ok(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("def-456"));
  EXPECT_EQ(store->get_meta("empty").value(), std::optional<std::string>(""));
  EXPECT_EQ(store->get_meta("unicode").value(), std::optional<std::string>("h\xC3\xA9llo \xF0\x9F\x91\x8B"));
  EXPECT_EQ(store->get_meta("other").value(), std::nullopt);
  EXPECT_EQ(query_text(store->database(), "SELECT typeof(value) FROM meta WHERE key = 'empty'"), "text");
}

TEST_F(SqliteStoreTest, MetaRefusesEmptyKeysAndNulBytes) {
  const fs::path path = dir_ / "mmclaw.db";
  auto store = open_ok(path);
  ASSERT_NE(store, nullptr);

  auto empty_key = store->set_meta("", "v");
  ASSERT_FALSE(empty_key);
  EXPECT_EQ(empty_key.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(empty_key.error().message, "store " + path.string() + ": a meta key must not be empty");

  auto nul_value = store->set_meta("token", "sec\0ret"sv);
  ASSERT_FALSE(nul_value);
  EXPECT_EQ(nul_value.error().message,
            "store " + path.string() + ": the value for meta key 'token' contains a NUL byte");
  EXPECT_EQ(nul_value.error().message.find("sec"), std::string::npos);  // values may be secrets

  auto nul_key = store->get_meta("a\0b"sv);
  ASSERT_FALSE(nul_key);
  EXPECT_EQ(nul_key.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM meta"), 0);
}

TEST_F(SqliteStoreTest, CreatesParentDirectoriesAndPrivateFiles) {
  const fs::path path = dir_ / "state" / "nested" / "mmclaw.db";
  auto store = open_ok(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(dir_ / "state"), 0700U);
  EXPECT_EQ(mode_of(dir_ / "state" / "nested"), 0700U);
  EXPECT_EQ(mode_of(path), 0600U);
  ASSERT_TRUE(store->set_meta("k", "v"));
  // While the connection is open the WAL files exist; sqlite copies the database file's mode.
  EXPECT_EQ(mode_of(fs::path(path.string() + "-wal")), 0600U);
  EXPECT_EQ(mode_of(fs::path(path.string() + "-shm")), 0600U);
}

TEST_F(SqliteStoreTest, ExistingFileKeepsItsMode) {
  const fs::path path = dir_ / "mmclaw.db";
  ASSERT_NE(open_ok(path), nullptr);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_NE(open_ok(path), nullptr);
  EXPECT_EQ(mode_of(path), 0640U);
}

TEST_F(SqliteStoreTest, OpeningAnOldSchemaMigratesItAndKeepsData) {
  const fs::path path = dir_ / "mmclaw.db";
  {
    SqliteOptions old_release;
    old_release.migrations = std::span(notes_migrations).first(2);
    auto store = open_ok(path, old_release);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), 2);
    ASSERT_TRUE(store->database().exec("INSERT INTO notes (id, body) VALUES (7, 'remember the milk')"));
    ASSERT_TRUE(store->set_meta("installation_id", "abc"));
  }
  {
    Database db = open_plain(path);
    EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'author'"), 0);
  }

  SqliteOptions new_release;
  new_release.migrations = notes_migrations;
  auto store = open_ok(path, new_release);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 3);
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
  EXPECT_EQ(query_text(db, "SELECT body || '|' || author FROM notes WHERE id = 7"),
            "remember the milk|unknown");
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("abc"));
  EXPECT_EQ(
      query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'notes_by_author'"),
      1);

  auto rows = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows);
  std::vector<std::pair<std::int64_t, std::string>> recorded;
  while (rows->step().value() == Step::row) {
    recorded.emplace_back(rows->column_int64(0), std::string(rows->column_text(1)));
  }
  const std::vector<std::pair<std::int64_t, std::string>> expected{
      {1, "create_meta"}, {2, "add_notes"}, {3, "add_note_author"}};
  EXPECT_EQ(recorded, expected);
}

TEST_F(SqliteStoreTest, ApplyingMigrationsTwiceChangesNothing) {
  Database db = Database::open(":memory:").value();
  EXPECT_EQ(apply_migrations(db, notes_migrations).value(), 3);
  EXPECT_EQ(apply_migrations(db, notes_migrations).value(), 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM schema_migrations"), 3);
  EXPECT_EQ(read_schema_version(db).value(), 3);
}

TEST_F(SqliteStoreTest, FailingMigrationNamesItselfAndLeavesThePreviousVersion) {
  const fs::path path = dir_ / "mmclaw.db";
  const std::array<Migration, 3> broken{
      notes_migrations[0],
      notes_migrations[1],
      Migration{3, "add_pairing",
                "CREATE TABLE pairing (code TEXT PRIMARY KEY);\n"
                "INSERT INTO notes (id, body) VALUES (1, 'half done');\n"
                "CREAT TABLE oops (x);"},
  };
  SqliteOptions options;
  options.migrations = broken;
  auto store = SqliteStore::open(path, options);
  ASSERT_FALSE(store);
  EXPECT_EQ(
      store.error().message,
      "store " + path.string() +
          ": migration 3 (add_pairing) failed: near \"CREAT\": syntax error (SQLITE_ERROR, extended code 1)");
  EXPECT_EQ(store.error().kind, ErrorKind::permanent);

  // Migrations 1 and 2 each committed; nothing of migration 3 is left behind.
  {
    Database db = open_plain(path);
    EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
    EXPECT_EQ(query_int(db, "SELECT max(version) FROM schema_migrations"), 2);
    EXPECT_FALSE(table_exists(db, "pairing"));
    EXPECT_TRUE(table_exists(db, "notes"));
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM notes"), 0);
  }
  options.migrations = std::span(broken).first(2);
  auto reopened = open_ok(path, options);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->schema_version(), 2);
}

TEST_F(SqliteStoreTest, RefusesADatabaseNewerThanItKnows) {
  const fs::path path = dir_ / "mmclaw.db";
  // A later mmclaw: every real migration and one more.
  const auto latest = static_cast<int>(all_migrations().size());
  std::vector<Migration> later(all_migrations().begin(), all_migrations().end());
  later.push_back(Migration{latest + 1, "from_the_future", "CREATE TABLE future (x INTEGER);"});
  {
    SqliteOptions future;
    future.migrations = later;
    ASSERT_NE(open_ok(path, future), nullptr);
  }
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message,
            "store " + path.string() + ": the database schema is version " + std::to_string(latest + 1) +
                " but this mmclaw knows only up to " + std::to_string(latest) +
                "; use a newer mmclaw or another store path");
  Database db = open_plain(path);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest + 1);
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotSqliteAndLeavesItAlone) {
  const fs::path path = dir_ / "notes.txt";
  const std::string content = "these are my notes, not a database\n";
  write_file(path, content);
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message,
            "store " + path.string() + ": the file is not a SQLite database (is the store path right?)");
  EXPECT_EQ(store.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(read_file(path), content);
  EXPECT_FALSE(fs::exists(path.string() + "-wal"));
}

TEST_F(SqliteStoreTest, RefusesADirectory) {
  auto store = SqliteStore::open(dir_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message, "store " + dir_.string() +
                                       ": the path is a directory; give a file path such as " +
                                       (dir_ / "mmclaw.db").string());
  EXPECT_EQ(store.error().kind, ErrorKind::invalid_input);

  auto trailing_slash = SqliteStore::open(dir_.string() + "/new/");
  ASSERT_FALSE(trailing_slash);
  EXPECT_EQ(trailing_slash.error().message,
            "store " + dir_.string() + "/new/: the path names a directory, not a file");
}

TEST_F(SqliteStoreTest, ReportsAParentThatCannotBeCreated) {
  // A regular file in the way stops mkdir even for root.
  write_file(dir_ / "blocker", "x");
  const fs::path path = dir_ / "blocker" / "state" / "mmclaw.db";
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message, "store " + path.string() + ": cannot create the directory " +
                                       (dir_ / "blocker" / "state").string() + ": Not a directory");

  const fs::path under_file = dir_ / "blocker" / "mmclaw.db";
  auto direct = SqliteStore::open(under_file);
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().message, "store " + under_file.string() + ": cannot create the directory " +
                                        (dir_ / "blocker").string() + ": " + (dir_ / "blocker").string() +
                                        " exists and is not a directory");
}

// Opens `path` as a user the file's permissions apply to: root ignores them, so as root a child
// process drops to nobody first. Returns the error message, or "opened".
std::string open_as_unprivileged(const fs::path& path) {
  const auto attempt = [&path] {
    auto store = SqliteStore::open(path);
    return store ? std::string("opened") : store.error().message;
  };
  if (::geteuid() != 0) return attempt();

  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    ::close(fds[0]);
    constexpr uid_t nobody = 65534;
    if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) ::_exit(3);
    const std::string message = attempt();
    const bool written =
        ::write(fds[1], message.data(), message.size()) == static_cast<ssize_t>(message.size());
    ::_exit(written ? 0 : 4);
  }
  ::close(fds[1]);
  std::string message;
  std::array<char, 512> buffer{};
  for (ssize_t n; (n = ::read(fds[0], buffer.data(), buffer.size())) > 0;) message.append(buffer.data(), n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "child failed with status " + std::to_string(status) + ": " + message;
  }
  return message;
}

TEST_F(SqliteStoreTest, RefusesAReadOnlyFile) {
  const fs::path path = dir_ / "mmclaw.db";
  {
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->set_meta("k", "v"));
  }
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  EXPECT_EQ(
      open_as_unprivileged(path),
      "store " + path.string() +
          ": the file is read-only for this process; the store must be writable (check its mode and owner)");
}

TEST_F(SqliteStoreTest, BusyDatabaseIsATransientError) {
  const fs::path path = dir_ / "mmclaw.db";
  auto holder = open_ok(path);
  ASSERT_NE(holder, nullptr);
  SqliteOptions impatient;
  impatient.busy_timeout = std::chrono::milliseconds(0);
  auto waiter = open_ok(path, impatient);
  ASSERT_NE(waiter, nullptr);

  ASSERT_TRUE(holder->database().exec("BEGIN IMMEDIATE"));
  auto blocked = waiter->set_meta("k", "v");
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().kind, ErrorKind::transient);
  EXPECT_EQ(blocked.error().message,
            "store " + path.string() + ": database is locked (SQLITE_BUSY, extended code 5)");
  // WAL: readers are not blocked by the writer.
  EXPECT_EQ(waiter->get_meta("k").value(), std::nullopt);
  ASSERT_TRUE(holder->database().exec("COMMIT"));
  EXPECT_TRUE(waiter->set_meta("k", "v"));
}

TEST(MigrationListTest, BadListsAreBugs) {
  const std::array<Migration, 2> gap{Migration{1, "a", "SELECT 1"}, Migration{3, "c", "SELECT 1"}};
  EXPECT_THROW(check_migrations(gap), std::logic_error);
  const std::array<Migration, 1> not_from_one{Migration{2, "b", "SELECT 1"}};
  EXPECT_THROW(check_migrations(not_from_one), std::logic_error);
  const std::array<Migration, 2> repeated{Migration{1, "a", "SELECT 1"}, Migration{1, "a2", "SELECT 1"}};
  EXPECT_THROW(check_migrations(repeated), std::logic_error);
  const std::array<Migration, 1> unnamed{Migration{1, "", "SELECT 1"}};
  EXPECT_THROW(check_migrations(unnamed), std::logic_error);
  EXPECT_NO_THROW(check_migrations(notes_migrations));
  EXPECT_NO_THROW(check_migrations(all_migrations()));

  Database db = Database::open(":memory:").value();
  EXPECT_THROW(std::ignore = apply_migrations(db, gap), std::logic_error);
  EXPECT_EQ(read_schema_version(db).value(), 0);
}

// ---- the sqlite3 layer ----

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(":memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    db_.emplace(std::move(*opened));
    ASSERT_TRUE(db_->exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)"));
  }
  Database& db() { return *db_; }
  std::optional<Database> db_;
};

TEST_F(DatabaseTest, BindsAndReadsEveryType) {
  const std::string text_with_nul("a\0b\0", 4);
  const std::array<std::byte, 5> blob{std::byte{0x00}, std::byte{0xff}, std::byte{0x10}, std::byte{0x00},
                                      std::byte{0x7f}};
  auto insert = db().prepare("INSERT INTO t (i, r, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5)");
  ASSERT_TRUE(insert) << insert.error().message;
  insert->bind_int64(1, std::numeric_limits<std::int64_t>::min())
      .bind_double(2, 0.1)
      .bind_text(3, text_with_nul)
      .bind_blob(4, blob)
      .bind_null(5);
  ASSERT_EQ(insert->step().value(), Step::done);
  EXPECT_EQ(db().changes(), 1);
  EXPECT_EQ(db().last_insert_rowid(), 1);

  insert->reset();
  insert->bind_int64(1, std::numeric_limits<std::int64_t>::max())
      .bind_double(2, -2.5e300)
      .bind_text(3, std::string_view())
      .bind_blob(4, std::span<const std::byte>())
      .bind_text(5, "x");
  ASSERT_EQ(insert->step().value(), Step::done);
  EXPECT_EQ(db().last_insert_rowid(), 2);

  auto select = db().prepare("SELECT i, r, s, b, n FROM t ORDER BY rowid");
  ASSERT_TRUE(select);
  EXPECT_EQ(select->column_count(), 5);
  ASSERT_EQ(select->step().value(), Step::row);
  EXPECT_EQ(select->column_type(0), ColumnType::integer);
  EXPECT_EQ(select->column_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select->column_type(1), ColumnType::real);
  EXPECT_EQ(select->column_double(1), 0.1);
  EXPECT_EQ(select->column_type(2), ColumnType::text);
  EXPECT_EQ(select->column_text(2), text_with_nul);
  EXPECT_EQ(select->column_text(2).size(), 4U);
  EXPECT_EQ(select->column_type(3), ColumnType::blob);
  const auto read_blob = select->column_blob(3);
  EXPECT_EQ(std::vector<std::byte>(read_blob.begin(), read_blob.end()),
            std::vector<std::byte>(blob.begin(), blob.end()));
  EXPECT_EQ(select->column_type(4), ColumnType::null);
  EXPECT_TRUE(select->column_is_null(4));
  EXPECT_EQ(select->column_int64(4), 0);
  EXPECT_EQ(select->column_text(4), "");

  ASSERT_EQ(select->step().value(), Step::row);
  EXPECT_EQ(select->column_int64(0), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(select->column_double(1), -2.5e300);
  // Empty is not NULL, for text and for blobs.
  EXPECT_EQ(select->column_type(2), ColumnType::text);
  EXPECT_EQ(select->column_text(2), "");
  EXPECT_EQ(select->column_type(3), ColumnType::blob);
  EXPECT_TRUE(select->column_blob(3).empty());
  EXPECT_EQ(select->column_text(4), "x");
  EXPECT_EQ(select->step().value(), Step::done);

  // reset() runs the query again from the first row.
  select->reset();
  ASSERT_EQ(select->step().value(), Step::row);
  EXPECT_EQ(select->column_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select->sql(), "SELECT i, r, s, b, n FROM t ORDER BY rowid");
}

TEST_F(DatabaseTest, TextWithNulMatchesExactly) {
  const std::string with_nul("k\0tail", 6);
  ASSERT_TRUE(db().prepare("INSERT INTO t (s) VALUES (?1)")->bind_text(1, with_nul).step());
  auto by_full = db().prepare("SELECT count(*) FROM t WHERE s = ?1");
  ASSERT_TRUE(by_full);
  ASSERT_EQ(by_full->bind_text(1, with_nul).step().value(), Step::row);
  EXPECT_EQ(by_full->column_int64(0), 1);
  by_full->reset();
  ASSERT_EQ(by_full->bind_text(1, "k").step().value(), Step::row);
  EXPECT_EQ(by_full->column_int64(0), 0);
  EXPECT_EQ(query_int(db(), "SELECT length(CAST(s AS BLOB)) FROM t"), 6);
  auto blob_view = db().prepare("SELECT CAST(s AS BLOB) FROM t");
  ASSERT_TRUE(blob_view && blob_view->step());
  const auto bytes = blob_view->column_blob(0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), with_nul);
  EXPECT_EQ(std::vector<std::byte>(bytes.begin(), bytes.end()),
            std::vector<std::byte>(bytes_of(with_nul).begin(), bytes_of(with_nul).end()));
}

TEST_F(DatabaseTest, BindErrorIsReportedByStepUntilReset) {
  auto insert = db().prepare("INSERT INTO t (i, s) VALUES (?1, ?2)");
  ASSERT_TRUE(insert);
  insert->bind_int64(1, 5).bind_text(3, "nowhere").bind_text(2, "fine");
  auto stepped = insert->step();
  ASSERT_FALSE(stepped);
  EXPECT_EQ(stepped.error().message,
            "bind parameter 3: column index out of range (SQLITE_RANGE, extended code 25)");
  EXPECT_FALSE(insert->step());  // still refused: the statement is not what the caller meant
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t"), 0);

  insert->reset();
  ASSERT_EQ(insert->step().value(), Step::done);  // bindings 1 and 2 kept across reset
  EXPECT_EQ(query_text(db(), "SELECT i || s FROM t"), "5fine");

  insert->clear_bindings();
  insert->reset();
  ASSERT_EQ(insert->step().value(), Step::done);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t WHERE i IS NULL AND s IS NULL"), 1);
}

TEST_F(DatabaseTest, ErrorsCarrySqliteMessageCodeAndKind) {
  auto bad = db().prepare("SELECT nope FROM t");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "cannot prepare \"SELECT nope FROM t\": no such column: nope (SQLITE_ERROR, extended code 1)");
  EXPECT_EQ(bad.error().kind, ErrorKind::permanent);

  auto exec_bad = db().exec("INSERT INTO missing VALUES (1)");
  ASSERT_FALSE(exec_bad);
  EXPECT_EQ(exec_bad.error().message, "no such table: missing (SQLITE_ERROR, extended code 1)");

  ASSERT_TRUE(db().exec("CREATE TABLE u (k TEXT PRIMARY KEY)"));
  ASSERT_TRUE(db().exec("INSERT INTO u VALUES ('a')"));
  auto duplicate = db().prepare("INSERT INTO u VALUES (?1)");
  ASSERT_TRUE(duplicate);
  auto stepped = duplicate->bind_text(1, "a").step();
  ASSERT_FALSE(stepped);
  EXPECT_EQ(stepped.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(stepped.error().message, "UNIQUE constraint failed: u.k (SQLITE_CONSTRAINT, extended code 1555)");
}

TEST_F(DatabaseTest, PrepareTakesExactlyOneStatement) {
  auto two = db().prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message, "cannot prepare \"SELECT 1; SELECT 2\": it holds more than one statement");
  EXPECT_TRUE(db().prepare("SELECT 1;  -- a comment\n  /* another */ "));
  auto none = db().prepare("  -- only a comment");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::invalid_input);
}

TEST_F(DatabaseTest, TransactionCommitsOnSuccess) {
  auto result = db().transaction([&]() -> Result<int> {
    EXPECT_TRUE(db().in_transaction());
    if (auto ran = db().exec("INSERT INTO t (i) VALUES (1), (2)"); !ran) return fail(ran.error());
    return 42;
  });
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 42);
  EXPECT_FALSE(db().in_transaction());
  EXPECT_EQ(query_int(db(), "SELECT sum(i) FROM t"), 3);
}

TEST_F(DatabaseTest, TransactionRollsBackWhenTheBodyFails) {
  auto result = db().transaction([&]() -> Result<void> {
    if (auto ran = db().exec("INSERT INTO t (i) VALUES (1)"); !ran) return ran;
    return db().exec("INSERT INTO nowhere VALUES (2)");
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "no such table: nowhere (SQLITE_ERROR, extended code 1)");
  EXPECT_FALSE(db().in_transaction());
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t"), 0);

  auto refused = db().transaction([&]() -> Result<void> {
    if (auto ran = db().exec("INSERT INTO t (i) VALUES (1)"); !ran) return ran;
    return fail(Error::invalid_input("changed my mind"));
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "changed my mind");
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t"), 0);
}

TEST_F(DatabaseTest, TransactionRollsBackAndRethrowsOnException) {
  EXPECT_THROW(std::ignore = db().transaction([&]() -> Result<void> {
    if (auto ran = db().exec("INSERT INTO t (i) VALUES (1)"); !ran) return ran;
    throw std::runtime_error("bug");
  }),
               std::runtime_error);
  EXPECT_FALSE(db().in_transaction());
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t"), 0);
}

TEST_F(DatabaseTest, TransactionsDoNotNest) {
  auto outer = db().transaction([&]() -> Result<void> {
    if (auto ran = db().exec("INSERT INTO t (i) VALUES (1)"); !ran) return ran;
    auto inner = db().transaction([]() -> Result<void> { return {}; });
    EXPECT_FALSE(inner);
    if (!inner) {
      EXPECT_EQ(inner.error().message, "cannot begin a transaction: one is already open on this connection");
    }
    EXPECT_TRUE(db().in_transaction());  // the failed inner one did not end the outer one
    return {};
  });
  ASSERT_TRUE(outer);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM t"), 1);
}

TEST(DatabaseOpenTest, ReportsTheFileItCannotOpen) {
  auto db = Database::open("/nonexistent-mmclaw-dir/x.db", OpenMode::read_write);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().message,
            "cannot open /nonexistent-mmclaw-dir/x.db: unable to open database file (SQLITE_CANTOPEN, "
            "extended code 14)");
}

TEST(DatabaseOpenTest, MovesOwnership) {
  Database a = Database::open(":memory:").value();
  ASSERT_TRUE(a.exec("CREATE TABLE x (v)"));
  Database b = std::move(a);
  EXPECT_EQ(a.native_handle(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is defined
  EXPECT_TRUE(b.exec("INSERT INTO x VALUES (1)"));
  a = std::move(b);
  EXPECT_EQ(query_int(a, "SELECT count(*) FROM x"), 1);
}

}  // namespace
}  // namespace mmclaw::store
