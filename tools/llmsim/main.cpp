// llmsim: a deterministic OpenAI- and Anthropic-compatible model server for tests, demos and
// benchmarks. Prints one line `llmsim listening on http://HOST:PORT` when it is ready; SIGTERM or
// SIGINT stop it gracefully (exit 0). Exit codes: 1 when it cannot listen, 2 for usage errors.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "llmsim/server.hpp"
#include "util/log.hpp"
#include "util/parent_death.hpp"
#include "util/redact.hpp"

namespace {

namespace asio = boost::asio;
namespace log = mmclaw::log;

// Requests in flight (a stalled stream, say) get this long to end before they are cut.
constexpr std::chrono::milliseconds kStopGrace{2000};

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

int run(int argc, char** argv) {
  CLI::App app{"llmsim: a deterministic OpenAI/Anthropic-compatible model server for tests and demos"};
  llmsim::ServerOptions options;
  std::string level_name = "info";
  int port = options.port;
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--control-token", options.control_token,
                 "Require `Authorization: Bearer TOKEN` on /_control/ endpoints");
  app.add_option("--log-level", level_name, "trace, debug, info, warn, error or off")->capture_default_str();
  bool exit_with_parent = false;
  app.add_flag("--exit-with-parent", exit_with_parent, "Exit when the process that started llmsim dies");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (exit_with_parent && !mmclaw::util::exit_when_parent_dies()) return 1;
  const auto level = log::parse_level(level_name);
  if (!level) {
    fmt::print(stderr, "llmsim: --log-level: unknown level \"{}\"\n", level_name);
    return 2;
  }
  log::init(log::Options{*level, log::Format::text});
  options.port = static_cast<std::uint16_t>(port);
  if (!options.control_token.empty()) mmclaw::util::SecretRegistry::instance().add(options.control_token);
  // A client that vanishes mid-stream must not kill the server with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  asio::io_context io;
  llmsim::Server server(io, options);
  if (auto listening = server.listen(); !listening) {
    fmt::print(stderr, "llmsim: {}\n", listening.error().message);
    return 1;
  }
  server.start();
  // Installed before the ready line: a test may send SIGTERM as soon as it has read it.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("llmsim", "signal {}: stopping", signal);
    asio::co_spawn(io, server.stop(kStopGrace), [&io](std::exception_ptr failure) {
      if (failure) log::error("llmsim", "stopping failed; exiting anyway");
      io.stop();
    });
  });
  fmt::print("llmsim listening on http://{}:{}\n", url_host(options.host), server.port());
  std::fflush(stdout);
  io.run();
  log::info("llmsim", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "llmsim: {}\n", e.what());
    return 1;
  }
}
