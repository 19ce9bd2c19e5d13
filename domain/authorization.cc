// Eligibility, tokens, budgets, consumption and anulación (A1-A8).
#include <algorithm>
#include <set>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/names.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

std::string item_field(size_t i, std::string_view name) { return "lines[" + std::to_string(i) + "]." + std::string(name); }

const BudgetRecord* find_budget(const ProviderLedger& s, const TransactionRef& t) {
    const auto it = s.authorizations.budgets.find(key_of(t));
    return it == s.authorizations.budgets.end() ? nullptr : &it->second;
}

// A2: 4 digits, issued today for the family group, not used; the exception code is flagged.
Check check_token(const ProviderLedger& s, const SubmitBudget& c, const ObraSocialConfig& os, const std::string& family_group, Date today) {
    if (c.token.empty() && !os.token_required) return std::nullopt;
    if (!is_digits(c.token, 4)) return error("budget.invalid_token", "El token debe tener 4 dígitos.", "token");
    if (!os.token_exception_code.empty() && c.token == os.token_exception_code) return std::nullopt;
    bool seen = false, seen_today = false;
    for (const TokenRecord& t : s.authorizations.tokens) {
        if (t.issued.obra_social != c.obra_social || t.issued.family_group != family_group || t.issued.code != c.token) continue;
        seen = true;
        if (t.issued.valid_on != today) continue;
        seen_today = true;
        if (!t.used) return std::nullopt;
    }
    if (seen_today) return error("budget.token_used", "El token ya fue usado en otra atención.", "token");
    if (seen) return error("budget.token_expired", "El token venció a las 23:59 del día en que se generó.", "token");
    return error("budget.token_unknown", "Token inexistente para el grupo familiar.", "token");
}

// A4: sessions of `practice` the affiliate's budgets at this provider hold since `since`.
uint32_t recent_sessions(const ProviderLedger& s, const SubmitBudget& c, const std::string& practice, Date since, const Config& config) {
    uint32_t n = 0;
    for (const auto& [key, b] : s.authorizations.budgets) {
        if (b.submitted.obra_social != c.obra_social || b.submitted.affiliate_number != c.affiliate_number ||
            local_date(b.submitted_at) < since)
            continue;
        for (const Session& one : sessions_of(b, config))
            if (one.practice_code == practice) n += one.quantity;
    }
    return n;
}

// A budget's sessions of one weekly-limited practice: the lines up to line `index` ask for `asked`.
struct AskedSessions {
    const std::string& practice;
    uint32_t asked;
    size_t index;
};

// A4: per affiliate, whoever attends (seed 004): this provider's sessions in the window and the
// other providers' (the colegio's register) within the limit.
Check check_weekly_limit(const ProviderLedger& s, const SubmitBudget& c, const AskedSessions& line, const WeeklyLimit& limit, Date today,
                         const Config& config, const Colegio& colegio) {
    const Date since{today.days - static_cast<int32_t>(limit.days) + 1};
    const uint32_t own = line.asked + recent_sessions(s, c, line.practice, since, config);
    const uint32_t elsewhere =
        colegio.sessions ? colegio.sessions->count(c.obra_social, c.affiliate_number, line.practice, since, colegio.self) : 0;
    if (own + elsewhere <= limit.sessions) return std::nullopt;
    return error("budget.weekly_limit_exceeded",
                 "Se autoriza " + std::to_string(limit.sessions) + " sesión cada " + std::to_string(limit.days) + " días" +
                     (own > limit.sessions ? "." : " por afiliado, en cualquier prestador."),
                 item_field(line.index, "practice_code"));
}

// A8: an item's amount: the arancel in force on the day it was performed, raised by the
// provider's category, times its quantity.
std::optional<Centavos> item_amount(const ObraSocialConfig& os, const PracticeConfig& p, const BudgetItem& item,
                                    const std::string& category, Date performed) {
    const auto fee = raised_fee(os, os.fee_on(p, performed), category);
    return fee ? money::mul(*fee, item.quantity) : std::nullopt;
}

