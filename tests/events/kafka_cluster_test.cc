// The Kafka log against broker failures on the real 3-node cluster ctest starts
// (tests/support/kafka_cluster.h): replication factor 3, min.insync.replicas 2, acks=all and
// the log's transactions. Brokers are SIGKILL'd and restarted here, so these tests hold the
// cluster alone (RESOURCE_LOCK in tests/CMakeLists.txt). Every wait is bounded.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
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
    std::unique_ptr<EventLog> open(std::chrono::milliseconds timeout = 30s, std::string transactional_id = {}) const {
        KafkaLogOptions options{test::KafkaCluster::get().bootstrap(),
                                {{"f", 1}},
                                3,
                                {{"log_level", "2"},
                                 {"retry.backoff.ms", "50"},
                                 {"reconnect.backoff.ms", "50"},
                                 {"reconnect.backoff.max.ms", "500"},
                                 {"topic.metadata.refresh.interval.ms", "1000"}},
                                timeout,
                                prefix,
                                std::move(transactional_id)};
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

// What a new client reads of one partition: each value of the history and how many times; the
// partition's hash chain checked over it.
std::map<std::string, int> history(EventLog& log, const TopicPartition& tp = {"f", 0}) {
    const int64_t end = log.end_offset(tp).value();
    std::map<std::string, int> seen;
    ChainVerifier chain(tp);
    for (int64_t from = 0; from < end;) {
        auto records = log.read(tp, from, 1000);
        REQUIRE(records.has_value());
        REQUIRE_FALSE(records->empty());
        for (const StoredRecord& r : *records) {
            const bool linked = chain.feed(r);
            INFO("offset " << r.offset << ": " << (linked ? "" : chain.broken()->reason));
            REQUIRE(linked);
            if (!r.aborted) ++seen[r.record.value];
        }
        from = records->back().offset + 1;
    }
    return seen;
}

// Whether a client reads `value` in tp now; nothing when it cannot tell.
std::optional<bool> holds(EventLog& log, const TopicPartition& tp, const std::string& value) {
    auto end = log.end_offset(tp);
    if (!end) return std::nullopt;
    for (int64_t from = 0; from < *end;) {
        auto records = log.read(tp, from, 1000);
        if (!records) return std::nullopt;
        if (records->empty()) break;
        for (const StoredRecord& r : *records)
            if (!r.aborted && r.record.value == value) return true;
        from = records->back().offset + 1;
    }
    return false;
}

// Appends `batches` until they are in the log, as a writer does (service/command_service.cc):
// after a failed append it has the log decide what is pending, then looks whether they landed
// (by `first`, the value of their first record in tp) before it appends again. False when
// `deadline` passes first.
bool append_once(EventLog& log, const std::vector<AppendBatch>& batches, const TopicPartition& tp, const std::string& first,
                 Clock::time_point deadline) {
    for (bool failed = false; Clock::now() < deadline;) {
        if (failed) {
            std::optional<bool> landed;
            if (log.finish_pending_appends()) landed = holds(log, tp, first);
            if (!landed) {
                std::this_thread::sleep_for(100ms);
                continue;
            }
            if (*landed) return true;
        }
        if (log.append_all(batches)) return true;
        failed = true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

bool append_until_acknowledged(EventLog& log, int i, Clock::time_point deadline) {
    return append_once(log, {command(i)}, {"f", 0}, std::to_string(i) + "#0", deadline);
}

}  // namespace

TEST_CASE("kafka cluster: the leader SIGKILL'd during appends loses no acknowledged batch and doubles none", "[events][kafka][cluster]") {
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
    const auto seen = history(*topic.open());
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

TEST_CASE("kafka cluster: the log refuses to open on an existing topic that would delete records", "[events][kafka][cluster]") {
    const auto& cluster = test::KafkaCluster::get();
    const std::vector<std::pair<std::string, std::string>> deleting{
        {"--config retention.ms=604800000", "retention.ms=604800000"},  // as the brokers' default would
        {"--config retention.ms=-1 --config retention.bytes=1048576", "retention.bytes=1048576"},
        {"--config retention.ms=-1 --config cleanup.policy=compact", "cleanup.policy=compact"},
    };
    for (const auto& [config, named] : deleting) {
        Topic topic;
        cluster.run("java org.apache.kafka.tools.TopicCommand --bootstrap-server " + cluster.bootstrap() + " --create --topic '" +
                        topic.prefix + "f' --partitions 1 --replication-factor 3 " + config,
                    120);
        KafkaLogOptions options{cluster.bootstrap(), {{"f", 1}}, 3, {{"log_level", "0"}}, 30s, topic.prefix};
        auto log = open_kafka_log(options);
        REQUIRE_FALSE(log.has_value());
        INFO(log.error().message);
        CHECK(log.error().code == errc::config_mismatch);
        CHECK(log.error().message.find(named) != std::string::npos);
        CHECK(log.error().message.find(topic.prefix + "f") != std::string::npos);
    }
    // Kept forever: opens.
    Topic kept;
    cluster.run("java org.apache.kafka.tools.TopicCommand --bootstrap-server " + cluster.bootstrap() + " --create --topic '" + kept.prefix +
                    "f' --partitions 1 --replication-factor 3 --config retention.ms=-1 --config retention.bytes=-1",
                120);
    REQUIRE(kept.open()->append(command(0)));
}

TEST_CASE("kafka cluster: below min.insync.replicas a command on two topics is refused whole, and its retry lands once",
          "[events][kafka][cluster]") {
    const auto& cluster = test::KafkaCluster::get();
    const std::string prefix = test::KafkaCluster::new_prefix();
    // "g" needs all 3 replicas in sync; "f" keeps the cluster's 2.
    cluster.run("java org.apache.kafka.tools.TopicCommand --bootstrap-server " + cluster.bootstrap() + " --create --topic '" + prefix +
                    "g' --partitions 1 --replication-factor 3 --config min.insync.replicas=3 --config retention.ms=-1",
                120);
    auto open = [&] {
        KafkaLogOptions options{cluster.bootstrap(),
                                {{"f", 1}, {"g", 1}},
                                3,
                                {{"log_level", "0"}, {"retry.backoff.ms", "50"}, {"topic.metadata.refresh.interval.ms", "1000"}},
                                10s,
                                prefix};
        auto log = open_kafka_log(options);
        if (!log) FAIL(log.error().message);
        return std::move(*log);
    };
    auto command_on_both = [](const std::string& id) {
        std::vector<AppendBatch> both;
        for (const char* topic : {"f", "g"}) {
            AppendBatch b{{topic, 0}, id + "/" + topic, {}};
            for (int r = 0; r < kRecordsPerBatch; ++r)
                b.records.push_back(Record{"provider", id + "@" + topic + "#" + std::to_string(r), 1000, {}});
            both.push_back(std::move(b));
        }
        return both;
    };
    auto log = open();
    REQUIRE(log->append_all(command_on_both("before")));
    const int64_t f_end = log->end_offset({"f", 0}).value();

    // A follower of g dies: g's records cannot be in sync on 3 replicas.
    const int g_leader = cluster.leader(prefix + "g", 0);
    REQUIRE(g_leader > 0);
    const int follower = g_leader % 3 + 1;
    cluster.kill(follower);
    auto refused = log->append_all(command_on_both("during"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::io_error);
    CHECK(refused.error().message.find("not acknowledged") != std::string::npos);
    // Nothing of it is readable on f, whose replicas were enough: the transaction is aborted.
    CHECK(log->end_offset({"f", 0}).value() == f_end);
    CHECK(history(*log, {"f", 0}).count("during@f#0") == 0);

    // The broker comes back; the caller's retry of the same command lands once, on both topics.
    cluster.restart(follower);
    REQUIRE(append_once(*log, command_on_both("during"), {"f", 0}, "during@f#0", Clock::now() + 120s));
    auto reader = open();
    for (const char* topic : {"f", "g"}) {
        INFO(topic);
        const auto seen = history(*reader, {topic, 0});
        for (const char* id : {"before", "during"})
            for (int r = 0; r < kRecordsPerBatch; ++r) CHECK(seen.count(std::string(id) + "@" + topic + "#" + std::to_string(r)) == 1);
        for (const auto& [value, times] : seen) {
            INFO(value);
            CHECK(times == 1);
        }
    }
}

TEST_CASE("kafka cluster: a second writer with the same transactional id fences the first, another installation does not",
          "[events][kafka][cluster]") {
    Topic topic;
    auto first = topic.open();
    REQUIRE(first->append(command(0)));
    auto second = topic.open();  // the default id, <prefix>liquida.writer: the same
    REQUIRE(second->append(command(1)));
    auto fenced = first->append(command(2));
    REQUIRE_FALSE(fenced);
    CHECK(fenced.error().code == errc::io_error);
    auto still = first->append(command(3));  // for good, with the reason
    REQUIRE_FALSE(still);
    CHECK(still.error().message.find("took over") != std::string::npos);

    // Another installation (its own prefix, so its own default id) writes beside it.
    Topic other;
    auto neighbour = other.open();
    REQUIRE(neighbour->append(command(10)));
    REQUIRE(second->append(command(4)));
    // The id is the option's: given this installation's id, a writer of the other fences it.
    auto thief = other.open(30s, topic.prefix + "liquida.writer");
    REQUIRE(thief->append(command(11)));
    CHECK_FALSE(second->append(command(5)));

    const auto seen = history(*topic.open());
    for (int i : {0, 1, 4}) CHECK(seen.count(std::to_string(i) + "#0") == 1);
    for (int i : {2, 3, 5}) CHECK(seen.count(std::to_string(i) + "#0") == 0);
}
