// The write path: decide, append, fold, answer. No HTTP or JSON here; the gateway and the demo
// feed call execute() and say the outcome in their own terms.
//
// State: each provider's ledger lives in the state store (service/state_store.h) and is
// loaded on its provider's first command into a bounded cache: its snapshot, then its records
// of the log after the snapshot. A command is decided against a ledger holding every
// acknowledged event of its provider, one command at a time per provider; the ledger is folded
// only after the log acknowledged the append. Dirty ledgers are saved every few seconds
// (ServiceOptions::save_every; and on eviction and at stop); then the watermarks move, so a
// start reads only the log after them: after a clean stop nothing, after a crash a few seconds
// of records.
//
// A4 spans providers (domain/sessions.h): the service keeps the colegio's register of recent
// sessions in memory, saved per provider with its snapshot and read whole at start. A budget
// of a weekly-limited practice is decided and appended under its affiliate's lock, so two
// providers cannot both give the affiliate the week's one session.
//
// One process writes a log's commands (one `serve` per log).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/codes.h"
#include "domain/commands.h"
#include "domain/config.h"
#include "domain/state.h"
#include "events/chain_watch.h"
#include "events/envelope.h"
#include "events/log.h"
#include "events/topics.h"
#include "service/state_store.h"

namespace liquida::service {

// Who issues a command; command ids are scoped by `id`.
struct Issuer {
    events::ActorRole role = events::ActorRole::system;
    std::string id;
    std::string user = {};  // the person signed in (gateway/users.h), when not a machine's token
};

struct Accepted {
    std::string command_id;
    bool duplicate = false;  // a retry: the events are those first appended
    std::vector<EventRef> events;
};

// The codes the service refuses with of its own; besides them a Rejection carries a domain
// refusal's code (domain/codes.h) or a module's errc. docs/API.md lists them.
inline constexpr std::string_view kRejectionCodes[] = {"command.id_reused", "log.chain_broken", "request.invalid_value",
                                                       "request.missing_field"};
using RejectionCode = domain::Listed<kRejectionCodes>;

struct Rejection {
    enum class Kind {
        invalid,      // the request lacks what it needs
        refused,      // the domain's rules say no (DomainError)
        conflict,     // the command id was used for another command
        unavailable,  // the log or the state store failed, or its chain is broken; nothing decided
    };
    Kind kind = Kind::invalid;
    std::string code;
    std::string message;  // Spanish, for the person who sent it
    std::string field;
};

using Outcome = liquida::result<Accepted, Rejection>;

struct ServiceOptions {
    // Ledgers kept in memory, least recently used evicted: a provider with a year of the
    // simulated colegio's history holds about 4 MiB, so 128 stay under half a GiB.
    size_t cache_providers = 128;
    // How often dirty ledgers are saved (whole: a save costs the ledger's size), and so about
    // how much of the log a start after a crash reads again.
    std::chrono::milliseconds save_every{5000};
};

class CommandService {
public:
    CommandService(events::EventLog& log, StateStore& store, const domain::Config& config, ServiceOptions options = {});
    ~CommandService();  // stops saving, and saves what is dirty

    // Folds the log after the watermarks into the store (a crash's tail, or every record when
    // the store is new), then saves every save_every on a thread of its own. Fails when the store
    // is ahead of the log (the log lost records, or the store belongs to another log).
    result<size_t> start();

    // `fingerprint` tells a retry from another command under the same id: the gateway's is the
    // SHA-256 of the request body, as sent (a retry sends the same bytes). Stored on every
    // record of the command; a later command under its id with another fingerprint is refused
    // (Rejection::Kind::conflict). Empty: not checked, any command under a used id is a retry.
    Outcome execute(domain::ProviderId provider, const domain::Command& command, std::string command_id, const Issuer& issuer,
                    domain::TimestampMs now, std::string_view fingerprint);

    // What a command under `command_id` already got, deciding nothing: the earlier answer (a
    // retry), command.id_reused (another command under it), or nullopt when the id is new.
    std::optional<Outcome> earlier(domain::ProviderId provider, const std::string& command_id, const Issuer& issuer,
                                   std::string_view fingerprint);

    // Runs f on the provider's ledger under its lock. False when the provider has no events;
    // an error when its state could not be read.
    template <class F>
    result<bool> with(domain::ProviderId provider, F&& f) {
        auto held = acquire(provider);
        if (!held) return failure(std::move(held).error());
        if (!held->entry->known) return false;
        f(static_cast<const domain::ProviderLedger&>(held->entry->ledger));
        return true;
    }
    // Every provider with a saved ledger, by id.
    result<std::vector<domain::ProviderId>> providers();

