// The business clock over HTTP: GET /v1/clock for any signed-in role, and POST /v1/clock, by
// which the colegio moves a test clock (service/test_clock.h) forward. A server on the wall
// clock refuses the move: real time is not set from outside.
#include "gateway/app.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

constexpr size_t kMaxClockBody = 1024;
constexpr int64_t kMaxAdvanceDays = 366;  // a year at a time; further is several moves
constexpr int64_t kDayMs = 86'400'000;

// {"to": "AAAA-MM-DD" (the start of that Argentine day) or an ISO-8601 instant with its
// offset} or {"advance_days": 1..366}: the instant asked for, or the error to answer.
result<domain::TimestampMs, HttpResponse> requested_instant(std::string_view body, domain::TimestampMs now) {
    if (body.size() > kMaxClockBody) return failure{error(400, "request.too_long", "El cuerpo es demasiado largo.")};
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failure{error(400, "request.invalid_json", "El cuerpo no es un objeto JSON.")};
    for (const auto& [k, v] : j.items())
        if (k != "to" && k != "advance_days") return failure{error(400, "request.unknown_field", "Campo desconocido.", k)};
    if (j.size() != 1)
        return failure{error(400, "request.invalid_value", "Se indica uno solo: \"to\" (fecha o instante) o \"advance_days\".", "to")};
    if (const auto to = j.find("to"); to != j.end()) {
        if (!to->is_string()) return failure{error(400, "request.wrong_type", "Se espera un texto.", "to")};
        const auto& text = to->get_ref<const std::string&>();
        if (const auto day = domain::parse_date(text); day && day->days >= 0) return domain::start_of_local_day(*day);
        if (const auto at = domain::parse_instant(text); at && *at >= 0 && *at <= domain::kMaxInstant) return *at;
        return failure{error(400, "request.invalid_value",
                             "Se espera una fecha AAAA-MM-DD (el comienzo de ese día en Argentina) o un instante "
                             "AAAA-MM-DDTHH:MM:SS con zona (-03:00).",
                             "to")};
    }
    const auto& days = j.at("advance_days");
    if (!days.is_number_integer() || days.get<int64_t>() < 1 || days.get<int64_t>() > kMaxAdvanceDays)
        return failure{error(400, "request.invalid_value", "Se espera un entero de días entre 1 y " + std::to_string(kMaxAdvanceDays) + ".",
                             "advance_days")};
    const int64_t to = now + days.get<int64_t>() * kDayMs;
    if (to > domain::kMaxInstant) return failure{error(400, "request.invalid_value", "El reloj no pasa del año 9999.", "advance_days")};
    return to;
}

}  // namespace

json clock_json(domain::TimestampMs now, bool test) {
    return {{"mode", test ? "test" : "wall"},
            {"now", now},
            {"at", domain::to_iso_local(now)},
            {"today", domain::to_string(domain::local_date(now))}};
}

HttpResponse App::set_clock(const std::string& body, const Claims& claims) {
    if (claims.role != Role::colegio) return error(403, "auth.forbidden", "Sólo el colegio mueve el reloj de prueba.");
    if (p_.test_clock == nullptr)
        return error(409, "clock.not_a_test_clock",
                     "Este servidor corre con el reloj real; sólo uno iniciado con --test-clock lo deja mover.");
    auto to = requested_instant(body, p_.test_clock->now());
    if (!to) return std::move(to).error();
    auto moved = p_.test_clock->set(*to);
    if (!moved) {
        if (moved.error().backwards) return error(409, "clock.backwards", moved.error().message, "to");
        std::fprintf(stderr, "liquida: test clock: %s\n", moved.error().message.c_str());
        return error(503, "clock.unavailable", "No se pudo guardar el reloj de prueba; el error quedó registrado en el servidor.");
    }
    return ok_json(clock_json(*moved, true));
}

}  // namespace liquida::gateway
