#pragma once
// Shared by the hub tests: a small model behind HubServices, deterministic connection ids, and
// assertions that compare actions exactly (kind, socket, code) with text compared as parsed JSON.

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "mmsim/hub/hub.hpp"

namespace mmsim::test {

namespace json = boost::json;

// Ids from the protocol reference's examples.
inline const std::string kBot = "wj3drgzdpnf54rxf5d8qd3dqne";
inline const std::string kAlice = "14j8umgczgrdp95w77zuxmxfu9";
inline const std::string kBob = "ih1r84kij94nrwis97rft6rduh";
inline const std::string kTeam = "saqjfmjqqy9mo1yj4zwed73333";
inline const std::string kTownSquare = "g63dcrphk8idgyjgzbrpajosz6";
inline const std::string kBuildAlerts = "889766ufjgio6kbpzjbufozksq";
inline const std::string kBotToken = "bottokenbottokenbottoken01";
inline const std::string kAliceToken = "alicetokenalicetokenalice1";
inline const std::string kBobToken = "bobtokenbobtokenbobtoken01";
inline const std::string kServerVersion = "10.5.0.10.5.0.4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e.false";

// The n-th id the test generator hands out: valid Mattermost ids in creation order.
inline std::string test_id(int n) {
  return fmt::format("conn{:022}", n);
}

// Town square: bot and alice. Build alerts: everybody. Team: bot and alice. Alice is an admin.
struct FakeModel {
  std::map<std::string, std::string> tokens{{kBotToken, kBot}, {kAliceToken, kAlice}, {kBobToken, kBob}};
  std::set<std::pair<std::string, std::string>> channel_members{{kBot, kTownSquare},
                                                                {kAlice, kTownSquare},
                                                                {kBot, kBuildAlerts},
                                                                {kAlice, kBuildAlerts},
                                                                {kBob, kBuildAlerts}};
  std::set<std::pair<std::string, std::string>> team_members{{kBot, kTeam}, {kAlice, kTeam}};
  std::set<std::string> admins{kAlice};
  std::map<std::string, std::string> statuses{{kBot, "online"}, {kAlice, "away"}};
  std::vector<std::tuple<std::string, bool, bool, TimeMs>> active_status_calls;
  std::vector<Event> active_status_events;
  int ids_handed_out = 0;

