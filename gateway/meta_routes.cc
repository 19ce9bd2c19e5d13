// GET /v1/meta: what a client needs to show the API's values to a person, each from the one
// place it is defined: the configuration's obras sociales with their names, practices, the
// data their orders require, what their invoices carry and their recent aranceles; the Spanish
// label of every event kind, document type and state, retention kind, attachment kind,
// credential type, order state and order rejection reason; who may issue each command (the
// matrix the server enforces); and the business clock (the instant and the Argentina date the
// views are judged by: a test clock's, not today's). Any signed-in role. None of it is private
// but the aranceles agreed with each obra social, which an obra social reads only of its own
// (the others' lists are empty).
#include "domain/names.h"
#include "gateway/app.h"
#include "gateway/json.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

template <size_t N>
json labelled(const std::string_view (&names)[N], const std::string_view (&labels)[N]) {
    json out = json::object();
    for (size_t i = 0; i < N; ++i) out[std::string(names[i])] = labels[i];
    return out;
}

}  // namespace

HttpResponse App::meta_view(const Claims& claims) const {
    json obras_sociales = json::array();
    for (const auto& os : p_.config.obras_sociales) {
        json practices = json::array();
        for (const auto& pr : os.practices)  // A6: what a budget's line for it must name
            practices.push_back(
                {{"code", pr.code}, {"name", pr.name}, {"requires_tooth", pr.requires_tooth}, {"requires_faces", pr.requires_faces}});
        // O1: what an order for it must carry besides the signatures and stamp.
        json attachments = json::array();  // F2: what every invoice to it carries
        for (const auto kind : os.invoice_attachments) attachments.push_back(domain::kAttachmentKindNames[static_cast<size_t>(kind)]);
        json signatures = json::array();  // O1: the marks an order for it carries
        for (const auto& [name, member] : domain::ObraSocialConfig::kOrderSignatures)
            if (os.order_signatures.*member) signatures.push_back(name);
        json aranceles = json::array();  // A8: the schedules a provider may look at
        const bool theirs = claims.role != Role::obra_social || claims.subject == os.id.value();
        for (const auto& s : theirs ? os.recent_schedules(domain::local_date(p_.business_clock())) : std::vector<domain::FeeSchedule>{})
            aranceles.push_back({{"version", s.version},
                                 {"effective_from", s.effective_from ? json(domain::to_string(*s.effective_from)) : json(nullptr)},
                                 {"fees", s.fees}});
        obras_sociales.push_back({{"id", os.id.value()},
                                  {"name", os.name},
                                  {"practices", std::move(practices)},
                                  {"required_order_fields", os.required_order_fields},
                                  {"order_signatures", std::move(signatures)},
                                  {"required_budget_fields", os.required_budget_fields},
                                  {"flagged_plans", os.flagged_plans},
                                  {"bills_authorization", os.bills_authorization},
                                  {"report_with_presentation", os.report_with_presentation},
                                  // A8: what a consumption's ticket carries, and whether an item
                                  // may bill solo honorarios or solo gastos.
                                  {"consumption_affiliate_signature", os.consumption_affiliate_signature},
                                  {"bills_fee_shares", os.gastos_share_bp.has_value()},
                                  {"invoice_attachments", std::move(attachments)},
                                  {"invoice_requires_authorization", os.invoice_requires_authorization},
                                  {"bills_actas", os.bills_actas},
                                  {"aranceles", std::move(aranceles)}});
    }
    json events = json::object();
    for (size_t i = 0; i < domain::kEventKinds; ++i) events[std::string(domain::event_name(i))] = domain::event_label(i);
    json commands = json::object();
    const auto& names = command_names();
    for (size_t i = 0; i < names.size(); ++i) {
        json roles = json::array();
        for (const Role role : {Role::colegio, Role::prestador, Role::obra_social})
            if (may_issue(role, i)) roles.push_back(role_name(role));
        commands[names[i]] = std::move(roles);
    }
    return ok_json({{"clock", clock_json(p_.business_clock(), p_.test_clock != nullptr)},
                    {"order_window_last_day", p_.config.order_window_last_day},
                    {"obras_sociales", std::move(obras_sociales)},
                    {"labels",
                     {{"event", std::move(events)},
                      {"document_type", labelled(domain::kDocumentTypeNames, domain::kDocumentTypeLabels)},
                      {"document_status", labelled(domain::kDocumentStatusNames, domain::kDocumentStatusLabels)},
                      {"retention_kind", labelled(domain::kRetentionKindNames, domain::kRetentionKindLabels)},
                      {"attachment_kind", labelled(domain::kAttachmentKindNames, domain::kAttachmentKindLabels)},
                      {"credential_type", labelled(domain::kCredentialTypeNames, domain::kCredentialTypeLabels)},
                      {"tipo_facturacion", labelled(domain::kTipoFacturacionNames, domain::kTipoFacturacionLabels)},
                      {"order_state", labelled(domain::kOrderStatusNames, domain::kOrderStatusLabels)},
                      {"invoice_state", labelled(domain::kInvoiceListingStates, domain::kInvoiceListingStateLabels)},
                      {"order_reject_reason", labelled(domain::kOrderRejectReasons, domain::kOrderRejectReasonLabels)}}},
                    {"commands", std::move(commands)}});
}

}  // namespace liquida::gateway
