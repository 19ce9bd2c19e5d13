// The replay of a month and its verification against the live views.
#include "replay/replay.h"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sys/file.h>
#include <functional>
#include <future>
#include <unistd.h>
#include <utility>

#include "domain/money.h"
#include "domain/names.h"
#include "domain/overloaded.h"
#include "events/codec.h"
#include "projections/runner.h"

namespace liquida::replay {

using projections::SettlementRow;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kOutOfOrderWindowMs = 60LL * 60 * 1000;  // how far past the cut stragglers are looked for
constexpr size_t kReadChunk = 4096;

std::string position(const events::TopicPartition& tp, int64_t offset) {
    return tp.topic + "/" + std::to_string(tp.partition) + "@" + std::to_string(offset);
}

// A kept month: its views at the cut, and the month-close record they were made with.
struct Checkpoint {
    Period month;
    std::filesystem::path views;
    std::map<events::TopicPartition, ChainEnd> close;
};

std::optional<Checkpoint> read_checkpoint(const std::filesystem::path& dir, Period month) {
    Checkpoint c{month, dir / "views", {}};
    std::ifstream in(dir / "close.json");
    if (!in || !std::filesystem::exists(c.views / "CURRENT")) return std::nullopt;
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("partitions") || !j["partitions"].is_array()) return std::nullopt;
    for (const auto& p : j["partitions"]) {
        if (!p.is_object() || !p.value("topic", nlohmann::json()).is_string()) return std::nullopt;
        events::TopicPartition tp{p["topic"].get<std::string>(), p.value("partition", 0)};
        c.close[tp] = ChainEnd{tp, p.value("end_offset", int64_t{0}), p.value("last_hash", std::string())};
    }
    return c;
}

// The newest readable checkpoint of a month that ended before `cut`.
std::optional<Checkpoint> checkpoint_before(const std::filesystem::path& dir, TimestampMs cut) {
    std::error_code ec;
    std::optional<Checkpoint> best;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto m = domain::parse_period(entry.path().filename().string());
        if (!m || cut_of(*m) >= cut || (best && *m < best->month)) continue;
        if (auto c = read_checkpoint(entry.path(), *m)) best = std::move(c);
    }
    return best;
}

// A copy of a checkpoint's RocksDB to open read-write: the immutable SST files hard-linked
// (copied across file systems), the rest copied.
result<liquida::ok_t> clone_db(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::error_code ec;
    std::filesystem::create_directories(to, ec);
    for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
        const auto target = to / entry.path().filename();
        std::error_code link;
        if (entry.path().extension() == ".sst") std::filesystem::create_hard_link(entry.path(), target, link);
        if (entry.path().extension() != ".sst" || link) std::filesystem::copy_file(entry.path(), target, ec);
        if (ec) break;
    }
    if (ec) return fail(errc::io_error, "replay: cannot copy the checkpoint " + from.string() + ": " + ec.message());
    return liquida::ok;
}

// Calls options.progress about every options.progress_every.
class Ticker {
public:
    Ticker(const ReplayOptions& options, std::string_view phase, uint64_t total)
        : options_(options), phase_(phase), total_(total), start_(Clock::now()), last_(start_) {}
    void add(uint64_t n) {
        done_ += n;
        if (!options_.progress) return;
        const auto now = Clock::now();
        if (now - last_ < options_.progress_every) return;
        last_ = now;
        options_.progress(Progress{phase_, done_, total_, std::chrono::duration<double>(now - start_).count()});
    }

private:
    const ReplayOptions& options_;
    std::string_view phase_;
    uint64_t total_ = 0;
    uint64_t done_ = 0;
    Clock::time_point start_, last_;
};

