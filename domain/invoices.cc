// Invoices, debits, credit notes and payment orders (F1-F3, F5, S1, S2).
#include <algorithm>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/names.h"
#include "domain/queries.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

const InvoiceRecord* find_invoice(const ProviderLedger& s, const std::string& id) {
    const auto it = s.invoices.invoices.find(id);
    return it == s.invoices.invoices.end() ? nullptr : &it->second;
}

// F3: the state machine; anything else is an illegal transition.
Decision transition(const ProviderLedger& s, const std::string& id, std::initializer_list<InvoiceStatus> from, Event to) {
    const InvoiceRecord* inv = find_invoice(s, id);
    if (inv == nullptr) return reject("invoice.not_found", "Factura inexistente.", "invoice_id");
    if (std::find(from.begin(), from.end(), inv->status) == from.end())
        return reject("invoice.illegal_transition", "La factura no admite ese cambio de estado.", "invoice_id");
    return emit(std::move(to));
}

std::optional<Centavos> approved_unbilled_debits(const InvoiceRecord& inv) {
    money::Sum total;
    for (const DebitRecord& d : inv.debits) {
        if (d.reinvoice_approved == true && !d.reinvoiced) total.add(d.applied.amount);
    }
    return total.value();
}

// What is left to pay or debit on an invoice: balance - paid (S1, S2).
std::optional<Centavos> outstanding(const InvoiceRecord& inv) { return money::Sum(inv.balance()).sub(inv.paid).value(); }

// F2 (seed 003): the acta an invoice to an obra social billed by acta names: one of that obra
// social, with room left for the amount (a Refacturación re-bills a debit, within what was billed).
Check check_acta(const ProviderLedger& s, const IssueInvoice& c) {
    const auto it = s.invoices.actas.find(c.authorization);
    if (it == s.invoices.actas.end() || it->second.obra_social != c.obra_social)
        return error("invoice.acta_not_found", "No hay acta de autorización con ese número: ingrese un trámite válido.", "authorization");
    if (c.billing == BillingType::refacturacion) return std::nullopt;
    const auto room = acta_left(s.invoices, c.authorization);
    if (!room) return money::overflow("authorization");
    if (c.amount > *room)
        return error("invoice.exceeds_acta", "El importe supera lo que resta del acta: " + std::to_string(*room) + " centavos.", "amount");
    return std::nullopt;
}

// F2: a live Original of the invoice's period bound to its acta.
bool acta_has_original(const ProviderLedger& s, const IssueInvoice& c) {
    return std::any_of(s.invoices.invoices.begin(), s.invoices.invoices.end(), [&](const auto& e) {
        const InvoiceIssued& issued = e.second.issued;
        return e.second.active() && issued.billing == BillingType::original && issued.obra_social == c.obra_social &&
               issued.period == c.period && issued.authorization == c.authorization;
    });
}

// F2/F1/S1: what the billing type requires of the amount and the referenced invoice. By acta, an
// Original per acta and period, and each invoice bills at most what the period has unbilled.
Check check_billing(const ProviderLedger& s, const IssueInvoice& c, bool by_acta) {
    const InvoiceRecord* ref = c.adjusts_invoice.empty() ? nullptr : find_invoice(s, c.adjusts_invoice);
    if (c.billing == BillingType::refacturacion) {
        if (ref == nullptr)
            return error("invoice.debited_invoice_required", "La refacturación indica la factura debitada.", "adjusts_invoice");
        const auto approved = approved_unbilled_debits(*ref);
        if (!approved) return money::overflow("adjusts_invoice");
        if (*approved == 0)
            return error("invoice.debit_analysis_not_approved", "La refacturación requiere análisis de débitos aprobado.",
                         "adjusts_invoice");
        if (c.amount != *approved)
            return error("invoice.amount_mismatch", "El importe debe ser el débito aprobado para refacturar.", "amount");
        return std::nullopt;
    }
    const auto settlement = settlement_of(s, c.period, c.obra_social);
    if (!settlement) return settlement.error();
    const Settlement& st = *settlement;
    if (c.billing == BillingType::ajuste) {
        if (c.adjusts_invoice.empty())
            return error("invoice.adjusted_invoice_required", "El ajuste indica la factura que ajusta.", "adjusts_invoice");
        if (ref == nullptr || !ref->active() || ref->issued.obra_social != c.obra_social || ref->issued.period != c.period ||
            (by_acta && ref->issued.authorization != c.authorization))
            return error("invoice.adjusted_invoice_not_found", "No hay factura vigente de ese período y acta para ajustar.",
                         "adjusts_invoice");
    } else if (by_acta ? acta_has_original(s, c) : st.invoiced > 0) {
        return error("invoice.already_invoiced",
                     by_acta ? "El acta ya tiene factura original del período." : "El período ya tiene factura original.", "period");
    }
    // F1: the invoices of a period add up to its settlement total.
    const auto unbilled = money::sub(st.total, st.invoiced);
    if (!unbilled) return money::overflow("period");
    if (*unbilled <= 0) return error("invoice.nothing_to_bill", "No hay prestaciones aprobadas sin facturar en el período.", "period");
    if (by_acta ? c.amount > *unbilled : c.amount != *unbilled)
        return error("invoice.amount_mismatch", "El importe no coincide con la liquidación: " + std::to_string(*unbilled) + " centavos.",
                     "amount");
    return std::nullopt;
}

