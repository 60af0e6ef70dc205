#pragma once
// mmsim's server: REST v4 (the model), the WebSocket endpoint (the hub), Mattermost's outgoing
// integration calls, route faults, and the control API used by tests, benchmarks and the demo.
// Everything runs on one io_context thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include "mmsim/fault_plan.hpp"
#include "mmsim/hub/hub.hpp"
#include "mmsim/model/model.hpp"
#include "net/http_server.hpp"

namespace mmsim {

class WsSocket;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8065;
  std::optional<std::string> control_token;  // required as Bearer on /_control/ when set
  ModelConfig model;
  HubOptions hub;
  std::chrono::milliseconds tick{50};  // how often the hub's timers are checked
  std::size_t call_log_limit = 10000;
  std::size_t max_request_body = 110 * 1024 * 1024;  // MaxFileSize + room for the multipart envelope
};

// One REST call as the control API reports it.
struct CallRecord {
  std::uint64_t index = 0;
  std::int64_t time_ms = 0;
  std::string method;
  std::string path;
  std::string query;
  int status = 0;
  std::string user_id;  // the caller, when the token was valid
  std::int64_t duration_ms = 0;
  std::string body;  // request body, cut at 64 KiB
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  mmclaw::Result<void> load_fixture(const boost::json::value& fixture);
  mmclaw::Result<void> start();  // listens and starts the hub's timer
  [[nodiscard]] std::uint16_t port() const;
  boost::asio::awaitable<void> stop();

 private:
  using HttpRequest = mmclaw::net::HttpRequest;
  using HttpResponse = mmclaw::net::HttpResponse;
  struct ApiOutcome {
    RestResponse response;
    std::string user_id;
  };

  boost::asio::awaitable<HttpResponse> handle(HttpRequest& request,
                                              const mmclaw::net::RequestContext& context);
  void on_upgrade(HttpRequest request, boost::beast::tcp_stream stream, mmclaw::net::RequestContext context);
  // A REST call through the same path whether it came over HTTP or from the control API:
  // faults, the model, integration calls, broadcasts, the call log.
  boost::asio::awaitable<ApiOutcome> call_api(RestRequest request, bool apply_faults);
  void broadcast(const std::vector<Event>& events);
  void execute(const std::vector<HubAction>& actions);
  void schedule_tick();

  // Control API (server_control.cpp).
  boost::asio::awaitable<HttpResponse> handle_control(HttpRequest& request, const std::string& path);
  boost::asio::awaitable<HttpResponse> control_act(const boost::json::object& body);
  boost::asio::awaitable<HttpResponse> control_post(const boost::json::object& body);
  boost::asio::awaitable<HttpResponse> control_upload(const boost::json::object& body);
  HttpResponse control_faults(const boost::json::object& body);
  HttpResponse control_frames(const boost::json::object& body);
  HttpResponse control_posts(std::string_view query) const;
  HttpResponse control_calls(std::string_view query) const;
  HttpResponse control_reactions(std::string_view query) const;
  HttpResponse control_files() const;
  HttpResponse control_connections() const;
  std::optional<std::string> resolve_user(std::string_view name_or_id) const;

  boost::asio::io_context& io_;
  ServerOptions options_;
  std::unique_ptr<Model> model_;
  Hub hub_;
  FaultPlan faults_;
  std::unique_ptr<mmclaw::net::HttpServer> http_;
  std::map<ConnectionKey, std::shared_ptr<WsSocket>> sockets_;
  ConnectionKey next_key_ = 1;
  std::deque<CallRecord> calls_;
  std::uint64_t next_call_index_ = 0;
  boost::asio::steady_timer tick_timer_;
  bool stopping_ = false;
};

// Wall-clock milliseconds: the timestamps Mattermost puts in posts and events.
std::int64_t now_ms();

}  // namespace mmsim
