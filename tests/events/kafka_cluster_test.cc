// The Kafka log against broker failures on the real 3-node cluster ctest starts
// (tests/support/kafka_cluster.h): replication factor 3, min.insync.replicas 2, acks=all and
// the idempotent producer. Brokers are SIGKILL'd and restarted here, so these tests hold the
// cluster alone (RESOURCE_LOCK in tests/CMakeLists.txt). Every wait is bounded.
// Not here yet: appends below min.insync.replicas. An append that timed out there can land
// after its retry was sealed (events/README.md, "Kafka backend"); transactions will make its
// fate certain.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "events/chain.h"
#include "events/kafka_log.h"
#include "tests/support/kafka_cluster.h"

using namespace liquida;
using namespace liquida::events;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRecordsPerBatch = 3;

// A log on topic "f" (one partition) under a prefix of the test's own. Short backoffs so a
// leader change is noticed in test time; `timeout` bounds each append.
struct Topic {
    std::string prefix = test::KafkaCluster::new_prefix();
    std::unique_ptr<EventLog> open(std::chrono::milliseconds timeout = 30s) const {
        KafkaLogOptions options{test::KafkaCluster::get().bootstrap(),
                                {{"f", 1}},
                                3,
                                {{"log_level", "2"},
                                 {"retry.backoff.ms", "50"},
                                 {"reconnect.backoff.ms", "50"},
                                 {"reconnect.backoff.max.ms", "500"},
                                 {"topic.metadata.refresh.interval.ms", "1000"}},
                                timeout,
                                prefix};
        auto log = open_kafka_log(options);
        if (!log) FAIL(log.error().message);
        return std::move(*log);
    }
    int leader() const { return test::KafkaCluster::get().leader(prefix + "f", 0); }
};

AppendBatch command(int i) {
    AppendBatch b{{"f", 0}, "cmd-" + std::to_string(i), {}};
    for (int r = 0; r < kRecordsPerBatch; ++r)
        b.records.push_back(Record{"provider", std::to_string(i) + "#" + std::to_string(r), 1000 + i, {}});
    return b;
}

// What a new client reads: each value of the history (aborted records left out) and how many
// times; the partition's hash chain checked over every record, aborted ones included.
std::map<std::string, int> history(const Topic& topic) {
    auto log = topic.open();
    const int64_t end = log->end_offset({"f", 0}).value();
    std::map<std::string, int> seen;
    ChainVerifier chain({"f", 0});
    for (int64_t from = 0; from < end;) {
        auto records = log->read({"f", 0}, from, 1000);
        REQUIRE(records.has_value());
        REQUIRE_FALSE(records->empty());
        for (const StoredRecord& r : *records) {
            INFO("offset " << r.offset);
            REQUIRE(chain.feed(r));
            if (!r.aborted) ++seen[r.record.value];
        }
        from = records->back().offset + 1;
    }
    return seen;
}

// Appends command(i) until it is acknowledged (a failed append is retried with its key, as the
// gateway's caller would), or `deadline` passes.
bool append_until_acknowledged(EventLog& log, int i, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
        if (log.append(command(i))) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

}  // namespace

TEST_CASE("kafka cluster: the leader SIGKILL'd during appends loses no acknowledged batch and doubles none",
          "[events][kafka][cluster]") {
    const auto& cluster = test::KafkaCluster::get();
    Topic topic;
    // Appends go on through the whole failure: before the kill, while the partition has no
    // leader, on the new leader, and after the old one is back.
    std::atomic<int> acknowledged{0};
    std::atomic<bool> stop{false};
    int appended = 0;
    std::set<int> failed;
    auto wait_acknowledged = [&](int more) {
        const int target = acknowledged + more;
        const auto until = Clock::now() + 120s;
        while (acknowledged < target && Clock::now() < until) std::this_thread::sleep_for(10ms);
        return acknowledged >= target;
    };
    {
        auto log = topic.open();
        std::thread appender([&] {
            const auto deadline = Clock::now() + 240s;
            for (; !stop && Clock::now() < deadline; ++appended)
                if (append_until_acknowledged(*log, appended, deadline)) ++acknowledged;
                else failed.insert(appended);
        });
        REQUIRE(wait_acknowledged(30));
        const int leader = topic.leader();
        REQUIRE(leader > 0);
        cluster.kill(leader);
        const auto until = Clock::now() + 60s;
        while (topic.leader() == leader && Clock::now() < until) std::this_thread::sleep_for(100ms);
        CHECK(topic.leader() != leader);
        CHECK(wait_acknowledged(30));  // on the new leader
        cluster.restart(leader);
        CHECK(wait_acknowledged(30));
        stop = true;
        appender.join();
    }
    INFO("appended " << appended << ", acknowledged " << acknowledged << ", gave up on " << failed.size());
    CHECK(failed.empty());
    CHECK(acknowledged == appended);
    const auto seen = history(topic);
    for (int i = 0; i < appended; ++i)
        for (int r = 0; r < kRecordsPerBatch; ++r) {
            INFO("command " << i << " record " << r);
            CHECK(seen.count(std::to_string(i) + "#" + std::to_string(r)) == 1);
        }
    for (const auto& [value, times] : seen) {
        INFO(value);
        CHECK(times == 1);
    }
}

TEST_CASE("kafka cluster: topics the log creates keep every record (no retention) on 3 replicas", "[events][kafka][cluster]") {
    const auto& cluster = test::KafkaCluster::get();
    Topic topic;
    auto log = topic.open();
    // Back-dated records (a replayed or simulated month) would be the first to go under the
    // brokers' default retention of 7 days by record time.
    REQUIRE(log->append(command(0)));
    const std::string described = cluster.run("java org.apache.kafka.tools.TopicCommand --bootstrap-server " + cluster.bootstrap() +
                                                   " --describe --topic '" + topic.prefix + "f'",
                                               120);
    INFO(described);
    CHECK(described.find("ReplicationFactor: 3") != std::string::npos);
    CHECK(described.find("retention.ms=-1") != std::string::npos);
    CHECK(described.find("retention.bytes=-1") != std::string::npos);
}
