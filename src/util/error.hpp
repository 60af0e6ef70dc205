#pragma once
// Expected failures are values (ARCHITECTURE.md, rule 5): functions that can fail in
// ordinary operation return Result<T>; exceptions are kept for bugs and refusing to start.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace mmclaw {

enum class ErrorKind {
  transient,      // may succeed if retried (network, 5xx, timeouts)
  permanent,      // will not succeed if retried as is
  auth,           // credentials rejected (401, bad token); a 403 is a permission refusal: permanent
  rate_limited,   // 429 or an explicit pause
  invalid_input,  // the caller's input is wrong (bad config, bad argument)
  not_found,      // the thing asked for does not exist
};

std::string_view to_string(ErrorKind kind) noexcept;

struct Error {
  ErrorKind kind = ErrorKind::permanent;
  int status = 0;  // HTTP status when there is one, else 0
  std::string message;

  static Error invalid_input(std::string message) {
    return {ErrorKind::invalid_input, 0, std::move(message)};
  }
  static Error not_found(std::string message) { return {ErrorKind::not_found, 0, std::move(message)}; }
  static Error permanent(std::string message) { return {ErrorKind::permanent, 0, std::move(message)}; }
  static Error transient(std::string message) { return {ErrorKind::transient, 0, std::move(message)}; }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace mmclaw
