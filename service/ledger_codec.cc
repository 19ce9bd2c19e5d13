#include "service/ledger_codec.h"

#include <algorithm>

#include "events/codec.h"
#include "projections/row_codec.h"

namespace liquida::service {
namespace {

using projections::codec::Reader;
using projections::codec::Writer;
using namespace domain;

// 2: when each document was approved and the CBU took effect (approved_at, cbu_since); 3: a
// budget item's own anulación (cancelled); 4: each adhesion's convenio; 5: each consumption's
// number and tipo de facturación, and the actas; 6: the colegio's presentations.
constexpr std::string_view kMagic = "liquida-ledgers-6";

// An event struct the ledgers keep (ProviderRegistered, OrderLoaded, ...), as an envelope.
template <class E>
void put_event(Writer& w, const E& e) {
    events::Envelope env;
    env.payload = e;
    w.s(events::encode(env));
}
template <class E>
bool get_event(Reader& r, E& out) {
    auto env = events::decode(r.s());
    if (!env) return false;
    auto* e = std::get_if<E>(&env->payload);
    if (!e) return false;
    out = std::move(*e);
    return true;
}

// A count read back, sized for a vector: a garbled one must not allocate gigabytes.
template <class T>
bool sized(Reader& r, std::vector<T>& v) {
    const uint64_t n = r.u();
    if (!r.ok() || n > (uint64_t{1} << 24)) return false;
    v.resize(n);
    return true;
}

void put_strings(Writer& w, const std::vector<std::string>& v) {
    w.u(v.size());
    for (const auto& s : v) w.s(s);
}
bool get_strings(Reader& r, std::vector<std::string>& v) {
    if (!sized(r, v)) return false;
    for (auto& s : v) s = r.s();
    return r.ok();
}

// --- ProviderState: as the padrón row stores it ---
void put(Writer& w, const ProviderState& s) {
    projections::PadronRow row{ProviderId{}, s, std::vector<TimestampMs>(s.documents.size()), std::vector<TimestampMs>(s.documents.size()),
                               std::nullopt};
    w.s(projections::codec::encode(row));
}
bool get(Reader& r, ProviderState& s) {
    projections::PadronRow row;
    if (!projections::codec::decode(r.s(), row)) return false;
    s = std::move(row.state);
    return true;
}

void put(Writer& w, const OrderBook& b) {
    w.u(b.orders.size());
    for (const auto& [id, o] : b.orders) {
        w.s(id);
        put_event(w, o.loaded);
        w.u(static_cast<uint8_t>(o.status));
        w.s(o.reject_reason_code);
    }
}
bool get(Reader& r, OrderBook& b) {
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        std::string id = r.s();
        OrderRecord& o = b.orders[id];
        if (!get_event(r, o.loaded)) return false;
        o.status = static_cast<OrderStatus>(r.u());
        o.reject_reason_code = r.s();
    }
    return r.ok();
}

void put(Writer& w, const AuthorizationBook& b) {
    w.u(b.tokens.size());
    for (const auto& t : b.tokens) {
        put_event(w, t.issued);
        w.u(t.used);
    }
    w.u(b.eligibility.size());
    for (const auto& [k, e] : b.eligibility) {
        w.s(k.first.value());
        w.s(k.second);
        w.i(e.checked_on.days);
        w.u(e.habilitado);
    }
    w.u(b.budgets.size());
    for (const auto& [k, budget] : b.budgets) {
        w.u(std::get<0>(k));
        w.s(std::get<1>(k));
        w.u(std::get<2>(k));
        put_event(w, budget.submitted);
        w.i(budget.submitted_at);
        w.u(static_cast<uint8_t>(budget.status));
        w.u(budget.items.size());
        for (const auto& i : budget.items) {
            w.u(i.item.item);
            w.s(i.item.practice_code);
            w.u(i.item.tooth);
            w.s(i.item.faces);
            w.u(static_cast<uint8_t>(i.result));
            w.u(i.consumed);
            w.i(i.amount);
            w.i(i.period.yyyymm());
            w.i(i.performed_at);
            w.u(i.deferred);
            w.u(i.cancelled);
            w.u(i.consumption);
            w.u(static_cast<uint8_t>(i.billing));
        }
    }
    w.u(b.consumptions.size());
    for (const auto& [consumption, budget] : b.consumptions) {
        for (const TransactionKey* k : {&consumption, &budget}) {
            w.u(std::get<0>(*k));
            w.s(std::get<1>(*k));
            w.u(std::get<2>(*k));
        }
    }
}
TransactionKey get_key(Reader& r) {
    const auto boca = static_cast<uint32_t>(r.u());
    std::string serie = r.s();
    return TransactionKey{boca, std::move(serie), r.u()};
}
bool get(Reader& r, AuthorizationBook& b) {
    if (!sized(r, b.tokens)) return false;
    for (auto& t : b.tokens) {
        if (!get_event(r, t.issued)) return false;
        t.used = r.u() != 0;
    }
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        ObraSocialId os{r.s()};
        std::string affiliate = r.s();
        EligibilityRecord& e = b.eligibility[{os, affiliate}];
        e.checked_on = Date{static_cast<int32_t>(r.i())};
        e.habilitado = r.u() != 0;
    }
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        BudgetRecord& budget = b.budgets[get_key(r)];
        if (!get_event(r, budget.submitted)) return false;
        budget.submitted_at = r.i();
        budget.status = static_cast<BudgetStatus>(r.u());
        if (!sized(r, budget.items)) return false;
        for (auto& i : budget.items) {
            i.item.item = static_cast<uint32_t>(r.u());
            i.item.practice_code = r.s();
            i.item.tooth = static_cast<uint32_t>(r.u());
            i.item.faces = r.s();
            i.result = static_cast<ItemResult>(r.u());
            i.consumed = r.u() != 0;
            i.amount = r.i();
            i.period = Period::from_yyyymm(static_cast<int32_t>(r.i()));
            i.performed_at = r.i();
            i.deferred = r.u() != 0;
            i.cancelled = r.u() != 0;
            i.consumption = r.u();
            const uint64_t billing = r.u();
            if (billing > static_cast<uint8_t>(TipoFacturacion::solo_gastos)) return false;
            i.billing = static_cast<TipoFacturacion>(billing);
        }
    }
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        TransactionKey consumption = get_key(r);
        b.consumptions[std::move(consumption)] = get_key(r);
    }
    return r.ok();
}

