// Agent sessions, transcripts and per-session settings in SqliteStore (issue 6).
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
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::string_view kDm = "agent:main:main";
constexpr std::string_view kThread = "agent:main:mattermost:channel:c1:thread:r1";

TranscriptEntry entry(TranscriptRole role, std::string text, int tokens = 3) {
  TranscriptEntry e;
  e.role = role;
  e.text = std::move(text);
  e.approx_tokens = tokens;
  return e;
}

TranscriptEntry user_entry(std::string text, std::string post_id = "") {
  TranscriptEntry e = entry(TranscriptRole::user, std::move(text));
  e.post_id = std::move(post_id);
  return e;
}

TranscriptEntry tool_call_entry() {
  TranscriptEntry e = entry(TranscriptRole::assistant, "", 12);
  // Arguments as a model writes them: quotes, escapes, non-ASCII, a newline.
  e.tool_calls.push_back({"call_1", "message", R"({"action":"send","text":"h\u00e9 \"x\"\n"})"});
  e.tool_calls.push_back({"", "message", "{\"action\":\"react\",\"emoji\":\"\xF0\x9F\x91\x8D\"}"});
  return e;
}

TranscriptEntry tool_result_entry(std::string id) {
  TranscriptEntry e = entry(TranscriptRole::tool, "ok", 5);
  e.tool_call_id = std::move(id);
  e.tool_name = "message";
  return e;
}

// What the store fills in, for comparing an appended entry with the one read back.
TranscriptEntry stored(TranscriptEntry e, std::int64_t seq, std::int64_t created_at) {
  e.seq = seq;
  e.created_at = created_at;
  return e;
}

template <class T>
void expect_invalid(const Result<T>& result, std::string_view message_part) {
  ASSERT_FALSE(result.has_value()) << message_part;
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input) << result.error().message;
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
}

class SessionsStoreTest : public StoreFileTest {
 protected:
  static std::int64_t count(Database& db, std::string_view table) {
    return query_int(db, "SELECT count(*) FROM " + std::string(table));
  }
};

TEST_F(SessionsStoreTest, SchemaHasTheSessionTables) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_GE(all_migrations().size(), 4U);
  EXPECT_EQ(all_migrations()[3].version, 4);
  EXPECT_EQ(all_migrations()[3].name, "create_sessions_and_transcripts");
  EXPECT_EQ(store->schema_version(), static_cast<int>(all_migrations().size()));
  EXPECT_EQ(query_int(store->database(),
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('agent_sessions', 'transcript_messages')"),
            2);
}

TEST_F(SessionsStoreTest, AnUnknownSessionIsEmptyAtGenerationZero) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->transcript(kDm, std::nullopt).value(), Transcript{});
  EXPECT_EQ(store->transcript_stats(kDm).value(), TranscriptStats{});
  EXPECT_EQ(store->session_settings(kDm).value(), SessionSettings{});
  EXPECT_EQ(count(store->database(), "agent_sessions"), 0);  // reading creates nothing
}

TEST_F(SessionsStoreTest, AppendsAndReadsInOrder) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::vector<TranscriptEntry> first{user_entry("what's new?", "post1"), tool_call_entry(),
                                           tool_result_entry("call_1")};
  const std::vector<TranscriptEntry> second{entry(TranscriptRole::assistant, "Nothing \u2014 all quiet."),
                                            user_entry("\u4f60\u597d", "post2")};
  ASSERT_TRUE(store->append_transcript(kDm, 0, first, kT0));
  ASSERT_TRUE(store->append_transcript(kDm, 0, second, kT0 + 10));

  const Transcript read = store->transcript(kDm, std::nullopt).value();
  EXPECT_EQ(read.generation, 0);
  const std::vector<TranscriptEntry> expected{stored(first[0], 1, kT0), stored(first[1], 2, kT0),
                                              stored(first[2], 3, kT0), stored(second[0], 4, kT0 + 10),
                                              stored(second[1], 5, kT0 + 10)};
  EXPECT_EQ(read.entries, expected);

  // The newest N, still oldest first.
  const Transcript newest = store->transcript(kDm, 2).value();
  EXPECT_EQ(newest.entries, (std::vector<TranscriptEntry>{expected[3], expected[4]}));
  EXPECT_EQ(store->transcript(kDm, 100).value().entries, expected);

  // Sessions are separate.
  EXPECT_TRUE(store->transcript(kThread, std::nullopt).value().entries.empty());
  ASSERT_TRUE(store->append_transcript(kThread, 0, {user_entry("in a thread")}, kT0));
  EXPECT_EQ(store->transcript(kThread, std::nullopt).value().entries.at(0).seq, 1);
  EXPECT_EQ(store->transcript(kDm, std::nullopt).value().entries.size(), 5U);
}

