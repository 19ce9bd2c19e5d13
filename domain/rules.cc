#include "domain/rules.h"

#include <algorithm>

#include "domain/identity.h"
#include "domain/money.h"
#include "domain/names.h"
#include "domain/queries.h"

namespace liquida::domain {
namespace {

std::string_view document_name(DocumentType t) noexcept {
    constexpr std::string_view kNames[] = {"RNP", "AFIP", "CBU", "SEGURO", "ANEXO1"};  // as the seeds write them
    static_assert(std::size(kNames) == std::size(kDocumentTypeNames));
    const auto i = static_cast<size_t>(t);
    return i < std::size(kNames) ? kNames[i] : std::string_view{"?"};
}

// A shared check's refusal: its code after the command's area.
DomainError error(Area area, SharedCode what, std::string message, std::string field) {
    return DomainError{shared_code(area, what), std::move(message), std::move(field)};
}

}  // namespace

Check require_padron(const ProviderLedger& s, TimestampMs now, Area area) {
    const Date today = local_date(now);
    if (!s.provider.registered) return error(area, "provider_not_registered", "El prestador no está registrado.", "provider");
    if (!s.provider.enrolled) return error(area, "provider_not_in_padron", "El prestador no está inscripto en el padrón.", "provider");
    if (const auto doc = missing_document(s.provider, today))
        return error(area, "provider_not_in_padron",
                     "El prestador no está en el padrón: documentación " + std::string(document_name(*doc)) + " no aprobada o vencida.",
                     "provider");
    return std::nullopt;
}

Check require_padron_on(const ProviderLedger& s, Date day, Area area, std::string field) {
    const std::string on = "El prestador no estaba en el padrón el " + to_string(day);
    if (day < s.provider.enrolled_on)
        return error(area, "not_in_padron_that_day", on + ": se inscribió el " + to_string(s.provider.enrolled_on) + ".", std::move(field));
    if (const auto doc = missing_document(s.provider, day))
        return error(area, "not_in_padron_that_day",
                     on + ": documentación " + std::string(document_name(*doc)) + " no aprobada o vencida ese día.", std::move(field));
    return std::nullopt;
}

Check require_adhered(const ProviderLedger& s, const Config& config, const ObraSocialId& id, Area area) {
    if (config.obra_social(id) == nullptr)
        return error(area, "unknown_obra_social", "Obra social desconocida: " + id.value() + ".", "obra_social");
    if (!s.provider.provider_numbers.contains(id))
        return error(area, "obra_social_not_adhered", "El prestador no está adherido a " + id.value() + ".", "obra_social");
    return std::nullopt;
}

Check require_practice(const ObraSocialConfig& os, std::string_view practice, Area area, const std::string& field) {
    const auto normalized = normalize_practice_code(practice);
    if (!normalized) return error(area, "invalid_practice_code", "El código de práctica debe tener 6 dígitos.", field);
    if (os.practice(*normalized) == nullptr)
        return error(area, "practice_not_agreed", "Práctica " + *normalized + " no convenida con " + os.name + ".", field);
    return std::nullopt;
}

std::optional<Centavos> basis_points(Centavos value, uint32_t bp) noexcept {
    const auto scaled = money::Sum(money::mul(value, bp)).add(5'000).value();
    if (!scaled) return std::nullopt;
    return *scaled / 10'000;
}

std::optional<Centavos> raised_fee(const ObraSocialConfig& os, Centavos fee, const std::string& category) noexcept {
    const auto it = os.category_increments_bp.find(category);
    if (it == os.category_increments_bp.end()) return fee;
    return money::Sum(fee).add(basis_points(fee, it->second)).value();
}

Check check_comprobante(uint32_t punto_de_venta, uint32_t number, std::string_view cae, Area area, bool fiscal) {
    if (punto_de_venta == 0 || punto_de_venta > 99'999)
        return error(area, "invalid_punto_de_venta", "El punto de venta debe tener 5 dígitos.", "punto_de_venta");
    if (number == 0 || number > 99'999'999)
        return error(area, "invalid_number", "El número de comprobante debe tener 8 dígitos.", "number");
    if (!fiscal) {
        if (!cae.empty()) return error(area, "cae_not_allowed", "Un resumen X no lleva CAE.", "cae");
    } else if (!is_digits(cae, 14)) {
        return error(area, "invalid_cae", "El CAE debe tener 14 dígitos.", "cae");
    }
    return std::nullopt;
}

Check check_label(std::string_view value, size_t max_bytes, Code code, std::string field, std::string_view label) {
    const bool control = std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (value.size() <= max_bytes && !control) return std::nullopt;
    return error(code, "Revise " + std::string(label) + ": hasta " + std::to_string(max_bytes) + " bytes, sin caracteres de control.",
                 std::move(field));
}

Check require_text(std::string_view value, Code code, std::string message, std::string field) {
    if (!value.empty()) return std::nullopt;
    return error(code, std::move(message), std::move(field));
}

Check check_payment_order(std::string_view type, std::string_view number, std::string_view retention_certificate) {
    if (number.empty()) return error("payment_order.id_required", "Falta el número de orden de pago.", "payment_order");
    if (type.size() > kMaxPaymentOrderType ||
        !std::all_of(type.begin(), type.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); }))
        return error("payment_order.invalid_type", "El tipo de orden de pago lleva hasta 8 letras mayúsculas o dígitos (APB).",
                     "payment_order_type");
    if (retention_certificate.empty())
        return error("payment_order.retention_certificate_required", "Falta el certificado de retenciones.", "retention_certificate");
    return std::nullopt;
}

}  // namespace liquida::domain
