// Files (§4.8): multipart or raw uploads kept in memory, FileInfo, download.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/mime.hpp"
#include "mmsim/model/multipart.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

struct Upload {
  std::string filename;
  std::string bytes;
};

// filepath.Base of an uploaded name (clients may send paths).
std::string base_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return std::string(name);
}

std::expected<void, AppError> check_sizes(const Ctx& ctx, const std::vector<Upload>& uploads) {
  std::int64_t total = 0;
  for (const auto& upload : uploads) {
    const auto size = static_cast<std::int64_t>(upload.bytes.size());
    if (size > ctx.st.config.max_file_size) {
      const std::string length = std::to_string(size);
      const std::string limit = std::to_string(ctx.st.config.max_file_size);
      return std::unexpected(
          AppError::make(413, "api.file.upload_file.too_large_detailed.app_error",
                         {{"Filename", upload.filename}, {"Length", length}, {"Limit", limit}}));
    }
    total += size;
  }
  if (ctx.st.files.size() + uploads.size() > ctx.st.config.max_files) {
    return std::unexpected(err_storage_full("files", ctx.st.config.max_files));
  }
  if (ctx.st.file_bytes + total > ctx.st.config.max_file_bytes_total) {
    return std::unexpected(
        err_storage_full("bytes of files", static_cast<std::size_t>(ctx.st.config.max_file_bytes_total)));
  }
  return {};
}

const FileRecord& store_file(Ctx& ctx, const std::string& channel_id, Upload upload) {
  FileRecord file;
  file.id = ctx.st.new_id();
  file.user_id = ctx.me->id;
  file.channel_id = channel_id;
  file.create_at = ctx.now;
  file.update_at = ctx.now;
  file.name = base_name(upload.filename);
  const std::size_t dot = file.name.rfind('.');
  file.extension = dot == std::string::npos ? std::string() : to_lower_ascii(file.name.substr(dot + 1));
  file.size = static_cast<std::int64_t>(upload.bytes.size());
  file.mime_type = mime_for_extension(file.extension);
  if (file.mime_type.starts_with("image/")) {
    if (auto size = image_size(upload.bytes)) {
      file.width = size->width;
      file.height = size->height;
      file.has_preview_image = file.mime_type != "image/svg+xml";
    }
  }
  file.bytes = std::move(upload.bytes);
  ctx.st.file_bytes += file.size;
  ctx.st.file_order.push_back(file.id);
  const std::string id = file.id;
  return ctx.st.files.emplace(id, std::move(file)).first->second;
}

}  // namespace

Outcome post_files(Ctx& ctx) {
  if (!ctx.st.config.enable_file_attachments) {
    return std::unexpected(AppError::make(403, "api.file.attachments.disabled.app_error"));
  }
  if (ctx.req.body.empty()) return std::unexpected(err_invalid_body_param("Content-Length"));
  std::string channel_id;
  std::vector<std::string> client_ids;
  std::vector<Upload> uploads;
  if (auto boundary = multipart_boundary(ctx.req.header("content-type"))) {
    auto parts = parse_multipart(ctx.req.body, *boundary);
    if (!parts) return std::unexpected(err_invalid_body_param("multipart"));
    for (auto& part : *parts) {
      if (part.name == "channel_id" && !part.filename) {
        if (channel_id.empty()) channel_id = part.body;
      } else if (part.name == "client_ids" && !part.filename) {
        client_ids.push_back(part.body);
      } else if (part.name == "files" && part.filename) {
        uploads.push_back({*part.filename, std::move(part.body)});
      } else {
        return std::unexpected(err_invalid_body_param(part.name));
      }
    }
  } else {
    channel_id = ctx.query("channel_id");
    const std::string filename = ctx.query("filename");
    if (filename.empty()) return std::unexpected(err_invalid_body_param("filename"));
    if (const std::string client_id = ctx.query("client_id"); !client_id.empty())
      client_ids.push_back(client_id);
    uploads.push_back({filename, ctx.req.body});
  }
  if (!is_valid_id(channel_id)) return std::unexpected(err_invalid_body_param("channel_id"));
  if (uploads.empty())
    return std::unexpected(AppError::make(400, "api.file.upload_file.incorrect_number_of_files.app_error"));
  if (!client_ids.empty() && client_ids.size() != uploads.size()) {
    const std::string clients = std::to_string(client_ids.size());
    const std::string files = std::to_string(uploads.size());
    return std::unexpected(AppError::make(400,
                                          "api.file.upload_file.incorrect_number_of_client_ids.app_error",
                                          {{"NumClientIds", clients}, {"NumFiles", files}}));
  }
  const Channel* channel = ctx.st.channel(channel_id);
  if (channel == nullptr || !ctx.st.has_channel_role(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  if (auto ok = check_sizes(ctx, uploads); !ok) return std::unexpected(ok.error());
  json::array infos;
  for (auto& upload : uploads)
    infos.push_back(file_info_json(store_file(ctx, channel->id, std::move(upload))));
  json::array clients;
  for (const auto& id : client_ids) clients.emplace_back(id);
  return json_reply(201, json::object{{"file_infos", std::move(infos)}, {"client_ids", std::move(clients)}});
}

namespace {

std::expected<const FileRecord*, AppError> readable_file(const Ctx& ctx) {
  auto file_id = require_id(ctx.params[0], "file_id");
  if (!file_id) return std::unexpected(file_id.error());
  auto found = ctx.st.files.find(*file_id);
  if (found == ctx.st.files.end() || found->second.delete_at != 0) return std::unexpected(err_file_missing());
  const FileRecord& file = found->second;
  const Channel* channel = ctx.st.channel(file.channel_id);
  const bool readable =
      file.user_id == ctx.me->id || (channel != nullptr && ctx.st.can_read_channel(*ctx.me, *channel));
  if (!readable) return std::unexpected(err_permissions());
  return &file;
}

}  // namespace

Outcome get_file(Ctx& ctx) {
  auto file = readable_file(ctx);
  if (!file) return std::unexpected(file.error());
  const bool download = parse_go_bool(ctx.query("download")).value_or(false);
  const bool inline_ok = is_inline_type((*file)->mime_type) && !download;
  Reply reply;
  reply.status = 200;
  reply.body = (*file)->bytes;
  const std::string& mime = (*file)->mime_type;
  const bool dangerous = mime.empty() || mime.starts_with("text/html") ||
                         mime.starts_with("text/javascript") || mime.starts_with("text/xml") ||
                         mime == "image/svg+xml" || mime == "application/xhtml+xml";
  reply.content_type = dangerous ? "application/octet-stream" : mime;
  reply.headers.emplace_back("Content-Disposition",
                             std::string(inline_ok ? "inline" : "attachment") + ";filename=\"" +
                                 (*file)->name + "\"; filename*=UTF-8''" + query_escape((*file)->name));
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Cache-Control", "max-age=2592000, private");
  return reply;
}

Outcome get_file_info(Ctx& ctx) {
  auto file = readable_file(ctx);
  if (!file) return std::unexpected(file.error());
  return json_reply(200, file_info_json(**file));
}

}  // namespace mmsim
