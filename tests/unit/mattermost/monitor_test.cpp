// The WebSocket monitor against the real mmsim process over loopback: connect and authenticate,
// events, resume after dropped sockets, a server restart, a half-open socket, a silently
// invalidated session, a rejected token and stop(). Every wait is bounded in time and polls, so a
// slow machine makes a test slower, never red.

#include "mattermost/monitor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "mattermost/api.hpp"
#include "net/http_client.hpp"
#include "support/mmsim_process.hpp"
#include "util/log.hpp"

namespace mmclaw::mattermost {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using namespace test::mmsim_demo;  // kBotToken, kBotId, kTownSquare, ...
using test::MmsimProcess;

// Generous: these bound a wait that normally ends in well under a second.
constexpr auto kWait = 20s;

// Short timings so that every path runs in a second or two; no jitter, so delays are exact.
MonitorTimings test_timings() {
  MonitorTimings t;
  t.connect_timeout_ms = 5000;
  t.auth_timeout_ms = 5000;
  t.ping_interval_ms = 500;
  t.pong_timeout_ms = 3000;  // generous: a late pong on a busy machine must not look like a dead socket
  t.read_idle_timeout_ms = 10000;
  t.health_interval_ms = 500;
  t.reconnect = net::BackoffPolicy{300, 2000, 2.0, 0.0};
  t.identity = net::BackoffPolicy{200, 1000, 2.0, 0.0};
  return t;
}

// One monitor on its own io_context, pumped by the test thread; records everything the monitor
// reports. Control calls to mmsim go through the same loop, so the monitor keeps running while the
// test talks to the server.
class Harness {
 public:
  Harness(const MmsimProcess& mmsim, std::string_view token, MonitorTimings timings = test_timings())
      : mmsim_(mmsim),
        base_url_(mmsim.base_url()),
        work_(io_.get_executor()),
        http_(io_, net::HttpClientOptions{}) {
    ApiOptions api_options;
    api_options.base_url = base_url_;
    api_options.token = std::string(token);
    api_options.ssrf.allow_private_network = true;  // mmsim listens on 127.0.0.1
    api_options.request_timeout = 5000ms;
    api_ = std::make_unique<Api>(http_, api_options);

    MonitorConfig config;
    config.account_id = "default";
    config.base_url = base_url_;
    config.token = std::string(token);
    config.fsm.timings = timings;
    MonitorCallbacks callbacks;
    callbacks.on_event = [this](const Event& event) {
      if (run_done_) after_run_callbacks_++;
      events_.push_back(event);
      if (event_hook_) event_hook_(event);
    };
    callbacks.on_catch_up = [this](CatchUpReason reason) {
      if (run_done_) after_run_callbacks_++;
      catch_ups_.push_back(reason);
    };
    callbacks.on_status = [this](const MonitorStatus& status) {
      if (run_done_) after_run_callbacks_++;
      statuses_.push_back(status);
      if (status_hook_) status_hook_(status);
    };
    monitor_ = std::make_unique<Monitor>(io_, *api_, std::move(config), std::move(callbacks));
  }

  ~Harness() {
    if (started_ && !run_done_) {
      monitor_->stop();
      (void)run_until([this] { return run_done_; }, 10s);
    }
  }

  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  void start() {
    started_ = true;
    asio::co_spawn(io_, monitor_->run(), [this](std::exception_ptr error) {
      run_done_ = true;
      run_error_ = error;
    });
  }

  // As a supervisor runs it: with a cancellation slot (ARCHITECTURE.md rule 3).
  void start_cancellable(asio::cancellation_signal& signal) {
    started_ = true;
    asio::co_spawn(io_, monitor_->run(),
                   asio::bind_cancellation_slot(signal.slot(), [this](std::exception_ptr error) {
                     run_done_ = true;
                     run_error_ = error;
                   }));
  }

  // Pumps the loop until `done` or `timeout`; true when `done`.
  bool run_until(const std::function<bool()>& done, Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      io_.run_one_for(20ms);
    }
    return true;
  }

  // Pumps the loop for `duration` whatever happens.
  void run_for(Clock::duration duration) {
    (void)run_until([] { return false; }, duration);
  }

  // A control call to mmsim (GET when `body` is null, else POST; it must answer 200); the reply
  // parsed. It runs on a thread of its own while this thread pumps the loop, so the monitor keeps
  // running while the test talks to the server.
  json::value control(std::string_view path, const json::value& body = nullptr) {
    auto reply = std::async(std::launch::async, [this, path = std::string(path), body] {
      return mmsim_.control(path, body, kWait);
    });
    // The call is bounded by kWait per step; this only waits for it to end.
    (void)run_until([&] { return reply.wait_for(0s) == std::future_status::ready; }, 3 * kWait);
    return reply.get();
  }

  void post_as_alice_to_bot(std::string_view message) {
    json::object body;
    body["as"] = "alice";
    body["to"] = "mmclaw";
    body["message"] = message;
    control("/_control/post", body);
  }

  void post_as_alice_in_town_square(std::string_view message) {
    json::object body;
    body["as"] = "alice";
    body["channel_id"] = kTownSquare;
    body["message"] = message;
    control("/_control/post", body);
  }

  void fault(json::object body) { control("/_control/faults", body); }

  // The bot's live sockets as mmsim sees them (it also lists resumable connections without one).
  std::vector<json::object> bot_connections() {
    std::vector<json::object> out;
    const auto connections = control("/_control/connections");
    for (const auto& c : connections.as_array()) {
      const auto& connection = c.as_object();
      const auto* socket = connection.if_contains("socket");
      const bool live = connection.at("active").as_bool() && (socket == nullptr || !socket->is_null());
      if (connection.at("user_id").as_string() == kBotId && live) out.push_back(connection);
    }
    return out;
  }

  // Number of GET /api/v4/users/me calls mmsim logged with index >= since; `next` gets the index to
  // pass next time.
  int users_me_calls(std::int64_t since, std::int64_t* next = nullptr) {
    int count = 0;
    std::int64_t last = since - 1;
    const auto calls = control("/_control/calls?since=" + std::to_string(since));
    for (const auto& c : calls.as_array()) {
      const auto& call = c.as_object();
      last = std::max(last, call.at("index").to_number<std::int64_t>());
      if (call.at("method").as_string() == "GET" && call.at("path").as_string() == "/api/v4/users/me")
        ++count;
    }
    if (next) *next = last + 1;
    return count;
  }

  bool wait_ready() {
    return run_until([this] { return monitor_->status().state == MonitorState::ready; }, kWait);
  }

  // The first posted event whose message is `message`, or null.
  const PostedEvent* posted(std::string_view message) const {
    for (const auto& event : events_) {
      if (const auto* p = std::get_if<PostedEvent>(&event); p && p->post.message == message) return p;
    }
    return nullptr;
  }

  bool wait_posted(std::string_view message) {
    return run_until([&] { return posted(message) != nullptr; }, kWait);
  }

  int catch_ups_of(CatchUpReason reason) const {
    return static_cast<int>(std::count(catch_ups_.begin(), catch_ups_.end(), reason));
  }

  bool saw_state_since(std::size_t from, MonitorState state) const {
    for (std::size_t i = from; i < statuses_.size(); ++i) {
      if (statuses_[i].state == state) return true;
    }
    return false;
  }

  Monitor& monitor() { return *monitor_; }
  asio::io_context& io() { return io_; }

  std::vector<Event> events_;
  std::vector<CatchUpReason> catch_ups_;
  std::vector<MonitorStatus> statuses_;
  bool started_ = false;
  bool run_done_ = false;
  std::exception_ptr run_error_;
  int after_run_callbacks_ = 0;
  // Run inside the monitor's callbacks, to check that it copes with being stopped from them.
  std::function<void(const Event&)> event_hook_;
  std::function<void(const MonitorStatus&)> status_hook_;

 private:
  const MmsimProcess& mmsim_;
  std::string base_url_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  net::HttpClient http_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Monitor> monitor_;
};

class MonitorIoTest : public ::testing::Test {
 protected:
  // Log lines are collected (and shown on failure) instead of filling the test output.
  log::CaptureSink logs_;

  bool logged(std::string_view needle) const {
    const auto lines = logs_.lines();
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(needle) != std::string::npos; });
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const auto& line : logs_.lines()) std::fprintf(stderr, "  log: %s\n", line.c_str());
    }
  }
};

TEST_F(MonitorIoTest, ConnectsAuthenticatesAndReportsReady) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());

  const auto& status = h.monitor().status();
  EXPECT_TRUE(status.connected);
  EXPECT_EQ(status.bot_username, "mmclaw");
  EXPECT_EQ(status.bot_id, kBotId);
  EXPECT_FALSE(status.connection_id.empty());
  EXPECT_TRUE(status.connected_since.has_value());
  EXPECT_EQ(status.reconnect_count, 0);

  // mmsim's side: one authenticated, active socket of the bot with the id the monitor saw in hello.
  const auto connections = h.bot_connections();
  ASSERT_EQ(connections.size(), 1u);
  EXPECT_TRUE(connections[0].at("authenticated").as_bool());
  EXPECT_TRUE(connections[0].at("active").as_bool());
  EXPECT_EQ(connections[0].at("connection_id").as_string(), status.connection_id);

  // The first session asks for the startup catch-up, and hello went to on_event too.
  ASSERT_TRUE(h.run_until([&] { return h.catch_ups_of(CatchUpReason::startup) == 1; }, kWait));
  EXPECT_TRUE(std::any_of(h.events_.begin(), h.events_.end(),
                          [](const Event& e) { return std::holds_alternative<Hello>(e); }));
  EXPECT_TRUE(h.saw_state_since(0, MonitorState::identifying));
  EXPECT_TRUE(h.saw_state_since(0, MonitorState::connecting));
  EXPECT_TRUE(logged("[default] mattermost connected as @mmclaw"));
  EXPECT_GE(h.monitor().counters().frames, 1);

  // Pings and health checks keep it ready without reconnecting.
  h.run_for(1500ms);
  EXPECT_EQ(h.monitor().status().state, MonitorState::ready);
  EXPECT_EQ(h.monitor().status().reconnect_count, 0);
}

TEST_F(MonitorIoTest, DeliversPostsFromAliceAsPostedEvents) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());

  h.post_as_alice_to_bot("hello bot, this is a DM");
  h.post_as_alice_in_town_square("hello town square");
  ASSERT_TRUE(h.wait_posted("hello bot, this is a DM"));
  ASSERT_TRUE(h.wait_posted("hello town square"));

  const auto* dm = h.posted("hello bot, this is a DM");
  EXPECT_EQ(dm->post.user_id, kAliceId);
  EXPECT_EQ(dm->channel_type, ChannelType::direct);
  const auto* town = h.posted("hello town square");
  EXPECT_EQ(town->post.user_id, kAliceId);
  EXPECT_EQ(town->post.channel_id, kTownSquare);
  EXPECT_GE(h.monitor().counters().posted_events, 2);
  EXPECT_EQ(h.monitor().counters().malformed_frames, 0);
}

TEST_F(MonitorIoTest, ClosedSocketsAreResumedAndMissedPostsReplayed) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());
  ASSERT_TRUE(h.run_until([&] { return h.catch_ups_of(CatchUpReason::startup) == 1; }, kWait));
  const std::string connection_id = h.monitor().status().connection_id;
  const std::size_t statuses_before = h.statuses_.size();

  json::object fault;
  fault["action"] = "close_sockets";
  h.fault(fault);
  // Post while the monitor waits to reconnect, so only a replay can deliver it.
  ASSERT_TRUE(
      h.run_until([&] { return h.saw_state_since(statuses_before, MonitorState::backing_off); }, kWait));
  h.post_as_alice_to_bot("posted while disconnected");

  ASSERT_TRUE(h.wait_posted("posted while disconnected"));
  ASSERT_TRUE(h.wait_ready());
  EXPECT_GE(h.monitor().status().reconnect_count, 1);
  EXPECT_EQ(h.monitor().status().connection_id, connection_id);  // resumed, no new hello
  EXPECT_EQ(h.catch_ups_of(CatchUpReason::resume_failed), 0);
  EXPECT_EQ(h.catch_ups_of(CatchUpReason::startup), 1);
  ASSERT_TRUE(h.monitor().status().last_disconnect.has_value());
  EXPECT_EQ(h.monitor().status().last_disconnect->code, 1006);

  // And live events keep flowing on the resumed socket.
  h.post_as_alice_to_bot("after the resume");
  EXPECT_TRUE(h.wait_posted("after the resume"));
}

TEST_F(MonitorIoTest, ServerRestartMeansANewHelloAndACatchUp) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());
  const std::string connection_id = h.monitor().status().connection_id;

  h.control("/_control/restart", json::object{});
  ASSERT_TRUE(h.run_until([&] { return h.catch_ups_of(CatchUpReason::resume_failed) >= 1; }, kWait));
  ASSERT_TRUE(h.wait_ready());
  EXPECT_NE(h.monitor().status().connection_id, connection_id);
  EXPECT_GE(h.monitor().status().reconnect_count, 1);

  h.post_as_alice_to_bot("after the restart");
  EXPECT_TRUE(h.wait_posted("after the restart"));
}

TEST_F(MonitorIoTest, BlackholedSocketIsDetectedByThePongDeadline) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());

  json::object fault;
  fault["action"] = "blackhole";
  fault["on"] = true;
  h.fault(fault);
  // The socket stays open but silent: only the monitor's own ping/pong deadline can notice.
  ASSERT_TRUE(h.run_until([&] { return logged("mattermost websocket pong timeout — reconnecting"); }, kWait));
  ASSERT_TRUE(h.run_until(
      [&] {
        const auto& s = h.monitor().status();
        return s.state == MonitorState::ready && s.reconnect_count >= 1;
      },
      kWait));
  EXPECT_EQ(h.monitor().status().last_error, "pong timeout");

  // The new socket is a live one (mmsim only blackholes the sockets open at the time).
  h.post_as_alice_to_bot("after the blackhole");
  EXPECT_TRUE(h.wait_posted("after the blackhole"));
}

TEST_F(MonitorIoTest, AccountUpdateSeenByTheHealthCheckReconnectsAndCatchesUp) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());
  // The first health check has recorded its baseline once a second one was sent (never two in
  // flight): identity, health, health.
  ASSERT_TRUE(h.run_until([&] { return h.users_me_calls(0) >= 3; }, kWait));
  const auto reconnects = h.monitor().status().reconnect_count;

  // A revoked session that still answers pings: only GET /users/me can tell.
  json::object mute;
  mute["action"] = "mute_events";
  mute["user"] = "mmclaw";
  mute["on"] = true;
  h.fault(mute);
  json::object update;
  update["user"] = "mmclaw";
  h.control("/_control/update_at", update);

  ASSERT_TRUE(h.run_until([&] { return h.catch_ups_of(CatchUpReason::session_invalidated) >= 1; }, kWait));
  EXPECT_TRUE(logged("mattermost: bot account updated (update_at changed"));
  EXPECT_GT(h.monitor().status().reconnect_count, reconnects);
  ASSERT_TRUE(h.wait_ready());

  // Muted until the fault ends; then events flow again without another reconnect being needed.
  mute["on"] = false;
  h.fault(mute);
  h.post_as_alice_to_bot("after unmute");
  EXPECT_TRUE(h.wait_posted("after unmute"));
}

TEST_F(MonitorIoTest, MalformedFramesAreCountedDeliveredAndDoNotCloseTheSocket) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());
  const std::string connection_id = h.monitor().status().connection_id;

  json::array frames;
  frames.emplace_back("this is not json");
  frames.emplace_back(R"({"event":"posted","data":{"post":"{broken"},"broadcast":{}})");
  json::object body;
  body["user"] = "mmclaw";
  body["frames"] = std::move(frames);
  h.control("/_control/frames", body);

  ASSERT_TRUE(h.run_until([&] { return h.monitor().counters().malformed_frames == 2; }, kWait));
  const auto malformed = std::count_if(h.events_.begin(), h.events_.end(),
                                       [](const Event& e) { return std::holds_alternative<Malformed>(e); });
  EXPECT_EQ(malformed, 2);
  EXPECT_TRUE(logged("[default] mattermost websocket frame dropped (not_json); 1 dropped so far"));
  EXPECT_TRUE(logged("[default] mattermost websocket frame dropped (bad_post_json); 2 dropped so far"));

  h.post_as_alice_to_bot("after the garbage");
  ASSERT_TRUE(h.wait_posted("after the garbage"));
  EXPECT_EQ(h.monitor().status().reconnect_count, 0);
  EXPECT_EQ(h.monitor().status().connection_id, connection_id);
}

TEST_F(MonitorIoTest, RejectedTokenEndsInAuthFailedWithBoundedRetries) {
  MmsimProcess mmsim;
  const std::string wrong_token = "wrongtoken0000000000000001";
  Harness h(mmsim, wrong_token);
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.monitor().status().state == MonitorState::auth_failed; }, kWait));
  const auto& status = h.monitor().status();
  EXPECT_FALSE(status.connected);
  ASSERT_TRUE(status.last_error.has_value());
  EXPECT_EQ(status.last_error->find(wrong_token), std::string::npos);
  EXPECT_TRUE(status.next_attempt_at.has_value());

  // The slow retry (identity max 1 s here): a handful of GET /users/me in 3 s, not a tight loop,
  // and no WebSocket while the token is known to be bad.
  std::int64_t since = 0;
  (void)h.users_me_calls(0, &since);
  h.run_for(3s);
  const int calls = h.users_me_calls(since);
  EXPECT_GE(calls, 1);
  EXPECT_LE(calls, 8);
  EXPECT_EQ(h.monitor().status().state, MonitorState::auth_failed);
  EXPECT_TRUE(h.bot_connections().empty());
  EXPECT_TRUE(h.catch_ups_.empty());

  // stop() ends run() from auth_failed too.
  h.monitor().stop();
  ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
  EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
}

TEST_F(MonitorIoTest, StopEndsRunClosesTheSocketAndSilencesCallbacks) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.start();
  ASSERT_TRUE(h.wait_ready());

  h.monitor().stop();
  h.monitor().stop();  // a second stop() is harmless
  ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
  EXPECT_FALSE(h.run_error_);
  EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
  EXPECT_FALSE(h.monitor().status().connected);
  ASSERT_FALSE(h.statuses_.empty());
  EXPECT_EQ(h.statuses_.back().state, MonitorState::stopped);

  // The server sees the socket go, and nothing reaches the callbacks after run() returned.
  ASSERT_TRUE(h.run_until([&] { return h.bot_connections().empty(); }, kWait));
  h.post_as_alice_to_bot("after stop");
  h.run_for(500ms);
  EXPECT_EQ(h.posted("after stop"), nullptr);
  EXPECT_EQ(h.after_run_callbacks_, 0);
}

TEST_F(MonitorIoTest, CancellingRunStopsTheMonitor) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  asio::cancellation_signal signal;
  h.start_cancellable(signal);
  ASSERT_TRUE(h.wait_ready());

  signal.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
  EXPECT_FALSE(h.run_error_);
  EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
  EXPECT_TRUE(h.run_until([&] { return h.bot_connections().empty(); }, kWait));
}

TEST_F(MonitorIoTest, StopFromInsideCallbacksIsSafe) {
  {
    MmsimProcess mmsim;
    // From on_event, while the socket's reader is delivering a frame.
    Harness h(mmsim, kBotToken);
    h.event_hook_ = [&](const Event& event) {
      if (std::holds_alternative<PostedEvent>(event)) h.monitor().stop();
    };
    h.start();
    ASSERT_TRUE(h.wait_ready());
    h.post_as_alice_to_bot("stop now");
    ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
    EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
    EXPECT_TRUE(h.run_until([&] { return h.bot_connections().empty(); }, kWait));
  }
  {
    MmsimProcess mmsim;
    // From on_status(connecting), before the OpenSocket of the same batch was carried out: no
    // socket may be opened after stop().
    Harness h(mmsim, kBotToken);
    h.status_hook_ = [&](const MonitorStatus& status) {
      if (status.state == MonitorState::connecting) h.monitor().stop();
    };
    h.start();
    ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
    EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
    h.run_for(300ms);
    // Not even a resumable connection: the upgrade never happened.
    const auto connections = h.control("/_control/connections");
    for (const auto& c : connections.as_array()) EXPECT_NE(c.as_object().at("user_id").as_string(), kBotId);
    EXPECT_EQ(h.after_run_callbacks_, 0);
  }
}

TEST_F(MonitorIoTest, StopBeforeRunMakesRunReturnAtOnce) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  h.monitor().stop();
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
  EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
  std::int64_t since = 0;
  EXPECT_EQ(h.users_me_calls(0, &since), 0);
  EXPECT_TRUE(h.bot_connections().empty());
}

TEST_F(MonitorIoTest, StopWhileAnIdentityCallIsInFlightWaitsForItAndThenReturns) {
  MmsimProcess mmsim;
  Harness h(mmsim, kBotToken);
  // GET /users/me answers after 1 s: stop() lands while the identity call is in flight.
  json::object delay;
  delay["action"] = "delay";
  delay["method"] = "GET";
  delay["path"] = "/api/v4/users/me";
  delay["ms"] = 1000;
  h.fault(delay);
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.monitor().status().state == MonitorState::identifying; }, kWait));
  h.run_for(100ms);
  h.monitor().stop();
  ASSERT_TRUE(h.run_until([&] { return h.run_done_; }, kWait));
  EXPECT_EQ(h.monitor().status().state, MonitorState::stopped);
  // The late answer was ignored: no socket was opened.
  h.run_for(300ms);
  EXPECT_TRUE(h.bot_connections().empty());
  EXPECT_EQ(h.after_run_callbacks_, 0);
}

}  // namespace
}  // namespace mmclaw::mattermost
