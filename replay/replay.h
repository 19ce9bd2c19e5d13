// Audit replay of a month: the views and the domain's reports as they stood at the
// end of a month, rebuilt from the log alone into a scratch directory that is never the live
// views; the report written as JSON, CSV and XLSX; and the comparison with the live views.
//
// The cut (docs/REPLAY.md): month M ends at the first instant of M+1 in Argentina time
// (UTC-3). A record's timestamp is its envelope's recorded_at, and records are appended in
// time order per partition, so per partition the month is the prefix of offsets below
// offset_for_time(tp, cut): every event recorded before the cut and none after.
//
// Works through the EventLog interface only: the same on the embedded log and on Kafka.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/config.h"
#include "domain/queries.h"
#include "domain/state.h"
#include "events/chain.h"
#include "events/errc.h"
#include "replay/errc.h"
#include "events/log.h"
#include "projections/views.h"
#include "replay/listings.h"

namespace liquida::replay {

using domain::Centavos;
using domain::Date;
using domain::ObraSocialId;
using domain::Period;
using domain::ProviderId;
using domain::TimestampMs;

// Next offset per partition: everything below it is in.
using Offsets = std::map<events::TopicPartition, int64_t>;

// The first instant of the month after `month`, Argentina time. Events recorded before it
// belong to `month` (and to every earlier replay point), events recorded at or after it do not.
TimestampMs cut_of(Period month) noexcept;
// The last civil day of `month`: the padrón's standing, pending ages and the F4 listing are as of it.
Date last_day_of(Period month) noexcept;

// Per partition of the log, offset_for_time(tp, cut): the offsets below which every event
// was recorded before `cut`.
result<Offsets> offsets_at(events::EventLog& log, TimestampMs cut);
// offsets_at(log, cut_of(month)).
result<Offsets> cut_offsets(events::EventLog& log, Period month);

// Where a long replay is, for progress lines.
struct Progress {
    std::string_view phase;  // "views", "after the cut"
    uint64_t done = 0;       // events of the phase processed
    uint64_t total = 0;      // events of the phase
    double seconds = 0;      // since the phase started

