#pragma once
// Keeps secrets out of log lines and error text (ARCHITECTURE.md, rule 10). Known secret values are
// replaced wherever they occur; pattern rules catch credentials nobody registered (a bearer token
// in an echoed request, an API key in a URL). The surrounding text is kept byte-identical.

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::util {

// What every redacted value becomes.
inline constexpr std::string_view kRedacted = "***";

// Shorter secrets are ignored: they would redact ordinary words.
inline constexpr std::size_t kMinSecretLength = 6;

// Replaces every occurrence of each secret (overlapping or adjacent occurrences become one `***`),
// then applies redact_patterns().
std::string redact(std::string_view text, std::span<const std::string> secrets);

// Only the pattern rules, all with case-insensitive keys:
// - `Bearer <tok>` (always) and `Token <tok>` (when <tok> looks like a credential: 8+ characters
//   with a digit, or 20+ characters);
// - `Authorization: <scheme> <tok>` (the scheme is kept) or `Authorization: <tok>`, and header-style
//   `X-Api-Key:`, `Api-Key:`, `X-Auth-Token:` values;
// - `key=value` query/form parameters and `"key": "value"` JSON members (also JSON escaped inside a
//   JSON string) whose key is `token`, `password`, `secret`, `apikey`, `api_key`, `api-key` or ends
//   with one of them (`access_token`, `botToken`, `client_secret`, `apiKey`), or `authorization`;
// - `sk-` followed by 20+ of [A-Za-z0-9_-] (OpenAI and Anthropic keys), replaced whole.
std::string redact_patterns(std::string_view text);

// The process-wide set of known secret values (bot tokens, API keys, HMAC secrets), filled as the
// configuration resolves them. Thread-safe: add() copies the set and swaps it in, readers take a
// snapshot under a short lock and scan without holding it.
class SecretRegistry {
 public:
  using Snapshot = std::shared_ptr<const std::vector<std::string>>;

  SecretRegistry();

  // The instance every log line is redacted with. Never destroyed, so logging from static
  // destructors stays safe.
  static SecretRegistry& instance();

  // Values shorter than kMinSecretLength and values already known are ignored.
  void add(std::string secret);
  Snapshot snapshot() const;
  std::string redact(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  Snapshot secrets_;
};

}  // namespace mmclaw::util
