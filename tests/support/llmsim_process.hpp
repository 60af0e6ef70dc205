#pragma once
// llmsim, the model simulator, as a child process for tests and benchmarks: started with
// `--port 0 --exit-with-parent`, ready once it printed `llmsim listening on http://127.0.0.1:<port>`
// (a bounded wait), stopped by the destructor. Helpers for its control API (/_control/...).
//
// Header-only: the target that includes it defines LLMSIM_BINARY and links mmclaw_test_client.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "support/http_test_client.hpp"
#include "util/child_process.hpp"

#ifndef LLMSIM_BINARY
#error "support/llmsim_process.hpp needs LLMSIM_BINARY (the path of the llmsim executable)"
#endif

namespace mmclaw::test {

class LlmsimProcess {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout = std::chrono::seconds(20);
  static constexpr std::chrono::milliseconds kCallTimeout = std::chrono::seconds(5);

  LlmsimProcess() {
    util::ChildOptions options;
    options.argv = {LLMSIM_BINARY, "--port", "0", "--log-level", "warn", "--exit-with-parent"};
    auto child = util::ChildProcess::spawn(options);
    if (!child) throw std::runtime_error("cannot start llmsim: " + child.error().message);
    child_.emplace(std::move(*child));
    auto line = child_->wait_for_line(util::Stream::out, "llmsim listening on http://127.0.0.1:", kStartTimeout);
    if (!line)
      throw std::runtime_error("llmsim did not start: " + line.error().message + "\n" +
                               child_->output(util::Stream::err));
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  ~LlmsimProcess() {
    if (child_) (void)child_->terminate(std::chrono::seconds(5));
  }
  LlmsimProcess(const LlmsimProcess&) = delete;
  LlmsimProcess& operator=(const LlmsimProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // The base URL a provider uses: requests go to `<base>/chat/completions` or `<base>/messages`.
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  // A control call that must answer 200; its body. GET when `body` is null, else POST.
  boost::json::value control(std::string_view path, const boost::json::value& body = nullptr) const {
    HttpTestClient client(port_, "127.0.0.1", kCallTimeout);
    auto reply = body.is_null() ? client.request("GET", path)
                                : client.request("POST", path, {{"Content-Type", "application/json"}},
                                                 boost::json::serialize(body));
    if (!reply) throw std::runtime_error("llmsim " + std::string(path) + " failed: " + reply.error().message);
    if (reply->status != 200)
      throw std::runtime_error("llmsim " + std::string(path) + " answered " + std::to_string(reply->status) +
                               ": " + reply->body);
    return boost::json::parse(reply->body);
  }

  // The model requests received (chat completions and messages), oldest first.
  [[nodiscard]] boost::json::array model_requests() const {
    boost::json::array out;
    const auto all = control("/_control/requests");  // kept: the loop reads inside it
    for (const auto& r : all.at("requests").as_array()) {
      const auto& path = r.at("path").as_string();
      if (path == "/v1/chat/completions" || path == "/v1/messages") out.push_back(r);
    }
    return out;
  }

 private:
  std::optional<util::ChildProcess> child_;
  std::uint16_t port_ = 0;
};

}  // namespace mmclaw::test
