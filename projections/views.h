// The live views every user looks at, kept in RocksDB and built only from the event log:
// the padrón, the orders, pending consumption and settlement (with its F4 invoice listing).
//
// Every row is a function of one topic's events (padrón <- liquida.padron, orders <-
// liquida.orders, pending <- liquida.authorizations, settlement columns <- their own topic
// each), so the views at a set of offsets do not depend on how the runner interleaved
// partitions: live and rebuilt views have equal digests.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "domain/config.h"
#include "domain/queries.h"
#include "domain/state.h"
#include "events/envelope.h"
#include "events/errc.h"
#include "projections/errc.h"
#include "events/log.h"

namespace liquida::projections {

using domain::Centavos;
using domain::Date;
using domain::ObraSocialId;
using domain::Period;
using domain::ProviderId;
using domain::TimestampMs;

enum class View : uint8_t { padron = 0, pending = 1, settlement = 2, invoices = 3, orders = 4 };
inline constexpr View kViews[] = {View::padron, View::pending, View::settlement, View::invoices, View::orders};
std::string_view view_name(View v) noexcept;  // "padron", "pending", "settlement", "invoices", "orders"

// --- Padrón (P1-P6) ---
struct DocumentRow {
    domain::DocumentType type = domain::DocumentType::rnp;
    std::string document_id;
    domain::DocumentStatus status = domain::DocumentStatus::pending;
    TimestampMs uploaded_at = 0;
    TimestampMs verified_at = 0;  // 0: not verified yet
    Date expires_on;
    friend bool operator==(const DocumentRow&, const DocumentRow&) = default;
};

struct PadronRow {
    ProviderId provider;
    domain::ProviderState state;           // identity, adhesions, documents in upload order, enrollment
    std::vector<TimestampMs> uploaded_at;  // parallel to state.documents
    std::vector<TimestampMs> verified_at;
    std::optional<Date> left_on;  // P5
    friend bool operator==(const PadronRow&, const PadronRow&) = default;

    // P2: enrolled and every required document approved and in force on `day`; expiry
    // changes standing by the date alone.
    bool in_good_standing(Date day) const noexcept { return domain::in_padron(state, day); }
    // The latest upload of each document type, in type order.
    std::vector<DocumentRow> documents() const;
};

// --- Orders (O1-O4): every order loaded, in its current state; the colegio reviews them ---
struct OrderRow {
    ProviderId provider;
    domain::OrderLoaded loaded;         // its period kept current by OrderDeferred (O3)
    std::optional<Period> rolled_from;  // O2/O3: loaded into this period, billed in `loaded.period`
    domain::OrderStatus status = domain::OrderStatus::pending;
    std::string reason_code;  // O2: why it was rejected (empty otherwise)
    std::string reason;
    TimestampMs loaded_at = 0;
    friend bool operator==(const OrderRow&, const OrderRow&) = default;
};

// --- Pending consumption: authorized items not consumed nor cancelled (A7-A9) ---
struct PendingRow {
    ProviderId provider;
    domain::TransactionRef transaction;
    uint32_t item = 0;
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string credential;
    std::string practice_code;
    uint32_t tooth = 0;
    std::string faces;
    TimestampMs authorized_at = 0;
    std::string affiliate_name;
    friend bool operator==(const PendingRow&, const PendingRow&) = default;

    int32_t age_days(Date today) const noexcept { return today.days - domain::local_date(authorized_at).days; }
};

// --- Settlement per (period, obra social, provider) (O2-O4, A8, F1-F4, S1-S3) ---
// Sums of amounts are checked (domain/money.h): the runner refuses an event that would make a
// row's column or derived value overflow int64, so rows read from the views always fit; the
// derived values are still optional for rows built elsewhere.
struct Tally {
    int64_t count = 0;
    Centavos amount = 0;
    friend bool operator==(const Tally&, const Tally&) = default;
    // Adds (sign 1) or subtracts (sign -1) `o`; false, *this unchanged, when a sum does not fit.
    [[nodiscard]] bool add(const Tally& o, int sign = 1) noexcept;
};

struct SettlementRow {
    Period period;
    ObraSocialId obra_social;
    ProviderId provider;                                   // 0 in roll-ups
    Tally orders_loaded;                                   // loaded into this period (O3), whatever their state
    Tally orders_approved;                                 // O4: what the colegio bills
    Tally orders_rejected;                                 // O2
    Tally orders_rolled;                                   // O2/O3: moved from this period to the next
    Tally billable;                                        // A8: consumed items of transactions not cancelled
    Tally invoiced;                                        // active Original and Ajuste invoices (F1, F2)
    Centavos reinvoiced = 0;                               // active Refacturación invoices (S1)
    std::map<std::string, Centavos> debits;                // S1, by reason code
    Centavos collected = 0;                                // S2: paid by the obra social's payment orders
    std::map<domain::RetentionKind, Centavos> retentions;  // S3, by kind
    Centavos paid_to_provider = 0;                         // S3: net transferred to the provider's CBU
    // F3 state of the latest Original invoice ("cancelado" once paid). In roll-ups, the state
    // of the colegio's invoice to the obra social: the least advanced of its providers', or
    // "pendiente" while one with something to bill has not invoiced.
    std::string invoice_state;
    friend bool operator==(const SettlementRow&, const SettlementRow&) = default;