// A8 for an obra social that bills the authorization itself: the authorized items consumed by
// the command that authorized them, at its time.
Decision consumed_on_authorization(const ProviderLedger& s, const ObraSocialConfig& os, const TransactionRef& transaction,
                                   const std::vector<BudgetItem>& items, const std::vector<ItemDecision>& decisions, TimestampMs now,
                                   const Config& config) {
    std::vector<ConsumedItem> consumed;
    for (const ItemDecision& d : decisions) {
        if (d.result != ItemResult::autorizada) continue;
        const auto it = std::find_if(items.begin(), items.end(), [&](const BudgetItem& i) { return i.item == d.item; });
        const PracticeConfig* p = it == items.end() ? nullptr : os.practice(it->practice_code);
        if (p == nullptr) return reject("consumption.practice_not_agreed", "Práctica no convenida.", "items." + std::to_string(d.item));
        const auto amount = item_amount(os, *p, *it, s.provider.identity.category, local_date(now));
        if (!amount) return rejected(money::overflow("items." + std::to_string(d.item)));
        consumed.push_back(ConsumedItem{d.item, *amount});
    }
    if (consumed.empty()) return std::vector<Event>{};
    return emit(PracticeConsumed{
        transaction, std::move(consumed), false, now, billing_period(now, config), os.fee_version_on(local_date(now)), 0, false, {}, {}});
}

// A1: the affiliate's and prescriptor's data, well formed, and what the obra social requires.
Check check_affiliate(const SubmitBudget& c, const ObraSocialConfig& os) {
    if (auto e = check_label(c.affiliate_name, kMaxNameBytes, "budget.invalid_affiliate_name", "affiliate_name", "el nombre del afiliado"))
        return e;
    if (auto e = check_label(c.titular, kMaxNameBytes, "budget.invalid_titular", "titular", "el titular")) return e;
    if (auto e = check_label(c.plan, kMaxCodeBytes, "budget.invalid_plan", "plan", "el plan del afiliado")) return e;
    if (auto e = check_label(c.prescriptor_matricula, kMaxCodeBytes, "budget.invalid_prescriptor_matricula", "prescriptor_matricula",
                             "la matrícula del prescriptor"))
        return e;
    if (auto e = check_label(c.prescriptor_name, kMaxNameBytes, "budget.invalid_prescriptor_name", "prescriptor_name",
                             "el nombre del prescriptor"))
        return e;
    if (static_cast<size_t>(c.credential_type) >= std::size(kCredentialTypeNames))
        return error("budget.invalid_credential_type", "Tipo de credencial desconocido.", "credential_type");
    for (const std::string& name : os.required_budget_fields) {
        const auto missing = [&](const std::string& what, const std::string& field) {
            return error("budget.missing_field", "Falta un dato requerido por " + os.name + ": " + what + ".", field);
        };
        if (name == "affiliate_name" && c.affiliate_name.empty()) return missing("apellido y nombre del afiliado", name);
        if (name == "titular" && c.titular.empty()) return missing("titular", name);
        if (name == "plan" && c.plan.empty()) return missing("plan del afiliado", name);
        if (name == "credential_type" && c.credential_type == CredentialType::no_informado) return missing("tipo de credencial", name);
        if (name == "prescriptor" && c.prescriptor_matricula.empty()) return missing("matrícula del prescriptor", "prescriptor_matricula");
        if (name == "prescriptor" && c.prescriptor_name.empty()) return missing("nombre del prescriptor", "prescriptor_name");
    }
    return std::nullopt;
}

// A5/A6: one budget line against its practice's configuration.
Check check_line(const BudgetLine& line, size_t i, const PracticeConfig& p, const SubmitBudget& c, bool report_with_presentation) {
    if (line.quantity == 0 || line.quantity > kMaxQuantity)
        return error("budget.invalid_quantity", "La cantidad va de 1 a " + std::to_string(kMaxQuantity) + ".", item_field(i, "quantity"));
    if (line.tooth == 0 && p.requires_tooth)
        return error("budget.tooth_required", "La práctica " + p.code + " requiere diente.", item_field(i, "tooth"));
    if (line.tooth != 0 && !valid_fdi_tooth(line.tooth))
        return error("budget.invalid_tooth", "Diente inexistente en la nomenclatura FDI.", item_field(i, "tooth"));
    if (line.faces.empty() && p.requires_faces)
        return error("budget.face_required", "La práctica " + p.code + " requiere cara.", item_field(i, "faces"));
    if (!line.faces.empty() && !valid_faces(line.faces))
        return error("budget.invalid_face", "Caras válidas: O V G M D P I L.", item_field(i, "faces"));
    const bool has_report =
        std::any_of(c.attachments.begin(), c.attachments.end(), [](const Attachment& a) { return a.kind == AttachmentKind::informe; });
    if (p.requires_report && !has_report && !report_with_presentation)
        return error("budget.report_required", "La práctica " + p.code + " requiere informe escrito.", "attachments");
    return std::nullopt;
}

}  // namespace

