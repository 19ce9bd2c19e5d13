// The report's three formats. Every section is first laid out as one table (columns with a
// JSON key, a spreadsheet header and a kind), then written by the JSON, CSV and XLSX writers,
// so the three carry the same rows, columns and numbers.
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <set>
#include <variant>

#include "domain/names.h"
#include "replay/replay.h"

namespace liquida::replay {

using events::errc;
using events::fail;

namespace {

enum class Kind : uint8_t { text, integer, money, boolean };

struct Column {
    std::string key;     // JSON
    std::string header;  // CSV and XLSX
    Kind kind = Kind::text;
};

// std::monostate: no value (null in JSON, empty in CSV and XLSX). Money is int64 centavos.
using Value = std::variant<std::monostate, std::string, int64_t, bool>;

struct Table {
    std::string section;  // "settlement": the CSV's file stem and the JSON member
    std::string sheet;    // XLSX sheet name
    std::vector<Column> columns;
    std::vector<std::vector<Value>> rows;
};


Value count(int64_t v) { return Value(v); }
Value count(uint64_t v) { return Value(static_cast<int64_t>(v)); }
Value money(Centavos v) { return Value(v); }
// A derived amount; none (empty cell, JSON null) when it does not fit int64, which the
// replay's checks rule out for the rows it reports.
Value money(std::optional<Centavos> v) { return v ? Value(*v) : Value(); }
Value text(std::string v) { return Value(std::move(v)); }
Value date(Date d) { return Value(domain::to_string(d)); }
Value provider_value(ProviderId p) { return p.value() == 0 ? Value() : count(p.value()); }

Table settlement_table(const Report& r) {
    std::set<std::string> reasons;
    for (const auto& row : r.settlement)
        for (const auto& [reason, amount] : row.debits)
            if (amount != 0) reasons.insert(reason);
    Table t{"settlement", "Liquidacion", {}, {}};
    t.columns = {{"level", "Nivel", Kind::text},
                 {"period", "Periodo", Kind::text},
                 {"obra_social", "Obra social", Kind::text},
                 {"provider", "Prestador", Kind::integer},
                 {"orders_loaded", "Ordenes cargadas", Kind::integer},
                 {"orders_loaded_amount", "Importe ordenes cargadas", Kind::money},
                 {"orders_approved", "Ordenes aprobadas", Kind::integer},
                 {"orders_approved_amount", "Importe ordenes aprobadas", Kind::money},
                 {"orders_rejected", "Ordenes rechazadas", Kind::integer},
                 {"orders_rejected_amount", "Importe ordenes rechazadas", Kind::money},
                 {"orders_rolled", "Ordenes pasadas al periodo siguiente", Kind::integer},
                 {"orders_rolled_amount", "Importe ordenes pasadas", Kind::money},
                 {"billable", "Practicas facturables", Kind::integer},
                 {"billable_amount", "Importe practicas", Kind::money},
                 {"total", "Total a facturar", Kind::money},
                 {"invoiced", "Facturas", Kind::integer},
                 {"invoiced_amount", "Facturado", Kind::money},
                 {"reinvoiced", "Refacturado", Kind::money}};
    for (const std::string& reason : reasons) t.columns.push_back({"debits_" + reason, "Debitos " + reason, Kind::money});
    t.columns.insert(t.columns.end(), {{"debited", "Debitos", Kind::money},
                                       {"balance", "Saldo", Kind::money},
                                       {"collected", "Cobrado", Kind::money}});
    for (const std::string_view kind : domain::kRetentionKindNames)
        t.columns.push_back({"retention_" + std::string(kind), "Retencion " + std::string(kind), Kind::money});
    t.columns.insert(t.columns.end(), {{"retained", "Retenido", Kind::money},
                                       {"paid_to_provider", "Pagado al prestador", Kind::money},
                                       {"due_to_provider", "A pagar al prestador", Kind::money},
                                       {"invoice_state", "Estado factura", Kind::text}});
    auto add = [&](const projections::SettlementRow& s, const char* level) {
        std::vector<Value> row{text(level),
                               text(domain::to_string(s.period)),
                               text(s.obra_social.value()),
                               provider_value(s.provider),
                               count(s.orders_loaded.count),
                               money(s.orders_loaded.amount),
                               count(s.orders_approved.count),
                               money(s.orders_approved.amount),
                               count(s.orders_rejected.count),
                               money(s.orders_rejected.amount),
                               count(s.orders_rolled.count),
                               money(s.orders_rolled.amount),
                               count(s.billable.count),
                               money(s.billable.amount),
                               money(s.total()),
                               count(s.invoiced.count),
                               money(s.invoiced.amount),
                               money(s.reinvoiced)};
        for (const std::string& reason : reasons) {
            const auto it = s.debits.find(reason);
            row.push_back(money(it == s.debits.end() ? 0 : it->second));
        }
        row.insert(row.end(), {money(s.debited()), money(s.balance()), money(s.collected)});
        for (size_t k = 0; k < std::size(domain::kRetentionKindNames); ++k) {
            const auto it = s.retentions.find(static_cast<domain::RetentionKind>(k));
            row.push_back(money(it == s.retentions.end() ? 0 : it->second));
        }
        row.insert(row.end(), {money(s.retained()), money(s.paid_to_provider), money(s.due_to_provider()), text(s.invoice_state)});
        t.rows.push_back(std::move(row));
    };
    for (const auto& s : r.settlement_by_obra_social) add(s, "obra_social");
    for (const auto& s : r.settlement) add(s, "prestador");
    return t;
}

Table padron_table(const Report& r) {
    Table t{"padron", "Padron", {}, {}};
    t.columns = {{"provider", "Prestador", Kind::integer},
                 {"matricula", "Matricula", Kind::text},
                 {"cuit", "CUIT", Kind::text},
                 {"razon_social", "Razon social", Kind::text},
                 {"category", "Categoria", Kind::text},
                 {"enrolled", "Empadronado", Kind::boolean},
                 {"enrolled_on", "Fecha de alta", Kind::text},
                 {"left_on", "Fecha de baja", Kind::text},
                 {"in_good_standing", "En padron al " + domain::to_string(r.as_of), Kind::boolean},
                 {"missing_document", "Documento faltante", Kind::text},
                 {"adhesions", "Adhesiones", Kind::text}};
    for (const std::string_view type : domain::kDocumentTypeNames)
        t.columns.push_back({"document_" + std::string(type), "Documento " + std::string(type), Kind::text});
    for (const PadronEntry& p : r.padron) {
        const auto& s = p.row.state;
        std::string adhesions;
        for (const auto& [os, number] : s.provider_numbers) adhesions += (adhesions.empty() ? "" : " ") + os.value() + "=" + number;
        std::vector<Value> row{count(p.row.provider.value()),
                               text(s.identity.matricula),
                               text(s.identity.cuit),
                               text(s.identity.razon_social),
                               text(s.identity.category),
                               Value(s.enrolled),
                               s.enrolled ? date(s.enrolled_on) : Value(),
                               p.row.left_on ? date(*p.row.left_on) : Value(),
                               Value(p.in_good_standing),
                               p.missing_document ? text(domain::name_of(domain::kDocumentTypeNames, static_cast<uint8_t>(*p.missing_document))) : Value(),
                               text(adhesions)};
        const auto documents = p.row.documents();
        for (size_t type = 0; type < std::size(domain::kDocumentTypeNames); ++type) {
            const auto d = std::find_if(documents.begin(), documents.end(),
                                        [&](const projections::DocumentRow& x) { return static_cast<size_t>(x.type) == type; });
            row.push_back(d == documents.end() ? Value()
                                               : text(domain::name_of(domain::kDocumentStatusNames, static_cast<uint8_t>(d->status)) + " hasta " +
                                                      domain::to_string(d->expires_on)));
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table pending_table(const Report& r) {
    Table t{"pending", "Pendientes", {}, {}};
    t.columns = {{"provider", "Prestador", Kind::integer},      {"obra_social", "Obra social", Kind::text},
                 {"transaction", "Transaccion", Kind::text},    {"item", "Item", Kind::integer},
                 {"affiliate_number", "Afiliado", Kind::text},  {"credential", "Credencial", Kind::text},
                 {"practice_code", "Practica", Kind::text},     {"tooth", "Pieza", Kind::integer},
                 {"faces", "Caras", Kind::text},                {"authorized_at", "Autorizada", Kind::text},
                 {"age_days", "Dias al " + domain::to_string(r.as_of), Kind::integer}};
    for (const projections::PendingRow& p : r.pending) {
        const auto& x = p.transaction;
        t.rows.push_back({count(p.provider.value()), text(p.obra_social.value()),
                          text(std::to_string(x.boca) + "-" + x.serie + "-" + std::to_string(x.number)), count(int64_t{p.item}),
                          text(p.affiliate_number), text(p.credential), text(p.practice_code), count(int64_t{p.tooth}), text(p.faces),
                          text(domain::to_iso_local(p.authorized_at)), count(int64_t{p.age_days(r.as_of)})});
    }
    return t;
}

Table validation_table(const Report& r) {
    Table t{"validation", "Validacion A10", {}, {}};
    t.columns = {{"obra_social", "Obra social", Kind::text},          {"provider", "Prestador", Kind::integer},
                 {"provider_number", "Nro prestador", Kind::text},   {"razon_social", "Razon social", Kind::text},
                 {"matricula", "Matricula", Kind::text},              {"order_number", "Nro orden", Kind::text},
                 {"order_date", "Fecha", Kind::text},                 {"affiliate_number", "Afiliado", Kind::text},
                 {"practice_code", "Practica", Kind::text},           {"state", "Estado", Kind::text}};
    for (const ValidationEntry& v : r.validation) {
        const auto& x = v.row;
        t.rows.push_back({text(v.obra_social.value()), count(v.provider.value()), text(x.provider_number), text(x.razon_social),
                          text(x.matricula), text(x.order_number), date(x.order_date), text(x.affiliate_number),
                          text(x.practice_code), text(x.state)});
    }
    return t;
}

Table invoices_table(const Report& r) {
    Table t{"invoices", "Facturas F4", {}, {}};
    t.columns = {{"provider", "Prestador", Kind::integer},  {"obra_social", "Obra social", Kind::text},
                 {"period", "Periodo", Kind::text},         {"received_on", "Recepcion", Kind::text},
                 {"invoice", "Factura", Kind::text},        {"amount", "Importe", Kind::money},
                 {"debits", "Debitos", Kind::money},        {"balance", "Saldo", Kind::money},
                 {"due_on", "Vencimiento", Kind::text},     {"state", "Estado", Kind::text},
                 {"payment_order", "Orden de pago", Kind::text}, {"debit_sheet", "Hoja de debito", Kind::text}};
    for (const InvoiceEntry& i : r.invoices) {
        const auto& x = i.row;
        t.rows.push_back({count(i.provider.value()), text(i.obra_social.value()), text(domain::to_string(i.period)), date(x.received_on),
                          text(x.invoice), money(x.amount), money(x.debits), money(x.balance), date(x.due_on), text(x.state),
                          text(x.payment_order), text(x.debit_sheet)});
    }
    return t;
}

// The report's sections in file order; each table is built when written, one at a time.
constexpr Table (*kSections[])(const Report&) = {settlement_table, padron_table, pending_table, validation_table, invoices_table};

std::vector<Table> tables(const Report& r) {
    std::vector<Table> out;
    for (auto section : kSections) out.push_back(section(r));
    return out;
}

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

nlohmann::ordered_json to_json(const Value& v) {
    return std::visit(
        [](const auto& x) -> nlohmann::ordered_json {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) return nullptr;
            else return x;
        },
        v);
}

std::string csv_text(const Value& v, Kind kind) {
    if (const auto* s = std::get_if<std::string>(&v)) return domain::to_csv_field(*s);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "si" : "no";
    if (const auto* i = std::get_if<int64_t>(&v)) return kind == Kind::money ? domain::to_pesos(*i) : std::to_string(*i);
    return {};
}

std::string csv(const Table& t) {
    std::string out;
    auto line = [&](auto&& field, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            if (i != 0) out += ';';
            out += field(i);
        }
        out += "\r\n";
    };
    line([&](size_t i) { return domain::to_csv_field(t.columns[i].header); }, t.columns.size());
    for (const auto& row : t.rows) line([&](size_t i) { return csv_text(row[i], t.columns[i].kind); }, row.size());
    return out;
}

events::result<liquida::ok_t> write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return fail(errc::io_error, "replay: cannot write " + path.string());
    return liquida::ok;
}

// --- XLSX ---
class Xlsx {
public:
    explicit Xlsx(const std::filesystem::path& path) {
        lxw_workbook_options options{};
        options.constant_memory = 1;  // rows streamed to temporary files; strings inline
        options.use_zip64 = 1;
        wb_ = workbook_new_opt(path.c_str(), &options);
        if (wb_ == nullptr) return;
        header_ = workbook_add_format(wb_);
        format_set_bold(header_);
        money_ = workbook_add_format(wb_);
        format_set_num_format(money_, "\"$\" #,##0.00;-\"$\" #,##0.00");
        integer_ = workbook_add_format(wb_);
        format_set_num_format(integer_, "0");
    }
    ~Xlsx() {
        if (wb_ != nullptr) workbook_close(wb_);
    }
    Xlsx(const Xlsx&) = delete;
    Xlsx& operator=(const Xlsx&) = delete;

