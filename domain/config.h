// Per-obra-social rules as data (O1, A1-A8, F2, S3): adding an insurer is adding data.
// Parsed from JSON text; reading the file is the caller's job.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/error.h"
#include "domain/events.h"
#include "domain/types.h"

namespace liquida::domain {

// A4: at most `sessions` authorized per affiliate within `days` days.
struct WeeklyLimit {
    uint32_t sessions = 1;
    uint32_t days = 7;
    friend bool operator==(const WeeklyLimit&, const WeeklyLimit&) = default;
};

struct PracticeConfig {
    std::string code;  // 6-digit nomenclador
    std::string name;
    Centavos fee = 0;                         // arancel before the provider's category increment
    bool requires_tooth = false;              // A6
    bool requires_faces = false;              // A6
    bool requires_report = false;             // A5
    bool requires_authorization = false;      // A1: told at eligibility
    bool audit = false;                       // A7: always sent to auditoría
    std::optional<WeeklyLimit> weekly_limit;  // A4
};

// A8: an update of an obra social's aranceles (seed 001: "las últimas dos actualizaciones de
// aranceles convenidos"; 002: "VALORES SUJETOS A REAJUSTES"): from `effective_from` on, the
// practices it names cost what it says; the others keep their previous fee.
struct FeeUpdate {
    std::string version;  // as the agreement names it ("2025-07"); at most 40 bytes
    Date effective_from;
    std::map<std::string, Centavos> fees;  // by practice code
};

// A8: one version of the aranceles, complete: every practice's fee.
struct FeeSchedule {
    std::string version;
    std::optional<Date> effective_from;  // none: the configured fees, in force from the start
    std::map<std::string, Centavos> fees;
};

// What `required_budget_fields` may name: SubmitBudget's fields of the affiliate and prescriptor
// ("prescriptor": its matrícula and name).
inline constexpr std::string_view kBudgetAffiliateFields[] = {"affiliate_name", "titular", "plan", "credential_type", "prescriptor"};

struct ObraSocialConfig {
    ObraSocialId id;
    std::string name;
    // A1: how an affiliate is identified: "affiliate_number", "dni", "credential".
    std::vector<std::string> eligibility_identifiers;
    // O1: names of required order data; "affiliate_number", "attention_date", "affiliate_name"
    // and "plan" are command fields, anything else is looked up among the order's free fields.
    std::vector<std::string> required_order_fields;
    // A1: the affiliate's data a budget must carry, of kBudgetAffiliateFields (the A10 sheet
    // prints the name and plan).
    std::vector<std::string> required_budget_fields;
    // A10: plans its sheet must point out (seed 004: "PLAN F800 / S800V: ... aclarar en la
    // planilla"); a budget for one is recorded with plan_flagged.
    std::vector<std::string> flagged_plans;
    // O1: the marks a paper order must carry. Seed 000 (the colegio's rule): the patient's
    // signature, the professional's signature and stamp; seed 004's SanCor psychotherapy: "no se
    // requieren formas del paciente". Configured as `order_signatures`, a list of the three names.
    struct OrderSignatures {
        bool patient_signature = true;
        bool professional_signature = true;
        bool professional_stamp = true;
    } order_signatures;
    // Each mark's name in the configuration and the API, with its member.
    static constexpr std::pair<std::string_view, bool OrderSignatures::*> kOrderSignatures[] = {
        {"patient_signature", &OrderSignatures::patient_signature},
        {"professional_signature", &OrderSignatures::professional_signature},
        {"professional_stamp", &OrderSignatures::professional_stamp}};
    bool token_required = false;       // A2
    std::string token_exception_code;  // A2: "9999", accepted and flagged; empty: none
    uint32_t boca = 0;                 // A8: transaction prefix (88)
    std::string serie;                 // A8: transaction series ("T")
    bool budget_auto_accept = false;   // A7: ACEPTADO unless a practice needs audit
    // A8: the authorization is what is billed, with no consumption step (seed 004: SanCor's
    // psychotherapy session is authorized online, and the sheet of authorizations is the bill):
    // an accepted budget's items are consumed by the same command, at its time.
    bool bills_authorization = false;
    // A5: a practice's written report goes with the presentation, one per consumed item, not with
    // the authorization (seed 004: "Colocar el informe en un sobre cerrado. Adjuntar el sobre
    // cerrado a la planilla de sancor").
    bool report_with_presentation = false;
    // A8: a consumption is accepted only with the affiliate's signature on its ticket (seed 002:
    // "se requiere obligatoriamente la firma del afiliado, aceptando la realización de la práctica").
    bool consumption_affiliate_signature = false;
    // A8: the share of an arancel that is gastos, in basis points: an item consumed "solo gastos"
    // bills it, "solo honorarios" the rest. Absent: the obra social bills items whole only.
    std::optional<uint32_t> gastos_share_bp;
    std::vector<AttachmentKind> invoice_attachments;  // F2: required on every invoice
    bool invoice_requires_authorization = false;      // F2: the authorization it bills
    // F2 (seed 003: "Completá los campos con los datos de la ACTA DE AUTORIZACIÓN"): an invoice
    // names an acta the obra social issued, one Original per acta and period, and together the
    // invoices bound to an acta bill at most its total.
    bool bills_actas = false;
    uint32_t payment_terms_days = 30;  // O4/F4: due date after receipt
    // F4: a shorter term for an invoice of at most `up_to` (seed 001: SanCor's invoices of $2.311,66
    // to $19.186 fall due 15 days after reception, those of $49.698,42 and more 60). Configured as
    // `short_payment_terms`; the amount that separates them is the colegio's to confirm.
    struct ShortTerms {
        Centavos up_to = 0;
        uint32_t days = 0;
    };
    std::optional<ShortTerms> short_payment_terms;
    std::map<std::string, uint32_t> category_increments_bp;  // A8: per provider category
    std::vector<PracticeConfig> practices;
    // A8: the version the practices' fees are (configured `fee_version`, "inicial" by default),
    // in force until the first of `fee_updates`, which come in order of effective date; at most
    // kMaxFeeUpdates.
    std::string fee_version = "inicial";
    std::vector<FeeUpdate> fee_updates;
    static constexpr size_t kMaxFeeUpdates = 24;

