// The month simulator. An agenda of intents ordered by (time, insertion) drives it: each day
// is planned when the clock reaches it (weekly sessions, dental visits), each month on its
// first day (orders, invoices, payment runs, IOMA budgets), and executing an intent builds
// one command from the ledger as it stands and schedules what follows it (a budget's
// consumptions, an invoice's trip through the insurer). Mistakes are rolled at execution: the
// mistaken command goes first, the corrected one is scheduled a few minutes later.
#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/money.h"
#include "domain/queries.h"

namespace liquida::sim {
using namespace domain;  // the simulator speaks the domain's words throughout
namespace {

constexpr int64_t kMinute = 60'000;
constexpr uint64_t kFirstProviderId = 1001;
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
    int32_t between(int32_t lo, int32_t hi) {
        return lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo + 1)));
    }
    bool chance(double p) { return static_cast<double>(engine_() >> 11) * 0x1.0p-53 < p; }

private:
    std::mt19937_64 engine_;
};

enum Os : uint8_t { kSancor = 0, kInsssep = 1, kIoma = 2, kOsCount = 3 };
constexpr std::string_view kOsIds[kOsCount] = {"sancor", "insssep", "ioma"};

enum class Specialty : uint8_t { psychologist, dentist, home_carer };
constexpr Os kMainOs[] = {kSancor, kInsssep, kIoma};

