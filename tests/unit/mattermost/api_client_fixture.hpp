#pragma once
// The fixture of the REST client tests against the real mmsim process (api_client_test.cpp,
// target_resolver_test.cpp): an Api of the demo fixture's bot, mmsim's control API, and a bounded
// runner for coroutines on the test's io_context. Everything on 127.0.0.1.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "mattermost/api.hpp"
#include "net/http_client.hpp"
#include "support/mmsim_process.hpp"

namespace mmclaw::mattermost::test_support {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using namespace test::mmsim_demo;  // kBotToken, kTownSquare, ...
using Mmsim = test::MmsimProcess;
constexpr std::string_view kMissingId = "zzzzzzzzzzzzzzzzzzzzzzzzzz";

class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mmsim_ = std::make_unique<Mmsim>();
    net::SsrfPolicy allow;
    allow.allow_private_network = true;
    http_ =
        std::make_unique<net::HttpClient>(io_, http_options_with_ssrf_guard(net::HttpClientOptions{}, allow));
    api_ = make_api();
  }

  void TearDown() override {
    api_.reset();
    http_.reset();
    io_.restart();
    io_.poll();
    mmsim_.reset();
  }

  ApiOptions options(std::string base_url = {}, std::string token = std::string(kBotToken)) {
    ApiOptions o;
    o.base_url = base_url.empty() ? mmsim_->base_url() : std::move(base_url);
    o.token = std::move(token);
    o.ssrf.allow_private_network = true;  // mmsim is on loopback (channel-behaviour §2.3)
    return o;
  }

  std::unique_ptr<Api> make_api() { return std::make_unique<Api>(*http_, options()); }

  // Runs `task` on the test's io_context until it ends (bounded).
  template <class T>
  T run(asio::awaitable<T> task, std::chrono::milliseconds limit = 30s) {
    struct State {
      bool done = false;
      std::exception_ptr failure;
      std::optional<T> result;
    };
    auto state = std::make_shared<State>();
    asio::co_spawn(io_, std::move(task), [state](std::exception_ptr e, T value) {
      state->done = true;
      state->failure = e;
      if (!e) state->result.emplace(std::move(value));
    });
    drive(limit, [state] { return state->done; });
    if (state->failure) std::rethrow_exception(state->failure);
    return std::move(*state->result);
  }

  void run_void(asio::awaitable<void> task, std::chrono::milliseconds limit = 30s) {
    auto done = std::make_shared<bool>(false);
    asio::co_spawn(io_, std::move(task), [done](std::exception_ptr) { *done = true; });
    drive(limit, [done] { return *done; });
  }

  template <class Done>
  void drive(std::chrono::milliseconds limit, Done done) {
    const auto deadline = Clock::now() + limit;
    io_.restart();
    while (!done() && Clock::now() < deadline) io_.run_one_for(50ms);
    if (!done()) throw std::runtime_error("the operation did not end in time");
  }

  // mmsim's control API: GET when `body` is null, else POST; it must answer 200.
  json::value control(std::string_view path, const json::value& body = nullptr) {
    return mmsim_->control(path, body);
  }

  void fault(const json::object& spec) { control("/_control/faults", spec); }

  // REST calls mmsim logged, from index `since` on.
  json::array calls(std::int64_t since = 0) {
    return control("/_control/calls?since=" + std::to_string(since)).as_array();
  }
  std::int64_t next_call_index() {
    const auto all = calls();
    return all.empty() ? 0 : all.back().at("index").to_number<std::int64_t>() + 1;
  }
  std::size_t count_calls(const json::array& log, std::string_view method, std::string_view path) {
    std::size_t n = 0;
    for (const auto& call : log)
      if (call.at("method").as_string() == method && call.at("path").as_string() == path) ++n;
    return n;
  }

  json::array posts_of(std::string_view channel_id) {
    return control("/_control/posts?channel_id=" + std::string(channel_id)).as_array();
  }

  Post create(std::string message, std::string root_id = {}, std::string channel = std::string(kTownSquare)) {
    CreatePost post;
    post.channel_id = std::move(channel);
    post.message = std::move(message);
    post.root_id = std::move(root_id);
    auto created = run(api_->create_post(std::move(post)));
    if (!created) throw std::runtime_error("create_post failed: " + created.error().error.message);
    return *created;
  }

  asio::io_context io_;
  std::unique_ptr<Mmsim> mmsim_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<Api> api_;
};

}  // namespace mmclaw::mattermost::test_support
