#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "events/chain.h"
#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/log.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "cli/subcommands.h"
#include "cli/log_setup.h"

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
    e.payload = domain::OrderLoaded{"ord-" + std::to_string(n),
                                    domain::ObraSocialId{"sancor"},
                                    "3044512/01",
                                    "330101",
                                    domain::Date{20'500},
                                    1'250'000,
                                    domain::Period{2026, 3},
                                    true,
                                    true,
                                    true,
                                    {{"diagnostico", "F41.1"}},
                                    {},
                                    {},
                                    "inicial"};
    return e;
}

// Encoded up front, as db_bench generates its values up front: this measures the log.
std::vector<events::Record> order_pool() {
    std::vector<events::Record> pool;
    for (uint64_t i = 0; i < 4096; ++i) {
        auto e = order_event(i);
        pool.push_back({events::partition_key(e.provider_id), events::encode(e), e.recorded_at, {}});
    }
    return pool;
}

void print_rate(const char* what, int64_t total, size_t sample_size, const std::string& batch, int64_t threads, const std::string& where,
                double secs) {
    std::printf("bench %s: %lld events of %zu bytes, batch %s, %lld thread(s), %s: %.3f s, %.0f events/s, %.1f MB/s\n", what,
                static_cast<long long>(total), sample_size, batch.c_str(), static_cast<long long>(threads), where.c_str(), secs,
                static_cast<double>(total) / secs, static_cast<double>(total) * static_cast<double>(sample_size) / secs / 1e6);
}

// Runs work(t, share) on `threads` threads at once, thread t with its share of `total`.
template <class F>
void on_threads(int64_t threads, int64_t total, F work) {
    std::vector<std::thread> workers;
    for (int64_t t = 0; t < threads; ++t) workers.emplace_back([&, t] { work(t, total / threads + (t < total % threads ? 1 : 0)); });
    for (auto& w : workers) w.join();
}

