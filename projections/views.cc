// The views' RocksDB: one column family per view, one for the runner's working state
// (budgets, needed to place later events) and one for the applied offsets.
//
// A batch caches the rows it touches, applies events to them in memory, and writes the
// changed rows and the new offsets in one WriteBatch: a crash loses both or neither, so the
// runner resumes exactly where the views stand.
#include <absl/container/node_hash_map.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "domain/money.h"
#include "domain/overloaded.h"
#include "domain/queries.h"
#include "events/sha256.h"
#include "events/topics.h"
#include "projections/fold.h"
#include "projections/keys.h"
#include "projections/row_codec.h"

namespace liquida::projections {
namespace {

using codec::decode;
using codec::encode;
using codec::put_be;
using namespace keys;
using namespace fold;

// A row that could not be read, or does not decode: an error, never an absent row (a query
// would answer fewer rows, a batch would write the row anew).
fault read_failed(Cf cf, const rocksdb::Status& st) {
    return {errc::io_error, std::string("views: reading '") + kCfNames[cf] + "': " + st.ToString()};
}
fault undecodable(Cf cf) {
    return {errc::corrupt_row,
            std::string("views: a row of '") + kCfNames[cf] + "' does not decode; rebuild the views (delete the views directory)"};
}
// What the rows and the working state hold, and how they are written. Views with applied
// events and another format (or none: the first, without the validation view) are refused at
// open: rebuilt, not guessed at. Format 4 added the orders view; 5 each payment's kind and
// retention certificate, and each document's approval date; 6 a budget item's own anulación; 7 the affiliate's
// name and plan, quantities and each adhesion's convenio; 8 the aranceles' version of an order.
constexpr std::string_view kFormat = "8";
constexpr const char* kFormatKey = "format";

// A view's digest: SHA-256 over its rows' keys and values, each length-prefixed so ("ab","c")
// and ("a","bc") hash apart. Fed in chunks: a row is four small pieces, and a call into the
// hash costs more than their bytes.
class ViewHash {
public:
    void put(std::string_view bytes) {
        chunk_.s(bytes);
        if (chunk_.size() >= 64 << 10) h_.update(chunk_.take());
    }
    std::string hex() {
        h_.update(chunk_.take());
        return h_.hex();
    }

private:
    events::Sha256 h_;
    codec::Writer chunk_;
};

class RocksViews;

// A row as a batch or the views' cache holds it, decoded. `row` empty: absent (or deleted, or a
// derived row the batch erases without reading it).
template <class R>
struct Slot {
    std::optional<R> row;
    bool dirty = false;   // changed by the batch: written at commit
    bool stored = false;  // present in the committed views (an absent row never stored needs no Delete)
};
// Swiss tables: a lookup probes one array of control bytes, not a chain of nodes (the rows
// looked up first are mostly not cached yet, and each miss walked the chain).
template <class R>
using Slots = absl::node_hash_map<std::string, Slot<R>>;
template <class R>
using Entry = typename Slots<R>::value_type;  // a key beside its slot, at an address that stays put

// The rows one lane keeps between its batches: the views' rows as last committed, decoded (a
// rebuild reads back mostly what it wrote a batch or two ago: a settlement row, an order being
// approved). A batch works in them directly, one lookup per row it touches, and marks what it
// changes; a batch that is not committed makes its lane forget every row, so no row a failed
// batch changed is ever read back. Two generations bound them: a commit that leaves the young
// one full makes it the old one. One per lane: lanes hold different providers' rows, and run
// on threads of their own.
template <class R>
struct RowCache {
    Slots<R> young, old;
};
using LaneCache = std::tuple<RowCache<PadronRow>, RowCache<PendingRow>, RowCache<SettlementRow>, RowCache<InvoiceViewRow>,
                             RowCache<ValidationItemRow>, RowCache<OrderRow>, RowCache<BudgetAux>>;

class StoreBatch final : public Views::Batch {
public:
    StoreBatch(RocksViews& v, bool want_delta, size_t lane);
    ~StoreBatch() override;
    StoreBatch(const StoreBatch&) = delete;
    StoreBatch& operator=(const StoreBatch&) = delete;
    bool apply(const events::Envelope& e) override;
    void advance(const events::TopicPartition& tp, int64_t next_offset) override { offsets_[tp] = next_offset; }
    const std::vector<std::pair<Period, ObraSocialId>>& settlement_touched() const override { return touched_; }