// Calls f(tp, offset, envelope) for every record of [from[tp], to[tp]) of every partition
// named in `to`, in offset order per partition. f returns false when the record's amounts
// overflow what it folds them into: errc::bad_record at that record.
template <class F>
result<uint64_t> for_each_event(events::EventLog& log, const Offsets& from, const Offsets& to, F&& f) {
    uint64_t n = 0;
    for (const auto& [tp, end] : to) {
        const auto start = from.find(tp);
        for (int64_t next = start == from.end() ? 0 : start->second; next < end;) {
            auto records = log.read(tp, next, static_cast<size_t>(std::min<int64_t>(end - next, kReadChunk)));
            if (!records) return failure(std::move(records).error());
            if (records->empty()) return fail(errc::log_ended, "replay: the log ended at " + position(tp, next) + " before the cut");
            if (records->front().offset < next)  // later is fine: Kafka's transaction markers take offsets
                return fail(errc::log_ended,
                            "replay: read of " + position(tp, next) + " returned offset " + std::to_string(records->front().offset));
            for (const events::StoredRecord& r : *records) {
                if (r.offset >= end) break;
                next = r.offset + 1;
                if (r.aborted) continue;
                auto e = events::decode(r.record.value);
                if (!e)
                    return fail(errc::bad_record, "replay: record " + position(tp, r.offset) + " does not decode: " + e.error().message);
                if (!f(tp, r.offset, *e))
                    return fail(errc::bad_record, "replay: record " + position(tp, r.offset) + ": its amounts do not fit int64 centavos");
                ++n;
            }
        }
    }
    return n;
}

// Records at or after each partition's cut, up to an hour past it, recorded before it.
result<uint64_t> count_out_of_order(events::EventLog& log, const Offsets& cut_offsets, TimestampMs cut) {
    uint64_t n = 0;
    for (const auto& [tp, from] : cut_offsets) {
        for (int64_t next = from;;) {
            auto records = log.read(tp, next, 1024);
            if (!records) return failure(std::move(records).error());
            if (records->empty()) break;
            bool past = false;
            for (const events::StoredRecord& r : *records) {
                if (r.record.timestamp < cut && !r.aborted) ++n;
                if (r.record.timestamp >= cut + kOutOfOrderWindowMs) past = true;
            }
            if (past) break;
            next = records->back().offset + 1;
        }
    }
    return n;
}

std::string row_key(const SettlementRow& r) {
    return domain::to_string(r.period) + "/" + r.obra_social.value() + "/" + std::to_string(r.provider.value());
}

bool by_os_provider(const SettlementRow& a, const SettlementRow& b) {
    return std::tie(a.period, a.obra_social, a.provider) < std::tie(b.period, b.obra_social, b.provider);
}

// The period's rows as "key\nfield=value\n..." lines, hashed.
std::string rows_sha256(const std::vector<SettlementRow>& rows) {
    events::Sha256 h;
    for (const SettlementRow& r : rows) {
        h.update(row_key(r));
        h.update("\n");
        for (const auto& [field, value] : settlement_fields(r)) {
            h.update(field);
            h.update("=");
            h.update(value);
            h.update("\n");
        }
    }
    return h.hex();
}

// False when a total does not fit int64 centavos.
bool sum_totals(Report& r) {
    Totals& t = r.totals;
    t = Totals{};
    t.settlement.period = r.month;
    for (const SettlementRow& row : r.settlement)
        if (!t.settlement.add(row) || !t.settlement.fits()) return false;
    t.settlement.invoice_state.clear();
    t.settlement.obra_social = ObraSocialId{};
    t.settlement.provider = ProviderId{0};
    t.providers = r.padron.size();
    for (const PadronEntry& p : r.padron) t.in_good_standing += p.in_good_standing ? 1 : 0;
    t.pending_items = r.pending.size();
    t.validation_rows = r.validation.size();
    t.invoices = r.invoices.size();
    domain::money::Sum amount, debits, balance;
    for (const InvoiceEntry& i : r.invoices) {
        amount.add(i.row.amount);
        debits.add(i.row.debits);
        balance.add(i.row.outstanding);
    }
    if (!amount.ok() || !debits.ok() || !balance.ok()) return false;
    t.invoices_amount = *amount.value();
    t.invoices_debits = *debits.value();
    t.invoices_balance = *balance.value();
    return true;
}

// The checkpoint to start from at `cut` (none when disabled or there is none), checked to fit
// the log's offsets at the cut.
result<std::optional<Checkpoint>> usable_checkpoint(const ReplayOptions& options, TimestampMs cut, const Offsets& at_cut) {
    if (options.checkpoints_dir.empty() || options.from_scratch) return std::optional<Checkpoint>();
    auto checkpoint = checkpoint_before(options.checkpoints_dir, cut);
    if (checkpoint)
        for (const auto& [tp, c] : checkpoint->close) {
            const auto end = at_cut.find(tp);
            if (end == at_cut.end() || c.end > end->second)
                return fail(errc::checkpoint_mismatch, "replay: the checkpoint of " + domain::to_string(checkpoint->month) +
                                                           " does not fit this log (" + position(tp, c.end) +
                                                           " is past the cut); replay with --from-scratch");
        }
    return checkpoint;
}

