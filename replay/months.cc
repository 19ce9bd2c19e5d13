#include "replay/months.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "domain/money.h"

namespace liquida::replay {

std::string_view month_state_name(MonthState s) noexcept {
    switch (s) {
        case MonthState::open: return "open";
        case MonthState::closable: return "closable";
        case MonthState::closed: return "closed";
    }
    return "open";
}

Months::Months(events::EventLog& log, const projections::Views& views, const domain::Config& config, std::filesystem::path data_dir)
    : log_(log), views_(views), config_(config), data_dir_(std::move(data_dir)) {}

std::filesystem::path Months::checkpoint_dir(Period month) const { return data_dir_ / "checkpoints" / domain::to_string(month); }
std::filesystem::path Months::reports_dir(Period month) const { return data_dir_ / "closes" / domain::to_string(month); }

result<MonthState> Months::state(Period month, TimestampMs now) const {
    if (closed(month)) return MonthState::closed;
    if (cut_of(month) > now) return MonthState::open;
    auto offsets = cut_offsets(log_, month);
    if (!offsets) return failure(std::move(offsets).error());
    for (const auto& [tp, offset] : *offsets) {
        auto end = log_.end_offset(tp);
        if (!end) return failure(std::move(end).error());
        if (offset < *end) return MonthState::closable;
    }
    return MonthState::open;
}

result<std::vector<Period>> Months::months() const {
    auto rows = views_.settlement({});
    if (!rows) return failure(std::move(rows).error());
    std::set<Period> out;
    for (const auto& r : *rows) out.insert(r.period);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir_ / "checkpoints", ec))
        if (auto m = domain::parse_period(entry.path().filename().string()); m && closed(*m)) out.insert(*m);
    return std::vector<Period>(out.begin(), out.end());
}

std::optional<MonthClosed> Months::closed(Period month) const {
    std::ifstream in(checkpoint_dir(month) / "close.json");
    if (!in) return std::nullopt;
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("partitions") || !j["partitions"].is_array()) return std::nullopt;
    MonthClosed c{month, cut_of(month), 0, {}, {}};
    for (const auto& p : j["partitions"]) {
        if (!p.is_object() || !p.value("topic", nlohmann::json()).is_string()) return std::nullopt;
        ChainEnd end{{p["topic"].get<std::string>(), p.value("partition", 0)},
                     p.value("end_offset", int64_t{0}),
                     p.value("last_hash", std::string())};
        c.events += static_cast<uint64_t>(std::max<int64_t>(end.end, 0));
        c.chain.push_back(std::move(end));
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(reports_dir(month), ec))
        if (entry.is_regular_file(ec)) c.files.push_back(entry.path().filename().string());
    std::sort(c.files.begin(), c.files.end());
    return c;
}

result<std::vector<MonthBlockers>> Months::blockers(Period month) const {
    auto rows = views_.settlement({month, std::nullopt, std::nullopt});
    if (!rows) return failure(std::move(rows).error());
    auto invoices = views_.invoices(projections::SettlementFilter{month, std::nullopt, std::nullopt});
    if (!invoices) return failure(std::move(invoices).error());
    const auto by_os = projections::checked_roll_up(*rows, true);
    if (!by_os) return fail(errc::overflow, "months: the settlement of " + domain::to_string(month) + " does not fit int64 centavos");
    std::vector<MonthBlockers> out;
    for (const auto& os : config_.obras_sociales) {
        MonthBlockers b{os.id, 0, 0, 0, 0};
        const auto row =
            std::find_if(by_os->begin(), by_os->end(), [&](const projections::SettlementRow& r) { return r.obra_social == os.id; });
        if (row != by_os->end()) {
            const auto& r = *row;
            const int64_t reviewed = r.orders_approved.count + r.orders_rejected.count + r.orders_rolled.count;
            b.orders_unreviewed = static_cast<uint64_t>(std::max<int64_t>(r.orders_loaded.count - reviewed, 0));
            // Rows read from the views fit int64 (the runner checks every sum); a difference may not.
            const auto billed = domain::money::add(r.invoiced.amount, r.reinvoiced);
            const auto total = r.total(), balance = r.balance();
            const auto unbilled = total && billed ? domain::money::sub(*total, *billed) : std::nullopt;
            const auto unpaid = balance ? domain::money::sub(*balance, r.collected) : std::nullopt;
            if (!unbilled || !unpaid)
                return fail(errc::overflow, "months: a difference of " + domain::to_string(month) + " does not fit int64 centavos");
            b.not_invoiced = std::max<domain::Centavos>(*unbilled, 0);
            b.not_collected = std::max<domain::Centavos>(*unpaid, 0);
        }
        for (const auto& inv : *invoices)
            if (inv.obra_social == os.id && inv.status == domain::InvoiceStatus::observada) ++b.invoices_observed;
        out.push_back(std::move(b));
    }
    return out;
}

