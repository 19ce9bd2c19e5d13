#include "domain/decide.h"

namespace liquida::domain {

Decision decide(const ProviderLedger& s, const Command& c, TimestampMs now, const Config& config) {
    return std::visit([&](const auto& command) { return decide(s, command, now, config); }, c);
}

}  // namespace liquida::domain
