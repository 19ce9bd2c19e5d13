// The simulator's insides, shared by its two halves: sim/simulation.cc (the agenda, the
// planning and the loop) and sim/execution.cc (each intent built into a command). Private
// to sim/: nothing outside it includes this.
#pragma once

#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/money.h"
#include "domain/queries.h"

namespace liquida::sim {
using namespace domain;  // the simulator speaks the domain's words throughout
namespace detail {

constexpr int64_t kMinute = 60'000;
constexpr uint64_t kFirstProviderId = 1001;
constexpr uint32_t kColegioIntent = UINT32_MAX;  // Intent::provider of the colegio's own work (F6)
constexpr double kProvidersAtScale1 = 3000;

// std::mt19937_64's sequence is fixed by the standard; the distributions are ours, since
// the standard library's differ between implementations.
class Rng {
public:
    explicit Rng(uint64_t seed) : engine_(seed) {}
    uint64_t bits() { return engine_(); }
    // Uniform in [0, n); n > 0. The modulo bias is irrelevant at these sizes.
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(engine_() % n); }
    // Uniform in [lo, hi].
    int32_t between(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo + 1))); }
    bool chance(double p) { return static_cast<double>(engine_() >> 11) * 0x1.0p-53 < p; }

private:
    std::mt19937_64 engine_;
};

enum Os : uint8_t { kSancor = 0, kInsssep = 1, kIoma = 2, kOsCount = 3 };
constexpr std::string_view kOsIds[kOsCount] = {"sancor", "insssep", "ioma"};

enum class Specialty : uint8_t { psychologist, dentist, home_carer };
constexpr Os kMainOs[] = {kSancor, kInsssep, kIoma};

enum class Kind : uint8_t {
    onboard,
    adhere,
    upload,
    verify,
    enroll,
    leave,
    update,
    expire_docs,
    renew_doc,
    eligibility,
    token,
    psych_budget,
    dental_budget,
    ioma_budget,
    resolve_audit,
    acta,
    consume,
    cancel,
    load_order,
    review_order,
    represent_order,
    invoice,
    send,
    observe,
    accept,
    reject_invoice,
    ingresar,
    debit,
    resolve_debit,
    credit_note,
    refacturar,
    ajuste,
    payment_run,
    retentions,
    pay,
    present,  // F6: the colegio's, on its own ledger
    presentation_audit,
    presentation_approve,
    presentation_pay,
};

// Intent flags.
constexpr uint16_t kRetry = 1U << 0;          // the corrected attempt: no new mistake rolled
constexpr uint16_t kMistake = 1U << 1;        // planned to be rejected (guarded so it is)
constexpr uint16_t kDeferred = 1U << 2;       // A8: consumption recorded after the visit
constexpr uint16_t kHabilitado = 1U << 3;     // A1: the insurer's answer
constexpr uint16_t kObserved = 1U << 4;       // the invoice was observed once already
constexpr uint16_t kSimpleInvoice = 1U << 5;  // Ajuste / Refacturación: no debit, no rejection
constexpr uint16_t kException = 1U << 6;      // A2: token 9999
constexpr uint16_t kLateReview = 1U << 7;     // the order is reviewed after the invoice: Ajuste
constexpr uint16_t kNoReject = 1U << 8;       // a re-uploaded document is approved
constexpr uint16_t kDuplicate = 1U << 9;      // the same command sent twice: refused
constexpr uint16_t kNewCbu = 1U << 10;        // the update changes the CBU (its constancia approved)
constexpr uint16_t kConsumption = 1U << 11;   // A9: the anulación of a consumption (b: its number, c: the budget's)

struct Intent {
    TimestampMs at = 0;
    uint64_t seq = 0;  // insertion order: ties at the same instant keep it
    uint32_t provider = 0;
    Kind kind = Kind::onboard;
    uint8_t os = 0;
    uint16_t flags = 0;
    uint32_t a = 0;
    uint64_t b = 0;
    int64_t c = 0;
};
inline bool colegio_kind(Kind k) { return k >= Kind::present; }

struct Later {
    bool operator()(const Intent& x, const Intent& y) const noexcept { return x.at != y.at ? x.at > y.at : x.seq > y.seq; }
};

struct Patient {
    uint32_t affiliate = 0;  // index in the obra social's pool of affiliates
    uint32_t weekday = 1;    // 1 Monday .. 5 Friday
    int32_t minute = 600;    // local time of the weekly appointment
    uint32_t diagnosis = 0;
    uint32_t member = 1;  // 1 titular; 2, 3 family members (the titular generates the token)
    bool by_dni = false;
    bool is_new = true;  // A5: starts with a psicodiagnóstico with report
    Period checked{};    // last month with an eligibility check
    uint32_t last_token = 0;
};

