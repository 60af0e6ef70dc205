#pragma once
// The embedded default Store: one SQLite file in WAL mode. Commits survive a crash of the process;
// with synchronous=NORMAL the last few may be lost (never half-applied) if the machine loses power,
// the price of commits cheap enough to make on the event loop.
//
// Thread-safety: as Store, one owner thread. Other processes (the CLI) may open the same file;
// WAL lets them read while the gateway writes, and busy_timeout bounds how long a writer waits.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace mmclaw::store {

struct SqliteOptions {
  std::chrono::milliseconds busy_timeout{5000};
  std::span<const Migration> migrations = all_migrations();  // tests inject their own lists
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the store at `path` (":memory:" for a private in-memory one) and migrates it.
  // A missing parent directory is created with mode 0700 and a new file with mode 0600. Every error
  // names the path: a directory, an uncreatable parent, a file that is not a SQLite database, a
  // read-only file, a schema newer than this mmclaw, a failed migration.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path,
                                                                 const SqliteOptions& options = {});

  [[nodiscard]] std::string_view backend() const noexcept override { return "sqlite"; }
  [[nodiscard]] int schema_version() const noexcept override { return schema_version_; }
  [[nodiscard]] Result<std::optional<std::string>> get_meta(std::string_view key) override;
  [[nodiscard]] Result<void> set_meta(std::string_view key, std::string_view value) override;

  [[nodiscard]] Result<AdmitOutcome> admit_post(const IngressRecord& post, std::int64_t now_ms) override;
  [[nodiscard]] Result<bool> mark_dispatched(std::string_view account_id, std::string_view post_id,
                                             std::int64_t now_ms) override;
  [[nodiscard]] Result<void> mark_answered(std::string_view account_id, std::string_view post_id,
                                           std::string_view reply_post_id, std::int64_t now_ms) override;
  [[nodiscard]] Result<void> mark_dead(std::string_view account_id, std::string_view post_id,
                                       std::string_view reason, std::int64_t now_ms) override;
  [[nodiscard]] Result<std::optional<IngressRecord>> ingress_post(std::string_view account_id,
                                                                  std::string_view post_id) override;
  [[nodiscard]] Result<std::vector<IngressRecord>> take_unfinished_after_restart(
      std::string_view account_id, std::int64_t now_ms) override;
  [[nodiscard]] Result<std::optional<std::int64_t>> channel_cursor(std::string_view account_id,
                                                                   std::string_view channel_id) override;
  [[nodiscard]] Result<bool> advance_cursor(std::string_view account_id, std::string_view channel_id,
                                            std::int64_t update_at, std::int64_t now_ms) override;
  [[nodiscard]] Result<void> record_sweep(std::string_view account_id, std::string_view channel_id,
                                          std::int64_t now_ms) override;
  [[nodiscard]] Result<std::vector<ChannelCursor>> cursors(std::string_view account_id) override;
  [[nodiscard]] Result<std::int64_t> prune_ingress(std::int64_t finished_before_ms,
                                                   std::int64_t max_rows) override;

  [[nodiscard]] Result<PairingChallenge> request_pairing(std::string_view account_id,
                                                         std::string_view user_id, std::string_view username,
                                                         const std::function<std::string()>& make_code,
                                                         std::int64_t now_ms, std::int64_t ttl_ms) override;
  [[nodiscard]] Result<std::vector<PairingRequest>> pairing_requests(
      std::optional<std::string_view> account_id, std::int64_t now_ms) override;
  [[nodiscard]] Result<std::optional<PairingRequest>> approve_pairing(
      std::string_view code, std::optional<std::string_view> account_id, std::int64_t now_ms) override;
  [[nodiscard]] Result<std::optional<PairingRequest>> deny_pairing(std::string_view code,
                                                                   std::optional<std::string_view> account_id,
                                                                   std::int64_t now_ms) override;
  [[nodiscard]] Result<std::vector<std::string>> approved_senders(std::string_view account_id) override;
  [[nodiscard]] Result<std::vector<PairingApproval>> pending_approval_notices(
      std::string_view account_id) override;
  [[nodiscard]] Result<void> mark_approval_notified(std::string_view account_id, std::string_view user_id,
                                                    std::int64_t now_ms) override;
  [[nodiscard]] Result<void> record_thread_participation(std::string_view account_id,
                                                         std::string_view root_id,
                                                         std::int64_t now_ms) override;
  [[nodiscard]] Result<bool> thread_participated(std::string_view account_id, std::string_view root_id,
                                                 std::int64_t since_ms) override;
  [[nodiscard]] Result<std::int64_t> prune_thread_participation(std::int64_t before_ms,
                                                                std::int64_t max_rows) override;

  [[nodiscard]] Result<void> append_transcript(std::string_view session_key, std::int64_t generation,
                                               const std::vector<TranscriptEntry>& entries,
                                               std::int64_t now_ms) override;
  [[nodiscard]] Result<Transcript> transcript(std::string_view session_key,
                                              std::optional<std::int64_t> max_entries) override;
  [[nodiscard]] Result<std::int64_t> reset_transcript(std::string_view session_key,
                                                      std::int64_t now_ms) override;
  [[nodiscard]] Result<TranscriptStats> transcript_stats(std::string_view session_key) override;
  [[nodiscard]] Result<SessionSettings> session_settings(std::string_view session_key) override;
  [[nodiscard]] Result<void> set_session_settings(std::string_view session_key,
                                                  const SessionSettings& settings,
                                                  std::int64_t now_ms) override;
  [[nodiscard]] Result<std::int64_t> prune_transcripts(std::int64_t older_than_ms,
                                                       std::int64_t max_rows) override;

  [[nodiscard]] Result<AdmitOutcome> record_callback_turn(const CallbackTurn& turn,
                                                          const IngressRecord& ingress,
                                                          std::int64_t now_ms) override;
  [[nodiscard]] Result<std::optional<CallbackTurn>> callback_turn(std::string_view account_id,
                                                                  std::string_view id) override;
  [[nodiscard]] Result<void> replace_slash_registrations(std::string_view account_id,
                                                         const std::vector<SlashRegistration>& registrations,
                                                         std::int64_t now_ms) override;
  [[nodiscard]] Result<std::vector<SlashRegistration>> slash_registrations(
      std::string_view account_id) override;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // The connection, for store code in this folder and for tests; the gateway goes through Store.
  [[nodiscard]] Database& database() noexcept { return db_; }

 private:
  SqliteStore(std::filesystem::path path, Database db, int schema_version);
  // Moves a post from one of `from` (state names) to a final state; the error says what it was in.
  [[nodiscard]] Result<void> finish_post(std::string_view account_id, std::string_view post_id,
                                         IngressState to, std::string_view from_sql, std::string_view reason,
                                         std::string_view reply_post_id, std::int64_t now_ms);
  // Takes the unexpired request with `code` (already checked) out of the store, approving its user
  // when `approve`; one transaction.
  [[nodiscard]] Result<std::optional<PairingRequest>> settle_pairing(
      std::string_view code, std::optional<std::string_view> account_id, std::int64_t now_ms, bool approve);

  std::filesystem::path path_;
  Database db_;
  int schema_version_ = 0;
};

}  // namespace mmclaw::store
