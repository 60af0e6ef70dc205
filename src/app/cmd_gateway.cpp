#include "app/cmd_gateway.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

#include "app/account_runtime.hpp"
#include "app/cli_account.hpp"
#include "app/gateway_http.hpp"
#include "app/cmd_config.hpp"
#include "app/config_reload.hpp"
#include "app/turn_lanes.hpp"
#include "config/diff.hpp"
#include "gateway/slash_commands.hpp"
#include "gateway/slash_guards.hpp"
#include "mattermost/buttons.hpp"
#include "mattermost/api.hpp"
#include "net/http_client.hpp"
#include "net/proxy.hpp"
#include "store/sqlite_store.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kComponent = "gateway";
constexpr std::int64_t kKeepFinishedPostsMs = 7LL * 24 * 3600 * 1000;

constexpr std::string_view kNoProviderHelp =
    R"(mmclaw: no model provider is configured, so the gateway has nothing to answer with.
Add one to the config, for example a local Ollama:

  models: {
    providers: {
      ollama: {
        baseUrl: "http://127.0.0.1:11434/v1",
        api: "openai-completions",
        models: [{ id: "llama3.1:8b" }],
      },
    },
  },
  agents: { defaults: { model: "ollama/llama3.1:8b" } },

or the diagnostic echo backend: models.providers.echo = { api: "echo", models: [{ id: "echo" }] }.
)";

