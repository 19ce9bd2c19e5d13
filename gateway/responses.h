// The gateway's JSON answers: a value, or the error shape every route shares
// ({"error": {"code", "message", "field"}}, docs/API.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "gateway/auth.h"
#include "gateway/codes.h"
#include "gateway/server.h"
#include "gateway/view_json.h"

namespace liquida::gateway {

// An error with a code that another part decided: a domain refusal, a module's errc, a month's
// refusal, a refusal carried in a struct.
inline HttpResponse pass_on(unsigned status, std::string_view code, std::string_view message, std::string_view field = "") {
    return {status, "application/json", dump(nlohmann::json{{"error", {{"code", code}, {"message", message}, {"field", field}}}}), {}};
}
// An error of the gateway's own: a code of gateway/codes.h.
inline HttpResponse error(unsigned status, ApiCode code, std::string_view message, std::string_view field = "") {
    return pass_on(status, code.name(), message, field);
}
// A request whose token does not verify (gateway/auth.h, gateway/sessions.h).
inline HttpResponse unauthorized(TokenError e) { return error(401, token_error_code(e), "Token ausente, vencido o inválido."); }
// The business clock as /healthz, GET /v1/clock and /v1/meta show it: "test" or "wall", the
// instant (ms and ISO in Argentina) and its Argentine date (gateway/clock_routes.cc).
nlohmann::json clock_json(domain::TimestampMs now, bool test);
inline HttpResponse ok_json(const nlohmann::json& body, unsigned status = 200) { return {status, "application/json", dump(body), {}}; }

}  // namespace liquida::gateway