    // Adds the changed rows and the offsets to `wb` and `delta`; after `wb` is written, committed().
    result<ok_t> stage(rocksdb::WriteBatch& wb, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs, Delta& delta);
    void committed();

private:
    // One kind of row: the lane's cache of them, their column family, and those this batch changed.
    template <class R>
    struct Rows {
        RowCache<R>& cache;
        Cf cf;
        std::vector<Entry<R>*> changed;  // in first-change order
    };
    template <class F>
    void each_rows(F f) {
        f(padron_), f(pending_), f(settlement_), f(invoices_), f(validation_), f(orders_), f(budgets_);
    }
    // The cached row of `key`, and whether it was not cached (then it is added, absent).
    template <class R>
    std::pair<Entry<R>*, bool> cached(Rows<R>& rows, const std::string& key);
    template <class R>
    Entry<R>& entry(Rows<R>& rows, const std::string& key);
    // A row derived from one the batch holds (a budget's pending and validation rows): whether
    // the views hold it follows from that row, so it is never read from them.
    template <class R>
    Entry<R>& derived(Rows<R>& rows, const std::string& key, bool stored) {
        auto [e, added] = cached(rows, key);
        if (added) e->second.stored = stored;
        return *e;
    }
    template <class R>
    Slot<R>& slot(Rows<R>& rows, const std::string& key) {
        return entry(rows, key).second;
    }
    template <class R>
    R* find(Rows<R>& rows, const std::string& key) {
        auto& s = slot(rows, key);
        return s.row ? &*s.row : nullptr;
    }
    template <class R>
    R& change(Rows<R>& rows, Entry<R>& e) {
        if (!e.second.row) e.second.row.emplace();
        mark(rows, e);
        return *e.second.row;
    }
    template <class R>
    R& change(Rows<R>& rows, const std::string& key) {
        return change(rows, entry(rows, key));
    }
    template <class R>
    void erase(Rows<R>& rows, Entry<R>& e) {
        if (!e.second.row && !e.second.stored) return;  // a derived row is stored but not read
        e.second.row.reset();
        mark(rows, e);
    }
    template <class R>
    void mark(Rows<R>& rows, Entry<R>& e) {
        if (e.second.dirty) return;
        e.second.dirty = true;
        rows.changed.push_back(&e);
    }

    SettlementRow& settlement_row(Period p, const ObraSocialId& os, ProviderId provider) {
        if (std::find(touched_.begin(), touched_.end(), std::pair(p, os)) == touched_.end()) touched_.emplace_back(p, os);
        SettlementRow& row = change(settlement_, settlement_key(p, os, provider));
        row.period = p;
        row.obra_social = os;
        row.provider = provider;
        return row;
    }
    void apply_difference(ProviderId provider, const std::optional<Contribution>& before, const std::optional<Contribution>& after);
    // into += x, checked; an overflow fails the batch instead of wrapping.
    void fold(SettlementRow& row, Centavos& into, Centavos x) {
        const auto sum = domain::money::add(into, x);
        if (sum) into = *sum;
        if (!sum || !row.fits()) overflow_ = true;
    }

    void apply_padron(ProviderId p, const domain::Event& e, TimestampMs at);
    void apply_order(ProviderId p, const domain::Event& e, TimestampMs at);
    void apply_budget(ProviderId p, const domain::Event& e, TimestampMs at);
    // The pending and validation rows of a budget that changed from `*_before` to `b`.
    void rewrite_budget_rows(ProviderId p, const domain::TransactionRef& transaction, const std::vector<uint32_t>& pending_before,
                             const ValidationItems& validation_before, const BudgetAux* b, bool submitted);
    void apply_invoice(ProviderId p, const domain::Event& e, TimestampMs at);

    RocksViews& v_;
    bool want_delta_;
    size_t lane_;
    Rows<PadronRow> padron_;
    Rows<PendingRow> pending_;
    Rows<SettlementRow> settlement_;
    Rows<InvoiceViewRow> invoices_;
    Rows<ValidationItemRow> validation_;
    Rows<OrderRow> orders_;
    Rows<BudgetAux> budgets_;
    bool committed_ = false;
    std::vector<std::pair<Period, ObraSocialId>> touched_;  // by the last apply
    std::map<events::TopicPartition, int64_t> offsets_;
    size_t events_ = 0;
    std::optional<fault> error_;  // the first stored row that could not be read
    bool overflow_ = false;       // an applied event's amounts did not fit int64: never committed
};

class RocksViews final : public Views {
public:
    RocksViews(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs, bool follower)
        : db_(std::move(db)), cfs_(std::move(cfs)), follower_(follower) {}
    ~RocksViews() override {
        if (!follower_) (void)db_->Flush(rocksdb::FlushOptions{}, cfs_);  // nothing left in the WAL to replay at the next open
        for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    }

    int64_t applied(const events::TopicPartition& tp) const override {
        std::lock_guard lk(applied_mu_);
        auto it = applied_.find(tp);
        return it == applied_.end() ? 0 : it->second;
    }
    void moved(const std::map<events::TopicPartition, int64_t>& offsets) {
        std::lock_guard lk(applied_mu_);
        for (const auto& [tp, next] : offsets) applied_[tp] = next;
    }

    // The applied offsets, read and checked once at open and then kept as commits move them:
    // one that is damaged or cannot be read refuses the views, since reading it as 0 would
    // apply every record again on top of what they hold.
    result<ok_t> load_applied(const std::string& path) {
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[kMeta]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const std::string_view key = it->key().ToStringView(), value = it->value().ToStringView();
            const auto nul = key.find('\0');
            if (nul == std::string_view::npos) continue;  // format, source
            const bool sound = key.size() == nul + 5 && value.size() == 8 && codec::get_be(value, 8) <= uint64_t{INT64_MAX};
            if (!sound)
                return fail(errc::corrupt_row, "the views at " + path + " hold a damaged applied offset (" +
                                                   std::string(key.substr(0, nul)) + "): delete " + path + " to rebuild them from the log");
            const events::TopicPartition tp{std::string(key.substr(0, nul)), static_cast<int32_t>(codec::get_be(key.substr(nul + 1), 4))};
            applied_[tp] = static_cast<int64_t>(codec::get_be(value, 8));
        }
        if (!it->status().ok()) return fail(errc::io_error, "views at " + path + ": " + it->status().ToString());
        return ok;
    }

