#include "domain/types.h"

#include <charconv>
#include <cstdio>

namespace liquida::domain {
namespace {

bool parse_fixed(std::string_view s, int& out) {
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::string to_string(Period p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u", p.year, p.month);
    return buf;
}

std::string to_string(Date d) {
    const CivilDate c = civil_from_date(d);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
    return buf;
}

std::string to_iso_local(TimestampMs t) {
    const Date d = local_date(t);
    const int64_t secs = (t - start_of_local_day(d)) / 1000;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld-03:00", to_string(d).c_str(), static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
    return buf;
}

std::string to_pesos(Centavos c) {
    const bool negative = c < 0;
    const uint64_t abs = negative ? 0 - static_cast<uint64_t>(c) : static_cast<uint64_t>(c);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%llu,%02llu", negative ? "-" : "", static_cast<unsigned long long>(abs / 100),
                  static_cast<unsigned long long>(abs % 100));
    return buf;
}

std::optional<Period> parse_period(std::string_view t) {
    int y = 0, m = 0;
    if (t.size() != 7 || t[4] != '-' || !parse_fixed(t.substr(0, 4), y) || !parse_fixed(t.substr(5, 2), m))
        return std::nullopt;
    if (m < 1 || m > 12) return std::nullopt;
    return Period{y, static_cast<uint32_t>(m)};
}

std::optional<Date> parse_date(std::string_view t) {
    int y = 0, m = 0, d = 0;
    if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !parse_fixed(t.substr(0, 4), y) ||
        !parse_fixed(t.substr(5, 2), m) || !parse_fixed(t.substr(8, 2), d))
        return std::nullopt;
    if (m < 1 || m > 12 || d < 1) return std::nullopt;
    const Date date = date_from_civil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(d));
    // Rejects 2026-02-30: the round trip lands on another day.
    const CivilDate back = civil_from_date(date);
    if (back.day != static_cast<uint32_t>(d) || back.month != static_cast<uint32_t>(m)) return std::nullopt;
    return date;
}

}  // namespace liquida::domain
