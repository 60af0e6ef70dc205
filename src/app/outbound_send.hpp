#pragma once
// One outbound message to a resolved channel, the way both the message tool's `send` and
// `mmclaw message send` deliver it (channel-behaviour §5.3–§5.6): at most one file (a local file
// from `mmclaw.media.allowedDirs`, or an http(s) URL through the SSRF guard) uploaded first, so a
// refused one posts nothing; the text rendered and chunked as answers are; buttons signed for the
// account on the first post; every post in the thread of `root_id`.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "agent/message_tool.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::net {
class HttpClient;
struct HttpClientOptions;
}  // namespace mmclaw::net
namespace mmclaw::mattermost {
class Api;
}

namespace mmclaw::app {

inline constexpr std::string_view kUploadFailed = "Mattermost media upload failed: ";

struct OutboundMessage {
  std::string channel_id;
  std::string root_id;  // "" = top level
  std::string text;
  std::optional<std::string> file;  // a local path (or file:// URL) or an http(s) URL
  std::vector<std::vector<agent::MessageButton>> buttons;
  std::string attachment_text;
};

struct OutboundResult {
  // The posts created, in order ("receipt-lost" for one the server took without telling its id).
  std::vector<std::string> post_ids;
  std::optional<std::string> file_id;  // the uploaded file
  // For the sender's summary: " with the file NAME (SIZE)", or why the URL went in the text.
  std::string file_note;
  // Set when the send failed; posts created before the failure are still listed.
  std::optional<std::string> error;
};

// What a send needs from its surroundings.
struct OutboundContext {
  mattermost::Api& api;
  const config::AccountConfig& account;
  const config::Snapshot& snapshot;          // media directories, the gateway's callback address
  std::function<net::HttpClient&()> media_http;  // the client for media URLs (made on first use)
};

// The options of the client for media URLs: no proxy (the guard checks the addresses this process
// connects to, which a proxy would hide) and every resolved address checked with no exemption.
net::HttpClientOptions media_http_options();

boost::asio::awaitable<OutboundResult> send_outbound(OutboundContext context, OutboundMessage message);

}  // namespace mmclaw::app
