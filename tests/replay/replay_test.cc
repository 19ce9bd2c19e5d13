// The audit replay over simulated months: each closed month replays to exactly what the live
// views held at its end; events recorded after a cut leave the old month alone, show in the
// live views and are reported by --verify; the JSON, CSV and XLSX reports agree.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <tuple>

#include "domain/decide.h"
#include "sim/simulation.h"
#include "events/codec.h"
#include "events/topics.h"
#include "projections/row_codec.h"
#include "replay/replay.h"
#include "tests/support/same_views.h"
#include "tests/support/process.h"
#include "tests/support/rocksdb_raw.h"
#include "world.h"

using namespace liquida::test;
using namespace liquida::sim;
using liquida::projections::Runner;
using liquida::projections::ViewDigest;
namespace replay = liquida::replay;
namespace fs = std::filesystem;

namespace {

constexpr Period kStart{2025, 6};

Run run(const std::string& args) { return sh(std::string(LIQUIDA_BIN) + " " + args); }

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string config_arg() { return std::string(" --config ") + LIQUIDA_SOURCE_DIR + "/ops/config/liquida.json"; }

// A simulated colegio recorded into the world as it happens, with the live views brought up
// to date at each month's end (before the first event of the next month) and their digests kept.
struct Simulated {
    std::unique_ptr<Simulation> sim;
    std::map<Period, std::vector<ViewDigest>> at_end;  // onboarding month .. last month
};

Simulated simulate(World& w, uint32_t months, double scale = 0.003) {
    Simulated s{std::make_unique<Simulation>(seed_config(), SimulationOptions{7, scale, kStart, months}), {}};
    Runner live(*w.log, *w.views, {500});
    Period month = s.sim->onboarding_month();
    auto close_month = [&] {
        REQUIRE(live.catch_up().has_value());
        s.at_end[month] = w.views->digests().value();
        month = month.next();
    };
    while (auto c = s.sim->next()) {
        while (c->now >= replay::cut_of(month)) close_month();
        if (c->decision) w.record(c->provider, c->decision.value(), c->now);
    }
    while (replay::cut_of(month) <= s.sim->end()) close_month();
    return s;
}

replay::ReplayOptions options_in(const World& w, const std::string& name) {
    replay::ReplayOptions o;
    o.scratch_dir = w.dir.path() / name;
    o.max_batch = 700;  // several batches even for a small month
    return o;
}

// Every provider's domain ledger folded from the log's records below `cut`.
std::map<ProviderId, ProviderLedger> ledgers_at(liquida::events::EventLog& log, const replay::Offsets& cut) {
    std::map<ProviderId, ProviderLedger> out;
    for (const auto& [tp, end] : cut)
        for (int64_t next = 0; next < end;) {
            auto records = log.read(tp, next, static_cast<size_t>(end - next)).value();
            REQUIRE_FALSE(records.empty());
            for (const auto& r : records) {
                next = r.offset + 1;
                if (r.offset >= end) break;
                const auto e = liquida::events::decode(r.record.value).value();
                evolve(out[e.provider_id], e.payload, e.occurred_at);
            }
        }
    return out;
}

// A10 from the ledgers, as the replay reports it, and both in one order to compare.
std::vector<replay::ValidationEntry> validation_of(const std::map<ProviderId, ProviderLedger>& ledgers, Period month) {
    std::vector<replay::ValidationEntry> out;
    for (const auto& os : seed_config().obras_sociales)
        for (const auto& [provider, ledger] : ledgers)
            for (auto& row : validation_report(ledger, month, os.id)) out.push_back({os.id, provider, std::move(row)});
    return out;
}
std::vector<std::string> sorted_validation(const std::vector<replay::ValidationEntry>& rows) {
    std::vector<std::string> out;
    for (const auto& v : rows)
        out.push_back(v.obra_social.value() + ";" + std::to_string(v.provider.value()) + ";" + v.row.order_number + ";" +
                      v.row.practice_code + ";" + to_string(v.row.order_date) + ";" + v.row.affiliate_number + ";" + v.row.state + ";" +
                      v.row.provider_number + ";" + v.row.razon_social + ";" + v.row.matricula);
    std::sort(out.begin(), out.end());
    return out;
}

// F4 from the ledgers, as the replay reports it, and both as text to compare in their order.
std::vector<replay::InvoiceEntry> listing_of(const std::map<ProviderId, ProviderLedger>& ledgers, Date as_of) {
    std::vector<replay::InvoiceEntry> out;
    for (const auto& [provider, ledger] : ledgers) {
        std::map<std::string, const InvoiceIssued*> by_label;
        for (const auto& [id, inv] : ledger.invoices.invoices) by_label.emplace(invoice_label(inv.issued), &inv.issued);
        for (auto& row : invoice_listing(ledger, as_of, seed_config()).value()) {
            const InvoiceIssued* issued = by_label.at(row.invoice);
            out.push_back({provider, issued->obra_social, issued->period, std::move(row)});
        }
    }
    return out;
}
std::vector<std::string> invoice_rows(const std::vector<replay::InvoiceEntry>& rows) {
    std::vector<std::string> out;
    for (const auto& i : rows)
        out.push_back(std::to_string(i.provider.value()) + ";" + i.obra_social.value() + ";" + to_string(i.period) + ";" + i.row.invoice +
                      ";" + to_string(i.row.received_on) + ";" + std::to_string(i.row.amount) + ";" + std::to_string(i.row.debits) + ";" +
                      std::to_string(i.row.outstanding) + ";" + to_string(i.row.due_on) + ";" + i.row.state + ";" + i.row.payment_order +
                      ";" + i.row.debit_sheet);
    return out;
}

// "1234,56" -> 123456.
Centavos centavos(const std::string& pesos) {
    const auto comma = pesos.find(',');
    REQUIRE(comma != std::string::npos);
    const bool negative = pesos[0] == '-';
    const Centavos whole = std::stoll(pesos.substr(negative ? 1 : 0, comma - (negative ? 1 : 0)));
    const Centavos cents = std::stoll(pesos.substr(comma + 1));
    return (negative ? -1 : 1) * (whole * 100 + cents);
}

// Semicolon CSV without quoted separators (none of the report's fields has one).
// Our CSV: UTF-8 with a byte order mark (for Excel), then CRLF lines of ';'-separated fields,
// quoted (RFC 4180) when they hold a ';' or a quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    REQUIRE(text.starts_with("\xEF\xBB\xBF"));
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (size_t i = 3; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c != '"') field += c;
            else if (i + 1 < text.size() && text[i + 1] == '"') field += text[++i];
            else quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ';') {
            rows.back().push_back(std::exchange(field, {}));
        } else if (c == '\r') {
            REQUIRE((i + 1 < text.size() && text[i + 1] == '\n'));
            rows.back().push_back(std::exchange(field, {}));
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    REQUIRE(rows.back().empty());  // the last line ended with CRLF
    rows.pop_back();
    return rows;
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<size_t>(it - header.begin());
}

