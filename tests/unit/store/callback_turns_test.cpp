// Callback turns and slash command registrations in SqliteStore (issue 9).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store_file_test.hpp"

namespace mmclaw::store {
namespace {

using namespace std::string_view_literals;

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::size_t kMaxPayload = 64 * 1024;

CallbackTurn turn_of(std::string account, std::string id, std::string kind = "click",
                     std::string payload = R"({"post_id":"p9","action_id":"approve"})") {
  CallbackTurn turn;
  turn.account_id = std::move(account);
  turn.id = std::move(id);
  turn.kind = std::move(kind);
  turn.payload = std::move(payload);
  return turn;
}

// The ingress row the gateway records with a turn: the turn's account and id, the channel it
// answers in.
IngressRecord ingress_of(const CallbackTurn& turn, std::string channel = "ch1",
                         std::int64_t create_at = kT0) {
  IngressRecord record;
  record.account_id = turn.account_id;
  record.post_id = turn.id;
  record.channel_id = std::move(channel);
  record.create_at = create_at;
  record.update_at = create_at;
  return record;
}

SlashRegistration registration_of(std::string account, std::string team, std::string trigger,
                                  bool created = true) {
  SlashRegistration registration;
  registration.account_id = std::move(account);
  registration.team_id = std::move(team);
  registration.command_id = "cmd-" + registration.team_id + "-" + trigger;
  registration.trigger = std::move(trigger);
  registration.token = "tok-" + registration.command_id;
  registration.url = "https://gw.example.com/mattermost/slash";
  registration.created = created;
  return registration;
}

// What the store fills in, for comparing with what is read back.
CallbackTurn recorded(CallbackTurn turn, std::int64_t created_at) {
  turn.created_at = created_at;
  return turn;
}

SlashRegistration registered(SlashRegistration registration, std::int64_t registered_at) {
  registration.registered_at = registered_at;
  return registration;
}

template <class T>
void expect_invalid(const Result<T>& result, std::string_view message_part) {
  ASSERT_FALSE(result.has_value()) << message_part;
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input) << result.error().message;
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
}

class CallbackTurnsTest : public StoreFileTest {
 protected:
  static std::int64_t count(Database& db, std::string_view table) {
    return query_int(db, "SELECT count(*) FROM " + std::string(table));
  }
};

TEST_F(CallbackTurnsTest, SchemaIsAtVersionFiveWithTheNewTables) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(all_migrations().size(), 5U);
  EXPECT_EQ(all_migrations()[4].version, 5);
  EXPECT_EQ(all_migrations()[4].name, "create_callback_turns_and_slash_commands");
  EXPECT_EQ(store->schema_version(), 5);
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 5);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('callback_turns', 'slash_registrations')"),
            2);
  // The schema itself refuses a kind the code does not know.
  EXPECT_FALSE(
      db.exec("INSERT INTO callback_turns (account_id, id, kind, payload, created_at) "
              "VALUES ('a', 'x', 'hover', '{}', 1)"));
  EXPECT_EQ(count(db, "callback_turns"), 0);
}

TEST_F(CallbackTurnsTest, RecordsANewTurnThenReportsDuplicatesKeepingTheFirstPayload) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const CallbackTurn turn = turn_of("acct", "interaction:p9:approve");
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::nullopt);

  EXPECT_EQ(store->record_callback_turn(turn, ingress_of(turn), kT0 + 1).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::optional(recorded(turn, kT0 + 1)));

  // The same click again (a retried callback): someone is on it, and the first payload stays.
  const CallbackTurn again = turn_of("acct", turn.id, "click", R"({"post_id":"p9","action_id":"other"})");
  EXPECT_EQ(store->record_callback_turn(again, ingress_of(again), kT0 + 2).value(),
            AdmitOutcome::duplicate_pending);
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::optional(recorded(turn, kT0 + 1)));

  ASSERT_TRUE(store->mark_dispatched("acct", turn.id, kT0 + 3).value());
  ASSERT_TRUE(store->mark_answered("acct", turn.id, "reply1", kT0 + 4));
  EXPECT_EQ(store->record_callback_turn(again, ingress_of(again), kT0 + 5).value(),
            AdmitOutcome::duplicate_done);
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::optional(recorded(turn, kT0 + 1)));
  EXPECT_EQ(count(store->database(), "callback_turns"), 1);
}

