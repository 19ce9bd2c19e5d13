#include "domain/events.h"

#include "domain/names.h"

namespace liquida::domain {
namespace {

// Index-aligned with the alternatives of Event: the API's name of each kind, and its label as a
// person reads it (the dashboard's feed).
struct Kind {
    std::string_view name;
    std::string_view label;
};
constexpr Kind kKinds[] = {
    {"provider_registered", "Prestador registrado"},
    {"provider_updated", "Datos del prestador actualizados"},
    {"provider_adhered", "Adhesión a obra social"},
    {"document_uploaded", "Documento cargado"},
    {"document_verified", "Documento verificado"},
    {"document_expired", "Documento vencido"},
    {"padron_enrolled", "Alta en el padrón"},
    {"padron_left", "Baja del padrón"},
    {"eligibility_checked", "Elegibilidad consultada"},
    {"token_issued", "Token emitido"},
    {"order_loaded", "Orden cargada"},
    {"order_approved", "Orden aprobada"},
    {"order_rejected", "Orden rechazada"},
    {"order_deferred", "Orden diferida"},
    {"budget_submitted", "Presupuesto enviado"},
    {"budget_authorized", "Presupuesto autorizado"},
    {"budget_sent_to_audit", "Presupuesto en auditoría"},
    {"practice_consumed", "Prácticas consumidas"},
    {"transaction_cancelled", "Transacción anulada"},
    {"invoice_issued", "Factura cargada"},
    {"invoice_sent", "Factura enviada"},
    {"invoice_observed", "Factura observada"},
    {"invoice_accepted", "Factura aceptada"},
    {"invoice_rejected", "Factura rechazada"},
    {"invoice_ingresada", "Factura ingresada"},
    {"debit_applied", "Débito aplicado"},
    {"debit_analysis_resolved", "Análisis de débito resuelto"},
    {"credit_note_issued", "Nota de crédito emitida"},
    {"payment_order_issued", "Orden de pago emitida"},
    {"retention_applied", "Retención aplicada"},
    {"provider_paid", "Pago al prestador"},
};
static_assert(std::size(kKinds) == kEventKinds, "every event kind needs a name and a label");

// Every value of an enum of the events has its name in domain/names.h, and no name is extra.
template <class E, size_t N>
constexpr bool named(E last, const std::string_view (&)[N]) {
    return static_cast<size_t>(last) + 1 == N;
}
static_assert(named(IvaCondition::no_alcanzado, kIvaConditionNames));
static_assert(named(DocumentType::anexo1, kDocumentTypeNames));
static_assert(named(DiagnosisType::definitivo, kDiagnosisTypeNames));
static_assert(named(CredentialType::numero_asociado, kCredentialTypeNames));
static_assert(named(ItemResult::en_auditoria, kItemResultNames));
static_assert(named(ComprobanteType::resumen_x, kComprobanteNames));
static_assert(named(BillingType::ajuste, kBillingTypeNames));
static_assert(named(RetentionKind::other, kRetentionKindNames));
static_assert(named(AttachmentKind::informe, kAttachmentKindNames));

}  // namespace

std::string_view event_name(size_t index) noexcept { return index < kEventKinds ? kKinds[index].name : std::string_view{"unknown"}; }
std::string_view event_name(const Event& e) noexcept { return event_name(e.index()); }
std::string_view event_label(size_t index) noexcept {
    return index < kEventKinds ? kKinds[index].label : std::string_view{"Evento desconocido"};
}

}  // namespace liquida::domain
