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

std::vector<std::pair<Column, Value>> summary(const Download& d) {
    std::vector<std::pair<Column, Value>> items = d.filters;
    for (const replay::Table& t : d.tables) {
        items.push_back({{t.section + ".rows", t.sheet + ": filas", Kind::integer}, replay::count(t.rows.size())});
        for (size_t c = 0; c < t.columns.size(); ++c) {
            if (t.columns[c].kind != Kind::money) continue;
            std::optional<domain::Centavos> sum = 0;
            for (const auto& row : t.rows)
                if (const auto* v = std::get_if<int64_t>(&row[c]); v && sum) sum = domain::money::add(*sum, *v);
            items.push_back({{t.section + "." + t.columns[c].key, t.sheet + ": " + t.columns[c].header, Kind::money}, replay::money(sum)});
        }
    }
    return items;
}

HttpResponse download(const Download& d, Format format, replay::CsvDialect dialect, domain::TimestampMs now) {
    const std::string path = temporary_file();
    if (path.empty()) {
        std::fprintf(stderr, "liquida: download %s: cannot create a temporary file\n", d.name.c_str());
        return failed();
    }
    std::string error;
    if (format == Format::xlsx) {
        replay::Workbook book(path, d.title, now);
        book.summary("Resumen", summary(d));
        for (const replay::Table& t : d.tables) book.sheet(t);
        error = book.close();
    } else {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!d.tables.empty()) replay::write_csv(out, d.tables.front(), dialect);
        out.close();
        if (!out) error = "write failed";
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
