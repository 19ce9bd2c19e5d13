#include "replay/errc.h"

namespace liquida::replay {

CodeText describe(errc e) noexcept {
    switch (e) {
        case errc::io_error: return {"replay.io_error", "a file or directory of the replay could not be read or written"};
        case errc::log_ended: return {"replay.log_ended", "the log holds less than its offsets at the cut said"};
        case errc::bad_record: return {"replay.bad_record", "a record does not decode, or its amounts overflow what it is folded into"};
        case errc::overflow: return {"replay.overflow", "a month's totals do not fit int64 centavos"};
        case errc::checkpoint_mismatch:
            return {"replay.checkpoint_mismatch", "a kept checkpoint does not fit this log or this liquida: --from-scratch"};
        case errc::checkpoint_damaged: return {"replay.checkpoint_damaged", "a kept checkpoint contradicts its close record"};
        case errc::busy: return {"replay.busy", "the month is being closed by another replay"};
        case errc::views_behind: return {"replay.views_behind", "the live views to verify against have not reached the cut"};
        case errc::invalid_argument: return {"replay.invalid_argument", "the caller's mistake (no scratch directory, nothing replayed)"};
    }
    return {"unknown", ""};
}

const std::error_category& error_category() noexcept {
    static const ErrcCategory<errc> instance{"liquida.replay"};
    return instance;
}

}  // namespace liquida::replay
