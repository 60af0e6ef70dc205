#include "config/secrets.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <map>

#include "../../support/env.hpp"

#include "../../support/temp_dir.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace mmclaw::config;
using mmclaw::test::env_of;
using mmclaw::test::TempDir;

namespace {

constexpr auto kExecutable = fs::perms::owner_all;

class Secrets : public ::testing::Test {
 protected:
  std::expected<Secret, std::string> resolve(std::string_view secrets_json, std::string_view input,
                                             std::map<std::string, std::string> env = {}) {
    secrets_ = json::parse(secrets_json).as_object();
    SecretResolver resolver(&secrets_, env_of(std::move(env)), dir_.path());
    return resolver.resolve(json::parse(input), false);
  }
  std::string path(std::string_view name) const { return (dir_.path() / name).string(); }

  TempDir dir_;
  json::object secrets_;
};

}  // namespace

TEST_F(Secrets, PlainStringsComeFromTheConfig) {
  const auto s = resolve("{}", R"("abc123token")");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "abc123token");
  EXPECT_EQ(s->source, ValueSource::config);
}

TEST_F(Secrets, DollarShorthandAndEnvReferencesReadTheEnvironment) {
  auto s = resolve("{}", R"("$MM_TOKEN")", {{"MM_TOKEN", "from-env"}});
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "from-env");
  EXPECT_EQ(s->source, ValueSource::env);
  EXPECT_EQ(s->origin, "MM_TOKEN");
  s = resolve("{}", R"({"source":"env","provider":"default","id":"MM_TOKEN"})", {{"MM_TOKEN", "v"}});
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "v");
}

TEST_F(Secrets, EnvErrorsNameTheReferenceButNoValue) {
  EXPECT_EQ(resolve("{}", R"({"source":"env","provider":"default","id":"MISSING"})").error(),
            "secret reference {source: \"env\", provider: \"default\", id: \"MISSING\"}: environment "
            "variable MISSING is not set");
  EXPECT_EQ(resolve("{}", R"({"source":"env","provider":"default","id":"EMPTY"})", {{"EMPTY", ""}}).error(),
            "secret reference {source: \"env\", provider: \"default\", id: \"EMPTY\"}: environment variable "
            "EMPTY is empty");
  EXPECT_EQ(resolve("{}", R"({"source":"env","provider":"other","id":"X"})", {{"X", "v"}}).error(),
            "secret reference {source: \"env\", provider: \"other\", id: \"X\"}: no env provider \"other\" "
            "in secrets.providers");
}

TEST_F(Secrets, EnvProvidersEnforceTheirAllowlist) {
  const char* providers = R"({"providers":{"team":{"source":"env","allowlist":["OK_NAME"]}}})";
  auto s = resolve(providers, R"({"source":"env","provider":"team","id":"OK_NAME"})",
                   {{"OK_NAME", "v"}, {"OTHER", "w"}});
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(
      resolve(providers, R"({"source":"env","provider":"team","id":"OTHER"})", {{"OTHER", "w"}}).error(),
      "secret reference {source: \"env\", provider: \"team\", id: \"OTHER\"}: OTHER is not in the allowlist "
      "of provider "
      "\"team\"");
}

TEST_F(Secrets, FileProviderReadsAJsonPointerFromAPrivateFile) {
  dir_.write("secrets.json", R"({"mattermost":{"bot/token":"file-token"},"n":5})");
  const std::string providers =
      R"({"providers":{"vault":{"source":"file","path":")" + path("secrets.json") + R"("}}})";
  auto s = resolve(providers, R"({"source":"file","provider":"vault","id":"/mattermost/bot~1token"})");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "file-token");
  EXPECT_EQ(s->source, ValueSource::file);
  EXPECT_NE(resolve(providers, R"({"source":"file","provider":"vault","id":"/nope"})")
                .error()
                .find("has nothing at /nope"),
            std::string::npos);
  EXPECT_NE(resolve(providers, R"({"source":"file","provider":"vault","id":"/n"})")
                .error()
                .find("is not a non-empty string"),
            std::string::npos);
}

TEST_F(Secrets, FileProviderHomeExpansionAndSingleValue) {
  dir_.write("token.txt", "single-token\n");
  const auto s =
      resolve(R"({"providers":{"one":{"source":"file","path":"~/token.txt","mode":"singleValue"}}})",
              R"({"source":"file","provider":"one","id":"value"})");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "single-token");
}

