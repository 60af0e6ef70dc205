// DM pairing requests and approvals in SqliteStore (issue 5; channel-behaviour.md §4.5).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store_file_test.hpp"

namespace mmclaw::store {
namespace {

using namespace std::string_view_literals;

constexpr std::int64_t kTtl = 3'600'000;
constexpr std::int64_t kT0 = 1'700'000'000'000;

// Hands out the given codes in order and counts the calls; past the end it fails the test.
class ScriptedCodes {
 public:
  explicit ScriptedCodes(std::vector<std::string> codes) : codes_(std::move(codes)) {}
  std::function<std::string()> fn() {
    return [this] {
      if (calls_ >= codes_.size()) {
        ADD_FAILURE() << "make_code called more often than scripted";
        return std::string("ZZZZZZZZ");
      }
      return codes_[calls_++];
    };
  }
  [[nodiscard]] std::size_t calls() const { return calls_; }

 private:
  std::vector<std::string> codes_;
  std::size_t calls_ = 0;
};

class PairingStoreTest : public StoreFileTest {
 protected:
  // A request that must be created with `code`.
  static PairingRequest create(Store& store, std::string_view account, std::string_view user,
                               std::string_view username, std::string code, std::int64_t now) {
    auto challenge = store.request_pairing(
        account, user, username, [code] { return code; }, now, kTtl);
    EXPECT_TRUE(challenge) << challenge.error().message;
    if (!challenge) return {};
    EXPECT_EQ(challenge->outcome, PairingOutcome::created);
    EXPECT_TRUE(challenge->request.has_value());
    return challenge->request.value_or(PairingRequest{});
  }
};

TEST_F(PairingStoreTest, SchemaHasThePairingAndThreadTables) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_GE(all_migrations().size(), 3U);
  EXPECT_EQ(all_migrations()[2].version, 3);
  EXPECT_EQ(all_migrations()[2].name, "create_pairing_and_threads");
  EXPECT_EQ(store->schema_version(), static_cast<int>(all_migrations().size()));
  Database& db = store->database();
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('pairing_requests', 'pairing_approvals', 'thread_participation')"),
            3);
  EXPECT_EQ(to_string(PairingOutcome::created), "created"sv);
  EXPECT_EQ(to_string(PairingOutcome::pending), "pending"sv);
  EXPECT_EQ(to_string(PairingOutcome::limit_reached), "limit_reached"sv);
  EXPECT_EQ(kMaxPendingPairings, 3);
}

TEST_F(PairingStoreTest, CreatesARequestThenReportsItPendingUnchanged) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ScriptedCodes codes({"abcd2345"});
  auto first = store->request_pairing("default", "user1", "alice", codes.fn(), kT0, kTtl);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, PairingOutcome::created);
  ASSERT_TRUE(first->request);
  PairingRequest expected;
  expected.account_id = "default";
  expected.code = "ABCD2345";  // stored upper-cased
  expected.user_id = "user1";
  expected.username = "alice";
  expected.created_at = kT0;
  expected.expires_at = kT0 + kTtl;
  EXPECT_EQ(*first->request, expected);
  EXPECT_EQ(codes.calls(), 1U);

  // A repeat while pending: the same request, no new code asked for, the username not changed.
  ScriptedCodes none({});
  auto again = store->request_pairing("default", "user1", "alice-renamed", none.fn(), kT0 + 10, kTtl);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->outcome, PairingOutcome::pending);
  EXPECT_EQ(again->request, std::optional<PairingRequest>(expected));
  EXPECT_EQ(none.calls(), 0U);

  auto listed = store->pairing_requests(std::nullopt, kT0 + 10);
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, std::vector<PairingRequest>{expected});
}

TEST_F(PairingStoreTest, AtMostThreePendingPerAccount) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "", "AAAAAAA1", kT0);
  create(*store, "default", "u2", "", "AAAAAAA2", kT0 + 1);
  create(*store, "default", "u3", "", "AAAAAAA3", kT0 + 2);

  ScriptedCodes none({});
  auto fourth = store->request_pairing("default", "u4", "", none.fn(), kT0 + 3, kTtl);
  ASSERT_TRUE(fourth) << fourth.error().message;
  EXPECT_EQ(fourth->outcome, PairingOutcome::limit_reached);
  EXPECT_FALSE(fourth->request);
  EXPECT_EQ(none.calls(), 0U);
  // The limit is per account, and a sender already pending is still told "pending".
  EXPECT_EQ(store->request_pairing("default", "u2", "", none.fn(), kT0 + 3, kTtl)->outcome,
            PairingOutcome::pending);
  create(*store, "other", "u4", "", "AAAAAAA4", kT0 + 3);

  // Settling one makes room.
  ASSERT_TRUE(store->deny_pairing("AAAAAAA1", std::nullopt, kT0 + 4).value());
  create(*store, "default", "u4", "", "AAAAAAA5", kT0 + 5);
  EXPECT_EQ(store->pairing_requests("default"sv, kT0 + 5).value().size(), 3U);
}

