#pragma once
// A declarative schema for the configuration sections mmclaw owns, and the validator that
// checks a parsed file against it, collecting every problem with its key path.
//
// Unknown keys: in sections mmclaw owns (channels.mattermost, mmclaw, secret and model
// providers) they are errors with the closest valid key suggested. In sections shared with
// the rest of an openclaw.json (gateway, messages, agents.defaults, ...) keys mmclaw does not
// read are left alone, except that a key within typo distance of one mmclaw reads is flagged.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/fwd.hpp>

#include "config/issues.hpp"

namespace mmclaw::config {

struct SchemaNode;
using NodePtr = std::shared_ptr<const SchemaNode>;

enum class NodeKind { any, boolean, integer, number, string, enumeration, array, object, map, one_of };

enum class FieldRole {
  normal,
  deprecated,  // accepted, mapped by the snapshot builder, one warning (`note` says what to use)
  legacy,      // rejected with `note` as the message (the reference's doctor-migrated keys)
  ignored,     // an OpenClaw key mmclaw accepts and does not use
};

enum class UnknownKeys {
  reject,  // error, with the closest valid key suggested
  shared,  // ignored, but a near miss of a known key is an error ("did you mean ...?")
  ignore,  // ignored silently
};

struct Field {
  Field(std::string name_, NodePtr node_, std::string doc_ = {}, FieldRole role_ = FieldRole::normal,
        std::string note_ = {})
      : name(std::move(name_)),
        node(std::move(node_)),
        doc(std::move(doc_)),
        role(role_),
        note(std::move(note_)) {}

  std::string name;
  NodePtr node;
  std::string doc;  // one line for docs/configuration.md and `config show`
  FieldRole role = FieldRole::normal;
  std::string note;
};

using ObjectCheck = std::function<void(const boost::json::object&, const KeyPath&, IssueList&)>;
using StringCheck = std::function<std::optional<std::string>(std::string_view)>;

struct SchemaNode {
  NodeKind kind = NodeKind::any;
  // integer / number
  std::optional<double> min;
  std::optional<double> max;
  bool min_exclusive = false;
  // string
  bool non_empty = false;
  StringCheck string_check;
  // enumeration (strings)
  std::vector<std::string> values;
  // array items, map values
  NodePtr element;
  StringCheck key_check;  // map keys
  // object
  std::vector<Field> fields;
  UnknownKeys unknown = UnknownKeys::reject;
  ObjectCheck object_check;
  // one_of: the alternative whose JSON type matches is used (at most one per JSON type)
  std::vector<NodePtr> alternatives;

  [[nodiscard]] const Field* field(std::string_view name) const;
  [[nodiscard]] std::string describe() const;  // "a boolean", "one of \"a\", \"b\"", ...
};

// Builders used to write schemas compactly.
namespace schema {
NodePtr any();
NodePtr boolean();
NodePtr integer(std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
NodePtr number(std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
               bool min_exclusive = false);
NodePtr string(bool non_empty = false, StringCheck check = {});
NodePtr enumeration(std::vector<std::string> values);
NodePtr array(NodePtr element);
NodePtr object(std::vector<Field> fields, UnknownKeys unknown = UnknownKeys::reject, ObjectCheck check = {});
NodePtr map(NodePtr value, StringCheck key_check = {});
NodePtr one_of(std::vector<NodePtr> alternatives);
}  // namespace schema

// Checks `value` against `node`; problems are added to `issues` under `path`.
void validate(const boost::json::value& value, const SchemaNode& node, const KeyPath& path,
              IssueList& issues);

// Every key path the schema documents (maps shown as `<id>`, arrays as `[]`), for docs checks.
std::vector<std::string> schema_key_paths(const SchemaNode& node, const std::string& prefix);

// Human rendering of a JSON value's type for messages: "a string", "an array", ...
std::string describe_json_type(const boost::json::value& value);

}  // namespace mmclaw::config