    result<std::optional<PadronRow>> padron(ProviderId provider) const override { return get<PadronRow>(kPadron, provider_key(provider)); }
    result<std::vector<PadronRow>> padron_rows() const override {
        return scan<PadronRow>(kPadron, "", [](const PadronRow&) { return true; });
    }
    result<std::vector<PendingRow>> pending(const PendingFilter& f, Cursor* cursor) const override {
        return scan<PendingRow>(
            kPending, f.provider ? provider_key(*f.provider) : "",
            [&](const PendingRow& r) {
                return (!f.obra_social || r.obra_social == *f.obra_social) &&
                       (f.affiliate_number.empty() || r.affiliate_number == f.affiliate_number);
            },
            cursor);
    }
    result<std::vector<SettlementRow>> settlement(const SettlementFilter& f) const override {
        const std::string prefix = f.period ? settlement_prefix(*f.period, f.obra_social ? &f.obra_social->value() : nullptr) : "";
        return scan<SettlementRow>(kSettlement, prefix, [&](const SettlementRow& r) {
            return (!f.obra_social || r.obra_social == *f.obra_social) && (!f.provider || r.provider == *f.provider);
        });
    }
    result<std::vector<InvoiceViewRow>> invoices(const InvoiceFilter& f, Cursor* cursor) const override {
        return scan<InvoiceViewRow>(
            kInvoices, f.where.provider ? provider_key(*f.where.provider) : "", [&](const InvoiceViewRow& r) { return f.matches(r); },
            cursor);
    }
    result<std::vector<OrderRow>> orders(const OrderFilter& f, Cursor* cursor) const override {
        return scan<OrderRow>(
            kOrders, f.where.provider ? provider_key(*f.where.provider) : "",
            [&](const OrderRow& r) {
                return (!f.where.obra_social || r.loaded.obra_social == *f.where.obra_social) &&
                       (!f.where.period || r.loaded.period == *f.where.period) && (!f.status || r.status == *f.status);
            },
            cursor);
    }
    result<std::vector<ValidationItemRow>> validation(const SettlementFilter& f) const override {
        if (!f.period) return std::vector<ValidationItemRow>{};
        std::string prefix = settlement_prefix(*f.period, f.obra_social ? &f.obra_social->value() : nullptr);
        if (f.obra_social && f.provider) prefix += provider_key(*f.provider);
        return scan<ValidationItemRow>(kValidation, prefix,
                                       [&](const ValidationItemRow& r) { return !f.provider || r.provider == *f.provider; });
    }

    result<std::vector<ViewDigest>> digests() const override {
        // A follower has no snapshots, nor needs one: it changes only when told to catch up.
        const rocksdb::Snapshot* snap = follower_ ? nullptr : db_->GetSnapshot();
        const auto release = [&] {
            if (snap != nullptr) db_->ReleaseSnapshot(snap);
        };
        rocksdb::ReadOptions ro;
        ro.snapshot = snap;
        const std::vector<std::pair<const char*, std::vector<Cf>>> views{{"padron", {kPadron}},
                                                                         {"pending", {kPending}},
                                                                         {"settlement", {kSettlement, kInvoices}},
                                                                         {"validation", {kValidation}},
                                                                         {"orders", {kOrders}}};
        // A thread per view: an audit replay reads every row of years of history here.
        std::vector<result<ViewDigest>> out(views.size(), ViewDigest{});
        {
            std::vector<std::jthread> threads;
            for (size_t i = 0; i < views.size(); ++i)
                threads.emplace_back([&, i] { out[i] = digest(ro, views[i].first, views[i].second); });
        }
        release();
        std::vector<ViewDigest> digests;
        for (auto& d : out) {
            if (!d) return failure(std::move(d).error());
            digests.push_back(std::move(*d));
        }
        return digests;
    }

