// liquida simulate: a seeded workload of a colegio (domain/simulation.h) decided by the domain
// and published to the event log. One thread simulates; writer threads publish, each owning the
// providers with id % writers, so one provider's events keep their order while appends overlap
// (the embedded log group-commits them, Kafka pipelines them). Run again on the same log, it
// appends only the commands not in it yet: the embedded log knows their idempotency keys; on
// Kafka, which looks none up, they are read from the topics first.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "domain/config.h"
#include "sim/simulation.h"
#include "events/codec.h"
#include "events/envelope.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "cli/subcommands.h"
#include "cli/log_setup.h"

namespace liquida::commands {
namespace {

// Appends wait for durability: the embedded log group-commits concurrent ones (more writers
// than 16 bring nothing on 2 cores), Kafka pipelines them (one append is milliseconds).
constexpr size_t kEmbeddedWriters = 16;
constexpr size_t kKafkaWriters = 256;
constexpr size_t kQueuedCommands = 16'384;  // across all writers

static_assert(static_cast<uint8_t>(sim::SimActor::obra_social) == static_cast<uint8_t>(events::ActorRole::obra_social) &&
              static_cast<uint8_t>(sim::SimActor::prestador) == static_cast<uint8_t>(events::ActorRole::prestador) &&
              static_cast<uint8_t>(sim::SimActor::colegio) == static_cast<uint8_t>(events::ActorRole::colegio));

// One accepted command, ready to publish.
struct Job {
    domain::ProviderId provider;
    domain::TimestampMs now = 0;
    std::string command_id;
    events::ActorRole role = events::ActorRole::system;
    std::string actor_id;
    std::vector<domain::Event> events;
};

// Bounded and single-consumer; stop() abandons it (after a failure elsewhere).
class Queue {
public:
    size_t capacity = 1024;

    bool push(Job job) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return jobs_.size() < capacity || stopped_; });
        if (stopped_) return false;
        jobs_.push_back(std::move(job));
        not_empty_.notify_one();
        return true;
    }
    std::optional<Job> pop() {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return !jobs_.empty() || closed_ || stopped_; });
        if (stopped_ || jobs_.empty()) return std::nullopt;
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        not_full_.notify_one();
        return job;
    }
    void close() {
        std::lock_guard lock(mu_);
        closed_ = true;
        not_empty_.notify_all();
    }
    void stop() {
        std::lock_guard lock(mu_);
        stopped_ = true;
        not_empty_.notify_all();
        not_full_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<Job> jobs_;
    bool closed_ = false;
    bool stopped_ = false;
};

struct Publishing {
    std::mutex mu;
    std::optional<fault> failure;  // the first append that failed
    std::atomic<uint64_t> appends{0};
    std::atomic<uint64_t> duplicates{0};
    std::atomic<uint64_t> events{0};
};

// The idempotency keys of the batches in the log (publish_all's), read from every record once
// what an earlier run left pending is decided.
events::result<liquida::ok_t> read_keys(events::EventLog& log, std::unordered_set<std::string>& keys) {
    if (auto finished = log.finish_pending_appends(); !finished) return finished;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            const events::TopicPartition tp{t.name, p};
            auto end = log.end_offset(tp);
            if (!end) return failure(std::move(end).error());
            for (int64_t from = 0; from < *end;) {
                auto records = log.read(tp, from, 4096);
                if (!records) return failure(std::move(records).error());
                if (records->empty()) break;
                for (const auto& r : *records) {
                    from = r.offset + 1;
                    if (r.aborted) continue;
                    auto e = events::decode(r.record.value);
                    if (!e) return failure(std::move(e).error());
                    keys.insert(events::idempotency_key(e->actor_id, e->command_id, t.name));
                }
            }
        }
    return liquida::ok;
}

