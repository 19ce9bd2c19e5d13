// The command service's state is a cache of the log: whatever the cache's size, restarts,
// or a state store that lost its last writes, commands are decided exactly as if every
// provider's ledger had been folded from the log in memory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <functional>
#include <fstream>
#include <map>
#include <random>
#include <optional>
#include <mutex>
#include <future>
#include <condition_variable>
#include <set>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "domain/queries.h"
#include "sim/simulation.h"
#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/kafka_mock.h"
#include "events/log.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "fixtures.h"
#include "gateway/json.h"
#include "service/command_service.h"
#include "service/ledger_codec.h"
#include "service/state_store.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace liquida;
using service::CommandService;
using service::Issuer;
using service::Outcome;
namespace fs = std::filesystem;

// A log in `dir`/log and the command path's state in `state` (default `dir`/state).
struct World {
    std::unique_ptr<events::EventLog> log;
    std::unique_ptr<service::StateStore> store;
    std::unique_ptr<CommandService> commands;

    World(const fs::path& dir, size_t cache, const fs::path& state = {}) {
        auto l = events::open_embedded_log({(dir / "log").string(), events::default_topics(4), false});
        REQUIRE(l);
        log = std::move(*l);
        open(state.empty() ? dir / "state" : state, cache);
    }
    void open(const fs::path& state, size_t cache) {
        auto s = service::StateStore::open(state.string());
        REQUIRE(s);
        store = std::move(*s);
        service::ServiceOptions options;
        options.cache_providers = cache;
        commands = std::make_unique<CommandService>(*log, *store, test::seed_config(), options);
        auto started = commands->start();
        INFO((started ? "" : started.error().message));
        REQUIRE(started);
    }
    void close() {
        commands.reset();
        store.reset();
    }
};

// What an outcome says, without the random event ids.
std::string said(const Outcome& o) {
    if (!o) return "rejected " + o.error().code + " " + o.error().field;
    std::string s = o->duplicate ? "duplicate" : "accepted";
    for (const auto& e : o->events)
        s += " " + e.kind + "@" + e.tp.topic + "/" + std::to_string(e.tp.partition) + ":" + std::to_string(e.offset);
    return s;
}

// The simulation's commands [from, to), as their issuers sent them.
std::vector<std::string> run(CommandService& c, liquida::sim::Simulation& simulation, size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
        auto cmd = simulation.next();
        if (!cmd) break;
        out.push_back(
            said(c.execute(cmd->provider, cmd->command, cmd->command_id, Issuer{static_cast<events::ActorRole>(cmd->actor), cmd->actor_id},
                           cmd->now, gateway::command_digest(cmd->provider, cmd->command))));
    }
    return out;
}

liquida::sim::SimulationOptions small() { return {7, 0.003, domain::Period{2025, 6}, 1}; }

std::map<uint64_t, domain::ProviderLedger> ledgers(CommandService& c) {
    std::map<uint64_t, domain::ProviderLedger> out;
    auto ids = c.providers();
    REQUIRE(ids);
    for (auto id : *ids) REQUIRE(*c.with(id, [&](const domain::ProviderLedger& l) { out[id.value()] = l; }));
    return out;
}

// The real state store with one provider's next save() held until released (and then failed,
// if asked): what the service does while a snapshot is being written.
class HeldStore : public service::StateStore {
public:
    explicit HeldStore(service::StateStore& real) : real_(real) {}
    void hold(domain::ProviderId provider, bool fail) {
        std::lock_guard lk(mu_);
        held_ = provider;
        fail_ = fail;
    }
    bool holding(std::chrono::seconds limit) {
        std::unique_lock lk(mu_);
        return cv_.wait_for(lk, limit, [&] { return inside_; });
    }
    void release() {
        std::lock_guard lk(mu_);
        released_ = true;
        cv_.notify_all();
    }

