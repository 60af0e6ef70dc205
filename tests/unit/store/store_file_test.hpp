#pragma once
// A store file of its own for each test: a fresh directory under the system temp dir (removed
// afterwards), path_ inside it, and open_store() that opens (or reopens, as after a restart) it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"

namespace mmclaw::store {

class StoreFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("mmclaw-" + std::string(info->test_suite_name()) + "-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(std::filesystem::create_directories(dir_));
    path_ = dir_ / "mmclaw.db";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<SqliteStore> open_store(const SqliteOptions& options = {}) {
    auto store = SqliteStore::open(path_, options);
    if (!store) {
      ADD_FAILURE() << "open failed: " << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }

  // The store as an older release left it: only its first `version` migrations, with the meta key
  // installation_id = "abc" and post p1 (account "default", channel c1) admitted at `now`. For the
  // migration tests, which then reopen it with every migration and check that this survived.
  std::unique_ptr<SqliteStore> open_previous_release(int version, std::int64_t now) {
    SqliteOptions previous_release;
    previous_release.migrations = all_migrations().first(static_cast<std::size_t>(version));
    auto store = open_store(previous_release);
    if (!store) return nullptr;
    EXPECT_EQ(store->schema_version(), version);
    EXPECT_TRUE(store->set_meta("installation_id", "abc"));
    IngressRecord post;
    post.account_id = "default";
    post.post_id = "p1";
    post.channel_id = "c1";
    post.create_at = 5;
    post.update_at = 6;
    EXPECT_EQ(store->admit_post(post, now).value(), AdmitOutcome::new_post);
    return store;
  }

  // The first column of the first row as an integer; -999 when there is none or it is NULL.
  static std::int64_t query_int(Database& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    if (!statement || !statement->step() || statement->column_is_null(0)) return -999;
    return statement->column_int64(0);
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

}  // namespace mmclaw::store
