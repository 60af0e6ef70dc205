// Files (§0.7, §4.8): uploads, FileInfo, attaching to posts, downloads, limits.

#include "model_support.hpp"

namespace mmsim::test {
namespace {

const std::string kPng("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\x40\0\0\0\xf0\x08\x06\0\0\0", 29);

struct Part {
  std::string name;
  std::string value;
  std::string filename;  // empty: a plain field
};

std::string multipart(const std::vector<Part>& parts, const std::string& boundary = "XyZzY") {
  std::string body;
  for (const auto& part : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (!part.filename.empty())
      body += "; filename=\"" + part.filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + part.value + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

class ModelFiles : public ModelTest {
 protected:
  RestResult upload(const std::vector<Part>& parts, std::string_view token = kAliceToken) {
    return call("POST", "/api/v4/files", multipart(parts), token,
                {{"content-type", "multipart/form-data; boundary=XyZzY"}});
  }
  std::string upload_one(std::string_view channel_id, std::string name, std::string bytes,
                         std::string_view token = kAliceToken) {
    RestResult result = upload(
        {{"channel_id", std::string(channel_id), ""}, {"files", std::move(bytes), std::move(name)}}, token);
    EXPECT_EQ(result.response.status, 201) << result.response.body;
    return std::string(body_of(result).at("file_infos").at(0).at("id").as_string());
  }
};

TEST_F(ModelFiles, MultipartUploadReturnsFileInfosAndClientIds) {
  RestResult result = upload({{"channel_id", std::string(kBuildAlerts), ""},
                              {"client_ids", "c1", ""},
                              {"client_ids", "c2", ""},
                              {"files", "hello world", "notes/Report.TXT"},
                              {"files", kPng, "chart.png"}});
  ASSERT_EQ(result.response.status, 201) << result.response.body;
  json::object body = body_of(result).as_object();
  EXPECT_EQ(body.at("client_ids"), (json::array{"c1", "c2"}));
  const json::array& infos = body.at("file_infos").as_array();
  ASSERT_EQ(infos.size(), 2u);
  json::object text = infos[0].as_object();
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"id", "user_id", "channel_id", "create_at", "update_at",
                                                  "delete_at", "name", "extension", "size", "mime_type",
                                                  "mini_preview", "remote_id", "archived"}));
  EXPECT_EQ(text.at("name"), "Report.TXT");
  EXPECT_EQ(text.at("extension"), "txt");
  EXPECT_EQ(text.at("size"), 11);
  EXPECT_EQ(text.at("mime_type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text.at("user_id"), kAlice);
  EXPECT_EQ(text.at("channel_id"), kBuildAlerts);
  EXPECT_EQ(text.at("create_at"), now());
  EXPECT_EQ(text.at("mini_preview"), nullptr);
  json::object png = infos[1].as_object();
  EXPECT_EQ(png.at("mime_type"), "image/png");
  EXPECT_EQ(png.at("width"), 320);
  EXPECT_EQ(png.at("height"), 240);
  EXPECT_EQ(png.at("has_preview_image"), true);
  EXPECT_TRUE(result.events.empty());
  EXPECT_EQ(model_.files().size(), 2u);
  EXPECT_EQ(model_.files()[0]->bytes, "hello world");
}

TEST_F(ModelFiles, RawBodyUpload) {
  RestResult result =
      call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts) + "&filename=log.json",
           "{\"a\":1}", kAliceToken, {{"content-type", "application/json"}});
  ASSERT_EQ(result.response.status, 201) << result.response.body;
  EXPECT_EQ(body_of(result).at("client_ids"), json::array{});
  EXPECT_EQ(body_of(result).at("file_infos").at(0).at("mime_type"), "application/json");
  expect_app_error(call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts), "x"), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts) + "&filename=a", ""),
                   400, "api.context.invalid_body_param.app_error");
}

