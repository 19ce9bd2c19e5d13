#include "gateway/view_json.h"

#include <cstdio>

#include "domain/names.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

json tally(const projections::Tally& t) { return {{"count", t.count}, {"amount", t.amount}}; }

// A derived amount; null when it does not fit int64 (never for rows read from the views).
json amount(std::optional<domain::Centavos> c) { return c ? json(*c) : json(nullptr); }

}  // namespace

json to_json(const projections::PadronRow& r, domain::Date today) {
    const auto& id = r.state.identity;
    json docs = json::array();
    for (const auto& d : r.documents()) {
        docs.push_back({{"type", domain::name_of(domain::kDocumentTypeNames, static_cast<uint8_t>(d.type))},
                        {"document_id", d.document_id},
                        {"state", domain::name_of(domain::kDocumentStatusNames, static_cast<uint8_t>(d.status))},
                        {"uploaded_at", domain::to_iso_local(d.uploaded_at)},
                        {"verified_at", d.verified_at ? json(domain::to_iso_local(d.verified_at)) : json(nullptr)},
                        {"expires_on", domain::to_string(d.expires_on)}});
    }
    json adhesions = json::object();
    for (const auto& [os, number] : r.state.provider_numbers) adhesions[os.value()] = number;
    const auto missing = domain::missing_document(r.state, today);
    return {
        {"provider", r.provider.value()},
        {"registered", r.state.registered},
        {"matricula", id.matricula},
        {"cuit", id.cuit},
        {"razon_social", id.razon_social},
        {"category", id.category},
        {"cbu", id.cbu},
        {"email", id.email},
        {"enrolled", r.state.enrolled},
        {"enrolled_on", r.state.enrolled ? json(domain::to_string(r.state.enrolled_on)) : json(nullptr)},
        {"left_on", r.left_on ? json(domain::to_string(*r.left_on)) : json(nullptr)},
        {"documents", docs},
        {"adhesions", adhesions},
        {"as_of", domain::to_string(today)},
        {"in_good_standing", r.in_good_standing(today)},
        {"missing_document", missing ? json(domain::name_of(domain::kDocumentTypeNames, static_cast<uint8_t>(*missing))) : json(nullptr)}};
}

json to_json(const projections::PendingRow& r, domain::Date today) {
    return {{"provider", r.provider.value()},
            {"transaction", domain::transaction_label(r.transaction)},
            {"item", r.item},
            {"obra_social", r.obra_social.value()},
            {"affiliate_number", r.affiliate_number},
            {"affiliate_name", r.affiliate_name},
            {"credential", r.credential},
            {"practice_code", r.practice_code},
            {"tooth", r.tooth},
            {"faces", r.faces},
            {"authorized_at", domain::to_iso_local(r.authorized_at)},
            {"age_days", r.age_days(today)}};
}

json to_json(const projections::SettlementRow& r) {
    json debits = json::object();
    for (const auto& [reason, amount] : r.debits) debits[reason] = amount;
    json retentions = json::object();
    for (const auto& [kind, amount] : r.retentions)
        retentions[domain::name_of(domain::kRetentionKindNames, static_cast<uint8_t>(kind))] = amount;
    json out = {{"period", domain::to_string(r.period)},
                {"obra_social", r.obra_social.value()},
                {"orders_loaded", tally(r.orders_loaded)},
                {"orders_approved", tally(r.orders_approved)},
                {"orders_rejected", tally(r.orders_rejected)},
                {"orders_rolled", tally(r.orders_rolled)},
                {"billable", tally(r.billable)},
                {"total", amount(r.total())},
                {"invoiced", tally(r.invoiced)},
                {"reinvoiced", r.reinvoiced},
                {"debits", debits},
                {"debited", amount(r.debited())},
                {"balance", amount(r.balance())},
                {"collected", r.collected},
                {"retentions", retentions},
                {"retained", amount(r.retained())},
                {"paid_to_provider", r.paid_to_provider},
                {"due_to_provider", amount(r.due_to_provider())},
                {"invoice_state", r.invoice_state}};
    if (r.provider.value() != 0) out["provider"] = r.provider.value();
    return out;
}