std::string unzip(const fs::path& xlsx, const std::string& member) {
    const Run r = sh("unzip -p '" + xlsx.string() + "' " + member);
    REQUIRE(r.code == 0);
    return r.out;
}

// The domain's ledgers, folded from the same events, agree with the replayed settlement,
// validation sheets and F4 listing of `month`.
void check_against_ledgers(liquida::events::EventLog& log, const replay::Report& report, Period month) {
    const auto folded = ledgers_at(log, report.cut_offsets);
    for (const auto& row : report.settlement) {
        INFO("provider " << row.provider.value() << " " << row.obra_social.value());
        REQUIRE(folded.count(row.provider) == 1);
        const Settlement st = settlement_of(folded.at(row.provider), month, row.obra_social).value();
        CHECK(row.total() == st.total);
        CHECK(row.invoiced.amount == st.invoiced);
        CHECK(row.debited() == st.debits);
        CHECK(row.collected == st.collected);
        CHECK(row.retained() == st.retentions);
    }
    CHECK(sorted_validation(report.validation) == sorted_validation(validation_of(folded, month)));
    CHECK(invoice_rows(report.invoices) == invoice_rows(listing_of(folded, report.as_of)));
}

// A checkpoint whose close record this log's chain does not link to is reported, not trusted:
// June's in `checkpoints`, forged, and July replayed from it.
void check_forged_checkpoint(World& w, const fs::path& checkpoints) {
    const fs::path close = checkpoints / "2025-06" / "close.json";
    auto record = nlohmann::json::parse(read_file(close));
    const auto july = replay::cut_offsets(*w.log, {2025, 7});
    REQUIRE(july.has_value());
    std::optional<std::pair<liquida::events::TopicPartition, int64_t>> forged;
    for (auto& p : record["partitions"]) {
        const liquida::events::TopicPartition tp{p["topic"].get<std::string>(), p["partition"].get<int32_t>()};
        if (july->at(tp) > p["end_offset"].get<int64_t>()) {  // July has events there
            p["last_hash"] = std::string(64, 'f');
            forged = {tp, p["end_offset"].get<int64_t>()};
            break;
        }
    }
    REQUIRE(forged.has_value());
    std::ofstream(close) << record.dump();
    auto options = options_in(w, "scratch-forged");
    options.checkpoints_dir = checkpoints;
    auto r = replay::replay_month(*w.log, {2025, 7}, seed_config(), options);
    REQUIRE(r.has_value());
    CHECK(r->report.from_checkpoint == Period{2025, 6});
    REQUIRE(r->report.chain_break.has_value());
    CHECK(r->report.chain_break->tp == forged->first);
    CHECK(r->report.chain_break->offset == forged->second);
    CHECK(r->report.chain_break->reason.find("month-close record of 2025-06") != std::string::npos);
    CHECK_FALSE(r->report.checkpoint_kept);
}

// A debit on an invoice of the month `report` replayed (June), recorded at `when` straight to
// the log: decide would refuse it, since every simulated June invoice is paid by then, and the
// replay must fold whatever the log holds.
struct LateDebit {
    ProviderId provider;
    ObraSocialId os;
    Centavos amount;
};
LateDebit record_late_debit(World& w, const Simulated& s, const replay::Report& report, TimestampMs when) {
    std::optional<std::tuple<ProviderId, ObraSocialId, std::vector<Event>>> late;
    for (const auto& row : report.settlement) {
        const ProviderLedger* ledger = s.sim->ledger(row.provider);
        REQUIRE(ledger != nullptr);
        for (const auto& [id, inv] : ledger->invoices.invoices)
            if (!late && inv.issued.period == report.month && inv.issued.obra_social == row.obra_social && inv.active())
                late.emplace(row.provider, row.obra_social,
                             std::vector<Event>{DebitApplied{id, "late-1", 1234, "LATE", "Debito tardio", "HD-LATE"}});
    }
    REQUIRE(late.has_value());
    const auto& [provider, os, debit] = *late;
    REQUIRE(debit.size() == 1);
    const Centavos amount = std::get<DebitApplied>(debit[0]).amount;
    w.record(provider, debit, when);
    return {provider, os, amount};
}

// One of `month`'s settlement rows, a centavo more collected, written into the views' store
// itself, behind the views' back.
void alter_settlement_row(const fs::path& views_dir, Period month) {
    auto views = liquida::projections::Views::open(views_dir.string());
    REQUIRE(views);
    const auto rows = (*views)->settlement({month, {}, {}}).value();
    REQUIRE_FALSE(rows.empty());
    auto altered = rows.front();
    altered.collected += 1;
    std::string key;
    liquida::projections::codec::put_be(key, static_cast<uint64_t>(month.yyyymm()), 4);
    key += altered.obra_social.value();
    key.push_back('\0');
    liquida::projections::codec::put_be(key, altered.provider.value(), 8);
    views->reset();
    alter_rocksdb(views_dir.string(), [&](rocksdb::DB& db, const ColumnFamilies& cf) {
        std::string stored;
        REQUIRE(db.Get({}, cf.at("settlement"), key, &stored).ok());  // the key is the row's
        REQUIRE(db.Put({}, cf.at("settlement"), key, liquida::projections::codec::encode(altered)).ok());
    });
}

