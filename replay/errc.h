// Expected failures of a replay and of closing months: typed, with a stable string code. A
// failure of the log or the views it reads keeps their own code (events::errc, projections::errc).
#pragma once

#include <system_error>

#include "domain/fault.h"

namespace liquida::replay {

// What each code means: describe() in errc.cc, printed in docs/OPERATIONS.md.
enum class errc {
    io_error = 1,
    log_ended,
    bad_record,
    overflow,
    checkpoint_mismatch,
    checkpoint_damaged,
    busy,
    views_behind,
    invalid_argument,
};

// Each code's stable name ("replay.io_error", ...) and what it means; its category (errc.cc).
CodeText describe(errc e) noexcept;
const std::error_category& error_category() noexcept;
LIQUIDA_MODULE_ERRC(errc)

}  // namespace liquida::replay

template <>
struct std::is_error_code_enum<liquida::replay::errc> : std::true_type {};