int bench_log(const cli::Args& args) {
    const std::string dir = args.get("data");
    const auto total = args.get_int("events", 1, 1'000'000'000);
    const auto batch = args.get_int("batch", 1, 100'000);
    const auto threads = args.get_int("threads", 1, 256);
    const bool kafka = !args.get("kafka").empty();
    int32_t partitions = 8;
    std::unique_ptr<events::EventLog> log;
    if (kafka) {
        // The topics must exist or be creatable (`liquida kafka-dev` creates them).
        partitions = static_cast<int32_t>(args.get_int("partitions", 1, 4096));
        log = open_log(args, "bench");
        if (!log) return 1;
    } else {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        auto opened = events::open_embedded_log({dir, events::default_topics(partitions), args.flag("sync")});
        if (!opened) {
            std::fprintf(stderr, "liquida bench: %s\n", opened.error().message.c_str());
            return 1;
        }
        log = std::move(*opened);
    }
    const std::string topic(events::topic_name(events::Topic::orders));
    const std::vector<events::Record> pool = order_pool();
    const size_t sample_size = pool.front().value.size();

    // Untimed warm-up on Kafka, as the raw producer's below: the transactional producer (made
    // at the first append), its connections and its first transaction.
    if (kafka) {
        const auto warm_start = std::chrono::steady_clock::now();
        events::AppendBatch warm{{topic, 0}, {}, {pool.front()}};
        if (auto r = log->append(std::move(warm)); !r) {
            std::fprintf(stderr, "liquida bench: warm-up append failed: %s\n", r.error().message.c_str());
            return 1;
        }
        std::printf("bench log: first append (untimed) took %.3f s\n",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - warm_start).count());
    }
    std::atomic<bool> failed{false};
    const auto start = std::chrono::steady_clock::now();
    on_threads(threads, total, [&](int64_t t, int64_t mine) {
        for (int64_t done = 0; done < mine && !failed;) {
            events::AppendBatch b;
            b.tp = {topic, static_cast<int32_t>(t % partitions)};
            const int64_t n = std::min(batch, mine - done);
            for (int64_t i = 0; i < n; ++i) {
                b.records.push_back(pool[static_cast<size_t>(t * total + done + i) % pool.size()]);
                b.records.back().timestamp += t * total + done + i;  // a growing clock
            }
            if (!log->append(std::move(b))) failed = true;
            done += n;
        }
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed) {
        std::fprintf(stderr, "liquida bench: an append failed\n");
        return 1;
    }
    print_rate("log", total, sample_size, std::to_string(batch), threads,
               kafka ? "kafka" : std::string("sync=") + (args.flag("sync") ? "on" : "off"), secs);
    return 0;
}

// The raw producer's delivery reports (its rd_kafka_t opaque).
struct RawReports {
    std::atomic<int64_t> delivered{0};
    std::atomic<int64_t> failed{0};
    std::atomic<int> first_error{0};
};

void on_raw_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* reports = static_cast<RawReports*>(opaque);
    if (m->err) {
        int none = 0;
        reports->first_error.compare_exchange_strong(none, m->err);
        ++reports->failed;
    } else {
        ++reports->delivered;
    }
}

// The raw producer: the Kafka log's producer settings (events/kafka_log.cc), then
// --kafka-config, then what the log fixes. Null (and why, on stderr) when it cannot be made.
rd_kafka_t* raw_producer(const cli::Args& args, RawReports& reports) {
    std::map<std::string, std::string> props{{"bootstrap.servers", args.get("kafka")},
                                             {"linger.ms", "1"},
                                             {"batch.size", "1000000"},
                                             {"compression.type", "lz4"},
                                             {"message.timeout.ms", "30000"}};
    if (const std::string file = args.get("kafka-config"); !file.empty()) {
        std::string error;
        if (!read_properties(file, props, error)) {
            std::fprintf(stderr, "liquida bench: %s\n", error.c_str());
            return nullptr;
        }
    }
    props["enable.idempotence"] = "true";
    props["acks"] = "all";
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [k, v] : props) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            std::fprintf(stderr, "liquida bench: property %s: %s\n", k.c_str(), errstr);
            return nullptr;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_raw_delivery);
    rd_kafka_conf_set_opaque(conf, &reports);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        std::fprintf(stderr, "liquida bench: %s\n", errstr);
    }
    return rk;
}

