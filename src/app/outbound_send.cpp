#include "app/outbound_send.hpp"

#include <algorithm>
#include <expected>

#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <fmt/format.h>

#include "app/media_files.hpp"
#include "mattermost/api.hpp"
#include "mattermost/buttons.hpp"
#include "mattermost/chunk_text.hpp"
#include "net/http_client.hpp"
#include "net/ssrf_guard.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "outbound";
// A media URL may redirect this often (each hop is checked by the SSRF guard again).
constexpr int kMaxMediaRedirects = 3;

// The guard's refusal without its hint: network.dangerouslyAllowPrivateNetwork opens the Mattermost
// server only, never a media URL.
std::string media_refusal(std::string message) {
  if (const auto hint = message.find(fmt::format("; set {}", net::kAllowPrivateNetworkKey));
      hint != std::string::npos)
    message.erase(hint);
  return message + " (media URLs must lead to public addresses)";
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Downloads a media URL within `max_bytes`, following a few redirects; the host of every hop is
// checked before resolving, its addresses by the client.
asio::awaitable<std::expected<MediaFile, std::string>> download_media(net::HttpClient& http, std::string url,
                                                                      std::uint64_t max_bytes) {
  using Failed = std::unexpected<std::string>;
  const net::SsrfGuard guard(net::SsrfPolicy{});
  for (int hop = 0; hop <= kMaxMediaRedirects; ++hop) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) co_return Failed("the URL cannot be read");
    const std::string scheme = util::to_lower(parsed->scheme());
    if (scheme != "http" && scheme != "https")
      co_return Failed(fmt::format("only http and https URLs can be downloaded (got {})", parsed->scheme()));
    if (auto allowed = guard.check_host(parsed->host_address()); !allowed)
      co_return Failed(media_refusal(std::move(allowed.error().message)));
    boost::urls::url target(*parsed);
    target.remove_fragment();
    net::HttpClientRequest request;
    request.url = std::string(target.buffer());
    request.headers = {{"Accept", "*/*"}};
    request.max_response_bytes = static_cast<std::size_t>(max_bytes);
    auto response = co_await http.send(std::move(request));
    if (!response) {
      if (response.error().message.starts_with("response larger than"))
        co_return Failed(
            fmt::format("the download is larger than the limit of {} (channels.mattermost.mediaMaxMb "
                        "sets it)",
                        describe_size(max_bytes)));
      if (response.error().message.starts_with("Blocked request"))  // the guard refused an address
        co_return Failed(media_refusal(std::move(response.error().message)));
      co_return Failed(fmt::format("the download failed: {}", response.error().message));
    }
    if (is_redirect(response->status)) {
      const auto location = response->header("location");
      if (!location || util::trim(*location).empty())
        co_return Failed(fmt::format("the server answered {} without a Location", response->status));
      auto reference = boost::urls::parse_uri_reference(util::trim(*location));
      if (!reference) co_return Failed("the server redirected to a URL that cannot be read");
      boost::urls::url next(*parsed);
      if (auto resolved = next.resolve(*reference); !resolved)
        co_return Failed("the server redirected to a URL that cannot be read");
      url = std::string(next.buffer());
      continue;
    }
    if (response->status < 200 || response->status >= 300)
      co_return Failed(fmt::format("the download failed: the server answered {}", response->status));
    const auto content_type = response->header("content-type");
    co_return media_from_download(url, content_type.value_or(""), std::move(response->body), max_bytes);
  }
  co_return Failed(fmt::format("the download failed: more than {} redirects", kMaxMediaRedirects));
}

// The file of a message: read from disk or downloaded; nullopt when there is none.
asio::awaitable<std::optional<std::expected<MediaFile, std::string>>> fetch_file(OutboundContext& context,
                                                                                const OutboundMessage& message) {
  if (!message.file) co_return std::nullopt;
  const std::uint64_t max_bytes = media_max_bytes(context.account.media_max_mb);
  if (!is_http_url(*message.file))
    co_return load_local_media(*message.file, context.snapshot.mmclaw.media_allowed_dirs, max_bytes);
  co_return co_await download_media(context.media_http(), std::string(util::trim(*message.file)), max_bytes);
}

}  // namespace

