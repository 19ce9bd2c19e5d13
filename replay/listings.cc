#include "replay/listings.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "domain/money.h"
#include "domain/names.h"

namespace liquida::replay {

namespace {

Value provider_value(ProviderId p) { return p.value() == 0 ? Value() : count(p.value()); }

template <size_t N>
std::string label(const std::string_view (&labels)[N], uint8_t v) {
    return domain::name_of(labels, v);
}

// Who a row is about: id, razón social and CUIT for a provider; id and name for an obra social.
void provider_columns(std::vector<Column>& c) {
    c.insert(c.end(),
             {{"provider", "Prestador", Kind::integer}, {"razon_social", "Razon social", Kind::text}, {"cuit", "CUIT", Kind::text}});
}
void provider_cells(std::vector<Value>& row, ProviderId p, const Names& names) {
    const auto* who = names.provider(p);
    row.insert(row.end(), {provider_value(p), who ? text(who->razon_social) : Value(), who ? text(who->cuit) : Value()});
}
void obra_social_columns(std::vector<Column>& c) {
    c.insert(c.end(), {{"obra_social", "Obra social", Kind::text}, {"obra_social_name", "Nombre obra social", Kind::text}});
}
void obra_social_cells(std::vector<Value>& row, const ObraSocialId& os, const Names& names) {
    row.insert(row.end(), {text(os.value()), text(names.obra_social(os))});
}

// One money column per retention kind, every kind always present (0 when none).
void retention_columns(std::vector<Column>& c) {
    for (size_t k = 0; k < std::size(domain::kRetentionKindNames); ++k)
        c.push_back({"retention_" + std::string(domain::kRetentionKindNames[k]),
                     "Retencion " + std::string(domain::kRetentionKindLabels[k]), Kind::money});
}
void retention_cells(std::vector<Value>& row, const std::map<domain::RetentionKind, domain::Centavos>& retentions) {
    for (size_t k = 0; k < std::size(domain::kRetentionKindNames); ++k) {
        const auto it = retentions.find(static_cast<domain::RetentionKind>(k));
        row.push_back(money(it == retentions.end() ? 0 : it->second));
    }
}

// One table per level of the settlement; `by_provider` adds who the provider is.
Table settlement_table(const std::vector<projections::SettlementRow>& rows, const Names& names, bool by_provider) {
    std::set<std::string> reasons;
    for (const auto& row : rows)
        for (const auto& [reason, amount] : row.debits)
            if (amount != 0) reasons.insert(reason);
    Table t{by_provider ? "settlement" : "settlement-obra-social",
            by_provider ? "Liquidacion por prestador" : "Liquidacion por obra social",
            {},
            {}};
    t.columns = {{"period", "Periodo", Kind::text}};
    obra_social_columns(t.columns);
    if (by_provider) provider_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"orders_loaded", "Ordenes cargadas", Kind::integer},
                                       {"orders_loaded_amount", "Importe ordenes cargadas", Kind::money},
                                       {"orders_approved", "Ordenes aprobadas", Kind::integer},
                                       {"orders_approved_amount", "Importe ordenes aprobadas", Kind::money},
                                       {"orders_rejected", "Ordenes rechazadas", Kind::integer},
                                       {"orders_rejected_amount", "Importe ordenes rechazadas", Kind::money},
                                       {"orders_rolled", "Ordenes pasadas al periodo siguiente", Kind::integer},
                                       {"orders_rolled_amount", "Importe ordenes pasadas", Kind::money},
                                       {"billable", "Practicas facturables", Kind::integer},
                                       {"billable_amount", "Importe practicas", Kind::money},
                                       {"total", "Total a facturar", Kind::money},
                                       {"invoiced", "Facturas", Kind::integer},
                                       {"invoiced_amount", "Facturado", Kind::money},
                                       {"reinvoiced", "Refacturado", Kind::money}});
    for (const std::string& reason : reasons) t.columns.push_back({"debits_" + reason, "Debitos motivo " + reason, Kind::money});
    t.columns.insert(t.columns.end(),
                     {{"debited", "Debitos", Kind::money}, {"balance", "Saldo", Kind::money}, {"collected", "Cobrado", Kind::money}});
    retention_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"retained", "Retenido", Kind::money},
                                       {"paid_to_provider", "Pagado al prestador", Kind::money},
                                       {"due_to_provider", "A pagar al prestador", Kind::money},
                                       {"invoice_state", "Estado factura", Kind::text}});
    for (const auto& s : rows) {
        std::vector<Value> row{text(domain::to_string(s.period))};
        obra_social_cells(row, s.obra_social, names);
        if (by_provider) provider_cells(row, s.provider, names);
        row.insert(row.end(),
                   {count(s.orders_loaded.count), money(s.orders_loaded.amount), count(s.orders_approved.count),
                    money(s.orders_approved.amount), count(s.orders_rejected.count), money(s.orders_rejected.amount),
                    count(s.orders_rolled.count), money(s.orders_rolled.amount), count(s.billable.count), money(s.billable.amount),
                    money(s.total()), count(s.invoiced.count), money(s.invoiced.amount), money(s.reinvoiced)});
        for (const std::string& reason : reasons) {
            const auto it = s.debits.find(reason);
            row.push_back(money(it == s.debits.end() ? 0 : it->second));
        }
        row.insert(row.end(), {money(s.debited()), money(s.balance()), money(s.collected)});
        retention_cells(row, s.retentions);
        row.insert(row.end(), {money(s.retained()), money(s.paid_to_provider), money(s.due_to_provider()),
                               s.invoice_state.empty() ? Value() : text(domain::state_label(s.invoice_state))});
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace

std::vector<PadronEntry> padron_entries(std::vector<projections::PadronRow> rows, Date day) {
    std::vector<PadronEntry> out;
    out.reserve(rows.size());
    for (auto& row : rows) {
        PadronEntry entry;
        entry.in_good_standing = row.in_good_standing(day);
        entry.missing_document = domain::missing_document(row.state, day);
        entry.row = std::move(row);
        out.push_back(std::move(entry));
    }
    return out;
}

std::optional<std::vector<PayoutEntry>> payout_entries(const std::vector<projections::SettlementRow>& rows) {
    std::map<std::pair<Period, ProviderId>, PayoutEntry> by_provider;
    for (const auto& s : rows) {
        if (s.provider.value() == 0) continue;
        PayoutEntry& p = by_provider[{s.period, s.provider}];
        p.provider = s.provider;
        p.period = s.period;
        const auto debited = s.debited(), retained = s.retained(), due = s.due_to_provider();
        if (!debited || !retained || !due) return std::nullopt;
        for (auto [sum, add] : {std::pair{&p.collected, s.collected},
                                {&p.debited, *debited},
                                {&p.retained, *retained},
                                {&p.paid, s.paid_to_provider},
                                {&p.due, *due}}) {
            const auto next = domain::money::add(*sum, add);
            if (!next) return std::nullopt;
            *sum = *next;
        }
        for (const auto& [kind, amount] : s.retentions) {
            const auto next = domain::money::add(p.retentions[kind], amount);
            if (!next) return std::nullopt;
            p.retentions[kind] = *next;
        }
    }
    std::vector<PayoutEntry> out;
    out.reserve(by_provider.size());
    for (auto& [key, p] : by_provider) out.push_back(std::move(p));
    return out;
}

Names::Names(const domain::Config& config) {
    for (const auto& os : config.obras_sociales) {
        obras_sociales_.emplace(os.id, os.name);
        for (const auto& practice : os.practices) practices_.emplace(std::pair(os.id, practice.code), practice.name);
    }
}

Names::Names(const domain::Config& config, const std::vector<PadronEntry>& padron) : Names(config) {
    for (const auto& p : padron) providers_.emplace(p.row.provider, p.row.state.identity);
}

Names::Names(const domain::Config& config, const std::vector<projections::PadronRow>& padron) : Names(config) {
    for (const auto& p : padron) providers_.emplace(p.provider, p.state.identity);
}

std::string Names::obra_social(const ObraSocialId& id) const {
    const auto it = obras_sociales_.find(id);
    return it == obras_sociales_.end() ? id.value() : it->second;
}

const domain::ProviderRegistered* Names::provider(ProviderId id) const {
    const auto it = providers_.find(id);
    return it == providers_.end() ? nullptr : &it->second;
}

Value Names::practice(const ObraSocialId& os, const std::string& code) const {
    const auto it = practices_.find({os, code});
    return it == practices_.end() ? Value() : text(it->second);
}

Table settlement_by_obra_social_table(const std::vector<projections::SettlementRow>& rows, const Names& names) {
    return settlement_table(rows, names, false);
}

Table settlement_by_provider_table(const std::vector<projections::SettlementRow>& rows, const Names& names) {
    return settlement_table(rows, names, true);
}

Table padron_table(const std::vector<PadronEntry>& entries, Date day) {
    Table t{"padron", "Padron", {}, {}};
    t.columns = {{"provider", "Prestador", Kind::integer},
                 {"matricula", "Matricula", Kind::text},
                 {"cuit", "CUIT", Kind::text},
                 {"razon_social", "Razon social", Kind::text},
                 {"cbu", "CBU", Kind::text},
                 {"category", "Categoria", Kind::text},
                 {"enrolled", "Empadronado", Kind::boolean},
                 {"enrolled_on", "Fecha de alta", Kind::date},
                 {"left_on", "Fecha de baja", Kind::date},
                 {"in_good_standing", "En padron al " + domain::to_string(day), Kind::boolean},
                 {"missing_document", "Documento faltante", Kind::text},
                 {"adhesions", "Adhesiones", Kind::text}};
    for (size_t type = 0; type < std::size(domain::kDocumentTypeNames); ++type) {
        const std::string key(domain::kDocumentTypeNames[type]), name(domain::kDocumentTypeLabels[type]);
        t.columns.insert(t.columns.end(), {{"document_" + key, name + ": estado", Kind::text},
                                           {"document_" + key + "_expires_on", name + ": vence", Kind::date}});
    }
    for (const PadronEntry& p : entries) {
        const auto& s = p.row.state;
        std::string adhesions;
        for (const auto& [os, number] : s.provider_numbers)
            adhesions.append(adhesions.empty() ? "" : ", ").append(os.value()).append(" ").append(number);
        std::vector<Value> row{
            count(p.row.provider.value()),
            text(s.identity.matricula),
            text(s.identity.cuit),
            text(s.identity.razon_social),
            text(s.identity.cbu),
            text(s.identity.category),
            Value(s.enrolled),
            s.enrolled ? date(s.enrolled_on) : Value(),
            date(p.row.left_on),
            Value(p.in_good_standing),
            p.missing_document ? text(label(domain::kDocumentTypeLabels, static_cast<uint8_t>(*p.missing_document))) : Value(),
            text(adhesions)};
        const auto documents = p.row.documents();
        for (size_t type = 0; type < std::size(domain::kDocumentTypeNames); ++type) {
            const auto d = std::find_if(documents.begin(), documents.end(),
                                        [&](const projections::DocumentRow& x) { return static_cast<size_t>(x.type) == type; });
            if (d == documents.end()) {
                row.insert(row.end(), {Value(), Value()});
                continue;
            }
            // An approved document past its expiry is read as expired on the listing's day.
            const auto status =
                d->status == domain::DocumentStatus::approved && d->expires_on < day ? domain::DocumentStatus::expired : d->status;
            row.insert(row.end(), {text(label(domain::kDocumentStatusLabels, static_cast<uint8_t>(status))), date(d->expires_on)});
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table pending_table(const std::vector<projections::PendingRow>& rows, Date day, const Names& names) {
    Table t{"pending", "Pendientes", {}, {}};
    provider_columns(t.columns);
    obra_social_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"transaction", "Transaccion", Kind::text},
                                       {"item", "Item", Kind::integer},
                                       {"affiliate_number", "Afiliado", Kind::text},
                                       {"affiliate_name", "Apellido y nombre", Kind::text},
                                       {"credential", "Credencial", Kind::text},
                                       {"practice_code", "Practica", Kind::text},
                                       {"practice_name", "Descripcion", Kind::text},
                                       {"tooth", "Pieza", Kind::integer},
                                       {"faces", "Caras", Kind::text},
                                       {"authorized_at", "Autorizada", Kind::instant},
                                       {"age_days", "Dias al " + domain::to_string(day), Kind::integer}});
    for (const projections::PendingRow& p : rows) {
        const auto& x = p.transaction;
        std::vector<Value> row;
        provider_cells(row, p.provider, names);
        obra_social_cells(row, p.obra_social, names);
        row.insert(row.end(), {text(domain::transaction_label(x)), count(int64_t{p.item}), text(p.affiliate_number), text(p.affiliate_name),
                               text(p.credential), text(p.practice_code), names.practice(p.obra_social, p.practice_code),
                               p.tooth == 0 ? Value() : count(int64_t{p.tooth}), text(p.faces), instant(p.authorized_at),
                               count(int64_t{p.age_days(day)})});
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table validation_table(std::span<const ValidationEntry> rows, const Names& names) {
    // SanCor's monthly sheet (seed 004), its eleven columns in its order and words, with the
    // practice's description and the plan to point out beside them.
    Table t{"validation", "Validacion A10", {}, {}};
    obra_social_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"provider", "Prestador", Kind::integer},
                                       {"convenio", "Desc. Prestador convenio", Kind::text},
                                       {"provider_number", "Nro Efector prestador", Kind::text},
                                       {"razon_social", "Desc. Prestador efector", Kind::text},
                                       {"matricula", "Matricula prestador efector", Kind::text},
                                       {"order_number", "Nro De orden", Kind::text},
                                       {"order_date", "Fecha de orden", Kind::date},
                                       {"affiliate_number", "Nro Afiliado origen", Kind::text},
                                       {"affiliate_name", "Apellido y nombre del afiliado", Kind::text},
                                       {"practice_code", "Codigo", Kind::text},
                                       {"practice_name", "Descripcion", Kind::text},
                                       {"plan", "Plan", Kind::text},
                                       {"plan_flagged", "Aclarar plan", Kind::text},
                                       {"state", "Estado", Kind::text}});
    for (const ValidationEntry& v : rows) {
        const auto& x = v.row;
        std::vector<Value> row;
        obra_social_cells(row, v.obra_social, names);
        row.insert(row.end(), {count(v.provider.value()), text(x.convenio), text(x.provider_number), text(x.razon_social),
                               text(x.matricula), text(x.order_number), date(x.order_date), text(x.affiliate_number),
                               text(x.affiliate_name), text(x.practice_code), names.practice(v.obra_social, x.practice_code), text(x.plan),
                               text(x.plan_flagged ? "Sí" : ""), text(domain::state_label(x.state))});
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table invoices_table(const std::vector<InvoiceEntry>& rows, const Names& names) {
    Table t{"invoices", "Facturas F4", {}, {}};
    provider_columns(t.columns);
    obra_social_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"period", "Periodo", Kind::text},
                                       {"received_on", "Recepcion", Kind::date},
                                       {"invoice", "Factura", Kind::text},
                                       {"amount", "Importe", Kind::money},
                                       {"debits", "Debitos", Kind::money},
                                       {"outstanding", "Saldo", Kind::money},
                                       {"due_on", "Vencimiento", Kind::date},
                                       {"state", "Estado", Kind::text},
                                       {"payment_order", "Orden de pago", Kind::text},
                                       {"debit_sheet", "Planilla de debitos", Kind::text}});
    for (const InvoiceEntry& i : rows) {
        const auto& x = i.row;
        std::vector<Value> row;
        provider_cells(row, i.provider, names);
        obra_social_cells(row, i.obra_social, names);
        row.insert(row.end(), {text(domain::to_string(i.period)), i.received ? date(x.received_on) : Value(), text(x.invoice),
                               money(x.amount), money(x.debits), money(x.outstanding), i.received ? date(x.due_on) : Value(),
                               text(domain::label_of(domain::kInvoiceListingStates, domain::kInvoiceListingStateLabels, x.state)),
                               text(x.payment_order), text(x.debit_sheet)});
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table payouts_table(const std::vector<PayoutEntry>& rows, const Names& names) {
    Table t{"payouts", "Pagos a prestadores", {}, {}};
    t.columns = {{"period", "Periodo", Kind::text}};
    provider_columns(t.columns);
    t.columns.insert(t.columns.end(),
                     {{"cbu", "CBU", Kind::text}, {"collected", "Cobrado", Kind::money}, {"debited", "Debitos", Kind::money}});
    retention_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"retained", "Retenido", Kind::money},
                                       {"paid", "Pagado", Kind::money},
                                       {"due", "A transferir", Kind::money},
                                       {"state", "Estado", Kind::text}});
    for (const PayoutEntry& p : rows) {
        std::vector<Value> row{text(domain::to_string(p.period))};
        provider_cells(row, p.provider, names);
        const auto* who = names.provider(p.provider);
        row.insert(row.end(), {who ? text(who->cbu) : Value(), money(p.collected), money(p.debited)});
        retention_cells(row, p.retentions);
        row.insert(row.end(), {money(p.retained), money(p.paid), money(p.due), text(domain::state_label(p.state()))});
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table debits_table(const std::vector<projections::InvoiceViewRow>& invoices, const Names& names) {
    Table t{"debits", "Debitos", {{"period", "Periodo", Kind::text}}, {}};
    obra_social_columns(t.columns);
    provider_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"invoice", "Factura", Kind::text},
                                       {"debit_id", "Debito", Kind::text},
                                       {"reason_code", "Motivo", Kind::text},
                                       {"reason", "Descripcion del motivo", Kind::text},
                                       {"amount", "Importe", Kind::money},
                                       {"debit_sheet", "Planilla de debitos", Kind::text}});
    for (const auto& inv : invoices)
        for (const auto& d : inv.debits) {
            std::vector<Value> row{text(domain::to_string(inv.period))};
            obra_social_cells(row, inv.obra_social, names);
            provider_cells(row, inv.provider, names);
            row.insert(row.end(),
                       {text(inv.label()), text(d.debit_id), text(d.reason_code), text(d.reason), money(d.amount), text(d.debit_sheet)});
            t.rows.push_back(std::move(row));
        }
    return t;
}

