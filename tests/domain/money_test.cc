#include <catch2/catch.hpp>

#include <cstdint>

#include "domain/money.h"
#include "domain/rules.h"
#include "fixtures.h"

using namespace liquida::test;
namespace money = liquida::domain::money;

namespace {

constexpr Centavos kMax = INT64_MAX;
constexpr Centavos kMin = INT64_MIN;
const Period kJune{2025, 6};

// Two approved SanCor orders in June, invoiced as f1 (3.000.000) and accepted.
Ledger with_accepted_invoice() {
    Ledger l = provider_in_padron();
    const TimestampMs t = at(2025, 6, 10);
    for (const char* id : {"a", "b"}) {
        l.ok(complete_order(id, kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
        l.ok(ApproveOrder{id}, at(2025, 6, 3));
    }
    l.ok(IssueInvoice{"f1", kSancor, ComprobanteType::factura_b, BillingType::original, 17, 4199, "71110383321640", kJune, 3'000'000,
                      date_from_civil(2025, 6, 10), "", "", attachments_for(kSancor)},
         t);
    l.ok(SendInvoice{"f1"}, t);
    l.ok(AcceptInvoice{"f1"}, t);
    return l;
}

// f1 and a copy f2, both with an amount of `amount`: state no command could build, as a log
// written before the checks could hold.
Ledger with_two_huge_invoices(Centavos amount) {
    Ledger l = with_accepted_invoice();
    InvoiceRecord& f1 = l.state.invoices.invoices.at("f1");
    f1.issued.amount = amount;
    InvoiceRecord f2 = f1;
    f2.issued.invoice_id = "f2";
    f2.issued.number = 4200;
    l.state.invoices.invoices["f2"] = f2;
    return l;
}

IssuePaymentOrder payment_order(std::vector<PaidInvoice> invoices) {
    return IssuePaymentOrder{kSancor, "PO-1", date_from_civil(2025, 8, 1), std::move(invoices), "CR-1", ""};
}

}  // namespace

TEST_CASE("money: checked add, sub and mul at the edges of int64", "[domain][money]") {
    CHECK(money::add(kMax - 1, 1) == kMax);
    CHECK_FALSE(money::add(kMax, 1).has_value());
    CHECK(money::add(kMin, -0) == kMin);
    CHECK_FALSE(money::add(kMin, -1).has_value());
    CHECK(money::add(-5, 3) == -2);
    CHECK(money::sub(kMin + 1, 1) == kMin);
    CHECK_FALSE(money::sub(kMin, 1).has_value());
    CHECK_FALSE(money::sub(0, kMin).has_value());  // -INT64_MIN does not fit
    CHECK_FALSE(money::sub(kMax, -1).has_value());
    CHECK(money::sub(0, kMax) == -kMax);
    CHECK(money::mul(kMax, 1) == kMax);
    CHECK(money::mul(kMin, 1) == kMin);
    CHECK_FALSE(money::mul(kMin, -1).has_value());
    CHECK_FALSE(money::mul(kMax / 2 + 1, 2).has_value());
    CHECK(money::mul(kMax / 2, 2) == kMax - 1);
    CHECK(money::mul(-3, 7) == -21);
    CHECK(money::mul(0, kMax) == 0);
}

TEST_CASE("money: a running sum stays failed after its first overflow", "[domain][money]") {
    CHECK(money::Sum().add(1).add(2).sub(4).value() == -1);
    money::Sum s(kMax);
    CHECK_FALSE(s.add(1).ok());
    CHECK_FALSE(s.sub(kMax).sub(1).value().has_value());  // back in range, still failed
    CHECK_FALSE(money::Sum(std::optional<Centavos>{}).add(0).ok());
    CHECK_FALSE(money::Sum().add(std::optional<Centavos>{}).ok());
    CHECK(money::Sum(kMin).sub(-1).add(kMax).value() == 0);
    CHECK(money::overflow("amount") == DomainError{"money.overflow", money::overflow("x").message, "amount"});
}

TEST_CASE("S2 an invoice listed twice in one payment order is refused", "[domain][S2][money]") {
    Ledger l = with_accepted_invoice();
    const TimestampMs t = at(2025, 6, 11);
    // The finding: 100 and INT64_MAX - 50 for the same invoice wrapped to a negative paid amount.
    const Decision d = l.run(payment_order({PaidInvoice{"f1", 100}, PaidInvoice{"f1", kMax - 50}}), t);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == "payment_order.duplicate_invoice");
    CHECK(d.error().field == "invoices[1]");
    CHECK(l.error(payment_order({PaidInvoice{"f1", 1}, PaidInvoice{"f1", 1}}), t) == "payment_order.duplicate_invoice");
    CHECK(l.state.invoices.invoices.at("f1").paid == 0);
    l.ok(payment_order({PaidInvoice{"f1", 3'000'000}}), t);
}

TEST_CASE("S2 a payment order whose total overflows is refused", "[domain][S2][money]") {
    Ledger l = with_two_huge_invoices(kMax);
    const TimestampMs t = at(2025, 6, 11);
    const size_t recorded = l.log.size();
    const Decision d = l.run(payment_order({PaidInvoice{"f1", kMax}, PaidInvoice{"f2", 1}}), t);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == "money.overflow");
    CHECK(d.error().field == "invoices[1]");
    CHECK_FALSE(d.error().message.empty());
    CHECK(l.log.size() == recorded);
    l.ok(payment_order({PaidInvoice{"f1", kMax}}), t);  // alone it fits
}

