// The embedded event log: one RocksDB database, WAL on, offsets dense per partition.
//
// Column families:
//   records    [topic u16][partition u32][offset u64]        -> LogRecord (log_record.fbs)
//   time_index [topic u16][partition u32][ts u64][offset] -> ""  (sparse: written when the
//              partition's running maximum timestamp enters a new second, so a lookup seeks to
//              that second's entry and scans forward at most one second of records)
//   idempotency  idempotency key -> [topic u16][partition u32][base u64][count u64]
//   default    "topics" -> the topic layout fixed at creation
// Integers are big-endian so keys sort by offset.
//
// Concurrent appenders are group-committed: the first waiting appender becomes the leader,
// writes every queued batch in one WriteBatch, then wakes the others.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "events/chain.h"
#include "events/log.h"
#include "log_record_generated.h"

namespace liquida::events {
namespace {

constexpr size_t kMaxBatchBytes = 16 << 20;  // one append
constexpr size_t kMaxGroupBatches = 4096;    // one group commit
constexpr size_t kTpKeySize = 2 + 4;

void put_be(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_be(const char* p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
    return v;
}

struct PartitionState {
    int64_t next_offset = 0;                 // leader-only: the next offset to assign
    int64_t committed_end = 0;               // under mu_: readable end
    domain::TimestampMs max_ts = INT64_MIN;  // leader-only: running max for the time index
    Hash head = kGenesis;                    // leader-only: hash of the last record, the next one's prev
    std::string unsealable;                  // set at open when the last record fails: appends refused
};

class EmbeddedLog final : public EventLog {
public:
    EmbeddedLog(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles, std::vector<TopicSpec> topics,
                bool sync, bool follower)
        : db_(std::move(db)), handles_(std::move(handles)), topics_(std::move(topics)), follower_(follower) {
        write_options_.sync = sync;
        for (size_t t = 0; t < topics_.size(); ++t) {
            topic_index_[topics_[t].name] = static_cast<uint16_t>(t);
            parts_.emplace_back(static_cast<size_t>(topics_[t].partitions));
        }
    }

    ~EmbeddedLog() override {
        close();
        // A clean stop leaves nothing in the WAL to replay at the next open (it would be
        // replayed, not lost, if this fails).
        if (!follower_) (void)db_->Flush(rocksdb::FlushOptions{}, handles_);
        for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
        db_->Close();
    }

    result<ok_t> recover() {
        for (size_t t = 0; t < topics_.size(); ++t) {
            for (int32_t p = 0; p < topics_[t].partitions; ++p) {
                const std::string prefix = tp_key(static_cast<uint16_t>(t), p);
                PartitionState& st = parts_[t][static_cast<size_t>(p)];
                std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, records()));
                it->SeekForPrev(prefix + std::string(8, '\xff'));
                if (it->Valid() && it->key().starts_with(prefix)) {
                    st.next_offset = static_cast<int64_t>(get_be(it->key().data() + kTpKeySize, 8)) + 1;
                    // The chain goes on from the last record's sealed hash.
                    std::vector<uint64_t> scratch;
                    // A damaged last record leaves the log readable (reads report it) but the
                    // partition closed to appends: the chain would go on from a broken link.
                    auto last = decode_record(it->value(), scratch);
                    auto head = last ? last->second.hash : std::nullopt;
                    if (head) st.head = *head;
                    else
                        st.unsealable = topics_[t].name + "/" + std::to_string(p) + " offset " + std::to_string(st.next_offset - 1) +
                                        (last ? " carries no seal" : " fails verification") + ": the partition's chain cannot go on";
                }
                if (!it->status().ok()) return fail(errc::io_error, it->status().ToString());
                std::unique_ptr<rocksdb::Iterator> ti(db_->NewIterator({}, time_index()));
                ti->SeekForPrev(prefix + std::string(16, '\xff'));
                if (ti->Valid() && ti->key().starts_with(prefix))
                    st.max_ts = static_cast<int64_t>(get_be(ti->key().data() + kTpKeySize, 8) ^ kSignBit);
                if (!ti->status().ok()) return fail(errc::io_error, ti->status().ToString());
                st.committed_end = st.next_offset;
            }
        }
        return ok;
    }

    const std::vector<TopicSpec>& topics() const override { return topics_; }

