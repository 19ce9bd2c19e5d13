// Orders (O1-O4).
#include <algorithm>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/names.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

// O1: signatures, stamp and what the obra social requires, by configuration.
Check check_complete(const LoadOrder& c, const ObraSocialConfig& os) {
    const auto& needs = os.order_signatures;
    if (needs.patient_signature && !c.patient_signature)
        return error("order.missing_patient_signature", "Falta la firma del paciente.", "patient_signature");
    if (needs.professional_signature && !c.professional_signature)
        return error("order.missing_professional_signature", "Falta la firma del profesional.", "professional_signature");
    if (needs.professional_stamp && !c.professional_stamp)
        return error("order.missing_professional_stamp", "Falta el sello del profesional.", "professional_stamp");
    if (auto e = check_label(c.affiliate_name, kMaxNameBytes, "order.invalid_affiliate_name", "affiliate_name", "el nombre del afiliado"))
        return e;
    if (auto e = check_label(c.plan, kMaxCodeBytes, "order.invalid_plan", "plan", "el plan del afiliado")) return e;
    for (const std::string& name : os.required_order_fields) {
        bool present = false;
        if (name == "affiliate_number") present = !c.affiliate_number.empty();
        else if (name == "attention_date") present = c.attention_date.has_value();
        else if (name == "affiliate_name") present = !c.affiliate_name.empty();
        else if (name == "plan") present = !c.plan.empty();
        else
            present =
                std::any_of(c.fields.begin(), c.fields.end(), [&](const OrderField& f) { return f.name == name && !f.value.empty(); });
        if (!present) {
            // The command's own fields by their Spanish names; a free field by the name the configuration gives it.
            const std::string what = name == "affiliate_number" ? "número de afiliado"
                                     : name == "attention_date" ? "fecha de atención"
                                     : name == "affiliate_name" ? "apellido y nombre del afiliado"
                                     : name == "plan"           ? "plan del afiliado"
                                                                : name;
            return error("order.missing_field", "Falta un dato requerido por " + os.name + ": " + what + ".", "fields." + name);
        }
    }
    return std::nullopt;
}

const OrderRecord* find_order(const ProviderLedger& s, const std::string& id) {
    const auto it = s.orders.orders.find(id);
    return it == s.orders.orders.end() ? nullptr : &it->second;
}

Check require_pending(const OrderRecord* o) {
    if (o == nullptr) return error("order.not_found", "Orden inexistente.", "order_id");
    if (o->status != OrderStatus::pending) return error("order.not_pending", "La orden ya fue revisada.", "order_id");
    return std::nullopt;
}

}  // namespace

Period billing_period(TimestampMs now, const Config& config) noexcept {
    const CivilDate today = civil_from_date(local_date(now));
    const Period month{today.year, today.month};
    return today.day <= config.order_window_last_day ? month : month.next();
}

Decision decide(const ProviderLedger& s, const LoadOrder& c, TimestampMs now, const Config& config) {
    if (auto e = require_padron(s, now, "order")) return rejected(*e);  // P4
    if (auto e = require_text(c.order_id, "order.id_required", "Falta el número de orden.", "order_id")) return rejected(*e);
    if (auto e = require_adhered(s, config, c.obra_social, "order")) return rejected(*e);
    const ObraSocialConfig& os = *config.obra_social(c.obra_social);
    if (auto e = require_practice(os, c.practice_code, "order", "practice_code")) return rejected(*e);
    if (auto e = check_complete(c, os)) return rejected(*e);
    const Date today = local_date(now);
    if (c.attention_date && today < *c.attention_date)
        return reject("order.attention_date_in_future", "La fecha de atención es posterior a hoy.", "attention_date");
    if (c.attention_date)
        if (auto e = require_padron_on(s, *c.attention_date, "order", "attention_date")) return rejected(*e);

    const CivilDate civil = civil_from_date(today);
    const Period loaded_in{civil.year, civil.month};
    const Period period = billing_period(now, config);
    if (const OrderRecord* prior = find_order(s, c.order_id)) {
        // O2: a rejected order may be presented again in a later period, never twice.
        if (prior->status != OrderStatus::rejected) return reject("order.duplicate_id", "La orden ya fue cargada.", "order_id");
        if (period <= prior->loaded.period)
            return reject("order.resubmit_next_period", "Una orden rechazada se presenta el mes siguiente.", "order_id");
    }
    const std::string practice = *normalize_practice_code(c.practice_code);
    const Date attended = c.attention_date.value_or(today);
    const auto amount = raised_fee(os, os.fee_on(*os.practice(practice), attended), s.provider.identity.category);
    if (!amount) return rejected(money::overflow("practice_code"));
    std::vector<Event> out;
    out.emplace_back(OrderLoaded{c.order_id, c.obra_social, c.affiliate_number, practice, attended, *amount, loaded_in, c.patient_signature,
                                 c.professional_signature, c.professional_stamp, c.fields, c.affiliate_name, c.plan,
                                 os.fee_version_on(attended)});
    // O3: loaded after day 5, the order goes into the next month's billing.
    if (period != loaded_in) out.emplace_back(OrderDeferred{c.order_id, loaded_in, period});
    return out;
}

Decision decide(const ProviderLedger& s, const ApproveOrder& c, TimestampMs, const Config&) {
    if (auto e = require_pending(find_order(s, c.order_id))) return rejected(*e);
    return emit(OrderApproved{c.order_id});
}

Decision decide(const ProviderLedger& s, const RejectOrder& c, TimestampMs, const Config&) {
    if (auto e = require_pending(find_order(s, c.order_id))) return rejected(*e);
    if (std::find(std::begin(kOrderRejectReasons), std::end(kOrderRejectReasons), c.reason_code) == std::end(kOrderRejectReasons))
        return reject("order.invalid_reason_code", "Motivo de rechazo desconocido.", "reason_code");
    if (c.reason_code == "other" && c.reason.empty()) return reject("order.reason_required", "Indique el motivo del rechazo.", "reason");
    return emit(OrderRejected{c.order_id, c.reason_code, c.reason});  // O2
}

}  // namespace liquida::domain
