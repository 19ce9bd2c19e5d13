// Expected failures of the write path's state (the ledgers' store, the fold, the test clock):
// typed, with a stable string code. A failure of the log keeps its events::errc.
#pragma once

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

// Each code's stable name ("state.io_error", ...) and what it means; its category (errc.cc).
CodeText describe(errc e) noexcept;
const std::error_category& error_category() noexcept;
LIQUIDA_MODULE_ERRC(errc)

}  // namespace liquida::service

template <>
struct std::is_error_code_enum<liquida::service::errc> : std::true_type {};
