#pragma once
// Building the WebSocket events the model emits (protocol reference §2).

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "mmsim/event.hpp"
#include "mmsim/model/state.hpp"

namespace mmsim {

Event channel_event(std::string name, std::string_view channel_id, boost::json::object data);
Event user_event(std::string name, std::string_view user_id, boost::json::object data);

// `posted` with the post double-encoded and the channel fields of §2.2; `mentioned` fills
// Event::mentioned_user_ids.
Event posted_event(const State& state, const Post& post, bool set_online, std::vector<std::string> mentioned);
// `post_edited` with the full post double-encoded.
Event post_edited_event(const State& state, const Post& post);

}  // namespace mmsim
