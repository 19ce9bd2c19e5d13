// The report's three formats. Every section is first laid out as one table (replay/listings.h),
// then written by the JSON, CSV and XLSX writers, so the three carry the same rows, columns
// and numbers.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "replay/replay.h"

namespace liquida::replay {

namespace {

// The report's sections in file order; each table is built when written, one at a time.
using Section = Table (*)(const Report&);
constexpr Section kSections[] = {
    [](const Report& r) { return settlement_by_obra_social_table(r.settlement_by_obra_social, r.names); },
    [](const Report& r) { return settlement_by_provider_table(r.settlement, r.names); },
    [](const Report& r) { return padron_table(r.padron, r.as_of); },
    [](const Report& r) { return pending_table(r.pending, r.as_of, r.names); },
    [](const Report& r) { return validation_table(r.validation, r.names); },
    [](const Report& r) { return invoices_table(r.invoices, r.names); },
};

// The summary: what the JSON's "totals" holds and the XLSX's first sheet lists.
std::vector<std::pair<Column, Value>> summary(const Report& r) {
    const Totals& t = r.totals;
    const projections::SettlementRow& s = t.settlement;
    return {{{"orders_approved", "Ordenes aprobadas", Kind::money}, money(s.orders_approved.amount)},
            {{"billable", "Practicas facturables", Kind::money}, money(s.billable.amount)},
            {{"total", "Total a facturar", Kind::money}, money(s.total())},
            {{"invoiced", "Facturado", Kind::money}, money(s.invoiced.amount)},
            {{"reinvoiced", "Refacturado", Kind::money}, money(s.reinvoiced)},
            {{"debited", "Debitos", Kind::money}, money(s.debited())},
            {{"balance", "Saldo", Kind::money}, money(s.balance())},
            {{"collected", "Cobrado", Kind::money}, money(s.collected)},
            {{"retained", "Retenido", Kind::money}, money(s.retained())},
            {{"paid_to_provider", "Pagado a prestadores", Kind::money}, money(s.paid_to_provider)},
            {{"due_to_provider", "A pagar a prestadores", Kind::money}, money(s.due_to_provider())},
            {{"settlement_rows", "Filas de liquidacion (prestador)", Kind::integer}, count(r.settlement.size())},
            {{"providers", "Prestadores registrados", Kind::integer}, count(t.providers)},
            {{"in_good_standing", "En padron al " + domain::to_string(r.as_of), Kind::integer}, count(t.in_good_standing)},
            {{"pending_items", "Items pendientes de consumo", Kind::integer}, count(t.pending_items)},
            {{"validation_rows", "Filas de validacion A10", Kind::integer}, count(t.validation_rows)},
            {{"invoices", "Facturas F4", Kind::integer}, count(t.invoices)},
            {{"invoices_amount", "Importe facturas F4", Kind::money}, money(t.invoices_amount)},
            {{"invoices_debits", "Debitos facturas F4", Kind::money}, money(t.invoices_debits)},
            {{"invoices_balance", "Saldo facturas F4", Kind::money}, money(t.invoices_balance)}};
}

result<liquida::ok_t> write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return fail(errc::io_error, "replay: cannot write " + path.string());
    return liquida::ok;
}

}  // namespace

std::string file_stem(std::string_view section, Period month) { return std::string(section) + "-" + domain::to_string(month); }

namespace {

// The JSON report: json_head, then json_section for each section, then "\n}\n". One member
// per line, and one element per line in arrays: readable, diffable, greppable. Rows are written
// one by one, never held as one tree (a year's report is over 100 MB of JSON).
using ojson = nlohmann::ordered_json;
std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

void json_head(std::ostream& out, const Report& r) {
    ojson offsets = ojson::array();
    for (const auto& [tp, offset] : r.cut_offsets)
        offsets.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"offset", offset}});
    ojson digests = ojson::array();
    for (const auto& d : r.digests) digests.push_back({{"view", d.view}, {"sha256", d.sha256}, {"rows", d.rows}});
    ojson totals = ojson::object();
    for (const auto& [column, value] : summary(r)) totals[column.key] = to_json(value, column.kind);
    ojson chain = ojson::object();
    chain["intact"] = !r.chain_break.has_value();
    chain["broken"] = r.chain_break ? ojson{{"topic", r.chain_break->tp.topic},
                                            {"partition", r.chain_break->tp.partition},
                                            {"offset", r.chain_break->offset},
                                            {"reason", r.chain_break->reason}}
                                    : ojson(nullptr);
    std::vector<std::pair<std::string, ojson>> members{
        {"month", domain::to_string(r.month)},
        {"cut", domain::to_iso_local(r.cut)},
        {"cut_ms", r.cut},
        {"as_of", domain::to_string(r.as_of)},
        {"events", r.events},
        {"from_checkpoint", r.from_checkpoint ? ojson(domain::to_string(*r.from_checkpoint)) : ojson(nullptr)},
        {"out_of_order", r.out_of_order},
        {"cut_offsets", offsets},
        {"digests", digests},
        {"chain", chain},
        {"totals", totals}};
    out << "{";
    for (size_t m = 0; m < members.size(); ++m) {
        const auto& [key, value] = members[m];
        out << (m == 0 ? "\n " : ",\n ") << dump(key) << ": ";
        if (!value.is_array() || value.empty()) {
            out << dump(value);
            continue;
        }
        out << "[";
        for (size_t i = 0; i < value.size(); ++i) out << (i == 0 ? "\n  " : ",\n  ") << dump(value[i]);
        out << "\n ]";
    }
}