    double events_per_second() const noexcept { return seconds > 0 ? static_cast<double>(done) / seconds : 0; }
    // Seconds left at the current rate; negative when unknown.
    double eta_seconds() const noexcept;
};

struct ReplayOptions {
    // Directory the views are rebuilt into. Required. Emptied first, so never the live views
    // directory nor another replay's: a month's replay keeps its views there until it is
    // destroyed (Replay::views), views_at leaves them to the caller.
    std::filesystem::path scratch_dir;
    // Events per committed batch of the rebuild. Default 20000, as the live runner.
    size_t max_batch = 20'000;
    // Called about every `progress_every` during the long phases, on the calling thread. Optional.
    std::function<void(const Progress&)> progress;
    std::chrono::milliseconds progress_every{1000};
    // `source` given to Views::open for the scratch views ("embedded", "kafka"). Default empty.
    std::string source;
    // Monthly checkpoints (docs/REPLAY.md): DIR/YYYY-MM/views holds the views at that month's
    // cut and DIR/YYYY-MM/close.json its month-close record. When set, a replay starts its
    // views from the newest checkpoint of an earlier month (unless from_scratch), and keeps a
    // checkpoint of its own month once that month has ended with an intact chain. Empty: none.
    std::filesystem::path checkpoints_dir;
    bool from_scratch = false;
    // Close the month although the log holds no record at or after its cut yet (so events of
    // the month may still arrive): an operator's choice, never a default.
    bool force_close = false;
    // Now, for whether the month has ended; 0: the system clock. A server passes its own clock.
    TimestampMs now = 0;
};

// Whether a replay closed its month: wrote its close record (and, with checkpoints_dir, kept
// its checkpoint), or why not.
enum class Closing {
    closed,
    month_not_ended,   // its cut is in the future
    log_not_past_cut,  // no record at or after the cut in any partition, and not forced
    chain_broken,      // a record before the cut fails its partition's hash chain
};

// --- The report ---
struct Totals {
    // The period's settlement rows summed: provider 0, obra social empty.
    projections::SettlementRow settlement;
    uint64_t providers = 0;         // padrón rows (registered providers)
    uint64_t in_good_standing = 0;  // of those, in the padrón on the last day
    uint64_t pending_items = 0;
    uint64_t validation_rows = 0;
    uint64_t invoices = 0;  // F4 rows
    Centavos invoices_amount = 0;
    Centavos invoices_debits = 0;
    Centavos invoices_balance = 0;
    friend bool operator==(const Totals&, const Totals&) = default;
};

// Where a partition's hash chain stands at the cut: the month-close record holds one per
// partition, so an auditor holding a copy can check that no event before it was altered since.
struct ChainEnd {
    events::TopicPartition tp;
    int64_t end = 0;   // the cut offset: records below it are the month's
    std::string hash;  // hex seal hash of the record at end - 1; the genesis hash when end is 0
    friend bool operator==(const ChainEnd&, const ChainEnd&) = default;
};

struct Report {
    Period month;
    TimestampMs cut = 0;  // cut_of(month)
    Date as_of;           // last_day_of(month)
    Offsets cut_offsets;
    // The sum of the cut offsets: the events replayed on the embedded log; on Kafka, also the
    // offsets its transactions' commit markers take.
    uint64_t events = 0;
    // The checkpoint the views started from (none: offset 0), and the events applied after it.
    std::optional<Period> from_checkpoint;
    uint64_t applied = 0;
    Closing closing = Closing::month_not_ended;
    bool checkpoint_kept = false;  // this month's checkpoint was written
    // Records at or after a partition's cut, within an hour of it, whose recorded_at is before
    // the cut: appended out of time order, so not in this replay. 0 when appends kept time order.
    uint64_t out_of_order = 0;
    std::vector<projections::ViewDigest> digests;  // of the replayed views, as `views digest`
    // Every record below the cut checked against its partition's hash chain from offset 0.
    std::vector<ChainEnd> chain;                    // per partition; complete when chain_break is empty
    std::optional<events::ChainBreak> chain_break;  // the first broken link, if any
    // Settlement of the period: per obra social (roll_up, provider 0), then per provider,
    // both in (obra social, provider) order.
    std::vector<projections::SettlementRow> settlement_by_obra_social;
    std::vector<projections::SettlementRow> settlement;
    std::vector<PadronEntry> padron;               // by provider id
    std::vector<projections::PendingRow> pending;  // at the cut
    std::vector<ValidationEntry> validation;       // by obra social (configuration order), provider
    std::vector<InvoiceEntry> invoices;            // by provider, newest received first
    Names names;                                   // beside the ids in every section
    Totals totals;
};

// Views in a scratch directory that is removed with them.
class ScratchViews {
public:
    ScratchViews(std::filesystem::path dir, std::unique_ptr<projections::Views> views) : dir_(std::move(dir)), views_(std::move(views)) {}
    ~ScratchViews();
    ScratchViews(const ScratchViews&) = delete;
    ScratchViews& operator=(const ScratchViews&) = delete;
    projections::Views& operator*() const { return *views_; }
    projections::Views* operator->() const { return views_.get(); }

private:
    std::filesystem::path dir_;
    std::unique_ptr<projections::Views> views_;
};

// The report and the state a verification continues from.
struct Replay {
    Report report;
    // The views replayed to the cut, in ReplayOptions::scratch_dir, which is theirs until they
    // are destroyed: verify_month applies the events after the cut to them.
    std::unique_ptr<ScratchViews> views;
};

// Rebuilds month `month` from offset 0 of every partition up to its cut: the views into
// options.scratch_dir (Runner::catch_up_to the cut offsets), whose rows give every section of
// the report, while a second thread checks every record against its partition's hash chain (a
// broken link is reported in Report::chain_break, the replay goes on). A record that does not
// decode fails with errc::bad_record and its position. From a checkpoint, the views start
// at the checkpoint's cut, and each partition's chain is checked from its close record's hash
// (the first record after it must link to it); only from_scratch re-checks the records before
// the checkpoint.
result<Replay> replay_month(events::EventLog& log, Period month, const domain::Config& config, const ReplayOptions& options);

// The views as they stood at instant `cut` (every event recorded before it), built in
// options.scratch_dir (emptied first; the caller owns and removes it) from the newest
// checkpoint of a month that ended before `cut` (unless from_scratch), for as-of queries.
// The hash chain is not checked here: that is the month replay's.
struct ViewsAt {
    std::unique_ptr<projections::Views> views;
    std::optional<Period> from_checkpoint;
    uint64_t events = 0;   // recorded before the cut
    uint64_t applied = 0;  // of those, applied after the checkpoint
};
result<ViewsAt> views_at(events::EventLog& log, TimestampMs cut, const ReplayOptions& options);

// --- Verification against the live views ---
struct FieldDifference {
    std::string row;    // "2025-06/sancor/1042"
    std::string field;  // "debits.D01", "invoiced.amount"; "row" when one side has no such row
    std::string replayed;
    std::string live;
    // Events recorded after the cut touch this row: the difference is what they did.
    uint64_t later_events = 0;
};

struct Verification {
    Period month;
    // SHA-256 over the period's settlement rows (per provider, key order), each side.
    std::string replayed_sha256;
    std::string live_sha256;
    uint64_t replayed_rows = 0;
    uint64_t live_rows = 0;
    std::vector<FieldDifference> differences;  // by row, then field
    uint64_t differing_rows = 0;
    uint64_t unexplained_rows = 0;  // differing rows no event after the cut touches
    // Events between the cut and the live views' offsets, and those whose payload concerns
    // the period's settlement (an invoice, order or consumption of the period, a retention or
    // payment for it...).
    uint64_t events_after_cut = 0;
    uint64_t later_events = 0;
    Offsets live_offsets;  // what the live views had applied