Decision decide(const ProviderLedger& s, const CheckEligibility& c, TimestampMs, const Config& config) {
    const ObraSocialConfig* os = config.obra_social(c.obra_social);
    if (os == nullptr) return reject("eligibility.unknown_obra_social", "Obra social desconocida.", "obra_social");
    const auto& ids = os->eligibility_identifiers;
    // A1: SanCor identifies by affiliate number or DNI, InSSSeP by credential.
    if (std::find(ids.begin(), ids.end(), c.identifier_kind) == ids.end())
        return reject("eligibility.identifier_not_accepted", os->name + " no identifica afiliados por " + c.identifier_kind + ".",
                      "identifier_kind");
    if (c.identifier.empty() || c.affiliate_number.empty())
        return reject("eligibility.identifier_required", "Falta el identificador del afiliado.", "identifier");
    bool requires_authorization = false;
    if (!c.practice_code.empty()) {
        if (auto e = require_practice(*os, c.practice_code, "eligibility", "practice_code")) return rejected(*e);
        requires_authorization = os->practice(*normalize_practice_code(c.practice_code))->requires_authorization;
    }
    if (!s.provider.registered) return reject("eligibility.provider_not_registered", "El prestador no está registrado.", "provider");
    const std::string practice = c.practice_code.empty() ? std::string{} : *normalize_practice_code(c.practice_code);
    return emit(EligibilityChecked{c.obra_social, c.affiliate_number, practice, c.habilitado, requires_authorization});
}

Decision decide(const ProviderLedger& s, const IssueToken& c, TimestampMs now, const Config& config) {
    const ObraSocialConfig* os = config.obra_social(c.obra_social);
    if (os == nullptr) return reject("token.unknown_obra_social", "Obra social desconocida.", "obra_social");
    if (!is_digits(c.code, 4)) return reject("token.invalid_code", "El token debe tener 4 dígitos.", "code");
    if (c.code == os->token_exception_code) return reject("token.reserved_code", "El código de excepción no se genera como token.", "code");
    if (c.affiliate_number.empty()) return reject("token.affiliate_required", "Falta el número de afiliado.", "affiliate_number");
    const std::string group = c.family_group.empty() ? c.affiliate_number : c.family_group;
    const Date today = local_date(now);
    for (const TokenRecord& t : s.authorizations.tokens) {
        if (t.issued.obra_social == c.obra_social && t.issued.family_group == group && t.issued.code == c.code &&
            t.issued.valid_on == today)
            return reject("token.duplicate", "Ese token ya fue registrado hoy.", "code");
    }
    return emit(TokenIssued{c.obra_social, c.affiliate_number, group, c.code, today});  // A2
}