// The XLSX of `report` in `dir`: the same bytes when written again to `again`; a summary sheet
// then one sheet per section, `rows` of each; money as numbers in pesos, adding up to `totals`.
void check_xlsx(const replay::Report& report, const fs::path& dir, const fs::path& again, const std::map<std::string, size_t>& rows,
                const nlohmann::json& totals) {
    const fs::path xlsx = dir / "report-2025-07.xlsx";
    REQUIRE(replay::write_reports(report, again).has_value());
    CHECK(read_file(again / "report-2025-07.xlsx") == read_file(xlsx));  // the same bytes
    CHECK(read_file(again / "report-2025-07.json") == read_file(dir / "report-2025-07.json"));
    const std::string workbook = unzip(xlsx, "xl/workbook.xml");
    for (const char* sheet :
         {"Resumen", "Liquidacion por obra social", "Liquidacion por prestador", "Padron", "Pendientes", "Validacion A10", "Facturas F4"})
        CHECK(workbook.find("name=\"" + std::string(sheet) + "\"") != std::string::npos);
    CHECK(unzip(xlsx, "xl/styles.xml").find("#,##0.00") != std::string::npos);
    auto count_rows = [](const std::string& xml) {
        size_t n = 0;
        for (size_t at = xml.find("<row "); at != std::string::npos; at = xml.find("<row ", at + 1)) ++n;
        return n;
    };
    CHECK(count_rows(unzip(xlsx, "xl/worksheets/sheet2.xml")) == rows.at("settlement-obra-social") + 1);
    CHECK(count_rows(unzip(xlsx, "xl/worksheets/sheet3.xml")) == rows.at("settlement") + 1);
    CHECK(count_rows(unzip(xlsx, "xl/worksheets/sheet7.xml")) == rows.at("invoices") + 1);
    const std::string summary = unzip(xlsx, "xl/worksheets/sheet1.xml");
    std::smatch m;
    REQUIRE(std::regex_search(summary, m, std::regex("<t>Total a facturar</t></is></c><c r=\"B[0-9]+\"[^>]*><v>([^<]+)</v>")));
    CHECK(std::llround(std::stod(m[1].str()) * 100) == totals.at("total").get<Centavos>());
    const std::string f4 = unzip(xlsx, "xl/worksheets/sheet7.xml");
    double amount = 0;
    const std::regex cell("<c r=\"I([0-9]+)\"[^>]*><v>([^<]+)</v>");  // Importe
    for (auto it = std::sregex_iterator(f4.begin(), f4.end(), cell); it != std::sregex_iterator(); ++it)
        amount += std::stod((*it)[2].str());
    CHECK(std::llround(amount * 100) == totals.at("invoices_amount").get<Centavos>());
}

// One bit of `pattern`'s first byte flipped in the record of liquida.orders/1 at `offset`, in
// the embedded log's RocksDB itself (the log closed); `pattern` occurs there once.
void flip_in_order_record(const fs::path& log_dir, int64_t offset, const std::string& pattern) {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
        {rocksdb::kDefaultColumnFamilyName, {}}, {"records", {}}, {"time_index", {}}, {"idempotency", {}}};
    REQUIRE(rocksdb::DB::Open({}, log_dir.string(), cfs, &handles, &raw).ok());
    std::string key;  // [topic u16][partition u32][offset u64], big-endian; orders is topic 1
    for (uint64_t v : {uint64_t{1} << 32 | uint64_t{1}, static_cast<uint64_t>(offset)})
        for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>(v >> (8 * i)));
    key.erase(0, 2);  // the first value is 6 bytes wide
    std::string value;
    REQUIRE(raw->Get({}, handles[1], key, &value).ok());
    const auto at = value.find(pattern);
    REQUIRE(at != std::string::npos);
    REQUIRE(value.find(pattern, at + 1) == std::string::npos);
    value[at] = static_cast<char>(value[at] ^ 1);
    REQUIRE(raw->Put({}, handles[1], key, value).ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
}

}  // namespace

TEST_CASE("replay: the cut is the first instant of the next month in Argentina time", "[replay]") {
    CHECK(replay::cut_of({2025, 6}) == at(2025, 7, 1, 0, 0));
    CHECK(replay::cut_of({2025, 12}) == at(2026, 1, 1, 0, 0));
    CHECK(replay::cut_of({2025, 6}) == 1751338800000);  // 2025-07-01T03:00:00Z
    CHECK(replay::last_day_of({2025, 6}) == date_from_civil(2025, 6, 30));
    CHECK(replay::last_day_of({2024, 2}) == date_from_civil(2024, 2, 29));

    // One event a millisecond before the cut belongs to June, one at the cut does not.
    World w(1);
    Ledger l = provider_in_padron();
    const ProviderId id{1042};
    w.record_history(id, l);
    const TimestampMs cut = replay::cut_of({2025, 6});
    auto update = [&](std::string email, TimestampMs when) {
        w.record(id,
                 l.ok(UpdateProvider{"USAR - PARA PRUEBAS CONECT", IvaCondition::no_alcanzado, kCbu, "A", "J. D. Peron 281, Salto Grande",
                                     std::move(email), "(3493) 423567"},
                      when),
                 when);
    };
    update("antes@example.com", cut - 1);
    update("despues@example.com", cut);

    auto offsets = replay::cut_offsets(*w.log, {2025, 6});
    REQUIRE(offsets.has_value());
    const liquida::events::TopicPartition padron{"liquida.padron", 0};
    auto end = w.log->end_offset(padron);
    REQUIRE(end.has_value());
    CHECK(offsets->at(padron) == *end - 1);

    auto r = replay::replay_month(*w.log, {2025, 6}, seed_config(), options_in(w, "scratch"));
    REQUIRE(r.has_value());
    CHECK(r->report.events == static_cast<uint64_t>(*end - 1));
    CHECK(r->report.out_of_order == 0);
    REQUIRE(r->report.padron.size() == 1);
    CHECK(r->report.padron[0].row.state.identity.email == "antes@example.com");
    CHECK(r->report.padron[0].in_good_standing);
    CHECK(fs::exists(w.dir.path() / "scratch"));
    r->views.reset();
    CHECK(!fs::exists(w.dir.path() / "scratch"));
}

