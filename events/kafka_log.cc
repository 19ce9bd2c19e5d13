// The Kafka event log: one transactional producer, one reader consumer (manual assignment, one
// read at a time) and one tailer consumer that follows every partition from where it stood when
// the log opened; both consumers read with isolation.level=read_committed.
//
// Appends are Kafka transactions, group-committed: one committer thread takes every append
// waiting, produces their records in one transaction and commits it. An append_all's batches
// (a command's events on several topics) are in the same transaction: all or nothing. A failed
// transaction is aborted, so none of its records is ever read, whether or not they reached a
// broker; when the outcome is unknown (a commit timed out) the producer is made again, and
// init_transactions with the same transactional.id finishes or aborts what the old one left
// (finish_pending_appends does it at once). The transactional.id also fences a previous writer
// (a killed `serve`), so its open transaction is aborted at once instead of holding readers back
// until it times out.
//
// Opening reads no history: per partition, the last stable offset and a few records before it
// (the last batch, for its chain hash), whatever the topics hold. So the log keeps no index of
// idempotency keys (it would mean reading every topic at open): a batch's key travels in a
// record header, and the caller keeps the durable index (service/state_store.h).
// The tailer follows every partition from there, so that
//   - wait_for blocks on a condition variable that the tailer (or our own commits) notify,
//     instead of polling the brokers,
//   - the readable end stops before a batch still being written.
// offset_for_time asks the brokers' time index where to start, then reads forward.
//
// Batch marks. Every record carries "index/count" of its batch. Transactions make them
// redundant for our own writes; they remain for records written without a transaction (a
// non-transactional producer, or librdkafka's mock cluster, which runs the transaction protocol
// but writes no markers and hides no aborted records): a batch is complete when all its records
// are there in a row, aborted when a record of another batch comes first. The tailer decides
// them to move the readable end; a read decides those it returns from their own records, and
// returns the others with StoredRecord::aborted.
//
// The hash chain (events/chain.h) links each partition's history records (never an aborted
// one): the committer seals records as it produces them, moves its heads only when the
// transaction commits, and re-reads a partition's head from the tail after an unknown outcome.
// One writer per partition is assumed (and the transactional.id enforces it).
#include "events/kafka_log.h"

#include "events/chain.h"
#include "events/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace liquida::events {
namespace {

using kafka::add_header;
using kafka::batch_states;
using kafka::BatchMark;
using kafka::BatchState;
using kafka::Clock;
using kafka::decode;
using kafka::decode_mark;
using kafka::describe;
using kafka::Fetched;
using kafka::Handle;
using kafka::list_offset;
using kafka::PartitionList;
using kafka::to_ms;

constexpr size_t kMaxRecordBytes = 900'000;  // under the brokers' default message.max.bytes
constexpr size_t kMaxBatchBytes = 16 << 20;  // same bound as the embedded log
constexpr size_t kMaxTxnBytes = 64 << 20;    // one append_all; the committer stops adding appends past it
constexpr int kPollMs = 100;                 // how long a background thread blocks per poll
constexpr int64_t kTailWindow = 64;          // records read back from a partition's end at open, first

std::string name(const TopicPartition& tp) { return tp.topic + "/" + std::to_string(tp.partition); }

// The delivery reports of one transaction.
struct TxnDelivery {
    std::mutex mu;
    size_t remaining = 0;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

// Where one batch of a transaction went: the offset of its first record.
struct BatchDelivery {
    TxnDelivery* txn = nullptr;
    int64_t base = INT64_MAX;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* b = static_cast<BatchDelivery*>(m->_private);
    std::lock_guard g(b->txn->mu);
    // Not rd_kafka_message_errstr: on a delivery report it returns the unterminated payload.
    if (m->err) {
        if (!b->txn->err) b->txn->err = m->err;
    } else {
        b->base = std::min(b->base, m->offset);
    }
    --b->txn->remaining;
}

// An append_all's batches not yet in the log, waiting for the committer's next transaction.
struct TxnRequest {
    std::vector<AppendBatch*> batches;
    std::vector<std::vector<Hash>> contents;                   // content_hash of each record, by the appender
    std::vector<BatchDelivery> sent;                           // the committer's, one per batch
    std::optional<result<std::vector<AppendResult>>> outcome;  // under txn_mu_
};

// The batch the tailer is in the middle of, in one partition.
struct OpenBatch {
    int64_t base = 0;
    size_t next = 0;
    size_t count = 0;
    std::string key;
};

struct PartitionState {
    int64_t tail_pos = 0;  // the tailer has seen every offset below this
    // Every record below is decided: its batch is complete or aborted. The readable end.
    // Moved by the tailer, and over our own acknowledged batches as they join up with it.
    int64_t stable = 0;
    std::map<int64_t, int64_t> acked;  // our acknowledged batches above `stable`: base -> end
    int64_t ours = -1;                 // committer: where our last committed records here end (their marker's offset)
    std::optional<OpenBatch> open;
    std::optional<Hash> tail_hash;  // the seal hash of the last record of a complete batch the tailer saw
};

// Where the committer's hash chain of a partition stands (events/chain.h).
struct ChainHead {
    Hash head = kGenesis;
    bool stale = false;  // a transaction failed: re-read the tail first
};

class KafkaLog final : public EventLog {
public:
    explicit KafkaLog(const KafkaLogOptions& options)
        : options_(options),
          txn_id_(options.transactional_id.empty() ? options.topic_prefix + "liquida.writer" : options.transactional_id) {
        for (const auto& t : options_.topics) {
            partitions_[t.name] = t.partitions;
            wire_names_[t.name] = options_.topic_prefix + t.name;
            for (int32_t p = 0; p < t.partitions; ++p) parts_[TopicPartition{t.name, p}];
        }
    }

