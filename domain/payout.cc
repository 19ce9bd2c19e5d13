// Retentions and payment to the provider (S3).
#include <algorithm>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/queries.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

const PayoutRecord* find_payout(const ProviderLedger& s, Period period, const ObraSocialId& os) {
    const auto it = s.payouts.payouts.find({period, os});
    return it == s.payouts.payouts.end() ? nullptr : &it->second;
}

}  // namespace

Decision decide(const ProviderLedger& s, const ApplyRetentions& c, TimestampMs, const Config& config) {
    if (config.obra_social(c.obra_social) == nullptr)
        return reject("retention.unknown_obra_social", "Obra social desconocida.", "obra_social");
    const PayoutRecord* payout = find_payout(s, c.period, c.obra_social);
    const Centavos covered = payout == nullptr ? 0 : payout->retention_base();
    const auto st = settlement_of(s, c.period, c.obra_social);
    if (!st) return rejected(st.error());
    // S3: retentions apply to what the colegio collected and has not yet retained on.
    const auto checked_base = money::sub(st->collected, covered);
    if (!checked_base) return rejected(money::overflow("period"));
    const Centavos base = *checked_base;
    if (base <= 0) return reject("retention.nothing_collected", "No hay cobros sin retenciones en el período.", "period");
    if (config.retentions.empty()) return reject("retention.none_configured", "No hay retenciones configuradas.", "period");
    std::vector<Event> out;
    Centavos left = base;
    for (const RetentionConfig& r : config.retentions) {
        // A fixed retention is charged once per (period, obra social).
        const auto charged = r.rate_bp ? basis_points(base, *r.rate_bp) : std::optional<Centavos>(covered == 0 ? *r.fixed : 0);
        if (!charged) return rejected(money::overflow("period"));
        const Centavos amount = std::min(*charged, left);
        left = *money::sub(left, amount);  // 0 <= amount <= left: fits
        out.emplace_back(RetentionApplied{c.period, c.obra_social, r.kind, base, amount});
    }
    return out;
}

Decision decide(const ProviderLedger& s, const PayProvider& c, TimestampMs, const Config& config) {
    if (config.obra_social(c.obra_social) == nullptr)
        return reject("provider_payment.unknown_obra_social", "Obra social desconocida.", "obra_social");
    if (!s.provider.registered) return reject("provider_payment.provider_not_registered", "El prestador no está registrado.", "provider");
    // S3: only to the CBU the provider declared.
    if (!valid_cbu(c.cbu)) return reject("provider_payment.invalid_cbu", "CBU inválido.", "cbu");
    if (c.cbu != s.provider.identity.cbu)
        return reject("provider_payment.cbu_mismatch", "El pago se deposita solo en el CBU declarado.", "cbu");
    if (c.transfer_id.empty()) return reject("provider_payment.transfer_required", "Falta el número de transferencia.", "transfer_id");
    const PayoutRecord* payout = find_payout(s, c.period, c.obra_social);
    if (payout != nullptr && std::find(payout->transfers.begin(), payout->transfers.end(), c.transfer_id) != payout->transfers.end())
        return reject("provider_payment.duplicate_transfer", "La transferencia ya fue registrada.", "transfer_id");
    if (c.amount <= 0) return reject("provider_payment.amount_not_positive", "El importe debe ser positivo.", "amount");
    const auto st = settlement_of(s, c.period, c.obra_social);
    if (!st) return rejected(st.error());
    const Centavos covered = payout == nullptr ? 0 : payout->retention_base();
    if (!config.retentions.empty() && covered < st->collected)
        return reject("provider_payment.retentions_pending", "Aplique las retenciones antes de pagar.", "period");
    // S3: net = collected balance - retentions; never above what is due.
    if (c.amount > st->due_to_provider)
        return reject("provider_payment.exceeds_due",
                      "El pago supera el neto a pagar: " + std::to_string(st->due_to_provider) + " centavos.", "amount");
    return emit(ProviderPaid{c.period, c.obra_social, c.amount, c.cbu, c.transfer_id});
}

}  // namespace liquida::domain