TEST_F(CallbackTurnsTest, APostAdmittedFirstMakesTheTurnADuplicateWithoutATurn) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const CallbackTurn turn = turn_of("acct", "slash:t1:123", "slash", R"({"text":"/ask hi"})");
  ASSERT_EQ(store->admit_post(ingress_of(turn), kT0).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->record_callback_turn(turn, ingress_of(turn), kT0 + 1).value(),
            AdmitOutcome::duplicate_pending);
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::nullopt);
}

TEST_F(CallbackTurnsTest, TheIngressRowGoesThroughDispatchAndRestartLikeAPost) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const CallbackTurn click = turn_of("acct", "interaction:p1:a1");
  const CallbackTurn slash = turn_of("acct", "slash:t1:9", "slash", R"({"command":"/ask","text":"hé"})");
  IngressRecord click_ingress = ingress_of(click, "ch1", kT0);
  click_ingress.root_id = "root1";
  ASSERT_EQ(store->record_callback_turn(click, click_ingress, kT0 + 10).value(), AdmitOutcome::new_post);
  ASSERT_EQ(store->record_callback_turn(slash, ingress_of(slash, "ch2", kT0 + 1), kT0 + 11).value(),
            AdmitOutcome::new_post);

  IngressRecord expected = click_ingress;
  expected.state = IngressState::received;
  expected.recorded_at = kT0 + 10;
  expected.changed_at = kT0 + 10;
  EXPECT_EQ(store->ingress_post("acct", click.id).value(), std::optional(expected));

  // Two paths racing to dispatch the click: one wins.
  EXPECT_TRUE(store->mark_dispatched("acct", click.id, kT0 + 20).value());
  EXPECT_FALSE(store->mark_dispatched("acct", click.id, kT0 + 21).value());
  EXPECT_EQ(store->ingress_post("acct", click.id).value()->state, IngressState::dispatched);

  // A restart hands both back once, oldest first, with their turns still there to run again.
  auto taken = store->take_unfinished_after_restart("acct", kT0 + 30).value();
  ASSERT_EQ(taken.size(), 2U);
  EXPECT_EQ(taken[0].post_id, click.id);
  EXPECT_EQ(taken[0].attempts, 1);
  EXPECT_EQ(taken[1].post_id, slash.id);
  EXPECT_EQ(taken[1].attempts, 0);
  EXPECT_EQ(store->callback_turn("acct", click.id).value(), std::optional(recorded(click, kT0 + 10)));
  EXPECT_EQ(store->callback_turn("acct", slash.id).value(), std::optional(recorded(slash, kT0 + 11)));

  // The slash turn is answered this time; the click is lost again and exhausted at the next start.
  ASSERT_TRUE(store->mark_dispatched("acct", slash.id, kT0 + 40).value());
  ASSERT_TRUE(store->mark_answered("acct", slash.id, "reply2", kT0 + 41));
  EXPECT_TRUE(store->take_unfinished_after_restart("acct", kT0 + 50).value().empty());
  const auto exhausted = store->ingress_post("acct", click.id).value();
  ASSERT_TRUE(exhausted);
  EXPECT_EQ(exhausted->state, IngressState::dead);
  EXPECT_EQ(exhausted->reason, restart_retry_exhausted);
}

TEST_F(CallbackTurnsTest, AReopenedStoreKeepsTheTurn) {
  const CallbackTurn turn = turn_of("acct", "interaction:p1:a1", "click", "{\"emoji\":\"\xF0\x9F\x91\x8D\"}");
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(store->record_callback_turn(turn, ingress_of(turn), kT0).value(), AdmitOutcome::new_post);
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->callback_turn("acct", turn.id).value(), std::optional(recorded(turn, kT0)));
  EXPECT_EQ(store->ingress_post("acct", turn.id).value()->state, IngressState::received);
  EXPECT_EQ(store->record_callback_turn(turn, ingress_of(turn), kT0 + 1).value(),
            AdmitOutcome::duplicate_pending);
}

TEST_F(CallbackTurnsTest, TurnsArePerAccount) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const CallbackTurn a = turn_of("a", "interaction:p1:x", "click", R"({"from":"a"})");
  const CallbackTurn b = turn_of("b", "interaction:p1:x", "click", R"({"from":"b"})");
  EXPECT_EQ(store->record_callback_turn(a, ingress_of(a), kT0).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->record_callback_turn(b, ingress_of(b), kT0 + 1).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->callback_turn("a", a.id).value(), std::optional(recorded(a, kT0)));
  EXPECT_EQ(store->callback_turn("b", b.id).value(), std::optional(recorded(b, kT0 + 1)));
  EXPECT_EQ(store->callback_turn("c", a.id).value(), std::nullopt);
}

