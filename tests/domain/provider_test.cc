#include <catch2/catch.hpp>

#include "domain/identity.h"
#include "fixtures.h"

using namespace liquida::test;

TEST_CASE("P6 CUIT mod-11 and CBU check digits are validated at the edge", "[domain][P6]") {
    CHECK(normalize_cuit("27-35215358-9") == std::string("27352153589"));  // seed 001
    CHECK_FALSE(valid_cuit("27-35215358-8"));
    CHECK_FALSE(valid_cuit("2735215358"));
    CHECK(valid_cuit("20-00000000-1"));
    for (char d = '0'; d <= '9'; ++d) CHECK_FALSE(valid_cuit(std::string("2000000001") + d));  // check 10
    CHECK(valid_cbu(kCbu));
    CHECK_FALSE(valid_cbu("2850590940090418135202"));
    CHECK_FALSE(valid_cbu("2850591940090418135201"));
    CHECK_FALSE(valid_cbu("285059094009041813520"));

    Ledger l;
    RegisterProvider c{"MP-1", "27-35215358-8", "X", IvaCondition::monotributo, kCbu, "A", false, "", "", ""};
    CHECK(l.error(c, at(2025, 5, 2)) == "provider.invalid_cuit");
    c.cuit = kCuit;
    c.cbu = "2850590940090418135202";
    CHECK(l.error(c, at(2025, 5, 2)) == "provider.invalid_cbu");
    c.cbu = kCbu;
    c.category = "Z";
    CHECK(l.error(c, at(2025, 5, 2)) == "provider.unknown_category");
    c.category = "A";
    const auto events = l.ok(c, at(2025, 5, 2));
    CHECK(std::get<ProviderRegistered>(events.at(0)).cuit == "27352153589");
    CHECK(l.error(c, at(2025, 5, 2)) == "provider.already_registered");
    CHECK(l.error(AdhereToObraSocial{ObraSocialId{"osde"}, "1"}, at(2025, 5, 2)) == "provider.unknown_obra_social");
    l.ok(AdhereToObraSocial{kSancor, "8481"}, at(2025, 5, 2));
    CHECK(l.error(AdhereToObraSocial{kSancor, "8482"}, at(2025, 5, 2)) == "provider.already_adhered");
    CHECK(l.state.provider.provider_numbers.at(kSancor) == "8481");
    l.ok(UpdateProvider{"Nueva razón", IvaCondition::responsable_inscripto, kCbu, "B", "", "", ""}, at(2025, 5, 3));
    CHECK(l.state.provider.identity.category == "B");
}

TEST_CASE("P1/S3 a new CBU takes effect only with a constancia of it approved after the current one", "[domain][P1][S3]") {
    Ledger l = provider_in_padron();  // registered with kCbu, its constancia approved then
    const std::string other = "0140123900000031274858";
    UpdateProvider u{"USAR - PARA PRUEBAS CONECT", IvaCondition::no_alcanzado, other, "A", "", "", ""};
    const auto refused = [&](const UpdateProvider& c, TimestampMs t) {
        const auto d = l.run(c, t);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error().code == "provider.cbu_document_required");
        CHECK(d.error().field == "cbu");
    };
    refused(u, at(2025, 6, 1));
    l.ok(UploadDocument{DocumentType::cbu, "cbu-2", "s3://docs/cbu-2", date_from_civil(2030, 12, 31)}, at(2025, 6, 1));
    refused(u, at(2025, 6, 1));  // uploaded, not yet approved
    l.ok(VerifyDocument{"cbu-2", true, ""}, at(2025, 6, 2));
    l.ok(u, at(2025, 6, 3));
    CHECK(l.state.provider.identity.cbu == other);
    // That constancia is spent: going back needs another; other data need none.
    UpdateProvider back = u;
    back.cbu = kCbu;
    refused(back, at(2025, 6, 4));
    u.phone = "(343) 4000000";
    l.ok(u, at(2025, 6, 4));
}

TEST_CASE("P1 required documents are uploaded then approved or rejected", "[domain][P1]") {
    Ledger l;
    l.ok(RegisterProvider{"MP-1", kCuit, "X", IvaCondition::monotributo, kCbu, "A", false, "", "", ""}, at(2025, 5, 2));
    const TimestampMs t = at(2025, 5, 3);
    CHECK(l.error(UploadDocument{DocumentType::rnp, "d1", "ref", date_from_civil(2025, 5, 2)}, t) == "document.already_expired");
    l.ok(UploadDocument{DocumentType::rnp, "d1", "ref", date_from_civil(2026, 1, 1)}, t);
    CHECK(l.error(UploadDocument{DocumentType::rnp, "d1", "ref", date_from_civil(2026, 1, 1)}, t) == "document.duplicate_id");
    CHECK(l.error(VerifyDocument{"d1", false, ""}, t) == "document.reason_required");
    l.ok(VerifyDocument{"d1", false, "ilegible"}, t);
    CHECK(l.error(VerifyDocument{"d1", true, ""}, t) == "document.already_verified");
    CHECK(l.error(VerifyDocument{"nope", true, ""}, t) == "document.not_found");
    CHECK(missing_document(l.state.provider, local_date(t)) == DocumentType::rnp);
}

