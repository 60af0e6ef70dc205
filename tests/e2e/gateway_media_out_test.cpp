// Outbound attachments end to end (channel-behaviour §5.4, §5.6, field report 15): the model's
// message tool sends a file; the real mmclaw uploads it to a real mmsim and attaches it to exactly
// one post, or posts nothing and tells the model why. Local files only from mmclaw.media.allowedDirs;
// URLs only from public addresses (so on 127.0.0.1 every URL is refused, which shows the §5.4
// fallback: the text with the URL, unless a media limit is configured).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "gateway_llm_fixture.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace mmclaw::e2e;
namespace fs = std::filesystem;

class GatewayMediaOutE2e : public GatewayLlmFixture {
 protected:
  void SetUp() override {
    GatewayLlmFixture::SetUp();
    fs::create_directories(allowed());
    fs::create_directories(files_.path() / "outside");
  }

  fs::path allowed() const { return files_.path() / "allowed"; }

  // The llmsim provider; `media` goes into `mmclaw` (e.g. `media: {...},`), `extra` into
  // channels.mattermost.
  GatewayOptions options(std::string media, std::string extra = "") const {
    GatewayOptions o;
    o.models = fmt::format(R"(models: {{ providers: {{
      llmsim: {{ baseUrl: "{}", api: "openai-completions", apiKey: "sk-test-not-a-real-key-0123456789",
                 models: [{{ id: "alpha", contextWindow: 128000, maxTokens: 512 }}] }},
    }} }},
  agents: {{ defaults: {{ model: "llmsim/alpha" }} }},)",
                           llm_->base_url());
    o.mattermost_extra = std::move(extra);
    o.mmclaw_extra =
        "agent: { firstTokenTimeoutSeconds: 10, stallTimeoutSeconds: 5, turnTimeoutSeconds: 30 },\n    " +
        media;
    return o;
  }
  std::string allowed_dirs() const {
    return fmt::format(R"(media: {{ allowedDirs: ["{}"] }},)", allowed().string());
  }

  // A DM from alice whose directive makes the model call the message tool with `arguments` (a
  // JSON object's members) and then answer `after_tool`.
  json::object send_via_tool(std::string_view arguments, std::string_view after_tool) const {
    return sim_->post_as(
        "alice", kAliceDm,
        fmt::format(
            R"(please send it @llmsim {{"tool": {{"name": "message", "arguments": {{"action": "send", {}}}}}, "after_tool": "{}"}})",
            arguments, after_tool));
  }

  std::vector<json::object> bot_posts() const {
    std::vector<json::object> out;
    for (const auto& p : sim_->posts(kAliceDm))
      if (field(p.as_object(), "user_id") == kBotId && int_field(p.as_object(), "delete_at") == 0)
        out.push_back(p.as_object());
    return out;
  }
  // Waits until the bot posted `message` in alice's DM; that post.
  json::object wait_bot_post(std::string_view message, std::chrono::milliseconds timeout = 20s) const {
    json::object found;
    const bool seen = poll_until(
        [&] {
          for (const auto& p : bot_posts())
            if (field(p, "message") == message) {
              found = p;
              return true;
            }
          return false;
        },
        timeout);
    if (!seen)
      throw std::runtime_error(fmt::format("the bot did not post \"{}\"; its posts:{}\nlog:\n{}", message,
                                           describe(bot_posts()), gateway_->log_tail()));
    return found;
  }

  // The model requests once there are `n` (the tool round's result is in the second).
  json::array wait_model_requests(std::size_t n, std::chrono::milliseconds timeout = 20s) const {
    json::array requests;
    if (!poll_until(
            [&] {
              requests = llm_->model_requests();
              return requests.size() >= n;
            },
            timeout))
      throw std::runtime_error(
          fmt::format("llmsim got {} requests, not {}; log:\n{}", requests.size(), n, gateway_->log_tail()));
    return requests;
  }

  static std::vector<std::string> file_ids(const json::object& post) {
    std::vector<std::string> out;
    if (const auto* ids = post.if_contains("file_ids"); ids != nullptr && ids->is_array())
      for (const auto& id : ids->as_array()) out.push_back(str(id));
    return out;
  }

  mmclaw::test::TempDir files_;
};

