// Durable ingress and catch-up cursors in SqliteStore (issue 4; channel-behaviour.md §3.6).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
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


IngressRecord post_of(std::string account, std::string post, std::string channel, std::int64_t create_at,
                      std::string root = "") {
  IngressRecord record;
  record.account_id = std::move(account);
  record.post_id = std::move(post);
  record.channel_id = std::move(channel);
  record.root_id = std::move(root);
  record.create_at = create_at;
  record.update_at = create_at + 5;
  return record;
}

class IngressTest : public StoreFileTest {
 protected:
  // The gateway's rule: dispatch only what admit_post calls new and mark_dispatched lets through.
  static bool admit_and_dispatch(Store& store, const IngressRecord& post, std::int64_t now) {
    auto admitted = store.admit_post(post, now);
    EXPECT_TRUE(admitted) << admitted.error().message;
    if (!admitted || *admitted != AdmitOutcome::new_post) return false;
    auto dispatched = store.mark_dispatched(post.account_id, post.post_id, now);
    EXPECT_TRUE(dispatched) << dispatched.error().message;
    return dispatched && *dispatched;
  }

  std::string prefix() const { return "store " + path_.string() + ": "; }

};

TEST_F(IngressTest, FreshStoreHasTheIngressTables) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto latest = static_cast<int>(all_migrations().size());
  EXPECT_EQ(store->schema_version(), latest);
  ASSERT_GE(all_migrations().size(), 2U);
  EXPECT_EQ(all_migrations()[1].version, 2);
  EXPECT_EQ(all_migrations()[1].name, "create_ingress");
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('ingress_posts', 'ingress_cursors')"),
            2);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                      "('ingress_posts_unfinished', 'ingress_posts_finished')"),
            2);
  // The schema itself refuses a state the code does not know.
  EXPECT_FALSE(
      db.exec("INSERT INTO ingress_posts (account_id, post_id, channel_id, create_at, update_at, "
              "state, recorded_at, changed_at) VALUES ('a', 'p', 'c', 1, 1, 'lost', 1, 1)"));
}

TEST_F(IngressTest, AdmitRecordsNewThenReportsDuplicates) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const IngressRecord post = post_of("acct", "p1", "ch1", 1000, "root9");

  EXPECT_EQ(store->admit_post(post, 50).value(), AdmitOutcome::new_post);
  IngressRecord expected = post;
  expected.state = IngressState::received;
  expected.recorded_at = 50;
  expected.changed_at = 50;
  EXPECT_EQ(store->ingress_post("acct", "p1").value(), std::optional<IngressRecord>(expected));

  // A later admission with other values changes nothing: the first one is the record.
  IngressRecord again = post;
  again.channel_id = "other";
  again.update_at = 9999;
  again.state = IngressState::answered;
  again.attempts = 7;
  EXPECT_EQ(store->admit_post(again, 60).value(), AdmitOutcome::duplicate_pending);
  EXPECT_EQ(store->ingress_post("acct", "p1").value(), std::optional<IngressRecord>(expected));

  ASSERT_EQ(store->mark_dispatched("acct", "p1", 70).value(), true);
  EXPECT_EQ(store->admit_post(post, 80).value(), AdmitOutcome::duplicate_pending);
  ASSERT_TRUE(store->mark_answered("acct", "p1", "reply1", 90));
  EXPECT_EQ(store->admit_post(post, 100).value(), AdmitOutcome::duplicate_done);

  const IngressRecord dead = post_of("acct", "p2", "ch1", 2000);
  ASSERT_EQ(store->admit_post(dead, 110).value(), AdmitOutcome::new_post);
  ASSERT_TRUE(store->mark_dead("acct", "p2", "own_post", 120));
  EXPECT_EQ(store->admit_post(dead, 130).value(), AdmitOutcome::duplicate_done);

  EXPECT_EQ(to_string(AdmitOutcome::new_post), "new_post");
  EXPECT_EQ(to_string(AdmitOutcome::duplicate_pending), "duplicate_pending");
  EXPECT_EQ(to_string(AdmitOutcome::duplicate_done), "duplicate_done");
}