// Views at `ends` in options.scratch_dir (emptied first): the checkpoint's, or empty ones,
// brought up to the ends.
// `on_read`: called with the records as the views read them (the hash chains' check).
result<ViewsAt> build_views(events::EventLog& log, const Offsets& ends, const std::optional<Checkpoint>& checkpoint,
                            const ReplayOptions& options, std::function<void(const std::vector<events::StoredRecord>&)> on_read = {}) {
    std::error_code ec;
    std::filesystem::remove_all(options.scratch_dir, ec);
    if (ec) return fail(errc::io_error, "replay: cannot empty " + options.scratch_dir.string() + ": " + ec.message());
    if (checkpoint)
        if (auto c = clone_db(checkpoint->views, options.scratch_dir); !c) return failure(std::move(c).error());
    auto views = projections::Views::open(options.scratch_dir.string(), options.source);
    if (!views && checkpoint && views.error().code == projections::errc::format_mismatch)  // kept by an earlier liquida
        return fail(errc::checkpoint_mismatch, "replay: the checkpoint of " + domain::to_string(checkpoint->month) +
                                                   " cannot be used: " + views.error().message + "; replay with --from-scratch");
    if (!views) return failure(std::move(views).error());
    ViewsAt out{std::move(*views), checkpoint ? std::optional(checkpoint->month) : std::nullopt, 0, 0};
    uint64_t start = 0;
    for (const auto& [tp, end] : ends) {
        const int64_t applied = out.views->applied(tp);
        if (checkpoint) {
            const auto c = checkpoint->close.find(tp);
            if (applied != (c == checkpoint->close.end() ? 0 : c->second.end))
                return fail(errc::checkpoint_damaged, "replay: the checkpoint of " + domain::to_string(checkpoint->month) +
                                                          " holds views at " + position(tp, applied) + ", its close record says otherwise");
        }
        start += static_cast<uint64_t>(applied);
        out.events += static_cast<uint64_t>(end);
    }
    projections::Runner runner(log, *out.views, {options.max_batch});
    Ticker ticker(options, "views", out.events - start);
    runner.on_progress([&](size_t events) { ticker.add(events); });
    if (on_read) runner.on_read(std::move(on_read));
    auto applied = runner.catch_up_to(ends);
    if (!applied) return failure(std::move(applied).error());
    out.applied = *applied;
    // Every partition's views stand at its cut. (Offsets, not events: on Kafka a transaction's
    // commit marker takes an offset of its own, so the events number fewer than the offsets.)
    for (const auto& [tp, end] : ends)
        if (const int64_t at = out.views->applied(tp); at < end)
            return fail(errc::log_ended,
                        "replay: the views stopped at " + position(tp, at) + " before the cut at offset " + std::to_string(end));
    return out;
}

}  // namespace

ScratchViews::~ScratchViews() {
    views_.reset();  // closed before their files go
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

TimestampMs cut_of(Period month) noexcept {
    const Period next = month.next();
    return domain::start_of_local_day(domain::date_from_civil(next.year, next.month, 1));
}

Date last_day_of(Period month) noexcept {
    const Period next = month.next();
    return Date{domain::date_from_civil(next.year, next.month, 1).days - 1};
}

double Progress::eta_seconds() const noexcept {
    const double rate = events_per_second();
    if (rate <= 0 || total < done) return -1;
    return static_cast<double>(total - done) / rate;
}

result<Offsets> cut_offsets(events::EventLog& log, Period month) { return offsets_at(log, cut_of(month)); }

result<Offsets> offsets_at(events::EventLog& log, TimestampMs cut) {
    Offsets out;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            events::TopicPartition tp{t.name, p};
            auto o = log.offset_for_time(tp, cut);
            if (!o) return failure(std::move(o).error());
            out[tp] = *o;
        }
    return out;
}

