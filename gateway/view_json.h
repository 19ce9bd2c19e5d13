// The views' rows as JSON (API and live updates); files for spreadsheets are gateway/downloads.h. Dates "YYYY-MM-DD",
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
nlohmann::json to_json(const projections::OrderRow& r);
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

}  // namespace liquida::gateway
