// A listing as a file people open in a spreadsheet: CSV (one table) or XLSX (a Resumen
// sheet, then one sheet per table). Written to a temporary file that the server streams from
// disk and removes (HttpResponse::body_file), so a large listing is never one buffer.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/server.h"
#include "replay/sheets.h"

namespace liquida::gateway {

enum class Format : uint8_t { json, csv, xlsx };
// The `format` parameter: empty or "json", "csv", "xlsx"; nullopt for anything else (406).
std::optional<Format> parse_format(std::string_view value);
// The `dialect` parameter of a CSV: empty or "ar" (';' and a decimal comma), "plain" (','
// and a point); nullopt for anything else.
std::optional<replay::CsvDialect> parse_dialect(std::string_view value);

struct Download {
    // The file's name without extension, built from the listing and its filters:
    // "facturas-2025-06-sancor". Only letters, digits, '-' and '_' are kept.
    std::string name;
    std::string title;                  // the workbook's title
    std::vector<replay::Table> tables;  // CSV: the first only
    // The Resumen sheet's first lines (the filters); then, per table, its rows and the sum of
    // each money column, so the summary ties out to the detail sheets by construction.
    std::vector<std::pair<replay::Column, replay::Value>> filters;
    // Optional: further rows of the last table, a chunk at a time into `chunk` (false when none
    // is left), so that a long listing is never whole in memory.
    std::function<bool(replay::Table& chunk)> more;
};

// The file name for a listing and its filters: each part kept only for [A-Za-z0-9_-], empty
// parts skipped, joined by '-'.
std::string file_name(std::initializer_list<std::string_view> parts);

// A new empty file in the temporary directory, only ours, for HttpResponse::body_file; empty
// when none could be made.
std::string temporary_file();

// 200 with the file as an attachment, or 500 when it could not be written.
HttpResponse download(const Download& d, Format format, replay::CsvDialect dialect, domain::TimestampMs now);

}  // namespace liquida::gateway