TEST_CASE("S2 negative and zero payments are refused", "[domain][S2][money]") {
    Ledger l = with_accepted_invoice();
    const TimestampMs t = at(2025, 6, 11);
    CHECK(l.error(payment_order({PaidInvoice{"f1", -1}}), t) == "payment_order.amount_not_positive");
    CHECK(l.error(payment_order({PaidInvoice{"f1", kMin}}), t) == "payment_order.amount_not_positive");
    CHECK(l.error(payment_order({PaidInvoice{"f1", 0}}), t) == "payment_order.amount_not_positive");
}

TEST_CASE("money: basis points and raised fees are checked", "[domain][money][A8]") {
    CHECK(basis_points(10'000, 500) == 500);
    CHECK(basis_points(1, 5'000) == 1);  // half up
    CHECK_FALSE(basis_points(kMax, 2).has_value());
    CHECK_FALSE(basis_points(kMax - 4'999, 1).has_value());  // the + 5000 of the rounding
    CHECK(basis_points(kMax - 5'000, 1) == (kMax - 5'000 + 5'000) / 10'000);
    ObraSocialConfig os;
    os.category_increments_bp["A"] = 10'000;
    PracticeConfig p;
    p.fee = kMax / 2 + 1;
    CHECK_FALSE(raised_fee(os, p.fee, "A").has_value());
    CHECK(raised_fee(os, p.fee, "B") == kMax / 2 + 1);  // no increment for B
}

TEST_CASE("money: folding an overflowing payment order poisons the ledger, decide refuses", "[domain][money][S2]") {
    Ledger l = with_accepted_invoice();
    const TimestampMs t = at(2025, 6, 11);
    // What the finding left in the log: the same invoice twice, the total wrapped.
    const PaymentOrderIssued written{
        kSancor, "PO-old", date_from_civil(2025, 6, 11), kMin + 49, {PaidInvoice{"f1", 100}, PaidInvoice{"f1", kMax - 50}}, "CR-1", ""};
    evolve(l.state, written, t);
    CHECK(overflowed(l.state));
    CHECK(l.state.invoices.invoices.at("f1").paid == 100);  // the sum that did not fit is not added
    const Decision d = l.run(SendInvoice{"f1"}, t);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error() == money::overflow("provider"));

    std::vector<RecordedEvent> log = l.log;
    log.push_back(RecordedEvent{written, t});
    CHECK(overflowed(replay(log)));
    CHECK_FALSE(overflowed(replay(l.log)));
}

TEST_CASE("money: retentions and provider payments fold checked", "[domain][money][S3]") {
    PayoutBook book;
    evolve(book, RetentionApplied{kJune, kSancor, RetentionKind::iibb, kMax, 1}, 0);
    CHECK_FALSE(book.overflow);
    evolve(book, RetentionApplied{kJune, kSancor, RetentionKind::iibb, 1, 1}, 0);  // the base overflows
    CHECK(book.overflow);
    PayoutBook paid;
    evolve(paid, ProviderPaid{kJune, kSancor, kMax, kCbu, "tr-1"}, 0);
    evolve(paid, ProviderPaid{kJune, kSancor, 1, kCbu, "tr-2"}, 0);
    CHECK(paid.overflow);
    CHECK(paid.payouts.at({kJune, kSancor}).paid == kMax);
    InvoiceBook notes;
    notes.invoices["f1"] = InvoiceRecord{};
    evolve(notes, CreditNoteIssued{"f1", "nc-1", 1, 1, "", kMax}, 0);
    evolve(notes, CreditNoteIssued{"f1", "nc-2", 1, 2, "", kMax}, 0);
    CHECK(notes.overflow);
}

TEST_CASE("money: queries and decisions over sums that do not fit answer money.overflow", "[domain][money]") {
    const TimestampMs t = at(2025, 6, 11);
    Ledger l = with_two_huge_invoices(kMax);  // settlement: kMax + kMax invoiced
    const auto st = settlement_of(l.state, kJune, kSancor);
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().code == "money.overflow");
    CHECK(l.error(PayProvider{kJune, kSancor, 1, kCbu, "tr-1"}, t) == "money.overflow");
    CHECK(l.error(ApplyRetentions{kJune, kSancor}, t) == "money.overflow");

    Ledger one = with_accepted_invoice();
    InvoiceRecord& f1 = one.state.invoices.invoices.at("f1");
    f1.paid = kMin;                                                                      // as the finding stored it
    CHECK(one.error(ApplyDebit{"f1", "d1", 1, "D01", "x", ""}, t) == "money.overflow");  // balance - paid
    CHECK(one.error(payment_order({PaidInvoice{"f1", 1}}), t) == "money.overflow");
    f1.paid = 0;
    one.ok(ApplyDebit{"f1", "d1", 1, "D01", "x", ""}, t);
    InvoiceRecord& debited = one.state.invoices.invoices.at("f1");
    debited.debits.push_back(debited.debits.front());
    debited.debits.back().applied.amount = kMax;  // debits add past int64
    CHECK_FALSE(debited.debited().has_value());
    CHECK_FALSE(debited.balance().has_value());
    CHECK(one.error(IssueCreditNote{"f1", "nc-1", 17, 9, "71110383321640", 1}, t) == "money.overflow");
    CHECK(pending_submissions(one.state).error().code == "money.overflow");
    debited.received_at = t;
    CHECK(invoice_listing(one.state, date_from_civil(2025, 6, 12), seed_config()).error().code == "money.overflow");
}
