// Checked arithmetic on centavos: every sum, difference and product of amounts in domain/,
// projections/ and replay/ goes through here. A result that does not fit int64 is nullopt,
// never a wrapped or saturated value; the caller turns it into an error (`money.overflow`).
#pragma once

#include <optional>
#include <string>

#include "domain/error.h"
#include "domain/types.h"

namespace liquida::domain::money {

constexpr std::optional<Centavos> add(Centavos a, Centavos b) noexcept {
    Centavos r = 0;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

constexpr std::optional<Centavos> sub(Centavos a, Centavos b) noexcept {
    Centavos r = 0;
    if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
    return r;
}

constexpr std::optional<Centavos> mul(Centavos a, int64_t b) noexcept {
    Centavos r = 0;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

// A running total: once a step overflows it stays nullopt, so a chain is checked once at its end.
class Sum {
public:
    constexpr Sum() = default;
    constexpr explicit Sum(Centavos start) noexcept : v_(start) {}
    constexpr explicit Sum(std::optional<Centavos> start) noexcept : v_(start) {}

    constexpr Sum& add(Centavos x) noexcept {
        if (v_) v_ = money::add(*v_, x);
        return *this;
    }
    constexpr Sum& add(std::optional<Centavos> x) noexcept { return x ? add(*x) : fail(); }
    constexpr Sum& sub(Centavos x) noexcept {
        if (v_) v_ = money::sub(*v_, x);
        return *this;
    }
    constexpr Sum& sub(std::optional<Centavos> x) noexcept { return x ? sub(*x) : fail(); }

    constexpr bool ok() const noexcept { return v_.has_value(); }
    constexpr const std::optional<Centavos>& value() const noexcept { return v_; }

private:
    constexpr Sum& fail() noexcept {
        v_.reset();
        return *this;
    }
    std::optional<Centavos> v_{0};
};

// The domain's rejection of an amount that does not fit: code `money.overflow`.
inline DomainError overflow(std::string field) {
    return DomainError{"money.overflow", "El importe excede el máximo representable.", std::move(field)};
}

}  // namespace liquida::domain::money