// A command's events, one batch per topic, appended all or nothing; batches whose key is in
// `landed` are left out (a command lands whole, so all of its batches are, or none).
std::optional<fault> publish(events::EventLog& log, Job& job, Publishing& out, const std::unordered_set<std::string>& landed) {
    std::vector<std::pair<events::Topic, std::vector<events::Envelope>>> groups;
    for (domain::Event& e : job.events) {
        const events::Topic topic = events::topic_for(e);
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == topic; });
        if (g == groups.end()) g = groups.insert(groups.end(), {topic, {}});
        events::Envelope env;
        env.event_id = events::EventId::random();
        env.occurred_at = env.recorded_at = job.now;
        env.actor_id = job.actor_id;
        env.actor_role = job.role;
        env.provider_id = job.provider;
        env.payload = std::move(e);
        g->second.push_back(std::move(env));
    }
    std::vector<std::vector<events::Envelope>> batches;
    size_t events = 0;
    for (auto& [topic, envelopes] : groups) {
        const std::string id = groups.size() == 1 ? job.command_id : job.command_id + "/" + std::string(events::topic_name(topic));
        if (landed.contains(events::idempotency_key(job.actor_id, id, events::topic_name(topic)))) {
            ++out.duplicates;
            continue;
        }
        for (events::Envelope& env : envelopes) env.command_id = id;
        events += envelopes.size();
        batches.push_back(std::move(envelopes));
    }
    if (batches.empty()) return std::nullopt;
    auto r = events::publish_all(log, batches);
    if (!r) return std::move(r).error();
    out.appends += r->size();
    out.events += events;
    for (const auto& a : *r) out.duplicates += a.duplicate;
    return std::nullopt;
}

double parse_scale(const std::string& text) {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || !std::isfinite(v) || v <= 0 || v > 100)
        throw cli::UsageError{"option '--scale' must be a number above 0 and at most 100, not '" + text + "'"};
    return v;
}

void print_counts(const char* title, const std::vector<std::pair<std::string, uint64_t>>& rows) {
    std::printf("%s:\n", title);
    for (const auto& [name, n] : rows) std::printf("  %-44s %10llu\n", name.c_str(), static_cast<unsigned long long>(n));
}

// One writer thread per queue, appending its jobs in order; the first failure stops them all.
std::vector<std::thread> start_writers(events::EventLog& log, std::vector<Queue>& queues, Publishing& published, std::atomic<bool>& failed,
                                       const std::unordered_set<std::string>& landed) {
    std::vector<std::thread> writers;
    for (size_t w = 0; w < queues.size(); ++w) {
        writers.emplace_back([&, w] {
            while (auto job = queues[w].pop()) {
                if (auto error = publish(log, *job, published, landed)) {
                    std::lock_guard lock(published.mu);
                    if (!published.failure) published.failure = std::move(error);
                    failed = true;
                    for (Queue& q : queues) q.stop();
                    return;
                }
            }
        });
    }
    return writers;
}

// The run's totals: commands, rejections by code, commands and events by kind, the rate.
void print_totals(const sim::Simulation& simulation, const Publishing& published, double seconds) {
    const sim::SimulationStats& st = simulation.stats();
    const uint64_t commands = st.accepted + st.rejected;
    std::printf("total: accepted %llu commands, %llu events, rejected %llu commands (%.2f%%), %zu providers\n",
                static_cast<unsigned long long>(st.accepted), static_cast<unsigned long long>(st.events),
                static_cast<unsigned long long>(st.rejected),
                commands == 0 ? 0.0 : 100.0 * static_cast<double>(st.rejected) / static_cast<double>(commands),
                simulation.provider_count());
    std::vector<std::pair<std::string, uint64_t>> rows(st.rejected_by_code.begin(), st.rejected_by_code.end());
    print_counts("rejected by code", rows);
    rows.clear();
    for (size_t i = 0; i < st.accepted_by_command.size(); ++i)
        if (st.accepted_by_command[i] > 0) rows.emplace_back(domain::command_name(i), st.accepted_by_command[i]);
    print_counts("accepted by command", rows);
    rows.clear();
    for (size_t i = 0; i < st.events_by_kind.size(); ++i)
        if (st.events_by_kind[i] > 0) rows.emplace_back(domain::event_name(i), st.events_by_kind[i]);
    print_counts("events by kind", rows);
    std::printf("published %llu events in %llu appends (%llu already in the log) in %.2f s: %.0f events/s, %.0f commands/s\n",
                static_cast<unsigned long long>(published.events.load()), static_cast<unsigned long long>(published.appends.load()),
                static_cast<unsigned long long>(published.duplicates.load()), seconds, static_cast<double>(st.events) / seconds,
                static_cast<double>(commands) / seconds);
}

