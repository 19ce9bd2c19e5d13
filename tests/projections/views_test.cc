// The views against hand-computed scenarios from the seeds, and against the domain's
// own queries over the same events.
#include <catch2/catch.hpp>
#include <set>

#include "domain/queries.h"
#include "tests/support/rocksdb_raw.h"
#include "world.h"

using namespace liquida::test;
using liquida::projections::PendingFilter;
using liquida::projections::SettlementFilter;
using liquida::projections::validation_report;
using liquida::projections::View;

namespace {

const Period kJune{2025, 6};
const ProviderId kProvider{1042};

// Views at `path` that do not open, with `code` and the way out: delete them to rebuild.
void refused(const std::string& path, liquida::projections::errc code) {
    auto views = liquida::projections::Views::open(path);
    REQUIRE_FALSE(views);
    CHECK(views.error().code == code);
    CHECK(views.error().message.find("delete " + path) != std::string::npos);
}

// A SanCor invoice f1 of 3.000.000 for June (orders a and b approved, c rejected) with two
// debits, paid by OP-1 on 2025-08-01 and its retentions applied; the provider not paid yet.
Member debited_invoice(World& w) {
    Member m = with_june_orders(w, kProvider);
    m.ok(complete_order("c", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    m.ok(RejectOrder{"c", "missing_patient_signature", "falta firma del paciente"}, at(2025, 6, 3));
    const TimestampMs t = at(2025, 6, 10);
    m.ok(sancor_invoice("f1", 3'000'000), t);
    m.ok(SendInvoice{"f1"}, t);
    m.ok(AcceptInvoice{"f1"}, t);
    m.ok(IngresarInvoice{"f1"}, t);
    m.ok(ApplyDebit{"f1", "d1", 500'000, "D01", "sesión sin planilla", "PD-1"}, t);
    m.ok(ApplyDebit{"f1", "d2", 200'000, "D07", "sin firma", "PD-1"}, t);
    m.ok(IssuePaymentOrder{kSancor, "OP-1", date_from_civil(2025, 8, 1), {PaidInvoice{"f1", 2'300'000}}, "CR-1", "APB"}, at(2025, 8, 1));
    m.ok(ApplyRetentions{kJune, kSancor}, at(2025, 8, 2));
    w.catch_up();
    return m;
}

// The events of `c`, decided against the member's ledger but not recorded, in one batch.
void apply_unrecorded(liquida::projections::Views::Batch& batch, Member& m, const Command& c, TimestampMs t) {
    for (Event& e : m.ledger.ok(c, t)) {
        liquida::events::Envelope envelope;
        envelope.occurred_at = envelope.recorded_at = t;
        envelope.provider_id = m.id;
        envelope.payload = std::move(e);
        REQUIRE(batch.apply(envelope));
    }
}

}  // namespace

TEST_CASE("pending: an InSSSeP budget of three items with one consumed leaves two pending", "[projections][pending]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    const TimestampMs authorized = at(2025, 6, 10, 9);
    m.ok(insssep_budget(7), authorized);
    m.ok(ConsumePractices{TransactionRef{88, "T", 7}, {1}, false, {}, 900001, true}, at(2025, 6, 12));
    w.catch_up();

    auto pending = w.views->pending({kProvider, {}, {}}).value();
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].item == 2);
    CHECK(pending[0].practice_code == "020900");
    CHECK(pending[0].tooth == 17);
    CHECK(pending[0].faces == "OM");
    CHECK(pending[1].item == 3);
    CHECK(pending[1].transaction == TransactionRef{88, "T", 7});
    CHECK(pending[1].affiliate_number == "51868");
    CHECK(pending[1].authorized_at == authorized);
    CHECK(pending[1].age_days(date_from_civil(2025, 6, 20)) == 10);
    CHECK(w.views->pending({{}, kInsssep, {}}).value().size() == 2);
    CHECK(w.views->pending({{}, kSancor, {}}).value().empty());
    CHECK(w.views->pending({{}, {}, "51868"}).value().size() == 2);

    // The consumed item is billable in its period, at the category-raised amount (A8).
    const Period july = billing_period(at(2025, 6, 12), seed_config());  // O3: after the 5th, next month
    REQUIRE(july == Period{2025, 7});
    const auto rows = w.views->settlement({july, kInsssep, kProvider}).value();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].billable.count == 1);
    CHECK(rows[0].billable.amount == settlement_of(m.ledger.state, july, kInsssep).value().consumptions);
    CHECK(rows[0].billable.amount > 0);

    // Cancelling the transaction empties its pending items and un-bills what was consumed.
    m.ok(CancelTransaction{TransactionRef{88, "T", 7}, "error de carga"}, at(2025, 6, 13));
    w.catch_up();
    CHECK(w.views->pending({kProvider, {}, {}}).value().empty());
    CHECK(w.views->settlement({july, kInsssep, kProvider}).value().at(0).billable == liquida::projections::Tally{});
}

TEST_CASE("pending: the anulación of one item takes it off the pending, or un-bills its consumption, and leaves the rest",
          "[projections][pending]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    const TransactionRef t{88, "T", 7};
    m.ok(insssep_budget(7), at(2025, 6, 10, 9));
    m.ok(ConsumePractices{t, {1}, false, {}, 900002, true}, at(2025, 6, 12));
    m.ok(CancelTransaction{t, "no se realizó", 2}, at(2025, 6, 12, 13));
    w.catch_up();
    const auto pending = w.views->pending({kProvider, {}, {}}).value();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].item == 3);
    const Period july{2025, 7};
    CHECK(w.views->settlement({july, kInsssep, kProvider}).value().at(0).billable.count == 1);

