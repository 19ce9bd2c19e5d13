#include "events/errc.h"

namespace liquida::events {

CodeText describe(errc e) noexcept {
    switch (e) {
        case errc::invalid_buffer: return {"codec.invalid_buffer", "failed FlatBuffers verification or identifier"};
        case errc::buffer_too_large: return {"codec.buffer_too_large", "over the codec's size limit"};
        case errc::unknown_payload: return {"codec.unknown_payload", "a union slot this build does not know (newer writer)"};
        case errc::invalid_argument: return {"log.invalid_argument", "caller error: unknown topic, bad partition, empty batch"};
        case errc::io_error: return {"log.io_error", "the storage or broker failed; nothing was acknowledged"};
        case errc::corrupt_record: return {"log.corrupt_record", "a stored record failed verification"};
        case errc::config_mismatch: return {"log.config_mismatch", "reopened with topic settings that differ from the stored ones"};
        case errc::closed: return {"log.closed", "the log was closed"};
        case errc::offset_out_of_range: return {"log.offset_out_of_range", "read below the first retained offset"};
    }
    return {"unknown", ""};
}

const std::error_category& error_category() noexcept {
    static const ErrcCategory<errc> instance{"liquida.events"};
    return instance;
}

}  // namespace liquida::events