// The backend of the primary model, for the start-up line; a primary that names no configured
// provider is refused.
Result<std::string> choose_backend(const config::Snapshot& snap) {
  if (snap.providers.empty()) return fail(Error::invalid_input(std::string(kNoProviderHelp)));
  std::string provider_id;
  if (snap.agent.primary_model) {
    const auto& primary = *snap.agent.primary_model;
    provider_id = primary.substr(0, primary.find('/'));
  } else if (snap.providers.size() == 1) {
    provider_id = snap.providers.begin()->first;
  } else {
    return fail(Error::invalid_input(
        "mmclaw: agents.defaults.model.primary is not set and there are several providers: name one as "
        "\"provider/model\""));
  }
  const auto it = snap.providers.find(provider_id);
  if (it == snap.providers.end())
    return fail(Error::invalid_input(fmt::format(
        "mmclaw: agents.defaults.model.primary names provider \"{}\", which is not in models.providers",
        provider_id)));
  switch (it->second.api) {
    case config::ModelApi::openai_completions: return std::string("openai-completions");
    case config::ModelApi::anthropic_messages: return std::string("anthropic-messages");
    case config::ModelApi::echo: return std::string("echo");
    case config::ModelApi::command: return std::string("command");
  }
  return std::string("unknown");
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

std::unique_ptr<asio::ssl::context> make_tls_context() {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls->set_default_verify_paths();
  tls->set_verify_mode(asio::ssl::verify_peer);
  return tls;
}

// The running gateway: its accounts, the lanes they share, and reloads (channel-behaviour §13).
// Each account has at most one runtime with an open connection: on a restart the old runtime's
// connection closes before the new one opens; the old one's answers in flight finish on their own.
class Gateway {
 public:
  Gateway(asio::io_context& io, store::Store& store, GlobalOptions global, net::ProxySettings proxy,
          std::shared_ptr<const config::Snapshot> snapshot)
      : io_(io),
        store_(store),
        global_(std::move(global)),
        proxy_(std::move(proxy)),
        snapshot_(std::move(snapshot)),
        lanes_(snapshot_->agent.max_concurrent_turns, snapshot_->messages.queue.cap) {
    net::HttpClientOptions options;
    options.proxy = proxy_;
    options.user_agent = fmt::format("mmclaw/{}", MMCLAW_VERSION);
    model_http_ = std::make_unique<net::HttpClient>(io_, std::move(options));
  }

  ~Gateway() {
    // Runtimes first: their sockets and timers need the io_context, and their turns the lanes.
    accounts_.clear();
  }

  // Starts every enabled account; false when one cannot be built.
  bool start() {
    for (const auto& account : snapshot_->accounts)
      if (account.enabled && !start_account(account.id, /*recover=*/true)) return false;
    return true;
  }

  // Stops everything; the io_context stops when the last runtime ended.
  void stop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, slot] : accounts_)
      if (slot.current) slot.current->runtime->stop();
    maybe_finish();
  }

  std::size_t account_count() const { return accounts_.size(); }

  // The enabled accounts' status, in the config's order, for /readyz and /metrics; an account
  // between two runtimes (a reload restarting it) reports as connecting.
  GatewayReport report(std::int64_t started_at_ms) const {
    GatewayReport out;
    out.started_at_ms = started_at_ms;
    out.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    out.queued_jobs = lanes_.queued_jobs();
    for (const auto& account : snapshot_->accounts) {
      if (!account.enabled) continue;
      const auto it = accounts_.find(account.id);
      if (it != accounts_.end() && it->second.current) {
        out.accounts.push_back(it->second.current->runtime->status());
      } else {
        AccountStatus waiting;
        waiting.account_id = account.id;
        waiting.transport = account.transport;
        waiting.monitor.state = mattermost::MonitorState::connecting;
        out.accounts.push_back(std::move(waiting));
      }
    }
    return out;
  }
  const config::Snapshot& snapshot() const { return *snapshot_; }

  // Reads the config again. An invalid file changes nothing: the gateway keeps serving with the
  // config it has, and every error is logged.
  void reload(std::string_view why) {
    if (stopping_) return;
    log::info(kComponent, "config reload ({}): reading {}", why, snapshot_->source_path.string());
    const auto loaded = load_command_config(global_, /*resolve_secrets=*/true);
    const auto refuse = [&](std::string_view reason) {
      log::error(kComponent, "config reload failed: {}; still running on the previous config", reason);
    };
    if (loaded.file_error) return refuse(*loaded.file_error);
    if (!loaded.ok()) {
      std::ostringstream issues;
      print_config_issues(loaded, issues, /*include_notes=*/false);
      std::string line;
      std::istringstream lines(issues.str());
      while (std::getline(lines, line))
        if (!line.empty()) log::error(kComponent, "{}", line);
      return refuse(fmt::format("{} is not valid", loaded.path.string()));
    }
    if (auto backend = choose_backend(*loaded.snapshot); !backend) return refuse(backend.error().message);

    const auto next = loaded.snapshot;
    const auto plan = config::plan_reload(*snapshot_, *next);
    if (plan.empty()) {
      log::info(kComponent, "config reload: nothing changed");
      snapshot_ = next;
      return;
    }
    log::info(kComponent, "config reload: restarting {}; starting {}; stopping {}; applied to new posts: {}",
              join(plan.restart), join(plan.start), join(plan.stop), join(plan.live));
    for (const auto& key : plan.needs_process_restart)
      log::warn(kComponent, "config reload: {} changed; it takes effect when mmclaw is restarted", key);
    snapshot_ = next;
    lanes_.set_limits(next->agent.max_concurrent_turns, next->messages.queue.cap);
    if (on_reloaded) on_reloaded(*next);
    for (const auto& id : plan.stop) retire(id, /*handover=*/false);
    for (const auto& id : plan.restart) retire(id, /*handover=*/true);
    for (const auto& id : plan.start) start_account(id, /*recover=*/true);
    // Accounts that keep running read the new per-post settings.
    for (auto& [id, slot] : accounts_)
      if (slot.current && slot.current->snapshot != next) slot.current->runtime->update_snapshot(next);
  }

  std::function<void(const config::Snapshot&)> on_reloaded;

  // §9.3: every callbackPath and the path of every callbackUrl the config names.
  bool is_slash_path(std::string_view path) const {
    for (const auto& account : snapshot_->accounts) {
      if (account.commands.callback_path == path) return true;
      if (account.commands.callback_url) {
        auto url = boost::urls::parse_uri(util::trim(*account.commands.callback_url));
        if (url && url->path() == path) return true;
      }
    }
    return false;
  }

  // §9.3: the in-flight limiter, then the accounts whose slash commands are active.
  asio::awaitable<CallbackReply> slash(CallbackRequest request) {
    std::vector<std::shared_ptr<Running>> active;
    for (const auto& [id, slot] : accounts_)
      if (slot.current && slot.current->runtime->slash_active()) active.push_back(slot.current);
    const std::string bucket = gateway::inflight_bucket(request.authorization, [&](std::string_view token) {
      bool known = false;
      for (const auto& running : active)
        for (const auto& command : running->runtime->slash_commands())
          known = mattermost::tokens_equal(command.token, token) || known;
      return known;
    });
    if (!slash_limiter_.try_acquire(bucket)) co_return text_reply(429, "Too Many Requests");
    struct Release {
      gateway::InflightLimiter& limiter;
      std::string bucket;
      ~Release() { limiter.release(bucket); }
    } release{slash_limiter_, bucket};
    if (active.empty()) co_return ephemeral_reply(503, gateway::kSlashNotReady);
    if (active.size() == 1) co_return co_await active.front()->runtime->handle_slash(std::move(request));
    const auto payload = gateway::parse_slash_payload(request.content_type, request.body);
    if (!payload) co_return ephemeral_reply(400, gateway::kSlashInvalidPayload);
    std::vector<std::span<const mattermost::SlashCommand>> lists;
    for (const auto& running : active) lists.emplace_back(running->runtime->slash_commands());
    const auto routed = gateway::route_slash_payload(lists, *payload);
    if (!routed.account) co_return ephemeral_reply(static_cast<unsigned>(routed.status), routed.text);
    co_return co_await active[*routed.account]->runtime->handle_slash(std::move(request));
  }

  // §8.3: the clicks of one account.
  asio::awaitable<CallbackReply> interaction(std::string account_id, CallbackRequest request) {
    const auto* account = snapshot_->find_account(account_id);
    if (account == nullptr || !account->enabled) co_return error_reply(404, "Not Found");
    const auto it = accounts_.find(account->id);
    if (it == accounts_.end() || !it->second.current) co_return error_reply(503, "Service Unavailable");
    const auto running = it->second.current;  // kept alive until the click is answered
    co_return co_await running->runtime->handle_interaction(std::move(request));
  }

 private:
  struct Running {
    std::shared_ptr<const config::Snapshot> snapshot;  // the one it started with
    std::unique_ptr<net::HttpClient> http;
    std::unique_ptr<AccountRuntime> runtime;
  };
  struct Slot {
    std::shared_ptr<Running> current;                // null while a restart waits for the old connection
    std::vector<std::shared_ptr<Running>> retiring;  // stopped; answers in flight finishing
    bool restart_pending = false;
  };

  bool start_account(const std::string& id, bool recover) {
    const config::AccountConfig* account = snapshot_->find_account(id);
    if (account == nullptr || !account->enabled) return true;
    auto running = std::make_shared<Running>();
    running->snapshot = snapshot_;
    try {
      if (util::starts_with_icase(account->base_url, "https:") && !tls_) tls_ = make_tls_context();
      running->http = std::make_unique<net::HttpClient>(io_, mattermost_http_options(proxy_, *account));
      running->runtime = std::make_unique<AccountRuntime>(io_, store_, *running->http, *model_http_, tls_.get(),
                                                          lanes_, snapshot_, *account, recover);
    } catch (const std::exception& e) {
      log::error(kComponent, "account {} cannot start: {}", id, e.what());
      return false;
    }
    auto& slot = accounts_[id];
    slot.current = running;
    asio::co_spawn(io_, running->runtime->run(), [this, id, running](std::exception_ptr error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log::error(kComponent, "account {} stopped on an unexpected error: {}", id, e.what());
        }
      }
      // Destroyed outside its own completion.
      asio::post(io_, [this, id, running] { ended(id, running); });
    });
    return true;
  }

  // Stops the account's runtime; with `handover` a new one starts once the old connection closed.
  void retire(const std::string& id, bool handover) {
    auto it = accounts_.find(id);
    if (it == accounts_.end()) {
      if (handover) start_account(id, /*recover=*/true);
      return;
    }
    auto& slot = it->second;
    if (!slot.current) {  // already restarting: the pending start reads the newest snapshot
      slot.restart_pending = handover;
      return;
    }
    auto old = std::move(slot.current);
    slot.retiring.push_back(old);
    slot.restart_pending = handover;
    old->runtime->on_disconnected([this, id] {
      asio::post(io_, [this, id] {
        auto found = accounts_.find(id);
        if (found == accounts_.end() || stopping_ || !found->second.restart_pending || found->second.current)
          return;
        found->second.restart_pending = false;
        start_account(id, /*recover=*/false);
      });
    });
    if (handover)
      old->runtime->stop_for_reload();
    else
      old->runtime->stop();
  }

  void ended(const std::string& id, const std::shared_ptr<Running>& running) {
    auto it = accounts_.find(id);
    if (it != accounts_.end()) {
      auto& slot = it->second;
      if (slot.current == running) slot.current.reset();
      std::erase(slot.retiring, running);
      if (!slot.current && slot.retiring.empty() && !slot.restart_pending) accounts_.erase(it);
    }
    maybe_finish();
  }

  void maybe_finish() {
    if (!stopping_) return;
    for (const auto& [id, slot] : accounts_)
      if (slot.current || !slot.retiring.empty()) return;
    if (on_finished) on_finished();
  }

 public:
  std::function<void()> on_finished;

 private:
  asio::io_context& io_;
  store::Store& store_;
  GlobalOptions global_;
  net::ProxySettings proxy_;
  std::shared_ptr<const config::Snapshot> snapshot_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<net::HttpClient> model_http_;  // shared by every account's turns
  TurnLanes lanes_;
  std::map<std::string, Slot> accounts_;
  gateway::InflightLimiter slash_limiter_;
  bool stopping_ = false;
};

}  // namespace

