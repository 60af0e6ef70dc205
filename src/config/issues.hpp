#pragma once
// What configuration loading found wrong: each issue names the key path a user edits
// (`channels.mattermost.accounts.ops.dmPolicy`) and, when known, the file position.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/json5.hpp"

namespace mmclaw::config {

// A location in the configuration tree. Renders both as the dotted path users read and as the
// JSON pointer that finds the source position.
class KeyPath {
 public:
  KeyPath() = default;
  static KeyPath parse_dotted(std::string_view dotted);  // "a.b.c" (no brackets)

  [[nodiscard]] KeyPath child(std::string_view key) const;
  [[nodiscard]] KeyPath index(std::size_t i) const;
  [[nodiscard]] std::string dotted() const;   // groups["*"].requireMention, models[0].id
  [[nodiscard]] std::string pointer() const;  // /groups/*/requireMention
  [[nodiscard]] bool empty() const { return segments_.empty(); }
  [[nodiscard]] std::string_view last() const;

 private:
  struct Segment {
    std::string name;
    bool is_index = false;
  };
  std::vector<Segment> segments_;
};

enum class Severity { error, warning, note };

struct ConfigIssue {
  Severity severity = Severity::error;
  std::string path;     // dotted key path; empty for whole-file problems
  std::string pointer;  // JSON pointer used to find `pos`
  std::string message;
  std::optional<SourcePos> pos;
};

class IssueList {
 public:
  void error(const KeyPath& path, std::string message);
  void warning(const KeyPath& path, std::string message);
  void note(const KeyPath& path, std::string message);
  // An identical issue is kept once (a top-level key inherited by several accounts).
  void add(ConfigIssue issue);

  // Fills in file positions for issues whose pointer (or nearest ancestor) is in the document.
  void locate(const Json5Document& document);
  // Orders issues as they appear in the file; issues without a position keep their order, last.
  void sort_by_position();

  [[nodiscard]] bool has_errors() const;
  [[nodiscard]] std::size_t count(Severity severity) const;
  [[nodiscard]] const std::vector<ConfigIssue>& items() const { return items_; }

 private:
  std::vector<ConfigIssue> items_;
};

// "openclaw.json:12:5: error: channels.mattermost.dmPolicy: must be one of ..."
std::string format_issue(const ConfigIssue& issue, std::string_view file);
std::string_view to_string(Severity severity) noexcept;

}  // namespace mmclaw::config
