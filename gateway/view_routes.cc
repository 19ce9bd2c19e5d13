// GET /v1/views/* and /v1/reports/*: the views a token may read, each narrowed to its scope
// (gateway/auth.h), as JSON pages or as CSV and XLSX files (gateway/downloads.h).
#include <algorithm>

#include "domain/queries.h"
#include "gateway/app.h"
#include "gateway/downloads.h"
#include "gateway/json.h"
#include "gateway/view_params.h"

namespace liquida::gateway {

using nlohmann::json;

// A total of a view that does not fit int64 centavos: the domain's code (domain/money.h).
constexpr domain::Code kMoneyOverflow = "money.overflow";

// A view request after its scope is applied: the provider and obra social filters narrowed
// to what the token may read.
struct App::ViewRequest {
    const std::string& path;
    const Query& q;
    domain::Date today;
    Scope scope;
    std::optional<uint64_t> provider;
    std::optional<domain::ObraSocialId> os;
    Format format = Format::json;
    replay::CsvDialect dialect;
    projections::SettlementFilter filter() const {
        return {param_period(q, "period"), os, provider ? std::optional(domain::ProviderId{*provider}) : std::nullopt};
    }
    // F4's search: punto de venta, número, and the dates received (Argentina) from and to.
    projections::InvoiceFilter invoice_filter() const {
        projections::InvoiceFilter f(filter());
        f.punto_de_venta = param_u32(q, "punto_de_venta", 99'999);
        f.number = param_u32(q, "number", 99'999'999);
        f.received_from = param_date(q, "received_from");
        f.received_to = param_date(q, "received_to");
        if (f.received_from && f.received_to && *f.received_to < *f.received_from)
            throw BadParam{"received_to", "La fecha hasta es anterior a la fecha desde."};
        return f;
    }
};

HttpResponse App::view(const std::string& path, const Query& q, const Claims& claims) {
    struct Route {
        std::string_view path;
        bool prefix;  // the path continues with an id
        HttpResponse (App::*handler)(const ViewRequest&);
    };
    static constexpr Route kRoutes[] = {
        {"/v1/views/padron", false, &App::padron_view},
        {"/v1/views/padron/", true, &App::padron_row_view},
        {"/v1/views/pending", false, &App::pending_view},
        {"/v1/views/settlement", false, &App::settlement_view},
        {"/v1/views/invoices", false, &App::invoices_view},
        {"/v1/reports/validation", false, &App::validation_view},
        {"/v1/views/orders", false, &App::orders_view},
        {"/v1/views/payouts", false, &App::payouts_view},
        {"/v1/views/debits", false, &App::debits_view},
        {"/v1/views/retentions", false, &App::retentions_view},
        {"/v1/reports/authorizations", false, &App::authorizations_view},
        {"/v1/reports/submissions", false, &App::submissions_view},
        {"/v1/views/payment-orders", false, &App::payment_orders_view},
        {"/v1/views/presentations", false, &App::presentations_view},
    };
    const auto route = std::find_if(std::begin(kRoutes), std::end(kRoutes), [&](const Route& r) {
        return r.prefix ? path.size() > r.path.size() && path.starts_with(r.path) : path == r.path;
    });
    if (route == std::end(kRoutes)) return error(404, "request.not_found", "No existe.");
    const Scope scope = scope_of(claims);
    const auto scoped = narrow(scope, {param_u64(q, "provider"), param(q, "obra_social")});
    if (!scoped) return error(403, "auth.forbidden", scoped.error().message, scoped.error().field);
    const auto format = parse_format(param(q, "format"));
    if (!format) return not_offered();
    const auto dialect = parse_dialect(param(q, "dialect"));
    if (!dialect) throw BadParam{"dialect", "Se esperaba ar (punto y coma, coma decimal) o plain (coma, punto decimal)."};
    const ViewRequest request{path,
                              q,
                              domain::local_date(p_.business_clock()),
                              scope,
                              scoped->provider,
                              scoped->obra_social.empty() ? std::nullopt : std::optional(domain::ObraSocialId{scoped->obra_social}),
                              *format,
                              *dialect};
    return (this->*route->handler)(request);
}

replay::Names App::names_for(const ViewRequest& r) {
    std::vector<projections::PadronRow> rows;
    if (!r.provider) {
        rows = read_view(p_.views.padron_rows());
    } else if (auto row = read_view(p_.views.padron(domain::ProviderId{*r.provider}))) {
        rows.push_back(std::move(*row));
    }
    return replay::Names(p_.config, rows);
}

HttpResponse App::send_file(const ViewRequest& r, std::string name, std::string title, std::vector<replay::Table> tables,
                            std::function<bool(replay::Table&)> more) {
    using replay::Kind;
    Download d{std::move(name), std::move(title), std::move(tables), {}, std::move(more)};
    const auto filter = r.filter();
    d.filters.push_back({{"issued_at", "Emitido", Kind::instant}, replay::instant(p_.business_clock())});
    if (filter.period) d.filters.push_back({{"period", "Periodo", Kind::text}, replay::text(domain::to_string(*filter.period))});
    if (r.os) d.filters.push_back({{"obra_social", "Obra social", Kind::text}, replay::text(r.os->value())});
    if (r.provider) d.filters.push_back({{"provider", "Prestador", Kind::integer}, replay::count(*r.provider)});
    return download(d, r.format, r.dialect, p_.business_clock());
}

HttpResponse App::padron_row_view(const ViewRequest& r) {
    if (r.format != Format::json) return not_offered();
    const domain::Date as_of = param_date(r.q, "as_of").value_or(r.today);
    Query single;
    single["provider"] = r.path.substr(std::string_view("/v1/views/padron/").size());
    const auto id = param_u64(single, "provider");
    if (auto one = narrow(r.scope, {id, {}}); !one) return error(403, "auth.forbidden", one.error().message, one.error().field);
    auto row = read_view(p_.views.padron(domain::ProviderId{*id}));
    if (!row || (r.os && !row->state.provider_numbers.contains(*r.os))) return error(404, "view.not_found", "No existe ese prestador.");
    return ok_json(to_json(*row, as_of));
}

HttpResponse App::padron_view(const ViewRequest& r) {
    const domain::Date as_of = param_date(r.q, "as_of").value_or(r.today);
    std::vector<projections::PadronRow> rows;
    if (r.provider) {
        if (auto row = read_view(p_.views.padron(domain::ProviderId{*r.provider}))) rows.push_back(std::move(*row));
    } else {
        rows = read_view(p_.views.padron_rows());
    }
    if (r.os) std::erase_if(rows, [&](const auto& row) { return !row.state.provider_numbers.contains(*r.os); });
    if (const auto standing = param(r.q, "standing"); !standing.empty()) {
        if (standing != "in" && standing != "out") throw BadParam{"standing", "Se esperaba 'in' u 'out'."};
        rows = projections::by_standing(rows, as_of, standing == "in");
    }
    if (auto days = param_u64(r.q, "expiring_within")) {
        if (r.format != Format::json) return not_offered();
        const auto docs = projections::expiring_within(rows, as_of, static_cast<int32_t>(std::min<uint64_t>(*days, 3650)));
        return ok_json(page(docs, r.q, [](const projections::ExpiringDocument& d) {
            return json{{"provider", d.provider.value()},
                        {"type", document_type_name(d.document.type)},
                        {"document_id", d.document.document_id},
                        {"expires_on", domain::to_string(d.document.expires_on)}};
        }));
    }
    if (r.format != Format::json) {
        const auto entries = replay::padron_entries(std::move(rows), as_of);
        return send_file(
            r, file_name({"padron", param(r.q, "standing"), name_part(r.os, p_.config), name_part(r.provider), domain::to_string(as_of)}),
            "Padrón al " + domain::to_string(as_of), {replay::padron_table(entries, as_of)});
    }
    json body = page(rows, r.q, [&](const projections::PadronRow& row) { return to_json(row, as_of); });
    body["as_of"] = domain::to_string(as_of);
    return ok_json(body);
}

HttpResponse App::pending_view(const ViewRequest& r) {
    const projections::PendingFilter filter{r.provider ? std::optional(domain::ProviderId{*r.provider}) : std::nullopt, r.os,
                                            param(r.q, "affiliate")};
    if (r.format != Format::json) {
        auto names = std::make_shared<const replay::Names>(names_for(r));
        return send_file(r, file_name({"pendientes", name_part(r.os, p_.config), name_part(r.provider)}), "Pendientes de consumo",
                         {replay::pending_table({}, r.today, *names)},
                         paged(
                             p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.pending(filter, &c); },
                             [names, today = r.today](const std::vector<projections::PendingRow>& rows) {
                                 return replay::pending_table(rows, today, *names);
                             }));
    }
    const auto rows = read_view(p_.views.pending(filter));
    json by_provider = json::object(), by_os = json::object();
    for (const auto& row : rows) {
        by_provider[std::to_string(row.provider.value())] = by_provider.value(std::to_string(row.provider.value()), 0) + 1;
        by_os[row.obra_social.value()] = by_os.value(row.obra_social.value(), 0) + 1;
    }
    json body = page(rows, r.q, [&](const projections::PendingRow& row) { return to_json(row, r.today); });
    body["totals"] = {{"items", rows.size()}, {"by_provider", by_provider}, {"by_obra_social", by_os}};
    return ok_json(body);
}

HttpResponse App::settlement_view(const ViewRequest& r) {
    const auto filter = r.filter();
    // as_of a past day: the views as they stood at its end; today or later: the live ones.
    const auto as_of = param_date(r.q, "as_of");
    std::optional<AsOfViews::Answer> past;
    if (as_of && *as_of < r.today) {
        if (!as_of_) return error(501, "view.as_of_unavailable", "Este servidor no responde consultas a una fecha pasada.", "as_of");
        auto answer = as_of_->settlement(*as_of, filter);
        if (!answer)
            return error(503, "view.as_of_failed", "No se pudo reconstruir la liquidación a esa fecha: " + answer.error().message, "as_of");
        past = std::move(*answer);
    }
    auto rows = past ? std::move(past->rows) : read_view(p_.views.settlement(filter));
    const auto group = param(r.q, "group");
    if (r.format != Format::json) {
        if (!group.empty() && group != "provider" && group != "obra_social") return not_offered();
        auto by_os = projections::checked_roll_up(rows, true);
        if (!by_os) return pass_on(422, kMoneyOverflow.name(), "Un total no cabe en un importe (centavos en int64).", "group");
        const auto names = names_for(r);
        auto os_table = replay::settlement_by_obra_social_table(*by_os, names);
        auto provider_table = replay::settlement_by_provider_table(rows, names);
        std::vector<replay::Table> tables;  // CSV: the level asked for; XLSX: both, obra social first
        if (r.format == Format::xlsx || group == "obra_social") tables.push_back(std::move(os_table));
        if (r.format == Format::xlsx || group != "obra_social") tables.push_back(std::move(provider_table));
        const std::string level = group == "obra_social" && r.format == Format::csv ? "por-obra-social" : "";
        return send_file(r,
                         file_name({"liquidacion", level, name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider),
                                    as_of ? domain::to_string(*as_of) : ""}),
                         "Liquidación", std::move(tables));
    }
    if (group == "obra_social" || group == "period") {
        auto rolled = projections::checked_roll_up(rows, group == "obra_social");
        if (!rolled) return pass_on(422, kMoneyOverflow.name(), "Un total no cabe en un importe (centavos en int64).", "group");
        rows = std::move(*rolled);
    } else if (!group.empty() && group != "provider") throw BadParam{"group", "Se esperaba provider, obra_social o period."};
    json body = page(rows, r.q, [](const projections::SettlementRow& row) { return to_json(row); });
    if (as_of) {
        body["as_of"] = domain::to_string(*as_of);
        body["replayed"] = past.has_value();
        body["from_checkpoint"] = past && past->from_checkpoint ? json(domain::to_string(*past->from_checkpoint)) : json(nullptr);
    }
    return ok_json(body);
}