TEST_F(IngressTest, SamePostByFourPathsIsDispatchedOnce) {
  const IngressRecord post = post_of("acct", "p1", "ch1", 1000);
  int dispatches = 0;
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    dispatches += admit_and_dispatch(*store, post, 10) ? 1 : 0;  // live
    dispatches += admit_and_dispatch(*store, post, 20) ? 1 : 0;  // WebSocket replay while in flight
    ASSERT_TRUE(store->mark_answered("acct", "p1", "reply1", 30));
    dispatches += admit_and_dispatch(*store, post, 40) ? 1 : 0;  // REST catch-up
  }
  auto store = open_store();  // restart
  ASSERT_NE(store, nullptr);
  auto unfinished = store->take_unfinished_after_restart("acct", 50);
  ASSERT_TRUE(unfinished);
  EXPECT_TRUE(unfinished->empty());
  dispatches += admit_and_dispatch(*store, post, 60) ? 1 : 0;  // replayed again after the restart
  EXPECT_EQ(dispatches, 1);

  const auto record = store->ingress_post("acct", "p1").value();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->state, IngressState::answered);
  EXPECT_EQ(record->attempts, 1);
  EXPECT_EQ(record->reply_post_id, "reply1");
  EXPECT_EQ(record->changed_at, 30);
}

TEST_F(IngressTest, StateTransitionsAndRefusals) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->admit_post(post_of("acct", "p1", "ch1", 1000), 10).value(), AdmitOutcome::new_post);

  // Not dispatched yet: it cannot have been answered.
  auto early = store->mark_answered("acct", "p1", "reply1", 15);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(early.error().message, prefix() + "cannot mark answered post p1 of account acct: it is received");

  EXPECT_EQ(store->mark_dispatched("acct", "p1", 20).value(), true);
  EXPECT_EQ(store->mark_dispatched("acct", "p1", 25).value(), false);  // the second path loses
  ASSERT_TRUE(store->mark_answered("acct", "p1", "reply1", 30));
  EXPECT_EQ(store->mark_dispatched("acct", "p1", 35).value(), false);

  auto twice = store->mark_answered("acct", "p1", "reply2", 40);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, prefix() + "cannot mark answered post p1 of account acct: it is answered");
  auto dead_after_answer = store->mark_dead("acct", "p1", "late", 45);
  ASSERT_FALSE(dead_after_answer);
  EXPECT_EQ(dead_after_answer.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(dead_after_answer.error().message,
            prefix() + "cannot mark dead post p1 of account acct: it is answered");

  IngressRecord answered = post_of("acct", "p1", "ch1", 1000);
  answered.state = IngressState::answered;
  answered.attempts = 1;
  answered.reply_post_id = "reply1";
  answered.recorded_at = 10;
  answered.changed_at = 30;
  EXPECT_EQ(store->ingress_post("acct", "p1").value(), std::optional<IngressRecord>(answered));

  // received -> dead, and dispatched -> dead; dead is final.
  ASSERT_EQ(store->admit_post(post_of("acct", "p2", "ch1", 2000), 50).value(), AdmitOutcome::new_post);
  ASSERT_TRUE(store->mark_dead("acct", "p2", "not_mentioned", 55));
  ASSERT_EQ(store->admit_post(post_of("acct", "p3", "ch1", 3000), 60).value(), AdmitOutcome::new_post);
  ASSERT_EQ(store->mark_dispatched("acct", "p3", 61).value(), true);
  ASSERT_TRUE(store->mark_dead("acct", "p3", "mattermost_403", 65));
  EXPECT_EQ(store->mark_dispatched("acct", "p3", 70).value(), false);
  auto answer_dead = store->mark_answered("acct", "p3", "reply3", 75);
  ASSERT_FALSE(answer_dead);
  EXPECT_EQ(answer_dead.error().message,
            prefix() + "cannot mark answered post p3 of account acct: it is dead");
  const auto p3 = store->ingress_post("acct", "p3").value();
  ASSERT_TRUE(p3);
  EXPECT_EQ(p3->state, IngressState::dead);
  EXPECT_EQ(p3->reason, "mattermost_403");
  EXPECT_EQ(p3->reply_post_id, "");
  EXPECT_EQ(p3->attempts, 1);
  EXPECT_EQ(p3->changed_at, 65);

  // Unknown posts are not_found, not a quiet false.
  auto unknown = store->mark_dispatched("acct", "nope", 80);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
  EXPECT_EQ(unknown.error().message, prefix() + "post nope of account acct was never admitted");
  EXPECT_EQ(store->mark_answered("acct", "nope", "r", 80).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store->mark_dead("acct", "nope", "x", 80).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store->ingress_post("acct", "nope").value(), std::nullopt);
}

