#include "app/cmd_gateway.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include "app/account_runtime.hpp"
#include "app/cmd_config.hpp"
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

// The backend that answers. Until the model backends land, only `echo` can; every other api is
// refused at start with a message that says so, instead of a gateway that never answers.
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
  if (it->second.api != config::ModelApi::echo) {
    const char* api = it->second.api == config::ModelApi::openai_completions   ? "openai-completions"
                      : it->second.api == config::ModelApi::anthropic_messages ? "anthropic-messages"
                                                                               : "command";
    return fail(Error::invalid_input(fmt::format(
        "mmclaw: models.providers.{}.api: \"{}\" is not available in this version of mmclaw yet; the gateway "
        "can answer with the diagnostic backend (api: \"echo\") for now",
        provider_id, api)));
  }
  return provider_id;
}

std::unique_ptr<asio::ssl::context> make_tls_context() {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls->set_default_verify_paths();
  tls->set_verify_mode(asio::ssl::verify_peer);
  return tls;
}

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
  std::vector<const config::AccountConfig*> accounts;
  for (const auto& account : snapshot->accounts)
    if (account.enabled) accounts.push_back(&account);
  if (accounts.empty()) {
    std::cerr << "mmclaw: no enabled Mattermost account in " << loaded.path.string() << '\n';
    return kExitUsage;
  }

  auto store = store::SqliteStore::open(snapshot->mmclaw.store_path);
  if (!store) {
    std::cerr << "mmclaw: cannot open the store: " << store.error().message << '\n';
    return kExitFailure;
  }
  // Housekeeping: finished ingress rows are kept well beyond catch-up's reach (a deleted row would
  // be admitted as new again), then dropped in small batches.
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
  }
  auto proxy = net::proxy_settings_from_env(net::system_env_lookup());
  if (!proxy) {
    std::cerr << "mmclaw: " << proxy.error().message << '\n';
    return kExitUsage;
  }

  // Declared after the io_context, so destroyed before it: their sockets and timers need its
  // services. Coroutine frames still pending when it is destroyed touch nothing of theirs.
  asio::io_context io(1);
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<std::unique_ptr<net::HttpClient>> http_clients;
  std::vector<std::unique_ptr<AccountRuntime>> runtimes;
  try {
    // The system CA store is only loaded when an account needs it (wss://).
    if (std::ranges::any_of(accounts,
                            [](const auto* a) { return util::starts_with_icase(a->base_url, "https:"); }))
      tls = make_tls_context();
    for (const auto* account : accounts) {
      net::HttpClientOptions options;
      options.proxy = *proxy;
      options.user_agent = fmt::format("mmclaw/{}", MMCLAW_VERSION);
      net::SsrfPolicy ssrf;
      ssrf.allow_private_network = account->dangerously_allow_private_network;
      http_clients.push_back(std::make_unique<net::HttpClient>(
          io, mattermost::http_options_with_ssrf_guard(std::move(options), ssrf)));
      runtimes.push_back(
          std::make_unique<AccountRuntime>(io, **store, *http_clients.back(), tls.get(), snapshot, *account));
    }
  } catch (const std::exception& e) {
    std::cerr << "mmclaw: the gateway cannot start: " << e.what() << '\n';
    return kExitUsage;
  }

  log::info(kComponent, "mmclaw {} gateway starting: {} account{}, answering with the {} backend ({})",
            MMCLAW_VERSION, runtimes.size(), runtimes.size() == 1 ? "" : "s", "echo", *backend);

  bool stopping = false;
  auto stop_all = [&] {
    for (auto& runtime : runtimes) runtime->stop();
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
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
        stop_all();
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  std::size_t running = runtimes.size();
  for (auto& runtime : runtimes) {
    asio::co_spawn(io, runtime->run(), [&](std::exception_ptr error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log::error(kComponent, "an account stopped on an unexpected error: {}", e.what());
        }
      }
      if (--running == 0) {
        signals.cancel();
        for (auto& http : http_clients) http->close_idle();
        io.stop();
      }
    });
  }
  io.run();
  log::info(kComponent, "gateway stopped");
  return kExitOk;
}

}  // namespace mmclaw::app