TEST_CASE("replay: each closed month equals what the live views held at its end", "[replay]") {
    World w;
    const Simulated s = simulate(w, 12, 0.002);
    REQUIRE(s.at_end.size() == 13);  // a year: the onboarding month (May 2025), June 2025 .. May 2026
    uint64_t previous = 0;
    const fs::path checkpoints = w.dir.path() / "checkpoints";
    std::optional<Period> before;
    for (const auto& [month, digests] : s.at_end) {
        INFO(to_string(month));
        auto options = options_in(w, "scratch-" + to_string(month));
        options.checkpoints_dir = checkpoints;
        options.force_close = month == s.at_end.rbegin()->first;  // the log ends with the simulation's last month
        auto r = replay::replay_month(*w.log, month, seed_config(), options);
        REQUIRE(r.has_value());
        const replay::Report& report = r->report;
        require_same(report.digests, digests);
        // From the previous month's checkpoint (none for the first), and keeping its own.
        CHECK(report.from_checkpoint == before);
        CHECK(report.checkpoint_kept);
        CHECK(fs::exists(checkpoints / to_string(month) / "close.json"));
        if (before) CHECK(report.applied < report.events);
        else CHECK(report.applied == report.events);
        before = month;
        options.from_scratch = true;
        options.scratch_dir += "-full";  // r's views are still there
        auto scratch = replay::replay_month(*w.log, month, seed_config(), options);
        REQUIRE(scratch.has_value());
        CHECK_FALSE(scratch->report.from_checkpoint.has_value());
        CHECK(scratch->report.applied == report.events);
        require_same(scratch->report.digests, digests);
        CHECK(sorted_validation(scratch->report.validation) == sorted_validation(report.validation));
        CHECK(invoice_rows(scratch->report.invoices) == invoice_rows(report.invoices));
        CHECK(scratch->report.chain == r->report.chain);
        CHECK(replay::report_json(scratch->report).find("\"from_checkpoint\": null") != std::string::npos);
        CHECK(report.events > previous);
        previous = report.events;
        CHECK(report.out_of_order == 0);
        CHECK(report.as_of == replay::last_day_of(month));
        check_against_ledgers(*w.log, report, month);
        // Roll-ups and totals are sums of the provider rows.
        liquida::projections::SettlementRow by_os;
        for (const auto& row : report.settlement_by_obra_social) REQUIRE(by_os.add(row));
        CHECK(by_os.total() == report.totals.settlement.total());
        CHECK(by_os.balance() == report.totals.settlement.balance());
        CHECK(report.totals.providers == report.padron.size());
        if (month >= kStart) {
            CHECK(!report.settlement.empty());
            CHECK(!report.validation.empty());
            CHECK(report.totals.in_good_standing > 0);
        }
        // A replay's scratch views go with it.
        CHECK(fs::exists(options.scratch_dir / "CURRENT"));
        scratch->views.reset();
        r->views.reset();
        CHECK(!fs::exists(w.dir.path() / ("scratch-" + to_string(month))));
        CHECK(!fs::exists(options.scratch_dir));
    }
    check_forged_checkpoint(w, checkpoints);
}

