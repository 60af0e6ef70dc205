#include "gateway/reply_stream.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "util/strings.hpp"
#include "util/utf8.hpp"

// How the machine is built:
//   - Every post the stream creates gets a handle and a Post record (its id, whether it can still
//     be edited, what it shows).
//   - The *draft* is the preview post updates go to. Its next update is not stored: it is rendered
//     from the content (text, reasoning, tool calls, progress lines) when next() asks, so updates
//     that arrive while an action is out coalesce by construction and the newest text wins.
//   - Finals and sealed blocks are *jobs*, run in order. A job is planned into concrete actions only
//     when it reaches the head and nothing is in flight, so a decision that depends on the preview
//     (is it live? what does it show? what is its id?) sees the answer to a create that was still
//     out when the final arrived. Preview updates wait until no job is left: a post opened later
//     never lands above answer text that was due before it.

namespace mmclaw::gateway {

namespace {

using config::StreamingMode;
using Kind = StreamAction::Kind;
using Status = ActionResult::Status;

constexpr std::chrono::milliseconds kMinThrottle{250};
constexpr std::string_view kThinking = "Thinking\u2026";
constexpr std::string_view kPreviewCut = "...";
constexpr std::string_view kLineCut = "\u2026";
constexpr std::string_view kToolIcon = "\U0001F6E0\uFE0F";  // hammer and wrench, emoji style
constexpr std::string_view kThinkingLineStart = "_Thinking: ";
constexpr std::string_view kThinkingLineEnd = "_";

// The bytes of the character at s[i]: a well-formed sequence, or the invalid bytes one U+FFFD
// would replace (so a cut never falls inside either).
std::size_t char_bytes(std::string_view s, std::size_t i) {
  const auto step = util::utf8_step(s, i);
  return step.length > 0 ? step.length : std::max<std::size_t>(step.invalid, 1);
}

std::size_t char_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); i += char_bytes(s, i)) ++n;
  return n;
}

// The first `n` characters of `s` (all of it if it is shorter).
std::string_view first_chars(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (; i < s.size() && n > 0; --n) i += char_bytes(s, i);
  return s.substr(0, i);
}

// `s` if it has at most `max` characters; else its beginning and `mark`, `max` characters in all.
std::string cut_to(std::string_view s, std::size_t max, std::string_view mark) {
  if (char_count(first_chars(s, max + 1)) <= max) return std::string(s);
  const std::size_t mark_chars = char_count(mark);
  if (max <= mark_chars) return std::string(first_chars(s, max));
  std::string out(first_chars(s, max - mark_chars));
  out += mark;
  return out;
}

bool is_shorter_prefix(std::string_view text, std::string_view of) {
  return text.size() < of.size() && of.starts_with(text);
}

std::string tool_line(std::string_view name) {
  std::string line(kToolIcon);
  line += " `";
  line += name.empty() ? std::string_view("tool") : name;
  line += '`';
  return line;
}

// The last sentence of the last line of `text`: what a one-line reasoning snippet shows.
std::string_view last_sentence(std::string_view text) {
  text = util::trim(text);
  if (const auto newline = text.rfind('\n'); newline != std::string_view::npos) {
    text = util::trim(text.substr(newline + 1));
  }
  // Trimmed, the text does not end with a space, so a ". " found here starts a non-empty sentence.
  for (std::size_t i = text.size(); i-- > 1;) {
    const char before = text[i - 1];
    if (text[i] == ' ' && (before == '.' || before == '!' || before == '?')) {
      return util::trim(text.substr(i + 1));
    }
  }
  return text;
}

// "_Thinking: <snippet>_" in at most `max` characters: the snippet is shortened, the italics kept.
std::string thinking_line(std::string_view snippet, std::size_t max) {
  const std::size_t frame = char_count(kThinkingLineStart) + char_count(kThinkingLineEnd);
  if (max <= frame + 1) return cut_to(std::string(kThinkingLineStart) + std::string(snippet), max, kLineCut);
  std::string line(kThinkingLineStart);
  line += cut_to(snippet, max - frame, kLineCut);
  line += kThinkingLineEnd;
  return line;
}

}  // namespace

