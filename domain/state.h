// What one provider's events add up to. Every event is partitioned by provider id, so a
// ProviderLedger holds the sub-states of one provider; each has its own evolve. The colegio's
// own facts are the ledger of kColegio (domain/types.h).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "domain/events.h"
#include "domain/types.h"

namespace liquida::domain {

// --- Provider, documents and padrón (P1-P6) ---
enum class DocumentStatus : uint8_t { pending, approved, rejected, expired };

struct DocumentRecord {
    DocumentUploaded uploaded;
    DocumentStatus status = DocumentStatus::pending;
    TimestampMs approved_at = 0;  // in force from that day through its expiry
    friend bool operator==(const DocumentRecord&, const DocumentRecord&) = default;
};

struct ProviderState {
    bool registered = false;
    ProviderRegistered identity;                           // kept current by ProviderUpdated
    TimestampMs cbu_since = 0;                             // when identity.cbu took effect (registered, or changed)
    std::map<ObraSocialId, std::string> provider_numbers;  // P6: adhesions
    std::map<ObraSocialId, std::string> convenios;         // P6: each adhesion's convenio, when it names one
    std::vector<DocumentRecord> documents;                 // in upload order
    bool enrolled = false;
    Date enrolled_on;
    friend bool operator==(const ProviderState&, const ProviderState&) = default;
};

// P1/P2: the first required document not approved and in force on `day` (approved on or
// before it, expiring on or after it), if any.
std::optional<DocumentType> missing_document(const ProviderState& s, Date day) noexcept;
// P2: enrolled and every required document approved and in force on `day`.
bool in_padron(const ProviderState& s, Date day) noexcept;
// P1/S3: a CBU document approved after the current CBU took effect, which a CBU change needs.
bool has_new_cbu_document(const ProviderState& s) noexcept;

// --- Orders (O1-O4) ---
enum class OrderStatus : uint8_t { pending, approved, rejected };

struct OrderRecord {
    OrderLoaded loaded;  // period kept current by OrderDeferred
    OrderStatus status = OrderStatus::pending;
    std::string reject_reason_code;
    friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

struct OrderBook {
    std::map<std::string, OrderRecord> orders;
    friend bool operator==(const OrderBook&, const OrderBook&) = default;
};

// --- Eligibility and authorization (A1-A10) ---
struct TokenRecord {
    TokenIssued issued;
    bool used = false;  // A2: one per attention
    friend bool operator==(const TokenRecord&, const TokenRecord&) = default;
};

struct EligibilityRecord {
    Date checked_on;
    bool habilitado = false;
    friend bool operator==(const EligibilityRecord&, const EligibilityRecord&) = default;
};

enum class BudgetStatus : uint8_t { in_audit, authorized, cancelled };

struct BudgetItemRecord {
    BudgetItem item;
    ItemResult result = ItemResult::en_auditoria;
    bool consumed = false;
    Centavos amount = 0;  // A8: set at consumption
    Period period;        // billing period of the consumption
    TimestampMs performed_at = 0;
    bool deferred = false;
    bool cancelled = false;    // A9: anulado alone (its consumption, if any, undone)
    uint64_t consumption = 0;  // the number of the consumption that consumed it; 0 none or unnumbered
    TipoFacturacion billing = TipoFacturacion::honorarios_y_gastos;
    friend bool operator==(const BudgetItemRecord&, const BudgetItemRecord&) = default;
};

struct BudgetRecord {
    BudgetSubmitted submitted;  // items are in `items`
    TimestampMs submitted_at = 0;
    BudgetStatus status = BudgetStatus::in_audit;
    std::vector<BudgetItemRecord> items;
    friend bool operator==(const BudgetRecord&, const BudgetRecord&) = default;
};

using TransactionKey = std::tuple<uint32_t, std::string, uint64_t>;
TransactionKey key_of(const TransactionRef& t);

struct AuthorizationBook {
    std::vector<TokenRecord> tokens;
    std::map<std::pair<ObraSocialId, std::string>, EligibilityRecord> eligibility;  // latest per affiliate
    std::map<TransactionKey, BudgetRecord> budgets;
    // A8: every numbered consumption, cancelled or not, with the budget it consumed (its number
    // is taken for good).
    std::map<TransactionKey, TransactionKey> consumptions;
    friend bool operator==(const AuthorizationBook&, const AuthorizationBook&) = default;
};

// --- Invoices, debits and payment orders (F1-F5, S1-S2) ---
struct ProviderLedger;
// A9/F1: a consumed item in a period the provider has invoiced to the budget's obra social (a
// live Original or Ajuste): its anulación would leave the settlement behind the invoice's back.
bool item_invoiced(const ProviderLedger& s, const BudgetRecord& b, const BudgetItemRecord& r);

enum class InvoiceStatus : uint8_t { cargada, enviada, observada, aceptada, ingresada, rechazada };

struct DebitRecord {
    DebitApplied applied;
    std::optional<bool> reinvoice_approved;  // S1: debit analysis
    bool reinvoiced = false;
    friend bool operator==(const DebitRecord&, const DebitRecord&) = default;
};

struct InvoiceRecord {
    InvoiceIssued issued;
    InvoiceStatus status = InvoiceStatus::cargada;
    std::optional<TimestampMs> received_at;  // F4: first sent
    std::vector<DebitRecord> debits;
    Centavos credited = 0;  // credit notes issued against the debits
    Centavos paid = 0;      // S2: by payment orders
    std::vector<std::string> payment_orders;
    friend bool operator==(const InvoiceRecord&, const InvoiceRecord&) = default;