    m.ok(CancelTransaction{t, "consumo duplicado", 1}, at(2025, 6, 13));
    w.catch_up();
    CHECK(w.views->pending({kProvider, {}, {}}).value().size() == 1);  // item 3 still waits
    CHECK(w.views->settlement({july, kInsssep, kProvider}).value().at(0).billable == liquida::projections::Tally{});
    CHECK(settlement_of(m.ledger.state, july, kInsssep).value().consumptions == 0);  // the domain's ledger agrees
    std::multiset<std::string> states;                                               // A10's sheet says which
    for (const auto& r : w.views->validation({Period{2025, 6}, kInsssep, kProvider}).value()) states.insert(r.state);
    CHECK(states == std::multiset<std::string>{"anulada", "anulada", "autorizada"});
}

TEST_CASE("views: read a page at a time, the pages are the whole listing, each row once, filters kept", "[projections][pending]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    Member other{w, ProviderId{7}, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    w.record_history(other.id, other.ledger);
    for (uint64_t t = 1; t <= 4; ++t) {
        m.ok(insssep_budget(t), at(2025, 6, 10, 9));
        other.ok(insssep_budget(100 + t), at(2025, 6, 10, 9));
    }
    w.catch_up();
    using liquida::projections::Cursor;
    for (const liquida::projections::PendingFilter& filter : std::vector<liquida::projections::PendingFilter>{{}, {kProvider, {}, {}}}) {
        const auto whole = w.views->pending(filter).value();
        REQUIRE(whole.size() == (filter.provider ? 12u : 24u));
        for (size_t limit : {1u, 5u, 12u, 100u}) {
            INFO("limit " << limit);
            Cursor c{{}, limit, false};
            std::vector<liquida::projections::PendingRow> pages;
            for (int page = 0; !c.done; ++page) {
                REQUIRE(page <= 25);
                const auto rows = w.views->pending(filter, &c).value();
                CHECK(rows.size() <= limit);
                pages.insert(pages.end(), rows.begin(), rows.end());
            }
            CHECK(pages == whole);
        }
    }
    // A row that changes between pages is read once, as it stood when its page was read.
    Cursor c{{}, 3, false};
    auto first = w.views->pending({kProvider, {}, {}}, &c).value();
    REQUIRE(first.size() == 3);
    m.ok(ConsumePractices{TransactionRef{88, "T", 4}, {1, 2, 3}, false, {}, 900003, true}, at(2025, 6, 12));  // the last three rows leave
    w.catch_up();
    size_t rest = 0;
    for (int page = 0; !c.done; ++page) {
        REQUIRE(page <= 10);
        rest += w.views->pending({kProvider, {}, {}}, &c).value().size();
    }
    CHECK(first.size() + rest == 9);
}

