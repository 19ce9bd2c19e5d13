// The month simulator: reproducible for a seed, every accepted command's events replay into
// the ledger it decided on, time moves forward inside the simulated months.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <utility>

#include "sim/simulation.h"
#include "fixtures.h"

using namespace liquida::test;
using namespace liquida::sim;

namespace {

SimulationOptions small(uint64_t seed, Period start = Period{2025, 6}, uint32_t months = 1) {
    SimulationOptions o;
    o.seed = seed;
    o.scale = 0.01;
    o.start = start;
    o.months = months;
    return o;
}

// Same command in the sense that matters: who, when, which kind, and what was decided.
bool same(const SimulatedCommand& x, const SimulatedCommand& y) {
    if (x.command_id != y.command_id || x.provider != y.provider || x.now != y.now || x.actor != y.actor || x.actor_id != y.actor_id ||
        x.command.index() != y.command.index() || x.decision.has_value() != y.decision.has_value())
        return false;
    return x.decision ? x.decision.value() == y.decision.value() : x.decision.error() == y.decision.error();
}

TimestampMs month_start(Period p) { return start_of_local_day(date_from_civil(p.year, p.month, 1)); }

bool onboarding_command(const Command& c) {
    return std::holds_alternative<RegisterProvider>(c) || std::holds_alternative<AdhereToObraSocial>(c) ||
           std::holds_alternative<UploadDocument>(c) || std::holds_alternative<VerifyDocument>(c) ||
           std::holds_alternative<EnrollInPadron>(c) || std::holds_alternative<ExpireDocumentsDue>(c);
}

void collect_obras_sociales(const Event& e, std::set<std::string>& out) {
    if (const auto* o = std::get_if<OrderLoaded>(&e)) out.insert(o->obra_social.value());
    if (const auto* b = std::get_if<BudgetSubmitted>(&e)) out.insert(b->obra_social.value());
    if (const auto* i = std::get_if<InvoiceIssued>(&e)) out.insert(i->obra_social.value());
}

// What a simulation's commands came to, counted as they came.
struct Observed {
    std::map<uint64_t, std::vector<RecordedEvent>> logs;  // each provider's accepted events
    std::set<std::string> obras_sociales;
    uint64_t commands = 0, accepted = 0, rejected = 0, events = 0, cbu_changes = 0, in_rounds = 0;
};

// Runs `sim` to its end, checking each command on the way: never back in time, inside the
// simulated months (only the onboarding before `first`), a unique id, an actor, and a coded
// error when refused.
Observed run_checked(Simulation& sim, Period first) {
    Observed o;
    std::set<std::string> command_ids;
    std::map<uint64_t, std::string> cbu;
    std::set<uint64_t> enrolled;
    TimestampMs last = 0;
    while (auto c = sim.next()) {
        ++o.commands;
        REQUIRE(c->now >= last);  // never back in time
        last = c->now;
        REQUIRE(c->now >= month_start(sim.onboarding_month()));
        REQUIRE(c->now < sim.end());
        // Before the first month only the onboarding happens; from then on, inside the simulated month.
        if (c->now < month_start(first)) REQUIRE(onboarding_command(c->command));
        REQUIRE(command_ids.insert(c->command_id).second);
        REQUIRE(!c->actor_id.empty());
        if (c->decision) {
            ++o.accepted;
            for (const Event& e : c->decision.value()) {
                if (const auto* r = std::get_if<ProviderRegistered>(&e)) cbu[c->provider.value()] = r->cbu;
                if (const auto* u = std::get_if<ProviderUpdated>(&e); u && std::exchange(cbu[c->provider.value()], u->cbu) != u->cbu)
                    ++o.cbu_changes;  // each after a new constancia de CBU was approved (P1/S3)
                // A renewed malpractice policy of an enrolled provider is verified in the colegio's
                // rounds (000): the 2nd or the 16th, at 10:00.
                if (const auto* v = std::get_if<DocumentVerified>(&e);
                    v && v->type == DocumentType::seguro && enrolled.contains(c->provider.value())) {
                    const CivilDate d = civil_from_date(local_date(c->now));
                    CHECK((d.day == 2 || d.day == 16));
                    CHECK(c->now - start_of_local_day(local_date(c->now)) == 10 * 3'600'000);
                    ++o.in_rounds;
                }
                if (std::holds_alternative<PadronEnrolled>(e)) enrolled.insert(c->provider.value());
                if (std::holds_alternative<PadronLeft>(e)) enrolled.erase(c->provider.value());
                o.logs[c->provider.value()].push_back(RecordedEvent{e, c->now});
                collect_obras_sociales(e, o.obras_sociales);
                ++o.events;
            }
        } else {
            ++o.rejected;
            const DomainError& e = c->decision.error();
            REQUIRE(e.code.find('.') != std::string::npos);
            REQUIRE_FALSE(e.message.empty());
        }
    }
    return o;
}

}  // namespace

