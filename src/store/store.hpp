#pragma once
// What must survive a restart (ARCHITECTURE.md, rule 8). The interface says what the gateway needs,
// not how SQL spells it, so that a PostgreSQL implementation shared by several gateway replicas can
// stand beside the embedded SQLite one (PRODUCT.md, "When one machine is not enough").
//
// Thread-safety: a Store has one owner thread (the event loop, or a worker it hands the store to);
// it is not for concurrent use. Several processes may open the same store; each opens its own.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mmclaw::store {

// Where an inbound post is on its way to exactly one answer (ARCHITECTURE.md, rule 9).
//   received   recorded, not yet handed to an agent (or handed back for one retry after a restart)
//   dispatched handed to an agent; the answer is not confirmed yet
//   answered   finished with a reply post
//   dead       finished without an answer: dropped by a filter or failed for good; `reason` says why
// answered and dead are final: the post is never dispatched again, whichever way it arrives.
enum class IngressState { received, dispatched, answered, dead };

[[nodiscard]] constexpr std::string_view to_string(IngressState state) noexcept {
  switch (state) {
    case IngressState::received: return "received";
    case IngressState::dispatched: return "dispatched";
    case IngressState::answered: return "answered";
    case IngressState::dead: return "dead";
  }
  return "unknown";
}

// One accepted `posted` event, by ids only: the message itself is not kept, so the store holds no
// conversation text here, and a post that must be dispatched again is fetched again by id.
// Ids are non-empty UTF-8 without NUL; times are unix milliseconds.
struct IngressRecord {
  std::string account_id;
  std::string post_id;
  std::string channel_id;
  std::string root_id;         // "" for a post that starts a thread
  std::int64_t create_at = 0;  // the post's, from the server
  std::int64_t update_at = 0;  // the post's, from the server; catch-up cursors are in these units
  // Kept by the store; admit_post ignores what the caller puts here.
  IngressState state = IngressState::received;
  int attempts = 0;           // how often the post was dispatched
  int restart_retries = 0;    // how often take_unfinished_after_restart handed it back (at most once)
  std::string reason;         // why it is dead; "" otherwise
  std::string reply_post_id;  // the answer, once answered
  std::int64_t recorded_at = 0;
  std::int64_t changed_at = 0;  // the last state change

  friend bool operator==(const IngressRecord&, const IngressRecord&) = default;
};

enum class AdmitOutcome {
  new_post,           // recorded now in state received: dispatch it
  duplicate_pending,  // already recorded and not finished: someone is on it, do not dispatch now
  duplicate_done,     // already answered or dead: never dispatch it again
};

[[nodiscard]] constexpr std::string_view to_string(AdmitOutcome outcome) noexcept {
  switch (outcome) {
    case AdmitOutcome::new_post: return "new_post";
    case AdmitOutcome::duplicate_pending: return "duplicate_pending";
    case AdmitOutcome::duplicate_done: return "duplicate_done";
  }
  return "unknown";
}

// Per channel, how far the posts recorded (or deliberately skipped) reach, in the server's
// `update_at` units, for `GET /channels/{id}/posts?since=`.
struct ChannelCursor {
  std::string channel_id;
  std::optional<std::int64_t> max_update_at;  // nullopt: swept, but nothing recorded yet
  std::optional<std::int64_t> last_sweep_at;  // local time of the last successful catch-up sweep
  std::int64_t changed_at = 0;

  friend bool operator==(const ChannelCursor&, const ChannelCursor&) = default;
};

// The reason take_unfinished_after_restart gives a post it will not hand out again.
inline constexpr std::string_view restart_retry_exhausted = "restart_retry_exhausted";

// ---- DM pairing (channel-behaviour.md §4.5) ----

// At most this many unexpired pairing requests per account; beyond that no code is issued.
inline constexpr int kMaxPendingPairings = 3;

// A sender waiting for the bot owner to approve them. One per (account, user).
struct PairingRequest {
  std::string account_id;
  std::string code;      // 8 characters of kPairingCodeAlphabet (gateway/pairing.hpp), upper case
  std::string user_id;   // the Mattermost user id of the sender
  std::string username;  // "" when unknown
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;  // unexpired while now < expires_at

  friend bool operator==(const PairingRequest&, const PairingRequest&) = default;
};

enum class PairingOutcome {
  created,        // a new request: tell the sender its code
  pending,        // the sender already has an unexpired request: say nothing again
  limit_reached,  // the account has kMaxPendingPairings unexpired requests: no code is issued
};

