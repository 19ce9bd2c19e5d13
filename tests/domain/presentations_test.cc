#include <catch2/catch.hpp>

#include "fixtures.h"

using namespace liquida::test;

namespace {

const Period kJune{2025, 6};

PresentBilling june_to_sancor(std::string number, Centavos amount) { return {std::move(number), kSancor, kJune, amount}; }

PayPresentation payment(std::string order, Centavos amount) {
    return {"P-2025-06/1", "APB", std::move(order), date_from_civil(2025, 8, 20), amount, "RC-2025-0820"};
}

}  // namespace

TEST_CASE("F6 the colegio presents a closed period to an obra social once, under a number of its own", "[domain][F6]") {
    Ledger colegio;  // kColegio's ledger: no provider in it
    // O3: June receives orders through the 5th (Argentina time); its billing is whole after that.
    CHECK(colegio.error(june_to_sancor("P-2025-06/1", 3'000'000), at(2025, 6, 5, 23, 59)) == "presentation.period_open");
    CHECK(colegio.error(PresentBilling{"P-2025-07/1", kSancor, Period{2025, 7}, 1}, at(2025, 6, 6)) == "presentation.period_open");
    const TimestampMs t = at(2025, 6, 6);
    for (const char* bad : {"", "P 1", "P.1", "P-2025-06/0000000001x"}) {
        INFO(bad);
        CHECK(colegio.error(june_to_sancor(bad, 3'000'000), t) == "presentation.invalid_number");
    }
    CHECK(colegio.error(PresentBilling{"P-1", ObraSocialId{"osde"}, kJune, 1}, t) == "presentation.unknown_obra_social");
    CHECK(colegio.error(june_to_sancor("P-2025-06/1", 0), t) == "presentation.amount_not_positive");

    const auto events = colegio.ok(june_to_sancor("P-2025-06/1", 3'000'000), t);
    REQUIRE(events.size() == 1);
    const auto& submitted = std::get<PresentationSubmitted>(events[0]);
    CHECK(submitted.presented_on == date_from_civil(2025, 6, 6));
    CHECK(submitted.amount == 3'000'000);
    const PresentationRecord& p = colegio.state.presentations.presentations.at("P-2025-06/1");
    CHECK(presentation_state(p) == "presentada");
    CHECK(p.outstanding() == 3'000'000);

    CHECK(colegio.error(PresentBilling{"P-2025-06/1", kIoma, kJune, 1}, t) == "presentation.duplicate");
    CHECK(colegio.error(june_to_sancor("P-2025-06/2", 1), t) == "presentation.already_presented");
    colegio.ok(PresentBilling{"P-2025-06/2", kIoma, kJune, 1}, t);  // another obra social, its own presentation
    colegio.ok(PresentBilling{"P-2025-05/1", kSancor, Period{2025, 5}, 1}, t);
}

TEST_CASE("F6 the insurer debits a presentation in its audit, approves it, then pays it, never above what is owed",
          "[domain][F6][S1][S2]") {
    Ledger colegio;
    const TimestampMs t = at(2025, 7, 8);
    colegio.ok(june_to_sancor("P-2025-06/1", 3'000'000), t);
    CHECK(colegio.error(DebitPresentation{"P-9", "d-1", 1, "D01", "Falta firma"}, t) == "presentation.not_found");
    CHECK(colegio.error(payment("OP-1", 1), t) == "presentation.not_approved");
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "", 1, "D01", "Falta firma"}, t) == "debit.id_required");
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "d-1", 0, "D01", "Falta firma"}, t) == "debit.amount_not_positive");
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "d-1", 3'000'001, "D01", "Falta firma"}, t) == "debit.exceeds_balance");
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "d-1", 1, "D01", ""}, t) == "debit.reason_required");
    colegio.ok(DebitPresentation{"P-2025-06/1", "d-1", 200'000, "D01", "Orden sin firma del afiliado"}, t);
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "d-1", 1, "D01", "otra"}, t) == "debit.duplicate_id");
    colegio.ok(DebitPresentation{"P-2025-06/1", "d-2", 100'000, "D02", "Práctica no convenida"}, t);

    const PresentationRecord& p = colegio.state.presentations.presentations.at("P-2025-06/1");
    CHECK(p.debited == 300'000);
    CHECK(p.balance() == 2'700'000);

    colegio.ok(ApprovePresentation{"P-2025-06/1"}, t);
    CHECK(presentation_state(p) == "aprobada");
    CHECK(colegio.error(ApprovePresentation{"P-2025-06/1"}, t) == "presentation.already_approved");
    CHECK(colegio.error(DebitPresentation{"P-2025-06/1", "d-3", 1, "D01", "tarde"}, t) == "presentation.already_approved");

    CHECK(colegio.error(payment("", 1), t) == "payment_order.id_required");
    CHECK(colegio.error(PayPresentation{"P-2025-06/1", "apb", "OP-1", date_from_civil(2025, 8, 20), 1, "RC"}, t) ==
          "payment_order.invalid_type");
    CHECK(colegio.error(PayPresentation{"P-2025-06/1", "APB", "OP-1", date_from_civil(2025, 8, 20), 1, ""}, t) ==
          "payment_order.retention_certificate_required");
    CHECK(colegio.error(PayPresentation{"P-2025-06/1", "APB", "OP-1", date_from_civil(2025, 7, 7), 1, "RC"}, t) ==
          "presentation.paid_before_presented");  // presented on 8 July
    CHECK(colegio.error(payment("OP-1", 0), t) == "payment_order.amount_not_positive");
    CHECK(colegio.error(payment("OP-1", 2'700'001), t) == "payment_order.exceeds_balance");
    colegio.ok(payment("OP-1", 2'000'000), t);
    CHECK(colegio.error(payment("OP-1", 1), t) == "payment_order.duplicate");
    CHECK(colegio.error(payment("OP-2", 700'001), t) == "payment_order.exceeds_balance");
    colegio.ok(payment("OP-2", 700'000), t);
    CHECK(p.paid == 2'700'000);
    CHECK(p.outstanding() == 0);
    CHECK(presentation_state(p) == "pagada");
    CHECK(colegio.error(payment("OP-3", 1), t) == "payment_order.exceeds_balance");

    // The fold of the log is the ledger the decisions saw.
    CHECK(replay(colegio.log).presentations == colegio.state.presentations);
}
