// Live views over websockets. The projection runner hands every committed batch's changes
// to the hub; the hub numbers them (one sequence for all views), keeps the latest ones for
// clients that resume, and fans each out to the subscriptions whose filter it matches.
// Changes carry whole rows, so applying one twice is harmless.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/server.h"
#include "gateway/view_json.h"
#include "projections/views.h"

namespace liquida::gateway {

struct Subscription {
    std::string id;  // chosen by the client, unique per connection
    projections::View view = projections::View::padron;
    std::optional<domain::ProviderId> provider;
    std::string obra_social;
    std::optional<domain::Period> period;

    bool matches(projections::View v, const RowScope& s) const;
};

// Subscriptions one connection may hold at once (docs/SECURITY.md).
inline constexpr size_t kMaxSubscriptionsPerConnection = 64;
// Rows per snapshot message: a snapshot is "snapshot" then "snapshot_rows" messages until one
// says "more": false, sent with WebSocket::send_snapshot so no large view trips the slow cutoff.
inline constexpr size_t kSnapshotPageRows = 500;

class LiveHub {
public:
    // `history`: changes kept for resuming clients.
    // Sequence numbers start from the start time (ms x 1000): a client resuming with a number
    // from an earlier run of the server gets a snapshot, never another run's changes.
    explicit LiveHub(size_t history = 100'000);

    // From the runner's thread: numbers and fans out one batch's changes.
    void publish(const projections::Delta& delta, domain::Date today, const domain::Config& config);
    // The pending rows already in the views when the hub starts: a removed row arrives as its
    // key alone, and the hub must know its obra social to reach that obra social's subscribers.
    void remember(const std::vector<projections::PendingRow>& rows);

    // Adds a subscription on `socket`. `snapshot` renders the current rows (called under the
    // hub's lock so no change slips between it and the stream). With `resume_from`, sends the
    // missed changes instead when all of them are still held.
    // False, sending nothing, when the socket already holds kMaxSubscriptionsPerConnection
    // other subscriptions; one with the same id is replaced.
    bool subscribe(const std::shared_ptr<WebSocket>& socket, Subscription sub, std::optional<uint64_t> resume_from,
                   const std::function<nlohmann::json()>& snapshot);
    void unsubscribe(const WebSocket* socket, const std::string& id);
    void drop(const WebSocket* socket);  // the connection closed

    uint64_t sequence() const;
    size_t subscriptions() const;

private:
    struct Change {
        uint64_t seq = 0;
        projections::View view = projections::View::padron;
        RowScope scope;
        std::string key;
        // The row, rendered to JSON text the first time a subscriber needs it ("null" when
        // the row left the view): a change nobody watches costs no rendering.
        std::optional<projections::Row> data;
        domain::Date today;
        std::string row;
    };
    struct Subscriber {
        const WebSocket* raw;
        std::weak_ptr<WebSocket> socket;
        Subscription sub;
    };
    std::string change_message(const Subscription& s, Change& c) const;

    size_t history_limit_;
    const domain::Config* config_ = nullptr;  // as last published with; rows render with it
    mutable std::mutex mu_;
    uint64_t seq_ = 0;
    std::deque<Change> history_;
    // By the provider the subscription filters on (0: any), so a change reaches only the
    // subscriptions that may want it: thousands of one-provider subscribers stay cheap.
    std::multimap<uint64_t, Subscriber> subs_;
    std::unordered_map<const WebSocket*, size_t> per_socket_;           // subscriptions held by each connection
    std::unordered_map<std::string, std::string> pending_obra_social_;  // pending row key -> its obra social
};

}  // namespace liquida::gateway
