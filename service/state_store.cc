#include "service/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cstring>
#include <filesystem>

#include "projections/row_codec.h"
#include "service/ledger_codec.h"

namespace liquida::service {
namespace {

using projections::codec::Reader;
using projections::codec::Writer;

constexpr const char* kCfNames[] = {"default", "ledgers", "commands", "sessions"};  // default: watermarks
enum Cf { kMarks = 0, kLedgers = 1, kCommands = 2, kSessions = 3 };
// In the sessions' family, beside the 8-byte provider keys.
constexpr std::string_view kBasisKey = "basis";

std::string provider_key(domain::ProviderId p) {
    std::string k(8, '\0');
    for (int i = 0; i < 8; ++i) k[static_cast<size_t>(i)] = static_cast<char>(p.value() >> (56 - 8 * i));
    return k;
}
domain::ProviderId provider_of(std::string_view k) {
    uint64_t v = 0;
    for (char c : k) v = (v << 8) | static_cast<unsigned char>(c);
    return domain::ProviderId{v};
}

std::optional<Snapshot> decode_snapshot(std::string_view bytes) {
    Reader r(bytes);
    Snapshot s;
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        std::string topic = r.s();
        s.covered[topic] = r.i();
    }
    auto ledger = decode_ledger(r.s());
    if (!ledger || !r.done()) return std::nullopt;
    s.ledger = std::move(*ledger);
    return s;
}

std::string encode(const CommandRecord& c) {
    Writer w;
    w.u(c.provider.value());
    w.s(c.digest);
    w.u(c.events.size());
    for (const auto& e : c.events) {
        w.s(std::string_view(reinterpret_cast<const char*>(e.event_id.bytes.data()), e.event_id.bytes.size()));
        w.s(e.kind);
        w.s(e.tp.topic);
        w.i(e.tp.partition);
        w.i(e.offset);
    }
    return w.take();
}
std::optional<CommandRecord> decode_command(std::string_view bytes) {
    Reader r(bytes);
    CommandRecord c;
    c.provider = domain::ProviderId{r.u()};
    c.digest = r.s();
    for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
        EventRef e;
        const std::string id = r.s();
        if (id.size() != e.event_id.bytes.size()) return std::nullopt;
        std::memcpy(e.event_id.bytes.data(), id.data(), id.size());
        e.kind = r.s();
        e.tp.topic = r.s();
        e.tp.partition = static_cast<int32_t>(r.i());
        e.offset = r.i();
        c.events.push_back(std::move(e));
    }
    if (!r.done()) return std::nullopt;
    return c;
}

std::string encode(const std::vector<domain::Session>& sessions) {
    Writer w;
    w.u(sessions.size());
    for (const auto& s : sessions) {
        w.s(s.obra_social.value());
        w.s(s.affiliate_number);
        w.s(s.practice_code);
        w.u(std::get<0>(s.transaction));
        w.s(std::get<1>(s.transaction));
        w.u(std::get<2>(s.transaction));
        w.i(s.day.days);
        w.u(s.quantity);
    }
    return w.take();
}
std::optional<std::vector<domain::Session>> decode_sessions(std::string_view bytes) {
    Reader r(bytes);
    const uint64_t n = r.u();
    if (!r.ok() || n > bytes.size() / 8) return std::nullopt;  // each takes 8 bytes or more: a garbled count allocates nothing
    std::vector<domain::Session> out(n);
    for (auto& s : out) {
        s.obra_social = domain::ObraSocialId{r.s()};
        s.affiliate_number = r.s();
        s.practice_code = r.s();
        const uint64_t boca = r.u();
        std::string serie = r.s();
        s.transaction = {static_cast<uint32_t>(boca), std::move(serie), r.u()};
        const int64_t day = r.i();
        const uint64_t quantity = r.u();
        // Days since 1970 within about 2,700 years: a garbled day would move the register's clock.
        if (boca > UINT32_MAX || quantity > UINT32_MAX || day < -1'000'000 || day > 1'000'000) return std::nullopt;
        s.day = domain::Date{static_cast<int32_t>(day)};
        s.quantity = static_cast<uint32_t>(quantity);
    }
    if (!r.done()) return std::nullopt;
    return out;
}

std::string mark_key(const events::TopicPartition& tp) { return tp.topic + '\0' + std::to_string(tp.partition); }

class RocksStateStore final : public StateStore {
public:
    RocksStateStore(std::string path, std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs)
        : path_(std::move(path)), db_(std::move(db)), cfs_(std::move(cfs)) {}
    ~RocksStateStore() override {
        (void)db_->Flush(rocksdb::FlushOptions{}, cfs_);  // nothing left in the WAL to replay at the next open
        for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    }