    ~KafkaLog() override {
        close();
        {
            std::lock_guard lk(txn_mu_);
            txn_stop_ = true;
        }
        txn_cv_.notify_all();
        if (committer_.joinable()) committer_.join();
        txn_.reset();
        stopping_ = true;
        if (poller_.joinable()) poller_.join();
        if (tailer_thread_.joinable()) tailer_thread_.join();
        tailer_.reset();
        reader_.reset();
        producer_.reset();
    }

    result<ok_t> start() {
        auto producer = client(RD_KAFKA_PRODUCER, {});
        if (!producer) return failure(std::move(producer).error());
        producer_ = std::move(*producer);
        poller_ = std::thread([this] {
            while (!stopping_) rd_kafka_poll(producer_.get(), kPollMs);
        });
        if (auto r = kafka::ensure_topics(producer_.get(), options_); !r) return r;

        const std::string group = "liquida-log-" + std::to_string(std::random_device{}());
        const std::vector<std::pair<std::string, std::string>> consumer{{"group.id", group},
                                                                        {"enable.auto.commit", "false"},
                                                                        {"enable.auto.offset.store", "false"},
                                                                        {"auto.offset.reset", "error"},
                                                                        {"queued.max.messages.kbytes", "8192"},
                                                                        {"isolation.level", "read_committed"},
                                                                        {"enable.partition.eof", "true"}};
        // The reader fetches only below the last stable offset; a short broker wait keeps an idle
        // fetch from delaying the next read's. The tailer keeps the long wait (a long poll).
        auto reader_conf = consumer;
        reader_conf.emplace_back("fetch.wait.max.ms", "10");
        auto reader = client(RD_KAFKA_CONSUMER, reader_conf);
        if (!reader) return failure(std::move(reader).error());
        reader_ = std::move(*reader);
        auto tailer = client(RD_KAFKA_CONSUMER, consumer);
        if (!tailer) return failure(std::move(tailer).error());
        tailer_ = std::move(*tailer);

        auto starts = tail_starts();
        if (!starts) return failure(std::move(starts).error());
        PartitionList all(rd_kafka_topic_partition_list_new(static_cast<int>(parts_.size())));
        for (auto& [tp, st] : parts_) {
            TailStart& start = starts->at(tp);
            st.stable = start.offset;
            // Seen up to the end asked, unless a batch still being written is read again from its start.
            st.tail_pos = start.open ? start.offset : start.end;
            st.tail_hash = start.hash;
            rd_kafka_topic_partition_list_add(all.get(), wire(tp.topic).c_str(), tp.partition)->offset = start.offset;
        }
        if (auto err = rd_kafka_assign(tailer_.get(), all.get()))
            return fail(errc::io_error, "kafka log: cannot assign the tailer: " + describe(err));
        tailer_thread_ = std::thread([this] { tail(); });

        for (const auto& [tp, st] : parts_) {
            if (auto r = catch_up(tp); !r) return r;
            chain_[tp] = ChainHead{tail_head(tp), false};
        }
        committer_ = std::thread([this] { commit_loop(); });
        return ok;
    }

    const std::vector<TopicSpec>& topics() const override { return options_.topics; }

    // The Kafka topic of one of ours (options_.topic_prefix + its name), and back.
    const std::string& wire(const std::string& topic) const { return wire_names_.at(topic); }
    std::string_view logical(std::string_view kafka_topic) const {
        if (kafka_topic.starts_with(options_.topic_prefix)) kafka_topic.remove_prefix(options_.topic_prefix.size());
        return kafka_topic;
    }

    result<std::vector<AppendResult>> append_all(std::vector<AppendBatch> batches) override {
        if (auto r = check_open(); !r) return failure(r.error());
        if (batches.empty()) return fail(errc::invalid_argument, "no batches");
        size_t total = 0;
        std::unordered_set<std::string_view> keys;
        for (const AppendBatch& batch : batches) {
            if (auto r = check(batch.tp); !r) return failure(r.error());
            if (batch.records.empty()) return fail(errc::invalid_argument, "empty batch");
            size_t bytes = 0;
            for (const Record& r : batch.records) {
                size_t one = r.key.size() + r.value.size() + batch.idempotency_key.size() + 64;
                for (const Header& h : r.headers) one += h.key.size() + h.value.size() + 8;
                if (one > kMaxRecordBytes) return fail(errc::invalid_argument, "record larger than 900 kB");
                if (r.timestamp < 0) return fail(errc::invalid_argument, "negative record timestamp");
                bytes += one;
            }
            if (bytes > kMaxBatchBytes) return fail(errc::invalid_argument, "batch larger than 16 MiB");
            total += bytes;
            if (!batch.idempotency_key.empty() && !keys.insert(batch.idempotency_key).second)
                return fail(errc::invalid_argument, "one idempotency key twice in one append");
        }
        if (total > kMaxTxnBytes) return fail(errc::invalid_argument, "batches larger than 64 MiB together");

        TxnRequest req;
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        for (AppendBatch& batch : batches) {
            req.batches.push_back(&batch);
            auto& contents = req.contents.emplace_back();
            contents.reserve(batch.records.size());
            for (Record& r : batch.records) {
                if (r.timestamp == 0) r.timestamp = now;  // as the producer would, but before the seal
                contents.push_back(content_hash(r));
            }
        }
        auto sent = transact(req);
        if (!sent) return sent;
        std::unique_lock lk(mu_);
        for (const AppendResult& r : *sent) {
            PartitionState& st = parts_.at(r.tp);
            st.acked.emplace(r.base_offset, r.base_offset + static_cast<int64_t>(r.count));
            settle(st);
        }
        cv_.notify_all();
        // Readable before the caller hears of it: the readable end moves over them at once
        // when they follow what the tailer decided, else once the tailer reads them.
        cv_.wait_for(lk, options_.timeout, [&] {
            return closed_ || std::all_of(sent->begin(), sent->end(), [&](const AppendResult& r) {
                       return parts_.at(r.tp).stable >= r.base_offset + static_cast<int64_t>(r.count);
                   });
        });
        return sent;
    }