struct ReplyStream::State {
  // What the stream knows of one of its posts.
  enum class PostState {
    creating,  // its create is not answered yet
    live,      // exists, id known, may be edited
    stale,     // exists, id known, but an edit failed: never edited again, deleted after a final
    lost,      // exists, id unknown (receipt lost): never touched again
    gone,      // does not exist (create failed, deleted)
    final,     // part of the answer: never touched again
  };
  struct Post {
    std::string id;
    PostState state = PostState::creating;
    std::string shown;      // the last text sent to it
    StreamClock sent_at{};  // when that text was sent
  };

  enum class Activity { none, text, tool, reasoning };
  struct Tool {
    std::string id;
    std::string name;
  };
  // What the draft shows, rebuilt from the deltas since the draft (or, in block mode, the block)
  // started. The fields a mode does not use stay empty.
  struct Content {
    Activity activity = Activity::none;  // block: the current block's kind
    std::string text;                    // partial: the message's text; block: the block's text
    bool reasoning = false;              // partial: reasoning streamed (shown as `Thinking…`)
    std::vector<Tool> tools;             // one entry per tool call id
    bool active = false;                 // progress: something happened (the label shows)
    std::vector<std::string> lines;      // progress: compact lines, newest last
    std::string reasoning_run;           // progress: the reasoning streaming now
    bool run_has_line = false;           // progress: lines.back() is that reasoning's line
  };

  enum class JobKind {
    final_reply,  // a deliver()
    seal_text,    // block: a text block ended; finalise its post (reply.text is the block)
    flush_tools,  // block: a tool block ended; bring its post up to date (reply.text is the text)
    discard_draft,  // the turn ended with a draft no final took over: delete it
  };
  struct Job {
    JobKind kind = JobKind::final_reply;
    std::uint32_t post = 0;  // the draft the job finalises or replaces (0: none)
    FinalReply reply;
  };

  struct Update {
    std::string text;
    StreamClock due{};
  };

  explicit State(ReplyStreamOptions options)
      : opt_(std::move(options)), throttle_(std::max(opt_.throttle, kMinThrottle)) {}

  // --- Input ---------------------------------------------------------------------------------------

  void on_delta(const agent::Delta& delta, StreamClock now) {
    note_time(now);
    if (closed_ || opt_.mode == StreamingMode::off) return;
    if (!first_delta_at_) first_delta_at_ = now;
    std::visit([this](const auto& d) { on(d); }, delta);
  }

  void end_message(StreamClock now) {
    note_time(now);
    if (closed_) return;
    switch (opt_.mode) {
      case StreamingMode::block: end_block(); break;
      case StreamingMode::partial:  // the next message replaces the text
        content_ = Content{};
        capped_draft_ = 0;
        break;
      case StreamingMode::progress: end_reasoning_run(); break;
      case StreamingMode::off: break;
    }
  }

  void deliver(FinalReply reply, StreamClock now) {
    note_time(now);
    if (reply.is_reasoning) {
      ++outcome_.finals_suppressed;
      return;
    }
    if (util::trim(reply.text).empty()) return;  // nothing to send: the shell logs the empty outcome
    // A tool post is progress, not a draft of the answer: it is kept, and the final goes elsewhere.
    if (opt_.mode == StreamingMode::block && tool_block_shown()) end_block();
    // The final takes the draft over (to finalise or replace it) and the pending update is dropped:
    // later deltas start a new draft.
    jobs_.push_back(Job{JobKind::final_reply, draft_, std::move(reply)});
    draft_ = 0;
    content_ = Content{};
  }

  void close(StreamClock now) {
    note_time(now);
    if (closed_) return;
    closed_ = true;
    // A draft no final took over shows only progress (`Thinking…`, tool lines, a status, or text a
    // failed call streamed): the answer came another way (a `send`) or not at all, so it goes.
    // Block mode keeps its tool posts: they record what was done.
    const bool keep = opt_.mode == StreamingMode::block && tool_block_shown();
    if (draft_ != 0 && !keep) jobs_.push_back(Job{JobKind::discard_draft, draft_, FinalReply{}});
    if (!keep) {
      draft_ = 0;
      content_ = Content{};
    }
  }

  void restart_message(StreamClock now) {
    note_time(now);
    if (closed_) return;
    switch (opt_.mode) {
      case StreamingMode::partial:
        content_.text.clear();
        capped_draft_ = 0;
        break;
      case StreamingMode::block:
        if (content_.activity == Activity::text) content_.text.clear();
        break;
      case StreamingMode::progress: end_reasoning_run(); break;
      case StreamingMode::off: break;
    }
  }

