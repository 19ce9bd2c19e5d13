// The views' rows as JSON (API and live updates) and CSV (spreadsheets). Dates "YYYY-MM-DD",
// periods "YYYY-MM", instants as ISO-8601 in Argentina time, money as integer centavos.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/config.h"
#include "domain/queries.h"
#include "projections/views.h"

namespace liquida::gateway {

nlohmann::json to_json(const projections::PadronRow& r, domain::Date today);
nlohmann::json to_json(const projections::PendingRow& r, domain::Date today);
nlohmann::json to_json(const projections::SettlementRow& r);
nlohmann::json to_json(const projections::InvoiceViewRow& r, const domain::Config& config);
nlohmann::json to_json(const projections::Row& r, domain::Date today, const domain::Config& config);

// JSON text; invalid UTF-8 from stored data is replaced, never thrown on.
inline std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// "2025-06-25T10:55:00-03:00".
std::string iso_local(domain::TimestampMs t);

// The row's provider, obra social (empty when none) and period (settlement, invoices).
struct RowScope {
    domain::ProviderId provider;
    std::string obra_social;
    std::optional<domain::Period> period;
};
RowScope scope_of(const projections::Row& r);

// CSV with a header line, RFC 4180 quoting, amounts in pesos with a decimal comma as
// Argentine spreadsheets expect ("1234,56"), separated by semicolons. Text cells are made
// inert (domain::spreadsheet_text: no formula, no control characters); amounts stay numbers.
std::string invoices_csv(const std::vector<projections::InvoiceViewRow>& rows, const domain::Config& config);
std::string validation_csv(const std::vector<domain::ValidationRow>& rows);

}  // namespace liquida::gateway
