#pragma once
// How one turn's answer appears in Mattermost (channel-behaviour §6, §5.3, §5.6): a pure state
// machine, "event in, actions out", time passed in. The agent's typed deltas go in (on_delta),
// each final reply of the turn goes in (deliver), and the shell asks for the next Mattermost action
// (next), runs it, and reports how it went (done). Exactly one action is out at a time, so edits
// that pile up while one is in flight (a 429 pause, a slow server) coalesce into one, and the
// newest text always wins.
//
// Modes (`streaming.mode`):
//   partial  one draft post edited in place with the answer so far (`Thinking…` while only
//            reasoning streams; tool lines when `preview.toolProgress`), finalised in place.
//   block    like partial, but each switch of activity (text, tool, reasoning, a new assistant
//            message) seals the current post: its text is finalised and the next update opens a
//            new post. A final reply then sends only what was not yet published. A sealed block is
//            always edited once more with final=true (so the shell tags it as part of the answer);
//            a block that showed only `Thinking…` is not sealed: the next block takes its post over.
//   progress one status post: the label and up to `progress.maxLines` compact lines (reasoning
//            snippets, tool lines when `progress.toolProgress`), never answer text.
//   off      no preview: finals are posted as new posts.
//
// Rules every mode keeps:
//   - Preview updates: trimmed; blank, identical, or (partial) shorter-prefix texts are not sent;
//     longer than `preview_max_chars` → cut to (max − 3) characters + "..."; the first update is
//     sent at once, later ones no sooner than `throttle` after the previous one was sent.
//   - A preview create or edit that fails stops the preview (no further updates); the answer still
//     arrives as new posts. A create whose receipt was lost is terminal for the preview too.
//   - Finalisation: a final that is one chunk, not an error, without media or buttons, and whose
//     preview is live → the preview is edited in place with the final text (pending updates
//     dropped). Otherwise the final's chunks are created as new posts, then a live preview is
//     deleted. A final that is a shorter prefix of the last preview text is sent as new posts.
//   - An in-place edit that fails (the preview was deleted mid-stream, say) → the final is posted
//     fresh, then the preview is deleted (best effort).
//   - Error finals are never merged into a preview: posted as new posts, then a live preview is
//     deleted; a post already finalised by an earlier final of the turn is never deleted or
//     edited again.
//   - Reasoning finals are suppressed entirely (no post, no edit, no delete).
//   - A final action that failed for a reason a retry can fix stays at the head: next() returns it
//     again (the shell waits between attempts).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model_types.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::gateway {

using StreamClock = std::chrono::milliseconds;  // a monotonic time, passed in

struct ReplyStreamOptions {
  config::StreamingMode mode = config::StreamingMode::partial;
  std::chrono::milliseconds throttle{1200};  // clamped to at least 250 ms
  // The turn's first draft waits this long after the first delta: an answer complete by then is
  // posted once, without a draft and its edit.
  std::chrono::milliseconds first_preview_delay{0};
  std::size_t preview_max_chars = 4000;      // characters (UTF-8 code points), never bytes
  bool preview_tool_progress = true;         // partial and block: tool lines in the preview
  std::optional<std::string> progress_label = "Working";  // resolved by the caller; nullopt: no label
  std::size_t progress_max_lines = 8;
  std::size_t progress_max_line_chars = 120;
  bool progress_tool_progress = false;
  // Prepended (with no separator added) to the first post of the reply: the first preview text,
  // or the first final chunk when there was no preview. It stays on that post when a final is
  // written into it, and moves to the final's first chunk when the final replaces (deletes) it.
  std::string response_prefix;
  // Cuts a final (or a sealed block) into post-sized chunks (mattermost::chunk_text with the
  // account's limit and mode). Must return at least one chunk for a non-blank text.
  std::function<std::vector<std::string>(std::string_view)> chunk;
};

// One Mattermost action for the shell to run.
struct StreamAction {
  enum class Kind { create, patch, remove };
  Kind kind = Kind::create;
  std::uint32_t handle = 0;  // the stream's number for the post (the same across its actions)
  std::string post_id;       // patch and remove: the server's id of the post
  std::string message;       // create and patch
  // Part of the answer: the shell tags the post with the post it answers (props) and retries a
  // failure a retry can fix. Preview creates and edits are not final; an in-place finalisation is.
  bool final = false;
  bool first_of_reply = false;  // the first final post of the turn (buttons go on it)
  bool operator==(const StreamAction&) const = default;
};

struct ActionResult {
  enum class Status {
    ok,
    receipt_lost,  // create: the post exists but its id is unknown
    gone,          // patch or remove: the post no longer exists (404)
    retry,         // a failure a retry can fix (5xx, timeout, 429 after the client's own retries)
    failed,        // any other failure
  };
  Status status = Status::ok;
  std::string post_id;  // create ok: the new post's id
  std::string error;    // for the log
};

// A final reply of the turn. Text is raw answer text (tables rendered, no response prefix: the
// stream adds it).
struct FinalReply {
  std::string text;
  bool is_error = false;
  bool is_reasoning = false;  // flagged as reasoning: suppressed (§5.6)
  bool has_media = false;     // not finalisable in place
  bool has_buttons = false;   // not finalisable in place
};

struct StreamOutcome {
  std::vector<std::string> final_post_ids;  // in order; "" for a post whose receipt was lost
  std::size_t finals_delivered = 0;         // finals whose every chunk is visible
  std::size_t finals_suppressed = 0;        // reasoning finals
  std::size_t finals_failed = 0;            // finals that could not be delivered
  std::size_t preview_updates = 0;          // preview creates and edits sent (for metrics)
  std::optional<std::string> preview_error; // why the preview stopped, once
};

// Not thread-safe: one turn's stream is driven from the event loop. Movable, not copyable.
class ReplyStream {
 public:
  explicit ReplyStream(ReplyStreamOptions options);
  ~ReplyStream();
  ReplyStream(ReplyStream&&) noexcept;
  ReplyStream& operator=(ReplyStream&&) noexcept;

  // Text, reasoning and tool activity of the model. Final and Error deltas are ignored (the
  // shell turns the turn's outcome into deliver() calls).
  void on_delta(const agent::Delta& delta, StreamClock now);
  // An assistant message ended and another follows (a tool round): in block mode, seals.
  void end_message(StreamClock now);
  // A final reply of the turn (there may be several: each assistant message, then an error).
  // A blank text is nothing to send (no action, not counted); the shell logs the empty outcome.
  void deliver(FinalReply reply, StreamClock now);
  // The model is asked again after a call failed: the text the failed call streamed into the
  // current message is dropped (the next call's text replaces it).
  void restart_message(StreamClock now);
  // The turn ended; no input follows. A draft no final took over (it shows only progress: the
  // answer came through a `send`, or nothing visible came) is deleted; block mode keeps its tool
  // posts.
  void close(StreamClock now);

  // The next action to run now, or nullopt: nothing to do until wake_at() or new input, or an
  // action is still out (the shell must report it with done() first).
  std::optional<StreamAction> next(StreamClock now);
  void done(const ActionResult& result, StreamClock now);
  // When next() may return an action without new input (a throttled update), if ever.
  std::optional<StreamClock> wake_at() const;

  bool in_flight() const noexcept;
  // Closed, and every final action done (delivered or given up on).
  bool finished() const noexcept;
  const StreamOutcome& outcome() const noexcept;

 private:
  struct State;  // the options and the whole machine (reply_stream.cpp)
  std::unique_ptr<State> state_;
};

}  // namespace mmclaw::gateway