TEST_F(Secrets, FileProviderRefusesFilesOthersCanReadOrReplace) {
  dir_.write("open.json", R"({"t":"x"})",
             fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  std::string providers = R"({"providers":{"v":{"source":"file","path":")" + path("open.json") + R"("}}})";
  EXPECT_NE(resolve(providers, R"({"source":"file","provider":"v","id":"/t"})")
                .error()
                .find("is readable by other users (mode 640); run: chmod 600"),
            std::string::npos);

  dir_.write("real.json", R"({"t":"x"})");
  fs::create_symlink(dir_.path() / "real.json", dir_.path() / "link.json");
  providers = R"({"providers":{"v":{"source":"file","path":")" + path("link.json") + R"("}}})";
  EXPECT_NE(
      resolve(providers, R"({"source":"file","provider":"v","id":"/t"})").error().find("is a symbolic link"),
      std::string::npos);

  fs::create_hard_link(dir_.path() / "real.json", dir_.path() / "hard.json");
  providers = R"({"providers":{"v":{"source":"file","path":")" + path("hard.json") + R"("}}})";
  EXPECT_NE(resolve(providers, R"({"source":"file","provider":"v","id":"/t"})")
                .error()
                .find("must not be hardlinked"),
            std::string::npos);

  providers = R"({"providers":{"v":{"source":"file","path":")" + path("missing.json") + R"("}}})";
  EXPECT_NE(resolve(providers, R"({"source":"file","provider":"v","id":"/t"})").error().find("cannot read"),
            std::string::npos);
  EXPECT_EQ(resolve("{}", R"({"source":"file","provider":"v","id":"/t"})").error(),
            "secret reference {source: \"file\", provider: \"v\", id: \"/t\"}: no file provider \"v\" in "
            "secrets.providers");
}

TEST_F(Secrets, ExecProviderSpeaksProtocolVersionOne) {
  // The resolver checks what it was sent and answers for the id it was asked.
  dir_.write(
      "resolver.sh",
      "#!/bin/sh\nread -r request\n"
      "case \"$request\" in *'\"protocolVersion\":1'*'\"ids\":[\"mm/bot#token\"]'*) ;; *) exit 9 ;; esac\n"
      "printf '{\"protocolVersion\":1,\"values\":{\"mm/bot#token\":\"exec-token-%s\"}}' \"$MMCLAW_PASSED\"\n",
      kExecutable);
  const std::string providers = R"({"providers":{"vault":{"source":"exec","command":")" +
                                path("resolver.sh") +
                                R"(","passEnv":["MMCLAW_PASSED"],"env":{"EXTRA":"1"}}}})";
  const auto s = resolve(providers, R"({"source":"exec","provider":"vault","id":"mm/bot#token"})",
                         {{"MMCLAW_PASSED", "ok"}});
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->value, "exec-token-ok");
  EXPECT_EQ(s->source, ValueSource::exec);
}

TEST_F(Secrets, ExecProviderErrorsNeverQuoteItsOutput) {
  dir_.write("fails.sh", "#!/bin/sh\necho 'leaked-secret' >&2\nexit 3\n", kExecutable);
  dir_.write("notfound.sh",
             "#!/bin/sh\nprintf "
             "'{\"protocolVersion\":1,\"values\":{},\"errors\":{\"x\":{\"code\":\"NOT_FOUND\"}}}'\n",
             kExecutable);
  dir_.write("plain.sh", "#!/bin/sh\necho plain-secret\n", kExecutable);
  dir_.write("slow.sh", "#!/bin/sh\nsleep 30\n", kExecutable);
  const auto provider = [&](std::string_view script, std::string_view extra = "") {
    return std::string(R"({"providers":{"p":{"source":"exec","command":")") + path(script) + "\"" +
           std::string(extra) + "}}}";
  };
  const char* ref = R"({"source":"exec","provider":"p","id":"x"})";
  auto error = resolve(provider("fails.sh"), ref).error();
  EXPECT_NE(error.find("exited with status 3"), std::string::npos) << error;
  EXPECT_EQ(error.find("leaked-secret"), std::string::npos);
  EXPECT_NE(resolve(provider("notfound.sh"), ref).error().find("reported NOT_FOUND for this id"),
            std::string::npos);
  error = resolve(provider("plain.sh"), ref).error();
  EXPECT_NE(error.find("did not answer with a protocol version 1 JSON object"), std::string::npos);
  EXPECT_EQ(error.find("plain-secret"), std::string::npos);
  const auto plain = resolve(provider("plain.sh", R"(,"jsonOnly":false)"), ref);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->value, "plain-secret");
  EXPECT_NE(resolve(provider("slow.sh", R"(,"timeoutMs":300)"), ref).error().find("p"), std::string::npos);
  EXPECT_FALSE(resolve(provider("slow.sh", R"(,"timeoutMs":300)"), ref));
}

TEST_F(Secrets, ExecProviderRefusesProgramsOthersCouldReplace) {
  dir_.write("writable.sh", "#!/bin/sh\n", fs::perms::owner_all | fs::perms::group_write);
  const std::string providers =
      R"({"providers":{"p":{"source":"exec","command":")" + path("writable.sh") + R"("}}})";
  EXPECT_NE(resolve(providers, R"({"source":"exec","provider":"p","id":"x"})")
                .error()
                .find("must not be group- or world-writable"),
            std::string::npos);
  dir_.write("ok.sh", "#!/bin/sh\n", kExecutable);
  const std::string trusted = R"({"providers":{"p":{"source":"exec","command":")" + path("ok.sh") +
                              R"(","trustedDirs":["/opt/x"]}}})";
  EXPECT_NE(resolve(trusted, R"({"source":"exec","provider":"p","id":"x"})")
                .error()
                .find("is not in one of trustedDirs"),
            std::string::npos);
}

TEST_F(Secrets, StoreReferencesAreNotSupported) {
  EXPECT_EQ(
      resolve("{}", R"({"source":"store","provider":"default","id":"MM_TOKEN"})").error(),
      "secret reference {source: \"store\", provider: \"default\", id: \"MM_TOKEN\"}: \"store\" secret "
      "references read "
      "OpenClaw's own state database and are not supported by mmclaw; use an env, file or exec reference");
}