TEST_CASE("replay: events recorded after the cut leave the month alone but show live and verify lists them", "[replay]") {
    World w;
    const Simulated s = simulate(w, 2);
    const Config& config = seed_config();
    const Period june{2025, 6}, july{2025, 7};
    auto before = replay::replay_month(*w.log, june, config, options_in(w, "scratch-before"));
    REQUIRE(before.has_value());
    const std::string json_before = replay::report_json(before->report);

    // A debit on a June invoice recorded after the simulation, a month after June's cut.
    const auto [provider, os, amount] = record_late_debit(w, s, before->report, s.sim->end() + 4LL * 86'400'000);
    const std::string row_key = "2025-06/" + os.value() + "/" + std::to_string(provider.value());

    // The old month replays as before; the live views have the debit.
    auto after = replay::replay_month(*w.log, june, config, options_in(w, "scratch-after"));
    REQUIRE(after.has_value());
    CHECK(replay::report_json(after->report) == json_before);
    require_same(after->report.digests, s.at_end.at(june));
    Runner live(*w.log, *w.views);
    REQUIRE(live.catch_up().has_value());
    const auto live_row = w.views->settlement({june, os, provider}).value();
    REQUIRE(live_row.size() == 1);
    CHECK(live_row[0].debits.at("LATE") == amount);

    // Verify lists the row and says events after the cut explain it.
    auto v = replay::verify_month(*w.log, *after, *w.views);
    REQUIRE(v.has_value());
    CHECK(!v->holds());
    CHECK(v->later_events >= 1);
    CHECK(v->events_after_cut > v->later_events);  // July's events too
    CHECK(v->replayed_sha256 != v->live_sha256);
    const auto d = std::find_if(v->differences.begin(), v->differences.end(),
                                [&](const replay::FieldDifference& x) { return x.row == row_key && x.field == "debits.LATE"; });
    REQUIRE(d != v->differences.end());
    CHECK(d->replayed == "0,00");
    CHECK(centavos(d->live) == amount);
    CHECK(d->later_events >= 1);
    // The last month: nothing after its cut concerns it but the June debit.
    auto last = replay::replay_month(*w.log, july, config, options_in(w, "scratch-last"));
    REQUIRE(last.has_value());
    auto v_last = replay::verify_month(*w.log, *last, *w.views);
    REQUIRE(v_last.has_value());
    CHECK(v_last->holds());
    CHECK(v_last->events_after_cut == 1);
    CHECK(v_last->later_events == 0);
    CHECK(v_last->replayed_sha256 == v_last->live_sha256);

    // The command says the same, and writes the report the library does.
    const uint64_t later = v->later_events;
    const std::string in_process = replay::report_json(after->report);
    w.views.reset();
    w.log.reset();  // the command opens the embedded log itself
    const fs::path out = w.dir.path() / "out";
    const std::string common = " --data " + w.dir.str() + " --partitions 4" + config_arg();
    const Run r = run("replay --month 2025-06 --verify --out " + out.string() + common);
    INFO(r.out);
    CHECK(r.code == 0);  // every difference is the late debit's
    CHECK(r.out.find("0 of them not explained by events after the cut") != std::string::npos);
    CHECK(r.out.find("differs " + row_key + " debits.LATE: replayed 0,00, live ") != std::string::npos);
    CHECK(r.out.find(std::to_string(later) + " events recorded after the cut change this period") != std::string::npos);
    CHECK(read_file(out / "report-2025-06.json") == in_process);
    CHECK(!fs::exists(out / ".scratch-views"));
    const Run ok = run("replay --month 2025-07 --verify --from-scratch" + common);
    INFO(ok.out);
    CHECK(ok.code == 0);
    CHECK(ok.out.find("the replay equals the live views") != std::string::npos);
    CHECK(ok.out.find("0 events recorded after the cut change this period") != std::string::npos);
    CHECK(fs::exists(w.dir.path() / "replay" / "2025-07" / "report-2025-07.xlsx"));

    // A live row no event explains (the views' store altered): verify fails and says so.
    alter_settlement_row(w.dir.path() / "views", july);
    const Run bad = run("replay --month 2025-07 --verify" + common);
    INFO(bad.out);
    CHECK(bad.code == 1);
    CHECK(bad.out.find("1 of them not explained by events after the cut") != std::string::npos);
}

TEST_CASE("replay: a month the log has not passed is not closed unless forced", "[replay]") {
    World w;
    simulate(w, 2);
    const Period june{2025, 6}, july{2025, 7};
    auto options = options_in(w, "scratch");
    options.checkpoints_dir = w.dir.path() / "checkpoints";
    // July is the log's last month: no record at or after its cut, so it can still receive events.
    auto open = replay::replay_month(*w.log, july, seed_config(), options);
    REQUIRE(open.has_value());
    CHECK(open->report.closing == replay::Closing::log_not_past_cut);
    CHECK_FALSE(open->report.checkpoint_kept);
    CHECK_FALSE(fs::exists(options.checkpoints_dir / "2025-07"));
    const fs::path out = w.dir.path() / "out";
    REQUIRE(replay::write_reports(open->report, out).has_value());
    CHECK(fs::exists(out / "report-2025-07.json"));
    CHECK_FALSE(fs::exists(out / "close-2025-07.json"));
    // June: July's records are past its cut.
    options.scratch_dir += "-june";  // July's views are still there
    auto closed = replay::replay_month(*w.log, june, seed_config(), options);
    REQUIRE(closed.has_value());
    CHECK(closed->report.closing == replay::Closing::closed);
    CHECK(closed->report.checkpoint_kept);

    w.views.reset();
    w.log.reset();
    const std::string common = " --data " + w.dir.str() + " --partitions 4" + config_arg();
    const Run refused = run("replay --month 2025-07" + common);
    INFO(refused.out);
    CHECK(refused.code == 0);  // the report of what was recorded so far is written
    CHECK(refused.out.find("2025-07 is not closed: the log holds no record at or after its cut (2025-08-01T00:00:00-03:00)") !=
          std::string::npos);
    CHECK(refused.out.find("--force-close") != std::string::npos);
    CHECK(fs::exists(w.dir.path() / "replay" / "2025-07" / "report-2025-07.json"));
    CHECK_FALSE(fs::exists(w.dir.path() / "replay" / "2025-07" / "close-2025-07.json"));
    CHECK_FALSE(fs::exists(w.dir.path() / "checkpoints" / "2025-07"));
    {  // A server closing July at this moment holds its lock: this replay is refused, nothing kept.
        const int fd = ::open((w.dir.path() / "checkpoints" / ".lock-2025-07").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        const Run busy = run("replay --month 2025-07 --force-close" + common);
        ::close(fd);
        INFO(busy.out);
        CHECK(busy.code == 1);
        CHECK(busy.out.find("replay.busy") != std::string::npos);
        CHECK(busy.out.find("2025-07 is being closed by another replay") != std::string::npos);
        CHECK_FALSE(fs::exists(w.dir.path() / "checkpoints" / "2025-07"));
    }
    const Run forced = run("replay --month 2025-07 --force-close" + common);
    INFO(forced.out);
    CHECK(forced.code == 0);
    CHECK(forced.out.find("is not closed") == std::string::npos);
    CHECK(fs::exists(w.dir.path() / "replay" / "2025-07" / "close-2025-07.json"));
    CHECK(fs::exists(w.dir.path() / "checkpoints" / "2025-07" / "close.json"));
}

TEST_CASE("replay: beside a running serve, replay and --verify read the log and the views it holds", "[replay]") {
    World w;
    simulate(w, 2);
    w.views.reset();
    w.log.reset();
    const std::string common = " --data " + w.dir.str() + " --partitions 4" + config_arg();
    Child serve(LIQUIDA_BIN, {"serve", "--data", w.dir.str(), "--partitions", "4", "--port", "0", "--config",
                              std::string(LIQUIDA_SOURCE_DIR) + "/ops/config/liquida.json"});
    const Run r = run("replay --month 2025-06 --verify" + common);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find((w.dir.path() / "log").string() + " is held by a running process") != std::string::npos);
    CHECK(r.out.find((w.dir.path() / "views").string() + " is held by a running process") != std::string::npos);
    CHECK(r.out.find("chain intact") != std::string::npos);
    CHECK(r.out.find("verify 2025-06: settlement of 2025-06: replayed ") != std::string::npos);  // it compared
    CHECK(fs::exists(w.dir.path() / "replay" / "2025-06" / "report-2025-06.json"));
    CHECK_FALSE(fs::exists(w.dir.path() / "replay" / "2025-06" / ".followers"));
    // Serve went on holding both, untouched.
    CHECK(serve.stop() == 0);
    auto log = liquida::events::open_embedded_log({(w.dir.path() / "log").string(), liquida::events::default_topics(4), false});
    CHECK(log.has_value());
}