// F2: the letters a provider may issue by its IVA condition (AFIP): a responsable inscripto A, B
// or M; a monotributista or an exento C; a no alcanzado B or C (seed 001's own provider, "No
// Alcanzado", issues B); E (export) and the X of a Resumen/Pre-Liquidación any of them (seed
// 001's provider sends both); a consumidor final none.
constexpr uint8_t letters(std::initializer_list<ComprobanteType> types) {
    uint8_t mask = 0;
    for (ComprobanteType t : types) mask = static_cast<uint8_t>(mask | (1u << static_cast<unsigned>(t)));
    return mask;
}
using enum ComprobanteType;
constexpr uint8_t kLettersByIva[] = {
    letters({factura_a, factura_b, factura_m, factura_e, resumen_x}),  // responsable_inscripto
    letters({factura_c, factura_e, resumen_x}),                        // monotributo
    letters({factura_c, factura_e, resumen_x}),                        // exento
    0,                                                                 // consumidor_final
    letters({factura_b, factura_c, factura_e, resumen_x}),             // no_alcanzado
};
static_assert(std::size(kLettersByIva) == std::size(kIvaConditionNames));

Check check_letter(IvaCondition iva, ComprobanteType type) {
    const auto i = static_cast<size_t>(iva);
    const uint8_t allowed = i < std::size(kLettersByIva) ? kLettersByIva[i] : 0;
    if ((allowed >> static_cast<unsigned>(type)) & 1u) return std::nullopt;
    std::string may;
    for (size_t t = 0; t < std::size(kComprobanteNames); ++t)
        if ((allowed >> t) & 1u) may += std::string(may.empty() ? "" : ", ") + comprobante_letter(static_cast<ComprobanteType>(t));
    return error("invoice.letter_not_allowed",
                 "Un prestador " + std::string(i < std::size(kIvaConditionLabels) ? kIvaConditionLabels[i] : "?") + " no emite factura " +
                     comprobante_letter(type) + (may.empty() ? "." : " (emite " + may + ")."),
                 "comprobante");
}

}  // namespace

