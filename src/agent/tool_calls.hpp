#pragma once
// Assembles the tool calls a model streams in pieces into complete agent::ToolCall values. Pure.
//
// Two ways in, one way out:
// - OpenAI Chat Completions: add_openai_deltas() with each chunk's `choices[0].delta.tool_calls`.
//   Calls are told apart by `index`; `id` and `function.name` usually come once and
//   `function.arguments` in fragments, but servers differ and all of these are accepted: the whole
//   call in one chunk (Ollama), no `index` for a lone call (older Ollama, some proxies), the id or
//   name repeated in every chunk, `arguments` as a JSON object instead of a string. A new `id` at an
//   index that already has a different id starts a new call (proxies that send every parallel
//   call with index 0). An entry without index or id continues the last call, or starts one when
//   it names a tool while the last call already has a name.
// - Anthropic Messages (and any wire with explicit blocks): start(index, id, name) at
//   `content_block_start` of a `tool_use` block, append(index, partial_json) per
//   `input_json_delta`.
// finish() yields the calls in index order (ties in order of arrival). A call's ToolActivity
// (complete=false) is returned once, the first time its name is known.
//
// Bounded: at most max_calls calls and max_argument_bytes of arguments per call; going past either
// (or a protocol error such as append() to a block never started) puts the assembler in a sticky
// error state whose message is safe to show. Not thread-safe; one assembler per model response.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include "agent/model_types.hpp"

namespace mmclaw::agent {

struct ToolCallLimits {
  std::size_t max_calls = 64;
  std::size_t max_argument_bytes = 1024 * 1024;  // per call
  std::size_t max_id_or_name_bytes = 1024;       // an id or a name this long is not one
};

class ToolCallAssembler {
 public:
  explicit ToolCallAssembler(ToolCallLimits limits = {});

  // A call (block) `index` starts with its id and name. Returns its activity when the name is
  // non-empty. Starting an index twice is an error.
  std::optional<ToolActivity> start(std::int64_t index, std::string_view id, std::string_view name);
  // Appends a fragment of the arguments of block `index`, which must have been started.
  void append(std::int64_t index, std::string_view fragment);

  // One OpenAI `delta.tool_calls` array. Returns the activities of calls whose name became known.
  // Entries that are not objects are ignored.
  std::vector<ToolActivity> add_openai_deltas(const boost::json::array& tool_calls);

  // The complete calls, in index order. Empty arguments become "{}" (tools without parameters);
  // a call with neither name nor arguments is dropped (an empty trailing delta); a call with
  // arguments but no name is an error; a call without id gets `call_<n>` (n: its position).
  // The assembler keeps its calls, so finish() may be called again.
  std::expected<std::vector<ToolCall>, std::string> finish() const;

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  // Calls seen so far (including ones finish() would drop).
  std::size_t size() const noexcept { return calls_.size(); }
  bool empty() const noexcept { return calls_.empty(); }

 private:
  struct Pending {
    std::int64_t index = 0;  // the server's index (block index for start/append)
    std::string id;
    std::string name;
    std::string arguments;
    bool synthetic_id = false;  // id made up here (the server sent none yet); a real one wins
    bool announced = false;     // its ToolActivity was returned
  };

  Pending* find_by_index(std::int64_t index);
  Pending* find_by_id(std::string_view id);
  Pending* add_call(std::int64_t index);
  void set_id(Pending& call, std::string_view id);
  void set_name(Pending& call, std::string_view name, std::vector<ToolActivity>& out);
  void append_arguments(Pending& call, std::string_view fragment);
  std::optional<ToolActivity> announce(Pending& call);
  void fail(std::string message);

  ToolCallLimits limits_;
  std::vector<Pending> calls_;  // in order of arrival
  // For each server index, the position in calls_ of the call it currently names (a new id at the
  // same index moves it).
  std::vector<std::pair<std::int64_t, std::size_t>> index_slots_;
  std::string error_;
};

}  // namespace mmclaw::agent
