// The hash chain checked as records arrive, from the last verified point kept on disk.
#include "events/chain_watch.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/temp_dir.h"

using namespace liquida;
using namespace liquida::events;

namespace {
void append(EventLog& log, int n) {
    for (int i = 0; i < n; ++i) REQUIRE(log.append(AppendBatch{{"t", i % 2}, "", {Record{"k", "v" + std::to_string(i), i, {}}}}));
}
}  // namespace

TEST_CASE("the chain watch resumes from its verified point and refuses a damaged state file", "[events][chain]") {
    test::TempDir dir;
    auto log = open_embedded_log({(dir.path() / "log").string(), {{"t", 2}}, false});
    REQUIRE(log);
    const std::string state = (dir.path() / "chain-verified").string();
    append(**log, 10);
    {
        ChainWatch watch(**log, state);
        REQUIRE(watch.load());
        CHECK(*watch.step() == 10);
        CHECK(watch.caught_up());
        CHECK(*watch.step() == 0);
        CHECK(watch.behind() == 0);
        append(**log, 3);
        CHECK(watch.behind() == 3);  // as the log stands now, not as the last step saw it
        CHECK(*watch.step(1) == 2);  // one per partition: "t"/0 has one more
        CHECK_FALSE(watch.caught_up());
        CHECK(*watch.step() == 1);
        CHECK(watch.caught_up());
        REQUIRE(watch.flush());
    }
    append(**log, 4);
    {
        ChainWatch watch(**log, state);
        REQUIRE(watch.load());
        CHECK(*watch.step() == 4);  // only what came after the saved point
        CHECK(watch.breaks().empty());
        REQUIRE(watch.flush());
    }
    std::ofstream(state, std::ios::app) << "garbage\n";  // after "end": ignored
    {
        ChainWatch watch(**log, state);
        REQUIRE(watch.load());
    }
    std::ofstream(state, std::ios::trunc) << "t 0 3 not-hex\nend\n";
    ChainWatch damaged(**log, state);
    auto loaded = damaged.load();
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == errc::corrupt_record);
    std::ofstream(state, std::ios::trunc) << "t 0 3 " << std::string(64, '0') << "\n";  // no "end": cut short
    ChainWatch cut(**log, state);
    CHECK_FALSE(cut.load());
}

TEST_CASE("the chain watch verifies what another reader read, and finds an altered record there", "[events][chain]") {
    test::TempDir dir;
    auto log = open_embedded_log({(dir.path() / "log").string(), {{"t", 2}}, false});
    REQUIRE(log);
    append(**log, 10);
    ChainWatch watch(**log, (dir.path() / "chain-verified").string());
    REQUIRE(watch.load());
    auto first = (*log)->read({"t", 0}, 0, 100);
    REQUIRE(first);
    REQUIRE(first->size() == 5);
    // Out of order (offset 3 before 0..2) is ignored; in order is verified.
    watch.observe({(*first)[3]});
    CHECK(watch.behind() == 10);
    watch.observe(*first);
    CHECK(watch.behind() == 5);
    CHECK(*watch.step() == 5);  // only partition 1 was left to read
    CHECK(watch.breaks().empty());

    append(**log, 2);  // one more record in each partition; the one of partition 0 altered as read
    auto more = (*log)->read({"t", 0}, 5, 100);
    REQUIRE(more);
    REQUIRE(more->size() == 1);
    (*more)[0].record.value += "x";
    watch.observe(*more);
    REQUIRE(watch.broken({"t", 0}));
    CHECK(watch.broken({"t", 0})->offset == 5);
    CHECK_FALSE(watch.broken({"t", 1}));
    CHECK(watch.behind() == 1);  // partition 1's new record; a broken partition is not counted
}