TEST_F(GatewayMediaOutE2e, AFileFromAnAllowedDirectoryIsUploadedAndAttachedToExactlyOnePost) {
  const std::string content = "%PDF-1.7\n" + std::string(3000, 'r') + "\n%%EOF\n";
  const auto file = files_.write("allowed/q3 report.pdf", content);
  start(options(allowed_dirs()));
  send_via_tool(fmt::format(R"("text": "Here is the report", "path": "{}")", file.string()), "");

  const auto post = wait_bot_post("Here is the report");
  const auto ids = file_ids(post);
  ASSERT_EQ(ids.size(), 1u) << json::serialize(post);
  const auto files = sim_->control("/_control/files").as_array();
  ASSERT_EQ(files.size(), 1u) << json::serialize(files);
  const auto& info = files[0].as_object();
  EXPECT_EQ(field(info, "id"), ids[0]);
  EXPECT_EQ(field(info, "name"), "q3 report.pdf");
  EXPECT_EQ(int_field(info, "size"), static_cast<std::int64_t>(content.size()));
  EXPECT_EQ(field(info, "mime_type"), "application/pdf");
  EXPECT_EQ(field(info, "post_id"), field(post, "id")) << "the upload is attached to the post";
  EXPECT_EQ(field(info, "channel_id"), kAliceDm);
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 1u);

  // The model hears that the file went out.
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("with the file q3 report.pdf"), std::string::npos) << messages;
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(bot_posts().size(), 1u) << describe(bot_posts());
}

TEST_F(GatewayMediaOutE2e, ALongCaptionPutsTheFileAndTheButtonsOnTheFirstPostOnly) {
  const auto file =
      files_.write("allowed/chart.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, 'p'));
  start(options(allowed_dirs(), "textChunkLimit: 40,"));
  const std::string first = "First part of a caption that is long.";  // 37 characters
  const std::string second = "Second part, posted after the first.";  // 36 characters
  send_via_tool(
      fmt::format(
          R"("text": "{} {}", "path": "{}", "buttons": [[{{"text": "Approve", "callback_data": "ok"}}]])",
          first, second, file.string()),
      "");

  const auto head = wait_bot_post(first);
  const auto tail = wait_bot_post(second);
  EXPECT_EQ(file_ids(head).size(), 1u) << json::serialize(head);
  EXPECT_TRUE(file_ids(tail).empty()) << json::serialize(tail);
  const auto* head_props = head.if_contains("props");
  ASSERT_NE(head_props, nullptr) << json::serialize(head);
  EXPECT_NE(json::serialize(*head_props).find("Approve"), std::string::npos)
      << "buttons on the first post (§5.6)";
  const auto* tail_props = tail.if_contains("props");
  EXPECT_TRUE(tail_props == nullptr || json::serialize(*tail_props).find("Approve") == std::string::npos)
      << json::serialize(tail);
  EXPECT_LE(int_field(head, "create_at"), int_field(tail, "create_at"));
  const auto files = sim_->control("/_control/files").as_array();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(field(files[0].as_object(), "name"), "chart.png");
  EXPECT_EQ(field(files[0].as_object(), "post_id"), field(head, "id"));
}

TEST_F(GatewayMediaOutE2e, APathLeadingOutOfTheAllowedDirectoriesPostsNothingAndTheModelIsTold) {
  files_.write("outside/secret.txt", "do not send");
  start(options(allowed_dirs()));
  const std::string escape = (allowed() / ".." / "outside" / "secret.txt").string();
  const auto post = send_via_tool(fmt::format(R"("text": "the secret", "path": "{}")", escape),
                                  "I could not send that file.");

  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("Error: Mattermost media upload failed: "), std::string::npos) << messages;
  EXPECT_NE(messages.find("is outside the directories files may be sent from"), std::string::npos)
      << messages;
  // The model's answer after the tool is the only thing posted.
  wait_bot_post("I could not send that file.");
  std::this_thread::sleep_for(500ms);
  const auto posts = bot_posts();
  EXPECT_EQ(posts.size(), 1u) << describe(posts);
  for (const auto& p : posts) {
    EXPECT_EQ(field(p, "message").find("the secret"), std::string::npos) << json::serialize(p);
    EXPECT_TRUE(file_ids(p).empty()) << json::serialize(p);
  }
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 0u);
  EXPECT_TRUE(sim_->control("/_control/files").as_array().empty());
  (void)post;
}