void put(Writer& w, const InvoiceBook& b) {
    w.u(b.invoices.size());
    for (const auto& [id, inv] : b.invoices) {
        w.s(id);
        put_event(w, inv.issued);
        w.u(static_cast<uint8_t>(inv.status));
        w.u(inv.received_at.has_value());
        w.i(inv.received_at.value_or(0));
        w.u(inv.debits.size());
        for (const auto& d : inv.debits) {
            put_event(w, d.applied);
            w.u(d.reinvoice_approved ? (*d.reinvoice_approved ? 2 : 1) : 0);
            w.u(d.reinvoiced);
        }
        w.i(inv.credited);
        w.i(inv.paid);
        put_strings(w, inv.payment_orders);
    }
    put_strings(w, b.credit_notes);
    put_strings(w, b.payment_orders);
    w.u(b.actas.size());
    for (const auto& [number, acta] : b.actas) put_event(w, acta);
}
bool get(Reader& r, InvoiceBook& b) {
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        std::string id = r.s();
        InvoiceRecord& inv = b.invoices[id];
        if (!get_event(r, inv.issued)) return false;
        inv.status = static_cast<InvoiceStatus>(r.u());
        const bool received = r.u() != 0;
        const TimestampMs at = r.i();
        if (received) inv.received_at = at;
        if (!sized(r, inv.debits)) return false;
        for (auto& d : inv.debits) {
            if (!get_event(r, d.applied)) return false;
            const uint64_t approved = r.u();
            if (approved > 0) d.reinvoice_approved = approved == 2;
            d.reinvoiced = r.u() != 0;
        }
        inv.credited = r.i();
        inv.paid = r.i();
        if (!get_strings(r, inv.payment_orders)) return false;
    }
    if (!get_strings(r, b.credit_notes) || !get_strings(r, b.payment_orders)) return false;
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        ActaIssued acta;
        if (!get_event(r, acta)) return false;
        b.actas[acta.acta] = std::move(acta);
    }
    return r.ok();
}