TEST_F(PairingStoreTest, ExpiresAtExactlyExpiresAt) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto request = create(*store, "default", "u1", "alice", "ABCD2345", kT0);
  const std::int64_t expiry = request.expires_at;
  ASSERT_EQ(expiry, kT0 + kTtl);

  // One millisecond before: still pending everywhere.
  EXPECT_EQ(store->pairing_requests(std::nullopt, expiry - 1).value().size(), 1U);
  ScriptedCodes none({});
  EXPECT_EQ(store->request_pairing("default", "u1", "alice", none.fn(), expiry - 1, kTtl)->outcome,
            PairingOutcome::pending);

  // At expires_at: gone from the list, not approvable, and a new request gets a new code.
  EXPECT_TRUE(store->pairing_requests(std::nullopt, expiry).value().empty());
  EXPECT_EQ(store->approve_pairing("ABCD2345", std::nullopt, expiry).value(), std::nullopt);
  EXPECT_EQ(store->deny_pairing("ABCD2345", std::nullopt, expiry).value(), std::nullopt);
  EXPECT_TRUE(store->approved_senders("default").value().empty());
  const auto renewed = create(*store, "default", "u1", "alice", "WXYZ6789", expiry);
  EXPECT_EQ(renewed.code, "WXYZ6789");
  EXPECT_EQ(renewed.created_at, expiry);
  EXPECT_EQ(renewed.expires_at, expiry + kTtl);
  // The expired row was deleted on the way, not kept beside the new one.
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM pairing_requests"), 1);
}

TEST_F(PairingStoreTest, ExpiredRequestsDoNotCountTowardsTheLimitAndFreeTheirCodes) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "", "AAAAAAA1", kT0);
  create(*store, "default", "u2", "", "AAAAAAA2", kT0);
  create(*store, "other", "u3", "", "AAAAAAA3", kT0);
  create(*store, "default", "u4", "", "AAAAAAA4", kT0 + kTtl - 1);
  // At kT0 + kTtl the first three have expired, in both accounts; their codes may be issued again.
  create(*store, "default", "u5", "", "AAAAAAA3", kT0 + kTtl);
  create(*store, "default", "u6", "", "AAAAAAA1", kT0 + kTtl);
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM pairing_requests"), 3);
}

TEST_F(PairingStoreTest, RetriesACodeInUseByAnyAccountAtMostEightTimes) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "", "TAKEN222", kT0);
  create(*store, "other", "u2", "", "TAKEN333", kT0);

  // Collides with both accounts' codes (in any case), then gets a free one.
  ScriptedCodes retry({"TAKEN222", "taken333", "FREE4444"});
  auto created = store->request_pairing("default", "u3", "", retry.fn(), kT0 + 1, kTtl);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->outcome, PairingOutcome::created);
  EXPECT_EQ(created->request->code, "FREE4444");
  EXPECT_EQ(retry.calls(), 3U);

  // Eight collisions: an error, and nothing written.
  ScriptedCodes stuck(std::vector<std::string>(8, "TAKEN222"));
  auto failed = store->request_pairing("other", "u4", "", stuck.fn(), kT0 + 2, kTtl);
  ASSERT_FALSE(failed);
  EXPECT_EQ(stuck.calls(), 8U);
  EXPECT_EQ(failed.error().kind, ErrorKind::permanent);
  EXPECT_EQ(
      failed.error().message,
      "store " + path_.string() + ": no unused pairing code after 8 attempts; is the code generator broken?");
  EXPECT_EQ(store->pairing_requests("other"sv, kT0 + 2).value().size(), 1U);

  // The eighth attempt may still succeed.
  std::vector<std::string> late(7, "TAKEN222");
  late.push_back("LATE5555");
  ScriptedCodes eighth(late);
  auto last_chance = store->request_pairing("other", "u4", "", eighth.fn(), kT0 + 3, kTtl);
  ASSERT_TRUE(last_chance) << last_chance.error().message;
  EXPECT_EQ(last_chance->request->code, "LATE5555");
}