TEST_F(SessionsStoreTest, StatsCountEntriesAndTokens) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->append_transcript(kDm, 0, {entry(TranscriptRole::user, "a", 7), tool_call_entry()}, kT0));
  EXPECT_EQ(store->transcript_stats(kDm).value(), (TranscriptStats{2, 19, 0}));
  ASSERT_TRUE(store->reset_transcript(kDm, kT0 + 1));
  EXPECT_EQ(store->transcript_stats(kDm).value(), (TranscriptStats{0, 0, 1}));
}

TEST_F(SessionsStoreTest, AFailedBatchAppendsNothing) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("one")}, kT0));
  std::vector<TranscriptEntry> batch{user_entry("two"), user_entry(std::string("th\0ree", 6))};
  expect_invalid(store->append_transcript(kDm, 0, batch, kT0 + 1),
                 "transcript entry 1: the text must not contain a NUL byte");
  EXPECT_EQ(store->transcript_stats(kDm).value().entries, 1);
  // The next append continues right after the first.
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("two")}, kT0 + 2));
  EXPECT_EQ(store->transcript(kDm, std::nullopt).value().entries.back().seq, 2);
}

TEST_F(SessionsStoreTest, ATurnFromBeforeAResetCannotAppend) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("old question")}, kT0));
  // A turn starts and reads the transcript...
  const std::int64_t turn_generation = store->transcript(kDm, std::nullopt).value().generation;
  // ... /new arrives meanwhile ...
  EXPECT_EQ(store->reset_transcript(kDm, kT0 + 5).value(), 1);
  EXPECT_TRUE(store->transcript(kDm, std::nullopt).value().entries.empty());
  // ... and the turn's answer is refused, clearly.
  auto stale = store->append_transcript(kDm, turn_generation,
                                        {entry(TranscriptRole::assistant, "old answer")}, kT0 + 6);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, ErrorKind::not_found);
  EXPECT_NE(
      stale.error().message.find("session agent:main:main was reset since it was read (generation 0, now 1)"),
      std::string::npos)
      << stale.error().message;
  EXPECT_EQ(store->transcript_stats(kDm).value(), (TranscriptStats{0, 0, 1}));
  // An empty append checks the generation too.
  EXPECT_EQ(store->append_transcript(kDm, 0, {}, kT0 + 6).error().kind, ErrorKind::not_found);
  ASSERT_TRUE(store->append_transcript(kDm, 1, {}, kT0 + 6));

  // The fresh transcript takes appends of its own generation; seq is never reused.
  ASSERT_TRUE(store->append_transcript(kDm, 1, {user_entry("new question")}, kT0 + 7));
  const Transcript fresh = store->transcript(kDm, std::nullopt).value();
  EXPECT_EQ(fresh.generation, 1);
  ASSERT_EQ(fresh.entries.size(), 1U);
  EXPECT_EQ(fresh.entries[0].text, "new question");
  EXPECT_EQ(fresh.entries[0].seq, 2);

  // Resetting again, and resetting a session never seen.
  EXPECT_EQ(store->reset_transcript(kDm, kT0 + 8).value(), 2);
  EXPECT_EQ(store->reset_transcript(kThread, kT0 + 8).value(), 1);
  EXPECT_EQ(store->append_transcript(kThread, 0, {user_entry("x")}, kT0 + 9).error().kind,
            ErrorKind::not_found);
  // A generation from the future is refused the same way.
  EXPECT_EQ(store->append_transcript(kDm, 3, {user_entry("x")}, kT0 + 9).error().kind, ErrorKind::not_found);
}

