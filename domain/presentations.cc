// The colegio's presentation of a period's billing to an obra social, and the insurer's audit,
// debits, approval and payment of it as a whole (F6, seed 000). Decided on kColegio's ledger.
#include <algorithm>

#include "domain/decide.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

const PresentationRecord* find_presentation(const ProviderLedger& s, const std::string& number) {
    const auto it = s.presentations.presentations.find(number);
    return it == s.presentations.presentations.end() ? nullptr : &it->second;
}

Check not_found(const PresentationRecord* p) {
    if (p == nullptr) return error("presentation.not_found", "Presentación inexistente.", "presentation");
    return std::nullopt;
}

bool is_presentation_number(std::string_view n) noexcept {
    return !n.empty() && n.size() <= kMaxPresentationNumber && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '/';
    });
}

}  // namespace

Decision decide(const ProviderLedger& s, const PresentBilling& c, TimestampMs now, const Config& config) {
    if (!is_presentation_number(c.presentation))
        return reject("presentation.invalid_number", "El número de presentación lleva de 1 a 20 letras, dígitos, '-' o '/'.",
                      "presentation");
    if (s.presentations.presentations.contains(c.presentation))
        return reject("presentation.duplicate", "Ya hay una presentación con ese número.", "presentation");
    if (config.obra_social(c.obra_social) == nullptr)
        return reject("presentation.unknown_obra_social", "Obra social desconocida.", "obra_social");
    // Seed 000: the colegio presents what the month's window gathered; while the period still
    // receives orders (O3) its billing is not whole.
    if (!(c.period < billing_period(now, config)))
        return reject("presentation.period_open", "El período " + to_string(c.period) + " todavía recibe órdenes.", "period");
    const auto& all = s.presentations.presentations;
    if (std::any_of(all.begin(), all.end(), [&](const auto& p) {
            return p.second.submitted.obra_social == c.obra_social && p.second.submitted.period == c.period;
        }))
        return reject("presentation.already_presented", "El período ya fue presentado a esa obra social.", "period");
    if (c.amount <= 0) return reject("presentation.amount_not_positive", "El importe debe ser positivo.", "amount");
    return emit(PresentationSubmitted{c.presentation, c.obra_social, c.period, local_date(now), c.amount});
}

Decision decide(const ProviderLedger& s, const DebitPresentation& c, TimestampMs, const Config&) {
    const PresentationRecord* p = find_presentation(s, c.presentation);
    if (auto e = not_found(p)) return rejected(*e);
    if (p->approved) return reject("presentation.already_approved", "La presentación ya fue aprobada: no admite débitos.", "presentation");
    if (c.debit_id.empty()) return reject("debit.id_required", "Falta el identificador del débito.", "debit_id");
    if (std::any_of(p->debits.begin(), p->debits.end(), [&](const PresentationDebited& d) { return d.debit_id == c.debit_id; }))
        return reject("debit.duplicate_id", "El débito ya fue aplicado.", "debit_id");
    if (c.amount <= 0) return reject("debit.amount_not_positive", "El débito debe ser positivo.", "amount");
    const auto left = p->balance();
    if (!left) return rejected(money::overflow("amount"));
    if (c.amount > *left) return reject("debit.exceeds_balance", "El débito supera el saldo de la presentación.", "amount");
    if (c.reason.empty()) return reject("debit.reason_required", "Indique el motivo del débito.", "reason");
    return emit(PresentationDebited{c.presentation, c.debit_id, c.amount, c.reason_code, c.reason});
}

Decision decide(const ProviderLedger& s, const ApprovePresentation& c, TimestampMs, const Config&) {
    const PresentationRecord* p = find_presentation(s, c.presentation);
    if (auto e = not_found(p)) return rejected(*e);
    if (p->approved) return reject("presentation.already_approved", "La presentación ya fue aprobada.", "presentation");
    return emit(PresentationApproved{c.presentation});
}

Decision decide(const ProviderLedger& s, const PayPresentation& c, TimestampMs, const Config&) {
    const PresentationRecord* p = find_presentation(s, c.presentation);
    if (auto e = not_found(p)) return rejected(*e);
    // Seed 000: "una vez aprobado proceden a realizar el pago".
    if (!p->approved) return reject("presentation.not_approved", "La presentación se paga una vez aprobada.", "presentation");
    if (auto e = check_payment_order(c.payment_order_type, c.payment_order, c.retention_certificate)) return rejected(*e);
    if (c.paid_on < p->submitted.presented_on)
        return reject("presentation.paid_before_presented",
                      "La fecha de pago es anterior a la presentación (" + to_string(p->submitted.presented_on) + ").", "paid_on");
    for (const auto& [number, other] : s.presentations.presentations) {
        if (std::any_of(other.payments.begin(), other.payments.end(),
                        [&](const PresentationPaid& x) { return x.payment_order == c.payment_order; }))
            return reject("payment_order.duplicate", "La orden de pago ya fue registrada.", "payment_order");
    }
    if (c.amount <= 0) return reject("payment_order.amount_not_positive", "El importe debe ser positivo.", "amount");
    const auto left = p->outstanding();
    if (!left) return rejected(money::overflow("amount"));
    if (c.amount > *left) return reject("payment_order.exceeds_balance", "El pago supera el saldo de la presentación.", "amount");
    return emit(PresentationPaid{c.presentation, c.payment_order_type, c.payment_order, c.paid_on, c.amount, c.retention_certificate});
}

}  // namespace liquida::domain
