// What the gateway's routes share to read a request's query and answer from the views: typed
// parameters (a bad one is thrown as BadParam and answered 400 with its field), offset/limit
// pages, listings written a page of rows at a time, and a view that cannot be read thrown as
// Unreadable and answered 503. For gateway/*.cc only.
#pragma once

#include <charconv>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/names.h"
#include "events/errc.h"
#include "gateway/http_target.h"
#include "gateway/responses.h"
#include "projections/views.h"
#include "replay/listings.h"

namespace liquida::gateway {

inline constexpr size_t kDefaultLimit = 100;
inline constexpr size_t kMaxLimit = 5000;

// A format a listing does not offer: never a silent JSON.
inline HttpResponse not_offered() {
    return error(406, "request.format_not_offered", "Este listado no se ofrece en ese formato (json, csv o xlsx, según el listado).",
                 "format");
}
// The part of a file name an obra social filter gives: its id when it is one of the configuration's.
inline std::string name_part(const std::optional<domain::ObraSocialId>& os, const domain::Config& config) {
    return os && config.obra_social(*os) != nullptr ? os->value() : std::string();
}
inline std::string name_part(const std::optional<uint64_t>& provider) { return provider ? std::to_string(*provider) : std::string(); }
inline std::string name_part(const std::optional<domain::Period>& period) { return period ? domain::to_string(*period) : std::string(); }

// The path of a target, for routing; its query is parsed where it is used.
inline std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

inline std::optional<uint64_t> param_u64(const Query& q, const std::string& name) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc{} || p != it->second.data() + it->second.size()) throw BadParam{name, "Se esperaba un número entero no negativo."};
    return v;
}
// An integer in [1, max], as a punto de venta or a comprobante's number.
inline std::optional<uint32_t> param_u32(const Query& q, const std::string& name, uint32_t max) {
    const auto v = param_u64(q, name);
    if (v && (*v == 0 || *v > max)) throw BadParam{name, "Se esperaba un número de 1 a " + std::to_string(max) + "."};
    return v ? std::optional(static_cast<uint32_t>(*v)) : std::nullopt;
}
// A parameter read by `parse` (nullopt when absent or empty); one it cannot read is a BadParam.
template <class Parse>
auto parsed_param(const Query& q, const std::string& name, Parse parse, std::string_view expected) -> decltype(parse(std::string())) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    auto v = parse(it->second);
    if (!v) throw BadParam{name, std::string(expected)};
    return v;
}
inline std::optional<domain::Period> param_period(const Query& q, const std::string& name) {
    return parsed_param(
        q, name, [](const std::string& s) { return domain::parse_period(s); }, "Se esperaba un período AAAA-MM.");
}
inline std::optional<domain::Date> param_date(const Query& q, const std::string& name) {
    return parsed_param(
        q, name, [](const std::string& s) { return domain::parse_date(s); }, "Se esperaba una fecha AAAA-MM-DD.");
}
inline std::string param(const Query& q, const std::string& name) {
    auto it = q.find(name);
    return it == q.end() ? std::string() : it->second;
}

// offset/limit over a result; "next_offset" when more remain.
template <class T, class Render>
nlohmann::json page(const std::vector<T>& rows, const Query& q, Render render) {
    const size_t offset = static_cast<size_t>(param_u64(q, "offset").value_or(0));
    const size_t limit = std::min<size_t>(static_cast<size_t>(param_u64(q, "limit").value_or(kDefaultLimit)), kMaxLimit);
    // No sum of client numbers: an offset near 2^64 must not wrap around to the first page.
    const size_t first = std::min(offset, rows.size());
    const size_t last = first + std::min(limit, rows.size() - first);
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = first; i < last; ++i) out.push_back(render(rows[i]));
    nlohmann::json body{{"total", rows.size()}, {"offset", offset}, {"limit", limit}, {"rows", std::move(out)}};
    if (last < rows.size()) body["next_offset"] = last;
    return body;
}

// A view that could not be read (views.h): thrown out of App::view and answered 503, never as
// fewer rows. The detail goes to the log, not to the client.
struct Unreadable {
    fault error;
};
template <class T>
T read_view(events::result<T> r) {
    if (!r) throw Unreadable{std::move(r).error()};
    return std::move(*r);
}
// A listing's file written a page of view rows at a time (views.h, Cursor): one page in memory
// whatever the listing's length. Each page becomes a chunk of the file's last table.
template <class Read, class Build>
std::function<bool(replay::Table&)> paged(size_t rows, Read read, Build build) {
    auto cursor = std::make_shared<projections::Cursor>();
    cursor->limit = std::max<size_t>(rows, 1);
    return [cursor, read = std::move(read), build = std::move(build)](replay::Table& chunk) {
        if (cursor->done) return false;
        chunk = build(read_view(read(*cursor)));
        return true;
    };
}
inline constexpr ApiCode kViewUnavailable = "view.unavailable";
inline constexpr std::string_view kViewUnavailableMessage = "No se pudo leer la vista; el error quedó registrado en el servidor.";
inline void log_unreadable(const fault& e) { std::fprintf(stderr, "liquida: %s\n", e.message.c_str()); }

inline HttpResponse state_unavailable(const fault& e) { return pass_on(503, code_name(e.code), "No se pudo leer el estado: " + e.message); }

// As the padrón rows and the commands name it ("seguro"), not its number.
inline std::string document_type_name(domain::DocumentType t) {
    return domain::name_of(domain::kDocumentTypeNames, static_cast<uint8_t>(t));
}

}  // namespace liquida::gateway
