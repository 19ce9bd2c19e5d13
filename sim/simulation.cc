// The month simulator. An agenda of intents ordered by (time, insertion) drives it: each day
// is planned when the clock reaches it (weekly sessions, dental visits), each month on its
// first day (orders, invoices, payment runs, IOMA budgets), and executing an intent builds
// one command from the ledger as it stands and schedules what follows it (a budget's
// consumptions, an invoice's trip through the insurer). Mistakes are rolled at execution: the
// mistaken command goes first, the corrected one is scheduled a few minutes later.
#include "sim/simulation_impl.h"

namespace liquida::sim {

Simulation::Impl::Impl(const Config& c, SimulationOptions o)
    : config(c), options(o), rng(o.seed), sessions_window(longest_limit_days(c)), colegio_rng(o.seed ^ 0xC01E610ULL) {
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

bool Simulation::Impl::is_window(Period p) const {
    const auto& m = config.enrollment_months;
    return std::find(m.begin(), m.end(), p.month) != m.end();
}

TimestampMs Simulation::Impl::later(int32_t days_lo, int32_t days_hi, int32_t from_minute, int32_t to_minute) {
    const int32_t day = local_date(now).days + rng.between(days_lo, days_hi);
    return std::max(now + kMinute, at_minute(day, rng.between(from_minute, to_minute)));
}

void Simulation::Impl::create_provider(bool recien, int32_t onboard_day, int32_t onboard_minute, int32_t active_from) {
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
    s.iva = iva < 70   ? IvaCondition::monotributo
            : iva < 92 ? IvaCondition::responsable_inscripto
            : iva < 97 ? IvaCondition::exento
                       : IvaCondition::no_alcanzado;  // seed 001's own provider
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

void Simulation::Impl::plan_renewal(ProviderSim& s) {
    // Most renew before the policy lapses; some a few days late, out of the padrón meanwhile.
    s.renew_on = rng.chance(0.08) ? s.seguro_expires + rng.between(2, 6) : s.seguro_expires - rng.between(3, 20);
}

void Simulation::Impl::fill_patients(ProviderSim& s) {
    while (s.patients.size() < s.target_patients) {
        Patient pt;
        const uint32_t pool_size = pool[kMainOs[static_cast<size_t>(s.specialty)]];
        pt.affiliate = rng.below(pool_size);
        if (s.specialty == Specialty::psychologist) pt.affiliate = free_for_therapy(s, pt.affiliate, pool_size);
        if (patient(s, pt.affiliate) != nullptr) continue;  // one family group, one patient
        pt.diagnosis = rng.below(16);
        if (s.specialty == Specialty::psychologist) {
            // A free weekly slot: Monday to Friday, 8:00 to 19:00.
            for (int tries = 0; tries < 64; ++tries) {
                pt.weekday = 1 + rng.below(5);
                pt.minute = (8 + rng.between(0, 11)) * 60;
                const bool taken = std::any_of(s.patients.begin(), s.patients.end(),
                                               [&](const Patient& o) { return o.weekday == pt.weekday && o.minute == pt.minute; });
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

std::string Simulation::Impl::affiliate_number(uint8_t o, uint32_t affiliate, uint32_t member) const {
    switch (o) {
        case kSancor: return num(3'000'000 + affiliate) + (member < 10 ? "/0" : "/") + num(member);
        case kInsssep: return num(100'000 + affiliate);
        default: return num(100'000'000 + affiliate) + "/00";
    }
}

TimestampMs Simulation::Impl::verification_round(TimestampMs after) {
    int32_t day = local_date(after).days + 1;
    while (civil_from_date(Date{day}).day != 2 && civil_from_date(Date{day}).day != 16) ++day;
    return at_minute(day, 10 * 60);
}

std::string Simulation::Impl::affiliate_name(uint32_t affiliate, uint32_t member) const {
    static constexpr std::string_view kSurnames[] = {"GONZALEZ", "RODRIGUEZ", "GOMEZ",  "FERNANDEZ", "LOPEZ",  "DIAZ",
                                                     "MARTINEZ", "PEREZ",     "GARCIA", "SANCHEZ",   "ROMERO", "SOSA",
                                                     "TORRES",   "ALVAREZ",   "RUIZ",   "HERMOSI",   "ACOSTA"};
    static constexpr std::string_view kNames[] = {"MARIA",   "JUAN",    "ANA",   "CARLOS", "LUCIA",  "JORGE",  "SOFIA", "RAMON",
                                                  "VALERIA", "OSVALDO", "PAULA", "DIEGO",  "CAMILA", "MARTIN", "ELENA"};
    const uint32_t person = affiliate * 31U + member * 7U;
    return std::string(kSurnames[affiliate % std::size(kSurnames)]) + " " + std::string(kNames[person % std::size(kNames)]);
}

std::string Simulation::Impl::plan(uint8_t o, uint32_t affiliate) const {
    switch (o) {
        case kSancor: {
            const uint32_t roll = (affiliate * 2654435761U) % 100;
            return roll < 2 ? "F800" : roll < 3 ? "S800V" : roll < 60 ? "SANCOR 3500" : roll < 85 ? "SANCOR 1000" : "SANCOR 4500";
        }
        case kInsssep: return "Afiliado InSSSeP";
        default: return "IOMA Obligatorio";
    }
}

std::string Simulation::Impl::convenio(uint8_t o) {
    switch (o) {
        case kSancor: return "COL. DE PSICOL. DE TUCUMAN";
        case kInsssep: return "COLEGIO DE ODONTOLOGOS";
        default: return "COLEGIO PROFESIONAL - IOMA";
    }
}

void Simulation::Impl::plan_month(Period m) {
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
    plan_presentations(m);
}

void Simulation::Impl::plan_provider_month(uint32_t index, Period m, int32_t first, int32_t days) {
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
                 static_cast<int64_t>(pt.weekday) | static_cast<int64_t>(pt.minute) << 8 | static_cast<int64_t>(pt.diagnosis) << 24);
        }
    }
    if (rng.chance(0.08)) {  // contact data or the bank account change
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

void Simulation::Impl::plan_day(int32_t day) {
    if (sessions_window > 0) sessions.forget_before(Date{day - static_cast<int32_t>(sessions_window) + 1});
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

void Simulation::Impl::plan_sessions(uint32_t index, int32_t day, uint32_t wd, Period m) {
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
                if (rng.chance(0.3))
                    push(t - 2 * kMinute, index, Kind::psych_budget, kSancor, kMistake | kException, pt.affiliate, next_txn[kSancor]++,
                         pack_session(0, 0, pt));
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
        push(t, index, Kind::psych_budget, kSancor, exception ? kException : 0, pt.affiliate, txn, pack_session(code, practice, pt));
        const bool next_morning = rng.chance(0.05);  // drawn either way: the rest of the month stays as it was
        if (os[kSancor]->bills_authorization) {
            // A8: the authorized session is what is billed (seed 004): nothing to consume.
        } else if (next_morning) {  // A8: recorded the next morning
            push(at_minute(day + 1, rng.between(8 * 60, 11 * 60)), index, Kind::consume, kSancor, kDeferred, 1, txn, t + 45 * kMinute);
        } else {
            push(t + 50 * kMinute, index, Kind::consume, kSancor, 0, 1, txn);
        }
        // A4: an extra session within the week is refused.
        if (practice == 0 && wd <= 3 && rng.chance(0.004)) {
            const TimestampMs t2 = at_minute(day + 1 + rng.between(0, 1), 19 * 60 + 30);
            const uint32_t code2 = 1000 + rng.below(8998);
            push(t2 - 3 * kMinute, index, Kind::token, kSancor, 0, pt.affiliate, code2, pt.member);
            push(t2, index, Kind::psych_budget, kSancor, kMistake, pt.affiliate, next_txn[kSancor]++, pack_session(code2, 0, pt));
        }
    }
}

void Simulation::Impl::plan_dental(uint32_t index, int32_t day) {
    if (os[kInsssep] == nullptr) return;
    static constexpr uint32_t kVisits[] = {0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5};
    const uint32_t visits = kVisits[rng.below(count_of(kVisits))];
    for (uint32_t v = 0; v < visits; ++v) {
        const TimestampMs t = at_minute(day, rng.between(8 * 60 + 30, 19 * 60));
        const uint32_t affiliate = rng.below(pool[kInsssep]);
        const bool habilitado = rng.chance(0.98);
        push(t, index, Kind::eligibility, kInsssep, habilitado ? kHabilitado : 0, affiliate);
        if (habilitado) push(t + 5 * kMinute, index, Kind::dental_budget, kInsssep, 0, affiliate, next_txn[kInsssep]++);
        else if (rng.chance(0.3)) push(t + 5 * kMinute, index, Kind::dental_budget, kInsssep, kMistake, affiliate, next_txn[kInsssep]++);
    }
}

TransactionRef Simulation::Impl::transaction(uint8_t o, uint64_t number) const {
    return TransactionRef{os[o] == nullptr ? 0 : os[o]->boca, os[o] == nullptr ? "" : os[o]->serie, number};
}

bool Simulation::Impl::session_this_week(const ProviderLedger& l, const std::string& affiliate, int32_t today) const {
    for (const auto& [key, b] : l.authorizations.budgets) {
        if (b.status == BudgetStatus::cancelled || b.submitted.affiliate_number != affiliate || b.submitted.obra_social != os_id[kSancor] ||
            today - local_date(b.submitted_at).days >= 7)
            continue;
        for (const BudgetItemRecord& r : b.items) {
            if (r.item.practice_code == "330101" && r.result != ItemResult::rechazada) return true;
        }
    }
    return false;
}

bool Simulation::Impl::may_bill(Provider& p, int32_t today) {
    if (in_padron(p.ledger.provider, Date{today})) return true;
    if (p.sim.left || !p.ledger.provider.registered || p.sim.blocked_attempt == today) return false;
    p.sim.blocked_attempt = today;
    return true;
}

void Simulation::Impl::retry(Intent it, uint64_t b) {
    push(minutes_later(1, 3), it.provider, it.kind, it.os, static_cast<uint16_t>(it.flags | kRetry), it.a, b, it.c);
}

std::vector<Attachment> Simulation::Impl::invoice_attachments(uint8_t o, uint64_t seq) const {
    std::vector<Attachment> out;
    for (AttachmentKind k : os[o]->invoice_attachments)
        out.push_back(Attachment{k, "inv/" + num(seq) + "/" + num(static_cast<uint64_t>(k)) + ".pdf"});
    return out;
}

ComprobanteType Simulation::Impl::comprobante(const ProviderSim& s, uint8_t o) const {
    switch (s.iva) {
        case IvaCondition::responsable_inscripto: return ComprobanteType::factura_a;
        // Seed 001's No Alcanzado provider sends SanCor its Resumen/Pre-Liquidación X, and B elsewhere.
        case IvaCondition::no_alcanzado: return o == kSancor ? ComprobanteType::resumen_x : ComprobanteType::factura_b;
        default: return ComprobanteType::factura_c;
    }
}

std::optional<SimulatedCommand> Simulation::Impl::next() {
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
        const bool colegio_own = it.provider == kColegioIntent;
        ProviderLedger& ledger = colegio_own ? colegio : providers[it.provider]->ledger;
        SimulatedCommand out{colegio_own ? kColegio : ProviderId{kFirstProviderId + it.provider},
                             now,
                             id_prefix + num(emitted++),
                             built->actor,
                             actor_id(built->actor, it),
                             std::move(built->command),
                             std::vector<Event>{}};
        out.decision = decide(ledger, out.command, now, config, Colegio{&sessions, out.provider});
        current = period_of(local_date(now).days);
        if (out.decision) {
            ++stats.accepted;
            ++stats.accepted_by_command[out.command.index()];
            for (const Event& e : out.decision.value()) {
                evolve(ledger, e, now);
                sessions.apply(out.provider, ledger, e, config);
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

std::string Simulation::Impl::actor_id(SimActor actor, const Intent& it) const {
    switch (actor) {
        case SimActor::prestador: return providers[it.provider]->sim.matricula;
        case SimActor::colegio: return "colegio";
        case SimActor::obra_social: return os_id[it.os].value();
        case SimActor::system: break;
    }
    return "liquida";
}

Simulation::Simulation(const Config& config, SimulationOptions options) : impl_(std::make_unique<Impl>(config, options)) {}
Simulation::~Simulation() = default;

std::optional<SimulatedCommand> Simulation::next() { return impl_->next(); }
Period Simulation::month() const { return impl_->current; }
Period Simulation::onboarding_month() const { return impl_->onboarding; }
TimestampMs Simulation::end() const { return impl_->end_ms; }
const SimulationStats& Simulation::stats() const { return impl_->stats; }
size_t Simulation::provider_count() const { return impl_->providers.size(); }

const ProviderLedger* Simulation::ledger(ProviderId id) const {
    if (id == kColegio) return &impl_->colegio;
    if (id.value() < kFirstProviderId || id.value() - kFirstProviderId >= impl_->providers.size()) return nullptr;
    return &impl_->providers[id.value() - kFirstProviderId]->ledger;
}

}  // namespace liquida::sim
