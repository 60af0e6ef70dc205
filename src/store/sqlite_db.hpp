#pragma once
// A thin RAII layer over the sqlite3 C API, the one place that speaks it; <sqlite3.h> stays in
// sqlite_db.cpp. Failures become mmclaw::Error whose message carries sqlite's own message and its
// extended result code. Kinds: SQLITE_BUSY and SQLITE_LOCKED (another connection kept the lock past
// busy_timeout) are transient, constraint violations are invalid_input, everything else is permanent.
//
// Thread-safety: connections are opened with SQLITE_OPEN_NOMUTEX, so a Database and its Statements
// belong to one thread at a time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "util/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mmclaw::store {

enum class Step { row, done };
enum class ColumnType { integer, real, text, blob, null };
enum class OpenMode { read_write_create, read_write, read_only };

// One prepared statement. Move-only; finalized on destruction. Must not outlive its Database in use
// (sqlite3_close_v2 keeps the connection alive until the last statement is finalized, so destruction
// order is safe, but stepping after the Database is gone is not).
class Statement {
 public:
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as `?1` in SQL. Values are copied, so the arguments may die at once.
  // Binders chain; the first failure is kept and returned by step() until reset(), so a run of binds
  // needs one check: `st.bind_text(1, key).bind_int64(2, now); auto r = st.step();`
  Statement& bind_int64(int index, std::int64_t value);
  Statement& bind_double(int index, double value);
  Statement& bind_text(int index, std::string_view value);  // may hold NUL bytes; "" stays "", not NULL
  Statement& bind_blob(int index, std::span<const std::byte> value);  // empty stays an empty blob
  Statement& bind_null(int index);

  [[nodiscard]] Result<Step> step();
  // Ready to run again from the start. Bindings stay (sqlite's rule); a pending bind error is dropped.
  void reset() noexcept;
  void clear_bindings() noexcept;  // every parameter back to NULL; also drops a pending bind error

  // The current row's columns, 0-based. NULL reads as 0 / empty. Views stay valid until the next
  // step(), reset() or destruction; copy what must live longer.
  [[nodiscard]] int column_count() const noexcept;
  [[nodiscard]] ColumnType column_type(int index) const noexcept;
  [[nodiscard]] bool column_is_null(int index) const noexcept;
  [[nodiscard]] std::int64_t column_int64(int index) const noexcept;
  [[nodiscard]] double column_double(int index) const noexcept;
  [[nodiscard]] std::string_view column_text(int index) const noexcept;
  [[nodiscard]] std::span<const std::byte> column_blob(int index) const noexcept;

  [[nodiscard]] std::string_view sql() const noexcept;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  void keep_bind_error(int rc, int index);

  sqlite3_stmt* stmt_ = nullptr;
  std::optional<Error> bind_error_;
};

// One connection. Move-only; closed on destruction.
class Database {
 public:
  // Opens with SQLITE_OPEN_NOMUTEX and extended result codes. ":memory:" is a private in-memory
  // database. sqlite reads lazily, so a file that is not a database fails at its first statement.
  [[nodiscard]] static Result<Database> open(const std::string& path,
                                             OpenMode mode = OpenMode::read_write_create);

  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more `;`-separated statements, discarding any rows.
  [[nodiscard]] Result<void> exec(std::string_view sql);
  // Compiles exactly one statement; more than one is an error rather than silently ignoring the rest.
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);

  // Runs `body` (returning Result<T>) between BEGIN IMMEDIATE and COMMIT, and rolls back when it
  // returns an error, throws, or COMMIT fails. IMMEDIATE takes the write lock up front, where
  // busy_timeout waits for it, instead of failing with SQLITE_BUSY when a read upgrades mid-way.
  // Not nestable: starting one inside another is an error.
  template <class F>
  auto transaction(F&& body) -> std::invoke_result_t<F&>;

  [[nodiscard]] bool in_transaction() const noexcept;
  // True when sqlite could open the main database only for reading (permissions, read-only mount).
  [[nodiscard]] bool read_only() const noexcept;
  [[nodiscard]] std::int64_t changes() const noexcept;  // rows changed by the last INSERT/UPDATE/DELETE
  [[nodiscard]] std::int64_t last_insert_rowid() const noexcept;
  [[nodiscard]] sqlite3* native_handle() const noexcept { return db_; }

 private:
  explicit Database(sqlite3* db) noexcept : db_(db) {}
  [[nodiscard]] Result<void> begin_immediate();
  [[nodiscard]] Result<void> commit();  // rolls back if COMMIT fails
  void rollback() noexcept;

  sqlite3* db_ = nullptr;
};

template <class F>
auto Database::transaction(F&& body) -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  static_assert(std::is_same_v<typename R::error_type, Error>, "a transaction body returns Result<T>");
  if (auto begun = begin_immediate(); !begun) return std::unexpected<Error>(std::move(begun.error()));
  try {
    R result = body();
    if (!result) {
      rollback();
      return result;
    }
    if (auto committed = commit(); !committed) return std::unexpected<Error>(std::move(committed.error()));
    return result;
  } catch (...) {
    rollback();
    throw;
  }
}

}  // namespace mmclaw::store
