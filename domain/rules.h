// Internal to domain/: checks shared by the decide functions of several aggregates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/config.h"
#include "domain/error.h"
#include "domain/money.h"
#include "domain/state.h"

namespace liquida::domain {

// A check passes (nullopt) or says why the command is rejected.
using Check = std::optional<DomainError>;

inline DomainError error(Code code, std::string message, std::string field) {
    return DomainError{std::string(code.name()), std::move(message), std::move(field)};
}
inline failure<DomainError> rejected(DomainError e) { return failure<DomainError>{std::move(e)}; }
inline Decision emit(Event e) { return std::vector<Event>{std::move(e)}; }

// P4: nothing billable is accepted from a provider outside the padrón on `now`'s date.
Check require_padron(const ProviderLedger& s, TimestampMs now, Area area);
// P4 on the day the practice was performed (an order's attention date, a deferred
// consumption's): enrolled on or before it, and every required document approved on or before
// it and in force that day. After require_padron, which checks the enrollment itself.
Check require_padron_on(const ProviderLedger& s, Date day, Area area, std::string field);
// The obra social must be configured and the provider adhered to it (P6).
Check require_adhered(const ProviderLedger& s, const Config& config, const ObraSocialId& id, Area area);
// The practice must be a 6-digit nomenclador code agreed with the obra social.
Check require_practice(const ObraSocialConfig& os, std::string_view code, Area area, const std::string& field);

// A8: an arancel (ObraSocialConfig::arancel) raised by the provider category's increment,
// rounded half up; nullopt when it does not fit int64.
std::optional<Centavos> raised_fee(const ObraSocialConfig& os, Centavos fee, const std::string& category) noexcept;
// Round half up of value * bp / 10000; non-negative inputs; nullopt when it does not fit.
std::optional<Centavos> basis_points(Centavos value, uint32_t bp) noexcept;
// F2: punto de venta 5 digits, number 8 digits; `fiscal` (a factura or a note) a CAE of 14
// digits, else (a Resumen/Pre-Liquidación X) none.
Check check_comprobante(uint32_t punto_de_venta, uint32_t number, std::string_view cae, Area area, bool fiscal = true);
// S2: a payment order's number, its kind (up to kMaxPaymentOrderType capital letters or digits, may
// be empty: "APB" of "APB 10118036") and its retention certificate.
Check check_payment_order(std::string_view type, std::string_view number, std::string_view retention_certificate);
Check require_text(std::string_view value, Code code, std::string message, std::string field);
// A person's or a plan's text as a portal prints it: at most `max_bytes`, no control characters.
// `code` (an `<area>.invalid_<field>`) naming `label` ("el nombre del afiliado").
Check check_label(std::string_view value, size_t max_bytes, Code code, std::string field, std::string_view label);

}  // namespace liquida::domain
