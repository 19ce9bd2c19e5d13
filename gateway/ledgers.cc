#include "gateway/ledgers.h"

#include <algorithm>
#include <map>

#include "domain/decide.h"
#include "events/codec.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "gateway/json.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

json error_json(std::string_view code, std::string_view message, std::string_view field) {
    return {{"error", {{"code", code}, {"message", message}, {"field", field}}}};
}

json event_json(const events::Envelope& e, const events::TopicPartition& tp, int64_t offset) {
    return {{"event_id", e.event_id.to_string()}, {"kind", domain::event_name(e.payload)}, {"topic", tp.topic},
            {"partition", tp.partition}, {"offset", offset}};
}

// Calls f(record, envelope) for every acknowledged record of `tp`, from offset 0 to its end.
template <class F>
events::result<liquida::ok_t> read_all(events::EventLog& log, const events::TopicPartition& tp, F&& f) {
    auto end = log.end_offset(tp);
    if (!end) return failure(std::move(end).error());
    for (int64_t from = 0; from < *end;) {
        auto records = log.read(tp, from, 4096);
        if (!records) return failure(std::move(records).error());
        if (records->empty()) break;
        for (const auto& r : *records) {
            from = r.offset + 1;
            if (r.aborted) continue;  // never acknowledged
            auto e = events::decode(r.record.value);
            if (!e)
                return events::fail(events::errc::corrupt_record,
                                    tp.topic + "/" + std::to_string(tp.partition) + "@" + std::to_string(r.offset) + ": " + e.error().message);
            f(r, *e);
        }
    }
    return liquida::ok;
}

}  // namespace

Ledgers::Ledgers(events::EventLog& log, const domain::Config& config, size_t remembered)
    : log_(log), config_(config), remembered_(remembered) {}

Ledgers::Entry* Ledgers::find(domain::ProviderId provider) {
    std::shared_lock lk(map_mu_);
    auto it = entries_.find(provider.value());
    return it == entries_.end() ? nullptr : it->second.get();
}

Ledgers::Entry& Ledgers::entry(domain::ProviderId provider) {
    if (Entry* e = find(provider)) return *e;
    std::unique_lock lk(map_mu_);
    auto& slot = entries_[provider.value()];
    if (!slot) slot = std::make_unique<Entry>();
    return *slot;
}

std::vector<domain::ProviderId> Ledgers::providers() const {
    std::shared_lock lk(map_mu_);
    std::vector<domain::ProviderId> out;
    for (const auto& [id, e] : entries_) out.emplace_back(id);
    std::sort(out.begin(), out.end());
    return out;
}

namespace {
std::string scope_of(std::string_view actor_id, std::string_view command_id) {
    return events::idempotency_key(actor_id, command_id, "");
}
std::string digest_of(const events::Record& r) {
    for (const auto& h : r.headers)
        if (h.key == events::kHeaderCommandDigest) return h.value;
    return {};
}
}  // namespace

void Ledgers::remember(const std::string& scope, const std::string& digest, json evs) {
    std::lock_guard lk(ids_mu_);
    auto [it, fresh] = ids_.try_emplace(scope);
    if (!fresh) {  // several topics of one command: one answer listing them all
        for (auto& e : evs) it->second.events.push_back(std::move(e));
        return;
    }
    it->second = {digest, std::move(evs)};
    id_order_.push_back(scope);
    while (id_order_.size() > remembered_) {
        ids_.erase(id_order_.front());
        id_order_.pop_front();
    }
}

std::optional<Ledgers::Appended> Ledgers::recall(const std::string& scope) {
    std::lock_guard lk(ids_mu_);
    auto it = ids_.find(scope);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
}

void Ledgers::remember(const events::StoredRecord& r, const events::Envelope& e) {
    if (e.command_id.empty()) return;
    remember(scope_of(e.actor_id, e.command_id), digest_of(r.record), json::array({event_json(e, r.tp, r.offset)}));
}

events::result<size_t> Ledgers::load() {
    size_t total = 0;
    for (const auto& t : log_.topics()) {
        for (int32_t p = 0; p < t.partitions; ++p) {
            const events::TopicPartition tp{t.name, p};
            auto read = read_all(log_, tp, [&](const events::StoredRecord& r, const events::Envelope& e) {
                domain::evolve(entry(e.provider_id).ledger, e.payload, e.occurred_at);
                remember(r, e);
                ++total;
            });
            if (!read) return failure(std::move(read).error());
        }
    }
    return total;
}

events::result<liquida::ok_t> Ledgers::reread(domain::ProviderId provider, Entry& e) {
    domain::ProviderLedger ledger;
    const std::string key = events::partition_key(provider);
    for (const auto& t : log_.topics()) {
        const events::TopicPartition tp{t.name, events::partition_for(key, t.partitions)};
        auto read = read_all(log_, tp, [&](const events::StoredRecord& r, const events::Envelope& env) {
            if (env.provider_id != provider) return;
            domain::evolve(ledger, env.payload, env.occurred_at);
            if (!env.command_id.empty() && !recall(scope_of(env.actor_id, env.command_id))) remember(r, env);
        });
        if (!read) return failure(std::move(read).error());
    }
    e.ledger = std::move(ledger);
    e.in_doubt = false;
    return liquida::ok;
}