    // The title, and `created` instead of the current time: the same report, the same bytes.
    void properties(std::string title, TimestampMs created) {
        if (!ok()) return;
        title_ = std::move(title);
        author_ = "Liquida";
        lxw_doc_properties p{};
        p.title = title_.data();
        p.author = author_.data();
        p.created = static_cast<time_t>(created / 1000);
        check(workbook_set_properties(wb_, &p));
    }

    bool ok() const { return wb_ != nullptr && error_ == LXW_NO_ERROR; }
    std::string error() const { return wb_ == nullptr ? "cannot create the workbook" : lxw_strerror(error_); }

    void sheet(const std::string& name, const std::vector<Column>& columns, const std::vector<std::vector<Value>>& rows) {
        if (!ok()) return;
        lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
        if (ws == nullptr) {
            error_ = LXW_ERROR_SHEETNAME_ALREADY_USED;
            return;
        }
        for (size_t c = 0; c < columns.size(); ++c) {
            const double width = columns[c].kind == Kind::text ? 22 : columns[c].kind == Kind::money ? 16 : 12;
            check(worksheet_set_column(ws, col(c), col(c), width, nullptr));
            check(worksheet_write_string(ws, 0, col(c), domain::spreadsheet_text(columns[c].header).c_str(), header_));
        }
        for (size_t r = 0; r < rows.size(); ++r)
            for (size_t c = 0; c < rows[r].size(); ++c) cell(ws, static_cast<lxw_row_t>(r + 1), col(c), rows[r][c], columns[c].kind);
        worksheet_freeze_panes(ws, 1, 0);
        if (!columns.empty()) check(worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(rows.size()), col(columns.size() - 1)));
    }

