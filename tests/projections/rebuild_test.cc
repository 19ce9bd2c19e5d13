// Exactly-once and determinism of the views over simulated months: live equals rebuilt,
// rebuilt equals rebuilt, a SIGKILL'd runner resumes to the same views, Kafka equals the
// embedded log; and the views agree with the domain's own sums over the same events.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "domain/queries.h"
#include "sim/simulation.h"
#include "events/kafka_log.h"
#include "events/kafka_mock.h"
#include "events/topics.h"
#include "tests/support/same_views.h"
#include "tests/support/dead_writer.h"
#include "tests/support/process.h"
#include "world.h"

using namespace liquida::test;
using namespace liquida::sim;
using liquida::projections::Runner;
using liquida::projections::Views;

namespace {

struct Simulated {
    std::unique_ptr<Simulation> sim;
    std::set<ProviderId> providers;
};

// Records a simulated month into the world; `every` commands, calls `tick`.
Simulated simulate(World& w, uint64_t seed, double scale, uint32_t months = 1, size_t every = 0, const std::function<void()>& tick = {}) {
    Simulated s{std::make_unique<Simulation>(seed_config(), SimulationOptions{seed, scale, Period{2025, 6}, months}), {}};
    size_t n = 0;
    while (auto c = s.sim->next()) {
        if (!c->decision) continue;
        w.record(c->provider, c->decision.value(), c->now);
        s.providers.insert(c->provider);
        if (every != 0 && ++n % every == 0 && tick) tick();
    }
    return s;
}

int64_t log_size(liquida::events::EventLog& log) {
    int64_t total = 0;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) total += log.end_offset({t.name, p}).value();
    return total;
}

}  // namespace