[[nodiscard]] constexpr std::string_view to_string(PairingOutcome outcome) noexcept {
  switch (outcome) {
    case PairingOutcome::created: return "created";
    case PairingOutcome::pending: return "pending";
    case PairingOutcome::limit_reached: return "limit_reached";
  }
  return "unknown";
}

struct PairingChallenge {
  PairingOutcome outcome = PairingOutcome::pending;
  std::optional<PairingRequest> request;  // the new or pending request; nullopt for limit_reached

  friend bool operator==(const PairingChallenge&, const PairingChallenge&) = default;
};

// A user approved through pairing. The gateway tells them by DM once (notified_at), since the
// approving CLI does not talk to Mattermost.
struct PairingApproval {
  std::string account_id;
  std::string user_id;
  std::string username;  // as the request had it; "" when unknown
  std::int64_t approved_at = 0;
  std::optional<std::int64_t> notified_at;  // nullopt until the user has been told

  friend bool operator==(const PairingApproval&, const PairingApproval&) = default;
};

// ---- Sessions and transcripts (PRODUCT.md "The agent runtime") ----
// One transcript per agent session key (gateway/routing: `agent:<id>:...`). The key alone
// identifies a session: it already holds what makes conversations distinct (agent, chat type,
// peer, thread, and the account when session.dmScope asks for it), and a DM session shared by
// several accounts (dmScope main) is meant to be one conversation. Keys are non-empty, no NUL.

enum class TranscriptRole { system, user, assistant, tool };

[[nodiscard]] constexpr std::string_view to_string(TranscriptRole role) noexcept {
  switch (role) {
    case TranscriptRole::system: return "system";
    case TranscriptRole::user: return "user";
    case TranscriptRole::assistant: return "assistant";
    case TranscriptRole::tool: return "tool";
  }
  return "unknown";
}

// A tool call of an assistant entry, as the model made it; `arguments` is JSON text, kept verbatim.
struct TranscriptToolCall {
  std::string id;
  std::string name;
  std::string arguments;

  friend bool operator==(const TranscriptToolCall&, const TranscriptToolCall&) = default;
};

// One message of a transcript. Plain data: agent/transcript converts it to and from ChatMessage.
// Text fields are UTF-8 without NUL (a PostgreSQL `text` cannot hold NUL); images are not kept.
struct TranscriptEntry {
  TranscriptRole role = TranscriptRole::user;
  std::string text;
  std::vector<TranscriptToolCall> tool_calls;  // assistant entries only; each needs a name
  std::string tool_call_id;                    // tool entries: the call this answers
  std::string tool_name;                       // tool entries: the tool's name
  std::string post_id;                         // the Mattermost post it came from or became; "" = none
  int approx_tokens = 0;                       // computed by the caller (agent::approx_tokens), >= 0
  // Kept by the store; append_transcript ignores what the caller puts here.
  std::int64_t seq = 0;         // 1, 2, 3, ... per session, never reused, not even after a reset
  std::int64_t created_at = 0;  // the now_ms of the append

  friend bool operator==(const TranscriptEntry&, const TranscriptEntry&) = default;
};

// A transcript as read, with the generation it belongs to: pass that generation to
// append_transcript so that what the turn adds cannot land in a transcript reset meanwhile.
struct Transcript {
  std::int64_t generation = 0;
  std::vector<TranscriptEntry> entries;  // oldest first (by seq)

  friend bool operator==(const Transcript&, const Transcript&) = default;
};

struct TranscriptStats {
  std::int64_t entries = 0;
  std::int64_t approx_tokens = 0;  // the sum over the entries
  std::int64_t generation = 0;     // 0 for a session never reset (or never seen); +1 per reset

  friend bool operator==(const TranscriptStats&, const TranscriptStats&) = default;
};

// The words session settings are spelled with, as the control commands take them.
inline constexpr std::string_view kThinkLevels[] = {"off", "low", "medium", "high"};
inline constexpr std::string_view kQueueModes[] = {"steer", "followup", "collect", "interrupt"};

// Per-session overrides set by control commands; nullopt = not set (the configured default
// applies). They belong to the session key, not to one transcript: /new and /reset keep them.
struct SessionSettings {
  std::optional<std::string> model;       // "provider/model": a provider, '/', a model id (may hold '/')
  std::optional<std::string> think;       // one of kThinkLevels (/think)
  std::optional<bool> reasoning;          // /reasoning on|off
  std::optional<bool> verbose;            // /verbose on|off
  std::optional<std::string> queue_mode;  // one of kQueueModes (/queue)