Decision decide(const ProviderLedger& s, const IssueInvoice& c, TimestampMs now, const Config& config) {
    if (auto e = require_padron(s, now, "invoice")) return rejected(*e);  // P4
    if (auto e = require_text(c.invoice_id, "invoice.id_required", "Falta el identificador de la factura.", "invoice_id"))
        return rejected(*e);
    if (find_invoice(s, c.invoice_id) != nullptr) return reject("invoice.duplicate_id", "La factura ya fue cargada.", "invoice_id");
    if (auto e = require_adhered(s, config, c.obra_social, "invoice")) return rejected(*e);
    const ObraSocialConfig& os = *config.obra_social(c.obra_social);
    // F2: a Resumen/Pre-Liquidación X is no fiscal invoice: no CAE, and never a refacturación,
    // which seed 001 sends "con Facturas Oficiales".
    const bool resumen = c.comprobante == ComprobanteType::resumen_x;
    if (auto e = check_comprobante(c.punto_de_venta, c.number, c.cae, "invoice", !resumen)) return rejected(*e);
    if (auto e = check_letter(s.provider.identity.iva, c.comprobante)) return rejected(*e);
    if (resumen && c.billing == BillingType::refacturacion)
        return reject("invoice.resumen_not_allowed", "Una refacturación se envía con factura oficial, no con un resumen X.", "comprobante");
    for (const auto& [id, inv] : s.invoices.invoices) {
        if (inv.issued.comprobante == c.comprobante && inv.issued.punto_de_venta == c.punto_de_venta && inv.issued.number == c.number)
            return reject("invoice.duplicate_number", "Ese comprobante ya fue cargado.", "number");
    }
    if (c.period.month < 1 || c.period.month > 12) return reject("invoice.invalid_period", "Período inválido.", "period");
    if (c.amount <= 0) return reject("invoice.amount_not_positive", "El importe debe ser positivo.", "amount");
    if (local_date(now) < c.issued_on) return reject("invoice.issued_in_future", "La fecha de factura es futura.", "issued_on");
    if (os.invoice_requires_authorization && c.authorization.empty())
        return reject("invoice.authorization_required", "Indique el trámite de autorización que factura.", "authorization");
    for (AttachmentKind kind : os.invoice_attachments) {
        if (std::none_of(c.attachments.begin(), c.attachments.end(), [&](const Attachment& a) { return a.kind == kind; }))
            return reject("invoice.attachment_missing", "Falta un adjunto requerido por " + os.name + ".",
                          "attachments." + std::string(kAttachmentKindNames[static_cast<size_t>(kind)]));
    }
    if (os.bills_actas)
        if (auto e = check_acta(s, c)) return rejected(*e);
    if (auto e = check_billing(s, c, os.bills_actas)) return rejected(*e);
    if (c.billing == BillingType::original) {  // A5: the period's written reports, in their envelopes
        const auto has = static_cast<size_t>(std::count_if(c.attachments.begin(), c.attachments.end(),
                                                           [](const Attachment& a) { return a.kind == AttachmentKind::informe; }));
        if (const uint32_t due = reports_due(s, c.period, os); has < due)
            return reject("invoice.report_missing",
                          "Faltan informes: el período tiene " + std::to_string(due) + " prácticas con informe y se adjuntan " +
                              std::to_string(has) + ".",
                          "attachments.informe");
    }
    return emit(InvoiceIssued{c.invoice_id, c.obra_social, c.comprobante, c.billing, c.punto_de_venta, c.number, c.cae, c.period, c.amount,
                              c.issued_on, c.authorization, c.adjusts_invoice, c.attachments});
}

Decision decide(const ProviderLedger& s, const SendInvoice& c, TimestampMs, const Config&) {
    return transition(s, c.invoice_id, {InvoiceStatus::cargada, InvoiceStatus::observada}, InvoiceSent{c.invoice_id});
}

Decision decide(const ProviderLedger& s, const ObserveInvoice& c, TimestampMs, const Config&) {
    if (c.reason.empty()) return reject("invoice.reason_required", "Indique el motivo de la observación.", "reason");
    return transition(s, c.invoice_id, {InvoiceStatus::enviada}, InvoiceObserved{c.invoice_id, c.reason});
}

Decision decide(const ProviderLedger& s, const AcceptInvoice& c, TimestampMs, const Config&) {
    return transition(s, c.invoice_id, {InvoiceStatus::enviada}, InvoiceAccepted{c.invoice_id});
}

Decision decide(const ProviderLedger& s, const IngresarInvoice& c, TimestampMs, const Config&) {
    return transition(s, c.invoice_id, {InvoiceStatus::aceptada}, InvoiceIngresada{c.invoice_id});
}

