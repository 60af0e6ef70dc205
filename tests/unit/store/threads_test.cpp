// Thread participation in SqliteStore (issue 5; channel-behaviour.md §4.6, implicit mention).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store_file_test.hpp"

namespace mmclaw::store {
namespace {

using namespace std::string_view_literals;

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kWeekMs = 7LL * 24 * 3600 * 1000;

std::int64_t count_rows(Database& db) {
  auto statement = db.prepare("SELECT count(*) FROM thread_participation");
  if (!statement || !statement->step()) return -999;
  return statement->column_int64(0);
}

using ThreadParticipationTest = StoreFileTest;

TEST_F(ThreadParticipationTest, RecordedAtOrAfterSince) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->thread_participated("default", "root1", 0).value());
  ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0));
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0 - kWeekMs).value());
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0).value());  // at since counts
  EXPECT_FALSE(store->thread_participated("default", "root1", kT0 + 1).value());
  // Another thread, or the same root id on another account, is not participated in.
  EXPECT_FALSE(store->thread_participated("default", "root2", 0).value());
  EXPECT_FALSE(store->thread_participated("other", "root1", 0).value());
}

TEST_F(ThreadParticipationTest, UpsertKeepsTheLatestTime) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0));
  ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0 + 500));
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0 + 500).value());
  // An older time (a late write from a slow path) does not move it back.
  ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0 + 100));
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0 + 500).value());
  EXPECT_EQ(count_rows(store->database()), 1);
}

TEST_F(ThreadParticipationTest, PruneDeletesOldRowsInBoundedBatches) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->record_thread_participation("a", "r1", kT0));
  ASSERT_TRUE(store->record_thread_participation("b", "r2", kT0 + 1));
  ASSERT_TRUE(store->record_thread_participation("a", "r3", kT0 + 2));
  ASSERT_TRUE(store->record_thread_participation("a", "r4", kT0 + 10));

  // Strictly older than before_ms, oldest first, at most max_rows.
  EXPECT_EQ(store->prune_thread_participation(kT0 + 10, 2).value(), 2);
  EXPECT_FALSE(store->thread_participated("a", "r1", 0).value());
  EXPECT_FALSE(store->thread_participated("b", "r2", 0).value());
  EXPECT_TRUE(store->thread_participated("a", "r3", 0).value());
  EXPECT_EQ(store->prune_thread_participation(kT0 + 10, 100).value(), 1);
  EXPECT_EQ(store->prune_thread_participation(kT0 + 10, 100).value(), 0);
  EXPECT_TRUE(store->thread_participated("a", "r4", kT0 + 10).value());

  auto bad = store->prune_thread_participation(kT0, 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
}

TEST_F(ThreadParticipationTest, SurvivesReopenAndIsSharedBetweenProcesses) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0));
  }
  auto first = open_store();
  auto second = open_store();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(first->thread_participated("default", "root1", kT0).value());
  ASSERT_TRUE(second->record_thread_participation("default", "root2", kT0 + 1));
  EXPECT_TRUE(first->thread_participated("default", "root2", kT0 + 1).value());
}

TEST_F(ThreadParticipationTest, RefusesInvalidInput) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::string prefix = "store " + path_.string() + ": ";
  auto empty_account = store->record_thread_participation("", "root1", kT0);
  ASSERT_FALSE(empty_account);
  EXPECT_EQ(empty_account.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(empty_account.error().message, prefix + "the account id must not be empty");
  auto empty_root = store->thread_participated("default", "", kT0);
  ASSERT_FALSE(empty_root);
  EXPECT_EQ(empty_root.error().message, prefix + "the root id must not be empty");
  auto nul_root = store->record_thread_participation("default", "r\0"sv, kT0);
  ASSERT_FALSE(nul_root);
  EXPECT_EQ(nul_root.error().message, prefix + "the root id must not contain a NUL byte");
  auto negative = store->record_thread_participation("default", "root1", -5);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message, prefix + "now_ms must not be negative, got -5");
  EXPECT_EQ(count_rows(store->database()), 0);
}

}  // namespace
}  // namespace mmclaw::store
