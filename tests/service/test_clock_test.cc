// The test clock (service/test_clock.h): forward only, kept on disk, a damaged file refused.
#include <catch2/catch.hpp>

#include <fstream>

#include "service/test_clock.h"
#include "tests/support/temp_dir.h"

namespace {

using liquida::service::TestClock;
constexpr int64_t kHour = 3'600'000;

int64_t on(uint32_t day, int64_t hours = 10) {
    return liquida::domain::start_of_local_day(liquida::domain::date_from_civil(2025, 6, day)) + hours * kHour;
}

std::string text_of(const std::string& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("test clock: stands still, moves forward only, and a restart resumes where it stood", "[service][clock]") {
    liquida::test::TempDir dir;
    const std::string file = (dir.path() / "test-clock").string();
    CHECK_FALSE(TestClock::exists(file));
    {
        auto clock = TestClock::open(file, on(1));
        REQUIRE(clock.has_value());
        CHECK(TestClock::exists(file));
        CHECK((*clock)->now() == on(1));
        auto back = (*clock)->set(on(1) - 1);
        REQUIRE_FALSE(back.has_value());
        CHECK(back.error().backwards);
        CHECK(back.error().message.find("sólo avanza") != std::string::npos);
        CHECK((*clock)->now() == on(1));
        REQUIRE((*clock)->set(on(3)).has_value());
        CHECK((*clock)->set(on(3)).has_value());  // the same instant again is no move back
        CHECK((*clock)->now() == on(3));
    }
    // A start before the kept instant resumes at the kept one; a later start moves it on.
    {
        auto clock = TestClock::open(file, on(1));
        REQUIRE(clock.has_value());
        CHECK((*clock)->now() == on(3));
    }
    auto later = TestClock::open(file, on(9));
    REQUIRE(later.has_value());
    CHECK((*later)->now() == on(9));
    later->reset();
    CHECK(TestClock::open(file, on(1)).value()->now() == on(9));
}

TEST_CASE("test clock: a feed moves it forward, keeping it on disk only as the day turns", "[service][clock]") {
    liquida::test::TempDir dir;
    const std::string file = (dir.path() / "test-clock").string();
    auto clock = TestClock::open(file, on(1, 8));
    REQUIRE(clock.has_value());
    const std::string at_start = text_of(file);
    CHECK((*clock)->follow(on(1, 9)) == on(1, 9));
    CHECK((*clock)->follow(on(1, 8)) == on(1, 9));  // behind the clock: it stays
    CHECK(text_of(file) == at_start);               // the same day: not written
    CHECK((*clock)->follow(on(2, 7)) == on(2, 7));
    CHECK(text_of(file) == "liquida-test-clock-1\n" + std::to_string(on(2, 7)) + "\n");
    REQUIRE((*clock)->set(on(2, 9)).has_value());  // a move is always kept
    CHECK(text_of(file) == "liquida-test-clock-1\n" + std::to_string(on(2, 9)) + "\n");
}

TEST_CASE("test clock: a file that is not one is refused, never guessed", "[service][clock]") {
    liquida::test::TempDir dir;
    const std::string file = (dir.path() / "test-clock").string();
    for (const std::string text : {"", "liquida-test-clock-1\n", "liquida-test-clock-1\n12x\n", "liquida-test-clock-1\n-5\n",
                                   "liquida-test-clock-1\n1748782800000", "liquida-test-clock-9\n1748782800000\n"}) {
        std::ofstream(file, std::ios::trunc) << text;
        auto clock = TestClock::open(file, on(1));
        INFO(text);
        REQUIRE_FALSE(clock.has_value());
        CHECK(clock.error().code == liquida::service::errc::clock_damaged);
        CHECK(clock.error().message.find(file) != std::string::npos);
        CHECK(text_of(file) == text);  // left as it was, for whoever restores it
    }
}
