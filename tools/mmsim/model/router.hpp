#pragma once
// The REST router: path patterns as in server/channels/api4/api.go, authentication, and the
// rendering of handler outcomes into responses. Internal to the model library.

#include <string_view>

#include "mmsim/model/context.hpp"

namespace mmsim {

// Finds the route, authenticates the caller and runs the handler. Unknown routes (and known
// paths with another method) give 404 api.context.404.app_error.
Outcome dispatch(Ctx& ctx);

// The HTTP response of an outcome: JSON or raw body, X-Request-Id, X-Version-Id, Expires for
// GETs, plus `extra` headers (rate limiting).
RestResponse render(const State& state, const Outcome& outcome, std::string_view request_id,
                    const HeaderList& extra, bool is_get);

}  // namespace mmsim
