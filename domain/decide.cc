#include "domain/decide.h"

#include "domain/money.h"

namespace liquida::domain {

Decision decide(const ProviderLedger& s, const Command& c, TimestampMs now, const Config& config) {
    // Sums folded from the log did not fit: no decision on them, nor on anything else.
    if (overflowed(s)) return failure<DomainError>{money::overflow("provider")};
    return std::visit([&](const auto& command) { return decide(s, command, now, config); }, c);
}

}  // namespace liquida::domain