TEST_F(SessionsStoreTest, AResetKeepsSettingsAndOtherSessions) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  SessionSettings settings;
  settings.model = "ollama/llama3.3";
  ASSERT_TRUE(store->set_session_settings(kDm, settings, kT0));
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("a")}, kT0));
  ASSERT_TRUE(store->append_transcript(kThread, 0, {user_entry("b")}, kT0));
  ASSERT_TRUE(store->reset_transcript(kDm, kT0 + 1));
  EXPECT_EQ(store->session_settings(kDm).value(), settings);
  EXPECT_EQ(store->transcript_stats(kThread).value(), (TranscriptStats{1, 3, 0}));
}

TEST_F(SessionsStoreTest, SettingsRoundTripAndSurviveARestart) {
  SessionSettings settings;
  settings.model = "openrouter/anthropic/claude-sonnet-4";  // a model id may hold '/'
  settings.think = "high";
  settings.reasoning = true;
  settings.verbose = false;
  settings.queue_mode = "collect";
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->set_session_settings(kDm, settings, kT0));
    EXPECT_EQ(store->session_settings(kDm).value(), settings);
    EXPECT_EQ(store->session_settings(kThread).value(), SessionSettings{});
    ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("remember me", "p1")}, kT0));
  }
  auto store = open_store();  // the gateway restarted
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->session_settings(kDm).value(), settings);
  const Transcript read = store->transcript(kDm, std::nullopt).value();
  ASSERT_EQ(read.entries.size(), 1U);
  EXPECT_EQ(read.entries[0].post_id, "p1");

  // Writing replaces the whole set; nullopt clears.
  SessionSettings changed = settings;
  changed.think.reset();
  changed.verbose = true;
  ASSERT_TRUE(store->set_session_settings(kDm, changed, kT0 + 1));
  EXPECT_EQ(store->session_settings(kDm).value(), changed);
  ASSERT_TRUE(store->set_session_settings(kDm, SessionSettings{}, kT0 + 2));
  EXPECT_EQ(store->session_settings(kDm).value(), SessionSettings{});
  // The transcript is untouched by settings.
  EXPECT_EQ(store->transcript_stats(kDm).value().entries, 1);
}

TEST_F(SessionsStoreTest, SettingsOutsideTheirSetsAreRefused) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  for (std::string_view model : {"llama3"sv, "/llama3"sv, "ollama/"sv, "ollama/llama 3"sv, ""sv}) {
    SessionSettings settings;
    settings.model = std::string(model);
    expect_invalid(store->set_session_settings(kDm, settings, kT0), "provider/model");
  }
  SessionSettings think;
  think.think = "max";
  expect_invalid(store->set_session_settings(kDm, think, kT0), "one of off, low, medium, high");
  SessionSettings queue;
  queue.queue_mode = "later";
  expect_invalid(store->set_session_settings(kDm, queue, kT0), "one of steer, followup, collect, interrupt");
  for (std::string_view word : kThinkLevels) {
    SessionSettings ok;
    ok.think = std::string(word);
    EXPECT_TRUE(store->set_session_settings(kDm, ok, kT0)) << word;
  }
  for (std::string_view word : kQueueModes) {
    SessionSettings ok;
    ok.queue_mode = std::string(word);
    EXPECT_TRUE(store->set_session_settings(kDm, ok, kT0)) << word;
  }
}