TEST_F(IngressTest, RefusesInvalidInput) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto empty_post = store->admit_post(post_of("acct", "", "ch1", 1), 1);
  ASSERT_FALSE(empty_post);
  EXPECT_EQ(empty_post.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(empty_post.error().message, prefix() + "the post id must not be empty");
  EXPECT_EQ(store->admit_post(post_of("", "p", "ch1", 1), 1).error().message,
            prefix() + "the account id must not be empty");
  EXPECT_EQ(store->admit_post(post_of("acct", "p", "", 1), 1).error().message,
            prefix() + "the channel id must not be empty");
  EXPECT_EQ(store->admit_post(post_of("acct", std::string("p\0q", 3), "ch1", 1), 1).error().message,
            prefix() + "the post id must not contain a NUL byte");
  EXPECT_EQ(store->admit_post(post_of("acct", "p", "ch1", -10), 1).error().message,
            prefix() + "create_at must not be negative, got -10");
  ASSERT_EQ(store->admit_post(post_of("acct", "p", "ch1", 1), 1).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->mark_dead("acct", "p", "", 2).error().message, prefix() + "the reason must not be empty");
  ASSERT_TRUE(store->mark_dispatched("acct", "p", 2).value());
  EXPECT_EQ(store->mark_answered("acct", "p", "", 3).error().message,
            prefix() + "the reply post id must not be empty");
  EXPECT_EQ(store->advance_cursor("acct", "ch1", -1, 3).error().message,
            prefix() + "update_at must not be negative, got -1");
  EXPECT_EQ(store->prune_ingress(100, 0).error().message, prefix() + "max_rows must be positive, got 0");
  // Nothing above was recorded.
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM ingress_posts"), 1);
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM ingress_cursors"), 0);
}

TEST_F(IngressTest, UnfinishedPostsComeBackOnceAfterRestartThenDie) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    // Admitted out of creation order and across channels: the hand-back is oldest first.
    ASSERT_EQ(store->admit_post(post_of("acct", "dispatched", "ch2", 2000), 10).value(),
              AdmitOutcome::new_post);
    ASSERT_EQ(store->admit_post(post_of("acct", "received", "ch1", 1000), 11).value(),
              AdmitOutcome::new_post);
    ASSERT_EQ(store->admit_post(post_of("acct", "answered", "ch1", 500), 12).value(), AdmitOutcome::new_post);
    ASSERT_EQ(store->admit_post(post_of("acct", "dead", "ch1", 600), 13).value(), AdmitOutcome::new_post);
    ASSERT_TRUE(store->mark_dispatched("acct", "dispatched", 20).value());
    ASSERT_TRUE(store->mark_dispatched("acct", "answered", 21).value());
    ASSERT_TRUE(store->mark_answered("acct", "answered", "r", 22));
    ASSERT_TRUE(store->mark_dead("acct", "dead", "own_post", 23));
  }  // crash

  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto first = store->take_unfinished_after_restart("acct", 100);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->size(), 2U);
    IngressRecord received = post_of("acct", "received", "ch1", 1000);
    received.restart_retries = 1;
    received.recorded_at = 11;
    received.changed_at = 100;
    IngressRecord dispatched = post_of("acct", "dispatched", "ch2", 2000);
    dispatched.attempts = 1;  // tells the caller to look for an existing reply first
    dispatched.restart_retries = 1;
    dispatched.recorded_at = 10;
    dispatched.changed_at = 100;
    EXPECT_EQ((*first)[0], received);
    EXPECT_EQ((*first)[1], dispatched);

    // Handed back, they are pending again: a replay does not dispatch them a second time.
    EXPECT_EQ(store->admit_post(post_of("acct", "received", "ch1", 1000), 101).value(),
              AdmitOutcome::duplicate_pending);
    // The gateway re-dispatches one, then crashes again before either is finished; a post admitted
    // after the restart is unfinished too.
    ASSERT_TRUE(store->mark_dispatched("acct", "dispatched", 110).value());
    ASSERT_EQ(store->admit_post(post_of("acct", "fresh", "ch1", 3000), 120).value(), AdmitOutcome::new_post);
  }

  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto second = store->take_unfinished_after_restart("acct", 200);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->size(), 1U);
    EXPECT_EQ((*second)[0].post_id, "fresh");
    EXPECT_EQ((*second)[0].restart_retries, 1);

    for (const char* id : {"received", "dispatched"}) {
      const auto record = store->ingress_post("acct", id).value();
      ASSERT_TRUE(record);
      EXPECT_EQ(record->state, IngressState::dead) << id;
      EXPECT_EQ(record->reason, "restart_retry_exhausted") << id;
      EXPECT_EQ(record->changed_at, 200) << id;
      EXPECT_EQ(store->admit_post(post_of("acct", id, "ch1", 1), 201).value(), AdmitOutcome::duplicate_done);
    }
    EXPECT_EQ(store->ingress_post("acct", "dispatched").value()->attempts, 2);
    EXPECT_EQ(store->ingress_post("acct", "received").value()->attempts, 0);
    // Finished rows were left as they were.
    const auto answered = store->ingress_post("acct", "answered").value();
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->state, IngressState::answered);
    EXPECT_EQ(answered->changed_at, 22);
    EXPECT_EQ(store->ingress_post("acct", "dead").value()->reason, "own_post");

    // A third restart has nothing left but "fresh", which is now exhausted too.
    auto third = store->take_unfinished_after_restart("acct", 300);
    ASSERT_TRUE(third);
    EXPECT_TRUE(third->empty());
    EXPECT_EQ(store->ingress_post("acct", "fresh").value()->state, IngressState::dead);
    EXPECT_EQ(query_int(store->database(),
                        "SELECT count(*) FROM ingress_posts WHERE state IN "
                        "('received', 'dispatched')"),
              0);
  }
}

