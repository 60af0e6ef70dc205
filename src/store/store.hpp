#pragma once
// What must survive a restart (ARCHITECTURE.md, rule 8). The interface says what the gateway needs,
// not how SQL spells it, so that a PostgreSQL implementation shared by several gateway replicas can
// stand beside the embedded SQLite one (PRODUCT.md, "When one machine is not enough").
//
// Thread-safety: a Store has one owner thread (the event loop, or a worker it hands the store to);
// it is not for concurrent use. Several processes may open the same store; each opens its own.

#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mmclaw::store {

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // "sqlite", later "postgres": for logs and `mmclaw status`.
  [[nodiscard]] virtual std::string_view backend() const noexcept = 0;
  // The schema version the store was migrated to when it was opened.
  [[nodiscard]] virtual int schema_version() const noexcept = 0;

  // Store metadata (installation id, last-seen versions, ...). Keys are non-empty; keys and values
  // are UTF-8 text without NUL bytes, because a PostgreSQL `text` cannot hold NUL.
  // get_meta: the value, or nullopt when the key was never set.
  [[nodiscard]] virtual Result<std::optional<std::string>> get_meta(std::string_view key) = 0;
  // Inserts or replaces; committed once it returns.
  [[nodiscard]] virtual Result<void> set_meta(std::string_view key, std::string_view value) = 0;

 protected:
  Store() = default;
};

}  // namespace mmclaw::store