    // Derived values; nullopt when one does not fit int64.
    std::optional<Centavos> total() const noexcept;  // F1: orders approved + billable
    std::optional<Centavos> debited() const noexcept;
    std::optional<Centavos> retained() const noexcept;
    std::optional<Centavos> balance() const noexcept;          // invoiced + reinvoiced - debited
    std::optional<Centavos> due_to_provider() const noexcept;  // collected - retained - paid_to_provider
    // Every derived value fits.
    bool fits() const noexcept;
    // Adds (sign 1) or subtracts (sign -1) o's counts and amounts, dropping debits and
    // retentions that come to zero; false when a sum does not fit, the row then partly
    // added: discard it (the runner drops the batch, a roll-up fails).
    [[nodiscard]] bool add(const SettlementRow& o, int sign = 1);
};

// --- Invoices, the rows of the F4 listing ---
struct DebitEntry {
    std::string debit_id;
    Centavos amount = 0;
    std::string reason_code;
    std::string reason;  // its description, as the debit sheet gives it
    std::string debit_sheet;
    friend bool operator==(const DebitEntry&, const DebitEntry&) = default;
};

// S2: one payment order's line for the invoice.
struct InvoicePayment {
    std::string payment_order;
    Date paid_on;
    Centavos amount = 0;
    std::string type;  // "APB"; empty when the insurer uses none
    std::string retention_certificate;
    friend bool operator==(const InvoicePayment&, const InvoicePayment&) = default;

    std::string label() const;  // F4: "APB 10118036"
};

struct InvoiceViewRow {
    ProviderId provider;
    std::string invoice_id;
    ObraSocialId obra_social;
    domain::ComprobanteType comprobante = domain::ComprobanteType::factura_c;
    domain::BillingType billing = domain::BillingType::original;
    uint32_t punto_de_venta = 0;
    uint32_t number = 0;
    Period period;
    Centavos amount = 0;
    Date issued_on;
    domain::InvoiceStatus status = domain::InvoiceStatus::cargada;
    TimestampMs received_at = 0;  // 0: not sent yet
    std::vector<DebitEntry> debits;
    Centavos credited = 0;
    Centavos paid = 0;
    std::vector<InvoicePayment> payments;  // in the order they were recorded
    friend bool operator==(const InvoiceViewRow&, const InvoiceViewRow&) = default;

