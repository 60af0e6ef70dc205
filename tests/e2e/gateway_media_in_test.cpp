// Inbound attachments end to end (channel-behaviour §4.7, field reports 15 and 16): the real
// mmclaw against a real mmsim and a real llmsim over loopback. A text file reaches the model as
// text, an image as image input for a model that takes images (a named placeholder otherwise), a
// file over mediaMaxMb as the §4.7 notice; a `posted` event without file ids makes the gateway
// fetch the post again; unsafe file ids are never requested.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "gateway_llm_fixture.hpp"

namespace {

using namespace mmclaw::e2e;

// A valid 1x1 PNG (RGBA, one transparent pixel).
constexpr std::string_view kPixelPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

class GatewayMediaInE2e : public GatewayLlmFixture {
 protected:

  // A provider `llmsim` whose model `alpha` takes images when `images` is true; `extra` goes into
  // channels.mattermost (e.g. mediaMaxMb).
  GatewayOptions options(bool images, std::string extra = "") const {
    GatewayOptions o;
    o.models = fmt::format(R"(models: {{ providers: {{
      llmsim: {{ baseUrl: "{}", api: "openai-completions", apiKey: "sk-test-not-a-real-key-0123456789",
                 models: [{{ id: "alpha", contextWindow: 128000, maxTokens: 512{} }}] }},
    }} }},
  agents: {{ defaults: {{ model: "llmsim/alpha" }} }},)",
                           llm_->base_url(), images ? R"(, input: ["text", "image"])" : "");
    o.mattermost_extra = std::move(extra);
    o.mmclaw_extra =
        "agent: { firstTokenTimeoutSeconds: 10, stallTimeoutSeconds: 5, turnTimeoutSeconds: 30 },";
    return o;
  }

  // Uploads a file as alice into her DM with the bot; its FileInfo.
  json::object upload(std::string_view filename, std::string_view content, bool base64 = false) const {
    json::object body{{"as", "alice"}, {"channel_id", kAliceDm}, {"filename", filename}};
    body[base64 ? "content_base64" : "content"] = content;
    const auto reply = sim_->control("/_control/upload", body);
    if (int_field(reply.as_object(), "status") != 201)
      throw std::runtime_error("mmsim refused the upload: " + json::serialize(reply));
    return reply.at("body").at("file_infos").at(0).as_object();
  }

  // A hand-made `posted` event of alice's DM for `post` (flagged as having files), sent to the
  // bot's sockets; how many sockets got it.
  std::int64_t send_posted_frame(const json::object& post) const {
    const json::object data{{"channel_type", "D"},     {"channel_display_name", "@alice"},
                            {"sender_name", "@alice"}, {"team_id", ""},
                            {"otherFile", "true"},     {"post", json::serialize(post)}};
    const json::object frame{
        {"event", "posted"},
        {"data", data},
        {"broadcast", json::object{{"channel_id", kAliceDm}, {"team_id", ""}, {"user_id", ""}}}};
    const auto sent = sim_->control(
        "/_control/frames",
        json::object{{"user", "mmclaw"}, {"frames", json::array{json::string(json::serialize(frame))}}});
    return int_field(sent.as_object(), "sent");
  }

  // A DM from alice with these files.
  json::object dm_with_files(std::string_view text, const std::vector<std::string>& file_ids) const {
    json::array ids;
    for (const auto& id : file_ids) ids.emplace_back(id);
    const auto reply = sim_->control(
        "/_control/post",
        json::object{
            {"as", "alice"}, {"channel_id", kAliceDm}, {"message", text}, {"file_ids", std::move(ids)}});
    if (int_field(reply.as_object(), "status") != 201)
      throw std::runtime_error("mmsim refused the post: " + json::serialize(reply));
    return reply.at("body").as_object();
  }

  // Waits for the one answer to the post with this id; its text.
  std::string answer_to(std::string_view post_id, std::chrono::milliseconds timeout = 30s) {
    std::vector<json::object> found;
    if (!poll_until(
            [&] {
              found = answers_to(*sim_, kAliceDm, post_id);
              return !found.empty();
            },
            timeout))
      throw std::runtime_error("no answer to post " + std::string(post_id) + "; log:\n" +
                               gateway_->log_tail());
    std::this_thread::sleep_for(700ms);
    found = answers_to(*sim_, kAliceDm, post_id);
    EXPECT_EQ(found.size(), 1u) << "answered once:" << describe(found);
    return field(found.front(), "message");
  }

  // The last user message of the only model request.
  json::object last_user_message() const {
    const auto requests = llm_->model_requests();
    if (requests.size() != 1)
      throw std::runtime_error(fmt::format("{} model requests, expected 1", requests.size()));
    const auto& messages = requests[0].at("json").at("messages").as_array();
    for (auto it = messages.rbegin(); it != messages.rend(); ++it)
      if (str(it->at("role")) == "user") return it->as_object();
    throw std::runtime_error("no user message in " + json::serialize(requests[0]));
  }

  // The text of a message: the content string, or its text parts joined.
  static std::string text_of(const json::object& message) {
    const auto& content = message.at("content");
    if (content.is_string()) return str(content);
    std::string out;
    for (const auto& part : content.as_array())
      if (field(part.as_object(), "type") == "text") out += field(part.as_object(), "text");
    return out;
  }

  // GET /api/v4/files... calls the bot made, as "METHOD path".
  std::vector<std::string> bot_file_calls() const {
    std::vector<std::string> out;
    for (const auto& c : sim_->calls()) {
      const auto& call = c.as_object();
      if (field(call, "user_id") == kBotId && field(call, "path").starts_with("/api/v4/files"))
        out.push_back(field(call, "method") + " " + field(call, "path"));
    }
    return out;
  }

};

