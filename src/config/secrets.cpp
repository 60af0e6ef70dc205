#include "config/secrets.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/schema_openclaw.hpp"
#include "util/paths.hpp"
#include "util/subprocess.hpp"

namespace mmclaw::config {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kDefaultTimeoutMs = 5000;
constexpr std::int64_t kDefaultMaxBytes = 1024 * 1024;

std::string describe_ref(std::string_view source, std::string_view provider, std::string_view id) {
  return fmt::format("secret reference {{source: \"{}\", provider: \"{}\", id: \"{}\"}}", source, provider,
                     id);
}

std::int64_t int_or(const json::object& obj, std::string_view key, std::int64_t fallback) {
  if (const auto* v = obj.if_contains(key); v && v->is_number()) return v->to_number<std::int64_t>();
  return fallback;
}

std::string string_or(const json::object& obj, std::string_view key, std::string_view fallback) {
  if (const auto* v = obj.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return std::string(fallback);
}

std::vector<std::string> strings_of(const json::object& obj, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = obj.if_contains(key); v && v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

std::string strip_one_trailing_newline(std::string text) {
  if (text.ends_with("\r\n"))
    text.resize(text.size() - 2);
  else if (text.ends_with('\n'))
    text.pop_back();
  return text;
}

// Secrets must be files only their owner can read: no symlinks, no extra hard links.
std::expected<void, std::string> check_private_file(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return std::unexpected(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  if (S_ISLNK(st.st_mode))
    return std::unexpected(
        fmt::format("{} is a symbolic link; point the provider at the file itself", path.string()));
  if (!S_ISREG(st.st_mode)) return std::unexpected(fmt::format("{} is not a regular file", path.string()));
  if (st.st_nlink != 1)
    return std::unexpected(
        fmt::format("{} must not be hardlinked (it has {} links)", path.string(), st.st_nlink));
  if (st.st_uid != ::getuid())
    return std::unexpected(fmt::format("{} must be owned by the user running mmclaw", path.string()));
  if ((st.st_mode & 077) != 0)
    return std::unexpected(fmt::format("{} is readable by other users (mode {:o}); run: chmod 600 {}",
                                       path.string(), st.st_mode & 0777, path.string()));
  return {};
}

// A resolver program must not be replaceable by someone else.
std::expected<void, std::string> check_trusted_program(const fs::path& path,
                                                       const std::vector<std::string>& trusted_dirs) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return std::unexpected(fmt::format("cannot run {}: {}", path.string(), std::strerror(errno)));
  if (S_ISLNK(st.st_mode))
    return std::unexpected(fmt::format("{} is a symbolic link; configure the real path (realpath {})",
                                       path.string(), path.string()));
  if (!S_ISREG(st.st_mode)) return std::unexpected(fmt::format("{} is not a regular file", path.string()));
  if (st.st_uid != ::getuid() && st.st_uid != 0)
    return std::unexpected(
        fmt::format("{} must be owned by the user running mmclaw or by root", path.string()));
  if ((st.st_mode & 022) != 0)
    return std::unexpected(fmt::format("{} must not be group- or world-writable", path.string()));
  if (!trusted_dirs.empty()) {
    const auto parent = path.parent_path().lexically_normal();
    bool inside = false;
    for (const auto& dir : trusted_dirs) inside = inside || parent == fs::path(dir).lexically_normal();
    if (!inside) return std::unexpected(fmt::format("{} is not in one of trustedDirs", path.string()));
  }
  return {};
}

}  // namespace

SecretResolver::SecretResolver(const json::object* secrets_section, EnvLookup env, fs::path home,
                               fs::path base_dir)
    : secrets_(secrets_section),
      env_(std::move(env)),
      home_(std::move(home)),
      base_dir_(std::move(base_dir)) {}

ValueSource SecretResolver::declared_source(const json::value& input, bool from_env_substitution) {
  if (input.is_string()) {
    const std::string_view s = input.get_string();
    if (from_env_substitution || (s.size() > 1 && s[0] == '$' && is_env_var_name(s.substr(1))))
      return ValueSource::env;
    return s.empty() ? ValueSource::none : ValueSource::config;
  }
  if (input.is_object())
    if (const auto* src = input.get_object().if_contains("source"); src && src->is_string()) {
      const std::string_view s = src->get_string();
      if (s == "env") return ValueSource::env;
      if (s == "file") return ValueSource::file;
      if (s == "exec") return ValueSource::exec;
    }
  return ValueSource::none;
}

const json::object* SecretResolver::provider_entry(std::string_view name) const {
  if (secrets_ == nullptr) return nullptr;
  const auto* providers = secrets_->if_contains("providers");
  if (providers == nullptr || !providers->is_object()) return nullptr;
  const auto* entry = providers->get_object().if_contains(name);
  return entry != nullptr && entry->is_object() ? &entry->get_object() : nullptr;
}

std::string SecretResolver::default_alias(std::string_view source) const {
  if (secrets_ != nullptr)
    if (const auto* defaults = secrets_->if_contains("defaults"); defaults && defaults->is_object())
      return string_or(defaults->get_object(), source, "default");
  return "default";
}

std::expected<Secret, std::string> SecretResolver::resolve(const json::value& input,
                                                           bool from_env_substitution) {
  if (input.is_string()) {
    const std::string_view s = input.get_string();
    // "$NAME" is OpenClaw's shorthand for an env reference on secret inputs.
    if (s.size() > 1 && s[0] == '$' && is_env_var_name(s.substr(1)))
      return resolve_env(default_alias("env"), s.substr(1));
    if (s.empty()) return Secret{};
    return Secret{std::string(s), from_env_substitution ? ValueSource::env : ValueSource::config,
                  from_env_substitution ? "${...} in the config file" : "config file"};
  }
  if (!input.is_object()) return std::unexpected("must be a string or a secret reference");
  const auto& ref = input.get_object();
  const std::string source = string_or(ref, "source", "");
  const std::string provider = string_or(ref, "provider", "");
  const std::string id = string_or(ref, "id", "");
  const std::string key = fmt::format("{}:{}:{}", source, provider, id);
  if (auto hit = cache_.find(key); hit != cache_.end()) return hit->second;

  std::expected<Secret, std::string> result;
  if (source == "env")
    result = resolve_env(provider, id);
  else if (source == "file")
    result = resolve_file(provider, id);
  else if (source == "exec")
    result = resolve_exec(provider, id);
  else if (source == "store")
    result =
        std::unexpected(fmt::format("{}: \"store\" secret references read OpenClaw's own state database and "
                                    "are not supported by mmclaw; use an "
                                    "env, file or exec reference",
                                    describe_ref(source, provider, id)));
  else
    result = std::unexpected(fmt::format("unknown secret source \"{}\"", source));
  if (result) cache_.emplace(key, *result);
  return result;
}

std::expected<Secret, std::string> SecretResolver::resolve_env(std::string_view provider,
                                                               std::string_view id) {
  const auto* entry = provider_entry(provider);
  if (entry != nullptr && string_or(*entry, "source", "") != "env")
    entry = nullptr;  // another source's alias
  if (entry == nullptr && provider != default_alias("env") && provider != "default")
    return std::unexpected(fmt::format("{}: no env provider \"{}\" in secrets.providers",
                                       describe_ref("env", provider, id), provider));
  if (entry != nullptr && entry->contains("allowlist")) {
    const auto allowed = strings_of(*entry, "allowlist");
    if (std::find(allowed.begin(), allowed.end(), id) == allowed.end())
      return std::unexpected(fmt::format("{}: {} is not in the allowlist of provider \"{}\"",
                                         describe_ref("env", provider, id), id, provider));
  }
  const auto value = env_(id);
  if (!value || value->empty())
    return std::unexpected(fmt::format("{}: environment variable {} is {}", describe_ref("env", provider, id),
                                       id, value ? "empty" : "not set"));
  return Secret{*value, ValueSource::env, std::string(id)};
}

std::expected<Secret, std::string> SecretResolver::resolve_file(std::string_view provider,
                                                                std::string_view id) {
  const std::string ref = describe_ref("file", provider, id);
  const auto* entry = provider_entry(provider);
  if (entry == nullptr || string_or(*entry, "source", "") != "file")
    return std::unexpected(fmt::format("{}: no file provider \"{}\" in secrets.providers", ref, provider));
  fs::path path = util::expand_home(string_or(*entry, "path", ""), home_);
  if (path.is_relative()) path = base_dir_ / path;
  const std::string mode = string_or(*entry, "mode", "json");
  const auto max_bytes = int_or(*entry, "maxBytes", kDefaultMaxBytes);

  if (auto ok = check_private_file(path); !ok) return std::unexpected(fmt::format("{}: {}", ref, ok.error()));
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return std::unexpected(fmt::format("{}: cannot read {}: {}", ref, path.string(), ec.message()));
  if (static_cast<std::int64_t>(size) > max_bytes)
    return std::unexpected(
        fmt::format("{}: {} is larger than maxBytes ({} bytes)", ref, path.string(), max_bytes));
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) return std::unexpected(fmt::format("{}: cannot read {}", ref, path.string()));
  std::string contents = buffer.str();

  if (mode == "singleValue") {
    if (id != "value")
      return std::unexpected(fmt::format("{}: a singleValue provider takes the id \"value\"", ref));
    contents = strip_one_trailing_newline(std::move(contents));
    if (contents.empty()) return std::unexpected(fmt::format("{}: {} is empty", ref, path.string()));
    return Secret{std::move(contents), ValueSource::file, fmt::format("file:{}:{}", provider, id)};
  }
  json::error_code jec;
  const json::value doc = json::parse(contents, jec);
  if (jec) return std::unexpected(fmt::format("{}: {} is not valid JSON", ref, path.string()));
  const json::value* found = doc.find_pointer(id, jec);
  if (found == nullptr)
    return std::unexpected(fmt::format("{}: {} has nothing at {}", ref, path.string(), id));
  if (!found->is_string() || found->get_string().empty())
    return std::unexpected(
        fmt::format("{}: the value at {} in {} is not a non-empty string", ref, id, path.string()));
  return Secret{std::string(found->get_string()), ValueSource::file, fmt::format("file:{}:{}", provider, id)};
}

std::expected<Secret, std::string> SecretResolver::resolve_exec(std::string_view provider,
                                                                std::string_view id) {
  const std::string ref = describe_ref("exec", provider, id);
  const auto* entry = provider_entry(provider);
  if (entry == nullptr || string_or(*entry, "source", "") != "exec")
    return std::unexpected(fmt::format("{}: no exec provider \"{}\" in secrets.providers", ref, provider));
  if (entry->contains("pluginIntegration"))
    return std::unexpected(
        fmt::format("{}: plugin-managed exec providers are not supported by mmclaw; set `command`", ref));
  const fs::path command = string_or(*entry, "command", "");
  if (auto ok = check_trusted_program(command, strings_of(*entry, "trustedDirs")); !ok)
    return std::unexpected(fmt::format("{}: {}", ref, ok.error()));

  util::SubprocessOptions options;
  options.argv.push_back(command.string());
  for (auto& arg : strings_of(*entry, "args")) options.argv.push_back(std::move(arg));
  std::vector<std::string> environment;  // only what the provider asks for
  for (const auto& name : strings_of(*entry, "passEnv"))
    if (auto value = env_(name)) environment.push_back(name + "=" + *value);
  if (const auto* extra = entry->if_contains("env"); extra && extra->is_object())
    for (const auto& member : extra->get_object())
      if (member.value().is_string())
        environment.push_back(std::string(member.key()) + "=" + std::string(member.value().get_string()));
  options.env = std::move(environment);
  const auto timeout = int_or(*entry, "timeoutMs", kDefaultTimeoutMs);
  options.timeout = std::chrono::milliseconds(timeout);
  options.no_output_timeout = std::chrono::milliseconds(int_or(*entry, "noOutputTimeoutMs", timeout));
  options.max_stdout_bytes = static_cast<std::size_t>(int_or(*entry, "maxOutputBytes", kDefaultMaxBytes));
  options.stdin_data = json::serialize(
      json::object{{"protocolVersion", 1}, {"provider", provider}, {"ids", json::array{json::string(id)}}});

  auto run = util::run_subprocess(options);
  if (!run) return std::unexpected(fmt::format("{}: {}", ref, run.error().message));
  // The resolver's output may contain credentials: never quote it in an error.
  if (run->term_signal != 0)
    return std::unexpected(
        fmt::format("{}: {} was killed by signal {}", ref, command.string(), run->term_signal));
  if (run->exit_code != 0)
    return std::unexpected(
        fmt::format("{}: {} exited with status {}", ref, command.string(), run->exit_code));

  json::error_code jec;
  const json::value reply = json::parse(run->stdout_data, jec);
  if (jec || !reply.is_object()) {
    const bool json_only = [&] {
      const auto* v = entry->if_contains("jsonOnly");
      return v == nullptr || !v->is_bool() || v->get_bool();
    }();
    if (json_only)
      return std::unexpected(
          fmt::format("{}: {} did not answer with a protocol version 1 JSON object", ref, command.string()));
    std::string plain = strip_one_trailing_newline(run->stdout_data);
    if (plain.empty()) return std::unexpected(fmt::format("{}: {} printed nothing", ref, command.string()));
    return Secret{std::move(plain), ValueSource::exec, fmt::format("exec:{}:{}", provider, id)};
  }
  const auto& obj = reply.get_object();
  if (const auto* version = obj.if_contains("protocolVersion");
      !version || !version->is_number() || version->to_number<double>() != 1)
    return std::unexpected(fmt::format("{}: {} answered with an unsupported protocolVersion (expected 1)",
                                       ref, command.string()));
  if (const auto* errors = obj.if_contains("errors"); errors && errors->is_object())
    if (const auto* err = errors->get_object().if_contains(id)) {
      std::string code = "error";
      if (err->is_object()) code = string_or(err->get_object(), "code", "error");
      if (code != "NOT_FOUND" && code != "AMBIGUOUS_DUPLICATE_KEY") code = "error";
      return std::unexpected(fmt::format("{}: {} reported {} for this id", ref, command.string(), code));
    }
  const auto* values = obj.if_contains("values");
  const json::value* value = values && values->is_object() ? values->get_object().if_contains(id) : nullptr;
  if (value == nullptr || !value->is_string() || value->get_string().empty())
    return std::unexpected(fmt::format("{}: {} returned no value for this id", ref, command.string()));
  return Secret{std::string(value->get_string()), ValueSource::exec, fmt::format("exec:{}:{}", provider, id)};
}

}  // namespace mmclaw::config
