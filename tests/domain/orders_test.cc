#include <catch2/catch.hpp>

#include "fixtures.h"

using namespace liquida::test;

TEST_CASE("O1 an order needs signatures, stamp and the obra social's required data", "[domain][O1]") {
    Ledger l = provider_in_padron();
    const TimestampMs t = at(2025, 6, 3);
    const Date day = date_from_civil(2025, 6, 2);
    LoadOrder o = complete_order("o1", kInsssep, "100100", day);
    o.patient_signature = false;
    CHECK(l.error(o, t) == "order.missing_patient_signature");
    o = complete_order("o1", kInsssep, "100100", day);
    o.professional_signature = false;
    CHECK(l.error(o, t) == "order.missing_professional_signature");
    o = complete_order("o1", kInsssep, "100100", day);
    o.professional_stamp = false;
    CHECK(l.error(o, t) == "order.missing_professional_stamp");
    o = complete_order("o1", kInsssep, "100100", day);
    o.fields.clear();  // InSSSeP requires the credential, SanCor does not
    CHECK(l.error(o, t) == "order.missing_field");
    o.obra_social = kSancor;
    o.practice_code = "330101";
    l.ok(o, t);
    o = complete_order("o2", kSancor, "330101", day);
    o.attention_date.reset();
    CHECK(l.error(o, t) == "order.missing_field");
    // Said in Spanish, next to the field it names.
    const auto missing = l.run(o, t);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "Falta un dato requerido por SanCor Salud: fecha de atención.");
    CHECK(missing.error().field == "fields.attention_date");
    CHECK(l.error(complete_order("o3", kSancor, "33010", day), t) == "order.practice_not_agreed");
    CHECK(l.error(complete_order("o3", kSancor, "3301", day), t) == "order.invalid_practice_code");
    CHECK(l.error(complete_order("o3", kSancor, "330101", date_from_civil(2025, 6, 4)), t) == "order.attention_date_in_future");
    CHECK(l.error(complete_order("o1", kSancor, "330101", day), t) == "order.duplicate_id");
}

TEST_CASE("O1 an order carries the affiliate's name and plan: well formed, and required where the obra social says", "[domain][O1][A1]") {
    Ledger l = provider_in_padron();
    const TimestampMs t = at(2025, 6, 3);
    LoadOrder o = complete_order("o1", kSancor, "330101", date_from_civil(2025, 6, 2));
    o.affiliate_name = "GOMEZ\tANA";
    CHECK(l.error(o, t) == "order.invalid_affiliate_name");
    o.affiliate_name = "GÓMEZ ANA";
    o.plan = std::string(kMaxCodeBytes + 1, 'P');
    CHECK(l.error(o, t) == "order.invalid_plan");
    o.plan = "F800";
    const auto e = l.ok(o, t);
    CHECK(std::get<OrderLoaded>(e.at(0)).affiliate_name == "GÓMEZ ANA");
    CHECK(std::get<OrderLoaded>(e.at(0)).plan == "F800");
    // An obra social that lists them in required_order_fields refuses an order without them.
    Config strict = seed_config();
    for (ObraSocialConfig& os : strict.obras_sociales)
        if (os.id == kSancor) os.required_order_fields = {"affiliate_name", "plan"};
    l.config = &strict;
    LoadOrder bare = complete_order("o2", kSancor, "330101", date_from_civil(2025, 6, 2));
    const auto missing = l.run(bare, t);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "Falta un dato requerido por SanCor Salud: apellido y nombre del afiliado.");
    bare.affiliate_name = "GOMEZ ANA";
    CHECK(l.error(bare, t) == "order.missing_field");
    bare.plan = "SANCOR 3500";
    l.ok(bare, t);
}

TEST_CASE("O1 which marks an order needs is the obra social's: SanCor's psychotherapy takes no patient signature (004)",
          "[domain][O1][seed]") {
    Ledger l = provider_in_padron();
    const TimestampMs t = at(2025, 6, 3);
    const Date day = date_from_civil(2025, 6, 2);
    LoadOrder o = complete_order("o1", kSancor, "330101", day);
    o.patient_signature = false;  // "no se requieren formas del paciente"
    l.ok(o, t);
    o = complete_order("o2", kSancor, "330101", day);
    o.professional_signature = false;
    CHECK(l.error(o, t) == "order.missing_professional_signature");
    o = complete_order("o2", kSancor, "330101", day);
    o.professional_stamp = false;
    CHECK(l.error(o, t) == "order.missing_professional_stamp");
    // An obra social that lists none of them takes an order without any.
    Config none = seed_config();
    none.obras_sociales[0].order_signatures = {false, false, false};
    o = complete_order("o3", kSancor, "330101", day);
    o.patient_signature = o.professional_signature = o.professional_stamp = false;
    CHECK(l.error(o, t) == "order.missing_professional_signature");
    l.config = &none;
    l.ok(o, t);
}

