// Outbound target grammar (mattermost/targets, channel-behaviour §5.1): parse, normalise, "looks
// like an id", and the decisions of the bare-id probe.
#include "mattermost/targets.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::mattermost {
namespace {

using Kind = Target::Kind;

constexpr std::string_view kId = "ab12cd34ef56gh78ij90kl12mn";
constexpr std::string_view kId2 = "zz98yy76xx54ww32vv10uu98tt";
constexpr std::string_view kUpperId = "AB12CD34EF56GH78IJ90KL12MN";
constexpr std::string_view kMixedId = "ab12cd34ef56gh78ij90kL12mn";
constexpr std::string_view kId25 = "ab12cd34ef56gh78ij90kl12m";
constexpr std::string_view kId27 = "ab12cd34ef56gh78ij90kl12mno";
static_assert(kId.size() == 26 && kId2.size() == 26 && kUpperId.size() == 26);
static_assert(kId25.size() == 25 && kId27.size() == 27);

std::string s(std::string_view v) {
  return std::string(v);
}
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// ---- is_mattermost_id ----------------------------------------------------------------------------

TEST(TargetIsMattermostId, ExactlyTwentySixLowerCaseAlnum) {
  struct Case {
    std::string input;
    bool expected;
  };
  const std::vector<Case> cases = {
      {s(kId), true},
      {s(kId2), true},
      {std::string(26, 'a'), true},
      {std::string(26, '0'), true},
      {s(kId25), false},
      {s(kId27), false},
      {s(kUpperId), false},
      {s(kMixedId), false},
      {"", false},
      {cat(" ", kId), false},  // no trimming here
      {cat(kId, " "), false},
      {"ab12cd34ef56gh78ij90kl12m-", false},
      {"ab12cd34ef56gh78ij90kl12m_", false},
      {"ab12cd34ef56gh78ij90kl12m\xc3", false},
      {cat(kId, "__", kId2), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(is_mattermost_id(c.input), c.expected);
  }
}

// ---- looks_like_target_id ------------------------------------------------------------------------

TEST(TargetLooksLikeId, Table) {
  struct Case {
    std::string input;
    bool expected;
  };
  const std::vector<Case> cases = {
      // Prefixed forms, any case, with or without a value.
      {cat("channel:", kId), true},
      {"CHANNEL:town-square", true},
      {"Channel:", true},
      {cat("group:", kId), true},
      {"GROUP:x", true},
      {cat("user:", kId), true},
      {"User:someone", true},
      {cat("mattermost:", kId), true},
      {"MATTERMOST:x", true},
      {cat("  user:", kId, "  "), true},
      // @ forms.
      {"@alice", true},
      {"@", true},
      {"  @Alice ", true},
      // Bare ids: 26 alnum of either case, and DM channel names.
      {s(kId), true},
      {s(kUpperId), true},
      {s(kMixedId), true},
      {cat("\t", kId, "\n"), true},
      {cat(kId, "__", kId2), true},
      {cat(kUpperId, "__", kId2), true},
      {cat(" ", kId, "__", kId2) + " ", true},
      // Not ids.
      {"", false},
      {"   ", false},
      {s(kId25), false},
      {s(kId27), false},
      {cat(kId25, "__", kId2), false},
      {cat(kId, "__", kId25), false},
      {cat(kId, "_", kId2), false},
      {cat(kId, "___", kId2), false},
      {cat(kId, "--", kId2), false},
      {"#town-square", false},
      {"#", false},
      {"town-square", false},
      {"ab12cd34ef56gh78ij90kl12m-", false},
      {"users:x", false},
      {"channels:x", false},
      {"dm:x", false},
      {"channel", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(looks_like_target_id(c.input), c.expected);
  }
}

// ---- normalize_target ----------------------------------------------------------------------------

TEST(TargetNormalize, Table) {
  struct Case {
    std::string input;
    std::optional<std::string> expected;
  };
  const std::vector<Case> cases = {
      {cat("channel:", kId), cat("channel:", kId)},
      {cat("CHANNEL:", kId), cat("channel:", kId)},
      {cat("Channel:  ", kId, "  "), cat("channel:", kId)},
      {"channel:Town-Square", "channel:Town-Square"},
      {"channel:#town", "channel:#town"},
      {cat("group:", kId), cat("channel:", kId)},
      {cat("GROUP: ", kId), cat("channel:", kId)},
      {cat("user:", kId), cat("user:", kId)},
      {cat("User:", kId), cat("user:", kId)},
      {"USER: SomeOne ", "user:SomeOne"},
      {cat("mattermost:", kId), cat("user:", kId)},
      {cat("MATTERMOST:", kId), cat("user:", kId)},
      {cat("MatterMost:\t", kId), cat("user:", kId)},
      {"@alice", "@alice"},
      {"@Alice", "@Alice"},
      {"  @  alice  ", "@alice"},
      {cat(" \t channel:", kId, "\r\n"), cat("channel:", kId)},
      // Empty input or value.
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"channel:", std::nullopt},
      {"channel:   ", std::nullopt},
      {"group:", std::nullopt},
      {"user:", std::nullopt},
      {"User:  ", std::nullopt},
      {"mattermost:", std::nullopt},
      {"@", std::nullopt},
      {"@   ", std::nullopt},
      // Need the directory or the probe.
      {"#town-square", std::nullopt},
      {"#", std::nullopt},
      {"town-square", std::nullopt},
      {s(kId), std::nullopt},
      {cat(kId, "__", kId2), std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(normalize_target(c.input), c.expected);
  }
}

// ---- parse_target --------------------------------------------------------------------------------

struct ParseCase {
  std::string input;
  Kind kind;
  std::string value;
};

void expect_parses(const std::vector<ParseCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    const auto parsed = parse_target(c.input);
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    EXPECT_EQ(*parsed, (Target{c.kind, c.value}));
  }
}

struct ErrorCase {
  std::string input;
  std::string_view error;
};

void expect_errors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    const auto parsed = parse_target(c.input);
    ASSERT_FALSE(parsed.has_value()) << "parsed as " << static_cast<int>(parsed->kind) << " "
                                     << parsed->value;
    EXPECT_EQ(parsed.error(), c.error);
  }
}

