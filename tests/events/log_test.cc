#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "events/chain.h"
#include "events/kafka_log.h"
#include "events/kafka_mock.h"
#include "events/log.h"
#include "events/topics.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/temp_dir.h"

using namespace liquida;
using namespace liquida::events;
using namespace std::chrono_literals;

namespace {

std::vector<TopicSpec> two_topics() { return {{"a", 2}, {"b", 3}}; }

// One conformance suite, every backend: a backend opens (and reopens) a log on its storage.
// `dense`: consecutive appends get consecutive offsets. Not on a real Kafka cluster, where each
// transaction's commit marker takes an offset.
struct EmbeddedBackend {
    static constexpr bool dense = true;
    test::TempDir dir;
    std::unique_ptr<EventLog> open(std::vector<TopicSpec> topics = two_topics()) {
        auto log = open_embedded_log({dir.str(), std::move(topics), false});
        REQUIRE(log.has_value());
        return std::move(*log);
    }
};

// A mock Kafka cluster per backend; every open() is a new client on the same cluster, so a
// reopened log sees what the previous one wrote. The mock cannot create topics through the
// admin API (librdkafka 2.0.2), so they are created on the mock first.
struct KafkaBackend {
    static constexpr bool dense = true;  // the mock writes no transaction markers
    std::unique_ptr<MockCluster> cluster;
    KafkaBackend() {
        auto c = MockCluster::start(1);
        REQUIRE(c.has_value());
        cluster = std::move(*c);
    }
    std::unique_ptr<EventLog> open(std::vector<TopicSpec> topics = two_topics()) {
        for (const auto& t : topics) REQUIRE(cluster->create_topic(t.name, t.partitions));
        KafkaLogOptions options{cluster->bootstrap(), std::move(topics), 1, {{"log_level", "3"}}, 10s};
        auto log = open_kafka_log(options);
        if (!log) FAIL(log.error().message);
        return std::move(*log);
    }
};

// The real 3-node cluster ctest starts (replication factor 3, min.insync.replicas 2): each
// backend has topics of its own under a new prefix; every open() is a new client on them.
struct KafkaClusterBackend {
    static constexpr bool dense = false;
    std::string prefix = test::KafkaCluster::new_prefix();
    std::unique_ptr<EventLog> open(std::vector<TopicSpec> topics = two_topics()) {
        KafkaLogOptions options{test::KafkaCluster::get().bootstrap(), std::move(topics), 3, {{"log_level", "3"}}, 30s, prefix};
        auto log = open_kafka_log(options);
        if (!log) FAIL(log.error().message);
        return std::move(*log);
    }
};

std::unique_ptr<EventLog> open(const test::TempDir& dir, std::vector<TopicSpec> topics = two_topics()) {
    auto log = open_embedded_log({dir.str(), std::move(topics), false});
    REQUIRE(log.has_value());
    return std::move(*log);
}

Record rec(std::string value, int64_t ts = 0) { return Record{"k", std::move(value), ts, {{"h", "v"}}}; }

AppendBatch batch(std::string topic, int32_t partition, std::vector<Record> records, std::string key = {}) {
    return AppendBatch{{std::move(topic), partition}, std::move(key), std::move(records)};
}

}  // namespace

