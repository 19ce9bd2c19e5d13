#include "gateway/as_of.h"

#include <algorithm>

#include "replay/replay.h"

namespace liquida::gateway {
namespace {
std::filesystem::path scratch_of(const std::filesystem::path& data, domain::Date day) { return data / "as-of" / domain::to_string(day); }
}  // namespace

AsOfViews::AsOfViews(events::EventLog& log, std::filesystem::path data_dir, size_t keep)
    : log_(log), data_dir_(std::move(data_dir)), keep_(std::max<size_t>(keep, 1)) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_ / "as-of", ec);  // a previous run's: nothing refers to them
}

AsOfViews::~AsOfViews() {
    days_.clear();  // close the views before removing their directories
    std::error_code ec;
    std::filesystem::remove_all(data_dir_ / "as-of", ec);
}

events::result<AsOfViews::Answer> AsOfViews::settlement(domain::Date day, const projections::SettlementFilter& filter) {
    std::lock_guard lk(mu_);
    auto it = std::find_if(days_.begin(), days_.end(), [&](const Day& d) { return d.day == day; });
    if (it == days_.end()) {
        replay::ReplayOptions options;
        options.scratch_dir = scratch_of(data_dir_, day);
        options.checkpoints_dir = data_dir_ / "checkpoints";
        auto built = replay::views_at(log_, domain::start_of_local_day(domain::Date{day.days + 1}), options);
        if (!built) {
            std::error_code ec;
            std::filesystem::remove_all(options.scratch_dir, ec);
            return failure(std::move(built).error());
        }
        days_.push_front(Day{day, std::move(built->views), built->from_checkpoint});
        while (days_.size() > keep_) {
            const domain::Date evicted = days_.back().day;
            days_.pop_back();
            std::error_code ec;
            std::filesystem::remove_all(scratch_of(data_dir_, evicted), ec);
        }
        it = days_.begin();
    } else {
        days_.splice(days_.begin(), days_, it);
    }
    auto rows = it->views->settlement(filter);
    if (!rows) return failure(std::move(rows).error());
    return Answer{std::move(*rows), it->from_checkpoint};
}

}  // namespace liquida::gateway
