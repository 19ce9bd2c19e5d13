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

Topic topic_for(const domain::Event& e) {
    using namespace domain;
    return std::visit(
        []<class E>(const E&) {
            if constexpr (kind_of<E, OrderKinds>) return Topic::orders;
            else if constexpr (kind_of<E, AuthorizationKinds>) return Topic::authorizations;
            else if constexpr (kind_of<E, PadronKinds>) return Topic::padron;
            else if constexpr (kind_of<E, InvoiceKinds> || kind_of<E, PayoutKinds> || kind_of<E, PresentationKinds>) return Topic::billing;
            else static_assert(sizeof(E) == 0, "topic_for: a new list of kinds needs its topic here");  // no default topic
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
        uint32_t k = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
                     static_cast<uint32_t>(p[3]) << 24;
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