TEST_F(CallbackTurnsTest, InvalidTurnsAreRefusedAndRecordNothing) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::string id = "interaction:p1:a1";
  const auto refuse = [&](const CallbackTurn& turn, const IngressRecord& ingress, std::string_view part) {
    expect_invalid(store->record_callback_turn(turn, ingress, kT0), part);
  };
  const auto with = [&](std::string kind, std::string payload) { return turn_of("acct", id, kind, payload); };

  for (const char* kind : {"", "Click", "SLASH", "button", "click "}) {
    const CallbackTurn turn = with(kind, "{}");
    refuse(turn, ingress_of(turn), "the callback turn kind must be \"click\" or \"slash\"");
  }
  {
    const CallbackTurn turn = with("click", std::string("{\"a\":\"x\0y\"}"sv));
    refuse(turn, ingress_of(turn), "the callback turn payload must not contain a NUL byte");
  }
  for (const char* bad : {"{\"a\":\"\xC3\"}", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80"}) {
    const CallbackTurn turn = with("slash", bad);
    refuse(turn, ingress_of(turn), "the callback turn payload is not valid UTF-8");
  }
  {
    const CallbackTurn turn = with("click", std::string(kMaxPayload + 1, 'x'));
    refuse(turn, ingress_of(turn), "the callback turn payload must be at most 65536 bytes, got 65537");
  }
  {
    const CallbackTurn turn = with("click", "{}");
    IngressRecord other_id = ingress_of(turn);
    other_id.post_id = "interaction:p1:a2";
    refuse(turn, other_id, "must have its account and id");
    IngressRecord other_account = ingress_of(turn);
    other_account.account_id = "other";
    refuse(turn, other_account, "must have its account and id");
    IngressRecord no_channel = ingress_of(turn);
    no_channel.channel_id = "";
    refuse(turn, no_channel, "the channel id must not be empty");
    IngressRecord negative = ingress_of(turn);
    negative.create_at = -1;
    refuse(turn, negative, "create_at must not be negative");
    expect_invalid(store->record_callback_turn(turn, ingress_of(turn), -1), "now_ms must not be negative");
  }
  {
    const CallbackTurn no_account = turn_of("", id);
    refuse(no_account, ingress_of(no_account), "the account id must not be empty");
    const CallbackTurn no_id = turn_of("acct", "");
    refuse(no_id, ingress_of(no_id), "the callback turn id must not be empty");
    const CallbackTurn nul_id = turn_of("acct", std::string("a\0b", 3));
    refuse(nul_id, ingress_of(nul_id), "the callback turn id must not contain a NUL byte");
  }
  // The message names the store and never echoes the payload.
  {
    const CallbackTurn turn = with("click", "secret\xFF");
    auto refused = store->record_callback_turn(turn, ingress_of(turn), kT0);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message.rfind("store " + path_.string() + ": ", 0), 0U)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find("secret"), std::string::npos) << refused.error().message;
  }
  expect_invalid(store->callback_turn("", id), "the account id must not be empty");
  expect_invalid(store->callback_turn("acct", ""), "the callback turn id must not be empty");

  Database& db = store->database();
  EXPECT_EQ(count(db, "callback_turns"), 0);
  EXPECT_EQ(count(db, "ingress_posts"), 0);

  // The bounds themselves are fine: 64 KiB exactly, an empty payload, multi-byte text.
  const CallbackTurn largest = turn_of("acct", "big", "slash", std::string(kMaxPayload, 'x'));
  EXPECT_EQ(store->record_callback_turn(largest, ingress_of(largest), kT0).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->callback_turn("acct", "big").value()->payload.size(), kMaxPayload);
  const CallbackTurn empty = turn_of("acct", "empty", "click", "");
  EXPECT_EQ(store->record_callback_turn(empty, ingress_of(empty), kT0).value(), AdmitOutcome::new_post);
  EXPECT_EQ(count(db, "callback_turns"), 2);
}

