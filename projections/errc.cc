#include "projections/errc.h"

namespace liquida::projections {

CodeText describe(errc e) noexcept {
    switch (e) {
        case errc::io_error: return {"views.io_error", "RocksDB failed to read or write the views"};
        case errc::corrupt_row: return {"views.corrupt_row", "a stored row or applied offset does not decode: rebuild the views"};
        case errc::format_mismatch: return {"views.format_mismatch", "views written by an earlier liquida: rebuild them"};
        case errc::source_mismatch: return {"views.source_mismatch", "views built from another log (Kafka, embedded)"};
        case errc::read_only: return {"views.read_only", "views opened beside their writer take no batches"};
        case errc::bad_record: return {"views.bad_record", "a record of the log does not decode, or its amounts overflow a row"};
        case errc::ahead_of_log: return {"views.ahead_of_log", "the views applied more of a partition than the log holds"};
    }
    return {"unknown", ""};
}

const std::error_category& error_category() noexcept {
    static const ErrcCategory<errc> instance{"liquida.views"};
    return instance;
}

}  // namespace liquida::projections
