// The Kafka log against librdkafka's mock cluster: topic checks, batches left half-written, and
// faults injected with rd_kafka_mock_*. All on 127.0.0.1; every wait bounded.
#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <thread>

#include "events/kafka_log.h"
#include "events/kafka_mock.h"
#include "tests/support/dead_writer.h"

using namespace liquida;
using namespace liquida::events;
using namespace std::chrono_literals;

namespace {

constexpr int16_t kProduce = 0;  // Kafka ApiKey of ProduceRequest

struct Cluster {
    std::unique_ptr<MockCluster> mock;
    explicit Cluster(int brokers) {
        auto c = MockCluster::start(brokers);
        REQUIRE(c.has_value());
        mock = std::move(*c);
    }
    // Fast retries so faults resolve in test time; quiet about the errors we cause.
    KafkaLogOptions options(std::vector<TopicSpec> topics, std::chrono::milliseconds timeout = 10s) const {
        return KafkaLogOptions{mock->bootstrap(),
                               std::move(topics),
                               1,
                               {{"log_level", "2"},
                                {"retry.backoff.ms", "20"},
                                {"reconnect.backoff.ms", "20"},
                                {"reconnect.backoff.max.ms", "200"},
                                {"topic.metadata.refresh.interval.ms", "500"}},
                               timeout};
    }
    std::unique_ptr<EventLog> open(std::vector<TopicSpec> topics, std::chrono::milliseconds timeout = 10s) {
        for (const auto& t : topics) REQUIRE(mock->create_topic(t.name, t.partitions, 1));
        auto log = open_kafka_log(options(std::move(topics), timeout));
        if (!log) FAIL(log.error().message);
        return std::move(*log);
    }
};

AppendBatch batch(int32_t partition, const std::string& id, int records, std::string key = {}) {
    AppendBatch b{{"f", partition}, std::move(key), {}};
    for (int i = 0; i < records; ++i)
        b.records.push_back(Record{"provider-1", id + "#" + std::to_string(i), 1000 + i, {{"liquida.kind", "test"}}});
    return b;
}

// Value -> how many times it is in the partition.
std::map<std::string, int> contents(EventLog& log, int32_t partition) {
    auto all = log.read({"f", partition}, 0, 1'000'000);
    REQUIRE(all);
    std::map<std::string, int> seen;
    for (const auto& r : *all) ++seen[r.record.value];
    return seen;
}

}  // namespace

TEST_CASE("kafka log: missing topics are refused clearly, existing ones must match", "[events][kafka]") {
    Cluster c(1);
    SECTION("the mock has no CreateTopics: the error names the topic") {
        auto log = open_kafka_log(c.options({{"f", 2}}, 1500ms));
        REQUIRE_FALSE(log);
        CHECK(log.error().code == errc::io_error);
        CHECK(log.error().message.find("'f'") != std::string::npos);
    }
    SECTION("another partition count is a config mismatch") {
        REQUIRE(c.mock->create_topic("f", 3));
        auto log = open_kafka_log(c.options({{"f", 2}}));
        REQUIRE_FALSE(log);
        CHECK(log.error().code == errc::config_mismatch);
        CHECK(log.error().message.find("3 partitions") != std::string::npos);
    }
    SECTION("existing topics with their partitions are used as they are") {
        auto log = c.open({{"f", 3}});
        auto r = log->append(batch(2, "p2", 2));
        REQUIRE(r);
        CHECK(r->tp.partition == 2);
        CHECK(*log->end_offset({"f", 2}) == 2);
    }
    SECTION("idempotence and acks=all cannot be turned off") {
        auto options = c.options({{"f", 1}});
        options.properties["acks"] = "1";
        CHECK(open_kafka_log(options).error().code == errc::invalid_argument);
    }
    SECTION("a topic prefix names the Kafka topics; records read back carry our names") {
        REQUIRE(c.mock->create_topic("staging.f", 2));
        auto options = c.options({{"f", 2}});
        options.topic_prefix = "staging.";
        auto log = open_kafka_log(options);
        REQUIRE(log.has_value());
        REQUIRE((*log)->append(batch(1, "p1", 2)));
        auto read = (*log)->read({"f", 1}, 0, 10);
        REQUIRE(read);
        REQUIRE(read->size() == 2);
        CHECK(read->front().tp == TopicPartition{"f", 1});
        CHECK(*(*log)->end_offset({"f", 1}) == 2);
        // Not in the unprefixed topic, which the mock has no other way to show than by absence.
        REQUIRE(c.mock->create_topic("f", 2));
        auto plain = c.open({{"f", 2}});
        CHECK(*plain->end_offset({"f", 1}) == 0);
    }
    SECTION("a prefix that would make a name Kafka refuses is refused at open") {
        auto options = c.options({{"f", 1}});
        for (const std::string& bad : {std::string("a/b."), std::string("x y"), std::string(250, 'p')}) {
            options.topic_prefix = bad;
            auto log = open_kafka_log(options);
            REQUIRE_FALSE(log);
            CHECK(log.error().code == errc::invalid_argument);
        }
    }
}