// Every resolved address of a media URL is checked with no exemption, whatever
// `network.dangerouslyAllowPrivateNetwork` allows the Mattermost server.
net::HttpClientOptions media_http_options() {
  net::HttpClientOptions options;
  options.timeouts.resolve = milliseconds(10000);
  options.timeouts.connect = milliseconds(10000);
  options.timeouts.tls_handshake = milliseconds(10000);
  options.timeouts.write = milliseconds(10000);
  options.timeouts.response_header = milliseconds(20000);
  options.timeouts.response_body = milliseconds(30000);
  options.timeouts.total = milliseconds(60000);
  options.max_idle_per_origin = 1;
  options.idle_expiry = milliseconds(10000);
  return mattermost::http_options_with_ssrf_guard(std::move(options), net::SsrfPolicy{});
}

asio::awaitable<OutboundResult> send_outbound(OutboundContext context, OutboundMessage message) {
  OutboundResult result;
  const auto fail = [&](std::string error) {
    result.error = std::move(error);
    return std::move(result);
  };
  // §5.4: the file is read (or downloaded) first, so a refused one posts nothing.
  auto media = co_await fetch_file(context, message);
  const bool media_url = message.file && is_http_url(*message.file);
  if (media && !*media && !media_url) {
    log::info(kComponent, "file refused: {}", media->error());
    co_return fail(fmt::format("{}{}", kUploadFailed, media->error()));
  }
  // One file per post, uploaded to the target channel before anything is posted. A failure posts
  // nothing, except for a URL when no media limit is configured: then the text goes with the URL
  // on a line of its own.
  std::string text = message.text;
  std::vector<std::string> file_ids;
  if (media) {
    std::optional<std::string> failure;
    if (!*media) {
      failure = media->error();
    } else {
      const std::string name = (*media)->name;
      const std::size_t size = (*media)->content.size();
      auto uploaded = co_await context.api.upload_file(message.channel_id, (*media)->name,
                                                       std::move((*media)->content), (*media)->content_type);
      if (!uploaded) {
        failure = uploaded.error().error.message;
      } else {
        file_ids.push_back(uploaded->id);
        result.file_id = uploaded->id;
        result.file_note = fmt::format(" with the file {} ({})", name, describe_size(size));
      }
    }
    if (failure) {
      if (!media_url || context.account.media_max_mb) {
        log::info(kComponent, "file not sent: {}", *failure);
        co_return fail(fmt::format("{}{}", kUploadFailed, *failure));
      }
      log::warn(kComponent, "file not uploaded ({}); sending its URL instead", *failure);
      const std::string_view url = util::trim(*message.file);
      text = util::trim(text).empty() ? std::string(url) : fmt::format("{}\n{}", text, url);
      result.file_note =
          fmt::format("; the file could not be uploaded ({}), so its URL was sent in the text", *failure);
    }
  }
  if (util::trim(text).empty() && file_ids.empty()) co_return fail("Mattermost message is empty");

  // Buttons (§8.1) go on the first post (§5.6), signed for this account; their clicks come back
  // to the gateway's callback URL (§8.4).
  boost::json::object button_props;
  if (!message.buttons.empty())
    button_props = mattermost::button_attachments_props(
        mattermost::buttons_from_rows(message.buttons), message.attachment_text, message.channel_id,
        mattermost::interaction_callback_url(context.account.interactions.callback_base_url, context.account.id,
                                             context.snapshot.gateway.custom_bind_host,
                                             context.snapshot.gateway.port),
        mattermost::interaction_secret(context.account.bot_token.value));
  // Cut as answers are (§5.3); a file without a caption still needs its post.
  mattermost::ChunkOptions chunking;
  chunking.limit = static_cast<std::size_t>(std::max(1, context.account.text_chunk_limit));
  chunking.mode = context.account.streaming.chunk_mode;
  auto texts = mattermost::chunk_text(mattermost::render_tables(text, context.account.markdown_tables), chunking);
  if (texts.empty()) texts.emplace_back();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    mattermost::CreatePost post;
    post.channel_id = message.channel_id;
    post.message = texts[i];
    post.root_id = message.root_id;
    if (i == 0) {
      post.file_ids = file_ids;  // the caption's first part carries the file
      for (const auto& [key, value] : button_props) post.props[key] = value;
    }
    auto created = co_await context.api.create_post(std::move(post));
    if (!created && !created.error().receipt_lost)
      co_return fail(fmt::format("Mattermost send failed: {}", created.error().error.message));
    result.post_ids.push_back(created ? created->id : "receipt-lost");
    // Field report 15: a post the server took without its file is a failure, never an "ok".
    if (i == 0 && created && !file_ids.empty() &&
        std::find(created->file_ids.begin(), created->file_ids.end(), file_ids.front()) == created->file_ids.end())
      co_return fail(fmt::format("{}the server posted {} without the file {}", kUploadFailed, created->id,
                                 file_ids.front()));
  }
  co_return result;
}

}  // namespace mmclaw::app