namespace {
CommandOutcome id_reused(const std::string& command_id) {
    return {409,
            error_json("command.id_reused", "Ese identificador de comando ya se usó para otro comando: " + command_id, "command_id"),
            "command.id_reused", 0};
}
CommandOutcome unavailable(const events::error& e, std::string_view what) {
    return {503, error_json(events::code_name(e.code), std::string(what) + e.message, ""), std::string(events::code_name(e.code)), 0};
}
}  // namespace

CommandOutcome Ledgers::execute(domain::ProviderId provider, const domain::Command& command, std::string command_id,
                                const Actor& actor, domain::TimestampMs now) {
    if (provider.value() == 0)
        return {400, error_json("request.missing_field", "Falta el prestador.", "provider"), "request.missing_field", 0};
    if (command_id.empty()) command_id = events::EventId::random().to_string();
    const std::string scope = scope_of(actor.id, command_id);
    const std::string digest = command_digest(provider, command);
    Entry& e = entry(provider);
    std::lock_guard lk(e.mu);
    if (e.in_doubt) {
        if (auto r = reread(provider, e); !r) return unavailable(r.error(), "No se pudo releer el log: ");
    }
    if (auto earlier = recall(scope)) {
        // A record without a digest was written before digests were kept: it cannot be told apart.
        if (!earlier->digest.empty() && earlier->digest != digest) return id_reused(command_id);
        return {200, {{"command_id", command_id}, {"duplicate", true}, {"events", earlier->events}}, {}, 0};
    }

    domain::Decision d = domain::decide(e.ledger, command, now, config_);
    if (!d) {
        const auto& err = d.error();
        return {422, error_json(err.code, err.message, err.field), err.code, 0};
    }
    // One append per topic (almost every command writes to one); ids and times fixed here.
    std::map<events::Topic, std::vector<events::Envelope>> by_topic;
    for (const domain::Event& ev : d.value()) {
        events::Envelope env;
        env.event_id = events::EventId::random();
        env.occurred_at = env.recorded_at = now;
        env.actor_id = actor.id;
        env.actor_role = actor.role;
        env.command_id = command_id;
        env.provider_id = provider;
        env.payload = ev;
        by_topic[events::topic_for(ev)].push_back(std::move(env));
    }
    if (chain_) {
        const std::string key = events::partition_key(provider);
        for (const auto& t : log_.topics()) {
            const bool written = std::any_of(by_topic.begin(), by_topic.end(),
                                             [&](const auto& kv) { return events::topic_name(kv.first) == t.name; });
            if (!written) continue;
            if (auto b = chain_->broken({t.name, events::partition_for(key, t.partitions)}))
                return {503,
                        error_json("log.chain_broken",
                                   "La cadena de hashes del log está rota en " + b->tp.topic + "/" + std::to_string(b->tp.partition) + "@" +
                                       std::to_string(b->offset) + ": no se registran comandos ahí hasta que un operador intervenga.",
                                   ""),
                        "log.chain_broken", 0};
        }
    }
    json answer = json::array();
    size_t appended = 0;
    for (auto& [topic, envelopes] : by_topic) {
        auto r = events::publish(log_, envelopes, digest);
        if (!r) {
            // Not acknowledged, yet it may have landed: the log says, before the next command.
            e.in_doubt = true;
            return unavailable(r.error(), "No se pudo registrar: ");
        }
        if (r->duplicate) {
            // The log already holds this batch (its id outlived our memory): it is in the
            // ledger already, so nothing is folded; the log's records are the answer.
            auto original = log_.read(r->tp, r->base_offset, r->count);
            if (!original) return unavailable(original.error(), "No se pudo leer el log: ");
            for (const auto& rec : *original) {
                if (const auto stored = digest_of(rec.record); !stored.empty() && stored != digest) return id_reused(command_id);
                auto env = events::decode(rec.record.value);
                if (!env) return unavailable(env.error(), "Registro ilegible en el log: ");
                answer.push_back(event_json(*env, rec.tp, rec.offset));
            }
            continue;
        }
        for (size_t i = 0; i < envelopes.size(); ++i) {
            domain::evolve(e.ledger, envelopes[i].payload, now);
            answer.push_back(event_json(envelopes[i], r->tp, r->base_offset + static_cast<int64_t>(i)));
        }
        appended += envelopes.size();
    }
    appended_ += appended;
    remember(scope, digest, answer);
    const bool fresh = appended > 0;
    return {fresh ? 201U : 200U, {{"command_id", command_id}, {"duplicate", !fresh}, {"events", answer}}, {}, appended};
}

}  // namespace liquida::gateway
