#include "llmsim/directive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

namespace llmsim {

namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kMarker = "@llmsim";
// Bounds keep one directive from asking for gigabytes or hours.
constexpr std::uint64_t kMaxTokens = 200'000;
constexpr std::uint64_t kMaxLorem = 4 * 1024 * 1024;
constexpr std::uint64_t kMaxDelayMs = 3'600'000;

Error bad(std::string_view what) {
  return Error::invalid_input(fmt::format("llmsim directive: {}", what));
}

Result<std::uint64_t> to_count(const json::value& v, std::string_view key, std::uint64_t max) {
  std::uint64_t n = 0;
  if (v.is_uint64()) {
    n = v.get_uint64();
  } else if (v.is_int64() && v.get_int64() >= 0) {
    n = static_cast<std::uint64_t>(v.get_int64());
  } else {
    return mmclaw::fail(bad(fmt::format("\"{}\" must be a whole number from 0 to {}", key, max)));
  }
  if (n > max) return mmclaw::fail(bad(fmt::format("\"{}\" must be a whole number from 0 to {}", key, max)));
  return n;
}

Result<std::string> to_string(const json::value& v, std::string_view key) {
  if (!v.is_string()) return mmclaw::fail(bad(fmt::format("\"{}\" must be a string", key)));
  return std::string(v.get_string());
}

Result<ToolCallSpec> to_tool(const json::value& v) {
  if (!v.is_object())
    return mmclaw::fail(bad("\"tool\" must be an object {\"name\", \"arguments\"} or a list of them"));
  const auto& o = v.get_object();
  ToolCallSpec tool;
  for (const auto& [key, field] : o) {
    if (key == "name") {
      auto name = to_string(field, "tool.name");
      if (!name) return mmclaw::fail(name.error());
      tool.name = std::move(*name);
    } else if (key == "arguments") {
      // A string is sent verbatim (it may even be broken JSON, to test the client); anything
      // else is serialized.
      tool.arguments = field.is_string() ? std::string(field.get_string()) : json::serialize(field);
    } else {
      return mmclaw::fail(bad(fmt::format("unknown key \"tool.{}\"", std::string_view(key))));
    }
  }
  if (tool.name.empty()) return mmclaw::fail(bad("\"tool.name\" is required"));
  if (!o.contains("arguments")) tool.arguments = "{}";
  return tool;
}

Result<FailSpec> to_fail(const json::value& v) {
  FailSpec spec;
  const auto check_status = [](std::uint64_t status) -> Result<unsigned> {
    if (status < 400 || status > 599) return mmclaw::fail(bad("\"fail.status\" must be from 400 to 599"));
    return static_cast<unsigned>(status);
  };
  if (!v.is_object()) {
    auto status = to_count(v, "fail", 999);
    if (!status) return mmclaw::fail(bad("\"fail\" must be a status (400..599) or an object"));
    auto checked = check_status(*status);
    if (!checked) return mmclaw::fail(checked.error());
    spec.status = *checked;
    return spec;
  }
  for (const auto& [key, field] : v.get_object()) {
    if (key == "status") {
      auto status = to_count(field, "fail.status", 999);
      if (!status) return mmclaw::fail(status.error());
      auto checked = check_status(*status);
      if (!checked) return mmclaw::fail(checked.error());
      spec.status = *checked;
    } else if (key == "retry_after") {
      auto seconds = to_count(field, "fail.retry_after", 86'400);
      if (!seconds) return mmclaw::fail(seconds.error());
      spec.retry_after_s = static_cast<unsigned>(*seconds);
    } else if (key == "message") {
      auto message = to_string(field, "fail.message");
      if (!message) return mmclaw::fail(message.error());
      spec.message = std::move(*message);
    } else if (key == "times") {
      auto times = to_count(field, "fail.times", 1'000'000);
      if (!times) return mmclaw::fail(times.error());
      spec.times = static_cast<unsigned>(*times);
    } else {
      return mmclaw::fail(bad(fmt::format("unknown key \"fail.{}\"", std::string_view(key))));
    }
  }
  return spec;
}

Result<StallSpec> to_stall(const json::value& v) {
  StallSpec spec;
  if (!v.is_object()) {
    auto after = to_count(v, "stall", kMaxTokens);
    if (!after) return mmclaw::fail(bad("\"stall\" must be a chunk count or an object {\"after\", \"ms\"}"));
    spec.after = *after;
    return spec;
  }
  for (const auto& [key, field] : v.get_object()) {
    if (key == "after") {
      auto after = to_count(field, "stall.after", kMaxTokens);
      if (!after) return mmclaw::fail(after.error());
      spec.after = *after;
    } else if (key == "ms") {
      auto ms = to_count(field, "stall.ms", kMaxDelayMs);
      if (!ms) return mmclaw::fail(ms.error());
      // 0 means "forever", like leaving it out.
      if (*ms > 0) spec.duration = milliseconds(*ms);
    } else {
      return mmclaw::fail(bad(fmt::format("unknown key \"stall.{}\"", std::string_view(key))));
    }
  }
  return spec;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

void Directive::merge_from(const Directive& over) {
  if (over.reply || over.tokens || over.lorem) {
    reply = over.reply;
    tokens = over.tokens;
    lorem = over.lorem;
  }
  if (over.think || over.think_tokens) {
    think = over.think;
    think_tokens = over.think_tokens;
  }
  if (!over.tools.empty()) tools = over.tools;
  if (over.after_tool) after_tool = over.after_tool;
  if (over.fail) fail = over.fail;
  if (over.stall) stall = over.stall;
  if (over.drop_after) drop_after = over.drop_after;
  if (over.delay) delay = over.delay;
  if (over.first_token_delay) first_token_delay = over.first_token_delay;
  if (over.finish) finish = over.finish;
}

Result<Directive> directive_from_json(const json::value& value) {
  if (!value.is_object()) return mmclaw::fail(bad("a directive is a JSON object"));
  Directive d;
  int answers = 0;
  for (const auto& [key_view, field] : value.get_object()) {
    const std::string_view key = key_view;
    if (key == "reply") {
      auto text = to_string(field, key);
      if (!text) return mmclaw::fail(text.error());
      d.reply = std::move(*text);
      ++answers;
    } else if (key == "tokens") {
      auto n = to_count(field, key, kMaxTokens);
      if (!n) return mmclaw::fail(n.error());
      d.tokens = *n;
      ++answers;
    } else if (key == "lorem") {
      auto n = to_count(field, key, kMaxLorem);
      if (!n) return mmclaw::fail(n.error());
      d.lorem = *n;
      ++answers;
    } else if (key == "think") {
      if (field.is_string()) {
        d.think = std::string(field.get_string());
      } else {
        auto n = to_count(field, key, kMaxTokens);
        if (!n) return mmclaw::fail(bad("\"think\" must be a string or a number of words"));
        d.think_tokens = *n;
      }
    } else if (key == "tool" || key == "tools") {
      if (field.is_array()) {
        for (const auto& item : field.get_array()) {
          auto tool = to_tool(item);
          if (!tool) return mmclaw::fail(tool.error());
          d.tools.push_back(std::move(*tool));
        }
      } else {
        auto tool = to_tool(field);
        if (!tool) return mmclaw::fail(tool.error());
        d.tools.push_back(std::move(*tool));
      }
    } else if (key == "after_tool") {
      auto text = to_string(field, key);
      if (!text) return mmclaw::fail(text.error());
      d.after_tool = std::move(*text);
    } else if (key == "fail") {
      auto fail = to_fail(field);
      if (!fail) return mmclaw::fail(fail.error());
      d.fail = *fail;
    } else if (key == "stall") {
      auto stall = to_stall(field);
      if (!stall) return mmclaw::fail(stall.error());
      d.stall = *stall;
    } else if (key == "drop_after") {
      auto n = to_count(field, key, kMaxTokens);
      if (!n) return mmclaw::fail(n.error());
      d.drop_after = *n;
    } else if (key == "delay_ms") {
      auto n = to_count(field, key, kMaxDelayMs);
      if (!n) return mmclaw::fail(n.error());
      d.delay = milliseconds(*n);
    } else if (key == "first_token_delay_ms") {
      auto n = to_count(field, key, kMaxDelayMs);
      if (!n) return mmclaw::fail(n.error());
      d.first_token_delay = milliseconds(*n);
    } else if (key == "finish") {
      auto text = to_string(field, key);
      if (!text) return mmclaw::fail(text.error());
      if (text->empty()) return mmclaw::fail(bad("\"finish\" must not be empty"));
      d.finish = std::move(*text);
    } else {
      return mmclaw::fail(bad(fmt::format("unknown key \"{}\"", key)));
    }
  }
  if (answers > 1) return mmclaw::fail(bad("use only one of \"reply\", \"tokens\", \"lorem\""));
  return d;
}

json::value directive_to_json(const Directive& d) {
  json::object o;
  if (d.reply) o["reply"] = *d.reply;
  if (d.tokens) o["tokens"] = *d.tokens;
  if (d.lorem) o["lorem"] = *d.lorem;
  if (d.think) o["think"] = *d.think;
  if (d.think_tokens) o["think"] = *d.think_tokens;
  if (!d.tools.empty()) {
    json::array tools;
    for (const auto& tool : d.tools) {
      json::object t;
      t["name"] = tool.name;
      // Shown as the text the model sends; a valid object would read back the same either way.
      t["arguments"] = tool.arguments;
      tools.push_back(std::move(t));
    }
    o["tool"] = std::move(tools);
  }
  if (d.after_tool) o["after_tool"] = *d.after_tool;
  if (d.fail) {
    json::object f;
    f["status"] = d.fail->status;
    if (d.fail->retry_after_s) f["retry_after"] = *d.fail->retry_after_s;
    if (!d.fail->message.empty()) f["message"] = d.fail->message;
    if (d.fail->times) f["times"] = d.fail->times;
    o["fail"] = std::move(f);
  }
  if (d.stall) {
    json::object s;
    s["after"] = d.stall->after;
    if (d.stall->duration) s["ms"] = d.stall->duration->count();
    o["stall"] = std::move(s);
  }
  if (d.drop_after) o["drop_after"] = *d.drop_after;
  if (d.delay) o["delay_ms"] = d.delay->count();
  if (d.first_token_delay) o["first_token_delay_ms"] = d.first_token_delay->count();
  if (d.finish) o["finish"] = *d.finish;
  return o;
}

Result<UserMessage> split_directives(std::string_view message) {
  UserMessage out;
  std::string rest;
  std::size_t pos = 0;
  while (true) {
    const auto at = message.find(kMarker, pos);
    if (at == std::string_view::npos) {
      rest.append(message.substr(pos));
      break;
    }
    // `@llmsimple` is a word, not a directive: the marker must be followed by space or '{'.
    const auto after = at + kMarker.size();
    if (after < message.size() && message[after] != ' ' && message[after] != '\t' && message[after] != '{' &&
        message[after] != '\n' && message[after] != '\r') {
      rest.append(message.substr(pos, after - pos));
      pos = after;
      continue;
    }
    rest.append(message.substr(pos, at - pos));
    auto start = after;
    while (start < message.size() && (message[start] == ' ' || message[start] == '\t')) ++start;
    if (start >= message.size() || message[start] != '{') {
      return mmclaw::fail(bad("\"@llmsim\" must be followed by a JSON object, e.g. @llmsim {\"tokens\": 5}"));
    }
    json::parser parser;
    boost::system::error_code ec;
    const auto consumed = parser.write_some(message.data() + start, message.size() - start, ec);
    if (ec) {
      return mmclaw::fail(bad(fmt::format("the JSON after \"@llmsim\" is not valid: {}", ec.message())));
    }
    const auto source = trim(message.substr(start, consumed));
    auto directive = directive_from_json(parser.release());
    if (!directive) return mmclaw::fail(directive.error());
    if (!out.directive) out.directive = Directive{};
    out.directive->merge_from(*directive);
    if (!out.directive_source.empty()) out.directive_source += '\n';
    out.directive_source.append(source);
    pos = start + consumed;
  }
  out.text = std::string(trim(rest));
  return out;
}

}  // namespace llmsim