  // --- Output --------------------------------------------------------------------------------------

  std::optional<StreamAction> next(StreamClock now) {
    note_time(now);
    if (in_flight_) return std::nullopt;
    if (auto step = next_step()) return send(std::move(*step), true, now);
    auto update = pending_update();
    if (!update || update->due > now) return std::nullopt;
    return send(preview_action(std::move(update->text)), false, now);
  }

  void done(const ActionResult& result, StreamClock now) {
    note_time(now);
    if (!in_flight_) return;  // nothing is out: a stray report changes nothing
    const StreamAction action = std::move(*in_flight_);
    in_flight_.reset();
    if (!in_flight_step_) {
      preview_done(action, result);
      return;
    }
    if (action.final) {
      answer_done(action, result);
    } else {
      steps_.pop_front();
      if (action.kind == Kind::remove) {
        removed(action, result);
      } else {
        preview_done(action, result);
      }
    }
    if (steps_.empty() && job_active_) finish_job();
  }

  std::optional<StreamClock> wake_at() const {
    if (in_flight_) return std::nullopt;
    if (!jobs_.empty()) return last_now_;
    const auto update = pending_update();
    if (!update) return std::nullopt;
    return std::max(update->due, last_now_);
  }

  bool in_flight() const noexcept { return in_flight_.has_value(); }
  bool finished() const { return closed_ && !in_flight_ && jobs_.empty() && !pending_update(); }
  const StreamOutcome& outcome() const noexcept { return outcome_; }

 private:
  void note_time(StreamClock now) { last_now_ = std::max(last_now_, now); }

  // --- Deltas per mode ------------------------------------------------------------------------------

  void on(const agent::TextDelta& d) {
    switch (opt_.mode) {
      case StreamingMode::block:
        // Whitespace between activities is not a switch to text (it would end a tool block).
        if (content_.activity != Activity::text && util::trim(d.text).empty()) return;
        switch_block(Activity::text);
        content_.text += d.text;
        break;
      case StreamingMode::progress:
        content_.active = true;  // answer text is never shown, but the status post appears
        end_reasoning_run();
        break;
      default: content_.text += d.text; break;
    }
  }

  void on(const agent::ReasoningDelta& d) {
    switch (opt_.mode) {
      case StreamingMode::block:
        if (util::trim(d.text).empty()) return;
        switch_block(Activity::reasoning);
        break;
      case StreamingMode::progress:
        content_.active = true;
        progress_reasoning(d.text);
        break;
      default: content_.reasoning = true; break;
    }
  }

  void on(const agent::ToolActivity& d) {
    if (opt_.mode == StreamingMode::block) switch_block(Activity::tool);
    const bool is_new = remember_tool(d);
    if (opt_.mode == StreamingMode::progress) {
      content_.active = true;
      end_reasoning_run();
      if (is_new && opt_.progress_tool_progress) push_line(cut_to(tool_line(d.name), line_max(), kLineCut));
    }
  }

  void on(const agent::FinalDelta&) {}
  void on(const agent::ErrorDelta&) {}

  // One entry per tool call: the "started" and "complete" activities of a call share it.
  bool remember_tool(const agent::ToolActivity& d) {
    auto& tools = content_.tools;
    const auto same = [&](const Tool& t) { return t.id == d.id && (!d.id.empty() || t.name == d.name); };
    if (const auto it = std::ranges::find_if(tools, same); it != tools.end()) {
      if (!d.name.empty()) it->name = d.name;
      return false;
    }
    tools.push_back(Tool{d.id, d.name});
    return true;
  }

  // Block mode: a block ends when the activity switches.
  void switch_block(Activity next) {
    if (content_.activity == next) return;
    end_block();
    content_.activity = next;
  }

  // Block mode: the current block ends. A text block is sealed (finalised by a job) and a tool block
  // brought up to date; both keep their posts, so the next update opens a new one. A block that
  // showed nothing of its own (`Thinking…`, tool lines switched off, blank text) leaves the draft
  // to the next block, which edits the placeholder instead of leaving it behind.
  void end_block() {
    if (content_.activity == Activity::text && !util::trim(content_.text).empty()) {
      FinalReply block;
      block.text = std::move(content_.text);
      jobs_.push_back(Job{JobKind::seal_text, draft_, std::move(block)});
      draft_ = 0;
    } else if (tool_block_shown()) {
      FinalReply lines;
      lines.text = preview_text();
      jobs_.push_back(Job{JobKind::flush_tools, draft_, std::move(lines)});
      draft_ = 0;
    }
    content_ = Content{};
  }