    // Checked sums (domain/money.h): nullopt when one does not fit int64.
    std::optional<Centavos> debited() const noexcept;
    std::optional<Centavos> balance() const noexcept;  // S1: amount - debits
    bool active() const noexcept { return status != InvoiceStatus::rechazada; }
};

struct InvoiceBook {
    std::map<std::string, InvoiceRecord> invoices;
    std::vector<std::string> credit_notes;
    std::vector<std::string> payment_orders;
    std::map<std::string, ActaIssued> actas;  // F2: by number
    // A folded amount did not fit int64 and was not added: decide refuses every command of the
    // provider (money.overflow) and a replay fails, rather than wrap.
    bool overflow = false;
    friend bool operator==(const InvoiceBook&, const InvoiceBook&) = default;
};
// F2: what the live invoices bound to an acta bill (Originals and Ajustes; a Refacturación re-bills
// a debit), or nullopt when the sum does not fit int64.
std::optional<Centavos> billed_on_acta(const InvoiceBook& s, const std::string& acta) noexcept;
// F2: what an acta has left to bill, its total less billed_on_acta; nullopt for an acta the book
// does not hold or a sum that does not fit.
std::optional<Centavos> acta_left(const InvoiceBook& s, const std::string& acta) noexcept;

// --- Retentions and payment to the provider (S3), per (period, obra social) ---
struct PayoutRecord {
    std::map<RetentionKind, Centavos> base_by_kind;
    Centavos retained = 0;
    Centavos paid = 0;
    std::vector<std::string> transfers;
    friend bool operator==(const PayoutRecord&, const PayoutRecord&) = default;
    // The collected amount retentions have already been applied on.
    Centavos retention_base() const noexcept;
};

struct PayoutBook {
    std::map<std::pair<Period, ObraSocialId>, PayoutRecord> payouts;
    bool overflow = false;  // as InvoiceBook::overflow
    friend bool operator==(const PayoutBook&, const PayoutBook&) = default;
};

// --- The colegio's presentations to the obras sociales (F6): only kColegio's ledger holds any ---
struct PresentationRecord {
    PresentationSubmitted submitted;
    std::vector<PresentationDebited> debits;
    bool approved = false;
    std::vector<PresentationPaid> payments;
    Centavos debited = 0;
    Centavos paid = 0;
    friend bool operator==(const PresentationRecord&, const PresentationRecord&) = default;

    // Checked (domain/money.h): nullopt when it does not fit int64.
    std::optional<Centavos> balance() const noexcept;      // amount - debited
    std::optional<Centavos> outstanding() const noexcept;  // balance - paid
};
// "presentada" (in the insurer's audit), "aprobada", or "pagada" once approved and nothing is owed.
std::string_view presentation_state(const PresentationRecord& p) noexcept;

struct PresentationBook {
    std::map<std::string, PresentationRecord> presentations;  // by number
    bool overflow = false;                                    // as InvoiceBook::overflow
    friend bool operator==(const PresentationBook&, const PresentationBook&) = default;
};

struct ProviderLedger {
    ProviderState provider;
    OrderBook orders;
    AuthorizationBook authorizations;
    InvoiceBook invoices;
    PayoutBook payouts;
    PresentationBook presentations;
    friend bool operator==(const ProviderLedger&, const ProviderLedger&) = default;
};

// Each sub-state folds the events it cares about and ignores the rest.
void evolve(ProviderState& s, const Event& e, TimestampMs occurred_at);
void evolve(OrderBook& s, const Event& e, TimestampMs occurred_at);
void evolve(AuthorizationBook& s, const Event& e, TimestampMs occurred_at);
void evolve(InvoiceBook& s, const Event& e, TimestampMs occurred_at);
void evolve(PayoutBook& s, const Event& e, TimestampMs occurred_at);
void evolve(PresentationBook& s, const Event& e, TimestampMs occurred_at);
void evolve(ProviderLedger& s, const Event& e, TimestampMs occurred_at);
// A fold of the ledger overflowed (InvoiceBook::overflow, PayoutBook::overflow, PresentationBook::overflow).
bool overflowed(const ProviderLedger& s) noexcept;

struct RecordedEvent {
    Event event;
    TimestampMs occurred_at = 0;
};
ProviderLedger replay(std::span<const RecordedEvent> events);

}  // namespace liquida::domain
