#include "app/cmd_message.hpp"

namespace mmclaw::app {
int run_message_send(const GlobalOptions&, const MessageOptions&) { return kExitUsage; }
int run_message_react(const GlobalOptions&, const MessageOptions&) { return kExitUsage; }
int run_message_read(const GlobalOptions&, const MessageOptions&) { return kExitUsage; }
}  // namespace mmclaw::app