struct ProviderSim {
    Specialty specialty = Specialty::psychologist;
    uint8_t adhered = 0;  // bit per Os
    bool recien = false;
    std::string matricula;
    std::string category;
    IvaCondition iva = IvaCondition::monotributo;
    uint32_t punto_de_venta = 1;
    uint32_t next_number = 1;  // comprobantes
    uint64_t next_seq = 1;     // ids within the provider: orders, invoices, documents, debits...
    uint32_t target_patients = 0;
    std::vector<Patient> patients;
    // Planned state: the planner runs ahead of execution.
    int32_t onboard_day = 0;
    int32_t active_from = INT32_MAX;  // first local day activity is planned
    int32_t stop_sessions_after = INT32_MAX;
    bool leaving = false;
    bool left = false;
    Period left_in{};
    int32_t seguro_expires = 0;  // P2: the malpractice policy is renewed yearly
    int32_t renew_on = 0;
    int32_t expire_job = 0;               // day the expiry job runs for the current policy; 0 none
    int32_t blocked_attempt = INT32_MIN;  // last day a billable attempt met a gap in the padrón
};

struct Provider {
    ProviderLedger ledger;
    ProviderSim sim;
};

struct Built {
    SimActor actor = SimActor::system;
    Command command;
};

inline int32_t first_day(Period p) { return date_from_civil(p.year, p.month, 1).days; }
inline int32_t days_in(Period p) { return first_day(p.next()) - first_day(p); }
// 0 Sunday .. 6 Saturday; 1970-01-01 was a Thursday.
inline uint32_t weekday(int32_t day) { return static_cast<uint32_t>(((day % 7) + 7 + 4) % 7); }
inline Period period_of(int32_t day) {
    const CivilDate c = civil_from_date(Date{day});
    return Period{c.year, c.month};
}
inline TimestampMs at_minute(int32_t day, int32_t minute) { return start_of_local_day(Date{day}) + static_cast<int64_t>(minute) * kMinute; }
inline std::string num(uint64_t n) { return std::to_string(n); }

constexpr const char* kFirstNames[] = {"MARIA LAURA", "JUAN PABLO", "ANA",   "CARLOS",   "LUCIA",    "MARTIN",    "SOFIA",
                                       "DIEGO",       "VALERIA",    "PABLO", "CAROLINA", "GUSTAVO",  "FLORENCIA", "RODRIGO",
                                       "NATALIA",     "JAVIER",     "PAULA", "SERGIO",   "GABRIELA", "FERNANDO"};
constexpr const char* kSurnames[] = {"GARCIA", "RODRIGUEZ", "GONZALEZ", "FERNANDEZ", "LOPEZ",  "MARTINEZ", "PEREZ",
                                     "GOMEZ",  "DIAZ",      "SANCHEZ",  "ROMERO",    "SOSA",   "TORRES",   "ALVAREZ",
                                     "RUIZ",   "RAMIREZ",   "FLORES",   "BENITEZ",   "ACOSTA", "MEDINA"};
constexpr const char* kCities[] = {"Paraná", "Concordia", "Gualeguaychú", "Resistencia", "Santa Fe", "La Plata"};
constexpr const char* kBanks[] = {"285", "011", "007", "017", "072", "191", "150", "034", "386", "014"};
constexpr const char* kPsychDiagnoses[] = {"F41.1", "F32.1", "F43.2", "F41.0", "F33.1", "F90.0", "F84.0", "F50.0", "F42"};
constexpr const char* kDentalDiagnoses[] = {"K02.1", "K02.9", "K04.0", "K05.1", "K08.1", "K03.6"};
constexpr const char* kIomaDiagnoses[] = {"G30.9", "I69.3", "G20", "F03", "G35"};
constexpr const char* kPsychPractices[] = {"330101", "330111", "330112"};
constexpr const char* kOrderRejectReasons[] = {"missing_professional_stamp", "missing_required_field", "missing_patient_signature",
                                               "missing_professional_signature", "other"};
struct Reason {
    const char* code;
    const char* text;
};
constexpr Reason kDebitReasons[] = {{"D01", "Falta firma del afiliado en la planilla"},
                                    {"D05", "Práctica sin autorización previa"},
                                    {"D12", "Arancel mal aplicado"},
                                    {"D20", "Prestación duplicada"}};
constexpr const char* kObserveReasons[] = {"Falta planilla de asistencia", "CAE ilegible", "Período mal informado"};

template <class T, size_t N>
constexpr uint32_t count_of(const T (&)[N]) {
    return static_cast<uint32_t>(N);
}