Decision decide(const ProviderLedger& s, const SubmitBudget& c, TimestampMs now, const Config& config, const Colegio& colegio) {
    if (auto e = require_padron(s, now, "budget")) return rejected(*e);  // P4
    if (auto e = require_adhered(s, config, c.obra_social, "budget")) return rejected(*e);
    const ObraSocialConfig& os = *config.obra_social(c.obra_social);
    const TransactionRef transaction{os.boca, os.serie, c.transaction_number};
    if (c.transaction_number == 0) return reject("budget.transaction_required", "Falta el número de transacción.", "transaction_number");
    if (find_budget(s, transaction) != nullptr)
        return reject("budget.duplicate_transaction", "La transacción ya fue registrada.", "transaction_number");
    if (c.affiliate_number.empty()) return reject("budget.affiliate_required", "Falta el número de afiliado.", "affiliate_number");
    const Date today = local_date(now);
    const auto elig = s.authorizations.eligibility.find({c.obra_social, c.affiliate_number});
    if (elig != s.authorizations.eligibility.end() && elig->second.checked_on == today && !elig->second.habilitado)
        return reject("budget.affiliate_inhabilitado", "El afiliado figura inhabilitado.", "affiliate_number");  // A1
    const std::string group = c.family_group.empty() ? c.affiliate_number : c.family_group;
    if (auto e = check_token(s, c, os, group, today)) return rejected(*e);
    // A3: a CIE-10 diagnosis on every authorization.
    if (c.diagnosis_code.empty()) return reject("budget.diagnosis_required", "Falta el diagnóstico CIE-10.", "diagnosis_code");
    if (!valid_cie10(c.diagnosis_code)) return reject("budget.invalid_diagnosis", "Código CIE-10 mal formado.", "diagnosis_code");
    if (auto e = check_affiliate(c, os)) return rejected(*e);
    if (c.lines.empty()) return reject("budget.items_required", "El presupuesto no tiene prácticas.", "lines");

    // A6: a budget goes only when every line is complete.
    std::vector<BudgetItem> items;
    std::map<std::string, uint32_t> sessions;
    bool audit = !os.budget_auto_accept;
    for (size_t i = 0; i < c.lines.size(); ++i) {
        const BudgetLine& line = c.lines[i];
        if (auto e = require_practice(os, line.practice_code, "budget", item_field(i, "practice_code"))) return rejected(*e);
        const std::string code = *normalize_practice_code(line.practice_code);
        const PracticeConfig& p = *os.practice(code);
        if (auto e = check_line(line, i, p, c, os.report_with_presentation)) return rejected(*e);
        if (p.weekly_limit)
            if (auto e = check_weekly_limit(s, c, {code, sessions[code] += line.quantity, i}, *p.weekly_limit, today, config, colegio))
                return rejected(*e);
        audit = audit || p.audit;
        items.push_back(BudgetItem{static_cast<uint32_t>(i + 1), code, line.tooth, line.faces, line.quantity});
    }

    const bool exception = !c.token.empty() && c.token == os.token_exception_code;
    const bool flagged = std::find(os.flagged_plans.begin(), os.flagged_plans.end(), c.plan) != os.flagged_plans.end();
    std::vector<Event> out;
    out.emplace_back(BudgetSubmitted{transaction,
                                     c.obra_social,
                                     c.affiliate_number,
                                     c.credential,
                                     group,
                                     c.token,
                                     exception,
                                     c.diagnosis_code,
                                     c.diagnosis_type,
                                     items,
                                     c.clinical_summary,
                                     c.attachments,
                                     /*channel: the write path's, from the issuer*/ {},
                                     c.credential_type,
                                     c.affiliate_name,
                                     c.titular,
                                     c.plan,
                                     flagged,
                                     c.prescriptor_matricula,
                                     c.prescriptor_name});
    // A7: ACEPTADO with every item AUTORIZADA, or auditoría.
    if (audit) {
        out.emplace_back(
            BudgetSentToAudit{transaction, os.budget_auto_accept ? "práctica sujeta a auditoría" : "convenio con auditoría previa"});
    } else {
        std::vector<ItemDecision> decisions;
        for (const BudgetItem& item : items) decisions.push_back(ItemDecision{item.item, ItemResult::autorizada});
        auto consumed = os.bills_authorization ? consumed_on_authorization(s, os, transaction, items, decisions, now, config)
                                               : Decision{std::vector<Event>{}};
        if (!consumed) return consumed;
        out.emplace_back(BudgetAuthorized{transaction, std::move(decisions)});
        for (Event& e : *consumed) out.push_back(std::move(e));
    }
    return out;
}

Decision decide(const ProviderLedger& s, const ResolveBudgetAudit& c, TimestampMs now, const Config& config) {
    const BudgetRecord* b = find_budget(s, c.transaction);
    if (b == nullptr) return reject("budget.not_found", "Transacción inexistente.", "transaction");
    if (b->status != BudgetStatus::in_audit) return reject("budget.not_in_audit", "El presupuesto no está en auditoría.", "transaction");
    std::set<uint32_t> decided;
    for (const ItemDecision& d : c.items) {
        const bool known = std::any_of(b->items.begin(), b->items.end(), [&](const BudgetItemRecord& r) { return r.item.item == d.item; });
        if (!known || !decided.insert(d.item).second)
            return reject("budget.item_unknown", "Ítem inexistente o repetido: " + std::to_string(d.item) + ".", "items");
        if (d.result == ItemResult::en_auditoria)
            return reject("budget.audit_decision_required", "Cada ítem se autoriza o se rechaza.", "items");
    }
    if (decided.size() != b->items.size())
        return reject("budget.audit_decision_incomplete", "Falta decidir ítems del presupuesto.", "items");
    std::vector<Event> out{BudgetAuthorized{c.transaction, c.items}};
    const ObraSocialConfig* os = config.obra_social(b->submitted.obra_social);
    if (os != nullptr && os->bills_authorization) {
        std::vector<BudgetItem> items;
        for (const BudgetItemRecord& r : b->items) items.push_back(r.item);
        auto consumed = consumed_on_authorization(s, *os, c.transaction, items, c.items, now, config);
        if (!consumed) return consumed;
        for (Event& e : *consumed) out.push_back(std::move(e));
    }
    return out;
}

