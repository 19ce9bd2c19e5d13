#include <catch2/catch.hpp>

#include "domain/types.h"

using namespace liquida::domain;

TEST_CASE("civil dates round-trip and reject impossible days", "[domain][types]") {
    const Date d = date_from_civil(2026, 2, 28);
    CHECK(to_string(d) == "2026-02-28");
    CHECK(parse_date("2026-02-28") == d);
    CHECK_FALSE(parse_date("2026-02-29").has_value());
    CHECK_FALSE(parse_date("2026-13-01").has_value());
    CHECK_FALSE(parse_date("2026-1-01").has_value());
    CHECK(parse_date("2024-02-29").has_value());
    for (int32_t days = -800; days < 80'000; days += 37) {
        const Date x{days};
        REQUIRE(parse_date(to_string(x)) == x);
    }
}

TEST_CASE("business dates are Argentina local (UTC-3)", "[domain][types][O3]") {
    // 2026-03-06 02:59:59Z is still 2026-03-05 23:59:59 in Buenos Aires.
    const TimestampMs t = start_of_local_day(date_from_civil(2026, 3, 6)) - 1;
    CHECK(to_string(local_date(t)) == "2026-03-05");
    CHECK(to_string(local_date(t + 1)) == "2026-03-06");
    CHECK(start_of_local_day(date_from_civil(1970, 1, 1)) == 3LL * 3600 * 1000);
    CHECK(to_string(local_date(0)) == "1969-12-31");
}

TEST_CASE("periods are YYYY-MM", "[domain][types]") {
    CHECK(parse_period("2026-02") == Period{2026, 2});
    CHECK(to_string(Period{2026, 12}.next()) == "2027-01");
    CHECK(Period::from_yyyymm(202602) == Period{2026, 2});
    CHECK(Period{2026, 2}.yyyymm() == 202602);
    CHECK_FALSE(parse_period("2026-00").has_value());
    CHECK_FALSE(parse_period("2026-2").has_value());
    CHECK_FALSE(parse_period("26-02-01").has_value());
}
