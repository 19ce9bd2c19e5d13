#include "replay/sheets.h"

#include <xlsxwriter.h>

#include <sstream>

#include "domain/names.h"

namespace liquida::replay {

namespace {

// Excel counts days from 1899-12-30; Date from 1970-01-01.
constexpr double kExcelEpochDays = 25569;
constexpr double kDayMs = 86'400'000;

std::string iso_date(int64_t days) { return domain::to_string(domain::Date{static_cast<int32_t>(days)}); }

// "2025-06-25 10:55", Argentina time: what a spreadsheet parses as a date and time.
std::string local_minute(domain::TimestampMs t) {
    std::string iso = domain::to_iso_local(t);  // 2025-06-25T10:55:00-03:00
    if (iso.size() >= 16) {
        iso.resize(16);
        iso[10] = ' ';
    }
    return iso;
}

std::string csv_field(std::string_view v, char separator) {
    std::string text = domain::spreadsheet_text(v);
    if (text.find(separator) == std::string::npos && text.find('"') == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_value(const Value& v, Kind kind, CsvDialect dialect) {
    if (const auto* s = std::get_if<std::string>(&v)) return csv_field(*s, dialect.separator);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "si" : "no";
    const auto* i = std::get_if<int64_t>(&v);
    if (i == nullptr) return {};
    switch (kind) {
        case Kind::money: {
            std::string pesos = domain::to_pesos(*i);  // "1234,56"
            if (!dialect.decimal_comma) std::replace(pesos.begin(), pesos.end(), ',', '.');
            return pesos;
        }
        case Kind::date: return iso_date(*i);
        case Kind::instant: return local_minute(*i);
        case Kind::text:
        case Kind::integer:
        case Kind::boolean: return std::to_string(*i);
    }
    return std::to_string(*i);
}

}  // namespace

nlohmann::ordered_json to_json(const Value& v, Kind kind) {
    if (const auto* i = std::get_if<int64_t>(&v)) {
        if (kind == Kind::date) return iso_date(*i);
        if (kind == Kind::instant) return domain::to_iso_local(*i);
    }
    return std::visit(
        [](const auto& x) -> nlohmann::ordered_json {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) return nullptr;
            else return x;
        },
        v);
}

void write_csv(std::ostream& out, const Table& t, CsvDialect dialect) {
    out << "\xEF\xBB\xBF";
    for (size_t i = 0; i < t.columns.size(); ++i)
        out << (i == 0 ? "" : std::string(1, dialect.separator)) << csv_field(t.columns[i].header, dialect.separator);
    out << "\r\n";
    write_csv_rows(out, t, dialect);
}

void write_csv_rows(std::ostream& out, const Table& t, CsvDialect dialect) {
    for (const auto& row : t.rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            if (i != 0) out << dialect.separator;
            out << csv_value(row[i], t.columns[i].kind, dialect);
        }
        out << "\r\n";
    }
}

std::string csv(const Table& t, CsvDialect dialect) {
    std::ostringstream out;
    write_csv(out, t, dialect);
    return std::move(out).str();
}

Workbook::Workbook(const std::filesystem::path& path, const std::string& title, domain::TimestampMs created) {
    lxw_workbook_options options{};
    options.constant_memory = 1;  // rows streamed to temporary files; strings inline
    options.use_zip64 = 1;
    wb_ = workbook_new_opt(path.c_str(), &options);
    if (wb_ == nullptr) return;
    header_ = workbook_add_format(wb_);
    format_set_bold(header_);
    money_ = workbook_add_format(wb_);
    format_set_num_format(money_, "\"$\" #,##0.00;-\"$\" #,##0.00");  // shown with the reader's separators: $ 1.234,56 in es-AR
    integer_ = workbook_add_format(wb_);
    format_set_num_format(integer_, "0");
    date_ = workbook_add_format(wb_);
    format_set_num_format(date_, "dd/mm/yyyy");
    instant_ = workbook_add_format(wb_);
    format_set_num_format(instant_, "dd/mm/yyyy hh:mm");
    title_ = title;
    author_ = "Liquida";
    lxw_doc_properties p{};
    p.title = title_.data();
    p.author = author_.data();
    p.created = static_cast<time_t>(created / 1000);
    check(workbook_set_properties(wb_, &p));
}

Workbook::~Workbook() {
    if (wb_ != nullptr) workbook_close(wb_);
}

void Workbook::check(int e) {
    if (error_ == LXW_NO_ERROR) error_ = e;
}

void Workbook::sheet(const Table& t) {
    begin_sheet(t);
    rows(t);
    end_sheet();
}

void Workbook::begin_sheet(const Table& t) {
    open_ = nullptr;
    open_rows_ = 0;
    if (wb_ == nullptr || error_ != LXW_NO_ERROR) return;
    lxw_worksheet* ws = workbook_add_worksheet(wb_, t.sheet.c_str());
    if (ws == nullptr) return check(LXW_ERROR_SHEETNAME_ALREADY_USED);
    for (size_t c = 0; c < t.columns.size(); ++c) {
        const Kind kind = t.columns[c].kind;
        const double width = kind == Kind::text ? 24 : kind == Kind::money ? 16 : kind == Kind::instant ? 17 : 12;
        const auto col = static_cast<lxw_col_t>(c);
        check(worksheet_set_column(ws, col, col, width, nullptr));
        check(worksheet_write_string(ws, 0, col, domain::spreadsheet_text(t.columns[c].header).c_str(), header_));
    }
    open_ = ws;
    open_columns_ = t.columns;
}

void Workbook::rows(const Table& t) {
    if (open_ == nullptr || error_ != LXW_NO_ERROR) return;
    for (const auto& row : t.rows) {
        ++open_rows_;
        for (size_t c = 0; c < row.size() && c < open_columns_.size(); ++c)
            cell(open_, open_rows_, static_cast<lxw_col_t>(c), row[c], open_columns_[c].kind);
    }
}

void Workbook::end_sheet() {
    if (open_ == nullptr) return;
    worksheet_freeze_panes(open_, 1, 0);
    if (!open_columns_.empty()) check(worksheet_autofilter(open_, 0, 0, open_rows_, static_cast<lxw_col_t>(open_columns_.size() - 1)));
    open_ = nullptr;
}

void Workbook::reserve_summary(const std::string& name) {
    if (wb_ == nullptr || error_ != LXW_NO_ERROR) return;
    summary_ = workbook_add_worksheet(wb_, name.c_str());
    if (summary_ == nullptr) check(LXW_ERROR_SHEETNAME_ALREADY_USED);
}

void Workbook::summary(const std::string& name, const std::vector<std::pair<Column, Value>>& items) {
    if (wb_ == nullptr || error_ != LXW_NO_ERROR) return;
    lxw_worksheet* ws = summary_ != nullptr ? summary_ : workbook_add_worksheet(wb_, name.c_str());
    if (ws == nullptr) return check(LXW_ERROR_SHEETNAME_ALREADY_USED);
    check(worksheet_set_column(ws, 0, 0, 40, nullptr));
    check(worksheet_set_column(ws, 1, 1, 24, nullptr));
    check(worksheet_write_string(ws, 0, 0, "Concepto", header_));
    check(worksheet_write_string(ws, 0, 1, "Valor", header_));
    for (size_t r = 0; r < items.size(); ++r) {
        const auto row = static_cast<lxw_row_t>(r + 1);
        check(worksheet_write_string(ws, row, 0, domain::spreadsheet_text(items[r].first.header).c_str(), nullptr));
        cell(ws, row, 1, items[r].second, items[r].first.kind);
    }
    worksheet_freeze_panes(ws, 1, 0);
}

std::string Workbook::close() {
    if (wb_ == nullptr) return "cannot create the workbook";
    const lxw_error e = workbook_close(wb_);
    wb_ = nullptr;
    if (error_ != LXW_NO_ERROR) return lxw_strerror(static_cast<lxw_error>(error_));
    return e == LXW_NO_ERROR ? std::string() : lxw_strerror(e);
}

void Workbook::cell(lxw_worksheet* ws, uint32_t r, uint16_t c, const Value& v, Kind kind) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        // Text as the CSV writes it: never a formula, no control characters (domain/names.h).
        if (const std::string text = domain::spreadsheet_text(*s); !text.empty())
            check(worksheet_write_string(ws, r, c, text.c_str(), nullptr));
    } else if (const auto* b = std::get_if<bool>(&v)) {
        check(worksheet_write_string(ws, r, c, *b ? "si" : "no", nullptr));
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
        switch (kind) {
            case Kind::money: return check(worksheet_write_number(ws, r, c, static_cast<double>(*i) / 100.0, money_));
            case Kind::date: return check(worksheet_write_number(ws, r, c, static_cast<double>(*i) + kExcelEpochDays, date_));
            case Kind::instant: {
                const double local = static_cast<double>(*i + domain::kArgentinaOffsetMs) / kDayMs;
                return check(worksheet_write_number(ws, r, c, local + kExcelEpochDays, instant_));
            }
            case Kind::text:
            case Kind::integer:
            case Kind::boolean: return check(worksheet_write_number(ws, r, c, static_cast<double>(*i), integer_));
        }
    }
}

}  // namespace liquida::replay