  friend bool operator==(const SessionSettings&, const SessionSettings&) = default;
};

// ---- Callback turns and slash commands (issue 9) ----

// A turn that entered through the gateway's HTTP callbacks rather than as a post: a button click
// (kind "click") or a native slash command (kind "slash"). It is recorded with its ingress row (the
// id of a callback turn is its ingress post id, e.g. `interaction:<postId>:<actionId>`), so it is
// dispatched once and handed back after a restart like a post; `payload` is what the turn needs to
// be run again (JSON text written and read by the gateway, UTF-8 without NUL, at most 64 KiB).
struct CallbackTurn {
  std::string account_id;
  std::string id;
  std::string kind;     // "click" or "slash"
  std::string payload;  // JSON text
  std::int64_t created_at = 0;  // kept by the store: the now_ms of the first record

  friend bool operator==(const CallbackTurn&, const CallbackTurn&) = default;
};

// A slash command the account registered in one team (channel-behaviour §9.2): what the callback
// checks a request against. `created` = this gateway created it (POST /commands) and deletes it when
// the account stops; reused commands are left in place.
struct SlashRegistration {
  std::string account_id;
  std::string team_id;
  std::string command_id;
  std::string trigger;  // without `/`
  std::string token;    // secret: never logged
  std::string url;
  bool created = false;
  std::int64_t registered_at = 0;

