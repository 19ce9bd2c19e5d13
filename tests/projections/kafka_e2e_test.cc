// End to end on Kafka, on loopback against librdkafka's mock cluster:
//   - a projection runner SIGKILL'd at random points over `liquida kafka-dev` resumes from the
//     offsets stored with its views to a clean rebuild's views;
//   - the gateway on Kafka answers a simulated month's commands over HTTP exactly as the
//     gateway on the embedded log does, and their views have equal digests (on the mock and
//     on the real 3-broker cluster ctest starts);
//   - `liquida serve` SIGKILL'd while its transactions are in flight on the real cluster: every
//     command posted again after a restart is answered once, and the log holds it once;
//   - with faults injected by rd_kafka_mock_* while commands are appended, every command
//     answered 201 is in the log and in the views exactly once, and one answered 503 is not
//     acknowledged and lands exactly once when retried with its command id.
// Every wait is bounded (socket expiries, deadlines, `timeout` on child commands).
#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "sim/simulation.h"
#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/kafka_mock.h"
#include "events/topics.h"
#include "fixtures.h"
#include "gateway/auth.h"
#include "gateway/gateway.h"
#include "gateway/json.h"
#include "projections/runner.h"
#include "projections/views.h"
#include "tests/support/same_views.h"
#include "tests/support/dead_writer.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ws_client.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using namespace liquida::test;
using namespace liquida::sim;
namespace gw = liquida::gateway;
namespace ev = liquida::events;
namespace proj = liquida::projections;
using Clock = std::chrono::steady_clock;
using liquida::test::WsClient;

const std::string kKey = "kafka-e2e-test-key-0123456789abcdef";
constexpr int64_t kFarFuture = 4'102'444'800'000;  // 2100-01-01: tokens outlive the simulated clock
constexpr auto kWait = 60s;                        // the longest one HTTP exchange may take

// --- Child processes ---------------------------------------------------------------------------

// On the mock by default; on the real cluster with a prefix of the test's own and replication 3.
ev::KafkaLogOptions kafka_options(const std::string& brokers, int32_t partitions, std::string prefix = {}, int16_t replication = 1) {
    return {brokers, ev::default_topics(partitions), replication, {{"log_level", "2"}}, 20s, std::move(prefix)};
}

// --- Gateways and commands ------------------------------------------------------------------------

// A gateway in this process on 127.0.0.1:0 whose clock the test sets.
struct Served {
    std::atomic<int64_t> now{0};
    std::unique_ptr<gw::Gateway> gateway;
    std::unique_ptr<HttpClient> http;
    const std::string token = gw::sign({gw::Role::colegio, "secretaria", kFarFuture}, kKey);

    // `data`: the data directory (state, months, as-of views); empty: none (a temporary state).
    Served(ev::EventLog& log, proj::Views& views, std::chrono::milliseconds save_every = std::chrono::milliseconds(1000),
           const std::filesystem::path& data = {}) {
        gw::GatewayOptions options;
        options.data_dir = data.string();
        options.service.save_every = save_every;
        options.server.listen = "127.0.0.1";
        options.server.port = 0;
        options.server.threads = 2;
        options.key = kKey;
        options.workers = 4;
        options.clock = [this] { return now.load(); };
        gateway = std::make_unique<gw::Gateway>(log, views, seed_config(), options);
        const std::string error = gateway->start();
        INFO(error);
        REQUIRE(error.empty());
        http = std::make_unique<HttpClient>(gateway->port(), kWait);
    }
    ~Served() { gateway.reset(); }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    // POST /v1/commands as the colegio at the command's own time, with its command id.
    Reply post(const SimulatedCommand& c) {
        now = c.now;
        return http->request(http::verb::post, "/v1/commands", token,
                             gw::to_json(gw::CommandRequest{"", c.provider, c.command_id, c.command}).dump());
    }
};

// The two sides a gateway test compares, in `dir`: a Kafka log and an embedded log, each with
// its views.
struct Sides {
    std::optional<std::unique_ptr<ev::EventLog>> kafka;
    std::optional<std::unique_ptr<proj::Views>> kafka_views;
    std::optional<std::unique_ptr<ev::EventLog>> embedded;
    std::optional<std::unique_ptr<proj::Views>> embedded_views;

    Sides(const ev::KafkaLogOptions& kafka_log, const std::filesystem::path& dir) {
        const auto partitions = kafka_log.topics.front().partitions;
        auto k = ev::open_kafka_log(kafka_log);
        if (!k) FAIL(k.error().message);
        kafka = std::move(*k);
        auto kv = proj::Views::open((dir / "kafka-views").string(), "kafka");
        REQUIRE(kv.has_value());
        kafka_views = std::move(*kv);
        auto e = ev::open_embedded_log({(dir / "log").string(), ev::default_topics(partitions), false});
        REQUIRE(e.has_value());
        embedded = std::move(*e);
        auto views = proj::Views::open((dir / "views").string(), "embedded");
        REQUIRE(views.has_value());
        embedded_views = std::move(*views);
    }
};

