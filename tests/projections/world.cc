#include "world.h"

#include <catch2/catch.hpp>
#include <map>

#include "events/publisher.h"
#include "events/topics.h"

namespace liquida::test {

World::World(int32_t partitions) {
    auto l = events::open_embedded_log({(dir.path() / "log").string(), events::default_topics(partitions), false});
    REQUIRE(l.has_value());
    log = std::move(*l);
    auto v = projections::Views::open((dir.path() / "views").string());
    REQUIRE(v.has_value());
    views = std::move(*v);
}

void World::record(ProviderId provider, const std::vector<Event>& evs, TimestampMs now) {
    const std::string command = "cmd-" + std::to_string(++commands);
    std::map<events::Topic, std::vector<events::Envelope>> by_topic;
    for (const Event& e : evs) {
        events::Envelope env;
        env.event_id = events::EventId::random();
        env.occurred_at = env.recorded_at = now;
        env.actor_id = "test";
        env.command_id = command + "/" + std::string(events::topic_name(events::topic_for(e)));
        env.provider_id = provider;
        env.payload = e;
        by_topic[events::topic_for(e)].push_back(std::move(env));
    }
    for (const auto& [topic, envelopes] : by_topic) {
        auto r = events::publish(*log, envelopes);
        REQUIRE(r.has_value());
    }
}

void World::record_history(ProviderId provider, const Ledger& ledger) {
    for (const RecordedEvent& r : ledger.log) record(provider, {r.event}, r.occurred_at);
}

void World::catch_up() {
    projections::Runner runner(*log, *views);
    auto n = runner.catch_up();
    REQUIRE(n.has_value());
    CHECK(*runner.lag() == 0);
}

std::unique_ptr<projections::Views> World::rebuild(const std::string& name, size_t max_batch, size_t lanes) {
    auto v = projections::Views::open((dir.path() / name).string());
    REQUIRE(v.has_value());
    projections::Runner runner(*log, **v, {.max_batch = max_batch, .lanes = lanes});
    REQUIRE(runner.catch_up().has_value());
    return std::move(*v);
}

}  // namespace liquida::test
