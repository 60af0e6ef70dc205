// mmsim: a Mattermost server simulator (REST v4, WebSocket, integrations, control API).
// See docs/simulators.md.

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include "mmsim/server.hpp"
#include "util/log.hpp"
#include "util/parent_death.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mmsim: a Mattermost server simulator for tests, demos and benchmarks", "mmsim"};
  mmsim::ServerOptions options;
  std::string fixture_path, log_level = "info", control_token;
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port (0 picks a free one)")->capture_default_str();
  app.add_option("--fixture", fixture_path, "JSON fixture with teams, users, channels and posts");
  app.add_option("--control-token", control_token, "Bearer token the control API requires");
  app.add_option("--site-url", options.model.site_url, "SiteURL (used in slash command response_url)")
      ->capture_default_str();
  app.add_option("--ping-interval-ms", options.hub.ping_interval_ms, "Server ping frames")
      ->capture_default_str();
  app.add_option("--pong-timeout-ms", options.hub.pong_timeout_ms, "Read deadline extended by pongs")
      ->capture_default_str();
  app.add_option("--auth-timeout-ms", options.hub.auth_timeout_ms, "Unauthenticated sockets closed after")
      ->capture_default_str();
  app.add_option("--resume-window-ms", options.hub.resume_window_ms,
                 "How long a dropped connection can resume")
      ->capture_default_str();
  bool rate_limit = false;
  app.add_flag("--rate-limit", rate_limit, "Enable rate limiting (429 with Retry-After)");
  app.add_option("--rate-limit-per-sec", options.model.rate_limit.per_sec, "Sustained requests per second")
      ->capture_default_str();
  app.add_option("--rate-limit-burst", options.model.rate_limit.max_burst, "Burst size")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();
  bool exit_with_parent = false;
  app.add_flag("--exit-with-parent", exit_with_parent, "Exit when the process that started mmsim dies");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (exit_with_parent && !mmclaw::util::exit_when_parent_dies()) return 1;
  options.model.rate_limit.enabled = rate_limit;
  if (!control_token.empty()) options.control_token = control_token;
  const auto level = mmclaw::log::parse_level(log_level);
  if (!level) {
    std::cerr << "mmsim: --log-level must be trace, debug, info, warn, error or off\n";
    return 2;
  }
  mmclaw::log::init({*level, mmclaw::log::Format::text});

  std::signal(SIGPIPE, SIG_IGN);  // a client that vanishes mid-write must not kill the server
  boost::asio::io_context io;
  mmsim::Server server(io, options);
  if (!fixture_path.empty()) {
    std::ifstream in(fixture_path);
    if (!in) {
      std::cerr << "mmsim: cannot read fixture " << fixture_path << "\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = mmsim::Model::parse_fixture_text(text.str());
    if (!parsed) {
      std::cerr << "mmsim: " << fixture_path << ": " << parsed.error().message << "\n";
      return 2;
    }
    if (auto loaded = server.load_fixture(*parsed); !loaded) {
      std::cerr << "mmsim: " << fixture_path << ": " << loaded.error().message << "\n";
      return 2;
    }
  }
  if (auto started = server.start(); !started) {
    std::cerr << "mmsim: " << started.error().message << "\n";
    return 1;
  }
  // Installed before the ready line: a test may send SIGTERM as soon as it has read it.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          co_await server.stop();
          io.stop();
        },
        boost::asio::detached);
  });
  std::cout << "mmsim listening on http://" << options.host << ":" << server.port() << std::endl;

  io.run();
  return 0;
}