TEST_F(GatewayMediaInE2e, AMarkdownFileReachesTheModelAsText) {
  start(options(false));
  const auto info =
      upload("plan.md", "# Launch plan\n\n1. Freeze the branch on Tuesday.\n2. Ship on Thursday.\n");
  const auto post = dm_with_files("please summarise the attached plan", {field(info, "id")});
  answer_to(field(post, "id"));
  const std::string text = text_of(last_user_message());
  EXPECT_NE(text.find("please summarise the attached plan"), std::string::npos) << text;
  EXPECT_NE(text.find("[file: plan.md (text/markdown, "), std::string::npos) << text;
  EXPECT_NE(text.find("1. Freeze the branch on Tuesday.\n2. Ship on Thursday."), std::string::npos) << text;
  EXPECT_EQ(text.find("attachment unavailable"), std::string::npos) << text;
  const auto calls = bot_file_calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "GET /api/v4/files/" + field(info, "id")), calls.end())
      << "downloaded with the bot's token";
  EXPECT_EQ(gateway_->log().find(std::string(kBotToken)), std::string::npos) << "the token is never logged";
}

TEST_F(GatewayMediaInE2e, AnImageIsImageInputForAModelThatTakesImages) {
  start(options(true));
  const auto info = upload("pixel.png", kPixelPngBase64, true);
  const auto post = dm_with_files("what colour is this pixel?", {field(info, "id")});
  answer_to(field(post, "id"));
  const auto message = last_user_message();
  ASSERT_TRUE(message.at("content").is_array()) << json::serialize(message);
  std::size_t images = 0;
  for (const auto& part : message.at("content").as_array()) {
    if (field(part.as_object(), "type") != "image_url") continue;
    ++images;
    EXPECT_EQ(str(part.at("image_url").at("url")), "data:image/png;base64," + std::string(kPixelPngBase64));
  }
  EXPECT_EQ(images, 1u) << json::serialize(message);
  const std::string text = text_of(message);
  EXPECT_NE(text.find("what colour is this pixel?"), std::string::npos) << text;
  EXPECT_NE(text.find("pixel.png"), std::string::npos) << "the image is named too: " << text;
}