TEST_CASE("determinism: live views equal rebuilds with other batch sizes, on both lanes or one", "[projections][determinism]") {
    World w;
    Runner live(*w.log, *w.views, {300});
    // Live: the runner applies small batches while the month is being recorded.
    simulate(w, 11, 0.004, 1, 200, [&] { REQUIRE(live.step().has_value()); });
    REQUIRE(live.catch_up().has_value());
    CHECK(*live.lag() == 0);
    const auto live_digests = w.views->digests().value();
    CHECK(live_digests[0].rows > 0);
    CHECK(live_digests[1].rows > 0);
    CHECK(live_digests[2].rows > 0);
    REQUIRE(live_digests.size() == 5);
    CHECK(live_digests[3].view == "validation");
    CHECK(live_digests[3].rows > 0);
    CHECK(live_digests[4].view == "orders");
    CHECK(live_digests[4].rows > 0);
    auto a = w.rebuild("rebuild-a");
    auto b = w.rebuild("rebuild-b", 97);
    auto sequential = w.rebuild("rebuild-sequential", 20'000, 1);  // one thread, partitions in order
    require_same(live_digests, a->digests().value());
    require_same(live_digests, b->digests().value());
    require_same(live_digests, sequential->digests().value());
    // A different history gives different digests: the digest sees the rows.
    World other;
    simulate(other, 12, 0.004);
    other.catch_up();
    CHECK(other.views->digests().value()[2].sha256 != live_digests[2].sha256);
}

TEST_CASE("property: settlement, orders, pending and the A10 sheet agree with the domain over simulated months",
          "[projections][property]") {
    for (uint64_t seed : {21U, 22U}) {
        World w;
        const Simulated s = simulate(w, seed, 0.003, 2);
        w.catch_up();
        size_t compared = 0, validated = 0, ordered = 0;
        for (ProviderId p : s.providers) {
            const ProviderLedger* ledger = s.sim->ledger(p);
            REQUIRE(ledger != nullptr);
            for (const auto& row : w.views->settlement({{}, {}, p}).value()) {
                const Settlement st = settlement_of(*ledger, row.period, row.obra_social).value();
                INFO("provider " << p.value() << " " << to_string(row.period) << " " << row.obra_social.value());
                CHECK(row.orders_approved.amount == st.orders);
                CHECK(row.billable.amount == st.consumptions);
                CHECK(row.total() == st.total);
                CHECK(row.invoiced.amount == st.invoiced);
                CHECK(row.reinvoiced == st.reinvoiced);
                CHECK(row.debited() == st.debits);
                CHECK(row.balance() == st.balance);
                CHECK(row.collected == st.collected);
                CHECK(row.retained() == st.retentions);
                CHECK(row.paid_to_provider == st.paid_to_provider);
                CHECK(row.due_to_provider() == st.due_to_provider);
                ++compared;
            }
            // Pending = authorized items - consumed - cancelled, item by item.
            size_t pending = 0;
            for (const auto& [key, b] : ledger->authorizations.budgets) {
                if (b.status != BudgetStatus::authorized) continue;
                for (const auto& i : b.items) pending += i.result == ItemResult::autorizada && !i.consumed && !i.cancelled ? 1 : 0;
            }
            CHECK(w.views->pending({p, {}, {}}).value().size() == pending);
            // Orders, one row per order of the ledger, in its state and period.
            const auto orders = w.views->orders({{{}, {}, p}, {}}).value();
            REQUIRE(orders.size() == ledger->orders.orders.size());
            for (const auto& row : orders) {
                const OrderRecord& o = ledger->orders.orders.at(row.loaded.order_id);
                CHECK(row.loaded == o.loaded);
                CHECK(row.status == o.status);
                CHECK(row.reason_code == o.reject_reason_code);
            }
            ordered += orders.size();
            // A10, row for row, joined with the padrón as the domain's ledger has it.
            for (const Period period : {Period{2025, 6}, Period{2025, 7}})
                for (const auto& os : seed_config().obras_sociales) {
                    const auto from_views = liquida::projections::validation_report(*w.views, {period, os.id, p}).value();
                    CHECK(from_views == liquida::domain::validation_report(*ledger, period, os.id));
                    validated += from_views.size();
                }
        }
        CHECK(compared > s.providers.size());  // several periods and obras sociales per provider
        CHECK(validated > s.providers.size());
        CHECK(ordered > s.providers.size());
    }
}

TEST_CASE("exactly once: a runner killed with SIGKILL at random points resumes to a clean rebuild's views", "[projections][crash]") {
    World w;
    simulate(w, 31, 0.004);
    const int64_t total = log_size(*w.log);
    REQUIRE(total > 2000);
    const auto log_dir = (w.dir.path() / "log").string();
    const auto views_dir = (w.dir.path() / "crashy").string();
    w.log.reset();  // the child opens the log itself
    std::mt19937 rng(5);
    int killed_midway = 0;
    for (int round = 0; round < 8; ++round) {
        liquida::test::Forked child([&](int) {
            auto log = liquida::events::open_embedded_log({log_dir, liquida::events::default_topics(4), false});
            auto views = Views::open(views_dir);
            if (!log || !views) return 3;
            Runner runner(**log, **views, {.max_batch = 64, .catch_up_factor = 1});  // small batches: many commits to die between
            return runner.catch_up() ? 0 : 4;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 200));
        const int status = child.kill();
        if (status == -1) ++killed_midway;
        else REQUIRE(status == 0);  // finished before the kill
    }
    CHECK(killed_midway > 0);
    auto l = liquida::events::open_embedded_log({log_dir, liquida::events::default_topics(4), false});
    REQUIRE(l.has_value());
    w.log = std::move(*l);
    auto resumed = Views::open(views_dir);
    REQUIRE(resumed.has_value());
    Runner runner(*w.log, **resumed);
    REQUIRE(runner.catch_up().has_value());
    require_same((*resumed)->digests().value(), w.rebuild("clean")->digests().value());
}

TEST_CASE("the same events on Kafka and on the embedded log give identical views, half-written batches count for nothing",
          "[projections][kafka]") {
    auto cluster = liquida::events::MockCluster::start(1);
    REQUIRE(cluster.has_value());
    for (const auto& t : liquida::events::default_topics(4)) REQUIRE((*cluster)->create_topic(t.name, t.partitions));
    liquida::events::KafkaLogOptions options;
    options.brokers = (*cluster)->bootstrap();
    options.topics = liquida::events::default_topics(4);
    options.properties = {{"log_level", "3"}};
    auto kafka = liquida::events::open_kafka_log(options);
    REQUIRE(kafka.has_value());

    World w;
    simulate(w, 41, 0.002);
    w.catch_up();
    // Copy the embedded log record by record: same keys, values and partitions. Before every
    // other batch, a writer that died mid-append left the batch's first two records; and one
    // partition ends with such a prefix, still undecided.
    DeadWriter dead((*cluster)->bootstrap());
    int chunks = 0;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; ++p)
            for (int64_t from = 0;;) {
                auto records = w.log->read({t.name, p}, from, 500);
                REQUIRE(records.has_value());
                if (records->empty()) break;
                liquida::events::AppendBatch batch{{t.name, p}, {}, {}};
                for (auto& r : *records) batch.records.push_back(r.record);
                if (++chunks % 2 == 0 && batch.records.size() > 2)
                    dead.write_prefix(batch.tp, {batch.records[0], batch.records[1]}, batch.records.size());
                const auto appended = (*kafka)->append(std::move(batch));
                REQUIRE(appended.has_value());
                from = records->back().offset + 1;
            }
    REQUIRE(chunks >= 4);
    {
        auto last = w.log->read({"liquida.orders", 0}, 0, 2);
        REQUIRE(last.has_value());
        dead.write_prefix({"liquida.orders", 0}, {(*last)[0].record, (*last)[1].record}, 3);
    }
    auto views = Views::open((w.dir.path() / "kafka-views").string(), "kafka");
    REQUIRE(views.has_value());
    Runner runner(**kafka, **views);
    size_t applied = 0;
    runner.on_progress([&](size_t events) { applied += events; });
    REQUIRE(runner.catch_up().has_value());
    CHECK(applied == static_cast<size_t>(log_size(*w.log)));
    CHECK(*runner.lag() == 0);
    require_same(w.views->digests().value(), (*views)->digests().value());
    // Views built from one source refuse the other.
    views->reset();
    CHECK(Views::open((w.dir.path() / "kafka-views").string(), "embedded").error().code == liquida::projections::errc::source_mismatch);
}

