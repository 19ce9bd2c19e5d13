// Expected failures of the events module: typed, with a stable string code.
#pragma once

#include <system_error>

#include "domain/fault.h"

namespace liquida::events {

// What each code means: describe() in errc.cc, printed in docs/OPERATIONS.md.
enum class errc {
    invalid_buffer = 1,
    buffer_too_large,
    unknown_payload,
    invalid_argument,
    io_error,
    corrupt_record,
    config_mismatch,
    closed,
    offset_out_of_range,
};

// Each code's stable name ("codec.invalid_buffer", "log.io_error", ...) and what it means; its category (errc.cc).
CodeText describe(errc e) noexcept;
const std::error_category& error_category() noexcept;
LIQUIDA_MODULE_ERRC(errc)

}  // namespace liquida::events

template <>
struct std::is_error_code_enum<liquida::events::errc> : std::true_type {};