std::vector<std::pair<std::string, std::string>> settlement_fields(const SettlementRow& r) {
    std::vector<std::pair<std::string, std::string>> f;
    auto tally = [&](const char* name, const projections::Tally& t) {
        f.emplace_back(std::string(name) + ".count", std::to_string(t.count));
        f.emplace_back(std::string(name) + ".amount", domain::to_pesos(t.amount));
    };
    tally("orders_loaded", r.orders_loaded);
    tally("orders_approved", r.orders_approved);
    tally("orders_rejected", r.orders_rejected);
    tally("orders_rolled", r.orders_rolled);
    tally("billable", r.billable);
    tally("invoiced", r.invoiced);
    f.emplace_back("reinvoiced", domain::to_pesos(r.reinvoiced));
    for (const auto& [reason, amount] : r.debits)
        if (amount != 0) f.emplace_back("debits." + reason, domain::to_pesos(amount));
    f.emplace_back("collected", domain::to_pesos(r.collected));
    for (const auto& [kind, amount] : r.retentions)
        if (amount != 0)
            f.emplace_back("retentions." + domain::name_of(domain::kRetentionKindNames, static_cast<uint8_t>(kind)),
                           domain::to_pesos(amount));
    f.emplace_back("paid_to_provider", domain::to_pesos(r.paid_to_provider));
    f.emplace_back("invoice_state", r.invoice_state);
    return f;
}

