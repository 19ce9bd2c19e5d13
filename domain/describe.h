// The members of a struct that crosses a boundary (the FlatBuffers codec, the JSON), named once
// beside the struct. A list that misses a member of its struct does not compile; the codec checks
// each event's list against the schema at compile time (same names, same order, same types); the
// JSON reads and writes the same lists, the commands' included.
#pragma once

#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

namespace liquida::domain {

// One described member: its name (the schema's and the JSON's) and where it lives.
template <class T, class M>
struct DescribedMember {
    std::string_view name;
    M T::*pointer;
};
template <class T, class M>
constexpr DescribedMember<T, M> describe_member(std::string_view name, M T::*pointer) {
    return {name, pointer};
}

// Describe<T>::members: a tuple of DescribedMember, in the order of T's table in the schema. An event
// kind's Describe also has its type's name ("OrderLoaded", as docs/DOMAIN.md names it), its API
// name ("order_loaded") and its label in Spanish.
template <class T>
struct Describe;

template <class T>
concept Described = requires { Describe<T>::members; };

// f(described, member) for every described member of value (T or const T): its DescribedMember
// (name and pointer) and the member itself.
template <class T, class F>
constexpr void for_each_member(T& value, F&& f) {
    std::apply([&](const auto&... m) { (f(m, value.*(m.pointer)), ...); }, Describe<std::remove_const_t<T>>::members);
}

// How many members an aggregate has: the most initializers it accepts. The codec compares it
// with the described ones, so a member added to a struct and not to its list fails the build.
namespace detail {
struct AnyValue {
    template <class U>
    operator U() const noexcept;  // NOLINT: converts to every member type; never called, only asked about
};
template <class T, size_t... I>
constexpr bool takes(std::index_sequence<I...>) {
    return requires { T{(void(I), AnyValue{})...}; };
}
template <class T, size_t N = 0>
constexpr size_t member_count() {
    if constexpr (takes<T>(std::make_index_sequence<N + 1>{})) return member_count<T, N + 1>();
    else return N;
}
}  // namespace detail
template <class T>
inline constexpr size_t kMemberCount = detail::member_count<T>();

// clang-format off
// LIQUIDA_FOR_EACH(macro, context, a, b, ...) expands to macro(context, a) macro(context, b) ...
// (up to 256 arguments).
#define LIQUIDA_PARENS ()
#define LIQUIDA_EXPAND(...) LIQUIDA_EXPAND4(LIQUIDA_EXPAND4(LIQUIDA_EXPAND4(LIQUIDA_EXPAND4(__VA_ARGS__))))
#define LIQUIDA_EXPAND4(...) LIQUIDA_EXPAND3(LIQUIDA_EXPAND3(LIQUIDA_EXPAND3(LIQUIDA_EXPAND3(__VA_ARGS__))))
#define LIQUIDA_EXPAND3(...) LIQUIDA_EXPAND2(LIQUIDA_EXPAND2(LIQUIDA_EXPAND2(LIQUIDA_EXPAND2(__VA_ARGS__))))
#define LIQUIDA_EXPAND2(...) LIQUIDA_EXPAND1(LIQUIDA_EXPAND1(LIQUIDA_EXPAND1(LIQUIDA_EXPAND1(__VA_ARGS__))))
#define LIQUIDA_EXPAND1(...) __VA_ARGS__
#define LIQUIDA_FOR_EACH(macro, context, ...) __VA_OPT__(LIQUIDA_EXPAND(LIQUIDA_FOR_EACH_NEXT(macro, context, __VA_ARGS__)))
#define LIQUIDA_FOR_EACH_NEXT(macro, context, first, ...) \
    macro(context, first) __VA_OPT__(LIQUIDA_FOR_EACH_AGAIN LIQUIDA_PARENS(macro, context, __VA_ARGS__))
#define LIQUIDA_FOR_EACH_AGAIN() LIQUIDA_FOR_EACH_NEXT

#define LIQUIDA_MEMBER(Type, name) , std::tuple{::liquida::domain::describe_member(#name, &Type::name)}
#define LIQUIDA_MEMBERS(Type, ...)                                                                                      \
    static constexpr auto members = std::tuple_cat(std::tuple<>{} LIQUIDA_FOR_EACH(LIQUIDA_MEMBER, Type, __VA_ARGS__)); \
    static_assert(std::tuple_size_v<decltype(members)> == ::liquida::domain::kMemberCount<Type>, "describe every member of " #Type)

// A struct nested in events or commands: LIQUIDA_DESCRIBE(TransactionRef, boca, serie, number);
#define LIQUIDA_DESCRIBE(Type, ...)         \
    template <>                             \
    struct Describe<Type> {                 \
        LIQUIDA_MEMBERS(Type, __VA_ARGS__); \
    }

// An event kind: LIQUIDA_DESCRIBE_EVENT(OrderApproved, "order_approved", "Orden aprobada", order_id);
#define LIQUIDA_DESCRIBE_EVENT(Type, api_name, spanish_label, ...) \
    template <>                                                    \
    struct Describe<Type> {                                        \
        static constexpr std::string_view type_name = #Type;       \
        static constexpr std::string_view name = api_name;         \
        static constexpr std::string_view label = spanish_label;   \
        LIQUIDA_MEMBERS(Type, __VA_ARGS__);                        \
    }

// clang-format on

}  // namespace liquida::domain