json to_json(const projections::InvoiceViewRow& r, const domain::Config& config) {
    const auto due = r.due_on(config);
    json debits = json::array();
    for (const auto& d : r.debits)
        debits.push_back({{"debit_id", d.debit_id},
                          {"amount", d.amount},
                          {"reason_code", d.reason_code},
                          {"reason", d.reason},
                          {"debit_sheet", d.debit_sheet}});
    json payments = json::array();
    for (const auto& p : r.payments)
        payments.push_back({{"payment_order", p.payment_order},
                            {"payment_order_type", p.type},
                            {"label", p.label()},
                            {"paid_on", domain::to_string(p.paid_on)},
                            {"amount", p.amount},
                            {"retention_certificate", p.retention_certificate}});
    return {{"provider", r.provider.value()},
            {"invoice_id", r.invoice_id},
            {"invoice", r.label()},
            {"obra_social", r.obra_social.value()},
            {"billing", domain::name_of(domain::kBillingTypeNames, static_cast<uint8_t>(r.billing))},
            {"period", domain::to_string(r.period)},
            {"issued_on", domain::to_string(r.issued_on)},
            {"received_at", r.received_at ? json(domain::to_iso_local(r.received_at)) : json(nullptr)},
            {"amount", r.amount},
            {"debits", debits},
            {"debited", amount(r.debited())},
            {"balance", amount(r.balance())},
            {"credited", r.credited},
            {"paid", r.paid},
            {"outstanding", amount(r.outstanding())},
            {"punto_de_venta", r.punto_de_venta},
            {"number", r.number},
            {"due_on", due ? json(domain::to_string(*due)) : json(nullptr)},
            {"state", r.state()},
            {"payments", payments}};
}

json to_json(const projections::OrderRow& r) {
    const domain::OrderLoaded& o = r.loaded;
    json fields = json::object();
    for (const auto& f : o.fields) fields[f.name] = f.value;
    return {{"provider", r.provider.value()},
            {"order_id", o.order_id},
            {"obra_social", o.obra_social.value()},
            {"affiliate_number", o.affiliate_number},
            {"affiliate_name", o.affiliate_name},
            {"plan", o.plan},
            {"practice_code", o.practice_code},
            {"attention_date", domain::to_string(o.attention_date)},
            {"amount", o.amount},
            {"fee_version", o.fee_version},
            {"period", domain::to_string(o.period)},
            {"rolled_from", r.rolled_from ? json(domain::to_string(*r.rolled_from)) : json(nullptr)},
            {"state", domain::name_of(domain::kOrderStatusNames, static_cast<uint8_t>(r.status))},
            {"reason_code", r.reason_code},
            {"reason", r.reason},
            {"loaded_at", domain::to_iso_local(r.loaded_at)},
            {"fields", std::move(fields)}};
}

json to_json(const projections::Row& r, domain::Date today, const domain::Config& config) {
    return std::visit(
        [&](const auto& row) -> json {
            using R = std::decay_t<decltype(row)>;
            if constexpr (std::is_same_v<R, projections::PadronRow> || std::is_same_v<R, projections::PendingRow>)
                return to_json(row, today);
            else if constexpr (std::is_same_v<R, projections::InvoiceViewRow>) return to_json(row, config);
            else return to_json(row);
        },
        r);
}

RowScope scope_of(const projections::Row& r) {
    return std::visit(
        [](const auto& row) -> RowScope {
            using R = std::decay_t<decltype(row)>;
            if constexpr (std::is_same_v<R, projections::PadronRow>) return {row.provider, {}, std::nullopt};
            else if constexpr (std::is_same_v<R, projections::PendingRow>) return {row.provider, row.obra_social.value(), std::nullopt};
            else if constexpr (std::is_same_v<R, projections::OrderRow>)
                return {row.provider, row.loaded.obra_social.value(), row.loaded.period};
            else return {row.provider, row.obra_social.value(), row.period};
        },
        r);
}

}  // namespace liquida::gateway
