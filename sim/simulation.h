// A seeded, reproducible month of a colegio's work, driven through `decide`: every event it
// yields passed the rules. Providers (psychologists billing SanCor with tokens, dentists with
// InSSSeP budgets, home carers with IOMA audited budgets) register, enroll, load orders, get
// authorizations, consume, invoice, get debited, paid on their invoices' due dates (seed 001: 60
// days after reception at SanCor, 15 for a small invoice) and retained; users also make the
// mistakes users make, which are rejected and counted, never folded in. Pure: no I/O, no
// clock, no threads; the same options give the same commands and decisions on any machine.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/commands.h"
#include "domain/config.h"
#include "domain/error.h"
#include "domain/state.h"

namespace liquida::sim {

using domain::Command;
using domain::Config;
using domain::Decision;
using domain::Period;
using domain::ProviderId;
using domain::ProviderLedger;
using domain::TimestampMs;

struct SimulationOptions {
    // Same seed, same command sequence and decisions. Any value.
    uint64_t seed = 1;
    // Size of the colegio: 1 is about 3000 providers and 1 million events a month; the event
    // count is proportional. > 0; at least a handful of providers whatever the scale.
    double scale = 1.0;
    // First billing month. Providers are onboarded before it, in the last padrón enrollment
    // window (P3) at or before `start` (on its first day when `start` is a window month).
    Period start{2025, 6};
    // Billing months simulated from `start`. >= 1.
    uint32_t months = 1;
};

// Who issued a command; the values are those of events::ActorRole.
enum class SimActor : uint8_t { system = 0, colegio = 1, prestador = 2, obra_social = 3 };

struct SimulatedCommand {
    ProviderId provider;
    TimestampMs now = 0;     // when it was decided
    std::string command_id;  // "sim-<seed>-<start YYYYMM>-<n>": stable for a seed and start
    SimActor actor = SimActor::system;
    std::string actor_id;
    Command command;
    Decision decision;  // accepted: its events are already folded into the provider's ledger
};

struct SimulationStats {
    uint64_t accepted = 0;  // commands
    uint64_t rejected = 0;  // commands
    uint64_t events = 0;    // events of accepted commands
    std::map<std::string, uint64_t> rejected_by_code;
    std::array<uint64_t, std::variant_size_v<Command>> accepted_by_command{};
    std::array<uint64_t, domain::kEventKinds> events_by_kind{};
};

class Simulation {
public:
    // Copies the configuration. The seed configuration (ops/config/liquida.json) is the one
    // the workload is written for: obras sociales "sancor", "insssep" and "ioma".
    Simulation(const Config& config, SimulationOptions options);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // The next command, decided; `now` never decreases. nullopt once the last month is done.
    std::optional<SimulatedCommand> next();

    // Month (Argentina time) of the last command returned; before the first, the onboarding month.
    Period month() const;
    // Where onboarding happens: `start`, or the last enrollment month before it.
    Period onboarding_month() const;
    // The first instant after the simulation: the start of the month after the last one.
    TimestampMs end() const;

    const SimulationStats& stats() const;
    size_t provider_count() const;
    // The ledger the decisions saw, with every accepted event folded in; null if unknown.
    // kColegio's: the colegio's presentations.
    const ProviderLedger* ledger(ProviderId id) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace liquida::sim
