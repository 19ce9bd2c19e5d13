// What a Liquida writer that died in the middle of a Kafka append leaves behind: the first
// records of a batch, marked "index/count" like the Kafka log marks them, and no more.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events/log.h"

namespace liquida::test {

class DeadWriter {
public:
    explicit DeadWriter(const std::string& brokers);
    ~DeadWriter();
    DeadWriter(const DeadWriter&) = delete;
    DeadWriter& operator=(const DeadWriter&) = delete;

    // Writes `records` to `tp` as indexes 0.. of a batch of `count` (> records.size()), with
    // `key` as its idempotency key when not empty; returns once they are in the partition.
    void write_prefix(const events::TopicPartition& tp, const std::vector<events::Record>& records, size_t count,
                      const std::string& key = {});

private:
    struct Producer;
    std::unique_ptr<Producer> producer_;
};

}  // namespace liquida::test