result<std::variant<MonthClosed, MonthRefusal>> Months::close(Period month, bool force, TimestampMs now) {
    using Out = std::variant<MonthClosed, MonthRefusal>;
    if (closed(month)) return Out(MonthRefusal{"month.already_closed", "El mes " + domain::to_string(month) + " ya está cerrado."});
    if (cut_of(month) > now)
        return Out(MonthRefusal{"month.not_ended", "El mes " + domain::to_string(month) + " todavía no terminó: su corte es " +
                                                       domain::to_iso_local(cut_of(month)) + "."});
    if (!force) {
        auto st = state(month, now);
        if (!st) return failure(std::move(st).error());
        if (*st == MonthState::open)
            return Out(MonthRefusal{"month.log_not_past_cut", "El registro no tiene todavía eventos posteriores al corte de " +
                                                                  domain::to_string(month) +
                                                                  ": el mes aún puede recibir eventos; force=true cierra igual."});
        auto blocked = blockers(month);
        if (!blocked) return failure(std::move(blocked).error());
        std::string which;
        for (const auto& b : *blocked)
            if (b.any()) which.append(which.empty() ? "" : ", ").append(b.obra_social.value());
        if (!which.empty())
            return Out(MonthRefusal{"month.pending_work", "Quedan pendientes del período " + domain::to_string(month) + " en: " + which +
                                                              " (ver GET /v1/months/" + domain::to_string(month) +
                                                              "); force=true cierra igual."});
    }
    ReplayOptions options;
    options.scratch_dir = data_dir_ / "closes" / (".scratch-" + domain::to_string(month));
    options.checkpoints_dir = data_dir_ / "checkpoints";
    options.force_close = force;
    options.now = now;
    auto replayed = replay_month(log_, month, config_, options);
    if (!replayed && replayed.error().code == errc::busy)
        return Out(MonthRefusal{"month.busy", "Otro cierre de " + domain::to_string(month) +
                                                  " está en curso (en este servidor o `liquida replay`): reintente cuando termine."});
    if (!replayed) return failure(std::move(replayed).error());
    const Report& r = replayed->report;
    switch (r.closing) {
        case Closing::closed: break;
        case Closing::month_not_ended:   // refused above, with the same clock
        case Closing::log_not_past_cut:  // refused above, unless forced
            return fail(errc::invalid_argument, "months: the replay of " + domain::to_string(month) + " did not close it");
        case Closing::chain_broken:
            return Out(MonthRefusal{"month.chain_broken", "La cadena de hashes está rota en " + r.chain_break->tp.topic + "/" +
                                                              std::to_string(r.chain_break->tp.partition) + " offset " +
                                                              std::to_string(r.chain_break->offset) + ": el mes no se puede cerrar."});
    }
    auto files = write_reports(r, reports_dir(month));
    if (!files) return failure(std::move(files).error());
    auto out = closed(month);
    if (!out) return fail(errc::io_error, "months: the close record of " + domain::to_string(month) + " was not kept");
    return Out(std::move(*out));
}

std::optional<std::filesystem::path> Months::report(Period month, std::string_view name) const {
    const auto c = closed(month);
    if (!c || std::find(c->files.begin(), c->files.end(), name) == c->files.end()) return std::nullopt;
    return reports_dir(month) / std::string(name);
}

}  // namespace liquida::replay
