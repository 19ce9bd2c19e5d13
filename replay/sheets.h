// Listings as tables, and the writers that turn one table into JSON rows, CSV and an XLSX
// sheet: the month's report (replay) and the server's downloads (gateway) write the same
// columns and numbers in every format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "domain/types.h"

typedef struct lxw_workbook lxw_workbook;
typedef struct lxw_format lxw_format;
typedef struct lxw_worksheet lxw_worksheet;

namespace liquida::replay {

// How a column's values are written. Money is int64 centavos (a number in pesos with the
// `$ #.##0,00` format in XLSX, pesos with a decimal comma or point in CSV, centavos in JSON);
// a date is int64 days since 1970-01-01 and an instant int64 milliseconds, both Argentina
// time (a date or date-time cell in XLSX; YYYY-MM-DD and "YYYY-MM-DD HH:MM" in CSV; JSON as
// the API writes them).
enum class Kind : uint8_t { text, integer, money, boolean, date, instant };

struct Column {
    std::string key;     // JSON
    std::string header;  // CSV and XLSX, in Spanish
    Kind kind = Kind::text;
};

// std::monostate: no value (null in JSON, an empty cell in CSV and XLSX).
using Value = std::variant<std::monostate, std::string, int64_t, bool>;

inline Value count(int64_t v) { return Value(v); }
inline Value count(uint64_t v) { return Value(static_cast<int64_t>(v)); }
inline Value money(domain::Centavos v) { return Value(v); }
// A derived amount; none when it does not fit int64.
inline Value money(std::optional<domain::Centavos> v) { return v ? Value(*v) : Value(); }
inline Value text(std::string v) { return Value(std::move(v)); }
inline Value date(domain::Date d) { return Value(int64_t{d.days}); }
inline Value date(std::optional<domain::Date> d) { return d ? date(*d) : Value(); }
inline Value instant(domain::TimestampMs t) { return Value(t); }

struct Table {
    std::string section;  // "settlement": the file stem and the JSON member
    std::string sheet;    // XLSX sheet name (at most 31 characters)
    std::vector<Column> columns;
    std::vector<std::vector<Value>> rows;
};

nlohmann::ordered_json to_json(const Value& v, Kind kind);

// CSV for spreadsheets: UTF-8 with a byte order mark (so Excel reads the accents), a header
// line, CRLF, RFC 4180 quoting, text cells made inert (domain::spreadsheet_text). Argentine
// locales: ';' between fields and a decimal comma ("1234,56"); otherwise ',' and a point.
struct CsvDialect {
    char separator = ';';
    bool decimal_comma = true;
};
inline constexpr CsvDialect kCsvArgentina{';', true};
inline constexpr CsvDialect kCsvPlain{',', false};
void write_csv(std::ostream& out, const Table& table, CsvDialect dialect = kCsvArgentina);
// The rows alone: a further chunk of a table whose header was written.
void write_csv_rows(std::ostream& out, const Table& chunk, CsvDialect dialect = kCsvArgentina);
std::string csv(const Table& table, CsvDialect dialect = kCsvArgentina);

// An XLSX file written as it is built (libxlsxwriter in constant memory: rows go to
// temporary files, so a sheet's size is not held in memory). Every sheet has its header row
// frozen and filters on; amounts are numbers formatted `$ #.##0,00`, dates are dates.
class Workbook {
public:
    // `created` instead of the current time: the same listing, the same bytes.
    Workbook(const std::filesystem::path& path, const std::string& title, domain::TimestampMs created);
    ~Workbook();
    Workbook(const Workbook&) = delete;
    Workbook& operator=(const Workbook&) = delete;

    void sheet(const Table& table);
    // A sheet written a chunk of rows at a time: begin_sheet with the table's header, rows
    // for each chunk (in order), end_sheet; no other sheet in between.
    void begin_sheet(const Table& header);
    void rows(const Table& chunk);
    void end_sheet();
    // Two columns, "Concepto" and "Valor"; each value written as its concept's kind. A sheet
    // reserved first (reserve_summary) is filled now, wherever the sheets added since stand.
    void reserve_summary(const std::string& name);
    void summary(const std::string& name, const std::vector<std::pair<Column, Value>>& items);
    // Closes and writes the file; an error message, empty when it was written.
    std::string close();

private:
    void check(int error);
    void cell(lxw_worksheet* ws, uint32_t row, uint16_t col, const Value& v, Kind kind);
    lxw_workbook* wb_ = nullptr;
    lxw_format* header_ = nullptr;
    lxw_format* money_ = nullptr;
    lxw_format* integer_ = nullptr;
    lxw_format* date_ = nullptr;
    lxw_format* instant_ = nullptr;
    lxw_worksheet* open_ = nullptr;  // the sheet begin_sheet started
    std::vector<Column> open_columns_;
    uint32_t open_rows_ = 0;
    lxw_worksheet* summary_ = nullptr;  // reserved
    int error_ = 0;
    std::string title_, author_;  // outlive workbook_close, which reads them
};

}  // namespace liquida::replay