TEST_F(ModelFiles, AttachingFilesToPosts) {
  const std::string text = upload_one(kBuildAlerts, "a.txt", "aaa");
  const std::string image = upload_one(kBuildAlerts, "b.png", kPng);
  const std::string other_channel = upload_one(kTownSquare, "c.txt", "ccc");
  const std::string bobs = upload_one(kBuildAlerts, "d.txt", "ddd", kBobToken);
  RestResult created =
      post("/api/v4/posts", json::object{{"channel_id", kBuildAlerts},
                                         {"message", "files"},
                                         {"file_ids", json::array{text, image, other_channel, bobs}}});
  ASSERT_EQ(created.response.status, 201);
  json::object body = body_of(created).as_object();
  const std::string post_id(body.at("id").as_string());
  EXPECT_EQ(body.at("file_ids"), (json::array{text, image}));
  EXPECT_EQ(body.at("metadata").at("files").as_array().size(), 2u);
  EXPECT_EQ(body.at("metadata").at("files").at(0).at("post_id"), post_id);
  const Event& posted = created.events.at(0);
  EXPECT_EQ(posted.data.at("image"), "true");
  EXPECT_EQ(posted.data.at("otherFile"), "true");
  EXPECT_EQ(model_.find_file(text)->post_id, post_id);
  EXPECT_EQ(body_of(get("/api/v4/files/" + text + "/info")).at("post_id"), post_id);
  EXPECT_EQ(model_.find_file(bobs)->post_id, "");

  // Already attached files cannot be attached again.
  RestResult second =
      post("/api/v4/posts",
           json::object{{"channel_id", kBuildAlerts}, {"message", "again"}, {"file_ids", json::array{text}}});
  EXPECT_EQ(body_of(second).at("file_ids"), json::array{});
  EXPECT_FALSE(second.events.at(0).data.contains("otherFile"));

  // Deleting the post deletes its files.
  ASSERT_EQ(del("/api/v4/posts/" + post_id).response.status, 200);
  expect_app_error(get("/api/v4/files/" + text), 404, "app.file_info.get.app_error");
}