    result<ok_t> finish_pending_appends() override {
        if (auto r = check_open(); !r) return r;
        if (writer_ready_) return ok;  // every transaction since the producer was made is decided
        TxnRequest init;               // no batches: the committer makes the producer and reads the tails again
        if (auto r = transact(init); !r) return failure(std::move(r).error());
        return ok;
    }

    result<std::vector<StoredRecord>> read(const TopicPartition& tp, int64_t from, size_t max_records) override {
        if (auto r = check(tp); !r) return failure(r.error());
        if (from < 0) return fail(errc::offset_out_of_range, "negative offset");
        if (auto r = check_open(); !r) return failure(r.error());
        std::vector<StoredRecord> out;
        if (max_records == 0) return out;

        // Up to the stable end as the tailer and our acknowledgements know it, with no request
        // to the brokers: a reader of many partitions pays nothing for the idle ones. A caller
        // that must see what others appended just now asks end_offset first.
        int64_t high = 0;
        {
            std::lock_guard lk(mu_);
            high = parts_.at(tp).stable;  // never a record of an undecided batch
        }
        if (from >= high) return out;
        std::lock_guard g(read_mu_);
        auto fetched = fetch({{tp, Range{from, high, max_records, true}}});
        if (!fetched) return failure(std::move(fetched).error());
        std::vector<Fetched>* got = &fetched->at(tp);
        if (got->empty()) return out;

        // Each batch is decided from its own records: the last one's were read to its end
        // (fetch goes on), the first one's from its start, unless the last read decided it.
        std::optional<CutBatch> carried;
        size_t skip = 0;  // records before `from`, read only to decide their batch
        if (const BatchMark& head = got->front().mark; head.index > 0) {
            const int64_t first = got->front().stored.offset;
            if (auto memo = cut_.find(tp); memo != cut_.end() && memo->second.base <= first && first < memo->second.end) {
                carried = memo->second;
            } else {
                const int64_t base = std::max<int64_t>(0, first - static_cast<int64_t>(head.index));
                auto before = fetch({{tp, Range{base, first, head.index}}});
                if (!before) return failure(std::move(before).error());
                std::vector<Fetched>& prefix = before->at(tp);
                skip = prefix.size();
                got->insert(got->begin(), std::make_move_iterator(prefix.begin()), std::make_move_iterator(prefix.end()));
            }
        }
        const auto states = batch_states(*got);
        const size_t last = std::min(got->size(), skip + max_records);
        out.reserve(last - skip);
        for (size_t i = skip; i < last; ++i) {
            Fetched& f = (*got)[i];
            // A batch cut at `high` is aborted: every batch below the stable end is decided.
            const bool complete = carried && f.stored.offset < carried->end ? carried->complete : states[i] == BatchState::complete;
            f.stored.aborted = !complete;
            out.push_back(std::move(f.stored));
        }
        // The next read starts inside the last batch when this one stopped before its end.
        const Fetched& tail = (*got)[last - 1];
        const int64_t tail_base = tail.stored.offset - static_cast<int64_t>(tail.mark.index);
        if (last < got->size() && tail.mark.index + 1 < tail.mark.count)
            cut_[tp] = CutBatch{tail_base, tail_base + static_cast<int64_t>(tail.mark.count), !out.back().aborted};
        else cut_.erase(tp);
        return out;
    }

    // The stable end, once the tailer has read what the brokers hold now.
    result<int64_t> end_offset(const TopicPartition& tp) override {
        if (auto r = check(tp); !r) return failure(r.error());
        if (auto r = check_open(); !r) return failure(r.error());
        if (auto r = catch_up(tp); !r) return failure(r.error());
        std::lock_guard lk(mu_);
        return parts_.at(tp).stable;
    }

    result<int64_t> offset_for_time(const TopicPartition& tp, domain::TimestampMs t) override {
        if (auto r = check(tp); !r) return failure(r.error());
        auto end = end_offset(tp);
        if (!end || *end == 0) return end;
        // The brokers' time index says where to start: every batch before its answer, a commit
        // marker's included, is older than t. Only where to start: a marker's timestamp is the
        // wall clock, after every back-dated business time, so the answer can come early.
        auto from = time_lookup(tp, t);
        if (!from) return from;
        if (*from < 0) {
            // "None at or after t", says a broker that looks up by time. librdkafka's mock says
            // so of every lookup; it is told apart by one that every record answers.
            auto any = time_lookup(tp, 0);
            if (!any) return any;
            if (*any >= 0) return end;
            *from = 0;
        }
        for (int64_t at = *from; at < *end;) {
            auto chunk = read(tp, at, 1000);
            if (!chunk) return failure(std::move(chunk).error());
            if (chunk->empty()) break;
            for (const StoredRecord& r : *chunk)
                if (!r.aborted && r.record.timestamp >= t) return r.offset;
            at = chunk->back().offset + 1;
        }
        return end;
    }

    bool wait_for_any(std::span<const Position> positions, std::chrono::milliseconds timeout) override {
        std::vector<std::pair<const PartitionState*, int64_t>> wanted;
        std::unique_lock lk(mu_);
        for (const Position& p : positions)
            if (auto it = parts_.find(p.tp); it != parts_.end()) wanted.emplace_back(&it->second, p.offset);
        if (wanted.empty()) return false;
        auto readable = [&] { return std::any_of(wanted.begin(), wanted.end(), [](const auto& w) { return w.first->stable > w.second; }); };
        return cv_.wait_for(lk, timeout, [&] { return closed_ || readable(); }) && !closed_;
    }

