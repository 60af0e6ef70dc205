// Pairing: the code a DM from a sender not yet approved gets, and the DM an approved user gets.

#include "app/account_runtime_impl.hpp"

namespace mmclaw::app {

using namespace detail;

asio::awaitable<void> AccountRuntime::Impl::challenge(mattermost::Post post, std::string username) {
  auto requested = store_.request_pairing(account_.id, post.user_id, username, gateway::random_pairing_code,
                                          now_ms(), gateway::kPairingTtlMs);
  if (!requested) {
    count_drop("pairing_failed");
    log(log::Level::error, "cannot record a pairing request for user {}: {}", post.user_id,
        requested.error().message);
    co_return;
  }
  if (requested->outcome == store::PairingOutcome::pending) {
    count_drop("pairing_pending");
    log(log::Level::debug, "post {} not answered (pairing_pending)", post.id);
    co_return;
  }
  if (requested->outcome == store::PairingOutcome::limit_reached) {
    count_drop("pairing_limit");
    log(log::Level::warn,
        "post {} from user {} not answered (pairing_limit): {} requests are pending already", post.id,
        post.user_id, store::kMaxPendingPairings);
    co_return;
  }
  const auto& request = *requested->request;
  count_drop("pairing_requested");
  ++status_.counters.pairing_requests;
  mattermost::CreatePost reply;
  reply.channel_id = post.channel_id;
  reply.message = gateway::pairing_reply_text(post.user_id, request.code);
  auto created = co_await api_.create_post(std::move(reply));
  if (!created && !created.error().receipt_lost) {
    // The user never saw the code: withdraw the request so their next message asks again.
    log(log::Level::error, "cannot send the pairing code to user {}: {}", post.user_id,
        created.error().error.message);
    (void)store_.deny_pairing(request.code, account_.id, now_ms());
    co_return;
  }
  // The code itself stays out of the log: it is the user's to pass on; `mmclaw pairing list` shows it
  // to whoever can open the store.
  log(log::Level::info, "pairing requested by user {} (@{}); see `mmclaw pairing list`", post.user_id,
      username.empty() ? "?" : username);
}

asio::awaitable<void> AccountRuntime::Impl::notify_approvals() {
  while (!stopping_) {
    auto notices = store_.pending_approval_notices(account_.id);
    if (!notices) log(log::Level::warn, "cannot read pairing approvals: {}", notices.error().message);
    for (const auto& notice : notices ? *notices : std::vector<store::PairingApproval>{}) {
      if (stopping_) break;
      auto dm = co_await api_.create_direct_channel(bot_.id, notice.user_id);
      if (!dm) {
        log(log::Level::warn, "cannot open a DM with approved user {}: {}", notice.user_id,
            dm.error().error.message);
        continue;
      }
      mattermost::CreatePost post;
      post.channel_id = dm->id;
      post.message = gateway::pairing_approved_text();
      auto created = co_await api_.create_post(std::move(post));
      if (!created && !created.error().receipt_lost) {
        log(log::Level::warn, "cannot tell user {} about their approval: {}", notice.user_id,
            created.error().error.message);
        continue;
      }
      (void)store_.mark_approval_notified(account_.id, notice.user_id, now_ms());
      log(log::Level::info, "user {} was told that their pairing was approved", notice.user_id);
    }
    co_await sleep(approval_timer_, kApprovalCheck);
  }
}

}  // namespace mmclaw::app