// CUIT "20-12345678-3" with a correct mod-11 check digit.
inline std::string make_cuit(Rng& rng) {
    static constexpr int kWeights[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    const char* prefix = rng.chance(0.5) ? "27" : "20";
    for (;;) {
        const std::string body = std::string(prefix) + num(10'000'000 + rng.below(35'000'000));
        int sum = 0;
        for (size_t i = 0; i < 10; ++i) sum += (body[i] - '0') * kWeights[i];
        int check = 11 - sum % 11;
        if (check == 11) check = 0;
        if (check == 10) continue;
        return body.substr(0, 2) + "-" + body.substr(2) + "-" + static_cast<char>('0' + check);
    }
}

// CBU: bank (3) + branch (4) + check, account (13) + check.
inline std::string make_cbu(Rng& rng) {
    static constexpr int kBank[] = {7, 1, 3, 9, 7, 1, 3};
    static constexpr int kAccount[] = {3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3};
    std::string bank = kBanks[rng.below(count_of(kBanks))];
    bank += num(1000 + rng.below(9000));
    int sum = 0;
    for (size_t i = 0; i < 7; ++i) sum += (bank[i] - '0') * kBank[i];
    bank.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
    std::string account = num(1'000'000 + rng.below(9'000'000));
    account += num(100'000 + rng.below(900'000));
    sum = 0;
    for (size_t i = 0; i < 13; ++i) sum += (account[i] - '0') * kAccount[i];
    account.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
    return bank + account;
}

inline std::string with_wrong_last_digit(std::string s) {
    s.back() = static_cast<char>('0' + (s.back() - '0' + 1) % 10);
    return s;
}

}  // namespace detail
using namespace detail;

struct Simulation::Impl {
    Config config;
    SimulationOptions options;
    Rng rng;
    std::array<const ObraSocialConfig*, kOsCount> os{};
    std::array<ObraSocialId, kOsCount> os_id;
    std::vector<std::unique_ptr<Provider>> providers;
    SessionRegister sessions;  // A4 across providers, as the write path keeps it
    uint32_t sessions_window = 0;
    // F6: the colegio's own ledger, its presentations, with a random stream of its own so that
    // the providers' stream does not depend on it.
    ProviderLedger colegio;
    Rng colegio_rng;
    uint64_t colegio_seq = 1;
    // Each SanCor affiliate in therapy sees one psychologist, as in life: the week's session is
    // the affiliate's, so a second one would be refused every week (docs/DOMAIN.md, A4).
    std::unordered_map<uint32_t, ProviderSim*> therapist;
    // The agenda: the current day's intents as a heap, later days' in buckets until their day comes.
    std::vector<Intent> due;  // heap by Later
    bool due_is_heap = true;
    std::vector<std::vector<Intent>> later_days;  // by local day - first_plan_day
    int32_t first_plan_day = 0;
    int32_t current_day = 0;  // the day whose intents are in `due`
    uint64_t next_intent = 0;
    uint64_t emitted = 0;
    std::array<uint64_t, kOsCount> next_txn{128'000'000, 129'000'000, 700'000'000};
    std::array<uint32_t, kOsCount> pool{};
    uint32_t initial_providers = 0;
    Period onboarding{};
    int32_t start_day = 0;
    int32_t end_day = 0;
    TimestampMs end_ms = 0;
    Period current{};
    TimestampMs now = 0;
    std::string id_prefix;
    SimulationStats stats;

    Impl(const Config& c, SimulationOptions o);
    bool is_window(Period p) const;

    // ---- agenda ----

    void push(TimestampMs at, uint32_t provider, Kind kind, uint8_t os_index = 0, uint16_t flags = 0, uint32_t a = 0, uint64_t b = 0,
              int64_t c = 0) {
        const Intent it{std::max(at, now), next_intent++, provider, kind, os_index, flags, a, b, c};
        const int32_t day = local_date(it.at).days;
        if (day >= end_day) return;  // after the simulation
        if (day > current_day) {
            later_days[static_cast<size_t>(day - first_plan_day)].push_back(it);
            return;
        }
        due.push_back(it);
        if (due_is_heap) std::push_heap(due.begin(), due.end(), Later{});
    }
    // `days` after today, at a random time between the given minutes of the day.
    TimestampMs later(int32_t days_lo, int32_t days_hi, int32_t from_minute = 9 * 60, int32_t to_minute = 18 * 60);
    TimestampMs minutes_later(int32_t lo, int32_t hi) { return now + static_cast<int64_t>(rng.between(lo, hi)) * kMinute; }
    // The colegio verifies renewed documents in rounds, not one by one (seed 000: the uploads of
    // 29/4 and of 26/6 were all verified on 2/7): the 2nd and the 16th of each month, at 10:00
    // Argentina time, the first after the day of `after`.
    static TimestampMs verification_round(TimestampMs after);

