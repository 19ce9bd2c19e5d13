#include "gateway/downloads.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "domain/money.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using replay::Column;
using replay::Kind;
using replay::Value;

namespace {

HttpResponse failed() { return error(500, "download.failed", "No se pudo escribir el archivo; el error quedó registrado en el servidor."); }

// One detail sheet's lines on the Resumen: its rows and the sum of each amount column, added
// up chunk by chunk as they are written, so the summary ties out to the detail by construction.
class Totals {
public:
    explicit Totals(const replay::Table& header)
        : section_(header.section), sheet_(header.sheet), columns_(header.columns), sums_(columns_.size(), 0) {}
    void add(const replay::Table& chunk) {
        rows_ += chunk.rows.size();
        for (const auto& row : chunk.rows)
            for (size_t c = 0; c < row.size() && c < columns_.size(); ++c)
                if (const auto* v = std::get_if<int64_t>(&row[c]); v && columns_[c].kind == Kind::money && sums_[c])
                    sums_[c] = domain::money::add(*sums_[c], *v);
    }
    void lines(std::vector<std::pair<Column, Value>>& out) const {
        out.push_back({{section_ + ".rows", sheet_ + ": filas", Kind::integer}, replay::count(rows_)});
        for (size_t c = 0; c < columns_.size(); ++c)
            if (columns_[c].kind == Kind::money)
                out.push_back(
                    {{section_ + "." + columns_[c].key, sheet_ + ": " + columns_[c].header, Kind::money}, replay::money(sums_[c])});
    }

private:
    std::string section_, sheet_;
    std::vector<Column> columns_;
    uint64_t rows_ = 0;
    std::vector<std::optional<domain::Centavos>> sums_;  // none once a sum does not fit int64
};

// Writes the file; an error message, empty when written.
std::string write(const Download& d, Format format, replay::CsvDialect dialect, domain::TimestampMs now, const std::string& path) {
    if (format == Format::xlsx) {
        replay::Workbook book(path, d.title, now);
        book.reserve_summary("Resumen");  // the first sheet, filled once the detail is written
        std::vector<Totals> totals;
        for (size_t i = 0; i < d.tables.size(); ++i) {
            Totals& sheet = totals.emplace_back(d.tables[i]);
            book.begin_sheet(d.tables[i]);
            book.rows(d.tables[i]);
            sheet.add(d.tables[i]);
            if (i + 1 == d.tables.size() && d.more)
                for (replay::Table chunk; d.more(chunk); chunk = {}) {
                    book.rows(chunk);
                    sheet.add(chunk);
                }
            book.end_sheet();
        }
        std::vector<std::pair<Column, Value>> items = d.filters;
        for (const Totals& t : totals) t.lines(items);
        book.summary("Resumen", items);
        return book.close();
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!d.tables.empty()) {
        replay::write_csv(out, d.tables.front(), dialect);
        if (d.tables.size() == 1 && d.more)
            for (replay::Table chunk; d.more(chunk); chunk = {}) replay::write_csv_rows(out, chunk, dialect);
    }
    out.close();
    return out ? std::string() : "write failed";
}

}  // namespace

std::string temporary_file() {
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec);
    std::string path = (ec ? std::filesystem::path("/tmp") : dir) / "liquida-download-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) return {};
    ::close(fd);
    return path;
}

std::optional<Format> parse_format(std::string_view v) {
    if (v.empty() || v == "json") return Format::json;
    if (v == "csv") return Format::csv;
    if (v == "xlsx") return Format::xlsx;
    return std::nullopt;
}

std::optional<replay::CsvDialect> parse_dialect(std::string_view v) {
    if (v.empty() || v == "ar") return replay::kCsvArgentina;
    if (v == "plain") return replay::kCsvPlain;
    return std::nullopt;
}

std::string file_name(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (std::string_view part : parts) {
        std::string kept;
        for (char c : part)
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') kept += c;
        if (kept.empty()) continue;
        if (!out.empty()) out += '-';
        out += kept;
    }
    return out;
}

HttpResponse download(const Download& d, Format format, replay::CsvDialect dialect, domain::TimestampMs now) {
    const std::string path = temporary_file();
    if (path.empty()) {
        std::fprintf(stderr, "liquida: download %s: cannot create a temporary file\n", d.name.c_str());
        return failed();
    }
    std::string error;
    try {
        error = write(d, format, dialect, now, path);
    } catch (...) {  // a chunk that could not be read: no file left behind
        std::error_code ec;
        std::filesystem::remove(path, ec);
        throw;
    }
    if (!error.empty()) {
        std::fprintf(stderr, "liquida: download %s: %s\n", d.name.c_str(), error.c_str());
        std::error_code ec;
        std::filesystem::remove(path, ec);
        return failed();
    }
    const bool xlsx = format == Format::xlsx;
    HttpResponse r{200,
                   xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
                   {},
                   {{"Content-Disposition", "attachment; filename=\"" + d.name + (xlsx ? ".xlsx\"" : ".csv\"")}},
                   path};
    return r;
}

}  // namespace liquida::gateway
