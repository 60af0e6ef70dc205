// The files of an inbound post (§4.7), fetched for its turn.
#include "app/account_runtime_impl.hpp"

#include <algorithm>
#include <exception>

namespace mmclaw::app {

using namespace detail;

namespace {

// §4.7: the download's header and read-idle deadlines.
constexpr milliseconds kDownloadHeaderTimeout{120000};
constexpr milliseconds kDownloadIdleTimeout{30000};
// All the files of one post, however many and however slow: what is not fetched by then is
// unavailable (the model is told), so a turn never waits on attachments for long.
constexpr milliseconds kPostMediaBudget{300000};
// A download is given at least this much of what is left of the budget.
constexpr milliseconds kMinDownloadTime{1000};

std::string_view kind_name(gateway::AttachmentKind kind) {
  switch (kind) {
    case gateway::AttachmentKind::text: return "text";
    case gateway::AttachmentKind::image: return "image";
    case gateway::AttachmentKind::other: return "other";
  }
  return "other";
}

gateway::InboundFile unknown_file(std::string id) {
  gateway::InboundFile file;
  file.id = std::move(id);
  return file;  // no name, no type, unavailable
}

}  // namespace

asio::awaitable<gateway::InboundMedia> AccountRuntime::Impl::fetch_inbound_media(const TurnJob& job) {
  gateway::InboundMedia media;
  if (!job.post) co_return media;
  try {
    std::vector<std::string> ids = job.post->file_ids;
    // Field report 15: a `posted` event may say the post has files without listing them.
    if (ids.empty() && job.has_files) {
      auto fresh = co_await api_.get_post(job.post_id);
      if (fresh) {
        ids = fresh->file_ids;
        log(log::Level::debug, "post {} fetched again for its files: {} file id(s)", job.post_id, ids.size());
      } else {
        log(log::Level::warn, "cannot fetch post {} again for its files: {}", job.post_id,
            fresh.error().error.message);
        media.files.push_back(unknown_file({}));
        co_return media;
      }
    }
    if (ids.empty()) co_return media;

    // Duplicates are fetched once.
    std::vector<std::string> unique;
    for (auto& id : ids)
      if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(std::move(id));

    const std::int64_t max_bytes = gateway::media_max_bytes(account_.media_max_mb);
    const auto deadline = std::chrono::steady_clock::now() + kPostMediaBudget;
    for (std::size_t i = 0; i < unique.size(); ++i) {
      std::string& id = unique[i];
      if (i >= gateway::kMaxFilesPerPost) {
        log(log::Level::warn, "post {} has {} files; only the first {} are fetched", job.post_id,
            unique.size(), gateway::kMaxFilesPerPost);
        for (; i < unique.size(); ++i) media.files.push_back(unknown_file(std::move(unique[i])));
        break;
      }
      if (!gateway::is_safe_file_id(id)) {
        // Never put in a request path (§2.1); the value itself is not logged either.
        log(log::Level::warn, "post {} names a file id that is not a Mattermost id; it is not fetched",
            job.post_id);
        media.files.push_back(unknown_file({}));
        continue;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left < kMinDownloadTime) {
        log(log::Level::warn, "file {} of post {} is not fetched: the post's attachments took too long", id,
            job.post_id);
        media.files.push_back(unknown_file(std::move(id)));
        continue;
      }

      gateway::InboundFile file;
      file.id = id;
      auto info = co_await api_.get_file_info(id);
      if (!info) {
        log(log::Level::warn, "cannot read the info of file {} of post {}: {}", id, job.post_id,
            info.error().error.message);
        media.files.push_back(std::move(file));
        continue;
      }
      file.name = info->name;
      file.mime_type = gateway::bare_mime_type(info->mime_type);
      file.size = info->size;
      file.kind = gateway::classify_attachment(file.name, file.mime_type);
      if (file.kind == gateway::AttachmentKind::image)
        file.mime_type = gateway::image_mime_type(file.name, file.mime_type);
      if (info->size > max_bytes) {
        log(log::Level::warn,
            "file {} of post {} is not fetched: {} bytes, over the limit of {} (mediaMaxMb)", id, job.post_id,
            info->size, max_bytes);
        media.files.push_back(std::move(file));
        continue;
      }
      if (file.kind == gateway::AttachmentKind::other) {
        file.available = true;  // named to the model; its bytes are of no use to it
        log(log::Level::debug, "file {} of post {}: {} bytes of {}, named only", id, job.post_id, file.size,
            file.mime_type.empty() ? "unknown type" : file.mime_type);
        media.files.push_back(std::move(file));
        continue;
      }

      mattermost::DownloadOptions options;
      options.max_bytes = static_cast<std::size_t>(max_bytes);
      options.header_timeout = kDownloadHeaderTimeout;
      options.idle_timeout = kDownloadIdleTimeout;
      options.total_timeout =
          std::max(kMinDownloadTime,
                   std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()));
      auto bytes = co_await api_.download_file(id, options);
      if (!bytes) {
        log(log::Level::warn, "cannot download file {} of post {}: {}", id, job.post_id,
            bytes.error().error.message);
        media.files.push_back(std::move(file));
        continue;
      }
      if (file.kind == gateway::AttachmentKind::image) {
        const std::string real = gateway::sniff_image_mime_type(*bytes);
        if (real.empty()) {
          // Not an image a model can decode: named, not shown (a bad image fails the whole request).
          log(log::Level::warn, "file {} of post {} is named as an image but its bytes are not one", id,
              job.post_id);
          file.kind = gateway::AttachmentKind::other;
          file.available = true;
          media.files.push_back(std::move(file));
          continue;
        }
        file.mime_type = real;
      }
      if (file.size <= 0) file.size = static_cast<std::int64_t>(bytes->size());
      file.content = std::move(*bytes);
      file.available = true;
      log(log::Level::debug, "file {} of post {}: {} bytes of {} ({})", id, job.post_id, file.content.size(),
          file.mime_type.empty() ? "unknown type" : file.mime_type, kind_name(file.kind));
      media.files.push_back(std::move(file));
    }
  } catch (const std::exception& e) {
    // A bug, not an expected failure: the files not yet fetched are not mentioned, the turn goes on.
    log(log::Level::error, "fetching the files of post {} failed: {}", job.post_id, e.what());
  }
  co_return media;
}

}  // namespace mmclaw::app