    result<std::vector<AppendResult>> append_all(std::vector<AppendBatch> batches) override {
        if (follower_) return fail(errc::invalid_argument, "this log is opened as a reader beside its writer: it takes no appends");
        if (batches.empty()) return fail(errc::invalid_argument, "no batches");
        if (batches.size() > kMaxGroupBatches) return fail(errc::invalid_argument, "more than 4096 batches in one append");
        // One Pending per batch, queued together and committed in one WriteBatch (`joined`).
        std::vector<Pending> unit;
        unit.reserve(batches.size());
        for (size_t i = 0; i < batches.size(); ++i)
            for (size_t j = 0; j < i; ++j)
                if (!batches[i].idempotency_key.empty() && batches[i].idempotency_key == batches[j].idempotency_key)
                    return fail(errc::invalid_argument, "one idempotency key twice in one append");
        for (AppendBatch& batch : batches) {
            auto where = locate(batch.tp);
            if (!where) return failure(where.error());
            if (batch.records.empty()) return fail(errc::invalid_argument, "empty batch");
            size_t bytes = 0;
            for (const auto& r : batch.records) bytes += r.key.size() + r.value.size() + 64;
            if (bytes > kMaxBatchBytes) return fail(errc::invalid_argument, "batch larger than 16 MiB");
            if (const std::string& why = part(*where).unsealable; !why.empty()) return fail(errc::corrupt_record, why);
            // The records' own digests by their appender; the leader only links them (chain.h).
            std::vector<Hash> contents;
            contents.reserve(batch.records.size());
            for (const Record& r : batch.records) contents.push_back(content_hash(r));
            unit.push_back(Pending{std::move(batch), std::move(contents), *where, std::nullopt, true, false});
        }
        unit.back().joined = false;
        std::unique_lock lk(mu_);
        if (closed_) return fail(errc::closed, "log closed");
        for (Pending& p : unit) queue_.push_back(&p);
        while (!unit.back().done) {
            if (leader_active_) {
                commit_cv_.wait(lk);
                continue;
            }
            leader_active_ = true;
            std::vector<Pending*> group;
            while (!queue_.empty() && (group.size() < kMaxGroupBatches || group.back()->joined)) {
                group.push_back(queue_.front());
                queue_.pop_front();
            }
            lk.unlock();
            commit(group);
            lk.lock();
            for (Pending* g : group) {
                part(g->where).committed_end = part(g->where).next_offset;
                g->done = true;
            }
            leader_active_ = false;
            commit_cv_.notify_all();
            data_cv_.notify_all();
        }
        std::vector<AppendResult> out;
        for (Pending& p : unit) {
            if (!*p.out) return failure(std::move(*p.out).error());
            out.push_back(**p.out);
        }
        return out;
    }

