#include <catch2/catch.hpp>

#include "events/codec.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "tests/support/sample_events.h"
#include "tests/support/temp_dir.h"

using namespace liquida;
using namespace liquida::events;

namespace {

std::string header(const Record& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (h.key == name) return h.value;
    return "<missing>";
}

}  // namespace

TEST_CASE("published events land in their topic and the provider's partition, with headers", "[events][publisher]") {
    test::TempDir dir;
    auto log = open_embedded_log({dir.str(), default_topics(5), false});
    REQUIRE(log);
    for (auto e : test::sample_envelopes()) {
        e.provider_id = domain::ProviderId{4242};
        e.command_id = "cmd-" + std::string(domain::event_name(e.payload));
        auto r = publish(**log, std::span(&e, 1));
        REQUIRE(r);
        CHECK(r->tp.topic == topic_name(topic_for(e.payload)));
        CHECK(r->tp.partition == partition_for("4242", 5));
        auto stored = (**log).read(r->tp, r->base_offset, 1);
        REQUIRE(stored);
        const Record& rec = stored->at(0).record;
        CHECK(rec.key == "4242");
        CHECK(rec.timestamp == e.recorded_at);
        CHECK(header(rec, kHeaderKind) == domain::event_name(e.payload));
        CHECK(header(rec, kHeaderSchema) == std::to_string(kSchemaVersion));
        CHECK(header(rec, kHeaderEventId) == e.event_id.to_string());
        CHECK(header(rec, kHeaderOccurredAt) == std::to_string(e.occurred_at));
        auto decoded = decode(rec.value);
        REQUIRE(decoded);
        CHECK(*decoded == e);
    }
}

TEST_CASE("one command's events go in one atomic batch, mixed commands are refused", "[events][publisher]") {
    test::TempDir dir;
    auto log = open_embedded_log({dir.str(), default_topics(3), false});
    REQUIRE(log);
    std::vector<Envelope> command;
    for (int i = 0; i < 3; ++i) {
        Envelope e;
        e.provider_id = domain::ProviderId{7};
        e.command_id = "cmd-orders";
        e.payload = domain::OrderApproved{"ord-" + std::to_string(i)};
        command.push_back(e);
    }
    auto r = publish(**log, command);
    REQUIRE(r);
    CHECK(r->count == 3);
    auto retry = publish(**log, command);
    REQUIRE(retry);
    CHECK(retry->duplicate);
    CHECK(retry->base_offset == r->base_offset);
    CHECK(*(**log).end_offset(r->tp) == 3);

    auto mixed = command;
    mixed[1].provider_id = domain::ProviderId{8};
    CHECK(publish(**log, mixed).error().code == errc::invalid_argument);
    mixed = command;
    mixed[2].payload = domain::InvoiceSent{"inv-1"};  // another topic
    CHECK(publish(**log, mixed).error().code == errc::invalid_argument);
    CHECK(publish(**log, std::span<const Envelope>{}).error().code == errc::invalid_argument);
    CHECK(*(**log).end_offset(r->tp) == 3);
}

TEST_CASE("publish refuses an event its readers' decoder would refuse", "[events][publisher]") {
    test::TempDir dir;
    auto log = open_embedded_log({dir.str(), default_topics(1), false});
    REQUIRE(log);
    Envelope e;
    e.event_id = EventId::random();
    e.provider_id = domain::ProviderId{7};
    e.command_id = "big";
    e.payload = domain::ProviderUpdated{std::string(CodecLimits{}.max_bytes, 'x'), domain::IvaCondition::monotributo, "", "", "", "", ""};
    auto r = publish(**log, std::span(&e, 1));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::buffer_too_large);
    auto end = (*log)->end_offset({std::string(topic_name(topic_for(e.payload))), 0});
    REQUIRE(end);
    CHECK(*end == 0);
}