Table payment_orders_table(const std::vector<projections::InvoiceViewRow>& invoices, const Names& names) {
    Table t{"payment_orders",
            "Ordenes de pago",
            {{"payment_order_type", "Comprobante", Kind::text},
             {"payment_order", "Nro comprobante orden", Kind::text},
             {"paid_on", "Fecha de pago", Kind::date},
             {"retention_certificate", "Retenciones", Kind::text}},
            {}};
    obra_social_columns(t.columns);
    provider_columns(t.columns);
    t.columns.insert(t.columns.end(), {{"period", "Periodo", Kind::text},
                                       {"invoice", "Factura", Kind::text},
                                       {"invoice_amount", "Importe facturado", Kind::money},
                                       {"amount", "Importe pagado", Kind::money}});
    std::vector<std::pair<const projections::InvoiceViewRow*, const projections::InvoicePayment*>> lines;
    for (const auto& inv : invoices)
        for (const auto& p : inv.payments) lines.emplace_back(&inv, &p);
    // One order's lines together, orders by date: the obra social's remittance as it reads.
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
        return std::tie(a.second->paid_on.days, a.first->obra_social, a.second->payment_order) <
               std::tie(b.second->paid_on.days, b.first->obra_social, b.second->payment_order);
    });
    for (const auto& [inv, p] : lines) {
        std::vector<Value> row{text(p->type), text(p->payment_order), date(p->paid_on), text(p->retention_certificate)};
        obra_social_cells(row, inv->obra_social, names);
        provider_cells(row, inv->provider, names);
        row.insert(row.end(), {text(domain::to_string(inv->period)), text(inv->label()), money(inv->amount), money(p->amount)});
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table retentions_table(const std::vector<projections::SettlementRow>& rows, const Names& names) {
    Table t{"retentions", "Retenciones", {{"period", "Periodo", Kind::text}}, {}};
    obra_social_columns(t.columns);
    provider_columns(t.columns);
    t.columns.insert(t.columns.end(),
                     {{"kind", "Tipo", Kind::text}, {"kind_name", "Retencion", Kind::text}, {"amount", "Importe", Kind::money}});
    for (const auto& s : rows)
        for (const auto& [kind, amount] : s.retentions) {
            if (amount == 0) continue;
            std::vector<Value> row{text(domain::to_string(s.period))};
            obra_social_cells(row, s.obra_social, names);
            provider_cells(row, s.provider, names);
            const auto k = static_cast<uint8_t>(kind);
            row.insert(row.end(), {text(domain::name_of(domain::kRetentionKindNames, k)), text(label(domain::kRetentionKindLabels, k)),
                                   money(amount)});
            t.rows.push_back(std::move(row));
        }
    return t;
}

Table authorizations_table(const std::vector<domain::AuthorizationRow>& rows, const Names& names) {
    // InSSSeP's Reporte de Autorizaciones (seed 002), its columns in its order, with the tooth,
    // faces and state apart.
    Table t{"authorizations", "Autorizaciones A9", {}, {}};
    t.columns = {{"credential", "Credencial", Kind::text},
                 {"affiliate_name", "Nombre", Kind::text},
                 {"at", "Fecha y hora", Kind::instant},
                 {"transaction", "Nro. transaccion", Kind::text},
                 {"channel", "Canal", Kind::text},
                 {"practice_code", "Cod. Prestacion", Kind::text},
                 {"description", "Descripcion", Kind::text},
                 {"tooth", "Pieza", Kind::integer},
                 {"faces", "Caras", Kind::text},
                 {"state", "Estado", Kind::text},
                 {"quantity", "Cant.", Kind::integer},
                 {"amount", "Importe total", Kind::money},
                 {"consumption", "Nro. consumo", Kind::text},
                 {"billing", "Tipo F", Kind::text},
                 {"item", "Item", Kind::integer}};
    for (const auto& r : rows)
        t.rows.push_back({text(r.credential), text(r.affiliate_name), instant(r.at), text(domain::transaction_label(r.transaction)),
                          text(r.channel), text(r.practice_code), names.practice(r.obra_social, r.practice_code),
                          r.tooth == 0 ? Value() : count(int64_t{r.tooth}), text(r.faces), text(domain::state_label(r.state)),
                          count(int64_t{r.quantity}), money(r.amount), r.consumption == 0 ? Value() : text(std::to_string(r.consumption)),
                          r.billing ? text(std::string(domain::kTipoFacturacionLabels[static_cast<size_t>(*r.billing)])) : Value(),
                          count(int64_t{r.item})});
    return t;
}

Table submissions_table(const std::vector<domain::PendingSubmission>& rows) {
    Table t{"submissions", "Presentaciones F5", {}, {}};
    t.columns = {{"invoice_id", "Factura", Kind::text}, {"kind", "Tipo", Kind::text}, {"amount", "Importe", Kind::money}};
    for (const auto& r : rows)
        t.rows.push_back({text(r.invoice_id), text(r.kind == "nota_de_credito" ? "Nota de credito" : "Refacturacion"), money(r.amount)});
    return t;
}

Table presentations_table(const std::vector<PresentationEntry>& rows, const Names& names) {
    Table t{"presentations", "Presentaciones del colegio", {}, {}};
    t.columns = {{"presentation", "Presentacion", Kind::text},
                 {"obra_social", "Obra social", Kind::text},
                 {"period", "Periodo", Kind::text},
                 {"presented_on", "Fecha", Kind::date},
                 {"amount", "Importe", Kind::money},
                 {"approved", "Aprobado en el sistema", Kind::money},
                 {"difference", "Diferencia", Kind::money},
                 {"debited", "Debitos", Kind::money},
                 {"paid", "Pagado", Kind::money},
                 {"outstanding", "Saldo", Kind::money},
                 {"state", "Estado", Kind::text},
                 {"payment_orders", "Ordenes de pago", Kind::text}};
    for (const auto& [p, approved] : rows) {
        const domain::PresentationSubmitted& s = p->submitted;
        std::string orders;
        for (const auto& x : p->payments)
            orders += (orders.empty() ? "" : ", ") + domain::payment_order_label(x.payment_order_type, x.payment_order);
        t.rows.push_back({text(s.presentation), text(names.obra_social(s.obra_social)), text(domain::to_string(s.period)),
                          date(s.presented_on), money(s.amount), money(approved),
                          money(approved ? domain::money::sub(s.amount, *approved) : std::nullopt), money(p->debited), money(p->paid),
                          money(p->outstanding()), text(std::string(domain::presentation_state(*p))), text(std::move(orders))});
    }
    return t;
}

}  // namespace liquida::replay
