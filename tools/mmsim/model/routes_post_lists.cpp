// PostList answers: GET /channels/{id}/posts and GET /posts/{id}/thread (§4.6).

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

constexpr std::size_t kSinceLimit = 1000;

struct PostList {
  std::vector<const Post*> order;  // newest first
  std::vector<const Post*> extra;  // thread context, not in order
  std::string next_post_id;
  std::string prev_post_id;
  bool has_next = false;
};

json::object post_list_json(const State& state, const PostList& list) {
  json::array order;
  json::object posts;
  for (const Post* post : list.order) {
    order.emplace_back(post->id);
    posts[post->id] = post_json(state, *post);
  }
  for (const Post* post : list.extra) {
    if (!posts.contains(post->id)) posts[post->id] = post_json(state, *post);
  }
  return json::object{{"order", std::move(order)},         {"posts", std::move(posts)},
                      {"next_post_id", list.next_post_id}, {"prev_post_id", list.prev_post_id},
                      {"has_next", list.has_next},         {"first_inaccessible_post_time", 0}};
}

// Posts of the channel oldest first (by create_at, id).
std::vector<const Post*> channel_posts_sorted(const State& state, const std::string& channel_id) {
  std::vector<const Post*> out;
  auto found = state.channel_posts.find(channel_id);
  if (found == state.channel_posts.end()) return out;
  for (const auto& id : found->second) out.push_back(state.post(id));
  return out;
}

// The roots of the replies in `list` (and, unless skip_threads, the rest of those threads).
void add_thread_context(const State& state, PostList& list, bool skip_threads, bool include_deleted) {
  std::vector<std::string> roots;
  for (const Post* post : list.order) {
    if (!post->root_id.empty() && std::find(roots.begin(), roots.end(), post->root_id) == roots.end()) {
      roots.push_back(post->root_id);
    }
  }
  for (const auto& root_id : roots) {
    const Post* root = state.post(root_id);
    if (root != nullptr && (include_deleted || root->delete_at == 0)) list.extra.push_back(root);
    if (skip_threads) continue;
    auto replies = state.thread_replies.find(root_id);
    if (replies == state.thread_replies.end()) continue;
    for (const auto& id : replies->second) {
      const Post* reply = state.post(id);
      if (reply != nullptr && (include_deleted || reply->delete_at == 0)) list.extra.push_back(reply);
    }
  }
}

// GetPostIdAfterTime / GetPostIdBeforeTime: the closest visible post strictly after/before.
std::string post_id_after(const std::vector<const Post*>& posts, std::int64_t time) {
  for (const Post* post : posts) {
    if (post->delete_at == 0 && post->create_at > time) return post->id;
  }
  return {};
}

std::string post_id_before(const std::vector<const Post*>& posts, std::int64_t time) {
  for (auto it = posts.rbegin(); it != posts.rend(); ++it) {
    if ((*it)->delete_at == 0 && (*it)->create_at < time) return (*it)->id;
  }
  return {};
}

}  // namespace

Outcome get_channel_posts(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  const std::string after = ctx.query("after");
  if (!after.empty() && !is_valid_id(after)) return std::unexpected(err_invalid_body_param("after"));
  const std::string before = ctx.query("before");
  if (!before.empty() && !is_valid_id(before)) return std::unexpected(err_invalid_body_param("before"));
  std::int64_t since = 0;
  if (const std::string text = ctx.query("since"); !text.empty()) {
    auto parsed = parse_go_int(text);
    if (!parsed) return std::unexpected(err_invalid_body_param("since"));
    since = *parsed;
  }
  const bool skip_threads = parse_go_bool(ctx.query("skipFetchThreads")).value_or(false);
  const bool include_deleted = parse_go_bool(ctx.query("include_deleted")).value_or(false);
  if (include_deleted && !ctx.is_admin()) return std::unexpected(err_permissions());
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr) return std::unexpected(err_channel_missing());
  if (!ctx.st.can_read_channel(*ctx.me, *channel)) return std::unexpected(err_permissions());

  const Paging page = paging(ctx);
  const std::vector<const Post*> all = channel_posts_sorted(ctx.st, channel->id);
  PostList list;
  if (since > 0) {
    // New, edited and deleted posts (update_at > since), at most 1000: the least recently
    // updated first, so a client advancing its cursor to the max update_at makes progress.
    std::vector<const Post*> changed;
    for (const Post* post : all) {
      if (post->update_at > since) changed.push_back(post);
    }
    std::stable_sort(changed.begin(), changed.end(),
                     [](const Post* a, const Post* b) { return a->update_at < b->update_at; });
    if (changed.size() > kSinceLimit) changed.resize(kSinceLimit);
    std::sort(changed.begin(), changed.end(), [](const Post* a, const Post* b) {
      return std::pair(a->create_at, a->id) > std::pair(b->create_at, b->id);
    });
    list.order = std::move(changed);
    for (const Post* post : list.order) {
      const Post* root = post->root_id.empty() ? nullptr : ctx.st.post(post->root_id);
      if (root != nullptr) list.extra.push_back(root);
    }
    return json_reply(200, post_list_json(ctx.st, list));
  }

  std::vector<const Post*> visible;
  for (const Post* post : all) {
    if (include_deleted || post->delete_at == 0) visible.push_back(post);
  }
  const std::int64_t offset = page.page * page.per_page;
  const auto take = [&](auto begin, auto end) {
    std::int64_t index = 0;
    for (auto it = begin; it != end; ++it) {
      if (index++ < offset) continue;
      if (static_cast<std::int64_t>(list.order.size()) >= page.per_page) break;
      list.order.push_back(*it);
    }
  };
  if (!after.empty() || !before.empty()) {
    const bool is_after = !after.empty();
    const Post* anchor = ctx.st.post(is_after ? after : before);
    if (anchor != nullptr && anchor->channel_id == channel->id) {
      std::vector<const Post*> range;
      for (const Post* post : visible) {
        if (is_after ? post->create_at > anchor->create_at : post->create_at < anchor->create_at) {
          range.push_back(post);
        }
      }
      if (is_after) {
        take(range.begin(), range.end());
        std::reverse(list.order.begin(), list.order.end());
      } else {
        take(range.rbegin(), range.rend());
      }
    }
  } else {
    take(visible.rbegin(), visible.rend());
  }
  add_thread_context(ctx.st, list, skip_threads, include_deleted);

  // AddCursorIdsForPostList.
  bool next_set = false;
  bool prev_set = false;
  if (!after.empty()) {
    if (page.page == 0) {
      list.prev_post_id = after;
      prev_set = true;
    }
    next_set = static_cast<std::int64_t>(list.order.size()) < page.per_page;
  } else if (!before.empty()) {
    if (page.page == 0) {
      list.next_post_id = before;
      next_set = true;
    }
    prev_set = static_cast<std::int64_t>(list.order.size()) < page.per_page;
  }
  if (!next_set && !list.order.empty()) list.next_post_id = post_id_after(all, list.order.front()->create_at);
  if (!prev_set && !list.order.empty()) list.prev_post_id = post_id_before(all, list.order.back()->create_at);
  return json_reply(200, post_list_json(ctx.st, list));
}

