#pragma once
// llmsim's HTTP surface on net::HttpServer: OpenAI Chat Completions (/v1/chat/completions),
// Anthropic Messages (/v1/messages), /v1/models, and the control endpoint under /_control/.
// Requests are answered by the plan their directive asks for (llmsim/plan.hpp), acted out with the
// delays, stalls, drops and failures it names. One io_context thread; not thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "llmsim/state.hpp"
#include "util/error.hpp"

namespace llmsim {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 11435;  // 0 = a free port
  std::string control_token;   // "" = the control endpoint needs no token
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_recorded_requests = 1000;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Result<void> listen();
  [[nodiscard]] std::uint16_t port() const;
  void start();
  // Stops accepting, lets streams in flight run for up to `grace`, then closes everything.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds grace);
  State& state();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmsim
