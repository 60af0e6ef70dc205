#include "mattermost/monitor_fsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mmclaw::mattermost {
namespace {

using Lines = std::vector<std::string>;

Lines lines(const MonitorActions& actions) {
  Lines out;
  for (const auto& action : actions) out.push_back(to_string(action));
  return out;
}

net::RandomSource middle() {
  return [] { return 0.5; };  // no jitter: delays are the exact base
}

const std::string kCloseBeforeAuth =
    "mattermost connection failed: websocket closed before authentication completed (code 1006) — either the "
    "bot token was rejected or the connection dropped (server restart, proxy reset); check the Mattermost "
    "bot token if this repeats";

// Drives the normal start sequence: identity at 0, socket opened at 20, hello c1 at 30, OK at 40.
// The first health check is in flight afterwards unless `answer_health` (baseline update_at 100).
void start_to_ready(MonitorFsm& fsm, bool answer_health = true) {
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  fsm.socket_opened(20);
  fsm.frame_hello("c1", 0, 30);
  fsm.auth_reply_ok(1, 40);
  if (answer_health) fsm.health_ok(100, 50);
  ASSERT_EQ(fsm.state(), MonitorState::ready);
}

bool contains(const MonitorActions& actions, const std::string& line) {
  const auto all = lines(actions);
  return std::find(all.begin(), all.end(), line) != all.end();
}

// --- start ---------------------------------------------------------------------------------------

TEST(MonitorFsmTest, NormalStartToReadyWithHelloBeforeOk) {
  MonitorFsm fsm({}, middle());
  EXPECT_EQ(fsm.state(), MonitorState::starting);
  EXPECT_EQ(lines(fsm.start(0)), (Lines{"status(identifying)", "call_identity"}));
  EXPECT_EQ(lines(fsm.identity_ok("botid", "bot", 100, 10)),
            (Lines{"log(info: mattermost connected as @bot)", "status(connecting)", "open_socket()",
                   "schedule(30010)"}));
  EXPECT_EQ(lines(fsm.socket_opened(20)), (Lines{"status(authenticating)", "send_auth_challenge(1)",
                                                 "call_health_check", "schedule(30020)"}));
  EXPECT_TRUE(fsm.status().connected);
  // hello (seq 0) arrives before the OK: normal, nothing happens yet.
  EXPECT_EQ(lines(fsm.frame_hello("c1", 0, 30)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::authenticating);
  EXPECT_EQ(lines(fsm.auth_reply_ok(1, 40)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))",
                   "catch_up(startup)"}));
  EXPECT_EQ(lines(fsm.health_ok(100, 50)), Lines{});
  // 30 s after open: a ping and the next health check; the pong is due 10 s later.
  EXPECT_EQ(lines(fsm.tick(30020)), (Lines{"send_ping", "call_health_check", "schedule(40020)"}));
  EXPECT_EQ(lines(fsm.pong_received(30100)), Lines{"schedule(60020)"});
  EXPECT_EQ(lines(fsm.health_ok(100, 30200)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::ready);
}

TEST(MonitorFsmTest, OkBeforeHelloStillCatchesUp) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  fsm.socket_opened(20);
  EXPECT_EQ(lines(fsm.auth_reply_ok(1, 30)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection ?))"}));
  EXPECT_EQ(lines(fsm.frame_hello("c1", 0, 40)), Lines{"catch_up(startup)"});
  EXPECT_EQ(fsm.status().connection_id, "c1");
}

TEST(MonitorFsmTest, ReplyWithAnotherSeqDoesNotAuthenticate) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "", 100, 10);
  fsm.socket_opened(20);
  EXPECT_EQ(lines(fsm.auth_reply_ok(7, 30)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::authenticating);
}

TEST(MonitorFsmTest, UsernameMissingLogsTheId) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  EXPECT_TRUE(contains(fsm.identity_ok("botid", "", 100, 10), "log(info: mattermost connected as botid)"));
}

TEST(MonitorFsmTest, StopBeforeStartNeverConnects) {
  MonitorFsm fsm({}, middle());
  EXPECT_EQ(lines(fsm.stop(0)), (Lines{"status(stopped)", "log(info: mattermost monitor stopped)"}));
  EXPECT_EQ(lines(fsm.start(1)), Lines{});
  EXPECT_EQ(lines(fsm.tick(100000)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::stopped);
}

// --- identity (§3.1 step 2) ---------------------------------------------------------------------

TEST(MonitorFsmTest, IdentityRetriesWithDoublingBackoff) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  EXPECT_EQ(lines(fsm.identity_failed(ErrorKind::transient, "connection refused", 5)),
            (Lines{"log(warn: mattermost: API auth failed: connection refused)",
                   "log(info: mattermost: API not accessible, retrying in 2.0s)", "schedule(2005)"}));
  EXPECT_EQ(fsm.state(), MonitorState::identifying);
  EXPECT_EQ(fsm.status().last_error, "connection refused");
  EXPECT_EQ(fsm.status().next_attempt_at, 2005);
  EXPECT_EQ(lines(fsm.tick(2004)), Lines{"schedule(2005)"});
  EXPECT_EQ(lines(fsm.tick(2005)), Lines{"call_identity"});
  EXPECT_TRUE(contains(fsm.identity_failed(ErrorKind::transient, "503", 2010),
                       "log(info: mattermost: API not accessible, retrying in 4.0s)"));
  EXPECT_EQ(lines(fsm.tick(6010)), Lines{"call_identity"});
  EXPECT_TRUE(contains(fsm.identity_failed(ErrorKind::transient, "503", 6020),
                       "log(info: mattermost: API not accessible, retrying in 8.0s)"));
  fsm.tick(14020);
  EXPECT_EQ(lines(fsm.identity_ok("botid", "bot", 100, 14030)),
            (Lines{"log(info: mattermost connected as @bot)", "status(connecting)", "open_socket()",
                   "schedule(44030)"}));
}

TEST(MonitorFsmTest, IdentityResultWithoutACallIsIgnored) {
  MonitorFsm fsm({}, middle());
  EXPECT_EQ(lines(fsm.identity_ok("botid", "bot", 1, 0)), Lines{});
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 1, 1);
  EXPECT_EQ(lines(fsm.identity_failed(ErrorKind::auth, "late", 2)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::connecting);
}

TEST(MonitorFsmTest, InvalidTokenIsAVisibleAuthFailedWithSlowRetries) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  EXPECT_EQ(
      lines(fsm.identity_failed(ErrorKind::auth, "Invalid or expired session", 10)),
      (Lines{"log(error: mattermost: API auth failed: Invalid or expired session)", "status(auth_failed)",
             "log(info: mattermost: API not accessible, retrying in 60.0s)", "schedule(60010)"}));
  // The state stays visible while the slow retry runs.
  EXPECT_EQ(lines(fsm.tick(60010)), Lines{"call_identity"});
  EXPECT_EQ(fsm.state(), MonitorState::auth_failed);
  // A fixed token recovers on its own.
  EXPECT_TRUE(contains(fsm.identity_ok("botid", "bot", 100, 60020), "status(connecting)"));
}

// Field report 17: no hot loop against a bad token. Simulate an hour with jitter at both extremes.
TEST(MonitorFsmTest, InvalidTokenRetryRateIsBoundedOverAnHour) {
  auto index = std::make_shared<std::size_t>(0);
  const std::vector<double> units{0.0, 0.999999, 0.3, 0.7};
  MonitorFsm fsm({}, [units, index] { return units[(*index)++ % units.size()]; });
  std::vector<TimeMs> calls;
  TimeMs now = 0;
  MonitorActions actions = fsm.start(now);
  while (now <= 3'600'000) {
    std::optional<TimeMs> wake;
    bool identity = false;
    for (const auto& action : actions) {
      if (std::holds_alternative<CallIdentity>(action)) identity = true;
      if (const auto* s = std::get_if<Schedule>(&action)) wake = s->at_ms;
      ASSERT_FALSE(std::holds_alternative<OpenSocket>(action));
    }
    if (identity) {
      calls.push_back(now);
      actions = fsm.identity_failed(ErrorKind::auth, "401", now);
      continue;
    }
    ASSERT_TRUE(wake.has_value());
    now = *wake;
    actions = fsm.tick(now);
  }
  EXPECT_EQ(fsm.state(), MonitorState::auth_failed);
  ASSERT_GE(calls.size(), 45u);
  EXPECT_LE(calls.size(), 3'600'000u / 48'000u + 1);
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_GE(calls[i] - calls[i - 1], 48'000) << i;
}

// A token that /users/me accepts but the socket keeps rejecting (or a token revoked between the two):
// after three closes before authentication the token is checked again, and a 401 ends in auth_failed.
TEST(MonitorFsmTest, RepeatedCloseBeforeAuthChecksTheTokenAgain) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 0);
  TimeMs now = 0;
  std::vector<std::string> delays;
  for (int i = 0; i < 3; ++i) {
    fsm.socket_opened(now);
    const auto closed = fsm.socket_closed(1006, "", now + 5);
    const auto all = lines(closed);
    ASSERT_EQ(all.at(0), "log(warn: " + kCloseBeforeAuth + ")");
    delays.push_back(all.at(2));
    now = fsm.status().next_attempt_at.value();
    const auto next = lines(fsm.tick(now));
    if (i < 2) {
      EXPECT_EQ(next.at(1), "open_socket()");
    } else {
      EXPECT_EQ(next, (Lines{"status(identifying)", "call_identity"}));
    }
  }
  EXPECT_EQ(delays,
            (Lines{"log(info: mattermost reconnecting in 2.0s)", "log(info: mattermost reconnecting in 4.0s)",
                   "log(info: mattermost reconnecting in 8.0s)"}));
  EXPECT_TRUE(contains(fsm.identity_failed(ErrorKind::auth, "401", now), "status(auth_failed)"));
}

// --- authentication (§3.4) -------------------------------------------------------------------------

TEST(MonitorFsmTest, AuthTimeoutReconnectsWithTheNextChallengeSeq) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  fsm.socket_opened(20);
  fsm.health_ok(100, 25);
  EXPECT_EQ(lines(fsm.tick(30019)), Lines{"schedule(30020)"});
  EXPECT_EQ(lines(fsm.tick(30020)),
            (Lines{"log(warn: mattermost websocket authentication timed out — reconnecting)",
                   "close_socket(1000, authentication timed out)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(32020)"}));
  EXPECT_EQ(fsm.status().last_error, "authentication timed out");
  EXPECT_FALSE(fsm.status().connected);
  EXPECT_EQ(lines(fsm.tick(32020)), (Lines{"status(connecting)", "open_socket()", "schedule(62020)"}));
  EXPECT_EQ(lines(fsm.socket_opened(32100)), (Lines{"status(authenticating)", "send_auth_challenge(2)",
                                                    "call_health_check", "schedule(62100)"}));
  EXPECT_EQ(fsm.status().reconnect_count, 1);
}

TEST(MonitorFsmTest, CloseBeforeAuthenticationIsAFailureWithTheReferenceText) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  fsm.socket_opened(20);
  EXPECT_EQ(lines(fsm.socket_closed(1006, "", 25)),
            (Lines{"log(warn: " + kCloseBeforeAuth + ")", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(2025)"}));
  ASSERT_TRUE(fsm.status().last_disconnect.has_value());
  EXPECT_EQ(*fsm.status().last_disconnect, (DisconnectInfo{25, 1006, ""}));
  fsm.tick(2025);
  fsm.socket_opened(2030);
  // A failure: the next delay doubles.
  EXPECT_TRUE(contains(fsm.socket_closed(1006, "", 2035), "log(info: mattermost reconnecting in 4.0s)"));
}

TEST(MonitorFsmTest, CloseBeforeOpenAndConnectErrors) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  EXPECT_EQ(lines(fsm.socket_closed(1006, "", 20)),
            (Lines{"log(warn: mattermost connection failed: websocket closed before open (code 1006))",
                   "status(backing_off)", "log(info: mattermost reconnecting in 2.0s)", "schedule(2020)"}));
  fsm.tick(2020);
  EXPECT_EQ(lines(fsm.socket_error("connect: connection refused", 2030)),
            (Lines{"log(warn: mattermost connection failed: connect: connection refused)",
                   "close_socket(1006, connect: connection refused)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 4.0s)", "schedule(6030)"}));
}

TEST(MonitorFsmTest, ConnectTimeout) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 0);
  EXPECT_EQ(lines(fsm.tick(30000)),
            (Lines{"log(warn: mattermost connection failed: websocket connect timed out)",
                   "close_socket(1000, connect timed out)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(32000)"}));
}

// --- liveness (§3.5 and field report 1) -----------------------------------------------------------

TEST(MonitorFsmTest, PongTimeoutReconnectsWithResume) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  EXPECT_EQ(lines(fsm.tick(30020)), (Lines{"send_ping", "call_health_check", "schedule(40020)"}));
  fsm.health_ok(100, 30030);
  EXPECT_EQ(lines(fsm.tick(40019)), Lines{"schedule(40020)"});
  EXPECT_EQ(lines(fsm.tick(40020)), (Lines{"log(warn: mattermost websocket pong timeout — reconnecting)",
                                           "close_socket(4000, pong timeout)", "status(backing_off)",
                                           "log(info: mattermost reconnecting in 2.0s)", "schedule(42020)"}));
  EXPECT_EQ(
      lines(fsm.tick(42020)),
      (Lines{"status(connecting)", "open_socket(connection_id=c1, sequence_number=1)", "schedule(72020)"}));
}

TEST(MonitorFsmTest, ReadIdleTimeout) {
  MonitorOptions options;
  options.timings.ping_interval_ms = 1'000'000;  // isolate the idle deadline
  options.timings.health_interval_ms = 1'000'000;
  MonitorFsm fsm(options, middle());
  start_to_ready(fsm);
  // Last frame: the OK at 40 (health answers are REST, not frames).
  EXPECT_EQ(lines(fsm.frame_activity(60000)), Lines{"schedule(150000)"});
  EXPECT_EQ(lines(fsm.tick(149999)), Lines{"schedule(150000)"});
  EXPECT_EQ(lines(fsm.tick(150000)),
            (Lines{"log(warn: mattermost websocket received nothing for 90.0s — reconnecting)",
                   "close_socket(4000, read idle timeout)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(152000)"}));
}

TEST(MonitorFsmTest, ServerPingsAndPongsKeepAHealthySocketUp) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  TimeMs now = 40;
  for (int minute = 1; minute <= 60; ++minute) {
    const TimeMs server_ping = minute * 60'000;
    while (true) {
      const TimeMs wake = fsm.next_wakeup().value();
      if (wake > server_ping) break;
      now = wake;
      for (const auto& action : fsm.tick(now)) {
        ASSERT_FALSE(std::holds_alternative<CloseSocket>(action)) << to_string(action) << " at " << now;
        if (std::holds_alternative<SendPing>(action)) fsm.pong_received(now + 5);
        if (std::holds_alternative<CallHealthCheck>(action)) fsm.health_ok(100, now + 5);
      }
    }
    fsm.frame_activity(server_ping);
  }
  EXPECT_EQ(fsm.state(), MonitorState::ready);
  EXPECT_EQ(fsm.status().reconnect_count, 0);
}

// --- health check (§3.5 and field report 2) ---------------------------------------------------------

TEST(MonitorFsmTest, UpdateAtChangeReconnectsAndCatchesUp) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  EXPECT_EQ(lines(fsm.tick(30020)), (Lines{"send_ping", "call_health_check", "schedule(40020)"}));
  fsm.pong_received(30025);
  EXPECT_EQ(lines(fsm.health_ok(200, 30030)),
            (Lines{"log(warn: mattermost: bot account updated (update_at changed: 100 → 200) — reconnecting)",
                   "close_socket(1000, bot account updated)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(32030)"}));
  fsm.tick(32030);
  fsm.socket_opened(32040);
  // The server resumes losslessly (no hello), but it may have withheld events from the old session.
  EXPECT_EQ(lines(fsm.auth_reply_ok(2, 32050)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))",
                   "catch_up(session_invalidated)"}));
}

TEST(MonitorFsmTest, HealthCheckNeverTwoInFlight) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm, false);  // the first check never answers
  EXPECT_EQ(lines(fsm.tick(30020)), (Lines{"send_ping", "schedule(40020)"}));
  fsm.pong_received(30030);
  fsm.health_ok(100, 59000);  // the late answer is the baseline
  EXPECT_EQ(lines(fsm.tick(60020)), (Lines{"call_health_check", "schedule(60030)"}));
}

TEST(MonitorFsmTest, HealthErrorsAreOnlyLogged) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.tick(30020);
  EXPECT_EQ(lines(fsm.health_failed(ErrorKind::transient, "timeout", 30030)),
            Lines{"log(warn: mattermost health check failed: timeout)"});
  EXPECT_EQ(fsm.state(), MonitorState::ready);
  EXPECT_EQ(lines(fsm.health_failed(ErrorKind::transient, "no call in flight", 30040)), Lines{});
}

TEST(MonitorFsmTest, RejectedTokenMidRunChecksIdentityBeforeReconnecting) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.tick(30020);
  fsm.pong_received(30025);
  EXPECT_EQ(lines(fsm.health_failed(ErrorKind::auth, "401 Invalid or expired session", 30030)),
            (Lines{"log(warn: mattermost health check failed: 401 Invalid or expired session)",
                   "log(warn: mattermost: bot token rejected by the health check — reconnecting)",
                   "close_socket(1000, bot token rejected)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(32030)"}));
  EXPECT_EQ(lines(fsm.tick(32030)), (Lines{"status(identifying)", "call_identity"}));
  EXPECT_TRUE(contains(fsm.identity_failed(ErrorKind::auth, "401", 32040), "status(auth_failed)"));
}

// --- resume and sequence numbers (protocol §1.6; field report 3) -----------------------------------

TEST(MonitorFsmTest, ResumeWithReplayNeedsNoCatchUp) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.event_received(1, 100);
  fsm.event_received(2, 110);
  fsm.event_received(3, 120);
  EXPECT_EQ(lines(fsm.socket_closed(1006, "", 200)),
            (Lines{"log(warn: mattermost websocket closed (code 1006))", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(2200)"}));
  EXPECT_EQ(
      lines(fsm.tick(2200)),
      (Lines{"status(connecting)", "open_socket(connection_id=c1, sequence_number=4)", "schedule(32200)"}));
  fsm.socket_opened(2210);
  EXPECT_EQ(lines(fsm.event_received(4, 2220)), Lines{});  // replayed with its original seq
  EXPECT_EQ(lines(fsm.event_received(5, 2230)), Lines{});
  EXPECT_EQ(lines(fsm.auth_reply_ok(2, 2240)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))"}));
  EXPECT_EQ(fsm.status().connection_id, "c1");
  EXPECT_EQ(fsm.status().events_received, 6);  // hello + 5
}

TEST(MonitorFsmTest, ResumeAnsweredWithANewHelloCatchesUp) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.event_received(1, 100);
  fsm.socket_closed(1006, "", 200);
  EXPECT_TRUE(contains(fsm.tick(2200), "open_socket(connection_id=c1, sequence_number=2)"));
  fsm.socket_opened(2210);
  EXPECT_EQ(lines(fsm.frame_hello("c2", 0, 2220)), Lines{});
  EXPECT_EQ(lines(fsm.auth_reply_ok(2, 2230)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c2))",
                   "catch_up(resume_failed)"}));
  // The new connection numbers from 1 again.
  EXPECT_EQ(lines(fsm.event_received(1, 2240)), Lines{});
  fsm.socket_closed(1001, "going away", 2300);
  EXPECT_TRUE(contains(fsm.tick(4300), "open_socket(connection_id=c2, sequence_number=2)"));
}

TEST(MonitorFsmTest, SequenceGapReconnectsWithResumeFromTheHole) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.event_received(1, 100);
  fsm.event_received(2, 110);
  EXPECT_EQ(lines(fsm.event_received(5, 120)),
            (Lines{"log(warn: mattermost websocket sequence gap (expected 3, got 5) — reconnecting)",
                   "close_socket(4001, sequence gap)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(2120)"}));
  EXPECT_TRUE(contains(fsm.tick(2120), "open_socket(connection_id=c1, sequence_number=3)"));
}

TEST(MonitorFsmTest, DuplicateSeqIsIgnored) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.event_received(1, 100);
  fsm.event_received(2, 110);
  EXPECT_EQ(lines(fsm.event_received(2, 120)),
            Lines{"log(debug: mattermost websocket duplicate seq 2 (expected 3))"});
  EXPECT_EQ(fsm.state(), MonitorState::ready);
  EXPECT_EQ(lines(fsm.event_received(3, 130)), Lines{});
}

// --- backoff over sessions (§3.5) -------------------------------------------------------------------

TEST(MonitorFsmTest, AuthenticatedSessionResetsTheReconnectBackoff) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 0);
  fsm.socket_error("refused", 1);  // failure: 2 s
  fsm.tick(2001);
  fsm.socket_error("refused", 2002);  // failure: 4 s
  EXPECT_EQ(fsm.status().next_attempt_at, 6002);
  fsm.tick(6002);
  fsm.socket_opened(6003);
  fsm.frame_hello("c1", 0, 6004);
  fsm.auth_reply_ok(1, 6005);
  EXPECT_EQ(lines(fsm.socket_closed(1001, "server restart", 7000)),
            (Lines{"log(warn: mattermost websocket closed (code 1001: server restart))",
                   "status(backing_off)", "log(info: mattermost reconnecting in 2.0s)", "schedule(9000)"}));
  EXPECT_EQ(fsm.status().reconnect_count, 2);
}

TEST(MonitorFsmTest, ReconnectIntervalSetsTheFirstDelay) {
  MonitorOptions options;
  options.timings.reconnect = net::reconnect_policy(5000);
  MonitorFsm fsm(options, middle());
  start_to_ready(fsm);
  EXPECT_TRUE(contains(fsm.socket_closed(1006, "", 100), "log(info: mattermost reconnecting in 5.0s)"));
}

TEST(MonitorFsmTest, SocketErrorWhenReadyIsANormalEnd) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  EXPECT_EQ(lines(fsm.socket_error("read: connection reset", 100)),
            (Lines{"log(warn: mattermost websocket error: read: connection reset)",
                   "close_socket(1006, read: connection reset)", "status(backing_off)",
                   "log(info: mattermost reconnecting in 2.0s)", "schedule(2100)"}));
  EXPECT_EQ(fsm.status().last_error, "read: connection reset");
}

// --- stop ----------------------------------------------------------------------------------------------

TEST(MonitorFsmTest, StopDuringBackoffInterruptsTheWait) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  fsm.socket_closed(1006, "", 100);
  EXPECT_EQ(lines(fsm.stop(500)), (Lines{"status(stopped)", "log(info: mattermost monitor stopped)"}));
  EXPECT_EQ(fsm.next_wakeup(), std::nullopt);
  EXPECT_EQ(lines(fsm.tick(2100)), Lines{});
  EXPECT_EQ(lines(fsm.socket_opened(2200)), Lines{});
  EXPECT_EQ(lines(fsm.stop(2300)), Lines{});
}

TEST(MonitorFsmTest, StopWhileReadyClosesTheSocket) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  EXPECT_EQ(lines(fsm.stop(100)), (Lines{"close_socket(1000, stopped)", "status(stopped)",
                                         "log(info: mattermost monitor stopped)"}));
  EXPECT_EQ(lines(fsm.socket_closed(1000, "", 110)), Lines{});
  EXPECT_EQ(lines(fsm.event_received(1, 120)), Lines{});
  EXPECT_FALSE(fsm.status().connected);
}

TEST(MonitorFsmTest, StopWhileIdentifyingIgnoresTheLateAnswer) {
  MonitorFsm fsm({}, middle());
  fsm.start(0);
  fsm.stop(5);
  EXPECT_EQ(lines(fsm.identity_ok("botid", "bot", 100, 10)), Lines{});
  EXPECT_EQ(fsm.state(), MonitorState::stopped);
}

// --- token at upgrade (resume-capable) -------------------------------------------------------------

TEST(MonitorFsmTest, HeaderAuthIsProvenByHelloOrReplay) {
  MonitorOptions options;
  options.auth_mode = AuthMode::header;
  MonitorFsm fsm(options, middle());
  fsm.start(0);
  EXPECT_TRUE(contains(fsm.identity_ok("botid", "bot", 100, 10), "open_socket(header)"));
  EXPECT_EQ(lines(fsm.socket_opened(20)), (Lines{"status(authenticating)", "send_session_probe(1)",
                                                 "call_health_check", "schedule(30020)"}));
  EXPECT_EQ(lines(fsm.frame_hello("c1", 0, 30)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))",
                   "catch_up(startup)"}));
  EXPECT_EQ(lines(fsm.auth_reply_ok(1, 40)), Lines{});  // the probe's OK is now redundant
  fsm.event_received(1, 50);
  fsm.socket_closed(1006, "", 60);
  EXPECT_TRUE(contains(fsm.tick(2060), "open_socket(connection_id=c1, sequence_number=2, header)"));
  fsm.socket_opened(2070);
  EXPECT_EQ(lines(fsm.event_received(2, 2080)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))"}));
}

TEST(MonitorFsmTest, HeaderAuthQuietResumeIsProvenByTheProbe) {
  MonitorOptions options;
  options.auth_mode = AuthMode::header;
  MonitorFsm fsm(options, middle());
  fsm.start(0);
  fsm.identity_ok("botid", "bot", 100, 10);
  fsm.socket_opened(20);
  fsm.frame_hello("c1", 0, 30);
  fsm.health_ok(100, 40);
  fsm.socket_closed(1006, "", 60);
  fsm.tick(2060);
  EXPECT_EQ(lines(fsm.socket_opened(2070)), (Lines{"status(authenticating)", "send_session_probe(2)",
                                                   "call_health_check", "schedule(32070)"}));
  EXPECT_EQ(lines(fsm.auth_reply_ok(2, 2080)),
            (Lines{"status(ready)", "log(info: mattermost websocket authenticated (connection c1))"}));
}

// --- status ----------------------------------------------------------------------------------------

TEST(MonitorFsmTest, StatusSnapshot) {
  MonitorFsm fsm({}, middle());
  start_to_ready(fsm);
  const MonitorStatus& s = fsm.status();
  EXPECT_EQ(s.state, MonitorState::ready);
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.connected_since, 20);
  EXPECT_EQ(s.connection_id, "c1");
  EXPECT_EQ(s.bot_id, "botid");
  EXPECT_EQ(s.bot_username, "bot");
  EXPECT_EQ(s.events_received, 1);
  EXPECT_EQ(s.reconnect_count, 0);
  EXPECT_FALSE(s.last_disconnect.has_value());
  fsm.socket_closed(1001, "bye", 100);
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.connected_since, std::nullopt);
  EXPECT_EQ(s.last_disconnect, (DisconnectInfo{100, 1001, "bye"}));
  EXPECT_EQ(s.next_attempt_at, 2100);
  EXPECT_EQ(to_string(s.state), "backing_off");
}

}  // namespace
}  // namespace mmclaw::mattermost
