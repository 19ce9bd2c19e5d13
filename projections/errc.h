// Expected failures of the views and their runner: typed, with a stable string code. A
// failure of the log they read keeps its events::errc.
#pragma once

#include <system_error>

#include "domain/fault.h"

namespace liquida::projections {

// What each code means: describe() in errc.cc, printed in docs/OPERATIONS.md.
enum class errc {
    io_error = 1,
    corrupt_row,
    format_mismatch,
    source_mismatch,
    read_only,
    bad_record,
    ahead_of_log,
};

// Each code's stable name ("views.io_error", ...) and what it means; its category (errc.cc).
CodeText describe(errc e) noexcept;
const std::error_category& error_category() noexcept;
LIQUIDA_MODULE_ERRC(errc)

}  // namespace liquida::projections

template <>
struct std::is_error_code_enum<liquida::projections::errc> : std::true_type {};