int run_gateway(const GlobalOptions& global) {
  const auto loaded = load_command_config(global, /*resolve_secrets=*/true);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    return kExitUsage;
  }
  print_config_issues(loaded, std::cerr, /*include_notes=*/false);
  if (!loaded.ok()) {
    std::cerr << fmt::format("mmclaw: {} is not valid; the gateway does not start\n", loaded.path.string());
    return kExitUsage;
  }
  const auto snapshot = loaded.snapshot;
  auto backend = choose_backend(*snapshot);
  if (!backend) {
    std::cerr << backend.error().message << (backend.error().message.ends_with('\n') ? "" : "\n");
    return kExitUsage;
  }
  if (std::ranges::none_of(snapshot->accounts, [](const auto& a) { return a.enabled; })) {
    std::cerr << "mmclaw: no enabled Mattermost account in " << loaded.path.string() << '\n';
    return kExitUsage;
  }

  auto store = store::SqliteStore::open(snapshot->mmclaw.store_path);
  if (!store) {
    std::cerr << "mmclaw: cannot open the store: " << store.error().message << '\n';
    return kExitFailure;
  }
  // Housekeeping: finished ingress rows are kept well beyond catch-up's reach (a deleted row would
  // be admitted as new again), then dropped in small batches; thread participation counts for 7 days.
  {
    const std::int64_t keep_ms = std::max<std::int64_t>(
        kKeepFinishedPostsMs, std::int64_t{snapshot->mmclaw.catch_up_max_age_minutes} * 120'000);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (int batch = 0; batch < 100; ++batch) {
      auto pruned = (*store)->prune_ingress(now - keep_ms, 1000);
      if (!pruned || *pruned < 1000) break;
    }
    for (int batch = 0; batch < 100; ++batch) {
      auto pruned = (*store)->prune_thread_participation(now - kKeepFinishedPostsMs, 1000);
      if (!pruned || *pruned < 1000) break;
    }
  }
  auto proxy = net::proxy_settings_from_env(net::system_env_lookup());
  if (!proxy) {
    std::cerr << "mmclaw: " << proxy.error().message << '\n';
    return kExitUsage;
  }

  // Declared after the io_context, so destroyed before it: their sockets and timers need its
  // services. Coroutine frames still pending when it is destroyed touch nothing of theirs.
  asio::io_context io(1);
  Gateway gateway(io, **store, global, *proxy, snapshot);
  // The HTTP surface: declared after the gateway, so it closes first; its port is taken before
  // any account connects, so a port in use stops the start.
  const std::int64_t started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  GatewayHttp::Callbacks callbacks;
  callbacks.is_slash_path = [&gateway](std::string_view path) { return gateway.is_slash_path(path); };
  callbacks.slash = [&gateway](CallbackRequest request) { return gateway.slash(std::move(request)); };
  callbacks.interaction = [&gateway](std::string account, CallbackRequest request) {
    return gateway.interaction(std::move(account), std::move(request));
  };
  GatewayHttp http_surface(io, snapshot->gateway, [&gateway, started_at_ms] { return gateway.report(started_at_ms); },
                           std::move(callbacks));
  if (auto listening = http_surface.listen(); !listening) {
    std::cerr << "mmclaw: " << listening.error().message << '\n';
    return kExitFailure;
  }
  if (!gateway.start()) {
    std::cerr << "mmclaw: the gateway cannot start; see the log\n";
    return kExitUsage;
  }
  http_surface.start();
  log::info(kComponent, "mmclaw {} gateway starting: {} account{}, answering with the {} backend ({})",
            MMCLAW_VERSION, gateway.account_count(), gateway.account_count() == 1 ? "" : "s", *backend,
            snapshot->agent.primary_model.value_or(snapshot->providers.begin()->first));

  ConfigWatcher watcher(io, loaded.path, [&] { gateway.reload("file changed"); });
  const auto apply_reload_settings = [&](const config::Snapshot& snap) {
    watcher.set_enabled(snap.gateway.reload_mode != config::ReloadMode::off);
    watcher.set_debounce(std::chrono::milliseconds(snap.gateway.reload_debounce_ms));
    watcher.rebase();
  };
  apply_reload_settings(*snapshot);
  gateway.on_reloaded = apply_reload_settings;
  asio::co_spawn(io, watcher.run(), asio::detached);

  bool stopping = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::signal_set reload_signals(io, SIGHUP, SIGUSR1);
  gateway.on_finished = [&] {
    signals.cancel();
    reload_signals.cancel();
    watcher.stop();
    io.stop();
  };
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (stopping) {
          log::warn(kComponent, "second signal: stopping now");
          io.stop();
          return;
        }
        stopping = true;
        log::info(kComponent, "signal {}: stopping", signal);
        watcher.stop();
        gateway.stop();
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  std::function<void(const boost::system::error_code&, int)> on_reload_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec || stopping) return;
        gateway.reload(signal == SIGHUP ? "SIGHUP" : "SIGUSR1");
        reload_signals.async_wait(on_reload_signal);
      };
  reload_signals.async_wait(on_reload_signal);

  io.run();
  log::info(kComponent, "gateway stopped");
  return kExitOk;
}

}  // namespace mmclaw::app