    uint64_t records_fetched() const { return fetched_.load(std::memory_order_relaxed); }

    void close() override {
        {
            std::lock_guard lk(mu_);
            closed_ = true;
        }
        cv_.notify_all();
    }

private:
    result<ok_t> check(const TopicPartition& tp) const {
        auto it = partitions_.find(tp.topic);
        if (it == partitions_.end()) return fail(errc::invalid_argument, "unknown topic '" + tp.topic + "'");
        if (tp.partition < 0 || tp.partition >= it->second)
            return fail(errc::invalid_argument, "topic '" + tp.topic + "' has no partition " + std::to_string(tp.partition));
        return ok;
    }

    result<ok_t> check_open() {
        std::lock_guard lk(mu_);
        if (closed_) return fail(errc::closed, "log closed");
        return ok;
    }

    result<Handle> client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& role) {
        return kafka::make_client(type, options_, role, on_delivery);
    }

    // What a fetch wants of one partition: its records in [from, to), at most `max`, or more
    // when `finish_batch` and the last one's batch goes on: then up to its end (or `to`), so
    // that it can be decided.
    struct Range {
        int64_t from = 0, to = 0;
        size_t max = SIZE_MAX;
        bool finish_batch = false;
    };
    using Fetch = std::map<TopicPartition, std::vector<Fetched>>;

