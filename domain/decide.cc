#include "domain/decide.h"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

#include "domain/money.h"

namespace liquida::domain {
namespace {

template <size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> command_names(std::index_sequence<I...>) {
    return {kCommandName<std::variant_alternative_t<I, Command>>...};
}
constexpr auto kCommandNames = command_names(std::make_index_sequence<std::variant_size_v<Command>>{});
static_assert(std::none_of(kCommandNames.begin(), kCommandNames.end(), [](std::string_view n) { return n.empty(); }),
              "every command kind needs its kCommandName (domain/commands.h)");

}  // namespace

std::string_view command_name(size_t index) noexcept { return index < kCommandNames.size() ? kCommandNames[index] : "unknown"; }

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
