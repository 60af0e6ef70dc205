#pragma once
// The GoogleTest fixture of the gateway's end-to-end tests: a fresh mmsim per test, the gateway
// started from GatewayOptions, and its log shown when a test fails (or always with
// MMCLAW_E2E_SHOW_LOG=1).

#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "gateway_support.hpp"

namespace mmclaw::e2e {

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override { sim_ = std::make_unique<Mmsim>(); }
  void TearDown() override {
    if ((HasFailure() || std::getenv("MMCLAW_E2E_SHOW_LOG") != nullptr) && gateway_)
      std::cerr << "--- the gateway's log ---\n" << gateway_->log_tail(12000) << "\n";
    gateway_.reset();  // stops the gateway before mmsim goes
    sim_.reset();
  }

  // Starts the gateway and waits until it is connected and its start-up catch-up is done.
  Gateway& start(GatewayOptions options) {
    gateway_ = std::make_unique<Gateway>(*sim_, std::move(options));
    gateway_->start();
    gateway_->wait_ready();
    gateway_->wait_log("catch-up (startup)");
    return *gateway_;
  }

  void signal(int sig) const { ASSERT_EQ(::kill(gateway_->pid(), sig), 0); }

  std::unique_ptr<Mmsim> sim_;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace mmclaw::e2e
