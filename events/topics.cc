#include "events/topics.h"

#include <variant>

#include "events/log.h"

namespace liquida::events {

std::string_view topic_name(Topic t) noexcept {
    switch (t) {
        case Topic::padron: return "liquida.padron";
        case Topic::orders: return "liquida.orders";
        case Topic::authorizations: return "liquida.authorizations";
        case Topic::billing: return "liquida.billing";
    }
    return "liquida.unknown";
}

Topic topic_for(const domain::Event& e) noexcept {
    using namespace domain;
    return std::visit(
        []<class E>(const E&) {
            if constexpr (std::is_same_v<E, OrderLoaded> || std::is_same_v<E, OrderApproved> ||
                          std::is_same_v<E, OrderRejected> || std::is_same_v<E, OrderDeferred>)
                return Topic::orders;
            else if constexpr (std::is_same_v<E, EligibilityChecked> || std::is_same_v<E, TokenIssued> ||
                               std::is_same_v<E, BudgetSubmitted> || std::is_same_v<E, BudgetAuthorized> ||
                               std::is_same_v<E, BudgetSentToAudit> || std::is_same_v<E, PracticeConsumed> ||
                               std::is_same_v<E, TransactionCancelled>)
                return Topic::authorizations;
            else if constexpr (std::is_same_v<E, ProviderRegistered> || std::is_same_v<E, ProviderUpdated> ||
                               std::is_same_v<E, ProviderAdhered> || std::is_same_v<E, DocumentUploaded> ||
                               std::is_same_v<E, DocumentVerified> || std::is_same_v<E, DocumentExpired> ||
                               std::is_same_v<E, PadronEnrolled> || std::is_same_v<E, PadronLeft>)
                return Topic::padron;
            else if constexpr (std::is_same_v<E, InvoiceIssued> || std::is_same_v<E, InvoiceSent> ||
                               std::is_same_v<E, InvoiceObserved> || std::is_same_v<E, InvoiceAccepted> ||
                               std::is_same_v<E, InvoiceRejected> || std::is_same_v<E, InvoiceIngresada> ||
                               std::is_same_v<E, DebitApplied> || std::is_same_v<E, DebitAnalysisResolved> ||
                               std::is_same_v<E, CreditNoteIssued> || std::is_same_v<E, PaymentOrderIssued> ||
                               std::is_same_v<E, RetentionApplied> || std::is_same_v<E, ProviderPaid>)
                return Topic::billing;
            else
                static_assert(sizeof(E) == 0, "topic_for: a new event kind needs its topic here");  // no default topic
        },
        e);
}

std::string partition_key(domain::ProviderId provider) { return std::to_string(provider.value()); }

uint32_t murmur2(std::string_view key) noexcept {
    // Kafka's Utils.murmur2: seed 0x9747b28c, 4-byte little-endian blocks.
    constexpr uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    const auto* data = reinterpret_cast<const uint8_t*>(key.data());
    const auto length = static_cast<uint32_t>(key.size());
    uint32_t h = 0x9747b28c ^ length;
    const uint32_t blocks = length / 4;
    for (uint32_t i = 0; i < blocks; ++i) {
        const uint8_t* p = data + 4 * i;
        uint32_t k = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                     static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t* tail = data + 4 * blocks;
    switch (length % 4) {
        case 3: h ^= static_cast<uint32_t>(tail[2]) << 16; [[fallthrough]];
        case 2: h ^= static_cast<uint32_t>(tail[1]) << 8; [[fallthrough]];
        case 1:
            h ^= tail[0];
            h *= m;
            break;
        default: break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t partition_for(std::string_view key, int32_t partitions) noexcept {
    if (partitions <= 0) return 0;
    return static_cast<int32_t>((murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

std::vector<TopicSpec> default_topics(int32_t partitions) {
    std::vector<TopicSpec> out;
    for (Topic t : kAllTopics) out.push_back(TopicSpec{std::string(topic_name(t)), partitions});
    return out;
}

}  // namespace liquida::events