TEST_CASE("P2 expiry takes the provider out of the padrón by date alone", "[domain][P2]") {
    Ledger l = provider_in_padron();
    l.ok(UploadDocument{DocumentType::seguro, "seg-short", "ref", date_from_civil(2025, 6, 30)}, at(2025, 5, 2));
    l.ok(VerifyDocument{"seg-short", true, ""}, at(2025, 5, 2));
    // Replace the long policy: only the short one remains in force.
    l.state.provider.documents.erase(l.state.provider.documents.begin() + 3);
    CHECK(in_padron(l.state.provider, date_from_civil(2025, 6, 30)));
    CHECK_FALSE(in_padron(l.state.provider, date_from_civil(2025, 7, 1)));
    const auto events = l.ok(ExpireDocumentsDue{date_from_civil(2025, 7, 1)}, at(2025, 7, 1));
    REQUIRE(events.size() == 1);
    CHECK(std::get<DocumentExpired>(events[0]).expired_on == date_from_civil(2025, 7, 1));
    CHECK(l.ok(ExpireDocumentsDue{date_from_civil(2025, 7, 2)}, at(2025, 7, 2)).empty());
}

TEST_CASE("P3 padrón opens in May and September, any time for the recién matriculado", "[domain][P3]") {
    for (const bool recien : {false, true}) {
        Ledger l = provider_in_padron();
        l.ok(LeavePadron{"baja"}, at(2025, 6, 1));
        l.state.provider.identity.recien_matriculado = recien;
        if (recien) {
            const auto e = l.ok(EnrollInPadron{}, at(2025, 6, 10));
            CHECK(std::get<PadronEnrolled>(e.at(0)).outside_window);
        } else {
            CHECK(l.error(EnrollInPadron{}, at(2025, 6, 10)) == "padron.window_closed");
            CHECK_FALSE(std::get<PadronEnrolled>(l.ok(EnrollInPadron{}, at(2025, 9, 1)).at(0)).outside_window);
            CHECK(l.error(EnrollInPadron{}, at(2025, 9, 2)) == "padron.already_enrolled");
        }
    }
    Ledger bare;
    bare.ok(RegisterProvider{"MP-1", kCuit, "X", IvaCondition::monotributo, kCbu, "A", false, "", "", ""}, at(2025, 5, 2));
    CHECK(bare.error(EnrollInPadron{}, at(2025, 5, 2)) == "padron.documents_missing");
}

TEST_CASE("P4 no order, budget or invoice from a provider outside the padrón", "[domain][P4]") {
    Ledger l = provider_in_padron();
    l.ok(LeavePadron{"baja"}, at(2025, 6, 1));
    const TimestampMs t = at(2025, 6, 2);
    CHECK(l.error(complete_order("o1", kSancor, "330101", date_from_civil(2025, 6, 1)), t) == "order.provider_not_in_padron");
    CHECK(
        l.error(
            SubmitBudget{1, kInsssep, "51868", "59790", "", "", "K029", DiagnosisType::definitivo, {BudgetLine{"100100", 18, ""}}, "", {}},
            t) == "budget.provider_not_in_padron");
    CHECK(l.error(IssueInvoice{"f1",
                               kSancor,
                               ComprobanteType::factura_c,
                               BillingType::original,
                               1,
                               1,
                               "71110383321640",
                               Period{2025, 6},
                               100,
                               date_from_civil(2025, 6, 1),
                               "",
                               "",
                               {}},
                  t) == "invoice.provider_not_in_padron");
}

TEST_CASE("P5 a provider may leave the padrón", "[domain][P5]") {
    Ledger l = provider_in_padron();
    const auto e = l.ok(LeavePadron{"jubilación"}, at(2025, 8, 1));
    CHECK(std::get<PadronLeft>(e.at(0)).left_on == date_from_civil(2025, 8, 1));
    CHECK_FALSE(in_padron(l.state.provider, date_from_civil(2025, 8, 1)));
    CHECK(l.error(LeavePadron{"otra"}, at(2025, 8, 2)) == "padron.not_enrolled");
}
