#include "agent/backends/echo.hpp"

#include <gtest/gtest.h>

namespace mmclaw::agent {

TEST(EchoBackend, AnswersTheTextWithThePrefix) {
  EXPECT_EQ(echo_answer("hello there"), "echo: hello there");
}

TEST(EchoBackend, TrimsSurroundingBlanks) {
  EXPECT_EQ(echo_answer("  hi \n"), "echo: hi");
}

TEST(EchoBackend, SaysSoWhenThereIsNoText) {
  EXPECT_EQ(echo_answer(" \n"), "echo: (no text)");
}

}  // namespace mmclaw::agent
