#include "events/errc.h"

namespace liquida::events {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "liquida.events"; }
    std::string message(int value) const override { return std::string(code_name(static_cast<errc>(value))); }
};

}  // namespace

std::string_view code_name(errc e) noexcept {
    switch (e) {
        case errc::invalid_buffer: return "codec.invalid_buffer";
        case errc::buffer_too_large: return "codec.buffer_too_large";
        case errc::unknown_payload: return "codec.unknown_payload";
        case errc::invalid_argument: return "log.invalid_argument";
        case errc::io_error: return "log.io_error";
        case errc::corrupt_record: return "log.corrupt_record";
        case errc::config_mismatch: return "log.config_mismatch";
        case errc::closed: return "log.closed";
        case errc::offset_out_of_range: return "log.offset_out_of_range";
        case errc::busy: return "log.busy";
    }
    return "unknown";
}

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace liquida::events
