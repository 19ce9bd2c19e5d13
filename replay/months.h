// The colegio's months on a running server: each month's state, what stops it from closing
// (per obra social, from the live views), and the close itself: the month replayed from the
// log to its cut (replay_month), its hash chain checked, the close record and the checkpoint
// written (DATA/checkpoints/M), and the reports kept as they were at the close in
// DATA/closes/M, never rewritten.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/codes.h"
#include "replay/replay.h"

namespace liquida::replay {

enum class MonthState : uint8_t {
    open,      // its cut is ahead, or the log has no record at or after it yet
    closable,  // ended, and the log has passed its cut
    closed,    // its close record exists
};
std::string_view month_state_name(MonthState s) noexcept;  // "open", "closable", "closed"

// What keeps an obra social's side of a period from being done, from the live views.
struct MonthBlockers {
    ObraSocialId obra_social;
    uint64_t orders_unreviewed = 0;      // loaded into the period, neither approved, rejected nor rolled
    domain::Centavos not_invoiced = 0;   // the total to bill minus what was invoiced (or re-invoiced)
    uint64_t invoices_observed = 0;      // observed invoices: debits awaiting analysis
    domain::Centavos not_collected = 0;  // the invoiced balance the obra social has not paid yet
    bool any() const noexcept { return orders_unreviewed != 0 || not_invoiced != 0 || invoices_observed != 0 || not_collected != 0; }
};

// Why a close was refused: a stable code of kMonthRefusals and a Spanish message. docs/API.md
// lists these codes (tests/gateway/codes_doc_test.cc).
inline constexpr std::string_view kMonthRefusals[] = {"month.already_closed", "month.not_ended", "month.log_not_past_cut",
                                                      "month.pending_work",   "month.busy",      "month.chain_broken"};
struct MonthRefusal {
    domain::Listed<kMonthRefusals> code;
    std::string message;
};

struct MonthClosed {
    Period month;
    TimestampMs cut = 0;
    uint64_t events = 0;
    std::vector<ChainEnd> chain;     // the close record: per partition, its end and last hash
    std::vector<std::string> files;  // the reports' names in DATA/closes/M
};

class Months {
public:
    // `data_dir`: checkpoints in DATA/checkpoints, the closes' reports in DATA/closes.
    Months(events::EventLog& log, const projections::Views& views, const domain::Config& config, std::filesystem::path data_dir);

    result<MonthState> state(Period month, TimestampMs now) const;
    // The months worth listing: every period of the settlement and every closed month, in order.
    result<std::vector<Period>> months() const;
    // The close record (DATA/checkpoints/M/close.json), when the month is closed.
    std::optional<MonthClosed> closed(Period month) const;
    // Per obra social in the configuration's order, with or without blockers.
    result<std::vector<MonthBlockers>> blockers(Period month) const;

    // Closes `month`: refused while it has not ended, while the log has not passed its cut or
    // anything blocks it (unless `force`), when its chain is broken, or when it is closed already.
    // Blocks for the replay (seconds to minutes): run it off the io threads, one at a time.
    result<std::variant<MonthClosed, MonthRefusal>> close(Period month, bool force, TimestampMs now);

    // A report of the month's close by its name (one of MonthClosed::files, nothing else).
    std::optional<std::filesystem::path> report(Period month, std::string_view name) const;

private:
    std::filesystem::path checkpoint_dir(Period month) const;
    std::filesystem::path reports_dir(Period month) const;

    events::EventLog& log_;
    const projections::Views& views_;
    const domain::Config& config_;
    std::filesystem::path data_dir_;
};

}  // namespace liquida::replay
