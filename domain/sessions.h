// A4 across providers. Seed 004 (SanCor psychotherapy): one session per 7 days per affiliate,
// whoever attends; a provider's ledger holds only its own budgets, so the colegio keeps a
// register of the recent sessions every provider's budgets hold.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "domain/config.h"
#include "domain/events.h"
#include "domain/state.h"

namespace liquida::domain {

// The sessions one budget holds of one weekly-limited practice: its items of that practice not
// rejected nor annulled, none when the budget was cancelled (quantity 0).
struct Session {
    ObraSocialId obra_social;
    std::string affiliate_number;
    std::string practice_code;
    TransactionKey transaction;
    Date day;  // the budget's submission, Argentina time
    uint32_t quantity = 0;
    friend bool operator==(const Session&, const Session&) = default;
};

// One entry per weekly-limited practice the budget names (quantity 0 when nothing counts).
std::vector<Session> sessions_of(const BudgetRecord& b, const Config& config);
// The ledger's sessions submitted on or after `since` that count (quantity > 0).
std::vector<Session> sessions_of(const ProviderLedger& s, const Config& config, Date since);

// The longest window of any weekly limit configured, in days; 0 when none is.
uint32_t longest_limit_days(const Config& config) noexcept;

class SessionRegister {
public:
    // Replaces what the register holds for the provider's session's budget and practice.
    void set(ProviderId provider, const Session& s);
    // After `e` was folded into `after` (the provider's ledger): its budget's sessions again.
    void apply(ProviderId provider, const ProviderLedger& after, const Event& e, const Config& config);
    // Sessions of the practice for the affiliate submitted on or after `since` at providers
    // other than `except`.
    uint32_t count(const ObraSocialId& obra_social, const std::string& affiliate_number, const std::string& practice_code, Date since,
                   ProviderId except) const;
    // Forgets sessions before `day`: no limit's window reaches them.
    void forget_before(Date day);
    size_t size() const noexcept;

private:
    using Who = std::tuple<ObraSocialId, std::string, std::string>;  // obra social, affiliate, practice
    using Holder = std::pair<ProviderId, TransactionKey>;
    struct Held {
        Date day;
        uint32_t quantity = 0;
    };
    std::map<Who, std::map<Holder, Held>> by_affiliate_;
};

}  // namespace liquida::domain