namespace {

// A8: the consumption's own transaction and ticket: a number no transaction of that boca and
// serie has, and the affiliate's signature where the obra social requires it.
Check check_ticket(const ProviderLedger& s, const ConsumePractices& c, const ObraSocialConfig& os) {
    if (c.number == 0) return error("consumption.number_required", "Falta el número de transacción del consumo.", "number");
    const TransactionKey own = key_of({c.transaction.boca, c.transaction.serie, c.number});
    if (s.authorizations.budgets.contains(own) || s.authorizations.consumptions.contains(own))
        return error("consumption.duplicate_number", "La transacción ya fue registrada.", "number");
    if (os.consumption_affiliate_signature && !c.affiliate_signed)
        return error("consumption.missing_affiliate_signature", "Falta la firma del afiliado.", "affiliate_signed");
    return std::nullopt;
}

// A8: what each item bills: the whole amount (honorarios y gastos), or the obra social's gastos
// share of it (solo gastos), or the rest (solo honorarios); their sum is the whole.
Check bill_items(std::vector<ConsumedItem>& consumed, const ConsumePractices& c, const ObraSocialConfig& os) {
    std::set<uint32_t> seen;
    for (size_t i = 0; i < c.billing.size(); ++i) {
        const ItemBilling& b = c.billing[i];
        const std::string field = "billing[" + std::to_string(i) + "].item";
        const auto it = std::find_if(consumed.begin(), consumed.end(), [&](const ConsumedItem& x) { return x.item == b.item; });
        if (it == consumed.end() || !seen.insert(b.item).second)
            return error("consumption.billing_item_unknown", "El ítem no está entre los consumidos, o se repite.", field);
        if (b.tipo == TipoFacturacion::honorarios_y_gastos) continue;
        if (!os.gastos_share_bp)
            return error("consumption.billing_not_offered", "La obra social factura las prácticas completas.",
                         "billing[" + std::to_string(i) + "].tipo");
        const auto share = money::mul(it->amount, *os.gastos_share_bp);
        if (!share) return money::overflow(field);
        const Centavos gastos = *share / 10'000;
        it->amount = b.tipo == TipoFacturacion::solo_gastos ? gastos : it->amount - gastos;
        it->billing = b.tipo;
    }
    return std::nullopt;
}

// A9: the anulación of a consumption (its own number), whole or one item of it.
Decision cancel_consumption(const ProviderLedger& s, const CancelTransaction& c, const BudgetRecord& b) {
    if (c.reason.empty()) return reject("anulacion.reason_required", "Indique el motivo de la anulación.", "reason");
    if (b.status == BudgetStatus::cancelled) return reject("anulacion.already_cancelled", "La transacción ya fue anulada.", "transaction");
    ConsumptionCancelled out{b.submitted.transaction, c.transaction.number, {}, c.reason};
    for (const BudgetItemRecord& r : b.items) {
        if (!r.consumed || r.consumption != c.transaction.number || (c.item != 0 && r.item.item != c.item)) continue;
        if (item_invoiced(s, b, r))
            return reject("anulacion.already_invoiced", "El consumo ya fue facturado.", c.item != 0 ? "item" : "transaction");
        out.items.push_back(r.item.item);
    }
    if (out.items.empty() && c.item != 0)
        return reject("anulacion.item_not_in_consumption", "El consumo no tiene ese ítem, o ya fue anulado.", "item");
    if (out.items.empty()) return reject("anulacion.already_cancelled", "El consumo ya fue anulado.", "transaction");
    return emit(std::move(out));
}

}  // namespace