    result<ViewDigest> digest(const rocksdb::ReadOptions& ro, const char* name, const std::vector<Cf>& cfs) const {
        ViewHash h;
        uint64_t rows = 0;
        for (Cf cf : cfs) {
            h.put(kCfNames[cf]);
            std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[cf]));
            for (it->SeekToFirst(); it->Valid(); it->Next(), ++rows) {
                h.put(std::string_view(it->key().data(), it->key().size()));
                h.put(std::string_view(it->value().data(), it->value().size()));
            }
            if (!it->status().ok()) return failure(read_failed(cf, it->status()));
        }
        return ViewDigest{name, h.hex(), rows};
    }

    result<ok_t> checkpoint(const std::string& dir) const override {
        rocksdb::Checkpoint* raw = nullptr;
        if (auto st = rocksdb::Checkpoint::Create(db_.get(), &raw); !st.ok()) return fail(errc::io_error, "views: " + st.ToString());
        std::unique_ptr<rocksdb::Checkpoint> cp(raw);
        // log_size_for_flush 0: flush first, so the copy is SST files only, without a WAL.
        if (auto st = cp->CreateCheckpoint(dir, 0); !st.ok())
            return fail(errc::io_error, "views: checkpoint into " + dir + ": " + st.ToString());
        return ok;
    }

    std::unique_ptr<Batch> begin(bool deltas, size_t lane) override {
        return std::make_unique<StoreBatch>(*this, deltas, std::min(lane, kLanes - 1));
    }
    result<Delta> commit(std::unique_ptr<Batch> batch) override {
        if (follower_) return fail(errc::read_only, "views opened as a reader beside their writer take no batches");
        auto& b = static_cast<StoreBatch&>(*batch);
        rocksdb::WriteBatch wb;
        Delta delta;
        if (auto staged = b.stage(wb, cfs_, delta); !staged) return failure(std::move(staged).error());
        rocksdb::WriteOptions wo;
        wo.sync = false;  // the views are rebuilt from the log; the WAL still survives a process crash
        if (auto st = db_->Write(wo, &wb); !st.ok()) return fail(errc::io_error, "views: " + st.ToString());
        b.committed();
        return delta;
    }

    result<ok_t> check_format(const std::string& path) {
        std::string stored;
        const auto found = db_->Get({}, cfs_[kMeta], kFormatKey, &stored);
        if (!found.ok() && !found.IsNotFound()) return fail(errc::io_error, "views: " + found.ToString());
        if (found.ok()) {
            if (stored == kFormat) return ok;
        } else {
            // No format: new views, or views of the first format if they hold any offset.
            std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[kMeta]));
            bool applied = false;
            for (it->SeekToFirst(); it->Valid() && !applied; it->Next())
                applied = it->key().ToStringView().find('\0') != std::string_view::npos;
            if (!it->status().ok()) return fail(errc::io_error, "views: " + it->status().ToString());
            if (!applied) {
                if (auto st = db_->Put({}, cfs_[kMeta], kFormatKey, rocksdb::Slice(kFormat.data(), kFormat.size())); !st.ok())
                    return fail(errc::io_error, "views: " + st.ToString());
                return ok;
            }
            stored = "1";
        }
        return fail(errc::format_mismatch, "the views at " + path + " are of format " + stored + " (an earlier liquida), this one writes " +
                                               std::string(kFormat) + ": delete " + path + " to rebuild them from the log");
    }

    result<ok_t> check_source(std::string_view source) {
        if (source.empty()) return ok;
        std::string stored;
        const auto found = db_->Get({}, cfs_[kMeta], kSourceKey, &stored);
        if (!found.ok() && !found.IsNotFound()) return fail(errc::io_error, "views: " + found.ToString());
        if (found.ok()) {
            if (stored == source) return ok;
            return fail(errc::source_mismatch, "these views were built from the " + stored + " log, not the " + std::string(source) +
                                                   " one; delete their directory to rebuild them");
        }
        if (follower_) return ok;  // their writer records it
        if (auto st = db_->Put({}, cfs_[kMeta], kSourceKey, rocksdb::Slice(source.data(), source.size())); !st.ok())
            return fail(errc::io_error, "views: " + st.ToString());
        return ok;
    }

    // For batches: the stored value of a key, if any.
    result<bool> load(Cf cf, const std::string& key, std::string& value) {
        const auto st = db_->Get({}, cfs_[cf], key, &value);
        if (st.IsNotFound()) return false;
        if (!st.ok()) return failure(read_failed(cf, st));
        return true;
    }

    LaneCache& lane(size_t lane) { return lanes_[lane]; }
    void forget_cached_rows() override {
        for (LaneCache& l : lanes_) l = LaneCache{};
    }
    // After a commit: a full young generation becomes the old one (the old one's rows go).
    void age(size_t lane) {
        LaneCache& l = lanes_[lane];
        const size_t young = std::apply([](const auto&... each) { return (each.young.size() + ...); }, l);
        if (young < kCacheRows) return;
        std::apply([](auto&... each) { ((each.old = std::move(each.young), each.young.clear()), ...); }, l);
    }

private:
    template <class R>
    result<std::optional<R>> get(Cf cf, const std::string& key) const {
        std::string v;
        // Straight from the DB: queries run on other threads than the runner's cache.
        const auto st = db_->Get({}, cfs_[cf], key, &v);
        if (st.IsNotFound()) return std::optional<R>{};
        if (!st.ok()) return failure(read_failed(cf, st));
        R row;
        if (!codec::decode(v, row)) return failure(undecodable(cf));
        return std::optional<R>(std::move(row));
    }
    template <class R, class Pred>
    result<std::vector<R>> scan(Cf cf, const std::string& prefix, Pred keep, Cursor* cursor = nullptr) const {
        std::vector<R> out;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cfs_[cf]));
        const bool resume = cursor != nullptr && !cursor->after.empty();
        it->Seek(resume ? std::max(cursor->after, prefix) : prefix);
        if (resume && it->Valid() && it->key() == cursor->after) it->Next();
        for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
            R row;
            if (!codec::decode(std::string_view(it->value().data(), it->value().size()), row)) return failure(undecodable(cf));
            if (!keep(row)) continue;
            out.push_back(std::move(row));
            if (cursor != nullptr && cursor->limit != 0 && out.size() == cursor->limit) {
                cursor->after = it->key().ToString();
                return out;  // `done` stays false: the next page may be empty
            }
        }
        if (!it->status().ok()) return failure(read_failed(cf, it->status()));
        if (cursor != nullptr) cursor->done = true;
        return out;
    }

    static constexpr size_t kCacheRows = 125'000;  // young rows per lane; rows are ~100-500 bytes decoded

    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
    const bool follower_;
    std::array<LaneCache, kLanes> lanes_;
    mutable std::mutex applied_mu_;  // the runner moves them; the gateway and tests read them
    std::map<events::TopicPartition, int64_t> applied_;
};

