// Executing an intent: one command built from the ledger as it stands, and what follows it
// scheduled (a budget's consumptions, an invoice's trip through the insurer).
#include "sim/simulation_impl.h"

#include <cstdio>

#include "domain/rules.h"

namespace liquida::sim {

std::optional<Built> Simulation::Impl::execute(const Intent& it) {
    const int32_t today = local_date(now).days;
    if (colegio_kind(it.kind)) return colegio_work(it, today);
    Provider& p = *providers[it.provider];
    switch (it.kind) {
        case Kind::onboard: return onboard(it, p, today);
        case Kind::adhere: return adhere(it, p);
        case Kind::upload:
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
        case Kind::acta: return acta(it, p, today);
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
        case Kind::ingresar: return invoice_state(it, p, today);
        case Kind::debit: return debit(it, p);
        case Kind::resolve_debit: return resolve_debit(it, p);
        case Kind::credit_note: return credit_note(it, p);
        case Kind::payment_run: return payment_run(it, p, today);
        case Kind::retentions: return retentions(it, p);
        case Kind::pay: return pay(it, p);
        case Kind::present:
        case Kind::presentation_audit:
        case Kind::presentation_approve:
        case Kind::presentation_pay: break;  // the colegio's, above
    }
    return std::nullopt;
}

std::optional<Built> Simulation::Impl::onboard(const Intent& it, Provider& p, int32_t today) {
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
        const int32_t expires = type == static_cast<uint32_t>(DocumentType::seguro) ? s.seguro_expires : today + rng.between(3700, 5500);
        push(now + (5 + type) * kMinute, it.provider, Kind::upload, 0, 0, type, seq, expires);
        push(now + (25 + type) * kMinute, it.provider, Kind::verify, 0, 0, 0, seq);
    }
    push(now + 45 * kMinute, it.provider, Kind::enroll);
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::adhere(const Intent& it, Provider& p) {
    if (os[it.os] == nullptr) return std::nullopt;
    const std::string number = num(1000 + it.provider * 3U + it.os) + "-" + num(it.os);
    if ((it.flags & kMistake) == 0 && rng.chance(0.01))  // adhered twice: refused
        push(minutes_later(1, 2), it.provider, Kind::adhere, it.os, kMistake);
    if ((it.flags & kMistake) != 0 && !p.ledger.provider.provider_numbers.contains(os_id[it.os])) return std::nullopt;
    return Built{SimActor::colegio, AdhereToObraSocial{os_id[it.os], number, convenio(it.os)}};
}

std::optional<Built> Simulation::Impl::upload(const Intent& it, Provider& p, int32_t today) {
    const auto type = it.kind == Kind::renew_doc ? DocumentType::seguro : static_cast<DocumentType>(it.a);
    UploadDocument c{type, "doc" + num(it.b), "docs/" + p.sim.matricula + "/" + num(it.b) + ".pdf", Date{static_cast<int32_t>(it.c)}};
    if (mistake(it, 0.01)) {  // P1: an expired document is not presented
        c.expires_on = Date{today - rng.between(1, 30)};
        retry(it, it.b);
        return Built{SimActor::prestador, std::move(c)};
    }
    if (it.kind == Kind::renew_doc) {
        (void)later(1, 1);  // drawn as before the rounds, so the rest of the month stays as it was
        push(verification_round(now), it.provider, Kind::verify, 0, 0, 0, it.b);
    }
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::verify(const Intent& it, Provider& p) {
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
        push(again, it.provider, Kind::upload, 0, kRetry, static_cast<uint32_t>(doc->uploaded.type), seq, doc->uploaded.expires_on.days);
        push(enrolling ? again + 3 * kMinute : verification_round(again), it.provider, Kind::verify, 0, kNoReject, 0, seq);
        return Built{SimActor::colegio, VerifyDocument{id, false, "Documento ilegible"}};
    }
    return Built{SimActor::colegio, VerifyDocument{id, true, ""}};
}

std::optional<Built> Simulation::Impl::enroll(const Intent& it, Provider& p, int32_t today) {
    const ProviderState& st = p.ledger.provider;
    if (!st.registered || st.enrolled) return std::nullopt;
    if ((it.flags & kMistake) != 0 && (st.identity.recien_matriculado || is_window(period_of(today)))) return std::nullopt;
    return Built{SimActor::colegio, EnrollInPadron{}};
}

std::optional<Built> Simulation::Impl::update(const Intent& it, Provider& p) {
    const ProviderRegistered& id = p.ledger.provider.identity;
    if (!p.ledger.provider.registered) return std::nullopt;
    UpdateProvider c{id.razon_social, id.iva, id.cbu, id.category, id.address, id.email, id.phone};
    if ((it.flags & kNewCbu) != 0 || rng.chance(0.4)) {          // a new bank account: payments follow it (S3)
        if (!has_new_cbu_document(p.ledger.provider)) {          // once a constancia of it is approved (P1)
            if ((it.flags & kNewCbu) != 0) return std::nullopt;  // rejected, or not verified yet
            const uint64_t seq = p.sim.next_seq++;
            push(minutes_later(1, 5), it.provider, Kind::upload, 0, 0, static_cast<uint32_t>(DocumentType::cbu), seq,
                 local_date(now).days + 730);
            push(later(1, 1), it.provider, Kind::verify, 0, kNoReject, 0, seq);
            push(later(2, 3), it.provider, Kind::update, 0, kNewCbu);
            return std::nullopt;
        }
        c.cbu = make_cbu(rng);
    } else {
        c.phone = "(343) 4" + num(100'000 + rng.below(900'000));
    }
    if (mistake(it, 0.1)) {
        c.cbu = with_wrong_last_digit(c.cbu);
        retry(it, 0);
    }
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::expire_docs(Provider& p, int32_t today) {
    const auto& docs = p.ledger.provider.documents;
    const bool lapsed = std::any_of(docs.begin(), docs.end(), [&](const DocumentRecord& d) {
        return d.status == DocumentStatus::approved && d.uploaded.expires_on.days < today;
    });
    if (!lapsed) return std::nullopt;
    return Built{SimActor::system, ExpireDocumentsDue{Date{today}}};
}

std::optional<Built> Simulation::Impl::eligibility(const Intent& it, Provider& p) {
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

std::optional<Built> Simulation::Impl::token(const Intent& it, Provider& p) {
    if (os[it.os] == nullptr || !p.ledger.provider.registered) return std::nullopt;
    IssueToken c{os_id[it.os], affiliate_number(kSancor, it.a, 1), family_group(it.a), num(it.b)};
    if (mistake(it, 0.005)) {
        c.code = num(it.b / 10);  // A2: 4 digits
        retry(it, it.b);
    }
    return Built{SimActor::obra_social, std::move(c)};
}

std::optional<Built> Simulation::Impl::psych_budget(const Intent& it, Provider& p, int32_t today) {
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
    c.credential_type = (it.a & 1U) != 0 ? CredentialType::dni : CredentialType::numero_asociado;
    c.affiliate_name = affiliate_name(it.a, member);
    c.titular = affiliate_name(it.a);
    c.plan = plan(kSancor, it.a);
    c.prescriptor_matricula = "MP " + num(4000 + it.a % 97);
    c.prescriptor_name = affiliate_name(it.a % 97 + 1'000'000);
    c.token = (it.flags & kException) != 0 ? sancor.token_exception_code : num(code);
    c.diagnosis_code = kPsychDiagnoses[diagnosis % count_of(kPsychDiagnoses)];
    c.diagnosis_type = practice == 0 ? DiagnosisType::definitivo : DiagnosisType::presuntivo;
    c.lines.push_back(BudgetLine{kPsychPractices[practice], 0, ""});
    if (const PracticeConfig* pc = sancor.practice(kPsychPractices[practice]);
        pc != nullptr && pc->requires_report && !sancor.report_with_presentation)
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

std::optional<Built> Simulation::Impl::dental_budget(const Intent& it, Provider& p, int32_t today) {
    if (!may_bill(p, today)) return std::nullopt;
    SubmitBudget c;
    c.transaction_number = it.b;
    c.obra_social = os_id[kInsssep];
    c.affiliate_number = affiliate_number(kInsssep, it.a);
    c.credential = credential(it.a);
    c.credential_type = (it.a % 5) == 0 ? CredentialType::credencial_digital : CredentialType::credencial;
    c.affiliate_name = affiliate_name(it.a);
    c.titular = c.affiliate_name;
    c.plan = plan(kInsssep, it.a);
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
        BudgetLine bad = roll < 45   ? BudgetLine{"100100", 0, ""}
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
    } else if (n >= 2 && rng.chance(0.04)) {  // A9: the first visit only, the rest anulados one by one
        schedule_visits(it.provider, kInsssep, it.b, {1}, minutes_later(30, 60));
        const TimestampMs left = later(6, 10);
        for (uint32_t i = 1; i < n; ++i) push(left + i * kMinute, it.provider, Kind::cancel, kInsssep, 0, 0, it.b);
    } else {
        std::vector<uint32_t> items(n);
        for (uint32_t i = 0; i < n; ++i) items[i] = i + 1;
        schedule_visits(it.provider, kInsssep, it.b, items, minutes_later(30, 60));
    }
    return Built{SimActor::prestador, std::move(c)};
}

void Simulation::Impl::schedule_visits(uint32_t provider, uint8_t o, uint64_t txn, const std::vector<uint32_t>& items, TimestampMs first) {
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
    if (rng.chance(0.01))
        push(first + static_cast<int64_t>(rng.between(25, 35)) * 24 * 60 * kMinute, provider, Kind::cancel, o, kMistake, 0, txn);
}

std::optional<Built> Simulation::Impl::ioma_budget(const Intent& it, Provider& p, int32_t today) {
    if (!may_bill(p, today)) return std::nullopt;
    SubmitBudget c;
    c.transaction_number = it.b;
    c.obra_social = os_id[kIoma];
    c.affiliate_number = affiliate_number(kIoma, it.a);
    c.credential_type = CredentialType::numero_asociado;
    c.affiliate_name = affiliate_name(it.a);
    c.titular = c.affiliate_name;
    c.plan = plan(kIoma, it.a);
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

namespace {
// Seed 003's "Nº trámite de acta digital xx xxx xxxxxxx xx", from the budget's transaction number.
std::string acta_number(uint64_t budget) {
    char out[24];
    std::snprintf(out, sizeof out, "%02u %03u %07u %02u", static_cast<unsigned>(21 + budget / 10'000'000'000 % 79),
                  static_cast<unsigned>(budget / 10'000'000 % 1000), static_cast<unsigned>(budget % 10'000'000),
                  static_cast<unsigned>(budget % 97));
    return out;
}
}  // namespace

std::optional<Built> Simulation::Impl::acta(const Intent& it, Provider& p, int32_t today) {
    const BudgetRecord* b = budget(p.ledger, transaction(it.os, it.b));
    if (b == nullptr || b->status != BudgetStatus::authorized || os[it.os] == nullptr) return std::nullopt;
    const ObraSocialConfig& o = *os[it.os];
    money::Sum total;  // the authorized jornadas at today's arancel
    for (const BudgetItemRecord& r : b->items) {
        const PracticeConfig* practice = o.practice(r.item.practice_code);
        if (r.result != ItemResult::autorizada || practice == nullptr) continue;
        const auto fee = raised_fee(o, o.fee_on(*practice, Date{today}), p.ledger.provider.identity.category);
        total.add(fee ? money::mul(*fee, r.item.quantity) : std::nullopt);
    }
    if (!total.ok() || *total.value() <= 0) return std::nullopt;
    return Built{SimActor::obra_social, IssueActa{acta_number(it.b), os_id[it.os], "", "CUIDADOR DOMICILIARIO", *total.value()}};
}

// F2: an acta whose budget consumed in `period` and has no live Original of it yet, with what the
// Original bills: that consumption, within the acta's total and the period's unbilled amount.
std::optional<Simulation::Impl::ActaBill> Simulation::Impl::next_acta_to_bill(const ProviderLedger& l, uint8_t o, Period period) const {
    const auto st = settlement_of(l, period, os_id[o]);
    const auto unbilled = st ? money::sub(st->total, st->invoiced) : std::nullopt;
    if (!unbilled || *unbilled <= 0) return std::nullopt;
    for (const auto& [key, b] : l.authorizations.budgets) {
        if (b.submitted.obra_social != os_id[o] || b.status == BudgetStatus::cancelled) continue;
        const std::string number = acta_number(b.submitted.transaction.number);
        const bool billed = std::any_of(l.invoices.invoices.begin(), l.invoices.invoices.end(), [&](const auto& e) {
            return e.second.active() && e.second.issued.billing == BillingType::original && e.second.issued.period == period &&
                   e.second.issued.authorization == number;
        });
        money::Sum consumed;
        for (const BudgetItemRecord& r : b.items)
            if (r.consumed && r.period == period) consumed.add(r.amount);
        const auto room = acta_left(l.invoices, number);
        if (billed || !consumed.ok() || !room) continue;
        const Centavos amount = std::min({*consumed.value(), *room, *unbilled});
        if (amount > 0) return ActaBill{number, amount};
    }
    return std::nullopt;
}

std::optional<Built> Simulation::Impl::resolve_audit(const Intent& it, Provider& p, int32_t today) {
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
    if (it.os == kIoma) {  // one jornada a week, on the patient's day; the acta (003) within days
        if (!authorized.empty()) push(later(1, 3), it.provider, Kind::acta, kIoma, 0, 0, it.b);
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

std::optional<Built> Simulation::Impl::consume(const Intent& it, Provider& p) {
    const TransactionRef t = transaction(it.os, it.b);
    const BudgetRecord* b = budget(p.ledger, t);
    if (b == nullptr || b->status == BudgetStatus::cancelled) return std::nullopt;
    // The consumption's own transaction is the next of the insurer's sequence.
    ConsumePractices c{t, {}, false, std::nullopt, next_txn[it.os]++, true, {}, {}, {}};
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
        if ((it.a & (1U << (r.item.item - 1))) != 0 && r.result == ItemResult::autorizada && !r.consumed && !r.cancelled)
            c.items.push_back(r.item.item);
    }
    if (c.items.empty()) return std::nullopt;
    // The seeds' own mistake (002): the 88-T number typed with a digit wrong; refused, then typed again.
    if (const TransactionRef typo{t.boca, t.serie, t.number + 10 * (1 + rng.below(8))};
        budget(p.ledger, typo) == nullptr && mistake(it, 0.02)) {
        retry(it, it.b);
        c.transaction = typo;
        return Built{SimActor::prestador, std::move(c)};
    }
    // Deferred only when the provider was in the padrón the day of the visit (P4), as a
    // prestador would not defer a visit it could not bill.
    if ((it.flags & kDeferred) != 0 && in_padron(p.ledger.provider, local_date(static_cast<TimestampMs>(it.c)))) {
        c.deferred = true;
        c.performed_at = it.c;
    }
    if (rng.chance(0.015))  // A8: the same visit marked twice
        push(minutes_later(2, 5), it.provider, Kind::consume, it.os, kMistake, it.a, it.b);
    // A9 (002's "Anulacion"): a consumption entered by mistake is anulado by its own number, and
    // its items are entered again.
    if (it.os == kInsssep && (it.flags & kRetry) == 0 && rng.chance(0.01))
        push(minutes_later(3, 20), it.provider, Kind::cancel, it.os, kConsumption, it.a, c.number, static_cast<int64_t>(it.b));
    return Built{SimActor::prestador, std::move(c)};
}

namespace {

// A9: a consumption of the budget is already in an invoiced period (`consumption` 0: any).
bool invoiced(const ProviderLedger& l, const BudgetRecord& b, uint64_t consumption) {
    return std::any_of(b.items.begin(), b.items.end(), [&](const BudgetItemRecord& r) {
        return (consumption == 0 || r.consumption == consumption) && item_invoiced(l, b, r);
    });
}

}  // namespace

std::optional<Built> Simulation::Impl::cancel(const Intent& it, Provider& p) {
    if ((it.flags & kConsumption) != 0) {
        const auto budget_number = static_cast<uint64_t>(it.c);
        const BudgetRecord* b = budget(p.ledger, transaction(it.os, budget_number));
        if (b == nullptr || b->status == BudgetStatus::cancelled || invoiced(p.ledger, *b, it.b) ||
            std::none_of(b->items.begin(), b->items.end(), [&](const BudgetItemRecord& r) { return r.consumed && r.consumption == it.b; }))
            return std::nullopt;
        push(minutes_later(2, 10), it.provider, Kind::consume, it.os, kRetry, it.a, budget_number);
        return Built{SimActor::prestador, CancelTransaction{transaction(it.os, it.b), "Consumo cargado por error"}};
    }
    const TransactionRef t = transaction(it.os, it.b);
    const BudgetRecord* b = budget(p.ledger, t);
    if (b == nullptr || b->status == BudgetStatus::cancelled) return std::nullopt;
    CancelTransaction c{t, rng.chance(0.6) ? "Paciente no concurre" : "Presupuesto reemplazado"};
    if ((it.flags & kMistake) != 0) {  // A9: refused only when a consumption is already in an invoiced period
        if (!invoiced(p.ledger, *b, 0)) return std::nullopt;
        return Built{SimActor::prestador, std::move(c)};
    }
    if (std::any_of(b->items.begin(), b->items.end(), [](const BudgetItemRecord& r) { return r.consumed; })) {
        // A9: a treatment left half done: the next item still waiting is cancelled alone.
        const auto waiting = std::find_if(b->items.begin(), b->items.end(), [](const BudgetItemRecord& r) {
            return r.result == ItemResult::autorizada && !r.consumed && !r.cancelled;
        });
        if (waiting == b->items.end()) return std::nullopt;
        c.item = waiting->item.item;
        c.reason = "Paciente no concurre";
        return Built{SimActor::prestador, std::move(c)};
    }
    if (mistake(it, 0.01)) {
        c.reason.clear();
        retry(it, it.b);
    }
    return Built{SimActor::prestador, std::move(c)};
}

LoadOrder Simulation::Impl::order(uint8_t o, uint32_t affiliate, std::string id, std::string practice, Date attention) const {
    LoadOrder c{std::move(id), os_id[o], affiliate_number(o, affiliate), std::move(practice), attention, true, true,
                true,          {},       affiliate_name(affiliate),      plan(o, affiliate)};
    if (o == kInsssep) c.fields.push_back(OrderField{"credential", credential(affiliate)});
    return c;
}

std::optional<Built> Simulation::Impl::load_order(const Intent& it, Provider& p, int32_t today) {
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
    // Attended when the provider was in the padrón (P4 on the attention date), else today.
    const Date attended{static_cast<int32_t>(it.c)};
    LoadOrder c = order(it.os, it.a, "o" + num(seq), std::move(practice), in_padron(p.ledger.provider, attended) ? attended : Date{today});
    if ((it.flags & kMistake) != 0) {  // loaded twice (O2): refused
        const auto prior = p.ledger.orders.orders.find(c.order_id);
        if (prior == p.ledger.orders.orders.end() || prior->second.status == OrderStatus::rejected) return std::nullopt;
        return Built{SimActor::prestador, std::move(c)};
    }
    if (mistake(it, 0.05)) {  // O1: what the paper order lacks; the seeds' own (000) the most
        const uint32_t roll = rng.below(100);
        if (roll < 45) {
            c.professional_signature = false;
        } else if (roll < 65) {
            // What the obra social does not ask for (SanCor: no patient signature) is no mistake.
            if (os[it.os]->order_signatures.patient_signature) c.patient_signature = false;
            else c.professional_signature = false;
        } else if (roll < 75) {
            c.professional_stamp = false;
        } else if (roll < 85) {
            if (it.os == kInsssep) c.fields.clear();
            else c.attention_date.reset();
        } else if (roll < 93) {
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
    push(late_review ? later(6, 8) : later(1, 2, 9 * 60, 18 * 60), it.provider, Kind::review_order, it.os, late_review ? kLateReview : 0, 0,
         seq);
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::review_order(const Intent& it, Provider& p) {
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

std::optional<Built> Simulation::Impl::represent_order(const Intent& it, Provider& p, int32_t today) {
    const std::string id = "o" + num(it.b);
    const auto o = p.ledger.orders.orders.find(id);
    if (o == p.ledger.orders.orders.end() || o->second.status != OrderStatus::rejected) return std::nullopt;
    const bool too_early = billing_period(now, config) <= o->second.loaded.period;
    if (too_early != ((it.flags & kMistake) != 0) || !may_bill(p, today)) return std::nullopt;
    const OrderLoaded& l = o->second.loaded;
    LoadOrder c{id,   l.obra_social, l.affiliate_number, l.practice_code, l.attention_date, true, true,
                true, l.fields,      l.affiliate_name,   l.plan};
    if (!too_early) push(later(1, 2, 9 * 60, 18 * 60), it.provider, Kind::review_order, it.os, 0, 0, it.b);
    return Built{SimActor::prestador, std::move(c)};
}

bool Simulation::Impl::invoice_blocked(const Intent& it, Provider& p, int32_t today) {
    if (in_padron(p.ledger.provider, Date{today})) return false;
    if (!p.sim.left) push(later(1, 1), it.provider, it.kind, it.os, it.flags, it.a, it.b, it.c);
    return true;
}

std::optional<Built> Simulation::Impl::issue_invoice(const Intent& it, Provider& p, int32_t today) {
    if (os[it.os] == nullptr || invoice_blocked(it, p, today)) return std::nullopt;
    const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
    const auto settlement = settlement_of(p.ledger, period, os_id[it.os]);
    if (!settlement) return std::nullopt;
    const Settlement& st = *settlement;
    // By acta (IOMA, 003): one Original per acta of the period, each followed by the next.
    const bool by_acta = os[it.os]->bills_actas;
    const auto acta = by_acta ? next_acta_to_bill(p.ledger, it.os, period) : std::nullopt;
    if (by_acta ? !acta : (st.invoiced > 0 || st.total <= 0)) return std::nullopt;
    const bool retried = (it.flags & kRetry) != 0;
    const uint64_t seq = retried ? static_cast<uint64_t>(it.c) : p.sim.next_seq++;
    const uint32_t number = retried ? it.a : p.sim.next_number++;
    IssueInvoice c =
        invoice_command(p.sim, it.os, seq, number, period, by_acta ? acta->amount : st.total, today, BillingType::original, "");
    if (by_acta) c.authorization = acta->acta;
    for (uint32_t i = reports_due(p.ledger, period, *os[it.os]); i > 0; --i)  // A5: one envelope per report
        c.attachments.push_back(Attachment{AttachmentKind::informe, "informes/" + num(seq) + "-" + num(i) + ".pdf"});
    if (mistake(it, os[it.os]->invoice_attachments.size() > 2 ? 0.05 : 0.025)) {
        const uint32_t roll = rng.below(100);
        if (roll < 45 && by_acta)
            c.authorization.back() = c.authorization.back() == '9' ? '0' : '9';  // 003: "Debe ingresar un trámite válido"
        else if (roll < 45) c.amount = money::add(c.amount, 100 * rng.between(1, 500)).value_or(-1);  // F1: does not match the settlement
        else if (roll < 75 && !c.attachments.empty()) c.attachments.pop_back();                       // F2
        else if (c.comprobante == ComprobanteType::resumen_x) c.cae = "71110383321640";               // F2: a factura's CAE on a resumen
        else c.cae.pop_back();
        push(minutes_later(2, 10), it.provider, it.kind, it.os, static_cast<uint16_t>(it.flags | kRetry), number, it.b,
             static_cast<int64_t>(seq));
        return Built{SimActor::prestador, std::move(c)};
    }
    push(later(1, 1), it.provider, Kind::send, it.os, 0, 0, seq);
    if (by_acta) {
        push(minutes_later(5, 30), it.provider, Kind::invoice, it.os, 0, 0, it.b);
        if (c.amount > 2'900 && rng.chance(0.05)) {  // 003: an Original $29 short of its acta, adjusted later
            c.amount -= 2'900;
            push(later(5, 15), it.provider, Kind::ajuste, it.os, 0, 0, it.b);
        }
    }
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::ajuste(const Intent& it, Provider& p, int32_t today) {
    if (os[it.os] == nullptr || invoice_blocked(it, p, today)) return std::nullopt;
    const Period period = Period::from_yyyymm(static_cast<int32_t>(it.b));
    // By acta (003), the Original whose acta has something left: the Ajuste bills that difference.
    const bool by_acta = os[it.os]->bills_actas;
    std::string original;
    Centavos room = std::numeric_limits<Centavos>::max();
    for (const auto& [id, inv] : p.ledger.invoices.invoices) {
        if (!inv.active() || inv.issued.billing != BillingType::original || inv.issued.period != period ||
            inv.issued.obra_social != os_id[it.os])
            continue;
        if (by_acta) {
            const auto left = acta_left(p.ledger.invoices, inv.issued.authorization);
            if (!left || *left <= 0) continue;
            room = *left;
        }
        original = id;
    }
    if (original.empty()) return std::nullopt;
    const auto st = settlement_of(p.ledger, period, os_id[it.os]);
    const auto unbilled = st ? money::sub(st->total, st->invoiced) : std::nullopt;
    if (!unbilled || *unbilled <= 0) return std::nullopt;
    const uint64_t seq = p.sim.next_seq++;
    push(later(1, 1), it.provider, Kind::send, it.os, kSimpleInvoice, 0, seq);
    IssueInvoice c =
        invoice_command(p.sim, it.os, seq, p.sim.next_number++, period, std::min(*unbilled, room), today, BillingType::ajuste, original);
    if (by_acta) c.authorization = p.ledger.invoices.invoices.at(original).issued.authorization;
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::refacturar(const Intent& it, Provider& p, int32_t today) {
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
    IssueInvoice c =
        invoice_command(p.sim, it.os, seq, p.sim.next_number++, inv->issued.period, approved, today, BillingType::refacturacion, debited);
    if (os[it.os]->bills_actas) c.authorization = inv->issued.authorization;  // F2: the debited invoice's acta
    return Built{SimActor::prestador, std::move(c)};
}

std::optional<Built> Simulation::Impl::invoice_state(const Intent& it, Provider& p, int32_t today) {
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
            // F4: the insurer pays on the invoice's due date (seed 001: 60 days after reception, 15
            // for a small one), counted from its first reception.
            if (!inv->received_at) {
                const Date due_on = config.due_on(inv->issued.obra_social, Date{today}, inv->issued.amount);
                push(at_minute(due_on.days, 11 * 60), it.provider, Kind::payment_run, it.os);
            }
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

std::optional<Built> Simulation::Impl::debit(const Intent& it, Provider& p) {
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

std::optional<Built> Simulation::Impl::resolve_debit(const Intent& it, Provider& p) {
    const std::string id = "f" + num(it.b);
    const std::string debit_id = "d" + num(it.a);
    const InvoiceRecord* inv = invoice(p.ledger, id);
    if (inv == nullptr) return std::nullopt;
    const auto d =
        std::find_if(inv->debits.begin(), inv->debits.end(), [&](const DebitRecord& r) { return r.applied.debit_id == debit_id; });
    if (d == inv->debits.end() || d->reinvoice_approved.has_value()) return std::nullopt;
    const bool approved = rng.chance(0.4);
    // F5: re-invoicing if the analysis allows it, otherwise a credit note for the debit.
    push(later(2, 4), it.provider, approved ? Kind::refacturar : Kind::credit_note, it.os, 0, 0, it.b);
    return Built{SimActor::obra_social, ResolveDebitAnalysis{id, debit_id, approved}};
}

std::optional<Built> Simulation::Impl::credit_note(const Intent& it, Provider& p) {
    const std::string id = "f" + num(it.b);
    const InvoiceRecord* inv = invoice(p.ledger, id);
    if (inv == nullptr) return std::nullopt;
    const auto left = money::Sum(inv->debited()).sub(inv->credited).value();
    if (!left || *left <= 0) return std::nullopt;
    const Centavos owed = *left;
    const uint64_t seq = p.sim.next_seq++;
    return Built{SimActor::prestador, IssueCreditNote{id, "nc" + num(seq), p.sim.punto_de_venta, p.sim.next_number++, cae(), owed}};
}

std::optional<Built> Simulation::Impl::payment_run(const Intent& it, Provider& p, int32_t today) {
    if (os[it.os] == nullptr) return std::nullopt;
    IssuePaymentOrder c;
    c.obra_social = os_id[it.os];
    std::vector<int32_t> periods;
    for (const auto& [id, inv] : p.ledger.invoices.invoices) {
        if (inv.issued.obra_social != os_id[it.os] || (inv.status != InvoiceStatus::aceptada && inv.status != InvoiceStatus::ingresada))
            continue;
        // Only what has fallen due (F4); the monthly run pays what was accepted after its date.
        if (!inv.received_at || today < config.due_on(inv.issued.obra_social, local_date(*inv.received_at), inv.issued.amount).days)
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
    c.payment_order_type = "APB";  // S2 as SanCor's listing shows it: "APB 10118036"
    c.payment_order = num(10'000'000 + seq);
    c.paid_on = Date{today};
    c.retention_certificate = "CR-" + num(seq);
    if (mistake(it, 0.01)) {  // S2: more than the balance
        c.invoices.front().amount = money::add(c.invoices.front().amount, 100).value_or(-1);
        retry(it, seq);
        return Built{SimActor::obra_social, std::move(c)};
    }
    std::sort(periods.begin(), periods.end());
    for (int32_t period : periods) push(later(1, 2), it.provider, Kind::retentions, it.os, 0, 0, static_cast<uint64_t>(period));
    return Built{SimActor::obra_social, std::move(c)};
}

Centavos Simulation::Impl::retention_covered(const ProviderLedger& l, Period period, uint8_t o) const {
    const auto it = l.payouts.payouts.find({period, os_id[o]});
    return it == l.payouts.payouts.end() ? 0 : it->second.retention_base();
}

std::optional<Built> Simulation::Impl::retentions(const Intent& it, Provider& p) {
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

std::optional<Built> Simulation::Impl::pay(const Intent& it, Provider& p) {
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

}  // namespace liquida::sim