TEMPLATE_TEST_CASE("append then read returns records at increasing offsets, consecutive within a batch", "[events][log]", EmbeddedBackend,
                   KafkaBackend, KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    auto r1 = log->append(batch("a", 1, {rec("one", 10), rec("two", 11)}));
    REQUIRE(r1);
    CHECK(r1->base_offset == 0);
    CHECK(r1->count == 2);
    CHECK_FALSE(r1->duplicate);
    auto r2 = log->append(batch("a", 1, {rec("three", 12)}));
    REQUIRE(r2);
    CHECK(r2->base_offset >= 2);
    if constexpr (TestType::dense) CHECK(r2->base_offset == 2);
    const int64_t end = r2->base_offset + 1;
    CHECK(*log->end_offset({"a", 1}) == end);
    CHECK(*log->end_offset({"a", 0}) == 0);  // partitions are independent

    auto read = log->read({"a", 1}, 1, 10);
    REQUIRE(read);
    REQUIRE(read->size() == 2);
    CHECK((*read)[0].offset == 1);
    CHECK((*read)[0].record == rec("two", 11));
    CHECK((*read)[1].offset == r2->base_offset);
    CHECK((*read)[1].record.value == "three");
    CHECK(log->read({"a", 1}, end, 10)->empty());
    CHECK(log->read({"a", 1}, 0, 1)->size() == 1);
    // A read from between the batches starts at the next record.
    auto between = log->read({"a", 1}, 2, 10);
    REQUIRE(between);
    REQUIRE(between->size() == 1);
    CHECK(between->front().offset == r2->base_offset);
}

TEMPLATE_TEST_CASE("bad appends are rejected with a typed error and change nothing", "[events][log]", EmbeddedBackend, KafkaBackend,
                   KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    CHECK(log->append(batch("nope", 0, {rec("x")})).error().code == errc::invalid_argument);
    CHECK(log->append(batch("a", 2, {rec("x")})).error().code == errc::invalid_argument);
    CHECK(log->append(batch("a", -1, {rec("x")})).error().code == errc::invalid_argument);
    CHECK(log->append(batch("a", 0, {})).error().code == errc::invalid_argument);
    CHECK(log->read({"a", 0}, -1, 1).error().code == errc::offset_out_of_range);
    CHECK(*log->end_offset({"a", 0}) == 0);
}

TEST_CASE("closing and reopening keeps every record, other partition counts are refused", "[events][log]") {
    test::TempDir dir;
    {
        auto log = open(dir);
        for (int i = 0; i < 50; ++i) REQUIRE(log->append(batch("b", i % 3, {rec("v" + std::to_string(i), i)})));
    }
    auto log = open(dir);
    CHECK(*log->end_offset({"b", 0}) == 17);
    CHECK(*log->end_offset({"b", 1}) == 17);
    CHECK(*log->end_offset({"b", 2}) == 16);
    auto r = log->append(batch("b", 2, {rec("after")}));
    REQUIRE(r);
    CHECK(r->base_offset == 16);
    CHECK(log->read({"b", 0}, 0, 100)->at(16).record.value == "v48");
    log.reset();

    auto other = open_embedded_log({dir.str(), {{"a", 2}, {"b", 4}}, false});
    REQUIRE_FALSE(other);
    CHECK(other.error().code == errc::config_mismatch);
}

TEST_CASE("a follower reads the log beside its writer as it stood when opened, and takes no appends", "[events][log]") {
    test::TempDir dir, follower_files;
    auto writer = open(dir);
    for (int i = 0; i < 20; ++i) REQUIRE(writer->append(batch("b", i % 2, {rec("v" + std::to_string(i), i)})));
    // The writer holds the lock: a second writer is refused, a follower is not.
    REQUIRE_FALSE(open_embedded_log({dir.str(), two_topics(), false}));
    EmbeddedLogOptions options{dir.str(), two_topics(), false};
    options.follower_dir = follower_files.str();
    auto follower = open_embedded_log(options);
    REQUIRE(follower.has_value());
    CHECK(*(*follower)->end_offset({"b", 0}) == 10);
    CHECK((*follower)->read({"b", 1}, 0, 100)->at(9).record.value == "v19");
    CHECK(*(*follower)->offset_for_time({"b", 0}, 10) == 5);
    auto refused = (*follower)->append(batch("b", 0, {rec("no")}));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::invalid_argument);
    REQUIRE(writer->append(batch("b", 0, {rec("later", 30)})));
    CHECK(*(*follower)->end_offset({"b", 0}) == 10);  // what it opened on
    CHECK(*writer->end_offset({"b", 0}) == 11);

    EmbeddedLogOptions nothing{(dir.path() / "none").string(), two_topics(), false};
    nothing.follower_dir = follower_files.str();
    CHECK_FALSE(open_embedded_log(nothing));  // no log there to follow
}