Decision decide(const ProviderLedger& s, const RejectInvoice& c, TimestampMs, const Config&) {
    if (c.reason.empty()) return reject("invoice.reason_required", "Indique el motivo del rechazo.", "reason");
    const InvoiceRecord* inv = find_invoice(s, c.invoice_id);
    if (inv != nullptr && inv->paid > 0) return reject("invoice.illegal_transition", "Una factura con pagos no se rechaza.", "invoice_id");
    return transition(s, c.invoice_id, {InvoiceStatus::enviada, InvoiceStatus::observada}, InvoiceRejected{c.invoice_id, c.reason});
}

Decision decide(const ProviderLedger& s, const ApplyDebit& c, TimestampMs, const Config&) {
    const InvoiceRecord* inv = find_invoice(s, c.invoice_id);
    if (inv == nullptr) return reject("debit.invoice_not_found", "Factura inexistente.", "invoice_id");
    if (inv->status != InvoiceStatus::aceptada && inv->status != InvoiceStatus::ingresada)
        return reject("debit.invoice_not_in_audit", "Solo se debita una factura aceptada o ingresada.", "invoice_id");
    if (c.debit_id.empty()) return reject("debit.id_required", "Falta el identificador del débito.", "debit_id");
    for (const auto& [id, other] : s.invoices.invoices) {
        for (const DebitRecord& d : other.debits) {
            if (d.applied.debit_id == c.debit_id) return reject("debit.duplicate_id", "El débito ya fue aplicado.", "debit_id");
        }
    }
    if (c.amount <= 0) return reject("debit.amount_not_positive", "El débito debe ser positivo.", "amount");
    // S1: balance = amount - debits, and what was already paid cannot be debited.
    const auto left = outstanding(*inv);
    if (!left) return rejected(money::overflow("amount"));
    if (c.amount > *left) return reject("debit.exceeds_balance", "El débito supera el saldo de la factura.", "amount");
    if (c.reason.empty()) return reject("debit.reason_required", "Indique el motivo del débito.", "reason");
    return emit(DebitApplied{c.invoice_id, c.debit_id, c.amount, c.reason_code, c.reason, c.debit_sheet});
}

Decision decide(const ProviderLedger& s, const ResolveDebitAnalysis& c, TimestampMs, const Config&) {
    const InvoiceRecord* inv = find_invoice(s, c.invoice_id);
    if (inv == nullptr) return reject("debit.invoice_not_found", "Factura inexistente.", "invoice_id");
    const auto it =
        std::find_if(inv->debits.begin(), inv->debits.end(), [&](const DebitRecord& d) { return d.applied.debit_id == c.debit_id; });
    if (it == inv->debits.end()) return reject("debit.not_found", "Débito inexistente.", "debit_id");
    if (it->reinvoice_approved.has_value()) return reject("debit.already_resolved", "El análisis del débito ya fue resuelto.", "debit_id");
    return emit(DebitAnalysisResolved{c.invoice_id, c.debit_id, c.reinvoice_approved});
}

Decision decide(const ProviderLedger& s, const IssueCreditNote& c, TimestampMs, const Config&) {
    const InvoiceRecord* inv = find_invoice(s, c.invoice_id);
    if (inv == nullptr) return reject("credit_note.invoice_not_found", "Factura inexistente.", "invoice_id");
    if (c.credit_note_id.empty()) return reject("credit_note.id_required", "Falta el identificador de la nota.", "credit_note_id");
    const auto& notes = s.invoices.credit_notes;
    if (std::find(notes.begin(), notes.end(), c.credit_note_id) != notes.end())
        return reject("credit_note.duplicate_id", "La nota de crédito ya fue cargada.", "credit_note_id");
    if (auto e = check_comprobante(c.punto_de_venta, c.number, c.cae, "credit_note")) return rejected(*e);
    if (c.amount <= 0) return reject("credit_note.amount_not_positive", "El importe debe ser positivo.", "amount");
    // F5: a credit note answers a debit; it cannot exceed what was debited.
    const auto owed = money::Sum(inv->debited()).sub(inv->credited).value();
    if (!owed) return rejected(money::overflow("amount"));
    if (c.amount > *owed) return reject("credit_note.exceeds_debits", "La nota de crédito supera los débitos pendientes.", "amount");
    return emit(CreditNoteIssued{c.invoice_id, c.credit_note_id, c.punto_de_venta, c.number, c.cae, c.amount});
}

