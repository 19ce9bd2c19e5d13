// Internal: a visitor from lambdas.
#pragma once

namespace liquida::domain {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace liquida::domain
