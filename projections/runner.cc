#include "projections/runner.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "events/codec.h"

namespace liquida::projections {

Runner::Runner(events::EventLog& log, Views& views, RunnerOptions options) : log_(log), views_(views), options_(options) {
    std::set<int32_t> counts;
    for (const auto& t : log_.topics()) {
        counts.insert(t.partitions);
        for (int32_t p = 0; p < t.partitions; ++p) {
            events::TopicPartition tp{t.name, p};
            positions_.push_back({tp, views_.applied(tp)});
            limits_.push_back(INT64_MAX);
        }
    }
    // A provider's events are in the partition of the same number in every topic when the
    // topics have as many partitions each: then partitions split into lanes by number.
    const size_t most = std::clamp<size_t>(options_.lanes, 1, Views::kLanes);
    lanes_ = counts.size() == 1 ? std::min(most, static_cast<size_t>(std::max(1, *counts.begin()))) : 1;
    // An earlier runner may have split the partitions into another number of lanes.
    views_.forget_cached_rows();
}

result<size_t> Runner::apply_lane(size_t lane, size_t budget, Views::Batch& batch, std::vector<int64_t>& next, bool& full) {
    // A first pass gives each partition an even share of the budget, so that one busy
    // partition never starves the others; what partitions with less to read leave goes, in
    // further passes, to those that had more, so a batch stays large when a few partitions
    // carry the load (a month replayed, a busy topic).
    std::vector<size_t> open;
    for (size_t i = 0; i < positions_.size(); ++i)
        if (owns(lane, i) && positions_[i].offset < limits_[i]) open.push_back(i);
    size_t consumed = 0;
    while (!open.empty() && budget > 0) {
        const size_t each = std::max<size_t>(1, budget / open.size());
        std::vector<size_t> filled;
        for (const size_t i : open) {
            const auto& tp = positions_[i].tp;
            const auto room = static_cast<size_t>(std::min<int64_t>(limits_[i] - next[i], static_cast<int64_t>(std::min(each, budget))));
            if (room == 0) break;
            auto records = log_.read(tp, next[i], room);
            if (!records) return failure(std::move(records).error());
            if (on_read_) on_read_(*records);
            for (const events::StoredRecord& r : *records) {
                next[i] = r.offset + 1;
                if (r.aborted) continue;  // never acknowledged: not part of the history
                auto envelope = events::decode(r.record.value);
                if (!envelope)
                    return fail(errc::bad_record, "views: record " + tp.topic + "/" + std::to_string(tp.partition) + "@" +
                                                      std::to_string(r.offset) + " does not decode: " + envelope.error().message);
                // An overflow stops the runner at the record, as one that does not decode: never a wrapped view.
                if (!batch.apply(*envelope))
                    return fail(errc::bad_record, "views: record " + tp.topic + "/" + std::to_string(tp.partition) + "@" +
                                                      std::to_string(r.offset) + ": its amounts do not fit int64 centavos in the views");
            }
            consumed += records->size();
            budget -= records->size();
            if (records->size() == room && next[i] < limits_[i]) filled.push_back(i);
        }
        open = std::move(filled);
    }
    for (size_t i = 0; i < positions_.size(); ++i)
        if (owns(lane, i) && next[i] != positions_[i].offset) batch.advance(positions_[i].tp, next[i]);
    full = !open.empty();
    return consumed;
}

size_t Runner::budget(size_t lane) const {
    const size_t most = options_.max_batch * (behind_ ? std::max<size_t>(1, options_.catch_up_factor) : 1);
    size_t owned = 0;
    for (size_t i = 0; i < positions_.size(); ++i) owned += owns(lane, i) ? 1U : 0U;
    return std::max<size_t>(256, most * owned / std::max<size_t>(1, positions_.size()));
}

Runner::LaneStep Runner::lane_step(size_t lane) {
    LaneStep out;
    std::vector<int64_t> next(positions_.size());  // set for this lane's partitions only: others move meanwhile
    for (size_t i = 0; i < positions_.size(); ++i)
        if (owns(lane, i)) next[i] = positions_[i].offset;
    auto batch = views_.begin(static_cast<bool>(on_delta_), lane);
    out.consumed = apply_lane(lane, budget(lane), *batch, next, out.full);
    if (!out.consumed || *out.consumed == 0) return out;
    out.delta = views_.commit(std::move(batch));
    if (!out.delta) return out;
    for (size_t i = 0; i < positions_.size(); ++i)
        if (owns(lane, i)) positions_[i].offset = next[i];
    return out;
}

result<size_t> Runner::step() {
    // Both cores and larger steps while behind (the last step left a partition more to read);
    // the lanes one after the other, no thread, when following. A partition keeps its lane
    // either way: a lane reads back the rows it committed (Views::begin). Each lane applies,
    // then writes its rows and its partitions' offsets.
    const size_t lanes = lanes_;
    std::vector<LaneStep> steps(lanes);
    {
        std::vector<std::jthread> others;
        for (size_t lane = 1; lane < lanes; ++lane) {
            if (behind_) others.emplace_back([&, lane] { steps[lane] = lane_step(lane); });
            else steps[lane] = lane_step(lane);
        }
        steps[0] = lane_step(0);
    }  // joined
    behind_ = std::any_of(steps.begin(), steps.end(), [](const LaneStep& s) { return s.full; });
    Delta delta;
    size_t applied = 0;
    std::optional<fault> error;
    for (LaneStep& s : steps) {
        if (!s.consumed || !s.delta) {
            if (!error) error = !s.consumed ? s.consumed.error() : s.delta.error();
            continue;
        }
        applied += *s.consumed;
        delta.events += s.delta->events;
        std::move(s.delta->changes.begin(), s.delta->changes.end(), std::back_inserter(delta.changes));
    }
    if (applied > 0) {
        if (on_delta_) on_delta_(delta);
        if (on_progress_) on_progress_(delta.events);
    }
    if (error) return failure(std::move(*error));
    return applied;
}

result<size_t> Runner::catch_up(Deadline deadline) {
    std::map<events::TopicPartition, int64_t> ends;
    for (const auto& pos : positions_) {
        auto end = log_.end_offset(pos.tp);
        if (!end) return failure(std::move(end).error());
        ends[pos.tp] = *end;
    }
    return catch_up_to(ends, deadline);
}

result<size_t> Runner::catch_up_to(const std::map<events::TopicPartition, int64_t>& ends, Deadline deadline) {
    std::vector<int64_t> target;
    for (size_t i = 0; i < positions_.size(); ++i) {
        auto it = ends.find(positions_[i].tp);
        target.push_back(it == ends.end() ? positions_[i].offset : std::max(it->second, positions_[i].offset));
        limits_[i] = target.back();
    }
    struct Reset {  // the cut holds only for this call
        std::vector<int64_t>& limits;
        ~Reset() { std::fill(limits.begin(), limits.end(), INT64_MAX); }
    } reset{limits_};
    // Each lane on a thread of its own, stepping until its partitions reach the cut: a lane
    // that finishes a step early starts its next one instead of waiting for the other.
    behind_ = true;
    std::atomic<bool> failed = false;
    auto lane_catch_up = [&](size_t lane) -> result<size_t> {
        size_t total = 0;
        for (;;) {
            bool behind = false;
            for (size_t i = 0; i < positions_.size(); ++i) behind |= owns(lane, i) && positions_[i].offset < target[i];
            if (!behind || failed) return total;
            if (total > 0 && std::chrono::steady_clock::now() >= deadline) return total;
            LaneStep s = lane_step(lane);
            if (!s.consumed || !s.delta) {
                failed = true;
                return failure(!s.consumed ? s.consumed.error() : s.delta.error());
            }
            if (*s.consumed == 0) {
                failed = true;
                return fail(events::errc::io_error, "views: the log ended before its reported end offset");
            }
            total += *s.consumed;
            std::lock_guard lk(callbacks_mu_);
            if (on_delta_) on_delta_(*s.delta);
            if (on_progress_) on_progress_(s.delta->events);
        }
    };
    std::vector<result<size_t>> totals(lanes_, size_t{0});
    {
        std::vector<std::jthread> others;
        for (size_t lane = 1; lane < lanes_; ++lane) others.emplace_back([&, lane] { totals[lane] = lane_catch_up(lane); });
        totals[0] = lane_catch_up(0);
    }  // joined
    // Behind when the deadline (or a failure) stopped a lane short of the cut.
    behind_ = false;
    for (size_t i = 0; i < positions_.size(); ++i) behind_ = behind_ || positions_[i].offset < target[i];
    size_t total = 0;
    for (auto& t : totals) {
        if (!t) return t;
        total += *t;
    }
    return total;
}

result<liquida::ok_t> Runner::run(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        auto n = step();
        if (!n) return failure(std::move(n).error());
        if (*n == 0) wait(std::chrono::milliseconds(200));
    }
    return ok;
}

result<int64_t> Runner::lag() {
    auto p = progress();
    if (!p) return failure(std::move(p).error());
    return p->end - p->applied;
}

result<Runner::Progress> Runner::progress() {
    Progress p;
    for (const auto& pos : positions_) {
        auto end = log_.end_offset(pos.tp);
        if (!end) return failure(std::move(end).error());
        if (pos.offset > *end)
            return fail(errc::ahead_of_log, "the views have applied " + std::to_string(pos.offset) + " records of " + pos.tp.topic + "/" +
                                                std::to_string(pos.tp.partition) + " but the log holds " + std::to_string(*end) +
                                                ": the log lost records, or the views belong to another log");
        p.applied += pos.offset;
        p.end += *end;
    }
    return p;
}

}  // namespace liquida::projections