sim::SimulationOptions simulation_options(const cli::Args& args) {
    sim::SimulationOptions options;
    options.months = static_cast<uint32_t>(args.get_int("months", 1, 120));
    const auto start = domain::parse_period(args.get("start"));
    if (!start || start->year < 1971 || start->year > 9998)
        throw cli::UsageError{"option '--start' must be a month YYYY-MM, not '" + args.get("start") + "'"};
    options.start = *start;
    options.seed = static_cast<uint64_t>(args.get_int("seed", 0, INT64_MAX));
    options.scale = parse_scale(args.get("scale"));
    return options;
}

}  // namespace

std::vector<cli::OptionSpec> simulate_options() {
    std::vector<cli::OptionSpec> options = log_options();
    options.push_back({"months", "n", "billing months to simulate", "1"});
    options.push_back({"start", "YYYY-MM", "first billing month (providers are onboarded in the enrollment window before it)", "2025-06"});
    options.push_back({"seed", "s", "random seed: the same seed gives the same commands and decisions", "1"});
    options.push_back({"scale", "x", "size: 1 is about 3000 providers and 1 million events a month; 0.01 about 10 thousand", "1"});
    options.push_back(config_option());
    return options;
}

int simulate(const cli::Args& args) {
    const sim::SimulationOptions options = simulation_options(args);

    const auto config = load_config(args, "simulate");
    if (!config) return 1;

    auto log = open_log(args, "simulate");
    if (!log) return 1;

    sim::Simulation simulation(*config, options);
    std::printf("liquida simulate: seed %llu, scale %g (%zu providers), %s for %u month(s), onboarding in %s; %s\n",
                static_cast<unsigned long long>(options.seed), options.scale, simulation.provider_count(),
                domain::to_string(options.start).c_str(), options.months, domain::to_string(simulation.onboarding_month()).c_str(),
                describe_log(args).c_str());
    std::fflush(stdout);

    std::unordered_set<std::string> landed;
    if (!args.get("kafka").empty()) {
        if (auto read = read_keys(*log, landed); !read) {
            std::fprintf(stderr, "liquida simulate: reading the commands already in the log: %s: %s\n",
                         code_name(read.error().code).c_str(), read.error().message.c_str());
            return 1;
        }
    }

    Publishing published;
    const size_t writer_count = args.get("kafka").empty() ? kEmbeddedWriters : kKafkaWriters;
    std::vector<Queue> queues(writer_count);
    for (Queue& q : queues) q.capacity = kQueuedCommands / writer_count;
    std::atomic<bool> failed{false};
    std::vector<std::thread> writers = start_writers(*log, queues, published, failed, landed);

    const auto began = std::chrono::steady_clock::now();
    const sim::SimulationStats& st = simulation.stats();
    domain::Period month = simulation.onboarding_month();
    uint64_t shown_accepted = 0, shown_events = 0, shown_rejected = 0;  // totals when `month` began
    const auto print_month = [&](uint64_t accepted, uint64_t events, uint64_t rejected) {
        std::printf("%s%s  accepted %llu commands, %llu events, rejected %llu commands\n", domain::to_string(month).c_str(),
                    month < options.start ? " (onboarding)" : "", static_cast<unsigned long long>(accepted - shown_accepted),
                    static_cast<unsigned long long>(events - shown_events), static_cast<unsigned long long>(rejected - shown_rejected));
        std::fflush(stdout);
        shown_accepted = accepted;
        shown_events = events;
        shown_rejected = rejected;
    };
    while (!failed) {
        const uint64_t accepted = st.accepted, events = st.events, rejected = st.rejected;  // before this command
        auto c = simulation.next();
        if (!c) break;
        if (simulation.month() != month) {
            print_month(accepted, events, rejected);
            month = simulation.month();
        }
        if (!c->decision || c->decision.value().empty()) continue;
        Job job{c->provider,
                c->now,
                std::move(c->command_id),
                static_cast<events::ActorRole>(static_cast<uint8_t>(c->actor)),
                std::move(c->actor_id),
                std::move(c->decision).value()};
        if (!queues[c->provider.value() % writer_count].push(std::move(job))) break;
    }
    if (!failed) print_month(st.accepted, st.events, st.rejected);
    for (Queue& q : queues) q.close();
    for (std::thread& t : writers) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    log->close();
    if (published.failure) {
        std::fprintf(stderr, "liquida simulate: append failed: %s: %s\n", code_name(published.failure->code).c_str(),
                     published.failure->message.c_str());
        return 1;
    }

    print_totals(simulation, published, seconds);
    return 0;
}

}  // namespace liquida::commands
