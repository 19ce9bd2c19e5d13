// How the API, the reports and their CSV files spell the domain's values: the snake_case
// names of its enums (in enum order) and text cells as a spreadsheet reads them, inert.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace liquida::domain {

inline constexpr std::string_view kIvaConditionNames[] = {"responsable_inscripto", "monotributo", "exento", "consumidor_final",
                                                          "no_alcanzado"};
inline constexpr std::string_view kComprobanteNames[] = {"factura_a", "factura_b", "factura_c",
                                                         "factura_e", "factura_m", "resumen_x"};  // F2
inline constexpr std::string_view kDocumentTypeNames[] = {"rnp", "afip", "cbu", "seguro", "anexo1"};
inline constexpr std::string_view kDiagnosisTypeNames[] = {"presuntivo", "definitivo"};                                 // A3
inline constexpr std::string_view kItemResultNames[] = {"autorizada", "rechazada", "en_auditoria"};                     // A7
inline constexpr std::string_view kBillingTypeNames[] = {"original", "refacturacion", "ajuste"};                        // F2
inline constexpr std::string_view kTipoFacturacionNames[] = {"honorarios_y_gastos", "solo_honorarios", "solo_gastos"};  // A8
inline constexpr std::string_view kCredentialTypeNames[] = {"no_informado", "credencial", "credencial_digital", "dni",
                                                            "numero_asociado"};  // A1
inline constexpr std::string_view kDocumentStatusNames[] = {"pending", "approved", "rejected", "expired"};
inline constexpr std::string_view kRetentionKindNames[] = {"colegio_fee", "iibb", "ganancias", "iva", "other"};
inline constexpr std::string_view kInvoiceStatusNames[] = {"cargada", "enviada", "observada", "aceptada", "ingresada", "rechazada"};  // F3
// F4: an invoice's state in the listing, F3's then "cancelado" (not rejected, paid in full).
inline constexpr std::string_view kInvoiceListingStates[] = {"cargada",   "enviada",   "observada", "aceptada",
                                                             "ingresada", "rechazada", "cancelado"};
inline constexpr std::string_view kAttachmentKindNames[] = {"factura", "constancia_cae",      "inscripcion_afip",
                                                            "cbu",     "planilla_asistencia", "informe"};
inline constexpr std::string_view kOrderStatusNames[] = {"pending", "approved", "rejected"};  // OrderStatus (domain/state.h)
// O2: why the colegio rejects an order (RejectOrder.reason_code); "other" needs a reason.
inline constexpr std::string_view kOrderRejectReasons[] = {"missing_patient_signature", "missing_professional_signature",
                                                           "missing_professional_stamp", "missing_required_field", "other"};

// The same values as a person reads them in the spreadsheets and the dashboard, in Spanish.
inline constexpr std::string_view kIvaConditionLabels[] = {"Responsable inscripto", "Monotributo", "Exento", "Consumidor final",
                                                           "No alcanzado"};
inline constexpr std::string_view kDocumentTypeLabels[] = {"RNP", "AFIP", "CBU", "Seguro de mala praxis", "Anexo I"};
inline constexpr std::string_view kDocumentStatusLabels[] = {"Pendiente", "Aprobado", "Rechazado", "Vencido"};
inline constexpr std::string_view kRetentionKindLabels[] = {"Cuota del colegio", "IIBB", "Ganancias", "IVA", "Otras"};
inline constexpr std::string_view kAttachmentKindLabels[] = {"Factura",           "Constancia de CAE",      "Inscripción en AFIP",
                                                             "Constancia de CBU", "Planilla de asistencia", "Informe"};
// A1: the credential's "Tipo" of seed 002's screen ("Tipo" and "Nro. de credencial").
inline constexpr std::string_view kCredentialTypeLabels[] = {"No informado", "Credencial", "Credencial digital", "DNI",
                                                             "Número de asociado"};
// A8: a consumed item's "T.Fac" or "Tipo F" (seed 002's ticket prints "H Y G", its report "Total").
inline constexpr std::string_view kTipoFacturacionLabels[] = {"Total (H y G)", "Solo honorarios", "Solo gastos"};
inline constexpr std::string_view kOrderStatusLabels[] = {"Pendiente de revisión", "Aprobada", "Rechazada"};
inline constexpr std::string_view kOrderRejectReasonLabels[] = {"Falta la firma del paciente", "Falta la firma del profesional",
                                                                "Falta el sello del profesional", "Falta un dato requerido", "Otro motivo"};