  bool tool_block_shown() const {
    return content_.activity == Activity::tool && opt_.preview_tool_progress && !content_.tools.empty();
  }

  std::size_t line_max() const { return std::max<std::size_t>(opt_.progress_max_line_chars, 1); }

  void progress_reasoning(std::string_view text) {
    content_.reasoning_run += text;
    const auto snippet = last_sentence(content_.reasoning_run);
    if (snippet.empty()) return;
    auto line = thinking_line(snippet, line_max());
    if (content_.run_has_line && !content_.lines.empty()) {
      content_.lines.back() = std::move(line);
    } else {
      push_line(std::move(line));
    }
    content_.run_has_line = true;
  }

  void end_reasoning_run() {
    content_.reasoning_run.clear();
    content_.run_has_line = false;
  }

  void push_line(std::string line) {
    auto& lines = content_.lines;
    lines.push_back(std::move(line));
    if (lines.size() > opt_.progress_max_lines) {
      lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(opt_.progress_max_lines));
    }
  }

  // --- Rendering the draft ------------------------------------------------------------------------

  // Text beyond the preview's length can never show; rendering stops there so that a long answer
  // does not cost a copy of itself per update.
  std::string_view visible_text() const {
    return first_chars(util::trim(content_.text), opt_.preview_max_chars + 1);
  }

  std::string tool_lines() const {
    std::string out;
    for (const auto& tool : content_.tools) {
      if (!out.empty()) out += '\n';
      out += tool_line(tool.name);
    }
    return out;
  }

  std::string body() const {
    switch (opt_.mode) {
      case StreamingMode::partial: {
        std::string out(visible_text());
        if (out.empty() && content_.reasoning) out = kThinking;
        if (opt_.preview_tool_progress && !content_.tools.empty()) {
          if (!out.empty()) out += "\n\n";
          out += tool_lines();
        }
        return out;
      }
      case StreamingMode::block:
        switch (content_.activity) {
          case Activity::text: return std::string(visible_text());
          case Activity::tool: return opt_.preview_tool_progress ? tool_lines() : std::string();
          case Activity::reasoning: return std::string(kThinking);
          case Activity::none: return {};
        }
        return {};
      case StreamingMode::progress: {
        if (!content_.active) return {};
        std::string out = opt_.progress_label.value_or("");
        for (const auto& line : content_.lines) {
          if (!out.empty()) out += '\n';
          out += line;
        }
        return out;
      }
      case StreamingMode::off: return {};
    }
    return {};
  }

  // The response prefix belongs to the first post of the reply. A new draft carries it when no post
  // does yet; the draft that got it keeps it; a final that replaces that post takes it over.
  bool draft_carries_prefix() const { return draft_ == 0 ? prefix_owner_ == 0 : prefix_owner_ == draft_; }

  std::string preview_text() const {
    const std::string whole = body();
    std::string_view visible = util::trim(whole);
    // Only the first preview_max_chars + 1 characters can show (4 bytes each at most): a long
    // answer is not copied and counted whole for every token.
    const std::size_t bound = (opt_.preview_max_chars + 1) * 4;
    if (visible.size() > bound) visible = visible.substr(0, bound);
    std::string text(visible);
    if (text.empty()) return text;
    if (draft_carries_prefix()) text.insert(0, opt_.response_prefix);
    return cut_to(text, opt_.preview_max_chars, kPreviewCut);
  }

  // The draft update that is due (now or later), if one is wanted.
  std::optional<Update> pending_update() const {
    if (opt_.mode == StreamingMode::off || preview_stopped_ || !jobs_.empty()) return std::nullopt;
    const Post* draft = find_post(draft_);
    if (draft && draft->state != PostState::live) return std::nullopt;
    // Partial: once the draft shows the capped preview, text appended to the message cannot change it.
    if (opt_.mode == StreamingMode::partial && draft && capped_draft_ == draft_ &&
        content_.text.size() >= capped_text_bytes_)
      return std::nullopt;
    auto text = preview_text();
    const std::string_view shown = draft ? std::string_view(draft->shown) : std::string_view();
    if (text.empty() || text == shown) return std::nullopt;
    const bool grows_only = opt_.mode == StreamingMode::partial || opt_.mode == StreamingMode::block;
    if (grows_only && is_shorter_prefix(text, shown)) return std::nullopt;
    // The first update of a post goes at once (the turn's first post once the stream has run for
    // first_preview_delay); after close() the last one is flushed at once too.
    StreamClock due = draft && !closed_ ? draft->sent_at + throttle_ : StreamClock::min();
    if (!draft && !drafted_ && first_delta_at_) due = *first_delta_at_ + opt_.first_preview_delay;
    return Update{std::move(text), due};
  }

  StreamAction preview_action(std::string text) {
    StreamAction action;
    action.message = std::move(text);
    if (draft_ == 0) {
      action.kind = Kind::create;
      drafted_ = true;
      const bool prefixed = draft_carries_prefix();
      draft_ = new_post();
      if (prefixed) prefix_owner_ = draft_;
    } else {
      action.kind = Kind::patch;
      action.post_id = post(draft_).id;
    }
    action.handle = draft_;
    return action;
  }

  StreamAction send(StreamAction action, bool is_step, StreamClock now) {
    if (!action.final && action.kind != Kind::remove) {
      Post& p = post(action.handle);
      p.shown = action.message;
      p.sent_at = now;
      ++outcome_.preview_updates;
      // A preview at the cap whose text is the message's alone stays as it is while text is appended.
      if (opt_.mode == StreamingMode::partial && char_count(first_chars(p.shown, opt_.preview_max_chars + 1)) >= opt_.preview_max_chars &&
          p.shown.ends_with(kPreviewCut) &&
          char_count(first_chars(util::trim(content_.text), opt_.preview_max_chars + 1)) > opt_.preview_max_chars) {
        capped_draft_ = action.handle;
        capped_text_bytes_ = content_.text.size();
      }
    }
    in_flight_ = action;
    in_flight_step_ = is_step;
    return action;
  }

  // --- Jobs ---------------------------------------------------------------------------------------

  std::optional<StreamAction> next_step() {
    while (true) {
      if (!steps_.empty()) {
        StreamAction& head = steps_.front();
        // A final whose post failed leaves the preview as it is: it may be all the user has.
        if (head.kind == Kind::remove && job_failed_) {
          steps_.pop_front();
          continue;
        }
        head.first_of_reply = head.final && !first_final_done_;
        return head;
      }
      if (job_active_) {
        finish_job();
        continue;
      }
      if (jobs_.empty()) return std::nullopt;
      plan(jobs_.front());
      job_active_ = true;
    }
  }

  void plan(const Job& job) {
    if (job.kind == JobKind::flush_tools) {
      plan_flush(job);
    } else if (job.kind == JobKind::discard_draft) {
      const Post* target = find_post(job.post);
      if (target && (target->state == PostState::live || target->state == PostState::stale))
        steps_.push_back(action_for(Kind::remove, job.post, {}, false));
    } else {
      plan_answer(job);
    }
  }

  // Tool lines are progress, not answer: only a post that exists is brought up to date.
  void plan_flush(const Job& job) {
    const Post* target = find_post(job.post);
    if (preview_stopped_ || !target || target->state != PostState::live) return;
    if (target->shown == job.reply.text) return;
    steps_.push_back(action_for(Kind::patch, job.post, job.reply.text, false));
  }

  void plan_answer(const Job& job) {
    std::string text(util::trim(job.reply.text));
    if (job.kind == JobKind::final_reply && opt_.mode == StreamingMode::block) {
      text = unpublished_rest(text, !job.reply.is_error);
    }
    const Post* target = find_post(job.post);
    const bool replaces = target && (target->state == PostState::live || target->state == PostState::stale);
    if (text.empty()) {  // block: sealed blocks already published all of it; the draft is left over
      if (replaces) steps_.push_back(action_for(Kind::remove, job.post, {}, false));
      return;
    }
    const bool prefixed = prefix_owner_ == 0 || (replaces && prefix_owner_ == job.post);
    const auto chunks = chunk(prefixed ? opt_.response_prefix + text : text);
    const bool in_place =
        target && target->state == PostState::live && finalisable(job, chunks, target->shown);
    std::uint32_t first = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const std::uint32_t handle = i == 0 && in_place ? job.post : new_post();
      if (i == 0) first = handle;
      steps_.push_back(action_for(handle == job.post ? Kind::patch : Kind::create, handle, chunks[i], true));
    }
    if (replaces && !in_place) steps_.push_back(action_for(Kind::remove, job.post, {}, false));
    if (prefixed) prefix_owner_ = first;
  }

  // Whether the answer can be written into the draft (the first chunk; the rest follow as new posts).
  static bool finalisable(const Job& job, const std::vector<std::string>& chunks, std::string_view shown) {
    if (job.kind == JobKind::seal_text) return true;  // the block's own text, never shorter than shown
    const FinalReply& r = job.reply;
    return chunks.size() == 1 && !r.is_error && !r.has_media && !r.has_buttons &&
           !is_shorter_prefix(chunks.front(), shown);
  }

  // Block mode: what of a final's text the blocks sealed since the previous final have not
  // published. They are matched in order from the start of the text (an error final is never merged,
  // so it matches none); past the first mismatch the rest is sent whole: a repeat is better than a
  // loss. Then they are forgotten: a later final must never match blocks that were not its own.
  std::string unpublished_rest(std::string_view text, bool merge) {
    for (const auto& block : published_) {
      if (!merge || !text.starts_with(block)) break;
      text = util::trim(text.substr(block.size()));
    }
    published_.clear();
    return std::string(text);
  }

  std::vector<std::string> chunk(const std::string& text) const {
    std::vector<std::string> chunks;
    if (opt_.chunk) chunks = opt_.chunk(text);
    std::erase_if(chunks, [](const std::string& c) { return util::trim(c).empty(); });
    // The chunker must give at least one chunk; without one the text goes whole rather than not at all.
    if (chunks.empty()) chunks.push_back(text);
    return chunks;
  }

  StreamAction action_for(Kind kind, std::uint32_t handle, std::string message, bool final) {
    StreamAction action;
    action.kind = kind;
    action.handle = handle;
    if (kind != Kind::create) action.post_id = post(handle).id;
    action.message = std::move(message);
    action.final = final;
    return action;
  }

  void finish_job() {
    const Job& job = jobs_.front();
    if (job.kind == JobKind::final_reply) {
      ++(job_failed_ ? outcome_.finals_failed : outcome_.finals_delivered);
    } else if (job.kind == JobKind::seal_text && !job_failed_) {
      // A block whose post failed is not published: the final will send it again.
      published_.emplace_back(util::trim(job.reply.text));
    }
    jobs_.pop_front();
    job_active_ = false;
    job_failed_ = false;
  }

  // --- Results ------------------------------------------------------------------------------------

  void answer_done(const StreamAction& action, const ActionResult& result) {
    if (result.status == Status::retry) return;  // stays at the head: next() returns it again
    steps_.pop_front();
    Post& p = post(action.handle);
    const bool created = action.kind == Kind::create;
    if (result.status == Status::ok || (created && result.status == Status::receipt_lost)) {
      if (created) p.id = result.status == Status::ok ? result.post_id : std::string();
      p.state = PostState::final;
      outcome_.final_post_ids.push_back(p.id);
      first_final_done_ = true;
      return;
    }
    if (created) {
      mark_gone(action.handle);
      job_failed_ = true;
      return;
    }
    // The in-place edit failed: the text goes out as a new post, then the old preview is deleted
    // (best effort) unless it is gone already.
    const bool was_gone = result.status == Status::gone;
    if (was_gone) {
      mark_gone(action.handle);
    } else {
      p.state = PostState::stale;
      steps_.push_back(action_for(Kind::remove, action.handle, {}, false));
    }
    const std::uint32_t fresh = new_post();
    if (prefix_owner_ == action.handle || prefix_owner_ == 0) prefix_owner_ = fresh;
    steps_.push_front(action_for(Kind::create, fresh, action.message, true));
  }

  void removed(const StreamAction& action, const ActionResult& result) {
    // A delete that failed is ignored: nothing refers to that post again.
    if (result.status == Status::ok || result.status == Status::gone) mark_gone(action.handle);
  }

  // A preview create or edit came back (the draft's, or a tool post's last edit).
  void preview_done(const StreamAction& action, const ActionResult& result) {
    Post& p = post(action.handle);
    const bool created = action.kind == Kind::create;
    switch (result.status) {
      case Status::ok:
        if (created) p.id = result.post_id;
        p.state = PostState::live;
        return;
      case Status::receipt_lost:
        if (created) {
          p.state = PostState::lost;  // it exists, but it can be neither edited nor deleted
          stop_preview("preview create: receipt lost", result);
          return;
        }
        break;
      case Status::gone:
        mark_gone(action.handle);
        stop_preview("preview post deleted", result);
        return;
      case Status::retry:  // a preview never holds up the answer: a retryable failure stops it too
      case Status::failed: break;
    }
    if (created) {
      mark_gone(action.handle);
    } else {
      p.state = PostState::stale;
    }
    stop_preview(created ? "preview create failed" : "preview edit failed", result);
  }

  void stop_preview(std::string_view what, const ActionResult& result) {
    preview_stopped_ = true;
    if (outcome_.preview_error) return;
    std::string error(what);
    if (!result.error.empty()) error += ": " + result.error;
    outcome_.preview_error = std::move(error);
  }

  void mark_gone(std::uint32_t handle) {
    post(handle).state = PostState::gone;
    if (prefix_owner_ == handle) prefix_owner_ = 0;
  }

  // --- Posts --------------------------------------------------------------------------------------

  std::uint32_t new_post() {
    posts_.emplace_back();
    return static_cast<std::uint32_t>(posts_.size());
  }
  Post& post(std::uint32_t handle) { return posts_[handle - 1]; }
  const Post* find_post(std::uint32_t handle) const { return handle == 0 ? nullptr : &posts_[handle - 1]; }

  ReplyStreamOptions opt_;
  std::chrono::milliseconds throttle_;
  std::deque<Post> posts_;  // by handle − 1; a deque, so references survive new posts
  std::uint32_t draft_ = 0;
  std::uint32_t prefix_owner_ = 0;  // the post that carries the response prefix (0: none yet)
  bool preview_stopped_ = false;
  Content content_;
  std::deque<Job> jobs_;
  bool job_active_ = false;  // jobs_.front() is planned: steps_ are its actions
  bool job_failed_ = false;  // one of its final posts failed
  std::deque<StreamAction> steps_;
  std::vector<std::string> published_;  // block: text blocks sealed since the last final
  std::optional<StreamAction> in_flight_;
  bool in_flight_step_ = false;  // the action in flight is steps_.front() (else a draft update)
  bool first_final_done_ = false;
  bool closed_ = false;
  bool drafted_ = false;                        // a draft was created this turn
  std::uint32_t capped_draft_ = 0;              // partial: the draft showing the capped preview
  std::size_t capped_text_bytes_ = 0;           // the message's size when it was capped
  std::optional<StreamClock> first_delta_at_;  // when the first delta came
  StreamClock last_now_{};
  StreamOutcome outcome_;
};

