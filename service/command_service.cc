#include "service/command_service.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <utility>

#include "domain/decide.h"
#include "domain/identity.h"
#include "events/codec.h"
#include "events/publisher.h"
#include "events/topics.h"

namespace liquida::service {
namespace {

constexpr size_t kReadChunk = 4096;

std::string scope_of(std::string_view issuer, std::string_view command_id) { return events::idempotency_key(issuer, command_id, ""); }

std::string digest_of(const events::Record& r) {
    for (const auto& h : r.headers)
        if (h.key == events::kHeaderCommandDigest) return h.value;
    return {};
}

std::string where(const events::TopicPartition& tp, int64_t offset) {
    return tp.topic + "/" + std::to_string(tp.partition) + "@" + std::to_string(offset);
}

// Calls f(record) for every acknowledged record of `tp` in [from, end); stops at its error.
template <class F>
result<liquida::ok_t> read_range(events::EventLog& log, const events::TopicPartition& tp, int64_t from, int64_t end, F&& f) {
    while (from < end) {
        auto records = log.read(tp, from, static_cast<size_t>(std::min<int64_t>(end - from, kReadChunk)));
        if (!records) return failure(std::move(records).error());
        if (records->empty()) break;
        for (const auto& r : *records) {
            if (r.offset >= end) return liquida::ok;
            from = r.offset + 1;
            if (r.aborted) continue;  // never acknowledged
            if (auto go = f(r); !go) return go;
        }
    }
    return liquida::ok;
}

result<events::Envelope> decoded(const events::StoredRecord& r) {
    auto e = events::decode(r.record.value);
    if (!e) return fail(errc::bad_record, "state: record " + where(r.tp, r.offset) + " does not decode: " + e.error().message);
    return std::move(*e);
}

// A provider's record folded into its ledger, and its part in its command's answer.
void fold(domain::ProviderLedger& ledger, CommandIndex& pending, const events::StoredRecord& r, const events::Envelope& e) {
    domain::evolve(ledger, e.payload, e.occurred_at);
    if (e.command_id.empty()) return;
    auto& c = pending[scope_of(e.actor_id, e.command_id)];
    c.provider = e.provider_id;
    c.digest = digest_of(r.record);
    c.events.push_back({e.event_id, std::string(domain::event_name(e.payload)), r.tp, r.offset});
}

Rejection unavailable(const fault& e, std::string_view what) {
    return {Rejection::Kind::unavailable, liquida::code_name(e.code), std::string(what) + e.message, ""};
}

result<std::map<events::TopicPartition, int64_t>> ends_of(events::EventLog& log) {
    std::map<events::TopicPartition, int64_t> ends;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            events::TopicPartition tp{t.name, p};
            auto end = log.end_offset(tp);
            if (!end) return failure(std::move(end).error());
            ends[tp] = *end;
        }
    return ends;
}

// A9's "Canal" of a budget: who entered it, as the gateway authenticated the command's issuer.
void stamp_channel(std::vector<domain::Event>& decided, const Issuer& issuer) {
    for (domain::Event& ev : decided)
        if (auto* b = std::get_if<domain::BudgetSubmitted>(&ev))
            b->channel = std::string("WEB(").append(issuer.user.empty() ? issuer.id : issuer.user).append(")");
}

// One batch per topic (almost every command writes to one), in topic order; ids and times fixed here.
std::vector<std::vector<events::Envelope>> envelopes_by_topic(const std::vector<domain::Event>& decided, domain::ProviderId provider,
                                                              const std::string& command_id, const Issuer& issuer,
                                                              domain::TimestampMs now) {
    std::map<events::Topic, std::vector<events::Envelope>> by_topic;
    for (const domain::Event& ev : decided) {
        events::Envelope env;
        env.event_id = events::EventId::random();
        env.occurred_at = env.recorded_at = now;
        env.actor_id = issuer.id;
        env.actor_role = issuer.role;
        env.command_id = command_id;
        env.provider_id = provider;
        env.payload = ev;
        by_topic[events::topic_for(ev)].push_back(std::move(env));
    }
    std::vector<std::vector<events::Envelope>> batches;
    for (auto& [topic, envelopes] : by_topic) batches.push_back(std::move(envelopes));
    return batches;
}

// What the saved sessions were chosen by: every weekly limit configured, and its window.
std::string sessions_basis(const domain::Config& config) {
    std::string basis;
    for (const domain::ObraSocialConfig& os : config.obras_sociales)
        for (const domain::PracticeConfig& p : os.practices)
            if (p.weekly_limit)
                basis.append(os.id.value()).append("/").append(p.code).append("/").append(std::to_string(p.weekly_limit->days)).append(";");
    return basis;
}

// The budget, when it names a weekly-limited practice of its obra social.
const domain::SubmitBudget* limited_budget(const domain::Command& command, const domain::Config& config) {
    const auto* b = std::get_if<domain::SubmitBudget>(&command);
    const domain::ObraSocialConfig* os = b ? config.obra_social(b->obra_social) : nullptr;
    if (os == nullptr) return nullptr;
    for (const domain::BudgetLine& line : b->lines) {
        const auto code = domain::normalize_practice_code(line.practice_code);
        const domain::PracticeConfig* p = code ? os->practice(*code) : nullptr;
        if (p != nullptr && p->weekly_limit) return b;
    }
    return nullptr;
}

}  // namespace

