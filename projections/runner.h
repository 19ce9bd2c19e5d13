// Keeps the views up to date with the log: reads every partition from the offsets stored
// with the views, applies the events in batches and commits rows and offsets together.
// Works through the EventLog interface only, so it runs the same on the embedded log and
// on Kafka.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "events/log.h"
#include "projections/views.h"

namespace liquida::projections {

struct RunnerOptions {
    // Most events applied per committed batch. Default 20000: large enough to amortize the
    // write, small enough that a batch's rows and records stay a few MiB.
    size_t max_batch = 20'000;
    // While behind, a step takes up to this many times max_batch: fewer, larger commits, each
    // row written once for more events (8: 160,000 events, about 20 MiB more than one batch).
    size_t catch_up_factor = 8;
    // While behind, partitions are applied on this many threads at once (at most
    // Views::kLanes; 1: on the caller's thread only).
    size_t lanes = Views::kLanes;
};

class Runner {
public:
    Runner(events::EventLog& log, Views& views, RunnerOptions options = {});

    // Applies what is readable now, at most one batch. Returns the records consumed (0: none
    // waiting), aborted ones included: they are passed over, never applied. A record that
    // does not decode, or whose amounts would overflow int64 centavos in a row it changes,
    // stops the runner at its offset with errc::bad_record: skipping it would make the
    // views silently wrong.
    result<size_t> step();

    using Deadline = std::chrono::steady_clock::time_point;
    static constexpr Deadline kNoDeadline = Deadline::max();

    // Steps until every partition reaches the end offset it had when called, or until
    // `deadline` passes (each lane then ends the step it is in, and takes at least one).
    result<size_t> catch_up(Deadline deadline = kNoDeadline);

    // Steps until each partition reaches `ends[tp]` exactly (a cut, e.g. the end of a month
    // for a replay) or `deadline` passes; partitions not named are left alone. Never applies
    // past a cut. The lanes step on threads of their own without waiting for each other, so
    // on_delta and on_progress are called from them, one at a time.
    result<size_t> catch_up_to(const std::map<events::TopicPartition, int64_t>& ends, Deadline deadline = kNoDeadline);

    // Whether the last step or catch-up left a partition with more to apply than it took:
    // the caller's next move is then a catch-up rather than a step.
    bool behind() const { return behind_; }

    // Steps until `stop` is set, waiting on the log (no polling) when there is nothing new.
    result<liquida::ok_t> run(const std::atomic<bool>& stop);

    // Waits (no polling) until a partition has something to apply, or the timeout passes.
    bool wait(std::chrono::milliseconds timeout) { return log_.wait_for_any(positions_, timeout); }

    // Sum over partitions of (end offset - applied offset). An error when the log cannot say,
    // or when the views have applied more of a partition than the log holds (errc::
    // ahead_of_log): the log lost acknowledged records, or the views belong to another log.
    result<int64_t> lag();
    // The same, as the sums it is the difference of: offsets applied and log end offsets.
    struct Progress {
        int64_t applied = 0;
        int64_t end = 0;
    };
    result<Progress> progress();

    // Called after each committed batch with the rows it changed, on the runner's thread (in
    // catch_up_to, on the lanes' threads, one at a time).
    void on_delta(std::function<void(const Delta&)> f) { on_delta_ = std::move(f); }
    // Called with each partition's records as read, before they are applied (the hash-chain
    // watch verifies them there instead of reading them again). While behind, the lanes call it
    // at once from their threads, each with its own partitions' records: the callback guards
    // whatever the partitions share.
    void on_read(std::function<void(const std::vector<events::StoredRecord>&)> f) { on_read_ = std::move(f); }
    // Called after each committed batch with its event count; cheaper than on_delta, which
    // makes every batch collect copies of its changed rows.
    void on_progress(std::function<void(size_t)> f) { on_progress_ = std::move(f); }

private:
    events::EventLog& log_;
    Views& views_;
    RunnerOptions options_;
    std::vector<events::Position> positions_;  // next offset per partition
    std::vector<int64_t> limits_;              // step() reads below these (INT64_MAX: no cut)
    std::function<void(const Delta&)> on_delta_;
    std::function<void(size_t)> on_progress_;
    std::function<void(const std::vector<events::StoredRecord>&)> on_read_;
    std::mutex callbacks_mu_;  // lanes catching up on their own threads report one at a time
    size_t lanes_ = 1;         // partitions applied on this many threads at once while behind
    bool behind_ = true;       // the last step left a partition more to read: the next uses every lane

    // Whether lane `lane` applies positions_[i]: a partition's number modulo the lanes.
    bool owns(size_t lane, size_t i) const { return static_cast<size_t>(positions_[i].tp.partition) % lanes_ == lane; }
    // Reads and applies lane `lane`'s partitions into `batch` from next[i], at most `budget`
    // records in all, moving next[i], and sets `full` when a partition had more than it got;
    // the records consumed.
    result<size_t> apply_lane(size_t lane, size_t budget, Views::Batch& batch, std::vector<int64_t>& next, bool& full);
    // Applies and commits one batch of lane `lane` and moves its partitions' positions; the
    // records consumed and the batch's changes.
    struct LaneStep {
        result<size_t> consumed = size_t{0};
        result<Delta> delta = Delta{};
        bool full = false;
    };
    LaneStep lane_step(size_t lane);
    // The records one step of lane `lane` may take: its partitions' part of a batch (of
    // catch_up_factor batches while behind), at least 256.
    size_t budget(size_t lane) const;
};

}  // namespace liquida::projections
