#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "events/codec.h"
#include "events/log.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "gateway/commands.h"

namespace liquida::commands {
namespace {

// An order as a provider loads it: the most common event, ~200 bytes encoded.
events::Envelope order_event(uint64_t n) {
    events::Envelope e;
    e.event_id.bytes[0] = static_cast<uint8_t>(n);
    e.occurred_at = e.recorded_at = 1'772'000'000'000 + static_cast<int64_t>(n);
    e.actor_id = "prestador-1042";
    e.actor_role = events::ActorRole::prestador;
    e.command_id = "cmd-" + std::to_string(n);
    e.provider_id = domain::ProviderId{1000 + n % 5000};
    e.payload = domain::OrderLoaded{"ord-" + std::to_string(n), domain::ObraSocialId{"sancor"}, "3044512/01", "330101",
                                    domain::Date{20'500}, 1'250'000, domain::Period{2026, 3}, true, true, true,
                                    {{"diagnostico", "F41.1"}}};
    return e;
}

int bench_log(const cli::Args& args) {
    const std::string dir = args.get("data");
    const auto total = args.get_int("events", 1, 1'000'000'000);
    const auto batch = args.get_int("batch", 1, 100'000);
    const auto threads = args.get_int("threads", 1, 256);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const int32_t partitions = 8;
    auto log = events::open_embedded_log({dir, events::default_topics(partitions), args.flag("sync")});
    if (!log) {
        std::fprintf(stderr, "liquida bench: %s\n", log.error().message.c_str());
        return 1;
    }
    const std::string topic(events::topic_name(events::Topic::orders));
    // Encoded up front, as db_bench generates its values up front: this measures the log.
    std::vector<events::Record> pool;
    for (uint64_t i = 0; i < 4096; ++i) {
        auto e = order_event(i);
        pool.push_back({events::partition_key(e.provider_id), events::encode(e), e.recorded_at, {}});
    }
    const size_t sample_size = pool.front().value.size();

    std::atomic<bool> failed{false};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int64_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const int64_t mine = total / threads + (t < total % threads ? 1 : 0);
            for (int64_t done = 0; done < mine && !failed;) {
                events::AppendBatch b;
                b.tp = {topic, static_cast<int32_t>(t % partitions)};
                const int64_t n = std::min(batch, mine - done);
                for (int64_t i = 0; i < n; ++i) {
                    b.records.push_back(pool[static_cast<size_t>(t * total + done + i) % pool.size()]);
                    b.records.back().timestamp += t * total + done + i;  // a growing clock
                }
                if (!(*log)->append(std::move(b))) failed = true;
                done += n;
            }
        });
    }
    for (auto& w : workers) w.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed) {
        std::fprintf(stderr, "liquida bench: an append failed\n");
        return 1;
    }
    std::printf("bench log: %lld events of %zu bytes, batch %lld, %lld thread(s), sync=%s: %.3f s, %.0f events/s, %.1f MB/s\n",
                static_cast<long long>(total), sample_size, static_cast<long long>(batch),
                static_cast<long long>(threads), args.flag("sync") ? "on" : "off", secs,
                static_cast<double>(total) / secs, static_cast<double>(total) * static_cast<double>(sample_size) / secs / 1e6);
    return 0;
}

}  // namespace

int bench(const cli::Args& args) {
    if (args.positional(0) == "log") return bench_log(args);
    throw cli::UsageError{"unknown benchmark '" + args.positional(0) + "' (known: log)"};
}

}  // namespace liquida::commands