// One record with headers of the names and sizes the log adds to an unkeyed batch.
// rd_kafka_produceva: rd_kafka_producev's arguments without its macros' C casts.
rd_kafka_resp_err_t produce_raw(rd_kafka_t* rk, const std::string& topic, const events::Record& r, int32_t partition, int64_t timestamp) {
    static const std::string hex(64, 'f');  // a hash's size, as hex
    rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
    const std::string mark = std::to_string(timestamp % 100) + "/100";
    for (const auto& [k, v] :
         {std::pair{events::kHeaderPrevHash, std::string_view(hex)}, std::pair{events::kHeaderHash, std::string_view(hex)},
          std::pair{events::kHeaderBatch, std::string_view(mark)}})
        rd_kafka_header_add(headers, k.data(), static_cast<ssize_t>(k.size()), v.data(), static_cast<ssize_t>(v.size()));
    rd_kafka_vu_t vus[7] = {};
    vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[0].u.cstr = topic.c_str();
    vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
    vus[1].u.i32 = partition;
    vus[2].vtype = RD_KAFKA_VTYPE_KEY;
    vus[2].u.mem = {const_cast<char*>(r.key.data()), r.key.size()};
    vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[3].u.mem = {const_cast<char*>(r.value.data()), r.value.size()};
    vus[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    vus[4].u.i64 = timestamp;
    vus[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;  // copied, as the log does; wait when the queue is full
    vus[5].u.i = RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK;
    vus[6].vtype = RD_KAFKA_VTYPE_HEADERS;  // an owned list, as the log passes it
    vus[6].u.headers = headers;
    rd_kafka_error_t* e = rd_kafka_produceva(rk, vus, 7);
    if (!e) return RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_headers_destroy(headers);
    const rd_kafka_resp_err_t err = rd_kafka_error_code(e);
    rd_kafka_error_destroy(e);
    return err;
}

// The peer of `bench log --kafka`: the same pre-encoded records (key, value, timestamp) with
// headers of the same names and sizes as the log adds to an unkeyed batch (the chain's two
// hashes and the batch mark), so the same bytes travel, to the same partitions, with
// librdkafka's producer alone: every message enqueued at once, then every delivery report
// awaited. What the log does besides (hashing, waiting per append, the tailer reading every
// record back) is what the ratio measures.
int bench_kafka_raw(const cli::Args& args) {
    const std::string brokers = args.get("kafka");
    if (brokers.empty()) throw cli::UsageError{"bench kafka-raw needs --kafka BROKERS"};
    const auto total = args.get_int("events", 1, 1'000'000'000);
    const auto threads = args.get_int("threads", 1, 256);
    const auto partitions = static_cast<int32_t>(args.get_int("partitions", 1, 4096));

    RawReports reports;
    rd_kafka_t* rk = raw_producer(args, reports);
    if (rk == nullptr) return 1;
    // Reports served by a thread of their own, as the log does.
    std::atomic<bool> stop{false};
    std::thread poller([&] {
        while (!stop) rd_kafka_poll(rk, 100);
    });
    const std::string topic = args.get("kafka-topic-prefix") + std::string(events::topic_name(events::Topic::orders));
    const std::vector<events::Record> pool = order_pool();
    const size_t sample_size = pool.front().value.size();
    auto finish = [&](int code) {
        rd_kafka_flush(rk, 30'000);
        stop = true;
        poller.join();
        rd_kafka_destroy(rk);
        return code;
    };

    // Untimed warm-up, as the log is opened before its clock starts: connections, metadata
    // and the idempotent producer id.
    if (auto err = produce_raw(rk, topic, pool.front(), 0, pool.front().timestamp)) {
        std::fprintf(stderr, "liquida bench: %s\n", rd_kafka_err2str(err));
        return finish(1);
    }
    rd_kafka_flush(rk, 30'000);
    if (reports.delivered != 1) {
        std::fprintf(stderr, "liquida bench: warm-up message not delivered: %s\n",
                     rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(reports.first_error.load())));
        return finish(1);
    }
    reports.delivered = 0;

    std::atomic<bool> failed{false};
    const auto start = std::chrono::steady_clock::now();
    on_threads(threads, total, [&](int64_t t, int64_t mine) {
        const auto partition = static_cast<int32_t>(t % partitions);
        for (int64_t i = 0; i < mine && !failed; ++i) {
            const events::Record& r = pool[static_cast<size_t>(t * total + i) % pool.size()];
            if (produce_raw(rk, topic, r, partition, r.timestamp + t * total + i)) failed = true;
        }
    });
    // Every delivery report, then the clock stops.
    while (!failed && reports.delivered + reports.failed < total) rd_kafka_flush(rk, 100);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed || reports.failed > 0) {
        std::fprintf(stderr, "liquida bench: %lld messages not delivered: %s\n", static_cast<long long>(reports.failed.load()),
                     rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(reports.first_error.load())));
        return finish(1);
    }
    print_rate("kafka-raw", total, sample_size, "-", threads, "kafka", secs);
    return finish(0);
}

}  // namespace

int bench(const cli::Args& args) {
    if (args.positional(0) == "log") return bench_log(args);
    if (args.positional(0) == "projections") return bench_projections(args);
    if (args.positional(0) == "kafka-raw") return bench_kafka_raw(args);
    if (args.positional(0) == "http") return bench_http(args);
    if (args.positional(0) == "live") return bench_live(args);
    throw cli::UsageError{"unknown benchmark '" + args.positional(0) + "' (known: log, kafka-raw, projections, http, live)"};
}

}  // namespace liquida::commands
