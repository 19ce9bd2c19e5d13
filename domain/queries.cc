#include "domain/queries.h"

#include <algorithm>
#include <cstdio>

#include "domain/money.h"
#include "domain/names.h"

namespace liquida::domain {
namespace {

std::string_view item_state(const BudgetRecord& b, const BudgetItemRecord& r) noexcept {
    return item_state(b.status == BudgetStatus::cancelled || r.cancelled, r.consumed, r.result);
}

}  // namespace

Date six_months_before(Date d) {
    CivilDate c = civil_from_date(d);
    int32_t months = c.year * 12 + static_cast<int32_t>(c.month) - 1 - 6;
    const int32_t y = months / 12;
    const auto m = static_cast<uint32_t>(months % 12 + 1);
    const Date first = date_from_civil(y, m, 1);
    const Date next = date_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
    return Date{std::min(first.days + static_cast<int32_t>(c.day) - 1, next.days - 1)};
}

result<Settlement, DomainError> settlement_of(const ProviderLedger& s, Period period, const ObraSocialId& obra_social) {
    money::Sum orders, consumptions, invoiced, reinvoiced, debits, collected;
    for (const auto& [id, o] : s.orders.orders) {
        if (o.status == OrderStatus::approved && o.loaded.period == period && o.loaded.obra_social == obra_social)
            orders.add(o.loaded.amount);
    }
    for (const auto& [key, b] : s.authorizations.budgets) {
        if (b.status == BudgetStatus::cancelled || b.submitted.obra_social != obra_social) continue;
        for (const BudgetItemRecord& r : b.items) {
            if (r.consumed && r.period == period) consumptions.add(r.amount);
        }
    }
    for (const auto& [id, inv] : s.invoices.invoices) {
        if (!inv.active() || inv.issued.period != period || inv.issued.obra_social != obra_social) continue;
        (inv.issued.billing == BillingType::refacturacion ? reinvoiced : invoiced).add(inv.issued.amount);
        debits.add(inv.debited());
        collected.add(inv.paid);
    }
    Settlement st;
    if (const auto it = s.payouts.payouts.find({period, obra_social}); it != s.payouts.payouts.end()) {
        st.retentions = it->second.retained;
        st.paid_to_provider = it->second.paid;
    }
    const auto total = money::Sum(orders.value()).add(consumptions.value()).value();
    const auto balance = money::Sum(invoiced.value()).add(reinvoiced.value()).sub(debits.value()).value();
    const auto due = money::Sum(collected.value()).sub(st.retentions).sub(st.paid_to_provider).value();
    // `total`, `balance` and `due` fail when any of their parts did.
    if (!total || !balance || !due) return failure<DomainError>{money::overflow("period")};
    st.orders = *orders.value();
    st.consumptions = *consumptions.value();
    st.total = *total;
    st.invoiced = *invoiced.value();
    st.reinvoiced = *reinvoiced.value();
    st.debits = *debits.value();
    st.balance = *balance;
    st.collected = *collected.value();
    st.due_to_provider = *due;
    return st;
}

char comprobante_letter(ComprobanteType type) {
    constexpr char kLetters[] = {'A', 'B', 'C', 'E', 'M', 'X'};
    static_assert(std::size(kLetters) == std::size(kComprobanteNames));
    const auto i = static_cast<size_t>(type);
    return i < std::size(kLetters) ? kLetters[i] : '?';
}

std::string invoice_label(const InvoiceIssued& i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c %05u-%08u", comprobante_letter(i.comprobante), i.punto_de_venta, i.number);
    return buf;
}

std::string payment_order_label(std::string_view type, std::string_view number) {
    return type.empty() ? std::string(number) : std::string(type) + " " + std::string(number);
}

std::string invoice_state(InvoiceStatus status, Centavos paid, Centavos balance) {
    if (status != InvoiceStatus::rechazada && paid > 0 && paid >= balance) return std::string(kCancelado);
    return name_of(kInvoiceStatusNames, static_cast<uint8_t>(status));
}

result<std::vector<InvoiceRow>, DomainError> invoice_listing(const ProviderLedger& s, Date today, const Config& config) {
    std::vector<InvoiceRow> rows;
    const Date since = six_months_before(today);
    for (const auto& [id, inv] : s.invoices.invoices) {
        if (!inv.received_at) continue;
        const Date received = local_date(*inv.received_at);
        if (received < since || today < received) continue;
        const auto debited = inv.debited();
        const auto balance = inv.balance();
        const auto outstanding = money::Sum(balance).sub(inv.paid).value();
        if (!debited || !balance || !outstanding) return failure<DomainError>{money::overflow("invoices." + id)};
        rows.push_back(InvoiceRow{received, invoice_label(inv.issued), inv.issued.amount, *debited, *outstanding,
                                  config.due_on(inv.issued.obra_social, received, inv.issued.amount),
                                  invoice_state(inv.status, inv.paid, *balance),
                                  inv.payment_orders.empty() ? std::string{} : inv.payment_orders.back(),
                                  inv.debits.empty() ? std::string{} : inv.debits.back().applied.debit_sheet});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const InvoiceRow& a, const InvoiceRow& b) { return b.received_on < a.received_on; });
    return rows;
}

