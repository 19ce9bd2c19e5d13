// The Kafka event log: one idempotent producer, one reader consumer (manual assignment, one
// read at a time) and one tailer consumer that follows every partition from offset 0.
//
// The tailer is the single source of what is in the cluster: at open the log waits until it
// has reached every partition's high watermark (the scan), then it keeps following, so that
//   - the idempotency index (key -> original offsets) covers batches by any writer,
//   - wait_for blocks on a condition variable that the tailer (or our own delivery reports)
//     notify, instead of polling the brokers,
//   - the running maximum timestamp of each partition is known (see offset_for_time).
//
// Batch atomicity (no transactions: their commit markers take offsets, so offsets would not
// be dense). A batch's records are enqueued under one mutex, so they are contiguous and in
// order in their partition; the idempotent producer keeps that order and writes each record
// once despite retries. A batch is acknowledged only when every record's delivery report
// succeeded. A batch whose append failed (or whose writer died) may have left a prefix of
// its records in the partition. Every record carries "index/count" of its batch, so the
// tailer decides each batch in partition order, as Kafka's read_committed does with
// transactions: complete when all its records are there in a row, aborted when a record of
// another batch comes first. Records of aborted batches are read with StoredRecord::aborted;
// the readable end (end_offset) stops before a batch not yet decided. Only complete batches
// are indexed, and a retry of a failed key first catches the tailer up with the partition,
// so a batch that did land whole is reported as a duplicate, not written twice.
//
// The hash chain (events/chain.h): records are sealed as they are enqueued, under the same
// mutex, so chain order is partition order. After a failed append the partition's chain
// head is re-read from the tail before the next append. One writer per partition is assumed.
#include "events/kafka_log.h"

#include "events/chain.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <climits>
#include <initializer_list>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace liquida::events {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRecordBytes = 900'000;  // under the brokers' default message.max.bytes
constexpr size_t kMaxBatchBytes = 16 << 20;  // same bound as the embedded log
constexpr int kPollMs = 100;                 // how long a background thread blocks per poll

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

int to_ms(std::chrono::milliseconds d) { return static_cast<int>(std::clamp<int64_t>(d.count(), 0, INT_MAX)); }

std::string name(const TopicPartition& tp) { return tp.topic + "/" + std::to_string(tp.partition); }

std::string describe(rd_kafka_resp_err_t err, const char* detail = nullptr) {
    std::string s = std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
    if (detail && *detail) s += " (" + std::string(detail) + ")";
    return s;
}

// Where a record sits in its batch; the key is the batch's idempotency key, if any.
struct BatchMark {
    std::string key;
    size_t index = 0;
    size_t count = 1;
};

bool parse_mark(std::string_view text, BatchMark& mark) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return false;
    const char* mid = text.data() + slash;
    return std::from_chars(text.data(), mid, mark.index).ec == std::errc{} &&
           std::from_chars(mid + 1, text.data() + text.size(), mark.count).ec == std::errc{} &&
           mark.index < mark.count;
}

// The record of a consumed message, without the log's own headers.
Record decode(const rd_kafka_message_t* m) {
    Record r;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t type;
    r.timestamp = rd_kafka_message_timestamp(m, &type);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return r;
    const char* hname = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &hname, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        if (hname == kHeaderIdempotencyKey || hname == kHeaderBatch) continue;
        r.headers.push_back(Header{hname, value ? std::string(static_cast<const char*>(value), size) : std::string()});
    }
    return r;
}

// The batch mark of a consumed message. A record without a valid one (written by another
// producer) counts as a batch of its own.
BatchMark decode_mark(const rd_kafka_message_t* m) {
    BatchMark mark;
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return mark;
    const void* batch = nullptr;
    size_t batch_size = 0;
    if (rd_kafka_header_get_last(headers, kHeaderBatch.data(), &batch, &batch_size) || !batch ||
        !parse_mark(std::string_view(static_cast<const char*>(batch), batch_size), mark))
        return BatchMark{};
    const void* key = nullptr;
    size_t key_size = 0;
    if (!rd_kafka_header_get_last(headers, kHeaderIdempotencyKey.data(), &key, &key_size) && key)
        mark.key.assign(static_cast<const char*>(key), key_size);
    return mark;
}

