#include "gateway/inbound.hpp"

#include "agent/control_commands.hpp"
#include "gateway/access.hpp"
#include "gateway/gating.hpp"
#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace {

InboundDecision dropped(std::string_view reason) {
  InboundDecision decision;
  decision.verdict = Verdict::drop;
  decision.reason = std::string(reason);
  return decision;
}

}  // namespace

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::answer: return "answer";
    case Verdict::pair: return "pair";
    case Verdict::drop: return "drop";
  }
  return "unknown";
}

bool is_control_command(std::string_view text) {
  return agent::parse_control_command(text).has_value();
}

InboundDecision decide_inbound(const InboundFacts& facts, const InboundContext& context) {
  const auto& post = *facts.post;
  const auto& account = *context.account;

  // 1. The filters of §4.2 (the channel type is part of them, §4.3).
  const std::optional<mattermost::ChannelType> type =
      facts.channel ? std::optional(facts.channel->type) : std::nullopt;
  if (auto drop = screen_post(InboundPost{&post, type}, context.bot)) return dropped(to_string(*drop));
  const ChannelFacts& channel = *facts.channel;

  // 2. Access control (§4.5). Commands are read from the mention-stripped text.
  const std::string command_text = strip_bot_mention(post.message, context.bot.username);
  AccessInput access_in;
  access_in.sender_id = facts.sender.id.empty() ? post.user_id : facts.sender.id;
  access_in.sender_username = facts.sender.username;
  access_in.sender_is_bot = facts.sender.is_bot;
  access_in.from_bot_prop = props_from_bot(post.props);
  access_in.channel_type = channel.type;
  access_in.channel_id = channel.id;
  access_in.channel_name = channel.name;
  access_in.is_control_command = is_control_command(command_text);
  AccessContext access_ctx;
  access_ctx.account = &account;
  access_ctx.approved_senders = context.approved_senders;
  access_ctx.use_access_groups = context.use_access_groups;
  const AccessDecision access = decide_access(access_in, access_ctx);

  const RouteParams params = route_params(account, context.dm_scope);
  if (access.outcome == AccessOutcome::pair) {
    InboundDecision decision;
    decision.verdict = Verdict::pair;
    return decision;
  }
  if (access.outcome == AccessOutcome::drop) {
    auto decision = dropped(to_string(access.reason.value_or(AccessReason::not_allowlisted)));
    if (access.record_as_context) {
      decision.keep_as_history = true;
      decision.route = route_post(params, post, channel.type, access_in.sender_id);
    }
    return decision;
  }

  // 3. Mention gating and the body (§4.6, §4.7).
  GatingInput gating_in;
  gating_in.channel_type = channel.type;
  gating_in.channel_id = channel.id;
  gating_in.message = post.message;
  gating_in.has_attachments = facts.has_files || !post.file_ids.empty();
  const bool in_thread = !post.root_id.empty();
  gating_in.bot_replied_in_thread = in_thread && facts.bot_replied_in_thread;
  gating_in.thread_root_by_bot = in_thread && facts.thread_root_by_bot;
  gating_in.authorised_command = access_in.is_control_command && access.command_authorized;
  const GatingDecision gating = gate_post(gating_in, account, context.bot.username);
  if (!gating.answer) {
    auto decision = dropped(to_string(gating.drop.value_or(GatingDrop::no_mention)));
    if (gating.drop == GatingDrop::no_mention) {
      decision.mention_hint = true;
      decision.keep_as_history = true;
      decision.route = route_post(params, post, channel.type, access_in.sender_id);
    }
    return decision;
  }

  // 4. Routing (§4.4, §5.5).
  InboundDecision decision;
  decision.verdict = Verdict::answer;
  decision.route = route_post(params, post, channel.type, access_in.sender_id);
  decision.body = gating.body;
  decision.was_mentioned = gating.was_mentioned;
  decision.command_authorized = access.command_authorized;
  decision.is_control_command = access_in.is_control_command;
  return decision;
}

}  // namespace mmclaw::gateway