enum class Kind : uint8_t {
    onboard, adhere, upload, verify, enroll, leave, update, expire_docs, renew_doc,
    eligibility, token, psych_budget, dental_budget, ioma_budget, resolve_audit, consume, cancel,
    load_order, review_order, represent_order,
    invoice, send, observe, accept, reject_invoice, ingresar, debit, resolve_debit, credit_note, refacturar, ajuste,
    payment_run, retentions, pay,
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

struct Later {
    bool operator()(const Intent& x, const Intent& y) const noexcept {
        return x.at != y.at ? x.at > y.at : x.seq > y.seq;
    }
};

struct Patient {
    uint32_t affiliate = 0;  // index in the obra social's pool of affiliates
    uint32_t weekday = 1;    // 1 Monday .. 5 Friday
    int32_t minute = 600;    // local time of the weekly appointment
    uint32_t diagnosis = 0;
    uint32_t member = 1;     // 1 titular; 2, 3 family members (the titular generates the token)
    bool by_dni = false;
    bool is_new = true;      // A5: starts with a psicodiagnóstico with report
    Period checked{};        // last month with an eligibility check
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
    int32_t expire_job = 0;       // day the expiry job runs for the current policy; 0 none
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

int32_t first_day(Period p) { return date_from_civil(p.year, p.month, 1).days; }
int32_t days_in(Period p) { return first_day(p.next()) - first_day(p); }
// 0 Sunday .. 6 Saturday; 1970-01-01 was a Thursday.
uint32_t weekday(int32_t day) { return static_cast<uint32_t>(((day % 7) + 7 + 4) % 7); }
Period period_of(int32_t day) {
    const CivilDate c = civil_from_date(Date{day});
    return Period{c.year, c.month};
}
TimestampMs at_minute(int32_t day, int32_t minute) {
    return start_of_local_day(Date{day}) + static_cast<int64_t>(minute) * kMinute;
}
std::string num(uint64_t n) { return std::to_string(n); }

constexpr const char* kFirstNames[] = {"MARIA LAURA", "JUAN PABLO", "ANA", "CARLOS", "LUCIA", "MARTIN", "SOFIA",
                                       "DIEGO", "VALERIA", "PABLO", "CAROLINA", "GUSTAVO", "FLORENCIA", "RODRIGO",
                                       "NATALIA", "JAVIER", "PAULA", "SERGIO", "GABRIELA", "FERNANDO"};
constexpr const char* kSurnames[] = {"GARCIA", "RODRIGUEZ", "GONZALEZ", "FERNANDEZ", "LOPEZ", "MARTINEZ", "PEREZ",
                                     "GOMEZ", "DIAZ", "SANCHEZ", "ROMERO", "SOSA", "TORRES", "ALVAREZ", "RUIZ",
                                     "RAMIREZ", "FLORES", "BENITEZ", "ACOSTA", "MEDINA"};
constexpr const char* kCities[] = {"Paraná", "Concordia", "Gualeguaychú", "Resistencia", "Santa Fe", "La Plata"};
constexpr const char* kBanks[] = {"285", "011", "007", "017", "072", "191", "150", "034", "386", "014"};
constexpr const char* kPsychDiagnoses[] = {"F41.1", "F32.1", "F43.2", "F41.0", "F33.1", "F90.0", "F84.0", "F50.0", "F42"};
constexpr const char* kDentalDiagnoses[] = {"K02.1", "K02.9", "K04.0", "K05.1", "K08.1", "K03.6"};
constexpr const char* kIomaDiagnoses[] = {"G30.9", "I69.3", "G20", "F03", "G35"};
constexpr const char* kPsychPractices[] = {"330101", "330111", "330112"};
constexpr const char* kOrderRejectReasons[] = {"missing_professional_stamp", "missing_required_field",
                                               "missing_patient_signature", "missing_professional_signature", "other"};
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
std::string make_cuit(Rng& rng) {
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
std::string make_cbu(Rng& rng) {
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

std::string with_wrong_last_digit(std::string s) {
    s.back() = static_cast<char>('0' + (s.back() - '0' + 1) % 10);
    return s;
}

}  // namespace

struct Simulation::Impl {
    Config config;
    SimulationOptions options;
    Rng rng;
    std::array<const ObraSocialConfig*, kOsCount> os{};
    std::array<ObraSocialId, kOsCount> os_id;
    std::vector<std::unique_ptr<Provider>> providers;
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

    Impl(const Config& c, SimulationOptions o) : config(c), options(o), rng(o.seed) {
        if (!(options.scale > 0)) options.scale = 1.0;
        options.months = std::max<uint32_t>(options.months, 1);
        for (uint8_t i = 0; i < kOsCount; ++i) {
            os_id[i] = ObraSocialId{std::string(kOsIds[i])};
            os[i] = config.obra_social(os_id[i]);
        }
        id_prefix = "sim-" + num(options.seed) + "-" + num(static_cast<uint64_t>(options.start.yyyymm())) + "-";
        start_day = first_day(options.start);
        Period last = options.start;
        for (uint32_t i = 1; i < options.months; ++i) last = last.next();
        end_day = first_day(last.next());
        end_ms = start_of_local_day(Date{end_day});

        // P3: the padrón opens in the enrollment months; onboarding happens in the last one.
        bool window_found = false;
        onboarding = options.start;
        for (int i = 0; i < 12 && !window_found; ++i) {
            if (is_window(onboarding)) {
                window_found = true;
            } else {
                Period prev{onboarding.year, onboarding.month - 1};
                if (onboarding.month == 1) prev = Period{onboarding.year - 1, 12};
                onboarding = prev;
            }
        }
        if (!window_found) onboarding = options.start;  // then everyone enrolls as recién matriculado
        first_plan_day = first_day(onboarding);
        current_day = first_plan_day - 1;
        later_days.resize(static_cast<size_t>(end_day - first_plan_day));
        current = onboarding;

        initial_providers = static_cast<uint32_t>(std::max(5.0, std::round(kProvidersAtScale1 * options.scale)));
        pool = {initial_providers * 200, initial_providers * 150, initial_providers * 20};
        for (uint32_t i = 0; i < initial_providers; ++i) {
            int32_t day = 0;
            int32_t minute = 0;
            if (onboarding == options.start) {  // before the day's work starts
                day = start_day;
                minute = rng.between(30, 6 * 60 + 30);
            } else {
                day = first_day(onboarding) + rng.between(9, std::min(24, days_in(onboarding) - 2));
                minute = rng.between(9 * 60, 17 * 60);
            }
            create_provider(!window_found || rng.chance(0.05), day, minute, onboarding == options.start ? day : day + 1);
        }
    }

    bool is_window(Period p) const {
        const auto& m = config.enrollment_months;
        return std::find(m.begin(), m.end(), p.month) != m.end();
    }

    // ---- agenda ----

    void push(TimestampMs at, uint32_t provider, Kind kind, uint8_t os_index = 0, uint16_t flags = 0, uint32_t a = 0,
              uint64_t b = 0, int64_t c = 0) {
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
    TimestampMs later(int32_t days_lo, int32_t days_hi, int32_t from_minute = 9 * 60, int32_t to_minute = 18 * 60) {
        const int32_t day = local_date(now).days + rng.between(days_lo, days_hi);
        return std::max(now + kMinute, at_minute(day, rng.between(from_minute, to_minute)));
    }
    TimestampMs minutes_later(int32_t lo, int32_t hi) { return now + static_cast<int64_t>(rng.between(lo, hi)) * kMinute; }

    // ---- providers ----

    void create_provider(bool recien, int32_t onboard_day, int32_t onboard_minute, int32_t active_from) {
        auto p = std::make_unique<Provider>();
        ProviderSim& s = p->sim;
        const auto index = static_cast<uint32_t>(providers.size());
        const uint32_t roll = rng.below(100);
        s.specialty = roll < 50 ? Specialty::psychologist : roll < 85 ? Specialty::dentist : Specialty::home_carer;
        // Fall back to whatever insurer the configuration has.
        for (int i = 0; i < 3 && os[kMainOs[static_cast<size_t>(s.specialty)]] == nullptr; ++i)
            s.specialty = static_cast<Specialty>((static_cast<int>(s.specialty) + 1) % 3);
        const Os main = kMainOs[static_cast<size_t>(s.specialty)];
        if (os[main] != nullptr) s.adhered = static_cast<uint8_t>(1U << main);
        const auto extra = static_cast<Os>(rng.below(kOsCount));
        if (rng.chance(0.15) && os[extra] != nullptr) s.adhered = static_cast<uint8_t>(s.adhered | (1U << extra));
        s.recien = recien;
        s.matricula = "MP-" + num(10'000 + index);
        const auto& categories = config.provider_categories;
        s.category = categories.empty() ? "A" : categories[rng.below(static_cast<uint32_t>(categories.size()))];
        const uint32_t iva = rng.below(100);
        s.iva = iva < 70 ? IvaCondition::monotributo : iva < 95 ? IvaCondition::responsable_inscripto : IvaCondition::exento;
        s.punto_de_venta = 1 + rng.below(20);
        s.next_number = 1 + rng.below(5000);
        switch (s.specialty) {
            case Specialty::psychologist: s.target_patients = static_cast<uint32_t>(rng.between(18, 34)); break;
            case Specialty::dentist: s.target_patients = 0; break;
            case Specialty::home_carer: s.target_patients = static_cast<uint32_t>(rng.between(2, 4)); break;
        }
        fill_patients(s);
        s.onboard_day = onboard_day;
        s.active_from = active_from;
        s.seguro_expires = onboard_day + rng.between(25, 365);
        s.expire_job = s.seguro_expires + 1;
        plan_renewal(s);
        providers.push_back(std::move(p));
        push(at_minute(onboard_day, onboard_minute), index, Kind::onboard);
    }

    void plan_renewal(ProviderSim& s) {
        // Most renew before the policy lapses; some a few days late, out of the padrón meanwhile.
        s.renew_on = rng.chance(0.08) ? s.seguro_expires + rng.between(2, 6) : s.seguro_expires - rng.between(3, 20);
    }

    void fill_patients(ProviderSim& s) {
        while (s.patients.size() < s.target_patients) {
            Patient pt;
            pt.affiliate = rng.below(pool[kMainOs[static_cast<size_t>(s.specialty)]]);
            if (patient(s, pt.affiliate) != nullptr) continue;  // one family group, one patient
            pt.diagnosis = rng.below(16);
            if (s.specialty == Specialty::psychologist) {
                // A free weekly slot: Monday to Friday, 8:00 to 19:00.
                for (int tries = 0; tries < 64; ++tries) {
                    pt.weekday = 1 + rng.below(5);
                    pt.minute = (8 + rng.between(0, 11)) * 60;
                    const bool taken = std::any_of(s.patients.begin(), s.patients.end(), [&](const Patient& o) {
                        return o.weekday == pt.weekday && o.minute == pt.minute;
                    });
                    if (!taken) break;
                }
                pt.member = rng.chance(0.2) ? 2 + rng.below(2) : 1;
                pt.by_dni = rng.chance(0.3);
            } else {
                pt.weekday = 1 + rng.below(5);
                pt.minute = (8 + rng.between(0, 8)) * 60;
            }
            s.patients.push_back(pt);
        }
    }

    // ---- affiliates: generated from their index, nothing stored ----

    std::string affiliate_number(uint8_t o, uint32_t affiliate, uint32_t member = 1) const {
        switch (o) {
            case kSancor: return num(3'000'000 + affiliate) + (member < 10 ? "/0" : "/") + num(member);
            case kInsssep: return num(100'000 + affiliate);
            default: return num(100'000'000 + affiliate) + "/00";
        }
    }
    std::string family_group(uint32_t affiliate) const { return num(3'000'000 + affiliate); }
    std::string credential(uint32_t affiliate) const { return num(500'000 + affiliate); }
    std::string dni(uint32_t affiliate) const { return num(20'000'000 + (affiliate * 7919U) % 30'000'000); }

    // ---- planning ----

    void plan_month(Period m) {
        const int32_t first = first_day(m);
        const int32_t days = days_in(m);
        const bool window = is_window(m);
        const size_t existing = providers.size();
        // New members: recién matriculados enroll at once (P3).
        const double expected = initial_providers * 0.004;
        auto newcomers = static_cast<uint32_t>(expected);
        if (rng.chance(expected - newcomers)) ++newcomers;
        for (uint32_t i = 0; i < newcomers; ++i) {
            const int32_t day = first + rng.between(1, 19);
            create_provider(true, day, rng.between(9 * 60, 17 * 60), day + 1);
        }
        for (size_t i = 0; i < existing; ++i) {
            const auto index = static_cast<uint32_t>(i);
            ProviderSim& s = providers[i]->sim;
            if (s.active_from >= first + days) continue;  // still onboarding
            if (s.leaving) {
                s.leaving = false;
                s.left = true;
                s.left_in = Period{m.month == 1 ? m.year - 1 : m.year, m.month == 1 ? 12 : m.month - 1};
            }
            if (s.left) {
                if (window) {  // P3/P5: back in the next enrollment window
                    const int32_t day = first + rng.between(1, 9);
                    push(at_minute(day, rng.between(9 * 60, 17 * 60)), index, Kind::enroll);
                    s.left = false;
                    s.active_from = day + 1;
                    s.stop_sessions_after = INT32_MAX;
                } else if (s.left_in.next() == m && rng.chance(0.3)) {
                    const int32_t day = first + rng.between(2, 19);
                    push(at_minute(day, rng.between(9 * 60, 17 * 60)), index, Kind::enroll, 0, kMistake);
                }
            } else {
                plan_provider_month(index, m, first, days);
            }
            // The insurers pay what they owe whether or not the provider still works.
            for (uint8_t o = 0; o < kOsCount; ++o) {
                if ((s.adhered & (1U << o)) == 0) continue;
                const int32_t day = o == kSancor ? first + rng.between(2, 5) : first + rng.between(23, 26);
                push(at_minute(day, rng.between(8 * 60, 20 * 60)), index, Kind::payment_run, o);
            }
        }
    }

    void plan_provider_month(uint32_t index, Period m, int32_t first, int32_t days) {
        ProviderSim& s = providers[index]->sim;
        const Os main = kMainOs[static_cast<size_t>(s.specialty)];
        // Patients come and go.
        if (s.specialty != Specialty::dentist) {
            std::vector<Patient> staying;
            for (const Patient& pt : s.patients) {
                if (!rng.chance(0.06)) staying.push_back(pt);
            }
            s.patients = std::move(staying);
            fill_patients(s);
        }
        // O3: orders of last month's attentions, loaded on days 1-5; some late, into next month.
        const Period prev{m.month == 1 ? m.year - 1 : m.year, m.month == 1 ? 12 : m.month - 1};
        const int32_t prev_first = first_day(prev);
        const int32_t prev_days = days_in(prev);
        uint32_t orders = 0;
        switch (s.specialty) {
            case Specialty::psychologist: orders = static_cast<uint32_t>(rng.between(5, 11)); break;
            case Specialty::dentist: orders = static_cast<uint32_t>(rng.between(16, 26)); break;
            case Specialty::home_carer: orders = static_cast<uint32_t>(rng.between(8, 14)); break;
        }
        if (os[main] == nullptr || (s.adhered & (1U << main)) == 0) orders = 0;
        for (uint32_t i = 0; i < orders; ++i) {
            const int32_t day = first + (rng.chance(0.08) ? rng.between(5, 11) : rng.between(0, 4));
            const int32_t attention = prev_first + rng.between(0, prev_days - 1);
            const uint32_t affiliate = rng.below(pool[main]);
            push(at_minute(day, rng.between(9 * 60, 20 * 60 - 1)), index, Kind::load_order, main, 0, affiliate, 0, attention);
        }
        // F1: each insurer's Original for the period, once its orders are reviewed.
        for (uint8_t o = 0; o < kOsCount; ++o) {
            if ((s.adhered & (1U << o)) == 0) continue;
            const int32_t day = first + rng.between(7, 9);
            push(at_minute(day, rng.between(9 * 60, 18 * 60)), index, Kind::invoice, o, 0, 0, static_cast<uint64_t>(m.yyyymm()));
        }
        // IOMA: a month of home care per patient, authorized by audit (A7).
        if (s.specialty == Specialty::home_carer && os[kIoma] != nullptr) {
            for (const Patient& pt : s.patients) {
                const int32_t day = first + rng.between(0, 2);
                const TimestampMs t = at_minute(day, rng.between(8 * 60, 12 * 60));
                push(t - 10 * kMinute, index, Kind::eligibility, kIoma, rng.chance(0.98) ? kHabilitado : 0, pt.affiliate);
                push(t, index, Kind::ioma_budget, kIoma, 0, pt.affiliate, next_txn[kIoma]++,
                     static_cast<int64_t>(pt.weekday) | static_cast<int64_t>(pt.minute) << 8 |
                         static_cast<int64_t>(pt.diagnosis) << 24);
            }
        }
        if (rng.chance(0.01)) {
            const int32_t day = first + rng.between(1, 24);
            push(at_minute(day, rng.between(9 * 60, 21 * 60)), index, Kind::update);
        }
        // P5: a few leave at the end of the month; they stop taking patients after day 5.
        if (!s.recien && !s.leaving && rng.chance(0.002)) {
            s.leaving = true;
            s.stop_sessions_after = first + 4;
            push(at_minute(first + days - 1, 20 * 60), index, Kind::leave);
        }
    }

    void plan_day(int32_t day) {
        const Period m = period_of(day);
        if (day == first_day(m) && day >= start_day) plan_month(m);
        const uint32_t wd = weekday(day);
        const bool working = wd >= 1 && wd <= 5 && day >= start_day;
        for (size_t i = 0; i < providers.size(); ++i) {
            const auto index = static_cast<uint32_t>(i);
            ProviderSim& s = providers[i]->sim;
            // P2: the expiry job the day after a policy lapses; the renewal before (or after) it.
            if (day == s.expire_job) {
                push(at_minute(day, 5), index, Kind::expire_docs);
                s.expire_job = s.seguro_expires >= day ? s.seguro_expires + 1 : 0;  // renewed already?
            }
            if (day == s.renew_on) {
                const int32_t expires = s.seguro_expires + 365;
                push(at_minute(day, rng.between(9 * 60, 19 * 60)), index, Kind::renew_doc, 0, 0, 0, s.next_seq++, expires);
                if (s.expire_job == 0) s.expire_job = expires + 1;
                s.seguro_expires = expires;
                plan_renewal(s);
            }
            if (!working || s.left || day < s.active_from || day > s.stop_sessions_after) continue;
            if (s.specialty == Specialty::psychologist) plan_sessions(index, day, wd, m);
            else if (s.specialty == Specialty::dentist) plan_dental(index, day);
        }
    }

    // SanCor psychotherapy (004): eligibility once a month, a token, the budget, consumption.
    void plan_sessions(uint32_t index, int32_t day, uint32_t wd, Period m) {
        ProviderSim& s = providers[index]->sim;
        if (os[kSancor] == nullptr) return;
        for (Patient& pt : s.patients) {
            if (pt.weekday != wd || rng.chance(0.07)) continue;  // cancelled this week
            const TimestampMs t = at_minute(day, pt.minute);
            if (pt.checked != m) {
                pt.checked = m;
                const bool habilitado = rng.chance(0.98);
                push(t - 12 * kMinute, index, Kind::eligibility, kSancor, habilitado ? kHabilitado : 0, pt.affiliate,
                     pt.member | (pt.by_dni ? 0x100U : 0U));
                if (!habilitado) {
                    if (rng.chance(0.3)) push(t - 2 * kMinute, index, Kind::psych_budget, kSancor, kMistake | kException,
                                              pt.affiliate, next_txn[kSancor]++, pack_session(0, 0, pt));
                    continue;
                }
            }
            const bool exception = rng.chance(0.01) && !os[kSancor]->token_exception_code.empty();
            uint32_t code = 0;
            if (!exception) {
                code = 1000 + rng.below(8999);
                if (num(code) == os[kSancor]->token_exception_code) ++code;
                push(t - 5 * kMinute, index, Kind::token, kSancor, 0, pt.affiliate, code, pt.member);
            }
            const uint32_t practice = pt.is_new ? 1 : rng.chance(0.03) ? 2 : 0;
            pt.is_new = false;
            const uint64_t txn = next_txn[kSancor]++;
            push(t, index, Kind::psych_budget, kSancor, exception ? kException : 0, pt.affiliate, txn,
                 pack_session(code, practice, pt));
            if (rng.chance(0.05)) {  // A8: recorded the next morning
                push(at_minute(day + 1, rng.between(8 * 60, 11 * 60)), index, Kind::consume, kSancor, kDeferred, 1, txn,
                     t + 45 * kMinute);
            } else {
                push(t + 50 * kMinute, index, Kind::consume, kSancor, 0, 1, txn);
            }
            // A4: an extra session within the week is refused.
            if (practice == 0 && wd <= 3 && rng.chance(0.004)) {
                const TimestampMs t2 = at_minute(day + 1 + rng.between(0, 1), 19 * 60 + 30);
                const uint32_t code2 = 1000 + rng.below(8998);
                push(t2 - 3 * kMinute, index, Kind::token, kSancor, 0, pt.affiliate, code2, pt.member);
                push(t2, index, Kind::psych_budget, kSancor, kMistake, pt.affiliate, next_txn[kSancor]++,
                     pack_session(code2, 0, pt));
            }
        }
    }

    static int64_t pack_session(uint32_t code, uint32_t practice, const Patient& pt) {
        return static_cast<int64_t>(code) | static_cast<int64_t>(practice) << 16 |
               static_cast<int64_t>(pt.diagnosis) << 24 | static_cast<int64_t>(pt.member) << 32;
    }

    // InSSSeP dental (002): a few new budgets a day, each checked for eligibility first.
    void plan_dental(uint32_t index, int32_t day) {
        if (os[kInsssep] == nullptr) return;
        static constexpr uint32_t kVisits[] = {0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5};
        const uint32_t visits = kVisits[rng.below(count_of(kVisits))];
        for (uint32_t v = 0; v < visits; ++v) {
            const TimestampMs t = at_minute(day, rng.between(8 * 60 + 30, 19 * 60));
            const uint32_t affiliate = rng.below(pool[kInsssep]);
            const bool habilitado = rng.chance(0.98);
            push(t, index, Kind::eligibility, kInsssep, habilitado ? kHabilitado : 0, affiliate);
            if (habilitado) push(t + 5 * kMinute, index, Kind::dental_budget, kInsssep, 0, affiliate, next_txn[kInsssep]++);
            else if (rng.chance(0.3))
                push(t + 5 * kMinute, index, Kind::dental_budget, kInsssep, kMistake, affiliate, next_txn[kInsssep]++);
        }
    }

    // ---- execution helpers ----

    TransactionRef transaction(uint8_t o, uint64_t number) const {
        return TransactionRef{os[o] == nullptr ? 0 : os[o]->boca, os[o] == nullptr ? "" : os[o]->serie, number};
    }
    static const BudgetRecord* budget(const ProviderLedger& l, const TransactionRef& t) {
        const auto it = l.authorizations.budgets.find(key_of(t));
        return it == l.authorizations.budgets.end() ? nullptr : &it->second;
    }
    static const InvoiceRecord* invoice(const ProviderLedger& l, const std::string& id) {
        const auto it = l.invoices.invoices.find(id);
        return it == l.invoices.invoices.end() ? nullptr : &it->second;
    }
    // A4: an authorized 330101 for the affiliate in the last 7 days (rare path: scans).
    bool session_this_week(const ProviderLedger& l, const std::string& affiliate, int32_t today) const {
        for (const auto& [key, b] : l.authorizations.budgets) {
            if (b.status == BudgetStatus::cancelled || b.submitted.affiliate_number != affiliate ||
                b.submitted.obra_social != os_id[kSancor] || today - local_date(b.submitted_at).days >= 7)
                continue;
            for (const BudgetItemRecord& r : b.items) {
                if (r.item.practice_code == "330101" && r.result != ItemResult::rechazada) return true;
            }
        }
        return false;
    }
    static Patient* patient(ProviderSim& s, uint32_t affiliate) {
        for (Patient& p : s.patients) {
            if (p.affiliate == affiliate) return &p;
        }
        return nullptr;
    }

    // P4: billable work needs the padrón. Out of it (a document lapsed), the user tries once
    // that day, is told why, and stops.
    bool may_bill(Provider& p, int32_t today) {
        if (in_padron(p.ledger.provider, Date{today})) return true;
        if (p.sim.left || !p.ledger.provider.registered || p.sim.blocked_attempt == today) return false;
        p.sim.blocked_attempt = today;
        return true;
    }
    // A mistake is rolled once per intent; the corrected command comes a couple of minutes later.
    bool mistake(const Intent& it, double p) { return (it.flags & kRetry) == 0 && rng.chance(p); }
    void retry(Intent it, uint64_t b) {
        push(minutes_later(1, 3), it.provider, it.kind, it.os, static_cast<uint16_t>(it.flags | kRetry), it.a, b, it.c);
    }

    std::vector<Attachment> invoice_attachments(uint8_t o, uint64_t seq) const {
        std::vector<Attachment> out;
        for (AttachmentKind k : os[o]->invoice_attachments)
            out.push_back(Attachment{k, "inv/" + num(seq) + "/" + num(static_cast<uint64_t>(k)) + ".pdf"});
        return out;
    }
    ComprobanteType comprobante(const ProviderSim& s) const {
        return s.iva == IvaCondition::responsable_inscripto ? ComprobanteType::factura_a : ComprobanteType::factura_c;
    }
    std::string cae() { return num(70'000'000'000'000ULL + rng.bits() % 9'999'999'999'999ULL); }

    // ---- execution ----

    std::optional<Built> execute(const Intent& it) {
        Provider& p = *providers[it.provider];
        const int32_t today = local_date(now).days;
        switch (it.kind) {
            case Kind::onboard: return onboard(it, p, today);
            case Kind::adhere: return adhere(it, p);
            case Kind::upload: return upload(it, p, today);
            case Kind::renew_doc: return upload(it, p, today);
            case Kind::verify: return verify(it, p);
            case Kind::enroll: return enroll(it, p, today);
            case Kind::leave:
                if (!p.ledger.provider.enrolled) return std::nullopt;
                return Built{SimActor::prestador, LeavePadron{rng.chance(0.5) ? "Cese de actividad" : "Traslado a otra provincia"}};
            case Kind::update: return update(it, p);
            case Kind::expire_docs: return expire_docs(p, today);
            case Kind::eligibility: return eligibility(it, p);
            case Kind::token: return token(it, p);
            case Kind::psych_budget: return psych_budget(it, p, today);
            case Kind::dental_budget: return dental_budget(it, p, today);
            case Kind::ioma_budget: return ioma_budget(it, p, today);
            case Kind::resolve_audit: return resolve_audit(it, p, today);
            case Kind::consume: return consume(it, p);
            case Kind::cancel: return cancel(it, p);
            case Kind::load_order: return load_order(it, p, today);
            case Kind::review_order: return review_order(it, p);
            case Kind::represent_order: return represent_order(it, p, today);
            case Kind::invoice: return issue_invoice(it, p, today);
            case Kind::ajuste: return ajuste(it, p, today);
            case Kind::refacturar: return refacturar(it, p, today);
            case Kind::send:
            case Kind::observe:
            case Kind::accept:
            case Kind::reject_invoice:
            case Kind::ingresar: return invoice_state(it, p);
            case Kind::debit: return debit(it, p);
            case Kind::resolve_debit: return resolve_debit(it, p);
            case Kind::credit_note: return credit_note(it, p);
            case Kind::payment_run: return payment_run(it, p, today);
            case Kind::retentions: return retentions(it, p);
            case Kind::pay: return pay(it, p);
        }
        return std::nullopt;
    }

    std::optional<Built> onboard(const Intent& it, Provider& p, int32_t today) {
        ProviderSim& s = p.sim;
        RegisterProvider c;
        c.matricula = s.matricula;
        c.cuit = make_cuit(rng);
        c.razon_social = kSurnames[rng.below(count_of(kSurnames))];
        c.razon_social += ", ";
        c.razon_social += kFirstNames[rng.below(count_of(kFirstNames))];
        c.iva = s.iva;
        c.cbu = make_cbu(rng);
        c.category = s.category;
        c.recien_matriculado = s.recien;
        c.address = "Calle " + num(1 + rng.below(120));
        c.address += " " + num(100 + rng.below(3900));
        c.address += ", ";
        c.address += kCities[rng.below(count_of(kCities))];
        c.email = "prestador" + num(it.provider) + "@example.com";
        c.phone = "(343) 4" + num(100'000 + rng.below(900'000));
        if (mistake(it, 0.03)) {  // a mistyped CUIT or CBU
            if (rng.chance(0.7)) c.cuit = with_wrong_last_digit(c.cuit);
            else c.cbu = with_wrong_last_digit(c.cbu);
            retry(it, 0);
            return Built{SimActor::prestador, std::move(c)};
        }
        // What follows registration, within the hour: adhesions, documents, verification, padrón.
        uint32_t k = 1;
        for (uint8_t o = 0; o < kOsCount; ++o) {
            if ((s.adhered & (1U << o)) != 0) push(now + (k++) * kMinute, it.provider, Kind::adhere, o);
        }
        for (uint32_t type = 0; type < 5; ++type) {
            const uint64_t seq = s.next_seq++;
            // Only the malpractice policy lapses within a run (yearly); the others outlast 120 months.
            const int32_t expires = type == static_cast<uint32_t>(DocumentType::seguro) ? s.seguro_expires
                                                                                       : today + rng.between(3700, 5500);
            push(now + (5 + type) * kMinute, it.provider, Kind::upload, 0, 0, type, seq, expires);
            push(now + (25 + type) * kMinute, it.provider, Kind::verify, 0, 0, 0, seq);
        }
        push(now + 45 * kMinute, it.provider, Kind::enroll);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> adhere(const Intent& it, Provider& p) {
        if (os[it.os] == nullptr) return std::nullopt;
        const std::string number = num(1000 + it.provider * 3U + it.os) + "-" + num(it.os);
        if ((it.flags & kMistake) == 0 && rng.chance(0.01))  // adhered twice: refused
            push(minutes_later(1, 2), it.provider, Kind::adhere, it.os, kMistake);
        if ((it.flags & kMistake) != 0 && !p.ledger.provider.provider_numbers.contains(os_id[it.os])) return std::nullopt;
        return Built{SimActor::colegio, AdhereToObraSocial{os_id[it.os], number}};
    }

    std::optional<Built> upload(const Intent& it, Provider& p, int32_t today) {
        const auto type = it.kind == Kind::renew_doc ? DocumentType::seguro : static_cast<DocumentType>(it.a);
        UploadDocument c{type, "doc" + num(it.b), "docs/" + p.sim.matricula + "/" + num(it.b) + ".pdf", Date{static_cast<int32_t>(it.c)}};
        if (mistake(it, 0.01)) {  // P1: an expired document is not presented
            c.expires_on = Date{today - rng.between(1, 30)};
            retry(it, it.b);
            return Built{SimActor::prestador, std::move(c)};
        }
        if (it.kind == Kind::renew_doc) push(later(1, 1, 9 * 60, 17 * 60), it.provider, Kind::verify, 0, 0, 0, it.b);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> verify(const Intent& it, Provider& p) {
        const std::string id = "doc" + num(it.b);
        const auto& docs = p.ledger.provider.documents;
        const auto doc = std::find_if(docs.begin(), docs.end(), [&](const DocumentRecord& d) { return d.uploaded.document_id == id; });
        if (doc == docs.end() || doc->status != DocumentStatus::pending) return std::nullopt;
        if (mistake(it, 0.003)) {
            retry(it, it.b);
            return Built{SimActor::colegio, VerifyDocument{id, false, ""}};  // a rejection needs its reason
        }
        if ((it.flags & kNoReject) == 0 && rng.chance(0.03)) {  // P1: RECHAZADA; uploaded again, approved
            const uint64_t seq = p.sim.next_seq++;
            const bool enrolling = !p.ledger.provider.enrolled;
            const TimestampMs again = enrolling ? minutes_later(1, 2) : later(0, 1, 9 * 60, 18 * 60);
            push(again, it.provider, Kind::upload, 0, kRetry, static_cast<uint32_t>(doc->uploaded.type), seq,
                 doc->uploaded.expires_on.days);
            push(enrolling ? again + 3 * kMinute : again + 2 * 60 * kMinute, it.provider, Kind::verify, 0, kNoReject, 0, seq);
            return Built{SimActor::colegio, VerifyDocument{id, false, "Documento ilegible"}};
        }
        return Built{SimActor::colegio, VerifyDocument{id, true, ""}};
    }

    std::optional<Built> enroll(const Intent& it, Provider& p, int32_t today) {
        const ProviderState& st = p.ledger.provider;
        if (!st.registered || st.enrolled) return std::nullopt;
        if ((it.flags & kMistake) != 0 && (st.identity.recien_matriculado || is_window(period_of(today)))) return std::nullopt;
        return Built{SimActor::colegio, EnrollInPadron{}};
    }

    std::optional<Built> update(const Intent& it, Provider& p) {
        const ProviderRegistered& id = p.ledger.provider.identity;
        if (!p.ledger.provider.registered) return std::nullopt;
        UpdateProvider c{id.razon_social, id.iva, id.cbu, id.category, id.address, id.email, id.phone};
        if (rng.chance(0.4)) c.cbu = make_cbu(rng);  // a new bank account: payments follow it (S3)
        else c.phone = "(343) 4" + num(100'000 + rng.below(900'000));
        if (mistake(it, 0.1)) {
            c.cbu = with_wrong_last_digit(c.cbu);
            retry(it, 0);
        }
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> expire_docs(Provider& p, int32_t today) {
        const auto& docs = p.ledger.provider.documents;
        const bool lapsed = std::any_of(docs.begin(), docs.end(), [&](const DocumentRecord& d) {
            return d.status == DocumentStatus::approved && d.uploaded.expires_on.days < today;
        });
        if (!lapsed) return std::nullopt;
        return Built{SimActor::system, ExpireDocumentsDue{Date{today}}};
    }

    std::optional<Built> eligibility(const Intent& it, Provider& p) {
        if (os[it.os] == nullptr || !p.ledger.provider.registered) return std::nullopt;
        CheckEligibility c;
        c.obra_social = os_id[it.os];
        c.habilitado = (it.flags & kHabilitado) != 0;
        switch (it.os) {
            case kSancor: {
                const auto member = static_cast<uint32_t>(it.b & 0xFF);
                c.affiliate_number = affiliate_number(kSancor, it.a, member);
                const bool by_dni = (it.b & 0x100) != 0;
                c.identifier_kind = by_dni ? "dni" : "affiliate_number";
                c.identifier = by_dni ? dni(it.a + member) : c.affiliate_number;
                c.practice_code = "330101";
                break;
            }
            case kInsssep:
                c.identifier_kind = "credential";
                c.identifier = credential(it.a);
                c.affiliate_number = affiliate_number(kInsssep, it.a);
                break;
            default:
                c.identifier_kind = "affiliate_number";
                c.affiliate_number = c.identifier = affiliate_number(kIoma, it.a);
                c.practice_code = "990101";
                break;
        }
        if (mistake(it, 0.01)) {  // A1: each insurer identifies affiliates its own way
            c.identifier_kind = it.os == kSancor ? "credential" : "dni";
            retry(it, it.b);
        }
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> token(const Intent& it, Provider& p) {
        if (os[it.os] == nullptr || !p.ledger.provider.registered) return std::nullopt;
        IssueToken c{os_id[it.os], affiliate_number(kSancor, it.a, 1), family_group(it.a), num(it.b)};
        if (mistake(it, 0.005)) {
            c.code = num(it.b / 10);  // A2: 4 digits
            retry(it, it.b);
        }
        return Built{SimActor::obra_social, std::move(c)};
    }

    std::optional<Built> psych_budget(const Intent& it, Provider& p, int32_t today) {
        if (!may_bill(p, today)) return std::nullopt;
        const auto code = static_cast<uint32_t>(it.c & 0xFFFF);
        const auto practice = static_cast<uint32_t>((it.c >> 16) & 0xFF);
        const auto diagnosis = static_cast<uint32_t>((it.c >> 24) & 0xFF);
        const auto member = static_cast<uint32_t>((it.c >> 32) & 0xFF);
        const ObraSocialConfig& sancor = *os[kSancor];
        SubmitBudget c;
        c.transaction_number = it.b;
        c.obra_social = os_id[kSancor];
        c.affiliate_number = affiliate_number(kSancor, it.a, member);
        c.family_group = family_group(it.a);
        c.token = (it.flags & kException) != 0 ? sancor.token_exception_code : num(code);
        c.diagnosis_code = kPsychDiagnoses[diagnosis % count_of(kPsychDiagnoses)];
        c.diagnosis_type = practice == 0 ? DiagnosisType::definitivo : DiagnosisType::presuntivo;
        c.lines.push_back(BudgetLine{kPsychPractices[practice], 0, ""});
        if (const PracticeConfig* pc = sancor.practice(kPsychPractices[practice]); pc != nullptr && pc->requires_report)
            c.attachments.push_back(Attachment{AttachmentKind::informe, "informes/" + num(it.b) + ".pdf"});
        Patient* pt = patient(p.sim, it.a);
        if ((it.flags & kDuplicate) != 0) {  // sent twice: the transaction exists
            if (budget(p.ledger, transaction(kSancor, it.b)) == nullptr) return std::nullopt;
            return Built{SimActor::prestador, std::move(c)};
        }
        if ((it.flags & kMistake) != 0) {
            if ((it.flags & kException) != 0) {  // A1: tried although the insurer said inhabilitado
                const auto e = p.ledger.authorizations.eligibility.find({os_id[kSancor], c.affiliate_number});
                if (e == p.ledger.authorizations.eligibility.end() || e->second.habilitado || e->second.checked_on.days != today)
                    return std::nullopt;
            } else if (!session_this_week(p.ledger, c.affiliate_number, today)) {
                return std::nullopt;  // A4: only a second session within the week is refused
            }
            return Built{SimActor::prestador, std::move(c)};
        }
        const bool token_mistakes = sancor.token_required && (it.flags & kException) == 0;
        if (mistake(it, 0.05)) {
            const uint32_t roll = rng.below(100);
            if (token_mistakes && roll < 30) {
                c.token.clear();  // A2: no token
            } else if (token_mistakes && roll < 50) {
                c.token = num(1000 + (code - 1000 + 1 + rng.below(8997)) % 8999);  // mistyped
            } else if (token_mistakes && roll < 65 && pt != nullptr && pt->last_token != 0 && pt->last_token != code) {
                c.token = num(pt->last_token);  // last week's: expired (A2)
            } else if (roll < 85) {
                c.diagnosis_code = c.diagnosis_code.substr(0, 2);  // A3: malformed CIE-10
            } else {
                c.lines.clear();
            }
            retry(it, it.b);
            return Built{SimActor::prestador, std::move(c)};
        }
        if ((it.flags & kRetry) == 0 && rng.chance(0.005))  // sent twice
            push(minutes_later(1, 2), it.provider, Kind::psych_budget, it.os, kDuplicate | kRetry, it.a, it.b, it.c);
        if (pt != nullptr && (it.flags & kException) == 0) pt->last_token = code;
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> dental_budget(const Intent& it, Provider& p, int32_t today) {
        if (!may_bill(p, today)) return std::nullopt;
        SubmitBudget c;
        c.transaction_number = it.b;
        c.obra_social = os_id[kInsssep];
        c.affiliate_number = affiliate_number(kInsssep, it.a);
        c.credential = credential(it.a);
        const auto tooth = [&] {  // FDI: deciduous sometimes, permanent mostly
            const bool deciduous = rng.chance(0.1);
            const uint32_t quadrant = deciduous ? 5 + rng.below(4) : 1 + rng.below(4);
            return quadrant * 10 + 1 + rng.below(deciduous ? 5 : 8);
        };
        const auto faces = [&](uint32_t n) {
            static constexpr char kFaces[] = {'O', 'M', 'D', 'V', 'P', 'L'};
            std::string f;
            const uint32_t first = rng.below(6);
            for (uint32_t i = 0; i < n; ++i) f.push_back(kFaces[(first + i) % 6]);
            return f;
        };
        const uint32_t lines = 1 + rng.below(4);
        bool audit = false;
        for (uint32_t i = 0; i < lines; ++i) {
            const uint32_t roll = rng.below(100);
            if (roll < 20) c.lines.push_back(BudgetLine{"100100", tooth(), ""});
            else if (roll < 50) c.lines.push_back(BudgetLine{rng.chance(0.5) ? "20800" : "020800", tooth(), faces(1)});
            else if (roll < 75) c.lines.push_back(BudgetLine{"020900", tooth(), faces(2 + rng.below(2))});
            else c.lines.push_back(BudgetLine{"050100", 0, ""});
        }
        if (rng.chance(0.08)) {  // A7: a fracture goes to the auditoría
            c.lines.push_back(BudgetLine{"070604", tooth(), faces(1 + rng.below(2))});
            audit = true;
        }
        c.diagnosis_code = audit ? "S02.5" : kDentalDiagnoses[rng.below(count_of(kDentalDiagnoses))];
        c.diagnosis_type = DiagnosisType::definitivo;
        if (rng.chance(0.2)) c.clinical_summary = rng.chance(0.5) ? "DIABETICO - Tipo 2" : "Hipertenso, anticoagulado";
        if ((it.flags & kMistake) != 0) {  // A1: tried although the insurer said inhabilitado
            const auto e = p.ledger.authorizations.eligibility.find({os_id[kInsssep], c.affiliate_number});
            if (e == p.ledger.authorizations.eligibility.end() || e->second.habilitado || e->second.checked_on.days != today)
                return std::nullopt;
            return Built{SimActor::prestador, std::move(c)};
        }
        if (mistake(it, 0.04)) {  // A6: an incomplete or wrong line; the budget cannot go
            const uint32_t roll = rng.below(100);
            BudgetLine bad = roll < 45 ? BudgetLine{"100100", 0, ""}
                             : roll < 75 ? BudgetLine{"020800", tooth(), "OX"}
                             : roll < 90 ? BudgetLine{"100100", 19 + 40 * rng.below(2), ""}
                                         : BudgetLine{"020900", tooth(), ""};
            c.lines.insert(c.lines.begin(), std::move(bad));
            retry(it, it.b);
            return Built{SimActor::prestador, std::move(c)};
        }
        // What follows: auditoría, an anulación, or the visits that consume the items.
        const auto n = static_cast<uint32_t>(c.lines.size());
        if (audit) {
            push(later(1, 3), it.provider, Kind::resolve_audit, kInsssep, 0, 0, it.b);
            if (rng.chance(0.03)) push(minutes_later(20, 40), it.provider, Kind::consume, kInsssep, kMistake, 1, it.b);
        } else if (rng.chance(0.04)) {
            push(later(1, 5), it.provider, Kind::cancel, kInsssep, 0, 0, it.b);
        } else {
            std::vector<uint32_t> items(n);
            for (uint32_t i = 0; i < n; ++i) items[i] = i + 1;
            schedule_visits(it.provider, kInsssep, it.b, items, minutes_later(30, 60));
        }
        return Built{SimActor::prestador, std::move(c)};
    }

    // A8: the items of a budget consumed over one or more visits; some never are.
    void schedule_visits(uint32_t provider, uint8_t o, uint64_t txn, const std::vector<uint32_t>& items, TimestampMs first) {
        TimestampMs visit = first;
        size_t next = 0;
        while (next < items.size()) {
            const size_t chunk = std::min<size_t>(items.size() - next, 1 + rng.below(2));
            uint32_t mask = 0;
            for (size_t i = next; i < next + chunk; ++i) mask |= 1U << (items[i] - 1);
            next += chunk;
            if (!rng.chance(0.08)) {
                if (rng.chance(0.05)) {
                    const int32_t day = local_date(visit).days + 1;
                    push(at_minute(day, rng.between(8 * 60, 11 * 60)), provider, Kind::consume, o, kDeferred, mask, txn, visit);
                } else {
                    push(visit, provider, Kind::consume, o, 0, mask, txn);
                }
            }
            const int32_t day = local_date(visit).days + rng.between(7, 14);
            visit = at_minute(day, rng.between(8 * 60 + 30, 19 * 60));
        }
        // A9: an anulación once the consumptions were invoiced is refused.
        if (rng.chance(0.01)) push(first + static_cast<int64_t>(rng.between(25, 35)) * 24 * 60 * kMinute, provider, Kind::cancel, o, kMistake, 0, txn);
    }

    std::optional<Built> ioma_budget(const Intent& it, Provider& p, int32_t today) {
        if (!may_bill(p, today)) return std::nullopt;
        SubmitBudget c;
        c.transaction_number = it.b;
        c.obra_social = os_id[kIoma];
        c.affiliate_number = affiliate_number(kIoma, it.a);
        c.diagnosis_code = kIomaDiagnoses[static_cast<uint32_t>(it.c >> 24) % count_of(kIomaDiagnoses)];
        c.diagnosis_type = DiagnosisType::definitivo;
        for (int week = 0; week < 4; ++week) c.lines.push_back(BudgetLine{"990101", 0, ""});
        c.clinical_summary = "Cuidador domiciliario, jornada completa";
        if (mistake(it, 0.02)) {
            c.diagnosis_code.clear();  // A3
            retry(it, it.b);
            return Built{SimActor::prestador, std::move(c)};
        }
        push(later(1, 2), it.provider, Kind::resolve_audit, kIoma, 0, 0, it.b, it.c);
        if (rng.chance(0.03)) push(minutes_later(60, 180), it.provider, Kind::consume, kIoma, kMistake, 1, it.b);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> resolve_audit(const Intent& it, Provider& p, int32_t today) {
        const TransactionRef t = transaction(it.os, it.b);
        const BudgetRecord* b = budget(p.ledger, t);
        if (b == nullptr || b->status != BudgetStatus::in_audit) return std::nullopt;
        ResolveBudgetAudit c{t, {}};
        std::vector<uint32_t> authorized;
        for (const BudgetItemRecord& r : b->items) {
            const bool ok = rng.chance(0.9);
            c.items.push_back(ItemDecision{r.item.item, ok ? ItemResult::autorizada : ItemResult::rechazada});
            if (ok) authorized.push_back(r.item.item);
        }
        if (mistake(it, 0.01) && c.items.size() > 1) {  // A7: every item is decided
            c.items.pop_back();
            retry(it, it.b);
            return Built{SimActor::obra_social, std::move(c)};
        }
        if (it.os == kIoma) {  // one jornada a week, on the patient's day
            const auto wd = static_cast<uint32_t>(it.c & 0xFF);
            const auto minute = static_cast<int32_t>((it.c >> 8) & 0xFFFF);
            int32_t day = today + 1;
            while (weekday(day) != wd) ++day;
            for (uint32_t item : authorized) {
                push(at_minute(day, minute), it.provider, Kind::consume, kIoma, 0, 1U << (item - 1), it.b);
                day += 7;
            }
        } else if (!authorized.empty()) {
            schedule_visits(it.provider, it.os, it.b, authorized, later(1, 3, 8 * 60 + 30, 19 * 60));
            if (authorized.size() < c.items.size() && rng.chance(0.05)) {  // a rejected item, consumed anyway
                for (const ItemDecision& d : c.items) {
                    if (d.result == ItemResult::rechazada) {
                        push(later(1, 3), it.provider, Kind::consume, it.os, kMistake, 1U << (d.item - 1), it.b);
                        break;
                    }
                }
            }
        }
        return Built{SimActor::obra_social, std::move(c)};
    }

    std::optional<Built> consume(const Intent& it, Provider& p) {
        const TransactionRef t = transaction(it.os, it.b);
        const BudgetRecord* b = budget(p.ledger, t);
        if (b == nullptr || b->status == BudgetStatus::cancelled) return std::nullopt;
        ConsumePractices c{t, {}, false, std::nullopt};
        if ((it.flags & kMistake) != 0) {
            // Refused: before authorization, an item not authorized, or one already consumed.
            bool refused = b->status == BudgetStatus::in_audit;
            for (const BudgetItemRecord& r : b->items) {
                if ((it.a & (1U << (r.item.item - 1))) == 0) continue;
                c.items.push_back(r.item.item);
                refused = refused || r.consumed || r.result != ItemResult::autorizada;
            }
            if (!refused || c.items.empty()) return std::nullopt;
            return Built{SimActor::prestador, std::move(c)};
        }
        if (b->status != BudgetStatus::authorized) return std::nullopt;
        for (const BudgetItemRecord& r : b->items) {
            if ((it.a & (1U << (r.item.item - 1))) != 0 && r.result == ItemResult::autorizada && !r.consumed)
                c.items.push_back(r.item.item);
        }
        if (c.items.empty()) return std::nullopt;
        if ((it.flags & kDeferred) != 0) {
            c.deferred = true;
            c.performed_at = it.c;
        }
        if (rng.chance(0.015))  // A8: the same visit marked twice
            push(minutes_later(2, 5), it.provider, Kind::consume, it.os, kMistake, it.a, it.b);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> cancel(const Intent& it, Provider& p) {
        const TransactionRef t = transaction(it.os, it.b);
        const BudgetRecord* b = budget(p.ledger, t);
        if (b == nullptr || b->status == BudgetStatus::cancelled) return std::nullopt;
        CancelTransaction c{t, rng.chance(0.6) ? "Paciente no concurre" : "Presupuesto reemplazado"};
        if ((it.flags & kMistake) != 0) {
            // A9: refused only when a consumption is already in an invoiced period.
            bool invoiced = false;
            for (const BudgetItemRecord& r : b->items) {
                if (!r.consumed) continue;
                for (const auto& [id, inv] : p.ledger.invoices.invoices) {
                    invoiced = invoiced || (inv.active() && inv.issued.billing != BillingType::refacturacion &&
                                            inv.issued.period == r.period && inv.issued.obra_social == b->submitted.obra_social);
                }
            }
            if (!invoiced) return std::nullopt;
            return Built{SimActor::prestador, std::move(c)};
        }
        if (std::any_of(b->items.begin(), b->items.end(), [](const BudgetItemRecord& r) { return r.consumed; }))
            return std::nullopt;
        if (mistake(it, 0.01)) {
            c.reason.clear();
            retry(it, it.b);
        }
        return Built{SimActor::prestador, std::move(c)};
    }

    // ---- orders (O1-O3) ----

    LoadOrder order(uint8_t o, uint32_t affiliate, std::string id, std::string practice, Date attention) const {
        LoadOrder c{std::move(id), os_id[o], affiliate_number(o, affiliate), std::move(practice), attention, true, true, true, {}};
        if (o == kInsssep) c.fields.push_back(OrderField{"credential", credential(affiliate)});
        return c;
    }

    std::optional<Built> load_order(const Intent& it, Provider& p, int32_t today) {
        if (os[it.os] == nullptr || !may_bill(p, today)) return std::nullopt;
        const uint64_t seq = (it.flags & (kRetry | kMistake)) != 0 ? it.b : p.sim.next_seq++;
        std::string practice;
        switch (it.os) {
            case kSancor: practice = rng.chance(0.9) ? "330101" : "330112"; break;
            case kInsssep: {
                static constexpr const char* kOrderPractices[] = {"050100", "100100", "020800", "020900"};
                practice = kOrderPractices[rng.below(4)];
                break;
            }
            default: practice = "990101"; break;
        }
        LoadOrder c = order(it.os, it.a, "o" + num(seq), std::move(practice), Date{static_cast<int32_t>(it.c)});
        if ((it.flags & kMistake) != 0) {  // loaded twice (O2): refused
            const auto prior = p.ledger.orders.orders.find(c.order_id);
            if (prior == p.ledger.orders.orders.end() || prior->second.status == OrderStatus::rejected) return std::nullopt;
            return Built{SimActor::prestador, std::move(c)};
        }
        if (mistake(it, 0.05)) {  // O1: what the paper order lacks
            const uint32_t roll = rng.below(100);
            if (roll < 40) {
                c.patient_signature = false;
            } else if (roll < 55) {
                c.professional_stamp = false;
            } else if (roll < 75) {
                if (it.os == kInsssep) c.fields.clear();
                else c.attention_date.reset();
            } else if (roll < 85) {
                c.attention_date = Date{today + rng.between(3, 20)};  // mistyped: in the future
            } else {
                c.practice_code = c.practice_code.substr(0, 4);
            }
            retry(it, seq);
            return Built{SimActor::prestador, std::move(c)};
        }
        if (rng.chance(0.004)) push(minutes_later(2, 4), it.provider, Kind::load_order, it.os, kMistake, it.a, seq, it.c);
        // The secretaría reviews it a day or two later; a few of days 4-5 after the invoice.
        const uint32_t day_of_month = civil_from_date(Date{today}).day;
        const bool late_review = day_of_month >= 4 && day_of_month <= 5 && rng.chance(0.05);
        push(late_review ? later(6, 8) : later(1, 2, 9 * 60, 18 * 60), it.provider, Kind::review_order, it.os,
             late_review ? kLateReview : 0, 0, seq);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> review_order(const Intent& it, Provider& p) {
        const std::string id = "o" + num(it.b);
        const auto o = p.ledger.orders.orders.find(id);
        if (o == p.ledger.orders.orders.end() || o->second.status != OrderStatus::pending) return std::nullopt;
        if (rng.chance(0.93)) {
            if ((it.flags & kLateReview) != 0)
                push(later(1, 2), it.provider, Kind::ajuste, it.os, 0, 0, static_cast<uint64_t>(o->second.loaded.period.yyyymm()));
            return Built{SimActor::colegio, ApproveOrder{id}};
        }
        RejectOrder c{id, kOrderRejectReasons[rng.below(count_of(kOrderRejectReasons))], ""};
        if (c.reason_code == "other") c.reason = "Orden ilegible";
        if (mistake(it, 0.02)) {
            c.reason_code = "sin_sello";  // not a reason code
            push(minutes_later(1, 3), it.provider, Kind::review_order, it.os, static_cast<uint16_t>(it.flags | kRetry), 0, it.b);
            return Built{SimActor::colegio, std::move(c)};
        }
        // O2: presented again next month; some try at once and are told to wait.
        const int32_t next_month = first_day(period_of(local_date(now).days).next());
        if (rng.chance(0.7)) {
            const int32_t day = next_month + rng.between(0, 4);
            push(at_minute(day, rng.between(9 * 60, 19 * 60)), it.provider, Kind::represent_order, it.os, 0, 0, it.b);
        }
        if (rng.chance(0.1)) push(later(0, 1), it.provider, Kind::represent_order, it.os, kMistake, 0, it.b);
        return Built{SimActor::colegio, std::move(c)};
    }

    std::optional<Built> represent_order(const Intent& it, Provider& p, int32_t today) {
        const std::string id = "o" + num(it.b);
        const auto o = p.ledger.orders.orders.find(id);
        if (o == p.ledger.orders.orders.end() || o->second.status != OrderStatus::rejected) return std::nullopt;
        const bool too_early = billing_period(now, config) <= o->second.loaded.period;
        if (too_early != ((it.flags & kMistake) != 0) || !may_bill(p, today)) return std::nullopt;
        const OrderLoaded& l = o->second.loaded;
        LoadOrder c{id, l.obra_social, l.affiliate_number, l.practice_code, l.attention_date, true, true, true, l.fields};
        if (!too_early) push(later(1, 2, 9 * 60, 18 * 60), it.provider, Kind::review_order, it.os, 0, 0, it.b);
        return Built{SimActor::prestador, std::move(c)};
    }

    // ---- invoices (F1-F3), debits (S1) ----

    IssueInvoice invoice_command(const ProviderSim& s, uint8_t o, uint64_t seq, uint32_t number, Period period, Centavos amount,
                                 int32_t today, BillingType billing, std::string adjusts) {
        IssueInvoice c;
        c.invoice_id = "f" + num(seq);
        c.obra_social = os_id[o];
        c.comprobante = comprobante(s);
        c.billing = billing;
        c.punto_de_venta = s.punto_de_venta;
        c.number = number;
        c.cae = cae();
        c.period = period;
        c.amount = amount;
        c.issued_on = Date{today};
        if (os[o]->invoice_requires_authorization) c.authorization = "AUT-" + num(static_cast<uint64_t>(period.yyyymm()));
        c.adjusts_invoice = std::move(adjusts);
        c.attachments = invoice_attachments(o, seq);
        return c;
    }

    // P4 out of the padrón: try again tomorrow.
    bool invoice_blocked(const Intent& it, Provider& p, int32_t today) {
        if (in_padron(p.ledger.provider, Date{today})) return false;
        if (!p.sim.left) push(later(1, 1), it.provider, it.kind, it.os, it.flags, it.a, it.b, it.c);
        return true;
    }

    std::optional<Built> issue_invoice(const Intent& it, Provider& p, int32_t today) {
        if (os[it.os] == nullptr || invoice_blocked(it, p, today)) return std::nullopt;
        const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
        const auto settlement = settlement_of(p.ledger, period, os_id[it.os]);
        if (!settlement) return std::nullopt;
        const Settlement& st = *settlement;
        if (st.invoiced > 0 || st.total <= 0) return std::nullopt;
        const bool retried = (it.flags & kRetry) != 0;
        const uint64_t seq = retried ? static_cast<uint64_t>(it.c) : p.sim.next_seq++;
        const uint32_t number = retried ? it.a : p.sim.next_number++;
        IssueInvoice c = invoice_command(p.sim, it.os, seq, number, period, st.total, today, BillingType::original, "");
        if (mistake(it, os[it.os]->invoice_attachments.size() > 2 ? 0.05 : 0.025)) {
            const uint32_t roll = rng.below(100);
            if (roll < 45) c.amount = money::add(c.amount, 100 * rng.between(1, 500)).value_or(-1);  // F1: does not match the settlement
            else if (roll < 75 && !c.attachments.empty()) c.attachments.pop_back();  // F2
            else c.cae.pop_back();
            push(minutes_later(2, 10), it.provider, it.kind, it.os, static_cast<uint16_t>(it.flags | kRetry), number, it.b,
                 static_cast<int64_t>(seq));
            return Built{SimActor::prestador, std::move(c)};
        }
        push(later(1, 1), it.provider, Kind::send, it.os, 0, 0, seq);
        return Built{SimActor::prestador, std::move(c)};
    }

    std::optional<Built> ajuste(const Intent& it, Provider& p, int32_t today) {
        if (os[it.os] == nullptr || invoice_blocked(it, p, today)) return std::nullopt;
        const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
        std::string original;
        for (const auto& [id, inv] : p.ledger.invoices.invoices) {
            if (inv.active() && inv.issued.billing == BillingType::original && inv.issued.period == period &&
                inv.issued.obra_social == os_id[it.os])
                original = id;
        }
        if (original.empty()) return std::nullopt;
        const auto st = settlement_of(p.ledger, period, os_id[it.os]);
        const auto unbilled = st ? money::sub(st->total, st->invoiced) : std::nullopt;
        if (!unbilled || *unbilled <= 0) return std::nullopt;
        const uint64_t seq = p.sim.next_seq++;
        push(later(1, 1), it.provider, Kind::send, it.os, kSimpleInvoice, 0, seq);
        return Built{SimActor::prestador, invoice_command(p.sim, it.os, seq, p.sim.next_number++, period, *unbilled,
                                                          today, BillingType::ajuste, original)};
    }

    std::optional<Built> refacturar(const Intent& it, Provider& p, int32_t today) {
        if (os[it.os] == nullptr || invoice_blocked(it, p, today)) return std::nullopt;
        const std::string debited = "f" + num(it.b);
        const InvoiceRecord* inv = invoice(p.ledger, debited);
        if (inv == nullptr) return std::nullopt;
        money::Sum sum;
        for (const DebitRecord& d : inv->debits) {
            if (d.reinvoice_approved == true && !d.reinvoiced) sum.add(d.applied.amount);
        }
        if (!sum.ok() || *sum.value() <= 0) return std::nullopt;
        const Centavos approved = *sum.value();
        const uint64_t seq = p.sim.next_seq++;
        push(later(1, 1), it.provider, Kind::send, it.os, kSimpleInvoice, 0, seq);
        return Built{SimActor::prestador, invoice_command(p.sim, it.os, seq, p.sim.next_number++, inv->issued.period, approved,
                                                          today, BillingType::refacturacion, debited)};
    }

    // F3: cargada -> enviada -> (observada -> enviada) -> aceptada -> ingresada, or rechazada.
    std::optional<Built> invoice_state(const Intent& it, Provider& p) {
        const std::string id = "f" + num(it.b);
        const InvoiceRecord* inv = invoice(p.ledger, id);
        if (inv == nullptr) return std::nullopt;
        const InvoiceStatus st = inv->status;
        const auto follow = [&](TimestampMs at, Kind kind, uint16_t flags) { push(at, it.provider, kind, it.os, flags, 0, it.b); };
        switch (it.kind) {
            case Kind::send: {
                if (st != InvoiceStatus::cargada && st != InvoiceStatus::observada) return std::nullopt;
                const uint32_t roll = rng.below(1000);
                const bool simple = (it.flags & (kObserved | kSimpleInvoice)) != 0;
                if (!simple && roll < 40) follow(later(2, 4), Kind::observe, it.flags);
                else if (!simple && roll < 50) follow(later(2, 4), Kind::reject_invoice, it.flags);
                else follow(later(2, 5), Kind::accept, it.flags);
                return Built{SimActor::colegio, SendInvoice{id}};
            }
            case Kind::observe:
                if (st != InvoiceStatus::enviada) return std::nullopt;
                follow(later(1, 2), Kind::send, static_cast<uint16_t>(it.flags | kObserved));
                return Built{SimActor::obra_social, ObserveInvoice{id, kObserveReasons[rng.below(count_of(kObserveReasons))]}};
            case Kind::reject_invoice:
                if ((st != InvoiceStatus::enviada && st != InvoiceStatus::observada) || inv->paid > 0) return std::nullopt;
                // A new Original for the period follows (F1).
                push(later(1, 2), it.provider, Kind::invoice, it.os, 0, 0, static_cast<uint64_t>(inv->issued.period.yyyymm()));
                return Built{SimActor::obra_social, RejectInvoice{id, "Factura mal confeccionada"}};
            case Kind::accept:
                if (st != InvoiceStatus::enviada) return std::nullopt;
                follow(later(1, 3), Kind::ingresar, it.flags);
                if ((it.flags & kSimpleInvoice) == 0 && rng.chance(0.12)) follow(later(4, 8), Kind::debit, it.flags);
                return Built{SimActor::obra_social, AcceptInvoice{id}};
            default:
                if (st != InvoiceStatus::aceptada) return std::nullopt;
                return Built{SimActor::obra_social, IngresarInvoice{id}};
        }
    }

    std::optional<Built> debit(const Intent& it, Provider& p) {
        const std::string id = "f" + num(it.b);
        const InvoiceRecord* inv = invoice(p.ledger, id);
        if (inv == nullptr || (inv->status != InvoiceStatus::aceptada && inv->status != InvoiceStatus::ingresada)) return std::nullopt;
        const auto left = money::Sum(inv->balance()).sub(inv->paid).value();
        if (!left || *left < 10'000) return std::nullopt;
        const Centavos outstanding = *left;
        const bool retried = (it.flags & kRetry) != 0;
        const uint64_t seq = retried ? static_cast<uint64_t>(it.c) : p.sim.next_seq++;
        const Reason& reason = kDebitReasons[rng.below(count_of(kDebitReasons))];
        const auto scaled = money::mul(outstanding, rng.between(5, 20));  // 5..20%, in whole pesos
        if (!scaled) return std::nullopt;
        const Centavos amount = std::max<Centavos>(100, *scaled / 100 / 100 * 100);
        ApplyDebit c{id, "d" + num(seq), amount, reason.code, reason.text, "HD-" + num(it.provider) + "-" + num(seq)};
        if (mistake(it, 0.03)) {  // S1: more than the balance
            c.amount = money::add(outstanding, 100 * rng.between(1, 1000)).value_or(-1);
            push(minutes_later(5, 30), it.provider, it.kind, it.os, static_cast<uint16_t>(it.flags | kRetry), 0, it.b,
                 static_cast<int64_t>(seq));
            return Built{SimActor::obra_social, std::move(c)};
        }
        push(later(3, 6), it.provider, Kind::resolve_debit, it.os, 0, static_cast<uint32_t>(seq), it.b);
        return Built{SimActor::obra_social, std::move(c)};
    }

    std::optional<Built> resolve_debit(const Intent& it, Provider& p) {
        const std::string id = "f" + num(it.b);
        const std::string debit_id = "d" + num(it.a);
        const InvoiceRecord* inv = invoice(p.ledger, id);
        if (inv == nullptr) return std::nullopt;
        const auto d = std::find_if(inv->debits.begin(), inv->debits.end(),
                                    [&](const DebitRecord& r) { return r.applied.debit_id == debit_id; });
        if (d == inv->debits.end() || d->reinvoice_approved.has_value()) return std::nullopt;
        const bool approved = rng.chance(0.4);
        // F5: re-invoicing if the analysis allows it, otherwise a credit note for the debit.
        push(later(2, 4), it.provider, approved ? Kind::refacturar : Kind::credit_note, it.os, 0, 0, it.b);
        return Built{SimActor::obra_social, ResolveDebitAnalysis{id, debit_id, approved}};
    }

    std::optional<Built> credit_note(const Intent& it, Provider& p) {
        const std::string id = "f" + num(it.b);
        const InvoiceRecord* inv = invoice(p.ledger, id);
        if (inv == nullptr) return std::nullopt;
        const auto left = money::Sum(inv->debited()).sub(inv->credited).value();
        if (!left || *left <= 0) return std::nullopt;
        const Centavos owed = *left;
        const uint64_t seq = p.sim.next_seq++;
        return Built{SimActor::prestador,
                     IssueCreditNote{id, "nc" + num(seq), p.sim.punto_de_venta, p.sim.next_number++, cae(), owed}};
    }

    // ---- payment (S2, S3) ----

    std::optional<Built> payment_run(const Intent& it, Provider& p, int32_t today) {
        if (os[it.os] == nullptr) return std::nullopt;
        IssuePaymentOrder c;
        c.obra_social = os_id[it.os];
        std::vector<int32_t> periods;
        for (const auto& [id, inv] : p.ledger.invoices.invoices) {
            if (inv.issued.obra_social != os_id[it.os] ||
                (inv.status != InvoiceStatus::aceptada && inv.status != InvoiceStatus::ingresada))
                continue;
            const auto outstanding = money::Sum(inv.balance()).sub(inv.paid).value();
            if (!outstanding || *outstanding <= 0) continue;
            c.invoices.push_back(PaidInvoice{id, *outstanding});
            const int32_t period = inv.issued.period.yyyymm();
            if (std::find(periods.begin(), periods.end(), period) == periods.end()) periods.push_back(period);
        }
        if (c.invoices.empty()) return std::nullopt;
        const bool retried = (it.flags & kRetry) != 0;
        const uint64_t seq = retried ? it.b : p.sim.next_seq++;
        c.payment_order = "op" + num(seq);
        c.paid_on = Date{today};
        c.retention_certificate = "CR-" + num(seq);
        if (mistake(it, 0.01)) {  // S2: more than the balance
            c.invoices.front().amount = money::add(c.invoices.front().amount, 100).value_or(-1);
            retry(it, seq);
            return Built{SimActor::obra_social, std::move(c)};
        }
        std::sort(periods.begin(), periods.end());
        for (int32_t period : periods)
            push(later(1, 2), it.provider, Kind::retentions, it.os, 0, 0, static_cast<uint64_t>(period));
        return Built{SimActor::obra_social, std::move(c)};
    }

    Centavos retention_covered(const ProviderLedger& l, Period period, uint8_t o) const {
        const auto it = l.payouts.payouts.find({period, os_id[o]});
        return it == l.payouts.payouts.end() ? 0 : it->second.retention_base();
    }

    std::optional<Built> retentions(const Intent& it, Provider& p) {
        const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
        const auto settlement = settlement_of(p.ledger, period, os_id[it.os]);
        if (!settlement) return std::nullopt;
        const Settlement& st = *settlement;
        const auto base = money::sub(st.collected, retention_covered(p.ledger, period, it.os));
        if (!base || *base <= 0) return std::nullopt;
        if (config.retentions.empty()) {
            push(later(1, 2), it.provider, Kind::pay, it.os, 0, 0, it.b);
            return std::nullopt;
        }
        if (mistake(it, 0.02)) {  // S3: paid before the retentions
            retry(it, it.b);
            return Built{SimActor::colegio, PayProvider{period, os_id[it.os], std::max<Centavos>(st.due_to_provider, 100),
                                                        p.ledger.provider.identity.cbu, "tr" + num(p.sim.next_seq++)}};
        }
        push(later(1, 2), it.provider, Kind::pay, it.os, 0, 0, it.b);
        return Built{SimActor::colegio, ApplyRetentions{period, os_id[it.os]}};
    }

    std::optional<Built> pay(const Intent& it, Provider& p) {
        const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
        const auto settlement = settlement_of(p.ledger, period, os_id[it.os]);
        if (!settlement) return std::nullopt;
        const Settlement& st = *settlement;
        if (st.due_to_provider <= 0) return std::nullopt;
        if (!config.retentions.empty() && retention_covered(p.ledger, period, it.os) < st.collected) return std::nullopt;
        PayProvider c{period, os_id[it.os], st.due_to_provider, p.ledger.provider.identity.cbu, "tr" + num(p.sim.next_seq++)};
        if (mistake(it, 0.01)) {  // S3: only to the declared CBU
            c.cbu = make_cbu(rng);
            retry(it, it.b);
        }
        return Built{SimActor::colegio, std::move(c)};
    }

    // ---- the loop ----

    std::optional<SimulatedCommand> next() {
        for (;;) {
            while (due.empty()) {  // the next day: what was scheduled for it, and its plan
                if (current_day + 1 >= end_day) return std::nullopt;
                ++current_day;
                due_is_heap = false;
                std::vector<Intent>& scheduled = later_days[static_cast<size_t>(current_day - first_plan_day)];
                due.swap(scheduled);
                std::vector<Intent>().swap(scheduled);  // release the day's storage
                plan_day(current_day);
                std::make_heap(due.begin(), due.end(), Later{});
                due_is_heap = true;
            }
            std::pop_heap(due.begin(), due.end(), Later{});
            const Intent it = due.back();
            due.pop_back();
            now = it.at;
            std::optional<Built> built = execute(it);
            if (!built) continue;
            Provider& p = *providers[it.provider];
            SimulatedCommand out{ProviderId{kFirstProviderId + it.provider},
                                 now,
                                 id_prefix + num(emitted++),
                                 built->actor,
                                 actor_id(built->actor, it),
                                 std::move(built->command),
                                 std::vector<Event>{}};
            out.decision = decide(p.ledger, out.command, now, config);
            current = period_of(local_date(now).days);
            if (out.decision) {
                ++stats.accepted;
                ++stats.accepted_by_command[out.command.index()];
                for (const Event& e : out.decision.value()) {
                    evolve(p.ledger, e, now);
                    ++stats.events;
                    ++stats.events_by_kind[e.index()];
                }
            } else {
                ++stats.rejected;
                ++stats.rejected_by_code[out.decision.error().code];
            }
            return out;
        }
    }

    std::string actor_id(SimActor actor, const Intent& it) const {
        switch (actor) {
            case SimActor::prestador: return providers[it.provider]->sim.matricula;
            case SimActor::colegio: return "colegio";
            case SimActor::obra_social: return os_id[it.os].value();
            case SimActor::system: break;
        }
        return "liquida";
    }
};

Simulation::Simulation(const Config& config, SimulationOptions options)
    : impl_(std::make_unique<Impl>(config, options)) {}
Simulation::~Simulation() = default;

std::optional<SimulatedCommand> Simulation::next() { return impl_->next(); }
Period Simulation::month() const { return impl_->current; }
Period Simulation::onboarding_month() const { return impl_->onboarding; }
TimestampMs Simulation::end() const { return impl_->end_ms; }
const SimulationStats& Simulation::stats() const { return impl_->stats; }
size_t Simulation::provider_count() const { return impl_->providers.size(); }

const ProviderLedger* Simulation::ledger(ProviderId id) const {
    if (id.value() < kFirstProviderId || id.value() - kFirstProviderId >= impl_->providers.size()) return nullptr;
    return &impl_->providers[id.value() - kFirstProviderId]->ledger;
}

std::string_view Simulation::command_name(size_t index) noexcept {
    static constexpr std::string_view kNames[] = {
        "register_provider", "update_provider", "adhere_to_obra_social", "upload_document", "verify_document",
        "expire_documents_due", "enroll_in_padron", "leave_padron", "load_order", "approve_order", "reject_order",
        "check_eligibility", "issue_token", "submit_budget", "resolve_budget_audit", "consume_practices",
        "cancel_transaction", "issue_invoice", "send_invoice", "observe_invoice", "accept_invoice", "ingresar_invoice",
        "reject_invoice", "apply_debit", "resolve_debit_analysis", "issue_credit_note", "issue_payment_order",
        "apply_retentions", "pay_provider"};
    static_assert(std::size(kNames) == std::variant_size_v<Command>, "every command kind needs a name");
    return index < std::size(kNames) ? kNames[index] : std::string_view{"unknown"};
}

}  // namespace liquida::sim