TEST_CASE("views: a follower reads the views beside their writer as they stood when opened, and commits nothing", "[projections]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    m.ok(insssep_budget(7), at(2025, 6, 10, 9));
    w.catch_up();
    TempDir files;
    const std::string path = (w.dir.path() / "views").string();
    auto follower = liquida::projections::Views::open(path, {}, files.str());
    REQUIRE(follower.has_value());
    CHECK((*follower)->pending({kProvider, {}, {}}).value().size() == 3);
    auto fd = (*follower)->digests();
    INFO((fd ? std::string() : fd.error().message));
    REQUIRE(fd.has_value());
    CHECK(*fd == w.views->digests().value());
    m.ok(ConsumePractices{TransactionRef{88, "T", 7}, {1}, false, {}, 900004, true}, at(2025, 6, 12));
    w.catch_up();
    CHECK((*follower)->pending({kProvider, {}, {}}).value().size() == 3);  // as opened
    CHECK(w.views->pending({kProvider, {}, {}}).value().size() == 2);
    auto batch = (*follower)->begin();
    auto refused = (*follower)->commit(std::move(batch));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == liquida::projections::errc::read_only);
}

TEST_CASE("views: the rows a batch changed and never committed are not what the lane's next batch reads", "[projections]") {
    // Two worlds with one history: in `w` item 1 is consumed in a batch dropped before its commit
    // (a later event failed, or the write), then item 2 in one committed; in `ref` only item 2.
    World w, ref;
    Member m{w, kProvider, provider_in_padron("B")}, r{ref, kProvider, provider_in_padron("B")};
    for (Member* x : {&m, &r}) {
        x->world.record_history(x->id, x->ledger);
        x->ok(insssep_budget(7), at(2025, 6, 10, 9));
        x->world.catch_up();
    }
    {
        auto dropped = w.views->begin(false);
        apply_unrecorded(*dropped, m, ConsumePractices{TransactionRef{88, "T", 7}, {1}, false, {}, 900004, true}, at(2025, 6, 12));
    }
    const ConsumePractices second{TransactionRef{88, "T", 7}, {2}, false, {}, 900005, true};
    auto batch = w.views->begin(false);
    apply_unrecorded(*batch, m, second, at(2025, 6, 13));
    REQUIRE(w.views->commit(std::move(batch)).has_value());
    r.ok(second, at(2025, 6, 13));
    ref.catch_up();
    std::vector<uint32_t> items;
    for (const auto& row : w.views->pending({kProvider, {}, {}}).value()) items.push_back(row.item);
    CHECK(items == std::vector<uint32_t>{1, 3});
    CHECK(w.views->digests().value() == ref.views->digests().value());
}