// The first `limit` commands of a seeded month (onboarding included), decided by the domain.
std::vector<SimulatedCommand> simulated(uint64_t seed, size_t limit) {
    Simulation sim(seed_config(), SimulationOptions{seed, 0.001, Period{2025, 6}, 1});
    std::vector<SimulatedCommand> out;
    while (out.size() < limit) {
        auto c = sim.next();
        if (!c) break;
        out.push_back(std::move(*c));
    }
    return out;
}

std::vector<ev::TopicPartition> partitions_of(const ev::EventLog& log) {
    std::vector<ev::TopicPartition> out;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) out.push_back({t.name, p});
    return out;
}

// Waits until the gateway's views have applied everything in its log and /healthz reports
// view_lag 0.
void wait_projected(ev::EventLog& log, proj::Views& views, Served& served) {
    const auto deadline = Clock::now() + 60s;
    for (;;) {
        INFO(served.gateway->runner_error());
        REQUIRE(served.gateway->runner_error().empty());
        bool caught_up = true;
        for (const auto& tp : partitions_of(log)) {
            auto end = log.end_offset(tp);
            REQUIRE(end.has_value());
            caught_up = caught_up && views.applied(tp) == *end;
        }
        if (caught_up) {
            const Reply health = served.http->request(http::verb::get, "/healthz", "");
            auto j = nlohmann::json::parse(health.body(), nullptr, false);
            if (health.status() == 200 && j.is_object() && j.value("view_lag", int64_t{-1}) == 0) return;
        }
        REQUIRE(Clock::now() < deadline);
        std::this_thread::sleep_for(20ms);
    }
}

// The records of one command, in log order.
std::vector<ev::StoredRecord> records_of(ev::EventLog& log, const std::string& command_id) {
    std::vector<ev::StoredRecord> out;
    for (const auto& tp : partitions_of(log)) {
        auto records = log.read(tp, 0, 1'000'000);
        REQUIRE(records.has_value());
        for (auto& r : *records)
            if (auto e = ev::decode(r.record.value); e && e->command_id.substr(0, e->command_id.find('/')) == command_id)
                out.push_back(std::move(r));
    }
    return out;
}

// Every record of the log but aborted ones, decoded: events per command id ("id/topic"
// counts as "id").
std::map<std::string, size_t> events_by_command(ev::EventLog& log) {
    std::map<std::string, size_t> out;
    for (const auto& tp : partitions_of(log)) {
        const int64_t end = log.end_offset(tp).value();
        for (int64_t from = 0; from < end;) {
            auto records = log.read(tp, from, 1000);
            if (!records) FAIL(records.error().message);
            REQUIRE_FALSE(records->empty());
            for (const auto& r : *records) {
                if (r.aborted) continue;  // a failed append's leftovers: not history
                auto e = ev::decode(r.record.value);
                REQUIRE(e.has_value());
                ++out[e->command_id.substr(0, e->command_id.find('/'))];
            }
            from = records->back().offset + 1;
        }
    }
    return out;
}

// --- The crash test's children ------------------------------------------------------------------

// Events applied by the views in `dir` (sum of their offsets), read in a forked child so this
// process never opens RocksDB between forks. -1 when they cannot be opened.
int64_t applied_in(const std::string& dir, int32_t partitions) {
    Forked child([&](int report_fd) {
        int64_t sum = -1;
        if (auto views = proj::Views::open(dir, "kafka")) {
            sum = 0;
            for (const auto& t : ev::default_topics(partitions))
                for (int32_t p = 0; p < t.partitions; ++p) sum += (*views)->applied({t.name, p});
        }
        return write(report_fd, &sum, sizeof sum) == sizeof sum ? 0 : 1;
    });
    const auto got = child.read(std::chrono::seconds(30));
    int64_t sum = -1;
    if (got && got->size() == sizeof sum) std::memcpy(&sum, got->data(), sizeof sum);
    return sum;
}

// --- Injected faults ------------------------------------------------------------------------------

constexpr int16_t kProduce = 0;  // Kafka ApiKey of ProduceRequest

// A fault, by the index of the first accepted command it is armed before. `fail`: the command is
// expected to get 503 while it lasts, then succeed when retried once cleared.
struct Fault {
    size_t at;
    const char* what;
    bool fail;
};

// Faults injected with rd_kafka_mock_* into the mock under a gateway on Kafka, each armed
// before the command it is due at and cleared after it.
struct Faults {
    rd_kafka_mock_cluster_t* mock;
    std::vector<ev::TopicSpec> topics;
    std::vector<Fault> schedule;
    size_t next = 0;         // the schedule's next fault
    int failed_appends = 0;  // commands answered 503 under a fault
    std::thread restore;     // brings brokers back up