    std::string label() const;  // F4: "B 00017-00004199"
    // nullopt when the sum does not fit int64 (never for rows read from the views).
    std::optional<Centavos> debited() const noexcept;
    std::optional<Centavos> balance() const noexcept;      // amount - debited
    std::optional<Centavos> outstanding() const noexcept;  // F4 "Saldo": balance - paid
    bool active() const noexcept { return status != domain::InvoiceStatus::rechazada; }
    std::string state() const;  // domain::invoice_state
    // F4: received plus the obra social's payment terms (its short terms for a small invoice);
    // nullopt before it is sent.
    std::optional<Date> due_on(const domain::Config& config) const;
};

// --- The A10 validation sheet: every item of every budget, under the period (Argentina's
// date) and obra social of its submission, in its current state ---
struct ValidationItemRow {
    Period period;
    ObraSocialId obra_social;
    ProviderId provider;
    domain::TransactionRef transaction;
    uint32_t item = 0;
    TimestampMs submitted_at = 0;
    std::string affiliate_number;
    std::string practice_code;
    std::string state;  // domain::item_state: autorizada, rechazada, en_auditoria, consumida, anulada
    std::string affiliate_name;
    std::string plan;
    bool plan_flagged = false;
    friend bool operator==(const ValidationItemRow&, const ValidationItemRow&) = default;
};

using Row = std::variant<PadronRow, PendingRow, SettlementRow, InvoiceViewRow, OrderRow>;

// One row that an applied batch changed: its final state in the batch, or deleted.
struct RowChange {
    View view = View::padron;
    std::string key;         // readable: "1042", "1042/88-T-123/2", "2025-06/sancor/1042", "1042/f-0001", "1042/o-17"
    std::optional<Row> row;  // nullopt: the row left the view
};

// What one committed batch changed: view after view, each view's rows in the order they first changed.
struct Delta {
    size_t events = 0;
    std::vector<RowChange> changes;
};

struct ViewDigest {
    std::string view;    // "padron", "pending", "settlement" (settlement rows and the invoice listing)
    std::string sha256;  // hex
    uint64_t rows = 0;
    friend bool operator==(const ViewDigest&, const ViewDigest&) = default;
};

// Filters of the multi-row queries. Empty fields match everything.
struct PendingFilter {
    std::optional<ProviderId> provider;
    std::optional<ObraSocialId> obra_social;
    std::string affiliate_number;
};
struct SettlementFilter {
    std::optional<Period> period;
    std::optional<ObraSocialId> obra_social;
    std::optional<ProviderId> provider;
};
struct OrderFilter {
    SettlementFilter where;  // the period an order counts in now
    std::optional<domain::OrderStatus> status;
};
// F4's search: by punto de venta, number, and the date received (Argentina) within
// [received_from, received_to]; a date bound leaves out invoices not sent yet.
struct InvoiceFilter {
    InvoiceFilter(SettlementFilter w = {}) : where(std::move(w)) {}  // implicit: any listing of invoices starts from one
    SettlementFilter where;
    std::optional<uint32_t> punto_de_venta;
    std::optional<uint32_t> number;
    std::optional<Date> received_from;
    std::optional<Date> received_to;
    bool matches(const InvoiceViewRow& row) const;
};

// Where a multi-row query resumes, to read a view a page at a time (a file of any length in
// bounded memory): the rows after the key `after` (empty: from the first), at most `limit` of
// them (0: all). The query leaves in `after` the key of the last row it kept and sets `done`
// once it has read to the end. Each page reads the view as it stands then: a row that changes
// between pages shows the state it had when its page was read, and none is read twice.
struct Cursor {
    std::string after;
    size_t limit = 0;
    bool done = false;
};

class Views {
public:
    // Opens (or creates) the views' RocksDB at `path`. `source` names the log they are built
    // from ("embedded", "kafka"): views built from another source fail with
    // errc::source_mismatch, since their offsets mean nothing there. Empty: not checked.
    // Views an earlier liquida wrote in another format fail with errc::format_mismatch.
    // `follower_dir` non-empty: open them read-only beside the process that holds them (a
    // running `serve`), as RocksDB's secondary instance keeping its files there; they stand
    // as they were when opened, and commit fails with errc::read_only.
    static result<std::unique_ptr<Views>> open(const std::string& path, std::string_view source = {}, const std::string& follower_dir = {});
    virtual ~Views() = default;

    // The next offset to apply of each partition (0 when none applied).
    virtual int64_t applied(const events::TopicPartition& tp) const = 0;

    // Queries fail (errc::io_error, or errc::corrupt_row for a row that does not decode)
    // rather than answer fewer rows than are stored.
    virtual result<std::optional<PadronRow>> padron(ProviderId provider) const = 0;
    virtual result<std::vector<PadronRow>> padron_rows() const = 0;  // by provider id
    virtual result<std::vector<PendingRow>> pending(const PendingFilter& filter, Cursor* cursor = nullptr) const = 0;
    virtual result<std::vector<SettlementRow>> settlement(const SettlementFilter& filter) const = 0;
    virtual result<std::vector<InvoiceViewRow>> invoices(const InvoiceFilter& filter, Cursor* cursor = nullptr) const = 0;
    // By provider and order id.
    virtual result<std::vector<OrderRow>> orders(const OrderFilter& filter, Cursor* cursor = nullptr) const = 0;
    // By obra social, provider, transaction and item; a period is required (none: no rows).
    virtual result<std::vector<ValidationItemRow>> validation(const SettlementFilter& filter) const = 0;

