// Expected failures of the events module: typed, with a stable string code.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "domain/result.h"

namespace liquida::events {

enum class errc {
    invalid_buffer = 1,   // failed FlatBuffers verification or identifier
    buffer_too_large,     // over the codec's size limit
    unknown_payload,      // a union slot this build does not know (newer writer)
    invalid_argument,     // caller error: unknown topic, bad partition, empty batch
    io_error,             // the storage or broker failed; nothing was acknowledged
    corrupt_record,       // a stored record failed verification
    config_mismatch,      // reopened with topic settings that differ from the stored ones
    closed,               // the log was closed
    offset_out_of_range,  // read below the first retained offset
    busy,                 // another process or thread holds it (a month being closed)
};

// Stable machine-readable code: "codec.invalid_buffer", "log.io_error", ...
std::string_view code_name(errc e) noexcept;
const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

struct error {
    errc code;
    std::string message;
};

template <class T>
using result = liquida::result<T, error>;

inline failure<error> fail(errc code, std::string message) { return failure<error>{error{code, std::move(message)}}; }

}  // namespace liquida::events

template <>
struct std::is_error_code_enum<liquida::events::errc> : std::true_type {};