TEST_F(PairingStoreTest, AGeneratorThatThrowsRollsBack) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "", "AAAAAAA1", kT0);
  const auto throwing = []() -> std::string { throw std::runtime_error("no entropy"); };
  // The expired-row cleanup of the same call is rolled back with it.
  EXPECT_THROW(std::ignore = store->request_pairing("default", "u2", "", throwing, kT0 + kTtl, kTtl),
               std::runtime_error);
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM pairing_requests"), 1);
  EXPECT_FALSE(store->database().in_transaction());
  // The store is usable afterwards.
  create(*store, "default", "u2", "", "AAAAAAA2", kT0 + 1);
}

TEST_F(PairingStoreTest, ApproveIsCaseInsensitiveAndMovesTheUserToApprovals) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto request = create(*store, "default", "user1", "alice", "ABCD2345", kT0);

  auto approved = store->approve_pairing("  abCd2345\n", std::nullopt, kT0 + 100);
  ASSERT_TRUE(approved) << approved.error().message;
  EXPECT_EQ(*approved, std::optional<PairingRequest>(request));
  EXPECT_TRUE(store->pairing_requests(std::nullopt, kT0 + 100).value().empty());
  EXPECT_EQ(store->approved_senders("default").value(), std::vector<std::string>{"user1"});
  EXPECT_TRUE(store->approved_senders("other").value().empty());

  PairingApproval expected;
  expected.account_id = "default";
  expected.user_id = "user1";
  expected.username = "alice";
  expected.approved_at = kT0 + 100;
  EXPECT_EQ(store->pending_approval_notices("default").value(), std::vector<PairingApproval>{expected});

  // The code is used up.
  EXPECT_EQ(store->approve_pairing("ABCD2345", std::nullopt, kT0 + 101).value(), std::nullopt);
  EXPECT_EQ(store->deny_pairing("ABCD2345", std::nullopt, kT0 + 101).value(), std::nullopt);
}

TEST_F(PairingStoreTest, DenyDeletesTheRequestWithoutApproving) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto request = create(*store, "default", "user1", "", "ABCD2345", kT0);
  auto denied = store->deny_pairing("abcd2345", std::nullopt, kT0 + 1);
  ASSERT_TRUE(denied) << denied.error().message;
  EXPECT_EQ(*denied, std::optional<PairingRequest>(request));
  EXPECT_TRUE(store->pairing_requests(std::nullopt, kT0 + 1).value().empty());
  EXPECT_TRUE(store->approved_senders("default").value().empty());
  EXPECT_TRUE(store->pending_approval_notices("default").value().empty());
  // The user may ask again, and gets a new request.
  create(*store, "default", "user1", "", "EFGH6789", kT0 + 2);
}

TEST_F(PairingStoreTest, AccountFilterLimitsListApproveAndDeny) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto a = create(*store, "alpha", "u1", "ann", "AAAAAAA2", kT0);
  const auto b = create(*store, "beta", "u1", "bob", "BBBBBBB2", kT0 + 1);
  const auto c = create(*store, "alpha", "u2", "", "CCCCCCC2", kT0 + 2);

  EXPECT_EQ(store->pairing_requests(std::nullopt, kT0 + 3).value(), (std::vector<PairingRequest>{a, b, c}));
  EXPECT_EQ(store->pairing_requests("alpha"sv, kT0 + 3).value(), (std::vector<PairingRequest>{a, c}));
  EXPECT_EQ(store->pairing_requests("beta"sv, kT0 + 3).value(), (std::vector<PairingRequest>{b}));
  EXPECT_TRUE(store->pairing_requests("gamma"sv, kT0 + 3).value().empty());

  // A code of another account is not found through the filter, and is left alone.
  EXPECT_EQ(store->approve_pairing("BBBBBBB2", "alpha"sv, kT0 + 3).value(), std::nullopt);
  EXPECT_EQ(store->deny_pairing("BBBBBBB2", "alpha"sv, kT0 + 3).value(), std::nullopt);
  EXPECT_EQ(store->approve_pairing("BBBBBBB2", "beta"sv, kT0 + 3).value(), std::optional<PairingRequest>(b));
  EXPECT_EQ(store->deny_pairing("cccccccc2", "alpha"sv, kT0 + 3).value(), std::nullopt);  // not the code
  EXPECT_EQ(store->deny_pairing("ccccccc2", "alpha"sv, kT0 + 3).value(), std::optional<PairingRequest>(c));

  // The same user id approved on one account is not approved on another.
  EXPECT_EQ(store->approved_senders("beta").value(), std::vector<std::string>{"u1"});
  EXPECT_TRUE(store->approved_senders("alpha").value().empty());
  EXPECT_EQ(store->pairing_requests(std::nullopt, kT0 + 3).value(), std::vector<PairingRequest>{a});
}

