// Counters for GET /metrics, in Prometheus' text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace liquida::gateway {

class Metrics {
public:
    std::atomic<uint64_t> events_appended{0};
    std::atomic<uint64_t> commands_accepted{0};
    std::atomic<int64_t> view_lag{0};
    // The views hold everything the log held a second ago (else /healthz says catching_up).
    std::atomic<bool> views_current{false};
    std::atomic<uint64_t> view_events_applied{0};
    std::atomic<uint64_t> view_step_failures{0};  // runner steps that failed (and were retried)

    void rejected(const std::string& code) {
        std::lock_guard lk(mu_);
        ++rejected_[code];
    }
    void request(double seconds) {
        std::lock_guard lk(mu_);
        for (size_t i = 0; i < kBuckets.size(); ++i)
            if (seconds <= kBuckets[i]) ++buckets_[i];
        ++count_;
        sum_ += seconds;
    }

    // `connections`, `subscriptions` and `drops` are read from the server and hub when rendered.
    std::string render(size_t connections, size_t subscriptions, uint64_t drops, uint64_t refused) const;

private:
    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
    mutable std::mutex mu_;
    std::map<std::string, uint64_t> rejected_;
    std::array<uint64_t, kBuckets.size()> buckets_{};
    uint64_t count_ = 0;
    double sum_ = 0;
};

}  // namespace liquida::gateway