TEST_CASE("a cut applies every partition exactly up to its given offset, then the rest continues", "[projections][cut]") {
    World w;
    simulate(w, 51, 0.002);
    std::map<liquida::events::TopicPartition, int64_t> half;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; ++p) half[{t.name, p}] = *w.log->end_offset({t.name, p}) / 2;
    Runner runner(*w.log, *w.views, {100});
    REQUIRE(runner.catch_up_to(half).has_value());
    for (const auto& [tp, offset] : half) CHECK(w.views->applied(tp) == offset);
    CHECK(*runner.lag() > 0);
    REQUIRE(runner.catch_up().has_value());
    CHECK(*runner.lag() == 0);
    require_same(w.views->digests().value(), w.rebuild("whole")->digests().value());
}

TEST_CASE("catching up, the lanes step on their own threads and report every applied event once", "[projections][cut]") {
    World w;
    simulate(w, 52, 0.002);
    Runner runner(*w.log, *w.views, {.max_batch = 100, .catch_up_factor = 1});  // small steps: several per lane
    size_t progressed = 0, changed = 0, deltas = 0;
    runner.on_progress([&](size_t n) { progressed += n; });
    runner.on_delta([&](const liquida::projections::Delta& d) {
        changed += d.events;
        ++deltas;
    });
    const auto n = runner.catch_up();
    REQUIRE(n.has_value());
    int64_t applied = 0;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; ++p) applied += w.views->applied({t.name, p});
    CHECK(*n == static_cast<size_t>(applied));  // the embedded log aborts nothing: every record is an event
    CHECK(progressed == *n);
    CHECK(changed == *n);
    CHECK(deltas > 2);  // more than one step per lane
    require_same(w.views->digests().value(), w.rebuild("one lane", 20'000, 1)->digests().value());
}

TEST_CASE("a catch-up whose deadline has passed takes one step per lane and says it is still behind", "[projections][cut]") {
    World w;
    simulate(w, 54, 0.002);
    Runner runner(*w.log, *w.views, {.max_batch = 100, .catch_up_factor = 1});
    const auto before = *runner.lag();
    const auto n = runner.catch_up(std::chrono::steady_clock::now());
    REQUIRE(n.has_value());
    CHECK(*n > 0);
    CHECK(*n <= 2 * 256);  // one step of each lane, 256 records at most
    CHECK(*runner.lag() == before - static_cast<int64_t>(*n));
    CHECK(runner.behind());
    REQUIRE(runner.catch_up().has_value());
    CHECK(!runner.behind());
    CHECK(*runner.lag() == 0);
    require_same(w.views->digests().value(), w.rebuild("one lane", 20'000, 1)->digests().value());
}

TEST_CASE("each lane commits its own partitions: one lane far ahead of the other resumes to a clean rebuild's views",
          "[projections][cut]") {
    // What a crash between the two lanes' writes leaves: even partitions at the end, odd ones at none.
    World w;
    simulate(w, 53, 0.002);
    std::map<liquida::events::TopicPartition, int64_t> evens;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; p += 2) evens[{t.name, p}] = *w.log->end_offset({t.name, p});
    {
        Runner runner(*w.log, *w.views, {100});
        REQUIRE(runner.catch_up_to(evens).has_value());
    }
    for (const auto& t : w.log->topics())
        for (int32_t p = 1; p < t.partitions; p += 2) CHECK(w.views->applied({t.name, p}) == 0);
    Runner runner(*w.log, *w.views, {100});
    CHECK(*runner.lag() > 0);
    REQUIRE(runner.catch_up().has_value());
    require_same(w.views->digests().value(), w.rebuild("whole")->digests().value());
}

namespace {

// A provider of a two-partition world whose events go to partition 1 (lane 1 while behind).
Member on_partition_one(World& w) {
    ProviderId id{1};
    while (liquida::events::partition_for(liquida::events::partition_key(id), 2) != 1) id = ProviderId{id.value() + 1};
    return with_june_orders(w, id);
}

// `n` more SanCor orders of the member, loaded and approved.
void more_orders(Member& m, int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) {
        const std::string order = prefix + std::to_string(i);
        m.ok(complete_order(order, kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 4));
        m.ok(ApproveOrder{order}, at(2025, 6, 5));
    }
}

}  // namespace

TEST_CASE("a step gives what quiet partitions leave to a busy one", "[projections][cut]") {
    World w(2);
    Member m = on_partition_one(w);
    more_orders(m, 300, "busy-");
    liquida::events::TopicPartition busy;
    int64_t most = 0;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; ++p)
            if (const int64_t end = *w.log->end_offset({t.name, p}); end > most)
                std::tie(busy, most) = std::pair{liquida::events::TopicPartition{t.name, p}, end};
    REQUIRE(most > 2 * 256);
    // A step of 800 records over all the partitions: an even share would give each 256 at most.
    Runner runner(*w.log, *w.views, {.max_batch = 100, .catch_up_factor = 8, .lanes = 1});
    REQUIRE(runner.step().has_value());
    CHECK(w.views->applied(busy) > 256);
    REQUIRE(runner.catch_up().has_value());
    require_same(w.views->digests().value(), w.rebuild("clean")->digests().value());
}