    // Two columns, concept and value; each value written as its concept's kind.
    void summary_sheet(const std::string& name, const std::vector<std::pair<Column, Value>>& items) {
        if (!ok()) return;
        lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
        if (ws == nullptr) {
            error_ = LXW_ERROR_SHEETNAME_ALREADY_USED;
            return;
        }
        check(worksheet_set_column(ws, 0, 0, 36, nullptr));
        check(worksheet_set_column(ws, 1, 1, 24, nullptr));
        check(worksheet_write_string(ws, 0, 0, "Concepto", header_));
        check(worksheet_write_string(ws, 0, 1, "Valor", header_));
        for (size_t r = 0; r < items.size(); ++r) {
            const auto row = static_cast<lxw_row_t>(r + 1);
            check(worksheet_write_string(ws, row, 0, domain::spreadsheet_text(items[r].first.header).c_str(), nullptr));
            cell(ws, row, 1, items[r].second, items[r].first.kind);
        }
    }

    // Closes and writes the file.
    lxw_error close() {
        if (wb_ == nullptr) return LXW_ERROR_CREATING_XLSX_FILE;
        const lxw_error e = workbook_close(wb_);
        wb_ = nullptr;
        return error_ != LXW_NO_ERROR ? error_ : e;
    }

private:
    static lxw_col_t col(size_t c) { return static_cast<lxw_col_t>(c); }
    void check(lxw_error e) {
        if (error_ == LXW_NO_ERROR) error_ = e;
    }
    void cell(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, const Value& v, Kind kind) {
        if (const auto* s = std::get_if<std::string>(&v)) {
            // Text as the CSV writes it: never a formula, no control characters (domain/names.h).
            if (const std::string text = domain::spreadsheet_text(*s); !text.empty())
                check(worksheet_write_string(ws, r, c, text.c_str(), nullptr));
        } else if (const auto* b = std::get_if<bool>(&v)) {
            check(worksheet_write_string(ws, r, c, *b ? "si" : "no", nullptr));
        } else if (const auto* i = std::get_if<int64_t>(&v)) {
            if (kind == Kind::money) check(worksheet_write_number(ws, r, c, static_cast<double>(*i) / 100.0, money_));
            else check(worksheet_write_number(ws, r, c, static_cast<double>(*i), integer_));
        }
    }