    // The records of every range, in one assignment of the reader. Offsets have gaps
    // (transaction markers, aborted records): a range ends at `to`, at `max`, or where the
    // brokers say the partition ends. Under read_mu_.
    result<Fetch> fetch(const std::map<TopicPartition, Range>& ranges) {
        Fetch out;
        std::map<TopicPartition, int64_t> next;  // the ranges still read: the next offset wanted
        PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size())));
        for (const auto& [tp, r] : ranges) {
            out[tp];
            if (r.from >= r.to || r.max == 0) continue;
            rd_kafka_topic_partition_list_add(list.get(), wire(tp.topic).c_str(), tp.partition)->offset = r.from;
            next.emplace(tp, r.from);
        }
        if (next.empty()) return out;
        if (auto err = rd_kafka_assign(reader_.get(), list.get()))
            return fail(errc::io_error, "assign " + name(next.begin()->first) + ": " + describe(err));
        auto done = [&](const TopicPartition& tp, int64_t at) {
            const Range& r = ranges.at(tp);
            const std::vector<Fetched>& got = out.at(tp);
            if (at >= r.to) return true;
            if (got.size() < r.max) return false;
            return !r.finish_batch || got.back().mark.index + 1 >= got.back().mark.count;
        };
        const auto deadline = Clock::now() + options_.timeout;
        std::optional<fault> failed;
        while (!next.empty() && !failed && Clock::now() < deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            rd_kafka_message_t* m = rd_kafka_consumer_poll(reader_.get(), std::min(to_ms(left), kPollMs));
            if (!m) continue;
            auto it = m->rkt ? next.find(TopicPartition{std::string(logical(rd_kafka_topic_name(m->rkt))), m->partition}) : next.end();
            if (it != next.end()) {
                const TopicPartition& tp = it->first;
                if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
                    failed = fault{errc::offset_out_of_range, name(tp) + " offset " + std::to_string(it->second) + ": " + describe(m->err)};
                } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->offset >= ranges.at(tp).to) {
                    next.erase(it);  // the rest below `to` are markers or aborted records
                } else if (!m->err && m->offset >= it->second && m->offset < ranges.at(tp).to) {
                    fetched_.fetch_add(1, std::memory_order_relaxed);
                    Record r = decode(m);
                    Seal seal = take_seal(r.headers);
                    out[tp].push_back(Fetched{StoredRecord{tp, m->offset, std::move(r), seal, false}, decode_mark(m)});
                    it->second = m->offset + 1;
                    if (done(tp, it->second)) next.erase(it);
                }
            }
            // Other errors are transient (librdkafka retries); the deadline bounds them.
            rd_kafka_message_destroy(m);
        }
        rd_kafka_assign(reader_.get(), nullptr);
        if (failed) return failure(std::move(*failed));
        if (!next.empty())
            return fail(errc::io_error,
                        "read of " + name(next.begin()->first) + " timed out at offset " + std::to_string(next.begin()->second));
        return out;
    }

    // Where the tailer starts in each partition, and the chain's hash there: past the last
    // record when its batch is complete, else at that batch's first record, with the hash of
    // the one before it. Reads back from the ends, all partitions at once, in a window that
    // grows where it does not hold both yet; usually one read.
    struct TailStart {
        int64_t offset = 0;
        int64_t end = 0;    // the last stable offset when asked
        bool open = false;  // `offset` is the first record of a batch not complete yet
        std::optional<Hash> hash;
    };
    result<std::map<TopicPartition, TailStart>> tail_starts() {
        std::map<TopicPartition, TailStart> starts;
        std::map<TopicPartition, Range> wanted;
        for (const auto& [tp, st] : parts_) {
            auto end = last_stable_offset(tp);
            if (!end) return failure(std::move(end).error());
            starts[tp] = TailStart{*end, *end, false, {}};
            wanted[tp] = Range{std::max<int64_t>(0, *end - kTailWindow), *end};
        }
        while (!wanted.empty()) {
            Fetch got;
            {
                std::lock_guard g(read_mu_);
                auto r = fetch(wanted);
                if (!r) return failure(std::move(r).error());
                got = std::move(*r);
            }
            std::map<TopicPartition, Range> wider;
            for (const auto& [tp, records] : got) {
                const int64_t lo = wanted.at(tp).from, end = wanted.at(tp).to;
                auto widen = [&] { wider[tp] = Range{std::max<int64_t>(0, end - 4 * (end - lo)), end}; };
                if (!records.empty() && lo > 0) {
                    const Fetched& last = records.back();
                    if (last.mark.index + 1 < last.mark.count && last.stored.offset - static_cast<int64_t>(last.mark.index) < lo) {
                        widen();  // the last batch began before the window
                        continue;
                    }
                }
                const auto states = batch_states(records);
                size_t open = records.size();  // the last batch's first record when it is not complete yet
                while (open > 0 && states[open - 1] == BatchState::cut) --open;
                // Past the last record, not at the end: commit markers after it change nothing.
                TailStart& start = starts.at(tp);
                start.open = open < records.size();
                start.offset = start.open ? records[open].stored.offset : records.empty() ? end : records.back().stored.offset + 1;
                auto complete = std::find(std::make_reverse_iterator(states.begin() + static_cast<ptrdiff_t>(open)), states.rend(),
                                          BatchState::complete);
                if (complete != states.rend()) start.hash = records[static_cast<size_t>(states.rend() - complete) - 1].stored.seal.hash;
                else if (lo > 0) widen();
            }
            wanted = std::move(wider);
        }
        return starts;
    }

    result<int64_t> time_lookup(const TopicPartition& tp, domain::TimestampMs t) {
        int64_t at = -1;
        if (auto err = list_offset(producer_.get(), wire(tp.topic), tp.partition, t, at, options_.timeout))
            return fail(errc::io_error, "offset by time of " + name(tp) + ": " + describe(err));
        return at;
    }

    // The partition's last stable offset: librdkafka asks ListOffsets with the client's
    // isolation.level, read_committed by default, so an open transaction, or a committed one
    // whose markers are not written yet, is not below it.
    result<int64_t> last_stable_offset(const TopicPartition& tp) {
        int64_t end = 0;
        if (auto err = list_offset(producer_.get(), wire(tp.topic), tp.partition, RD_KAFKA_OFFSET_END, end, options_.timeout))
            return fail(errc::io_error, "end offset of " + name(tp) + ": " + describe(err));
        return end;
    }

    // Waits until the tailer has seen everything below tp's current last stable offset; fails
    // when it makes no progress for `timeout`.
    result<ok_t> catch_up(const TopicPartition& tp) {
        auto high = last_stable_offset(tp);
        if (!high) return failure(std::move(high).error());
        std::unique_lock lk(mu_);
        const PartitionState& st = parts_.at(tp);
        int64_t seen = -1;
        while (st.tail_pos < *high) {
            if (closed_) return fail(errc::closed, "log closed");
            if (st.tail_pos != seen) seen = st.tail_pos;
            else if (!cv_.wait_for(lk, options_.timeout, [&] { return closed_ || st.tail_pos != seen; }))
                return fail(errc::io_error, "kafka log: reading " + name(tp) + " stalled at offset " + std::to_string(seen) + " of " +
                                                std::to_string(*high) + (tail_error_.empty() ? "" : ": " + tail_error_));
        }
        return ok;
    }

    // What the tailer takes from one consumed message, read outside the lock.
    struct Seen {
        std::map<TopicPartition, PartitionState>::iterator part;
        const rd_kafka_message_t* m;
        BatchMark mark;
        std::string_view hash;  // into the message
    };

    // The tailer thread: follows every partition and keeps the readable ends up to date.
    // Messages come in batches: one lock and one wake-up per batch, not per record.
    void tail() {
        rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(tailer_.get());
        std::vector<rd_kafka_message_t*> batch(1024);
        std::vector<Seen> seen;
        while (!stopping_) {
            const ssize_t n = rd_kafka_consume_batch_queue(queue, kPollMs, batch.data(), batch.size());
            if (n <= 0) continue;
            observe(std::span(batch.data(), static_cast<size_t>(n)), seen);
            for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(batch[static_cast<size_t>(i)]);
        }
        rd_kafka_queue_destroy(queue);
    }

    void observe(std::span<rd_kafka_message_t*> messages, std::vector<Seen>& seen) {
        seen.clear();
        std::string error;
        const rd_kafka_topic_t* last_topic = nullptr;  // most messages come in runs of one partition
        int32_t last_partition = -1;
        auto part = parts_.end();
        for (const rd_kafka_message_t* m : messages) {
            if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                error = describe(m->err);  // transient: librdkafka retries
                continue;
            }
            if (!m->rkt) continue;
            if (m->rkt != last_topic || m->partition != last_partition) {
                part = parts_.find(TopicPartition{std::string(logical(rd_kafka_topic_name(m->rkt))), m->partition});
                last_topic = m->rkt;
                last_partition = m->partition;
            }
            if (part == parts_.end()) continue;
            Seen& s = seen.emplace_back(Seen{part, m, {}, {}});
            if (m->err) continue;
            fetched_.fetch_add(1, std::memory_order_relaxed);
            s.mark = decode_mark(m);
            rd_kafka_headers_t* headers = nullptr;
            const void* h = nullptr;
            size_t size = 0;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                rd_kafka_header_get_last(headers, kHeaderHash.data(), &h, &size) == RD_KAFKA_RESP_ERR_NO_ERROR && h)
                s.hash = std::string_view(static_cast<const char*>(h), size);
        }
        {
            std::lock_guard lk(mu_);
            if (!error.empty()) tail_error_ = std::move(error);
            for (Seen& s : seen) {
                PartitionState& st = s.part->second;
                const rd_kafka_message_t* m = s.m;
                const int64_t pos = m->err ? m->offset : m->offset + 1;  // EOF carries the next offset
                const bool fresh = !m->err && m->offset >= st.tail_pos;  // the tailer may see a record again after a reconnect
                st.tail_pos = std::max(st.tail_pos, pos);
                if (fresh) decide(st, m->offset, std::move(s.mark), s.hash);
            }
        }
        cv_.notify_all();
    }

    // Under mu_: moves the stable end over our acknowledged batches that now join it (they are
    // complete: their records are contiguous), so a caller reads its own appends at once.
    static void settle(PartitionState& st) {
        for (auto it = st.acked.begin(); it != st.acked.end() && it->first <= st.stable; it = st.acked.erase(it))
            st.stable = std::max(st.stable, it->second);
    }

    // Under mu_, for each record in partition order: completes or aborts batches (as
    // batch_states does) and moves the stable end over them.
    void decide(PartitionState& st, int64_t offset, BatchMark mark, std::string_view hash) {
        auto decided = [&](int64_t to) {
            st.stable = std::max(st.stable, to);
            settle(st);
        };
        const bool continues = st.open && mark.index == st.open->next && mark.count == st.open->count &&
                               offset == st.open->base + static_cast<int64_t>(mark.index) && mark.key == st.open->key;
        if (!continues) {
            if (st.open) decided(offset);  // another batch came first: the open one never completes
            st.open.reset();
            if (mark.index != 0) return decided(offset + 1);  // the rest of a batch whose start is gone
            st.open = OpenBatch{offset, 0, mark.count, std::move(mark.key)};
        }
        if (++st.open->next < st.open->count) return;
        st.stable = std::max(st.stable, offset + 1);
        st.tail_hash = from_hex(hash);
        st.open.reset();
        settle(st);
    }

    // The chain head after the last history record the tailer saw in `tp` (genesis when none or
    // unsealed: the chain check then reports the unsealed records).
    Hash tail_head(const TopicPartition& tp) {
        std::lock_guard lk(mu_);
        return parts_.at(tp).tail_hash.value_or(kGenesis);
    }

    // Each record's header list: its own headers (never a seal: a caller cannot forge one), the
    // batch's idempotency key and the record's place in the batch. The seal is added later.
    static std::vector<rd_kafka_headers_t*> header_lists(const AppendBatch& batch) {
        const size_t n = batch.records.size();
        std::vector<rd_kafka_headers_t*> lists;
        lists.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            const Record& r = batch.records[i];
            rd_kafka_headers_t* headers = rd_kafka_headers_new(r.headers.size() + 4);
            for (const Header& h : r.headers)
                if (!is_seal(h.key)) add_header(headers, h.key, h.value);
            if (!batch.idempotency_key.empty()) add_header(headers, kHeaderIdempotencyKey, batch.idempotency_key);
            add_header(headers, kHeaderBatch, std::to_string(i) + "/" + std::to_string(n));
            lists.push_back(headers);
        }
        return lists;
    }

    // Enqueues one record of the open transaction; its delivery report goes to `d`. A full
    // queue is drained (delivery reports served) and the record tried again until `deadline`.
    // On failure the header list stays ours.
    rd_kafka_error_t* produce(const TopicPartition& tp, Record& r, rd_kafka_headers_t* headers, BatchDelivery& d,
                              Clock::time_point deadline) {
        rd_kafka_vu_t vus[8] = {};
        vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[0].u.cstr = wire(tp.topic).c_str();
        vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
        vus[1].u.i32 = tp.partition;
        vus[2].vtype = RD_KAFKA_VTYPE_KEY;
        vus[2].u.mem = {r.key.data(), r.key.size()};
        vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[3].u.mem = {r.value.data(), r.value.size()};
        vus[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vus[4].u.i64 = r.timestamp;
        vus[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;  // copy: the appender's records go when it returns
        vus[5].u.i = RD_KAFKA_MSG_F_COPY;
        vus[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vus[6].u.ptr = &d;
        // An owned header list: produceva with single VTYPE_HEADERs double-frees them when it
        // fails (librdkafka issue 4627); an owned list stays ours on failure.
        vus[7].vtype = RD_KAFKA_VTYPE_HEADERS;
        vus[7].u.headers = headers;
        for (;;) {
            rd_kafka_error_t* e = rd_kafka_produceva(txn_.get(), vus, 8);
            if (!e || rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR__QUEUE_FULL || Clock::now() > deadline) return e;
            rd_kafka_error_destroy(e);
            rd_kafka_poll(txn_.get(), 10);
        }
    }

    // Hands the request to the committer and waits for its transaction's outcome.
    result<std::vector<AppendResult>> transact(TxnRequest& req) {
        std::unique_lock lk(txn_mu_);
        if (txn_stop_) return fail(errc::closed, "log closed");
        txn_queue_.push_back(&req);
        txn_cv_.notify_all();
        txn_cv_.wait(lk, [&] { return req.outcome.has_value(); });
        return std::move(*req.outcome);
    }

    // The committer thread: every request waiting goes into the next transaction (group commit),
    // up to kMaxTxnBytes.
    void commit_loop() {
        std::vector<TxnRequest*> group;
        for (;;) {
            {
                std::unique_lock lk(txn_mu_);
                txn_cv_.wait(lk, [&] { return txn_stop_ || !txn_queue_.empty(); });
                if (txn_queue_.empty()) return;
                group.clear();
                size_t bytes = 0;
                while (!txn_queue_.empty() && (group.empty() || bytes < kMaxTxnBytes)) {
                    for (const AppendBatch* b : txn_queue_.front()->batches)
                        for (const Record& r : b->records) bytes += r.key.size() + r.value.size() + 64;
                    group.push_back(txn_queue_.front());
                    txn_queue_.pop_front();
                }
            }
            auto done = run(group);
            {
                std::lock_guard lk(txn_mu_);
                for (TxnRequest* req : group) {
                    if (!done) {
                        req->outcome = failure(done.error());
                        continue;
                    }
                    std::vector<AppendResult> results;
                    for (size_t b = 0; b < req->batches.size(); ++b)
                        results.push_back(AppendResult{req->batches[b]->tp, req->sent[b].base, req->batches[b]->records.size(), false});
                    req->outcome = std::move(results);
                }
            }
            txn_cv_.notify_all();
        }
    }

    // One transaction over every batch of `group`: committed, or aborted so that none of its
    // records is ever read. Committer thread only.
    result<ok_t> run(std::vector<TxnRequest*>& group) {
        if (!fenced_.empty()) return fail(errc::io_error, fenced_);
        if (auto r = ready(); !r) return r;
        if (std::all_of(group.begin(), group.end(), [](const TxnRequest* r) { return r->batches.empty(); })) return ok;
        const auto deadline = Clock::now() + options_.timeout;
        if (auto f = txn_step(txn_.get(), "begin_transaction", [&](int) { return rd_kafka_begin_transaction(txn_.get()); })) {
            txn_.reset();  // the next transaction starts from a new producer
            writer_ready_ = false;
            return fail(errc::io_error, fenced_.empty() ? "append not acknowledged: " + f->why : fenced_);
        }
        TxnDelivery d;
        std::map<TopicPartition, Hash> heads;  // the chain as this transaction leaves it
        std::optional<fault> failed;
        for (TxnRequest* req : group) {
            req->sent.assign(req->batches.size(), BatchDelivery{&d, INT64_MAX});
            for (size_t b = 0; b < req->batches.size(); ++b) {
                AppendBatch& batch = *req->batches[b];
                auto head = heads.try_emplace(batch.tp, chain_.at(batch.tp).head).first;
                std::vector<rd_kafka_headers_t*> lists = header_lists(batch);  // ours until produceva takes one
                for (size_t i = 0; i < lists.size(); ++i) {
                    if (failed) {
                        rd_kafka_headers_destroy(lists[i]);
                        continue;
                    }
                    const Hash prev = head->second;
                    head->second = link_hash(prev, req->contents[b][i]);
                    add_header(lists[i], kHeaderPrevHash, to_hex(prev));
                    add_header(lists[i], kHeaderHash, to_hex(head->second));
                    {
                        std::lock_guard g(d.mu);
                        ++d.remaining;
                    }
                    if (rd_kafka_error_t* e = produce(batch.tp, batch.records[i], lists[i], req->sent[b], deadline)) {
                        failed = fault{errc::io_error, "append to " + name(batch.tp) + " not acknowledged: " +
                                                           describe(rd_kafka_error_code(e), rd_kafka_error_string(e))};
                        rd_kafka_error_destroy(e);
                        rd_kafka_headers_destroy(lists[i]);
                        std::lock_guard g(d.mu);
                        --d.remaining;
                    }
                }
            }
        }
        // Committing flushes: every record is delivered first, or the transaction must abort.
        std::optional<TxnFailure> f;
        if (failed) f = TxnFailure{failed->message, true};
        else f = txn_step(txn_.get(), "commit_transaction", [&](int ms) { return rd_kafka_commit_transaction(txn_.get(), ms); });
        if (f && f->abortable)
            if (auto a = txn_step(txn_.get(), "abort_transaction", [&](int ms) { return rd_kafka_abort_transaction(txn_.get(), ms); }))
                f = TxnFailure{f->why + "; " + a->why, false};
        // Delivery reports of what was produced, served before `d` goes (bounded: librdkafka
        // reports every message within message.timeout.ms).
        for (const auto until = Clock::now() + options_.timeout + std::chrono::seconds(5); Clock::now() < until;) {
            {
                std::lock_guard g(d.mu);
                if (d.remaining == 0) break;
            }
            rd_kafka_poll(txn_.get(), 10);
        }
        if (!f) {
            for (const auto& [tp, h] : heads) chain_.at(tp).head = h;
            readable(group);
            return ok;
        }
        // Aborted, the chain goes on from the last committed record: read from the tail once
        // the abort is written (librdkafka's mock cluster shows aborted records, which the
        // batch marks then decide). The next transaction starts from a new producer: its
        // init_transactions decides an outcome still unknown, and a failed one's record
        // sequence numbers do not follow it.
        for (const auto& [tp, h] : heads) chain_.at(tp).stale = true;
        txn_.reset();
        writer_ready_ = false;
        if (!fenced_.empty()) return fail(errc::io_error, fenced_);
        if (f->abortable)
            return fail(errc::io_error, "append not acknowledged (its transaction is aborted, none of it will be read): " + f->why);
        return fail(errc::io_error, "append not acknowledged (outcome unknown until the log is read again): " + f->why);
    }

    // After a commit: the readable end moves over the transaction's records in each partition
    // at once when only our previous transaction's marker lies between (one writer per
    // partition), instead of waiting for the tailer to read them back.
    void readable(const std::vector<TxnRequest*>& group) {
        std::map<TopicPartition, std::pair<int64_t, int64_t>> spans;  // first offset, end
        for (const TxnRequest* req : group)
            for (size_t b = 0; b < req->batches.size(); ++b) {
                const int64_t base = req->sent[b].base, end = base + static_cast<int64_t>(req->batches[b]->records.size());
                auto [it, fresh] = spans.try_emplace(req->batches[b]->tp, base, end);
                if (!fresh) it->second = {std::min(it->second.first, base), std::max(it->second.second, end)};
            }
        {
            std::lock_guard lk(mu_);
            for (const auto& [tp, span] : spans) {
                PartitionState& st = parts_.at(tp);
                if (st.ours >= 0 && st.stable >= st.ours && span.first - st.ours <= 1) st.stable = std::max(st.stable, span.second);
                st.ours = span.second;
                settle(st);
            }
        }
        cv_.notify_all();
    }

    // What a failed transaction step leaves: why, and whether aborting the transaction undoes it.
    struct TxnFailure {
        std::string why;
        bool abortable = false;
    };

    // Calls a transaction step (step(timeout_ms) -> error), again while its error is retriable,
    // for at most the log's timeout. A fencing error (another writer took our transactional.id)
    // stops appends for good.
    template <class Step>
    std::optional<TxnFailure> txn_step(rd_kafka_t* rk, const char* what, Step step) {
        const auto deadline = Clock::now() + options_.timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            rd_kafka_error_t* e = step(std::max(1, to_ms(left)));
            if (!e) return std::nullopt;
            TxnFailure f{std::string(what) + ": " + describe(rd_kafka_error_code(e), rd_kafka_error_string(e)),
                         rd_kafka_error_txn_requires_abort(e) != 0};
            const bool again = rd_kafka_error_is_retriable(e) && Clock::now() < deadline;
            if (rd_kafka_error_is_fatal(e)) {
                char reason[512];
                const auto code = rd_kafka_fatal_error(rk, reason, sizeof reason);
                if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
                    code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
                    fenced_ = "kafka log: another writer with transactional id '" + txn_id_ +
                              "' took over these topics; this one appends no more (restart it to write again): " + describe(code, reason);
            }
            rd_kafka_error_destroy(e);
            if (!again) return f;
        }
    }

    // Asks for the topics' leaders now: a new producer asks only once it produces to a topic,
    // and then a second later (librdkafka scans unknown topics once a second). Best effort.
    void know_topics(rd_kafka_t* rk) {
        for (const TopicSpec& t : options_.topics) {
            rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, wire(t.name).c_str(), nullptr);
            const rd_kafka_metadata_t* md = nullptr;
            if (topic && !rd_kafka_metadata(rk, 0, topic, &md, std::min(to_ms(options_.timeout), 1000))) rd_kafka_metadata_destroy(md);
            if (topic) rd_kafka_topic_destroy(topic);
        }
    }

    // A transactional producer, and the chain head of every partition known.
    // A new producer's init_transactions fences any earlier one of our id and returns once
    // that one's last transaction is complete (its markers written); every partition's head
    // is then read again from the tail.
    result<ok_t> ready() {
        if (!txn_) {
            auto p = client(RD_KAFKA_PRODUCER,
                            {{"transactional.id", txn_id_},
                             {"transaction.timeout.ms", std::to_string(std::clamp(2 * to_ms(options_.timeout), 10'000, 900'000))}});
            if (!p) return failure(std::move(p).error());
            if (auto f = txn_step(p->get(), "init_transactions", [&](int ms) { return rd_kafka_init_transactions(p->get(), ms); }))
                return fail(errc::io_error,
                            fenced_.empty() ? "kafka log: cannot start transactions as '" + txn_id_ + "': " + f->why : fenced_);
            txn_ = std::move(*p);
            for (auto& [tp, c] : chain_) c.stale = true;
            know_topics(txn_.get());
        }
        for (auto& [tp, c] : chain_) {
            if (!c.stale) continue;
            if (auto r = catch_up(tp); !r) return r;
            c = ChainHead{tail_head(tp), false};
            std::lock_guard lk(mu_);
            parts_.at(tp).ours = parts_.at(tp).stable;
        }
        writer_ready_ = true;
        return ok;
    }

    const KafkaLogOptions options_;
    std::unordered_map<std::string, int32_t> partitions_;
    const std::string txn_id_;
    Handle producer_, reader_, tailer_;  // producer_: metadata, topics and offset queries only
    std::thread poller_, tailer_thread_;
    std::atomic<bool> stopping_{false};

    // The committer's: its queue under txn_mu_, the rest its thread's alone.
    std::thread committer_;
    std::mutex txn_mu_;
    std::condition_variable txn_cv_;  // a request queued or answered, or stopping
    std::deque<TxnRequest*> txn_queue_;
    bool txn_stop_ = false;
    Handle txn_;                                 // the transactional producer, made at the first append
    std::map<TopicPartition, ChainHead> chain_;  // keys fixed at start
    std::string fenced_;                         // why appends are refused for good
    std::atomic<bool> writer_ready_{false};      // a producer made and the tail read since
    std::mutex read_mu_;                         // the reader serves one read at a time
    // Under read_mu_: per partition, the batch the last read stopped inside, decided, so that
    // the next read, which starts inside it, need not read its start again.
    struct CutBatch {
        int64_t base = 0, end = 0;
        bool complete = false;
    };
    std::map<TopicPartition, CutBatch> cut_;
    std::atomic<uint64_t> fetched_{0};  // records the reader and the tailer received

    std::mutex mu_;
    std::condition_variable cv_;  // ends or tail positions changed, or closed
    bool closed_ = false;
    std::map<TopicPartition, PartitionState> parts_;           // keys fixed at construction
    std::unordered_map<std::string, std::string> wire_names_;  // our topic -> its Kafka topic
    std::string tail_error_;                                   // the tailer's last error, for messages
};

}  // namespace

uint64_t records_fetched(const EventLog& log) {
    const auto* kafka = dynamic_cast<const KafkaLog*>(&log);
    return kafka ? kafka->records_fetched() : 0;
}

result<std::unique_ptr<EventLog>> open_kafka_log(const KafkaLogOptions& options) {
    if (auto r = kafka::check_options(options); !r) return failure(r.error());
    auto log = std::make_unique<KafkaLog>(options);
    if (auto r = log->start(); !r) return failure(r.error());
    return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace liquida::events