    service::result<std::optional<service::Snapshot>> snapshot(domain::ProviderId p) const override { return real_.snapshot(p); }
    service::result<std::optional<service::CommandRecord>> command(std::string_view scope) const override { return real_.command(scope); }
    service::result<liquida::ok_t> save(domain::ProviderId p, std::string_view snapshot, const std::vector<domain::Session>& sessions,
                                        const service::CommandIndex& commands) override {
        {
            std::unique_lock lk(mu_);
            if (held_ == p) {
                held_.reset();
                inside_ = true;
                cv_.notify_all();
                cv_.wait_for(lk, std::chrono::seconds(30), [&] { return released_; });
                inside_ = released_ = false;
                if (fail_) return liquida::fail(liquida::service::errc::io_error, "state: the disk said no (on purpose)");
            }
        }
        return real_.save(p, snapshot, sessions, commands);
    }
    const std::map<events::TopicPartition, int64_t>& watermarks() const override { return real_.watermarks(); }
    service::result<liquida::ok_t> save_watermarks(const std::map<events::TopicPartition, int64_t>& marks) override {
        return real_.save_watermarks(marks);
    }
    service::result<std::vector<domain::ProviderId>> providers() const override { return real_.providers(); }
    service::result<std::vector<std::pair<domain::ProviderId, std::vector<domain::Session>>>> sessions() const override {
        return real_.sessions();
    }
    service::result<std::string> sessions_basis() const override {
        if (fail_basis) return liquida::fail(liquida::service::errc::io_error, "state: the disk said no (on purpose)");
        return real_.sessions_basis();
    }
    service::result<liquida::ok_t> save_sessions(domain::ProviderId p, const std::vector<domain::Session>& sessions) override {
        return real_.save_sessions(p, sessions);
    }
    service::result<liquida::ok_t> save_sessions_basis(std::string_view basis) override { return real_.save_sessions_basis(basis); }

    bool fail_basis = false;

private:
    service::StateStore& real_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::optional<domain::ProviderId> held_;
    bool fail_ = false, inside_ = false, released_ = false;
};
// A provider's registration, valid for the domain.
domain::RegisterProvider registration() {
    return {"MP-1", "27-35215358-9", "Nombre", domain::IvaCondition::monotributo, "2850590940090418135201", "A", false, "", "", ""};
}

}  // namespace

