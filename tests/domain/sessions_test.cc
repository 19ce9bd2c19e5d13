// A4 across providers (seed 004: "una sesión cada 7 días" per affiliate, whoever attends).
#include <catch2/catch.hpp>

#include "domain/sessions.h"
#include "fixtures.h"

using namespace liquida::test;

namespace {

SubmitBudget session(uint64_t transaction, std::string affiliate = "3500-1") {
    SubmitBudget b{transaction,
                   kSancor,
                   std::move(affiliate),
                   "",
                   "GF-3500",
                   "9999",
                   "F41.1",
                   DiagnosisType::presuntivo,
                   {BudgetLine{"330101", 0, ""}},
                   "",
                   {}};
    b.affiliate_name = "GOMEZ ANA";
    b.plan = "SANCOR 3500";
    return b;
}

// Two providers of the colegio and the register the write path keeps of their budgets.
struct Colegio2 {
    Ledger a = provider_in_padron(), b = provider_in_padron();
    SessionRegister sessions;
    static constexpr ProviderId kA{1}, kB{2};

    std::vector<Event> ok(Ledger& l, ProviderId id, const Command& c, TimestampMs t) {
        REQUIRE(decide(l.state, c, t, *l.config, Colegio{&sessions, id}));
        auto events = l.ok(c, t);
        for (const Event& e : events) sessions.apply(id, l.state, e, *l.config);
        return events;
    }
    DomainError error(Ledger& l, ProviderId id, const Command& c, TimestampMs t) {
        auto d = decide(l.state, c, t, *l.config, Colegio{&sessions, id});
        REQUIRE_FALSE(d);
        return d.error();
    }
};

TransactionRef sancor_transaction(uint64_t number) {
    const ObraSocialConfig& os = *seed_config().obra_social(kSancor);
    return TransactionRef{os.boca, os.serie, number};
}

}  // namespace

TEST_CASE("A4 the week's session is the affiliate's: another provider's counts, a cancelled one does not", "[domain][A4]") {
    Colegio2 c;
    c.ok(c.a, Colegio2::kA, session(1), at(2025, 6, 2, 10));
    const DomainError refused = c.error(c.b, Colegio2::kB, session(2), at(2025, 6, 8, 23, 0));
    CHECK(refused.code == "budget.weekly_limit_exceeded");
    CHECK(refused.field == "lines[0].practice_code");
    CHECK_THAT(refused.message, Catch::Contains("en cualquier prestador"));
    // Without the register, provider B alone sees no session: the rule needs the colegio's view.
    CHECK(decide(c.b.state, session(2), at(2025, 6, 8, 23, 0), seed_config()));
    // Another affiliate, or the eighth day, goes.
    c.ok(c.b, Colegio2::kB, session(2, "3500-2"), at(2025, 6, 8));
    c.ok(c.b, Colegio2::kB, session(3), at(2025, 6, 9));
    // Provider A's own second session in the week is refused in the words of a provider's own limit.
    CHECK(c.error(c.a, Colegio2::kA, session(4), at(2025, 6, 5)).message == "Se autoriza 1 sesión cada 7 días.");
    CHECK(c.error(c.a, Colegio2::kA, session(4), at(2025, 6, 10)).code == "budget.weekly_limit_exceeded");  // B's of the 9th
    // Anulled at B, the session no longer counts anywhere.
    c.ok(c.b, Colegio2::kB, CancelTransaction{sancor_transaction(3), "error de carga", 0}, at(2025, 6, 10));
    c.ok(c.a, Colegio2::kA, session(4), at(2025, 6, 10));
    CHECK(c.error(c.b, Colegio2::kB, session(5), at(2025, 6, 11)).code == "budget.weekly_limit_exceeded");
}

TEST_CASE("A4 register: what a ledger holds, what a window counts, what is forgotten", "[domain][A4]") {
    Colegio2 c;
    c.ok(c.a, Colegio2::kA, session(1), at(2025, 6, 2));
    c.ok(c.a, Colegio2::kA, session(2, "3500-2"), at(2025, 6, 5));
    c.ok(c.b, Colegio2::kB, session(3, "3500-3"), at(2025, 6, 6));
    CHECK(longest_limit_days(seed_config()) == 7);
    const auto all = sessions_of(c.a.state, seed_config(), Date{});
    REQUIRE(all.size() == 2);
    CHECK(all[0].affiliate_number == "3500-1");
    CHECK(all[0].day == local_date(at(2025, 6, 2)));
    CHECK(all[0].quantity == 1);
    CHECK(sessions_of(c.a.state, seed_config(), local_date(at(2025, 6, 3))).size() == 1);
    CHECK(c.sessions.size() == 3);
    CHECK(c.sessions.count(kSancor, "3500-1", "330101", local_date(at(2025, 6, 2)), Colegio2::kB) == 1);
    CHECK(c.sessions.count(kSancor, "3500-1", "330101", local_date(at(2025, 6, 3)), Colegio2::kB) == 0);
    CHECK(c.sessions.count(kSancor, "3500-1", "330101", local_date(at(2025, 6, 2)), Colegio2::kA) == 0);
    CHECK(c.sessions.count(kSancor, "3500-1", "330111", local_date(at(2025, 6, 2)), Colegio2::kB) == 0);
    c.sessions.forget_before(local_date(at(2025, 6, 5)));
    CHECK(c.sessions.size() == 2);
    CHECK(c.sessions.count(kSancor, "3500-1", "330101", Date{}, Colegio2::kB) == 0);
    // A budget of practices without a limit holds no session.
    Ledger other = provider_in_padron();
    SubmitBudget report = session(9);
    report.lines = {BudgetLine{"330111", 0, ""}};
    report.attachments.push_back(Attachment{AttachmentKind::informe, "sobre"});
    other.ok(report, at(2025, 6, 2));
    CHECK(sessions_of(other.state, seed_config(), Date{}).empty());
}
