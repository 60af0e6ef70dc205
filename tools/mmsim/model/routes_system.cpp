// GET /system/ping (§4.2).

#include <boost/json/object.hpp>

#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

Outcome get_ping(Ctx& ctx) {
  boost::json::object body{{"ActiveSearchBackend", "database"},
                           {"AndroidLatestVersion", ""},
                           {"AndroidMinVersion", ""},
                           {"IosLatestVersion", ""},
                           {"IosMinVersion", ""}};
  if (parse_go_bool(ctx.query("get_server_status")).value_or(false)) {
    body["database_status"] = "OK";
    body["filestore_status"] = "OK";
  }
  body["status"] = "OK";
  return json_reply(200, body);
}

}  // namespace mmsim
