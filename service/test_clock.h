// A test clock, as payment platforms offer: the business time a server started with
// `serve --test-clock` (or `--demo`) runs on instead of the wall clock, so rules by date (the
// day 1-5 window, a token's 23:59, one session per 7 days, a document's expiry) can be tried
// without faking the process's clock. It stands still until the colegio moves it, and only
// forward: no command is decided before one already decided. Its instant is kept in
// DATA/test-clock, replaced durably at every move, so a restart resumes where it stood.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "domain/types.h"
#include "events/errc.h"
#include "service/errc.h"

namespace liquida::service {

inline constexpr std::string_view kTestClockFile = "test-clock";

// Why a move was refused: backwards (a conflict with what was decided) or not kept (the disk).
struct ClockRefusal {
    bool backwards = false;
    std::string message;  // Spanish when backwards; the disk's error otherwise
};

class TestClock {
public:
    // The clock kept in `file`, created at `start` when there is none. A kept instant later
    // than `start` wins: the clock never goes back, not even across restarts.
    static result<std::unique_ptr<TestClock>> open(std::string file, domain::TimestampMs start);
    // Whether `file` holds a test clock (a data directory that ran on one).
    static bool exists(const std::string& file);

    domain::TimestampMs now() const;
    // Moves the clock to `to` and keeps it before answering; `to` before now is refused.
    liquida::result<domain::TimestampMs, ClockRefusal> set(domain::TimestampMs to);
    // For a feed that brings its own instants (the demo): moves forward to `to` when later,
    // keeping it on disk only when the Argentine day turns (the feed decides the same again
    // after a restart). Returns the clock's instant after the move.
    domain::TimestampMs follow(domain::TimestampMs to);

private:
    TestClock(std::string file, domain::TimestampMs at) : file_(std::move(file)), at_(at), kept_(at) {}
    result<ok_t> keep(domain::TimestampMs at);  // under mu_

    const std::string file_;
    mutable std::mutex mu_;
    domain::TimestampMs at_;
    domain::TimestampMs kept_;  // what the file holds
};

}  // namespace liquida::service