Decision decide(const ProviderLedger& s, const ConsumePractices& c, TimestampMs now, const Config& config) {
    const BudgetRecord* b = find_budget(s, c.transaction);
    if (b == nullptr) return reject("consumption.transaction_not_found", "Preautorización inexistente.", "transaction");
    if (b->status == BudgetStatus::cancelled)
        return reject("consumption.transaction_cancelled", "La transacción fue anulada.", "transaction");
    if (b->status != BudgetStatus::authorized)
        return reject("consumption.not_authorized", "El presupuesto está en auditoría.", "transaction");
    if (c.items.empty()) return reject("consumption.items_required", "Seleccione las prácticas realizadas.", "items");
    const ObraSocialConfig* os = config.obra_social(b->submitted.obra_social);
    if (os == nullptr) return reject("consumption.unknown_obra_social", "Obra social desconocida.", "transaction");
    // A8: deferred consumption carries when the visit happened.
    TimestampMs performed_at = now;
    if (c.deferred) {
        if (!c.performed_at) return reject("consumption.performed_at_required", "Ingrese fecha y hora de realización.", "performed_at");
        performed_at = *c.performed_at;
        if (performed_at > now) return reject("consumption.performed_at_in_future", "La fecha de realización es futura.", "performed_at");
        if (local_date(performed_at) < local_date(b->submitted_at))
            return reject("consumption.performed_before_authorization", "La práctica es anterior a la autorización.", "performed_at");
        if (s.provider.enrolled)  // P4 on the day of the visit; loading it is not the attention
            if (auto e = require_padron_on(s, local_date(performed_at), "consumption", "performed_at")) return rejected(*e);
    }
    std::vector<ConsumedItem> consumed;
    for (uint32_t item : c.items) {
        const auto it = std::find_if(b->items.begin(), b->items.end(), [&](const BudgetItemRecord& r) { return r.item.item == item; });
        const std::string field = "items." + std::to_string(item);
        if (it == b->items.end()) return reject("consumption.item_unknown", "Ítem inexistente.", field);
        if (it->result != ItemResult::autorizada) return reject("consumption.item_not_authorized", "El ítem no fue autorizado.", field);
        if (it->cancelled) return reject("consumption.item_cancelled", "El ítem fue anulado.", field);
        const bool repeated = std::any_of(consumed.begin(), consumed.end(), [&](const ConsumedItem& x) { return x.item == item; });
        if (it->consumed || repeated) return reject("consumption.item_already_consumed", "El ítem ya fue consumido.", field);
        const PracticeConfig* p = os->practice(it->item.practice_code);
        if (p == nullptr) return reject("consumption.practice_not_agreed", "Práctica no convenida.", field);
        const auto amount = item_amount(*os, *p, it->item, s.provider.identity.category, local_date(performed_at));
        if (!amount) return rejected(money::overflow(field));
        consumed.push_back(ConsumedItem{item, *amount});
    }
    if (auto e = check_ticket(s, c, *os)) return rejected(*e);
    if (auto e = bill_items(consumed, c, *os)) return rejected(*e);
    return emit(PracticeConsumed{c.transaction, std::move(consumed), c.deferred, performed_at, billing_period(now, config),
                                 os->fee_version_on(local_date(performed_at)), c.number, c.affiliate_signed, c.clinical_summary,
                                 c.attachments});
}

Decision decide(const ProviderLedger& s, const CancelTransaction& c, TimestampMs, const Config&) {
    const BudgetRecord* b = find_budget(s, c.transaction);
    if (b == nullptr) {
        const auto consumption = s.authorizations.consumptions.find(key_of(c.transaction));
        if (consumption == s.authorizations.consumptions.end())
            return reject("anulacion.transaction_not_found", "Transacción inexistente.", "transaction");
        return cancel_consumption(s, c, s.authorizations.budgets.at(consumption->second));
    }
    if (b->status == BudgetStatus::cancelled) return reject("anulacion.already_cancelled", "La transacción ya fue anulada.", "transaction");
    if (c.reason.empty()) return reject("anulacion.reason_required", "Indique el motivo de la anulación.", "reason");
    // One item alone: an authorized one not yet consumed, or a consumption undone.
    const auto one = std::find_if(b->items.begin(), b->items.end(), [&](const BudgetItemRecord& r) { return r.item.item == c.item; });
    if (c.item != 0) {
        if (one == b->items.end()) return reject("anulacion.item_not_found", "La transacción no tiene ese ítem.", "item");
        if (one->cancelled) return reject("anulacion.item_already_cancelled", "El ítem ya fue anulado.", "item");
        if (one->result != ItemResult::autorizada) return reject("anulacion.item_not_authorized", "El ítem no fue autorizado.", "item");
    }
    for (const BudgetItemRecord& r : b->items) {
        if ((c.item == 0 || r.item.item == c.item) && item_invoiced(s, *b, r))
            return reject("anulacion.already_invoiced",
                          c.item != 0 ? "El consumo de ese ítem ya fue facturado." : "Hay consumos ya facturados en esta transacción.",
                          c.item != 0 ? "item" : "transaction");
    }
    return emit(TransactionCancelled{c.transaction, c.reason, c.item});  // A9
}

}  // namespace liquida::domain