  friend bool operator==(const SlashRegistration&, const SlashRegistration&) = default;
};

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

  // ---- Durable ingress (channel-behaviour.md §3.6) ----
  // Posts are keyed by (account_id, post_id): the same post id arriving live, by WebSocket replay, by
  // REST catch-up or after a restart is one row, so it is dispatched once. Every call is one
  // transaction, committed when it returns. Invalid ids or times are invalid_input; a post that was
  // never admitted is not_found; a state change the post is not in a state for is invalid_input.

  // Records the post in state received before it is dispatched, or says why not to dispatch it.
  // The post's ids and times are kept from the first admission; later ones change nothing.
  [[nodiscard]] virtual Result<AdmitOutcome> admit_post(const IngressRecord& post, std::int64_t now_ms) = 0;
  // received -> dispatched, attempts + 1. False (and nothing changes) when the post is in another
  // state, so of two paths racing to dispatch one post only one wins.
  [[nodiscard]] virtual Result<bool> mark_dispatched(std::string_view account_id, std::string_view post_id,
                                                     std::int64_t now_ms) = 0;
  // dispatched -> answered, keeping the reply's post id (non-empty).
  [[nodiscard]] virtual Result<void> mark_answered(std::string_view account_id, std::string_view post_id,
                                                   std::string_view reply_post_id, std::int64_t now_ms) = 0;
  // received or dispatched -> dead with a non-empty reason code (the one the drop is logged with).
  [[nodiscard]] virtual Result<void> mark_dead(std::string_view account_id, std::string_view post_id,
                                               std::string_view reason, std::int64_t now_ms) = 0;
  // The post as recorded, or nullopt.
  [[nodiscard]] virtual Result<std::optional<IngressRecord>> ingress_post(std::string_view account_id,
                                                                          std::string_view post_id) = 0;

  // Called once per account when the gateway starts, before it dispatches anything. Unfinished posts
  // (received or dispatched) that were never handed back before are set to received, counted, and
  // returned oldest first (by create_at, then post id) to be dispatched once more; those with
  // attempts > 0 may have been answered already, so the caller looks for a reply tagged with the
  // post before answering. Unfinished posts handed back before become dead with reason
  // restart_retry_exhausted, so a crash loop answers no post twice and none forever.
  [[nodiscard]] virtual Result<std::vector<IngressRecord>> take_unfinished_after_restart(
      std::string_view account_id, std::int64_t now_ms) = 0;

  // The catch-up cursor: the largest update_at passed to advance_cursor, or nullopt.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> channel_cursor(std::string_view account_id,
                                                                           std::string_view channel_id) = 0;
  // Moves the cursor to update_at if that is further; never backwards. Call it only for posts
  // admit_post has recorded (or that were inspected and deliberately not recorded), after the
  // admission committed: a cursor ahead of what is recorded would skip posts after a crash.
  // True when it moved.
  [[nodiscard]] virtual Result<bool> advance_cursor(std::string_view account_id, std::string_view channel_id,
                                                    std::int64_t update_at, std::int64_t now_ms) = 0;
  // Remembers that a catch-up sweep of the channel finished at now_ms (never moves backwards).
  [[nodiscard]] virtual Result<void> record_sweep(std::string_view account_id, std::string_view channel_id,
                                                  std::int64_t now_ms) = 0;
  // Every cursor of the account, by channel id.
  [[nodiscard]] virtual Result<std::vector<ChannelCursor>> cursors(std::string_view account_id) = 0;

  // Housekeeping: deletes at most max_rows answered or dead posts (all accounts) whose last change
  // is older than finished_before_ms, and returns how many. Unfinished posts are never deleted. A
  // deleted post id would be admitted as new again, so the bound must lie further back than
  // catch-up reaches (catchUp.maxAgeMinutes). Small batches keep each transaction short.
  [[nodiscard]] virtual Result<std::int64_t> prune_ingress(std::int64_t finished_before_ms,
                                                           std::int64_t max_rows) = 0;

  // ---- DM pairing (channel-behaviour.md §4.5) ----
  // Several processes share these rows (the CLI approves while the gateway runs), so every call is
  // one transaction, committed when it returns. Ids are non-empty, without NUL; times are unix
  // milliseconds, not negative. A request is unexpired while now_ms < expires_at. Codes are unique
  // among unexpired requests of all accounts, so `mmclaw pairing approve CODE` needs no account.

  // One pending request per (account, user). An unexpired one -> pending (returned, unchanged).
  // Otherwise, when the account already has kMaxPendingPairings unexpired requests -> limit_reached
  // (no request). Otherwise a new request with a code from make_code (trimmed and upper-cased;
  // called again, at most 8 times in all, while the code is used by an unexpired request of any
  // account, then a permanent error), expires_at = now_ms + ttl_ms -> created. Expired requests of
  // every account are deleted on the way. An exception from make_code rolls back and propagates.
  [[nodiscard]] virtual Result<PairingChallenge> request_pairing(
      std::string_view account_id, std::string_view user_id, std::string_view username,
      const std::function<std::string()>& make_code, std::int64_t now_ms, std::int64_t ttl_ms) = 0;
  // Unexpired requests, oldest first (created_at, then account and user id); account_id nullopt =
  // every account.
  [[nodiscard]] virtual Result<std::vector<PairingRequest>> pairing_requests(
      std::optional<std::string_view> account_id, std::int64_t now_ms) = 0;
  // The code is compared case-insensitively (trimmed, upper-cased; empty is invalid_input). The
  // unexpired request with the code is deleted and its user added to the account's approvals
  // (notified_at unset, so the gateway tells them) in one transaction; returns the request, or
  // nullopt when no unexpired request has the code. account_id set = only that account's requests.
  [[nodiscard]] virtual Result<std::optional<PairingRequest>> approve_pairing(
      std::string_view code, std::optional<std::string_view> account_id, std::int64_t now_ms) = 0;
  // As approve_pairing, but the request is only deleted: the user may ask again.
  [[nodiscard]] virtual Result<std::optional<PairingRequest>> deny_pairing(
      std::string_view code, std::optional<std::string_view> account_id, std::int64_t now_ms) = 0;
  // Approved user ids of the account, in approval order.
  [[nodiscard]] virtual Result<std::vector<std::string>> approved_senders(std::string_view account_id) = 0;
  // Approvals of the account whose user has not been told yet (notified_at unset), oldest first.
  [[nodiscard]] virtual Result<std::vector<PairingApproval>> pending_approval_notices(
      std::string_view account_id) = 0;
  // Records that the user was told. Marking one already told keeps the first time; a user who was
  // never approved is not_found.
  [[nodiscard]] virtual Result<void> mark_approval_notified(std::string_view account_id,
                                                            std::string_view user_id,
                                                            std::int64_t now_ms) = 0;

  // ---- Thread participation (channel-behaviour.md §4.6, implicit mention) ----

  // The bot posted a visible reply in thread `root_id` of the account. Upsert keeps the latest time.
  [[nodiscard]] virtual Result<void> record_thread_participation(std::string_view account_id,
                                                                 std::string_view root_id,
                                                                 std::int64_t now_ms) = 0;
  // True when participation was recorded at or after since_ms.
  [[nodiscard]] virtual Result<bool> thread_participated(std::string_view account_id,
                                                         std::string_view root_id, std::int64_t since_ms) = 0;
  // Housekeeping: deletes at most max_rows (> 0) participation rows (all accounts) last recorded
  // before before_ms, oldest first, and returns how many.
  [[nodiscard]] virtual Result<std::int64_t> prune_thread_participation(std::int64_t before_ms,
                                                                        std::int64_t max_rows) = 0;

  // ---- Sessions and transcripts ----
  // Every call is one transaction, committed when it returns. Session keys are non-empty without
  // NUL; times are unix milliseconds, not negative. A session's last activity (an append, a reset,
  // a settings change) is what prune_transcripts measures idleness by.

  // Appends `entries` in order, all or none, as seq next, next + 1, ..., each created_at = now_ms.
  // `generation` is the one read with transcript() or transcript_stats() when the turn began; when
  // the session has been reset since, the call is not_found ("... was reset ...") and nothing is
  // appended, so a turn that outlived a /new cannot leak into the fresh transcript. An entry that
  // breaks the rules of TranscriptEntry is invalid_input, naming its index. No entries: checks the
  // generation and writes nothing.
  [[nodiscard]] virtual Result<void> append_transcript(std::string_view session_key, std::int64_t generation,
                                                       const std::vector<TranscriptEntry>& entries,
                                                       std::int64_t now_ms) = 0;
  // The newest max_entries (> 0; nullopt = all) entries, oldest first, and the generation, read
  // together. An unknown session is generation 0 with no entries.
  [[nodiscard]] virtual Result<Transcript> transcript(std::string_view session_key,
                                                      std::optional<std::int64_t> max_entries) = 0;
  // /new and /reset: deletes the session's entries and moves it to the next generation, which it
  // returns. Settings stay. Resetting an unknown session creates it at generation 1.
  [[nodiscard]] virtual Result<std::int64_t> reset_transcript(std::string_view session_key,
                                                              std::int64_t now_ms) = 0;
  // Entries, their summed approx_tokens and the generation; all 0 for an unknown session.
  [[nodiscard]] virtual Result<TranscriptStats> transcript_stats(std::string_view session_key) = 0;

  // The session's settings; all nullopt for an unknown session.
  [[nodiscard]] virtual Result<SessionSettings> session_settings(std::string_view session_key) = 0;
  // Replaces all of the session's settings (read, change one, write back; nullopt clears one).
  // A value outside its documented set is invalid_input.
  [[nodiscard]] virtual Result<void> set_session_settings(std::string_view session_key,
                                                          const SessionSettings& settings,
                                                          std::int64_t now_ms) = 0;

  // Housekeeping: deletes at most max_rows (> 0) transcript entries of sessions whose last
  // activity is before older_than_ms (oldest sessions first, oldest entries first), then at most
  // max_rows such sessions left with no entries and no settings; returns the rows deleted (entries
  // plus sessions), so calling it until it returns 0 drains. Sessions with settings keep their row,
  // and with it their generation. The bound must lie much further back than any turn lasts: a
  // deleted session starts again at generation 0.
  [[nodiscard]] virtual Result<std::int64_t> prune_transcripts(std::int64_t older_than_ms,
                                                               std::int64_t max_rows) = 0;

  // ---- Callback turns (issue 9) ----
  // One transaction: admits `ingress` (as admit_post does; its post_id must equal turn.id and its
  // account the turn's) and, when it is new, keeps the turn. The outcome is admit_post's: a turn
  // recorded before is a duplicate and its payload stays the first one. A kind other than "click"
  // or "slash", or a payload that is not valid UTF-8 text without NUL of at most 64 KiB, is
  // invalid_input.
  [[nodiscard]] virtual Result<AdmitOutcome> record_callback_turn(const CallbackTurn& turn,
                                                                  const IngressRecord& ingress,
                                                                  std::int64_t now_ms) = 0;
  // The turn as recorded, or nullopt. prune_ingress deletes a turn together with its ingress row.
  [[nodiscard]] virtual Result<std::optional<CallbackTurn>> callback_turn(std::string_view account_id,
                                                                          std::string_view id) = 0;

  // ---- Slash command registrations (channel-behaviour §9.2) ----
  // Replaces every registration of the account with `registrations` (each of that account; team,
  // command id, trigger, token and url non-empty), in one transaction; registered_at = now_ms.
  [[nodiscard]] virtual Result<void> replace_slash_registrations(std::string_view account_id,
                                                                 const std::vector<SlashRegistration>& registrations,
                                                                 std::int64_t now_ms) = 0;
  // The account's registrations, by team id then trigger.
  [[nodiscard]] virtual Result<std::vector<SlashRegistration>> slash_registrations(std::string_view account_id) = 0;

 protected:
  Store() = default;
};

}  // namespace mmclaw::store
