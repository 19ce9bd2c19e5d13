// fault: a failure of a module's machinery (the log, a store, a file), as opposed to a domain
// rule saying no (domain/error.h). Each module has an `errc` of its own with stable names
// ("log.io_error", "views.corrupt_row", ...); a fault carries it as a std::error_code, so a log
// failure the views pass on keeps its log code and callers compare with `code == errc::x`.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "domain/result.h"

namespace liquida {

struct fault {
    std::error_code code;
    std::string message;  // for the operator: where and why
};

// A code's stable name ("log.io_error") and what it means to an operator.
struct CodeText {
    std::string_view name;
    std::string_view meaning;
};

// The stable machine-readable name of a module's code, as its category spells it.
inline std::string code_name(const std::error_code& code) { return code.message(); }

template <class E>
    requires std::is_error_code_enum_v<E>
failure<fault> fail(E code, std::string message) {
    return failure<fault>{fault{make_error_code(code), std::move(message)}};
}

// What every module's errc.h has beside its enum, describe() and error_category(): the code's
// name, its std::error_code (found by std::error_code's constructor), result<T> and fail().
#define LIQUIDA_MODULE_ERRC(E)                                                                               \
    inline std::string_view code_name(E e) noexcept { return describe(e).name; }                             \
    inline std::error_code make_error_code(E e) noexcept { return {static_cast<int>(e), error_category()}; } \
    template <class T>                                                                                       \
    using result = ::liquida::result<T, ::liquida::fault>;                                                   \
    using ::liquida::fail;

// The category of a module's errc, named by the module's `code_name(errc)`: a switch without a
// default, so a new code without a name is a compile error (-Wswitch, warnings are errors).
template <class E>
class ErrcCategory final : public std::error_category {
public:
    explicit constexpr ErrcCategory(const char* name) : name_(name) {}
    const char* name() const noexcept override { return name_; }
    std::string message(int value) const override { return std::string(code_name(static_cast<E>(value))); }

private:
    const char* name_;
};

}  // namespace liquida
