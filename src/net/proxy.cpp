#include "net/proxy.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>
#include <vector>

#include <boost/url/parse.hpp>

#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace mmclaw::net {

namespace {

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return util::to_lower(host);
}

// One NO_PROXY entry split into host pattern and optional port.
struct NoProxyEntry {
  std::string host;
  std::optional<std::uint16_t> port;
};

NoProxyEntry split_entry(std::string_view entry) {
  NoProxyEntry out;
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find(']');
    if (close != std::string_view::npos) {
      out.host = util::to_lower(entry.substr(1, close - 1));
      if (close + 1 < entry.size() && entry[close + 1] == ':') out.port = parse_port(entry.substr(close + 2));
      return out;
    }
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    out.host = util::to_lower(entry.substr(0, colon));
    out.port = parse_port(entry.substr(colon + 1));
    if (!out.port) out.port = 0;  // a port that cannot match
    return out;
  }
  out.host = util::to_lower(entry);  // a name, an IPv4 address or CIDR, or a bare IPv6 address
  return out;
}

}  // namespace

std::string ProxyEndpoint::authorization() const {
  if (username.empty() && password.empty()) return {};
  return "Basic " + base64(username + ":" + password);
}

EnvLookup system_env_lookup() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<ProxyEndpoint> parse_proxy_url(std::string_view url) {
  const std::string_view trimmed = util::trim(url);
  std::string text(trimmed);
  bool had_scheme = text.find("://") != std::string::npos;
  if (!had_scheme) text = "http://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail(Error::invalid_input("proxy URL is not a valid URL"));
  const auto scheme = util::to_lower(parsed->scheme());
  if (scheme != "http")
    return fail(Error::invalid_input("proxy URL scheme must be http (got " + scheme + ")"));
  ProxyEndpoint endpoint;
  endpoint.host = strip_brackets(parsed->encoded_host_address());
  if (endpoint.host.empty()) return fail(Error::invalid_input("proxy URL has no host"));
  if (parsed->has_port()) {
    auto port = parse_port(parsed->port());
    if (!port) return fail(Error::invalid_input("proxy URL has an invalid port"));
    endpoint.port = *port;
  } else {
    endpoint.port = had_scheme ? 80 : 3128;
  }
  if (parsed->has_userinfo()) {
    endpoint.username = parsed->user();
    endpoint.password = parsed->password();
  }
  return endpoint;
}

Result<ProxySettings> proxy_settings_from_env(const EnvLookup& env) {
  auto first = [&](std::string_view upper, std::string_view lower) -> std::pair<std::string, std::string> {
    for (auto name : {upper, lower}) {
      auto value = env(name);
      if (value && !util::trim(*value).empty()) return {std::string(name), *value};
    }
    return {};
  };
  ProxySettings settings;
  for (auto [upper, lower, slot] : {std::tuple{"HTTPS_PROXY", "https_proxy", &settings.https},
                                    std::tuple{"HTTP_PROXY", "http_proxy", &settings.http}}) {
    auto [name, value] = first(upper, lower);
    if (name.empty()) continue;
    auto endpoint = parse_proxy_url(value);
    if (!endpoint) return fail(Error::invalid_input(name + ": " + endpoint.error().message));
    *slot = std::move(*endpoint);
  }
  settings.no_proxy = first("NO_PROXY", "no_proxy").second;
  return settings;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host_in, std::uint16_t port) {
  const std::string host = strip_brackets(host_in);
  const auto host_ip = util::IpAddress::parse(host);
  std::string list(no_proxy);
  for (char& c : list)
    if (c == ' ' || c == '\t') c = ',';
  for (auto raw : util::split(list, ',')) {
    const auto token = util::trim(raw);
    if (token.empty()) continue;
    if (token == "*") return true;
    const auto entry = split_entry(token);
    if (entry.port && *entry.port != port) continue;
    if (entry.host.empty()) continue;
    if (host_ip) {
      if (auto cidr = util::Cidr::parse(entry.host); cidr && cidr->contains(*host_ip)) return true;
      continue;
    }
    std::string_view pattern = entry.host;
    if (pattern.starts_with("*.")) pattern.remove_prefix(1);
    if (pattern.starts_with('.')) pattern.remove_prefix(1);
    if (pattern.empty()) continue;
    if (host == pattern) return true;
    if (host.size() > pattern.size() && host.ends_with(pattern) &&
        host[host.size() - pattern.size() - 1] == '.')
      return true;
  }
  return false;
}

std::optional<ProxyEndpoint> proxy_for(const ProxySettings& settings, std::string_view scheme,
                                       std::string_view host, std::uint16_t port) {
  const auto& endpoint = util::iequals(scheme, "https") ? settings.https : settings.http;
  if (!endpoint) return std::nullopt;
  if (no_proxy_matches(settings.no_proxy, host, port)) return std::nullopt;
  return endpoint;
}

}  // namespace mmclaw::net
