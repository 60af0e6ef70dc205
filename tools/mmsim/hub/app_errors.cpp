#include "mmsim/hub/app_errors.hpp"

#include <fmt/format.h>

namespace mmsim::app_errors {

wire::AppError no_action() {
  return {"api.web_socket_router.no_action.app_error", "No websocket action.", 400};
}

wire::AppError bad_seq() {
  return {"api.web_socket_router.bad_seq.app_error", "Invalid sequence for WebSocket message.", 400};
}

wire::AppError not_authenticated() {
  return {"api.web_socket_router.not_authenticated.app_error",
          "WebSocket connection is not authenticated. Please log in and try again.", 401};
}

wire::AppError bad_action() {
  return {"api.web_socket_router.bad_action.app_error", "Unknown WebSocket action.", 500};
}

wire::AppError invalid_param(std::string_view name) {
  return {"api.websocket_handler.invalid_param.app_error", fmt::format("Invalid {} parameter.", name), 400};
}

wire::AppError server_busy() {
  return {"api.websocket_handler.server_busy.app_error",
          "Server is busy, non-critical services are temporarily unavailable.", 503};
}

}  // namespace mmsim::app_errors