namespace {

// The month's cut offsets, and whether the month can be closed (before its chain is checked).
result<ok_t> start_report(events::EventLog& log, Report& r, const ReplayOptions& options) {
    r.cut = cut_of(r.month);
    r.as_of = last_day_of(r.month);
    auto offsets = cut_offsets(log, r.month);
    if (!offsets) return failure(std::move(offsets).error());
    r.cut_offsets = std::move(*offsets);
    bool log_past_cut = false;
    for (const auto& [tp, o] : r.cut_offsets) {
        r.events += static_cast<uint64_t>(o);
        auto end = log.end_offset(tp);
        if (!end) return failure(std::move(end).error());
        log_past_cut = log_past_cut || o < *end;
    }
    const auto now =
        options.now != 0
            ? options.now
            : std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    r.closing = r.cut > now                             ? Closing::month_not_ended
                : !log_past_cut && !options.force_close ? Closing::log_not_past_cut
                                                        : Closing::closed;  // unless the chain turns out broken
    return ok;
}

// Where the chain check starts from a checkpoint: each partition's chain from its close
// record's hash (the first record after it must link to that hash).
result<ok_t> resume_chains(const Checkpoint& checkpoint, Offsets& check_from,
                           std::map<events::TopicPartition, events::ChainVerifier>& chains) {
    for (const auto& [tp, c] : checkpoint.close) {
        const auto head = events::from_hex(c.hash);
        if (!head)
            return fail(errc::checkpoint_damaged,
                        "replay: the close record of " + domain::to_string(checkpoint.month) + " has no hash for " + position(tp, c.end));
        check_from[tp] = c.end;
        chains.try_emplace(tp, tp, c.end, *head);
    }
    return ok;
}

// The report's sections read from the rebuilt views.
result<ok_t> read_views(const projections::Views& v, Report& r) {
    auto digesting = std::async(std::launch::async, [&v] { return v.digests(); });  // every row of every view: the longest read
    auto settlement = v.settlement({r.month, std::nullopt, std::nullopt});
    auto padron = v.padron_rows();
    auto pending = v.pending({});
    auto digests = digesting.get();
    if (!digests || !settlement || !padron || !pending)
        return failure(!digests ? digests.error() : !settlement ? settlement.error() : !padron ? padron.error() : pending.error());
    r.digests = std::move(*digests);
    r.settlement = std::move(*settlement);
    std::sort(r.settlement.begin(), r.settlement.end(), by_os_provider);
    auto by_os = projections::checked_roll_up(r.settlement, true);
    if (!by_os)
        return fail(errc::overflow,
                    "replay: the settlement of " + domain::to_string(r.month) + " per obra social does not fit int64 centavos");
    r.settlement_by_obra_social = std::move(*by_os);
    std::sort(r.settlement_by_obra_social.begin(), r.settlement_by_obra_social.end(), by_os_provider);
    r.padron = padron_entries(std::move(*padron), r.as_of);
    r.pending = std::move(*pending);
    return ok;
}

// The A10 validation sheets (per obra social, in configuration order) and the F4 listing.
result<ok_t> read_reports(const projections::Views& v, const domain::Config& config, Report& r) {
    for (const domain::ObraSocialConfig& os : config.obras_sociales) {
        auto rows = projections::validation_report_by_provider(v, {r.month, os.id, std::nullopt});
        if (!rows) return failure(std::move(rows).error());
        for (auto& [provider, row] : *rows) r.validation.push_back(ValidationEntry{os.id, provider, std::move(row)});
    }
    auto invoices = v.invoices({});
    if (!invoices) return failure(std::move(invoices).error());
    for (auto& [inv, row] : projections::invoice_listing(*invoices, r.as_of, config))
        r.invoices.push_back(InvoiceEntry{inv->provider, inv->obra_social, inv->period, std::move(row)});
    return ok;
}

// One close of a month at a time, across processes and threads (a server's close and a
// `liquida replay` of the same month): an exclusive flock on DIR/.lock-YYYY-MM, held until
// the replay ends. Not waited for: the second is refused and may retry.
class MonthLock {
public:
    static result<MonthLock> take(const std::filesystem::path& dir, Period month) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        const auto path = dir / (".lock-" + domain::to_string(month));
        MonthLock lock(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (lock.fd_ < 0) return fail(errc::io_error, "replay: cannot open " + path.string());
        if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0)
            return fail(errc::busy,
                        "replay: " + domain::to_string(month) + " is being closed by another replay (" + path.string() + " is locked)");
        return lock;
    }
    MonthLock(MonthLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    MonthLock& operator=(MonthLock&&) = delete;
    ~MonthLock() {
        if (fd_ >= 0) ::close(fd_);
    }

private:
    explicit MonthLock(int fd) : fd_(fd) {}
    int fd_;
};

// Moves a built checkpoint into place with its close record.
result<ok_t> keep_checkpoint(const std::filesystem::path& built, const std::filesystem::path& checkpoints, const Report& r) {
    std::error_code ec;
    const auto final_dir = checkpoints / domain::to_string(r.month);
    std::ofstream(built / "close.json") << close_record_json(r);
    std::filesystem::remove_all(final_dir, ec);
    std::filesystem::rename(built, final_dir, ec);
    if (ec) return fail(errc::io_error, "replay: cannot keep the checkpoint " + final_dir.string() + ": " + ec.message());
    return ok;
}

// Each partition's hash chain from `check_from` to the cut, as the views' reads fed `chains`;
// the records appended out of time order after the cut.
result<uint64_t> check_month(events::EventLog& log, const Offsets& check_from, const std::optional<Checkpoint>& checkpoint,
                             const std::map<events::TopicPartition, events::ChainVerifier>& chains, Report& r) {
    for (const auto& [tp, end] : r.cut_offsets) {
        const events::ChainVerifier& v = chains.at(tp);
        if (auto broken = v.broken(); broken && !r.chain_break) {
            const auto c = check_from.find(tp);
            if (c != check_from.end() && broken->offset == c->second)  // the first link: to the close record
                broken->reason = "its prev_hash differs from the month-close record of " + domain::to_string(checkpoint->month);
            r.chain_break = broken;
            r.closing = Closing::chain_broken;
        }
        r.chain.push_back(ChainEnd{tp, end, events::to_hex(v.head())});
    }
    return count_out_of_order(log, r.cut_offsets, r.cut);
}

}  // namespace

