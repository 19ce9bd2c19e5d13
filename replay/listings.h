// The colegio's listings as tables (replay/sheets.h): settlement per obra social and per
// provider, padrón, pending consumption, the A10 validation report, the F4 invoices and the
// payout list. The month's report and the server's downloads build them here, from the views'
// rows, so both carry the same columns: names beside ids, labels and states in Spanish.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "domain/config.h"
#include "domain/queries.h"
#include "projections/views.h"
#include "replay/sheets.h"

namespace liquida::replay {

using domain::Date;
using domain::ObraSocialId;
using domain::Period;
using domain::ProviderId;

struct PadronEntry {
    projections::PadronRow row;
    bool in_good_standing = false;                         // P2 on the listing's day
    std::optional<domain::DocumentType> missing_document;  // the first one keeping it out, if any
};
// The padrón's rows as entries judged on `day`.
std::vector<PadronEntry> padron_entries(std::vector<projections::PadronRow> rows, Date day);

struct ValidationEntry {  // A10, one row per authorized item of the period
    ObraSocialId obra_social;
    ProviderId provider;
    domain::ValidationRow row;
};

struct InvoiceEntry {  // F4
    ProviderId provider;
    ObraSocialId obra_social;
    Period period;
    domain::InvoiceRow row;
    bool received = true;  // false: not yet received, no reception nor due date
};

// What the colegio transfers to a provider for a period (S3), over every obra social.
struct PayoutEntry {
    ProviderId provider;
    Period period;
    domain::Centavos collected = 0;
    domain::Centavos debited = 0;
    std::map<domain::RetentionKind, domain::Centavos> retentions;
    domain::Centavos retained = 0;
    domain::Centavos paid = 0;  // already transferred
    domain::Centavos due = 0;   // collected - retained - paid
    // "a_pagar" while something is due, "pagado" once transferred, "sin_cobros" before anything was collected.
    std::string_view state() const noexcept { return due > 0 ? "a_pagar" : paid > 0 ? "pagado" : "sin_cobros"; }
};
// Settlement rows (per provider) summed per (period, provider); nullopt when a sum does not fit.
std::optional<std::vector<PayoutEntry>> payout_entries(const std::vector<projections::SettlementRow>& rows);

// Names beside ids: a provider's razón social, CUIT and CBU from the padrón; an obra
// social's and a practice's name from the configuration.
class Names {
public:
    Names() = default;
    Names(const domain::Config& config, const std::vector<PadronEntry>& padron);
    Names(const domain::Config& config, const std::vector<projections::PadronRow>& padron);
    std::string obra_social(const ObraSocialId& id) const;                  // its name, or the id when unknown
    const domain::ProviderRegistered* provider(ProviderId id) const;        // null when not registered
    Value practice(const ObraSocialId& os, const std::string& code) const;  // its name; none when unknown

private:
    explicit Names(const domain::Config& config);
    std::map<ObraSocialId, std::string> obras_sociales_;
    std::map<std::pair<ObraSocialId, std::string>, std::string> practices_;
    std::map<ProviderId, domain::ProviderRegistered> providers_;
};

// Each listing: `section` is the file stem and JSON member, the sheet name in Spanish.
Table settlement_by_obra_social_table(const std::vector<projections::SettlementRow>& rows, const Names& names);
Table settlement_by_provider_table(const std::vector<projections::SettlementRow>& rows, const Names& names);
Table padron_table(const std::vector<PadronEntry>& rows, Date day);
Table pending_table(const std::vector<projections::PendingRow>& rows, Date day, const Names& names);
Table validation_table(std::span<const ValidationEntry> rows, const Names& names);
Table invoices_table(const std::vector<InvoiceEntry>& rows, const Names& names);
Table payouts_table(const std::vector<PayoutEntry>& rows, const Names& names);
// One row per debit of the invoices (S1), with its reason, its description and debit sheet.
Table debits_table(const std::vector<projections::InvoiceViewRow>& invoices, const Names& names);
// S2: one row per invoice paid by each payment order, an order's lines together, orders by
// date paid.
Table payment_orders_table(const std::vector<projections::InvoiceViewRow>& invoices, const Names& names);
// A9: a provider's authorized budget items within a date range, in the order asked.
Table authorizations_table(const std::vector<domain::AuthorizationRow>& rows, const Names& names);
// F5: what a provider owes the insurers (credit notes) or may send again (re-invoicing).
Table submissions_table(const std::vector<domain::PendingSubmission>& rows);
// F6: the colegio's presentations, each beside what the settlement view approved for its period
// and obra social (nullopt: that total does not fit int64).
struct PresentationEntry {
    const domain::PresentationRecord* record = nullptr;
    std::optional<domain::Centavos> approved;
};
Table presentations_table(const std::vector<PresentationEntry>& rows, const Names& names);
// One row per retention charged (S3): period, obra social, provider and kind.
Table retentions_table(const std::vector<projections::SettlementRow>& rows, const Names& names);

}  // namespace liquida::replay