    result<std::vector<StoredRecord>> read(const TopicPartition& tp, int64_t from, size_t max_records) override {
        auto where = locate(tp);
        if (!where) return failure(where.error());
        if (from < 0) return fail(errc::offset_out_of_range, "negative offset");
        int64_t end = 0;
        {
            std::lock_guard lk(mu_);
            if (closed_) return fail(errc::closed, "log closed");
            end = part(*where).committed_end;
        }
        std::vector<StoredRecord> out;
        if (from >= end || max_records == 0) return out;
        const int64_t last = std::min<int64_t>(end, from + static_cast<int64_t>(std::min<size_t>(max_records, INT32_MAX)));
        const std::string upper = record_key(*where, last);
        rocksdb::Slice upper_slice(upper);
        rocksdb::ReadOptions ro;
        ro.iterate_upper_bound = &upper_slice;
        ro.fill_cache = false;  // a reader goes through records once, in order: their blocks would only evict others
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records()));
        out.reserve(static_cast<size_t>(last - from));
        int64_t expect = from;
        std::vector<uint64_t> scratch;
        for (it->Seek(record_key(*where, from)); it->Valid(); it->Next(), ++expect) {
            const int64_t offset = static_cast<int64_t>(get_be(it->key().data() + kTpKeySize, 8));
            if (offset != expect)
                return fail(errc::corrupt_record,
                            tp.topic + "/" + std::to_string(tp.partition) + ": offset " + std::to_string(expect) + " missing");
            auto rec = decode_record(it->value(), scratch);
            if (!rec)
                return fail(errc::corrupt_record, tp.topic + "/" + std::to_string(tp.partition) + " offset " + std::to_string(offset) +
                                                      ": record fails verification");
            out.push_back(StoredRecord{tp, offset, std::move(rec->first), rec->second, false});
        }
        if (!it->status().ok()) return fail(errc::io_error, it->status().ToString());
        if (expect != last)
            return fail(errc::corrupt_record, "offsets " + std::to_string(expect) + ".." + std::to_string(last) + " missing");
        return out;
    }

    result<ok_t> finish_pending_appends() override {
        std::lock_guard lk(mu_);
        if (closed_) return fail(errc::closed, "log closed");
        return ok;  // an append is decided when it returns
    }

    result<int64_t> end_offset(const TopicPartition& tp) override {
        auto where = locate(tp);
        if (!where) return failure(where.error());
        std::lock_guard lk(mu_);
        if (closed_) return fail(errc::closed, "log closed");
        return part(*where).committed_end;
    }

    result<int64_t> offset_for_time(const TopicPartition& tp, domain::TimestampMs t) override {
        auto where = locate(tp);
        if (!where) return failure(where.error());
        auto end = end_offset(tp);
        if (!end) return end;
        // The entry of t's second is the first offset whose running max reached that second;
        // no earlier offset can hold a timestamp >= t.
        std::string key = tp_key(where->topic, where->partition);
        put_be(key, static_cast<uint64_t>(index_bucket(t) * kIndexGranularityMs) ^ kSignBit, 8);
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, time_index()));
        it->Seek(key);
        if (!it->status().ok()) return fail(errc::io_error, it->status().ToString());
        if (!it->Valid() || !it->key().starts_with(rocksdb::Slice(key.data(), kTpKeySize))) return *end;
        for (auto from = static_cast<int64_t>(get_be(it->key().data() + kTpKeySize + 8, 8)); from < *end;) {
            auto chunk = read(tp, from, 1024);
            if (!chunk) return failure(std::move(chunk).error());
            for (const auto& r : *chunk)
                if (r.record.timestamp >= t) return r.offset;
            if (chunk->empty()) break;
            from = chunk->back().offset + 1;
        }
        return *end;
    }

    bool wait_for_any(std::span<const Position> positions, std::chrono::milliseconds timeout) override {
        std::vector<std::pair<Where, int64_t>> wanted;
        for (const Position& p : positions)
            if (auto where = locate(p.tp)) wanted.emplace_back(*where, p.offset);
        if (wanted.empty()) return false;
        std::unique_lock lk(mu_);
        auto readable = [&] {
            return std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return part(w.first).committed_end > w.second; });
        };
        return data_cv_.wait_for(lk, timeout, [&] { return closed_ || readable(); }) && !closed_;
    }

    void close() override {
        std::unique_lock lk(mu_);
        closed_ = true;
        // Let a running group commit finish so nothing half-acknowledged is left behind.
        commit_cv_.wait(lk, [&] { return !leader_active_; });
        data_cv_.notify_all();
    }

