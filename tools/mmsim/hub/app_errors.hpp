#pragma once
// The AppErrors the WebSocket router and action handlers reply with (websocket_router.go,
// wsapi/websocket_handler.go), with their en.json messages.

#include <string_view>

#include "mmsim/hub/wire.hpp"

namespace mmsim::app_errors {

wire::AppError no_action();          // 400 api.web_socket_router.no_action.app_error
wire::AppError bad_seq();            // 400 api.web_socket_router.bad_seq.app_error
wire::AppError not_authenticated();  // 401 api.web_socket_router.not_authenticated.app_error
wire::AppError bad_action();         // 500 api.web_socket_router.bad_action.app_error
// 400 api.websocket_handler.invalid_param.app_error, "Invalid <name> parameter."
wire::AppError invalid_param(std::string_view name);
wire::AppError server_busy();  // 503 api.websocket_handler.server_busy.app_error

}  // namespace mmsim::app_errors