TEST_CASE("kafka log: faults never lose or duplicate an acknowledged batch", "[events][kafka]") {
    Cluster c(3);
    auto log = c.open({{"f", 2}}, 3s);
    rd_kafka_mock_cluster_t* mock = c.mock->raw();
    std::map<std::string, int> acknowledged;  // batch id -> records
    std::vector<std::string> refused;
    auto append = [&](int32_t partition, const std::string& id, int n, const std::string& key = {}) {
        auto r = log->append(batch(partition, id, n, key));
        if (r && !r->duplicate) acknowledged[id] = n;
        return r;
    };

    SECTION("retriable produce errors: appended exactly once") {
        rd_kafka_mock_push_request_errors(mock, kProduce, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
        REQUIRE(append(0, "retriable", 3));
        rd_kafka_mock_push_request_errors(mock, kProduce, 1, RD_KAFKA_RESP_ERR__TRANSPORT);  // disconnect
        REQUIRE(append(0, "disconnect", 2));
    }
    SECTION("a non-retriable error is reported and not acknowledged; the log keeps working") {
        rd_kafka_mock_push_request_errors(mock, kProduce, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
        auto r = append(0, "denied", 2);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == errc::io_error);
        refused.push_back("denied");
        auto after = append(0, "after-denied", 1);
        if (!after) FAIL(after.error().message);
    }
    SECTION("persistent errors time out the append; the caller finishes it, sees it did not land, and appends once") {
        std::vector<rd_kafka_resp_err_t> errors(2000, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
        rd_kafka_mock_push_request_errors_array(mock, kProduce, errors.size(), errors.data());
        auto r = append(1, "persistent", 2, "cmd-p");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == errc::io_error);
        rd_kafka_mock_clear_request_errors(mock, kProduce);
        // What a writer does (service/command_service.cc): decide what is pending, then look.
        REQUIRE(log->finish_pending_appends());
        CHECK(contents(*log, 1).count("persistent#0") == 0);
        REQUIRE(append(1, "persistent", 2, "cmd-p"));
    }
    SECTION("brokers down, then up: the append waits and succeeds") {
        REQUIRE(rd_kafka_mock_broker_set_down(mock, -1) == RD_KAFKA_RESP_ERR_NO_ERROR);
        std::thread up([&] {
            std::this_thread::sleep_for(300ms);
            rd_kafka_mock_broker_set_up(mock, -1);
        });
        auto r = append(0, "while-down", 2);
        up.join();
        REQUIRE(r);
    }
    SECTION("leader changes between appends") {
        for (int32_t leader = 1; leader <= 3; ++leader) {
            REQUIRE(rd_kafka_mock_partition_set_leader(mock, "f", 0, leader) == RD_KAFKA_RESP_ERR_NO_ERROR);
            REQUIRE(append(0, "leader-" + std::to_string(leader), 2));
        }
    }
    SECTION("round-trip time delays but does not fail an append") {
        rd_kafka_mock_broker_set_rtt(mock, -1, 200);
        const auto start = std::chrono::steady_clock::now();
        REQUIRE(append(0, "slow", 2));
        CHECK(std::chrono::steady_clock::now() - start >= 200ms);
        rd_kafka_mock_broker_set_rtt(mock, -1, 0);
    }

    std::map<std::string, int> seen;
    for (int32_t p = 0; p < 2; ++p)
        for (const auto& [value, n] : contents(*log, p)) seen[value] += n;
    for (const auto& [id, n] : acknowledged)
        for (int i = 0; i < n; ++i) CHECK(seen[id + "#" + std::to_string(i)] == 1);
    for (const auto& id : refused) CHECK(seen.count(id + "#0") == 0);
}

TEST_CASE("kafka log: a batch left half-written is not readable until decided, then read as aborted", "[events][kafka]") {
    Cluster c(1);
    auto log = c.open({{"f", 1}});
    const TopicPartition tp{"f", 0};
    REQUIRE(log->append(batch(0, "before", 2, "cmd-before")));

    // A writer dies after two records of a three-record batch.
    liquida::test::DeadWriter dead(c.mock->bootstrap());
    dead.write_prefix(tp, batch(0, "dead", 2).records, 3, "cmd-dead");
    auto readable = [&](EventLog& l) {
        auto all = l.read(tp, 0, 100);
        REQUIRE(all);
        return *all;
    };
    // Undecided: the readable end stops before it, for this log and for one opened now.
    CHECK(log->end_offset(tp).value() == 2);
    CHECK(readable(*log).size() == 2);
    CHECK_FALSE(log->wait_for(tp, 2, 100ms));
    {
        auto other = open_kafka_log(c.options({{"f", 1}}));
        REQUIRE(other);
        CHECK((*other)->end_offset(tp).value() == 2);
    }

    // The next batch decides it: aborted, read with the flag; the log goes on.
    auto next = log->append(batch(0, "next", 1, "cmd-next"));
    REQUIRE(next);
    CHECK(next->base_offset == 4);
    CHECK(log->end_offset(tp).value() == 5);
    const auto all = readable(*log);
    REQUIRE(all.size() == 5);
    std::vector<bool> aborted;
    for (const auto& r : all) aborted.push_back(r.aborted);
    CHECK(aborted == std::vector<bool>{false, false, true, true, false});
    CHECK(all[2].record.value == "dead#0");
    // A read starting inside the aborted range still flags it.
    auto from3 = log->read(tp, 3, 10);
    REQUIRE(from3);
    REQUIRE(from3->size() == 2);
    CHECK(from3->front().aborted);
    CHECK_FALSE(from3->back().aborted);

    // The dead command was never acknowledged: its retry appends it whole.
    auto retry = log->append(batch(0, "dead", 3, "cmd-dead"));
    REQUIRE(retry);
    CHECK(retry->base_offset == 5);
    // A log opened now sees the same, decided from the records alone.
    auto summary = [](const std::vector<StoredRecord>& records) {
        std::vector<std::tuple<int64_t, std::string, bool>> out;
        for (const auto& r : records) out.emplace_back(r.offset, r.record.value, r.aborted);
        return out;
    };
    const auto decided = summary(readable(*log));
    auto reopened = open_kafka_log(c.options({{"f", 1}}));
    REQUIRE(reopened);
    CHECK((*reopened)->end_offset(tp).value() == 8);
    CHECK(records_fetched(**reopened) <= 8);  // its look back
    const auto reread = readable(**reopened);
    CHECK(summary(reread) == decided);
    std::map<std::string, int> kept;
    for (const auto& r : reread)
        if (!r.aborted) ++kept[r.record.value];
    CHECK(kept == std::map<std::string, int>{{"before#0", 1}, {"before#1", 1}, {"next#0", 1}, {"dead#0", 1}, {"dead#1", 1}, {"dead#2", 1}});
}
