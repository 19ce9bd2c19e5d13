// Value types shared by every module: strong ids, money, business time.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace liquida::domain {

// A strong id: a provider id cannot be passed where another id is expected.
template <class T, class Tag>
class named_type {
public:
    using value_type = T;
    constexpr named_type() = default;
    constexpr explicit named_type(T v) : v_(std::move(v)) {}
    constexpr const T& value() const noexcept { return v_; }
    friend constexpr auto operator<=>(const named_type&, const named_type&) = default;

private:
    T v_{};
};

using ProviderId = named_type<uint64_t, struct provider_id_tag>;
// The colegio's own ledger, its presentations to the obras sociales (F6), is keyed 0: provider ids
// start at 1.
inline constexpr ProviderId kColegio{0};
// Obra social / prepaga code as configured ("sancor", "insssep", "ioma").
using ObraSocialId = named_type<std::string, struct obra_social_id_tag>;

// Money is an integer number of centavos; never floating point.
using Centavos = int64_t;
// A point in time: milliseconds since the Unix epoch, UTC.
using TimestampMs = int64_t;

// Argentina is UTC-3 all year (no daylight saving since 2009).
inline constexpr int64_t kArgentinaOffsetMs = -3LL * 60 * 60 * 1000;

// A civil date: days since 1970-01-01.
struct Date {
    int32_t days = 0;
    friend constexpr auto operator<=>(const Date&, const Date&) = default;
};

struct CivilDate {
    int32_t year;
    uint32_t month;  // 1..12
    uint32_t day;    // 1..31
};

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
constexpr Date date_from_civil(int32_t y, uint32_t m, uint32_t d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const int32_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<uint32_t>(y - era * 400);
    const uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return Date{era * 146097 + static_cast<int32_t>(doe) - 719468};
}

constexpr CivilDate civil_from_date(Date date) noexcept {
    const int32_t z = date.days + 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<uint32_t>(z - era * 146097);
    const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const uint32_t mp = (5 * doy + 2) / 153;
    const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
    const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
    const int32_t y = static_cast<int32_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
    return CivilDate{y, m, d};
}

// The Argentina-local calendar date of an instant.
constexpr Date local_date(TimestampMs t) noexcept {
    const int64_t local = t + kArgentinaOffsetMs;
    const int64_t day_ms = 86'400'000;
    const int64_t days = local >= 0 ? local / day_ms : -((-local + day_ms - 1) / day_ms);
    return Date{static_cast<int32_t>(days)};
}

// The last instant any input may name: the end of year 9999 (UTC); the first is 1970's.
inline constexpr TimestampMs kMaxInstant = 253'402'300'799'999;

// The instant at which a local (Argentina) date starts.
constexpr TimestampMs start_of_local_day(Date d) noexcept { return static_cast<int64_t>(d.days) * 86'400'000 - kArgentinaOffsetMs; }

// A billing period, a calendar month. Written `YYYY-MM`.
struct Period {
    int32_t year = 1970;
    uint32_t month = 1;  // 1..12
    friend constexpr auto operator<=>(const Period&, const Period&) = default;

    constexpr Period next() const noexcept { return month == 12 ? Period{year + 1, 1} : Period{year, month + 1}; }
    // Compact form used on the wire: 202602.
    constexpr int32_t yyyymm() const noexcept { return year * 100 + static_cast<int32_t>(month); }
    static constexpr Period from_yyyymm(int32_t v) noexcept { return Period{v / 100, static_cast<uint32_t>(v % 100)}; }
};

std::string to_string(Period p);
std::string to_string(Date d);  // YYYY-MM-DD
// An instant as ISO-8601 in Argentina time: "2025-06-25T10:55:00-03:00".
std::string to_iso_local(TimestampMs t);
// Money as a spreadsheet reads it in Argentina: "1234,56", "-0,05".
std::string to_pesos(Centavos c);
// Strict parsers: nullopt unless the whole text is well formed.
std::optional<Period> parse_period(std::string_view text);
std::optional<Date> parse_date(std::string_view text);
// YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM) as ms since the epoch (UTC).
std::optional<TimestampMs> parse_instant(std::string_view text);

}  // namespace liquida::domain

template <class T, class Tag>
struct std::hash<liquida::domain::named_type<T, Tag>> {
    size_t operator()(const liquida::domain::named_type<T, Tag>& v) const noexcept { return std::hash<T>{}(v.value()); }
};
