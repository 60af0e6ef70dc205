#pragma once
// One post on its way to a turn: what the inbound decisions said about it, kept from the moment it
// was accepted until its answer is recorded. A job carries the route and body computed with the
// snapshot that was current when the post arrived, so a reload never changes where its answer goes
// (channel-behaviour §13).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/envelope.hpp"
#include "gateway/inbound.hpp"
#include "gateway/routing.hpp"
#include "mattermost/types.hpp"
#include "store/store.hpp"

namespace mmclaw::app {

struct TurnJob {
  std::string account_id;
  std::string post_id;
  std::string channel_id;
  std::optional<mattermost::Post> post;  // absent after a restart: fetched again by id, then decided again
  bool may_have_answer = false;          // dispatched before: look for a tagged reply first
  // Set once decided (always, except for a post recovered after a restart before it is fetched).
  std::optional<gateway::Route> route;
  std::string body;                  // the normalised body (§4.7); merged text after a debounce
  std::vector<std::string> merged;   // the earlier post ids a debounce merged into this one
  bool was_mentioned = false;
  bool has_files = false;  // the post has files (its event said so, even without file ids)
  bool command_authorized = false;
  std::string sender_name;
  gateway::ChannelFacts channel;      // name, display name and team, for the envelope
  // What the session's transcript records once the answer is delivered (with the transcript
  // generation it was read at).
  std::string first_reply_id;  // the answer's first post, once delivered
  std::size_t final_text_chars = 0;  // the last final's length, for the no-visible-reply log line
  std::vector<store::TranscriptEntry> transcript;
  std::int64_t transcript_generation = 0;
};

}  // namespace mmclaw::app
