// The librdkafka plumbing the Kafka log stands on: handles, error text, offset queries, the
// log's record headers and batch marks, its options' checks, and the topics' administration
// (missing topics created, existing ones checked). Internal to the events library.
#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/errc.h"
#include "events/kafka_log.h"

namespace liquida::events::kafka {

using Clock = std::chrono::steady_clock;

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const {
        if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

inline int to_ms(std::chrono::milliseconds d) { return static_cast<int>(std::clamp<int64_t>(d.count(), 0, INT_MAX)); }

// "NAME: text (detail)" of a librdkafka error.
std::string describe(rd_kafka_resp_err_t err, const char* detail = nullptr);

// ListOffsets for one partition, asked again while its error is transient (a leader moving, a
// broker reconnecting), until `timeout`. `query` is RD_KAFKA_OFFSET_END (the end, with the
// client's isolation.level) or a timestamp (the first batch whose newest timestamp is >= it,
// then its first record at or after it; -1 when none).
rd_kafka_resp_err_t list_offset(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t query, int64_t& out,
                                std::chrono::milliseconds timeout);

// Where a record sits in its batch; the key is the batch's idempotency key, if any.
struct BatchMark {
    std::string key;
    size_t index = 0;
    size_t count = 1;
};

// The record of a consumed message, without the log's own headers (idempotency key, batch mark).
Record decode(const rd_kafka_message_t* m);

// The batch mark of a consumed message. A record without a valid one (written by another
// producer) counts as a batch of its own.
BatchMark decode_mark(const rd_kafka_message_t* m);

void add_header(rd_kafka_headers_t* headers, std::string_view key, std::string_view value);

// A record as a read fetched it, with its place in its batch.
struct Fetched {
    StoredRecord stored;
    BatchMark mark;
};

// What the records say of each one's batch, in partition order.
enum class BatchState : uint8_t {
    complete,  // all its records are there in a row
    aborted,   // a record of another batch came first, or its first records are not there
    cut,       // the records end before it does: the next ones decide
};
std::vector<BatchState> batch_states(std::span<const Fetched> records);

// A client of the options' cluster: the log's defaults (producers: linger.ms=1,
// batch.size=1000000, lz4, message.timeout.ms the log's timeout), then `role`'s properties, then
// the caller's, then what must hold (producers: enable.idempotence, acks=all, `on_delivery`).
result<Handle> make_client(rd_kafka_type_t type, const KafkaLogOptions& options,
                           const std::vector<std::pair<std::string, std::string>>& role,
                           void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*));

// Refuses options the log cannot open with (errc::invalid_argument), before any connection.
result<ok_t> check_options(const KafkaLogOptions& options);

// Creates the options' missing topics (their partitions and replication factor, kept forever)
// and refuses existing ones that differ in partition count or would delete records
// (errc::config_mismatch). `rk` is any client handle on the cluster.
result<ok_t> ensure_topics(rd_kafka_t* rk, const KafkaLogOptions& options);

}  // namespace liquida::events::kafka