HttpResponse App::invoices_view(const ViewRequest& r) {
    const auto filter = r.invoice_filter();
    if (r.format != Format::json) {
        auto names = std::make_shared<const replay::Names>(names_for(r));
        return send_file(r, file_name({"facturas", name_part(filter.where.period), name_part(r.os, p_.config), name_part(r.provider)}),
                         "Facturas", {replay::invoices_table({}, *names)},
                         paged(
                             p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.invoices(filter, &c); },
                             [this, names](const std::vector<projections::InvoiceViewRow>& rows) {
                                 std::vector<replay::InvoiceEntry> entries;
                                 entries.reserve(rows.size());
                                 for (const auto& row : rows)
                                     entries.push_back({row.provider, row.obra_social, row.period, projections::invoice_row(row, p_.config),
                                                        row.received_at != 0});
                                 return replay::invoices_table(entries, *names);
                             }));
    }
    const auto rows = read_view(p_.views.invoices(filter));
    return ok_json(page(rows, r.q, [&](const projections::InvoiceViewRow& row) { return to_json(row, p_.config); }));
}

// O1-O4: the orders loaded, newest state; the colegio reviews the pending ones.
HttpResponse App::orders_view(const ViewRequest& r) {
    if (r.format != Format::json) return not_offered();
    projections::OrderFilter filter{r.filter(), std::nullopt};
    if (const auto state = param(r.q, "state"); !state.empty()) {
        const auto* names = std::begin(domain::kOrderStatusNames);
        const auto* found = std::find(names, std::end(domain::kOrderStatusNames), state);
        if (found == std::end(domain::kOrderStatusNames)) throw BadParam{"state", "Se esperaba pending, approved o rejected."};
        filter.status = static_cast<domain::OrderStatus>(found - names);
    }
    const auto rows = read_view(p_.views.orders(filter));
    return ok_json(page(rows, r.q, [](const projections::OrderRow& row) { return to_json(row); }));
}