TEST_CASE("validation: the A10 sheet lists every item of the period's budgets in its state, with the padrón's names",
          "[projections][validation]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    m.ok(insssep_budget(7), at(2025, 6, 10, 9));
    m.ok(ConsumePractices{TransactionRef{88, "T", 7}, {1}, false, {}, 900005, true}, at(2025, 6, 12));
    m.ok(insssep_budget(8), at(2025, 6, 30, 22));  // 01:00 of July 1st in UTC: still June's sheet
    m.ok(CancelTransaction{TransactionRef{88, "T", 8}, "error de carga"}, at(2025, 7, 2));
    w.catch_up();

    const auto rows = validation_report(*w.views, {kJune, kInsssep, {}}).value();
    REQUIRE(rows.size() == 6);
    CHECK(rows == liquida::domain::validation_report(m.ledger.state, kJune, kInsssep));
    CHECK(rows[0].order_number == "88-T-7");
    CHECK(rows[0].state == "consumida");
    CHECK(rows[1].state == rows[2].state);  // audited alike, not consumed
    CHECK(rows[0].razon_social == m.ledger.state.provider.identity.razon_social);
    CHECK(rows[0].provider_number == m.ledger.state.provider.provider_numbers.at(kInsssep));
    CHECK(rows[3].order_number == "88-T-8");
    CHECK(rows[3].order_date == date_from_civil(2025, 6, 30));
    CHECK(rows[3].state == "anulada");
    CHECK(validation_report(*w.views, {Period{2025, 7}, kInsssep, {}}).value().empty());
    CHECK(validation_report(*w.views, {kJune, kSancor, {}}).value().empty());
    CHECK(validation_report(*w.views, {kJune, {}, ProviderId{1}}).value().empty());
    CHECK(validation_report(*w.views, {{}, {}, {}}).value().empty());  // no period, no sheet

    // Views written before this sheet existed (no format, offsets applied) are refused, not
    // read as if the sheet were complete.
    const std::string path = (w.dir.path() / "views").string();
    w.views.reset();
    alter_rocksdb(path, [](rocksdb::DB& db, const ColumnFamilies& cf) { REQUIRE(db.Delete({}, cf.at("default"), "format").ok()); });
    refused(path, liquida::projections::errc::format_mismatch);
    // Nor are those of format 2, whose invoice rows lack the debits' descriptions and the
    // payment orders' amounts.
    alter_rocksdb(path, [](rocksdb::DB& db, const ColumnFamilies& cf) { REQUIRE(db.Put({}, cf.at("default"), "format", "2").ok()); });
    refused(path, liquida::projections::errc::format_mismatch);
}

TEST_CASE("views: a damaged applied offset refuses the views instead of applying the log again from 0", "[projections]") {
    World w;
    Member m{w, kProvider, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    w.catch_up();
    const std::string path = (w.dir.path() / "views").string();
    std::map<liquida::events::TopicPartition, int64_t> before;
    for (const auto& t : w.log->topics())
        for (int32_t p = 0; p < t.partitions; ++p) before[{t.name, p}] = w.views->applied({t.name, p});
    w.views.reset();
    {  // reopened as they were: the same offsets
        auto same = liquida::projections::Views::open(path);
        REQUIRE(same);
        for (const auto& [tp, offset] : before) CHECK((*same)->applied(tp) == offset);
    }
    int damaged = 0;
    alter_rocksdb(path, [&](rocksdb::DB& db, const ColumnFamilies& cf) {
        std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, cf.at("default")));
        for (it->SeekToFirst(); it->Valid() && damaged == 0; it->Next())
            if (it->key().ToStringView().find('\0') != std::string_view::npos) {
                REQUIRE(db.Put({}, cf.at("default"), it->key(), "abc").ok());  // 3 bytes, not 8
                ++damaged;
            }
    });
    REQUIRE(damaged == 1);
    refused(path, liquida::projections::errc::corrupt_row);
}

TEST_CASE("views: a row that does not decode fails the queries that read it, never answered as fewer rows", "[projections]") {
    World w;
    Member m{w, kProvider, provider_in_padron("B")};
    w.record_history(m.id, m.ledger);
    m.ok(insssep_budget(300), at(2025, 6, 10, 9));
    w.catch_up();
    REQUIRE(w.views->pending({}).value().size() == 3);
    const std::string path = (w.dir.path() / "views").string();
    w.views.reset();
    alter_rocksdb(path, [](rocksdb::DB& db, const ColumnFamilies& cf) {
        std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, cf.at("pending")));
        it->SeekToFirst();
        REQUIRE(it->Valid());
        REQUIRE(db.Put({}, cf.at("pending"), it->key(), "\x01").ok());
    });
    auto views = liquida::projections::Views::open(path);
    REQUIRE(views);
    const auto pending = (*views)->pending({});
    REQUIRE_FALSE(pending);
    CHECK(pending.error().code == liquida::projections::errc::corrupt_row);
    CHECK(pending.error().message.find("'pending'") != std::string::npos);
    CHECK((*views)->padron(kProvider).value().has_value());          // the other views read on
    CHECK((*views)->padron(ProviderId{7}).value() == std::nullopt);  // absent is not an error
}