TEST(TargetParse, ChannelPrefix) {
  expect_parses({
      {cat("channel:", kId), Kind::channel_id, s(kId)},
      {cat("CHANNEL:", kId), Kind::channel_id, s(kId)},
      {cat("Channel:", kId), Kind::channel_id, s(kId)},
      {cat("cHaNnEl:", kId), Kind::channel_id, s(kId)},
      {cat("channel:  ", kId, "  "), Kind::channel_id, s(kId)},
      {cat("  channel:\t", kId, "\n"), Kind::channel_id, s(kId)},
      // A value that is not a 26-char lower-case id is a channel name, kept as it is.
      {"channel:town-square", Kind::channel_name, "town-square"},
      {"CHANNEL: Town-Square ", Kind::channel_name, "Town-Square"},
      {cat("channel:", kUpperId), Kind::channel_name, s(kUpperId)},
      {cat("channel:", kMixedId), Kind::channel_name, s(kMixedId)},
      {cat("channel:", kId25), Kind::channel_name, s(kId25)},
      {cat("channel:", kId27), Kind::channel_name, s(kId27)},
      {cat("channel:", kId, "__", kId2), Kind::channel_name, cat(kId, "__", kId2)},
      // channel:#name, the name trimmed after the #.
      {"channel:#town-square", Kind::channel_name, "town-square"},
      {"Channel: #  Town ", Kind::channel_name, "Town"},
      {cat("channel:#", kId), Kind::channel_name, s(kId)},
      {"channel:##x", Kind::channel_name, "#x"},
  });
  expect_errors({
      {"channel:", kChannelIdRequired},
      {"CHANNEL:", kChannelIdRequired},
      {"channel:   ", kChannelIdRequired},
      {" Channel:\t ", kChannelIdRequired},
      {"channel:#", kChannelNameRequired},
      {"channel: #  ", kChannelNameRequired},
  });
}

TEST(TargetParse, GroupPrefixParsesLikeChannel) {
  expect_parses({
      {cat("group:", kId), Kind::channel_id, s(kId)},
      {cat("GROUP: ", kId, " "), Kind::channel_id, s(kId)},
      {"Group:private-room", Kind::channel_name, "private-room"},
      {"group:#private-room", Kind::channel_name, "private-room"},
      {cat("group:", kUpperId), Kind::channel_name, s(kUpperId)},
  });
  expect_errors({
      {"group:", kChannelIdRequired},
      {"GROUP:  ", kChannelIdRequired},
      {"group:#", kChannelNameRequired},
  });
}