    lxw_workbook* wb_ = nullptr;
    lxw_format* header_ = nullptr;
    lxw_format* money_ = nullptr;
    lxw_format* integer_ = nullptr;
    lxw_error error_ = LXW_NO_ERROR;
    std::string title_, author_;  // outlive workbook_close, which reads them
};

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
    for (const auto& [tp, offset] : r.cut_offsets) offsets.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"offset", offset}});
    ojson digests = ojson::array();
    for (const auto& d : r.digests) digests.push_back({{"view", d.view}, {"sha256", d.sha256}, {"rows", d.rows}});
    ojson totals = ojson::object();
    for (const auto& [column, value] : summary(r)) totals[column.key] = to_json(value);
    ojson chain = ojson::object();
    chain["intact"] = !r.chain_break.has_value();
    chain["broken"] = r.chain_break ? ojson{{"topic", r.chain_break->tp.topic},
                                            {"partition", r.chain_break->tp.partition},
                                            {"offset", r.chain_break->offset},
                                            {"reason", r.chain_break->reason}}
                                    : ojson(nullptr);
    std::vector<std::pair<std::string, ojson>> members{{"month", domain::to_string(r.month)},
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
        for (size_t i = 0; i < t.rows[n].size(); ++i) o[t.columns[i].key] = to_json(t.rows[n][i]);
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
    for (const Table& t : tables(r)) out[t.section] = csv(t);
    return out;
}