TEST_CASE("replay: a checkpoint whose views an earlier liquida wrote is refused, and --from-scratch replays", "[replay]") {
    World w;
    simulate(w, 2);
    auto options = options_in(w, "scratch");
    options.checkpoints_dir = w.dir.path() / "checkpoints";
    REQUIRE(replay::replay_month(*w.log, {2025, 6}, seed_config(), options).has_value());
    alter_rocksdb((options.checkpoints_dir / "2025-06" / "views").string(),
                  [](rocksdb::DB& db, const ColumnFamilies& cf) { REQUIRE(db.Delete({}, cf.at("default"), "format").ok()); });
    auto refused = replay::replay_month(*w.log, {2025, 7}, seed_config(), options);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == liquida::replay::errc::checkpoint_mismatch);
    CHECK(refused.error().message.find("the checkpoint of 2025-06 cannot be used") != std::string::npos);
    CHECK(refused.error().message.find("replay with --from-scratch") != std::string::npos);
    options.from_scratch = true;
    CHECK(replay::replay_month(*w.log, {2025, 7}, seed_config(), options).has_value());
}

TEST_CASE("replay: the CSV and XLSX reports open and their totals match the JSON", "[replay]") {
    World w;
    simulate(w, 2);
    const Config& config = seed_config();
    auto options = options_in(w, "scratch");
    options.force_close = true;  // the log's last month: closed by force, so every file is written
    auto r = replay::replay_month(*w.log, {2025, 7}, config, options);
    REQUIRE(r.has_value());
    const replay::Report& report = r->report;
    const fs::path dir = w.dir.path() / "report";
    auto files = replay::write_reports(report, dir);
    REQUIRE(files.has_value());
    CHECK(files->size() == 9);  // the JSON, the close record, six CSVs, the XLSX
    for (const auto& f : *files) CHECK(fs::file_size(f) > 0);

    const auto json = nlohmann::json::parse(read_file(dir / "report-2025-07.json"));
    const auto& totals = json.at("totals");
    CHECK(json.at("month") == "2025-07");
    CHECK(json.at("cut") == "2025-08-01T00:00:00-03:00");
    CHECK(json.at("events").get<uint64_t>() == report.events);
    CHECK(totals.at("total").get<Centavos>() == report.totals.settlement.total());
    CHECK(totals.at("total").get<Centavos>() > 0);
    Centavos json_sum = 0;
    for (const auto& row : json.at("settlement")) json_sum += row.at("total").get<Centavos>();
    CHECK(json_sum == totals.at("total").get<Centavos>());

    // CSV: a header and one line per row; the money columns add up to the JSON's totals.
    const std::map<std::string, size_t> rows{
        {"settlement", report.settlement.size()}, {"settlement-obra-social", report.settlement_by_obra_social.size()},
        {"padron", report.padron.size()},         {"pending", report.pending.size()},
        {"validation", report.validation.size()}, {"invoices", report.invoices.size()}};
    std::map<std::string, std::vector<std::vector<std::string>>> csv;
    for (const auto& [section, n] : rows) {
        INFO(section);
        csv[section] = parse_csv(read_file(dir / (section + "-2025-07.csv")));
        CHECK(csv[section].size() == n + 1);
        CHECK(json.at(section).size() == n);
        for (const auto& line : csv[section]) CHECK(line.size() == csv[section][0].size());
    }
    CHECK(rows.at("invoices") > 0);
    CHECK(rows.at("pending") > 0);
    // One level per file: each adds up to the totals on its own.
    for (const char* level : {"settlement", "settlement-obra-social"}) {
        INFO(level);
        const auto& settlement = csv[level];
        const size_t total = column(settlement[0], "Total a facturar"), balance = column(settlement[0], "Saldo");
        Centavos total_sum = 0, balance_sum = 0;
        for (size_t i = 1; i < settlement.size(); ++i) {
            total_sum += centavos(settlement[i][total]);
            balance_sum += centavos(settlement[i][balance]);
        }
        CHECK(total_sum == totals.at("total").get<Centavos>());
        CHECK(balance_sum == totals.at("balance").get<Centavos>());
    }
    CHECK(column(csv["settlement"][0], "Razon social") > 0);  // names beside ids
    CHECK(column(csv["settlement-obra-social"][0], "Nombre obra social") > 0);
    const auto& invoices = csv["invoices"];
    Centavos invoiced = 0;
    for (size_t i = 1; i < invoices.size(); ++i) invoiced += centavos(invoices[i][column(invoices[0], "Importe")]);
    CHECK(invoiced == totals.at("invoices_amount").get<Centavos>());
    const auto& padron = csv["padron"];
    uint64_t standing = 0;
    for (size_t i = 1; i < padron.size(); ++i) standing += padron[i][column(padron[0], "En padron al 2025-07-31")] == "si" ? 1U : 0U;
    CHECK(standing == totals.at("in_good_standing").get<uint64_t>());

    // XLSX: a summary sheet then one sheet per section; money as numbers in pesos.
    check_xlsx(report, dir, w.dir.path() / "again", rows, totals);
}

