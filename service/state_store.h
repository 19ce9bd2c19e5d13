// The command path's durable state (RocksDB): each provider's ledger as a snapshot with the
// log offsets it covers, the commands those snapshots hold (the idempotency index, by
// issuer), the recent sessions of weekly-limited practices its budgets hold (read at start
// into the colegio's register, domain/sessions.h), and per partition a watermark below which
// every provider's records are in its snapshot. It is a cache of the log, never more: deleted, it is rebuilt by reading the log.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/sessions.h"
#include "domain/state.h"
#include "events/envelope.h"
#include "events/errc.h"
#include "service/errc.h"
#include "events/log.h"

namespace liquida::service {

// One appended event as a command's answer names it.
struct EventRef {
    events::EventId event_id;
    std::string kind;
    events::TopicPartition tp;
    int64_t offset = 0;
    friend bool operator==(const EventRef&, const EventRef&) = default;
};

// A command in the log: whose, its digest (empty on records written before digests were
// kept) and its events.
struct CommandRecord {
    domain::ProviderId provider;
    std::string digest;
    std::vector<EventRef> events;
    friend bool operator==(const CommandRecord&, const CommandRecord&) = default;
};

// Commands by scope (events::idempotency_key of issuer and command id, no topic): looked up on
// every command, so hashed rather than ordered.
using CommandIndex = std::unordered_map<std::string, CommandRecord>;

struct Snapshot {
    domain::ProviderLedger ledger;
    // Per topic: every record of the provider below this offset of its partition is folded
    // into `ledger`, and none at or above it.
    std::map<std::string, int64_t> covered;
};

// A snapshot as the store keeps it; apart from save() so that a ledger is encoded under its
// lock and written outside it.
std::string encode_snapshot(const domain::ProviderLedger& ledger, const std::map<std::string, int64_t>& covered);

class StateStore {
public:
    static result<std::unique_ptr<StateStore>> open(const std::string& path);
    virtual ~StateStore() = default;

    virtual result<std::optional<Snapshot>> snapshot(domain::ProviderId provider) const = 0;
    // By scope (events::idempotency_key of issuer and command id, no topic).
    virtual result<std::optional<CommandRecord>> command(std::string_view scope) const = 0;
    // The snapshot (encode_snapshot), its recent sessions and the commands it newly holds, in one write.
    virtual result<liquida::ok_t> save(domain::ProviderId provider, std::string_view snapshot, const std::vector<domain::Session>& sessions,
                                       const CommandIndex& commands) = 0;
    // Every provider's recent sessions, as last saved.
    virtual result<std::vector<std::pair<domain::ProviderId, std::vector<domain::Session>>>> sessions() const = 0;
    // What the saved sessions were chosen by (the weekly limits configured, and their windows):
    // empty until the first save_sessions_basis; another basis means they are derived again.
    virtual result<std::string> sessions_basis() const = 0;
    // The provider's sessions alone, when they are derived again from its snapshot.
    virtual result<liquida::ok_t> save_sessions(domain::ProviderId provider, const std::vector<domain::Session>& sessions) = 0;
    virtual result<liquida::ok_t> save_sessions_basis(std::string_view basis) = 0;
    // Partitions not named are at 0 (nothing proven).
    virtual const std::map<events::TopicPartition, int64_t>& watermarks() const = 0;
    // Written after the snapshots they rely on: a crash keeps a prefix of the writes.
    virtual result<liquida::ok_t> save_watermarks(const std::map<events::TopicPartition, int64_t>& marks) = 0;
    virtual result<std::vector<domain::ProviderId>> providers() const = 0;
};

}  // namespace liquida::service
