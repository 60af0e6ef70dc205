#include "agent/tool_calls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::agent {

namespace json = boost::json;

namespace {

// `index` as servers send it: an integer, sometimes as a float; anything else counts as absent.
std::optional<std::int64_t> index_of(const json::object& entry) {
  const auto* v = entry.if_contains("index");
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= 0 && d < 1e15 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string_view string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string()) return v->get_string();
  return {};
}

}  // namespace

ToolCallAssembler::ToolCallAssembler(ToolCallLimits limits) : limits_(limits) {}

void ToolCallAssembler::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

ToolCallAssembler::Pending* ToolCallAssembler::find_by_index(std::int64_t index) {
  for (const auto& [server_index, slot] : index_slots_) {
    if (server_index == index) return &calls_[slot];
  }
  return nullptr;
}

ToolCallAssembler::Pending* ToolCallAssembler::find_by_id(std::string_view id) {
  for (auto& call : calls_) {
    if (!call.synthetic_id && call.id == id) return &call;
  }
  return nullptr;
}

ToolCallAssembler::Pending* ToolCallAssembler::add_call(std::int64_t index) {
  if (calls_.size() >= limits_.max_calls) {
    fail(fmt::format("the model asked for more than {} tool calls", limits_.max_calls));
    return nullptr;
  }
  Pending call;
  call.index = index;
  calls_.push_back(std::move(call));
  const std::size_t slot = calls_.size() - 1;
  auto it = std::find_if(index_slots_.begin(), index_slots_.end(),
                         [&](const auto& entry) { return entry.first == index; });
  if (it == index_slots_.end()) {
    index_slots_.emplace_back(index, slot);
  } else {
    it->second = slot;  // later fragments at this index belong to the new call
  }
  return &calls_.back();
}

void ToolCallAssembler::set_id(Pending& call, std::string_view id) {
  if (id.empty() || (!call.synthetic_id && call.id == id)) return;
  if (id.size() > limits_.max_id_or_name_bytes) {
    fail(fmt::format("a tool call id is longer than {} bytes", limits_.max_id_or_name_bytes));
    return;
  }
  if (call.id.empty() || call.synthetic_id) {
    call.id.assign(id);
    call.synthetic_id = false;
  }
  // A different id for a call that has one is handled by the caller (a new call); otherwise the
  // first id stays.
}

std::optional<ToolActivity> ToolCallAssembler::announce(Pending& call) {
  if (call.announced || call.name.empty()) return std::nullopt;
  call.announced = true;
  if (call.id.empty()) {
    const auto position = static_cast<std::size_t>(&call - calls_.data());
    call.id = fmt::format("call_{}", position);
    call.synthetic_id = true;
  }
  return ToolActivity{call.id, call.name, false};
}

void ToolCallAssembler::set_name(Pending& call, std::string_view name, std::vector<ToolActivity>& out) {
  if (name.empty() || !call.name.empty()) return;  // names come whole; a repeat changes nothing
  if (name.size() > limits_.max_id_or_name_bytes) {
    fail(fmt::format("a tool name is longer than {} bytes", limits_.max_id_or_name_bytes));
    return;
  }
  call.name.assign(name);
  if (auto activity = announce(call)) out.push_back(std::move(*activity));
}

void ToolCallAssembler::append_arguments(Pending& call, std::string_view fragment) {
  if (call.arguments.size() + fragment.size() > limits_.max_argument_bytes) {
    fail(fmt::format("a tool call's arguments are larger than {} bytes", limits_.max_argument_bytes));
    return;
  }
  call.arguments.append(fragment);
}

std::optional<ToolActivity> ToolCallAssembler::start(std::int64_t index, std::string_view id,
                                                     std::string_view name) {
  if (failed()) return std::nullopt;
  if (find_by_index(index)) {
    fail(fmt::format("tool call block {} started twice", index));
    return std::nullopt;
  }
  auto* call = add_call(index);
  if (!call) return std::nullopt;
  set_id(*call, id);
  std::vector<ToolActivity> out;
  set_name(*call, name, out);
  if (failed() || out.empty()) return std::nullopt;
  return std::move(out.front());
}

void ToolCallAssembler::append(std::int64_t index, std::string_view fragment) {
  if (failed()) return;
  auto* call = find_by_index(index);
  if (!call) {
    fail(fmt::format("tool call block {} was never started", index));
    return;
  }
  append_arguments(*call, fragment);
}

std::vector<ToolActivity> ToolCallAssembler::add_openai_deltas(const json::array& tool_calls) {
  std::vector<ToolActivity> out;
  for (const auto& item : tool_calls) {
    if (failed()) break;
    if (!item.is_object()) continue;
    const auto& entry = item.get_object();
    const auto index = index_of(entry);
    const std::string_view id = string_member(entry, "id");
    const json::object* function = nullptr;
    if (const auto* f = entry.if_contains("function"); f && f->is_object()) function = &f->get_object();
    const std::string_view name = function ? string_member(*function, "name") : std::string_view();

    Pending* call = nullptr;
    if (index) {
      call = find_by_index(*index);
      // The same index with another id: a proxy that numbers every parallel call 0.
      if (call && !id.empty() && !call->id.empty() && !call->synthetic_id && call->id != id) call = nullptr;
      if (!call) call = add_call(*index);
    } else {
      if (!id.empty()) call = find_by_id(id);
      if (!call && id.empty() && !calls_.empty()) {
        Pending& last = calls_.back();
        if (name.empty() || last.name.empty() || last.name == name) call = &last;
      }
      if (!call) {
        std::int64_t next = 0;
        for (const auto& c : calls_) next = std::max(next, c.index + 1);
        call = add_call(next);
      }
    }
    if (!call) break;  // the call limit

    set_id(*call, id);
    if (function) {
      set_name(*call, name, out);
      if (const auto* args = function->if_contains("arguments")) {
        if (args->is_string()) {
          append_arguments(*call, args->get_string());
        } else if (args->is_object() || args->is_array()) {
          append_arguments(*call, json::serialize(*args));  // a whole call, not a JSON text
        }
      }
    }
  }
  return out;
}

std::expected<std::vector<ToolCall>, std::string> ToolCallAssembler::finish() const {
  if (failed()) return std::unexpected(error_);
  std::vector<std::size_t> order(calls_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return calls_[a].index < calls_[b].index; });
  std::vector<ToolCall> result;
  result.reserve(calls_.size());
  for (const std::size_t i : order) {
    const Pending& call = calls_[i];
    if (call.name.empty()) {
      if (call.arguments.empty()) continue;
      return std::unexpected(std::string("the model sent a tool call without a name"));
    }
    ToolCall out;
    out.id = call.id.empty() ? fmt::format("call_{}", i) : call.id;
    out.name = call.name;
    out.arguments = call.arguments.empty() ? std::string("{}") : call.arguments;
    result.push_back(std::move(out));
  }
  return result;
}

}  // namespace mmclaw::agent