CommandService::CommandService(events::EventLog& log, StateStore& store, const domain::Config& config, ServiceOptions options)
    : log_(log),
      store_(store),
      config_(config),
      options_(options),
      marks_(store.watermarks()),
      window_(domain::longest_limit_days(config)),
      latest_day_(std::numeric_limits<int32_t>::min() / 2) {}

void CommandService::note_day(domain::Date day) {
    int32_t seen = latest_day_.load();
    while (day.days > seen && !latest_day_.compare_exchange_weak(seen, day.days)) {}
}

// A day more than the longest window: a command read its `now` before it waited for its locks,
// maybe on the day before the latest.
domain::Date CommandService::window_start() const { return domain::Date{latest_day_.load() - static_cast<int32_t>(window_)}; }

std::vector<domain::Session> CommandService::recent_sessions(const domain::ProviderLedger& ledger) const {
    if (window_ == 0) return {};
    return domain::sessions_of(ledger, config_, window_start());
}

void CommandService::registered(domain::ProviderId provider, const domain::ProviderLedger& after, const domain::Event& e) {
    if (window_ == 0) return;
    std::lock_guard lk(register_mu_);
    register_.apply(provider, after, e, config_);
}

size_t CommandService::sessions_registered() const {
    std::lock_guard lk(register_mu_);
    return register_.size();
}

// The register from what each snapshot was saved with; with `derive`, derived again from every
// snapshot first (the weekly limits configured changed, or the store predates the register).
result<liquida::ok_t> CommandService::load_sessions(bool derive) {
    if (derive) {
        auto ids = store_.providers();
        if (!ids) return failure(std::move(ids).error());
        std::fprintf(stderr,
                     "liquida: state: its sessions follow other weekly limits than those configured: reading %zu ledgers for them\n",
                     ids->size());
        for (domain::ProviderId id : *ids) {
            auto snap = store_.snapshot(id);
            if (!snap) return failure(std::move(snap).error());
            if (auto put = store_.save_sessions(id, *snap ? recent_sessions((*snap)->ledger) : std::vector<domain::Session>{}); !put)
                return put;
        }
        if (auto put = store_.save_sessions_basis(sessions_basis(config_)); !put) return put;
    }
    auto all = store_.sessions();
    if (!all) return failure(std::move(all).error());
    std::lock_guard lk(register_mu_);
    for (const auto& [id, sessions] : *all)
        for (const domain::Session& one : sessions) {
            register_.set(id, one);
            note_day(one.day);
        }
    if (window_ > 0) register_.forget_before(window_start());
    return liquida::ok;
}