void json_section(std::ostream& out, const Table& t) {
    out << ",\n " << dump(t.section) << ": ";
    if (t.rows.empty()) {
        out << "[]";
        return;
    }
    out << "[";
    for (size_t n = 0; n < t.rows.size(); ++n) {
        ojson o = ojson::object();
        for (size_t i = 0; i < t.rows[n].size(); ++i) o[t.columns[i].key] = to_json(t.rows[n][i], t.columns[i].kind);
        out << (n == 0 ? "\n  " : ",\n  ") << dump(o);
    }
    out << "\n ]";
}

}  // namespace

std::string report_json(const Report& r) {
    std::ostringstream out;
    json_head(out, r);
    for (auto section : kSections) json_section(out, section(r));
    out << "\n}\n";
    return std::move(out).str();
}

std::map<std::string, std::string> report_csv(const Report& r) {
    std::map<std::string, std::string> out;
    for (auto section : kSections) {
        const Table t = section(r);
        out[t.section] = csv(t);
    }
    return out;
}

std::string close_record_json(const Report& r) {
    ojson partitions = ojson::array();
    for (const ChainEnd& c : r.chain)
        partitions.push_back({{"topic", c.tp.topic}, {"partition", c.tp.partition}, {"end_offset", c.end}, {"last_hash", c.hash}});
    ojson close{{"month", domain::to_string(r.month)}, {"cut", domain::to_iso_local(r.cut)}, {"cut_ms", r.cut}, {"partitions", partitions}};
    return close.dump(1) + "\n";
}

result<std::vector<std::filesystem::path>> write_reports(const Report& r, const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(errc::io_error, "replay: cannot create " + dir.string() + ": " + ec.message());
    std::vector<std::filesystem::path> files;
    const auto json_path = dir / (file_stem("report", r.month) + ".json");
    files.push_back(json_path);
    if (r.closing == Closing::closed) {  // a close record vouches for the month: none for one still open or with a broken chain
        const auto close_path = dir / (file_stem("close", r.month) + ".json");
        if (auto w = write_file(close_path, close_record_json(r)); !w) return failure(std::move(w).error());
        files.push_back(close_path);
    }

    const auto xlsx_path = dir / (file_stem("report", r.month) + ".xlsx");
    Workbook x(xlsx_path, "Liquida: replay " + domain::to_string(r.month), r.cut);
    std::vector<std::pair<Column, Value>> items{
        {{"month", "Mes", Kind::text}, text(domain::to_string(r.month))},
        {{"cut", "Corte", Kind::text}, text(domain::to_iso_local(r.cut))},
        {{"as_of", "Al dia", Kind::date}, date(r.as_of)},
        {{"events", "Eventos", Kind::integer}, count(r.events)},
        {{"chain", "Cadena de hashes", Kind::text},
         text(r.chain_break ? "ROTA en " + r.chain_break->tp.topic + "/" + std::to_string(r.chain_break->tp.partition) + " offset " +
                                  std::to_string(r.chain_break->offset)
                            : std::string("integra"))}};
    for (const auto& d : r.digests) items.push_back({{"sha256", "SHA-256 " + d.view, Kind::text}, text(d.sha256)});
    for (auto& item : summary(r)) items.push_back(std::move(item));
    x.summary("Resumen", items);

    // Section by section into the JSON, its CSV and its sheet: one table in memory at a time,
    // its sheet written on a second thread while this one writes the JSON and the CSV.
    std::ofstream json(json_path, std::ios::binary | std::ios::trunc);
    json_head(json, r);
    for (auto section : kSections) {
        const Table t = section(r);
        std::jthread sheet([&] { x.sheet(t); });  // joined before `t` goes
        json_section(json, t);
        const auto path = dir / (file_stem(t.section, r.month) + ".csv");
        if (auto w = write_file(path, csv(t)); !w) return failure(std::move(w).error());
        files.push_back(path);
    }
    json << "\n}\n";
    json.close();
    if (!json) return fail(errc::io_error, "replay: cannot write " + json_path.string());
    if (const std::string e = x.close(); !e.empty()) return fail(errc::io_error, "replay: cannot write " + xlsx_path.string() + ": " + e);
    files.push_back(xlsx_path);
    return files;
}

}  // namespace liquida::replay
