#include "domain/decide.h"

#include <type_traits>

#include "domain/money.h"

namespace liquida::domain {

Decision decide(const ProviderLedger& s, const Command& c, TimestampMs now, const Config& config, const Colegio& colegio) {
    // Sums folded from the log did not fit: no decision on them, nor on anything else.
    if (overflowed(s)) return failure<DomainError>{money::overflow("provider")};
    return std::visit(
        [&](const auto& command) {
            if constexpr (std::is_same_v<std::decay_t<decltype(command)>, SubmitBudget>) return decide(s, command, now, config, colegio);
            else return decide(s, command, now, config);
        },
        c);
}

}  // namespace liquida::domain