TEST_F(IngressTest, RetriedPostThatIsAnsweredStaysAnswered) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(admit_and_dispatch(*store, post_of("acct", "p1", "ch1", 1000), 10));
  }
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(store->take_unfinished_after_restart("acct", 20).value().size(), 1U);
    ASSERT_TRUE(store->mark_dispatched("acct", "p1", 21).value());
    ASSERT_TRUE(store->mark_answered("acct", "p1", "reply1", 22));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->take_unfinished_after_restart("acct", 30).value().empty());
  const auto record = store->ingress_post("acct", "p1").value();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->state, IngressState::answered);
  EXPECT_EQ(record->attempts, 2);
  EXPECT_EQ(record->reply_post_id, "reply1");
}

TEST_F(IngressTest, CursorsNeverMoveBackwardsAndSurviveReopen) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->channel_cursor("acct", "ch1").value(), std::nullopt);
    EXPECT_EQ(store->advance_cursor("acct", "ch1", 1000, 10).value(), true);
    EXPECT_EQ(store->advance_cursor("acct", "ch1", 900, 11).value(), false);
    EXPECT_EQ(store->advance_cursor("acct", "ch1", 1000, 12).value(), false);
    EXPECT_EQ(store->channel_cursor("acct", "ch1").value(), std::optional<std::int64_t>(1000));
    EXPECT_EQ(store->advance_cursor("acct", "ch1", 1500, 13).value(), true);
    EXPECT_EQ(store->channel_cursor("acct", "ch1").value(), std::optional<std::int64_t>(1500));

    // A sweep of a channel without posts leaves a row without a cursor.
    ASSERT_TRUE(store->record_sweep("acct", "ch0", 20));
    ASSERT_TRUE(store->record_sweep("acct", "ch0", 15));  // an older sweep does not win
    EXPECT_EQ(store->channel_cursor("acct", "ch0").value(), std::nullopt);
    ASSERT_TRUE(store->record_sweep("acct", "ch1", 30));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->channel_cursor("acct", "ch1").value(), std::optional<std::int64_t>(1500));
  EXPECT_EQ(store->advance_cursor("acct", "ch1", 1400, 40).value(), false);
  EXPECT_EQ(store->advance_cursor("acct", "ch0", 700, 41).value(), true);

  const std::vector<ChannelCursor> expected{
      ChannelCursor{"ch0", 700, 20, 41},
      ChannelCursor{"ch1", 1500, 30, 30},
  };
  EXPECT_EQ(store->cursors("acct").value(), expected);
  EXPECT_TRUE(store->cursors("other").value().empty());
}

TEST_F(IngressTest, AccountsAreIsolated) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const IngressRecord in_a = post_of("a", "same", "ch1", 1000);
  const IngressRecord in_b = post_of("b", "same", "ch1", 1000);
  EXPECT_TRUE(admit_and_dispatch(*store, in_a, 10));
  EXPECT_TRUE(admit_and_dispatch(*store, in_b, 11));
  ASSERT_TRUE(store->mark_answered("a", "same", "ra", 12));
  EXPECT_EQ(store->admit_post(in_a, 13).value(), AdmitOutcome::duplicate_done);
  EXPECT_EQ(store->admit_post(in_b, 13).value(), AdmitOutcome::duplicate_pending);
  EXPECT_EQ(store->ingress_post("b", "same").value()->state, IngressState::dispatched);

  // Restart recovery of one account leaves the other's rows alone.
  ASSERT_EQ(store->admit_post(post_of("a", "pa", "ch1", 2000), 14).value(), AdmitOutcome::new_post);
  auto taken = store->take_unfinished_after_restart("b", 20).value();
  ASSERT_EQ(taken.size(), 1U);
  EXPECT_EQ(taken[0].account_id, "b");
  EXPECT_EQ(taken[0].post_id, "same");
  EXPECT_EQ(store->ingress_post("a", "pa").value()->restart_retries, 0);

  ASSERT_TRUE(store->advance_cursor("a", "ch1", 500, 30).value());
  ASSERT_TRUE(store->advance_cursor("b", "ch1", 100, 31).value());
  EXPECT_EQ(store->channel_cursor("a", "ch1").value(), std::optional<std::int64_t>(500));
  EXPECT_EQ(store->channel_cursor("b", "ch1").value(), std::optional<std::int64_t>(100));
  ASSERT_EQ(store->cursors("b").value().size(), 1U);
  EXPECT_EQ(store->cursors("b").value()[0].max_update_at, std::optional<std::int64_t>(100));
}