ReplyStream::ReplyStream(ReplyStreamOptions options) : state_(std::make_unique<State>(std::move(options))) {}
ReplyStream::~ReplyStream() = default;
ReplyStream::ReplyStream(ReplyStream&&) noexcept = default;
ReplyStream& ReplyStream::operator=(ReplyStream&&) noexcept = default;

void ReplyStream::on_delta(const agent::Delta& delta, StreamClock now) {
  state_->on_delta(delta, now);
}
void ReplyStream::end_message(StreamClock now) {
  state_->end_message(now);
}
void ReplyStream::deliver(FinalReply reply, StreamClock now) {
  state_->deliver(std::move(reply), now);
}
void ReplyStream::close(StreamClock now) {
  state_->close(now);
}
void ReplyStream::restart_message(StreamClock now) {
  state_->restart_message(now);
}
std::optional<StreamAction> ReplyStream::next(StreamClock now) {
  return state_->next(now);
}
void ReplyStream::done(const ActionResult& result, StreamClock now) {
  state_->done(result, now);
}
std::optional<StreamClock> ReplyStream::wake_at() const {
  return state_->wake_at();
}
bool ReplyStream::in_flight() const noexcept {
  return state_->in_flight();
}
bool ReplyStream::finished() const noexcept {
  return state_->finished();
}
const StreamOutcome& ReplyStream::outcome() const noexcept {
  return state_->outcome();
}

}  // namespace mmclaw::gateway