TEST_CASE("replay: one byte of one event altered on disk is reported at its exact position", "[replay][chain]") {
    World w;
    simulate(w, 1);
    const Period month = kStart;
    {
        auto r = replay::replay_month(*w.log, month, seed_config(), options_in(w, "intact"));
        REQUIRE(r.has_value());
        CHECK_FALSE(r->report.chain_break.has_value());
        // The month-close record: per partition the cut offset and the hash of the record before it.
        const auto close = nlohmann::json::parse(replay::close_record_json(r->report));
        REQUIRE(close["partitions"].size() == r->report.cut_offsets.size());
        for (const auto& p : close["partitions"]) {
            const liquida::events::TopicPartition tp{p["topic"].get<std::string>(), p["partition"].get<int32_t>()};
            const int64_t end = p["end_offset"].get<int64_t>();
            CHECK(end == r->report.cut_offsets.at(tp));
            if (end == 0) continue;
            auto last = w.log->read(tp, end - 1, 1);
            REQUIRE(last.has_value());
            CHECK(p["last_hash"].get<std::string>() == liquida::events::to_hex(last->at(0).seal.hash.value()));
        }
    }

    // An order's amount, one centavo more, in the RocksDB record itself: the event still decodes.
    const liquida::events::TopicPartition tp{"liquida.orders", 1};
    const int64_t cut = *w.log->offset_for_time(tp, replay::cut_of(month));
    REQUIRE(cut > 20);
    int64_t target = -1;
    std::string pattern;
    for (int64_t o = cut / 2; o < cut && target < 0; ++o) {
        auto rec = w.log->read(tp, o, 1);
        REQUIRE(rec.has_value());
        auto e = liquida::events::decode(rec->at(0).record.value);
        REQUIRE(e.has_value());
        if (const auto* loaded = std::get_if<liquida::domain::OrderLoaded>(&e->payload); loaded && loaded->amount > 1000) {
            pattern.assign(reinterpret_cast<const char*>(&loaded->amount), sizeof loaded->amount);  // little-endian, as FlatBuffers
            target = o;
        }
    }
    REQUIRE(target >= 0);
    w.log.reset();
    flip_in_order_record(w.dir.path() / "log", target, pattern);
    auto reopened = liquida::events::open_embedded_log({(w.dir.path() / "log").string(), liquida::events::default_topics(4), false});
    REQUIRE(reopened.has_value());
    w.log = std::move(*reopened);
    auto altered = w.log->read(tp, target, 1);
    REQUIRE(altered.has_value());  // a valid record, only its amount changed
    auto r = replay::replay_month(*w.log, month, seed_config(), options_in(w, "altered"));
    REQUIRE(r.has_value());
    REQUIRE(r->report.chain_break.has_value());
    CHECK(r->report.chain_break->tp == tp);
    CHECK(r->report.chain_break->offset == target);
    CHECK(r->report.chain_break->reason.find("altered") != std::string::npos);

    w.log.reset();
    w.views.reset();
    const fs::path out = w.dir.path() / "report";
    const Run cli = run("replay --month 2025-06 --data " + w.dir.str() + " --partitions 4 --out " + out.string() + config_arg());
    INFO(cli.out);
    CHECK(cli.code == 1);
    CHECK(cli.out.find("chain BROKEN at liquida.orders/1 offset " + std::to_string(target) + ":") != std::string::npos);
    CHECK_FALSE(fs::exists(out / "close-2025-06.json"));  // no close record vouches for a broken chain
    const auto report = nlohmann::json::parse(read_file(out / "report-2025-06.json"));
    CHECK(report["chain"]["intact"] == false);
    CHECK(report["chain"]["broken"]["offset"] == target);
}

TEST_CASE("replay: bad arguments exit 2", "[replay]") {
    TempDir dir;
    const std::string data = " --data " + dir.str();
    const Run none = run("replay" + data);
    CHECK(none.code == 2);
    CHECK(none.out.find("--month") != std::string::npos);
    const Run bad = run("replay --month 2025-13" + data);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("2025-13") != std::string::npos);
    const Run no_log = run("replay --month 2025-06");
    CHECK(no_log.code == 2);
    CHECK(no_log.out.find("--data DIR") != std::string::npos);
    CHECK(run("replay --month 2025-06 --colour red" + data).code == 2);
    const Run no_dir = run("replay --month 2025-06 --data " + (dir.path() / "nothing").string());
    CHECK(no_dir.code == 2);
    CHECK(no_dir.out.find("no embedded log") != std::string::npos);
    CHECK(!fs::exists(dir.path() / "nothing"));
}

namespace {

// A provider with an invoice f1 of 3.000.000 for June, sent and accepted; `invoice_number`
// keeps two providers' comprobantes apart.
Member accepted_invoice(World& w, ProviderId id, uint32_t invoice_number = 4199) {
    Member m{w, id, provider_in_padron()};
    w.record_history(m.id, m.ledger);
    for (const char* order : {"a", "b"}) {
        m.ok(complete_order(order, kSancor, "330101", date_from_civil(2025, 6, 1)), at(2025, 6, 2));
        m.ok(ApproveOrder{order}, at(2025, 6, 3));
    }
    const TimestampMs t = at(2025, 6, 10);
    m.ok(IssueInvoice{"f1", kSancor, ComprobanteType::factura_b, BillingType::original, 17, invoice_number, "71110383321640", kStart,
                      3'000'000, date_from_civil(2025, 6, 10), "", "", attachments_for(kSancor)},
         t);
    m.ok(SendInvoice{"f1"}, t);
    m.ok(AcceptInvoice{"f1"}, t);
    return m;
}

}  // namespace

