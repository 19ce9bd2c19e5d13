// The settlement as it stood at the end of a past day (GET /v1/views/settlement?as_of=DATE):
// the views rebuilt by the replay machinery (replay::views_at, from the newest monthly
// checkpoint) into DATA/as-of/DATE, never the live views, and kept for the next queries of
// the same day. A past day's answer cannot change (events are recorded in time order), so
// the few most recent days asked for stay cached.
#pragma once

#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

#include "events/log.h"
#include "projections/views.h"

namespace liquida::gateway {

class AsOfViews {
public:
    // `data_dir`: checkpoints are read from DATA/checkpoints, scratch views go to DATA/as-of.
    AsOfViews(events::EventLog& log, std::filesystem::path data_dir, size_t keep = 4);
    ~AsOfViews();

    struct Answer {
        std::vector<projections::SettlementRow> rows;
        std::optional<domain::Period> from_checkpoint;  // where the rebuild started (none: offset 0)
    };
    // Rows of `filter` as of the end of `day` (Argentina time). Blocks while it rebuilds.
    events::result<Answer> settlement(domain::Date day, const projections::SettlementFilter& filter);

private:
    struct Day {
        domain::Date day;
        std::unique_ptr<projections::Views> views;
        std::optional<domain::Period> from_checkpoint;
    };
    events::EventLog& log_;
    std::filesystem::path data_dir_;
    size_t keep_;
    std::mutex mu_;
    std::list<Day> days_;  // most recently used first
};

}  // namespace liquida::gateway