  HubServices services() {
    HubServices s;
    s.user_for_token = [this](std::string_view token) -> std::optional<std::string> {
      auto it = tokens.find(std::string(token));
      if (it == tokens.end()) return std::nullopt;
      return it->second;
    };
    s.is_channel_member = [this](std::string_view user, std::string_view channel) {
      return channel_members.contains({std::string(user), std::string(channel)});
    };
    s.is_team_member = [this](std::string_view user, std::string_view team) {
      return team_members.contains({std::string(user), std::string(team)});
    };
    s.is_system_admin = [this](std::string_view user) { return admins.contains(std::string(user)); };
    s.can_post = [this](std::string_view user, std::string_view channel) {
      return channel_members.contains({std::string(user), std::string(channel)});
    };
    s.all_statuses = [this] { return statuses; };
    s.status_of = [this](std::string_view user) {
      auto it = statuses.find(std::string(user));
      return it == statuses.end() ? std::string("offline") : it->second;
    };
    s.set_active_status = [this](std::string_view user, bool active, bool manual, TimeMs now) {
      active_status_calls.emplace_back(std::string(user), active, manual, now);
      return active_status_events;
    };
    s.new_id = [this] { return test_id(++ids_handed_out); };
    return s;
  }
};

// An expected action: text is compared as parsed JSON (empty: no text expected).
struct Expected {
  ConnectionKey conn;
  HubAction::Kind kind;
  std::string json_text;
  int code = 0;
};

inline Expected text(ConnectionKey conn, std::string json_text) {
  return Expected{conn, HubAction::Kind::send_text, std::move(json_text), 0};
}
inline Expected ping(ConnectionKey conn) {
  return Expected{conn, HubAction::Kind::send_ping, "", 0};
}
inline Expected drop(ConnectionKey conn) {
  return Expected{conn, HubAction::Kind::close_without_frame, "", 0};
}
inline Expected close_empty(ConnectionKey conn) {
  return Expected{conn, HubAction::Kind::close_with_empty_frame, "", 0};
}
inline Expected close_code(ConnectionKey conn, int code) {
  return Expected{conn, HubAction::Kind::close_with_code, "", code};
}
inline Expected stop_io(ConnectionKey conn) {
  return Expected{conn, HubAction::Kind::stop_io, "", 0};
}

inline void expect_actions(const std::vector<HubAction>& actual, const std::vector<Expected>& expected) {
  ASSERT_EQ(actual.size(), expected.size()) << "number of actions";
  for (std::size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE(fmt::format("action {}", i));
    EXPECT_EQ(actual[i].conn, expected[i].conn);
    EXPECT_EQ(static_cast<int>(actual[i].kind), static_cast<int>(expected[i].kind));
    EXPECT_EQ(actual[i].code, expected[i].code);
    if (expected[i].json_text.empty()) {
      EXPECT_TRUE(actual[i].text.empty()) << actual[i].text;
    } else {
      EXPECT_EQ(json::parse(actual[i].text), json::parse(expected[i].json_text)) << actual[i].text;
    }
  }
}

inline std::string hello_json(const std::string& connection_id, const std::string& user,
                              std::int64_t seq = 0) {
  return fmt::format(
      R"({{"event":"hello","data":{{"connection_id":"{}","server_hostname":"mmsim","server_version":"{}"}},)"
      R"("broadcast":{{"omit_users":null,"user_id":"{}","channel_id":"","team_id":"","connection_id":"",)"
      R"("omit_connection_id":""}},"seq":{}}})",
      connection_id, kServerVersion, user, seq);
}

inline std::string ok_json(std::int64_t seq_reply) {
  return fmt::format(R"({{"status":"OK","seq_reply":{}}})", seq_reply);
}

inline std::string challenge(std::int64_t seq, const std::string& token) {
  return fmt::format(R"({{"seq":{},"action":"authentication_challenge","data":{{"token":"{}"}}}})", seq,
                     token);
}

inline std::string request(std::int64_t seq, const std::string& action) {
  return fmt::format(R"({{"seq":{},"action":"{}"}})", seq, action);
}

// A channel-scoped event with a single data field, enough to follow delivery and seqs.
inline Event channel_event(const std::string& channel, const std::string& name = "posted",
                           const std::string& marker = "m") {
  Event e;
  e.event = name;
  e.data["marker"] = marker;
  e.broadcast.channel_id = channel;
  return e;
}

inline Event user_event(const std::string& user, const std::string& marker = "m") {
  Event e;
  e.event = "preferences_changed";
  e.data["marker"] = marker;
  e.broadcast.user_id = user;
  return e;
}

// The envelope the hub writes for channel_event(...), as JSON text.
inline std::string channel_event_json(const std::string& channel, std::int64_t seq,
                                      const std::string& name = "posted", const std::string& marker = "m") {
  return fmt::format(R"({{"event":"{}","data":{{"marker":"{}"}},)"
                     R"("broadcast":{{"omit_users":null,"user_id":"","channel_id":"{}",)"
                     R"("team_id":"","connection_id":"","omit_connection_id":""}},"seq":{}}})",
                     name, marker, channel, seq);
}

inline std::string user_event_json(const std::string& user, std::int64_t seq,
                                   const std::string& marker = "m") {
  return fmt::format(
      R"({{"event":"preferences_changed","data":{{"marker":"{}"}},)"
      R"("broadcast":{{"omit_users":null,"user_id":"{}",)"
      R"("channel_id":"","team_id":"","connection_id":"","omit_connection_id":""}},"seq":{}}})",
      marker, user, seq);
}

inline std::int64_t seq_of(const HubAction& action) {
  return json::parse(action.text).at("seq").as_int64();
}

// Fixture: one hub with the reference's defaults over a FakeModel.
class HubTest : public ::testing::Test {
 protected:
  FakeModel model;
  Hub hub{HubOptions{}, model.services()};

  // Opens an authenticated socket (token at upgrade) and checks its hello.
  std::string open_as(ConnectionKey key, const std::string& token, TimeMs now = 0) {
    auto actions = hub.open(key, token, UpgradeQuery{}, now);
    EXPECT_EQ(actions.size(), 1u);
    if (actions.size() != 1) return {};
    return json::parse(actions[0].text).at("data").at("connection_id").as_string().c_str();
  }
};

}  // namespace mmsim::test