TEST(TargetParse, UserAndMattermostPrefixes) {
  expect_parses({
      {cat("user:", kId), Kind::user_id, s(kId)},
      {cat("USER:", kId), Kind::user_id, s(kId)},
      {cat("User:", kId), Kind::user_id, s(kId)},
      {cat("user:  ", kId, "\t"), Kind::user_id, s(kId)},
      {cat("mattermost:", kId), Kind::user_id, s(kId)},
      {cat("MATTERMOST:", kId), Kind::user_id, s(kId)},
      {cat("Mattermost: ", kId, " "), Kind::user_id, s(kId)},
      // The value is taken as given (the server decides whether it is a user).
      {"user:not-an-id", Kind::user_id, "not-an-id"},
      {cat("user:", kUpperId), Kind::user_id, s(kUpperId)},
      {"mattermost:@alice", Kind::user_id, "@alice"},
  });
  expect_errors({
      {"user:", kUserIdRequired},
      {"USER:   ", kUserIdRequired},
      {"mattermost:", kUserIdRequired},
      {"MATTERMOST:\t", kUserIdRequired},
  });
}

TEST(TargetParse, AtUsername) {
  expect_parses({
      {"@alice", Kind::username, "alice"},
      {"@Alice", Kind::username, "Alice"},  // case kept
      {"  @alice  ", Kind::username, "alice"},
      {"@  alice", Kind::username, "alice"},
      {"@alice.smith-2", Kind::username, "alice.smith-2"},
      {cat("@", kId), Kind::username, s(kId)},
  });
  expect_errors({
      {"@", kUsernameRequired},
      {"  @  ", kUsernameRequired},
  });
}

TEST(TargetParse, HashChannelName) {
  expect_parses({
      {"#town-square", Kind::channel_name, "town-square"},
      {"#Town-Square", Kind::channel_name, "Town-Square"},
      {"  #  town-square ", Kind::channel_name, "town-square"},
      {cat("#", kId), Kind::channel_name, s(kId)},
      {"#channel:x", Kind::channel_name, "channel:x"},
  });
  expect_errors({
      {"#", kChannelNameRequired},
      {" #\t", kChannelNameRequired},
  });
}

TEST(TargetParse, BareIdsAndNames) {
  expect_parses({
      // A bare 26-char lower-case id: the resolver probes user, then channel.
      {s(kId), Kind::opaque_id, s(kId)},
      {cat("  ", kId, "\n"), Kind::opaque_id, s(kId)},
      {std::string(26, '0'), Kind::opaque_id, std::string(26, '0')},
      // Anything else bare is a channel name.
      {s(kUpperId), Kind::channel_name, s(kUpperId)},
      {s(kMixedId), Kind::channel_name, s(kMixedId)},
      {s(kId25), Kind::channel_name, s(kId25)},
      {s(kId27), Kind::channel_name, s(kId27)},
      {cat(kId, "__", kId2), Kind::channel_name, cat(kId, "__", kId2)},
      {"town-square", Kind::channel_name, "town-square"},
      {" Town Square ", Kind::channel_name, "Town Square"},
      // Unknown prefixes are not forms: the whole text is a name.
      {"dm:x", Kind::channel_name, "dm:x"},
      {"users:x", Kind::channel_name, "users:x"},
      {"channel", Kind::channel_name, "channel"},
  });
}

TEST(TargetParse, EmptyRecipient) {
  expect_errors({
      {"", kRecipientRequired},
      {" ", kRecipientRequired},
      {"\t\r\n \f\v", kRecipientRequired},
  });
}

TEST(TargetParse, ErrorTextsAreExact) {
  EXPECT_EQ(kRecipientRequired, "Recipient is required for Mattermost sends");
  EXPECT_EQ(kChannelIdRequired, "Channel id is required for Mattermost sends");
  EXPECT_EQ(kChannelNameRequired, "Channel name is required for Mattermost sends");
  EXPECT_EQ(kUserIdRequired, "User id is required for Mattermost sends");
  EXPECT_EQ(kUsernameRequired, "Username is required for Mattermost sends");
}