TEST_F(CallbackTurnsTest, PruneIngressRemovesTheTurnWithItsRow) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const CallbackTurn first = turn_of("a", "interaction:p1:x");
  const CallbackTurn second = turn_of("b", "slash:t1:1", "slash", "{}");
  const CallbackTurn third = turn_of("a", "interaction:p3:x");
  const CallbackTurn waiting = turn_of("a", "interaction:p4:x");
  for (const CallbackTurn* turn : {&first, &second, &third, &waiting}) {
    ASSERT_EQ(store->record_callback_turn(*turn, ingress_of(*turn), kT0).value(), AdmitOutcome::new_post);
  }
  // A plain post with the same timing, to show that turns and posts are pruned alike.
  IngressRecord post = ingress_of(turn_of("a", "plain"));
  ASSERT_EQ(store->admit_post(post, kT0).value(), AdmitOutcome::new_post);

  ASSERT_TRUE(store->mark_dispatched("a", first.id, kT0 + 1).value());
  ASSERT_TRUE(store->mark_answered("a", first.id, "r1", kT0 + 100));
  ASSERT_TRUE(store->mark_dead("b", second.id, "not_allowed", kT0 + 100));  // the same time: a tie
  ASSERT_TRUE(store->mark_dead("a", "plain", "own_post", kT0 + 150));
  ASSERT_TRUE(store->mark_dead("a", third.id, "failed", kT0 + 300));

  // One per call, the oldest first; with a tie, each call still takes a row and its turn together.
  EXPECT_EQ(store->prune_ingress(kT0 + 200, 1).value(), 1);
  Database& db = store->database();
  EXPECT_EQ(count(db, "ingress_posts"), 4);
  EXPECT_EQ(count(db, "callback_turns"), 3);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM callback_turns t WHERE NOT EXISTS (SELECT 1 FROM ingress_posts p "
                      "WHERE p.account_id = t.account_id AND p.post_id = t.id)"),
            0);
  EXPECT_EQ(store->prune_ingress(kT0 + 200, 10).value(), 2);  // the other of the tie and the post
  EXPECT_EQ(store->callback_turn("a", first.id).value(), std::nullopt);
  EXPECT_EQ(store->callback_turn("b", second.id).value(), std::nullopt);
  EXPECT_EQ(store->ingress_post("a", first.id).value(), std::nullopt);
  EXPECT_EQ(store->ingress_post("b", second.id).value(), std::nullopt);
  EXPECT_EQ(store->ingress_post("a", "plain").value(), std::nullopt);
  EXPECT_EQ(store->prune_ingress(kT0 + 200, 10).value(), 0);

  // Too recent, or unfinished: kept with their turns.
  EXPECT_TRUE(store->callback_turn("a", third.id).value());
  EXPECT_TRUE(store->callback_turn("a", waiting.id).value());
  EXPECT_EQ(store->prune_ingress(kT0 + 1'000'000, 10).value(), 1);
  EXPECT_EQ(store->callback_turn("a", third.id).value(), std::nullopt);
  EXPECT_EQ(store->callback_turn("a", waiting.id).value(), std::optional(recorded(waiting, kT0)));
  EXPECT_EQ(count(db, "callback_turns"), 1);

  // A pruned id is new again, and so is its turn, with the new payload.
  const CallbackTurn reborn = turn_of("a", first.id, "click", R"({"again":true})");
  EXPECT_EQ(store->record_callback_turn(reborn, ingress_of(reborn), kT0 + 2'000'000).value(),
            AdmitOutcome::new_post);
  EXPECT_EQ(store->callback_turn("a", first.id).value(), std::optional(recorded(reborn, kT0 + 2'000'000)));
}

TEST_F(CallbackTurnsTest, RegistrationsReplaceAndReadBackOrdered) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->slash_registrations("acct").value().empty());

  const SlashRegistration t2_ask = registration_of("acct", "team2", "ask");
  const SlashRegistration t1_reset = registration_of("acct", "team1", "reset", false);
  const SlashRegistration t1_ask = registration_of("acct", "team1", "ask");
  ASSERT_TRUE(store->replace_slash_registrations("acct", {t2_ask, t1_reset, t1_ask}, kT0));
  const std::vector<SlashRegistration> first{registered(t1_ask, kT0), registered(t1_reset, kT0),
                                             registered(t2_ask, kT0)};
  EXPECT_EQ(store->slash_registrations("acct").value(), first);

  // The next start registers a different set: the old rows go, none is merged.
  SlashRegistration renewed = registration_of("acct", "team1", "ask");
  renewed.command_id = "cmd-new";
  renewed.token = "tok-new";
  const SlashRegistration t3_new = registration_of("acct", "team3", "new");
  ASSERT_TRUE(store->replace_slash_registrations("acct", {t3_new, renewed}, kT0 + 5));
  const std::vector<SlashRegistration> second{registered(renewed, kT0 + 5), registered(t3_new, kT0 + 5)};
  EXPECT_EQ(store->slash_registrations("acct").value(), second);

  // And it survives a restart.
  store.reset();
  store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->slash_registrations("acct").value(), second);

  ASSERT_TRUE(store->replace_slash_registrations("acct", {}, kT0 + 6));
  EXPECT_TRUE(store->slash_registrations("acct").value().empty());
}

