#include <catch2/catch.hpp>

#include "fixtures.h"

using namespace liquida::test;

namespace {

const Period kJune{2025, 6};

// Two approved SanCor orders in June: 30000,00 to bill.
Ledger with_june_orders() {
    Ledger l = provider_in_padron();
    for (const char* id : {"a", "b"}) {
        l.ok(complete_order(id, kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
        l.ok(ApproveOrder{id}, at(2025, 6, 3));
    }
    return l;
}

void accept(Ledger& l, const std::string& id, TimestampMs t) {
    l.ok(SendInvoice{id}, t);
    l.ok(AcceptInvoice{id}, t);
    l.ok(IngresarInvoice{id}, t);
}

}  // namespace

TEST_CASE("F1 the invoice must equal the settlement total of its period and obra social", "[domain][F1]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    CHECK(l.error(sancor_invoice("f1", 2'999'999), t) == "invoice.amount_mismatch");
    IssueInvoice other = sancor_invoice("f1", 100);
    other.obra_social = kInsssep;
    other.attachments = attachments_for(kInsssep);
    CHECK(l.error(other, t) == "invoice.nothing_to_bill");
    l.ok(sancor_invoice("f1", 3'000'000), t);
    CHECK(l.error(sancor_invoice("f2", 3'000'000, 4200), t) == "invoice.already_invoiced");
    const Settlement st = settlement_of(l.state, kJune, kSancor).value();
    CHECK(st.total == st.orders + st.consumptions);
    CHECK(st.invoiced == st.total);
}

TEST_CASE("F2 invoice fields, seed 003 IOMA Ajuste names the invoice it adjusts", "[domain][F2][seed]") {
    Ledger l = provider_in_padron();
    in_padron_since(l, date_from_civil(2021, 1, 4));
    const Period feb{2021, 2};
    l.ok(complete_order("cd-1", kIoma, "990101", date_from_civil(2021, 2, 1)), at(2021, 2, 2));
    l.state.provider.enrolled = true;
    l.ok(ApproveOrder{"cd-1"}, at(2021, 2, 3));
    IssueInvoice original{"ioma-84",
                          kIoma,
                          ComprobanteType::factura_c,
                          BillingType::original,
                          2,
                          84,
                          "71110383321630",
                          feb,
                          35'596'800,
                          date_from_civil(2021, 2, 10),
                          "",
                          "",
                          attachments_for(kIoma)};
    const TimestampMs t = at(2021, 3, 18);
    CHECK(l.error(original, t) == "invoice.authorization_required");
    original.authorization = "01-001-0000001-20";  // not the acta's "xx xxx xxxxxxx xx"
    CHECK(l.error(original, t) == "invoice.acta_not_found");
    l.ok(IssueActa{"01 001 0000001 20", kIoma, "", "CUIDADOR DOMICILIARIO", 2 * 35'596'800}, at(2021, 2, 9));
    original.authorization = "01 001 0000001 20";
    original.attachments.pop_back();
    CHECK(l.error(original, t) == "invoice.attachment_missing");
    original.attachments = attachments_for(kIoma);
    l.ok(original, t);
    // A later order of February raises the settlement: an Ajuste bills the difference.
    l.ok(complete_order("cd-2", kIoma, "990101", date_from_civil(2021, 2, 1)), at(2021, 2, 4));
    l.ok(ApproveOrder{"cd-2"}, at(2021, 2, 5));
    IssueInvoice ajuste{"ioma-85",
                        kIoma,
                        ComprobanteType::factura_c,
                        BillingType::ajuste,
                        2,
                        85,
                        "7111038332164",
                        feb,
                        35'596'800,
                        date_from_civil(2021, 3, 18),
                        "01 001 0000001 20",
                        "",
                        attachments_for(kIoma)};
    CHECK(l.error(ajuste, t) == "invoice.invalid_cae");  // the seed's CAE has 13 digits; IOMA's form flags it too
    ajuste.cae = "71110383321640";
    CHECK(l.error(ajuste, t) == "invoice.adjusted_invoice_required");
    ajuste.adjusts_invoice = "ioma-84";
    ajuste.punto_de_venta = 100'000;
    CHECK(l.error(ajuste, t) == "invoice.invalid_punto_de_venta");
    ajuste.punto_de_venta = 2;
    ajuste.number = 100'000'000;
    CHECK(l.error(ajuste, t) == "invoice.invalid_number");
    ajuste.number = 84;
    CHECK(l.error(ajuste, t) == "invoice.duplicate_number");
    ajuste.number = 85;
    const auto e = l.ok(ajuste, t);
    const auto& issued = std::get<InvoiceIssued>(e.at(0));
    CHECK(invoice_label(issued) == "C 00002-00000085");
    CHECK(issued.adjusts_invoice == "ioma-84");
    CHECK(issued.period == feb);
}

TEST_CASE("F2 seed 003: an IOMA acta de autorización, its number xx xxx xxxxxxx xx, and what may be issued of it", "[domain][F2][seed]") {
    Ledger l = provider_in_padron();
    const TimestampMs t = at(2025, 6, 2);
    IssueActa acta{"21 054 0731206 11", kIoma, "", "CUIDADOR DOMICILIARIO", 35'596'800};  // "Monto Total del Trámite: 355968"
    for (const char* bad : {"21-054-0731206-11", "21 054 731206 11", "21 054 0731206 1", "2a 054 0731206 11", ""}) {
        INFO(bad);
        IssueActa typed = acta;
        typed.acta = bad;
        CHECK(l.error(typed, t) == "acta.invalid_number");
    }
    IssueActa other = acta;
    other.obra_social = kSancor;  // SanCor bills its authorizations, not actas
    CHECK(l.error(other, t) == "acta.not_billed_by_acta");
    other.obra_social = ObraSocialId{"osde"};
    CHECK(l.error(other, t) == "acta.unknown_obra_social");
    other = acta;
    other.tipo_prestacion.clear();
    CHECK(l.error(other, t) == "acta.prestacion_required");
    other = acta;
    other.total = 0;
    CHECK(l.error(other, t) == "acta.total_not_positive");
    CHECK(std::get<ActaIssued>(l.ok(acta, t).at(0)) == ActaIssued{"21 054 0731206 11", kIoma, "", "CUIDADOR DOMICILIARIO", 35'596'800});
    CHECK(l.error(acta, t) == "acta.duplicate");
    Ledger stranger;
    CHECK(stranger.error(acta, t) == "acta.provider_not_registered");
}

TEST_CASE("F2 seed 003: an IOMA invoice bills its acta, once per period, together at most its total, and an Ajuste bills the $29 left",
          "[domain][F2][seed]") {
    Ledger l = provider_in_padron();
    l.ok(complete_order("cd-1", kIoma, "990101", date_from_civil(2025, 6, 2)), at(2025, 6, 2));
    l.ok(complete_order("cd-2", kIoma, "990101", date_from_civil(2025, 6, 3)), at(2025, 6, 3));
    l.ok(ApproveOrder{"cd-1"}, at(2025, 6, 4));
    l.ok(ApproveOrder{"cd-2"}, at(2025, 6, 4));
    const Period june{2025, 6};
    l.ok(IssueActa{"21 054 0731206 11", kIoma, "", "CUIDADOR DOMICILIARIO", 35'596'800}, at(2025, 6, 5));
    l.ok(IssueActa{"21 054 0731207 12", kIoma, "", "CUIDADOR DOMICILIARIO", 35'596'800}, at(2025, 6, 5));
    const auto invoice = [&](std::string id, BillingType billing, uint32_t number, Centavos amount, std::string acta,
                             std::string adjusts = "") {
        return IssueInvoice{std::move(id),
                            kIoma,
                            ComprobanteType::factura_c,
                            billing,
                            2,
                            number,
                            "71110383321640",
                            june,
                            amount,
                            date_from_civil(2025, 7, 2),
                            std::move(acta),
                            std::move(adjusts),
                            attachments_for(kIoma)};
    };
    const TimestampMs t = at(2025, 7, 2);
    // More than the acta: refused, with what is left of it.
    CHECK(l.error(invoice("f-84", BillingType::original, 84, 35'596'801, "21 054 0731206 11"), t) == "invoice.exceeds_acta");
    CHECK(l.error(invoice("f-84", BillingType::original, 84, 35'593'900, "21 054 0731299 11"), t) == "invoice.acta_not_found");
    // The seed's Original billed $29 less than its acta ($355.968).
    l.ok(invoice("f-84", BillingType::original, 84, 35'593'900, "21 054 0731206 11"), t);
    CHECK(l.error(invoice("f-86", BillingType::original, 86, 1'000, "21 054 0731206 11"), t) == "invoice.already_invoiced");
    // An Ajuste adjusts an invoice of its own acta.
    CHECK(l.error(invoice("f-85", BillingType::ajuste, 85, 2'900, "21 054 0731207 12", "f-84"), t) == "invoice.adjusted_invoice_not_found");
    // Another acta of the same period has its own Original.
    l.ok(invoice("f-87", BillingType::original, 87, 35'596'800, "21 054 0731207 12"), t);
    // The Ajuste bills the difference against the invoice it adjusts.
    const auto over = l.run(invoice("f-85", BillingType::ajuste, 85, 3'000, "21 054 0731206 11", "f-84"), t);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().code == "invoice.exceeds_acta");
    CHECK(over.error().message.find("2900 centavos") != std::string::npos);
    l.ok(invoice("f-85", BillingType::ajuste, 85, 2'900, "21 054 0731206 11", "f-84"), t);  // "Importe: 29"
    const Settlement st = settlement_of(l.state, june, kIoma).value();
    CHECK(st.invoiced == st.total);
    CHECK(billed_on_acta(l.state.invoices, "21 054 0731206 11") == 35'596'800);
    // A rejected invoice frees its acta for a new Original.
    l.ok(SendInvoice{"f-87"}, t);
    l.ok(RejectInvoice{"f-87", "Planilla ilegible"}, t);
    CHECK(billed_on_acta(l.state.invoices, "21 054 0731207 12") == 0);
    l.ok(invoice("f-88", BillingType::original, 88, 35'596'800, "21 054 0731207 12"), t);
}

TEST_CASE("F2 the letter follows the provider's IVA condition, and seed 001's No Alcanzado provider issues B and E", "[domain][F2][seed]") {
    const TimestampMs t = at(2025, 6, 10);
    const auto with_iva = [&](IvaCondition iva) {
        Ledger l = with_june_orders();  // the seed's own provider, "Condición IVA: No Alcanzado"
        l.state.provider.identity.iva = iva;
        return l;
    };
    const auto issued = [&](IvaCondition iva, ComprobanteType letter) {
        Ledger l = with_iva(iva);
        IssueInvoice f = sancor_invoice("f1", 3'000'000);
        f.comprobante = letter;
        if (letter == ComprobanteType::resumen_x) f.cae.clear();  // not a fiscal invoice
        return l.run(f, t);
    };
    using enum ComprobanteType;
    const std::pair<IvaCondition, std::vector<ComprobanteType>> may[] = {
        {IvaCondition::responsable_inscripto, {factura_a, factura_b, factura_m, factura_e, resumen_x}},
        {IvaCondition::monotributo, {factura_c, factura_e, resumen_x}},
        {IvaCondition::exento, {factura_c, factura_e, resumen_x}},
        {IvaCondition::consumidor_final, {}},
        {IvaCondition::no_alcanzado, {factura_b, factura_c, factura_e, resumen_x}},
    };
    for (const auto& [iva, letters] : may)
        for (const auto letter : {factura_a, factura_b, factura_c, factura_e, factura_m, resumen_x}) {
            INFO(static_cast<int>(iva) << " " << comprobante_letter(letter));
            const auto d = issued(iva, letter);
            const bool allowed = std::find(letters.begin(), letters.end(), letter) != letters.end();
            CHECK(d.has_value() == allowed);
            if (!d) CHECK(d.error().code == "invoice.letter_not_allowed");
        }
    // The refusal says what the provider may issue, next to the field.
    const auto refused = issued(IvaCondition::monotributo, factura_b);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "Un prestador Monotributo no emite factura B (emite C, E, X).");
    CHECK(refused.error().field == "comprobante");
    CHECK(issued(IvaCondition::consumidor_final, factura_c).error().message == "Un prestador Consumidor final no emite factura C.");
    CHECK(issued(IvaCondition::monotributo, factura_m).error().message == "Un prestador Monotributo no emite factura M (emite C, E, X).");
}

TEST_CASE("F2 a Resumen/Pre-Liquidación X, as seed 001's provider sends, carries no CAE and is no refacturación", "[domain][F2][seed]") {
    const TimestampMs t = at(2025, 6, 10);
    Ledger l = with_june_orders();
    IssueInvoice x = sancor_invoice("x1", 3'000'000);
    x.comprobante = ComprobanteType::resumen_x;
    x.punto_de_venta = 1;
    x.number = 210'487;
    CHECK(l.error(x, t) == "invoice.cae_not_allowed");  // the factura's CAE left on a resumen
    CHECK(l.run(x, t).error().field == "cae");
    x.cae.clear();
    x.billing = BillingType::refacturacion;
    const auto refacturada = l.run(x, t);
    REQUIRE_FALSE(refacturada.has_value());
    CHECK(refacturada.error().code == "invoice.resumen_not_allowed");
    CHECK(refacturada.error().field == "comprobante");
    x.billing = BillingType::original;
    const auto e = l.ok(x, t);
    CHECK(invoice_label(std::get<InvoiceIssued>(e.at(0))) == "X 00001-00210487");
    // A factura still needs its CAE.
    IssueInvoice b = sancor_invoice("b1", 1);
    b.cae.clear();
    CHECK(l.error(b, t) == "invoice.invalid_cae");
}

TEST_CASE("F3 invoice states and illegal transitions", "[domain][F3]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    l.ok(sancor_invoice("f1", 3'000'000), t);
    CHECK(l.error(AcceptInvoice{"f1"}, t) == "invoice.illegal_transition");
    CHECK(l.error(IngresarInvoice{"f1"}, t) == "invoice.illegal_transition");
    l.ok(SendInvoice{"f1"}, t);
    CHECK(l.error(SendInvoice{"f1"}, t) == "invoice.illegal_transition");
    CHECK(l.error(ObserveInvoice{"f1", ""}, t) == "invoice.reason_required");
    l.ok(ObserveInvoice{"f1", "falta planilla"}, t);
    l.ok(SendInvoice{"f1"}, t);
    l.ok(AcceptInvoice{"f1"}, t);
    CHECK(l.error(RejectInvoice{"f1", "tarde"}, t) == "invoice.illegal_transition");
    l.ok(IngresarInvoice{"f1"}, t);
    CHECK(l.state.invoices.invoices.at("f1").status == InvoiceStatus::ingresada);
    CHECK(l.error(SendInvoice{"nope"}, t) == "invoice.not_found");
    // A rejected invoice frees its period for a new Original.
    Ledger r = with_june_orders();
    r.ok(sancor_invoice("f1", 3'000'000), t);
    r.ok(SendInvoice{"f1"}, t);
    r.ok(RejectInvoice{"f1", "mal confeccionada"}, t);
    r.ok(sancor_invoice("f2", 3'000'000, 4200), t);
}

TEST_CASE("F4 seed 001 SanCor listing: amount, debits, balance, due date", "[domain][F4][seed]") {
    Ledger l = provider_in_padron();
    in_padron_since(l, date_from_civil(2021, 1, 4));
    // 3.133.671,76 billed for November 2021, received 08-11-2021, due 60 days later.
    l.state.orders.orders["x"] = OrderRecord{
        OrderLoaded{"x", kSancor, "1", "330101", date_from_civil(2021, 11, 1), 313'367'176, Period{2021, 11}, true, true, true, {}},
        OrderStatus::approved, ""};
    IssueInvoice f{"b-4199",
                   kSancor,
                   ComprobanteType::factura_b,
                   BillingType::original,
                   17,
                   4199,
                   "71110383321640",
                   Period{2021, 11},
                   313'367'176,
                   date_from_civil(2021, 11, 5),
                   "",
                   "",
                   attachments_for(kSancor)};
    l.ok(f, at(2021, 11, 8));
    l.ok(SendInvoice{"b-4199"}, at(2021, 11, 8));
    const auto rows = invoice_listing(l.state, date_from_civil(2021, 12, 1), seed_config()).value();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].invoice == "B 00017-00004199");
    CHECK(rows[0].amount == 313'367'176);
    CHECK(rows[0].debits == 0);
    CHECK(rows[0].outstanding == 313'367'176);
    CHECK(rows[0].received_on == date_from_civil(2021, 11, 8));
    CHECK(rows[0].due_on == date_from_civil(2022, 1, 7));
    CHECK(invoice_listing(l.state, date_from_civil(2022, 5, 9), seed_config()).value().empty());  // older than six months
    // A small one falls due in 15 days: B 00017-00004171, $8.673, received 16-11-2021, due 01-12-2021.
    l.state.orders.orders["y"] =
        OrderRecord{OrderLoaded{"y", kSancor, "1", "330101", date_from_civil(2021, 10, 1), 867'300, Period{2021, 10}, true, true, true, {}},
                    OrderStatus::approved, ""};
    f = IssueInvoice{"b-4171",
                     kSancor,
                     ComprobanteType::factura_b,
                     BillingType::original,
                     17,
                     4171,
                     "71110383321641",
                     Period{2021, 10},
                     867'300,
                     date_from_civil(2021, 11, 5),
                     "",
                     "",
                     attachments_for(kSancor)};
    l.ok(f, at(2021, 11, 16));
    l.ok(SendInvoice{"b-4171"}, at(2021, 11, 16));
    const auto small = invoice_listing(l.state, date_from_civil(2021, 12, 1), seed_config()).value();
    const auto b4171 = std::find_if(small.begin(), small.end(), [](const InvoiceRow& r) { return r.invoice == "B 00017-00004171"; });
    REQUIRE(b4171 != small.end());
    CHECK(b4171->due_on == date_from_civil(2021, 12, 1));
    // The terms follow the amount: 20,000 pesos is still short, a centavo more is not.
    CHECK(seed_config().due_on(kSancor, date_from_civil(2021, 11, 16), 2'000'000) == date_from_civil(2021, 12, 1));
    CHECK(seed_config().due_on(kSancor, date_from_civil(2021, 11, 16), 2'000'001) == date_from_civil(2022, 1, 15));
    CHECK(seed_config().due_on(kInsssep, date_from_civil(2021, 11, 16), 1) == date_from_civil(2021, 12, 16));  // none: 30 days
}

TEST_CASE("F5 pending submissions: credit note owed, re-invoicing allowed", "[domain][F5]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    l.ok(sancor_invoice("f1", 3'000'000), t);
    accept(l, "f1", t);
    l.ok(ApplyDebit{"f1", "d1", 500'000, "D01", "sesión sin planilla", "PD-1"}, t);
    auto pending = pending_submissions(l.state).value();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].kind == "nota_de_credito");
    CHECK(l.error(IssueCreditNote{"f1", "nc1", 17, 1, "71110383321640", 500'001}, t) == "credit_note.exceeds_debits");
    l.ok(IssueCreditNote{"f1", "nc1", 17, 1, "71110383321640", 500'000}, t);
    l.ok(ResolveDebitAnalysis{"f1", "d1", true}, t);
    pending = pending_submissions(l.state).value();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].kind == "refacturacion");
    CHECK(pending[0].amount == 500'000);
}

TEST_CASE("S1 debits lower the balance, re-invoicing follows an approved analysis", "[domain][S1]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    l.ok(sancor_invoice("f1", 3'000'000), t);
    CHECK(l.error(ApplyDebit{"f1", "d1", 1, "D", "x", ""}, t) == "debit.invoice_not_in_audit");
    accept(l, "f1", t);
    CHECK(l.error(ApplyDebit{"f1", "d1", 3'000'001, "D", "x", ""}, t) == "debit.exceeds_balance");
    CHECK(l.error(ApplyDebit{"f1", "d1", 0, "D", "x", ""}, t) == "debit.amount_not_positive");
    l.ok(ApplyDebit{"f1", "d1", 1'000'000, "D01", "falta firma", "PD-7"}, t);
    CHECK(l.state.invoices.invoices.at("f1").balance() == 2'000'000);
    IssueInvoice refac = sancor_invoice("r1", 1'000'000, 4300);
    refac.billing = BillingType::refacturacion;
    refac.adjusts_invoice = "f1";
    CHECK(l.error(refac, t) == "invoice.debit_analysis_not_approved");
    l.ok(ResolveDebitAnalysis{"f1", "d1", true}, t);
    CHECK(l.error(ResolveDebitAnalysis{"f1", "d1", false}, t) == "debit.already_resolved");
    refac.amount = 999'999;
    CHECK(l.error(refac, t) == "invoice.amount_mismatch");
    refac.amount = 1'000'000;
    l.ok(refac, t);
    CHECK(l.error(refac, t) == "invoice.duplicate_id");
    const Settlement st = settlement_of(l.state, kJune, kSancor).value();
    CHECK(st.balance == 3'000'000);  // 3.000.000 - 1.000.000 + 1.000.000 re-invoiced
}

TEST_CASE("S2 payment orders pay no more than the balance", "[domain][S2]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    l.ok(sancor_invoice("f1", 3'000'000), t);
    IssuePaymentOrder po{kSancor, "10118036", date_from_civil(2025, 8, 1), {PaidInvoice{"f1", 1'000'000}}, "CR-1", "APB"};
    CHECK(l.error(po, t) == "payment_order.invoice_not_payable");
    accept(l, "f1", t);
    l.ok(ApplyDebit{"f1", "d1", 1'000'000, "D01", "x", "PD"}, t);
    po.retention_certificate = "";
    CHECK(l.error(po, t) == "payment_order.retention_certificate_required");
    po.retention_certificate = "CR-1";
    po.invoices = {PaidInvoice{"f1", 2'000'001}};
    CHECK(l.error(po, t) == "payment_order.exceeds_balance");
    po.invoices = {PaidInvoice{"f1", 1'500'000}, PaidInvoice{"f1", 500'000}};  // one line per invoice
    CHECK(l.error(po, t) == "payment_order.duplicate_invoice");
    po.invoices = {PaidInvoice{"f1", 2'000'000}};
    for (const char* bad : {"apb", "APB-1", "ABCDEFGHI"}) {  // capital letters or digits, at most 8
        po.payment_order_type = bad;
        CHECK(l.error(po, t) == "payment_order.invalid_type");
    }
    po.payment_order_type = "APB";
    const auto e = l.ok(po, t);
    CHECK(std::get<PaymentOrderIssued>(e.at(0)).amount == 2'000'000);
    CHECK(std::get<PaymentOrderIssued>(e.at(0)).payment_order_type == "APB");
    CHECK(l.error(po, t) == "payment_order.duplicate");
    const auto row = invoice_listing(l.state, date_from_civil(2025, 7, 1), seed_config()).value().at(0);
    CHECK(row.state == "cancelado");
    CHECK(row.outstanding == 0);  // F4: Saldo net of what was paid
    CHECK(row.payment_order == "APB 10118036");
}

TEST_CASE("S3 retentions as rates or fixed, net paid only to the declared CBU", "[domain][S3]") {
    Ledger l = with_june_orders();
    const TimestampMs t = at(2025, 6, 10);
    CHECK(l.error(ApplyRetentions{kJune, kSancor}, t) == "retention.nothing_collected");
    l.ok(sancor_invoice("f1", 3'000'000), t);
    accept(l, "f1", t);
    l.ok(IssuePaymentOrder{kSancor, "PO-1", date_from_civil(2025, 8, 1), {PaidInvoice{"f1", 3'000'000}}, "CR", ""}, t);
    CHECK(l.error(PayProvider{kJune, kSancor, 1, kCbu, "tr-1"}, t) == "provider_payment.retentions_pending");
    const auto e = l.ok(ApplyRetentions{kJune, kSancor}, t);
    REQUIRE(e.size() == 3);
    CHECK(std::get<RetentionApplied>(e[0]).amount == 150'000);  // 5% colegio
    CHECK(std::get<RetentionApplied>(e[1]).amount == 75'000);   // 2.5% IIBB
    CHECK(std::get<RetentionApplied>(e[2]).amount == 150'000);  // fixed
    const Settlement st = settlement_of(l.state, kJune, kSancor).value();
    CHECK(st.due_to_provider == 3'000'000 - 375'000);
    CHECK(l.error(PayProvider{kJune, kSancor, 100, "0110599520000012345676", "tr-1"}, t) == "provider_payment.invalid_cbu");
    Ledger other = l;
    other.state.provider.identity.cbu = "0000000000000000000000";
    CHECK(other.error(PayProvider{kJune, kSancor, 100, kCbu, "tr-1"}, t) == "provider_payment.cbu_mismatch");
    CHECK(l.error(PayProvider{kJune, kSancor, st.due_to_provider + 1, kCbu, "tr-1"}, t) == "provider_payment.exceeds_due");
    l.ok(PayProvider{kJune, kSancor, st.due_to_provider, kCbu, "tr-1"}, t);
    CHECK(settlement_of(l.state, kJune, kSancor).value().due_to_provider == 0);
}

TEST_CASE("F4 state: the F3 status, or cancelado once an invoice not rejected is paid in full", "[domain][F4]") {
    CHECK(invoice_state(InvoiceStatus::enviada, 0, 0) == "enviada");  // nothing paid is never cancelado
    CHECK(invoice_state(InvoiceStatus::aceptada, 999, 1'000) == "aceptada");
    CHECK(invoice_state(InvoiceStatus::aceptada, 1'000, 1'000) == "cancelado");
    CHECK(invoice_state(InvoiceStatus::ingresada, 1'200, 1'000) == "cancelado");  // a debit after the payment
    CHECK(invoice_state(InvoiceStatus::rechazada, 1'000, 1'000) == "rechazada");
    CHECK(invoice_state(static_cast<InvoiceStatus>(9), 0, 1) == "9");  // a value from a newer writer, not read out of bounds
}

// Every visit over events names the kinds it ignores: Ignore answers only the lists it is given.
static_assert(std::is_invocable_v<Ignore<void, OrderKinds>, const OrderLoaded&>);
static_assert(!std::is_invocable_v<Ignore<void, OrderKinds>, const PadronLeft&>);
static_assert(!std::is_invocable_v<Ignore<void, OrderKinds, Kinds<TokenIssued>>, const BudgetSubmitted&>);
static_assert(kind_of<ProviderPaid, PayoutKinds> && !kind_of<ProviderPaid, InvoiceKinds>);
