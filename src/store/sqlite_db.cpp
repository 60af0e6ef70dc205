#include "store/sqlite_db.hpp"

#include <sqlite3.h>

#include <cctype>
#include <string>

namespace mmclaw::store {
namespace {

std::string_view primary_code_name(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND: return "SQLITE_NOTFOUND";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_NOLFS: return "SQLITE_NOLFS";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_UNKNOWN";
  }
}

ErrorKind kind_for(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::transient;
    case SQLITE_CONSTRAINT: return ErrorKind::invalid_input;
    default: return ErrorKind::permanent;
  }
}

// sqlite3_errmsg describes the connection's most recent error, which is not always `rc` (a bind
// error, or a connection that failed to open), so fall back to the generic text for the code.
Error sqlite_error(sqlite3* db, int rc, std::string_view context = {}) {
  std::string message(context);
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  message += " (";
  message += primary_code_name(rc);
  message += ", extended code ";
  message += std::to_string(rc);
  message += ")";
  return Error{kind_for(rc), 0, std::move(message)};
}

// Enough of the SQL to recognise the statement in an error, on one line.
std::string sql_excerpt(std::string_view sql) {
  constexpr std::size_t max_chars = 120;
  std::string out;
  for (char c : sql) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

// ---- Statement ----

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(std::move(other.bind_error_)) {
  other.bind_error_.reset();
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::move(other.bind_error_);
    other.bind_error_.reset();
  }
  return *this;
}

void Statement::keep_bind_error(int rc, int index) {
  if (rc == SQLITE_OK || bind_error_) return;
  bind_error_ = sqlite_error(sqlite3_db_handle(stmt_), rc, "bind parameter " + std::to_string(index) + ": ");
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
  keep_bind_error(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  keep_bind_error(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  // A null data pointer would bind NULL; an empty string_view may well have one.
  const char* data = value.data() != nullptr ? value.data() : "";
  keep_bind_error(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
                  index);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::byte> value) {
  // sqlite3_bind_blob64 with no bytes may bind NULL; a zero-length zeroblob is an empty blob.
  const int rc = value.empty()
                     ? sqlite3_bind_zeroblob(stmt_, index, 0)
                     : sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  keep_bind_error(rc, index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  keep_bind_error(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Result<Step> Statement::step() {
  // Stepping with a parameter that failed to bind would run the statement with NULL in its place.
  if (bind_error_) return fail(*bind_error_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return Step::row;
  if (rc == SQLITE_DONE) return Step::done;
  return fail(sqlite_error(sqlite3_db_handle(stmt_), rc));
}

void Statement::reset() noexcept {
  // sqlite3_reset repeats the last step's error, which step() already reported.
  sqlite3_reset(stmt_);
  bind_error_.reset();
}

void Statement::clear_bindings() noexcept {
  sqlite3_clear_bindings(stmt_);
  bind_error_.reset();
}

int Statement::column_count() const noexcept { return sqlite3_column_count(stmt_); }

ColumnType Statement::column_type(int index) const noexcept {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER: return ColumnType::integer;
    case SQLITE_FLOAT: return ColumnType::real;
    case SQLITE_TEXT: return ColumnType::text;
    case SQLITE_BLOB: return ColumnType::blob;
    default: return ColumnType::null;
  }
}

bool Statement::column_is_null(int index) const noexcept {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const noexcept { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const noexcept { return sqlite3_column_double(stmt_, index); }

std::string_view Statement::column_text(int index) const noexcept {
  // The pointer first, then the size: asking for the text may convert the value, which changes it.
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::span<const std::byte> Statement::column_blob(int index) const noexcept {
  const void* blob = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (blob == nullptr) return {};
  return {static_cast<const std::byte*>(blob), static_cast<std::size_t>(size)};
}

std::string_view Statement::sql() const noexcept {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// ---- Database ----

Result<Database> Database::open(const std::string& path, OpenMode mode) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  switch (mode) {
    case OpenMode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case OpenMode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case OpenMode::read_only: flags |= SQLITE_OPEN_READONLY; break;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(db, rc, "cannot open " + path + ": ");
    sqlite3_close_v2(db);  // sqlite hands back a handle even when open fails
    return fail(std::move(error));
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db);
}

Database::~Database() { sqlite3_close_v2(db_); }

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<void> Database::exec(std::string_view sql) {
  const std::string terminated(sql);  // sqlite3_exec wants a NUL-terminated string
  const int rc = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  if (rc != SQLITE_OK) {
    return fail(sqlite_error(db_, rc, "cannot prepare \"" + sql_excerpt(sql) + "\": "));
  }
  if (raw == nullptr) {
    return fail(Error::invalid_input("cannot prepare \"" + sql_excerpt(sql) + "\": no SQL statement"));
  }
  Statement statement(raw);

  // Whitespace and comments after the statement compile to nothing; anything else is a second statement.
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (!sql_excerpt(rest).empty()) {
    sqlite3_stmt* second = nullptr;
    const int rest_rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &second, nullptr);
    sqlite3_finalize(second);
    if (rest_rc != SQLITE_OK || second != nullptr) {
      return fail(Error::invalid_input("cannot prepare \"" + sql_excerpt(sql) +
                                       "\": it holds more than one statement"));
    }
  }
  return statement;
}

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

bool Database::read_only() const noexcept { return sqlite3_db_readonly(db_, "main") == 1; }

std::int64_t Database::changes() const noexcept { return sqlite3_changes64(db_); }

std::int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

Result<void> Database::begin_immediate() {
  if (in_transaction()) {
    return fail(Error::permanent("cannot begin a transaction: one is already open on this connection"));
  }
  return exec("BEGIN IMMEDIATE");
}

Result<void> Database::commit() {
  if (auto committed = exec("COMMIT"); !committed) {
    rollback();
    return committed;
  }
  return {};
}

void Database::rollback() noexcept {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) make sqlite roll back on its own; a second
  // ROLLBACK would only fail with "no transaction is active".
  if (!in_transaction()) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace mmclaw::store