TEST_F(SessionsStoreTest, PruneEmptiesIdleSessionsInBoundedBatches) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::vector<TranscriptEntry> three{user_entry("1"), user_entry("2"), user_entry("3")};
  ASSERT_TRUE(store->append_transcript("idle", 0, three, kT0));
  ASSERT_TRUE(store->append_transcript("idle-with-model", 0, {user_entry("x")}, kT0));
  SessionSettings settings;
  settings.model = "ollama/qwen3";
  ASSERT_TRUE(store->set_session_settings("idle-with-model", settings, kT0));
  ASSERT_TRUE(store->append_transcript("active", 0, {user_entry("old")}, kT0));
  ASSERT_TRUE(store->append_transcript("active", 0, {user_entry("new")}, kT0 + 40 * kDayMs));
  ASSERT_TRUE(store->reset_transcript("idle-with-model", kT0 + 1));  // generation 1, no entries
  ASSERT_TRUE(store->append_transcript("idle-with-model", 1, {user_entry("y")}, kT0 + 2));

  const std::int64_t cutoff = kT0 + 30 * kDayMs;
  EXPECT_EQ(store->prune_transcripts(cutoff, 2).value(), 2);  // the two oldest entries of "idle"
  EXPECT_EQ(store->transcript("idle", std::nullopt).value().entries.at(0).text, "3");
  std::int64_t total = 0;
  for (int round = 0; round < 10; ++round) {
    const std::int64_t pruned = store->prune_transcripts(cutoff, 2).value();
    if (pruned == 0) break;
    total += pruned;
  }
  EXPECT_EQ(total, 3);  // "idle"'s last entry, "idle-with-model"'s entry, the "idle" session row

  EXPECT_EQ(store->transcript_stats("idle").value(), TranscriptStats{});
  // A session with settings keeps them, and its generation.
  EXPECT_EQ(store->session_settings("idle-with-model").value(), settings);
  EXPECT_EQ(store->transcript_stats("idle-with-model").value(), (TranscriptStats{0, 0, 1}));
  // Activity is per session: the active one keeps even its old entry.
  EXPECT_EQ(store->transcript_stats("active").value().entries, 2);
  EXPECT_EQ(count(store->database(), "agent_sessions"), 2);
}

TEST_F(SessionsStoreTest, SettingsAndResetsCountAsActivity) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("a")}, kT0));
  SessionSettings settings;
  settings.verbose = true;
  ASSERT_TRUE(store->set_session_settings(kDm, settings, kT0 + 100));
  EXPECT_EQ(store->prune_transcripts(kT0 + 50, 10).value(), 0);
  EXPECT_EQ(store->prune_transcripts(kT0 + 101, 10).value(), 1);
  // A late write with an older time does not make the session look idle earlier.
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("b")}, kT0 + 500));
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("c")}, kT0 + 200));
  EXPECT_EQ(store->prune_transcripts(kT0 + 400, 10).value(), 0);
}

TEST_F(SessionsStoreTest, MigratesAVersionThreeDatabaseAndKeepsItsData) {
  {
    auto store = open_previous_release(3, kT0);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->record_thread_participation("default", "root1", kT0));
    // Transcripts do not exist yet in a version 3 database.
    EXPECT_FALSE(store->append_transcript(kDm, 0, {user_entry("a")}, kT0));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto latest = static_cast<int>(all_migrations().size());
  EXPECT_EQ(store->schema_version(), latest);
  Database& db = store->database();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM schema_migrations WHERE version = 4 AND name = "
                      "'create_sessions_and_transcripts'"),
            1);
  EXPECT_EQ(store->get_meta("installation_id").value(), std::optional<std::string>("abc"));
  EXPECT_TRUE(store->ingress_post("default", "p1").value().has_value());
  EXPECT_TRUE(store->thread_participated("default", "root1", kT0).value());
  ASSERT_TRUE(store->append_transcript(kDm, 0, {user_entry("a")}, kT0));
  EXPECT_EQ(store->transcript_stats(kDm).value().entries, 1);
}

