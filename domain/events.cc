#include "domain/events.h"

namespace liquida::domain {
namespace {

// Index-aligned with the alternatives of Event.
constexpr std::string_view kNames[] = {
    "provider_registered", "provider_updated", "provider_adhered", "document_uploaded",
    "document_verified", "document_expired", "padron_enrolled", "padron_left",
    "eligibility_checked", "token_issued", "order_loaded", "order_approved", "order_rejected",
    "order_deferred", "budget_submitted", "budget_authorized", "budget_sent_to_audit",
    "practice_consumed", "transaction_cancelled", "invoice_issued", "invoice_sent",
    "invoice_observed", "invoice_accepted", "invoice_rejected", "invoice_ingresada",
    "debit_applied", "debit_analysis_resolved", "credit_note_issued", "payment_order_issued",
    "retention_applied", "provider_paid"};
static_assert(std::size(kNames) == kEventKinds, "every event kind needs a name");
// The same, as a person reads them (the dashboard's feed).
constexpr std::string_view kLabels[] = {
    "Prestador registrado", "Datos del prestador actualizados", "Adhesión a obra social", "Documento cargado",
    "Documento verificado", "Documento vencido", "Alta en el padrón", "Baja del padrón",
    "Elegibilidad consultada", "Token emitido", "Orden cargada", "Orden aprobada", "Orden rechazada",
    "Orden diferida", "Presupuesto enviado", "Presupuesto autorizado", "Presupuesto en auditoría",
    "Prácticas consumidas", "Transacción anulada", "Factura cargada", "Factura enviada",
    "Factura observada", "Factura aceptada", "Factura rechazada", "Factura ingresada",
    "Débito aplicado", "Análisis de débito resuelto", "Nota de crédito emitida", "Orden de pago emitida",
    "Retención aplicada", "Pago al prestador"};
static_assert(std::size(kLabels) == kEventKinds, "every event kind needs a label");

}  // namespace

std::string_view event_name(size_t index) noexcept {
    return index < kEventKinds ? kNames[index] : std::string_view{"unknown"};
}
std::string_view event_name(const Event& e) noexcept { return event_name(e.index()); }
std::string_view event_label(size_t index) noexcept {
    return index < kEventKinds ? kLabels[index] : std::string_view{"Evento desconocido"};
}

}  // namespace liquida::domain