TEST_CASE("O2 the secretaría approves or rejects, a rejected order returns next month", "[domain][O2]") {
    Ledger l = provider_in_padron();
    const Date day = date_from_civil(2025, 6, 2);
    l.ok(complete_order("o1", kSancor, "330101", day), at(2025, 6, 3));
    CHECK(l.error(RejectOrder{"o1", "sin_motivo", ""}, at(2025, 6, 4)) == "order.invalid_reason_code");
    CHECK(l.error(RejectOrder{"o1", "other", ""}, at(2025, 6, 4)) == "order.reason_required");
    l.ok(RejectOrder{"o1", "missing_professional_stamp", "sin sello"}, at(2025, 6, 4));
    CHECK(l.error(ApproveOrder{"o1"}, at(2025, 6, 4)) == "order.not_pending");
    CHECK(l.error(ApproveOrder{"nope"}, at(2025, 6, 4)) == "order.not_found");
    CHECK(l.error(complete_order("o1", kSancor, "330101", day), at(2025, 6, 5)) == "order.resubmit_next_period");
    l.ok(complete_order("o1", kSancor, "330101", day), at(2025, 7, 1));
    l.ok(ApproveOrder{"o1"}, at(2025, 7, 2));
    CHECK(l.state.orders.orders.at("o1").loaded.period == Period{2025, 7});
}

TEST_CASE("O3 days 1 to 5 in Argentina time decide the billing period", "[domain][O3]") {
    Ledger l = provider_in_padron();
    const Date day = date_from_civil(2025, 6, 1);
    // 23:59 local on the 5th is 02:59 UTC on the 6th: still in the window.
    auto e = l.ok(complete_order("in", kSancor, "330101", day), at(2025, 6, 5, 23, 59));
    REQUIRE(e.size() == 1);
    CHECK(std::get<OrderLoaded>(e[0]).period == Period{2025, 6});
    e = l.ok(complete_order("late", kSancor, "330101", day), at(2025, 6, 6, 0, 0));
    REQUIRE(e.size() == 2);
    CHECK(std::get<OrderDeferred>(e[1]).to_period == Period{2025, 7});
    CHECK(l.state.orders.orders.at("late").loaded.period == Period{2025, 7});
    CHECK(billing_period(at(2025, 12, 20), seed_config()) == Period{2026, 1});
}

TEST_CASE("O4 approved orders of the month add up per obra social", "[domain][O4]") {
    Ledger l = provider_in_padron("B");
    const Date day = date_from_civil(2025, 6, 1);
    l.ok(complete_order("a", kSancor, "330101", day), at(2025, 6, 2));
    l.ok(complete_order("b", kSancor, "330101", day), at(2025, 6, 2));
    l.ok(complete_order("c", kInsssep, "050100", day), at(2025, 6, 2));
    l.ok(complete_order("d", kSancor, "330101", day), at(2025, 6, 2));
    for (const char* id : {"a", "b", "c"}) l.ok(ApproveOrder{id}, at(2025, 6, 3));
    // Category B raises SanCor's 15000,00 by 10%.
    CHECK(settlement_of(l.state, Period{2025, 6}, kSancor).value().orders == 2 * 1'650'000);
    CHECK(settlement_of(l.state, Period{2025, 6}, kInsssep).value().orders == 1'080'000);
}

TEST_CASE("P4 on the attention date: attended before enrolling, or while a document had lapsed, is refused", "[domain][P4][O1]") {
    Ledger l = provider_in_padron();  // enrolled, every document approved on 2025-05-02, in force until 2030
    const auto refused = [&](const std::string& id, Date attended, TimestampMs t) {
        const auto d = l.run(complete_order(id, kSancor, "330101", attended), t);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error().code == "order.not_in_padron_that_day");
        CHECK(d.error().field == "attention_date");
        return d.error().message;
    };
    const TimestampMs june = at(2025, 6, 2);
    CHECK(refused("o1", date_from_civil(2025, 5, 1), june) ==
          "El prestador no estaba en el padrón el 2025-05-01: se inscribió el 2025-05-02.");
    l.ok(complete_order("o1", kSancor, "330101", date_from_civil(2025, 5, 2)), june);  // the day it enrolled

    // The seguro lapsed after 2025-06-10, recorded as expired, and a new one was approved on 2025-06-20.
    for (DocumentRecord& d : l.state.provider.documents)
        if (d.uploaded.type == DocumentType::seguro) d.uploaded.expires_on = date_from_civil(2025, 6, 10);
    l.ok(ExpireDocumentsDue{date_from_civil(2025, 6, 20)}, at(2025, 6, 20));
    l.ok(UploadDocument{DocumentType::seguro, "seguro-2", "s3://docs/seguro-2", date_from_civil(2026, 6, 30)}, at(2025, 6, 20));
    l.ok(VerifyDocument{"seguro-2", true, ""}, at(2025, 6, 20));
    const TimestampMs later = at(2025, 6, 25);
    CHECK(refused("o2", date_from_civil(2025, 6, 15), later) ==
          "El prestador no estaba en el padrón el 2025-06-15: documentación SEGURO no aprobada o vencida ese día.");
    l.ok(complete_order("o3", kSancor, "330101", date_from_civil(2025, 6, 10)), later);  // the old one's last day
    l.ok(complete_order("o4", kSancor, "330101", date_from_civil(2025, 6, 20)), later);  // the new one's first
}