TEST_F(SessionsStoreTest, InvalidInputIsRefusedWithAReason) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::vector<TranscriptEntry> one{user_entry("a")};
  expect_invalid(store->append_transcript("", 0, one, kT0), "the session key must not be empty");
  expect_invalid(store->append_transcript("a\0b"sv, 0, one, kT0),
                 "the session key must not contain a NUL byte");
  expect_invalid(store->append_transcript(kDm, -1, one, kT0), "the generation must not be negative");
  expect_invalid(store->append_transcript(kDm, 0, one, -1), "now_ms must not be negative");

  TranscriptEntry negative = user_entry("a");
  negative.approx_tokens = -1;
  expect_invalid(store->append_transcript(kDm, 0, {negative}, kT0),
                 "transcript entry 0: approx_tokens must not be negative");
  TranscriptEntry user_with_calls = tool_call_entry();
  user_with_calls.role = TranscriptRole::user;
  expect_invalid(store->append_transcript(kDm, 0, {user_entry("a"), user_with_calls}, kT0),
                 "transcript entry 1: only assistant entries carry tool calls, this one is user");
  TranscriptEntry nameless = tool_call_entry();
  nameless.tool_calls[1].name.clear();
  expect_invalid(store->append_transcript(kDm, 0, {nameless}, kT0),
                 "transcript entry 0: tool call 1 has no name");
  TranscriptEntry nul_args = tool_call_entry();
  nul_args.tool_calls[0].arguments = std::string("{\0}", 3);
  expect_invalid(store->append_transcript(kDm, 0, {nul_args}, kT0),
                 "tool call 0: the arguments must not contain a NUL byte");
  TranscriptEntry nul_post = user_entry("a", std::string("p\0", 2));
  expect_invalid(store->append_transcript(kDm, 0, {nul_post}, kT0),
                 "the post id must not contain a NUL byte");
  TranscriptEntry bad_role = user_entry("a");
  bad_role.role = static_cast<TranscriptRole>(42);
  expect_invalid(store->append_transcript(kDm, 0, {bad_role}, kT0), "the role is not a known role");

  expect_invalid(store->transcript("", std::nullopt), "the session key must not be empty");
  expect_invalid(store->transcript(kDm, 0), "max_entries must be positive");
  expect_invalid(store->reset_transcript("", kT0), "the session key must not be empty");
  expect_invalid(store->reset_transcript(kDm, -5), "now_ms must not be negative");
  expect_invalid(store->transcript_stats(""), "the session key must not be empty");
  expect_invalid(store->session_settings("a\0"sv), "the session key must not contain a NUL byte");
  expect_invalid(store->set_session_settings("", SessionSettings{}, kT0),
                 "the session key must not be empty");
  expect_invalid(store->set_session_settings(kDm, SessionSettings{}, -1), "now_ms must not be negative");
  expect_invalid(store->prune_transcripts(kT0, 0), "max_rows must be positive");

  // Every refusal names the store file, and nothing was written.
  auto refused = store->append_transcript("", 0, one, kT0);
  EXPECT_TRUE(refused.error().message.starts_with("store " + path_.string() + ": "));
  EXPECT_EQ(count(store->database(), "agent_sessions"), 0);
  EXPECT_EQ(count(store->database(), "transcript_messages"), 0);
}

TEST_F(SessionsStoreTest, AMalformedRowIsReportedNotGuessed) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->append_transcript(kDm, 0, {tool_call_entry()}, kT0));
  ASSERT_TRUE(store->database().exec("UPDATE transcript_messages SET tool_calls = '[{\"id\":1}]'"));
  auto read = store->transcript(kDm, std::nullopt);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, ErrorKind::permanent);
  EXPECT_NE(read.error().message.find("session agent:main:main: transcript entry 1 has malformed tool calls"),
            std::string::npos)
      << read.error().message;
}

}  // namespace
}  // namespace mmclaw::store