TEST_F(IngressTest, MigratesAVersionOneDatabaseAndKeepsItsData) {
  {
    SqliteOptions first_release;
    first_release.migrations = all_migrations().first(1);
    auto store = open_store(first_release);
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(store->schema_version(), 1);
    ASSERT_TRUE(store->set_meta("installation_id", "abc"));
    // Ingress does not exist yet in a version 1 database.
    EXPECT_FALSE(store->admit_post(post_of("acct", "p1", "ch1", 1), 1));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto latest = static_cast<int>(all_migrations().size());
  EXPECT_EQ(store->schema_version(), latest);
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("abc"));
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM schema_migrations"), latest);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM schema_migrations WHERE version = 2 AND name = "
                      "'create_ingress'"),
            1);
  EXPECT_EQ(store->admit_post(post_of("acct", "p1", "ch1", 1), 1).value(), AdmitOutcome::new_post);
  EXPECT_EQ(store->advance_cursor("acct", "ch1", 6, 1).value(), true);
}

TEST_F(IngressTest, PruneDeletesOnlyOldFinishedPostsInBoundedBatches) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  // Finished at 100, 200, 300 (answered, dead, answered), and two unfinished ones from long ago.
  ASSERT_TRUE(admit_and_dispatch(*store, post_of("a", "old1", "ch1", 1), 1));
  ASSERT_TRUE(store->mark_answered("a", "old1", "r1", 100));
  ASSERT_EQ(store->admit_post(post_of("b", "old2", "ch1", 2), 2).value(), AdmitOutcome::new_post);
  ASSERT_TRUE(store->mark_dead("b", "old2", "own_post", 200));
  ASSERT_TRUE(admit_and_dispatch(*store, post_of("a", "recent", "ch1", 3), 3));
  ASSERT_TRUE(store->mark_answered("a", "recent", "r3", 300));
  ASSERT_EQ(store->admit_post(post_of("a", "waiting", "ch1", 4), 4).value(), AdmitOutcome::new_post);
  ASSERT_TRUE(admit_and_dispatch(*store, post_of("a", "working", "ch1", 5), 5));

  EXPECT_EQ(store->prune_ingress(300, 1).value(), 1);  // the oldest first, one per call
  EXPECT_EQ(store->ingress_post("a", "old1").value(), std::nullopt);
  EXPECT_TRUE(store->ingress_post("b", "old2").value());
  EXPECT_EQ(store->prune_ingress(300, 10).value(), 1);  // 300 itself is not older than 300
  EXPECT_EQ(store->ingress_post("b", "old2").value(), std::nullopt);
  EXPECT_EQ(store->prune_ingress(300, 10).value(), 0);
  EXPECT_TRUE(store->ingress_post("a", "recent").value());

  EXPECT_EQ(store->prune_ingress(1'000'000, 10).value(), 1);
  EXPECT_EQ(store->ingress_post("a", "recent").value(), std::nullopt);
  EXPECT_EQ(store->ingress_post("a", "waiting").value()->state, IngressState::received);
  EXPECT_EQ(store->ingress_post("a", "working").value()->state, IngressState::dispatched);
  // A pruned post id is new again: why the bound must reach further back than catch-up does.
  EXPECT_EQ(store->admit_post(post_of("a", "old1", "ch1", 1), 400).value(), AdmitOutcome::new_post);
}

TEST(IngressStateTest, NamesAreTheStoredOnes) {
  EXPECT_EQ(to_string(IngressState::received), "received");
  EXPECT_EQ(to_string(IngressState::dispatched), "dispatched");
  EXPECT_EQ(to_string(IngressState::answered), "answered");
  EXPECT_EQ(to_string(IngressState::dead), "dead");
  EXPECT_EQ(restart_retry_exhausted, "restart_retry_exhausted");
}

}  // namespace
}  // namespace mmclaw::store
