#pragma once
// The `command` model API (PRODUCT.md "The agent runtime", issue 6): what mmclaw writes to the
// program's stdin for one turn, and how it reads the program's stdout. Pure: no I/O, no clock; the
// process itself is agent/backends/command_backend.
//
// stdin: one JSON document (compact, UTF-8, no trailing newline), then end of file. This shape is
// a public contract; fields are only ever added:
//
//   {
//     "version": 1,
//     "model": "ollama-cmd/llama3",     // the model reference ("provider/model"); the model id
//                                       // when no reference is known
//     "model_id": "llama3",             // the model id as configured (without the provider)
//     "messages": [                     // in order; the system prompt first when there is one
//       {"role": "system" | "user" | "assistant" | "tool",
//        "content": "...",
//        "images": [{"mime_type": "image/png", "data_base64": "..."}],     // user, when present
//        "tool_calls": [{"id": "...", "name": "...", "arguments": "{...}"}],  // assistant, when present
//        "tool_call_id": "...", "name": "..."}                              // tool messages
//     ],
//     "tools": [{"name": "...", "description": "...", "parameters": {JSON Schema}}],  // maybe []
//     "max_tokens": 4096,               // only when known
//     "think": "off" | "low" | "medium" | "high"   // only when asked (/think)
//   }
//
// stdout: plain text or JSON lines, decided by the first non-blank line. When it is a JSON object
// whose "type" is one of text, reasoning, tool_call, final, error, the whole output is JSON lines:
//
//   {"type": "text", "text": "..."}          a piece of the answer (TextDelta)
//   {"type": "reasoning", "text": "..."}     a piece of reasoning, never shown as the answer
//   {"type": "tool_call", "id": "...", "name": "...", "arguments": "{...}" | {...}}
//                                            a complete tool call (ToolActivity now, run after
//                                            the FinalDelta); id defaults to call_<n>, arguments
//                                            to {} and may be a JSON object instead of its text
//   {"type": "final", "text"?: "...", "usage"?: {"input_tokens", "output_tokens", "reasoning_tokens"}}
//                                            the end; later output is ignored
//   {"type": "error", "message": "..."}      the turn failed (ErrorDelta, not retryable)
//
// Blank lines and lines whose "type" is another string are ignored (room to grow); a line that is
// not JSON, or not an object with a string "type", or whose fields have the wrong types, ends the
// stream with an ErrorDelta. Lines end in LF (a CR before it is dropped); a last line without LF
// counts. Anything else is plain text, streamed as TextDelta as it arrives, byte for byte except
// that invalid UTF-8 becomes U+FFFD and a UTF-8 sequence split across reads waits for its end.
// The text before the deciding line (only whitespace) belongs to the text in plain mode.
//
// Bounds: a JSON line longer than max_line_bytes ends the stream with an error (a first line that
// long is text); more than max_total_bytes of output ends it with an error.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model_types.hpp"

namespace mmclaw::agent {

// The turn as the JSON document written to the command's stdin (see above).
std::string command_turn_json(const ModelRequest& request, std::string_view model_ref);

struct CommandOutputLimits {
  std::size_t max_line_bytes = std::size_t{1} << 20;    // one JSON line, without its LF
  std::size_t max_total_bytes = std::size_t{16} << 20;  // everything the command writes to stdout
};

// Decodes the command's stdout incrementally: bytes in (split anywhere), deltas out. Ends with
// exactly one FinalDelta or ErrorDelta over feed() and finish() together; after it, both return
// nothing. Not thread-safe; one decoder per run.
class CommandOutputDecoder {
 public:
  enum class Mode { undecided, text, json_lines };

  explicit CommandOutputDecoder(CommandOutputLimits limits = {});

  // The deltas the next bytes complete, in order.
  std::vector<Delta> feed(std::string_view bytes);

  // The end of the output: the program exited with `exit_code`, or was `killed` for `reason`
  // ("the command did not answer in time"). Flushes what is buffered (a JSON line without LF is
  // decoded unless killed), then, unless the stream already ended: killed → ErrorDelta(reason);
  // exit 0 → FinalDelta (tool_calls when the command sent any, else stop); otherwise
  // ErrorDelta("the command failed with exit code N"). Text already returned stays returned.
  std::vector<Delta> finish(int exit_code, bool killed, std::string_view reason);

  // A FinalDelta or ErrorDelta has been returned: the rest of the output does not matter.
  bool done() const noexcept { return done_; }
  Mode mode() const noexcept { return mode_; }

 private:
  void decide(std::vector<Delta>& out, bool at_end);
  void emit_text(std::vector<Delta>& out, bool at_end);
  void take_lines(std::vector<Delta>& out);
  void handle_line(std::string_view line, std::vector<Delta>& out);
  void end_with(Delta delta, std::vector<Delta>& out);
  void fail(std::string message, std::vector<Delta>& out);

  CommandOutputLimits limits_;
  Mode mode_ = Mode::undecided;
  std::string pending_;  // undecided: all output so far; text: an incomplete UTF-8 tail; JSON: a partial line
  std::size_t total_ = 0;
  std::vector<ToolCall> tool_calls_;
  bool done_ = false;
};

}  // namespace mmclaw::agent
