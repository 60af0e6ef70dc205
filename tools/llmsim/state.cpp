#include "llmsim/state.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace llmsim {

namespace json = boost::json;

namespace {

// The directive counters only need to tell directives apart within one test run; the bound keeps
// a long benchmark with ever-new directives from growing them without end.
constexpr std::size_t kMaxFailureCounters = 10'000;

Error bad_setting(std::string_view what) {
  return Error::invalid_input(fmt::format("settings: {}", what));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string iso_time(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(time);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, ms);
}

}  // namespace

bool is_secret_header(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kSecret{
      "authorization", "x-api-key", "proxy-authorization", "cookie", "set-cookie", "api-key"};
  const auto lower = lowercase(name);
  return std::ranges::find(kSecret, lower) != kSecret.end();
}

State::State(std::size_t max_requests, std::size_t max_body_bytes)
    : max_requests_(std::max<std::size_t>(1, max_requests)), max_body_bytes_(max_body_bytes) {}

void State::record(RecordedRequest request) {
  request.seq = next_seq_++;
  for (auto& [name, value] : request.headers) {
    if (is_secret_header(name)) value = "[redacted]";
  }
  body_bytes_ += request.body.size();
  requests_.push_back(std::move(request));
  while (requests_.size() > max_requests_ || (body_bytes_ > max_body_bytes_ && requests_.size() > 1)) {
    body_bytes_ -= requests_.front().body.size();
    requests_.pop_front();
    ++dropped_;
  }
}

std::string State::requests_json(std::uint64_t since) const {
  json::array list;
  for (const auto& r : requests_) {
    if (r.seq <= since) continue;
    json::object headers;
    for (const auto& [name, value] : r.headers) {
      const auto key = lowercase(name);
      if (auto* existing = headers.if_contains(key)) {
        existing->as_string().append(", ");
        existing->as_string().append(value);
      } else {
        headers[key] = value;
      }
    }
    const std::string_view target = r.target;
    json::object entry{{"seq", r.seq},
                       {"time", iso_time(r.time)},
                       {"method", r.method},
                       {"target", target},
                       {"path", target.substr(0, target.find('?'))},
                       {"headers", std::move(headers)},
                       {"body", r.body}};
    boost::system::error_code ec;
    auto parsed = json::parse(r.body, ec);
    if (!ec) entry["json"] = std::move(parsed);
    list.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"requests", std::move(list)}, {"dropped", dropped_}});
}

Result<void> State::apply_settings(std::string_view json_text) {
  boost::system::error_code ec;
  const auto value = json::parse(json_text, ec);
  if (ec || !value.is_object()) return mmclaw::fail(bad_setting("the body must be a JSON object"));
  Settings next = settings_;
  for (const auto& [key_view, field] : value.get_object()) {
    const std::string_view key = key_view;
    if (key == "defaults") {
      auto directive = directive_from_json(field);
      if (!directive)
        return mmclaw::fail(bad_setting(fmt::format("defaults: {}", directive.error().message)));
      next.defaults = std::move(*directive);
    } else if (key == "fail_next") {
      if (!field.is_object()) return mmclaw::fail(bad_setting("fail_next must be an object"));
      json::object spec = field.get_object();
      unsigned count = 1;
      if (const auto* c = spec.if_contains("count")) {
        if (!c->is_int64() && !c->is_uint64())
          return mmclaw::fail(bad_setting("fail_next.count must be a number"));
        const auto n = c->is_int64() ? c->get_int64() : static_cast<std::int64_t>(c->get_uint64());
        if (n < 0 || n > 1'000'000)
          return mmclaw::fail(bad_setting("fail_next.count must be from 0 to 1000000"));
        count = static_cast<unsigned>(n);
        spec.erase("count");
      }
      if (spec.contains("times"))
        return mmclaw::fail(bad_setting("fail_next takes \"count\", not \"times\""));
      auto fail = directive_from_json(json::object{{"fail", spec}});
      if (!fail) return mmclaw::fail(bad_setting(fmt::format("fail_next: {}", fail.error().message)));
      next.fail_next_count = count;
      next.fail_next = count > 0 ? fail->fail : std::nullopt;
    } else if (key == "models") {
      if (!field.is_array() || field.get_array().empty()) {
        return mmclaw::fail(bad_setting("models must be a non-empty list of strings"));
      }
      std::vector<std::string> models;
      for (const auto& id : field.get_array()) {
        if (!id.is_string() || id.get_string().empty()) {
          return mmclaw::fail(bad_setting("models must be a non-empty list of strings"));
        }
        models.emplace_back(id.get_string());
      }
      next.models = std::move(models);
    } else {
      return mmclaw::fail(bad_setting(fmt::format("unknown key \"{}\"", key)));
    }
  }
  settings_ = std::move(next);
  return {};
}

std::string State::settings_json() const {
  json::object out{{"defaults", directive_to_json(settings_.defaults)}};
  if (settings_.fail_next && settings_.fail_next_count > 0) {
    Directive only_fail;
    only_fail.fail = settings_.fail_next;
    auto fail = directive_to_json(only_fail).as_object().at("fail").as_object();
    fail["count"] = settings_.fail_next_count;
    out["fail_next"] = std::move(fail);
  } else {
    out["fail_next"] = nullptr;
  }
  json::array models;
  for (const auto& id : settings_.models) models.emplace_back(id);
  out["models"] = std::move(models);
  return json::serialize(out);
}

void State::reset() {
  settings_ = Settings{};
  requests_.clear();
  body_bytes_ = 0;
  dropped_ = 0;
  failures_seen_.clear();
}

std::optional<FailSpec> State::take_failure(const Directive& merged, std::string_view directive_source) {
  if (settings_.fail_next && settings_.fail_next_count > 0) {
    auto spec = *settings_.fail_next;
    if (--settings_.fail_next_count == 0) settings_.fail_next.reset();
    return spec;
  }
  if (!merged.fail) return std::nullopt;
  if (merged.fail->times == 0) return merged.fail;
  auto it = failures_seen_.find(directive_source);
  if (it == failures_seen_.end()) {
    if (failures_seen_.size() >= kMaxFailureCounters) failures_seen_.clear();
    it = failures_seen_.emplace(std::string(directive_source), 0).first;
  }
  if (it->second >= merged.fail->times) return std::nullopt;
  ++it->second;
  return merged.fail;
}

}  // namespace llmsim