StoreBatch::StoreBatch(RocksViews& v, bool want_delta, size_t lane)
    : v_(v),
      want_delta_(want_delta),
      lane_(lane),
      padron_{std::get<RowCache<PadronRow>>(v.lane(lane)), kPadron, {}},
      pending_{std::get<RowCache<PendingRow>>(v.lane(lane)), kPending, {}},
      settlement_{std::get<RowCache<SettlementRow>>(v.lane(lane)), kSettlement, {}},
      invoices_{std::get<RowCache<InvoiceViewRow>>(v.lane(lane)), kInvoices, {}},
      validation_{std::get<RowCache<ValidationItemRow>>(v.lane(lane)), kValidation, {}},
      orders_{std::get<RowCache<OrderRow>>(v.lane(lane)), kOrders, {}},
      budgets_{std::get<RowCache<BudgetAux>>(v.lane(lane)), kState, {}} {}

// What a batch that was not committed changed is in its lane's rows: they all go.
StoreBatch::~StoreBatch() {
    if (!committed_) v_.lane(lane_) = LaneCache{};
}

template <class R>
std::pair<Entry<R>*, bool> StoreBatch::cached(Rows<R>& rows, const std::string& key) {
    auto& c = rows.cache;
    if (auto it = c.young.find(key); it != c.young.end()) return {&*it, false};
    if (auto node = c.old.extract(key)) return {&*c.young.insert(std::move(node)).position, false};
    return {&*c.young.try_emplace(key).first, true};
}

template <class R>
Entry<R>& StoreBatch::entry(Rows<R>& rows, const std::string& key) {
    auto [cached_entry, added] = cached(rows, key);
    Entry<R>& e = *cached_entry;
    if (!added) return e;
    std::string v;
    auto found = v_.load(rows.cf, key, v);
    if (!found) {
        if (!error_) error_ = std::move(found).error();
    } else if (*found) {
        R row;
        if (decode(v, row)) e.second.row = std::move(row);
        else if (!error_) error_ = undecodable(rows.cf);
        e.second.stored = true;
    }
    return e;
}

// Views folding the log report an overflow (the runner stops at the record) rather than wrap or saturate.
void StoreBatch::apply_difference(ProviderId provider, const std::optional<Contribution>& before,
                                  const std::optional<Contribution>& after) {
    if (!before || !after) {
        overflow_ = true;
        return;
    }
    Contribution diff = *after;
    for (const auto& [k, row] : *before)
        if (!diff[k].add(row, -1)) overflow_ = true;
    for (const auto& [k, row] : diff) {
        if (is_zero(row)) continue;
        SettlementRow& into = settlement_row(k.first, ObraSocialId{k.second}, provider);
        if (!into.add(row) || !into.fits()) overflow_ = true;
    }
}

bool StoreBatch::apply(const events::Envelope& e) {
    ++events_;
    touched_.clear();
    const ProviderId p = e.provider_id;
    const TimestampMs at = e.occurred_at;
    switch (events::topic_for(e.payload)) {
        case events::Topic::padron: apply_padron(p, e.payload, at); break;
        case events::Topic::orders: apply_order(p, e.payload, at); break;
        case events::Topic::authorizations: apply_budget(p, e.payload, at); break;
        case events::Topic::billing: apply_invoice(p, e.payload, at); break;
    }
    return !overflow_;
}

void StoreBatch::apply_padron(ProviderId p, const domain::Event& e, TimestampMs at) {
    PadronRow& row = change(padron_, provider_key(p));
    row.provider = p;
    domain::evolve(row.state, e, at);
    row.uploaded_at.resize(row.state.documents.size(), at);
    row.verified_at.resize(row.state.documents.size(), 0);
    if (const auto* v = std::get_if<domain::DocumentVerified>(&e)) {
        for (size_t i = 0; i < row.state.documents.size(); ++i)
            if (row.state.documents[i].uploaded.document_id == v->document_id) row.verified_at[i] = at;
    } else if (const auto* left = std::get_if<domain::PadronLeft>(&e)) {
        row.left_on = left->left_on;
    } else if (std::holds_alternative<domain::PadronEnrolled>(e)) {
        row.left_on.reset();
    }
}

// The kinds that change no order row, and those that change no budget row (eligibility, tokens
// and audit referrals change no view).
template <class R>
using NotAnOrder = domain::Ignore<R, domain::PadronKinds, domain::AuthorizationKinds, domain::InvoiceKinds, domain::PayoutKinds,
                                  domain::PresentationKinds>;
