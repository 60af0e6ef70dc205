// The message tool's calls (issue 6, channel-behaviour §5.7): `react` on a post of the turn's
// conversation, `send` to the conversation (or another channel, or a user by DM) with at most one
// file (§5.4), `read` the conversation's recent posts when `actions.messages` allows it. Each
// call's result is a text that goes back to the model; a refused or failed call is an
// `Error: ...` text, never an exception.

#include <algorithm>

#include <fmt/format.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "agent/message_tool.hpp"
#include "app/account_runtime_impl.hpp"
#include "app/media_files.hpp"
#include "mattermost/buttons.hpp"
#include "mattermost/chunk_text.hpp"
#include "net/ssrf_guard.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

constexpr std::string_view kChannelPrefix = "channel:";
constexpr std::string_view kUserPrefix = "user:";
constexpr std::string_view kUploadFailed = "Mattermost media upload failed: ";
// A media URL may redirect this often (each hop is checked by the SSRF guard again).
constexpr int kMaxMediaRedirects = 3;

std::string tool_error(std::string_view message) {
  return fmt::format("Error: {}", message);
}

// The client for media URLs: no proxy (the guard checks the addresses this process connects to,
// which a proxy would hide) and every resolved address checked with no exemption, whatever
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

}  // namespace

agent::MessageToolOptions AccountRuntime::Impl::message_tool_options() const {
  agent::MessageToolOptions options;
  options.reactions_enabled = account_.actions_reactions;
  options.read_enabled = account_.actions_messages;
  return options;
}

