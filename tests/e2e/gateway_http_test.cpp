// The gateway's operations endpoints end to end (issue 9): the real `mmclaw gateway` against a
// real mmsim, its HTTP surface asked over loopback: /healthz, /readyz (and `mmclaw status`, which
// reads it), /metrics (checked by Prometheus's own `promtool check metrics`), 404 and 405, the
// body limit, a port already in use.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/temp_dir.hpp"
#include "util/subprocess.hpp"

namespace {

using namespace mmclaw::e2e;

class GatewayHttpE2e : public GatewayFixture {
 protected:
  mmclaw::test::HttpReply get(std::string_view target, std::string_view method = "GET",
                              std::string_view body = {}) const {
    mmclaw::test::HttpTestClient client(gateway_->http_port());
    auto reply = client.request(method, target, {}, body);
    if (!reply) throw std::runtime_error("the gateway's HTTP surface did not answer: " + reply.error().message);
    return *reply;
  }

  // `promtool check metrics` on `text`: its exit code and what it said.
  static std::pair<int, std::string> promtool(const std::string& text) {
    const std::filesystem::path promtool_path = "/usr/bin/promtool";
    if (!std::filesystem::exists(promtool_path))
      return {-1, "promtool is missing: scripts/setup.sh installs Debian's prometheus package"};
    mmclaw::util::SubprocessOptions options;
    options.argv = {promtool_path.string(), "check", "metrics"};
    options.stdin_data = text;
    options.timeout = std::chrono::seconds(20);
    auto run = mmclaw::util::run_subprocess(options);
    if (!run) return {-1, run.error().message};
    return {run->exit_code, run->stdout_data + run->stderr_data};
  }
};

TEST_F(GatewayHttpE2e, HealthReadinessAndMetricsOfARunningGateway) {
  start(GatewayOptions{});
  const auto health = get("/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, R"({"ok":true})");

  expect_one_answer(*sim_, sim_->post_as("alice", kAliceDm, "a secret plan for the metrics"));

  const auto ready = get("/readyz");
  EXPECT_EQ(ready.status, 200u) << ready.body;
  EXPECT_EQ(ready.header("Content-Type"), "application/json");
  const auto report = json::parse(ready.body).as_object();
  EXPECT_TRUE(report.at("ready").as_bool());
  const auto& account = report.at("accounts").at(0).as_object();
  EXPECT_EQ(field(account, "id"), "default");
  EXPECT_EQ(field(account, "state"), "ready");
  EXPECT_EQ(field(account, "botUsername"), "mmclaw");
  EXPECT_EQ(int_field(account, "postsAnswered"), 1);

  const auto metrics = get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  EXPECT_NE(text.find("mmclaw_account_ready{account=\"default\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mmclaw_account_state{account=\"default\",state=\"ready\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_posts_answered_total{account=\"default\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_turns_started_total{account=\"default\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_rest_requests_total{account=\"default\",method=\"POST\",route=\"/posts\",status=\"201\"} "),
            std::string::npos);
  EXPECT_NE(text.find("mmclaw_rest_requests_total{account=\"default\",method=\"GET\",route=\"/users/me\",status=\"200\"} "),
            std::string::npos);
  EXPECT_NE(text.find("mmclaw_posts_dropped_total{account=\"default\",reason=\"self\"} 1\n"), std::string::npos)
      << "the bot's own answer is screened and dropped as self";
  EXPECT_EQ(text.find(std::string(kBotToken)), std::string::npos) << "no token";
  EXPECT_EQ(text.find("secret plan"), std::string::npos) << "no message text";
  EXPECT_EQ(ready.body.find(std::string(kBotToken)), std::string::npos);

  const auto [code, said] = promtool(text);
  EXPECT_EQ(code, 0) << said << "\n" << text;
}

TEST_F(GatewayHttpE2e, UnknownPathsWrongMethodsAndLargeBodiesAreRefused) {
  start(GatewayOptions{});
  const auto missing = get("/nothing-here");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.body, R"({"error":"Not Found"})");
  const auto post = get("/readyz", "POST", "{}");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("Allow"), "GET, HEAD");
  const auto large = get("/healthz", "POST", std::string(100 * 1024, 'x'));
  EXPECT_EQ(large.status, 413u) << "bodies are limited to 64 KiB";
  EXPECT_TRUE(gateway_->running());
  EXPECT_EQ(get("/healthz").status, 200u) << "still serving";
}

TEST_F(GatewayHttpE2e, StatusReportsReadinessAndAnAccountThatCannotConnect) {
  start(GatewayOptions{});
  auto status = run_mmclaw_command(gateway_->config_path(), {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.stderr_data;
  EXPECT_NE(status.stdout_data.find(fmt::format("gateway on 127.0.0.1:{}: ready", gateway_->http_port())),
            std::string::npos)
      << status.stdout_data;
  EXPECT_NE(status.stdout_data.find("default: ready as @mmclaw (websocket)"), std::string::npos) << status.stdout_data;
  const auto as_json = run_mmclaw_command(gateway_->config_path(), {"status", "--json"});
  EXPECT_EQ(as_json.exit_code, 0);
  EXPECT_TRUE(json::parse(as_json.stdout_data).at("ready").as_bool());
  gateway_->stop();

  // A token Mattermost refuses: the gateway runs, but it is not ready.
  GatewayOptions refused;
  refused.bot_token = "notavalidtoken000000000000";
  gateway_ = std::make_unique<Gateway>(*sim_, refused);
  gateway_->start();
  gateway_->wait_log("API auth failed");
  ASSERT_TRUE(poll_until([&] { return get("/readyz").status == 503; }, 10s)) << get("/readyz").body;
  status = run_mmclaw_command(gateway_->config_path(), {"status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.stdout_data.find("NOT READY"), std::string::npos) << status.stdout_data;
  EXPECT_NE(status.stdout_data.find("default: auth_failed"), std::string::npos) << status.stdout_data;
  EXPECT_EQ(status.stdout_data.find("notavalidtoken"), std::string::npos) << "no token in the report";
}

TEST_F(GatewayHttpE2e, StatusWithoutAGatewaySaysNothingAnswers) {
  gateway_ = std::make_unique<Gateway>(*sim_);  // the config only
  const auto status = run_mmclaw_command(gateway_->config_path(), {"status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.stderr_data.find(fmt::format("no gateway answers on 127.0.0.1:{}", gateway_->http_port())),
            std::string::npos)
      << status.stderr_data;
}

TEST_F(GatewayHttpE2e, APortInUseStopsTheStartWithTheAddressInTheError) {
  // Hold a listening socket on a port, then ask the gateway to use it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  GatewayOptions options;
  options.http_port = ntohs(address.sin_port);
  gateway_ = std::make_unique<Gateway>(*sim_, options);
  gateway_->start();
  const auto exited = gateway_->child().wait(10s);
  const int code = exited ? *exited : -1;
  ::close(fd);
  EXPECT_EQ(code, 1);
  EXPECT_NE(gateway_->log().find(fmt::format("cannot listen on 127.0.0.1:{}", options.http_port)), std::string::npos)
      << gateway_->log();
  EXPECT_NE(gateway_->log().find("gateway.port"), std::string::npos);
  EXPECT_TRUE(sim_->bot_sockets().empty()) << "no account connected";
}

}  // namespace
