// The facts Liquida records, one struct per event kind (rule ids: docs/DOMAIN.md).
// The FlatBuffers schema in events/schema/ mirrors these; LIQUIDA_DESCRIBE names each struct's
// members once, for the codec (checked against the schema) and the JSON.
// Add kinds only at the end of LIQUIDA_EVENT_KINDS: a kind's index is its slot in the schema's union.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "domain/describe.h"
#include "domain/types.h"

namespace liquida::domain {

// Values below are stored on disk and on the wire: never renumber, only append.
enum class IvaCondition : uint8_t { responsable_inscripto = 0, monotributo = 1, exento = 2, consumidor_final = 3, no_alcanzado = 4 };
enum class DocumentType : uint8_t { rnp = 0, afip = 1, cbu = 2, seguro = 3, anexo1 = 4 };  // P1
enum class DiagnosisType : uint8_t { presuntivo = 0, definitivo = 1 };                     // A3
// A1: how the affiliate was identified ("Tipo: Credencial", a credencial digital, SanCor's DNI
// or Número de Asociado); no_informado in events before schema 6.
enum class CredentialType : uint8_t { no_informado = 0, credencial = 1, credencial_digital = 2, dni = 3, numero_asociado = 4 };
enum class ItemResult : uint8_t { autorizada = 0, rechazada = 1, en_auditoria = 2 };  // A7
// F2. resumen_x: the X of a Resumen/Pre-Liquidación (RG AFIP 4540), sent instead of a factura.
enum class ComprobanteType : uint8_t { factura_a = 0, factura_b = 1, factura_c = 2, factura_e = 3, factura_m = 4, resumen_x = 5 };
enum class BillingType : uint8_t { original = 0, refacturacion = 1, ajuste = 2 };                     // F2
enum class RetentionKind : uint8_t { colegio_fee = 0, iibb = 1, ganancias = 2, iva = 3, other = 4 };  // S3
enum class AttachmentKind : uint8_t {
    factura = 0,
    constancia_cae = 1,
    inscripcion_afip = 2,
    cbu = 3,
    planilla_asistencia = 4,
    informe = 5
};
// A8: what a consumed item bills (seed 002: "Tipo Facturación: HONORARIO Y GASTOS", and a line's
// "Solo Honorarios" or "Solo Gastos"); honorarios_y_gastos in events before schema 8.
enum class TipoFacturacion : uint8_t { honorarios_y_gastos = 0, solo_honorarios = 1, solo_gastos = 2 };

// A transaction of an authorization system (A8: boca 88, serie T, number).
struct TransactionRef {
    uint32_t boca = 0;
    std::string serie;
    uint64_t number = 0;
    friend bool operator==(const TransactionRef&, const TransactionRef&) = default;
};
LIQUIDA_DESCRIBE(TransactionRef, boca, serie, number);

struct Attachment {
    AttachmentKind kind = AttachmentKind::factura;
    std::string reference;  // where the file is stored; Liquida keeps the reference, not the bytes
    friend bool operator==(const Attachment&, const Attachment&) = default;
};
LIQUIDA_DESCRIBE(Attachment, kind, reference);

// --- Provider, documents and padrón (P1-P6) ---
struct ProviderRegistered {
    std::string matricula;
    std::string cuit;  // 11 digits, check digit verified
    std::string razon_social;
    IvaCondition iva = IvaCondition::monotributo;
    std::string cbu;                  // 22 digits, check digits verified
    std::string category;             // raises consumption amounts (A8)
    bool recien_matriculado = false;  // P3: may enroll outside the windows
    std::string address;
    std::string email;
    std::string phone;
    friend bool operator==(const ProviderRegistered&, const ProviderRegistered&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ProviderRegistered, "provider_registered", "Prestador registrado", matricula, cuit, razon_social, iva, cbu, category,
                       recien_matriculado, address, email, phone);
struct ProviderUpdated {
    std::string razon_social;
    IvaCondition iva = IvaCondition::monotributo;
    std::string cbu;
    std::string category;
    std::string address;
    std::string email;
    std::string phone;
    friend bool operator==(const ProviderUpdated&, const ProviderUpdated&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ProviderUpdated, "provider_updated", "Datos del prestador actualizados", razon_social, iva, cbu, category, address,
                       email, phone);
struct ProviderAdhered {  // P6: adhered to an obra social with its own provider number
    ObraSocialId obra_social;
    std::string provider_number;
    std::string convenio;  // the agreement it bills under ("COL. DE PSICOL. DE TUCUMAN"); schema 6
    friend bool operator==(const ProviderAdhered&, const ProviderAdhered&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ProviderAdhered, "provider_adhered", "Adhesión a obra social", obra_social, provider_number, convenio);
struct DocumentUploaded {
    DocumentType type = DocumentType::rnp;
    std::string document_id;
    std::string reference;
    Date expires_on;
    friend bool operator==(const DocumentUploaded&, const DocumentUploaded&) = default;
};
LIQUIDA_DESCRIBE_EVENT(DocumentUploaded, "document_uploaded", "Documento cargado", type, document_id, reference, expires_on);
struct DocumentVerified {
    DocumentType type = DocumentType::rnp;
    std::string document_id;
    bool approved = false;
    std::string reason;  // why it was rejected
    friend bool operator==(const DocumentVerified&, const DocumentVerified&) = default;
};
LIQUIDA_DESCRIBE_EVENT(DocumentVerified, "document_verified", "Documento verificado", type, document_id, approved, reason);
struct DocumentExpired {
    DocumentType type = DocumentType::rnp;
    std::string document_id;
    Date expired_on;
    friend bool operator==(const DocumentExpired&, const DocumentExpired&) = default;
};
LIQUIDA_DESCRIBE_EVENT(DocumentExpired, "document_expired", "Documento vencido", type, document_id, expired_on);
struct PadronEnrolled {
    Date enrolled_on;
    bool outside_window = false;  // P3: allowed for the recién matriculado
    friend bool operator==(const PadronEnrolled&, const PadronEnrolled&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PadronEnrolled, "padron_enrolled", "Alta en el padrón", enrolled_on, outside_window);
struct PadronLeft {  // P5
    Date left_on;
    std::string reason;
    friend bool operator==(const PadronLeft&, const PadronLeft&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PadronLeft, "padron_left", "Baja del padrón", left_on, reason);

// --- Orders (O1-O4) ---
struct OrderField {
    std::string name;
    std::string value;
    friend bool operator==(const OrderField&, const OrderField&) = default;
};
LIQUIDA_DESCRIBE(OrderField, name, value);
struct OrderLoaded {
    std::string order_id;
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string practice_code;
    Date attention_date;
    Centavos amount = 0;
    Period period;  // O3: decided by the load date in Argentina time
    bool patient_signature = false;
    bool professional_signature = false;
    bool professional_stamp = false;
    std::vector<OrderField> fields;  // O1: what each obra social requires, by configuration
    std::string affiliate_name;      // "Apellido y nombre del afiliado"; schema 6
    std::string plan;                // the affiliate's plan ("F800"); schema 6
    std::string fee_version;         // A8: the aranceles `amount` used; schema 7 (empty before)
    friend bool operator==(const OrderLoaded&, const OrderLoaded&) = default;
};
LIQUIDA_DESCRIBE_EVENT(OrderLoaded, "order_loaded", "Orden cargada", order_id, obra_social, affiliate_number, practice_code, attention_date,
                       amount, period, patient_signature, professional_signature, professional_stamp, fields, affiliate_name, plan,
                       fee_version);
struct OrderApproved {
    std::string order_id;
    friend bool operator==(const OrderApproved&, const OrderApproved&) = default;
};
LIQUIDA_DESCRIBE_EVENT(OrderApproved, "order_approved", "Orden aprobada", order_id);
struct OrderRejected {
    std::string order_id;
    std::string reason_code;
    std::string reason;
    friend bool operator==(const OrderRejected&, const OrderRejected&) = default;
};
LIQUIDA_DESCRIBE_EVENT(OrderRejected, "order_rejected", "Orden rechazada", order_id, reason_code, reason);
struct OrderDeferred {  // O2/O3: into the next billing period
    std::string order_id;
    Period from_period;
    Period to_period;
    friend bool operator==(const OrderDeferred&, const OrderDeferred&) = default;
};
LIQUIDA_DESCRIBE_EVENT(OrderDeferred, "order_deferred", "Orden diferida", order_id, from_period, to_period);

// --- Eligibility and authorization (A1-A10) ---
struct EligibilityChecked {
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string practice_code;
    bool habilitado = false;
    bool requires_authorization = false;
    friend bool operator==(const EligibilityChecked&, const EligibilityChecked&) = default;
};
LIQUIDA_DESCRIBE_EVENT(EligibilityChecked, "eligibility_checked", "Elegibilidad consultada", obra_social, affiliate_number, practice_code,
                       habilitado, requires_authorization);
struct TokenIssued {  // A2
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string family_group;
    std::string code;  // 4 digits
    Date valid_on;     // expires 23:59 local time that day
    friend bool operator==(const TokenIssued&, const TokenIssued&) = default;
};
LIQUIDA_DESCRIBE_EVENT(TokenIssued, "token_issued", "Token emitido", obra_social, affiliate_number, family_group, code, valid_on);
struct BudgetItem {
    uint32_t item = 0;
    std::string practice_code;
    uint32_t tooth = 0;     // FDI, 0 when the practice needs none
    std::string faces;      // subset of "OVGMDPIL"
    uint32_t quantity = 1;  // "Cant.": sessions or units, 1 to kMaxQuantity; 1 before schema 6
    friend bool operator==(const BudgetItem&, const BudgetItem&) = default;
};
LIQUIDA_DESCRIBE(BudgetItem, item, practice_code, tooth, faces, quantity);
struct BudgetSubmitted {
    TransactionRef transaction;
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string credential;
    std::string family_group;
    std::string token;
    bool token_exception = false;  // A2: 9999 used, allowed and flagged
    std::string diagnosis_code;    // A3: CIE-10
    DiagnosisType diagnosis_type = DiagnosisType::presuntivo;
    std::vector<BudgetItem> items;
    std::string clinical_summary;
    std::vector<Attachment> attachments;  // A5: written report
    // A9 "Canal": who entered it, `WEB(<issuer>)` (`WEB(prestador:1042)`), set by the write
    // path from the command's issuer, never by the request. Empty in events of schema 1.
    std::string channel;
    // The affiliate as the insurer's system shows it (A1), and who prescribed; schema 6.
    CredentialType credential_type = CredentialType::no_informado;
    std::string affiliate_name;  // "Afiliado: HERMOSI RAMON OSVALDO"
    std::string titular;         // the family group's holder
    std::string plan;            // "Afiliado InSSSeP", "F800"
    bool plan_flagged = false;   // A10: a plan the obra social asks to point out on its sheet
    std::string prescriptor_matricula;
    std::string prescriptor_name;
    friend bool operator==(const BudgetSubmitted&, const BudgetSubmitted&) = default;
};
LIQUIDA_DESCRIBE_EVENT(BudgetSubmitted, "budget_submitted", "Presupuesto enviado", transaction, obra_social, affiliate_number, credential,
                       family_group, token, token_exception, diagnosis_code, diagnosis_type, items, clinical_summary, attachments, channel,
                       credential_type, affiliate_name, titular, plan, plan_flagged, prescriptor_matricula, prescriptor_name);
struct ItemDecision {
    uint32_t item = 0;
    ItemResult result = ItemResult::autorizada;
    friend bool operator==(const ItemDecision&, const ItemDecision&) = default;
};
LIQUIDA_DESCRIBE(ItemDecision, item, result);
struct BudgetAuthorized {  // A7: ACEPTADO
    TransactionRef transaction;
    std::vector<ItemDecision> items;
    friend bool operator==(const BudgetAuthorized&, const BudgetAuthorized&) = default;
};
LIQUIDA_DESCRIBE_EVENT(BudgetAuthorized, "budget_authorized", "Presupuesto autorizado", transaction, items);
struct BudgetSentToAudit {  // A7: auditoría
    TransactionRef transaction;
    std::string reason;
    friend bool operator==(const BudgetSentToAudit&, const BudgetSentToAudit&) = default;
};
LIQUIDA_DESCRIBE_EVENT(BudgetSentToAudit, "budget_sent_to_audit", "Presupuesto en auditoría", transaction, reason);
struct ConsumedItem {
    uint32_t item = 0;
    Centavos amount = 0;                                             // A8: set at consumption, raised by the provider's category
    TipoFacturacion billing = TipoFacturacion::honorarios_y_gastos;  // schema 8
    friend bool operator==(const ConsumedItem&, const ConsumedItem&) = default;
};
LIQUIDA_DESCRIBE(ConsumedItem, item, amount, billing);
struct PracticeConsumed {        // A8
    TransactionRef transaction;  // the budget it consumes ("Nº Preautorización: 88 - T - 128133242")
    std::vector<ConsumedItem> items;
    bool deferred = false;
    TimestampMs performed_at = 0;  // the visit; differs from occurred_at when deferred
    Period period;
    std::string fee_version;  // A8: the aranceles the amounts used; schema 7 (empty before)
    // A8, schema 8 (0, false, empty before; and when the authorization itself is billed): the
    // consumption's own transaction ("Nro. de transacción: 128199624", in the budget's boca and
    // serie), whether the affiliate signed the ticket, and what it sends for the audit.
    uint64_t number = 0;
    bool affiliate_signed = false;
    std::string clinical_summary;
    std::vector<Attachment> attachments;  // "Envío de documentación adjunta. Ej Imagen RX"
    friend bool operator==(const PracticeConsumed&, const PracticeConsumed&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PracticeConsumed, "practice_consumed", "Prácticas consumidas", transaction, items, deferred, performed_at, period,
                       fee_version, number, affiliate_signed, clinical_summary, attachments);
struct TransactionCancelled {  // A9: anulación
    TransactionRef transaction;
    std::string reason;
    uint32_t item = 0;  // 0: the whole transaction; else that item alone
    friend bool operator==(const TransactionCancelled&, const TransactionCancelled&) = default;
};
LIQUIDA_DESCRIBE_EVENT(TransactionCancelled, "transaction_cancelled", "Transacción anulada", transaction, reason, item);
// A9: the anulación of one consumption (by its own number), or of one item of it: its items are
// pending consumption again, as before it; the budget and its other consumptions stand.
struct ConsumptionCancelled {
    TransactionRef transaction;   // the budget
    uint64_t number = 0;          // the consumption's own number
    std::vector<uint32_t> items;  // the budget items it no longer consumes
    std::string reason;
    friend bool operator==(const ConsumptionCancelled&, const ConsumptionCancelled&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ConsumptionCancelled, "consumption_cancelled", "Consumo anulado", transaction, number, items, reason);

// --- Invoices (F1-F5) ---
struct InvoiceIssued {
    std::string invoice_id;
    ObraSocialId obra_social;
    ComprobanteType comprobante = ComprobanteType::factura_c;
    BillingType billing = BillingType::original;
    uint32_t punto_de_venta = 0;  // 5 digits
    uint32_t number = 0;          // 8 digits
    std::string cae;              // 14 digits
    Period period;
    Centavos amount = 0;
    Date issued_on;
    std::string authorization;    // what it bills
    std::string adjusts_invoice;  // Ajuste: the invoice it adjusts
    std::vector<Attachment> attachments;
    friend bool operator==(const InvoiceIssued&, const InvoiceIssued&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceIssued, "invoice_issued", "Factura cargada", invoice_id, obra_social, comprobante, billing, punto_de_venta,
                       number, cae, period, amount, issued_on, authorization, adjusts_invoice, attachments);
struct InvoiceSent {
    std::string invoice_id;
    friend bool operator==(const InvoiceSent&, const InvoiceSent&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceSent, "invoice_sent", "Factura enviada", invoice_id);
struct InvoiceObserved {  // observada / devuelta
    std::string invoice_id;
    std::string reason;
    friend bool operator==(const InvoiceObserved&, const InvoiceObserved&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceObserved, "invoice_observed", "Factura observada", invoice_id, reason);
struct InvoiceAccepted {
    std::string invoice_id;
    friend bool operator==(const InvoiceAccepted&, const InvoiceAccepted&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceAccepted, "invoice_accepted", "Factura aceptada", invoice_id);
struct InvoiceRejected {
    std::string invoice_id;
    std::string reason;
    friend bool operator==(const InvoiceRejected&, const InvoiceRejected&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceRejected, "invoice_rejected", "Factura rechazada", invoice_id, reason);
struct DebitApplied {  // S1
    std::string invoice_id;
    std::string debit_id;
    Centavos amount = 0;
    std::string reason_code;
    std::string reason;
    std::string debit_sheet;
    friend bool operator==(const DebitApplied&, const DebitApplied&) = default;
};
LIQUIDA_DESCRIBE_EVENT(DebitApplied, "debit_applied", "Débito aplicado", invoice_id, debit_id, amount, reason_code, reason, debit_sheet);
struct CreditNoteIssued {
    std::string invoice_id;
    std::string credit_note_id;
    uint32_t punto_de_venta = 0;
    uint32_t number = 0;
    std::string cae;
    Centavos amount = 0;
    friend bool operator==(const CreditNoteIssued&, const CreditNoteIssued&) = default;
};
LIQUIDA_DESCRIBE_EVENT(CreditNoteIssued, "credit_note_issued", "Nota de crédito emitida", invoice_id, credit_note_id, punto_de_venta,
                       number, cae, amount);
struct PaidInvoice {
    std::string invoice_id;
    Centavos amount = 0;
    friend bool operator==(const PaidInvoice&, const PaidInvoice&) = default;
};
LIQUIDA_DESCRIBE(PaidInvoice, invoice_id, amount);
struct PaymentOrderIssued {  // S2
    ObraSocialId obra_social;
    std::string payment_order;
    Date paid_on;
    Centavos amount = 0;
    std::vector<PaidInvoice> invoices;
    std::string retention_certificate;
    // F4 "Comprobante": the insurer's kind of payment order ("APB" of "APB 10118036"), empty
    // when it uses none. Empty in events of schema 1 and 2.
    std::string payment_order_type;
    friend bool operator==(const PaymentOrderIssued&, const PaymentOrderIssued&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PaymentOrderIssued, "payment_order_issued", "Orden de pago emitida", obra_social, payment_order, paid_on, amount,
                       invoices, retention_certificate, payment_order_type);
struct RetentionApplied {  // S3
    Period period;
    ObraSocialId obra_social;
    RetentionKind kind = RetentionKind::colegio_fee;
    Centavos base = 0;
    Centavos amount = 0;
    friend bool operator==(const RetentionApplied&, const RetentionApplied&) = default;
};
LIQUIDA_DESCRIBE_EVENT(RetentionApplied, "retention_applied", "Retención aplicada", period, obra_social, kind, base, amount);
struct ProviderPaid {  // S3: net to the declared CBU
    Period period;
    ObraSocialId obra_social;
    Centavos amount = 0;
    std::string cbu;
    std::string transfer_id;
    friend bool operator==(const ProviderPaid&, const ProviderPaid&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ProviderPaid, "provider_paid", "Pago al prestador", period, obra_social, amount, cbu, transfer_id);
// F2 (seed 003): an acta de autorización of an obra social billed by acta; schema 8.
struct ActaIssued {
    std::string acta;  // "xx xxx xxxxxxx xx"
    ObraSocialId obra_social;
    std::string tipo_afiliatorio;
    std::string tipo_prestacion;
    Centavos total = 0;  // what the invoices bound to it may bill, together
    friend bool operator==(const ActaIssued&, const ActaIssued&) = default;
};
LIQUIDA_DESCRIBE_EVENT(ActaIssued, "acta_issued", "Acta de autorización", acta, obra_social, tipo_afiliatorio, tipo_prestacion, total);
// F3 "ingresada": the insurer has taken the accepted invoice into its books.
struct InvoiceIngresada {
    std::string invoice_id;
    friend bool operator==(const InvoiceIngresada&, const InvoiceIngresada&) = default;
};
LIQUIDA_DESCRIBE_EVENT(InvoiceIngresada, "invoice_ingresada", "Factura ingresada", invoice_id);
// S1: the debit analysis decides whether the debited part may be re-invoiced.
struct DebitAnalysisResolved {
    std::string invoice_id;
    std::string debit_id;
    bool reinvoice_approved = false;
    friend bool operator==(const DebitAnalysisResolved&, const DebitAnalysisResolved&) = default;
};
LIQUIDA_DESCRIBE_EVENT(DebitAnalysisResolved, "debit_analysis_resolved", "Análisis de débito resuelto", invoice_id, debit_id,
                       reinvoice_approved);

// F6 (seed 000): the colegio's presentation of a period's billing to an obra social ("Presenta la
// facturación ante cada obra social"), audited, debited, approved and paid by the insurer as a
// whole. The colegio's own facts: the ledger of kColegio, not a provider's.
struct PresentationSubmitted {
    std::string presentation;  // the colegio's number for it
    ObraSocialId obra_social;
    Period period;
    Date presented_on;  // Argentina's date when it was presented
    Centavos amount = 0;
    friend bool operator==(const PresentationSubmitted&, const PresentationSubmitted&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PresentationSubmitted, "presentation_submitted", "Facturación presentada", presentation, obra_social, period,
                       presented_on, amount);
struct PresentationDebited {
    std::string presentation;
    std::string debit_id;
    Centavos amount = 0;
    std::string reason_code;
    std::string reason;
    friend bool operator==(const PresentationDebited&, const PresentationDebited&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PresentationDebited, "presentation_debited", "Débito a la presentación", presentation, debit_id, amount, reason_code,
                       reason);
// The insurer's revision ends: no more debits, and it may be paid ("una vez aprobado proceden a
// realizar el pago").
struct PresentationApproved {
    std::string presentation;
    friend bool operator==(const PresentationApproved&, const PresentationApproved&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PresentationApproved, "presentation_approved", "Presentación aprobada", presentation);
struct PresentationPaid {
    std::string presentation;
    std::string payment_order_type;  // "APB"; may be empty
    std::string payment_order;
    Date paid_on;
    Centavos amount = 0;
    std::string retention_certificate;
    friend bool operator==(const PresentationPaid&, const PresentationPaid&) = default;
};
LIQUIDA_DESCRIBE_EVENT(PresentationPaid, "presentation_paid", "Pago de la presentación", presentation, payment_order_type, payment_order,
                       paid_on, amount, retention_certificate);

// Every event kind, in the order of the schema's Payload union: the variant's index plus one is
// the kind's slot in stored buffers, so append, never insert. The codec expands the same list.
// clang-format off
#define LIQUIDA_EVENT_KINDS(X) \
    X(ProviderRegistered) \
    X(ProviderUpdated) \
    X(ProviderAdhered) \
    X(DocumentUploaded) \
    X(DocumentVerified) \
    X(DocumentExpired) \
    X(PadronEnrolled) \
    X(PadronLeft) \
    X(EligibilityChecked) \
    X(TokenIssued) \
    X(OrderLoaded) \
    X(OrderApproved) \
    X(OrderRejected) \
    X(OrderDeferred) \
    X(BudgetSubmitted) \
    X(BudgetAuthorized) \
    X(BudgetSentToAudit) \
    X(PracticeConsumed) \
    X(TransactionCancelled) \
    X(InvoiceIssued) \
    X(InvoiceSent) \
    X(InvoiceObserved) \
    X(InvoiceAccepted) \
    X(InvoiceRejected) \
    X(InvoiceIngresada) \
    X(DebitApplied) \
    X(DebitAnalysisResolved) \
    X(CreditNoteIssued) \
    X(PaymentOrderIssued) \
    X(RetentionApplied) \
    X(ProviderPaid) \
    X(ConsumptionCancelled) \
    X(ActaIssued) \
    X(PresentationSubmitted) \
    X(PresentationDebited) \
    X(PresentationApproved) \
    X(PresentationPaid)
// clang-format on

template <class First, class... Ts>
struct VariantOfRest {
    using type = std::variant<Ts...>;
};
#define LIQUIDA_LISTED(Type) , Type
using Event = VariantOfRest<void LIQUIDA_EVENT_KINDS(LIQUIDA_LISTED)>::type;
#undef LIQUIDA_LISTED

// Stable snake_case name of an event kind ("order_loaded"); used in headers and JSON.
std::string_view event_name(const Event& e) noexcept;
std::string_view event_name(size_t index) noexcept;
// In Spanish, as a person reads it: "Presupuesto autorizado".
std::string_view event_label(size_t index) noexcept;
inline constexpr size_t kEventKinds = std::variant_size_v<Event>;

// The kinds each part of a provider's ledger folds, one list per part; together they hold every
// kind exactly once (checked below). Topics route by them (events/topics.cc) and a visit names
// the lists it ignores (Ignore), so a new kind that no list holds, or that a visit neither
// handles nor ignores, does not compile.
template <class... Ts>
struct Kinds {};
using PadronKinds = Kinds<ProviderRegistered, ProviderUpdated, ProviderAdhered, DocumentUploaded, DocumentVerified, DocumentExpired,
                          PadronEnrolled, PadronLeft>;
using OrderKinds = Kinds<OrderLoaded, OrderApproved, OrderRejected, OrderDeferred>;
using AuthorizationKinds = Kinds<EligibilityChecked, TokenIssued, BudgetSubmitted, BudgetAuthorized, BudgetSentToAudit, PracticeConsumed,
                                 TransactionCancelled, ConsumptionCancelled>;
using InvoiceKinds = Kinds<InvoiceIssued, InvoiceSent, InvoiceObserved, InvoiceAccepted, InvoiceRejected, InvoiceIngresada, DebitApplied,
                           DebitAnalysisResolved, CreditNoteIssued, PaymentOrderIssued, ActaIssued>;
using PayoutKinds = Kinds<RetentionApplied, ProviderPaid>;
using PresentationKinds = Kinds<PresentationSubmitted, PresentationDebited, PresentationApproved, PresentationPaid>;

template <class E, class List>
inline constexpr bool kind_of = false;
template <class E, class... Ts>
inline constexpr bool kind_of<E, Kinds<Ts...>> = (std::is_same_v<E, Ts> || ...);

template <class V>
inline constexpr bool kinds_partition = false;
template <class... Es>
inline constexpr bool kinds_partition<std::variant<Es...>> =
    ((kind_of<Es, PadronKinds> + kind_of<Es, OrderKinds> + kind_of<Es, AuthorizationKinds> + kind_of<Es, InvoiceKinds> +
          kind_of<Es, PayoutKinds> + kind_of<Es, PresentationKinds> ==
      1) &&
     ...);
static_assert(kinds_partition<Event>, "every event kind belongs to exactly one of the Kinds lists");

// The part of a visitor that does nothing (answers R{}) for the kinds of the given lists.
template <class R, class... Lists>
struct Ignore {
    template <class E>
        requires(kind_of<E, Lists> || ...)
    R operator()(const E&) const noexcept {
        if constexpr (!std::is_void_v<R>) return R{};
    }
};

}  // namespace liquida::domain