TEMPLATE_TEST_CASE("concurrent appenders get increasing offsets and every record exactly once", "[events][log]", EmbeddedBackend,
                   KafkaBackend, KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open({{"t", 2}});
    constexpr int kThreads = 8;
    constexpr int kBatches = 150;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    // thread -> its results in order, to check each thread's own order is kept.
    std::vector<std::vector<AppendResult>> results(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int b = 0; b < kBatches; ++b) {
                std::vector<Record> records;
                for (int i = 0; i <= (t + b) % 4; ++i)
                    records.push_back(rec(std::to_string(t) + "/" + std::to_string(b) + "/" + std::to_string(i)));
                auto r = log->append(batch("t", t % 2, std::move(records)));
                if (!r) {
                    ++failures;
                    return;
                }
                results[static_cast<size_t>(t)].push_back(*r);
            }
        });
    }
    for (auto& th : threads) th.join();
    REQUIRE(failures == 0);

    std::set<std::string> seen;
    size_t expected_total = 0;
    for (int t = 0; t < kThreads; ++t)
        for (int b = 0; b < kBatches; ++b) expected_total += static_cast<size_t>((t + b) % 4 + 1);
    for (int32_t p = 0; p < 2; ++p) {
        auto all = log->read({"t", p}, 0, 1'000'000);
        REQUIRE(all);
        for (size_t i = 0; i < all->size(); ++i) {
            if constexpr (TestType::dense) REQUIRE((*all)[i].offset == static_cast<int64_t>(i));
            if (i > 0) REQUIRE((*all)[i].offset > (*all)[i - 1].offset);
            REQUIRE(seen.insert((*all)[i].record.value).second);
        }
        CHECK(*log->end_offset({"t", p}) == (all->empty() ? 0 : all->back().offset + 1));
    }
    CHECK(seen.size() == expected_total);
    // Each batch is contiguous, and one thread's batches come in the order it appended them.
    for (int t = 0; t < kThreads; ++t) {
        const auto& mine = results[static_cast<size_t>(t)];
        for (size_t b = 1; b < mine.size(); ++b)
            CHECK(mine[b].base_offset >= mine[b - 1].base_offset + static_cast<int64_t>(mine[b - 1].count));
        auto got = log->read({"t", t % 2}, mine[7].base_offset, mine[7].count);
        CHECK(got->front().record.value == std::to_string(t) + "/7/0");
        CHECK(got->back().record.value == std::to_string(t) + "/7/" + std::to_string(mine[7].count - 1));
    }
}