asio::awaitable<std::string> AccountRuntime::Impl::run_message_tool(const TurnJob& job,
                                                                    const agent::ToolCall& call,
                                                                    ToolTurnState& state) {
  if (call.name != agent::kMessageToolName)
    co_return tool_error(fmt::format("there is no tool named \"{}\"", call.name));
  auto parsed = agent::parse_message_tool_call(call.arguments, message_tool_options());
  if (!parsed) {
    log(log::Level::info, "message tool call refused: {}", parsed.error());
    co_return tool_error(parsed.error());
  }
  const gateway::Route& route = *job.route;

  if (const auto* react = std::get_if<agent::ReactCall>(&*parsed)) {
    // §5.7: a delegated reaction must stay in the conversation of the turn.
    if (react->to && *react->to != route.to &&
        *react->to != fmt::format("{}{}", kChannelPrefix, route.channel_id))
      co_return tool_error(
          "Mattermost delegated reactions require a canonical authorized conversation target.");
    auto post = co_await api_.get_post(react->post_id);
    if (!post)
      co_return tool_error(
          fmt::format("Mattermost post {} cannot be read: {}", react->post_id, post.error().error.message));
    if (post->channel_id != route.channel_id)
      co_return tool_error("Mattermost reaction post belongs to a different conversation.");
    auto done = react->remove ? co_await api_.remove_reaction(bot_.id, react->post_id, react->emoji)
                              : co_await api_.add_reaction(bot_.id, react->post_id, react->emoji);
    if (!done)
      co_return tool_error(fmt::format("Mattermost reaction failed: {}", done.error().error.message));
    co_return agent::reaction_result_text(react->emoji, react->post_id, react->remove);
  }

  if (const auto* send = std::get_if<agent::SendCall>(&*parsed)) {
    // §5.4: the file is read (or downloaded) first, so a refused one leaves no trace in Mattermost.
    const std::uint64_t max_bytes = media_max_bytes(account_.media_max_mb);
    std::optional<std::expected<MediaFile, std::string>> media;
    const bool media_url = send->file && is_http_url(*send->file);
    if (send->file && !media_url) {
      media = load_local_media(*send->file, live_->mmclaw.media_allowed_dirs, max_bytes);
      if (!*media) {
        log(log::Level::info, "message tool file refused: {}", media->error());
        co_return tool_error(fmt::format("{}{}", kUploadFailed, media->error()));
      }
    } else if (media_url) {
      if (!media_http_) media_http_ = std::make_unique<net::HttpClient>(io_, media_http_options());
      media = co_await download_media(*media_http_, std::string(util::trim(*send->file)), max_bytes);
    }
    // Where: the conversation of the turn, a channel by id, or a user by DM.
    std::string channel = route.channel_id;
    bool same_conversation = true;
    if (send->to && *send->to != route.to &&
        *send->to != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
      same_conversation = false;
      if (send->to->starts_with(kChannelPrefix)) {
        channel = send->to->substr(kChannelPrefix.size());
      } else if (send->to->starts_with(kUserPrefix)) {
        auto dm = co_await api_.create_direct_channel(bot_.id, send->to->substr(kUserPrefix.size()));
        if (!dm)
          co_return tool_error(
              fmt::format("Mattermost DM channel cannot be opened: {}", dm.error().error.message));
        channel = dm->id;
      } else {
        co_return tool_error("this version of mmclaw sends only to channel:<id> or user:<id> targets");
      }
    }
    // §5.5: the thread root: the one asked for (a reply resolves to its root), else the turn's
    // thread in its own conversation, unless a top-level post is asked for.
    std::string root;
    if (send->reply_to) {
      auto target = co_await api_.get_post(*send->reply_to);
      if (!target)
        co_return tool_error(fmt::format("Mattermost post {} cannot be read: {}", *send->reply_to,
                                         target.error().error.message));
      if (target->channel_id != channel)
        co_return tool_error("the post to reply to is in another conversation than the target");
      root = target->root_id.empty() ? target->id : target->root_id;
    } else if (same_conversation && !send->top_level) {
      root = route.root_id;
    }
    // §5.4: one file per post, uploaded to the target channel before anything is posted. A
    // failure posts nothing, except for a URL when no media limit is configured: then the text
    // goes with the URL on a line of its own.
    std::string text = send->text;
    std::vector<std::string> file_ids;
    std::string file_note;
    if (media) {
      std::optional<std::string> failure;
      if (!*media) {
        failure = media->error();
      } else {
        const std::string name = (*media)->name;
        const std::size_t size = (*media)->content.size();
        auto uploaded = co_await api_.upload_file(channel, (*media)->name, std::move((*media)->content),
                                                  (*media)->content_type);
        if (!uploaded) {
          failure = uploaded.error().error.message;
        } else {
          file_ids.push_back(uploaded->id);
          file_note = fmt::format(" with the file {} ({})", name, describe_size(size));
        }
      }
      if (failure) {
        if (!media_url || account_.media_max_mb) {
          log(log::Level::warn, "message tool file not sent: {}", *failure);
          co_return tool_error(fmt::format("{}{}", kUploadFailed, *failure));
        }
        log(log::Level::warn, "message tool file not uploaded ({}); sending its URL instead", *failure);
        const std::string_view url = util::trim(*send->file);
        text = util::trim(text).empty() ? std::string(url) : fmt::format("{}\n{}", text, url);
        file_note =
            fmt::format("; the file could not be uploaded ({}), so its URL was sent in the text", *failure);
      }
    }
    if (util::trim(text).empty() && file_ids.empty()) co_return tool_error("Mattermost message is empty");

    // Buttons (§8.1) go on the first post (§5.6), signed for this account; their clicks come back
    // to the gateway's callback URL (§8.4).
    boost::json::object button_props;
    if (!send->buttons.empty())
      button_props = mattermost::button_attachments_props(
          mattermost::buttons_from_rows(send->buttons), "", channel,
          mattermost::interaction_callback_url(account_.interactions.callback_base_url, account_.id,
                                               live_->gateway.custom_bind_host, live_->gateway.port),
          mattermost::interaction_secret(account_.bot_token.value));
    std::string first_id;
    // Cut as answers are (§5.3); a file without a caption still needs its post.
    mattermost::ChunkOptions chunking;
    chunking.limit = static_cast<std::size_t>(std::max(1, account_.text_chunk_limit));
    chunking.mode = account_.streaming.chunk_mode;
    auto texts = mattermost::chunk_text(mattermost::render_tables(text, account_.markdown_tables), chunking);
    if (texts.empty()) texts.emplace_back();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      mattermost::CreatePost post;
      post.channel_id = channel;
      post.message = texts[i];
      post.root_id = root;
      if (i == 0) {
        post.file_ids = file_ids;  // the caption's first part carries the file
        for (const auto& [key, value] : button_props) post.props[key] = value;
      }
      auto created = co_await api_.create_post(std::move(post));
      if (!created && !created.error().receipt_lost)
        co_return tool_error(fmt::format("Mattermost send failed: {}", created.error().error.message));
      if (first_id.empty()) {
        first_id = created ? created->id : "receipt-lost";
        if (same_conversation) {
          *state.answered = true;
          if (state.first_post_id.empty()) state.first_post_id = first_id;
        }
      }
      // Field report 15: a post the server took without its file is a failure, never an "ok".
      if (i == 0 && created && !file_ids.empty() &&
          std::find(created->file_ids.begin(), created->file_ids.end(), file_ids.front()) ==
              created->file_ids.end())
        co_return tool_error(fmt::format("{}the server posted {} without the file {}", kUploadFailed,
                                         created->id, file_ids.front()));
    }
    co_return fmt::format("Sent message {} to channel {}{}", first_id, channel, file_note);
  }

  const auto& read = std::get<agent::ReadCall>(*parsed);
  std::string channel = route.channel_id;
  if (read.channel && *read.channel != route.to &&
      *read.channel != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
    // §5.7: beyond the conversation, only a public or private channel the account answers in
    // freely (groupPolicy "open", or the channel or "*" under `groups`).
    if (!read.channel->starts_with(kChannelPrefix))
      co_return tool_error("Mattermost read target channel is not allowed.");
    channel = read.channel->substr(kChannelPrefix.size());
    auto info = co_await api_.cached_channel(channel);
    const bool team_channel = info && info->type &&
                              (*info->type == mattermost::ChannelType::open ||
                               *info->type == mattermost::ChannelType::private_team);
    const bool listed = account_.groups.contains(channel) || account_.groups.contains("*");
    if (!team_channel || (account_.group_policy != config::GroupPolicy::open && !listed))
      co_return tool_error("Mattermost read target channel is not allowed.");
  }
  mattermost::PostsQuery query;
  query.per_page = read.limit;
  if (read.before) query.before = *read.before;
  if (read.after) query.after = *read.after;
  auto list = co_await api_.get_channel_posts(channel, query);
  if (!list) co_return tool_error(fmt::format("Mattermost read failed: {}", list.error().error.message));
  boost::json::array messages;
  for (const auto& post : list->posts) {
    if (post.delete_at != 0) continue;
    messages.push_back(boost::json::object{{"id", post.id},
                                           {"userId", post.user_id},
                                           {"message", post.message},
                                           {"rootId", post.root_id},
                                           {"timestampMs", post.create_at}});
  }
  const bool has_more = read.after ? !list->next_post_id.empty() : !list->prev_post_id.empty();
  co_return boost::json::serialize(boost::json::object{
      {"ok", true}, {"channelId", channel}, {"messages", std::move(messages)}, {"hasMore", has_more}});
}

}  // namespace mmclaw::app
