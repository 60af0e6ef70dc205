#include "agent/command_protocol.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "util/base64.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mmclaw::agent {

namespace json = boost::json;

namespace {

constexpr std::string_view kBlank = " \t\r\n\f\v";
constexpr std::size_t kPreviewChars = 80;
constexpr std::size_t kMaxErrorMessageBytes = 1000;

// --- The turn ------------------------------------------------------------------------------------

std::string_view role_name(Role role) {
  switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "user";
}

std::string_view think_name(ThinkLevel level) {
  switch (level) {
    case ThinkLevel::off: return "off";
    case ThinkLevel::low: return "low";
    case ThinkLevel::medium: return "medium";
    case ThinkLevel::high: return "high";
  }
  return "off";
}

json::object message_json(const ChatMessage& message) {
  json::object out;
  out["role"] = role_name(message.role);
  out["content"] = message.text;
  if (!message.images.empty()) {
    json::array images;
    for (const auto& image : message.images)
      images.push_back(json::object{{"mime_type", image.mime_type}, {"data_base64", util::base64_encode(image.data)}});
    out["images"] = std::move(images);
  }
  if (!message.tool_calls.empty()) {
    json::array calls;
    for (const auto& call : message.tool_calls)
      calls.push_back(json::object{{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
    out["tool_calls"] = std::move(calls);
  }
  if (message.role == Role::tool) {
    out["tool_call_id"] = message.tool_call_id;
    out["name"] = message.tool_name;
  }
  return out;
}

// --- Text ----------------------------------------------------------------------------------------

// Appends the valid UTF-8 of `in` to `out`, each invalid sequence (its maximal subpart) as U+FFFD,
// and returns how many bytes were consumed: all of them, except an incomplete sequence at the end
// that may still complete, unless `at_end`.
std::size_t append_valid_utf8(std::string_view in, bool at_end, std::string& out) {
  for (std::size_t i = 0; i < in.size();) {
    const auto step = util::utf8_step(in, i);
    if (step.length > 0) {
      out.append(in.substr(i, step.length));
      i += step.length;
      continue;
    }
    if (step.truncated && !at_end) return i;  // may still complete with the next read
    out += util::kReplacementChar;
    i += step.invalid;
  }
  return in.size();
}

// The start of a line for an error message: at most 80 characters, valid UTF-8.
std::string preview(std::string_view line) {
  std::string valid;
  append_valid_utf8(line.substr(0, kPreviewChars * 4), true, valid);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if ((static_cast<unsigned char>(valid[i]) & 0xC0) == 0x80) continue;
    if (++chars > kPreviewChars) return valid.substr(0, i) + "…";
  }
  return line.size() > kPreviewChars * 4 ? valid + "…" : valid;
}

std::string describe_size(std::size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

// --- JSON lines ----------------------------------------------------------------------------------

bool is_protocol_type(std::string_view type) {
  return type == "text" || type == "reasoning" || type == "tool_call" || type == "final" || type == "error";
}

// Whether `line` opens a JSON-lines output.
bool is_protocol_line(std::string_view line) {
  boost::system::error_code ec;
  const json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) return false;
  const auto* type = value.get_object().if_contains("type");
  return type && type->is_string() && is_protocol_type(type->get_string());
}

// A member that may be absent or null; nullptr then.
const json::value* optional_member(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && !value->is_null() ? value : nullptr;
}

std::optional<std::int64_t> integer_member(const json::object& object, std::string_view key) {
  const auto* value = optional_member(object, key);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->get_uint64());
  return std::nullopt;
}

}  // namespace

std::string command_turn_json(const ModelRequest& request, std::string_view model_ref) {
  json::object turn;
  turn["version"] = 1;
  turn["model"] = model_ref.empty() ? std::string_view(request.model) : model_ref;
  turn["model_id"] = request.model;
  json::array messages;
  for (const auto& message : request.messages) messages.push_back(message_json(message));
  turn["messages"] = std::move(messages);
  json::array tools;
  for (const auto& tool : request.tools)
    tools.push_back(json::object{
        {"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}});
  turn["tools"] = std::move(tools);
  if (request.max_tokens) turn["max_tokens"] = *request.max_tokens;
  if (request.think) turn["think"] = think_name(*request.think);
  return json::serialize(turn);
}

CommandOutputDecoder::CommandOutputDecoder(CommandOutputLimits limits) : limits_(limits) {}

std::vector<Delta> CommandOutputDecoder::feed(std::string_view bytes) {
  std::vector<Delta> out;
  if (done_ || bytes.empty()) return out;
  if (bytes.size() > limits_.max_total_bytes - total_) {
    fail("the command wrote more than " + describe_size(limits_.max_total_bytes), out);
    return out;
  }
  total_ += bytes.size();
  pending_.append(bytes);
  switch (mode_) {
    case Mode::undecided: decide(out, false); break;
    case Mode::text: emit_text(out, false); break;
    case Mode::json_lines: take_lines(out); break;
  }
  return out;
}

std::vector<Delta> CommandOutputDecoder::finish(int exit_code, bool killed, std::string_view reason) {
  std::vector<Delta> out;
  if (done_) return out;
  if (mode_ == Mode::undecided) decide(out, true);
  if (mode_ == Mode::text) {
    emit_text(out, true);
  } else if (mode_ == Mode::json_lines && !done_) {
    take_lines(out);
    // A last line without its LF counts, unless the program was stopped while writing it.
    if (!done_ && !killed && !pending_.empty()) {
      const std::string last = std::exchange(pending_, {});
      handle_line(last, out);
    }
    pending_.clear();
  }
  if (done_) return out;
  if (killed) {
    fail(reason.empty() ? std::string("the command was stopped") : std::string(reason), out);
  } else if (exit_code == 0) {
    FinalDelta final;
    final.reason = tool_calls_.empty() ? FinishReason::stop : FinishReason::tool_calls;
    final.tool_calls = tool_calls_;
    end_with(std::move(final), out);
  } else {
    fail(fmt::format("the command failed with exit code {}", exit_code), out);
  }
  return out;
}

void CommandOutputDecoder::decide(std::vector<Delta>& out, bool at_end) {
  const auto first = pending_.find_first_not_of(kBlank);
  if (first == std::string::npos) {
    // Only whitespace so far: wait for more, unless there will be none or it is too much to hold.
    if (at_end || pending_.size() > limits_.max_line_bytes) {
      mode_ = Mode::text;
      emit_text(out, at_end);
    }
    return;
  }
  if (pending_[first] != '{') {  // not a JSON object: plain text, streamed from now on
    mode_ = Mode::text;
    emit_text(out, at_end);
    return;
  }
  const auto before = pending_.rfind('\n', first);
  const std::size_t line_start = before == std::string::npos ? 0 : before + 1;
  auto line_end = pending_.find('\n', first);
  if (line_end == std::string::npos) {
    const bool too_long = pending_.size() - line_start > limits_.max_line_bytes;
    if (!at_end && !too_long) return;
    line_end = pending_.size();
  }
  std::string_view line(pending_.data() + line_start, line_end - line_start);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() <= limits_.max_line_bytes && is_protocol_line(line)) {
    mode_ = Mode::json_lines;
    take_lines(out);
  } else {
    mode_ = Mode::text;
    emit_text(out, at_end);
  }
}

void CommandOutputDecoder::emit_text(std::vector<Delta>& out, bool at_end) {
  std::string text;
  const auto consumed = append_valid_utf8(pending_, at_end, text);
  pending_.erase(0, consumed);
  if (!text.empty()) out.push_back(TextDelta{std::move(text)});
}

void CommandOutputDecoder::take_lines(std::vector<Delta>& out) {
  std::size_t start = 0;
  while (!done_) {
    const auto newline = pending_.find('\n', start);
    if (newline == std::string::npos) break;
    if (newline - start > limits_.max_line_bytes) {
      fail("the command wrote a line longer than " + describe_size(limits_.max_line_bytes), out);
      break;
    }
    handle_line(std::string_view(pending_).substr(start, newline - start), out);
    start = newline + 1;
  }
  if (done_) {
    pending_.clear();
    return;
  }
  pending_.erase(0, start);
  if (pending_.size() > limits_.max_line_bytes)
    fail("the command wrote a line longer than " + describe_size(limits_.max_line_bytes), out);
}

void CommandOutputDecoder::handle_line(std::string_view line, std::vector<Delta>& out) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (util::trim(line).empty()) return;
  boost::system::error_code ec;
  const json::value value = json::parse(line, ec);
  if (ec) return fail("the command wrote a line that is not JSON: " + preview(line), out);
  const auto* object = value.if_object();
  const auto* type = object ? object->if_contains("type") : nullptr;
  if (!type || !type->is_string())
    return fail("the command wrote a JSON line without a \"type\": " + preview(line), out);
  const std::string_view kind = type->get_string();
  const auto invalid = [&] {
    fail(fmt::format("the command wrote an invalid \"{}\" line: {}", kind, preview(line)), out);
  };

  if (kind == "text" || kind == "reasoning") {
    const auto* text = object->if_contains("text");
    if (!text || !text->is_string()) return invalid();
    if (text->get_string().empty()) return;
    if (kind == "text")
      out.push_back(TextDelta{std::string(text->get_string())});
    else
      out.push_back(ReasoningDelta{std::string(text->get_string())});
  } else if (kind == "tool_call") {
    const auto* name = object->if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty()) return invalid();
    ToolCall call;
    call.name = name->get_string();
    if (const auto* id = optional_member(*object, "id")) {
      if (!id->is_string() || id->get_string().empty()) return invalid();
      call.id = id->get_string();
    } else {
      call.id = fmt::format("call_{}", tool_calls_.size() + 1);
    }
    if (const auto* arguments = optional_member(*object, "arguments")) {
      if (arguments->is_string())
        call.arguments = arguments->get_string();
      else if (arguments->is_object() || arguments->is_array())
        call.arguments = json::serialize(*arguments);
      else
        return invalid();
    } else {
      call.arguments = "{}";
    }
    out.push_back(ToolActivity{call.id, call.name, true});
    tool_calls_.push_back(std::move(call));
  } else if (kind == "final") {
    const auto* text = optional_member(*object, "text");
    if (text && !text->is_string()) return invalid();
    const auto* usage = optional_member(*object, "usage");
    if (usage && !usage->is_object()) return invalid();
    if (text && !text->get_string().empty()) out.push_back(TextDelta{std::string(text->get_string())});
    FinalDelta final;
    final.reason = tool_calls_.empty() ? FinishReason::stop : FinishReason::tool_calls;
    final.tool_calls = tool_calls_;
    if (usage) {
      const auto& fields = usage->get_object();
      Usage counted{integer_member(fields, "input_tokens"), integer_member(fields, "output_tokens"),
                    integer_member(fields, "reasoning_tokens")};
      if (counted != Usage{}) final.usage = counted;
    }
    end_with(std::move(final), out);
  } else if (kind == "error") {
    const auto* message = optional_member(*object, "message");
    if (message && !message->is_string()) return invalid();
    std::string text = message ? std::string(message->get_string()) : std::string();
    if (util::trim(text).empty()) text = "the command reported an error";
    if (text.size() > kMaxErrorMessageBytes) {
      std::string cut;
      append_valid_utf8(std::string_view(text).substr(0, kMaxErrorMessageBytes), false, cut);
      text = std::move(cut) + "…";
    }
    fail(std::move(text), out);
  }
  // Any other type: a later version's message, ignored.
}

void CommandOutputDecoder::end_with(Delta delta, std::vector<Delta>& out) {
  out.push_back(std::move(delta));
  done_ = true;
  pending_.clear();
}

void CommandOutputDecoder::fail(std::string message, std::vector<Delta>& out) {
  ErrorDelta error;
  error.message = std::move(message);
  error.retryable = false;
  end_with(std::move(error), out);
}

}  // namespace mmclaw::agent
