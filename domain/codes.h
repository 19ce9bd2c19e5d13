// The codes a command can be refused with, "area.what". The rules write them as literals, and
// a literal not listed here does not compile (Code's constructor is consteval); docs/DOMAIN.md
// lists exactly these, and tests/domain/codes_test.cc checks that it does.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

namespace liquida::domain {

// clang-format off
inline constexpr std::string_view kCodes[] = {
    "acta.duplicate", "acta.invalid_number", "acta.not_billed_by_acta", "acta.prestacion_required", "acta.provider_not_registered",
    "acta.total_not_positive", "anulacion.already_cancelled", "anulacion.already_invoiced", "anulacion.item_already_cancelled",
    "anulacion.item_not_authorized", "anulacion.item_not_found", "anulacion.item_not_in_consumption", "anulacion.reason_required",
    "anulacion.transaction_not_found", "budget.affiliate_inhabilitado", "budget.affiliate_required",
    "budget.audit_decision_incomplete", "budget.audit_decision_required", "budget.diagnosis_required", "budget.duplicate_transaction",
    "budget.face_required", "budget.invalid_affiliate_name", "budget.invalid_credential_type", "budget.invalid_diagnosis",
    "budget.invalid_face", "budget.invalid_plan", "budget.invalid_prescriptor_matricula", "budget.invalid_prescriptor_name",
    "budget.invalid_quantity", "budget.invalid_titular", "budget.invalid_token", "budget.invalid_tooth", "budget.item_unknown",
    "budget.items_required", "budget.missing_field", "budget.not_found", "budget.not_in_audit", "budget.report_required",
    "budget.token_expired", "budget.token_unknown", "budget.token_used", "budget.tooth_required", "budget.transaction_required",
    "budget.weekly_limit_exceeded", "config.invalid", "consumption.billing_item_unknown", "consumption.billing_not_offered",
    "consumption.duplicate_number", "consumption.item_already_consumed", "consumption.item_cancelled",
    "consumption.item_not_authorized", "consumption.item_unknown", "consumption.items_required",
    "consumption.missing_affiliate_signature", "consumption.not_authorized", "consumption.number_required",
    "consumption.performed_at_in_future", "consumption.performed_at_required", "consumption.performed_before_authorization",
    "consumption.practice_not_agreed", "consumption.transaction_cancelled", "consumption.transaction_not_found",
    "consumption.unknown_obra_social", "credit_note.amount_not_positive", "credit_note.duplicate_id", "credit_note.exceeds_debits",
    "credit_note.id_required", "credit_note.invoice_not_found", "debit.already_resolved", "debit.amount_not_positive",
    "debit.duplicate_id", "debit.exceeds_balance", "debit.id_required", "debit.invoice_not_found", "debit.invoice_not_in_audit",
    "debit.not_found", "debit.reason_required", "document.already_expired", "document.already_verified", "document.duplicate_id",
    "document.id_required", "document.not_found", "document.reason_required", "document.reference_required",
    "eligibility.identifier_not_accepted", "eligibility.identifier_required", "eligibility.provider_not_registered",
    "eligibility.unknown_obra_social", "invoice.acta_not_found", "invoice.adjusted_invoice_not_found",
    "invoice.adjusted_invoice_required", "invoice.already_invoiced", "invoice.amount_mismatch", "invoice.amount_not_positive",
    "invoice.attachment_missing", "invoice.authorization_required", "invoice.debit_analysis_not_approved",
    "invoice.debited_invoice_required", "invoice.duplicate_id", "invoice.duplicate_number", "invoice.exceeds_acta",
    "invoice.id_required", "invoice.illegal_transition", "invoice.invalid_period", "invoice.issued_in_future",
    "invoice.letter_not_allowed", "invoice.not_found", "invoice.nothing_to_bill", "invoice.reason_required", "invoice.report_missing",
    "invoice.resumen_not_allowed", "money.overflow", "order.attention_date_in_future", "order.duplicate_id", "order.id_required",
    "order.invalid_affiliate_name", "order.invalid_plan", "order.invalid_reason_code", "order.missing_field",
    "order.missing_patient_signature", "order.missing_professional_signature", "order.missing_professional_stamp", "order.not_found",
    "order.not_pending", "order.reason_required", "order.resubmit_next_period", "padron.already_enrolled", "padron.documents_missing",
    "padron.not_enrolled", "padron.window_closed", "payment_order.amount_not_positive", "payment_order.duplicate",
    "payment_order.duplicate_invoice", "payment_order.exceeds_balance", "payment_order.id_required", "payment_order.invalid_type",
    "payment_order.invoice_not_found", "payment_order.invoice_not_payable", "payment_order.invoices_required",
    "payment_order.retention_certificate_required", "payment_order.unknown_obra_social", "payment_order.wrong_obra_social",
    "presentation.already_approved", "presentation.already_presented", "presentation.amount_not_positive", "presentation.duplicate",
    "presentation.invalid_number", "presentation.not_approved", "presentation.not_found", "presentation.paid_before_presented",
    "presentation.period_open", "presentation.unknown_obra_social", "provider.already_adhered", "provider.already_registered",
    "provider.cbu_document_required", "provider.invalid_cbu", "provider.invalid_convenio", "provider.invalid_cuit",
    "provider.matricula_required", "provider.not_registered", "provider.provider_number_required", "provider.razon_social_required",
    "provider.unknown_category", "provider.unknown_obra_social", "provider_payment.amount_not_positive",
    "provider_payment.cbu_mismatch", "provider_payment.duplicate_transfer", "provider_payment.exceeds_due",
    "provider_payment.invalid_cbu", "provider_payment.provider_not_registered", "provider_payment.retentions_pending",
    "provider_payment.transfer_required", "provider_payment.unknown_obra_social", "retention.none_configured",
    "retention.nothing_collected", "retention.unknown_obra_social", "token.affiliate_required", "token.duplicate",
    "token.invalid_code", "token.reserved_code", "token.unknown_obra_social",
};
// What the checks every area shares answer, after the area of the command that failed them:
// "<area>.provider_not_in_padron" (domain/rules.h).
inline constexpr std::string_view kSharedCodes[] = {
    "cae_not_allowed", "invalid_cae", "invalid_number", "invalid_practice_code", "invalid_punto_de_venta", "not_in_padron_that_day",
    "obra_social_not_adhered", "practice_not_agreed", "provider_not_in_padron", "provider_not_registered", "unknown_obra_social",
};
// The areas that prefix the codes.
inline constexpr std::string_view kAreas[] = {
    "acta", "anulacion", "budget", "config", "consumption", "credit_note", "debit", "document", "eligibility", "invoice", "money", "order",
    "padron", "payment_order", "presentation", "provider", "provider_payment", "retention", "token",
};
// clang-format on

// A name from one of the tables above, checked when compiled: a literal not in `Table` does
// not compile.
template <const auto& Table>
class Listed {
public:
    consteval Listed(const char* name) : name_(name) {  // NOLINT(google-explicit-constructor): written as a literal
        if (std::find(std::begin(Table), std::end(Table), name_) == std::end(Table))
            throw "not a name of its table (domain/codes.h, gateway/codes.h, replay/months.h): list it there and in its doc";
    }
    constexpr std::string_view name() const noexcept { return name_; }
    friend constexpr bool operator==(Listed, Listed) = default;

private:
    std::string_view name_;
};
using Code = Listed<kCodes>;              // "budget.weekly_limit_exceeded"
using Area = Listed<kAreas>;              // "budget"
using SharedCode = Listed<kSharedCodes>;  // "provider_not_in_padron", after an area

// "<area>.<what>".
inline std::string shared_code(Area area, SharedCode what) { return std::string(area.name()) + "." + std::string(what.name()); }

}  // namespace liquida::domain