TEST_F(PairingStoreTest, ApprovalNoticesAreMarkedOnce) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "ann", "AAAAAAA2", kT0);
  create(*store, "default", "u2", "", "BBBBBBB2", kT0);
  create(*store, "other", "u3", "", "CCCCCCC2", kT0);
  ASSERT_TRUE(store->approve_pairing("BBBBBBB2", std::nullopt, kT0 + 10).value());
  ASSERT_TRUE(store->approve_pairing("AAAAAAA2", std::nullopt, kT0 + 20).value());
  ASSERT_TRUE(store->approve_pairing("CCCCCCC2", std::nullopt, kT0 + 30).value());

  auto notices = store->pending_approval_notices("default");
  ASSERT_TRUE(notices) << notices.error().message;
  ASSERT_EQ(notices->size(), 2U);
  EXPECT_EQ((*notices)[0].user_id, "u2");  // oldest approval first
  EXPECT_EQ((*notices)[0].username, "");
  EXPECT_EQ((*notices)[1].user_id, "u1");
  EXPECT_EQ((*notices)[1].username, "ann");
  EXPECT_EQ((*notices)[1].notified_at, std::nullopt);
  EXPECT_EQ(store->approved_senders("default").value(), (std::vector<std::string>{"u2", "u1"}));

  ASSERT_TRUE(store->mark_approval_notified("default", "u2", kT0 + 40));
  notices = store->pending_approval_notices("default");
  ASSERT_EQ(notices->size(), 1U);
  EXPECT_EQ((*notices)[0].user_id, "u1");
  // Marking again keeps the first time; the row is still an approval.
  ASSERT_TRUE(store->mark_approval_notified("default", "u2", kT0 + 50));
  EXPECT_EQ(
      query_int(store->database(),
                "SELECT notified_at FROM pairing_approvals WHERE account_id = 'default' AND user_id = 'u2'"),
      kT0 + 40);
  EXPECT_EQ(store->approved_senders("default").value().size(), 2U);

  // Unknown users, or a user of another account, are not_found.
  auto unknown = store->mark_approval_notified("default", "u3", kT0 + 60);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
  EXPECT_EQ(unknown.error().message,
            "store " + path_.string() + ": user u3 of account default was never approved");
  EXPECT_EQ(store->pending_approval_notices("other").value().size(), 1U);
}

TEST_F(PairingStoreTest, ApprovingAgainTellsTheUserAgain) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  create(*store, "default", "u1", "ann", "AAAAAAA2", kT0);
  ASSERT_TRUE(store->approve_pairing("AAAAAAA2", std::nullopt, kT0 + 1).value());
  ASSERT_TRUE(store->mark_approval_notified("default", "u1", kT0 + 2));
  // Possible when dmPolicy went away from pairing and back: a second request and approval.
  create(*store, "default", "u1", "ann2", "BBBBBBB2", kT0 + 3);
  ASSERT_TRUE(store->approve_pairing("BBBBBBB2", std::nullopt, kT0 + 4).value());
  auto notices = store->pending_approval_notices("default").value();
  ASSERT_EQ(notices.size(), 1U);
  EXPECT_EQ(notices[0].username, "ann2");
  EXPECT_EQ(notices[0].approved_at, kT0 + 4);
  EXPECT_EQ(store->approved_senders("default").value(), std::vector<std::string>{"u1"});
}

TEST_F(PairingStoreTest, ASecondStoreOnTheSameFileSeesChangesAtOnce) {
  auto gateway = open_store();
  auto cli = open_store();
  ASSERT_NE(gateway, nullptr);
  ASSERT_NE(cli, nullptr);
  create(*gateway, "default", "u1", "ann", "ABCD2345", kT0);
  // The CLI sees the gateway's request and approves it; the gateway sees the approval.
  EXPECT_EQ(cli->pairing_requests(std::nullopt, kT0 + 1).value().size(), 1U);
  ASSERT_TRUE(cli->approve_pairing("abcd2345", std::nullopt, kT0 + 1).value());
  EXPECT_EQ(gateway->approved_senders("default").value(), std::vector<std::string>{"u1"});
  ASSERT_EQ(gateway->pending_approval_notices("default").value().size(), 1U);
  EXPECT_TRUE(gateway->pairing_requests(std::nullopt, kT0 + 1).value().empty());
  ASSERT_TRUE(gateway->mark_approval_notified("default", "u1", kT0 + 2));
  EXPECT_TRUE(cli->pending_approval_notices("default").value().empty());
}

