// What the views' sources fold into: the runner's working row of a budget, the pending and
// validation rows derived from it, and what an order, a budget or an invoice adds to the
// settlement rows. Internal to the views (views.cc); rows.cc keeps the rows queries read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/views.h"

namespace liquida::projections::fold {

// The runner's working state of a budget: what later events about it need, and its pending
// and validation rows are made from.
struct BudgetItemAux {
    domain::BudgetItem item;
    domain::ItemResult result = domain::ItemResult::en_auditoria;
    bool consumed = false;
    Centavos amount = 0;
    Period period;
    bool cancelled = false;  // A9: anulado alone
};

struct BudgetAux {
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string credential;
    std::string affiliate_name;
    std::string plan;
    bool plan_flagged = false;
    bool authorized = false;
    bool cancelled = false;
    TimestampMs authorized_at = 0;
    TimestampMs submitted_at = 0;
    std::vector<BudgetItemAux> items;
};

std::string encode(const BudgetAux& b);
bool decode(std::string_view in, BudgetAux& b);

// What one order, budget or invoice adds to the settlement rows. A change to it is applied as
// (after - before), so every settlement column is the sum over its sources. Nullopt when a
// sum does not fit int64 (domain/money.h).
using Contribution = std::map<std::pair<Period, std::string>, SettlementRow>;

bool is_zero(const SettlementRow& r);
std::optional<Contribution> contribution(const OrderRow* o);
std::optional<Contribution> contribution(const BudgetAux* b);
std::optional<Contribution> contribution(const InvoiceViewRow* inv);

// An invoice's row as loaded: nothing received, debited, credited or paid yet.
InvoiceViewRow issued_row(ProviderId p, const domain::InvoiceIssued& x);

// The pending rows a budget holds: authorized items neither consumed nor cancelled.
std::vector<uint32_t> pending_items(const BudgetAux* b);
// The validation rows a budget holds, one per item, all under one key prefix. Only an item's
// state changes while its budget stands (the rest is the submission's), so rows are told apart
// by state and built only to be written. The views hold exactly the pending and validation rows
// their budgets' rows derive, so a batch need not read those rows back.
struct ValidationItems {
    std::string prefix;                                         // empty: no budget
    std::vector<std::pair<uint32_t, std::string_view>> states;  // item, state (a static string)
    std::string key(uint32_t item) const;
    const std::string_view* state(uint32_t item) const;  // null: no such item
};
ValidationItems validation_items(ProviderId p, const domain::TransactionRef& t, const BudgetAux* b);
ValidationItemRow validation_row(ProviderId p, const domain::TransactionRef& t, const BudgetAux& b, uint32_t item, std::string_view state);

}  // namespace liquida::projections::fold
