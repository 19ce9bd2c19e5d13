// Rows: derived values and their on-disk form.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "domain/money.h"
#include "domain/queries.h"
#include "projections/row_codec.h"

namespace liquida::projections {

std::string_view view_name(View v) noexcept {
    constexpr std::string_view kNames[] = {"padron", "pending", "settlement", "invoices", "orders"};
    static_assert(std::size(kNames) == std::size(kViews));
    const auto i = static_cast<size_t>(v);
    return i < std::size(kNames) ? kNames[i] : std::string_view{"unknown"};
}

std::vector<DocumentRow> PadronRow::documents() const {
    std::map<domain::DocumentType, DocumentRow> latest;
    for (size_t i = 0; i < state.documents.size(); ++i) {
        const auto& d = state.documents[i];
        latest[d.uploaded.type] = DocumentRow{d.uploaded.type,
                                              d.uploaded.document_id,
                                              d.status,
                                              i < uploaded_at.size() ? uploaded_at[i] : 0,
                                              i < verified_at.size() ? verified_at[i] : 0,
                                              d.uploaded.expires_on};
    }
    std::vector<DocumentRow> out;
    for (auto& [type, row] : latest) out.push_back(std::move(row));
    return out;
}

namespace {

namespace money = domain::money;

// into + x (sign 1) or into - x (sign -1), checked.
std::optional<Centavos> plus(Centavos into, Centavos x, int sign) noexcept { return sign < 0 ? money::sub(into, x) : money::add(into, x); }

}  // namespace

bool Tally::add(const Tally& o, int sign) noexcept {
    const auto c = plus(count, o.count, sign);
    const auto a = plus(amount, o.amount, sign);
    if (!c || !a) return false;
    count = *c;
    amount = *a;
    return true;
}

std::optional<Centavos> SettlementRow::total() const noexcept { return money::add(orders_approved.amount, billable.amount); }

std::optional<Centavos> SettlementRow::debited() const noexcept {
    money::Sum sum;
    for (const auto& [reason, amount] : debits) sum.add(amount);
    return sum.value();
}

std::optional<Centavos> SettlementRow::retained() const noexcept {
    money::Sum sum;
    for (const auto& [kind, amount] : retentions) sum.add(amount);
    return sum.value();
}

std::optional<Centavos> SettlementRow::balance() const noexcept {
    return money::Sum(invoiced.amount).add(reinvoiced).sub(debited()).value();
}

std::optional<Centavos> SettlementRow::due_to_provider() const noexcept {
    return money::Sum(collected).sub(retained()).sub(paid_to_provider).value();
}

// balance() holds debited(), due_to_provider() retained().
bool SettlementRow::fits() const noexcept { return total() && balance() && due_to_provider(); }

namespace {

// Invoice states from least to most advanced, for the roll-up's "least advanced". A provider
// with something to bill and no invoice yet holds the colegio's invoice at "pendiente".
constexpr std::string_view kOrder[] = {"pendiente", "cargada", "observada", "enviada", "aceptada", "ingresada", "cancelado"};
int progress(const SettlementRow& r) {
    const auto total = r.total();
    const bool to_bill = total && *total > 0;
    const std::string_view state = r.invoice_state.empty() && to_bill ? std::string_view("pendiente") : std::string_view(r.invoice_state);
    for (size_t i = 0; i < std::size(kOrder); ++i)
        if (kOrder[i] == state) return static_cast<int>(i);
    return 100;  // nothing to bill, or rechazada: says nothing about progress
}

}  // namespace

bool SettlementRow::add(const SettlementRow& o, int sign) {
    if (&o == this) {                  // the loops below erase from the maps they would be walking
        const SettlementRow copy = o;  // NOLINT(performance-unnecessary-copy-initialization): o is *this, which add changes
        return add(copy, sign);
    }
    bool ok = orders_loaded.add(o.orders_loaded, sign) && orders_approved.add(o.orders_approved, sign) &&
              orders_rejected.add(o.orders_rejected, sign) && orders_rolled.add(o.orders_rolled, sign) && billable.add(o.billable, sign) &&
              invoiced.add(o.invoiced, sign);
    const auto column = [&](Centavos& into, Centavos x) {
        if (const auto v = plus(into, x, sign)) into = *v;
        else ok = false;
    };
    column(reinvoiced, o.reinvoiced);
    for (const auto& [k, v] : o.debits) {
        column(debits[k], v);
        if (debits[k] == 0) debits.erase(k);
    }
    column(collected, o.collected);
    for (const auto& [k, v] : o.retentions) {
        column(retentions[k], v);
        if (retentions[k] == 0) retentions.erase(k);
    }
    column(paid_to_provider, o.paid_to_provider);
    return ok;
}

std::string InvoiceViewRow::label() const {
    domain::InvoiceIssued i;
    i.comprobante = comprobante;
    i.punto_de_venta = punto_de_venta;
    i.number = number;
    return domain::invoice_label(i);
}

std::optional<Centavos> InvoiceViewRow::debited() const noexcept {
    money::Sum sum;
    for (const DebitEntry& d : debits) sum.add(d.amount);
    return sum.value();
}

std::optional<Centavos> InvoiceViewRow::balance() const noexcept { return money::Sum(amount).sub(debited()).value(); }

std::string InvoiceViewRow::state() const {
    const auto left = balance();
    return domain::invoice_state(status, paid, left.value_or(INT64_MAX));
}

std::optional<Date> InvoiceViewRow::due_on(const domain::Config& config) const {
    if (received_at == 0) return std::nullopt;
    return config.due_on(obra_social, domain::local_date(received_at), amount);
}

std::string InvoicePayment::label() const { return domain::payment_order_label(type, payment_order); }

std::optional<Centavos> InvoiceViewRow::outstanding() const noexcept { return money::Sum(balance()).sub(paid).value(); }

bool InvoiceFilter::matches(const InvoiceViewRow& r) const {
    if ((where.obra_social && r.obra_social != *where.obra_social) || (where.period && r.period != *where.period) ||
        (punto_de_venta && r.punto_de_venta != *punto_de_venta) || (number && r.number != *number))
        return false;
    if (!received_from && !received_to) return true;
    if (r.received_at == 0) return false;
    const Date received = domain::local_date(r.received_at);
    return !(received_from && received < *received_from) && !(received_to && *received_to < received);
}

domain::InvoiceRow invoice_row(const InvoiceViewRow& inv, const domain::Config& config) {
    // Rows read from the views fit.
    return {inv.received_at != 0 ? domain::local_date(inv.received_at) : Date{},
            inv.label(),
            inv.amount,
            inv.debited().value_or(0),
            inv.outstanding().value_or(0),
            inv.due_on(config).value_or(Date{}),
            inv.state(),
            inv.payments.empty() ? std::string{} : inv.payments.back().label(),
            inv.debits.empty() ? std::string{} : inv.debits.back().debit_sheet};
}

std::vector<std::pair<const InvoiceViewRow*, domain::InvoiceRow>> invoice_listing(const std::vector<InvoiceViewRow>& rows, Date today,
                                                                                  const domain::Config& config) {
    std::vector<std::pair<const InvoiceViewRow*, domain::InvoiceRow>> out;
    const Date since = domain::six_months_before(today);
    for (const InvoiceViewRow& inv : rows) {
        if (!inv.due_on(config)) continue;  // not received
        const Date received = domain::local_date(inv.received_at);
        if (received < since || today < received) continue;
        out.emplace_back(&inv, invoice_row(inv, config));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        if (a.first->provider != b.first->provider) return a.first->provider < b.first->provider;
        return b.second.received_on < a.second.received_on;
    });
    return out;
}

