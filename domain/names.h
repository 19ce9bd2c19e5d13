// How the API, the reports and their CSV files spell the domain's values: the snake_case
// names of its enums (in enum order) and CSV fields as a spreadsheet reads them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace liquida::domain {

inline constexpr std::string_view kDocumentTypeNames[] = {"rnp", "afip", "cbu", "seguro", "anexo1"};
inline constexpr std::string_view kDocumentStatusNames[] = {"pending", "approved", "rejected", "expired"};
inline constexpr std::string_view kRetentionKindNames[] = {"colegio_fee", "iibb", "ganancias", "iva", "other"};

// names[v], or v in digits for a value the table does not know.
template <size_t N>
std::string name_of(const std::string_view (&names)[N], uint8_t v) {
    return v < N ? std::string(names[v]) : std::to_string(v);
}

// Quoted (RFC 4180) when it holds the separator ';', a quote or a line break.
inline std::string to_csv_field(std::string_view v) {
    if (v.find_first_of(";\"\n\r") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace liquida::domain