result<Replay> replay_month(events::EventLog& log, Period month, const domain::Config& config, const ReplayOptions& options) {
    if (options.scratch_dir.empty()) return fail(errc::invalid_argument, "replay: no scratch directory for the views");
    Replay out;
    Report& r = out.report;
    r.month = month;
    if (auto started = start_report(log, r, options); !started) return failure(std::move(started).error());
    std::optional<MonthLock> lock;
    if (!options.checkpoints_dir.empty() && r.closing == Closing::closed) {
        auto taken = MonthLock::take(options.checkpoints_dir, month);
        if (!taken) return failure(std::move(taken).error());
        lock.emplace(std::move(*taken));
    }
    auto usable = usable_checkpoint(options, r.cut, r.cut_offsets);
    if (!usable) return failure(std::move(usable).error());
    const std::optional<Checkpoint> checkpoint = std::move(*usable);
    Offsets check_from;
    std::map<events::TopicPartition, events::ChainVerifier> chains;
    if (checkpoint)
        if (auto resumed = resume_chains(*checkpoint, check_from, chains); !resumed) return failure(std::move(resumed).error());

    // This month's checkpoint, if it closes: built beside the others, renamed into place when
    // the chain is known intact.
    std::optional<std::filesystem::path> kept;
    if (!options.checkpoints_dir.empty() && r.closing == Closing::closed)
        kept = options.checkpoints_dir / (".new-" + domain::to_string(month));

    // The hash chains are checked as the views read the records (the runner feeds them one
    // partition's at a time): every record is read once.
    for (const auto& [tp, end] : r.cut_offsets) chains.try_emplace(tp, tp);
    // The map is complete before the lanes start, and each lane feeds its own partitions' chains.
    auto feed = [&chains](const std::vector<events::StoredRecord>& records) {
        for (const events::StoredRecord& rec : records) chains.at(rec.tp).feed(rec);  // it passes over aborted records
    };
    auto built = build_views(log, r.cut_offsets, checkpoint, options, feed);
    // Closed and opened again: closing writes out their memtables and frees them and the
    // runner's row cache, which reading the report does not need.
    if (built) built->views.reset();
    auto views = built ? projections::Views::open(options.scratch_dir.string(), options.source) : failure(built.error());
    if (!views) {
        std::error_code ec;
        std::filesystem::remove_all(options.scratch_dir, ec);
        return failure(std::move(views).error());
    }
    out.views = std::make_unique<ScratchViews>(options.scratch_dir, std::move(*views));
    r.from_checkpoint = built->from_checkpoint;
    r.applied = built->applied;
    if (auto read = read_views(**out.views, r); !read) return failure(std::move(read).error());
    if (auto read = read_reports(**out.views, config, r); !read) return failure(std::move(read).error());
    r.names = Names(config, r.padron);
    if (kept) {
        std::error_code ec;
        std::filesystem::remove_all(*kept, ec);
        std::filesystem::create_directories(*kept, ec);
        if (auto c = (*out.views)->checkpoint((*kept / "views").string()); !c) return failure(std::move(c).error());
    }

    auto out_of_order = check_month(log, check_from, checkpoint, chains, r);
    if (!out_of_order) return failure(std::move(out_of_order).error());
    r.out_of_order = *out_of_order;
    if (kept) {
        // Kept only for an intact chain: a checkpoint vouches for everything before its cut.
        if (r.closing == Closing::closed) {
            if (auto k = keep_checkpoint(*kept, options.checkpoints_dir, r); !k) return failure(std::move(k).error());
            r.checkpoint_kept = true;
        }
        std::error_code ec;
        std::filesystem::remove_all(*kept, ec);
    }
    if (!sum_totals(r)) return fail(errc::overflow, "replay: the totals of " + domain::to_string(month) + " do not fit int64 centavos");
    return out;
}

result<ViewsAt> views_at(events::EventLog& log, TimestampMs cut, const ReplayOptions& options) {
    if (options.scratch_dir.empty()) return fail(errc::invalid_argument, "replay: no scratch directory for the views");
    auto ends = offsets_at(log, cut);
    if (!ends) return failure(std::move(ends).error());
    auto checkpoint = usable_checkpoint(options, cut, *ends);
    if (!checkpoint) return failure(std::move(checkpoint).error());
    return build_views(log, *ends, *checkpoint, options);
}