    const PracticeConfig* practice(std::string_view code) const noexcept;
    // A8: the practice's arancel on `day`, and the version in force then (which a priced event
    // records).
    Centavos fee_on(const PracticeConfig& p, Date day) const noexcept;
    const std::string& fee_version_on(Date day) const noexcept;
    // A8 (seed 001: "las últimas dos actualizaciones de aranceles convenidos"): the schedule in
    // force on `today`, the one before it, and any announced for later; oldest first.
    std::vector<FeeSchedule> recent_schedules(Date today) const;
};

// S3: a colegio retention, either a rate on the collected amount or a fixed amount.
struct RetentionConfig {
    RetentionKind kind = RetentionKind::colegio_fee;
    std::string name;
    std::optional<uint32_t> rate_bp;  // basis points of the base
    std::optional<Centavos> fixed;    // once per (period, obra social)
};

struct Config {
    std::vector<std::string> provider_categories;   // every obra social prices each one
    std::vector<uint32_t> enrollment_months{5, 9};  // P3
    uint32_t order_window_last_day = 5;             // O3: days 1..N load into this month
    std::vector<ObraSocialConfig> obras_sociales;
    std::vector<RetentionConfig> retentions;
    // The values a seed document shows, by name (value_names), with where it shows them:
    // "insssep.practices.020800.fee" -> "002: Total $16051,84".
    std::map<std::string, std::string> from_seeds;

    const ObraSocialConfig* obra_social(const ObraSocialId& id) const noexcept;
    bool has_category(std::string_view category) const noexcept;
    // O4/F4: when an invoice of `amount` received on `received` falls due: the obra social's
    // payment terms later, its short terms for a small one (30 days for one the configuration no
    // longer has).
    Date due_on(const ObraSocialId& id, Date received, Centavos amount) const noexcept;
};

// Every value of `config` a seed could vouch for, by name, in the file's order: each practice's
// fee, prior authorization and weekly limit ("sancor.practices.330101.fee"), each fee of an update
// ("sancor.fee_updates.2025-07.330101"), each category increment
// ("sancor.category_increments_bp.B"), boca, serie and token exception code, payment terms
// ("sancor.payment_terms_days", "sancor.short_payment_terms.up_to" and ".days"), a consumption's
// signature and gastos share ("insssep.gastos_share_bp"), and each retention's rate or fixed
// amount ("retentions.iibb.rate_bp").
std::vector<std::string> value_names(const Config& config);
// The amounts and rates (fees, category increments, retentions, the short payment terms' amount,
// the gastos share)
// that no seed vouches for:
// placeholders for the colegio to replace with its agreements.
std::vector<std::string> placeholders(const Config& config);

// Validates everything; the error's field is the JSON path ("obras_sociales[1].practices[0].fee").
result<Config, DomainError> parse_config(std::string_view json);

}  // namespace liquida::domain