HttpResponse App::validation_view(const ViewRequest& r) {  // A10, from the views
    const auto filter = r.filter();
    if (!filter.period) throw BadParam{"period", "Falta el período AAAA-MM."};
    if (r.format != Format::json) {
        // Per obra social in the configuration's order, written a chunk at a time (a month's
        // A10 is hundreds of thousands of rows): one obra social's rows in memory at most.
        struct Chunks {
            size_t next_os = 0;
            std::vector<replay::ValidationEntry> entries;
            size_t at = 0;
        };
        auto state = std::make_shared<Chunks>();
        auto names = std::make_shared<const replay::Names>(names_for(r));
        auto more = [this, state, names, filter](replay::Table& chunk) {
            while (state->at == state->entries.size()) {
                if (state->next_os == p_.config.obras_sociales.size()) return false;
                const domain::ObraSocialId& os = p_.config.obras_sociales[state->next_os++].id;
                if (filter.obra_social && os != *filter.obra_social) continue;
                state->entries.clear();
                state->at = 0;
                for (auto& [provider, row] :
                     read_view(projections::validation_report_by_provider(p_.views, {filter.period, os, filter.provider})))
                    state->entries.push_back({os, provider, std::move(row)});
            }
            const size_t n = std::min(std::max<size_t>(p_.file_page_rows, 1), state->entries.size() - state->at);
            chunk = replay::validation_table(std::span(state->entries).subspan(state->at, n), *names);
            state->at += n;
            return true;
        };
        return send_file(r, file_name({"validacion", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}),
                         "Validación A10", {replay::validation_table({}, *names)}, std::move(more));
    }
    const auto rows = read_view(projections::validation_report(p_.views, filter));
    return ok_json(page(rows, r.q, [](const domain::ValidationRow& row) {
        return json{{"convenio", row.convenio},
                    {"provider_number", row.provider_number},
                    {"razon_social", row.razon_social},
                    {"matricula", row.matricula},
                    {"order_number", row.order_number},
                    {"order_date", domain::to_string(row.order_date)},
                    {"affiliate_number", row.affiliate_number},
                    {"affiliate_name", row.affiliate_name},
                    {"practice_code", row.practice_code},
                    {"plan", row.plan},
                    {"plan_flagged", row.plan_flagged},
                    {"state", row.state}};
    }));
}