private:
    static constexpr uint64_t kSignBit = 1ULL << 63;  // orders signed timestamps as unsigned
    static constexpr int64_t kIndexGranularityMs = 1000;
    static int64_t index_bucket(int64_t ts) {  // floor division, also for negative instants
        return ts >= 0 ? ts / kIndexGranularityMs : -((-ts + kIndexGranularityMs - 1) / kIndexGranularityMs);
    }

    struct Where {
        uint16_t topic;
        int32_t partition;
    };
    struct Pending {
        AppendBatch batch;
        std::vector<Hash> contents;  // content_hash of each record
        Where where;
        std::optional<result<AppendResult>> out;
        bool joined = false;  // committed with the next Pending, all or none (one append_all)
        bool done = false;
    };

    rocksdb::ColumnFamilyHandle* records() const { return handles_[1]; }
    rocksdb::ColumnFamilyHandle* time_index() const { return handles_[2]; }
    rocksdb::ColumnFamilyHandle* idempotency() const { return handles_[3]; }

    result<Where> locate(const TopicPartition& tp) const {
        auto it = topic_index_.find(tp.topic);
        if (it == topic_index_.end()) return fail(errc::invalid_argument, "unknown topic '" + tp.topic + "'");
        if (tp.partition < 0 || tp.partition >= topics_[it->second].partitions)
            return fail(errc::invalid_argument, "topic '" + tp.topic + "' has no partition " + std::to_string(tp.partition));
        return Where{it->second, tp.partition};
    }
    PartitionState& part(Where w) { return parts_[w.topic][static_cast<size_t>(w.partition)]; }

    static std::string tp_key(uint16_t topic, int32_t partition) {
        std::string k;
        k.reserve(kTpKeySize + 16);
        put_be(k, topic, 2);
        put_be(k, static_cast<uint32_t>(partition), 4);
        return k;
    }
    static std::string record_key(Where w, int64_t offset) {
        std::string k = tp_key(w.topic, w.partition);
        put_be(k, static_cast<uint64_t>(offset), 8);
        return k;
    }

    // The slice points into `fbb` and is valid until its next use. The seal goes in its own
    // fields, raw; a caller's seal headers are not stored.
    static rocksdb::Slice encode_record(flatbuffers::FlatBufferBuilder& fbb, const Record& r, const Hash& prev, const Hash& hash) {
        fbb.Clear();
        std::vector<flatbuffers::Offset<fb::RecordHeader>> headers;
        headers.reserve(r.headers.size());
        for (const auto& h : r.headers) {
            if (h.key == kHeaderPrevHash || h.key == kHeaderHash) continue;
            headers.push_back(fb::CreateRecordHeader(fbb, fbb.CreateString(h.key),
                                                     fbb.CreateVector(reinterpret_cast<const uint8_t*>(h.value.data()), h.value.size())));
        }
        auto key = fbb.CreateVector(reinterpret_cast<const uint8_t*>(r.key.data()), r.key.size());
        auto hv = fbb.CreateVector(headers);
        auto value = fbb.CreateVector(reinterpret_cast<const uint8_t*>(r.value.data()), r.value.size());
        auto p = fbb.CreateVector(prev.data(), prev.size());
        auto h = fbb.CreateVector(hash.data(), hash.size());
        fb::FinishLogRecordBuffer(fbb, fb::CreateLogRecord(fbb, key, r.timestamp, hv, value, p, h));
        return rocksdb::Slice(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    }

    // `scratch` holds an aligned copy: RocksDB values carry no alignment, FlatBuffers needs it.
    static std::optional<std::pair<Record, Seal>> decode_record(rocksdb::Slice bytes, std::vector<uint64_t>& scratch) {
        scratch.resize(bytes.size() / sizeof(uint64_t) + 1);
        std::memcpy(scratch.data(), bytes.data(), bytes.size());
        const auto* data = reinterpret_cast<const uint8_t*>(scratch.data());
        flatbuffers::Verifier v(data, bytes.size(), 16, 1'000'000);
        if (!fb::LogRecordBufferHasIdentifier(data) || !fb::VerifyLogRecordBuffer(v)) return std::nullopt;
        const fb::LogRecord* lr = fb::GetLogRecord(data);
        auto str = [](const flatbuffers::Vector<uint8_t>* b) {
            return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : std::string();
        };
        Record r{str(lr->key()), str(lr->value()), lr->timestamp(), {}};
        if (lr->headers()) {
            for (const auto* h : *lr->headers()) r.headers.push_back(Header{h->key() ? h->key()->str() : std::string(), str(h->value())});
        }
        auto hash_of = [](const flatbuffers::Vector<uint8_t>* b) -> std::optional<Hash> {
            Hash h{};
            if (!b || b->size() != h.size()) return std::nullopt;
            std::copy(b->begin(), b->end(), h.begin());
            return h;
        };
        Seal seal{hash_of(lr->prev_hash()), hash_of(lr->hash())};
        return std::pair{std::move(r), seal};
    }

    static std::string idem_value(Where w, int64_t base, size_t count) {
        std::string v = tp_key(w.topic, w.partition);
        put_be(v, static_cast<uint64_t>(base), 8);
        put_be(v, count, 8);
        return v;
    }

    // The group's appends already in the log (by idempotency key), looked up before anything
    // is written: an append_all with a failed lookup fails whole and is not written at all.
    std::vector<std::optional<AppendResult>> stored_results(const std::vector<Pending*>& group) {
        std::vector<std::optional<AppendResult>> stored(group.size());
        for (size_t i = 0, unit = 0; i < group.size(); ++i) {
            if (const std::string& ikey = group[i]->batch.idempotency_key; !ikey.empty() && !group[i]->out) {
                std::string v;
                auto s = db_->Get({}, idempotency(), ikey, &v);
                if (s.ok() && v.size() == kTpKeySize + 16) {
                    const Where w{static_cast<uint16_t>(get_be(v.data(), 2)), static_cast<int32_t>(get_be(v.data() + 2, 4))};
                    stored[i] =
                        AppendResult{TopicPartition{topics_[w.topic].name, w.partition},
                                     static_cast<int64_t>(get_be(v.data() + kTpKeySize, 8)), get_be(v.data() + kTpKeySize + 8, 8), true};
                } else if (!s.ok() && !s.IsNotFound()) {
                    for (size_t j = unit; j < group.size(); ++j) {
                        group[j]->out = fail(errc::io_error, s.ToString());
                        if (!group[j]->joined) break;
                    }
                }
            }
            if (!group[i]->joined) unit = i + 1;
        }
        return stored;
    }

    // Leader only. Assigns offsets, writes the group in one WriteBatch, fills every `out`.
    void commit(const std::vector<Pending*>& group) {
        rocksdb::WriteBatch wb;
        flatbuffers::FlatBufferBuilder fbb(1024);
        // Offsets and running max assigned in this group; applied only if the write succeeds.
        std::map<std::pair<uint16_t, int32_t>, PartitionState> staged;
        std::unordered_map<std::string, Pending*> keys_in_group;
        std::vector<Pending*> in_write;  // whose result depends on this write
        const std::vector<std::optional<AppendResult>> stored = stored_results(group);
        for (size_t g = 0; g < group.size(); ++g) {
            Pending* p = group[g];
            if (p->out) continue;  // its append_all failed a lookup
            const std::string& ikey = p->batch.idempotency_key;
            if (!ikey.empty()) {
                if (auto dup = keys_in_group.find(ikey); dup != keys_in_group.end()) {
                    p->out = dup->second->out;  // same command twice in one group
                    (*p->out)->duplicate = true;
                    in_write.push_back(p);
                    continue;
                }
                if (stored[g]) {
                    p->out = *stored[g];
                    continue;
                }
            }
            auto [it, fresh] = staged.try_emplace({p->where.topic, p->where.partition});
            if (fresh) it->second = part(p->where);
            PartitionState& st = it->second;
            const int64_t base = st.next_offset;
            for (size_t i = 0; i < p->batch.records.size(); ++i) {
                const Record& r = p->batch.records[i];
                const Hash prev = st.head;
                st.head = link_hash(prev, p->contents[i]);
                wb.Put(records(), record_key(p->where, st.next_offset), encode_record(fbb, r, prev, st.head));
                if (st.max_ts == INT64_MIN || index_bucket(r.timestamp) > index_bucket(st.max_ts)) {
                    std::string k = tp_key(p->where.topic, p->where.partition);
                    put_be(k, static_cast<uint64_t>(r.timestamp) ^ kSignBit, 8);
                    put_be(k, static_cast<uint64_t>(st.next_offset), 8);
                    wb.Put(time_index(), k, rocksdb::Slice());
                }
                st.max_ts = std::max(st.max_ts, r.timestamp);
                ++st.next_offset;
            }
            if (!ikey.empty()) {
                wb.Put(idempotency(), ikey, idem_value(p->where, base, p->batch.records.size()));
                keys_in_group.emplace(ikey, p);
            }
            p->out = AppendResult{p->batch.tp, base, p->batch.records.size(), false};
            in_write.push_back(p);
        }
        if (wb.Count() == 0) return;
        const rocksdb::Status s = db_->Write(write_options_, &wb);
        if (!s.ok()) {
            // Nothing of this group is durable: its fresh appends (and their in-group retries)
            // fail, and offsets are not advanced.
            for (Pending* p : in_write) p->out = fail(errc::io_error, "append not written: " + s.ToString());
            return;
        }
        for (auto& [k, st] : staged) {
            PartitionState& live = parts_[k.first][static_cast<size_t>(k.second)];
            live.next_offset = st.next_offset;
            live.max_ts = st.max_ts;
            live.head = st.head;
        }
    }

    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
    std::vector<TopicSpec> topics_;
    std::unordered_map<std::string, uint16_t> topic_index_;
    rocksdb::WriteOptions write_options_;
    const bool follower_;

    std::mutex mu_;
    std::condition_variable commit_cv_;  // a group commit finished
    std::condition_variable data_cv_;    // committed ends moved, or closed
    std::deque<Pending*> queue_;
    bool leader_active_ = false;
    bool closed_ = false;
    std::vector<std::vector<PartitionState>> parts_;
};