template <class R>
using NotABudget =
    domain::Ignore<R, domain::PadronKinds, domain::OrderKinds, domain::InvoiceKinds, domain::PayoutKinds, domain::PresentationKinds,
                   domain::Kinds<domain::EligibilityChecked, domain::TokenIssued, domain::BudgetSentToAudit>>;

void StoreBatch::apply_order(ProviderId p, const domain::Event& e, TimestampMs at) {
    const std::string* id =
        std::visit(domain::overloaded{[](const domain::OrderLoaded& x) { return &x.order_id; },
                                      [](const domain::OrderApproved& x) { return &x.order_id; },
                                      [](const domain::OrderRejected& x) { return &x.order_id; },
                                      [](const domain::OrderDeferred& x) { return &x.order_id; }, NotAnOrder<const std::string*>{}},
                   e);
    if (id == nullptr) return;
    const std::string key = provider_key(p) + *id;
    auto& s = slot(orders_, key);
    const auto before = contribution(s.row ? &*s.row : nullptr);
    std::visit(domain::overloaded{[&](const domain::OrderLoaded& x) {  // O2: a rejected order loaded again replaces it
                                      change(orders_, key) = OrderRow{p, x, std::nullopt, domain::OrderStatus::pending, {}, {}, at};
                                  },
                                  [&](const domain::OrderApproved&) {
                                      if (s.row) change(orders_, key).status = domain::OrderStatus::approved;
                                  },
                                  [&](const domain::OrderRejected& x) {
                                      if (!s.row) return;
                                      OrderRow& o = change(orders_, key);
                                      o.status = domain::OrderStatus::rejected;
                                      o.reason_code = x.reason_code;
                                      o.reason = x.reason;
                                  },
                                  [&](const domain::OrderDeferred& x) {
                                      if (!s.row) return;
                                      OrderRow& o = change(orders_, key);
                                      if (!o.rolled_from) o.rolled_from = x.from_period;
                                      o.loaded.period = x.to_period;
                                  },
                                  NotAnOrder<void>{}},
               e);
    apply_difference(p, before, contribution(s.row ? &*s.row : nullptr));
}

void StoreBatch::apply_budget(ProviderId p, const domain::Event& e, TimestampMs at) {
    const domain::TransactionRef* t = std::visit(domain::overloaded{[](const domain::BudgetSubmitted& x) { return &x.transaction; },
                                                                    [](const domain::BudgetAuthorized& x) { return &x.transaction; },
                                                                    [](const domain::PracticeConsumed& x) { return &x.transaction; },
                                                                    [](const domain::TransactionCancelled& x) { return &x.transaction; },
                                                                    [](const domain::ConsumptionCancelled& x) { return &x.transaction; },
                                                                    NotABudget<const domain::TransactionRef*>{}},
                                                 e);
    if (t == nullptr) return;
    const domain::TransactionRef transaction = *t;
    const std::string key = "b" + provider_key(p) + transaction_key(transaction);
    auto& s = slot(budgets_, key);
    const auto before = contribution(s.row ? &*s.row : nullptr);
    const std::vector<uint32_t> pending_before = pending_items(s.row ? &*s.row : nullptr);
    const auto validation_before = validation_items(p, transaction, s.row ? &*s.row : nullptr);
    std::visit(
        domain::overloaded{
            [&](const domain::BudgetSubmitted& x) {
                BudgetAux b{
                    x.obra_social, x.affiliate_number, x.credential, x.affiliate_name, x.plan, x.plan_flagged, false, false, 0, at, {}};
                for (const domain::BudgetItem& i : x.items) b.items.push_back({i, domain::ItemResult::en_auditoria, false, 0, {}});
                change(budgets_, key) = std::move(b);
            },
            [&](const domain::BudgetAuthorized& x) {
                if (!s.row) return;
                BudgetAux& b = change(budgets_, key);
                b.authorized = true;
                b.authorized_at = at;
                for (const domain::ItemDecision& d : x.items)
                    for (BudgetItemAux& i : b.items)
                        if (i.item.item == d.item) i.result = d.result;
            },
            [&](const domain::PracticeConsumed& x) {
                if (!s.row) return;
                BudgetAux& b = change(budgets_, key);
                for (const domain::ConsumedItem& c : x.items)
                    for (BudgetItemAux& i : b.items)
                        if (i.item.item == c.item) {
                            i.consumed = true;
                            i.amount = c.amount;
                            i.period = x.period;
                        }
            },
            [&](const domain::TransactionCancelled& x) {
                if (!s.row) return;
                BudgetAux& b = change(budgets_, key);
                if (x.item == 0) b.cancelled = true;
                for (BudgetItemAux& i : b.items)
                    if (x.item != 0 && i.item.item == x.item) {  // its consumption undone, as the domain's ledger
                        i.cancelled = true;
                        i.consumed = false;
                        i.amount = 0;
                    }
            },
            [&](const domain::ConsumptionCancelled& x) {  // pending consumption again, as the domain's ledger
                if (!s.row) return;
                BudgetAux& b = change(budgets_, key);
                for (BudgetItemAux& i : b.items)
                    if (std::find(x.items.begin(), x.items.end(), i.item.item) != x.items.end()) {
                        i.consumed = false;
                        i.amount = 0;
                        i.period = {};
                    }
            },
            NotABudget<void>{}},
        e);
    const BudgetAux* b = s.row ? &*s.row : nullptr;
    apply_difference(p, before, contribution(b));
    rewrite_budget_rows(p, transaction, pending_before, validation_before, b, std::holds_alternative<domain::BudgetSubmitted>(e));
}

