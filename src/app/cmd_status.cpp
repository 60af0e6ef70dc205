#include "app/cmd_status.hpp"

#include <chrono>
#include <iostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "app/cmd_config.hpp"
#include "app/gateway_http.hpp"
#include "net/http_client.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

namespace json = boost::json;

namespace {

std::string field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_bool()) return v->get_bool() ? "true" : "false";
  return {};
}

std::string duration_text(std::int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m {}s", seconds / 60, seconds % 60);
  if (seconds < 86400) return fmt::format("{}h {}m", seconds / 3600, seconds % 3600 / 60);
  return fmt::format("{}d {}h", seconds / 86400, seconds % 86400 / 3600);
}


}  // namespace

int run_status(const GlobalOptions& global, const StatusOptions& options) {
  const auto loaded = load_command_config(global, /*resolve_secrets=*/false);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    return kExitUsage;
  }
  if (!loaded.ok()) {
    print_config_issues(loaded, std::cerr, /*include_notes=*/false);
    std::cerr << fmt::format("mmclaw: {} is not valid; run `mmclaw config check` for details\n", loaded.path.string());
    return kExitUsage;
  }
  const auto& gateway = loaded.snapshot->gateway;
  const std::string host = gateway_local_host(gateway);
  const std::string address =
      fmt::format("{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, gateway.port);

  boost::asio::io_context io(1);
  net::HttpClientOptions client_options;
  client_options.timeouts.connect = std::chrono::seconds(2);
  client_options.timeouts.total = std::chrono::seconds(5);
  net::HttpClient http(io, client_options);
  net::HttpClientRequest request;
  request.url = fmt::format("http://{}/readyz", address);
  request.max_response_bytes = 1024 * 1024;
  auto future = boost::asio::co_spawn(io, http.send(std::move(request)), boost::asio::use_future);
  io.run();
  const auto response = future.get();
  if (!response) {
    std::cerr << fmt::format("mmclaw: no gateway answers on {}: {} (is `mmclaw gateway` running with this config?)\n",
                             address, response.error().message);
    return kExitFailure;
  }
  boost::system::error_code ec;
  const json::value body = json::parse(response->body, ec);
  if (ec || !body.is_object() || (response->status != 200 && response->status != 503)) {
    std::cerr << fmt::format("mmclaw: {} answered /readyz with {} and no readiness report; is it mmclaw?\n", address,
                             response->status);
    return kExitFailure;
  }
  const bool ready = response->status == 200;
  if (options.json) {
    std::cout << json::serialize(body) << '\n';
    return ready ? kExitOk : kExitFailure;
  }
  const auto& report = body.get_object();
  const auto* uptime = report.if_contains("uptimeSeconds");
  std::cout << fmt::format("mmclaw {} gateway on {}: {} (up {})\n", field(report, "version"), address,
                           ready ? "ready" : "NOT READY",
                           duration_text(uptime != nullptr && uptime->is_int64() ? uptime->get_int64() : 0));
  if (const auto* accounts = report.if_contains("accounts"); accounts != nullptr && accounts->is_array()) {
    for (const auto& item : accounts->get_array()) {
      if (!item.is_object()) continue;
      const auto& a = item.get_object();
      std::string line = fmt::format("  {}: {}", field(a, "id"), field(a, "state"));
      if (!field(a, "botUsername").empty()) line += fmt::format(" as @{}", field(a, "botUsername"));
      line += fmt::format(" ({})", field(a, "transport"));
      if (const auto* since = a.if_contains("connectedSinceMs"); since != nullptr && since->is_int64())
        line += fmt::format(", connected since {}", util::utc_time(since->get_int64()));
      line += fmt::format(", {} reconnects; posts: {} answered, {} failed, {} not answered", field(a, "reconnects"),
                          field(a, "postsAnswered"), field(a, "postsFailed"), field(a, "postsDropped"));
      std::cout << line << '\n';
      if (!field(a, "lastError").empty()) std::cout << "    last error: " << field(a, "lastError") << '\n';
    }
  }
  return ready ? kExitOk : kExitFailure;
}

}  // namespace mmclaw::app