TEST_CASE("simulation: the same seed gives the same commands and decisions, another seed others", "[domain][simulation]") {
    Simulation a(seed_config(), small(7));
    Simulation b(seed_config(), small(7));
    Simulation c(seed_config(), small(8));
    size_t n = 0;
    size_t differing = 0;
    bool c_done = false;
    for (;;) {
        auto x = a.next();
        auto y = b.next();
        REQUIRE(x.has_value() == y.has_value());
        if (!c_done) {
            auto z = c.next();
            c_done = !z.has_value();
            // Command ids carry the seed; what is done, by whom and when must differ too.
            if (x && z && (x->provider != z->provider || x->now != z->now || x->command.index() != z->command.index())) ++differing;
        }
        if (!x) break;
        REQUIRE(same(*x, *y));
        ++n;
    }
    CHECK(n > 5'000);
    CHECK(a.stats().accepted == b.stats().accepted);
    CHECK(a.stats().rejected_by_code == b.stats().rejected_by_code);
    CHECK(differing > n / 2);
    CHECK(a.stats().events != c.stats().events);
}

TEST_CASE("simulation: one month at scale 0.01 replays, moves forward and makes users' mistakes", "[domain][simulation][P3][A8][F1]") {
    Simulation sim(seed_config(), small(16));
    const Period june{2025, 6};
    // P3: the padrón opens in May; June's providers were onboarded then.
    CHECK(sim.onboarding_month() == Period{2025, 5});
    CHECK(sim.end() == month_start(Period{2025, 7}));

    // Each command checked as it comes (run_checked); what they came to checked below.
    const auto [logs, obras_sociales, commands, accepted, rejected, events, cbu_changes, in_rounds] = run_checked(sim, june);
    const SimulationStats& st = sim.stats();
    CHECK(st.accepted == accepted);
    CHECK(st.rejected == rejected);
    CHECK(st.events == events);
    uint64_t by_code = 0;
    for (const auto& [code, count] : st.rejected_by_code) by_code += count;
    CHECK(by_code == rejected);

    CHECK(cbu_changes > 0);  // about one a month at this scale: the seed is one that has some
    CHECK(in_rounds > 0);    // renewals verified in rounds, checked above
    // The seeds' own mistakes lead: an order without the professional's signature (000), an
    // 88-T number typed wrong (002).
    const auto refused = [&](const char* code) {
        const auto it = st.rejected_by_code.find(code);
        return it == st.rejected_by_code.end() ? uint64_t{0} : it->second;
    };
    CHECK(refused("consumption.transaction_not_found") > 0);
    for (const char* invented : {"order.missing_patient_signature", "order.missing_professional_stamp", "order.attention_date_in_future",
                                 "order.invalid_practice_code"})
        CHECK(refused("order.missing_professional_signature") >= refused(invented));
    CHECK(st.rejected_by_code.count("provider.cbu_document_required") == 0);  // the simulator gets the constancia first
    // About 10k events a month at scale 0.01; users' mistakes a few percent, refused.
    CHECK(events > 7'000);
    CHECK(events < 15'000);
    CHECK(rejected * 100 > commands * 1);
    CHECK(rejected * 100 < commands * 6);
    CHECK(st.rejected_by_code.size() >= 15);
    CHECK(sim.provider_count() >= 30);

    // Replaying each provider's accepted events gives the ledger the decisions saw.
    REQUIRE(logs.size() == sim.provider_count());
    for (const auto& [id, log] : logs) {
        const ProviderLedger* ledger = sim.ledger(ProviderId{id});
        REQUIRE(ledger != nullptr);
        REQUIRE(replay(log) == *ledger);
    }
    CHECK(sim.ledger(ProviderId{1}) == nullptr);

    // The three obras sociales of the seeds, and most kinds of event.
    CHECK(obras_sociales == std::set<std::string>{"sancor", "insssep", "ioma"});
    size_t kinds = 0;
    for (uint64_t n : st.events_by_kind) kinds += n > 0 ? 1 : 0;
    CHECK(kinds >= 24);
    for (const char* kind :
         {"provider_registered", "padron_enrolled", "eligibility_checked", "token_issued", "order_loaded", "order_approved",
          "order_rejected", "order_deferred", "budget_submitted", "budget_authorized", "budget_sent_to_audit", "practice_consumed",
          "transaction_cancelled", "consumption_cancelled", "acta_issued", "invoice_issued", "invoice_accepted"}) {
        size_t index = 0;
        while (index < kEventKinds && event_name(index) != kind) ++index;
        REQUIRE(index < kEventKinds);
        INFO(kind);
        CHECK(st.events_by_kind[index] > 0);
    }
}

// The insurers pay on their invoices' due dates (seed 001: SanCor 60 days after reception, 15 for
// a small one), so the colegio pays every insurer's providers only from the fourth month on (and a
// one-month run may pay none).
TEST_CASE("simulation: starting in an enrollment month onboards on its first day, four months pay every insurer on its due dates",
          "[domain][simulation][P3][S2][S3][F4]") {
    Simulation sim(seed_config(), small(3, Period{2025, 9}, 4));
    CHECK(sim.onboarding_month() == Period{2025, 9});
    std::set<std::string> paid;
    std::set<std::string> months;
    uint64_t paid_invoices = 0;
    std::set<std::string> actas;
    uint64_t ioma_invoices = 0;
    while (auto c = sim.next()) {
        REQUIRE(c->now >= month_start(Period{2025, 9}));
        REQUIRE(c->now < month_start(Period{2026, 1}));
        months.insert(to_string(sim.month()));
        if (!c->decision) continue;
        for (const Event& e : c->decision.value()) {
            if (const auto* p = std::get_if<ProviderPaid>(&e)) paid.insert(p->obra_social.value());
            if (const auto* a = std::get_if<ActaIssued>(&e)) actas.insert(a->acta);
            if (const auto* i = std::get_if<InvoiceIssued>(&e); i && i->obra_social == kIoma) {  // F2: IOMA bills its actas (003)
                CHECK(actas.contains(i->authorization));
                ++ioma_invoices;
            }
            const auto* po = std::get_if<PaymentOrderIssued>(&e);
            if (po == nullptr) continue;
            // No invoice is paid before it falls due.
            const ProviderLedger& l = *sim.ledger(c->provider);
            for (const PaidInvoice& i : po->invoices) {
                const InvoiceRecord& inv = l.invoices.invoices.at(i.invoice_id);
                REQUIRE(inv.received_at);
                CHECK(po->paid_on >= seed_config().due_on(po->obra_social, local_date(*inv.received_at), inv.issued.amount));
                ++paid_invoices;
            }
        }
    }
    CHECK(months == std::set<std::string>{"2025-09", "2025-10", "2025-11", "2025-12"});
    CHECK(paid == std::set<std::string>{"sancor", "insssep", "ioma"});
    CHECK(paid_invoices > 10);
    CHECK(ioma_invoices > 0);
}

TEST_CASE("simulation: each SanCor affiliate in therapy sees one psychologist, so the week's session is refused only by mistake",
          "[domain][simulation][A4]") {
    SimulationOptions o = small(4);
    o.scale = 0.1;
    Simulation sim(seed_config(), o);
    std::map<std::string, std::set<uint64_t>> providers_of;
    uint64_t refused = 0, sessions = 0;
    while (auto c = sim.next()) {
        const auto* b = std::get_if<SubmitBudget>(&c->command);
        if (b == nullptr || b->obra_social != kSancor) continue;
        if (!c->decision) {
            if (c->decision.error().code == "budget.weekly_limit_exceeded") ++refused;
            continue;
        }
        for (const BudgetLine& line : b->lines)
            if (line.practice_code == "330101") {
                providers_of[b->affiliate_number].insert(c->provider.value());
                ++sessions;
            }
    }
    REQUIRE(sessions > 1000);
    for (const auto& [affiliate, providers] : providers_of) {
        INFO(affiliate);
        CHECK(providers.size() == 1);
    }
    CHECK(refused > 0);              // the seeds' own mistake: a second session in the week
    CHECK(refused * 50 < sessions);  // and no more than the simulator's rate of it
}

namespace {

// What the settlement of every provider approved for the period and obra social, as the colegio adds it up.
Centavos approved_by_all(const Simulation& sim, Period period, const ObraSocialId& os) {
    Centavos total = 0;
    for (size_t i = 0; i < sim.provider_count(); ++i) total += settlement_of(*sim.ledger(ProviderId{1001 + i}), period, os).value().total;
    return total;
}

}  // namespace

TEST_CASE("simulation: the colegio presents each closed period to each obra social at what was approved, the insurer audits and pays it",
          "[domain][simulation][F6]") {
    Simulation sim(seed_config(), small(3, Period{2025, 9}, 4));
    std::set<std::pair<std::string, std::string>> presented;  // period, obra social
    uint64_t early = 0, debited = 0;
    while (auto c = sim.next()) {
        const auto* present = std::get_if<PresentBilling>(&c->command);
        if (present != nullptr) {
            CHECK(c->provider == kColegio);
            if (!c->decision) {  // the simulator's mistake: the month itself, still open
                CHECK(c->decision.error().code == "presentation.period_open");
                ++early;
                continue;
            }
            CHECK(present->amount == approved_by_all(sim, present->period, present->obra_social));
            CHECK(presented.emplace(to_string(present->period), present->obra_social.value()).second);
        }
        if (std::holds_alternative<DebitPresentation>(c->command)) debited += c->decision ? 1U : 0U;
        if (colegio_command(c->command)) CHECK(c->decision.has_value());
    }
    std::set<std::string> periods;
    for (const auto& [period, os] : presented) periods.insert(period);
    CHECK(periods == std::set<std::string>{"2025-09", "2025-10", "2025-11"});  // December's comes in January
    CHECK(presented.size() >= 6);
    // September's, presented in October's second week, were audited and paid by December.
    const auto& all = sim.ledger(kColegio)->presentations.presentations;
    uint64_t paid = 0;
    for (const auto& [number, p] : all) {
        INFO(number);
        CHECK(p.paid <= p.balance().value());
        if (p.submitted.period == Period{2025, 9}) CHECK(presentation_state(p) == "pagada");
        paid += presentation_state(p) == "pagada" ? 1U : 0U;
    }
    CHECK(paid >= 2);
    CHECK(early + debited > 0);  // with 12 presentations, a mistake or a debit at least
}