void StoreBatch::rewrite_budget_rows(ProviderId p, const domain::TransactionRef& transaction, const std::vector<uint32_t>& pending_before,
                                     const ValidationItems& validation_before, const BudgetAux* b, bool submitted) {
    const std::vector<uint32_t> pending_after = pending_items(b);
    for (uint32_t item : pending_before)
        if (std::find(pending_after.begin(), pending_after.end(), item) == pending_after.end())
            erase(pending_, derived(pending_, pending_key(p, transaction, item), true));
    for (uint32_t item : pending_after) {
        if (std::find(pending_before.begin(), pending_before.end(), item) != pending_before.end()) continue;
        const auto& i = *std::find_if(b->items.begin(), b->items.end(), [&](const BudgetItemAux& x) { return x.item.item == item; });
        change(pending_, derived(pending_, pending_key(p, transaction, item), false)) = PendingRow{p,
                                                                                                   transaction,
                                                                                                   item,
                                                                                                   b->obra_social,
                                                                                                   b->affiliate_number,
                                                                                                   b->credential,
                                                                                                   i.item.practice_code,
                                                                                                   i.item.tooth,
                                                                                                   i.item.faces,
                                                                                                   b->authorized_at,
                                                                                                   b->affiliate_name};
    }
    // Rows are rewritten only where their item's state changed (a consumption changes one item),
    // and all of them on a submission, which sets the rest of each row.
    const ValidationItems validation_after = validation_items(p, transaction, b);
    const bool same_rows = validation_before.prefix == validation_after.prefix;
    for (const auto& [item, state] : validation_before.states)
        if (!same_rows || validation_after.state(item) == nullptr)
            erase(validation_, derived(validation_, validation_before.key(item), true));
    for (const auto& [item, state] : validation_after.states) {
        const std::string_view* was = same_rows ? validation_before.state(item) : nullptr;
        if (was != nullptr && *was == state && !submitted) continue;
        change(validation_, derived(validation_, validation_after.key(item), was != nullptr)) =
            validation_row(p, transaction, *b, item, state);
    }
}

void StoreBatch::apply_invoice(ProviderId p, const domain::Event& e, TimestampMs at) {
    using domain::InvoiceStatus;
    // Retentions and payments to the provider are plain additions to their row.
    if (const auto* r = std::get_if<domain::RetentionApplied>(&e)) {
        SettlementRow& row = settlement_row(r->period, r->obra_social, p);
        fold(row, row.retentions[r->kind], r->amount);
        if (row.retentions[r->kind] == 0) row.retentions.erase(r->kind);
        return;
    }
    if (const auto* paid = std::get_if<domain::ProviderPaid>(&e)) {
        SettlementRow& row = settlement_row(paid->period, paid->obra_social, p);
        fold(row, row.paid_to_provider, paid->amount);
        return;
    }
    // Everything else changes one or more invoices: apply each change as after - before.
    auto update = [&](const std::string& invoice_id, auto&& mutate) {
        const std::string key = provider_key(p) + invoice_id;
        auto& s = slot(invoices_, key);
        const bool fresh = std::holds_alternative<domain::InvoiceIssued>(e);
        if (!s.row && !fresh) return;
        const auto before = contribution(s.row ? &*s.row : nullptr);
        InvoiceViewRow& inv = change(invoices_, key);
        mutate(inv);
        if (!inv.balance()) overflow_ = true;  // holds debited()
        apply_difference(p, before, contribution(&inv));
        if (inv.billing == domain::BillingType::original) settlement_row(inv.period, inv.obra_social, p).invoice_state = inv.state();
    };
    auto set_status = [&](const std::string& id, InvoiceStatus st) { update(id, [&](InvoiceViewRow& inv) { inv.status = st; }); };
    std::visit(
        domain::overloaded{
            [&](const domain::InvoiceIssued& x) { update(x.invoice_id, [&](InvoiceViewRow& inv) { inv = issued_row(p, x); }); },
            [&](const domain::InvoiceSent& x) {
                update(x.invoice_id, [&](InvoiceViewRow& inv) {
                    inv.status = InvoiceStatus::enviada;
                    if (inv.received_at == 0) inv.received_at = at;
                });
            },
            [&](const domain::InvoiceObserved& x) { set_status(x.invoice_id, InvoiceStatus::observada); },
            [&](const domain::InvoiceAccepted& x) { set_status(x.invoice_id, InvoiceStatus::aceptada); },
            [&](const domain::InvoiceIngresada& x) { set_status(x.invoice_id, InvoiceStatus::ingresada); },
            [&](const domain::InvoiceRejected& x) { set_status(x.invoice_id, InvoiceStatus::rechazada); },
            [&](const domain::DebitApplied& x) {
                update(x.invoice_id, [&](InvoiceViewRow& inv) {
                    inv.debits.push_back({x.debit_id, x.amount, x.reason_code, x.reason, x.debit_sheet});
                });
            },
            [&](const domain::CreditNoteIssued& x) {
                update(x.invoice_id, [&](InvoiceViewRow& inv) {
                    if (const auto sum = domain::money::add(inv.credited, x.amount)) inv.credited = *sum;
                    else overflow_ = true;
                });
            },
            [&](const domain::PaymentOrderIssued& x) {
                for (const domain::PaidInvoice& pi : x.invoices)
                    update(pi.invoice_id, [&](InvoiceViewRow& inv) {
                        if (const auto sum = domain::money::add(inv.paid, pi.amount)) inv.paid = *sum;
                        else overflow_ = true;
                        inv.payments.push_back({x.payment_order, x.paid_on, pi.amount, x.payment_order_type, x.retention_certificate});
                    });
            },
            domain::Ignore<void, domain::PadronKinds, domain::OrderKinds, domain::AuthorizationKinds, domain::PayoutKinds,
                           domain::PresentationKinds, domain::Kinds<domain::DebitAnalysisResolved, domain::ActaIssued>>{}},
        e);
}