    ~Faults() {
        if (restore.joinable()) restore.join();
    }

    void arm(const Fault& f) {
        const std::string what = f.what;
        if (what == "retriable produce errors") {
            rd_kafka_mock_push_request_errors(mock, kProduce, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                              RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
        } else if (what == "connection closed by the broker") {
            rd_kafka_mock_push_request_errors(mock, kProduce, 1, RD_KAFKA_RESP_ERR__TRANSPORT);
        } else if (what.starts_with("leaders move to broker")) {
            const int32_t leader = what.back() - '0';
            for (const auto& t : topics)
                for (int32_t p = 0; p < t.partitions; ++p)
                    REQUIRE(rd_kafka_mock_partition_set_leader(mock, t.name.c_str(), p, leader) == RD_KAFKA_RESP_ERR_NO_ERROR);
        } else if (what == "round-trip time 100 ms") {
            rd_kafka_mock_broker_set_rtt(mock, -1, 100);
        } else if (what == "persistent NOT_ENOUGH_REPLICAS") {
            std::vector<rd_kafka_resp_err_t> errors(5000, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
            rd_kafka_mock_push_request_errors_array(mock, kProduce, errors.size(), errors.data());
        } else if (what.starts_with("all brokers down")) {
            REQUIRE(rd_kafka_mock_broker_set_down(mock, -1) == RD_KAFKA_RESP_ERR_NO_ERROR);
            const auto down_for = f.fail ? 3000ms : 400ms;
            restore = std::thread([cluster = mock, down_for] {
                std::this_thread::sleep_for(down_for);
                rd_kafka_mock_broker_set_up(cluster, -1);
            });
        }
    }

    void clear() {
        rd_kafka_mock_clear_request_errors(mock, kProduce);
        rd_kafka_mock_broker_set_rtt(mock, -1, 0);
        if (restore.joinable()) restore.join();
    }

    // POST /v1/commands of `c`, the i-th command, under the fault due at it if any; `story`
    // tells what was answered.
    Reply post(Served& on_kafka, const SimulatedCommand& c, size_t i, std::string& story) {
        std::optional<Fault> armed;
        if (c.decision && next < schedule.size() && i >= schedule[next].at) armed = schedule[next++];
        if (armed) arm(*armed);
        Reply a = on_kafka.post(c);
        story = c.command_id + " " + std::string(gw::command_name(c.command)) + (armed ? std::string(" under ") + armed->what : "") + ": " +
                std::to_string(a.status()) + " " + a.body();
        if (armed && armed->fail) {
            {  // Not acknowledged: 503 with the log's error.
                INFO(story);
                CHECK(a.status() == 503);
                CHECK(a.code() == "log.io_error");
            }
            ++failed_appends;
            clear();
            // Retried with the same command id once the fault is gone, as a client would,
            // until the log answers (librdkafka reconnects first).
            const auto deadline = Clock::now() + 30s;
            for (;;) {
                a = on_kafka.post(c);
                story += "; retried: " + std::to_string(a.status()) + " " + a.body();
                if (a.status() != 503 || Clock::now() > deadline) break;
                std::this_thread::sleep_for(200ms);
            }
        }
        if (armed) clear();
        return a;
    }
};

// In the log exactly once: each command `answered` 201 on Kafka has exactly its decision's
// events there, the others none; and it holds what the embedded log does.
void check_exactly_once(ev::EventLog& kafka, ev::EventLog& embedded, const std::vector<SimulatedCommand>& commands,
                        const std::map<std::string, unsigned>& answered) {
    const auto in_kafka = events_by_command(kafka);
    size_t expected_records = 0;
    for (const auto& c : commands) {
        INFO(c.command_id << " answered " << answered.at(c.command_id));
        if (answered.at(c.command_id) == 201) {
            CHECK(in_kafka.count(c.command_id) == 1);
            CHECK((in_kafka.count(c.command_id) ? in_kafka.at(c.command_id) : 0) == c.decision->size());
            expected_records += c.decision->size();
        } else {
            CHECK(in_kafka.count(c.command_id) == 0);
        }
    }
    size_t records = 0;
    for (const auto& [id, n] : in_kafka) records += n;
    CHECK(records == expected_records);
    CHECK(in_kafka == events_by_command(embedded));
}

}  // namespace

// First in the file: when every case runs in one process, no earlier case's threads exist yet.
TEST_CASE("kafka e2e: a runner SIGKILL'd at random points resumes from its stored offsets to a clean rebuild's views",
          "[projections][kafka][crash]") {
    // This process must not run librdkafka or RocksDB threads when it forks: the cluster is
    // `liquida kafka-dev`, the events come from `liquida simulate --kafka`, and only forked
    // children open the log and the views until the kills are over.
    constexpr int32_t kPartitions = 1;  // few partitions, many events each: many commits to die between
    KafkaDev dev(LIQUIDA_BIN, {"--partitions", std::to_string(kPartitions)});
    TempDir dir;
    const Run sim = sh("timeout 300 " + std::string(LIQUIDA_BIN) + " simulate --seed 31 --scale 0.006 --months 1 --start 2025-06 " +
                       "--no-sync --partitions " + std::to_string(kPartitions) + " --data '" + (dir.path() / "sim").string() +
                       "' --kafka '" + dev.bootstrap() + "'");
    INFO(sim.out);
    REQUIRE(sim.code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(sim.out, m, std::regex("published ([0-9]+) events")));
    const int64_t total = std::stoll(m[1].str());
    REQUIRE(total > 3000);

    const std::string views_dir = (dir.path() / "crashy").string();
    std::mt19937 rng(7);
    int killed_after_progress = 0;
    int64_t applied = 0;
    for (int round = 0; round < 30 && applied < total; ++round) {
        Forked child([&](int report_fd) {
            auto log = ev::open_kafka_log(kafka_options(dev.bootstrap(), kPartitions));
            if (!log) return 3;
            auto views = proj::Views::open(views_dir, "kafka");
            if (!views) return 4;
            proj::Runner runner(**log, **views, {.max_batch = 64, .catch_up_factor = 1});
            // One byte per committed batch: the parent kills on progress, not on a clock, so a
            // loaded machine still sees kills between commits.
            runner.on_progress([&](size_t) {
                if (write(report_fd, "b", 1) != 1) _exit(6);
            });
            return runner.catch_up() ? 0 : 5;
        });
        // Killed a little after a random number (1..4) of its batches committed.
        const size_t batches = 1 + rng() % 4;
        for (size_t seen = 0; seen < batches;) {
            const auto got = child.read(std::chrono::seconds(60));
            if (!got || got->empty()) break;  // the child exited (finished or failed), or stalled
            seen += got->size();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2'000));
        const int status = child.kill();
        const int64_t now_applied = applied_in(views_dir, kPartitions);
        INFO("round " << round << ": applied " << applied << " -> " << now_applied << " of " << total);
        REQUIRE(now_applied >= applied);  // never goes back: offsets are committed with the rows
        if (status == -1) {
            if (now_applied > applied && now_applied < total) ++killed_after_progress;
        } else {
            REQUIRE(status == 0);  // finished before the kill
            REQUIRE(now_applied == total);
        }
        applied = now_applied;
    }
    CHECK(killed_after_progress >= 2);

    // Now this process may open them: resume, then compare with a clean rebuild.
    auto log = ev::open_kafka_log(kafka_options(dev.bootstrap(), kPartitions));
    REQUIRE(log.has_value());
    auto resumed = proj::Views::open(views_dir, "kafka");
    REQUIRE(resumed.has_value());
    proj::Runner runner(**log, **resumed);
    REQUIRE(runner.catch_up().has_value());
    CHECK(*runner.lag() == 0);
    auto clean = proj::Views::open((dir.path() / "clean").string(), "kafka");
    REQUIRE(clean.has_value());
    proj::Runner rebuild(**log, **clean);
    REQUIRE(rebuild.catch_up().has_value());
    int64_t in_views = 0;
    for (const auto& tp : partitions_of(**log)) in_views += (*resumed)->applied(tp);
    CHECK(in_views == total);
    require_same((*resumed)->digests().value(), (*clean)->digests().value());
    (*log)->close();
}

namespace {

// The gateway on Kafka and the gateway on the embedded log, fed the same commands over HTTP,
// answer alike and build equal views; views rebuilt from Kafka's offset 0 equal the live ones.
void gateway_answers_as_on_embedded(const ev::KafkaLogOptions& kafka_log, size_t count) {
    TempDir dir;
    Sides sides(kafka_log, dir.path());
    auto& [kafka, kafka_views, embedded, embedded_views] = sides;
    {
        Served on_kafka(**kafka, **kafka_views, 1000ms, dir.path() / "kafka-data");
        Served on_embedded(**embedded, **embedded_views, 1000ms, dir.path() / "embedded-data");

        const auto commands = simulated(5, count);
        REQUIRE(commands.size() == count);
        size_t accepted = 0, rejected = 0;
        for (const auto& c : commands) {
            const Reply a = on_kafka.post(c);
            const Reply b = on_embedded.post(c);
            INFO(c.command_id << " " << gw::command_name(c.command) << ": kafka " << a.status() << " " << a.body() << "; embedded "
                              << b.status() << " " << b.body());
            REQUIRE(a.status() == b.status());
            REQUIRE(a.code() == b.code());
            REQUIRE(a.status() == (c.decision ? 201U : 422U));
            ++(a.status() == 201 ? accepted : rejected);
        }
        CHECK(accepted > count * 6 / 7);
        CHECK(rejected > 0);
        // A retry with the same command id appends nothing, on both.
        for (size_t i : {size_t{0}, size_t{100}, commands.size() - 1}) {
            if (!commands[i].decision) continue;
            CHECK(on_kafka.post(commands[i]).status() == 200);
            CHECK(on_embedded.post(commands[i]).status() == 200);
        }

        wait_projected(**kafka, **kafka_views, on_kafka);
        wait_projected(**embedded, **embedded_views, on_embedded);
        const auto digests = (*kafka_views)->digests().value();
        for (const auto& d : digests) CHECK(d.rows > 0);
        require_same(digests, (*embedded_views)->digests().value());

        // Same events per command in both logs, and nothing else.
        const auto in_kafka = events_by_command(**kafka);
        CHECK(in_kafka == events_by_command(**embedded));
        for (const auto& c : commands) CHECK(in_kafka.count(c.command_id) == (c.decision ? 1U : 0U));

        // June closes over HTTP alike on both logs: refused unforced (the log has not passed its
        // cut), then closed by force, with the same reports.
        auto close = [](Served& s, const std::string& target) {
            s.now = at(2025, 7, 5, 10);
            return s.http->request(http::verb::post, target, s.token);
        };
        const Reply kafka_refused = close(on_kafka, "/v1/months/2025-06/close");
        CHECK(kafka_refused.status() == 409);
        CHECK(kafka_refused.code() == "month.log_not_past_cut");
        CHECK(close(on_embedded, "/v1/months/2025-06/close").code() == kafka_refused.code());
        const Reply kafka_closed = close(on_kafka, "/v1/months/2025-06/close?force=true");
        const Reply embedded_closed = close(on_embedded, "/v1/months/2025-06/close?force=true");
        INFO(kafka_closed.body() << "\n" << embedded_closed.body());
        REQUIRE(kafka_closed.status() == 201);
        REQUIRE(embedded_closed.status() == 201);
        for (const char* report : {"settlement-2025-06.csv", "padron-2025-06.csv", "pending-2025-06.csv", "validation-2025-06.csv"}) {
            INFO(report);
            const std::string target = std::string("/v1/months/2025-06/reports/") + report;
            const Reply a = on_kafka.http->request(http::verb::get, target, on_kafka.token);
            REQUIRE(a.status() == 200);
            CHECK(a.body().size() > 100);
            CHECK(a.body() == on_embedded.http->request(http::verb::get, target, on_embedded.token).body());
        }
    }
    auto rebuilt = proj::Views::open((dir.path() / "rebuilt").string(), "kafka");
    REQUIRE(rebuilt.has_value());
    proj::Runner runner(**kafka, **rebuilt, {97});
    REQUIRE(runner.catch_up().has_value());
    require_same((*rebuilt)->digests().value(), (*kafka_views)->digests().value());
    (*kafka)->close();
}

}  // namespace

TEST_CASE("kafka e2e: the gateway on Kafka answers commands over HTTP as on the embedded log, with equal views",
          "[projections][kafka][gateway]") {
    constexpr int32_t kPartitions = 2;
    KafkaDev dev(LIQUIDA_BIN, {"--partitions", std::to_string(kPartitions)});
    gateway_answers_as_on_embedded(kafka_options(dev.bootstrap(), kPartitions), 700);
}

TEST_CASE("kafka e2e: on a real 3-broker cluster, the gateway answers as on the embedded log, with equal views",
          "[projections][kafka][gateway][cluster]") {
    gateway_answers_as_on_embedded(kafka_options(KafkaCluster::get().bootstrap(), 3, KafkaCluster::new_prefix(), 3), 700);
}

namespace {

// `liquida serve ARGS` (data in `data`) as a child process, with its port and a colegio token.
struct ServeChild {
    std::unique_ptr<Child> child;
    uint16_t port = 0;
    std::string token;

    ServeChild(const std::vector<std::string>& args, const std::string& data) {
        child = std::make_unique<Child>(LIQUIDA_BIN, args);
        std::smatch m;
        const std::string& out = child->output();
        INFO(out);
        REQUIRE(std::regex_search(out, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)/")));
        port = static_cast<uint16_t>(std::stoi(m[1]));
        const Run r = sh("timeout 60 " + std::string(LIQUIDA_BIN) + " token --role colegio --subject secretaria --data " + data);
        INFO(r.out);
        REQUIRE(r.code == 0);
        token = r.out.substr(0, r.out.find_last_not_of("\r\n") + 1);  // alone on its last line
        token = token.substr(token.find_last_of('\n') + 1);
    }
};

// What one POST of a command got: its status (0: no answer) and, when accepted, its events.
struct Answer {  // NOLINT(bugprone-exception-escape): json's noexcept move, read as throwing
    unsigned status = 0;
    nlohmann::json events;
};

// Posts `commands` from one thread per provider residue (each provider's commands in order),
// every thread stopping at its first command left unanswered. `accepted` counts 201s.
std::vector<Answer> post_all(uint16_t port, const std::string& token, const std::vector<SimulatedCommand>& commands,
                             std::atomic<int>& accepted) {
    constexpr int kThreads = 3;
    std::vector<Answer> answers(commands.size());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            HttpClient http(port, kWait);
            for (size_t i = 0; i < commands.size(); ++i) {
                const auto& c = commands[i];
                if (c.provider.value() % kThreads != static_cast<uint64_t>(t)) continue;
                const Reply r = http.request(http::verb::post, "/v1/commands", token,
                                             gw::to_json(gw::CommandRequest{"", c.provider, c.command_id, c.command}).dump());
                answers[i].status = r.status();
                if (r.status() == 0) return;
                if (r.status() == 200 || r.status() == 201) answers[i].events = r.json_body()["events"];
                if (r.status() == 201) ++accepted;
            }
        });
    for (auto& th : threads) th.join();
    return answers;
}

}  // namespace

TEST_CASE("kafka e2e: liquida serve SIGKILL'd in the middle of its transactions on the real cluster, every retry lands once",
          "[projections][kafka][gateway][cluster]") {
    // Three clients post a simulated month's commands to `liquida serve` on the cluster; the
    // server is SIGKILL'd while appends are in flight. A new serve on the same data dir and
    // topics (so the same transactional id) aborts the dead one's open transaction when it
    // makes its producer, and every command is posted again under its id: those answered
    // before are duplicates with the same events, the rest are decided now, and the log holds
    // each accepted command's events exactly once.
    const std::string bootstrap = KafkaCluster::get().bootstrap(), prefix = KafkaCluster::new_prefix();
    constexpr int32_t kPartitions = 3;
    TempDir dir;
    const std::vector<std::string> args{"serve",
                                        "--data",
                                        dir.str(),
                                        "--port",
                                        "0",
                                        "--kafka",
                                        bootstrap,
                                        "--kafka-topic-prefix",
                                        prefix,
                                        "--partitions",
                                        std::to_string(kPartitions),
                                        "--kafka-replication",
                                        "3"};
    const auto commands = simulated(13, 150);
    std::vector<Answer> first;
    {
        ServeChild serve(args, dir.str());
        std::atomic<int> accepted{0};
        std::thread killer([&] {
            for (const auto until = Clock::now() + 120s; accepted < 20 && Clock::now() < until;) std::this_thread::sleep_for(5ms);
            serve.child->crash();
        });
        first = post_all(serve.port, serve.token, commands, accepted);
        killer.join();
        REQUIRE(accepted >= 20);
        size_t unanswered = 0;
        for (const auto& a : first) unanswered += a.status == 0;
        CHECK(unanswered >= 1);  // some were in flight when it died
    }
    ServeChild again(args, dir.str());
    std::atomic<int> accepted{0};
    const auto second = post_all(again.port, again.token, commands, accepted);
    std::map<std::string, size_t> answered_events;
    for (size_t i = 0; i < commands.size(); ++i) {
        INFO(commands[i].command_id << ": first " << first[i].status << ", then " << second[i].status);
        if (first[i].status == 200 || first[i].status == 201) {
            CHECK(second[i].status == 200);
            CHECK(second[i].events == first[i].events);
        } else if (first[i].status == 422) {
            CHECK(second[i].status == 422);
        } else {  // never answered (or 503): decided now, or found in the log
            CHECK((second[i].status == 200 || second[i].status == 201 || second[i].status == 422));
        }
        if (second[i].status == 200 || second[i].status == 201) answered_events[commands[i].command_id] = second[i].events.size();
    }
    CHECK(again.child->stop() == 0);
    auto reader = ev::open_kafka_log(kafka_options(bootstrap, kPartitions, prefix, 3));  // reads only: fences no writer
    if (!reader) FAIL(reader.error().message);
    CHECK(events_by_command(**reader) == answered_events);
    (*reader)->close();
}

TEST_CASE("kafka e2e: a command a dying gateway left half-written is neither loaded nor projected, its retry lands once",
          "[projections][kafka][gateway]") {
    constexpr int32_t kPartitions = 2;
    KafkaDev dev(LIQUIDA_BIN, {"--partitions", std::to_string(kPartitions)});
    TempDir dir;
    Sides sides(kafka_options(dev.bootstrap(), kPartitions), dir.path());
    auto& [kafka, kafka_views, embedded, embedded_views] = sides;
    const auto commands = simulated(7, 160);
    size_t k = 80;
    while (k < commands.size() && !commands[k].decision) ++k;
    REQUIRE(k < commands.size());
    const SimulatedCommand& dying = commands[k];
    auto post_both = [&](Served& on_kafka, Served& on_embedded, const SimulatedCommand& c) {
        const Reply a = on_kafka.post(c);
        const Reply b = on_embedded.post(c);
        INFO(c.command_id << ": kafka " << a.status() << " " << a.body() << "; embedded " << b.status() << " " << b.body());
        REQUIRE(a.status() == b.status());
        REQUIRE(a.status() == (c.decision ? 201U : 422U));
    };
    {
        Served on_kafka(**kafka, **kafka_views, 1000ms, dir.path() / "kafka-data");
        Served on_embedded(**embedded, **embedded_views, 1000ms, dir.path() / "embedded-data");
        for (size_t i = 0; i < k; ++i) post_both(on_kafka, on_embedded, commands[i]);
        REQUIRE(on_embedded.post(dying).status() == 201);
    }
    // The Kafka gateway died after the first record of the dying command's batch went out; so
    // did the next one, retrying it. The first prefix is decided (aborted) by the second, which
    // is still undecided.
    const auto batch = records_of(**embedded, dying.command_id);
    REQUIRE_FALSE(batch.empty());
    DeadWriter dead(dev.bootstrap());
    for (int attempt = 0; attempt < 2; ++attempt)
        dead.write_prefix(batch.front().tp, {batch.front().record}, batch.size() + 1, dying.command_id);
    {
        // A new gateway loads its ledgers from Kafka: the command is not there, so its retry is
        // decided and appended, not answered as a duplicate.
        Served on_kafka(**kafka, **kafka_views);
        Served on_embedded(**embedded, **embedded_views);
        const Reply retry = on_kafka.post(dying);
        INFO(retry.body());
        REQUIRE(retry.status() == 201);
        for (size_t i = k + 1; i < commands.size(); ++i) post_both(on_kafka, on_embedded, commands[i]);
        wait_projected(**kafka, **kafka_views, on_kafka);
        wait_projected(**embedded, **embedded_views, on_embedded);
        require_same((*kafka_views)->digests().value(), (*embedded_views)->digests().value());
        CHECK(events_by_command(**kafka) == events_by_command(**embedded));

        // The topic stream for downstream consumers skips them too: every other record of the
        // partition comes, in order, and none of the aborted ones.
        const ev::TopicPartition tp = batch.front().tp;
        auto all = (*kafka)->read(tp, 0, 1'000'000);
        REQUIRE(all.has_value());
        std::vector<int64_t> kept, streamed;
        for (const auto& r : *all)
            if (!r.aborted) kept.push_back(r.offset);
        REQUIRE(kept.size() + 2 == all->size());
        WsClient ws(on_kafka.gateway->port(), kWait);
        REQUIRE(ws.connect("/v1/topics/" + tp.topic + "?from=0&partition=" + std::to_string(tp.partition), on_kafka.token) == 101);
        while (streamed.size() < kept.size()) {
            auto m = ws.next();
            if (!m) break;
            if (m->value("type", "") == "event") streamed.push_back((*m)["offset"].get<int64_t>());
        }
        CHECK(streamed == kept);
    }
    // Both decided now (the retry came after them): aborted, and a third gateway loads around them.
    size_t aborted = 0;
    for (const auto& r : records_of(**kafka, dying.command_id)) aborted += r.aborted;
    CHECK(aborted == 2);
    {
        Served on_kafka(**kafka, **kafka_views);
        CHECK(on_kafka.post(dying).status() == 200);
        CHECK(on_kafka.post(commands[k + 1]).status() == (commands[k + 1].decision ? 200U : 422U));
    }
    (*kafka)->close();
}

TEST_CASE("kafka e2e: a command whose append timed out is answered 503, and its retry lands once before the provider's next commands",
          "[projections][kafka][faults]") {
    constexpr int32_t kPartitions = 2;
    auto cluster = ev::MockCluster::start(1);
    REQUIRE(cluster.has_value());
    rd_kafka_mock_cluster_t* mock = (*cluster)->raw();
    const auto topics = ev::default_topics(kPartitions);
    for (const auto& t : topics) REQUIRE((*cluster)->create_topic(t.name, t.partitions));
    auto options = kafka_options((*cluster)->bootstrap(), kPartitions);
    // Deliveries give up after 1 s; the broker answers after 1.5 s. Its transaction is aborted;
    // on the mock, which writes no markers, records that reached it may still be read.
    options.properties.insert({{"message.timeout.ms", "1000"}, {"retry.backoff.ms", "20"}});
    auto kafka = ev::open_kafka_log(options);
    if (!kafka) FAIL(kafka.error().message);
    TempDir dir;
    auto views = proj::Views::open((dir.path() / "views").string(), "kafka");
    REQUIRE(views.has_value());
    const auto commands = simulated(11, 20);
    REQUIRE(commands.front().decision.has_value());  // the first provider registers
    {
        // The state's saves (which ask the log's ends) kept out of the way, and the provider's
        // state read first, so that the delay falls on the append alone.
        Served on_kafka(**kafka, **views, std::chrono::hours(1));
        REQUIRE(on_kafka.gateway->commands().with(commands.front().provider, [](const auto&) {}));
        rd_kafka_mock_broker_set_rtt(mock, -1, 1500);
        const Reply timed_out = on_kafka.post(commands.front());
        rd_kafka_mock_broker_set_rtt(mock, -1, 0);
        INFO(timed_out.body());
        REQUIRE(timed_out.status() == 503);
        // Its retry reads the log first: appended now (201), or found there (200); 503 while
        // the mock still finishes the aborted transaction, as a client retries.
        Reply retry = on_kafka.post(commands.front());
        for (int attempt = 0; attempt < 20 && retry.status() == 503; ++attempt) {
            std::this_thread::sleep_for(250ms);
            retry = on_kafka.post(commands.front());
        }
        INFO(retry.body());
        CHECK((retry.status() == 201 || retry.status() == 200));
        for (size_t i = 1; i < commands.size(); ++i) {
            const Reply a = on_kafka.post(commands[i]);
            INFO(commands[i].command_id << " " << gw::command_name(commands[i].command) << ": " << a.status() << " " << a.body());
            CHECK(a.status() == (commands[i].decision ? 201U : 422U));
        }
        CHECK(on_kafka.post(commands.front()).status() == 200);
    }
    CHECK(events_by_command(**kafka).at(commands.front().command_id) == commands.front().decision->size());
    (*kafka)->close();
}

TEST_CASE("kafka e2e: under injected faults every command answered 201 is in the log and the views exactly once",
          "[projections][kafka][faults]") {
    constexpr int32_t kPartitions = 2;
    // In this process (no fork here): the faults need the mock's handle.
    auto cluster = ev::MockCluster::start(3);
    REQUIRE(cluster.has_value());
    rd_kafka_mock_cluster_t* mock = (*cluster)->raw();
    const auto topics = ev::default_topics(kPartitions);
    for (const auto& t : topics) REQUIRE((*cluster)->create_topic(t.name, t.partitions));
    auto options = kafka_options((*cluster)->bootstrap(), kPartitions);
    // Deliveries give up after 2 s (the 503s below) while reads, metadata and watermarks wait
    // up to 20 s, so the gateway's runner rides out the outages. Fast retries and reconnects.
    options.properties.insert({{"message.timeout.ms", "2000"},
                               {"retry.backoff.ms", "20"},
                               {"reconnect.backoff.ms", "20"},
                               {"reconnect.backoff.max.ms", "200"},
                               {"topic.metadata.refresh.interval.ms", "500"}});
    auto kafka = ev::open_kafka_log(options);
    if (!kafka) FAIL(kafka.error().message);
    TempDir dir;
    auto kafka_views = proj::Views::open((dir.path() / "kafka-views").string(), "kafka");
    REQUIRE(kafka_views.has_value());
    // The reference: the same commands, once each, on the embedded log with no faults.
    auto embedded = ev::open_embedded_log({(dir.path() / "log").string(), topics, false});
    REQUIRE(embedded.has_value());
    auto embedded_views = proj::Views::open((dir.path() / "views").string(), "embedded");
    REQUIRE(embedded_views.has_value());

    const auto commands = simulated(9, 400);
    REQUIRE(commands.size() == 400);
    std::map<std::string, unsigned> answered;  // command id -> final status on Kafka
    {
        Served on_kafka(**kafka, **kafka_views, 1000ms, dir.path() / "kafka-data");
        Served on_embedded(**embedded, **embedded_views, 1000ms, dir.path() / "embedded-data");
        Faults faults{mock,
                      topics,
                      {{40, "retriable produce errors", false},
                       {80, "connection closed by the broker", false},
                       {120, "leaders move to broker 2", false},
                       {160, "round-trip time 100 ms", false},
                       {200, "persistent NOT_ENOUGH_REPLICAS", true},
                       {240, "all brokers down for 400 ms", false},
                       {280, "all brokers down for 3 s", true},
                       {320, "leaders move to broker 3", false}}};
        for (size_t i = 0; i < commands.size(); ++i) {
            const auto& c = commands[i];
            std::string story;
            const Reply a = faults.post(on_kafka, c, i, story);
            INFO(story);
            REQUIRE(a.status() == (c.decision ? 201U : 422U));
            answered[c.command_id] = a.status();
            const Reply b = on_embedded.post(c);
            REQUIRE(b.status() == a.status());
            // Every 50 commands, a retry of an acknowledged one: 200, nothing appended.
            if (i % 50 == 49 && c.decision) CHECK(on_kafka.post(c).status() == 200);
        }
        CHECK(faults.next == faults.schedule.size());
        CHECK(faults.failed_appends == 2);

        wait_projected(**kafka, **kafka_views, on_kafka);
        wait_projected(**embedded, **embedded_views, on_embedded);
    }

    check_exactly_once(**kafka, **embedded, commands, answered);
    // In the views exactly once: the same views as the same commands without faults.
    require_same((*kafka_views)->digests().value(), (*embedded_views)->digests().value());
    (*kafka)->close();
}
