#include "config/issues.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace mmclaw::config {

namespace {
bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  const auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
  };
  const auto ok_rest = [&](char c) { return ok_first(c) || (c >= '0' && c <= '9') || c == '-'; };
  return ok_first(s.front()) && std::all_of(s.begin() + 1, s.end(), ok_rest);
}
}  // namespace

KeyPath KeyPath::parse_dotted(std::string_view dotted) {
  KeyPath path;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const auto dot = dotted.find('.', start);
    const auto end = dot == std::string_view::npos ? dotted.size() : dot;
    path.segments_.push_back({std::string(dotted.substr(start, end - start)), false});
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return path;
}

KeyPath KeyPath::child(std::string_view key) const {
  KeyPath out = *this;
  out.segments_.push_back({std::string(key), false});
  return out;
}

KeyPath KeyPath::index(std::size_t i) const {
  KeyPath out = *this;
  out.segments_.push_back({std::to_string(i), true});
  return out;
}

std::string KeyPath::dotted() const {
  std::string out;
  for (const auto& seg : segments_) {
    if (seg.is_index) {
      out += fmt::format("[{}]", seg.name);
    } else if (is_identifier(seg.name)) {
      if (!out.empty()) out += '.';
      out += seg.name;
    } else {
      std::string escaped;
      for (char c : seg.name) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
      }
      out += fmt::format("[\"{}\"]", escaped);
    }
  }
  return out;
}

std::string KeyPath::pointer() const {
  std::string out;
  for (const auto& seg : segments_) out = json_pointer_append(out, seg.name);
  return out;
}

std::string_view KeyPath::last() const {
  return segments_.empty() ? std::string_view{} : std::string_view(segments_.back().name);
}

void IssueList::add(ConfigIssue issue) {
  const bool seen = std::any_of(items_.begin(), items_.end(), [&](const ConfigIssue& i) {
    return i.severity == issue.severity && i.path == issue.path && i.message == issue.message;
  });
  if (!seen) items_.push_back(std::move(issue));
}
void IssueList::error(const KeyPath& path, std::string message) {
  add({Severity::error, path.dotted(), path.pointer(), std::move(message), std::nullopt});
}
void IssueList::warning(const KeyPath& path, std::string message) {
  add({Severity::warning, path.dotted(), path.pointer(), std::move(message), std::nullopt});
}
void IssueList::note(const KeyPath& path, std::string message) {
  add({Severity::note, path.dotted(), path.pointer(), std::move(message), std::nullopt});
}

void IssueList::locate(const Json5Document& document) {
  for (auto& issue : items_) {
    if (issue.pos) continue;
    // An issue about a missing key points at its nearest ancestor that exists in the file.
    std::string pointer = issue.pointer;
    while (true) {
      if (auto pos = document.position_of(pointer)) {
        if (!pointer.empty()) issue.pos = pos;
        break;
      }
      const auto slash = pointer.rfind('/');
      if (slash == std::string::npos) break;
      pointer.resize(slash);
    }
  }
}

void IssueList::sort_by_position() {
  std::stable_sort(items_.begin(), items_.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    const auto key = [](const ConfigIssue& i) {
      if (!i.pos || i.pos->line == 0) return std::pair<std::uint32_t, std::uint32_t>{UINT32_MAX, UINT32_MAX};
      return std::pair<std::uint32_t, std::uint32_t>{i.pos->line, i.pos->column};
    };
    return key(a) < key(b);
  });
}

bool IssueList::has_errors() const {
  return count(Severity::error) > 0;
}

std::size_t IssueList::count(Severity severity) const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [&](const ConfigIssue& i) { return i.severity == severity; }));
}

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

std::string format_issue(const ConfigIssue& issue, std::string_view file) {
  std::string location(file);
  if (issue.pos && issue.pos->line > 0) location += fmt::format(":{}:{}", issue.pos->line, issue.pos->column);
  if (issue.path.empty())
    return fmt::format("{}: {}: {}", location, to_string(issue.severity), issue.message);
  return fmt::format("{}: {}: {}: {}", location, to_string(issue.severity), issue.path, issue.message);
}

}  // namespace mmclaw::config
