#pragma once
// Proxy settings from the environment as plain values (no I/O): HTTPS_PROXY / https_proxy for
// https URLs, HTTP_PROXY / http_proxy for http URLs, NO_PROXY / no_proxy for the exceptions. The
// upper-case name wins when both are set. Credentials in the proxy URL
// (`http://user:pass@proxy:3128`) become `Proxy-Authorization: Basic`; they are never logged.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mmclaw::net {

struct ProxyEndpoint {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
  std::string username;  // percent-decoded; empty = no credentials
  std::string password;

  // "Basic <base64(user:pass)>", or "" without credentials. A secret: never log it.
  [[nodiscard]] std::string authorization() const;
  bool operator==(const ProxyEndpoint&) const = default;
};

struct ProxySettings {
  std::optional<ProxyEndpoint> http;   // for http:// URLs
  std::optional<ProxyEndpoint> https;  // for https:// URLs
  std::string no_proxy;                // the raw NO_PROXY list

  bool operator==(const ProxySettings&) const = default;
};

// Returns the value of an environment variable, or nullopt. Injected so tests need no real env.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// std::getenv.
EnvLookup system_env_lookup();

// "http://[user:pass@]host[:port][/]" or "host[:port]" (http assumed); the port defaults to 80
// for http and 3128 when no scheme is given. Only http:// proxies are supported (an https:// proxy
// URL is invalid_input). The error message never contains the credentials.
Result<ProxyEndpoint> parse_proxy_url(std::string_view url);

// Reads the variables through `env`. Unset or empty variables mean "no proxy"; an invalid proxy
// URL is an invalid_input error naming the variable.
Result<ProxySettings> proxy_settings_from_env(const EnvLookup& env);

// True when `host`:`port` must be reached directly according to the NO_PROXY list: comma or
// space separated entries; `*` matches everything; `example.com` and `.example.com` match the
// domain and its subdomains; IP addresses and CIDR ranges match addresses; `host:port` only
// matches that port. Case-insensitive; IPv6 hosts may be given with or without brackets.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port);

// The proxy for a request to scheme://host:port, or nullopt for a direct connection.
std::optional<ProxyEndpoint> proxy_for(const ProxySettings& settings, std::string_view scheme,
                                       std::string_view host, std::uint16_t port);

}  // namespace mmclaw::net