// The Kafka log keeps no key index: see "the Kafka log opens without reading its topics".
TEST_CASE("the embedded log: a retried idempotency key appends nothing and returns the original offsets", "[events][log]") {
    EmbeddedBackend backend;
    int64_t base = 0;
    {
        auto log = backend.open();
        REQUIRE(log->append(batch("a", 0, {rec("x")})));
        auto first = log->append(batch("a", 0, {rec("cmd1-a"), rec("cmd1-b")}, "cmd-1"));
        REQUIRE(first);
        base = first->base_offset;
        CHECK(base >= 1);
        auto retry = log->append(batch("a", 0, {rec("cmd1-a"), rec("cmd1-b")}, "cmd-1"));
        REQUIRE(retry);
        CHECK(retry->duplicate);
        CHECK(retry->base_offset == base);
        CHECK(retry->count == 2);
        CHECK(*log->end_offset({"a", 0}) == base + 2);
    }
    // The key survives a restart.
    auto log = backend.open();
    auto again = log->append(batch("a", 0, {rec("cmd1-a")}, "cmd-1"));
    REQUIRE(again);
    CHECK(again->duplicate);
    CHECK(again->base_offset == base);
    CHECK(*log->end_offset({"a", 0}) == base + 2);

    // Many threads racing with the same key: exactly one append.
    std::vector<std::thread> threads;
    std::atomic<int> fresh{0}, dup{0};
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                auto r = log->append(batch("b", 1, {rec("race")}, "cmd-race-" + std::to_string(i)));
                if (r && r->duplicate) ++dup;
                else if (r) ++fresh;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(fresh == 20);
    CHECK(dup == 140);
    CHECK(log->read({"b", 1}, 0, 1000)->size() == 20);

    // A command on two topics again: nothing appended, the original offsets.
    auto both = log->append_all({batch("a", 1, {rec("a0")}, "cmd-2/a"), batch("b", 2, {rec("b0")}, "cmd-2/b")});
    REQUIRE(both);
    auto twice = log->append_all({batch("a", 1, {rec("a0")}, "cmd-2/a"), batch("b", 2, {rec("b0")}, "cmd-2/b")});
    REQUIRE(twice);
    CHECK((*twice)[0].duplicate);
    CHECK((*twice)[1].duplicate);
    CHECK((*twice)[1].base_offset == (*both)[1].base_offset);
    CHECK(*log->end_offset({"b", 2}) == 1);
}

TEMPLATE_TEST_CASE("append_all lands batches of several topics together, or refuses them all", "[events][log]", EmbeddedBackend,
                   KafkaBackend, KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    auto both = log->append_all({batch("a", 0, {rec("a0"), rec("a1")}, "cmd-1/a"), batch("b", 2, {rec("b0")}, "cmd-1/b")});
    REQUIRE(both);
    REQUIRE(both->size() == 2);
    CHECK((*both)[0].tp == TopicPartition{"a", 0});
    CHECK((*both)[0].count == 2);
    CHECK((*both)[1].tp == TopicPartition{"b", 2});
    CHECK(log->read({"a", 0}, (*both)[0].base_offset, 10)->back().record.value == "a1");
    CHECK(log->read({"b", 2}, (*both)[1].base_offset, 10)->front().record.value == "b0");
    const int64_t end_a = *log->end_offset({"a", 0}), end_b = *log->end_offset({"b", 2});

    // One bad batch refuses the others with it.
    CHECK(log->append_all({batch("a", 0, {rec("x")}), batch("b", 9, {rec("y")})}).error().code == errc::invalid_argument);
    CHECK(log->append_all({batch("a", 0, {rec("x")}), batch("b", 0, {})}).error().code == errc::invalid_argument);
    CHECK(log->append_all({batch("a", 0, {rec("x")}, "k"), batch("b", 0, {rec("y")}, "k")}).error().code == errc::invalid_argument);
    CHECK(log->append_all({}).error().code == errc::invalid_argument);
    CHECK(*log->end_offset({"a", 0}) == end_a);
    CHECK(*log->end_offset({"b", 2}) == end_b);
    CHECK(*log->end_offset({"b", 0}) == 0);
}

TEMPLATE_TEST_CASE("tailing waits for new records without polling, and close wakes the waiter", "[events][log]", EmbeddedBackend,
                   KafkaBackend, KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    CHECK_FALSE(log->wait_for({"a", 0}, 0, 20ms));  // nothing yet: times out

    std::atomic<bool> woke{false};
    std::thread waiter([&] { woke = log->wait_for({"a", 0}, 0, 10s); });
    std::this_thread::sleep_for(50ms);
    REQUIRE(log->append(batch("a", 0, {rec("x")})));
    waiter.join();
    CHECK(woke);
    CHECK(log->wait_for({"a", 0}, 0, 0ms));  // already there

    const auto start = std::chrono::steady_clock::now();
    std::thread closer([&] {
        std::this_thread::sleep_for(50ms);
        log->close();
    });
    CHECK_FALSE(log->wait_for({"a", 0}, 1, 10s));
    closer.join();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(log->append(batch("a", 0, {rec("late")})).error().code == errc::closed);
}

