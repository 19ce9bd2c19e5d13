// Read-side views computed from a ProviderLedger: settlement (O4, F1, S1, S3), invoice
// listing (F4), pending submissions (F5), authorization reports (A9, A10).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/config.h"
#include "domain/error.h"
#include "domain/state.h"

namespace liquida::domain {

// One provider's settlement for a (period, obra social). Every total is the sum of its parts.
struct Settlement {
    Centavos orders = 0;        // O4: approved orders
    Centavos consumptions = 0;  // A8: consumed items of live transactions
    Centavos total = 0;         // orders + consumptions: what the Original must bill (F1)
    Centavos invoiced = 0;      // active Original + Ajuste invoices
    Centavos reinvoiced = 0;    // active Refacturación invoices
    Centavos debits = 0;        // S1
    Centavos balance = 0;       // invoiced + reinvoiced - debits
    Centavos collected = 0;     // S2: paid by payment orders
    Centavos retentions = 0;    // S3
    Centavos paid_to_provider = 0;
    Centavos due_to_provider = 0;  // collected - retentions - paid_to_provider
    friend bool operator==(const Settlement&, const Settlement&) = default;
};
// Every sum checked (domain/money.h): one that does not fit int64 is money.overflow.
result<Settlement, DomainError> settlement_of(const ProviderLedger& s, Period period, const ObraSocialId& obra_social);

// F2: the letter of a comprobante, 'B' for factura_b.
char comprobante_letter(ComprobanteType type);
// F4: "B 00017-00004199".
std::string invoice_label(const InvoiceIssued& i);

// S2: a payment order's kind, "APB" of "APB 10118036" (PaymentOrderIssued.payment_order_type).
inline constexpr size_t kMaxPaymentOrderType = 8;
// F4's "Orden de pago": "APB 10118036", or the number alone when the order has no kind.
std::string payment_order_label(std::string_view type, std::string_view number);

struct InvoiceRow {
    Date received_on;
    std::string invoice;  // label
    Centavos amount = 0;
    Centavos debits = 0;
    Centavos outstanding = 0;  // "Saldo": amount - debits - paid; 0 once cancelado
    Date due_on;
    std::string state;          // invoice_state
    std::string payment_order;  // the last one's payment_order_label
    std::string debit_sheet;
};
// F4: the F3 status, or "cancelado" once an invoice not rejected is paid in full.
std::string invoice_state(InvoiceStatus status, Centavos paid, Centavos balance);
// The same day six months earlier, clamped to the month's end: where F4's listing starts.
Date six_months_before(Date d);
// F4: invoices received in the six months before `today`, newest first; money.overflow
// when an invoice's debits or outstanding amount do not fit int64.
result<std::vector<InvoiceRow>, DomainError> invoice_listing(const ProviderLedger& s, Date today, const Config& config);

// A5: the written reports an Original of `period` must carry when the obra social takes them with
// the presentation: one per consumed item, of a live transaction, of a practice that requires
// one. 0 for an obra social that takes them with the authorization.
uint32_t reports_due(const ProviderLedger& s, Period period, const ObraSocialConfig& os);

// F5: what the provider owes the insurer (a credit note) or may now send (re-invoicing).
struct PendingSubmission {
    std::string invoice_id;
    std::string kind;  // "nota_de_credito" or "refacturacion"
    Centavos amount = 0;
};
// money.overflow when a sum of an invoice's debits does not fit int64.
result<std::vector<PendingSubmission>, DomainError> pending_submissions(const ProviderLedger& s);

// A9: one row per authorized budget item, within [from, to] by local date.
struct AuthorizationRow {
    TimestampMs at = 0;
    std::string credential;
    TransactionRef transaction;
    std::string channel;  // who entered it: "WEB(prestador:1042)"; empty before schema 2
    ObraSocialId obra_social;
    std::string practice_code;
    uint32_t tooth = 0;
    std::string faces;
    std::string state;  // autorizada, rechazada, en_auditoria, consumida, anulada
    Centavos amount = 0;
    std::string affiliate_name;              // "Nombre"
    uint32_t quantity = 1;                   // "Cant."
    uint64_t consumption = 0;                // a consumed item's consumption, by its own number; 0 none or unnumbered
    std::optional<TipoFacturacion> billing;  // "Tipo F": a consumed item's
    uint32_t item = 0;                       // its number in the budget, as an anulación names it
};
enum class ReportOrder : uint8_t { date, credential, practice, channel, amount };
std::vector<AuthorizationRow> authorization_report(const ProviderLedger& s, Date from, Date to, ReportOrder order);
// A9: the txt export, one tab-separated line per row.
std::string render_txt(const std::vector<AuthorizationRow>& rows);

// A10: the monthly validation sheet, one row per authorization of a period and obra social; the
// columns of SanCor's (seed 004), in its order.
struct ValidationRow {
    std::string convenio;         // "Desc. Prestador convenio": the adhesion's, when it names one
    std::string provider_number;  // performing provider at the obra social
    std::string razon_social;
    std::string matricula;
    std::string order_number;  // "88-T-128183733"
    Date order_date;
    std::string affiliate_number;
    std::string affiliate_name;
    std::string practice_code;
    std::string plan;
    bool plan_flagged = false;  // a plan the obra social asks to point out (F800, S800V)
    std::string state;
    friend bool operator==(const ValidationRow&, const ValidationRow&) = default;
};
std::vector<ValidationRow> validation_report(const ProviderLedger& s, Period period, const ObraSocialId& obra_social);
// An item's state in A9 and A10: anulada (its transaction cancelled), consumida, else the
// audit's result (autorizada, rechazada, en_auditoria).
std::string_view item_state(bool cancelled, bool consumed, ItemResult result) noexcept;
// "88-T-128183733" (boca, serie, number: the colegio's terminal, A8); "128000139" for an order
// numbered by the insurer alone (no boca nor serie: a SanCor order, its "N° De orden").
std::string transaction_label(const TransactionRef& t);

}  // namespace liquida::domain
