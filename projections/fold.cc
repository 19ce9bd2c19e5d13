#include "projections/fold.h"

#include <algorithm>

#include "domain/money.h"
#include "projections/keys.h"
#include "projections/row_codec.h"

namespace liquida::projections::fold {

using codec::put_be;
using namespace keys;

std::string encode(const BudgetAux& b) {
    codec::Writer w;
    w.s(b.obra_social.value());
    w.s(b.affiliate_number);
    w.s(b.credential);
    w.s(b.affiliate_name);
    w.s(b.plan);
    w.u(b.plan_flagged);
    w.u(b.authorized);
    w.u(b.cancelled);
    w.i(b.authorized_at);
    w.i(b.submitted_at);
    w.u(b.items.size());
    for (const BudgetItemAux& i : b.items) {
        w.u(i.item.item);
        w.s(i.item.practice_code);
        w.u(i.item.tooth);
        w.s(i.item.faces);
        w.u(i.item.quantity);
        w.u(static_cast<uint8_t>(i.result));
        w.u(i.consumed);
        w.i(i.amount);
        w.i(i.period.yyyymm());
        w.u(i.cancelled);
    }
    return w.take();
}
bool decode(std::string_view in, BudgetAux& b) {
    codec::Reader r(in);
    b.obra_social = ObraSocialId{r.s()};
    b.affiliate_number = r.s();
    b.credential = r.s();
    b.affiliate_name = r.s();
    b.plan = r.s();
    b.plan_flagged = r.u() != 0;
    b.authorized = r.u() != 0;
    b.cancelled = r.u() != 0;
    b.authorized_at = r.i();
    b.submitted_at = r.i();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        BudgetItemAux i;
        i.item.item = static_cast<uint32_t>(r.u());
        i.item.practice_code = r.s();
        i.item.tooth = static_cast<uint32_t>(r.u());
        i.item.faces = r.s();
        i.item.quantity = static_cast<uint32_t>(r.u());
        i.result = static_cast<domain::ItemResult>(static_cast<uint8_t>(r.u()));
        i.consumed = r.u() != 0;
        i.amount = r.i();
        i.period = Period::from_yyyymm(static_cast<int32_t>(r.i()));
        i.cancelled = r.u() != 0;
        b.items.push_back(std::move(i));
    }
    return r.done();
}

namespace {
SettlementRow& at(Contribution& c, Period p, const ObraSocialId& os) { return c[{p, os.value()}]; }
}  // namespace

bool is_zero(const SettlementRow& r) {
    SettlementRow zero;
    zero.period = r.period;
    zero.obra_social = r.obra_social;
    zero.provider = r.provider;
    zero.invoice_state = r.invoice_state;
    SettlementRow trimmed = r;
    std::erase_if(trimmed.debits, [](const auto& kv) { return kv.second == 0; });
    std::erase_if(trimmed.retentions, [](const auto& kv) { return kv.second == 0; });
    return trimmed == zero;
}

std::optional<Contribution> contribution(const OrderRow* o) {
    Contribution c;
    if (o == nullptr) return c;
    const Tally t{1, o->loaded.amount};
    SettlementRow& row = at(c, o->loaded.period, o->loaded.obra_social);
    row.orders_loaded = t;
    if (o->status == domain::OrderStatus::approved) row.orders_approved = t;
    if (o->status == domain::OrderStatus::rejected) row.orders_rejected = t;
    if (o->rolled_from) at(c, *o->rolled_from, o->loaded.obra_social).orders_rolled = t;
    return c;
}

std::optional<Contribution> contribution(const BudgetAux* b) {
    Contribution c;
    if (b == nullptr || b->cancelled) return c;  // A9: a cancelled transaction bills nothing
    for (const BudgetItemAux& i : b->items)
        if (i.consumed && !at(c, i.period, b->obra_social).billable.add(Tally{1, i.amount})) return std::nullopt;
    return c;
}

std::optional<Contribution> contribution(const InvoiceViewRow* inv) {
    Contribution c;
    if (inv == nullptr || !inv->active()) return c;
    SettlementRow& row = at(c, inv->period, inv->obra_social);
    if (inv->billing == domain::BillingType::refacturacion) row.reinvoiced = inv->amount;
    else row.invoiced = Tally{1, inv->amount};
    for (const DebitEntry& d : inv->debits) {
        const auto sum = domain::money::add(row.debits[d.reason_code], d.amount);
        if (!sum) return std::nullopt;
        row.debits[d.reason_code] = *sum;
    }
    row.collected = inv->paid;
    return c;
}

InvoiceViewRow issued_row(ProviderId p, const domain::InvoiceIssued& x) {
    return {.provider = p,
            .invoice_id = x.invoice_id,
            .obra_social = x.obra_social,
            .comprobante = x.comprobante,
            .billing = x.billing,
            .punto_de_venta = x.punto_de_venta,
            .number = x.number,
            .period = x.period,
            .amount = x.amount,
            .issued_on = x.issued_on,
            .debits = {},
            .payments = {}};
}

std::vector<uint32_t> pending_items(const BudgetAux* b) {
    std::vector<uint32_t> out;
    if (b == nullptr || !b->authorized || b->cancelled) return out;
    for (const BudgetItemAux& i : b->items)
        if (i.result == domain::ItemResult::autorizada && !i.consumed && !i.cancelled) out.push_back(i.item.item);
    return out;
}

namespace {
Period submission_period(const BudgetAux& b) {
    const domain::CivilDate c = domain::civil_from_date(domain::local_date(b.submitted_at));
    return Period{c.year, c.month};
}
}  // namespace

std::string ValidationItems::key(uint32_t item) const {
    std::string k = prefix;
    put_be(k, item, 4);
    return k;
}

const std::string_view* ValidationItems::state(uint32_t item) const {
    for (const auto& [i, s] : states)
        if (i == item) return &s;
    return nullptr;
}

ValidationItems validation_items(ProviderId p, const domain::TransactionRef& t, const BudgetAux* b) {
    ValidationItems out;
    if (b == nullptr) return out;
    out.prefix = settlement_prefix(submission_period(*b), &b->obra_social.value()) + provider_key(p) + transaction_key(t);
    for (const BudgetItemAux& i : b->items)
        out.states.emplace_back(i.item.item, domain::item_state(b->cancelled || i.cancelled, i.consumed, i.result));
    return out;
}

ValidationItemRow validation_row(ProviderId p, const domain::TransactionRef& t, const BudgetAux& b, uint32_t item, std::string_view state) {
    const auto i = std::find_if(b.items.begin(), b.items.end(), [&](const BudgetItemAux& x) { return x.item.item == item; });
    return {submission_period(b),
            b.obra_social,
            p,
            t,
            item,
            b.submitted_at,
            b.affiliate_number,
            i->item.practice_code,
            std::string(state),
            b.affiliate_name,
            b.plan,
            b.plan_flagged};
}

}  // namespace liquida::projections::fold