void add_header(rd_kafka_headers_t* headers, std::string_view key, std::string_view value) {
    rd_kafka_header_add(headers, key.data(), static_cast<ssize_t>(key.size()), value.data(), static_cast<ssize_t>(value.size()));
}

// Errors of a watermark query that pass once metadata catches up: a leader that moved, a
// broker reconnecting, a topic just created that not every broker knows yet.
bool transient(rd_kafka_resp_err_t err) {
    switch (err) {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
            return true;
        default:
            return false;
    }
}

// rd_kafka_query_watermark_offsets, asked again while its error is transient, until `timeout`.
rd_kafka_resp_err_t query_watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t& low, int64_t& high,
                                     std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high,
                                                          std::max(1, to_ms(left)));
        if (!err || !transient(err) || Clock::now() + std::chrono::milliseconds(50) >= deadline) return err;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// The delivery reports of one append.
struct Delivery {
    std::mutex mu;
    std::condition_variable cv;
    size_t remaining = 0;
    std::vector<int64_t> offsets;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* d = static_cast<Delivery*>(m->_private);
    std::lock_guard g(d->mu);
    if (m->err) {
        // Not rd_kafka_message_errstr: on a delivery report it returns the unterminated payload.
        if (!d->err) d->err = m->err;
    } else {
        d->offsets.push_back(m->offset);
    }
    // Notify under the lock: the appender frees `d` as soon as it sees remaining == 0.
    if (--d->remaining == 0) d->cv.notify_all();
}

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
    std::optional<OpenBatch> open;
    std::vector<std::pair<int64_t, int64_t>> aborted;  // [from, to) ranges, ascending
    domain::TimestampMs max_ts = INT64_MIN;
    std::string tail_hash;  // the seal hash of the last record the tailer saw
};

// Where an appender's hash chain of a partition stands (events/chain.h), under produce_mu_.
struct ChainHead {
    Hash head = kGenesis;
    bool stale = false;  // an append failed: what landed is unknown, re-read the tail first
};

// An append in progress for a key; same-key appenders wait for its outcome.
struct InFlight {
    std::optional<result<AppendResult>> outcome;
};

class KafkaLog final : public EventLog {
public:
    explicit KafkaLog(const KafkaLogOptions& options) : options_(options) {
        for (const auto& t : options_.topics) {
            partitions_[t.name] = t.partitions;
            wire_names_[t.name] = options_.topic_prefix + t.name;
            for (int32_t p = 0; p < t.partitions; ++p) parts_[TopicPartition{t.name, p}];
        }
    }

