#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

namespace mmclaw::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view memory_path = ":memory:";

// Every store error names the store, so a log line says which file to look at.
std::unexpected<Error> fail_at(const fs::path& path, Error error) {
  error.message = "store " + path.string() + ": " + error.message;
  return fail(std::move(error));
}

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

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

}  // namespace mmclaw::store