result<ok_t> StoreBatch::stage(rocksdb::WriteBatch& wb, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs, Delta& delta) {
    if (error_) return failure(*error_);
    if (overflow_) return fail(errc::bad_record, "views: an applied event's amounts do not fit int64 centavos");
    delta.events += events_;
    each_rows([&](auto& rows) {
        if constexpr (std::is_constructible_v<Row, decltype(*rows.changed.front()->second.row)>) {
            if (const auto view = followed(rows.cf); want_delta_ && view) {
                for (const auto* e : rows.changed) {
                    RowChange c{*view, readable_key(rows.cf, e->first), std::nullopt};
                    if (e->second.row) c.row = Row(*e->second.row);
                    delta.changes.push_back(std::move(c));
                }
            }
        }
        // Sorted keys let the memtable's skip list reuse its insert position from key to key.
        auto sorted = rows.changed;
        std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
        for (const auto* e : sorted) {
            if (e->second.row) wb.Put(cfs[rows.cf], e->first, encode(*e->second.row));
            else if (e->second.stored) wb.Delete(cfs[rows.cf], e->first);
        }
    });
    for (const auto& [tp, next] : offsets_) {
        std::string v;
        put_be(v, static_cast<uint64_t>(next), 8);
        wb.Put(cfs[kMeta], offset_key(tp), v);
    }
    return ok;
}

void StoreBatch::committed() {
    v_.moved(offsets_);
    each_rows([](auto& rows) {
        for (auto* e : rows.changed) {
            e->second.dirty = false;
            e->second.stored = e->second.row.has_value();
        }
        rows.changed.clear();
    });
    committed_ = true;
    v_.age(lane_);
}

}  // namespace

result<std::unique_ptr<Views>> Views::open(const std::string& path, std::string_view source, const std::string& follower_dir) {
    const bool follower = !follower_dir.empty();
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.IncreaseParallelism(2);
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : kCfNames) {
        rocksdb::ColumnFamilyOptions cf;
        // Small memtables: a rebuild inserts ~1.5 rows per event, and a skip list of 16 MiB takes
        // them faster than one of 64 (245-260k against 225-230k events/s, docs/PERFORMANCE.md).
        cf.write_buffer_size = 16 << 20;
        // Level 0 compacted at 16 files, not RocksDB's 4: a rebuild flushes often, and merging
        // every few flushes again took a core from the lanes (the year's replay 60.9 -> 56.4 s,
        // docs/PERFORMANCE.md). A lookup checks those files' bloom filters first.
        cf.level0_file_num_compaction_trigger = 16;
        // Compressed only in the last levels: in the first ones, which a rebuild flushes and
        // compacts again soon, it cost more CPU than it saved (docs/PERFORMANCE.md).
        cf.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression};
        // Most lookups of a rebuild are for keys not there yet (a new order, a new budget):
        // bloom filters, in the memtable too, answer those without searching.
        cf.memtable_prefix_bloom_size_ratio = 0.1;
        cf.memtable_whole_key_filtering = true;
        rocksdb::BlockBasedTableOptions table;
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
        descriptors.emplace_back(name == std::string("meta") ? std::string(rocksdb::kDefaultColumnFamilyName) : name, cf);
    }
    std::error_code ec;
    if (!follower) std::filesystem::create_directories(path, ec);  // RocksDB creates the last level only
    if (follower) options.max_open_files = -1;                     // RocksDB's secondary instance requires it
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    const auto st = follower ? rocksdb::DB::OpenAsSecondary(options, path, follower_dir, descriptors, &handles, &raw)
                             : rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
    if (!st.ok()) return fail(errc::io_error, "views at " + path + ": " + st.ToString());
    auto views = std::make_unique<RocksViews>(std::unique_ptr<rocksdb::DB>(raw), std::move(handles), follower);
    if (auto checked = views->check_format(path); !checked) return failure(std::move(checked).error());
    if (auto checked = views->check_source(source); !checked) return failure(std::move(checked).error());
    if (auto loaded = views->load_applied(path); !loaded) return failure(std::move(loaded).error());
    return std::unique_ptr<Views>(std::move(views));
}

}  // namespace liquida::projections