TEST_CASE("settlement: a SanCor invoice with debits leaves its balance, retentions and payment", "[projections][settlement]") {
    World w;
    Member m = debited_invoice(w);
    const auto rows = w.views->settlement({kJune, kSancor, kProvider}).value();
    REQUIRE(rows.size() == 1);
    const auto& r = rows[0];
    CHECK(r.orders_loaded.count == 3);
    CHECK(r.orders_approved == liquida::projections::Tally{2, 3'000'000});
    CHECK(r.orders_rejected.count == 1);
    CHECK(r.invoiced == liquida::projections::Tally{1, 3'000'000});
    CHECK(r.debits.at("D01") == 500'000);
    CHECK(r.debits.at("D07") == 200'000);
    CHECK(r.balance() == 2'300'000);  // S1: invoiced minus debits
    CHECK(r.collected == 2'300'000);
    CHECK(r.invoice_state == "cancelado");  // paid in full
    // S3: the domain computed the retentions; the view shows the same, by kind.
    const Settlement expected = settlement_of(m.ledger.state, kJune, kSancor).value();
    CHECK(r.retained() == expected.retentions);
    CHECK(r.retentions.size() == 3);
    CHECK(r.due_to_provider() == expected.due_to_provider);
    m.ok(PayProvider{kJune, kSancor, expected.due_to_provider, kCbu, "TR-1"}, at(2025, 8, 3));
    w.catch_up();
    CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).paid_to_provider == expected.due_to_provider);
    CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).due_to_provider() == 0);
}

TEST_CASE("settlement: F4 lists a debited and paid SanCor invoice, found by punto de venta, number and date received",
          "[projections][settlement]") {
    World w;
    debited_invoice(w);
    // F4: the invoice listing row.
    const auto invoices = w.views->invoices(SettlementFilter{{}, {}, kProvider}).value();
    REQUIRE(invoices.size() == 1);
    CHECK(invoices[0].label() == "B 00017-00004199");
    CHECK(invoices[0].balance() == 2'300'000);
    CHECK(invoices[0].outstanding() == 0);  // F4's Saldo: net of what was paid
    CHECK(invoices[0].state() == "cancelado");
    CHECK(invoices[0].payments ==
          std::vector<liquida::projections::InvoicePayment>{{"OP-1", date_from_civil(2025, 8, 1), 2'300'000, "APB", "CR-1"}});
    CHECK(invoices[0].payments[0].label() == "APB OP-1");
    // F4's search: punto de venta, number, the dates received (sent 2025-06-10).
    const auto found = [&](auto narrow) {
        liquida::projections::InvoiceFilter f(SettlementFilter{{}, {}, kProvider});
        narrow(f);
        return w.views->invoices(f).value().size();
    };
    CHECK(found([](auto& f) { f.punto_de_venta = 17; }) == 1);
    CHECK(found([](auto& f) { f.punto_de_venta = 18; }) == 0);
    CHECK(found([](auto& f) { f.number = 4199; }) == 1);
    CHECK(found([](auto& f) { f.number = 4198; }) == 0);
    CHECK(found([](auto& f) { f.received_from = f.received_to = date_from_civil(2025, 6, 10); }) == 1);
    CHECK(found([](auto& f) { f.received_from = date_from_civil(2025, 6, 11); }) == 0);
    CHECK(found([](auto& f) { f.received_to = date_from_civil(2025, 6, 9); }) == 0);
    REQUIRE(invoices[0].debits.size() == 2);
    CHECK(invoices[0].debits[1].reason_code == "D07");
    CHECK(invoices[0].debits[1].reason == "sin firma");
    CHECK(invoices[0].due_on(seed_config()) == Date{date_from_civil(2025, 6, 10).days + 60});
}

