// bench_callbacks: Mattermost's callbacks into the real `mmclaw gateway`, with the real mmsim on
// loopback playing the server. Measures
//  * a slash command's acknowledgement: the gateway's callback from request to `Processing...`
//    (token match, the live lookup of the command in Mattermost, the channel and user checks, the
//    store write), asked directly; as many as one command's lookup budget allows (20);
//  * a button click's round trip as a user sees it: mmsim's `POST /posts/{id}/actions/{id}` until
//    the gateway's 200 (the post fetched, the clicker checked, the click recorded durably, the
//    buttons replaced), then every click answered once.
// Figures go to docs/PERFORMANCE.md; nothing here asserts beyond "every callback was accepted and
// every click answered once".
//
//   bench_callbacks [--runs N]

#include <iostream>

#include "bench_args.hpp"
#include "bench_proc.hpp"
#include "e2e/gateway_support.hpp"

namespace {

using namespace mmclaw::e2e;
using mmclaw::bench::percentile;
using std::chrono::duration;

struct Settings {
  int runs = 50;
};

json::object act(const Mmsim& sim, std::string_view user, std::string_view method, std::string path,
                 json::value body = nullptr, std::string query = {}) {
  json::object request{{"as", user}, {"method", method}, {"path", std::move(path)}, {"query", std::move(query)}};
  if (!body.is_null()) request["body"] = std::move(body);
  return sim.control("/_control/act", request, std::chrono::seconds(20)).as_object();
}

int run(const Settings& settings) {
  Mmsim sim;
  GatewayOptions options;
  options.mattermost_extra = "commands: { native: true },";
  Gateway gateway(sim, options);
  gateway.start_and_wait_ready();
  gateway.wait_log("slash commands registered");

  // Slash commands: the token of /oc_status as the bot (their creator) sees it.
  const auto listed = act(sim, "mmclaw", "GET", "/api/v4/commands", nullptr,
                          fmt::format("team_id={}&custom_only=true", kTeam));
  std::string token;
  for (const auto& c : listed.at("body").as_array())
    if (field(c.as_object(), "trigger") == "oc_status") token = field(c.as_object(), "token");
  const int commands = 20;  // one command's lookup budget
  std::vector<double> ack_ms;
  for (int i = 0; i < commands; ++i) {
    const std::string form = fmt::format(
        "token={}&team_id={}&channel_id={}&user_id={}&user_name=alice&command=%2Foc_status&text=&trigger_id=b{}", token,
        kTeam, kTownSquare, kAliceId, i);
    mmclaw::test::HttpTestClient client(gateway.http_port());
    const auto began = Clock::now();
    const auto reply = client.request("POST", "/api/channels/mattermost/command",
                                      {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
    ack_ms.push_back(duration<double, std::milli>(Clock::now() - began).count());
    if (!reply || reply->status != 200 || reply->body.find("Processing...") == std::string::npos)
      throw std::runtime_error(fmt::format("slash command {} was not accepted: {}", i,
                                           reply ? reply->body : reply.error().message));
  }
  std::cout << fmt::format("bench_callbacks: {} slash commands (/oc_status) to the callback\n", commands);
  std::cout << fmt::format("  acknowledged        median {:6.2f} ms  p95 {:6.2f} ms  max {:6.2f} ms\n",
                           percentile(ack_ms, 0.5), percentile(ack_ms, 0.95), percentile(ack_ms, 1.0));

  // Button clicks.
  std::vector<std::string> posts;
  for (int i = 0; i < settings.runs; ++i) {
    const auto sent = run_mmclaw_command(gateway.config_path(),
                                         {"message", "send", "--target", fmt::format("channel:{}", kTownSquare),
                                          "--buttons", R"([[{"text":"Yes","callback_data":"yes"}]])",
                                          fmt::format("bench question {}", i)});
    if (sent.exit_code != 0) throw std::runtime_error("cannot send buttons: " + sent.stderr_data);
    std::string id = sent.stdout_data;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    posts.push_back(id);
  }
  std::vector<double> click_ms;
  for (const auto& post : posts) {
    const auto began = Clock::now();
    const auto reply = act(sim, "alice", "POST", fmt::format("/api/v4/posts/{}/actions/yes", post), json::object{});
    click_ms.push_back(duration<double, std::milli>(Clock::now() - began).count());
    if (int_field(reply, "status") != 200) throw std::runtime_error("a click failed: " + json::serialize(reply));
  }
  std::cout << fmt::format("  {} button clicks through mmsim, each until the gateway's 200\n", posts.size());
  std::cout << fmt::format("  click round trip    median {:6.2f} ms  p95 {:6.2f} ms  max {:6.2f} ms\n",
                           percentile(click_ms, 0.5), percentile(click_ms, 0.95), percentile(click_ms, 1.0));
  // Every click answered exactly once.
  const auto all_answered = [&] {
    for (const auto& post : posts)
      if (answers_to(sim, kTownSquare, "interaction:" + post + ":yes").size() != 1) return false;
    return true;
  };
  if (!poll_until(all_answered, std::chrono::seconds(30)))
    throw std::runtime_error("not every click was answered exactly once");
  std::cout << fmt::format("  every one of the {} clicks was answered once\n", posts.size());
  gateway.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!mmclaw::bench::parse_options(argc, argv, {{"--runs", &settings.runs}}, {}, "bench_callbacks",
                                    "bench_callbacks [--runs N]"))
    return 2;
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_callbacks: " << e.what() << "\n";
    return 1;
  }
}
