#include "tests/support/sample_events.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "domain/events.h"

namespace liquida::test {
namespace {

using domain::date_from_civil;
using domain::ObraSocialId;
using domain::Period;
using events::ActorRole;

// A new event kind needs a sample here (and a golden file): this fails until it has one.
static_assert(domain::kEventKinds == 37, "add a sample envelope for the new event kind");

constexpr uint64_t kProvider = 8481;  // SanCor test provider of seed 001 (CUIT 27-35215358-9)
const char* const kCbu = "0140123900000031274858";
const char* const kInvoice = "ioma-fc-00002-00000085";
const char* const kEarlierInvoice = "ioma-fc-00002-00000071";
const char* const kDebit = "ioma-deb-2021-000311";
const Period kFebruary2021{2021, 2};
const Period kMarch2021{2021, 3};
constexpr uint64_t kBudgetTransaction = 128183733;

// 2021-02-03 09:00 in Argentina; the i-th sample happens i minutes later.
constexpr domain::TimestampMs kFirstOccurredAt = domain::start_of_local_day(date_from_civil(2021, 2, 3)) + 9 * 3'600'000;

// A transaction of the colegio's authorization terminal (A8: boca 88, serie T).
domain::TransactionRef boca88(uint64_t number) { return {.boca = 88, .serie = "T", .number = number}; }

ObraSocialId insssep() { return ObraSocialId{"insssep"}; }
ObraSocialId ioma() { return ObraSocialId{"ioma"}; }

events::Envelope envelope(domain::Event payload, ActorRole role, std::string actor_id) {
    const auto index = payload.index();
    events::Envelope e;
    e.event_id.bytes = {0x3f, 0x2b, 0x8c, 0x1e, 0x7a, 0x4d, 0x4e, 0x91,
                        0xb6, 0xc2, 0x5d, 0x8f, 0x0a, 0x1e, 0x9c, static_cast<uint8_t>(index)};
    e.occurred_at = kFirstOccurredAt + static_cast<domain::TimestampMs>(index) * 60'000;
    e.recorded_at = e.occurred_at + 250;
    e.actor_id = std::move(actor_id);
    e.actor_role = role;
    e.command_id = "cmd-2021-02-" + std::string(domain::event_name(index));
    e.correlation_id = "corr-8481-2021-02";
    e.schema_version = events::kSchemaVersion;
    e.provider_id = domain::ProviderId{kProvider};
    e.payload = std::move(payload);
    return e;
}

events::Envelope by_provider(domain::Event payload) { return envelope(std::move(payload), ActorRole::prestador, "prestador:8481"); }
events::Envelope by_colegio(domain::Event payload) { return envelope(std::move(payload), ActorRole::colegio, "colegio:secretaria-2"); }
events::Envelope by_obra_social(domain::Event payload, const char* actor) {
    return envelope(std::move(payload), ActorRole::obra_social, actor);
}

std::vector<events::Envelope> provider_events() {
    return {
        by_provider(domain::ProviderRegistered{.matricula = "3-333",
                                               .cuit = "27352153589",
                                               .razon_social = "Usar - Para Pruebas Conect.",
                                               .iva = domain::IvaCondition::exento,
                                               .cbu = kCbu,
                                               .category = "B",
                                               .recien_matriculado = true,
                                               .address = "Av. 25 de Mayo 1150, Resistencia, Chaco",
                                               .email = "consultorio.pruebas@example.com.ar",
                                               .phone = "+54 362 442-1187"}),
        by_provider(domain::ProviderUpdated{.razon_social = "Usar - Para Pruebas Conect. (consultorio)",
                                            .iva = domain::IvaCondition::exento,
                                            .cbu = "0110456500000045182732",
                                            .category = "A",
                                            .address = "Güemes 230, Resistencia, Chaco",
                                            .email = "turnos.pruebas@example.com.ar",
                                            .phone = "+54 362 15 455-0091"}),
        by_colegio(domain::ProviderAdhered{.obra_social = insssep(), .provider_number = "3-333", .convenio = {}}),  // schema 6, below
        by_provider(domain::DocumentUploaded{.type = domain::DocumentType::seguro,
                                             .document_id = "doc-8481-seguro-2021",
                                             .reference = "docs/8481/seguro-mala-praxis-2021.pdf",
                                             .expires_on = date_from_civil(2026, 3, 31)}),
        by_colegio(domain::DocumentVerified{.type = domain::DocumentType::seguro,
                                            .document_id = "doc-8481-seguro-2021",
                                            .approved = true,
                                            .reason = "Póliza vigente hasta 31/03/2026"}),
        by_colegio(domain::DocumentExpired{
            .type = domain::DocumentType::afip, .document_id = "doc-8481-afip-2020", .expired_on = date_from_civil(2021, 2, 1)}),
        by_colegio(domain::PadronEnrolled{.enrolled_on = date_from_civil(2021, 2, 3), .outside_window = true}),
        by_provider(domain::PadronLeft{.left_on = date_from_civil(2021, 2, 26), .reason = "Desadhesión voluntaria (P5)"}),
    };
}

std::vector<events::Envelope> order_events() {
    return {
        by_provider(domain::EligibilityChecked{.obra_social = insssep(),
                                               .affiliate_number = "51868",
                                               .practice_code = "100100",
                                               .habilitado = true,
                                               .requires_authorization = true}),
        by_obra_social(domain::TokenIssued{.obra_social = ObraSocialId{"sancor"},
                                           .affiliate_number = "8481/01",
                                           .family_group = "8481",
                                           .code = "4821",
                                           .valid_on = date_from_civil(2021, 2, 3)},
                       "obra_social:sancor"),
        by_provider(domain::OrderLoaded{.order_id = "ord-2021-02-000417",
                                        .obra_social = insssep(),
                                        .affiliate_number = "1234555",
                                        .practice_code = "20900",
                                        .attention_date = date_from_civil(2021, 1, 28),
                                        .amount = 1'983'997,
                                        .period = kFebruary2021,
                                        .patient_signature = true,
                                        .professional_signature = true,
                                        .professional_stamp = true,
                                        .fields = {{.name = "credencial", .value = "438908"}, {.name = "diagnostico", .value = "K029"}},
                                        .affiliate_name = {},  // schema 6, below
                                        .plan = {}}),
        by_colegio(domain::OrderApproved{.order_id = "ord-2021-02-000417"}),
        by_colegio(domain::OrderRejected{
            .order_id = "ord-2021-02-000418", .reason_code = "order.missing_patient_signature", .reason = "Falta la firma del afiliado"}),
        by_colegio(domain::OrderDeferred{.order_id = "ord-2021-02-000419", .from_period = kFebruary2021, .to_period = kMarch2021}),
    };
}

std::vector<events::Envelope> authorization_events() {
    return {
        by_provider(
            domain::BudgetSubmitted{.transaction = boca88(kBudgetTransaction),
                                    .obra_social = insssep(),
                                    .affiliate_number = "51868",
                                    .credential = "59790",
                                    .family_group = "51868",
                                    .token = "9999",
                                    .token_exception = true,
                                    .diagnosis_code = "K029",
                                    .diagnosis_type = domain::DiagnosisType::definitivo,
                                    .items = {{.item = 1, .practice_code = "100100", .tooth = 18, .faces = ""},
                                              {.item = 2, .practice_code = "20900", .tooth = 17, .faces = "OM"},
                                              {.item = 3, .practice_code = "20800", .tooth = 25, .faces = "O"}},
                                    .clinical_summary = "Diabético tipo 2 MO + insulina; caries en 17 y 25, resto radicular en 18",
                                    .attachments = {{.kind = domain::AttachmentKind::informe, .reference = "docs/8481/rx-128183733.jpg"}},
                                    .channel = {},                                            // set for schema 2, below
                                    .credential_type = domain::CredentialType::no_informado,  // the rest for schema 6, below
                                    .affiliate_name = {},
                                    .titular = {},
                                    .plan = {},
                                    .plan_flagged = false,
                                    .prescriptor_matricula = {},
                                    .prescriptor_name = {}}),
        by_obra_social(domain::BudgetAuthorized{.transaction = boca88(kBudgetTransaction),
                                                .items = {{.item = 1, .result = domain::ItemResult::autorizada},
                                                          {.item = 2, .result = domain::ItemResult::autorizada},
                                                          {.item = 3, .result = domain::ItemResult::rechazada}}},
                       "obra_social:insssep"),
        by_obra_social(domain::BudgetSentToAudit{.transaction = boca88(128183734), .reason = "Requiere auditoría odontológica"},
                       "obra_social:insssep"),
        by_provider(domain::PracticeConsumed{.transaction = boca88(kBudgetTransaction),
                                             .items = {{.item = 2, .amount = 1'983'997}, {.item = 3, .amount = 1'605'184}},
                                             .deferred = true,
                                             .performed_at = domain::start_of_local_day(date_from_civil(2021, 2, 2)) + 10 * 3'600'000,
                                             .period = kFebruary2021}),
        by_provider(domain::TransactionCancelled{.transaction = boca88(128199624), .reason = "Anulación por carga duplicada"}),
    };
}

std::vector<events::Envelope> invoice_events() {
    using domain::AttachmentKind;
    return {
        // IOMA ajuste of seed 003. The seed's comprobante is C; B keeps the field off both
        // the struct's and the schema's default.
        by_provider(domain::InvoiceIssued{
            .invoice_id = kInvoice,
            .obra_social = ioma(),
            .comprobante = domain::ComprobanteType::factura_b,
            .billing = domain::BillingType::ajuste,
            .punto_de_venta = 2,
            .number = 85,
            .cae = "71110383321640",
            .period = kFebruary2021,
            .amount = 2'900,
            .issued_on = date_from_civil(2021, 3, 18),
            .authorization = "ioma-acta-2020-11-02-cuidador-domiciliario",
            .adjusts_invoice = kEarlierInvoice,
            .attachments = {{.kind = AttachmentKind::factura, .reference = "docs/8481/fc-00002-00000085.pdf"},
                            {.kind = AttachmentKind::constancia_cae, .reference = "docs/8481/cae-71110383321640.pdf"},
                            {.kind = AttachmentKind::planilla_asistencia, .reference = "docs/8481/fc-00002-00000071.pdf"}}}),
        by_provider(domain::InvoiceSent{.invoice_id = kInvoice}),
        by_obra_social(domain::InvoiceObserved{.invoice_id = kInvoice, .reason = "Falta la planilla de asistencia firmada"},
                       "obra_social:ioma"),
        by_obra_social(domain::InvoiceAccepted{.invoice_id = kInvoice}, "obra_social:ioma"),
        by_obra_social(domain::InvoiceRejected{.invoice_id = kEarlierInvoice, .reason = "Ingrese un CAE válido"}, "obra_social:ioma"),
        by_obra_social(domain::InvoiceIngresada{.invoice_id = kInvoice}, "obra_social:ioma"),
    };
}

std::vector<events::Envelope> settlement_events() {
    return {
        by_obra_social(domain::DebitApplied{.invoice_id = kInvoice,
                                            .debit_id = kDebit,
                                            .amount = 480,
                                            .reason_code = "S1-07",
                                            .reason = "Práctica sin firma del afiliado",
                                            .debit_sheet = "ioma-hoja-debitos-2021-04-0042"},
                       "obra_social:ioma"),
        by_obra_social(domain::DebitAnalysisResolved{.invoice_id = kInvoice, .debit_id = kDebit, .reinvoice_approved = true},
                       "obra_social:ioma"),
        by_provider(domain::CreditNoteIssued{.invoice_id = kInvoice,
                                             .credit_note_id = "ioma-ncc-00002-00000012",
                                             .punto_de_venta = 2,
                                             .number = 12,
                                             .cae = "71110383329911",
                                             .amount = 480}),
        by_obra_social(domain::PaymentOrderIssued{.obra_social = ioma(),
                                                  .payment_order = "OP-2021-004512",
                                                  .paid_on = date_from_civil(2021, 4, 20),
                                                  .amount = 35'596'800,
                                                  .invoices = {{.invoice_id = kInvoice, .amount = 2'420},
                                                               {.invoice_id = kEarlierInvoice, .amount = 35'594'380}},
                                                  .retention_certificate = "ioma-cr-2021-0098",
                                                  .payment_order_type = ""},  // schema 3: set below
                       "obra_social:ioma"),
        by_colegio(domain::RetentionApplied{
            .period = kFebruary2021, .obra_social = ioma(), .kind = domain::RetentionKind::iibb, .base = 35'596'800, .amount = 889'920}),
        by_colegio(domain::ProviderPaid{
            .period = kFebruary2021, .obra_social = ioma(), .amount = 34'706'880, .cbu = kCbu, .transfer_id = "trf-20210422-000731"}),
    };
}

// Kinds of schema 8 on: seed 002's consumption 128199624, anulada; seed 003's acta.
std::vector<events::Envelope> later_events() {
    return {
        by_provider(domain::ConsumptionCancelled{
            .transaction = boca88(kBudgetTransaction), .number = 128199624, .items = {2, 3}, .reason = "Consumo cargado por error"}),
        // Seed 003's acta: "Tipo Prestacion: CUIDADOR DOMICILIARIO", "Monto Total del Trámite: 355968".
        by_obra_social(domain::ActaIssued{.acta = "21 054 0731206 11",
                                          .obra_social = ioma(),
                                          .tipo_afiliatorio = "OBLIGATORIO",
                                          .tipo_prestacion = "CUIDADOR DOMICILIARIO",
                                          .total = 35'596'800},
                       "obra_social:ioma"),
    };
}

// F6: the colegio's presentation of February to IOMA, on its own ledger (provider 0).
std::vector<events::Envelope> presentation_events() {
    std::vector<events::Envelope> out = {
        by_colegio(domain::PresentationSubmitted{.presentation = "P-2021-02/14",
                                                 .obra_social = ioma(),
                                                 .period = kFebruary2021,
                                                 .presented_on = date_from_civil(2021, 3, 8),
                                                 .amount = 123'456'789}),
        by_obra_social(domain::PresentationDebited{.presentation = "P-2021-02/14",
                                                   .debit_id = "ioma-pdeb-2021-0007",
                                                   .amount = 355'968,
                                                   .reason_code = "D04",
                                                   .reason = "Orden sin firma del afiliado"},
                       "obra_social:ioma"),
        by_obra_social(domain::PresentationApproved{.presentation = "P-2021-02/14"}, "obra_social:ioma"),
        by_obra_social(domain::PresentationPaid{.presentation = "P-2021-02/14",
                                                .payment_order_type = "APB",
                                                .payment_order = "10118036",
                                                .paid_on = date_from_civil(2021, 4, 12),
                                                .amount = 123'100'821,
                                                .retention_certificate = "ioma-rc-2021-0412"},
                       "obra_social:ioma"),
    };
    for (auto& e : out) e.provider_id = domain::kColegio;
    return out;
}

}  // namespace

std::vector<events::Envelope> sample_envelopes(uint16_t schema_version) {
    if (schema_version < 1 || schema_version > events::kSchemaVersion) throw std::logic_error("no samples of that schema version");
    std::vector<events::Envelope> out;
    const auto append = [&](std::vector<events::Envelope> group) {
        for (auto& e : group) out.push_back(std::move(e));
    };
    append(provider_events());
    append(order_events());
    append(authorization_events());
    append(invoice_events());
    append(settlement_events());
    append(later_events());
    append(presentation_events());
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].payload.index() != i) {
            throw std::logic_error("sample " + std::to_string(i) + " is " + std::string(domain::event_name(out[i].payload)) +
                                   ": keep variant order");
        }
    }
    if (out.size() != domain::kEventKinds) {
        throw std::logic_error("sample_envelopes() needs exactly one envelope per event kind");
    }
    // What each schema version added: a field the codec drops fails the round trip of its version.
    for (auto& e : out) {
        e.schema_version = schema_version;
        if (auto* b = std::get_if<domain::BudgetSubmitted>(&e.payload); b && schema_version >= 2) b->channel = "WEB(odontotest00)";
        if (auto* p = std::get_if<domain::PaymentOrderIssued>(&e.payload); p && schema_version >= 3) p->payment_order_type = "APB";
        if (auto* c = std::get_if<domain::TransactionCancelled>(&e.payload); c && schema_version >= 4) c->item = 2;
        if (auto* i = std::get_if<domain::InvoiceIssued>(&e.payload); i && schema_version >= 5) {
            i->comprobante = domain::ComprobanteType::resumen_x;
            i->cae.clear();
        }
        if (schema_version < 6) continue;
        if (auto* a = std::get_if<domain::ProviderAdhered>(&e.payload)) a->convenio = "COLEGIO DE ODONTOLOGOS";
        if (auto* o = std::get_if<domain::OrderLoaded>(&e.payload)) {
            o->affiliate_name = "PADRE DE AFILIADO DE PRUEBA";
            o->plan = "Afiliado InSSeP";
        }
        if (auto* b = std::get_if<domain::BudgetSubmitted>(&e.payload)) {  // seed 002's ticket
            b->credential_type = domain::CredentialType::credencial;
            b->affiliate_name = "HERMOSI RAMON OSVALDO";
            b->titular = "HERMOSI RAMON OSVALDO";
            b->plan = "Afiliado InSSSeP";
            b->plan_flagged = true;
            b->prescriptor_matricula = "MP 4512";
            b->prescriptor_name = "ODONTOLOGO DE PRUEBA COCH";
            b->items[1].quantity = 2;
        }
        if (schema_version < 7) continue;
        if (auto* o = std::get_if<domain::OrderLoaded>(&e.payload)) o->fee_version = "2021-01";
        if (auto* p = std::get_if<domain::PracticeConsumed>(&e.payload)) p->fee_version = "2021-02 reajuste";
        if (schema_version < 8) continue;
        if (auto* p = std::get_if<domain::PracticeConsumed>(&e.payload)) {  // seed 002's ticket of consumption 128199624
            p->number = 128199624;
            p->affiliate_signed = true;
            p->items[1].billing = domain::TipoFacturacion::solo_honorarios;
            p->clinical_summary = "DIABETICO - Tipo 2";
            p->attachments = {{.kind = domain::AttachmentKind::informe, .reference = "rx/128199624-pieza-36.jpg"}};
        }
    }
    return out;
}

}  // namespace liquida::test
