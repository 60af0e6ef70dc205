#include "util/redact.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace mmclaw::util {
namespace {

std::string redact_with(std::string_view text, std::vector<std::string> secrets) {
  return redact(text, secrets);
}

TEST(Redact, ReplacesARegisteredSecretAndKeepsTheRestByteIdentical) {
  EXPECT_EQ(redact_with("héllo\t\x01 x8f3k2m9q1 end\xff", {"x8f3k2m9q1"}), "héllo\t\x01 *** end\xff");
  EXPECT_EQ(redact_with("x8f3k2m9q1", {"x8f3k2m9q1"}), "***");
  EXPECT_EQ(redact_with("a x8f3k2m9q1 b x8f3k2m9q1 c", {"x8f3k2m9q1"}), "a *** b *** c");
}

TEST(Redact, IgnoresSecretsShorterThanSixCharacters) {
  EXPECT_EQ(redact_with("the admin said hello", {"admin", "hello", ""}), "the admin said hello");
  EXPECT_EQ(redact_with("the abcdef said", {"abcdef"}), "the *** said");
}

TEST(Redact, OverlappingAndNestedSecretsBecomeOneMarker) {
  EXPECT_EQ(redact_with("xxABCDEFGHIJyy", {"ABCDEFG", "EFGHIJ"}), "xx***yy");
  EXPECT_EQ(redact_with("xxABCDEFGHIJyy", {"CDEFGH", "ABCDEFGHIJ"}), "xx***yy");
  EXPECT_EQ(redact_with("b aaaaaaa b", {"aaaaaa"}), "b *** b");
  EXPECT_EQ(redact_with("[ABCDEFuvwxyz]", {"ABCDEF", "uvwxyz"}), "[***]");
}

TEST(Redact, NothingToDoReturnsTheTextUnchanged) {
  EXPECT_EQ(redact_with("", {"abcdefgh"}), "");
  EXPECT_EQ(redact_with("connected as @bot to wss://chat.example.com", {}),
            "connected as @bot to wss://chat.example.com");
}

TEST(RedactPatterns, Bearer) {
  EXPECT_EQ(redact_patterns("sent Bearer abc.def-ghi_123/+= now"), "sent Bearer *** now");
  EXPECT_EQ(redact_patterns("bearer\tx"), "bearer\t***");
  EXPECT_EQ(redact_patterns("\"Bearer x\""), "\"Bearer ***\"");
  EXPECT_EQ(redact_patterns("missing bearer token"), "missing bearer token");
  EXPECT_EQ(redact_patterns("Bearer"), "Bearer");
}

TEST(RedactPatterns, AuthorizationKeepsTheScheme) {
  EXPECT_EQ(redact_patterns("Authorization: Bearer abc123\r\nHost: x"),
            "Authorization: Bearer ***\r\nHost: x");
  EXPECT_EQ(redact_patterns("authorization: Basic dXNlcjpwYXNz, next"), "authorization: Basic ***, next");
  EXPECT_EQ(redact_patterns("AUTHORIZATION:Token abc"), "AUTHORIZATION:Token ***");
  EXPECT_EQ(redact_patterns("Authorization: tok123"), "Authorization: ***");
  EXPECT_EQ(redact_patterns("Proxy-Authorization: Basic Zm9v"), "Proxy-Authorization: Basic ***");
  EXPECT_EQ(redact_patterns("authorization failed"), "authorization failed");
}

TEST(RedactPatterns, TokenSchemeOnlyWhenItLooksLikeACredential) {
  EXPECT_EQ(redact_patterns("Token 9f8e7d6c5b4a rejected"), "Token *** rejected");
  EXPECT_EQ(redact_patterns("token abcdefghijklmnopqrstuvwxyz"), "token ***");
  EXPECT_EQ(redact_patterns("Token expired"), "Token expired");
  EXPECT_EQ(redact_patterns("invalid token: expired"), "invalid token: expired");
  EXPECT_EQ(redact_patterns("token refresh failed"), "token refresh failed");
}

TEST(RedactPatterns, QueryAndFormParameters) {
  EXPECT_EQ(redact_patterns("GET https://h/api?access_token=abc123&x=1 200"),
            "GET https://h/api?access_token=***&x=1 200");
  EXPECT_EQ(redact_patterns("?token=a&api_key=b&apikey=c&password=d&secret=e&f=g"),
            "?token=***&api_key=***&apikey=***&password=***&secret=***&f=g");
  EXPECT_EQ(redact_patterns("API_KEY=zz9 Password=hunter2"), "API_KEY=*** Password=***");
  EXPECT_EQ(redact_patterns("refresh_token=r1;client_secret=c1"), "refresh_token=***;client_secret=***");
  EXPECT_EQ(redact_patterns("password=\"a b c\" user=bob"), "password=\"***\" user=bob");
  EXPECT_EQ(redact_patterns("max_tokens=100&tokenizer=x&token="), "max_tokens=100&tokenizer=x&token=");
}

TEST(RedactPatterns, JsonMembersKeepTheKey) {
  EXPECT_EQ(redact_patterns(R"({"token":"abc","user":"bob"})"), R"({"token":"***","user":"bob"})");
  EXPECT_EQ(redact_patterns(R"({"botToken": "x1", "apiKey" : "k", "api_key":"v", "_token":"t"})"),
            R"({"botToken": "***", "apiKey" : "***", "api_key":"***", "_token":"***"})");
  EXPECT_EQ(redact_patterns(R"({"Password":"p\"q\\","SECRET":"s","n":1})"),
            R"({"Password":"***","SECRET":"***","n":1})");
  EXPECT_EQ(redact_patterns(R"({"token":null,"secret":42,"password":""})"),
            R"({"token":null,"secret":42,"password":""})");
  EXPECT_EQ(redact_patterns(R"({"Authorization":"Bearer abc"})"), R"({"Authorization":"Bearer ***"})");
  EXPECT_EQ(redact_patterns(R"({"token":"unterminated)"), R"({"token":"***)");
}

TEST(RedactPatterns, JsonInsideAJsonString) {
  EXPECT_EQ(redact_patterns(R"({"data":"{\"token\":\"abc\\\"def\",\"x\":1}"})"),
            R"({"data":"{\"token\":\"***\",\"x\":1}"})");
}

TEST(RedactPatterns, ApiKeyHeaders) {
  EXPECT_EQ(redact_patterns("X-Api-Key: abcd1234\r\nHost: x"), "X-Api-Key: ***\r\nHost: x");
  EXPECT_EQ(redact_patterns("x-api-key:k1 api-key: k2 X-Auth-Token: k3"),
            "x-api-key:*** api-key: *** X-Auth-Token: ***");
}

TEST(RedactPatterns, OpenAiAndAnthropicKeys) {
  EXPECT_EQ(redact_patterns("key sk-proj-AbCdEfGhIjKlMnOpQrStUv01 rejected"), "key *** rejected");
  EXPECT_EQ(redact_patterns("(sk-ant-api03-abcdefghijklmnopqrstuvwxyz_0123-XYZ)"), "(***)");
  EXPECT_EQ(redact_patterns("sk-abcdefghijklmnopqrst."), "***.");
  EXPECT_EQ(redact_patterns("sk-abcdefghijklmnopqrs"), "sk-abcdefghijklmnopqrs");  // 19 characters
  EXPECT_EQ(redact_patterns("task-abcdefghijklmnopqrstuvwxyz"), "task-abcdefghijklmnopqrstuvwxyz");
}

TEST(RedactPatterns, SurroundingTextIsByteIdentical) {
  EXPECT_EQ(redact_patterns("héllo\t\x01 password=pw;rest ünïcode \xff"),
            "héllo\t\x01 password=***;rest ünïcode \xff");
  EXPECT_EQ(redact_patterns("no credentials here: token-less, bearer-free"),
            "no credentials here: token-less, bearer-free");
}

TEST(Redact, SecretsAndPatternsTogetherAreIdempotent) {
  const std::vector<std::string> secrets = {"mm-bot-token-0001"};
  const std::string text =
      "Authorization: Bearer mm-bot-token-0001 and token=zz and sk-abcdefghijklmnopqrstuvwx";
  const auto once = redact(text, secrets);
  EXPECT_EQ(once, "Authorization: Bearer *** and token=*** and ***");
  EXPECT_EQ(redact(once, secrets), once);
}

TEST(SecretRegistry, AddsIgnoresShortAndDuplicateValues) {
  SecretRegistry registry;
  registry.add("short");
  registry.add("abcdef123456");
  registry.add("abcdef123456");
  registry.add("zyxwvu987654");
  const auto snapshot = registry.snapshot();
  EXPECT_EQ(*snapshot, (std::vector<std::string>{"abcdef123456", "zyxwvu987654"}));
  EXPECT_EQ(registry.redact("a abcdef123456 b zyxwvu987654 c short"), "a *** b *** c short");
}

TEST(SecretRegistry, SnapshotsAreStableWhileOthersAdd) {
  SecretRegistry registry;
  registry.add("first-secret-1");
  const auto before = registry.snapshot();
  registry.add("second-secret-2");
  EXPECT_EQ(before->size(), 1U);
  EXPECT_EQ(registry.snapshot()->size(), 2U);
}

TEST(SecretRegistry, ConcurrentAddAndRedact) {
  SecretRegistry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < 50; ++i) {
        const auto secret = "secret-" + std::to_string(t) + "-" + std::to_string(i);
        registry.add(secret);
        EXPECT_EQ(registry.redact("<" + secret + ">"), "<***>");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.snapshot()->size(), 200U);
}

TEST(SecretRegistry, InstanceIsOneObject) {
  EXPECT_EQ(&SecretRegistry::instance(), &SecretRegistry::instance());
}

}  // namespace
}  // namespace mmclaw::util