TEST_F(GatewayMediaInE2e, AnImageForATextOnlyModelIsANamedPlaceholder) {
  start(options(false));
  const auto info = upload("pixel.png", kPixelPngBase64, true);
  const auto post = dm_with_files("what colour is this pixel?", {field(info, "id")});
  answer_to(field(post, "id"));
  const auto message = last_user_message();
  ASSERT_TRUE(message.at("content").is_string()) << "no image parts: " << json::serialize(message);
  const std::string text = text_of(message);
  EXPECT_NE(text.find("[image: pixel.png (image/png, "), std::string::npos) << text;
  EXPECT_EQ(json::serialize(llm_->model_requests()).find("image_url"), std::string::npos);
}

TEST_F(GatewayMediaInE2e, AFileOverMediaMaxMbIsTheNoticeAndThePostIsAnsweredOnce) {
  start(options(false, "mediaMaxMb: 0.001,"));  // 1048 bytes
  const auto big = upload("big.md", std::string(4096, 'x'));
  const auto small = upload("small.txt", "small enough");
  const auto post = dm_with_files("two files", {field(big, "id"), field(small, "id")});
  answer_to(field(post, "id"));
  const std::string text = text_of(last_user_message());
  EXPECT_NE(text.find("two files"), std::string::npos) << text;
  EXPECT_NE(text.find("\n\n[mattermost attachment unavailable] \"big.md\""), std::string::npos) << text;
  EXPECT_NE(text.find("small enough"), std::string::npos) << "the other file still arrives: " << text;
  EXPECT_EQ(text.find("xxxx"), std::string::npos) << text;
  const auto calls = bot_file_calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "GET /api/v4/files/" + field(big, "id") + "/info"),
            calls.end());
  EXPECT_EQ(std::find(calls.begin(), calls.end(), "GET /api/v4/files/" + field(big, "id")), calls.end())
      << "a file over the limit is never downloaded";
}

// Field report 15: an event that says the post has files but carries no file ids.
TEST_F(GatewayMediaInE2e, APostedEventWithoutFileIdsMakesTheGatewayFetchThePost) {
  start(options(false));
  const auto info = upload("notes.txt", "the secret word is pelican");
  // The real event (with the file ids) is kept from the bot; a copy without them is sent instead.
  sim_->fault(json::object{{"action", "mute_events"}, {"user", "mmclaw"}, {"on", true}});
  const auto post = dm_with_files("read my notes", {field(info, "id")});
  sim_->fault(json::object{{"action", "mute_events"}, {"user", "mmclaw"}, {"on", false}});
  json::object bare = post;
  bare.erase("file_ids");
  bare.erase("metadata");
  ASSERT_GE(send_posted_frame(bare), 1);
  answer_to(field(post, "id"));
  const std::string text = text_of(last_user_message());
  EXPECT_NE(text.find("the secret word is pelican"), std::string::npos) << text;
  EXPECT_GE(sim_->count_calls("GET", "/api/v4/posts/" + field(post, "id")), 1u)
      << "the post was fetched again";
}

// §2.1: file ids that are not Mattermost ids never reach a request path.
TEST_F(GatewayMediaInE2e, UnsafeFileIdsAreNeverRequested) {
  start(options(false));
  const std::string id = make_id("mediaunsafe", 1);
  const json::object post{
      {"id", id},
      {"create_at", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count())},
      {"update_at", 0},
      {"delete_at", 0},
      {"user_id", kAliceId},
      {"channel_id", kAliceDm},
      {"root_id", ""},
      {"message", "look at these"},
      {"type", ""},
      {"props", json::object{}},
      {"file_ids", json::array{"../users/me", "%2e%2e%2fconfig"}}};
  ASSERT_GE(send_posted_frame(post), 1);
  answer_to(id);
  const std::string text = text_of(last_user_message());
  EXPECT_NE(text.find("look at these"), std::string::npos) << text;
  EXPECT_NE(text.find("\n\n[mattermost 2 attachments unavailable]"), std::string::npos) << text;
  EXPECT_TRUE(bot_file_calls().empty()) << "no file request at all";
  for (const auto& c : sim_->calls())
    EXPECT_EQ(field(c.as_object(), "path").find(".."), std::string::npos) << json::serialize(c);
}

}  // namespace