// What the colegio transfers to each provider (S3): the colegio's and each prestador's own.
HttpResponse App::payouts_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope))
        return error(403, "auth.forbidden", "Los pagos a prestadores son del colegio y de cada prestador.");
    if (r.os) throw BadParam{"obra_social", "Los pagos suman todas las obras sociales: sin filtro por obra social."};
    const auto entries = replay::payout_entries(read_view(p_.views.settlement(r.filter())));
    if (!entries) return pass_on(422, kMoneyOverflow.name(), "Un total no cabe en un importe (centavos en int64).", "period");
    const auto names = names_for(r);
    if (r.format != Format::json)
        return send_file(r, file_name({"pagos-prestadores", name_part(r.filter().period), name_part(r.provider)}), "Pagos a prestadores",
                         {replay::payouts_table(*entries, names)});
    return ok_json(page(*entries, r.q, [&](const replay::PayoutEntry& p) {
        const auto* who = names.provider(p.provider);
        json retentions = json::object();
        for (const auto& [kind, amount] : p.retentions)
            retentions[domain::name_of(domain::kRetentionKindNames, static_cast<uint8_t>(kind))] = amount;
        return json{{"period", domain::to_string(p.period)},
                    {"provider", p.provider.value()},
                    {"razon_social", who ? who->razon_social : ""},
                    {"cuit", who ? who->cuit : ""},
                    {"cbu", who ? who->cbu : ""},
                    {"collected", p.collected},
                    {"debited", p.debited},
                    {"retentions", retentions},
                    {"retained", p.retained},
                    {"paid", p.paid},
                    {"due", p.due},
                    {"state", p.state()}};
    }));
}