TEST_CASE("settlement: the roll-up by obra social adds the providers up, pending while one has not invoiced", "[projections][settlement]") {
    World w;
    debited_invoice(w);
    Member other{w, ProviderId{7}, provider_in_padron()};
    w.record_history(other.id, other.ledger);
    other.ok(complete_order("x", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    other.ok(ApproveOrder{"x"}, at(2025, 6, 3));
    w.catch_up();
    const auto all = w.views->settlement({kJune, {}, {}}).value();
    REQUIRE(all.size() == 2);
    const auto by_os = liquida::projections::checked_roll_up(all, true).value();
    REQUIRE(by_os.size() == 1);
    CHECK(by_os[0].orders_approved == liquida::projections::Tally{3, 4'500'000});
    CHECK(by_os[0].invoice_state == "pendiente");  // the other provider has not invoiced yet
}

TEST_CASE("settlement: an order rolled to the next period counts there (O3)", "[projections][settlement]") {
    World w;
    Member m{w, kProvider, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    const auto events = m.ok(complete_order("late", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    m.ledger.state.orders.orders.at("late").loaded.period = kJune;  // as loaded in June
    w.record(m.id, {OrderDeferred{"late", kJune, kJune.next()}}, at(2025, 6, 30));
    w.catch_up();
    CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).orders_rolled.count == 1);
    CHECK(w.views->settlement({kJune.next(), kSancor, kProvider}).value().at(0).orders_loaded.count == 1);
    CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).orders_loaded.count == 0);
}

TEST_CASE("orders: each order in its state, with the rejection's reason, filtered and rebuilt alike (O1-O4)", "[projections][orders]") {
    using liquida::projections::OrderFilter;
    World w;
    Member m{w, kProvider, provider_in_padron()};
    Member other{w, ProviderId{7}, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    w.record_history(other.id, other.ledger);
    m.ok(complete_order("o-1", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    m.ok(complete_order("o-2", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    m.ok(complete_order("o-3", kSancor, "330101", date_from_civil(2025, 6, 9)), at(2025, 6, 9));  // O3: after day 5
    other.ok(complete_order("o-1", kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
    m.ok(ApproveOrder{"o-1"}, at(2025, 6, 3));
    m.ok(RejectOrder{"o-2", "other", "ilegible"}, at(2025, 6, 3));
    w.catch_up();

    const auto mine = w.views->orders({{{}, {}, kProvider}, {}}).value();
    REQUIRE(mine.size() == 3);
    CHECK(mine[0].loaded.order_id == "o-1");
    CHECK(mine[0].status == OrderStatus::approved);
    CHECK(mine[0].loaded.period == kJune);
    CHECK(mine[0].loaded.amount > 0);
    CHECK(mine[0].loaded_at == at(2025, 6, 2));
    CHECK(mine[1].status == OrderStatus::rejected);
    CHECK(mine[1].reason_code == "other");
    CHECK(mine[1].reason == "ilegible");
    CHECK(mine[2].loaded.period == kJune.next());
    CHECK(mine[2].rolled_from == kJune);
    CHECK(mine[2].status == OrderStatus::pending);
    CHECK(mine[0].loaded == m.ledger.state.orders.orders.at("o-1").loaded);

    // The colegio's queue: every provider's pending orders; by period and obra social.
    const auto pending = w.views->orders({{}, OrderStatus::pending}).value();
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].provider == ProviderId{7});  // by provider, then order id
    CHECK(pending[1].loaded.order_id == "o-3");
    CHECK(w.views->orders({{kJune, kSancor, {}}, {}}).value().size() == 3);
    CHECK(w.views->orders({{kJune, kInsssep, {}}, {}}).value().empty());

    // O2: a rejected order loaded again next month replaces the row, without the old reason.
    m.ok(complete_order("o-2", kSancor, "330101", date_from_civil(2025, 7, 1)), at(2025, 7, 2));
    w.catch_up();
    const auto again = w.views->orders({{{}, {}, kProvider}, {}}).value().at(1);
    CHECK(again.status == OrderStatus::pending);
    CHECK(again.reason.empty());
    CHECK(again.loaded.period == kJune.next());
    CHECK(w.views->settlement({kJune, kSancor, kProvider}).value().at(0).orders_rejected.count == 0);
}

TEST_CASE("padrón: an expired SEGURO takes the provider out of good standing from that date (P2)", "[projections][padron]") {
    World w;
    Member m{w, kProvider, Ledger{}};
    const TimestampMs t = at(2025, 5, 2);
    m.ok(RegisterProvider{"MP-1234", kCuit, "USAR - PARA PRUEBAS", IvaCondition::no_alcanzado, kCbu, "A", false, "", "", ""}, t);
    m.ok(AdhereToObraSocial{kSancor, "8481"}, t);
    for (DocumentType type : {DocumentType::rnp, DocumentType::afip, DocumentType::cbu, DocumentType::seguro, DocumentType::anexo1}) {
        const std::string id = "doc-" + std::to_string(static_cast<int>(type));
        const Date expires = type == DocumentType::seguro ? date_from_civil(2025, 6, 30) : date_from_civil(2030, 12, 31);
        m.ok(UploadDocument{type, id, "s3://docs/" + id, expires}, t);
        m.ok(VerifyDocument{id, true, ""}, at(2025, 5, 3));
    }
    m.ok(EnrollInPadron{}, at(2025, 5, 3));
    w.catch_up();

    auto row = w.views->padron(kProvider).value();
    REQUIRE(row.has_value());
    CHECK(row->state.identity.cuit == "27352153589");
    CHECK(row->in_good_standing(date_from_civil(2025, 6, 30)));
    CHECK_FALSE(row->in_good_standing(date_from_civil(2025, 7, 1)));  // by the date alone, no event yet
    const auto docs = row->documents();
    REQUIRE(docs.size() == 5);
    CHECK(docs[3].type == DocumentType::seguro);
    CHECK(docs[3].uploaded_at == t);
    CHECK(docs[3].verified_at == at(2025, 5, 3));
    CHECK(docs[3].status == DocumentStatus::approved);

    const auto rows = w.views->padron_rows().value();
    CHECK(liquida::projections::by_standing(rows, date_from_civil(2025, 7, 1), false).size() == 1);
    CHECK(liquida::projections::by_standing(rows, date_from_civil(2025, 6, 1), true).size() == 1);
    const auto expiring = liquida::projections::expiring_within(rows, date_from_civil(2025, 6, 1), 30);
    REQUIRE(expiring.size() == 1);
    CHECK(expiring[0].document.type == DocumentType::seguro);
    CHECK(liquida::projections::expiring_within(rows, date_from_civil(2025, 6, 1), 28).empty());
    CHECK(liquida::projections::adhered_to(rows, kSancor).size() == 1);
    CHECK(liquida::projections::adhered_to(rows, kIoma).empty());

    m.ok(ExpireDocumentsDue{date_from_civil(2025, 7, 1)}, at(2025, 7, 1));
    w.catch_up();
    CHECK(w.views->padron(kProvider).value()->documents()[3].status == DocumentStatus::expired);
}

TEST_CASE("deltas: each batch reports the rows it changed, in order, deletions included", "[projections][delta]") {
    World w;
    Member m{w, kProvider, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    w.catch_up();
    m.ok(insssep_budget(3), at(2025, 6, 10));
    liquida::projections::Runner runner(*w.log, *w.views);
    std::vector<liquida::projections::Delta> deltas;
    runner.on_delta([&](const liquida::projections::Delta& d) { deltas.push_back(d); });
    REQUIRE(runner.catch_up().has_value());
    REQUIRE(deltas.size() == 1);
    REQUIRE(deltas[0].changes.size() == 3);
    CHECK(deltas[0].changes[0].view == View::pending);
    CHECK(deltas[0].changes[0].key == "1042/88-T-3/1");
    CHECK(deltas[0].changes[2].key == "1042/88-T-3/3");

    m.ok(ConsumePractices{TransactionRef{88, "T", 3}, {2}, false, {}, 900006, true}, at(2025, 6, 11));
    REQUIRE(runner.step().value() == 1);
    REQUIRE(deltas.size() == 2);
    bool deleted = false, billed = false;
    for (const auto& c : deltas[1].changes) {
        if (c.view == View::pending && c.key == "1042/88-T-3/2") deleted = !c.row.has_value();
        if (c.view == View::settlement && c.key == "2025-07/insssep/1042") billed = c.row.has_value();
    }
    CHECK(deleted);
    CHECK(billed);
    CHECK(runner.step().value() == 0);  // nothing new: no batch, no delta
    CHECK(deltas.size() == 2);
}