TEST_F(CallbackTurnsTest, RegistrationsArePerAccount) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const SlashRegistration a = registration_of("a", "team1", "ask");
  const SlashRegistration b = registration_of("b", "team1", "ask");  // the same team and trigger
  ASSERT_TRUE(store->replace_slash_registrations("a", {a}, kT0));
  ASSERT_TRUE(store->replace_slash_registrations("b", {b}, kT0 + 1));
  EXPECT_EQ(store->slash_registrations("a").value(), std::vector{registered(a, kT0)});
  EXPECT_EQ(store->slash_registrations("b").value(), std::vector{registered(b, kT0 + 1)});

  ASSERT_TRUE(store->replace_slash_registrations("a", {}, kT0 + 2));
  EXPECT_TRUE(store->slash_registrations("a").value().empty());
  EXPECT_EQ(store->slash_registrations("b").value(), std::vector{registered(b, kT0 + 1)});
  EXPECT_TRUE(store->slash_registrations("c").value().empty());
}

TEST_F(CallbackTurnsTest, InvalidRegistrationsAreRefusedAndChangeNothing) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const SlashRegistration kept = registration_of("acct", "team1", "ask");
  ASSERT_TRUE(store->replace_slash_registrations("acct", {kept}, kT0));

  const SlashRegistration good = registration_of("acct", "team2", "ask");
  const auto refuse = [&](const SlashRegistration& bad, std::string_view part) {
    expect_invalid(store->replace_slash_registrations("acct", {good, bad}, kT0 + 1),
                   "slash registration 1: " + std::string(part));
  };
  SlashRegistration bad = good;
  bad.account_id = "other";
  refuse(bad, "it belongs to account other, not acct");
  bad = good;
  bad.team_id = "";
  refuse(bad, "the team id must not be empty");
  bad = good;
  bad.command_id = "";
  refuse(bad, "the command id must not be empty");
  bad = good;
  bad.trigger = "";
  refuse(bad, "the trigger must not be empty");
  bad = good;
  bad.token = "";
  refuse(bad, "the token must not be empty");
  bad = good;
  bad.url = "";
  refuse(bad, "the url must not be empty");
  bad = good;
  bad.trigger = std::string("a\0b", 3);
  refuse(bad, "the trigger must not contain a NUL byte");
  expect_invalid(store->replace_slash_registrations("", {}, kT0), "the account id must not be empty");
  expect_invalid(store->replace_slash_registrations("acct", {good}, -1), "now_ms must not be negative");
  expect_invalid(store->slash_registrations(""), "the account id must not be empty");

  // Two registrations of one (team, trigger): the whole replacement rolls back.
  auto twice = store->replace_slash_registrations("acct", {good, good}, kT0 + 1);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, ErrorKind::invalid_input) << twice.error().message;
  // A token never reaches an error message.
  SlashRegistration secret = good;
  secret.account_id = "other";
  secret.token = "s3cr3t-token";
  auto refused = store->replace_slash_registrations("acct", {secret}, kT0 + 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find("s3cr3t"), std::string::npos) << refused.error().message;

  EXPECT_EQ(store->slash_registrations("acct").value(), std::vector{registered(kept, kT0)});
}

TEST_F(CallbackTurnsTest, MigratesAVersionFourDatabaseAndKeepsItsData) {
  {
    auto store = open_previous_release(4, kT0);
    ASSERT_NE(store, nullptr);
    // Neither table exists yet in a version 4 database.
    const CallbackTurn turn = turn_of("default", "interaction:p1:x");
    EXPECT_FALSE(store->record_callback_turn(turn, ingress_of(turn), kT0));
    EXPECT_FALSE(store->replace_slash_registrations("default", {}, kT0));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 5);
  Database& db = store->database();
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM schema_migrations WHERE version = 5 AND name = "
                      "'create_callback_turns_and_slash_commands'"),
            1);
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("abc"));
  EXPECT_TRUE(store->ingress_post("default", "p1").value().has_value());
  // The turn's failed attempt above left no ingress row behind either.
  const CallbackTurn turn = turn_of("default", "interaction:p1:x");
  EXPECT_EQ(store->record_callback_turn(turn, ingress_of(turn), kT0).value(), AdmitOutcome::new_post);
  ASSERT_TRUE(store->replace_slash_registrations("default", {registration_of("default", "t", "ask")}, kT0));
  EXPECT_EQ(store->slash_registrations("default").value().size(), 1U);
}

}  // namespace
}  // namespace mmclaw::store