TEMPLATE_TEST_CASE("wait_for_any wakes on an append to any of the partitions it watches", "[events][log]", EmbeddedBackend, KafkaBackend,
                   KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    const std::vector<Position> watched{{{"a", 0}, 0}, {{"b", 1}, 0}};
    CHECK_FALSE(log->wait_for_any(watched, 20ms));
    REQUIRE(log->append(batch("a", 1, {rec("elsewhere")})));  // not watched
    CHECK_FALSE(log->wait_for_any(watched, 20ms));

    std::atomic<bool> woke{false};
    std::thread waiter([&] { woke = log->wait_for_any(watched, 10s); });
    std::this_thread::sleep_for(50ms);
    REQUIRE(log->append(batch("b", 1, {rec("x")})));
    waiter.join();
    CHECK(woke);
    CHECK_FALSE(log->wait_for_any(std::vector<Position>{{{"b", 1}, 1}}, 20ms));  // past the end again
}

TEMPLATE_TEST_CASE("offset_for_time finds the first offset at or after a timestamp", "[events][log]", EmbeddedBackend, KafkaBackend,
                   KafkaClusterBackend) {
    TestType backend;
    auto log = backend.open();
    // Timestamps need not be monotonic: 100, 300, 200, 400, 400, 500. at[n]: record n's offset.
    std::vector<int64_t> at;
    auto append = [&](EventLog& l, std::vector<Record> records) {
        auto r = l.append(batch("a", 0, std::move(records)));
        REQUIRE(r);
        for (size_t i = 0; i < r->count; ++i) at.push_back(r->base_offset + static_cast<int64_t>(i));
    };
    append(*log, {rec("0", 100), rec("1", 300), rec("2", 200)});
    append(*log, {rec("3", 400), rec("4", 400), rec("5", 500)});
    CHECK(*log->offset_for_time({"a", 0}, 0) == at[0]);
    CHECK(*log->offset_for_time({"a", 0}, 100) == at[0]);
    CHECK(*log->offset_for_time({"a", 0}, 101) == at[1]);
    CHECK(*log->offset_for_time({"a", 0}, 200) == at[1]);  // record 1 (300) is the first >= 200
    CHECK(*log->offset_for_time({"a", 0}, 301) == at[3]);
    CHECK(*log->offset_for_time({"a", 0}, 500) == at[5]);
    CHECK(*log->offset_for_time({"a", 0}, 501) == *log->end_offset({"a", 0}));  // none: the end offset
    CHECK(*log->offset_for_time({"a", 1}, 0) == 0);
    log.reset();
    auto reopened = backend.open();
    CHECK(*reopened->offset_for_time({"a", 0}, 301) == at[3]);
    append(*reopened, {rec("6", 450), rec("7", 600)});
    CHECK(*reopened->offset_for_time({"a", 0}, 550) == at[7]);
    // Across seconds: 1500, 2500, 2200, 7000, 6500, 9000 for records 8..13.
    append(*reopened, {rec("8", 1500), rec("9", 2500), rec("10", 2200)});
    append(*reopened, {rec("11", 7000), rec("12", 6500), rec("13", 9000)});
    CHECK(*reopened->offset_for_time({"a", 0}, 601) == at[8]);
    CHECK(*reopened->offset_for_time({"a", 0}, 2100) == at[9]);
    CHECK(*reopened->offset_for_time({"a", 0}, 2501) == at[11]);
    CHECK(*reopened->offset_for_time({"a", 0}, 6600) == at[11]);
    CHECK(*reopened->offset_for_time({"a", 0}, 7001) == at[13]);
    CHECK(*reopened->offset_for_time({"a", 0}, 9001) == *reopened->end_offset({"a", 0}));
    if constexpr (TestType::dense) CHECK(at.back() == 13);
}

