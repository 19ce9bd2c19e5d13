// The colegio's own work (F6, seed 000): after each month's window it presents every obra social
// the previous period's approved billing; the insurer audits it, now and then debits part of it,
// approves it, and pays it some 30 days later ("según convenio es a los 30 días o más").
#include "sim/simulation_impl.h"

namespace liquida::sim {
namespace {

std::string presentation_number(Period period, const ObraSocialId& os) {
    return "P-" + num(static_cast<uint64_t>(period.yyyymm())) + "-" + os.value();
}

// The presentation an intent names by its obra social and period (Intent::b), if presented.
const PresentationRecord* presented(const ProviderLedger& colegio, const ObraSocialId& os, uint64_t period) {
    const auto& all = colegio.presentations.presentations;
    const auto p = all.find(presentation_number(Period::from_yyyymm(static_cast<int32_t>(period)), os));
    return p == all.end() ? nullptr : &p->second;
}

}  // namespace

TimestampMs Simulation::Impl::colegio_later(int32_t today, int32_t days_lo, int32_t days_hi) {
    return std::max(now + kMinute, at_minute(today + colegio_rng.between(days_lo, days_hi), colegio_rng.between(9 * 60, 17 * 60)));
}

void Simulation::Impl::plan_presentations(Period m) {
    const Period prev{m.month == 1 ? m.year - 1 : m.year, m.month == 1 ? 12 : m.month - 1};
    const int32_t first = first_day(m);
    for (uint8_t o = 0; o < kOsCount; ++o) {
        if (os[o] == nullptr) continue;
        // Now and then the secretaría tries the month itself while it still receives orders.
        if (colegio_rng.chance(0.1))
            push(at_minute(first + 2, colegio_rng.between(9 * 60, 17 * 60)), kColegioIntent, Kind::present, o, kMistake, 0,
                 static_cast<uint64_t>(m.yyyymm()));
        if (prev < options.start) continue;  // nothing billed before the first month
        push(at_minute(first + colegio_rng.between(6, 9), colegio_rng.between(9 * 60, 17 * 60)), kColegioIntent, Kind::present, o, 0, 0,
             static_cast<uint64_t>(prev.yyyymm()));
    }
}

std::optional<Built> Simulation::Impl::colegio_work(const Intent& it, int32_t today) {
    switch (it.kind) {
        case Kind::present: return present(it);
        case Kind::presentation_audit: return presentation_audit(it, today);
        case Kind::presentation_approve: {
            const PresentationRecord* p = presented(colegio, os_id[it.os], it.b);
            if (p == nullptr || p->approved) return std::nullopt;
            push(colegio_later(today, 30, 40), kColegioIntent, Kind::presentation_pay, it.os, 0, 0, it.b);
            return Built{SimActor::obra_social, ApprovePresentation{p->submitted.presentation}};
        }
        case Kind::presentation_pay: return presentation_pay(it, today);
        default: return std::nullopt;
    }
}

// What the system approved for the period and obra social, over every provider: what the colegio presents.
std::optional<Built> Simulation::Impl::present(const Intent& it) {
    const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
    money::Sum total;
    for (const auto& p : providers) {
        const auto st = settlement_of(p->ledger, period, os_id[it.os]);
        total.add(st ? std::optional(st->total) : std::nullopt);
    }
    if (!total.ok()) return std::nullopt;
    const bool mistaken = (it.flags & kMistake) != 0;  // the period is still open: refused
    if (*total.value() <= 0 && !mistaken) return std::nullopt;
    const std::string number = presentation_number(period, os_id[it.os]);
    if (!mistaken) push(colegio_later(local_date(now).days, 15, 20), kColegioIntent, Kind::presentation_audit, it.os, 0, 0, it.b);
    return Built{SimActor::colegio, PresentBilling{number, os_id[it.os], period, std::max<Centavos>(*total.value(), 1)}};
}

// The insurer's audit: a debit on about a third of them, then the approval a few days later.
std::optional<Built> Simulation::Impl::presentation_audit(const Intent& it, int32_t today) {
    const PresentationRecord* p = presented(colegio, os_id[it.os], it.b);
    if (p == nullptr || p->approved) return std::nullopt;
    const auto balance = p->balance();
    if (balance && *balance >= 1000 && colegio_rng.chance(0.35)) {
        const Reason& r = kDebitReasons[colegio_rng.below(count_of(kDebitReasons))];
        push(colegio_later(today, 2, 5), kColegioIntent, Kind::presentation_approve, it.os, 0, 0, it.b);
        return Built{SimActor::obra_social, DebitPresentation{p->submitted.presentation, "PD-" + num(colegio_seq++),
                                                              *balance / 1000 * colegio_rng.between(1, 20), r.code, r.text}};
    }
    push(colegio_later(today, 30, 40), kColegioIntent, Kind::presentation_pay, it.os, 0, 0, it.b);
    return Built{SimActor::obra_social, ApprovePresentation{p->submitted.presentation}};
}

std::optional<Built> Simulation::Impl::presentation_pay(const Intent& it, int32_t today) {
    const PresentationRecord* p = presented(colegio, os_id[it.os], it.b);
    if (p == nullptr || !p->approved) return std::nullopt;
    const auto owed = p->outstanding();
    if (!owed || *owed <= 0) return std::nullopt;
    const uint64_t seq = colegio_seq++;
    return Built{SimActor::obra_social,
                 PayPresentation{p->submitted.presentation, "APB", num(20'000'000 + seq), Date{today}, *owed, "CR-P-" + num(seq)}};
}

}  // namespace liquida::sim