void put(Writer& w, const PayoutBook& b) {
    w.u(b.payouts.size());
    for (const auto& [k, p] : b.payouts) {
        w.i(k.first.yyyymm());
        w.s(k.second.value());
        w.u(p.base_by_kind.size());
        for (const auto& [kind, amount] : p.base_by_kind) {
            w.u(static_cast<uint8_t>(kind));
            w.i(amount);
        }
        w.i(p.retained);
        w.i(p.paid);
        put_strings(w, p.transfers);
    }
}
bool get(Reader& r, PayoutBook& b) {
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        const Period period = Period::from_yyyymm(static_cast<int32_t>(r.i()));
        PayoutRecord& p = b.payouts[{period, ObraSocialId{r.s()}}];
        for (uint64_t k = r.u(); k > 0 && r.ok(); --k) {
            const auto kind = static_cast<RetentionKind>(r.u());
            p.base_by_kind[kind] = r.i();
        }
        p.retained = r.i();
        p.paid = r.i();
        if (!get_strings(r, p.transfers)) return false;
    }
    return r.ok();
}

template <class E>
void put_events(Writer& w, const std::vector<E>& v) {
    w.u(v.size());
    for (const E& e : v) put_event(w, e);
}
template <class E>
bool get_events(Reader& r, std::vector<E>& v) {
    if (!sized(r, v)) return false;
    return std::all_of(v.begin(), v.end(), [&](E& e) { return get_event(r, e); });
}

void put(Writer& w, const PresentationBook& b) {
    w.u(b.presentations.size());
    for (const auto& [number, p] : b.presentations) {
        put_event(w, p.submitted);
        put_events(w, p.debits);
        w.u(p.approved);
        put_events(w, p.payments);
        w.i(p.debited);
        w.i(p.paid);
    }
    w.u(b.overflow);
}
bool get(Reader& r, PresentationBook& b) {
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        PresentationRecord p;
        if (!get_event(r, p.submitted) || !get_events(r, p.debits)) return false;
        p.approved = r.u() != 0;
        if (!get_events(r, p.payments)) return false;
        p.debited = r.i();
        p.paid = r.i();
        b.presentations[p.submitted.presentation] = std::move(p);
    }
    b.overflow = r.u() != 0;
    return r.ok();
}

void put(Writer& w, const ProviderLedger& l) {
    put(w, l.provider);
    put(w, l.orders);
    put(w, l.authorizations);
    put(w, l.invoices);
    put(w, l.payouts);
    put(w, l.presentations);
}
bool get(Reader& r, ProviderLedger& l) {
    return get(r, l.provider) && get(r, l.orders) && get(r, l.authorizations) && get(r, l.invoices) && get(r, l.payouts) &&
           get(r, l.presentations);
}

}  // namespace

std::string encode_ledger(const ProviderLedger& ledger) {
    Writer w;
    w.s(kMagic);
    put(w, ledger);
    return w.take();
}

std::optional<ProviderLedger> decode_ledger(std::string_view bytes) {
    Reader r(bytes);
    ProviderLedger l;
    if (r.s() != kMagic || !get(r, l) || !r.done()) return std::nullopt;
    return l;
}

}  // namespace liquida::service
