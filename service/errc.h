// Expected failures of the write path's state (the ledgers' store, the fold, the test clock):
// typed, with a stable string code. A failure of the log keeps its events::errc.
#pragma once

#include <string_view>
#include <system_error>

#include "domain/fault.h"

namespace liquida::service {

// What each code means: describe() in errc.cc, printed in docs/OPERATIONS.md.
enum class errc {
    io_error = 1,
    damaged,
    bad_record,
    ahead_of_log,
    clock_damaged,
};

// Each code's stable name ("state.io_error", ...) and what it means.
CodeText describe(errc e) noexcept;
inline std::string_view code_name(errc e) noexcept { return describe(e).name; }
const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

template <class T>
using result = liquida::result<T, fault>;
using liquida::fail;

}  // namespace liquida::service

template <>
struct std::is_error_code_enum<liquida::service::errc> : std::true_type {};