std::optional<std::vector<SettlementRow>> checked_roll_up(const std::vector<SettlementRow>& rows, bool by_obra_social) {
    std::map<std::pair<Period, std::string>, std::pair<SettlementRow, int>> sums;  // sum, least progress
    for (const SettlementRow& r : rows) {
        const std::string os = by_obra_social ? r.obra_social.value() : std::string();
        auto [it, fresh] = sums.try_emplace({r.period, os}, SettlementRow{}, 100);
        auto& [sum, least] = it->second;
        if (fresh) {
            sum.period = r.period;
            sum.obra_social = ObraSocialId{os};
        }
        if (!sum.add(r) || !sum.fits()) return std::nullopt;
        least = std::min(least, progress(r));
    }
    std::vector<SettlementRow> out;
    for (auto& [k, v] : sums) {
        if (v.second < 100) v.first.invoice_state = kOrder[v.second];
        out.push_back(std::move(v.first));
    }
    return out;
}

std::vector<PadronRow> by_standing(const std::vector<PadronRow>& rows, Date day, bool in_good_standing) {
    std::vector<PadronRow> out;
    for (const PadronRow& r : rows)
        if (r.in_good_standing(day) == in_good_standing) out.push_back(r);
    return out;
}

std::vector<ExpiringDocument> expiring_within(const std::vector<PadronRow>& rows, Date day, int32_t days) {
    std::vector<ExpiringDocument> out;
    for (const PadronRow& r : rows) {
        for (const DocumentRow& d : r.documents()) {
            if (d.status == domain::DocumentStatus::approved && day <= d.expires_on && d.expires_on.days <= day.days + days)
                out.push_back({r.provider, d});
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const ExpiringDocument& a, const ExpiringDocument& b) { return a.document.expires_on < b.document.expires_on; });
    return out;
}

