#pragma once
// `mmclaw demo`: starts mmsim (with a demo fixture), llmsim and `mmclaw gateway` on 127.0.0.1, then
// runs a terminal chat in which the person speaks as the fixture's users and sees every post and
// edit in their channels as it happens. With a script, it runs the script's lines instead and
// prints the transcript. Every child is stopped at the end, on /quit, end of input, a script's end,
// SIGINT, SIGTERM, SIGHUP or SIGQUIT. The pure parts are in app/demo_chat.hpp.
//
// Exit status: 0 done; 1 a simulator could not be found or started, or a line of the script failed
// (the rest still runs); 2 a file given on the command line cannot be read or is not valid;
// 128 + N when signal N ended it.

#include <filesystem>
#include <optional>

#include "app/cli.hpp"

namespace mmclaw::app {

struct DemoOptions {
  std::optional<std::filesystem::path> script;   // run these lines instead of reading the terminal
  std::optional<std::filesystem::path> mmsim;    // the mmsim binary (default: next to mmclaw, then PATH)
  std::optional<std::filesystem::path> llmsim;   // the llmsim binary (likewise)
  std::optional<std::filesystem::path> fixture;  // mmsim fixture (default: examples/demo-fixture.json)
  bool keep_running = false;  // after the chat or script: keep everything up until a signal
};

// The gateway's config is made from `global.config` when given, else examples/openclaw.json.
int run_demo(const GlobalOptions& global, const DemoOptions& options);

}  // namespace mmclaw::app