TEMPLATE_TEST_CASE("every record is sealed into its partition's hash chain, which goes on across reopens", "[events][log][chain]",
                   EmbeddedBackend, KafkaBackend, KafkaClusterBackend) {
    TestType backend;
    {
        auto log = backend.open();
        Record forged = rec("one", 10);
        forged.headers.push_back(Header{std::string(kHeaderHash), "forged by the caller"});
        REQUIRE(log->append(batch("a", 0, {forged, rec("two", 11)})));
        REQUIRE(log->append(batch("b", 2, {rec("x", 5)})));
    }
    auto log = backend.open();  // a new log goes on from the last stored hash
    REQUIRE(log->append(batch("a", 0, {rec("three", 12)})));
    auto read = log->read({"a", 0}, 0, 10);
    REQUIRE(read);
    REQUIRE(read->size() == 3);
    CHECK((*read)[0].record == rec("one", 10));  // the caller's seal header is gone; seals are not headers
    CHECK((*read)[0].seal.prev_hash == kGenesis);
    Hash h = kGenesis;
    ChainVerifier verifier({"a", 0});
    for (const StoredRecord& r : *read) {
        CHECK(r.seal.prev_hash == h);
        h = chain_hash(h, r.record);  // a pure function of the records: the same on every backend
        CHECK(r.seal.hash == h);
        CHECK(verifier.feed(r));
    }
    CHECK(verifier.next() == read->back().offset + 1);
    CHECK(verifier.head() == h);
    CHECK(log->read({"b", 2}, 0, 1)->at(0).seal.prev_hash == kGenesis);  // partitions chain apart

    // What the verifier reports: the first record that breaks, and why.
    auto altered = *read;
    altered[1].record.value = "TWO";
    ChainVerifier v1({"a", 0});
    CHECK(v1.feed(altered[0]));
    CHECK_FALSE(v1.feed(altered[1]));
    CHECK_FALSE(v1.feed(altered[2]));
    REQUIRE(v1.broken());
    CHECK(v1.broken()->offset == 1);
    CHECK(v1.broken()->reason.find("altered") != std::string::npos);
    ChainVerifier v2({"a", 0});
    CHECK(v2.feed(altered[0]));
    CHECK_FALSE(v2.feed(altered[2]));  // a record dropped
    CHECK(v2.broken()->offset == altered[2].offset);
    auto relinked = *read;
    relinked[2].seal.prev_hash = relinked[0].seal.hash;
    ChainVerifier v3({"a", 0}, (*read)[1].offset, *(*read)[0].seal.hash);  // starting mid-partition, from a known head
    CHECK(v3.feed(relinked[1]));
    CHECK_FALSE(v3.feed(relinked[2]));
    CHECK(v3.broken()->reason.find("prev_hash") != std::string::npos);
}