Outcome get_post_thread(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  std::int64_t per_page = 0;
  if (const std::string text = ctx.query("perPage"); !text.empty()) {
    auto parsed = parse_go_int(text);
    if (!parsed || *parsed > 200) return std::unexpected(err_invalid_body_param("perPage"));
    per_page = *parsed;
  }
  std::int64_t from_create_at = 0;
  if (const std::string text = ctx.query("fromCreateAt"); !text.empty()) {
    auto parsed = parse_go_int(text);
    if (!parsed) return std::unexpected(err_invalid_body_param("fromCreateAt"));
    from_create_at = *parsed;
  }
  const std::string from_post = ctx.query("fromPost");
  if (!from_post.empty() && from_create_at == 0) {
    return std::unexpected(err_invalid_body_param("if fromPost is set, then fromCreateAt must also be set"));
  }
  const std::string direction = ctx.query("direction");
  if (!direction.empty() && direction != "up" && direction != "down") {
    return std::unexpected(err_invalid_body_param("direction"));
  }
  const bool skip_threads = ctx.query("skipFetchThreads") == "true";

  const Post* post = ctx.st.post(*post_id);
  if (post == nullptr || post->delete_at != 0) return std::unexpected(err_post_get());
  const Channel* channel = ctx.st.channel(post->channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());

  PostList list;
  list.order.push_back(post);
  if (!skip_threads) {
    const std::string root_id = post->root_id.empty() ? post->id : post->root_id;
    std::vector<const Post*> thread;
    if (const Post* root = ctx.st.post(root_id); root != nullptr && root->delete_at == 0)
      thread.push_back(root);
    if (auto replies = ctx.st.thread_replies.find(root_id); replies != ctx.st.thread_replies.end()) {
      for (const auto& id : replies->second) {
        const Post* reply = ctx.st.post(id);
        if (reply != nullptr && reply->delete_at == 0) thread.push_back(reply);
      }
    }
    if (from_create_at != 0) {
      const bool down = direction == "down";
      std::erase_if(thread, [&](const Post* p) {
        if (down)
          return !(p->create_at > from_create_at ||
                   (!from_post.empty() && p->create_at == from_create_at && p->id > from_post));
        return !(p->create_at < from_create_at ||
                 (!from_post.empty() && p->create_at == from_create_at && p->id < from_post));
      });
    }
    const auto ascending = [](const Post* a, const Post* b) {
      return std::pair(a->create_at, a->id) < std::pair(b->create_at, b->id);
    };
    std::sort(thread.begin(), thread.end(), ascending);
    if (direction == "up") std::reverse(thread.begin(), thread.end());
    if (per_page != 0) {
      const std::size_t limit = per_page > 0 ? static_cast<std::size_t>(per_page) : 0;
      if (thread.size() > limit) {
        list.has_next = thread.size() >= limit + 1;
        thread.resize(limit);
      }
    }
    for (const Post* item : thread) {
      if (item->id != post->id) list.order.push_back(item);
    }
  }
  return json_reply(200, post_list_json(ctx.st, list));
}

}  // namespace mmsim
