// Which topic an event goes to, and which partition a provider's events go to.
// One provider's history is totally ordered within each topic.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/types.h"

namespace liquida::events {

enum class Topic : uint8_t { padron = 0, orders = 1, authorizations = 2, billing = 3 };
inline constexpr std::array kAllTopics{Topic::padron, Topic::orders, Topic::authorizations, Topic::billing};

// "liquida.padron", "liquida.orders", "liquida.authorizations", "liquida.billing".
std::string_view topic_name(Topic t) noexcept;
Topic topic_for(const domain::Event& e);

// The record key of a provider's events: its id in decimal ("1042").
std::string partition_key(domain::ProviderId provider);

// Kafka's default partitioner (murmur2 of the key, as the Java clients do), so every client
// agrees on where a key lives.
uint32_t murmur2(std::string_view key) noexcept;
int32_t partition_for(std::string_view key, int32_t partitions) noexcept;

struct TopicSpec;
// The four topics, each with `partitions` partitions.
std::vector<TopicSpec> default_topics(int32_t partitions);

}  // namespace liquida::events