result<std::vector<domain::ValidationRow>> validation_report(const Views& views, const SettlementFilter& filter) {
    auto rows = validation_report_by_provider(views, filter);
    if (!rows) return failure(std::move(rows).error());
    std::vector<domain::ValidationRow> out;
    out.reserve(rows->size());
    for (auto& [provider, row] : *rows) out.push_back(std::move(row));
    return out;
}

result<std::vector<std::pair<ProviderId, domain::ValidationRow>>> validation_report_by_provider(const Views& views,
                                                                                                const SettlementFilter& filter) {
    std::vector<std::pair<ProviderId, domain::ValidationRow>> out;
    std::map<ProviderId, std::optional<PadronRow>> padron;  // each provider read once
    auto items = views.validation(filter);
    if (!items) return failure(std::move(items).error());
    for (const ValidationItemRow& item : *items) {
        auto it = padron.find(item.provider);
        if (it == padron.end()) {
            auto row = views.padron(item.provider);
            if (!row) return failure(std::move(row).error());
            it = padron.emplace(item.provider, std::move(*row)).first;
        }
        const domain::ProviderState* p = it->second ? &it->second->state : nullptr;
        std::string number, convenio;
        if (p != nullptr) {
            if (auto n = p->provider_numbers.find(item.obra_social); n != p->provider_numbers.end()) number = n->second;
            if (auto n = p->convenios.find(item.obra_social); n != p->convenios.end()) convenio = n->second;
        }
        out.emplace_back(
            item.provider,
            domain::ValidationRow{std::move(convenio), std::move(number), p != nullptr ? p->identity.razon_social : std::string{},
                                  p != nullptr ? p->identity.matricula : std::string{}, domain::transaction_label(item.transaction),
                                  domain::local_date(item.submitted_at), item.affiliate_number, item.affiliate_name, item.practice_code,
                                  item.plan, item.plan_flagged, item.state});
    }
    return out;
}

std::vector<std::pair<ProviderId, std::string>> adhered_to(const std::vector<PadronRow>& rows, const ObraSocialId& os) {
    std::vector<std::pair<ProviderId, std::string>> out;
    for (const PadronRow& r : rows)
        if (auto it = r.state.provider_numbers.find(os); it != r.state.provider_numbers.end()) out.emplace_back(r.provider, it->second);
    return out;
}