namespace {

// Row by row and field by field, the replayed settlement against the live one; each
// difference carries the number of later events that touched its row.
void compare_rows(const std::vector<SettlementRow>& replayed, const std::vector<SettlementRow>& live,
                  const std::map<std::string, uint64_t>& later_by_row, Verification& v) {
    std::map<std::string, const SettlementRow*> mine, theirs;
    for (const SettlementRow& row : replayed) mine[row_key(row)] = &row;
    for (const SettlementRow& row : live) theirs[row_key(row)] = &row;
    std::set<std::string> keys;
    for (const auto& [k, row] : mine) keys.insert(k);
    for (const auto& [k, row] : theirs) keys.insert(k);
    for (const std::string& key : keys) {
        const auto later = later_by_row.find(key);
        const uint64_t explained = later == later_by_row.end() ? 0 : later->second;
        const auto a = mine.find(key);
        const auto b = theirs.find(key);
        const size_t before = v.differences.size();
        if (a == mine.end() || b == theirs.end()) {
            v.differences.push_back(
                {key, "row", a == mine.end() ? "absent" : "present", b == theirs.end() ? "absent" : "present", explained});
        } else {
            std::map<std::string, std::pair<std::string, std::string>> fields;
            std::vector<std::string> order;
            for (const auto& [f, value] : settlement_fields(*a->second)) {
                fields[f].first = value;
                order.push_back(f);
            }
            for (const auto& [f, value] : settlement_fields(*b->second)) {
                if (!fields.count(f)) order.push_back(f);
                fields[f].second = value;
            }
            for (const std::string& f : order) {
                auto [x, y] = fields[f];
                // A debit reason or retention kind only one side has is zero on the other.
                const bool zero_default = f.starts_with("debits.") || f.starts_with("retentions.");
                if (zero_default && x.empty()) x = "0,00";
                if (zero_default && y.empty()) y = "0,00";
                if (x != y) v.differences.push_back({key, f, x, y, explained});
            }
        }
        if (v.differences.size() != before) {
            ++v.differing_rows;
            if (explained == 0) ++v.unexplained_rows;
        }
    }
}

}  // namespace

result<Verification> verify_month(events::EventLog& log, Replay& replay, const projections::Views& live, const ReplayOptions& options) {
    const Report& r = replay.report;
    Verification v;
    v.month = r.month;
    uint64_t after = 0;
    for (const auto& [tp, cut] : r.cut_offsets) {
        const int64_t applied = live.applied(tp);
        if (applied < cut)
            return fail(errc::views_behind, "verify: the live views have applied " + position(tp, applied) + ", before the cut at offset " +
                                                std::to_string(cut) + "; bring them up to date first");
        v.live_offsets[tp] = applied;
        after += static_cast<uint64_t>(applied - cut);
    }

    // What the events after the cut did to the period, row by row: each applied to the
    // replayed views, which say the settlement rows it changed.
    std::map<std::string, uint64_t> later_by_row;
    Ticker ticker(options, "after the cut", after);
    if (!replay.views) return fail(errc::invalid_argument, "verify: the replay kept no views");
    projections::Views& views = **replay.views;
    auto batch = views.begin(false);
    size_t in_batch = 0;
    std::optional<fault> commit_error;
    auto n = for_each_event(
        log, r.cut_offsets, v.live_offsets, [&](const events::TopicPartition& tp, int64_t offset, const events::Envelope& e) {
            if (!batch->apply(e)) return false;
            batch->advance(tp, offset + 1);
            bool concerns = false;
            for (const auto& [period, os] : batch->settlement_touched()) {
                if (period != r.month) continue;
                concerns = true;
                ++later_by_row[domain::to_string(period) + "/" + os.value() + "/" + std::to_string(e.provider_id.value())];
            }
            if (concerns) ++v.later_events;
            ticker.add(1);
            if (++in_batch == options.max_batch) {  // bounds the batch's rows in memory
                if (auto c = views.commit(std::move(batch)); !c && !commit_error) commit_error = std::move(c).error();
                batch = views.begin(false);
                in_batch = 0;
            }
            return true;
        });
    if (!n) return failure(std::move(n).error());
    if (commit_error) return failure(std::move(*commit_error));
    v.events_after_cut = *n;

    auto read = live.settlement({r.month, std::nullopt, std::nullopt});
    if (!read) return failure(std::move(read).error());
    std::vector<SettlementRow> live_rows = std::move(*read);
    std::sort(live_rows.begin(), live_rows.end(), by_os_provider);
    v.replayed_rows = r.settlement.size();
    v.live_rows = live_rows.size();
    v.replayed_sha256 = rows_sha256(r.settlement);
    v.live_sha256 = rows_sha256(live_rows);

    compare_rows(r.settlement, live_rows, later_by_row, v);
    return v;
}

}  // namespace liquida::replay