HttpResponse App::table_view(const ViewRequest& r, replay::Table table, std::string name, std::string title) {
    if (r.format != Format::json) return send_file(r, std::move(name), std::move(title), {std::move(table)});
    return ok_json(page(table.rows, r.q, [&](const std::vector<replay::Value>& row) {
        json out = json::object();
        for (size_t c = 0; c < row.size(); ++c) out[table.columns[c].key] = replay::to_json(row[c], table.columns[c].kind);
        return out;
    }));
}

// The debits of the invoices of the filter (S1).
HttpResponse App::debits_view(const ViewRequest& r) {
    const auto filter = r.filter();
    auto names = std::make_shared<const replay::Names>(names_for(r));
    auto name = file_name({"debitos", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)});
    if (r.format == Format::json) return table_view(r, replay::debits_table(read_view(p_.views.invoices(filter)), *names), name, "Débitos");
    return send_file(r, std::move(name), "Débitos", {replay::debits_table({}, *names)},
                     paged(
                         p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.invoices(filter, &c); },
                         [names](const std::vector<projections::InvoiceViewRow>& rows) { return replay::debits_table(rows, *names); }));
}

// What the obras sociales paid, a line per invoice of each payment order (S2).
HttpResponse App::payment_orders_view(const ViewRequest& r) {
    const auto filter = r.filter();
    return table_view(r, replay::payment_orders_table(read_view(p_.views.invoices(filter)), names_for(r)),
                      file_name({"ordenes-de-pago", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}),
                      "Órdenes de pago");
}

// The retentions charged to providers (S3): the colegio's and each prestador's own.
HttpResponse App::retentions_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope))
        return error(403, "auth.forbidden", "Las retenciones son del colegio y de cada prestador.");
    const auto filter = r.filter();
    return table_view(r, replay::retentions_table(read_view(p_.views.settlement(filter)), names_for(r)),
                      file_name({"retenciones", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}),
                      "Retenciones");
}