namespace codec {

void put_be(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_be(std::string_view in, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes && static_cast<size_t>(i) < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    return v;
}

namespace {

template <class E>
E as_enum(uint64_t v) {
    return static_cast<E>(static_cast<uint8_t>(v));
}
uint32_t u32(uint64_t v) { return static_cast<uint32_t>(v); }
void tally(Writer& w, const Tally& t) {
    w.i(t.count);
    w.i(t.amount);
}
Tally tally(Reader& r) {
    Tally t;
    t.count = r.i();
    t.amount = r.i();
    return t;
}
void period(Writer& w, Period p) { w.i(p.yyyymm()); }
Period period(Reader& r) { return Period::from_yyyymm(static_cast<int32_t>(r.i())); }

}  // namespace

std::string encode(const PadronRow& row) {
    Writer w;
    const auto& s = row.state;
    const auto& id = s.identity;
    w.u(row.provider.value());
    w.u(s.registered);
    for (const std::string* f : {&id.matricula, &id.cuit, &id.razon_social, &id.cbu, &id.category, &id.address, &id.email, &id.phone})
        w.s(*f);
    w.u(static_cast<uint8_t>(id.iva));
    w.u(id.recien_matriculado);
    w.i(s.cbu_since);
    w.u(s.provider_numbers.size());
    for (const auto& [os, number] : s.provider_numbers) {
        w.s(os.value());
        w.s(number);
    }
    w.u(s.convenios.size());
    for (const auto& [os, convenio] : s.convenios) {
        w.s(os.value());
        w.s(convenio);
    }
    w.u(s.documents.size());
    for (size_t i = 0; i < s.documents.size(); ++i) {
        const auto& d = s.documents[i];
        w.u(static_cast<uint8_t>(d.uploaded.type));
        w.s(d.uploaded.document_id);
        w.s(d.uploaded.reference);
        w.i(d.uploaded.expires_on.days);
        w.u(static_cast<uint8_t>(d.status));
        w.i(d.approved_at);
        w.i(row.uploaded_at.at(i));
        w.i(row.verified_at.at(i));
    }
    w.u(s.enrolled);
    w.i(s.enrolled_on.days);
    w.u(row.left_on.has_value());
    w.i(row.left_on ? row.left_on->days : 0);
    return w.take();
}

bool decode(std::string_view in, PadronRow& row) {
    Reader r(in);
    auto& s = row.state;
    auto& id = s.identity;
    row.provider = ProviderId{r.u()};
    s.registered = r.u() != 0;
    for (std::string* f : {&id.matricula, &id.cuit, &id.razon_social, &id.cbu, &id.category, &id.address, &id.email, &id.phone}) *f = r.s();
    id.iva = as_enum<domain::IvaCondition>(r.u());
    id.recien_matriculado = r.u() != 0;
    s.cbu_since = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        ObraSocialId os{r.s()};
        s.provider_numbers[os] = r.s();
    }
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        ObraSocialId os{r.s()};
        s.convenios[os] = r.s();
    }
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        domain::DocumentRecord d;
        d.uploaded.type = as_enum<domain::DocumentType>(r.u());
        d.uploaded.document_id = r.s();
        d.uploaded.reference = r.s();
        d.uploaded.expires_on = Date{static_cast<int32_t>(r.i())};
        d.status = as_enum<domain::DocumentStatus>(r.u());
        d.approved_at = r.i();
        s.documents.push_back(std::move(d));
        row.uploaded_at.push_back(r.i());
        row.verified_at.push_back(r.i());
    }
    s.enrolled = r.u() != 0;
    s.enrolled_on = Date{static_cast<int32_t>(r.i())};
    const bool left = r.u() != 0;
    const Date left_on{static_cast<int32_t>(r.i())};
    if (left) row.left_on = left_on;
    return r.done();
}

std::string encode(const PendingRow& row) {
    Writer w;
    w.u(row.provider.value());
    w.u(row.transaction.boca);
    w.s(row.transaction.serie);
    w.u(row.transaction.number);
    w.u(row.item);
    for (const std::string* f :
         {&row.obra_social.value(), &row.affiliate_number, &row.credential, &row.practice_code, &row.faces, &row.affiliate_name})
        w.s(*f);
    w.u(row.tooth);
    w.i(row.authorized_at);
    return w.take();
}

