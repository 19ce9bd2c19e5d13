// Checks the log's hash chain as a server runs: at start from the last verified point, then
// every record as it becomes readable. A broken link is reported per partition, so that whoever
// writes to that partition can refuse until an operator has looked (docs/OPERATIONS.md).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "events/chain.h"
#include "events/errc.h"
#include "events/log.h"

namespace liquida::events {

class ChainWatch {
public:
    // `state_path`: a small file holding, per partition, the next offset to verify and the hash
    // of the record before it. Missing: every partition is verified from offset 0.
    ChainWatch(EventLog& log, std::string state_path);

    // Reads where verification stands from the state file. A file that cannot be read back
    // whole is an error: nothing is assumed verified that was not.
    result<ok_t> load();

    // Verifies up to `max_records` per partition of what is readable now, and saves the state
    // when it moved, at most once a second (a stale state only means checking again). Returns how many records were verified; a broken link
    // is not an error of the step (see broken()), a failed read or save is.
    result<size_t> step(size_t max_records = 4096);

    // Verifies records another reader has read anyway (the views' runner), so that step()
    // finds them done and reads nothing: records at the verified point of their partition are
    // fed, others ignored. Thread-safe with step(), and never waits for it: while a step runs,
    // the records are left to the steps.
    void observe(const std::vector<StoredRecord>& records);

    // Saves what step() verified and has not saved yet (at a clean stop).
    result<ok_t> flush();

    // Blocks until some partition has records past the verified point, or the timeout passes.
    void wait(std::chrono::milliseconds timeout);

    // The first broken link of `tp`, if its chain is broken. Thread-safe.
    std::optional<ChainBreak> broken(const TopicPartition& tp) const;
    // Every partition whose chain is broken, in topic/partition order. Thread-safe.
    std::vector<ChainBreak> breaks() const;
    // Records readable now but not yet verified, over the unbroken partitions. Thread-safe.
    int64_t behind() const;
    // The last step verified all that was readable when it started (no batch left behind).
    bool caught_up() const { return caught_up_; }

private:
    struct Partition {
        ChainVerifier verifier;
        int64_t end = 0;  // readable end when last asked
    };
    result<ok_t> save() const;

    EventLog& log_;
    std::string state_path_;
    std::mutex step_mu_;  // step() and observe(): guards what follows
    std::map<TopicPartition, Partition> partitions_;
    std::chrono::steady_clock::time_point saved_{};  // when the state was last written
    bool unsaved_ = false;                           // verified since then
    mutable std::mutex mu_;                          // guards what other threads read:
    std::map<TopicPartition, ChainBreak> broken_;
    std::map<TopicPartition, int64_t> verified_;  // next offset to verify, of unbroken partitions
    bool caught_up_ = false;                      // touched by step() only
};

}  // namespace liquida::events
