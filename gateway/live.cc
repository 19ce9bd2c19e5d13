#include "gateway/live.h"

#include <chrono>

namespace liquida::gateway {

using nlohmann::json;

LiveHub::LiveHub(size_t history) : history_limit_(history) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    seq_ = static_cast<uint64_t>(ms) * 1000;
}

bool Subscription::matches(projections::View v, const RowScope& s) const {
    return v == view && (!provider || *provider == s.provider) && (obra_social.empty() || obra_social == s.obra_social) &&
           (!period || (s.period && *period == *s.period));
}

std::string LiveHub::change_message(const Subscription& s, Change& c) const {
    if (c.row.empty()) {  // one render per change, not per subscriber
        c.row = c.data ? dump(to_json(*c.data, c.today, *config_)) : "null";
        c.data.reset();
    }
    // Built by hand around the rendered row.
    std::string out = R"({"type":"change","subscription":)" + dump(json(s.id)) + R"(,"view":")" +
                      std::string(projections::view_name(c.view)) + R"(","seq":)" + std::to_string(c.seq) + R"(,"key":)" +
                      dump(json(c.key)) + R"(,"row":)";
    out += c.row;
    out += "}";
    return out;
}

void LiveHub::publish(const projections::Delta& delta, domain::Date today, const domain::Config& config) {
    std::vector<Change> fresh;
    fresh.reserve(delta.changes.size());
    for (const auto& c : delta.changes) {
        Change ch;
        ch.view = c.view;
        ch.key = c.key;
        ch.today = today;
        if (c.row) {
            ch.scope = scope_of(*c.row);
            ch.data = c.row;
        } else {
            // A deleted row is named by its key; its scope is its leading provider id.
            ch.scope.provider = domain::ProviderId{std::stoull(c.key.substr(0, c.key.find('/')))};
            ch.row = "null";
        }
        fresh.push_back(std::move(ch));
    }
    std::lock_guard lk(mu_);
    config_ = &config;
    for (auto& ch : fresh) {
        // Only pending rows leave their view; the obra social of one that left is remembered.
        if (ch.view == projections::View::pending) {
            if (ch.row != "null") {
                pending_obra_social_[ch.key] = ch.scope.obra_social;
            } else if (auto it = pending_obra_social_.find(ch.key); it != pending_obra_social_.end()) {
                ch.scope.obra_social = std::move(it->second);
                pending_obra_social_.erase(it);
            }
        }
        ch.seq = ++seq_;
        for (const uint64_t provider : {ch.scope.provider.value(), uint64_t{0}}) {
            auto [it, end] = subs_.equal_range(provider);
            while (it != end) {
                auto socket = it->second.socket.lock();
                if (!socket || !socket->is_open()) {
                    it = subs_.erase(it);
                    continue;
                }
                if (it->second.sub.matches(ch.view, ch.scope))
                    socket->send(std::make_shared<const std::string>(change_message(it->second.sub, ch)));
                ++it;
            }
            if (provider == 0) break;
        }
        history_.push_back(std::move(ch));
        if (history_.size() > history_limit_) history_.pop_front();
    }
}

void LiveHub::remember(const std::vector<projections::PendingRow>& rows) {
    std::lock_guard lk(mu_);
    for (const auto& r : rows)
        pending_obra_social_[std::to_string(r.provider.value()) + "/" + std::to_string(r.transaction.boca) + "-" + r.transaction.serie +
                             "-" + std::to_string(r.transaction.number) + "/" + std::to_string(r.item)] = r.obra_social.value();
}

bool LiveHub::subscribe(const std::shared_ptr<WebSocket>& socket, Subscription sub, std::optional<uint64_t> resume_from,
                        const std::function<json()>& snapshot) {
    std::lock_guard lk(mu_);
    const auto replaced = std::erase_if(subs_, [&](const auto& kv) { return kv.second.raw == socket.get() && kv.second.sub.id == sub.id; });
    size_t& held = per_socket_[socket.get()];
    held -= replaced;
    if (held >= kMaxSubscriptionsPerConnection) return false;
    const uint64_t oldest_held = history_.empty() ? seq_ + 1 : history_.front().seq;
    if (resume_from && *resume_from <= seq_ && *resume_from + 1 >= oldest_held) {
        socket->send(std::make_shared<const std::string>(dump(json{{"type", "resumed"},
                                                                   {"subscription", sub.id},
                                                                   {"view", projections::view_name(sub.view)},
                                                                   {"from", *resume_from},
                                                                   {"seq", seq_}})));
        for (auto& ch : history_)
            if (ch.seq > *resume_from && sub.matches(ch.view, ch.scope))
                socket->send_snapshot(std::make_shared<const std::string>(change_message(sub, ch)));
    } else {
        const json rows = snapshot();
        size_t first = 0;
        do {
            const size_t last = std::min(rows.size(), first + kSnapshotPageRows);
            json page = json::array();
            for (size_t i = first; i < last; ++i) page.push_back(rows[i]);
            socket->send_snapshot(std::make_shared<const std::string>(dump(json{{"type", first == 0 ? "snapshot" : "snapshot_rows"},
                                                                                {"subscription", sub.id},
                                                                                {"view", projections::view_name(sub.view)},
                                                                                {"seq", seq_},
                                                                                {"rows", std::move(page)},
                                                                                {"more", last < rows.size()}})));
            first = last;
        } while (first < rows.size());
    }
    const uint64_t provider = sub.provider ? sub.provider->value() : 0;
    subs_.emplace(provider, Subscriber{socket.get(), socket, std::move(sub)});
    ++held;
    return true;
}

void LiveHub::unsubscribe(const WebSocket* socket, const std::string& id) {
    std::lock_guard lk(mu_);
    const auto removed = std::erase_if(subs_, [&](const auto& kv) { return kv.second.raw == socket && kv.second.sub.id == id; });
    if (auto it = per_socket_.find(socket); it != per_socket_.end() && (it->second -= removed) == 0) per_socket_.erase(it);
}

void LiveHub::drop(const WebSocket* socket) {
    std::lock_guard lk(mu_);
    std::erase_if(subs_, [&](const auto& kv) { return kv.second.raw == socket; });
    per_socket_.erase(socket);
}

uint64_t LiveHub::sequence() const {
    std::lock_guard lk(mu_);
    return seq_;
}

size_t LiveHub::subscriptions() const {
    std::lock_guard lk(mu_);
    return subs_.size();
}

}  // namespace liquida::gateway