bool decode(std::string_view in, PendingRow& row) {
    Reader r(in);
    row.provider = ProviderId{r.u()};
    row.transaction.boca = u32(r.u());
    row.transaction.serie = r.s();
    row.transaction.number = r.u();
    row.item = u32(r.u());
    row.obra_social = ObraSocialId{r.s()};
    for (std::string* f : {&row.affiliate_number, &row.credential, &row.practice_code, &row.faces, &row.affiliate_name}) *f = r.s();
    row.tooth = u32(r.u());
    row.authorized_at = r.i();
    return r.done();
}

std::string encode(const ValidationItemRow& row) {
    Writer w;
    period(w, row.period);
    w.s(row.obra_social.value());
    w.u(row.provider.value());
    w.u(row.transaction.boca);
    w.s(row.transaction.serie);
    w.u(row.transaction.number);
    w.u(row.item);
    w.i(row.submitted_at);
    for (const std::string* f : {&row.affiliate_number, &row.practice_code, &row.state, &row.affiliate_name, &row.plan}) w.s(*f);
    w.u(row.plan_flagged);
    return w.take();
}

bool decode(std::string_view in, ValidationItemRow& row) {
    Reader r(in);
    row.period = period(r);
    row.obra_social = ObraSocialId{r.s()};
    row.provider = ProviderId{r.u()};
    row.transaction.boca = u32(r.u());
    row.transaction.serie = r.s();
    row.transaction.number = r.u();
    row.item = u32(r.u());
    row.submitted_at = r.i();
    for (std::string* f : {&row.affiliate_number, &row.practice_code, &row.state, &row.affiliate_name, &row.plan}) *f = r.s();
    row.plan_flagged = r.u() != 0;
    return r.done();
}

std::string encode(const SettlementRow& row) {
    Writer w;
    period(w, row.period);
    w.s(row.obra_social.value());
    w.u(row.provider.value());
    for (const Tally* t :
         {&row.orders_loaded, &row.orders_approved, &row.orders_rejected, &row.orders_rolled, &row.billable, &row.invoiced})
        tally(w, *t);
    w.i(row.reinvoiced);
    w.u(row.debits.size());
    for (const auto& [reason, amount] : row.debits) {
        w.s(reason);
        w.i(amount);
    }
    w.i(row.collected);
    w.u(row.retentions.size());
    for (const auto& [kind, amount] : row.retentions) {
        w.u(static_cast<uint8_t>(kind));
        w.i(amount);
    }
    w.i(row.paid_to_provider);
    w.s(row.invoice_state);
    return w.take();
}

bool decode(std::string_view in, SettlementRow& row) {
    Reader r(in);
    row.period = period(r);
    row.obra_social = ObraSocialId{r.s()};
    row.provider = ProviderId{r.u()};
    for (Tally* t : {&row.orders_loaded, &row.orders_approved, &row.orders_rejected, &row.orders_rolled, &row.billable, &row.invoiced})
        *t = tally(r);
    row.reinvoiced = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        std::string reason = r.s();
        row.debits[reason] = r.i();
    }
    row.collected = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        const auto kind = as_enum<domain::RetentionKind>(r.u());
        row.retentions[kind] = r.i();
    }
    row.paid_to_provider = r.i();
    row.invoice_state = r.s();
    return r.done();
}