TEST_CASE("replay: a month whose amounts overflow int64 fails at the record instead of wrapping", "[replay][money]") {
    constexpr Centavos kMax = INT64_MAX;
    SECTION("the payment order of the finding: the same invoice twice, its paid amount past int64") {
        World w;
        Member m = accepted_invoice(w, ProviderId{1042});
        w.record(m.id,
                 {PaymentOrderIssued{kSancor,
                                     "PO-old",
                                     date_from_civil(2025, 6, 11),
                                     INT64_MIN + 49,
                                     {PaidInvoice{"f1", 100}, PaidInvoice{"f1", kMax - 50}},
                                     "CR-1",
                                     ""}},
                 at(2025, 6, 11));
        auto r = replay::replay_month(*w.log, kStart, seed_config(), options_in(w, "scratch"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == liquida::projections::errc::bad_record);
        INFO(r.error().message);
        CHECK(r.error().message.find("liquida.billing/") != std::string::npos);
        CHECK(r.error().message.find("do not fit int64 centavos") != std::string::npos);
    }
    SECTION("two providers each collected int64's maximum: each row fits, their roll-up does not") {
        World w;
        for (const uint64_t id : {uint64_t{7}, uint64_t{1042}}) {
            Member m = accepted_invoice(w, ProviderId{id}, static_cast<uint32_t>(4000 + id));
            w.record(m.id,
                     {PaymentOrderIssued{
                         kSancor, "PO-" + std::to_string(id), date_from_civil(2025, 6, 11), kMax, {PaidInvoice{"f1", kMax}}, "CR-1", ""}},
                     at(2025, 6, 11));
        }
        auto r = replay::replay_month(*w.log, kStart, seed_config(), options_in(w, "scratch"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == liquida::replay::errc::overflow);
        INFO(r.error().message);
        CHECK(r.error().message.find("does not fit int64 centavos") != std::string::npos);
    }
}

TEST_CASE("replay: a hostile razón social is exported inert in the CSV and the XLSX, amounts stay numbers", "[replay][csv]") {
    World w;
    Member m = accepted_invoice(w, ProviderId{1042});
    const std::string hostile = std::string("=HYPERLINK(\"http://evil.example/\";\"x\")") + '\0' + "\x01\x7f" + "\r\n";
    m.ok(UpdateProvider{hostile, IvaCondition::monotributo, kCbu, "A", "", "", ""}, at(2025, 6, 12));
    // A pending item whose credential starts like a formula, and an A10 row with the razón social.
    m.ok(SubmitBudget{7,
                      kInsssep,
                      "51868",
                      "-2+3",
                      "",
                      "",
                      "K029",
                      DiagnosisType::definitivo,
                      {BudgetLine{"100100", 18, ""}},
                      "DIABETICO - Tipo 2",
                      {}},
         at(2025, 6, 12));
    // More paid to the provider than is due (not a decision the domain would take): a negative amount.
    w.record(m.id, {ProviderPaid{kStart, kSancor, 500, kCbu, "tr-1"}}, at(2025, 6, 13));

    auto r = replay::replay_month(*w.log, kStart, seed_config(), options_in(w, "scratch"));
    REQUIRE(r.has_value());
    const fs::path dir = w.dir.path() / "report";
    REQUIRE(replay::write_reports(r->report, dir).has_value());
    const std::string inert = "'=HYPERLINK(\"\"http://evil.example/\"\";\"\"x\"\")";  // as RFC 4180 quotes it

    // CSV: the razón social quoted and prefixed, no control character left in any file.
    const std::string padron = read_file(dir / "padron-2025-06.csv");
    CHECK(padron.find(";\"" + inert + "\";") != std::string::npos);
    const std::string validation = read_file(dir / "validation-2025-06.csv");
    CHECK(validation.find(";\"" + inert + "\";") != std::string::npos);
    CHECK(read_file(dir / "pending-2025-06.csv").find(";'-2+3;") != std::string::npos);
    for (const char* section : {"settlement-obra-social", "settlement", "padron", "pending", "validation", "invoices"}) {
        INFO(section);
        const std::string csv = read_file(dir / (std::string(section) + "-2025-06.csv"));
        CHECK(csv.find(";=") == std::string::npos);
        CHECK(csv.find(";\"=") == std::string::npos);
        CHECK(csv.find('\0') == std::string::npos);
        CHECK(csv.find('\x01') == std::string::npos);
        CHECK(csv.find('\x7f') == std::string::npos);
        for (size_t at = csv.find('\r'); at != std::string::npos; at = csv.find('\r', at + 1)) CHECK(csv[at + 1] == '\n');
    }
    // Numbers are not text: the negative amount due keeps its sign, without a quote.
    const auto settlement = parse_csv(read_file(dir / "settlement-2025-06.csv"));
    const size_t due = column(settlement[0], "A pagar al prestador");
    REQUIRE(settlement.size() > 1);
    for (size_t i = 1; i < settlement.size(); ++i) CHECK(settlement[i][due] == "-5,00");

    // XLSX (inline strings): the same text in the Padron and Validacion A10 sheets, no formula cells.
    const fs::path xlsx = dir / "report-2025-06.xlsx";
    for (const char* sheet : {"xl/worksheets/sheet4.xml", "xl/worksheets/sheet6.xml"}) {
        INFO(sheet);
        const std::string xml = unzip(xlsx, sheet);
        CHECK(xml.find("<t>'=HYPERLINK(") != std::string::npos);
        CHECK(xml.find("<t>=") == std::string::npos);
        CHECK(xml.find("<f>") == std::string::npos);
        CHECK(xml.find("_x0000_") == std::string::npos);
        CHECK(xml.find("_x0001_") == std::string::npos);
        CHECK(xml.find('\x7f') == std::string::npos);
    }
    const std::string pending = unzip(xlsx, "xl/worksheets/sheet5.xml");
    CHECK(pending.find("<t>'-2+3</t>") != std::string::npos);
    const std::string liquidacion = unzip(xlsx, "xl/worksheets/sheet3.xml");
    CHECK(liquidacion.find("<v>-5</v>") != std::string::npos);  // a number cell, in pesos
}