TEST_CASE("a runner that falls behind again applies a partition in the lane that keeps its rows, never over a stale copy",
          "[projections][determinism]") {
    World w(2);
    Member m = on_partition_one(w);
    Runner runner(*w.log, *w.views, {.max_batch = 100});  // a lane's step once following: 256 records
    REQUIRE(runner.step().has_value());                   // behind at first: both lanes, lane 1 reads the member's rows
    REQUIRE(runner.lag().value() == 0);
    more_orders(m, 2, "c");
    REQUIRE(runner.step().value() > 0);  // following: one thread
    more_orders(m, 200, "d");            // 400 records, more than a share: behind again
    REQUIRE(runner.catch_up().has_value());
    const auto rows = w.views->settlement({}).value();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].orders_loaded.count == 2 + 2 + 200);
    require_same(w.views->digests().value(), w.rebuild("clean")->digests().value());
}

TEST_CASE("a runner that splits partitions into other lanes than the last one did reads no row a lane kept before",
          "[projections][determinism]") {
    World w(2);
    Member m = on_partition_one(w);
    REQUIRE(Runner(*w.log, *w.views).catch_up().has_value());  // two lanes: lane 1 keeps the member's rows
    more_orders(m, 2, "c");
    REQUIRE(Runner(*w.log, *w.views, {.lanes = 1}).catch_up().has_value());  // one lane: lane 0 applies them
    more_orders(m, 2, "d");
    REQUIRE(Runner(*w.log, *w.views).catch_up().has_value());  // two lanes again
    CHECK(w.views->settlement({}).value().at(0).orders_loaded.count == 2 + 2 + 2);
    require_same(w.views->digests().value(), w.rebuild("clean")->digests().value());
}