    result<liquida::ok_t> load_marks() {
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[kMarks]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const std::string key = it->key().ToString();
            const auto nul = key.find('\0');
            Reader r(it->value().ToStringView());
            const int64_t next = r.i();
            if (nul == std::string::npos || !r.done() || next < 0) return damaged("a watermark");
            events::TopicPartition tp{key.substr(0, nul), 0};
            try {
                tp.partition = std::stoi(key.substr(nul + 1));
            } catch (const std::exception&) {
                return damaged("a watermark");
            }
            marks_[tp] = next;
        }
        if (!it->status().ok()) return fail(errc::io_error, "state: " + it->status().ToString());
        return liquida::ok;
    }

    result<std::optional<Snapshot>> snapshot(domain::ProviderId provider) const override {
        std::string v;
        auto st = db_->Get({}, cfs_[kLedgers], provider_key(provider), &v);
        if (st.IsNotFound()) return std::optional<Snapshot>{};
        if (!st.ok()) return fail(errc::io_error, "state: " + st.ToString());
        auto s = decode_snapshot(v);
        if (!s) return damaged("the ledger of provider " + std::to_string(provider.value()));
        return std::optional<Snapshot>(std::move(*s));
    }

    result<std::optional<CommandRecord>> command(std::string_view scope) const override {
        std::string v;
        auto st = db_->Get({}, cfs_[kCommands], rocksdb::Slice(scope.data(), scope.size()), &v);
        if (st.IsNotFound()) return std::optional<CommandRecord>{};
        if (!st.ok()) return fail(errc::io_error, "state: " + st.ToString());
        auto c = decode_command(v);
        if (!c) return damaged("a command record");
        return std::optional<CommandRecord>(std::move(*c));
    }

    result<liquida::ok_t> save(domain::ProviderId provider, std::string_view snapshot, const std::vector<domain::Session>& sessions,
                               const CommandIndex& commands) override {
        rocksdb::WriteBatch wb;
        wb.Put(cfs_[kLedgers], provider_key(provider), rocksdb::Slice(snapshot.data(), snapshot.size()));
        wb.Put(cfs_[kSessions], provider_key(provider), encode(sessions));
        for (const auto& [scope, c] : commands) wb.Put(cfs_[kCommands], scope, encode(c));
        return write(wb);
    }

    result<std::vector<std::pair<domain::ProviderId, std::vector<domain::Session>>>> sessions() const override {
        std::vector<std::pair<domain::ProviderId, std::vector<domain::Session>>> out;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[kSessions]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            if (it->key().size() != 8) continue;  // the basis
            auto s = decode_sessions(it->value().ToStringView());
            if (!s) return damaged("the sessions of provider " + std::to_string(provider_of(it->key().ToStringView()).value()));
            out.emplace_back(provider_of(it->key().ToStringView()), std::move(*s));
        }
        if (!it->status().ok()) return fail(errc::io_error, "state: " + it->status().ToString());
        return out;
    }

    result<std::string> sessions_basis() const override {
        std::string v;
        auto st = db_->Get({}, cfs_[kSessions], rocksdb::Slice(kBasisKey.data(), kBasisKey.size()), &v);
        if (st.IsNotFound()) return std::string{};
        if (!st.ok()) return fail(errc::io_error, "state: " + st.ToString());
        return v;
    }

    result<liquida::ok_t> save_sessions(domain::ProviderId provider, const std::vector<domain::Session>& sessions) override {
        rocksdb::WriteBatch wb;
        wb.Put(cfs_[kSessions], provider_key(provider), encode(sessions));
        return write(wb);
    }

    result<liquida::ok_t> save_sessions_basis(std::string_view basis) override {
        rocksdb::WriteBatch wb;
        wb.Put(cfs_[kSessions], rocksdb::Slice(kBasisKey.data(), kBasisKey.size()), rocksdb::Slice(basis.data(), basis.size()));
        return write(wb);
    }

    const std::map<events::TopicPartition, int64_t>& watermarks() const override { return marks_; }

    result<liquida::ok_t> save_watermarks(const std::map<events::TopicPartition, int64_t>& marks) override {
        rocksdb::WriteBatch wb;
        for (const auto& [tp, next] : marks) {
            Writer w;
            w.i(next);
            wb.Put(cfs_[kMarks], mark_key(tp), w.take());
        }
        if (auto w = write(wb); !w) return w;
        for (const auto& [tp, next] : marks) marks_[tp] = next;
        return liquida::ok;
    }

    result<std::vector<domain::ProviderId>> providers() const override {
        std::vector<domain::ProviderId> out;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[kLedgers]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(provider_of(it->key().ToStringView()));
        if (!it->status().ok()) return fail(errc::io_error, "state: " + it->status().ToString());
        return out;
    }

private:
    result<liquida::ok_t> write(rocksdb::WriteBatch& wb) {
        // Not synced: a crash keeps a prefix of the writes (one WAL), and whatever is lost is
        // read again from the log, which the watermarks written after the snapshots assure.
        rocksdb::WriteOptions wo;
        if (auto st = db_->Write(wo, &wb); !st.ok()) return fail(errc::io_error, "state: " + st.ToString());
        return liquida::ok;
    }
    liquida::failure<fault> damaged(const std::string& what) const {
        return fail(errc::damaged, "state at " + path_ + ": " + what + " does not decode; delete " + path_ +
                                       " and it is rebuilt from the log at the next start");
    }

    std::string path_;
    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
    std::map<events::TopicPartition, int64_t> marks_;
};

}  // namespace

std::string encode_snapshot(const domain::ProviderLedger& ledger, const std::map<std::string, int64_t>& covered) {
    Writer w;
    w.u(covered.size());
    for (const auto& [topic, next] : covered) {
        w.s(topic);
        w.i(next);
    }
    w.s(encode_ledger(ledger));
    return w.take();
}

result<std::unique_ptr<StateStore>> StateStore::open(const std::string& path) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : kCfNames) {
        // Most command ids looked up are new: bloom filters, in the memtable too, answer those
        // without searching.
        rocksdb::ColumnFamilyOptions cf;
        cf.memtable_prefix_bloom_size_ratio = 0.1;
        cf.memtable_whole_key_filtering = true;
        rocksdb::BlockBasedTableOptions table;
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
        descriptors.emplace_back(name, cf);
    }
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (auto st = rocksdb::DB::Open(options, path, descriptors, &handles, &raw); !st.ok())
        return fail(errc::io_error, "state at " + path + ": " + st.ToString());
    auto store = std::make_unique<RocksStateStore>(path, std::unique_ptr<rocksdb::DB>(raw), std::move(handles));
    if (auto loaded = store->load_marks(); !loaded) return failure(std::move(loaded).error());
    return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace liquida::service
