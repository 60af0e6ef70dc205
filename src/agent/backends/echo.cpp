#include "agent/backends/echo.hpp"

#include "util/strings.hpp"

namespace mmclaw::agent {

std::string echo_answer(std::string_view text) {
  const auto body = util::trim(text);
  std::string answer(kEchoPrefix);
  answer += body.empty() ? std::string_view("(no text)") : body;
  return answer;
}

}  // namespace mmclaw::agent