    // One line per view: hash over its rows in key order, equal for equal contents.
    virtual result<std::vector<ViewDigest>> digests() const = 0;

    // A consistent copy of the views as they stand now into `dir`, which must not exist:
    // RocksDB's checkpoint (hard links to the immutable files). Views::open opens it.
    virtual result<liquida::ok_t> checkpoint(const std::string& dir) const = 0;

    // Used by the runner: a batch applies decoded events in memory; commit writes the
    // changed rows and the offsets in one RocksDB WriteBatch, so a crash loses both or neither.
    class Batch {
    public:
        virtual ~Batch() = default;
        // False when an amount of the event does not fit int64 centavos in a row it changes
        // (domain/money.h): the batch is then not to be committed.
        [[nodiscard]] virtual bool apply(const events::Envelope& event) = 0;
        virtual void advance(const events::TopicPartition& tp, int64_t next_offset) = 0;
        // The settlement rows (period, obra social) of its provider the last apply changed:
        // what an audit's verification attributes a later event to.
        virtual const std::vector<std::pair<Period, ObraSocialId>>& settlement_touched() const = 0;
    };
    // `deltas`: collect the changed rows for commit's Delta (else it carries counts only).
    // `lane` < kLanes: batches of different lanes may apply events on different threads at
    // once, provided no provider has events in two lanes (every row is one provider's). Each
    // lane keeps the rows it committed to read them back: a provider's events must keep to one
    // lane, or the other lane's copy of its rows goes stale. One open batch per lane: a batch
    // changes its lane's rows in place, and one dropped without its commit makes the lane forget them.
    static constexpr size_t kLanes = 2;
    virtual std::unique_ptr<Batch> begin(bool deltas = true, size_t lane = 0) = 0;
    // Drops the rows the lanes keep, for a runner that may send a provider to another lane than
    // the last one did. Not while a batch is open.
    virtual void forget_cached_rows() = 0;
    // Writes the batch's changed rows and the offsets it advanced in one WriteBatch. Batches of
    // different lanes may commit at once, each on its own thread: a lane's rows and offsets are
    // its own partitions'.
    virtual result<Delta> commit(std::unique_ptr<Batch> batch) = 0;
};

// Roll-ups of settlement rows (provider 0): per (period, obra social) when `by_obra_social`,
// else per period. Nullopt when a sum does not fit int64 (domain/money.h).
std::optional<std::vector<SettlementRow>> checked_roll_up(const std::vector<SettlementRow>& rows, bool by_obra_social);

// A10: the validation sheet of a period, its items joined with their providers' padrón rows
// (number at the obra social, razón social, matrícula); in the order of Views::validation.
result<std::vector<domain::ValidationRow>> validation_report(const Views& views, const SettlementFilter& filter);
// The same, each row with its provider.
result<std::vector<std::pair<ProviderId, domain::ValidationRow>>> validation_report_by_provider(const Views& views,
                                                                                                const SettlementFilter& filter);

// An invoice as the F4 listing shows it. Before it is received (received_at 0) its
// received_on and due_on are the zero Date: meaningless.
domain::InvoiceRow invoice_row(const InvoiceViewRow& invoice, const domain::Config& config);
// F4 as of `today`: the invoices received in the six months before it, by provider (as
// `rows` come from Views::invoices) and newest received first within one; each with its row.
std::vector<std::pair<const InvoiceViewRow*, domain::InvoiceRow>> invoice_listing(const std::vector<InvoiceViewRow>& rows, Date today,
                                                                                  const domain::Config& config);

// Queries over padrón rows.
std::vector<PadronRow> by_standing(const std::vector<PadronRow>& rows, Date day, bool in_good_standing);
struct ExpiringDocument {
    ProviderId provider;
    DocumentRow document;
};
// Approved documents in force that expire within [day, day + days].
std::vector<ExpiringDocument> expiring_within(const std::vector<PadronRow>& rows, Date day, int32_t days);
// P6: providers adhered to an obra social, with their provider number there.
std::vector<std::pair<ProviderId, std::string>> adhered_to(const std::vector<PadronRow>& rows, const ObraSocialId& os);

}  // namespace liquida::projections
