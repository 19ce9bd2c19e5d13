#include "service/errc.h"

namespace liquida::service {

CodeText describe(errc e) noexcept {
    switch (e) {
        case errc::io_error: return {"state.io_error", "RocksDB failed to read or write the state"};
        case errc::damaged: return {"state.damaged", "a stored ledger, command record or watermark does not decode: delete the state"};
        case errc::bad_record: return {"state.bad_record", "a record of the log does not decode"};
        case errc::ahead_of_log: return {"state.ahead_of_log", "the state has folded more of a partition than the log holds"};
        case errc::clock_damaged: return {"state.clock_damaged", "the test clock's file holds something else than a test clock"};
    }
    return {"unknown", ""};
}

const std::error_category& error_category() noexcept {
    static const ErrcCategory<errc> instance{"liquida.service"};
    return instance;
}

}  // namespace liquida::service
