#include "domain/state.h"

#include <algorithm>

#include "domain/money.h"
#include "domain/overloaded.h"
#include "domain/queries.h"

namespace liquida::domain {
namespace {

constexpr DocumentType kRequiredDocuments[] = {DocumentType::rnp, DocumentType::afip, DocumentType::cbu, DocumentType::seguro,
                                               DocumentType::anexo1};

template <class Map>
auto* find_in(Map& m, const typename Map::key_type& k) {
    const auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
}

DocumentRecord* find_document(ProviderState& s, const std::string& id) {
    const auto it =
        std::find_if(s.documents.begin(), s.documents.end(), [&](const DocumentRecord& d) { return d.uploaded.document_id == id; });
    return it == s.documents.end() ? nullptr : &*it;
}

DebitRecord* find_debit(InvoiceRecord& inv, const std::string& id) {
    const auto it = std::find_if(inv.debits.begin(), inv.debits.end(), [&](const DebitRecord& d) { return d.applied.debit_id == id; });
    return it == inv.debits.end() ? nullptr : &*it;
}

// Adds `x` to `into`; a sum that does not fit sets `overflow` instead (replaying the log
// must not wrap: the flag makes decide and the replay report it).
void fold_add(Centavos& into, Centavos x, bool& overflow) noexcept {
    if (const auto sum = money::add(into, x)) into = *sum;
    else overflow = true;
}

void set_status(InvoiceBook& s, const std::string& id, InvoiceStatus status) {
    if (InvoiceRecord* inv = find_in(s.invoices, id)) inv->status = status;
}

}  // namespace

TransactionKey key_of(const TransactionRef& t) { return {t.boca, t.serie, t.number}; }

std::optional<DocumentType> missing_document(const ProviderState& s, Date day) noexcept {
    for (DocumentType type : kRequiredDocuments) {
        // P1: in force from its approval through its expiry date. One recorded as expired was
        // approved, and was in force on the days of that span.
        const bool ok = std::any_of(s.documents.begin(), s.documents.end(), [&](const DocumentRecord& d) {
            const bool approved = d.status == DocumentStatus::approved || d.status == DocumentStatus::expired;
            return d.uploaded.type == type && approved && local_date(d.approved_at) <= day && day <= d.uploaded.expires_on;
        });
        if (!ok) return type;
    }
    return std::nullopt;
}

bool has_new_cbu_document(const ProviderState& s) noexcept {
    return std::any_of(s.documents.begin(), s.documents.end(), [&](const DocumentRecord& d) {
        return d.uploaded.type == DocumentType::cbu && d.status == DocumentStatus::approved && d.approved_at > s.cbu_since;
    });
}

bool in_padron(const ProviderState& s, Date day) noexcept { return s.registered && s.enrolled && !missing_document(s, day).has_value(); }

std::optional<Centavos> InvoiceRecord::debited() const noexcept {
    money::Sum total;
    for (const DebitRecord& d : debits) total.add(d.applied.amount);
    return total.value();
}

std::optional<Centavos> InvoiceRecord::balance() const noexcept { return money::Sum(issued.amount).sub(debited()).value(); }

std::optional<Centavos> billed_on_acta(const InvoiceBook& s, const std::string& acta) noexcept {
    money::Sum total;
    for (const auto& [id, inv] : s.invoices)
        if (inv.active() && inv.issued.billing != BillingType::refacturacion && inv.issued.authorization == acta)
            total.add(inv.issued.amount);
    return total.value();
}

std::optional<Centavos> acta_left(const InvoiceBook& s, const std::string& acta) noexcept {
    const auto it = s.actas.find(acta);
    if (it == s.actas.end()) return std::nullopt;
    return money::Sum(it->second.total).sub(billed_on_acta(s, acta)).value();
}

Centavos PayoutRecord::retention_base() const noexcept {
    // Each application emits one event per configured kind, all with the same base.
    Centavos base = 0;
    for (const auto& [kind, b] : base_by_kind) base = std::max(base, b);
    return base;
}

void evolve(ProviderState& s, const Event& e, TimestampMs occurred_at) {
    std::visit(overloaded{
                   [&](const ProviderRegistered& x) {
                       s.registered = true;
                       s.identity = x;
                       s.cbu_since = occurred_at;
                   },
                   [&](const ProviderUpdated& x) {
                       if (x.cbu != s.identity.cbu) s.cbu_since = occurred_at;
                       s.identity.razon_social = x.razon_social;
                       s.identity.iva = x.iva;
                       s.identity.cbu = x.cbu;
                       s.identity.category = x.category;
                       s.identity.address = x.address;
                       s.identity.email = x.email;
                       s.identity.phone = x.phone;
                   },
                   [&](const ProviderAdhered& x) {
                       s.provider_numbers[x.obra_social] = x.provider_number;
                       if (!x.convenio.empty()) s.convenios[x.obra_social] = x.convenio;
                   },
                   [&](const DocumentUploaded& x) {
                       s.documents.push_back(DocumentRecord{x, DocumentStatus::pending, 0});
                   },
                   [&](const DocumentVerified& x) {
                       if (DocumentRecord* d = find_document(s, x.document_id)) {
                           d->status = x.approved ? DocumentStatus::approved : DocumentStatus::rejected;
                           if (x.approved) d->approved_at = occurred_at;
                       }
                   },
                   [&](const DocumentExpired& x) {
                       if (DocumentRecord* d = find_document(s, x.document_id)) d->status = DocumentStatus::expired;
                   },
                   [&](const PadronEnrolled& x) {
                       s.enrolled = true;
                       s.enrolled_on = x.enrolled_on;
                   },
                   [&](const PadronLeft&) { s.enrolled = false; },
                   Ignore<void, OrderKinds, AuthorizationKinds, InvoiceKinds, PayoutKinds, PresentationKinds>{},
               },
               e);
}

void evolve(OrderBook& s, const Event& e, TimestampMs) {
    std::visit(overloaded{
                   // O2: a rejected order presented again replaces the earlier record.
                   [&](const OrderLoaded& x) {
                       s.orders[x.order_id] = OrderRecord{x, OrderStatus::pending, {}};
                   },
                   [&](const OrderApproved& x) {
                       if (OrderRecord* o = find_in(s.orders, x.order_id)) o->status = OrderStatus::approved;
                   },
                   [&](const OrderRejected& x) {
                       if (OrderRecord* o = find_in(s.orders, x.order_id)) {
                           o->status = OrderStatus::rejected;
                           o->reject_reason_code = x.reason_code;
                       }
                   },
                   [&](const OrderDeferred& x) {
                       if (OrderRecord* o = find_in(s.orders, x.order_id)) o->loaded.period = x.to_period;
                   },
                   Ignore<void, PadronKinds, AuthorizationKinds, InvoiceKinds, PayoutKinds, PresentationKinds>{},
               },
               e);
}

namespace {

// A8: the items a consumption consumed, with its number (the consumption's own transaction).
void consume(AuthorizationBook& s, const PracticeConsumed& x) {
    BudgetRecord* b = find_in(s.budgets, key_of(x.transaction));
    if (b == nullptr) return;
    if (x.number != 0) s.consumptions[key_of({x.transaction.boca, x.transaction.serie, x.number})] = key_of(x.transaction);
    for (const ConsumedItem& c : x.items) {
        for (BudgetItemRecord& r : b->items) {
            if (r.item.item != c.item) continue;
            r.consumed = true;
            r.amount = c.amount;
            r.period = x.period;
            r.performed_at = x.performed_at;
            r.deferred = x.deferred;
            r.consumption = x.number;
            r.billing = c.billing;
        }
    }
}

// A9: a consumption anulada: its items as they were before it, authorized and not consumed.
void unconsume(BudgetRecord& b, const std::vector<uint32_t>& items) {
    for (BudgetItemRecord& r : b.items) {
        if (std::find(items.begin(), items.end(), r.item.item) == items.end()) continue;
        BudgetItemRecord pending;
        pending.item = r.item;
        pending.result = r.result;
        pending.cancelled = r.cancelled;
        r = std::move(pending);
    }
}

}  // namespace

void evolve(AuthorizationBook& s, const Event& e, TimestampMs occurred_at) {
    std::visit(overloaded{
                   [&](const EligibilityChecked& x) {
                       s.eligibility[{x.obra_social, x.affiliate_number}] = EligibilityRecord{local_date(occurred_at), x.habilitado};
                   },
                   [&](const TokenIssued& x) {
                       s.tokens.push_back(TokenRecord{x, false});
                   },
                   [&](const BudgetSubmitted& x) {
                       for (TokenRecord& t : s.tokens) {
                           if (!x.token_exception && t.issued.obra_social == x.obra_social && t.issued.family_group == x.family_group &&
                               t.issued.code == x.token && !t.used && t.issued.valid_on == local_date(occurred_at)) {
                               t.used = true;
                               break;
                           }
                       }
                       BudgetRecord b{x, occurred_at, BudgetStatus::in_audit, {}};
                       for (const BudgetItem& item : x.items) {
                           BudgetItemRecord r;
                           r.item = item;
                           b.items.push_back(std::move(r));
                       }
                       b.submitted.items.clear();
                       s.budgets[key_of(x.transaction)] = std::move(b);
                   },
                   [&](const BudgetAuthorized& x) {
                       BudgetRecord* b = find_in(s.budgets, key_of(x.transaction));
                       if (b == nullptr) return;
                       b->status = BudgetStatus::authorized;
                       for (const ItemDecision& d : x.items) {
                           for (BudgetItemRecord& r : b->items) {
                               if (r.item.item == d.item) r.result = d.result;
                           }
                       }
                   },
                   [&](const PracticeConsumed& x) { consume(s, x); },
                   [&](const ConsumptionCancelled& x) {  // its items as before it: pending consumption
                       if (BudgetRecord* b = find_in(s.budgets, key_of(x.transaction))) unconsume(*b, x.items);
                   },
                   [&](const TransactionCancelled& x) {
                       BudgetRecord* b = find_in(s.budgets, key_of(x.transaction));
                       if (b == nullptr) return;
                       if (x.item == 0) {
                           b->status = BudgetStatus::cancelled;
                           return;
                       }
                       for (BudgetItemRecord& r : b->items)
                           if (r.item.item == x.item) {  // its consumption undone: nothing of it is billed
                               r.cancelled = true;
                               r.consumed = false;
                               r.amount = 0;
                           }
                   },
                   Ignore<void, PadronKinds, OrderKinds, InvoiceKinds, PayoutKinds, PresentationKinds, Kinds<BudgetSentToAudit>>{},
               },
               e);
}

void evolve(InvoiceBook& s, const Event& e, TimestampMs occurred_at) {
    std::visit(overloaded{
                   [&](const InvoiceIssued& x) {
                       InvoiceRecord fresh;
                       fresh.issued = x;
                       s.invoices[x.invoice_id] = std::move(fresh);
                       // S1/F5: a Refacturación uses up the approved debits it re-bills.
                       if (x.billing != BillingType::refacturacion) return;
                       if (InvoiceRecord* debited = find_in(s.invoices, x.adjusts_invoice)) {
                           for (DebitRecord& d : debited->debits) {
                               if (d.reinvoice_approved == true) d.reinvoiced = true;
                           }
                       }
                   },
                   [&](const InvoiceSent& x) {
                       InvoiceRecord* inv = find_in(s.invoices, x.invoice_id);
                       if (inv == nullptr) return;
                       inv->status = InvoiceStatus::enviada;
                       if (!inv->received_at) inv->received_at = occurred_at;
                   },
                   [&](const InvoiceObserved& x) { set_status(s, x.invoice_id, InvoiceStatus::observada); },
                   [&](const InvoiceAccepted& x) { set_status(s, x.invoice_id, InvoiceStatus::aceptada); },
                   [&](const InvoiceIngresada& x) { set_status(s, x.invoice_id, InvoiceStatus::ingresada); },
                   [&](const InvoiceRejected& x) { set_status(s, x.invoice_id, InvoiceStatus::rechazada); },
                   [&](const DebitApplied& x) {
                       if (InvoiceRecord* inv = find_in(s.invoices, x.invoice_id)) inv->debits.push_back(DebitRecord{x, {}, false});
                   },
                   [&](const DebitAnalysisResolved& x) {
                       if (InvoiceRecord* inv = find_in(s.invoices, x.invoice_id)) {
                           if (DebitRecord* d = find_debit(*inv, x.debit_id)) d->reinvoice_approved = x.reinvoice_approved;
                       }
                   },
                   [&](const CreditNoteIssued& x) {
                       s.credit_notes.push_back(x.credit_note_id);
                       if (InvoiceRecord* inv = find_in(s.invoices, x.invoice_id)) fold_add(inv->credited, x.amount, s.overflow);
                   },
                   [&](const PaymentOrderIssued& x) {
                       s.payment_orders.push_back(x.payment_order);
                       for (const PaidInvoice& p : x.invoices) {
                           if (InvoiceRecord* inv = find_in(s.invoices, p.invoice_id)) {
                               fold_add(inv->paid, p.amount, s.overflow);
                               inv->payment_orders.push_back(payment_order_label(x.payment_order_type, x.payment_order));
                           }
                       }
                   },
                   [&](const ActaIssued& x) { s.actas[x.acta] = x; },
                   Ignore<void, PadronKinds, OrderKinds, AuthorizationKinds, PayoutKinds, PresentationKinds>{},
               },
               e);
}

void evolve(PayoutBook& s, const Event& e, TimestampMs) {
    std::visit(overloaded{
                   [&](const RetentionApplied& x) {
                       PayoutRecord& p = s.payouts[{x.period, x.obra_social}];
                       fold_add(p.base_by_kind[x.kind], x.base, s.overflow);
                       fold_add(p.retained, x.amount, s.overflow);
                   },
                   [&](const ProviderPaid& x) {
                       PayoutRecord& p = s.payouts[{x.period, x.obra_social}];
                       fold_add(p.paid, x.amount, s.overflow);
                       p.transfers.push_back(x.transfer_id);
                   },
                   Ignore<void, PadronKinds, OrderKinds, AuthorizationKinds, InvoiceKinds, PresentationKinds>{},
               },
               e);
}

bool item_invoiced(const ProviderLedger& s, const BudgetRecord& b, const BudgetItemRecord& r) {
    if (!r.consumed) return false;
    return std::any_of(s.invoices.invoices.begin(), s.invoices.invoices.end(), [&](const auto& entry) {
        const InvoiceRecord& inv = entry.second;
        return inv.active() && inv.issued.billing != BillingType::refacturacion && inv.issued.period == r.period &&
               inv.issued.obra_social == b.submitted.obra_social;
    });
}

std::optional<Centavos> PresentationRecord::balance() const noexcept { return money::sub(submitted.amount, debited); }
std::optional<Centavos> PresentationRecord::outstanding() const noexcept { return money::Sum(balance()).sub(paid).value(); }

std::string_view presentation_state(const PresentationRecord& p) noexcept {
    if (!p.approved) return "presentada";
    return p.outstanding() == Centavos{0} ? "pagada" : "aprobada";
}

void evolve(PresentationBook& s, const Event& e, TimestampMs) {
    std::visit(overloaded{
                   [&](const PresentationSubmitted& x) { s.presentations[x.presentation].submitted = x; },
                   [&](const PresentationDebited& x) {
                       if (PresentationRecord* p = find_in(s.presentations, x.presentation)) {
                           p->debits.push_back(x);
                           fold_add(p->debited, x.amount, s.overflow);
                       }
                   },
                   [&](const PresentationApproved& x) {
                       if (PresentationRecord* p = find_in(s.presentations, x.presentation)) p->approved = true;
                   },
                   [&](const PresentationPaid& x) {
                       if (PresentationRecord* p = find_in(s.presentations, x.presentation)) {
                           p->payments.push_back(x);
                           fold_add(p->paid, x.amount, s.overflow);
                       }
                   },
                   Ignore<void, PadronKinds, OrderKinds, AuthorizationKinds, InvoiceKinds, PayoutKinds>{},
               },
               e);
}

void evolve(ProviderLedger& s, const Event& e, TimestampMs occurred_at) {
    evolve(s.provider, e, occurred_at);
    evolve(s.orders, e, occurred_at);
    evolve(s.authorizations, e, occurred_at);
    evolve(s.invoices, e, occurred_at);
    evolve(s.payouts, e, occurred_at);
    evolve(s.presentations, e, occurred_at);
}

bool overflowed(const ProviderLedger& s) noexcept { return s.invoices.overflow || s.payouts.overflow || s.presentations.overflow; }

ProviderLedger replay(std::span<const RecordedEvent> events) {
    ProviderLedger ledger;
    for (const RecordedEvent& r : events) evolve(ledger, r.event, r.occurred_at);
    return ledger;
}

}  // namespace liquida::domain