result<std::vector<PendingSubmission>, DomainError> pending_submissions(const ProviderLedger& s) {
    std::vector<PendingSubmission> out;
    for (const auto& [id, inv] : s.invoices.invoices) {
        const auto owed = money::Sum(inv.debited()).sub(inv.credited).value();
        money::Sum approved;
        for (const DebitRecord& d : inv.debits) {
            if (d.reinvoice_approved == true && !d.reinvoiced) approved.add(d.applied.amount);
        }
        if (!owed || !approved.ok()) return failure<DomainError>{money::overflow("invoices." + id)};
        if (*owed > 0) out.push_back({id, "nota_de_credito", *owed});
        if (*approved.value() > 0) out.push_back({id, "refacturacion", *approved.value()});
    }
    return out;
}

uint32_t reports_due(const ProviderLedger& s, Period period, const ObraSocialConfig& os) {
    if (!os.report_with_presentation) return 0;
    uint32_t n = 0;
    for (const auto& [key, b] : s.authorizations.budgets) {
        if (b.submitted.obra_social != os.id || b.status == BudgetStatus::cancelled) continue;
        for (const BudgetItemRecord& r : b.items) {
            const PracticeConfig* p = os.practice(r.item.practice_code);
            if (r.consumed && !r.cancelled && r.period == period && p != nullptr && p->requires_report) ++n;
        }
    }
    return n;
}

std::vector<AuthorizationRow> authorization_report(const ProviderLedger& s, Date from, Date to, ReportOrder order) {
    std::vector<AuthorizationRow> rows;
    for (const auto& [key, b] : s.authorizations.budgets) {
        const Date day = local_date(b.submitted_at);
        if (day < from || to < day) continue;
        for (const BudgetItemRecord& r : b.items) {
            const std::string_view state = item_state(b, r);
            rows.push_back(AuthorizationRow{b.submitted_at, b.submitted.credential, b.submitted.transaction, b.submitted.channel,
                                            b.submitted.obra_social, r.item.practice_code, r.item.tooth, r.item.faces, std::string(state),
                                            r.amount, b.submitted.affiliate_name, r.item.quantity, r.consumption,
                                            state == "consumida" ? std::optional(r.billing) : std::nullopt, r.item.item});
        }
    }
    const auto by = [order](const AuthorizationRow& a, const AuthorizationRow& b) {
        switch (order) {
            case ReportOrder::credential: return a.credential < b.credential;
            case ReportOrder::practice: return a.practice_code < b.practice_code;
            case ReportOrder::channel: return a.channel < b.channel;
            case ReportOrder::amount: return a.amount < b.amount;
            case ReportOrder::date: break;
        }
        return a.at < b.at;
    };
    std::stable_sort(rows.begin(), rows.end(), by);
    return rows;
}

std::string render_txt(const std::vector<AuthorizationRow>& rows) {
    std::string out =
        "fecha\tcredencial\tnombre\ttransaccion\tcanal\tpractica\tdiente\tcaras\testado\tcantidad\timporte\tconsumo\ttipo_f\n";
    for (const AuthorizationRow& r : rows) {
        // Text cells made inert (a tab or a line break in one would also break the line).
        out += to_string(local_date(r.at)) + "\t" + spreadsheet_text(r.credential) + "\t" + spreadsheet_text(r.affiliate_name) + "\t" +
               spreadsheet_text(transaction_label(r.transaction)) + "\t" + spreadsheet_text(r.channel) + "\t" +
               spreadsheet_text(r.practice_code) + "\t" + (r.tooth == 0 ? std::string{} : std::to_string(r.tooth)) + "\t" +
               spreadsheet_text(r.faces) + "\t" + r.state + "\t" + std::to_string(r.quantity) + "\t" + std::to_string(r.amount) + "\t" +
               (r.consumption == 0 ? std::string{} : std::to_string(r.consumption)) + "\t" +
               (r.billing ? std::string(kTipoFacturacionNames[static_cast<size_t>(*r.billing)]) : std::string{}) + "\n";
    }
    return out;
}

std::string_view item_state(bool cancelled, bool consumed, ItemResult result) noexcept {
    if (cancelled) return "anulada";
    if (consumed) return "consumida";
    switch (result) {
        case ItemResult::autorizada: return "autorizada";
        case ItemResult::rechazada: return "rechazada";
        case ItemResult::en_auditoria: return "en_auditoria";
    }
    return "en_auditoria";
}

std::string transaction_label(const TransactionRef& t) {
    if (t.boca == 0 && t.serie.empty()) return std::to_string(t.number);
    return std::to_string(t.boca) + "-" + t.serie + "-" + std::to_string(t.number);
}

std::vector<ValidationRow> validation_report(const ProviderLedger& s, Period period, const ObraSocialId& obra_social) {
    std::vector<ValidationRow> rows;
    const auto number = s.provider.provider_numbers.find(obra_social);
    const auto convenio = s.provider.convenios.find(obra_social);
    for (const auto& [key, b] : s.authorizations.budgets) {
        if (b.submitted.obra_social != obra_social) continue;
        const CivilDate c = civil_from_date(local_date(b.submitted_at));
        if (Period{c.year, c.month} != period) continue;
        for (const BudgetItemRecord& r : b.items) {
            const auto& x = b.submitted;
            rows.push_back(ValidationRow{convenio == s.provider.convenios.end() ? std::string{} : convenio->second,
                                         number == s.provider.provider_numbers.end() ? std::string{} : number->second,
                                         s.provider.identity.razon_social, s.provider.identity.matricula, transaction_label(x.transaction),
                                         local_date(b.submitted_at), x.affiliate_number, x.affiliate_name, r.item.practice_code, x.plan,
                                         x.plan_flagged, std::string(item_state(b, r))});
        }
    }
    return rows;
}

}  // namespace liquida::domain