    // Saves every dirty ledger and moves the watermarks to where the log ended before.
    result<liquida::ok_t> save();

    // From then on, a command whose events go to a partition with a broken hash chain is
    // refused: nothing is decided on records that may be altered.
    void watch(const events::ChainWatch* chain) { chain_ = chain; }

    uint64_t events_appended() const { return appended_; }
    size_t cached() const;
    size_t sessions_registered() const;

private:
    struct Entry {
        std::mutex mu;
        bool loaded = false;   // snapshot and tail folded
        bool known = false;    // the provider has events
        bool evicted = false;  // out of the cache: whoever waited for it looks again
        bool stale = false;    // an append failed and may have landed: loaded again first
        bool dirty = false;    // folded events not yet saved
        bool writing = false;  // save() is writing its snapshot, out of the lock: not evicted
        domain::ProviderLedger ledger;
        std::map<std::string, int64_t> covered;  // per topic (Snapshot::covered)
        CommandIndex pending;                    // commands folded since the snapshot
        CommandIndex saving;                     // commands save() is writing (while `writing`)
    };
    struct Held {
        std::shared_ptr<Entry> entry;
        std::unique_lock<std::mutex> lock;
    };
    result<Held> acquire(domain::ProviderId provider);
    std::optional<Outcome> recorded(Entry& e, const std::string& scope, domain::ProviderId provider, const std::string& command_id,
                                    const std::string& digest);
    std::optional<Rejection> chain_refuses(domain::ProviderId provider, const std::vector<std::vector<events::Envelope>>& by_topic) const;
    result<liquida::ok_t> load(domain::ProviderId provider, Entry& e);
    result<liquida::ok_t> save_entry(domain::ProviderId provider, Entry& e);
    void evict();
    void release(const CommandIndex& saved);  // the claims of commands the store now holds
    int64_t watermark(const events::TopicPartition& tp) const;
    // The first day the register keeps: the longest weekly limit's window from the latest day seen, and a day more.
    domain::Date window_start() const;
    // The sessions a provider's snapshot is saved with: those its budgets hold within the longest window.
    std::vector<domain::Session> recent_sessions(const domain::ProviderLedger& ledger) const;
    void registered(domain::ProviderId provider, const domain::ProviderLedger& after, const domain::Event& e);
    void note_day(domain::Date day);
    result<liquida::ok_t> load_sessions(bool derive);
    // The command id is this provider's from its decision until the store holds the command:
    // false when another provider's command holds it; `fresh` when this call took it.
    bool claim_id(const std::string& scope, domain::ProviderId provider, bool& fresh);
    // The lock of a weekly-limited budget's affiliate (one of the stripes); none for other commands.
    std::unique_lock<std::mutex> lock_affiliate(const domain::SubmitBudget* budget);
    // A batch the log already held (the command's first try landed): it is in the ledger
    // already, so nothing is folded; its records, added to `done`, are the answer.
    std::optional<Rejection> answer_held(const events::AppendResult& r, domain::ProviderId provider, const std::string& command_id,
                                         const std::string& digest, Entry& e, CommandRecord& done);
    // Whether the saved sessions must be derived again: saved under other weekly limits.
    result<bool> sessions_stale();
    // What follows the watermarks up to `ends`, folded into the ledgers and saved: the records folded.
    result<size_t> fold_to(const std::map<events::TopicPartition, int64_t>& ends);

    events::EventLog& log_;
    StateStore& store_;
    const domain::Config& config_;
    ServiceOptions options_;
    mutable std::mutex map_mu_;
    std::unordered_map<uint64_t, std::shared_ptr<Entry>> entries_;
    std::list<uint64_t> lru_;  // most recent first
    std::unordered_map<uint64_t, std::list<uint64_t>::iterator> lru_pos_;
    mutable std::mutex marks_mu_;
    std::map<events::TopicPartition, int64_t> marks_;
    // Commands decided and not yet in the store, by scope (CommandIndex's): a command id is its
    // issuer's once, whichever provider it names. As many as one save interval's commands.
    std::mutex claims_mu_;
    std::unordered_map<std::string, uint64_t> claims_;
    std::mutex save_mu_;     // one save() at a time
    const uint32_t window_;  // domain::longest_limit_days: 0, no register
    mutable std::mutex register_mu_;
    domain::SessionRegister register_;
    std::atomic<int32_t> latest_day_;           // the latest business day seen: no session before its window counts again
    std::array<std::mutex, 64> affiliates_mu_;  // by the hash of obra social and affiliate
    std::atomic<uint64_t> appended_{0};
    bool started_ = false;  // start() succeeded: the destructor saves
    const events::ChainWatch* chain_ = nullptr;
    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::thread saver_;
};

}  // namespace liquida::service