std::string describe(const std::vector<TopicSpec>& topics) {
    std::string s;
    for (const auto& t : topics) s += t.name + ":" + std::to_string(t.partitions) + ";";
    return s;
}

}  // namespace

result<std::unique_ptr<EventLog>> open_embedded_log(const EmbeddedLogOptions& options) {
    if (options.path.empty()) return fail(errc::invalid_argument, "embedded log: path is required");
    if (options.topics.empty()) return fail(errc::invalid_argument, "embedded log: no topics");
    if (options.topics.size() > UINT16_MAX) return fail(errc::invalid_argument, "embedded log: too many topics");
    for (const auto& t : options.topics)
        if (t.name.empty() || t.partitions < 1 || t.partitions > 4096)
            return fail(errc::invalid_argument, "embedded log: topic '" + t.name + "' needs 1..4096 partitions");

    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.IncreaseParallelism(2);
    db_options.manual_wal_flush = false;
    db_options.paranoid_checks = true;
    // Strict tolerates only an unfinished last write (a process killed inside write(2)
    // leaves part of a record at the end): that append was never acknowledged. Any other
    // damage, a checksum mismatch anywhere, refuses.
    db_options.wal_recovery_mode = options.wal_recovery == EmbeddedLogOptions::WalRecovery::strict
                                       ? rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords
                                       : rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    rocksdb::ColumnFamilyOptions cf;
    cf.write_buffer_size = 64 << 20;
    cf.compression = rocksdb::kLZ4Compression;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
        {rocksdb::kDefaultColumnFamilyName, cf}, {"records", cf}, {"time_index", cf}, {"idempotency", cf}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    const bool follower = !options.follower_dir.empty();
    if (follower) db_options.max_open_files = -1;  // RocksDB's secondary instance requires it
    const rocksdb::Status s = follower ? rocksdb::DB::OpenAsSecondary(db_options, options.path, options.follower_dir, cfs, &handles, &raw)
                                       : rocksdb::DB::Open(db_options, options.path, cfs, &handles, &raw);
    if (s.IsCorruption())
        return fail(errc::corrupt_record,
                    "embedded log at " + options.path + " is damaged (" + s.ToString() +
                        "); it does not open, since acknowledged records may be in the damaged part. Restore the data "
                        "directory from a backup, or accept losing every record after the damage with --accept-wal-loss "
                        "(docs/OPERATIONS.md, \"A damaged log\")");
    if (!s.ok()) return fail(errc::io_error, "embedded log: cannot open " + options.path + ": " + s.ToString());
    std::unique_ptr<rocksdb::DB> db(raw);

    // The topic layout is fixed at creation: other counts would move keys between partitions.
    const std::string layout = describe(options.topics);
    std::string stored;
    rocksdb::Status m = db->Get({}, handles[0], "topics", &stored);
    if (m.IsNotFound() && follower) {
        for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
        return fail(errc::invalid_argument, "embedded log at " + options.path + " holds no log to follow");
    }
    if (m.IsNotFound()) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        m = db->Put(wo, handles[0], "topics", layout);
    } else if (m.ok() && stored != layout) {
        for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
        return fail(errc::config_mismatch,
                    "embedded log at " + options.path + " was created with topics '" + stored + "', not '" + layout + "'");
    }
    if (!m.ok()) {
        for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
        return fail(errc::io_error, "embedded log: " + m.ToString());
    }
    auto log = std::make_unique<EmbeddedLog>(std::move(db), std::move(handles), options.topics, options.sync, follower);
    if (auto r = log->recover(); !r) return failure(r.error());
    return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace liquida::events
