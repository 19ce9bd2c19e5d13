#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>

#include <random>
#include <set>

#include "events/topics.h"

using namespace liquida;
using namespace liquida::events;

TEST_CASE("murmur2 matches Kafka's Java client vectors", "[events][topics]") {
    // From Kafka's UtilsTest: the values the Java producer computes for these keys.
    CHECK(static_cast<int32_t>(murmur2("21")) == -973932308);
    CHECK(static_cast<int32_t>(murmur2("foobar")) == -790332482);
    CHECK(static_cast<int32_t>(murmur2("a-little-bit-long-string")) == -985981536);
    CHECK(static_cast<int32_t>(murmur2("a-little-bit-longer-string")) == -1486304829);
    CHECK(static_cast<int32_t>(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
    CHECK(static_cast<int32_t>(murmur2("abc")) == 479470107);
}

TEST_CASE("partitions agree with librdkafka's murmur2 partitioner", "[events][topics]") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
        const std::string key = partition_key(domain::ProviderId{rng() % 1'000'000});
        for (int32_t n : {1, 3, 8, 12}) {
            const int32_t theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), n, nullptr, nullptr);
            REQUIRE(partition_for(key, n) == theirs);
        }
    }
}

TEST_CASE("every event kind maps to one of the four topics", "[events][topics]") {
    std::set<std::string_view> seen;
    auto each = [&]<size_t... I>(std::index_sequence<I...>) {
        (seen.insert(topic_name(topic_for(domain::Event{std::in_place_index<I>}))), ...);
    };
    each(std::make_index_sequence<domain::kEventKinds>{});
    CHECK(seen == std::set<std::string_view>{"liquida.padron", "liquida.orders", "liquida.authorizations", "liquida.billing"});
    CHECK(topic_for(domain::OrderLoaded{}) == Topic::orders);
    CHECK(topic_for(domain::PracticeConsumed{}) == Topic::authorizations);
    CHECK(topic_for(domain::DebitApplied{}) == Topic::billing);
    CHECK(topic_for(domain::DocumentExpired{}) == Topic::padron);
}
