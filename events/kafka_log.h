// The Kafka implementation of the event log (librdkafka, C API). See "Kafka backend" in
// events/README.md for what it guarantees and what it does not.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/log.h"

namespace liquida::events {

// Record headers the Kafka log adds to every record of a batch: its idempotency key (when it has
// one; the Kafka log looks none up, see EventLog's AppendBatch) and its place in the batch.
inline constexpr std::string_view kHeaderIdempotencyKey = "liquida.idempotency_key";
inline constexpr std::string_view kHeaderBatch = "liquida.batch";  // "index/count", e.g. "0/3"

struct KafkaLogOptions {
    // bootstrap.servers: "host:port[,host:port...]". Required.
    std::string brokers;
    // Topics and their partition counts. Missing topics are created at open (CreateTopics);
    // an existing topic with another partition count fails with errc::config_mismatch,
    // since moving partitions breaks per-key order, and so does one that would delete
    // records (retention.ms or retention.bytes of 0 or more, compaction). At least one.
    std::vector<TopicSpec> topics;
    // Replication factor of topics created at open. Default 1 (development); use 3 with
    // min.insync.replicas=2 in production.
    int16_t replication_factor = 1;
    // librdkafka properties applied to every client this log creates: security.protocol,
    // sasl.*, ssl.*, and overrides of the defaults (linger.ms=1, batch.size=1000000,
    // compression.type=lz4, transaction.timeout.ms=twice `timeout`). enable.idempotence and acks
    // are fixed (true, all) and transactional.id and isolation.level are the log's own: setting
    // them here fails with errc::invalid_argument. Default empty.
    std::map<std::string, std::string> properties;
    // Bound on each network operation: delivery of an append (message.timeout.ms), metadata,
    // topic creation, watermark and offset queries, a read, and the scan at open (without
    // progress), and each step of a transaction. At most 15 minutes (the brokers' default
    // transaction.max.timeout.ms). Default 30 s.
    std::chrono::milliseconds timeout{30000};
    // Put before every topic name on the cluster: "staging." makes topic "liquida.ordenes" the
    // Kafka topic "staging.liquida.ordenes", so several installations (or test cases) share a
    // cluster. Records read back carry the names without it. Default empty.
    std::string topic_prefix = {};
    // The transactional.id of the log's producer. A writer that opens with the same id fences
    // the previous one (its open transaction is aborted, its appends fail from then on), so
    // give each installation its own. Default: topic_prefix + "liquida.writer".
    std::string transactional_id = {};
};

// Connects, creates missing topics, and finds where each partition ends: its last stable offset
// and the last batch before it (a few records), whatever the topics hold. The transactional
// producer is made at the first append or finish_pending_appends, so a log opened only to read
// never fences the writer.
result<std::unique_ptr<EventLog>> open_kafka_log(const KafkaLogOptions& options);

// The records a Kafka log's consumers have received from the brokers since it opened (reads,
// the tail, the look back at open); 0 for another log. What opening or a read costs.
uint64_t records_fetched(const EventLog& log);

}  // namespace liquida::events