// A9: one provider's authorized budget items within [from, to] (at most a year), ordered by
// fecha, credencial, prestación, canal or importe. Read from the provider's ledger.
HttpResponse App::authorizations_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope))
        return error(403, "auth.forbidden", "El informe de autorizaciones es del prestador y del colegio.");
    if (!r.provider) throw BadParam{"provider", "Falta el prestador."};
    const auto from = param_date(r.q, "from"), to = param_date(r.q, "to");
    if (!from || !to) throw BadParam{!from ? "from" : "to", "Falta la fecha AAAA-MM-DD."};
    if (*to < *from || to->days - from->days > 366) throw BadParam{"to", "El rango va de from a to, de 0 a 366 días."};
    static constexpr std::pair<std::string_view, domain::ReportOrder> kOrders[] = {{"", domain::ReportOrder::date},
                                                                                   {"fecha", domain::ReportOrder::date},
                                                                                   {"credencial", domain::ReportOrder::credential},
                                                                                   {"prestacion", domain::ReportOrder::practice},
                                                                                   {"canal", domain::ReportOrder::channel},
                                                                                   {"importe", domain::ReportOrder::amount}};
    const std::string order = param(r.q, "order");
    const auto o = std::find_if(std::begin(kOrders), std::end(kOrders), [&](const auto& k) { return k.first == order; });
    if (o == std::end(kOrders)) throw BadParam{"order", "Se esperaba fecha, credencial, prestacion, canal o importe."};
    std::vector<domain::AuthorizationRow> rows;
    const auto found = p_.commands.with(domain::ProviderId{*r.provider}, [&](const domain::ProviderLedger& l) {
        rows = domain::authorization_report(l, *from, *to, o->second);
    });
    if (!found) return state_unavailable(found.error());
    return table_view(r, replay::authorizations_table(rows, names_for(r)),
                      file_name({"autorizaciones", name_part(r.provider), domain::to_string(*from), domain::to_string(*to)}),
                      "Autorizaciones A9");
}

// F5: the credit notes a provider owes and the invoices it may send again.
HttpResponse App::submissions_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope))
        return error(403, "auth.forbidden", "Las presentaciones pendientes son del prestador y del colegio.");
    if (!r.provider) throw BadParam{"provider", "Falta el prestador."};
    std::vector<domain::PendingSubmission> owed;
    std::optional<domain::DomainError> overflow;
    const auto found = p_.commands.with(domain::ProviderId{*r.provider}, [&](const domain::ProviderLedger& l) {
        auto submissions = domain::pending_submissions(l);
        if (submissions) owed = std::move(*submissions);
        else overflow = submissions.error();
    });
    if (!found) return state_unavailable(found.error());
    if (overflow) return pass_on(422, overflow->code, overflow->message, overflow->field);
    return table_view(r, replay::submissions_table(owed), file_name({"presentaciones", name_part(r.provider)}), "Presentaciones F5");
}

// F6: the colegio's presentations to the obras sociales, from its own ledger, each with what the
// settlement view approved for its period and obra social.
HttpResponse App::presentations_view(const ViewRequest& r) {
    if (std::holds_alternative<PrestadorScope>(r.scope))
        return error(403, "auth.forbidden", "Las presentaciones son del colegio y de cada obra social.");
    if (r.provider) throw BadParam{"provider", "Las presentaciones son del colegio: sin filtro por prestador."};
    const auto period = param_period(r.q, "period");
    std::vector<domain::PresentationRecord> records;
    const auto found = p_.commands.with(domain::kColegio, [&](const domain::ProviderLedger& l) {
        for (const auto& [number, p] : l.presentations.presentations) {
            if ((!period || p.submitted.period == *period) && (!r.os || p.submitted.obra_social == *r.os)) records.push_back(p);
        }
    });
    if (!found) return state_unavailable(found.error());
    std::vector<replay::PresentationEntry> entries;
    for (const auto& p : records) {
        const auto rows = read_view(p_.views.settlement({p.submitted.period, p.submitted.obra_social, std::nullopt}));
        const auto rolled = projections::checked_roll_up(rows, true);
        std::optional<domain::Centavos> approved = domain::Centavos{0};
        if (!rolled) approved.reset();
        else if (!rolled->empty()) approved = rolled->front().total();
        entries.push_back({&p, approved});
    }
    const replay::Names names(p_.config, std::vector<projections::PadronRow>{});  // only the obras sociales' names
    return table_view(r, replay::presentations_table(entries, names),
                      file_name({"presentaciones-colegio", name_part(period), name_part(r.os, p_.config)}), "Presentaciones del colegio");
}

}  // namespace liquida::gateway