    bool holds() const noexcept { return differences.empty(); }
};

// Compares the replayed settlement of the month's period with `live`, row by row (every
// field of every (obra social, provider) row), and reads the events between the cut and
// the live views' applied offsets to say which differences they explain. Applies them to
// `replay.views`. Fails with errc::views_behind when the live views are behind the cut.
result<Verification> verify_month(events::EventLog& log, Replay& replay, const projections::Views& live, const ReplayOptions& options = {});

// The fields a settlement row is compared and reported by, in a fixed order; amounts in
// pesos with a decimal comma ("1234,56"). Debits and retentions get one field per reason or kind.
std::vector<std::pair<std::string, std::string>> settlement_fields(const projections::SettlementRow& row);

// --- Writers: one report, three formats, the same columns and numbers ---
// File names, for `month` 2025-06: report-2025-06.json; settlement-obra-social-2025-06.csv,
// settlement-, padron-, pending-, validation-, invoices-2025-06.csv; report-2025-06.xlsx.
std::string file_stem(std::string_view section, Period month);  // "settlement-2025-06"

// The month-close record (close-2025-06.json): month, cut and per partition the end offset
// and the last record's hash. Only for an intact chain.
std::string close_record_json(const Report& report);

// JSON: money in integer centavos, dates YYYY-MM-DD, instants ISO-8601 in Argentina time.
std::string report_json(const Report& report);
// CSV per section (replay/sheets.h: UTF-8 with BOM, semicolons, decimal comma), by section
// name: "settlement-obra-social", "settlement", "padron", "pending", "validation", "invoices".
std::map<std::string, std::string> report_csv(const Report& report);

// Writes the JSON, the six CSVs and the XLSX (a summary sheet, then one sheet per section,
// money as numbers in pesos with a currency format, dates as dates) into `dir`, created when missing.
// Returns the files written.
result<std::vector<std::filesystem::path>> write_reports(const Report& report, const std::filesystem::path& dir);

}  // namespace liquida::replay