    ~KafkaLog() override {
        close();
        if (producer_) rd_kafka_flush(producer_.get(), to_ms(options_.timeout));
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
        if (auto r = ensure_topics(); !r) return r;

        const std::string group = "liquida-log-" + std::to_string(std::random_device{}());
        const std::vector<std::pair<std::string, std::string>> consumer{
            {"group.id", group}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
            {"auto.offset.reset", "error"}, {"queued.max.messages.kbytes", "8192"}};
        // The reader fetches only below the high watermark; a short broker wait keeps an idle
        // fetch from delaying the next read's. The tailer keeps the long wait (a long poll).
        auto reader_conf = consumer;
        reader_conf.emplace_back("fetch.wait.max.ms", "10");
        auto reader = client(RD_KAFKA_CONSUMER, reader_conf);
        if (!reader) return failure(std::move(reader).error());
        reader_ = std::move(*reader);
        auto tail_conf = consumer;
        tail_conf.emplace_back("enable.partition.eof", "true");
        auto tailer = client(RD_KAFKA_CONSUMER, tail_conf);
        if (!tailer) return failure(std::move(tailer).error());
        tailer_ = std::move(*tailer);

        PartitionList all(rd_kafka_topic_partition_list_new(static_cast<int>(parts_.size())));
        for (const auto& [tp, st] : parts_)
            rd_kafka_topic_partition_list_add(all.get(), wire(tp.topic).c_str(), tp.partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
        if (auto err = rd_kafka_assign(tailer_.get(), all.get()))
            return fail(errc::io_error, "kafka log: cannot assign the tailer: " + describe(err));
        tailer_thread_ = std::thread([this] { tail(); });

        for (const auto& [tp, st] : parts_) {
            if (auto r = catch_up(tp); !r) return r;
            chain_[tp] = ChainHead{tail_head(tp), false};
        }
        return ok;
    }

    const std::vector<TopicSpec>& topics() const override { return options_.topics; }

    // The Kafka topic of one of ours (options_.topic_prefix + its name), and back.
    const std::string& wire(const std::string& topic) const { return wire_names_.at(topic); }
    std::string_view logical(std::string_view kafka_topic) const {
        if (kafka_topic.starts_with(options_.topic_prefix)) kafka_topic.remove_prefix(options_.topic_prefix.size());
        return kafka_topic;
    }

    result<AppendResult> append(AppendBatch batch) override {
        if (auto r = check(batch.tp); !r) return failure(r.error());
        if (batch.records.empty()) return fail(errc::invalid_argument, "empty batch");
        size_t total = 0;
        for (const Record& r : batch.records) {
            size_t bytes = r.key.size() + r.value.size() + batch.idempotency_key.size() + 64;
            for (const Header& h : r.headers) bytes += h.key.size() + h.value.size() + 8;
            if (bytes > kMaxRecordBytes) return fail(errc::invalid_argument, "record larger than 900 kB");
            if (r.timestamp < 0) return fail(errc::invalid_argument, "negative record timestamp");
            total += bytes;
        }
        if (total > kMaxBatchBytes) return fail(errc::invalid_argument, "batch larger than 16 MiB");

        const std::string& key = batch.idempotency_key;
        std::shared_ptr<InFlight> mine;
        {
            std::unique_lock lk(mu_);
            for (;;) {
                if (closed_) return fail(errc::closed, "log closed");
                if (key.empty()) break;
                if (auto it = index_.find(key); it != index_.end()) {
                    AppendResult r = it->second;
                    r.duplicate = true;
                    return r;
                }
                if (auto it = inflight_.find(key); it != inflight_.end()) {
                    auto other = it->second;
                    cv_.wait(lk, [&] { return other->outcome.has_value(); });
                    result<AppendResult> r = *other->outcome;
                    if (r) r->duplicate = true;
                    return r;
                }
                if (suspect_.contains(key)) {
                    // An earlier attempt failed but may have landed: see the partition first.
                    lk.unlock();
                    auto caught = catch_up(batch.tp);
                    lk.lock();
                    if (!caught) return failure(caught.error());
                    suspect_.erase(key);
                    continue;
                }
                mine = std::make_shared<InFlight>();
                inflight_.emplace(key, mine);
                break;
            }
        }

        result<AppendResult> out = send(batch);
        {
            std::lock_guard lk(mu_);
            if (out) {
                PartitionState& st = parts_.at(batch.tp);
                st.acked.emplace(out->base_offset, out->base_offset + static_cast<int64_t>(out->count));
                settle(st);
                for (const Record& r : batch.records) st.max_ts = std::max(st.max_ts, r.timestamp);
            }
            if (mine) {
                if (out) index_.emplace(key, *out);
                else suspect_.insert(key);
                mine->outcome = out;
                inflight_.erase(key);
            }
        }
        cv_.notify_all();
        return out;
    }

    result<std::vector<StoredRecord>> read(const TopicPartition& tp, int64_t from, size_t max_records) override {
        if (auto r = check(tp); !r) return failure(r.error());
        if (from < 0) return fail(errc::offset_out_of_range, "negative offset");
        if (auto r = check_open(); !r) return failure(r.error());
        std::vector<StoredRecord> out;
        if (max_records == 0) return out;

        // Up to the stable end as the tailer and our acknowledgements know it, with no request
        // to the brokers: a reader of many partitions pays nothing for the idle ones. A caller
        // that must see what others appended just now asks end_offset first. An offset below
        // the log start comes back from the fetch as OFFSET_OUT_OF_RANGE.
        std::lock_guard g(read_mu_);
        int64_t high = 0;
        std::vector<std::pair<int64_t, int64_t>> aborted;  // the ranges that reach past `from`
        {
            std::lock_guard lk(mu_);
            const PartitionState& st = parts_.at(tp);
            high = st.stable;  // never a record of an undecided batch
            auto first = std::partition_point(st.aborted.begin(), st.aborted.end(), [&](const auto& r) { return r.second <= from; });
            aborted.assign(first, st.aborted.end());
        }
        if (from >= high) return out;
        const int64_t want_end = from + static_cast<int64_t>(std::min<uint64_t>(max_records, static_cast<uint64_t>(high - from)));
        auto in_aborted = [&, it = aborted.begin()](int64_t offset) mutable {  // offsets come ascending
            while (it != aborted.end() && it->second <= offset) ++it;
            return it != aborted.end() && it->first <= offset;
        };

        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), wire(tp.topic).c_str(), tp.partition)->offset = from;
        if (auto err = rd_kafka_assign(reader_.get(), list.get())) return fail(errc::io_error, "assign " + name(tp) + ": " + describe(err));
        const auto deadline = Clock::now() + options_.timeout;
        int64_t next = from;
        std::optional<error> failed;
        while (next < want_end && !failed && Clock::now() < deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            rd_kafka_message_t* m = rd_kafka_consumer_poll(reader_.get(), std::min(to_ms(left), kPollMs));
            if (!m) continue;
            if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
                failed = error{errc::offset_out_of_range, name(tp) + " offset " + std::to_string(next) + ": " + describe(m->err)};
            else if (!m->err && m->partition == tp.partition && wire(tp.topic) == rd_kafka_topic_name(m->rkt) && m->offset >= next) {
                Record r = decode(m);
                Seal seal = take_seal(r.headers);
                out.push_back(StoredRecord{tp, m->offset, std::move(r), std::move(seal), in_aborted(m->offset)});
                next = m->offset + 1;
            }
            // Other errors are transient (librdkafka retries); the deadline bounds them.
            rd_kafka_message_destroy(m);
        }
        rd_kafka_assign(reader_.get(), nullptr);
        if (failed) return failure(std::move(*failed));
        if (next < want_end)
            return fail(errc::io_error, "read of " + name(tp) + " timed out at offset " + std::to_string(next));
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
        if (auto r = check_open(); !r) return failure(r.error());
        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), wire(tp.topic).c_str(), tp.partition)->offset = t;
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(producer_.get(), list.get(), to_ms(options_.timeout));
        if (!err) err = list->elems[0].err;
        if (err) return fail(errc::io_error, "offset for time in " + name(tp) + ": " + describe(err));
        if (list->elems[0].offset >= 0) {
            auto end = end_offset(tp);
            if (!end) return end;
            return std::min(list->elems[0].offset, *end);
        }
        // "None" from the broker. librdkafka 2.0.2's mock cluster answers that to every
        // timestamp; when the partition holds a timestamp >= t, find it by reading.
        domain::TimestampMs max_ts = 0;
        {
            std::lock_guard lk(mu_);
            max_ts = parts_.at(tp).max_ts;
        }
        if (max_ts < t) return end_offset(tp);
        for (int64_t from = 0;;) {
            auto chunk = read(tp, from, 1000);
            if (!chunk) return failure(std::move(chunk).error());
            if (chunk->empty()) return end_offset(tp);
            for (const StoredRecord& r : *chunk)
                if (r.record.timestamp >= t) return r.offset;
            from = chunk->back().offset + 1;
        }
    }

    bool wait_for_any(std::span<const Position> positions, std::chrono::milliseconds timeout) override {
        std::vector<std::pair<const PartitionState*, int64_t>> wanted;
        std::unique_lock lk(mu_);
        for (const Position& p : positions)
            if (auto it = parts_.find(p.tp); it != parts_.end()) wanted.emplace_back(&it->second, p.offset);
        if (wanted.empty()) return false;
        auto readable = [&] {
            return std::any_of(wanted.begin(), wanted.end(), [](const auto& w) { return w.first->stable > w.second; });
        };
        return cv_.wait_for(lk, timeout, [&] { return closed_ || readable(); }) && !closed_;
    }

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

    // A client with our defaults, then the caller's properties, then what must hold.
    result<Handle> client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& role) {
        char errstr[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        std::vector<std::pair<std::string, std::string>> props{{"bootstrap.servers", options_.brokers}};
        if (type == RD_KAFKA_PRODUCER) {
            // linger.ms 1, not librdkafka's 5: every append waits for its acknowledgement, so
            // the linger is added to each command's latency; batching comes from the appends
            // in flight together (docs/PERFORMANCE.md).
            props.insert(props.end(), {{"linger.ms", "1"},
                                       {"batch.size", "1000000"},
                                       {"compression.type", "lz4"},
                                       {"message.timeout.ms", std::to_string(to_ms(options_.timeout))}});
        }
        props.insert(props.end(), role.begin(), role.end());
        props.insert(props.end(), options_.properties.begin(), options_.properties.end());
        if (type == RD_KAFKA_PRODUCER) props.insert(props.end(), {{"enable.idempotence", "true"}, {"acks", "all"}});
        for (const auto& [k, v] : props) {
            if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return fail(errc::invalid_argument, "kafka log: property " + k + ": " + errstr);
            }
        }
        if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
        if (!rk) {
            rd_kafka_conf_destroy(conf);
            return fail(errc::io_error, std::string("kafka log: ") + errstr);
        }
        return Handle(rk);
    }

    // Topic name -> partition count, as the cluster has them.
    result<std::unordered_map<std::string, int>> cluster_topics() {
        const rd_kafka_metadata_t* md = nullptr;
        if (auto err = rd_kafka_metadata(producer_.get(), 1, nullptr, &md, to_ms(options_.timeout)))
            return fail(errc::io_error, "kafka log: metadata from " + options_.brokers + ": " + describe(err));
        std::unordered_map<std::string, int> out;
        for (int i = 0; i < md->topic_cnt; ++i)
            if (!md->topics[i].err) out[md->topics[i].topic] = md->topics[i].partition_cnt;
        rd_kafka_metadata_destroy(md);
        return out;
    }

    // Creates missing topics; refuses existing ones with another partition count.
    result<ok_t> ensure_topics() {
        const auto deadline = Clock::now() + options_.timeout;
        bool created = false;
        for (;;) {
            auto existing = cluster_topics();
            if (!existing) return failure(std::move(existing).error());
            std::vector<const TopicSpec*> missing;
            for (const TopicSpec& t : options_.topics) {
                auto it = existing->find(wire(t.name));
                if (it == existing->end()) missing.push_back(&t);
                else if (it->second != t.partitions)
                    return fail(errc::config_mismatch, "topic '" + wire(t.name) + "' has " + std::to_string(it->second) +
                                                           " partitions in the cluster, configured " + std::to_string(t.partitions));
            }
            if (missing.empty()) return ok;
            if (created) {
                // Created: wait until the metadata shows it (bounded).
                if (Clock::now() > deadline)
                    return fail(errc::io_error, "kafka log: topic '" + missing.front()->name + "' created but not visible in metadata");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            if (auto r = create_topics(missing); !r) return r;
            created = true;
        }
    }

    result<ok_t> create_topics(const std::vector<const TopicSpec*>& missing) {
        char errstr[512];
        std::vector<rd_kafka_NewTopic_t*> news;
        std::string names;
        for (const TopicSpec* t : missing) {
            news.push_back(rd_kafka_NewTopic_new(wire(t->name).c_str(), t->partitions, options_.replication_factor, errstr, sizeof errstr));
            // The log is the history: kept forever, whatever the brokers' default retention
            // (7 days by record time, which deletes back-dated records at once).
            // (Fails only on a null name or value.)
            for (const char* key : {"retention.ms", "retention.bytes"}) (void)rd_kafka_NewTopic_set_config(news.back(), key, "-1");
            names += (names.empty() ? "'" : ", '") + wire(t->name) + "'";
        }
        rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(producer_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(opts, to_ms(options_.timeout), errstr, sizeof errstr);
        rd_kafka_AdminOptions_set_operation_timeout(opts, to_ms(options_.timeout), errstr, sizeof errstr);
        rd_kafka_queue_t* queue = rd_kafka_queue_new(producer_.get());
        rd_kafka_CreateTopics(producer_.get(), news.data(), news.size(), opts, queue);
        // The admin request is bounded by the request timeout; the margin covers queueing.
        rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, to_ms(options_.timeout + std::chrono::seconds(5)));
        result<ok_t> out = ok;
        if (!ev) {
            out = fail(errc::io_error, "kafka log: no answer to creating topics " + names);
        } else if (auto err = rd_kafka_event_error(ev)) {
            out = fail(errc::io_error, "kafka log: cluster refused to create topics " + names + ": " +
                                           describe(err, rd_kafka_event_error_string(ev)));
        } else if (const auto* res = rd_kafka_event_CreateTopics_result(ev)) {
            size_t n = 0;
            const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
            for (size_t i = 0; i < n && out; ++i) {
                const auto terr = rd_kafka_topic_result_error(topics[i]);
                if (terr && terr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                    out = fail(errc::io_error, "kafka log: cluster refused to create topic '" +
                                                   std::string(rd_kafka_topic_result_name(topics[i])) + "' (replication factor " +
                                                   std::to_string(options_.replication_factor) + "): " +
                                                   describe(terr, rd_kafka_topic_result_error_string(topics[i])));
            }
        }
        if (ev) rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(queue);
        rd_kafka_AdminOptions_destroy(opts);
        for (auto* t : news) rd_kafka_NewTopic_destroy(t);
        return out;
    }

    result<int64_t> high_watermark(const TopicPartition& tp) {
        int64_t low = 0, high = 0;
        if (auto err = query_watermarks(producer_.get(), wire(tp.topic), tp.partition, low, high, options_.timeout))
            return fail(errc::io_error, "watermarks of " + name(tp) + ": " + describe(err));
        return high;
    }

    // Waits until the tailer has seen everything below tp's current high watermark; fails
    // when it makes no progress for `timeout`.
    result<ok_t> catch_up(const TopicPartition& tp) {
        auto high = high_watermark(tp);
        if (!high) return failure(std::move(high).error());
        std::unique_lock lk(mu_);
        const PartitionState& st = parts_.at(tp);
        int64_t seen = -1;
        while (st.tail_pos < *high) {
            if (closed_) return fail(errc::closed, "log closed");
            if (st.tail_pos != seen) seen = st.tail_pos;
            else if (!cv_.wait_for(lk, options_.timeout, [&] { return closed_ || st.tail_pos != seen; }))
                return fail(errc::io_error, "kafka log: reading " + name(tp) + " stalled at offset " + std::to_string(seen) +
                                                " of " + std::to_string(*high) + (tail_error_.empty() ? "" : ": " + tail_error_));
        }
        return ok;
    }

    // What the tailer takes from one consumed message, read outside the lock.
    struct Seen {
        std::map<TopicPartition, PartitionState>::iterator part;
        const rd_kafka_message_t* m;
        domain::TimestampMs ts = INT64_MIN;
        BatchMark mark;
        std::string_view hash;  // into the message
    };

    // The tailer thread: follows every partition and keeps the index and ends up to date.
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
            Seen& s = seen.emplace_back(Seen{part, m, INT64_MIN, {}, {}});
            if (m->err) continue;
            rd_kafka_timestamp_type_t type;
            s.ts = rd_kafka_message_timestamp(m, &type);
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
                st.max_ts = std::max(st.max_ts, s.ts);
                if (!m->err && m->offset + 1 == st.tail_pos) st.tail_hash.assign(s.hash);
                if (fresh) decide(s.part->first, st, m->offset, std::move(s.mark));
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

    // Under mu_, for each record in partition order: completes or aborts batches, moves the
    // stable end, and indexes complete keyed batches.
    void decide(const TopicPartition& tp, PartitionState& st, int64_t offset, BatchMark mark) {
        auto abort = [&](int64_t from, int64_t to) {
            if (!st.aborted.empty() && st.aborted.back().second == from) st.aborted.back().second = to;
            else st.aborted.emplace_back(from, to);
            st.stable = std::max(st.stable, to);
            settle(st);
        };
        const bool continues = st.open && mark.index == st.open->next && mark.count == st.open->count &&
                               offset == st.open->base + static_cast<int64_t>(mark.index) && mark.key == st.open->key;
        if (!continues) {
            if (st.open) abort(st.open->base, offset);  // another batch came first: this one never completes
            st.open.reset();
            if (mark.index != 0) return abort(offset, offset + 1);  // the rest of a batch whose start is gone
            st.open = OpenBatch{offset, 0, mark.count, std::move(mark.key)};
        }
        if (++st.open->next < st.open->count) return;
        if (!st.open->key.empty()) index_.emplace(st.open->key, AppendResult{tp, st.open->base, st.open->count, false});
        st.stable = std::max(st.stable, offset + 1);
        st.open.reset();
        settle(st);
    }

    // The chain head after the last record the tailer saw in `tp` (genesis when empty or
    // unsealed: the chain check then reports the unsealed records).
    Hash tail_head(const TopicPartition& tp) {
        std::lock_guard lk(mu_);
        return from_hex(parts_.at(tp).tail_hash).value_or(kGenesis);
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

    // Enqueues one record; its delivery report goes to `d`. On failure the header list stays ours.
    rd_kafka_error_t* produce(const TopicPartition& tp, Record& r, rd_kafka_headers_t* headers, Delivery& d) {
        rd_kafka_vu_t vus[8] = {};
        vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[0].u.cstr = wire(tp.topic).c_str();
        vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
        vus[1].u.i32 = tp.partition;
        vus[2].vtype = RD_KAFKA_VTYPE_KEY;
        vus[2].u.mem = {r.key.data(), r.key.size()};
        vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[3].u.mem = {r.value.data(), r.value.size()};
        vus[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;  // 0: the producer's clock
        vus[4].u.i64 = r.timestamp;
        vus[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;  // copy (ours may go first); wait when the queue is full
        vus[5].u.i = RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK;
        vus[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vus[6].u.ptr = &d;
        // An owned header list: produceva with single VTYPE_HEADERs double-frees them when it
        // fails (librdkafka issue 4627); an owned list stays ours on failure.
        vus[7].vtype = RD_KAFKA_VTYPE_HEADERS;
        vus[7].u.headers = headers;
        return rd_kafka_produceva(producer_.get(), vus, 8);
    }

    // Enqueues the batch's records in order, sealed into the partition's chain, then waits for
    // every delivery report.
    result<AppendResult> send(AppendBatch& batch) {
        bool stale = false;
        {
            std::lock_guard g(produce_mu_);
            stale = chain_.at(batch.tp).stale;
        }
        if (stale) {
            // A failed append may have left a prefix of its records: go on from what landed.
            if (auto r = catch_up(batch.tp); !r) return failure(r.error());
            const Hash head = tail_head(batch.tp);
            std::lock_guard g(produce_mu_);
            chain_.at(batch.tp) = ChainHead{head, false};
        }
        // Everything but the chain's link is prepared here, outside the mutex that every
        // appender passes through: the records' digests and their header lists.
        const size_t n = batch.records.size();
        std::vector<Hash> contents;
        contents.reserve(n);
        for (const Record& r : batch.records) contents.push_back(content_hash(r));
        std::vector<rd_kafka_headers_t*> lists = header_lists(batch);  // ours until produceva takes one
        Delivery d;
        d.remaining = n;
        rd_kafka_resp_err_t enqueue_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        std::string enqueue_reason;
        {
            std::lock_guard g(produce_mu_);
            ChainHead& chain = chain_.at(batch.tp);
            for (size_t i = 0; i < n && !enqueue_err; ++i) {
                Record& r = batch.records[i];
                const Hash prev = chain.head;
                chain.head = link_hash(prev, contents[i]);
                add_header(lists[i], kHeaderPrevHash, to_hex(prev));
                add_header(lists[i], kHeaderHash, to_hex(chain.head));
                if (rd_kafka_error_t* e = produce(batch.tp, r, lists[i], d)) {
                    enqueue_err = rd_kafka_error_code(e);
                    enqueue_reason = rd_kafka_error_string(e);
                    rd_kafka_error_destroy(e);
                    for (size_t j = i; j < n; ++j) rd_kafka_headers_destroy(lists[j]);
                    std::lock_guard dg(d.mu);
                    d.remaining -= n - i;  // these will get no delivery report
                }
            }
        }
        // librdkafka reports every enqueued message within message.timeout.ms.
        std::unique_lock lk(d.mu);
        d.cv.wait(lk, [&] { return d.remaining == 0; });
        if (enqueue_err || d.err) {
            std::lock_guard g(produce_mu_);
            chain_.at(batch.tp).stale = true;
        }
        if (enqueue_err)
            return fail(errc::io_error, "append to " + name(batch.tp) + " not acknowledged: " + describe(enqueue_err, enqueue_reason.c_str()));
        if (d.err)
            return fail(errc::io_error, "append to " + name(batch.tp) + " not acknowledged: " + describe(d.err));
        // Contiguous, since batches are enqueued one at a time; the first offset is the base.
        return AppendResult{batch.tp, *std::min_element(d.offsets.begin(), d.offsets.end()), n, false};
    }

    const KafkaLogOptions options_;
    std::unordered_map<std::string, int32_t> partitions_;
    Handle producer_, reader_, tailer_;
    std::thread poller_, tailer_thread_;
    std::atomic<bool> stopping_{false};
    std::mutex produce_mu_;  // keeps one batch's records contiguous in its partition
    std::map<TopicPartition, ChainHead> chain_;  // under produce_mu_; keys fixed at start
    std::mutex read_mu_;     // the reader serves one read at a time

    std::mutex mu_;
    std::condition_variable cv_;  // ends, tail positions, index or in-flight outcomes changed, or closed
    bool closed_ = false;
    std::map<TopicPartition, PartitionState> parts_;  // keys fixed at construction
    std::unordered_map<std::string, std::string> wire_names_;  // our topic -> its Kafka topic
    std::unordered_map<std::string, AppendResult> index_;  // idempotency key -> complete batch
    std::unordered_map<std::string, std::shared_ptr<InFlight>> inflight_;
    std::unordered_set<std::string> suspect_;  // keys whose append failed: maybe partly written
    std::string tail_error_;                   // the tailer's last error, for messages
};

}  // namespace

result<std::unique_ptr<EventLog>> open_kafka_log(const KafkaLogOptions& options) {
    if (options.brokers.empty()) return fail(errc::invalid_argument, "kafka log: brokers are required");
    if (options.topics.empty()) return fail(errc::invalid_argument, "kafka log: no topics");
    if (options.replication_factor < 1) return fail(errc::invalid_argument, "kafka log: replication factor must be >= 1");
    if (options.timeout <= std::chrono::milliseconds(0)) return fail(errc::invalid_argument, "kafka log: timeout must be positive");
    for (const auto& t : options.topics)
        if (t.name.empty() || t.partitions < 1 || t.partitions > 4096)
            return fail(errc::invalid_argument, "kafka log: topic '" + t.name + "' needs 1..4096 partitions");
    // Kafka's own rule for topic names: at most 249 of [a-zA-Z0-9._-].
    auto kafka_name = [](const std::string& n) {
        return n.size() <= 249 && std::all_of(n.begin(), n.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
               });
    };
    for (const auto& t : options.topics) {
        std::string full = options.topic_prefix;
        full.append(t.name);
        if (!kafka_name(full))
            return fail(errc::invalid_argument,
                        "kafka log: topic '" + full + "' is not a Kafka topic name (at most 249 of a-z A-Z 0-9 . _ -)");
    }
    auto fixed = [&](const char* key, std::initializer_list<std::string_view> allowed) {
        auto it = options.properties.find(key);
        return it == options.properties.end() || std::find(allowed.begin(), allowed.end(), it->second) != allowed.end();
    };
    if (!fixed("enable.idempotence", {"true"}) || !fixed("acks", {"all", "-1"}))
        return fail(errc::invalid_argument, "kafka log: enable.idempotence=true and acks=all are required");
    auto log = std::make_unique<KafkaLog>(options);
    if (auto r = log->start(); !r) return failure(r.error());
    return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace liquida::events