TEST_F(GatewayMediaOutE2e, ASymbolicLinkOutOfTheAllowedDirectoryIsRefused) {
  const auto secret = files_.write("outside/secret.txt", "do not send");
  fs::create_symlink(secret, allowed() / "harmless.txt");
  start(options(allowed_dirs()));
  send_via_tool(fmt::format(R"("text": "linked", "path": "{}")", (allowed() / "harmless.txt").string()),
                "Refused.");
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("leads outside the directories files may be sent from"), std::string::npos)
      << messages;
  wait_bot_post("Refused.");
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 0u);
  EXPECT_EQ(bot_posts().size(), 1u) << describe(bot_posts());
}

TEST_F(GatewayMediaOutE2e, WithoutAllowedDirectoriesNoLocalFileIsSentAndTheErrorNamesTheKey) {
  const auto file = files_.write("allowed/notes.txt", "notes");
  start(options(""));
  send_via_tool(fmt::format(R"("text": "my notes", "filePath": "{}")", file.string()), "Not allowed.");
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("Error: Mattermost media upload failed: "), std::string::npos) << messages;
  EXPECT_NE(messages.find("mmclaw.media.allowedDirs"), std::string::npos) << messages;
  wait_bot_post("Not allowed.");
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 0u);
  EXPECT_EQ(bot_posts().size(), 1u) << describe(bot_posts());
}

TEST_F(GatewayMediaOutE2e, AFileOverMediaMaxMbIsRefused) {
  const auto file = files_.write("allowed/big.zip", std::string(20 * 1024, 'z'));
  start(options(allowed_dirs(), "mediaMaxMb: 0.01,"));  // 10485 bytes
  send_via_tool(fmt::format(R"("text": "big one", "path": "{}")", file.string()), "Too big.");
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("is too large: 20 KiB (20480 bytes)"), std::string::npos) << messages;
  wait_bot_post("Too big.");
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 0u);
}

TEST_F(GatewayMediaOutE2e, AnUploadRefusedByMattermostPostsNothing) {
  const auto file = files_.write("allowed/a.txt", "hello");
  start(options(allowed_dirs()));
  sim_->fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/files"}, {"status", 413}, {"count", 1}});
  send_via_tool(fmt::format(R"("text": "with a file", "path": "{}")", file.string()), "Upload failed.");
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("Error: Mattermost media upload failed: "), std::string::npos) << messages;
  wait_bot_post("Upload failed.");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(bot_posts().size(), 1u) << describe(bot_posts());
}

// A URL on 127.0.0.1 is refused by the SSRF guard whatever network.dangerouslyAllowPrivateNetwork
// says (it is set for the Mattermost server). Without mediaMaxMb the §5.4 fallback posts the link.
TEST_F(GatewayMediaOutE2e, APrivateUrlIsNeverFetchedAndWithoutAMediaLimitTheLinkIsPosted) {
  start(options(""));
  const std::string url = sim_->base_url() + "/api/v4/system/ping";
  send_via_tool(fmt::format(R"("text": "See this", "mediaUrl": "{}")", url), "");
  const auto post = wait_bot_post("See this\n" + url);
  EXPECT_TRUE(file_ids(post).empty()) << json::serialize(post);
  EXPECT_EQ(sim_->count_calls("GET", "/api/v4/system/ping"), 0u) << "the URL was never fetched";
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/files"), 0u);
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("so its URL was sent in the text"), std::string::npos) << messages;
}

TEST_F(GatewayMediaOutE2e, APrivateUrlWithAMediaLimitConfiguredIsAToolError) {
  start(options("", "mediaMaxMb: 5,"));
  const std::string url = sim_->base_url() + "/api/v4/system/ping";
  send_via_tool(fmt::format(R"("text": "See this", "mediaUrl": "{}")", url), "Could not fetch it.");
  const auto requests = wait_model_requests(2);
  const std::string messages = json::serialize(requests[1].at("json").at("messages"));
  EXPECT_NE(messages.find("Error: Mattermost media upload failed: Blocked request"), std::string::npos)
      << messages;
  EXPECT_EQ(messages.find("dangerouslyAllowPrivateNetwork"), std::string::npos)
      << "that key does not open media URLs, so the error does not suggest it";
  wait_bot_post("Could not fetch it.");
  EXPECT_EQ(bot_posts().size(), 1u) << describe(bot_posts());
  EXPECT_EQ(sim_->count_calls("GET", "/api/v4/system/ping"), 0u);
}

}  // namespace