TEST_F(ModelFiles, Downloads) {
  const std::string text = upload_one(kBuildAlerts, "a.txt", "aaa");
  const std::string image = upload_one(kBuildAlerts, "b.png", kPng);
  const std::string html = upload_one(kBuildAlerts, "page.html", "<b>x</b>");
  RestResult got = get("/api/v4/files/" + text);
  ASSERT_EQ(got.response.status, 200);
  EXPECT_EQ(got.response.body, "aaa");
  EXPECT_EQ(got.response.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(got.response.header("Content-Disposition"),
            "attachment;filename=\"a.txt\"; filename*=UTF-8''a.txt");
  EXPECT_EQ(got.response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(is_valid_id(got.response.header("X-Request-Id")));
  RestResult png = get("/api/v4/files/" + image);
  EXPECT_EQ(png.response.body, kPng);
  EXPECT_EQ(png.response.header("Content-Type"), "image/png");
  EXPECT_TRUE(png.response.header("Content-Disposition").starts_with("inline;"));
  EXPECT_TRUE(get("/api/v4/files/" + image + "?download=1")
                  .response.header("Content-Disposition")
                  .starts_with("attachment;"));
  EXPECT_EQ(get("/api/v4/files/" + html).response.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(get("/api/v4/files/" + text, kCarolToken).response.status, 200);  // public channel
  const std::string secret = upload_one(kOps, "s.txt", "sss");
  expect_app_error(get("/api/v4/files/" + secret, kBobToken), 403, "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/files/" + secret + "/info", kBobToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/files/zzzzzzzzzzzzzzzzzzzzzzzzzz"), 404, "app.file_info.get.app_error");
}

TEST_F(ModelFiles, UploadErrors) {
  expect_app_error(upload({{"channel_id", std::string(kOps), ""}, {"files", "x", "x.txt"}}, kBobToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(
      upload({{"channel_id", std::string(kBuildAlerts), ""}, {"files", "x", "x.txt"}}, kCarolToken), 403,
      "api.context.permissions.app_error");
  expect_app_error(upload({{"files", "x", "x.txt"}}), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(upload({{"channel_id", std::string(kBuildAlerts), ""}}), 400,
                   "api.file.upload_file.incorrect_number_of_files.app_error");
  expect_app_error(upload({{"channel_id", std::string(kBuildAlerts), ""},
                           {"client_ids", "a", ""},
                           {"files", "x", "x.txt"},
                           {"files", "y", "y.txt"}}),
                   400, "api.file.upload_file.incorrect_number_of_client_ids.app_error");
  expect_app_error(
      upload({{"channel_id", std::string(kBuildAlerts), ""}, {"extra", "x", ""}, {"files", "x", "x.txt"}}),
      400, "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/files", "garbage", kAliceToken,
                        {{"content-type", "multipart/form-data; boundary=XyZzY"}}),
                   400, "api.context.invalid_body_param.app_error");
  expect_app_error(call("POST", "/api/v4/files", "", kAliceToken), 400,
                   "api.context.invalid_body_param.app_error");
  // File parts first are accepted too (the legacy buffered parser).
  EXPECT_EQ(upload({{"files", "x", "x.txt"}, {"channel_id", std::string(kBuildAlerts), ""}}).response.status,
            201);
}

class ModelFileLimits : public ModelTest {
 protected:
  static ModelConfig limited() {
    ModelConfig config = test_config();
    config.max_file_size = 10;
    config.max_files = 2;
    config.enable_file_attachments = true;
    return config;
  }
  ModelFileLimits() : ModelTest(limited()) {}
  RestResult upload_raw(std::string bytes) {
    return call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts) + "&filename=f.bin",
                std::move(bytes));
  }
};

TEST_F(ModelFileLimits, TooLargeIs413AndAFullStoreIs507) {
  RestResult big = upload_raw(std::string(11, 'x'));
  expect_app_error(big, 413, "api.file.upload_file.too_large_detailed.app_error");
  EXPECT_EQ(body_of(big).at("message"),
            "Unable to upload file f.bin. 11 bytes exceeds the maximum allowed 10 bytes.");
  EXPECT_EQ(upload_raw("0123456789").response.status, 201);
  EXPECT_EQ(upload_raw("a").response.status, 201);
  RestResult full = upload_raw("b");
  expect_app_error(full, 507, "mmsim.store.full.app_error");
  EXPECT_EQ(model_.files().size(), 2u);
}

class ModelNoAttachments : public ModelTest {
 protected:
  static ModelConfig disabled() {
    ModelConfig config = test_config();
    config.enable_file_attachments = false;
    return config;
  }
  ModelNoAttachments() : ModelTest(disabled()) {}
};

TEST_F(ModelNoAttachments, UploadsAreRefused) {
  expect_app_error(call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts) + "&filename=f", "x"),
                   403, "api.file.attachments.disabled.app_error");
}

class ModelPostLimit : public ModelTest {
 protected:
  static ModelConfig limited() {
    ModelConfig config = test_config();
    config.max_posts = 3;
    config.max_post_versions = 2;
    return config;
  }
  ModelPostLimit() : ModelTest(limited()) {}
};

TEST_F(ModelPostLimit, PostsBeyondTheCapAre507AndHistoryIsBounded) {
  const std::string id = make_post(kBuildAlerts, "1");
  make_post(kBuildAlerts, "2");
  make_post(kBuildAlerts, "3");
  RestResult full = post("/api/v4/posts", json::object{{"channel_id", kBuildAlerts}, {"message", "4"}});
  expect_app_error(full, 507, "mmsim.store.full.app_error");
  EXPECT_EQ(body_of(full).at("message"),
            "mmsim keeps at most 3 posts; raise the limit in its configuration.");
  EXPECT_TRUE(full.events.empty());
  for (const char* text : {"a", "b", "c"}) {
    ASSERT_EQ(put("/api/v4/posts/" + id + "/patch", json::object{{"message", text}}).response.status, 200);
  }
  const Post* stored = model_.find_post(id);
  ASSERT_EQ(stored->history.size(), 2u);
  EXPECT_EQ(stored->history[0].message, "b");
  EXPECT_EQ(stored->history[1].message, "c");
}

}  // namespace
}  // namespace mmsim::test