TEST(TargetChannelNotFound, Text) {
  EXPECT_EQ(channel_not_found_error("town-square"),
            R"(Mattermost channel "#town-square" not found in any team the bot belongs to)");
  EXPECT_EQ(channel_not_found_error(""),
            R"(Mattermost channel "#" not found in any team the bot belongs to)");
}

// ---- The bare-id probe ---------------------------------------------------------------------------

TEST(TargetProbe, AfterUserProbe) {
  EXPECT_EQ(after_user_probe(ProbeResult::found),
            (ProbeStep{ProbeStep::Action::resolved, OpaqueTargetKind::user, true}));
  const ProbeStep not_found = after_user_probe(ProbeResult::not_found);
  EXPECT_EQ(not_found.action, ProbeStep::Action::probe_channel);
  EXPECT_FALSE(not_found.cache);
  // A transient or unknown error: best effort as a channel, never cached.
  EXPECT_EQ(after_user_probe(ProbeResult::failed),
            (ProbeStep{ProbeStep::Action::resolved, OpaqueTargetKind::channel, false}));
}

TEST(TargetProbe, AfterChannelProbe) {
  struct Case {
    ProbeResult result;
    std::optional<ChannelType> type;
    OpaqueTargetKind kind;
    bool cache;
  };
  const std::vector<Case> cases = {
      {ProbeResult::found, ChannelType::group, OpaqueTargetKind::group, true},
      {ProbeResult::found, ChannelType::private_team, OpaqueTargetKind::group, true},
      {ProbeResult::found, ChannelType::open, OpaqueTargetKind::channel, true},
      {ProbeResult::found, ChannelType::direct, OpaqueTargetKind::channel, true},
      {ProbeResult::found, std::nullopt, OpaqueTargetKind::channel, true},
      {ProbeResult::not_found, std::nullopt, OpaqueTargetKind::channel, false},
      {ProbeResult::not_found, ChannelType::group, OpaqueTargetKind::channel, false},
      {ProbeResult::failed, std::nullopt, OpaqueTargetKind::channel, false},
      {ProbeResult::failed, ChannelType::group, OpaqueTargetKind::channel, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.result));
    SCOPED_TRACE(c.type ? std::string(channel_type_code(*c.type)) : std::string("none"));
    EXPECT_EQ(after_channel_probe(c.result, c.type),
              (ProbeStep{ProbeStep::Action::resolved, c.kind, c.cache}));
  }
}

TEST(TargetProbe, FullSequences) {
  // User exists → DM, cached.
  ProbeStep step = after_user_probe(ProbeResult::found);
  EXPECT_EQ(opaque_target_string(step.kind, kId), cat("user:", kId));
  EXPECT_TRUE(step.cache);

  // 404 then a G channel → group, sent as channel:<id>, cached.
  step = after_user_probe(ProbeResult::not_found);
  ASSERT_EQ(step.action, ProbeStep::Action::probe_channel);
  step = after_channel_probe(ProbeResult::found, ChannelType::group);
  EXPECT_EQ(step.kind, OpaqueTargetKind::group);
  EXPECT_EQ(opaque_target_string(step.kind, kId), cat("channel:", kId));
  EXPECT_TRUE(step.cache);

  // 404 then the channel lookup fails → channel, not cached.
  step = after_channel_probe(ProbeResult::failed, std::nullopt);
  EXPECT_EQ(opaque_target_string(step.kind, kId), cat("channel:", kId));
  EXPECT_FALSE(step.cache);
}

TEST(TargetProbe, TargetStrings) {
  EXPECT_EQ(opaque_target_string(OpaqueTargetKind::user, kId), cat("user:", kId));
  EXPECT_EQ(opaque_target_string(OpaqueTargetKind::channel, kId), cat("channel:", kId));
  EXPECT_EQ(opaque_target_string(OpaqueTargetKind::group, kId), cat("channel:", kId));
}

TEST(TargetProbe, CacheConstants) {
  EXPECT_EQ(kOpaqueTargetCacheTtl, std::chrono::minutes(5));
  EXPECT_EQ(kOpaqueTargetCacheMaxEntries, 1024U);
}

// Every form a bare id can take ends in the form normalize_target and parse_target agree on.
TEST(TargetParse, NormalizedFormsParseToTheSameTarget) {
  const std::vector<std::string> inputs = {
      cat("channel:", kId),    cat("GROUP:", kId), cat("user:", kId),
      cat("Mattermost:", kId), "@alice",           "channel:town-square",
  };
  for (const auto& input : inputs) {
    SCOPED_TRACE(input);
    const auto normalized = normalize_target(input);
    ASSERT_TRUE(normalized.has_value());
    EXPECT_TRUE(looks_like_target_id(*normalized));
    const auto direct = parse_target(input);
    const auto via_normalized = parse_target(*normalized);
    ASSERT_TRUE(direct.has_value());
    ASSERT_TRUE(via_normalized.has_value());
    EXPECT_EQ(*direct, *via_normalized);
  }
}

}  // namespace
}  // namespace mmclaw::mattermost
