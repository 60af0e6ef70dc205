#pragma once
// Standard base64 (RFC 4648, with padding), for images sent to model servers and programs.

#include <string>
#include <string_view>

namespace mmclaw::util {

std::string base64_encode(std::string_view bytes);

}  // namespace mmclaw::util