// F4 as the insurer's portal words it: under audit or accepted, "en proceso de liquidación";
// in its books, "disponible para el pago"; paid in full, "Comprobante Cancelado".
inline constexpr std::string_view kInvoiceListingStateLabels[] = {"Comprobante cargado",
                                                                  "Comprobante en proceso de liquidación",
                                                                  "Comprobante observado",
                                                                  "Comprobante en proceso de liquidación",
                                                                  "Factura disponible para el pago",
                                                                  "Comprobante rechazado",
                                                                  "Comprobante Cancelado"};
static_assert(std::size(kIvaConditionLabels) == std::size(kIvaConditionNames));
static_assert(std::size(kTipoFacturacionLabels) == std::size(kTipoFacturacionNames));
static_assert(std::size(kDocumentTypeLabels) == std::size(kDocumentTypeNames));
static_assert(std::size(kInvoiceListingStateLabels) == std::size(kInvoiceListingStates));
inline constexpr std::string_view kCancelado = kInvoiceListingStates[std::size(kInvoiceStatusNames)];
static_assert(std::size(kInvoiceListingStates) == std::size(kInvoiceStatusNames) + 1 && [] {
    for (size_t i = 0; i < std::size(kInvoiceStatusNames); ++i)
        if (kInvoiceListingStates[i] != kInvoiceStatusNames[i]) return false;
    return true;
}());
static_assert(std::size(kDocumentStatusLabels) == std::size(kDocumentStatusNames));
static_assert(std::size(kRetentionKindLabels) == std::size(kRetentionKindNames));
static_assert(std::size(kAttachmentKindLabels) == std::size(kAttachmentKindNames));
static_assert(std::size(kOrderStatusLabels) == std::size(kOrderStatusNames));
static_assert(std::size(kCredentialTypeLabels) == std::size(kCredentialTypeNames));
static_assert(std::size(kOrderRejectReasonLabels) == std::size(kOrderRejectReasons));

// A state written in snake_case ("en_auditoria", "cancelado") as a label: "En auditoria", "Cancelado".
inline std::string state_label(std::string_view state) {
    std::string out(state);
    for (char& c : out)
        if (c == '_') c = ' ';
    if (!out.empty() && out.front() >= 'a' && out.front() <= 'z') out.front() = static_cast<char>(out.front() - 'a' + 'A');
    return out;
}

// labels[i] for the i-th of names equal to `name`, else state_label(name).
template <size_t N>
std::string label_of(const std::string_view (&names)[N], const std::string_view (&labels)[N], std::string_view name) {
    for (size_t i = 0; i < N; ++i)
        if (names[i] == name) return std::string(labels[i]);
    return state_label(name);
}

// names[v], or v in digits for a value the table does not know.
template <size_t N>
std::string name_of(const std::string_view (&names)[N], uint8_t v) {
    return v < N ? std::string(names[v]) : std::to_string(v);
}

// A text cell of any CSV, TXT or XLSX export, as no spreadsheet can run it (OWASP CSV
// injection): control characters (0x00-0x1F, 0x7F) dropped, and a cell that started with
// '=', '+', '-', '@', a tab or a carriage return, or does once they are dropped, prefixed
// with a single quote. Text only: numbers are written as numbers, so a negative amount
// keeps its sign.
inline std::string spreadsheet_text(std::string_view v) {
    constexpr std::string_view kTriggers = "=+-@\t\r";
    std::string out;
    out.reserve(v.size() + 1);
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7F) out += c;
    }
    if (!out.empty() && (kTriggers.find(v.front()) != std::string_view::npos || kTriggers.find(out.front()) != std::string_view::npos))
        out.insert(0, 1, '\'');
    return out;
}

// A CSV text field: spreadsheet_text, quoted (RFC 4180) when it holds the separator ';' or a quote.
inline std::string to_csv_field(std::string_view v) {
    std::string text = spreadsheet_text(v);
    if (text.find_first_of(";\"") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace liquida::domain