// What the Kafka log reads when it opens: a look back from each partition's end, never the
// topics. Nor does it look keys up: its caller's store is the idempotency authority.
TEMPLATE_TEST_CASE("the Kafka log opens without reading its topics, and keeps no key index", "[events][log]", KafkaBackend,
                   KafkaClusterBackend) {
    TestType backend;
    constexpr int kBatches = 40, kPerBatch = 50;  // 2,000 records on each partition of "a"
    std::map<int32_t, int64_t> ends;
    AppendResult last;
    {
        auto log = backend.open();
        for (int b = 0; b < kBatches; ++b) {
            std::vector<Record> records;
            for (int r = 0; r < kPerBatch; ++r) records.push_back(rec(std::to_string(b) + "#" + std::to_string(r), 1000 + b));
            auto appended = log->append(batch("a", b % 2, std::move(records), "cmd-" + std::to_string(b)));
            REQUIRE(appended);
            last = *appended;
        }
        for (int32_t p = 0; p < 2; ++p) ends[p] = *log->end_offset({"a", p});
    }
    auto log = backend.open();
    const uint64_t at_open = records_fetched(*log);
    INFO("records fetched at open: " << at_open);
    CHECK(at_open <= 2 * 64);  // at most the look back (64 offsets) of each written partition
    for (const auto& [p, end] : ends) CHECK(*log->end_offset({"a", p}) == end);

    // The chain goes on from the last record, found by the look back.
    auto next = log->append(batch("a", 1, {rec("after")}, "cmd-1"));
    REQUIRE(next);
    CHECK_FALSE(next->duplicate);  // cmd-1 was appended before: the Kafka log looks no key up
    const auto all = log->read({"a", 1}, 0, 10'000);
    REQUIRE(all);
    REQUIRE(all->size() == kBatches / 2 * kPerBatch + 1);
    CHECK(all->back().record.value == "after");
    CHECK(all->back().seal.prev_hash == (*all)[all->size() - 2].seal.hash);
    CHECK((*all)[all->size() - 2].offset == last.base_offset + static_cast<int64_t>(last.count) - 1);
    ChainVerifier verifier({"a", 1});
    for (const StoredRecord& r : *all) {
        CHECK_FALSE(r.aborted);
        INFO("offset " << r.offset);
        if (!verifier.feed(r)) FAIL_CHECK(verifier.broken()->reason);
    }

    // A read fetches what it returns, and at most the rest of its last batch to decide it. The
    // count also holds what the tailer receives: the record appended above, once, at any time
    // (on the real cluster it came during this read once in a few runs): hence the + 1.
    const uint64_t before = records_fetched(*log);
    auto some = log->read({"a", 0}, 0, 10);
    REQUIRE(some);
    CHECK(some->size() == 10);
    CHECK(records_fetched(*log) - before >= 10);
    CHECK(records_fetched(*log) - before <= kPerBatch + 1);
    // The next read starts inside that batch: decided already, not fetched from its start again.
    const uint64_t again = records_fetched(*log);
    auto rest = log->read({"a", 0}, some->back().offset + 1, kPerBatch - 10);
    REQUIRE(rest);
    CHECK(rest->size() == kPerBatch - 10);
    CHECK_FALSE(rest->front().aborted);
    CHECK(records_fetched(*log) - again >= kPerBatch - 10);
    CHECK(records_fetched(*log) - again <= kPerBatch - 10 + 1);
}

TEST_CASE("a record damaged on disk is reported, never returned", "[events][log]") {
    test::TempDir dir;
    {
        auto log = open(dir);
        REQUIRE(log->append(batch("a", 0, {rec("good"), rec("to-damage")})));
    }
    {
        // Overwrite offset 1 of a/0 with garbage, behind the log's back.
        rocksdb::DB* raw = nullptr;
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
            {rocksdb::kDefaultColumnFamilyName, {}}, {"records", {}}, {"time_index", {}}, {"idempotency", {}}};
        REQUIRE(rocksdb::DB::Open({}, dir.str(), cfs, &handles, &raw).ok());
        const std::string key("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 14);
        REQUIRE(raw->Put({}, handles[1], key, "not a flatbuffer").ok());
        for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
        delete raw;
    }
    auto log = open(dir);
    CHECK(log->read({"a", 0}, 0, 1)->at(0).record.value == "good");
    auto bad = log->read({"a", 0}, 0, 10);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == errc::corrupt_record);
    CHECK(bad.error().message.find("offset 1") != std::string::npos);
    // Its partition's chain cannot go on from a damaged record: appends there are refused.
    auto refused = log->append(batch("a", 0, {rec("after")}));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::corrupt_record);
    CHECK(*log->end_offset({"a", 0}) == 2);
    CHECK(log->append(batch("a", 1, {rec("elsewhere")})));
}
