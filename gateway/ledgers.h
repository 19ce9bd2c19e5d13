// The command path: each provider's ledger in memory, rebuilt from the log at start; a
// command is decided against its provider's current ledger, one at a time per provider (no
// lost update when two requests race), appended, and only then folded in.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/commands.h"
#include "domain/config.h"
#include "domain/state.h"
#include "events/chain_watch.h"
#include "events/envelope.h"
#include "events/log.h"

namespace liquida::gateway {

struct Actor {
    events::ActorRole role = events::ActorRole::system;
    std::string id;
};

struct CommandOutcome {
    unsigned status = 201;  // 201 appended, 200 a retry of an appended command, 4xx/5xx error
    nlohmann::json body;    // {"command_id", "events": [...]} or {"error": {...}}
    std::string error_code;  // for metrics; empty when accepted
    size_t events = 0;
};

class Ledgers {
public:
    // `remembered`: how many command ids are kept for idempotent retries (oldest forgotten
    // first); a retry of an older command is decided again.
    Ledgers(events::EventLog& log, const domain::Config& config, size_t remembered = 1'000'000);

    // Reads every partition from offset 0 and folds each provider's events.
    events::result<size_t> load();

    // Decides, appends and folds. A command id is the issuer's own (actor.id scopes it): a
    // retry of the same command answers 200 with the original events; the same id with
    // another command is 409 command.id_reused; the log's own verdict on a duplicate is final.
    CommandOutcome execute(domain::ProviderId provider, const domain::Command& command, std::string command_id,
                           const Actor& actor, domain::TimestampMs now);

    // Runs `f` with the provider's ledger under its lock; false when the provider is unknown.
    template <class F>
    bool with(domain::ProviderId provider, F&& f) {
        auto* e = find(provider);
        if (e == nullptr) return false;
        std::lock_guard lk(e->mu);
        f(static_cast<const domain::ProviderLedger&>(e->ledger));
        return true;
    }
    std::vector<domain::ProviderId> providers() const;

    uint64_t events_appended() const { return appended_; }

    // From then on, a command whose events go to a partition with a broken hash chain is
    // refused (503 log.chain_broken): nothing is decided on records that may be altered.
    void watch(const events::ChainWatch* chain) { chain_ = chain; }

private:
    struct Entry {
        std::mutex mu;
        domain::ProviderLedger ledger;
        // An append failed, and it may have landed all the same (an acknowledgement that timed
        // out): the ledger is read again from the log before the provider's next command.
        bool in_doubt = false;
    };
    // A command in the log: what it answered, and its digest (json.h, command_digest).
    struct Appended {
        std::string digest;
        nlohmann::json events;
    };
    events::result<liquida::ok_t> reread(domain::ProviderId provider, Entry& e);
    Entry* find(domain::ProviderId provider);
    Entry& entry(domain::ProviderId provider);
    // By issuer and id (scope_of): one issuer's ids never answer for another's.
    void remember(const std::string& scope, const std::string& digest, nlohmann::json events);
    std::optional<Appended> recall(const std::string& scope);
    // A record's part in its command's remembered answer.
    void remember(const events::StoredRecord& r, const events::Envelope& e);

    events::EventLog& log_;
    const domain::Config& config_;
    size_t remembered_;
    mutable std::shared_mutex map_mu_;
    std::unordered_map<uint64_t, std::unique_ptr<Entry>> entries_;
    std::mutex ids_mu_;
    std::unordered_map<std::string, Appended> ids_;
    std::deque<std::string> id_order_;
    std::atomic<uint64_t> appended_{0};
    const events::ChainWatch* chain_ = nullptr;
};

}  // namespace liquida::gateway
