// `mmclaw pairing list|approve|deny` as the bot owner runs them: the real binary on a store the
// test seeds through SqliteStore, as the gateway would (channel-behaviour.md §4.5).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "../support/temp_dir.hpp"
#include "mmclaw_process.hpp"
#include "store/sqlite_store.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace mmclaw::test;
using mmclaw::store::PairingOutcome;
using mmclaw::store::SqliteStore;

namespace {

constexpr std::int64_t kTtl = 3'600'000;

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class CliPairing : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.write("openclaw.json", R"({channels: {mattermost: {
      network: {dangerouslyAllowPrivateNetwork: true},
      accounts: {
        alpha: {baseUrl: "http://127.0.0.1:9", botToken: "tok-alpha-123456"},
        beta: {baseUrl: "http://127.0.0.1:9", botToken: "tok-beta-1234567"}}}},
      mmclaw: {store: {path: "state/mmclaw.db"}}})");
    auto store = SqliteStore::open(dir_.path() / "state" / "mmclaw.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  // Seeds a request as the gateway would, `age_ms` ago.
  void seed(const std::string& account, const std::string& user, const std::string& username,
            const std::string& code, std::int64_t age_ms = 0) {
    auto challenge = store_->request_pairing(
        account, user, username, [code] { return code; }, now_millis() - age_ms, kTtl);
    ASSERT_TRUE(challenge) << challenge.error().message;
    ASSERT_EQ(challenge->outcome, PairingOutcome::created);
  }

  ProcessRun mmclaw(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_.string()});
    return run_mmclaw(args, {{"HOME", dir_.path().string()}});
  }

  TempDir dir_;
  fs::path config_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(CliPairing, ListSaysSoWhenNothingIsPending) {
  const auto run = mmclaw({"pairing", "list"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "No pending pairing requests.\n");
  EXPECT_EQ(run.err, "");
  const auto as_json = mmclaw({"pairing", "list", "--json"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(as_json.out, "[]\n");
}

TEST_F(CliPairing, ListPrintsATableOfUnexpiredRequests) {
  seed("alpha", "u1alice", "alice", "ABCD2345", 2000);
  seed("beta", "u2nameless", "", "EFGH6789", 1000);
  seed("alpha", "u3old", "old", "JKMN2345", kTtl + 1000);  // expired an second ago

  const auto run = mmclaw({"pairing", "list"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  // Oldest first; an unknown username shows as "-"; the expiry counts down from 60 minutes.
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> split;
    std::size_t start = 0;
    for (std::size_t end; (end = run.out.find('\n', start)) != std::string::npos; start = end + 1)
      split.push_back(run.out.substr(start, end - start));
    return split;
  }();
  ASSERT_EQ(lines.size(), 3U) << run.out;
  EXPECT_EQ(lines[0], "ACCOUNT  CODE      USER        USERNAME  EXPIRES-IN");
  EXPECT_TRUE(lines[1].starts_with("alpha    ABCD2345  u1alice     alice     59m 5")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("beta     EFGH6789  u2nameless  -         59m 5")) << lines[2];
  EXPECT_EQ(run.out.find("JKMN2345"), std::string::npos);

  const auto filtered = mmclaw({"pairing", "list", "--account", "BETA"});
  EXPECT_EQ(filtered.exit_code, 0) << filtered.err;
  EXPECT_EQ(filtered.out.find("ABCD2345"), std::string::npos) << filtered.out;
  EXPECT_NE(filtered.out.find("EFGH6789"), std::string::npos) << filtered.out;
}

TEST_F(CliPairing, ListAsJson) {
  seed("alpha", "u1alice", "alice", "ABCD2345", 2000);
  seed("beta", "u2nameless", "", "EFGH6789", 1000);
  const auto run = mmclaw({"pairing", "list", "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const json::value parsed = json::parse(run.out);
  ASSERT_TRUE(parsed.is_array()) << run.out;
  const auto& array = parsed.as_array();
  ASSERT_EQ(array.size(), 2U);
  const auto& first = array[0].as_object();
  EXPECT_EQ(first.at("account").as_string(), "alpha");
  EXPECT_EQ(first.at("code").as_string(), "ABCD2345");
  EXPECT_EQ(first.at("userId").as_string(), "u1alice");
  EXPECT_EQ(first.at("username").as_string(), "alice");
  EXPECT_EQ(first.at("expiresAt").as_int64() - first.at("createdAt").as_int64(), kTtl);
  EXPECT_TRUE(array[1].as_object().at("username").is_null());

  const auto alpha = mmclaw({"pairing", "list", "--json", "--account", "alpha"});
  EXPECT_EQ(alpha.exit_code, 0) << alpha.err;
  EXPECT_EQ(json::parse(alpha.out).as_array().size(), 1U);
}

TEST_F(CliPairing, ApproveTakesTheRequestAndLeavesTheNoticeForTheGateway) {
  seed("alpha", "u1alice", "alice", "ABCD2345");
  seed("beta", "u2nameless", "", "EFGH6789");
  const auto run = mmclaw({"pairing", "approve", "abcd2345"});  // case does not matter
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "Approved alice (u1alice) on account alpha. The gateway tells them by DM.\n");
  EXPECT_EQ(run.err, "");

  const auto listed = mmclaw({"pairing", "list"});
  EXPECT_EQ(listed.out.find("ABCD2345"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("EFGH6789"), std::string::npos) << listed.out;

  // The gateway's store, open all along, sees the approval at once; nobody has told the user yet.
  EXPECT_EQ(store_->approved_senders("alpha").value(), std::vector<std::string>{"u1alice"});
  const auto notices = store_->pending_approval_notices("alpha").value();
  ASSERT_EQ(notices.size(), 1U);
  EXPECT_EQ(notices[0].user_id, "u1alice");
  EXPECT_EQ(notices[0].username, "alice");
  EXPECT_EQ(notices[0].notified_at, std::nullopt);
  EXPECT_TRUE(store_->approved_senders("beta").value().empty());

  // A user without a username is named by id; --account narrows the lookup.
  const auto by_id = mmclaw({"pairing", "approve", " EFGH6789 ", "--account", "beta"});
  EXPECT_EQ(by_id.exit_code, 0) << by_id.err;
  EXPECT_EQ(by_id.out, "Approved u2nameless (u2nameless) on account beta. The gateway tells them by DM.\n");
}

TEST_F(CliPairing, ApproveAnUnknownOrExpiredCodeFails) {
  seed("alpha", "u1alice", "alice", "ABCD2345");
  seed("beta", "u3old", "", "JKMN2345", kTtl + 1000);

  const auto unknown = mmclaw({"pairing", "approve", "wxyz6789"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err, "mmclaw: no pending pairing request with code WXYZ6789\n");

  const auto expired = mmclaw({"pairing", "approve", "JKMN2345"});
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_EQ(expired.err, "mmclaw: no pending pairing request with code JKMN2345\n");

  // Another account's code is not found through --account, and stays pending.
  const auto other_account = mmclaw({"pairing", "approve", "ABCD2345", "--account", "beta"});
  EXPECT_EQ(other_account.exit_code, 1);
  EXPECT_EQ(other_account.err, "mmclaw: no pending pairing request with code ABCD2345\n");
  EXPECT_EQ(store_->pairing_requests(std::nullopt, now_millis()).value().size(), 1U);
  EXPECT_TRUE(store_->approved_senders("alpha").value().empty());
}

TEST_F(CliPairing, MalformedCodesAndUnknownAccountsAreUsageErrors) {
  seed("alpha", "u1alice", "alice", "ABCD2345");
  for (const std::string code : {"abc", "ABCD23451", "ABCD2341", "ABCD-234"}) {
    SCOPED_TRACE(code);
    const auto run = mmclaw({"pairing", "approve", code});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "mmclaw: CODE: \"" + code +
                           "\" is not a pairing code (8 characters of A-Z and 2-9, without I, O, 0 and 1)\n");
    EXPECT_EQ(mmclaw({"pairing", "deny", code}).exit_code, 2);
  }
  const auto unknown_account = mmclaw({"pairing", "list", "--account", "gamma"});
  EXPECT_EQ(unknown_account.exit_code, 2);
  EXPECT_EQ(unknown_account.err,
            "mmclaw: --account: no account \"gamma\" in " + config_.string() + " (accounts: alpha, beta)\n");
  EXPECT_EQ(mmclaw({"pairing", "approve", "ABCD2345", "--account", "gamma"}).exit_code, 2);
  EXPECT_EQ(store_->pairing_requests(std::nullopt, now_millis()).value().size(), 1U);
}

TEST_F(CliPairing, DenyDeletesTheRequestWithoutApproving) {
  seed("alpha", "u1alice", "alice", "ABCD2345");
  const auto run = mmclaw({"pairing", "deny", "AbCd2345"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "Denied alice (u1alice) on account alpha.\n");
  EXPECT_TRUE(store_->pairing_requests(std::nullopt, now_millis()).value().empty());
  EXPECT_TRUE(store_->approved_senders("alpha").value().empty());
  EXPECT_TRUE(store_->pending_approval_notices("alpha").value().empty());

  const auto again = mmclaw({"pairing", "deny", "ABCD2345"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "mmclaw: no pending pairing request with code ABCD2345\n");
}

TEST_F(CliPairing, AMissingConfigIsAUsageError) {
  const auto run = run_mmclaw({"--config", (dir_.path() / "missing.json").string(), "pairing", "list"},
                              {{"HOME", dir_.path().string()}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("missing.json"), std::string::npos) << run.err;
}

}  // namespace