std::string close_record_json(const Report& r) {
    using ojson = nlohmann::ordered_json;
    ojson partitions = ojson::array();
    for (const ChainEnd& c : r.chain)
        partitions.push_back({{"topic", c.tp.topic}, {"partition", c.tp.partition}, {"end_offset", c.end}, {"last_hash", c.hash}});
    ojson close{{"month", domain::to_string(r.month)}, {"cut", domain::to_iso_local(r.cut)}, {"cut_ms", r.cut}, {"partitions", partitions}};
    return close.dump(1) + "\n";
}

events::result<std::vector<std::filesystem::path>> write_reports(const Report& r, const std::filesystem::path& dir) {
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
    Xlsx x(xlsx_path);
    x.properties("Liquida: replay " + domain::to_string(r.month), r.cut);
    std::vector<std::pair<Column, Value>> items{{{"month", "Mes", Kind::text}, text(domain::to_string(r.month))},
                                                {{"cut", "Corte", Kind::text}, text(domain::to_iso_local(r.cut))},
                                                {{"as_of", "Al dia", Kind::text}, date(r.as_of)},
                                                {{"events", "Eventos", Kind::integer}, count(r.events)},
                                                {{"chain", "Cadena de hashes", Kind::text},
                                                 text(r.chain_break ? "ROTA en " + r.chain_break->tp.topic + "/" +
                                                                          std::to_string(r.chain_break->tp.partition) + " offset " +
                                                                          std::to_string(r.chain_break->offset)
                                                                    : std::string("integra"))}};
    for (const auto& d : r.digests) items.push_back({{"sha256", "SHA-256 " + d.view, Kind::text}, text(d.sha256)});
    for (auto& item : summary(r)) items.push_back(std::move(item));
    x.summary_sheet("Resumen", items);

    // Section by section into the JSON, its CSV and its sheet: one table in memory at a time.
    std::ofstream json(json_path, std::ios::binary | std::ios::trunc);
    json_head(json, r);
    for (auto section : kSections) {
        const Table t = section(r);
        json_section(json, t);
        const auto path = dir / (file_stem(t.section, r.month) + ".csv");
        if (auto w = write_file(path, csv(t)); !w) return failure(std::move(w).error());
        files.push_back(path);
        x.sheet(t.sheet, t.columns, t.rows);
    }
    json << "\n}\n";
    json.close();
    if (!json) return fail(errc::io_error, "replay: cannot write " + json_path.string());
    if (const lxw_error e = x.close(); e != LXW_NO_ERROR)
        return fail(errc::io_error, "replay: cannot write " + xlsx_path.string() + ": " + lxw_strerror(e));
    files.push_back(xlsx_path);
    return files;
}

}  // namespace liquida::replay
