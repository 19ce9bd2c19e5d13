#include "domain/sessions.h"

#include <algorithm>
#include <type_traits>

namespace liquida::domain {

std::vector<Session> sessions_of(const BudgetRecord& b, const Config& config) {
    std::vector<Session> out;
    const ObraSocialConfig* os = config.obra_social(b.submitted.obra_social);
    if (os == nullptr) return out;
    for (const BudgetItemRecord& r : b.items) {
        const PracticeConfig* p = os->practice(r.item.practice_code);
        if (p == nullptr || !p->weekly_limit) continue;
        auto it = std::find_if(out.begin(), out.end(), [&](const Session& s) { return s.practice_code == r.item.practice_code; });
        if (it == out.end()) {
            out.push_back(Session{b.submitted.obra_social, b.submitted.affiliate_number, r.item.practice_code,
                                  key_of(b.submitted.transaction), local_date(b.submitted_at), 0});
            it = out.end() - 1;
        }
        if (b.status != BudgetStatus::cancelled && !r.cancelled && r.result != ItemResult::rechazada) it->quantity += r.item.quantity;
    }
    return out;
}

std::vector<Session> sessions_of(const ProviderLedger& s, const Config& config, Date since) {
    std::vector<Session> out;
    for (const auto& [key, b] : s.authorizations.budgets) {
        if (local_date(b.submitted_at) < since) continue;
        for (Session& one : sessions_of(b, config))
            if (one.quantity > 0) out.push_back(std::move(one));
    }
    return out;
}

uint32_t longest_limit_days(const Config& config) noexcept {
    uint32_t days = 0;
    for (const ObraSocialConfig& os : config.obras_sociales)
        for (const PracticeConfig& p : os.practices)
            if (p.weekly_limit) days = std::max(days, p.weekly_limit->days);
    return days;
}

void SessionRegister::set(ProviderId provider, const Session& s) {
    const Who who{s.obra_social, s.affiliate_number, s.practice_code};
    const Holder holder{provider, s.transaction};
    if (s.quantity > 0) {
        by_affiliate_[who][holder] = Held{s.day, s.quantity};
        return;
    }
    auto it = by_affiliate_.find(who);
    if (it == by_affiliate_.end()) return;
    it->second.erase(holder);
    if (it->second.empty()) by_affiliate_.erase(it);
}

void SessionRegister::apply(ProviderId provider, const ProviderLedger& after, const Event& e, const Config& config) {
    std::visit(
        [&](const auto& ev) {
            if constexpr (requires { ev.transaction; }) {
                static_assert(std::is_same_v<std::decay_t<decltype(ev.transaction)>, TransactionRef>);
                auto b = after.authorizations.budgets.find(key_of(ev.transaction));
                if (b == after.authorizations.budgets.end()) return;
                for (const Session& s : sessions_of(b->second, config)) set(provider, s);
            }
        },
        e);
}

uint32_t SessionRegister::count(const ObraSocialId& obra_social, const std::string& affiliate_number, const std::string& practice_code,
                                Date since, ProviderId except) const {
    auto it = by_affiliate_.find(Who{obra_social, affiliate_number, practice_code});
    if (it == by_affiliate_.end()) return 0;
    uint32_t n = 0;
    for (const auto& [holder, held] : it->second)
        if (holder.first != except && held.day >= since) n += held.quantity;
    return n;
}

void SessionRegister::forget_before(Date day) {
    for (auto it = by_affiliate_.begin(); it != by_affiliate_.end();) {
        std::erase_if(it->second, [&](const auto& h) { return h.second.day < day; });
        it = it->second.empty() ? by_affiliate_.erase(it) : std::next(it);
    }
}

size_t SessionRegister::size() const noexcept {
    size_t n = 0;
    for (const auto& [who, held] : by_affiliate_) n += held.size();
    return n;
}

}  // namespace liquida::domain
