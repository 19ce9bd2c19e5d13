// result<T, E>: a value or an expected failure. Failures are values, not exceptions.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace liquida {

// The value of a result that carries nothing but success.
struct ok_t {
    friend constexpr bool operator==(ok_t, ok_t) = default;
};
inline constexpr ok_t ok{};

template <class E>
struct failure {
    E error;
};
template <class E>
failure(E) -> failure<E>;

template <class T, class E>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    template <class F>
    result(failure<F> f) : v_(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(v_);
    }
    // By value, not T&&: the value of a temporary outlives it (`for (x : f().value())`).
    T value() && {
        assert(has_value());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const& {
        assert(!has_value());
        return std::get<1>(v_);
    }
    E error() && {
        assert(!has_value());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, E> v_;
};

}  // namespace liquida
