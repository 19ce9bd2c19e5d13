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

}  // namespace

std::string_view event_name(size_t index) noexcept {
    return index < kEventKinds ? kNames[index] : std::string_view{"unknown"};
}
std::string_view event_name(const Event& e) noexcept { return event_name(e.index()); }

}  // namespace liquida::domain
