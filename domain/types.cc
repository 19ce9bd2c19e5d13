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

bool two_digits(std::string_view t, size_t at, int& out) {
    if (at + 2 > t.size() || t[at] < '0' || t[at] > '9' || t[at + 1] < '0' || t[at + 1] > '9') return false;
    out = (t[at] - '0') * 10 + (t[at + 1] - '0');
    return true;
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
    if (t.size() != 7 || t[4] != '-' || !parse_fixed(t.substr(0, 4), y) || !parse_fixed(t.substr(5, 2), m)) return std::nullopt;
    if (m < 1 || m > 12) return std::nullopt;
    return Period{y, static_cast<uint32_t>(m)};
}

std::optional<Date> parse_date(std::string_view t) {
    int y = 0, m = 0, d = 0;
    if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !parse_fixed(t.substr(0, 4), y) || !parse_fixed(t.substr(5, 2), m) ||
        !parse_fixed(t.substr(8, 2), d))
        return std::nullopt;
    if (m < 1 || m > 12 || d < 1) return std::nullopt;
    const Date date = date_from_civil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(d));
    // Rejects 2026-02-30: the round trip lands on another day.
    const CivilDate back = civil_from_date(date);
    if (back.day != static_cast<uint32_t>(d) || back.month != static_cast<uint32_t>(m)) return std::nullopt;
    return date;
}

std::optional<TimestampMs> parse_instant(std::string_view t) {
    if (t.size() < 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
    const auto date = parse_date(t.substr(0, 10));
    int h = 0, m = 0, s = 0;
    if (!date || !two_digits(t, 11, h) || !two_digits(t, 14, m) || !two_digits(t, 17, s)) return std::nullopt;
    if (h > 23 || m > 59 || s > 59) return std::nullopt;
    size_t i = 19;
    int64_t ms = 0;
    if (t[i] == '.') {
        ++i;
        size_t digits = 0;
        for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++digits) {
            if (digits < 3) ms = ms * 10 + (t[i] - '0');
        }
        if (digits == 0 || digits > 9) return std::nullopt;
        for (size_t k = digits; k < 3; ++k) ms *= 10;
    }
    int64_t offset_minutes = 0;
    if (i + 1 == t.size() && t[i] == 'Z') {
        offset_minutes = 0;
    } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
        int oh = 0, om = 0;
        if (!two_digits(t, i + 1, oh) || !two_digits(t, i + 4, om) || oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (t[i] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    const int64_t local = static_cast<int64_t>(date->days) * 86'400'000LL + ((h * 60LL + m) * 60 + s) * 1000 + ms;
    return local - offset_minutes * 60'000;
}

}  // namespace liquida::domain
