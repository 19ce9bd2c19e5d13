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