TEST_F(PairingStoreTest, ApprovalsSurviveReopen) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    create(*store, "default", "u1", "", "AAAAAAA2", kT0);
    create(*store, "default", "u2", "", "BBBBBBB2", kT0);
    ASSERT_TRUE(store->approve_pairing("AAAAAAA2", std::nullopt, kT0 + 1).value());
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->approved_senders("default").value(), std::vector<std::string>{"u1"});
  EXPECT_EQ(store->pending_approval_notices("default").value().size(), 1U);
  EXPECT_EQ(store->pairing_requests(std::nullopt, kT0 + 2).value().size(), 1U);
}

TEST_F(PairingStoreTest, RefusesInvalidInput) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto code = [] { return std::string("ABCD2345"); };
  const auto invalid = [&](const auto& result, std::string_view message) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
    EXPECT_EQ(result.error().message, "store " + path_.string() + ": " + std::string(message));
  };
  invalid(store->request_pairing("", "u1", "", code, kT0, kTtl), "the account id must not be empty");
  invalid(store->request_pairing("default", "", "", code, kT0, kTtl), "the user id must not be empty");
  invalid(store->request_pairing("default", "u\0"sv, "", code, kT0, kTtl),
          "the user id must not contain a NUL byte");
  invalid(store->request_pairing("default", "u1", "a\0"sv, code, kT0, kTtl),
          "the username must not contain a NUL byte");
  invalid(store->request_pairing("default", "u1", "", code, -1, kTtl), "now_ms must not be negative, got -1");
  invalid(store->request_pairing("default", "u1", "", code, kT0, 0),
          "ttl_ms must be positive and keep the expiry representable, got 0");
  invalid(store->request_pairing("default", "u1", "", {}, kT0, kTtl),
          "request_pairing needs a code generator");
  invalid(store->request_pairing(
              "default", "u1", "", [] { return std::string("  "); }, kT0, kTtl),
          "the pairing code must not be empty");
  invalid(store->approve_pairing("   ", std::nullopt, kT0), "the pairing code must not be empty");
  invalid(store->deny_pairing("AB\0CD"sv, std::nullopt, kT0), "the pairing code must not contain a NUL byte");
  invalid(store->approve_pairing("ABCD2345", ""sv, kT0), "the account id must not be empty");
  invalid(store->pairing_requests(""sv, kT0), "the account id must not be empty");
  invalid(store->pairing_requests(std::nullopt, -1), "now_ms must not be negative, got -1");
  invalid(store->approved_senders(""), "the account id must not be empty");
  invalid(store->pending_approval_notices("a\0"sv), "the account id must not contain a NUL byte");
  invalid(store->mark_approval_notified("default", "", kT0), "the user id must not be empty");
  EXPECT_EQ(query_int(store->database(), "SELECT count(*) FROM pairing_requests"), 0);
}

TEST_F(PairingStoreTest, MigratesAVersionTwoDatabaseAndKeepsItsData) {
  {
    auto store = open_previous_release(2, kT0);
    ASSERT_NE(store, nullptr);
    // Pairing does not exist yet in a version 2 database.
    EXPECT_FALSE(store->request_pairing(
        "default", "u1", "", [] { return std::string("ABCD2345"); }, kT0, kTtl));
    EXPECT_FALSE(store->record_thread_participation("default", "root1", kT0));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), static_cast<int>(all_migrations().size()));
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), static_cast<int>(all_migrations().size()));
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM schema_migrations WHERE version = 3 AND name = "
                      "'create_pairing_and_threads'"),
            1);
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("abc"));
  EXPECT_TRUE(store->ingress_post("default", "p1").value().has_value());
  create(*store, "default", "u1", "", "ABCD2345", kT0);
  ASSERT_TRUE(store->approve_pairing("ABCD2345", std::nullopt, kT0 + 1).value());
  EXPECT_EQ(store->approved_senders("default").value(), std::vector<std::string>{"u1"});
  ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0));
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0).value());
}

}  // namespace
}  // namespace mmclaw::store
