// A small world for projection tests: an embedded log, views over it, and providers whose
// commands go through the domain's decide and land in the log as published envelopes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events/log.h"
#include "fixtures.h"
#include "projections/runner.h"
#include "projections/views.h"
#include "tests/support/temp_dir.h"

namespace liquida::test {

struct World {
    TempDir dir;
    std::unique_ptr<events::EventLog> log;
    std::unique_ptr<projections::Views> views;
    uint64_t commands = 0;

    explicit World(int32_t partitions = 4);
    // Publishes one command's events, one append per topic.
    void record(ProviderId provider, const std::vector<Event>& events, TimestampMs now);
    // Publishes a ledger's whole history (as built by the domain fixtures).
    void record_history(ProviderId provider, const Ledger& ledger);
    // Brings the views up to date.
    void catch_up();
    // Views rebuilt from offset 0 into a fresh directory.
    std::unique_ptr<projections::Views> rebuild(const std::string& name, size_t max_batch = 20'000,
                                                size_t lanes = projections::Views::kLanes);
};

// A provider of the world: commands are decided against its ledger, then recorded.
struct Member {
    World& world;
    ProviderId id;
    Ledger ledger;
    std::vector<Event> ok(const Command& c, TimestampMs now) {
        auto events = ledger.ok(c, now);
        world.record(id, events, now);
        return events;
    }
};

// `id` in the padrón, its history recorded, with SanCor orders a and b for 330101 attended on
// 2025-06-01, loaded on June 2 and approved on June 3.
inline Member with_june_orders(World& w, ProviderId id) {
    Member m{w, id, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    for (const char* order : {"a", "b"}) {
        m.ok(complete_order(order, kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
        m.ok(ApproveOrder{order}, at(2025, 6, 3));
    }
    return m;
}

}  // namespace liquida::test