std::string encode(const InvoiceViewRow& row) {
    Writer w;
    w.u(row.provider.value());
    w.s(row.invoice_id);
    w.s(row.obra_social.value());
    w.u(static_cast<uint8_t>(row.comprobante));
    w.u(static_cast<uint8_t>(row.billing));
    w.u(row.punto_de_venta);
    w.u(row.number);
    period(w, row.period);
    w.i(row.amount);
    w.i(row.issued_on.days);
    w.u(static_cast<uint8_t>(row.status));
    w.i(row.received_at);
    w.u(row.debits.size());
    for (const DebitEntry& d : row.debits) {
        w.s(d.debit_id);
        w.i(d.amount);
        w.s(d.reason_code);
        w.s(d.reason);
        w.s(d.debit_sheet);
    }
    w.i(row.credited);
    w.i(row.paid);
    w.u(row.payments.size());
    for (const InvoicePayment& p : row.payments) {
        w.s(p.payment_order);
        w.i(p.paid_on.days);
        w.i(p.amount);
        w.s(p.type);
        w.s(p.retention_certificate);
    }
    return w.take();
}

bool decode(std::string_view in, InvoiceViewRow& row) {
    Reader r(in);
    row.provider = ProviderId{r.u()};
    row.invoice_id = r.s();
    row.obra_social = ObraSocialId{r.s()};
    row.comprobante = as_enum<domain::ComprobanteType>(r.u());
    row.billing = as_enum<domain::BillingType>(r.u());
    row.punto_de_venta = u32(r.u());
    row.number = u32(r.u());
    row.period = period(r);
    row.amount = r.i();
    row.issued_on = Date{static_cast<int32_t>(r.i())};
    row.status = as_enum<domain::InvoiceStatus>(r.u());
    row.received_at = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        DebitEntry d;
        d.debit_id = r.s();
        d.amount = r.i();
        d.reason_code = r.s();
        d.reason = r.s();
        d.debit_sheet = r.s();
        row.debits.push_back(std::move(d));
    }
    row.credited = r.i();
    row.paid = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        InvoicePayment p;
        p.payment_order = r.s();
        p.paid_on = Date{static_cast<int32_t>(r.i())};
        p.amount = r.i();
        p.type = r.s();
        p.retention_certificate = r.s();
        row.payments.push_back(std::move(p));
    }
    return r.done();
}

std::string encode(const OrderRow& row) {
    Writer w;
    const domain::OrderLoaded& o = row.loaded;
    w.u(row.provider.value());
    for (const std::string* f :
         {&o.order_id, &o.obra_social.value(), &o.affiliate_number, &o.practice_code, &o.affiliate_name, &o.plan, &o.fee_version})
        w.s(*f);
    w.i(o.attention_date.days);
    w.i(o.amount);
    period(w, o.period);
    for (bool b : {o.patient_signature, o.professional_signature, o.professional_stamp}) w.u(b);
    w.u(o.fields.size());
    for (const domain::OrderField& f : o.fields) {
        w.s(f.name);
        w.s(f.value);
    }
    w.u(row.rolled_from.has_value());
    if (row.rolled_from) period(w, *row.rolled_from);
    w.u(static_cast<uint8_t>(row.status));
    w.s(row.reason_code);
    w.s(row.reason);
    w.i(row.loaded_at);
    return w.take();
}

bool decode(std::string_view in, OrderRow& row) {
    Reader r(in);
    domain::OrderLoaded& o = row.loaded;
    row.provider = ProviderId{r.u()};
    o.order_id = r.s();
    o.obra_social = ObraSocialId{r.s()};
    o.affiliate_number = r.s();
    o.practice_code = r.s();
    o.affiliate_name = r.s();
    o.plan = r.s();
    o.fee_version = r.s();
    o.attention_date = Date{static_cast<int32_t>(r.i())};
    o.amount = r.i();
    o.period = period(r);
    for (bool* b : {&o.patient_signature, &o.professional_signature, &o.professional_stamp}) *b = r.u() != 0;
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        domain::OrderField f;
        f.name = r.s();
        f.value = r.s();
        o.fields.push_back(std::move(f));
    }
    if (r.u() != 0) row.rolled_from = period(r);
    row.status = as_enum<domain::OrderStatus>(r.u());
    row.reason_code = r.s();
    row.reason = r.s();
    row.loaded_at = r.i();
    return r.done();
}

}  // namespace codec
}  // namespace liquida::projections
