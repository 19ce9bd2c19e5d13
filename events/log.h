// The event log, shaped like Kafka: topics of partitions of records at increasing offsets
// (dense on the embedded log; on Kafka, transaction markers take offsets between appends).
// Two implementations behind this interface: the embedded log (RocksDB, one machine) and
// Kafka (librdkafka). Everything above events/ sees only this.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/types.h"
#include "events/errc.h"
#include "events/sha256.h"

namespace liquida::events {

struct TopicSpec {
    std::string name;
    int32_t partitions = 1;
};

struct TopicPartition {
    std::string topic;
    int32_t partition = 0;
    friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// A reader's place in one partition: the next offset it wants.
struct Position {
    TopicPartition tp;
    int64_t offset = 0;
};

struct Header {
    std::string key;
    std::string value;
    friend bool operator==(const Header&, const Header&) = default;
};

struct Record {
    std::string key;
    std::string value;
    domain::TimestampMs timestamp = 0;  // the Kafka log stores 0 as the time of the append (as Kafka does)
    std::vector<Header> headers;
    friend bool operator==(const Record&, const Record&) = default;
};

// The log's tamper-evidence seal of a stored record (events/chain.h): SHA-256 of the
// partition's previous record and of this one. Absent on a record that carries none (or
// carries one that is not 32 bytes, or 64 hex digits in Kafka's headers).
struct Seal {
    std::optional<Hash> prev_hash;
    std::optional<Hash> hash;
    friend bool operator==(const Seal&, const Seal&) = default;
};

struct StoredRecord {
    TopicPartition tp;
    int64_t offset = 0;
    Record record;
    Seal seal;
    // A record of a batch whose append failed (never acknowledged): it holds its offset and
    // its link in the chain, but is not part of the history, so whoever builds state skips
    // it. Only the Kafka log has these (events/README.md, "Kafka backend").
    bool aborted = false;
};

// Records appended together: all or none, at consecutive offsets of one partition.
struct AppendBatch {
    TopicPartition tp;
    // The embedded log keeps an index of these: a batch with a key already in the log is not
    // appended again, across restarts too, and the caller learns the original offsets
    // (AppendResult::duplicate). The Kafka log carries the key in a record header and looks
    // nothing up (an index would mean reading every topic at open): there the caller keeps
    // its own durable index (service/state_store.h), and after an append that failed calls
    // finish_pending_appends before it reads whether the append landed.
    std::string idempotency_key;
    std::vector<Record> records;
};

struct AppendResult {
    TopicPartition tp;
    int64_t base_offset = 0;  // offset of the first record
    size_t count = 0;
    bool duplicate = false;  // the embedded log had idempotency_key already
};

class EventLog {
public:
    virtual ~EventLog() = default;

    virtual const std::vector<TopicSpec>& topics() const = 0;

    // Appends batches of any partitions as one: once it returns, all of them are durable and
    // readable; on failure none of them ever becomes readable (a command's events on several
    // topics land all or nothing), except that the failure of a commit whose outcome is unknown
    // leaves the batches to finish_pending_appends. Results in the order of `batches`.
    // The log seals each record into its partition's hash chain (events/chain.h).
    virtual result<std::vector<AppendResult>> append_all(std::vector<AppendBatch> batches) = 0;
    result<AppendResult> append(AppendBatch batch) {
        std::vector<AppendBatch> one;
        one.push_back(std::move(batch));
        auto r = append_all(std::move(one));
        if (!r) return failure(std::move(r).error());
        return r->front();
    }

    // Decides every append of this log's writer left pending (failed with an unknown outcome,
    // or by an earlier process writing as this one): once it returns, end_offset covers each of
    // them that will ever be readable, and none of the others ever will be. A writer calls it
    // at start and after a failed append, before it reads what landed. The embedded log has
    // nothing pending (an append is decided when it returns). The Kafka log makes its
    // transactional producer, which fences any earlier one with its transactional.id.
    virtual result<ok_t> finish_pending_appends() = 0;

    // Records at offsets >= from, in offset order, at most max_records.
    virtual result<std::vector<StoredRecord>> read(const TopicPartition& tp, int64_t from, size_t max_records) = 0;

    // The readable end: every record below it belongs to a batch that was appended whole or
    // is aborted, and every record appended before the call is below it once its batch is
    // decided. On the embedded log, the offset the next record will get; on Kafka it stops
    // before a batch still being written (like Kafka's last stable offset).
    virtual result<int64_t> end_offset(const TopicPartition& tp) = 0;

    // The first offset whose record timestamp is >= t; end_offset when there is none.
    virtual result<int64_t> offset_for_time(const TopicPartition& tp, domain::TimestampMs t) = 0;

    // Blocks until end_offset(p.tp) > p.offset for any of `positions`, the timeout passes or
    // the log closes; no busy polling. True when some record at a given offset is readable.
    // One call serves a reader of many partitions (the projection runner).
    virtual bool wait_for_any(std::span<const Position> positions, std::chrono::milliseconds timeout) = 0;
    bool wait_for(const TopicPartition& tp, int64_t offset, std::chrono::milliseconds timeout) {
        const Position p{tp, offset};
        return wait_for_any(std::span(&p, 1), timeout);
    }

    // Wakes every waiter; later calls fail with errc::closed.
    virtual void close() = 0;
};

struct EmbeddedLogOptions {
    // Directory of the RocksDB database. Required.
    std::string path;
    // Topics and their partition counts. Fixed at creation: reopening with other counts
    // fails with errc::config_mismatch, since moving partitions breaks per-key order.
    std::vector<TopicSpec> topics;
    // fsync the WAL before acknowledging. Default true: an acknowledged append survives a
    // power loss. False survives a process crash only (the OS still holds the write).
    bool sync = true;
    // A damaged write-ahead log (a flipped byte, a lost page): strict refuses to open
    // (errc::corrupt_record), since acknowledged records may lie after the damage. A record
    // cut short at the very end (the writer killed inside its write, so never acknowledged)
    // is not damage: it is dropped.
    // point_in_time opens with the records before the damage and loses the rest: an
    // operator's explicit choice (`--accept-wal-loss`, docs/OPERATIONS.md), never a default.
    enum class WalRecovery { strict, point_in_time };
    WalRecovery wal_recovery = WalRecovery::strict;
    // Non-empty: open as a reader beside the process that holds the log (a running `serve`),
    // as RocksDB's secondary instance, which keeps its own files in this directory. It sees
    // the log as it stood when opened; append fails with errc::invalid_argument.
    std::string follower_dir = {};
};

result<std::unique_ptr<EventLog>> open_embedded_log(const EmbeddedLogOptions& options);

}  // namespace liquida::events
