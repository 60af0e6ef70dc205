#pragma once
// The diagnostic `echo` model backend (models.providers.<id>.api: "echo"): answers `echo: <text>`.
// It needs no model server, so it proves the Mattermost side of a deployment on its own (smoke
// tests, the bench, the demo before a model is configured). Pure.

#include <string>
#include <string_view>

namespace mmclaw::agent {

inline constexpr std::string_view kEchoPrefix = "echo: ";

// `echo: <text>`; a post with only files answers `echo: (no text)`.
std::string echo_answer(std::string_view text);

}  // namespace mmclaw::agent