CommandService::~CommandService() {
    {
        std::lock_guard lk(stop_mu_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (saver_.joinable()) saver_.join();
    // A start that failed folded only part of the log: the watermarks stay where they were.
    if (!started_) return;
    // A destructor must not throw: what is not saved is read again from the log at the next start.
    std::string problem;
    try {
        if (auto saved = save(); !saved) problem = saved.error().message;
    } catch (const std::exception& e) {
        problem = e.what();
    }
    if (!problem.empty()) std::fprintf(stderr, "liquida: state: %s (read again from the log at the next start)\n", problem.c_str());
}

int64_t CommandService::watermark(const events::TopicPartition& tp) const {
    std::lock_guard lk(marks_mu_);
    auto it = marks_.find(tp);
    return it == marks_.end() ? 0 : it->second;
}

result<bool> CommandService::sessions_stale() {
    // Sessions saved under other weekly limits are derived again once the log is folded; a new
    // store saves every snapshot with its sessions, so it takes the limits' basis at once.
    auto basis = store_.sessions_basis();
    if (!basis) return failure(std::move(basis).error());
    if (*basis == sessions_basis(config_)) return false;
    auto ids = store_.providers();
    if (!ids) return failure(std::move(ids).error());
    const bool derive = !ids->empty();
    // Until every ledger's sessions are derived, a basis no configuration has: a start that
    // stops halfway derives them all again, whatever the limits then.
    if (auto put = store_.save_sessions_basis(derive ? "(deriving)" : sessions_basis(config_)); !put)
        return failure(std::move(put).error());
    return derive;
}

result<size_t> CommandService::fold_to(const std::map<events::TopicPartition, int64_t>& ends) {
    // One pass over what follows the watermarks, topic by topic, as a provider's ledger has
    // always been folded; a bounded number of ledgers at a time.
    struct Folding {
        domain::ProviderLedger ledger;
        std::map<std::string, int64_t> covered;
        CommandIndex pending;
    };
    std::map<uint64_t, Folding> folding;
    auto save_all = [&]() -> result<liquida::ok_t> {
        for (auto& [id, f] : folding)
            if (auto saved =
                    store_.save(domain::ProviderId{id}, encode_snapshot(f.ledger, f.covered), recent_sessions(f.ledger), f.pending);
                !saved)
                return saved;
        folding.clear();
        return liquida::ok;
    };
    size_t folded = 0;
    for (const auto& [tp, end] : ends) {
        auto read = read_range(log_, tp, watermark(tp), end, [&](const events::StoredRecord& r) -> result<liquida::ok_t> {
            auto e = decoded(r);
            if (!e) return failure(std::move(e).error());
            auto [it, fresh] = folding.try_emplace(e->provider_id.value());
            Folding& f = it->second;
            if (fresh) {
                auto snap = store_.snapshot(e->provider_id);
                if (!snap) return failure(std::move(snap).error());
                if (*snap) {
                    f.ledger = std::move((*snap)->ledger);
                    f.covered = std::move((*snap)->covered);
                }
            }
            if (r.offset < f.covered[tp.topic]) return liquida::ok;  // in its snapshot already
            fold(f.ledger, f.pending, r, *e);
            note_day(domain::local_date(e->occurred_at));
            f.covered[tp.topic] = r.offset + 1;
            ++folded;
            return liquida::ok;
        });
        if (!read) return failure(std::move(read).error());
        if (folding.size() >= options_.cache_providers)  // saved after each partition once over the cache's size
            if (auto saved = save_all(); !saved) return failure(std::move(saved).error());
    }
    if (auto saved = save_all(); !saved) return failure(std::move(saved).error());
    return folded;
}

result<size_t> CommandService::start() {
    // What an earlier writer left undecided (a killed `serve` inside a commit) is decided first,
    // so that the fold below sees every command that will ever be in the log.
    if (auto finished = log_.finish_pending_appends(); !finished) return failure(std::move(finished).error());
    auto ends = ends_of(log_);
    if (!ends) return failure(std::move(ends).error());
    for (const auto& [tp, end] : *ends)
        if (watermark(tp) > end)
            return fail(errc::ahead_of_log, "state: it has folded " + std::to_string(watermark(tp)) + " records of " + tp.topic + "/" +
                                                std::to_string(tp.partition) + " but the log holds " + std::to_string(end) +
                                                ": the log lost records, or the state belongs to another log");
    auto derive_sessions = sessions_stale();
    if (!derive_sessions) return failure(std::move(derive_sessions).error());
    auto folded = fold_to(*ends);
    if (!folded) return folded;
    if (auto marked = store_.save_watermarks(*ends); !marked) return failure(std::move(marked).error());
    {
        std::lock_guard lk(marks_mu_);
        marks_ = *ends;
    }
    if (auto sessions = load_sessions(*derive_sessions); !sessions) return failure(std::move(sessions).error());
    started_ = true;
    saver_ = std::thread([this] {
        std::unique_lock lk(stop_mu_);
        while (!stop_cv_.wait_for(lk, options_.save_every, [this] { return stopping_; })) {
            lk.unlock();
            if (auto saved = save(); !saved) std::fprintf(stderr, "liquida: state: %s\n", saved.error().message.c_str());
            lk.lock();
        }
    });
    return *folded;
}

result<liquida::ok_t> CommandService::load(domain::ProviderId provider, Entry& e) {
    // After an append that failed, maybe after it landed: decided before the log is read.
    if (e.stale)
        if (auto finished = log_.finish_pending_appends(); !finished) return finished;
    auto snap = store_.snapshot(provider);
    if (!snap) return failure(std::move(snap).error());
    e.ledger = {};
    e.covered.clear();
    e.pending.clear();
    e.known = e.dirty = false;
    if (*snap) {
        e.ledger = std::move((*snap)->ledger);
        e.covered = std::move((*snap)->covered);
        e.known = true;
    }
    const std::string key = events::partition_key(provider);
    for (const auto& t : log_.topics()) {
        const events::TopicPartition tp{t.name, events::partition_for(key, t.partitions)};
        const int64_t from = std::max(e.covered[t.name], watermark(tp));
        auto end = log_.end_offset(tp);
        if (!end) return failure(std::move(end).error());
        if (from > *end)
            return fail(errc::ahead_of_log, "state: provider " + std::to_string(provider.value()) + " has folded " + where(tp, from) +
                                                " but the log ends at " + std::to_string(*end));
        auto read = read_range(log_, tp, from, *end, [&](const events::StoredRecord& r) -> result<liquida::ok_t> {
            if (r.record.key != key) return liquida::ok;  // another provider's
            auto env = decoded(r);
            if (!env) return failure(std::move(env).error());
            if (env->provider_id != provider) return liquida::ok;
            fold(e.ledger, e.pending, r, *env);
            registered(provider, e.ledger, env->payload);
            e.known = e.dirty = true;
            return liquida::ok;
        });
        if (!read) return read;
        e.covered[t.name] = *end;
    }
    e.loaded = true;
    e.stale = false;
    return liquida::ok;
}

void CommandService::release(const CommandIndex& saved) {
    std::lock_guard lk(claims_mu_);
    for (const auto& [scope, c] : saved) claims_.erase(scope);
}

result<liquida::ok_t> CommandService::save_entry(domain::ProviderId provider, Entry& e) {
    if (auto saved = store_.save(provider, encode_snapshot(e.ledger, e.covered), recent_sessions(e.ledger), e.pending); !saved)
        return saved;
    release(e.pending);
    e.pending.clear();
    e.dirty = false;
    return liquida::ok;
}

void CommandService::evict() {
    for (;;) {
        std::vector<std::pair<uint64_t, std::shared_ptr<Entry>>> victims;
        {
            std::lock_guard lk(map_mu_);
            if (entries_.size() <= options_.cache_providers) return;
            size_t over = entries_.size() - options_.cache_providers;
            for (auto it = lru_.rbegin(); it != lru_.rend() && over > 0; ++it, --over) victims.emplace_back(*it, entries_.at(*it));
        }
        bool evicted = false;
        for (auto& [id, e] : victims) {
            std::unique_lock lk(e->mu, std::try_to_lock);
            if (!lk) continue;  // in use: the next one
            // Kept until it can be saved; and while save() writes it, whose write may yet fail.
            if (e->stale || e->writing || (e->dirty && !save_entry(domain::ProviderId{id}, *e))) continue;
            {
                std::lock_guard mlk(map_mu_);
                if (auto it = entries_.find(id); it != entries_.end() && it->second == e) {
                    entries_.erase(it);
                    lru_.erase(lru_pos_.at(id));
                    lru_pos_.erase(id);
                }
            }
            e->evicted = true;
            evicted = true;
        }
        if (!evicted) return;  // every candidate busy: over the bound until the next command
    }
}

result<CommandService::Held> CommandService::acquire(domain::ProviderId provider) {
    for (;;) {
        std::shared_ptr<Entry> e;
        bool over = false;
        {
            std::lock_guard lk(map_mu_);
            auto& slot = entries_[provider.value()];
            if (!slot) {
                slot = std::make_shared<Entry>();
                lru_.push_front(provider.value());
                lru_pos_[provider.value()] = lru_.begin();
            } else {
                lru_.splice(lru_.begin(), lru_, lru_pos_.at(provider.value()));
            }
            e = slot;
            over = entries_.size() > options_.cache_providers;
        }
        if (over) evict();  // this provider is the most recent: the last one it would evict
        std::unique_lock lk(e->mu);
        if (e->evicted) continue;
        if (!e->loaded || e->stale)
            if (auto loaded = load(provider, *e); !loaded) return failure(std::move(loaded).error());
        return Held{std::move(e), std::move(lk)};
    }
}

size_t CommandService::cached() const {
    std::lock_guard lk(map_mu_);
    return entries_.size();
}

result<std::vector<domain::ProviderId>> CommandService::providers() {
    auto saved = store_.providers();
    if (!saved) return saved;
    std::vector<std::pair<uint64_t, std::shared_ptr<Entry>>> cached;
    {
        std::lock_guard lk(map_mu_);
        cached.assign(entries_.begin(), entries_.end());
    }
    for (auto& [id, e] : cached) {
        std::lock_guard lk(e->mu);
        if (e->known) saved->emplace_back(id);
    }
    std::sort(saved->begin(), saved->end());
    saved->erase(std::unique(saved->begin(), saved->end()), saved->end());
    return saved;
}

result<liquida::ok_t> CommandService::save() {
    std::lock_guard guard(save_mu_);
    // Where the log ends before any ledger is looked at: a record below it was appended by a
    // command that held its provider's lock, so once each ledger is saved under its lock, every
    // record below these ends is in a snapshot.
    auto ends = ends_of(log_);
    if (!ends) return failure(std::move(ends).error());
    std::vector<std::pair<uint64_t, std::shared_ptr<Entry>>> cached;
    {
        std::lock_guard lk(map_mu_);
        cached.assign(entries_.begin(), entries_.end());
    }
    for (auto& [id, e] : cached) {
        // Encoded under the provider's lock, written outside it: its commands go on meanwhile
        // (a retry of one being written finds it in `saving`).
        std::string snapshot;
        std::vector<domain::Session> sessions;
        {
            std::lock_guard lk(e->mu);
            if (e->evicted) continue;
            if (e->stale)
                if (auto loaded = load(domain::ProviderId{id}, *e); !loaded) return loaded;  // the watermarks wait for it
            if (!e->dirty) continue;
            snapshot = encode_snapshot(e->ledger, e->covered);
            sessions = recent_sessions(e->ledger);
            e->saving = std::exchange(e->pending, {});
            e->dirty = false;
            e->writing = true;
        }
        auto saved = store_.save(domain::ProviderId{id}, snapshot, sessions, e->saving);  // only save() changes `saving`
        if (saved) release(e->saving);
        std::lock_guard lk(e->mu);
        if (!saved) {
            e->pending.merge(e->saving);
            e->dirty = true;
        }
        e->saving.clear();
        e->writing = false;
        if (!saved) return saved;
    }
    if (auto marked = store_.save_watermarks(*ends); !marked) return marked;
    if (window_ > 0) {
        std::lock_guard lk(register_mu_);
        register_.forget_before(window_start());
    }
    std::lock_guard lk(marks_mu_);
    marks_ = std::move(*ends);
    return liquida::ok;
}

// A command is not recorded on a partition whose hash chain is broken.
std::optional<Rejection> CommandService::chain_refuses(domain::ProviderId provider,
                                                       const std::vector<std::vector<events::Envelope>>& by_topic) const {
    if (!chain_) return std::nullopt;
    const std::string key = events::partition_key(provider);
    for (const auto& t : log_.topics()) {
        const bool written = std::any_of(by_topic.begin(), by_topic.end(), [&](const auto& envelopes) {
            return events::topic_name(events::topic_for(envelopes.front().payload)) == t.name;
        });
        if (!written) continue;
        if (auto b = chain_->broken({t.name, events::partition_for(key, t.partitions)}))
            return Rejection{Rejection::Kind::unavailable, std::string(RejectionCode("log.chain_broken").name()),
                             "La cadena de hashes del log está rota en " + where(b->tp, b->offset) +
                                 ": no se registran comandos ahí hasta que un operador intervenga.",
                             ""};
    }
    return std::nullopt;
}

namespace {

Rejection id_reused(const std::string& command_id) {
    return {Rejection::Kind::conflict, std::string(RejectionCode("command.id_reused").name()),
            "Ese identificador de comando ya se usó para otro comando: " + command_id, "command_id"};
}

// The same command again answers what it answered; another command under its id, 409. A
// record without a fingerprint (written before they were kept), or a command without one,
// cannot be told apart: a retry.
Outcome answer(const CommandRecord& c, domain::ProviderId provider, const std::string& command_id, const std::string& digest) {
    if (c.provider != provider || (!c.digest.empty() && !digest.empty() && c.digest != digest)) return failure(id_reused(command_id));
    return Accepted{command_id, true, c.events};
}

}  // namespace

// The answer of the command the id already holds, or nullopt when the id is new.
std::optional<Outcome> CommandService::recorded(Entry& e, const std::string& scope, domain::ProviderId provider,
                                                const std::string& command_id, const std::string& digest) {
    const CommandRecord* found = nullptr;
    std::optional<CommandRecord> stored_record;
    if (auto it = e.pending.find(scope); it != e.pending.end()) found = &it->second;
    else if (auto it2 = e.saving.find(scope); it2 != e.saving.end()) found = &it2->second;
    else {
        auto stored = store_.command(scope);
        if (!stored) return failure(unavailable(stored.error(), "No se pudo leer el estado: "));
        stored_record = std::move(*stored);
        if (stored_record) found = &*stored_record;
    }
    if (found == nullptr) return std::nullopt;
    return answer(*found, provider, command_id, digest);
}

std::optional<Outcome> CommandService::earlier(domain::ProviderId provider, const std::string& command_id, const Issuer& issuer,
                                               std::string_view fingerprint) {
    auto held = acquire(provider);
    if (!held) return failure(unavailable(held.error(), "No se pudo leer el estado: "));
    return recorded(*held->entry, scope_of(issuer.id, command_id), provider, command_id, std::string(fingerprint));
}

std::optional<Rejection> CommandService::answer_held(const events::AppendResult& r, domain::ProviderId provider,
                                                     const std::string& command_id, const std::string& digest, Entry& e,
                                                     CommandRecord& done) {
    auto original = log_.read(r.tp, r.base_offset, r.count);
    if (!original) return unavailable(original.error(), "No se pudo leer el log: ");
    for (const auto& rec : *original) {
        auto env = decoded(rec);
        if (!env) return unavailable(env.error(), "Registro ilegible en el log: ");
        // This provider's: the ledger missed it, so it is read again before the next command.
        if (env->provider_id == provider) e.stale = true;
        const CommandRecord one{
            env->provider_id, digest_of(rec.record), {{env->event_id, std::string(domain::event_name(env->payload)), rec.tp, rec.offset}}};
        if (auto a = answer(one, provider, command_id, digest); !a) return std::move(a).error();
        done.events.insert(done.events.end(), one.events.begin(), one.events.end());
    }
    return std::nullopt;
}

bool CommandService::claim_id(const std::string& scope, domain::ProviderId provider, bool& fresh) {
    std::lock_guard lk(claims_mu_);
    auto [it, inserted] = claims_.try_emplace(scope, provider.value());
    fresh = inserted;
    return inserted || it->second == provider.value();
}

std::unique_lock<std::mutex> CommandService::lock_affiliate(const domain::SubmitBudget* budget) {
    if (budget == nullptr) return {};
    const size_t stripe = std::hash<std::string>{}(budget->obra_social.value() + '\0' + budget->affiliate_number) % affiliates_mu_.size();
    return std::unique_lock(affiliates_mu_[stripe]);
}

Outcome CommandService::execute(domain::ProviderId provider, const domain::Command& command, std::string command_id, const Issuer& issuer,
                                domain::TimestampMs now, std::string_view fingerprint) {
    // The colegio's own commands (F6) are decided on its ledger, every other on a provider's.
    if (domain::colegio_command(command) && provider != domain::kColegio)
        return failure(Rejection{Rejection::Kind::invalid, std::string(RejectionCode("request.invalid_value").name()),
                                 "La presentación es del colegio: no lleva prestador.", "provider"});
    if (!domain::colegio_command(command) && provider == domain::kColegio)
        return failure(Rejection{Rejection::Kind::invalid, std::string(RejectionCode("request.missing_field").name()),
                                 "Falta el prestador.", "provider"});
    if (command_id.empty()) command_id = events::EventId::random().to_string();
    const std::string scope = scope_of(issuer.id, command_id);
    const std::string digest(fingerprint);
    auto held = acquire(provider);
    if (!held) return failure(unavailable(held.error(), "No se pudo leer el estado: "));
    Entry& e = *held->entry;

    // The id is this provider's until the store holds the command (or it appends nothing):
    // another provider's command under it is refused before it is decided.
    struct Claim {
        CommandService& service;
        const std::string& scope;
        bool held = false;
        ~Claim() {
            if (!held) return;
            std::lock_guard lk(service.claims_mu_);
            service.claims_.erase(scope);
        }
    } claim{*this, scope};
    if (!claim_id(scope, provider, claim.held)) return failure(id_reused(command_id));
    if (auto earlier = recorded(e, scope, provider, command_id, digest)) return std::move(*earlier);

    // A4 across providers: the affiliate's budgets of a weekly-limited practice one at a time,
    // from the register's count to the register holding this one's sessions.
    const domain::SubmitBudget* limited = window_ > 0 ? limited_budget(command, config_) : nullptr;
    const auto affiliate = lock_affiliate(limited);
    note_day(domain::local_date(now));
    domain::Decision d = [&] {
        if (!limited) return domain::decide(e.ledger, command, now, config_);
        std::lock_guard lk(register_mu_);
        return domain::decide(e.ledger, command, now, config_, domain::Colegio{&register_, provider});
    }();
    if (!d) return failure(Rejection{Rejection::Kind::refused, d.error().code, d.error().message, d.error().field});
    stamp_channel(d.value(), issuer);
    const auto by_topic = envelopes_by_topic(d.value(), provider, command_id, issuer, now);
    if (auto refused = chain_refuses(provider, by_topic)) return failure(std::move(*refused));
    CommandRecord done{provider, digest, {}};
    size_t appended = 0;
    // All topics or none: a failure leaves nothing of the command readable. A command that
    // decides no event (nothing was due) appends nothing.
    auto published = by_topic.empty() ? result<std::vector<events::AppendResult>>(std::vector<events::AppendResult>{})
                                      : events::publish_all(log_, by_topic, digest);
    if (!published) {
        // Not acknowledged, yet it may have landed: the log says, before the next command; for
        // a budget of a weekly-limited practice, before the affiliate's lock is let go.
        e.stale = true;
        if (limited) (void)load(provider, e);
        return failure(unavailable(published.error(), "No se pudo registrar: "));
    }
    for (size_t b = 0; b < by_topic.size(); ++b) {
        const std::vector<events::Envelope>& envelopes = by_topic[b];
        const events::AppendResult* r = &(*published)[b];
        if (r->duplicate) {
            if (auto refused = answer_held(*r, provider, command_id, digest, e, done)) return failure(std::move(*refused));
            continue;
        }
        for (size_t i = 0; i < envelopes.size(); ++i) {
            domain::evolve(e.ledger, envelopes[i].payload, now);
            registered(provider, e.ledger, envelopes[i].payload);
            done.events.push_back({envelopes[i].event_id, std::string(domain::event_name(envelopes[i].payload)), r->tp,
                                   r->base_offset + static_cast<int64_t>(i)});
        }
        e.covered[r->tp.topic] = r->base_offset + static_cast<int64_t>(r->count);
        appended += envelopes.size();
    }
    appended_ += appended;
    if (limited && e.stale) (void)load(provider, e);  // a batch the log already held: its sessions counted now
    if (appended == 0) return Accepted{command_id, true, std::move(done.events)};
    e.known = e.dirty = true;
    e.pending[scope] = done;
    claim.held = false;  // released when the store holds it
    return Accepted{command_id, false, std::move(done.events)};
}

}  // namespace liquida::service
