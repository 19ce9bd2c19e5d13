// Sums of centavos in the views are checked (domain/money.h): an event whose amounts do not
// fit int64 stops the runner at its record instead of wrapping a view.
#include <catch2/catch.hpp>

#include <cstdint>

#include "world.h"

using namespace liquida::test;
using liquida::projections::SettlementRow;
using liquida::projections::Tally;

namespace {

constexpr Centavos kMax = INT64_MAX;
constexpr Centavos kMin = INT64_MIN;
const Period kJune{2025, 6};
const ProviderId kProvider{1042};

// A provider with an accepted, ingresada SanCor invoice f1 of 3.000.000, all in the views.
Member with_accepted_invoice(World& w) {
    Member m = with_june_orders(w, kProvider);
    const TimestampMs t = at(2025, 6, 10);
    m.ok(IssueInvoice{"f1", kSancor, ComprobanteType::factura_b, BillingType::original, 17, 4199, "71110383321640", kJune, 3'000'000,
                      date_from_civil(2025, 6, 10), "", "", attachments_for(kSancor)},
         t);
    m.ok(SendInvoice{"f1"}, t);
    m.ok(AcceptInvoice{"f1"}, t);
    w.catch_up();
    return m;
}

// The runner's answer to what the log holds now, and the settlement row it leaves.
std::string catch_up_error(World& w) {
    liquida::projections::Runner runner(*w.log, *w.views);
    auto n = runner.catch_up();
    REQUIRE_FALSE(n.has_value());
    CHECK(n.error().code == liquida::projections::errc::bad_record);
    return n.error().message;
}

std::vector<std::string> shas(World& w) {
    std::vector<std::string> out;
    for (const auto& d : w.views->digests().value()) out.push_back(d.sha256);
    return out;
}

SettlementRow row_with(Centavos collected) {
    SettlementRow r;
    r.period = kJune;
    r.obra_social = kSancor;
    r.collected = collected;
    return r;
}

}  // namespace

TEST_CASE("views: a payment order that overflows an invoice's paid amount stops the runner at its record", "[projections][money]") {
    World w;
    Member m = with_accepted_invoice(w);
    const auto before = shas(w);
    // The finding's event, as a log written before the domain's checks could hold it.
    w.record(m.id,
             {PaymentOrderIssued{kSancor,
                                 "PO-old",
                                 date_from_civil(2025, 6, 11),
                                 kMin + 49,
                                 {PaidInvoice{"f1", 100}, PaidInvoice{"f1", kMax - 50}},
                                 "CR-1",
                                 ""}},
             at(2025, 6, 11));
    const std::string message = catch_up_error(w);
    INFO(message);
    CHECK(message.find("liquida.billing/") != std::string::npos);
    CHECK(message.find("do not fit int64 centavos") != std::string::npos);
    // Nothing of the batch was committed; asking again gives the same answer.
    CHECK(shas(w) == before);
    CHECK(w.views->invoices(liquida::projections::SettlementFilter{{}, {}, kProvider}).value().at(0).paid == 0);
    CHECK(catch_up_error(w) == message);
}

TEST_CASE("views: retentions, payments to the provider and credit notes fold checked", "[projections][money]") {
    SECTION("a retention kind past int64") {
        World w;
        Member m = with_accepted_invoice(w);
        w.record(m.id, {RetentionApplied{kJune, kSancor, RetentionKind::iibb, 1, kMax}}, at(2025, 6, 11));
        w.catch_up();  // alone it fits
        w.record(m.id, {RetentionApplied{kJune, kSancor, RetentionKind::iibb, 1, 1}}, at(2025, 6, 12));
        catch_up_error(w);
        CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).retentions.at(RetentionKind::iibb) == kMax);
    }
    SECTION("retentions of two kinds whose sum does not fit: retained() would overflow") {
        World w;
        Member m = with_accepted_invoice(w);
        w.record(m.id,
                 {RetentionApplied{kJune, kSancor, RetentionKind::iibb, 1, kMax},
                  RetentionApplied{kJune, kSancor, RetentionKind::colegio_fee, 1, 1}},
                 at(2025, 6, 11));
        catch_up_error(w);
    }
    SECTION("paid to the provider") {
        World w;
        Member m = with_accepted_invoice(w);
        w.record(m.id, {ProviderPaid{kJune, kSancor, kMax, kCbu, "tr-1"}, ProviderPaid{kJune, kSancor, 1, kCbu, "tr-2"}}, at(2025, 6, 11));
        catch_up_error(w);
    }
    SECTION("credited on an invoice") {
        World w;
        Member m = with_accepted_invoice(w);
        w.record(
            m.id,
            {CreditNoteIssued{"f1", "nc-1", 17, 1, "71110383321640", kMax}, CreditNoteIssued{"f1", "nc-2", 17, 2, "71110383321640", kMax}},
            at(2025, 6, 11));
        catch_up_error(w);
    }
    SECTION("debits past the invoice's amount the other way: balance() would overflow") {
        World w;
        Member m = with_accepted_invoice(w);
        w.record(m.id, {DebitApplied{"f1", "d1", kMax, "D01", "x", ""}, DebitApplied{"f1", "d2", kMax, "D01", "x", ""}}, at(2025, 6, 11));
        catch_up_error(w);
    }
}

TEST_CASE("views: rows add checked, roll-ups of rows that do not fit together are refused", "[projections][money]") {
    Tally t{1, kMax};
    CHECK_FALSE(t.add(Tally{0, 1}));
    Tally u{1, kMin};
    CHECK_FALSE(u.add(Tally{0, 1}, -1));
    Tally v{2, 10};
    REQUIRE(v.add(Tally{1, 4}, -1));
    CHECK(v == Tally{1, 6});

    SettlementRow a = row_with(kMax);
    CHECK(a.due_to_provider() == kMax);
    a.paid_to_provider = -1;  // not a row the views hold: the derived value says it does not fit
    CHECK_FALSE(a.due_to_provider().has_value());
    CHECK_FALSE(a.fits());
    SettlementRow b = row_with(kMax);
    CHECK_FALSE(b.add(row_with(1)));
    SettlementRow debits;
    debits.debits["D01"] = kMax;
    debits.debits["D07"] = 1;
    CHECK_FALSE(debits.debited().has_value());
    CHECK_FALSE(debits.balance().has_value());
    SettlementRow zero;
    zero.debits["D01"] = 5;
    REQUIRE(zero.add(zero, -1));
    CHECK(zero.debits.empty());  // a reason that comes to zero is dropped

    std::vector<SettlementRow> rows{row_with(kMax), row_with(1)};
    rows[1].provider = ProviderId{7};
    CHECK_FALSE(liquida::projections::checked_roll_up(rows, true).has_value());
    rows[1].collected = 0;
    const auto ok = liquida::projections::checked_roll_up(rows, false);
    REQUIRE(ok.has_value());
    REQUIRE(ok->size() == 1);
    CHECK(ok->at(0).collected == kMax);
}