TEST_CASE("service: a cache of 3 providers decides exactly as one holding every provider", "[service]") {
    test::TempDir a, b;
    World all(a.path(), 100'000), few(b.path(), 3);
    liquida::sim::Simulation s1(test::seed_config(), small()), s2(test::seed_config(), small());
    const auto expected = run(*all.commands, s1, 100'000);  // the whole month: about 2,900
    const auto got = run(*few.commands, s2, 100'000);
    REQUIRE(expected.size() > 2000);
    CHECK(got == expected);
    CHECK(few.commands->cached() <= 4);  // 3, or one over while every other was busy
    const auto l1 = ledgers(*all.commands);
    CHECK(l1.size() > 3);  // evictions happened
    CHECK(ledgers(*few.commands) == l1);

    // The state store's snapshots: each ledger whole, or refused.
    for (const auto& [id, ledger] : l1) {
        INFO("provider " << id);
        const std::string bytes = service::encode_ledger(ledger);
        CHECK(service::decode_ledger(bytes) == std::optional(ledger));
        CHECK_FALSE(service::decode_ledger(bytes.substr(0, bytes.size() / 2)).has_value());
        CHECK_FALSE(service::decode_ledger(bytes + "x").has_value());
    }
}

TEST_CASE("service: after a restart, or with the state's last writes lost, nothing is folded twice or missed", "[service]") {
    test::TempDir dir, stale;
    liquida::sim::Simulation simulation(test::seed_config(), small());
    World w(dir.path(), 8);
    auto said_first = run(*w.commands, simulation, 1000);
    w.close();  // a clean stop saves everything
    fs::copy(dir.path() / "state", stale.path() / "state", fs::copy_options::recursive);
    w.open(dir.path() / "state", 8);
    const auto said_second = run(*w.commands, simulation, 1000);
    said_first.insert(said_first.end(), said_second.begin(), said_second.end());
    const auto live = ledgers(*w.commands);
    w.close();

    SECTION("restarted on its own state") {
        w.open(dir.path() / "state", 8);
        CHECK(ledgers(*w.commands) == live);
    }
    SECTION("restarted on a state that lost the second half (a crash before its saves)") {
        w.open(stale.path() / "state", 8);
        CHECK(ledgers(*w.commands) == live);
    }
    SECTION("restarted with no state: rebuilt from the log") {
        test::TempDir none;
        w.open(none.path() / "state", 8);
        CHECK(ledgers(*w.commands) == live);
    }
    // Whichever state it started on, the next commands go as they go without a restart...
    const auto more = run(*w.commands, simulation, 500);
    test::TempDir c;
    World reference(c.path(), 100'000);
    liquida::sim::Simulation r(test::seed_config(), small());
    REQUIRE(run(*reference.commands, r, 2000) == said_first);
    CHECK(run(*reference.commands, r, 500) == more);
    // ...and every accepted command sent again is answered as a retry, with its events.
    liquida::sim::Simulation again(test::seed_config(), small());
    const auto retried = run(*w.commands, again, 2000);
    for (size_t i = 0; i < retried.size(); ++i)
        if (said_first[i].starts_with("accepted")) CHECK(retried[i] == "duplicate" + said_first[i].substr(std::string("accepted").size()));
}

TEST_CASE("service: retries are answered from the state across restarts, and an id reused for another command is 409", "[service]") {
    test::TempDir dir;
    World w(dir.path(), 2);
    const Issuer colegio{events::ActorRole::colegio, "colegio:secretaria"};
    const domain::RegisterProvider reg = registration();
    auto execute = [&](uint64_t provider, const std::string& id, const Issuer& issuer) {
        return w.commands->execute(domain::ProviderId{provider}, reg, id, issuer, 1'750'000'000'000,
                                   gateway::command_digest(domain::ProviderId{provider}, reg));
    };
    const auto first = execute(1, "k-1", colegio);
    REQUIRE(first);
    CHECK_FALSE(first->duplicate);
    for (uint64_t p = 2; p <= 5; ++p) REQUIRE(execute(p, "k-" + std::to_string(p), colegio));  // provider 1 leaves the cache of 2
    auto check = [&] {
        const auto retry = execute(1, "k-1", colegio);
        REQUIRE(retry);
        CHECK(retry->duplicate);
        CHECK(retry->events == first->events);
        const auto other = execute(2, "k-1", colegio);
        REQUIRE_FALSE(other);
        CHECK(other.error().code == "command.id_reused");
        CHECK(other.error().kind == service::Rejection::Kind::conflict);
        // Another issuer's id space: the same id is a new command (refused by the domain here).
        const auto mine = execute(1, "k-1", {events::ActorRole::prestador, "prestador:1"});
        REQUIRE_FALSE(mine);
        CHECK(mine.error().kind == service::Rejection::Kind::refused);
    };
    check();
    w.close();
    w.open(dir.path() / "state", 2);
    check();
}

TEST_CASE("service: a budget's channel is who issued it, on the log and in the ledger", "[service][A9]") {
    test::TempDir dir;
    World w(dir.path(), 2);
    liquida::sim::Simulation simulation(test::seed_config(), small());
    // The simulation's commands until one submits a budget, each under its own issuer.
    for (size_t i = 0; i < 20'000; ++i) {
        auto cmd = simulation.next();
        REQUIRE(cmd);
        const Issuer issuer{static_cast<events::ActorRole>(cmd->actor), cmd->actor_id};
        const auto done = w.commands->execute(cmd->provider, cmd->command, cmd->command_id, issuer, cmd->now, {});
        if (!done || !std::holds_alternative<domain::SubmitBudget>(cmd->command)) continue;
        REQUIRE(done->events.at(0).kind == "budget_submitted");
        auto records = w.log->read(done->events[0].tp, done->events[0].offset, 1);
        REQUIRE(records);
        REQUIRE(records->size() == 1);
        const auto e = events::decode(records->at(0).record.value);
        REQUIRE(e);
        const std::string channel = "WEB(" + cmd->actor_id + ")";
        CHECK(std::get<domain::BudgetSubmitted>(e->payload).channel == channel);
        CHECK(e->schema_version == events::kSchemaVersion);
        const auto& ref = std::get<domain::SubmitBudget>(cmd->command);
        REQUIRE(*w.commands->with(cmd->provider, [&](const domain::ProviderLedger& l) {
            const auto rows = domain::authorization_report(l, domain::Date{0}, domain::Date{100'000}, domain::ReportOrder::channel);
            const auto row =
                std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.transaction.number == ref.transaction_number; });
            REQUIRE(row != rows.end());
            CHECK(row->channel == channel);
        }));
        return;
    }
    FAIL("the simulation submitted no budget");
}

TEST_CASE("service: a command that decides no event appends nothing and is answered with none", "[service]") {
    test::TempDir dir;
    World w(dir.path(), 2);
    const Issuer colegio{events::ActorRole::colegio, "colegio:secretaria"};
    REQUIRE(w.commands->execute(domain::ProviderId{1}, registration(), "k-1", colegio, 1'750'000'000'000, {}));
    const auto ends = [&] {
        std::vector<int64_t> out;
        for (const auto& t : w.log->topics())
            for (int32_t p = 0; p < t.partitions; ++p) out.push_back(w.log->end_offset({t.name, p}).value());
        return out;
    };
    const auto before = ends();
    // No document of this provider is due.
    const auto nothing = w.commands->execute(domain::ProviderId{1}, domain::ExpireDocumentsDue{domain::date_from_civil(2025, 6, 25)}, "k-2",
                                             colegio, 1'750'000'000'000, {});
    INFO((nothing ? "" : nothing.error().code + ": " + nothing.error().message));
    REQUIRE(nothing);
    CHECK(nothing->events.empty());
    CHECK(ends() == before);
}

TEST_CASE("service: the colegio's presentations are decided on its own ledger, provider 0, and kept whole across a restart",
          "[service][F6]") {
    test::TempDir dir;
    auto w = std::make_unique<World>(dir.path(), 2);
    const Issuer colegio{events::ActorRole::colegio, "colegio:secretaria"};
    const Issuer sancor{events::ActorRole::obra_social, "obra_social:sancor"};
    const domain::TimestampMs july8 = test::at(2025, 7, 8);
    const domain::PresentBilling june{"P-2025-06/1", domain::ObraSocialId{"sancor"}, domain::Period{2025, 6}, 3'000'000};
    // Each command on the ledger it belongs to, or refused before anything is decided.
    auto wrong = w->commands->execute(domain::ProviderId{1}, june, "p-0", colegio, july8, {});
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().field == "provider");
    wrong = w->commands->execute(domain::kColegio, registration(), "r-0", colegio, july8, {});
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == "request.missing_field");
    CHECK(said(w->commands->execute(domain::kColegio, june, "p-1", colegio, july8, {}))
              .starts_with("accepted presentation_submitted@liquida.billing/"));
    REQUIRE(w->commands->execute(domain::kColegio, domain::DebitPresentation{"P-2025-06/1", "d-1", 1'000, "D01", "Falta firma"}, "p-2",
                                 sancor, july8, {}));
    REQUIRE(w->commands->execute(domain::kColegio, domain::ApprovePresentation{"P-2025-06/1"}, "p-3", sancor, july8, {}));
    domain::PresentationBook before;
    REQUIRE(w->commands->with(domain::kColegio, [&](const domain::ProviderLedger& l) { before = l.presentations; }).value());
    CHECK(domain::presentation_state(before.presentations.at("P-2025-06/1")) == "aprobada");
    REQUIRE(w->commands->save());
    w.reset();
    w = std::make_unique<World>(dir.path(), 2);
    domain::ProviderLedger after;
    REQUIRE(w->commands->with(domain::kColegio, [&](const domain::ProviderLedger& l) { after = l; }).value());
    CHECK(after.presentations == before);
    CHECK(service::decode_ledger(service::encode_ledger(after)) == std::optional(after));
    // A retry of an earlier command is answered from the state, nothing decided again.
    CHECK(said(w->commands->execute(domain::kColegio, june, "p-1", colegio, july8, {})).starts_with("duplicate"));
}

TEST_CASE("service: a provider's commands go on while its snapshot is written, and a failed write is written again", "[service]") {
    for (const bool fail : {false, true}) {
        INFO((fail ? "the write fails" : "the write succeeds"));
        test::TempDir dir;
        World w(dir.path(), 100'000);
        HeldStore held(*w.store);
        service::ServiceOptions options;
        options.save_every = std::chrono::hours(1);  // saved only when the test says
        auto c = std::make_unique<CommandService>(*w.log, held, test::seed_config(), options);
        REQUIRE(c->start());
        liquida::sim::Simulation simulation(test::seed_config(), small());
        auto send = [&](CommandService& to, const liquida::sim::SimulatedCommand& cmd) {
            return to.execute(cmd.provider, cmd.command, cmd.command_id, Issuer{static_cast<events::ActorRole>(cmd.actor), cmd.actor_id},
                              cmd.now, gateway::command_digest(cmd.provider, cmd.command));
        };
        std::vector<liquida::sim::SimulatedCommand> sent;
        while (sent.size() < 300) {
            auto cmd = simulation.next();
            REQUIRE(cmd);
            if (auto o = send(*c, *cmd); o && !o->duplicate) sent.push_back(*cmd);
        }
        liquida::sim::SimulatedCommand first = sent.back();  // its provider is dirty
        held.hold(first.provider, fail);
        events::result<liquida::ok_t> saved = liquida::ok;
        std::thread saver([&] { saved = c->save(); });
        REQUIRE(held.holding(std::chrono::seconds(10)));
        // While the snapshot is written: the provider's retry, and its next command, are answered.
        std::optional<liquida::sim::SimulatedCommand> second;
        auto during = std::async(std::launch::async, [&] {
            auto o = send(*c, first);
            while (!second) {
                auto cmd = simulation.next();
                if (!cmd) break;
                if (auto n = send(*c, *cmd); n && !n->duplicate && cmd->provider == first.provider) second = *cmd;
            }
            return o;
        });
        const bool answered = during.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        held.release();
        saver.join();
        REQUIRE(answered);
        const auto again = during.get();
        REQUIRE(again);
        CHECK(again->duplicate);
        REQUIRE(second);
        CHECK(saved.has_value() == !fail);
        REQUIRE(c->save());  // the commands since, and those of a failed write, written now
        for (const liquida::sim::SimulatedCommand* cmd : {&first, &*second}) {
            const auto stored = w.store->command(events::idempotency_key(cmd->actor_id, cmd->command_id, ""));
            REQUIRE(stored);
            CHECK(stored->has_value());
        }
        // After a restart both are answered from the store as retries.
        const std::map<uint64_t, domain::ProviderLedger> before = ledgers(*c);
        c.reset();
        auto d = std::make_unique<CommandService>(*w.log, *w.store, test::seed_config(), options);
        REQUIRE(d->start());
        for (const liquida::sim::SimulatedCommand* cmd : {&first, &*second}) {
            const auto later = send(*d, *cmd);
            REQUIRE(later);
            CHECK(later->duplicate);
        }
        CHECK(send(*d, first)->events == again->events);
        CHECK(ledgers(*d) == before);
    }
}

namespace {
// Seed 004's psychotherapy session (330101, one per affiliate per 7 days) for `affiliate`.
domain::SubmitBudget sancor_session(uint64_t transaction, std::string affiliate) {
    domain::SubmitBudget b{transaction,
                           test::kSancor,
                           std::move(affiliate),
                           "",
                           "GF-1",
                           "9999",
                           "F41.1",
                           domain::DiagnosisType::presuntivo,
                           {domain::BudgetLine{"330101", 0, ""}},
                           "",
                           {}};
    b.affiliate_name = "GOMEZ ANA";
    b.plan = "SANCOR 3500";
    return b;
}

// Providers 1 and 2 in the padrón, adhered to SanCor.
void two_in_padron(CommandService& c) {
    const Issuer colegio{events::ActorRole::colegio, "colegio"};
    for (uint64_t p : {uint64_t{1}, uint64_t{2}}) {
        int n = 0;
        for (const domain::Command& cmd : test::padron_commands())
            REQUIRE(c.execute(domain::ProviderId{p}, cmd, "padron-" + std::to_string(p) + "-" + std::to_string(n++), colegio,
                              test::kInPadronAt, {}));
    }
}

Outcome session_at(CommandService& c, uint64_t provider, uint64_t transaction, const std::string& affiliate, domain::TimestampMs t) {
    return c.execute(domain::ProviderId{provider}, sancor_session(transaction, affiliate), "s-" + std::to_string(transaction),
                     Issuer{events::ActorRole::prestador, "MP-" + std::to_string(provider)}, t, {});
}
}  // namespace

TEST_CASE("service: the week's session is the affiliate's at every provider, after a restart, a lost register or a lost state",
          "[service][A4]") {
    test::TempDir dir;
    const std::string refused = "rejected budget.weekly_limit_exceeded lines[0].practice_code";
    {
        World w(dir.path(), 1);  // one ledger in memory: each provider is read again from the store
        two_in_padron(*w.commands);
        REQUIRE(session_at(*w.commands, 1, 1, "3500-1", test::at(2025, 6, 2)));
        CHECK(said(session_at(*w.commands, 2, 2, "3500-1", test::at(2025, 6, 5))) == refused);
        CHECK(session_at(*w.commands, 2, 3, "3500-2", test::at(2025, 6, 5)));
        CHECK(w.commands->sessions_registered() == 2);
    }
    {
        World w(dir.path(), 1);  // the register as saved
        CHECK(w.commands->sessions_registered() == 2);
        CHECK(said(session_at(*w.commands, 2, 4, "3500-1", test::at(2025, 6, 6))) == refused);
        w.close();
        // A state written before the register (or under other limits): no sessions, no basis.
        auto store = service::StateStore::open((dir.path() / "state").string());
        REQUIRE(store);
        REQUIRE((*store)->save_sessions(domain::ProviderId{1}, {}));
        REQUIRE((*store)->save_sessions(domain::ProviderId{2}, {}));
        REQUIRE((*store)->save_sessions_basis(""));
        REQUIRE((*store)->sessions()->size() == 2);
        CHECK((*store)->sessions()->at(0).second.empty());
    }
    {
        World w(dir.path(), 1);  // derived again from the snapshots
        CHECK(w.commands->sessions_registered() == 2);
        CHECK(said(session_at(*w.commands, 2, 5, "3500-1", test::at(2025, 6, 7))) == refused);
        w.close();
        fs::remove_all(dir.path() / "state");
    }
    World w(dir.path(), 1);  // rebuilt from the log
    CHECK(said(session_at(*w.commands, 2, 6, "3500-1", test::at(2025, 6, 8, 23, 0))) == refused);
    CHECK(session_at(*w.commands, 2, 7, "3500-1", test::at(2025, 6, 9)));
    // The register keeps what the window reaches from the latest day, and a day more (a command
    // may have read its time before the day turned): on the 9th, the 2nd stays.
    REQUIRE(w.commands->save());
    CHECK(w.commands->sessions_registered() == 3);
    // On the 10th it goes at the next save: 3500-2's of the 5th, 3500-1's of the 9th, 3500-3's.
    CHECK(session_at(*w.commands, 1, 8, "3500-3", test::at(2025, 6, 10)));
    REQUIRE(w.commands->save());
    CHECK(w.commands->sessions_registered() == 3);
}

TEST_CASE("service: a start that fails moves no watermark, so the next start folds what it did not", "[service]") {
    test::TempDir dir;
    {
        World w(dir.path(), 4);
        two_in_padron(*w.commands);
    }
    // A new state for the same log: everything is to be folded, and its first read fails.
    auto real = service::StateStore::open((dir.path() / "state2").string());
    REQUIRE(real);
    auto log = events::open_embedded_log({(dir.path() / "log").string(), events::default_topics(4), false});
    REQUIRE(log);
    {
        HeldStore failing(**real);
        failing.fail_basis = true;
        CommandService c(**log, failing, test::seed_config());
        REQUIRE_FALSE(c.start());
    }
    CHECK((*real)->watermarks().empty());
    CommandService c(**log, **real, test::seed_config());
    REQUIRE(c.start());
    CHECK(c.providers()->size() == 2);
    CHECK(said(session_at(c, 1, 1, "3500-1", test::at(2025, 6, 2))).starts_with("accepted"));
}

TEST_CASE("service: two providers sending the same affiliate's session at once, one is authorized", "[service][A4]") {
    test::TempDir dir;
    World w(dir.path(), 4);
    two_in_padron(*w.commands);
    for (uint64_t round = 0; round < 20; ++round) {
        const std::string affiliate = "3500-" + std::to_string(100 + round);
        const auto t = test::at(2025, 6, 2) + static_cast<domain::TimestampMs>(round) * 1000;
        auto first = std::async(std::launch::async, [&] { return session_at(*w.commands, 1, 1000 + 2 * round, affiliate, t); });
        auto second = std::async(std::launch::async, [&] { return session_at(*w.commands, 2, 1001 + 2 * round, affiliate, t); });
        const Outcome a = first.get(), b = second.get();
        INFO(said(a) << " | " << said(b));
        CHECK(a.has_value() != b.has_value());
    }
}

TEST_CASE("service: a state ahead of its log refuses to start", "[service]") {
    test::TempDir dir, other;
    {
        World w(dir.path(), 8);
        liquida::sim::Simulation simulation(test::seed_config(), small());
        run(*w.commands, simulation, 50);
    }
    auto empty = events::open_embedded_log({(other.path() / "log").string(), events::default_topics(4), false});
    REQUIRE(empty);
    auto store = service::StateStore::open((dir.path() / "state").string());
    REQUIRE(store);
    CommandService c(**empty, **store, test::seed_config());
    auto started = c.start();
    REQUIRE_FALSE(started);
    CHECK(started.error().code == liquida::service::errc::ahead_of_log);
    CHECK(started.error().message.find("the state belongs to another log") != std::string::npos);
}

namespace {
// Every partition's records as "kind command_id", in offset order.
std::map<std::string, std::vector<std::string>> contents(events::EventLog& log) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            const events::TopicPartition tp{t.name, p};
            auto& rows = out[t.name + "/" + std::to_string(p)];
            for (int64_t from = 0;;) {
                auto records = log.read(tp, from, 4096);
                REQUIRE(records);
                if (records->empty()) break;
                for (const auto& r : *records) {
                    from = r.offset + 1;
                    if (r.aborted) continue;  // a batch a killed writer left half-written
                    auto e = events::decode(r.record.value);
                    REQUIRE(e);
                    rows.push_back(std::string(domain::event_name(e->payload)) + " " + e->command_id);
                }
            }
        }
    return out;
}

Issuer issuer_of(const liquida::sim::SimulatedCommand& c) { return Issuer{static_cast<events::ActorRole>(c.actor), c.actor_id}; }

// A crash round's child: the month's commands not answered `before`, each answered on a line
// of DIR/answered ("A id" acknowledged, "R id" refused) until it is killed.
int answer_month(const fs::path& dir, const std::function<std::unique_ptr<events::EventLog>()>& open_log,
                 const liquida::sim::SimulationOptions& options, const std::map<std::string, char>& before) {
    auto log = open_log();
    auto store = service::StateStore::open((dir / "state").string());
    if (!store) std::fprintf(stderr, "state store: %s\n", store.error().message.c_str());
    if (!log || !store) return 3;
    service::ServiceOptions o;
    o.cache_providers = 4;
    o.save_every = std::chrono::milliseconds(5);  // many saves to die between
    CommandService c(*log, **store, test::seed_config(), o);
    if (!c.start()) return 4;
    liquida::sim::Simulation simulation(test::seed_config(), options);
    std::ofstream out(dir / "answered", std::ios::app);
    while (auto cmd = simulation.next()) {
        if (before.contains(cmd->command_id)) continue;
        auto said = c.execute(cmd->provider, cmd->command, cmd->command_id, issuer_of(*cmd), cmd->now,
                              gateway::command_digest(cmd->provider, cmd->command));
        if (!said && said.error().kind != service::Rejection::Kind::refused) return 5;
        out << (said ? "A " : "R ") << cmd->command_id << std::endl;  // flushed: a SIGKILL keeps it
    }
    return 0;
}

// The service killed with SIGKILL at random points over a month's commands, each round going
// on where the last stopped; then the rest of the month. `open_log` opens the log under test.
void crash_rounds(const fs::path& dir, const std::function<std::unique_ptr<events::EventLog>()>& open_log) {
    const auto options = liquida::sim::SimulationOptions{13, 0.003, domain::Period{2025, 6}, 1};
    // "A id" acknowledged (appended), "R id" refused: answered, so not sent again (a refused
    // command decided later could be accepted, which the uninterrupted run never does).
    const fs::path answered = dir / "answered";
    auto read_answered = [&] {
        std::map<std::string, char> out;
        std::ifstream in(answered);
        for (std::string line; std::getline(in, line);)
            if (line.size() > 2) CHECK(out.emplace(line.substr(2), line[0]).second);  // answered once
        return out;
    };
    std::mt19937 rng(17);
    int killed = 0;
    for (int round = 0; round < 6; ++round) {
        const auto before = read_answered();
        test::Forked child([&](int) { return answer_month(dir, open_log, options, before); });
        // Killed once it has answered a random number of commands (at most 30 s): counted in
        // commands, not time, so that a fast build is still killed before the month ends.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        auto lines = [&] {
            std::ifstream in(answered);
            return static_cast<size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
        };
        const size_t kill_after = before.size() + 20 + rng() % 200;
        while (!child.exited() && lines() < kill_after && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const int status = child.kill();  // its status when the month finished first
        if (status == -1) ++killed;
        else REQUIRE(status == 0);
    }
    CHECK(killed > 0);
    // The rest of the month; every command acknowledged before a kill answers as a retry.
    auto log = open_log();
    REQUIRE(log);
    auto store = service::StateStore::open((dir / "state").string());
    REQUIRE(store);
    CommandService w(*log, **store, test::seed_config(), {1000});
    REQUIRE(w.start());
    const auto before = read_answered();
    REQUIRE(before.size() >= 6 * 20);
    liquida::sim::Simulation simulation(test::seed_config(), options);
    while (auto cmd = simulation.next()) {
        const auto it = before.find(cmd->command_id);
        if (it != before.end() && it->second == 'R') continue;
        auto said = w.execute(cmd->provider, cmd->command, cmd->command_id, issuer_of(*cmd), cmd->now,
                              gateway::command_digest(cmd->provider, cmd->command));
        if (it != before.end()) {
            REQUIRE(said);
            CHECK(said->duplicate);
        }
    }
    // The same month without a kill, on the embedded log: the same records, partition by partition.
    test::TempDir ref;
    World reference(ref.path(), 100'000);
    liquida::sim::Simulation r(test::seed_config(), options);
    run(*reference.commands, r, 1'000'000);
    CHECK(contents(*log) == contents(*reference.log));
    CHECK(ledgers(w) == ledgers(*reference.commands));
}

}  // namespace

// On Kafka the log looks no command id up: the service alone keeps an id its issuer's once,
// also between a command and the save that puts it in the state.
TEST_CASE("service on Kafka: an id another provider's command holds is 409, before and after the state has it", "[service][kafka]") {
    test::TempDir dir;
    auto mock = events::MockCluster::start(1);
    REQUIRE(mock);
    for (const auto& t : events::default_topics(4)) REQUIRE((*mock)->create_topic(t.name, t.partitions));
    auto log = events::open_kafka_log({(*mock)->bootstrap(), events::default_topics(4), 1, {{"log_level", "2"}}, std::chrono::seconds(10)});
    REQUIRE(log);
    auto store = service::StateStore::open((dir.path() / "state").string());
    REQUIRE(store);
    service::ServiceOptions options;
    options.save_every = std::chrono::hours(1);  // nothing saved until asked
    CommandService commands(**log, **store, test::seed_config(), options);
    REQUIRE(commands.start());
    const Issuer colegio{events::ActorRole::colegio, "colegio:secretaria"};
    const domain::RegisterProvider reg = registration();
    auto execute = [&](uint64_t provider) {
        return commands.execute(domain::ProviderId{provider}, reg, "k-1", colegio, 1'750'000'000'000,
                                gateway::command_digest(domain::ProviderId{provider}, reg));
    };
    const auto first = execute(1);
    REQUIRE(first);
    auto check = [&] {
        const auto other = execute(2);
        REQUIRE_FALSE(other);
        CHECK(other.error().code == "command.id_reused");
        const auto retry = execute(1);
        REQUIRE(retry);
        CHECK(retry->duplicate);
        CHECK(retry->events == first->events);
    };
    check();  // before any save: provider 2 is refused by the claim provider 1's command holds
    REQUIRE(commands.save());
    check();  // from the state
    size_t with_id = 0;
    for (const auto& [partition, rows] : contents(**log))
        with_id += static_cast<size_t>(std::count_if(rows.begin(), rows.end(), [](const std::string& r) { return r.ends_with(" k-1"); }));
    CHECK(with_id == first->events.size());
}

TEST_CASE("service: killed with SIGKILL at random points, no acknowledged command is lost or applied twice", "[service][crash]") {
    test::TempDir dir;
    crash_rounds(dir.path(), [&]() -> std::unique_ptr<events::EventLog> {
        auto log = events::open_embedded_log({(dir.path() / "log").string(), events::default_topics(4), false});
        if (!log) std::fprintf(stderr, "log: %s\n", log.error().message.c_str());
        return log ? std::move(*log) : nullptr;
    });
}

TEST_CASE("service on Kafka: killed with SIGKILL at random points, no acknowledged command is lost or applied twice",
          "[service][crash][kafka]") {
    test::TempDir dir;
    test::KafkaDev dev(LIQUIDA_BIN, {"--partitions", "4"});  // the brokers in a process of their own
    crash_rounds(dir.path(), [&]() -> std::unique_ptr<events::EventLog> {
        auto log = events::open_kafka_log({dev.bootstrap(), events::default_topics(4), 1, {{"log_level", "2"}}, std::chrono::seconds(20)});
        return log ? std::move(*log) : nullptr;
    });
}
