// Seeded random command sequences against the invariants of S1-S3, A8, F1 and evolve.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "fixtures.h"

using namespace liquida::test;

namespace {

struct Generator {
    std::mt19937 rng;
    uint64_t next_consumption = 1000;  // each consumption's own number, above the budgets' 1-6
    uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng); }

    Command next(const Ledger& l, TimestampMs now) {
        const std::string inv = "f" + std::to_string(pick(4));
        const TransactionRef t{88, "T", 1 + pick(6)};
        const Period period = billing_period(now, seed_config());
        const Settlement st = settlement_of(l.state, period, kInsssep).value();
        switch (pick(12)) {
            case 0: return complete_order("o" + std::to_string(pick(30)), kInsssep, "050100", local_date(now));
            case 1: return ApproveOrder{"o" + std::to_string(pick(30))};
            case 2: {
                SubmitBudget b = insssep_budget(1 + pick(6));
                b.lines = {BudgetLine{"100100", 18, ""}, BudgetLine{"20800", 25, "O"}};  // items 1-2, as consumed below
                return b;
            }
            case 3: return ConsumePractices{t, {1 + pick(2)}, pick(2) == 0, now - 1000, next_consumption++, true};
            case 4:  // A9: a budget, or a consumption by its own number (whole, or one item)
                if (pick(2) == 0 || next_consumption == 1000) return CancelTransaction{t, "anulada"};
                return CancelTransaction{TransactionRef{88, "T", 1000 + pick(static_cast<uint32_t>(next_consumption - 1000))}, "anulada",
                                         pick(3)};
            case 5:
                return IssueInvoice{inv,
                                    kInsssep,
                                    ComprobanteType::factura_c,
                                    pick(3) == 0 ? BillingType::ajuste : BillingType::original,
                                    1,
                                    1 + pick(1000),
                                    "71110383321640",
                                    period,
                                    st.total - st.invoiced,
                                    local_date(now),
                                    "",
                                    "f" + std::to_string(pick(4)),
                                    attachments_for(kInsssep)};
            case 6: return SendInvoice{inv};
            case 7: return AcceptInvoice{inv};
            case 8: return ApplyDebit{inv, "d" + std::to_string(pick(50)), 1 + pick(2'000'000), "D", "motivo", ""};
            case 9:
                return IssuePaymentOrder{
                    kInsssep, "po" + std::to_string(pick(50)), local_date(now), {PaidInvoice{inv, 1 + pick(3'000'000)}}, "CR", "APB"};
            case 10: return ApplyRetentions{period, kInsssep};
            default: return PayProvider{period, kInsssep, 1 + pick(3'000'000), kCbu, "tr" + std::to_string(pick(1000))};
        }
    }
};

void check_invariants(const Ledger& l, Period period) {
    for (const auto& [id, inv] : l.state.invoices.invoices) {
        REQUIRE(inv.debited().value() <= inv.issued.amount);  // S1
        REQUIRE(inv.paid <= inv.balance().value());           // S2: no payment above balance
    }
    const Settlement st = settlement_of(l.state, period, kInsssep).value();
    REQUIRE(st.total == st.orders + st.consumptions);  // F1
    REQUIRE(st.balance == st.invoiced + st.reinvoiced - st.debits);
    REQUIRE(st.due_to_provider >= 0);  // S3
    REQUIRE(st.due_to_provider == st.collected - st.retentions - st.paid_to_provider);
    // Each item counted once: what its last consumption billed, unless a consumption's or the
    // item's anulación undid it since.
    std::map<std::pair<TransactionKey, uint32_t>, std::pair<Period, Centavos>> billed;
    for (const RecordedEvent& r : l.log) {
        if (const auto* c = std::get_if<PracticeConsumed>(&r.event))
            for (const ConsumedItem& i : c->items) billed[{key_of(c->transaction), i.item}] = {c->period, i.amount};
        if (const auto* c = std::get_if<ConsumptionCancelled>(&r.event))
            for (uint32_t item : c->items) billed.erase({key_of(c->transaction), item});
        if (const auto* c = std::get_if<TransactionCancelled>(&r.event); c && c->item != 0) billed.erase({key_of(c->transaction), c->item});
    }
    Centavos consumed = 0;
    for (const auto& [item, at] : billed)
        if (l.state.authorizations.budgets.at(item.first).status != BudgetStatus::cancelled && at.first == period) consumed += at.second;
    REQUIRE(consumed == st.consumptions);
}

}  // namespace

TEST_CASE("properties: random sequences keep S1-S3, A8 and F1 invariants and replay exactly", "[domain][property][A8][F1][S1][S2][S3]") {
    const int kRuns = 2000;  // thousands of seeded sequences
    const int kSteps = 150;
    int accepted = 0;
    int consumptions_cancelled = 0;
    for (int run = 0; run < kRuns; ++run) {
        Generator g{std::mt19937(static_cast<uint32_t>(run) * 7919U + 1U)};
        Ledger l = provider_in_padron(run % 2 == 0 ? "A" : "C");
        const size_t prefix = l.log.size();
        TimestampMs now = at(2025, 6, 1, 8);
        std::vector<std::pair<TransactionKey, uint32_t>> consumed;
        for (int step = 0; step < kSteps; ++step) {
            now += 60'000 * (1 + g.pick(2000));
            const Command c = g.next(l, now);
            const Decision d = l.run(c, now);
            if (!d) continue;
            ++accepted;
            consumptions_cancelled += !d.value().empty() && std::holds_alternative<ConsumptionCancelled>(d.value().front()) ? 1 : 0;
            for (const Event& e : d.value()) {
                if (const auto* cc = std::get_if<ConsumptionCancelled>(&e)) {  // A9: those items may be consumed again
                    for (uint32_t item : cc->items) std::erase(consumed, std::make_pair(key_of(cc->transaction), item));
                }
                if (const auto* pc = std::get_if<PracticeConsumed>(&e)) {
                    for (const ConsumedItem& i : pc->items) {
                        const auto k = std::make_pair(key_of(pc->transaction), i.item);
                        REQUIRE(std::find(consumed.begin(), consumed.end(), k) == consumed.end());  // A8
                        consumed.push_back(k);
                    }
                }
            }
            check_invariants(l, billing_period(now, seed_config()));
        }
        // Replaying the log through evolve gives the state the decisions saw.
        REQUIRE(replay(l.log) == l.state);
        REQUIRE(replay(std::span(l.log).subspan(prefix)).invoices == l.state.invoices);
    }
    CHECK(accepted > kRuns * 20);
    CHECK(consumptions_cancelled > kRuns / 4);  // the anulación of a consumption is exercised
}
