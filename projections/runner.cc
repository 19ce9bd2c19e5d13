#include "projections/runner.h"

#include <algorithm>

#include "events/codec.h"

namespace liquida::projections {

using events::errc;
using events::fail;

Runner::Runner(events::EventLog& log, Views& views, RunnerOptions options)
    : log_(log), views_(views), options_(options) {
    for (const auto& t : log_.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            events::TopicPartition tp{t.name, p};
            positions_.push_back({tp, views_.applied(tp)});
            limits_.push_back(INT64_MAX);
        }
}

events::result<size_t> Runner::step() {
    auto batch = views_.begin(static_cast<bool>(on_delta_));
    size_t applied = 0;
    // An even share per partition keeps one busy partition from starving the others.
    const size_t share = std::max<size_t>(256, options_.max_batch / std::max<size_t>(1, positions_.size()));
    std::vector<int64_t> next(positions_.size());
    for (size_t i = 0; i < positions_.size(); ++i) {
        auto& pos = positions_[i];
        next[i] = pos.offset;
        if (pos.offset >= limits_[i]) continue;
        const auto room = static_cast<size_t>(std::min<int64_t>(limits_[i] - pos.offset, static_cast<int64_t>(share)));
        auto records = log_.read(pos.tp, pos.offset, room);
        if (!records) return failure(std::move(records).error());
        if (on_read_) on_read_(*records);
        for (const events::StoredRecord& r : *records) {
            next[i] = r.offset + 1;
            if (r.aborted) continue;  // never acknowledged: not part of the history
            auto envelope = events::decode(r.record.value);
            if (!envelope)
                return fail(errc::corrupt_record, "views: record " + pos.tp.topic + "/" + std::to_string(pos.tp.partition) + "@" +
                                                      std::to_string(r.offset) + " does not decode: " + envelope.error().message);
            // An overflow stops the runner at the record, as one that does not decode: never a wrapped view.
            if (!batch->apply(*envelope))
                return fail(errc::corrupt_record, "views: record " + pos.tp.topic + "/" + std::to_string(pos.tp.partition) + "@" +
                                                      std::to_string(r.offset) + ": its amounts do not fit int64 centavos in the views");
        }
        if (next[i] != pos.offset) batch->advance(pos.tp, next[i]);
        applied += records->size();
    }
    if (applied == 0) return size_t{0};
    auto delta = views_.commit(std::move(batch));
    if (!delta) return failure(std::move(delta).error());
    for (size_t i = 0; i < positions_.size(); ++i) positions_[i].offset = next[i];
    if (on_delta_) on_delta_(*delta);
    if (on_progress_) on_progress_(delta->events);
    return applied;
}

events::result<size_t> Runner::catch_up() {
    std::map<events::TopicPartition, int64_t> ends;
    for (const auto& pos : positions_) {
        auto end = log_.end_offset(pos.tp);
        if (!end) return failure(std::move(end).error());
        ends[pos.tp] = *end;
    }
    return catch_up_to(ends);
}

events::result<size_t> Runner::catch_up_to(const std::map<events::TopicPartition, int64_t>& ends) {
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
    size_t total = 0;
    for (;;) {
        bool behind = false;
        for (size_t i = 0; i < positions_.size(); ++i) behind |= positions_[i].offset < target[i];
        if (!behind) return total;
        auto n = step();
        if (!n) return n;
        if (*n == 0) return fail(errc::io_error, "views: the log ended before its reported end offset");
        total += *n;
    }
}

events::result<liquida::ok_t> Runner::run(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        auto n = step();
        if (!n) return failure(std::move(n).error());
        if (*n == 0) wait(std::chrono::milliseconds(200));
    }
    return ok;
}

events::result<int64_t> Runner::lag() {
    auto p = progress();
    if (!p) return failure(std::move(p).error());
    return p->end - p->applied;
}

events::result<Runner::Progress> Runner::progress() {
    Progress p;
    for (const auto& pos : positions_) {
        auto end = log_.end_offset(pos.tp);
        if (!end) return failure(std::move(end).error());
        if (pos.offset > *end)
            return events::fail(events::errc::corrupt_record,
                                "the views have applied " + std::to_string(pos.offset) + " records of " + pos.tp.topic + "/" +
                                    std::to_string(pos.tp.partition) + " but the log holds " + std::to_string(*end) +
                                    ": the log lost records, or the views belong to another log");
        p.applied += pos.offset;
        p.end += *end;
    }
    return p;
}

}  // namespace liquida::projections