    // ---- providers ----

    void create_provider(bool recien, int32_t onboard_day, int32_t onboard_minute, int32_t active_from);
    void plan_renewal(ProviderSim& s);
    void fill_patients(ProviderSim& s);

    // ---- affiliates: generated from their index, nothing stored ----

    std::string affiliate_number(uint8_t o, uint32_t affiliate, uint32_t member = 1) const;
    std::string family_group(uint32_t affiliate) const { return num(3'000'000 + affiliate); }
    std::string credential(uint32_t affiliate) const { return num(500'000 + affiliate); }
    std::string dni(uint32_t affiliate) const { return num(20'000'000 + (affiliate * 7919U) % 30'000'000); }
    // "APELLIDO NOMBRE", as the insurers' systems print them; member 1 is the titular.
    std::string affiliate_name(uint32_t affiliate, uint32_t member = 1) const;
    // The affiliate's plan at the obra social: SanCor's by number, 3% on F800 or S800V (seed 004).
    std::string plan(uint8_t o, uint32_t affiliate) const;
    // Each provider's convenio with the obra social, as the portals name the colegio's agreement.
    static std::string convenio(uint8_t o);

    // ---- planning ----

    void plan_month(Period m);
    void plan_provider_month(uint32_t index, Period m, int32_t first, int32_t days);
    void plan_day(int32_t day);

    // SanCor psychotherapy (004): eligibility once a month, a token, the budget, consumption.
    void plan_sessions(uint32_t index, int32_t day, uint32_t wd, Period m);

    static int64_t pack_session(uint32_t code, uint32_t practice, const Patient& pt) {
        return static_cast<int64_t>(code) | static_cast<int64_t>(practice) << 16 | static_cast<int64_t>(pt.diagnosis) << 24 |
               static_cast<int64_t>(pt.member) << 32;
    }

    // InSSSeP dental (002): a few new budgets a day, each checked for eligibility first.
    void plan_dental(uint32_t index, int32_t day);

    // ---- execution helpers ----

    TransactionRef transaction(uint8_t o, uint64_t number) const;
    static const BudgetRecord* budget(const ProviderLedger& l, const TransactionRef& t) {
        const auto it = l.authorizations.budgets.find(key_of(t));
        return it == l.authorizations.budgets.end() ? nullptr : &it->second;
    }
    static const InvoiceRecord* invoice(const ProviderLedger& l, const std::string& id) {
        const auto it = l.invoices.invoices.find(id);
        return it == l.invoices.invoices.end() ? nullptr : &it->second;
    }
    // A4: an authorized 330101 for the affiliate in the last 7 days (rare path: scans).
    bool session_this_week(const ProviderLedger& l, const std::string& affiliate, int32_t today) const;
    // The drawn affiliate, or the next one in the pool that no other psychologist treats and is
    // not already this one's patient: no draw, so the random stream stays the same.
    uint32_t free_for_therapy(ProviderSim& s, uint32_t affiliate, uint32_t pool_size) {
        for (uint32_t n = 0; n < pool_size; ++n) {
            const uint32_t a = (affiliate + n) % pool_size;
            auto it = therapist.find(a);
            if (it != therapist.end() && it->second != &s && patient(*it->second, a) != nullptr) continue;
            if (n > 0 && patient(s, a) != nullptr) continue;
            therapist[a] = &s;
            return a;
        }
        return affiliate;
    }
    static Patient* patient(ProviderSim& s, uint32_t affiliate) {
        for (Patient& p : s.patients) {
            if (p.affiliate == affiliate) return &p;
        }
        return nullptr;
    }

    // P4: billable work needs the padrón. Out of it (a document lapsed), the user tries once
    // that day, is told why, and stops.
    bool may_bill(Provider& p, int32_t today);
    // A mistake is rolled once per intent; the corrected command comes a couple of minutes later.
    bool mistake(const Intent& it, double p) { return (it.flags & kRetry) == 0 && rng.chance(p); }
    void retry(Intent it, uint64_t b);
    std::vector<Attachment> invoice_attachments(uint8_t o, uint64_t seq) const;
    ComprobanteType comprobante(const ProviderSim& s, uint8_t o) const;
    std::string cae() { return num(70'000'000'000'000ULL + rng.bits() % 9'999'999'999'999ULL); }

    // ---- execution ----

    std::optional<Built> execute(const Intent& it);
    std::optional<Built> onboard(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> adhere(const Intent& it, Provider& p);
    std::optional<Built> upload(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> verify(const Intent& it, Provider& p);
    std::optional<Built> enroll(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> update(const Intent& it, Provider& p);
    std::optional<Built> expire_docs(Provider& p, int32_t today);
    std::optional<Built> eligibility(const Intent& it, Provider& p);
    std::optional<Built> token(const Intent& it, Provider& p);
    std::optional<Built> psych_budget(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> dental_budget(const Intent& it, Provider& p, int32_t today);

    // A8: the items of a budget consumed over one or more visits; some never are.
    void schedule_visits(uint32_t provider, uint8_t o, uint64_t txn, const std::vector<uint32_t>& items, TimestampMs first);
    std::optional<Built> ioma_budget(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> resolve_audit(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> consume(const Intent& it, Provider& p);
    std::optional<Built> cancel(const Intent& it, Provider& p);

    // ---- orders (O1-O3) ----

    LoadOrder order(uint8_t o, uint32_t affiliate, std::string id, std::string practice, Date attention) const;
    std::optional<Built> load_order(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> review_order(const Intent& it, Provider& p);
    std::optional<Built> represent_order(const Intent& it, Provider& p, int32_t today);

    // ---- invoices (F1-F3), debits (S1) ----

    IssueInvoice invoice_command(const ProviderSim& s, uint8_t o, uint64_t seq, uint32_t number, Period period, Centavos amount,
                                 int32_t today, BillingType billing, std::string adjusts) {
        IssueInvoice c;
        c.invoice_id = "f" + num(seq);
        c.obra_social = os_id[o];
        c.comprobante = comprobante(s, o);
        if (billing == BillingType::refacturacion && c.comprobante == ComprobanteType::resumen_x)
            c.comprobante = ComprobanteType::factura_b;  // F2: refacturación with a factura oficial
        c.billing = billing;
        c.punto_de_venta = s.punto_de_venta;
        c.number = number;
        c.cae = cae();
        if (c.comprobante == ComprobanteType::resumen_x) c.cae.clear();  // no fiscal invoice (drawn all the same: the same draws follow)
        c.period = period;
        c.amount = amount;
        c.issued_on = Date{today};
        if (os[o]->invoice_requires_authorization) c.authorization = "AUT-" + num(static_cast<uint64_t>(period.yyyymm()));
        c.adjusts_invoice = std::move(adjusts);
        c.attachments = invoice_attachments(o, seq);
        return c;
    }

    // P4 out of the padrón: try again tomorrow.
    bool invoice_blocked(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> issue_invoice(const Intent& it, Provider& p, int32_t today);
    // F2 (seed 003): IOMA's acta for an authorized budget, and the next of a period's actas to bill.
    std::optional<Built> acta(const Intent& it, Provider& p, int32_t today);
    struct ActaBill {
        std::string acta;
        Centavos amount = 0;
    };
    std::optional<ActaBill> next_acta_to_bill(const ProviderLedger& l, uint8_t o, Period period) const;
    std::optional<Built> ajuste(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> refacturar(const Intent& it, Provider& p, int32_t today);

    // F3: cargada -> enviada -> (observada -> enviada) -> aceptada -> ingresada, or rechazada.
    std::optional<Built> invoice_state(const Intent& it, Provider& p, int32_t today);
    std::optional<Built> debit(const Intent& it, Provider& p);
    std::optional<Built> resolve_debit(const Intent& it, Provider& p);
    std::optional<Built> credit_note(const Intent& it, Provider& p);

    // ---- payment (S2, S3) ----

    std::optional<Built> payment_run(const Intent& it, Provider& p, int32_t today);
    Centavos retention_covered(const ProviderLedger& l, Period period, uint8_t o) const;
    std::optional<Built> retentions(const Intent& it, Provider& p);
    std::optional<Built> pay(const Intent& it, Provider& p);

    // ---- the colegio's presentations (F6, seed 000; sim/presentations.cc) ----

    // The month's presentations of the previous period, one per obra social, after the window.
    void plan_presentations(Period m);
    std::optional<Built> colegio_work(const Intent& it, int32_t today);
    std::optional<Built> present(const Intent& it);
    std::optional<Built> presentation_audit(const Intent& it, int32_t today);
    std::optional<Built> presentation_pay(const Intent& it, int32_t today);
    TimestampMs colegio_later(int32_t today, int32_t days_lo, int32_t days_hi);

    // ---- the loop ----

    std::optional<SimulatedCommand> next();
    std::string actor_id(SimActor actor, const Intent& it) const;
};

}  // namespace liquida::sim
