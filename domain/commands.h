// What users and insurers ask of a provider's ledger. One struct per command; each is
// decided by `decide` in domain/decide.h. Rule ids: docs/DOMAIN.md.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "domain/describe.h"
#include "domain/events.h"
#include "domain/types.h"

namespace liquida::domain {

// --- Provider, documents and padrón (P1-P6) ---
struct RegisterProvider {
    std::string matricula;
    std::string cuit;  // dashes allowed
    std::string razon_social;
    IvaCondition iva = IvaCondition::monotributo;
    std::string cbu;
    std::string category;
    bool recien_matriculado = false;
    std::string address;
    std::string email;
    std::string phone;
};
LIQUIDA_DESCRIBE(RegisterProvider, matricula, cuit, razon_social, iva, cbu, category, recien_matriculado, address, email, phone);
struct UpdateProvider {
    std::string razon_social;
    IvaCondition iva = IvaCondition::monotributo;
    std::string cbu;
    std::string category;
    std::string address;
    std::string email;
    std::string phone;
};
LIQUIDA_DESCRIBE(UpdateProvider, razon_social, iva, cbu, category, address, email, phone);
struct AdhereToObraSocial {
    ObraSocialId obra_social;
    std::string provider_number;
    std::string convenio;
};
LIQUIDA_DESCRIBE(AdhereToObraSocial, obra_social, provider_number, convenio);
struct UploadDocument {
    DocumentType type = DocumentType::rnp;
    std::string document_id;
    std::string reference;
    Date expires_on;
};
LIQUIDA_DESCRIBE(UploadDocument, type, document_id, reference, expires_on);
struct VerifyDocument {
    std::string document_id;
    bool approved = false;
    std::string reason;
};
LIQUIDA_DESCRIBE(VerifyDocument, document_id, approved, reason);
struct ExpireDocumentsDue {
    Date as_of;  // P2: documents whose expiry is before this date
};
LIQUIDA_DESCRIBE(ExpireDocumentsDue, as_of);
struct EnrollInPadron {};
LIQUIDA_DESCRIBE(EnrollInPadron);
struct LeavePadron {
    std::string reason;
};
LIQUIDA_DESCRIBE(LeavePadron, reason);

// --- Orders (O1-O4) ---
struct LoadOrder {
    std::string order_id;
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string practice_code;
    std::optional<Date> attention_date;
    bool patient_signature = false;
    bool professional_signature = false;
    bool professional_stamp = false;
    std::vector<OrderField> fields;
    std::string affiliate_name;
    std::string plan;
};
LIQUIDA_DESCRIBE(LoadOrder, order_id, obra_social, affiliate_number, practice_code, attention_date, patient_signature,
                 professional_signature, professional_stamp, fields, affiliate_name, plan);
struct ApproveOrder {
    std::string order_id;
};
LIQUIDA_DESCRIBE(ApproveOrder, order_id);
struct RejectOrder {
    std::string order_id;
    std::string reason_code;  // one of domain/names.h kOrderRejectReasons
    std::string reason;
};
LIQUIDA_DESCRIBE(RejectOrder, order_id, reason_code, reason);

// --- Eligibility and authorization (A1-A9) ---
struct CheckEligibility {
    ObraSocialId obra_social;
    std::string identifier_kind;  // "affiliate_number", "dni" or "credential"
    std::string identifier;
    std::string affiliate_number;  // as the insurer answered
    std::string practice_code;     // optional: does it need prior authorization?
    bool habilitado = false;       // the insurer's answer
};
LIQUIDA_DESCRIBE(CheckEligibility, obra_social, identifier_kind, identifier, affiliate_number, practice_code, habilitado);
struct IssueToken {
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string family_group;
    std::string code;
};
LIQUIDA_DESCRIBE(IssueToken, obra_social, affiliate_number, family_group, code);
// Limits of the affiliate's and prescriptor's data (names, titular, convenio; a plan or a
// matrícula), in bytes of UTF-8, and of a budget line's quantity.
inline constexpr size_t kMaxNameBytes = 120;
inline constexpr size_t kMaxCodeBytes = 40;
inline constexpr uint32_t kMaxQuantity = 99;

struct BudgetLine {
    std::string practice_code;
    uint32_t tooth = 0;
    std::string faces;
    uint32_t quantity = 1;
};
LIQUIDA_DESCRIBE(BudgetLine, practice_code, tooth, faces, quantity);
struct SubmitBudget {
    uint64_t transaction_number = 0;  // given by the insurer's system (A7)
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string credential;
    std::string family_group;  // empty: the affiliate alone
    std::string token;
    std::string diagnosis_code;
    DiagnosisType diagnosis_type = DiagnosisType::presuntivo;
    std::vector<BudgetLine> lines;
    std::string clinical_summary;
    std::vector<Attachment> attachments;
    CredentialType credential_type = CredentialType::no_informado;
    std::string affiliate_name;
    std::string titular;
    std::string plan;
    std::string prescriptor_matricula;
    std::string prescriptor_name;
};
LIQUIDA_DESCRIBE(SubmitBudget, transaction_number, obra_social, affiliate_number, credential, family_group, token, diagnosis_code,
                 diagnosis_type, lines, clinical_summary, attachments, credential_type, affiliate_name, titular, plan,
                 prescriptor_matricula, prescriptor_name);
// A7: the auditoría's decision on a budget sent to audit.
struct ResolveBudgetAudit {
    TransactionRef transaction;
    std::vector<ItemDecision> items;
};
LIQUIDA_DESCRIBE(ResolveBudgetAudit, transaction, items);
// A8: a consumed item billed otherwise than honorarios y gastos (seed 002's "Solo Honorarios",
// "Solo Gastos").
struct ItemBilling {
    uint32_t item = 0;
    TipoFacturacion tipo = TipoFacturacion::honorarios_y_gastos;
};
LIQUIDA_DESCRIBE(ItemBilling, item, tipo);
struct ConsumePractices {
    TransactionRef transaction;  // A8: the budget, 88-T-<number>
    std::vector<uint32_t> items;
    bool deferred = false;
    std::optional<TimestampMs> performed_at;  // required when deferred
    uint64_t number = 0;                      // the consumption's own transaction, given by the insurer's system
    bool affiliate_signed = false;            // the affiliate signed the ticket
    std::vector<ItemBilling> billing;         // items not listed: honorarios y gastos
    std::string clinical_summary;
    std::vector<Attachment> attachments;
};
LIQUIDA_DESCRIBE(ConsumePractices, transaction, items, deferred, performed_at, number, affiliate_signed, billing, clinical_summary,
                 attachments);
// A9: `transaction` is a budget (boca, serie, its number) or one of its consumptions (the
// consumption's own number). A budget: item 0 cancels it whole, else that item alone (authorized
// or consumed). A consumption: item 0 undoes it, else that item's consumption alone; its items
// are pending consumption again.
struct CancelTransaction {
    TransactionRef transaction;
    std::string reason;
    uint32_t item = 0;
};
LIQUIDA_DESCRIBE(CancelTransaction, transaction, reason, item);

// --- Invoices (F1-F5) ---
struct IssueInvoice {
    std::string invoice_id;
    ObraSocialId obra_social;
    ComprobanteType comprobante = ComprobanteType::factura_c;
    BillingType billing = BillingType::original;
    uint32_t punto_de_venta = 0;
    uint32_t number = 0;
    std::string cae;
    Period period;
    Centavos amount = 0;
    Date issued_on;
    std::string authorization;
    std::string adjusts_invoice;  // Ajuste: adjusted invoice; Refacturación: the debited one
    std::vector<Attachment> attachments;
};
LIQUIDA_DESCRIBE(IssueInvoice, invoice_id, obra_social, comprobante, billing, punto_de_venta, number, cae, period, amount, issued_on,
                 authorization, adjusts_invoice, attachments);
struct SendInvoice {
    std::string invoice_id;
};
LIQUIDA_DESCRIBE(SendInvoice, invoice_id);
struct ObserveInvoice {
    std::string invoice_id;
    std::string reason;
};
LIQUIDA_DESCRIBE(ObserveInvoice, invoice_id, reason);
struct AcceptInvoice {
    std::string invoice_id;
};
LIQUIDA_DESCRIBE(AcceptInvoice, invoice_id);
struct IngresarInvoice {
    std::string invoice_id;
};
LIQUIDA_DESCRIBE(IngresarInvoice, invoice_id);
struct RejectInvoice {
    std::string invoice_id;
    std::string reason;
};
LIQUIDA_DESCRIBE(RejectInvoice, invoice_id, reason);

// --- Debits, retentions and payment (S1-S3) ---
struct ApplyDebit {
    std::string invoice_id;
    std::string debit_id;
    Centavos amount = 0;
    std::string reason_code;
    std::string reason;
    std::string debit_sheet;
};
LIQUIDA_DESCRIBE(ApplyDebit, invoice_id, debit_id, amount, reason_code, reason, debit_sheet);
struct ResolveDebitAnalysis {
    std::string invoice_id;
    std::string debit_id;
    bool reinvoice_approved = false;
};
LIQUIDA_DESCRIBE(ResolveDebitAnalysis, invoice_id, debit_id, reinvoice_approved);
struct IssueCreditNote {
    std::string invoice_id;
    std::string credit_note_id;
    uint32_t punto_de_venta = 0;
    uint32_t number = 0;
    std::string cae;
    Centavos amount = 0;
};
LIQUIDA_DESCRIBE(IssueCreditNote, invoice_id, credit_note_id, punto_de_venta, number, cae, amount);
struct IssuePaymentOrder {
    ObraSocialId obra_social;
    std::string payment_order;
    Date paid_on;
    std::vector<PaidInvoice> invoices;
    std::string retention_certificate;
    std::string payment_order_type;  // "APB"; up to 8 capital letters or digits, may be empty
};
LIQUIDA_DESCRIBE(IssuePaymentOrder, obra_social, payment_order, paid_on, invoices, retention_certificate, payment_order_type);
struct ApplyRetentions {
    Period period;
    ObraSocialId obra_social;
};
LIQUIDA_DESCRIBE(ApplyRetentions, period, obra_social);
struct PayProvider {
    Period period;
    ObraSocialId obra_social;
    Centavos amount = 0;
    std::string cbu;
    std::string transfer_id;
};
LIQUIDA_DESCRIBE(PayProvider, period, obra_social, amount, cbu, transfer_id);
// F2 (seed 003): the insurer's acta de autorización, which an invoice to an obra social billed
// by acta names and is checked against.
struct IssueActa {
    std::string acta;  // "Nº trámite de acta digital": "xx xxx xxxxxxx xx"
    ObraSocialId obra_social;
    std::string tipo_afiliatorio;
    std::string tipo_prestacion;  // "CUIDADOR DOMICILIARIO"
    Centavos total = 0;           // "Monto Total del Trámite"
};
LIQUIDA_DESCRIBE(IssueActa, acta, obra_social, tipo_afiliatorio, tipo_prestacion, total);

// --- The colegio's presentations to the obras sociales (F6): commands on kColegio's ledger ---
inline constexpr size_t kMaxPresentationNumber = 20;
struct PresentBilling {
    std::string presentation;  // the colegio's number: 1 to kMaxPresentationNumber letters, digits, '-' or '/'
    ObraSocialId obra_social;
    Period period;
    Centavos amount = 0;
};
LIQUIDA_DESCRIBE(PresentBilling, presentation, obra_social, period, amount);
struct DebitPresentation {
    std::string presentation;
    std::string debit_id;
    Centavos amount = 0;
    std::string reason_code;
    std::string reason;
};
LIQUIDA_DESCRIBE(DebitPresentation, presentation, debit_id, amount, reason_code, reason);
struct ApprovePresentation {
    std::string presentation;
};
LIQUIDA_DESCRIBE(ApprovePresentation, presentation);
struct PayPresentation {
    std::string presentation;
    std::string payment_order_type;  // as IssuePaymentOrder's
    std::string payment_order;
    Date paid_on;
    Centavos amount = 0;
    std::string retention_certificate;
};
LIQUIDA_DESCRIBE(PayPresentation, presentation, payment_order_type, payment_order, paid_on, amount, retention_certificate);

using Command =
    std::variant<RegisterProvider, UpdateProvider, AdhereToObraSocial, UploadDocument, VerifyDocument, ExpireDocumentsDue, EnrollInPadron,
                 LeavePadron, LoadOrder, ApproveOrder, RejectOrder, CheckEligibility, IssueToken, SubmitBudget, ResolveBudgetAudit,
                 ConsumePractices, CancelTransaction, IssueInvoice, SendInvoice, ObserveInvoice, AcceptInvoice, IngresarInvoice,
                 RejectInvoice, ApplyDebit, ResolveDebitAnalysis, IssueCreditNote, IssuePaymentOrder, ApplyRetentions, PayProvider,
                 IssueActa, PresentBilling, DebitPresentation, ApprovePresentation, PayPresentation>;

// Each command's stable name, in the API and in the simulator's counts; a command without one
// does not compile (domain/decide.cc).
template <class C>
inline constexpr std::string_view kCommandName = {};
template <>
inline constexpr std::string_view kCommandName<RegisterProvider> = "register_provider";
template <>
inline constexpr std::string_view kCommandName<UpdateProvider> = "update_provider";
template <>
inline constexpr std::string_view kCommandName<AdhereToObraSocial> = "adhere_to_obra_social";
template <>
inline constexpr std::string_view kCommandName<UploadDocument> = "upload_document";
template <>
inline constexpr std::string_view kCommandName<VerifyDocument> = "verify_document";
template <>
inline constexpr std::string_view kCommandName<ExpireDocumentsDue> = "expire_documents_due";
template <>
inline constexpr std::string_view kCommandName<EnrollInPadron> = "enroll_in_padron";
template <>
inline constexpr std::string_view kCommandName<LeavePadron> = "leave_padron";
template <>
inline constexpr std::string_view kCommandName<LoadOrder> = "load_order";
template <>
inline constexpr std::string_view kCommandName<ApproveOrder> = "approve_order";
template <>
inline constexpr std::string_view kCommandName<RejectOrder> = "reject_order";
template <>
inline constexpr std::string_view kCommandName<CheckEligibility> = "check_eligibility";
template <>
inline constexpr std::string_view kCommandName<IssueToken> = "issue_token";
template <>
inline constexpr std::string_view kCommandName<SubmitBudget> = "submit_budget";
template <>
inline constexpr std::string_view kCommandName<ResolveBudgetAudit> = "resolve_budget_audit";
template <>
inline constexpr std::string_view kCommandName<ConsumePractices> = "consume_practices";
template <>
inline constexpr std::string_view kCommandName<CancelTransaction> = "cancel_transaction";
template <>
inline constexpr std::string_view kCommandName<IssueInvoice> = "issue_invoice";
template <>
inline constexpr std::string_view kCommandName<SendInvoice> = "send_invoice";
template <>
inline constexpr std::string_view kCommandName<ObserveInvoice> = "observe_invoice";
template <>
inline constexpr std::string_view kCommandName<AcceptInvoice> = "accept_invoice";
template <>
inline constexpr std::string_view kCommandName<IngresarInvoice> = "ingresar_invoice";
template <>
inline constexpr std::string_view kCommandName<RejectInvoice> = "reject_invoice";
template <>
inline constexpr std::string_view kCommandName<ApplyDebit> = "apply_debit";
template <>
inline constexpr std::string_view kCommandName<ResolveDebitAnalysis> = "resolve_debit_analysis";
template <>
inline constexpr std::string_view kCommandName<IssueCreditNote> = "issue_credit_note";
template <>
inline constexpr std::string_view kCommandName<IssuePaymentOrder> = "issue_payment_order";
template <>
inline constexpr std::string_view kCommandName<ApplyRetentions> = "apply_retentions";
template <>
inline constexpr std::string_view kCommandName<PayProvider> = "pay_provider";
template <>
inline constexpr std::string_view kCommandName<IssueActa> = "issue_acta";
template <>
inline constexpr std::string_view kCommandName<PresentBilling> = "present_billing";
template <>
inline constexpr std::string_view kCommandName<DebitPresentation> = "debit_presentation";
template <>
inline constexpr std::string_view kCommandName<ApprovePresentation> = "approve_presentation";
template <>
inline constexpr std::string_view kCommandName<PayPresentation> = "pay_presentation";
// By the command's index in Command.
std::string_view command_name(size_t index) noexcept;

// A command decided on the colegio's own ledger (kColegio), not on a provider's.
template <class C>
inline constexpr bool kColegioCommand = std::is_same_v<C, PresentBilling> || std::is_same_v<C, DebitPresentation> ||
                                        std::is_same_v<C, ApprovePresentation> || std::is_same_v<C, PayPresentation>;
template <size_t... I>
constexpr std::array<bool, sizeof...(I)> colegio_commands(std::index_sequence<I...>) {
    return {kColegioCommand<std::variant_alternative_t<I, Command>>...};
}
inline bool colegio_command(const Command& c) noexcept {
    static constexpr auto kByIndex = colegio_commands(std::make_index_sequence<std::variant_size_v<Command>>{});
    return c.index() < kByIndex.size() && kByIndex[c.index()];
}

}  // namespace liquida::domain