Decision decide(const ProviderLedger& s, const IssuePaymentOrder& c, TimestampMs, const Config& config) {
    if (config.obra_social(c.obra_social) == nullptr)
        return reject("payment_order.unknown_obra_social", "Obra social desconocida.", "obra_social");
    if (auto e = check_payment_order(c.payment_order_type, c.payment_order, c.retention_certificate)) return rejected(*e);
    const auto& orders = s.invoices.payment_orders;
    if (std::find(orders.begin(), orders.end(), c.payment_order) != orders.end())
        return reject("payment_order.duplicate", "La orden de pago ya fue registrada.", "payment_order");
    if (c.invoices.empty()) return reject("payment_order.invoices_required", "La orden de pago no tiene facturas.", "invoices");
    money::Sum total;
    for (size_t i = 0; i < c.invoices.size(); ++i) {
        const PaidInvoice& p = c.invoices[i];
        const std::string field = "invoices[" + std::to_string(i) + "]";
        const InvoiceRecord* inv = find_invoice(s, p.invoice_id);
        if (inv == nullptr) return reject("payment_order.invoice_not_found", "Factura inexistente.", field);
        if (inv->issued.obra_social != c.obra_social)
            return reject("payment_order.wrong_obra_social", "La factura es de otra obra social.", field);
        if (inv->status != InvoiceStatus::aceptada && inv->status != InvoiceStatus::ingresada)
            return reject("payment_order.invoice_not_payable", "La factura no está aceptada.", field);
        if (p.amount <= 0) return reject("payment_order.amount_not_positive", "El importe debe ser positivo.", field);
        // One line per invoice: two would each be checked against the whole balance.
        for (size_t j = 0; j < i; ++j) {
            if (c.invoices[j].invoice_id == p.invoice_id)
                return reject("payment_order.duplicate_invoice", "La factura figura dos veces en la orden de pago.", field);
        }
        // S1/S2: never more than the balance.
        const auto left = outstanding(*inv);
        if (!left) return rejected(money::overflow(field));
        if (p.amount > *left) return reject("payment_order.exceeds_balance", "El pago supera el saldo de la factura.", field);
        if (!total.add(p.amount).ok()) return rejected(money::overflow(field));
    }
    return emit(PaymentOrderIssued{c.obra_social, c.payment_order, c.paid_on, *total.value(), c.invoices, c.retention_certificate,
                                   c.payment_order_type});
}

namespace {
// Seed 003's "Nº trámite de acta digital xx xxx xxxxxxx xx": digit groups of 2, 3, 7 and 2.
bool is_acta_number(std::string_view n) {
    return n.size() == 17 && n[2] == ' ' && n[6] == ' ' && n[14] == ' ' && is_digits(n.substr(0, 2), 2) && is_digits(n.substr(3, 3), 3) &&
           is_digits(n.substr(7, 7), 7) && is_digits(n.substr(15, 2), 2);
}
}  // namespace

Decision decide(const ProviderLedger& s, const IssueActa& c, TimestampMs, const Config& config) {
    if (!s.provider.registered) return reject("acta.provider_not_registered", "Prestador no registrado.", "provider");
    if (auto e = require_adhered(s, config, c.obra_social, "acta")) return rejected(*e);
    if (!config.obra_social(c.obra_social)->bills_actas)
        return reject("acta.not_billed_by_acta", "La obra social no factura por acta de autorización.", "obra_social");
    if (!is_acta_number(c.acta)) return reject("acta.invalid_number", "El número de trámite es xx xxx xxxxxxx xx.", "acta");
    if (s.invoices.actas.contains(c.acta)) return reject("acta.duplicate", "El acta ya fue registrada.", "acta");
    if (c.tipo_prestacion.empty()) return reject("acta.prestacion_required", "Falta el tipo de prestación.", "tipo_prestacion");
    if (c.total <= 0) return reject("acta.total_not_positive", "El monto total del trámite debe ser positivo.", "total");
    return emit(ActaIssued{c.acta, c.obra_social, c.tipo_afiliatorio, c.tipo_prestacion, c.total});
}

}  // namespace liquida::domain
