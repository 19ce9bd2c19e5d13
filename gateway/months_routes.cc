// The colegio's months over HTTP (replay/months.h): GET /v1/months, GET /v1/months/YYYY-MM,
// GET /v1/months/YYYY-MM/reports/NAME and POST /v1/months/YYYY-MM/close. The colegio's only.
#include <filesystem>

#include "gateway/app.h"
#include "gateway/downloads.h"
#include "gateway/http_target.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "/v1/months/";

// "/v1/months/2025-06/close" -> 2025-06 and "close"; nullopt when the month is not YYYY-MM.
struct MonthPath {
    domain::Period month;
    std::string rest;  // after "YYYY-MM/", or empty
};
std::optional<MonthPath> month_path(const std::string& path) {
    if (!path.starts_with(kPrefix)) return std::nullopt;
    const std::string tail = path.substr(kPrefix.size());
    const auto slash = tail.find('/');
    const auto month = domain::parse_period(tail.substr(0, slash));
    if (!month) return std::nullopt;
    return MonthPath{*month, slash == std::string::npos ? std::string() : tail.substr(slash + 1)};
}

json close_json(const replay::MonthClosed& c) {
    json partitions = json::array();
    for (const auto& p : c.chain)
        partitions.push_back({{"topic", p.tp.topic}, {"partition", p.tp.partition}, {"end_offset", p.end}, {"last_hash", p.hash}});
    json reports = json::array();
    for (const auto& f : c.files)
        reports.push_back({{"name", f}, {"url", std::string(kPrefix) + domain::to_string(c.month) + "/reports/" + f}});
    return {{"cut", domain::to_iso_local(c.cut)}, {"events", c.events}, {"partitions", partitions}, {"reports", reports}};
}

HttpResponse unavailable(const fault& e) { return error(503, "month.unavailable", "No se pudo leer el estado del mes: " + e.message); }

std::string_view content_type_of(const std::filesystem::path& file) {
    const auto ext = file.extension();
    if (ext == ".json") return "application/json";
    if (ext == ".csv") return "text/csv; charset=utf-8";
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

}  // namespace

HttpResponse App::months_view(const std::string& path, const Claims& claims) {
    if (!months_) return error(501, "month.unavailable", "Este servidor no tiene directorio de datos: no lleva los meses.");
    if (claims.role != Role::colegio) return error(403, "auth.forbidden", "Los meses los lleva el colegio.");
    const auto now = p_.business_clock();
    if (path == "/v1/months") {
        auto months = months_->months();
        if (!months) return unavailable(months.error());
        json rows = json::array();
        for (const auto m : *months) {
            auto state = months_->state(m, now);
            if (!state) return unavailable(state.error());
            const auto closed = months_->closed(m);
            rows.push_back({{"month", domain::to_string(m)},
                            {"state", replay::month_state_name(*state)},
                            {"close", closed ? close_json(*closed) : json(nullptr)}});
        }
        return ok_json({{"months", rows}});
    }
    const auto mp = month_path(path);
    if (!mp) return error(404, "request.not_found", "No existe: los meses son /v1/months/AAAA-MM.");
    if (mp->rest.empty()) {
        auto state = months_->state(mp->month, now);
        auto blockers = months_->blockers(mp->month);
        if (!state || !blockers) return unavailable(!state ? state.error() : blockers.error());
        json per_os = json::array();
        for (const auto& b : *blockers)
            per_os.push_back({{"obra_social", b.obra_social.value()},
                              {"name", p_.config.obra_social(b.obra_social)->name},
                              {"orders_unreviewed", b.orders_unreviewed},
                              {"not_invoiced", b.not_invoiced},
                              {"invoices_observed", b.invoices_observed},
                              {"not_collected", b.not_collected},
                              {"ready", !b.any()}});
        const auto closed = months_->closed(mp->month);
        return ok_json({{"month", domain::to_string(mp->month)},
                        {"state", replay::month_state_name(*state)},
                        {"cut", domain::to_iso_local(replay::cut_of(mp->month))},
                        {"obras_sociales", per_os},
                        {"close", closed ? close_json(*closed) : json(nullptr)}});
    }
    if (!mp->rest.starts_with("reports/")) return error(404, "request.not_found", "No existe.");
    const auto file = months_->report(mp->month, mp->rest.substr(std::string_view("reports/").size()));
    if (!file) return error(404, "month.report_not_found", "No existe ese informe del cierre del mes.");
    // Sent from a copy: the server streams a temporary file and removes it (HttpResponse::body_file).
    const std::string copy = temporary_file();
    std::error_code ec;
    if (copy.empty() || !std::filesystem::copy_file(*file, copy, std::filesystem::copy_options::overwrite_existing, ec))
        return error(500, "download.failed", "No se pudo leer el informe; el error quedó registrado en el servidor.");
    return {200,
            std::string(content_type_of(*file)),
            {},
            {{"Content-Disposition", "attachment; filename=\"" + file->filename().string() + "\""}},
            copy};
}

HttpResponse App::close_month(const std::string& path, const Query& query, const Claims& claims) {
    const auto mp = month_path(path);
    if (!mp || mp->rest != "close") return error(404, "request.not_found", "No existe: se cierra con POST /v1/months/AAAA-MM/close.");
    if (claims.role != Role::colegio) return error(403, "auth.forbidden", "Sólo el colegio cierra un mes.");
    const auto force_it = query.find("force");
    const std::string force = force_it == query.end() ? std::string() : force_it->second;
    if (!force.empty() && force != "true" && force != "false")
        return error(400, "request.invalid_value", "Se esperaba force=true o force=false.", "force");
    auto closed = months_->close(mp->month, force == "true", p_.business_clock());
    if (!closed) return unavailable(closed.error());
    if (const auto* refused = std::get_if<replay::MonthRefusal>(&*closed))
        return pass_on(409, refused->code.name(), refused->message, "month");
    const auto& c = std::get<replay::MonthClosed>(*closed);
    return ok_json({{"month", domain::to_string(c.month)}, {"state", "closed"}, {"close", close_json(c)}}, 201);
}

}  // namespace liquida::gateway
