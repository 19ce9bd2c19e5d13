// The downstream-consumer examples of docs/CONSUMERS.md and the operator files of ops/kafka/,
// run for real: `liquida kafka-dev` as a child process, events published through the Kafka
// log, then kcat, flatc --json and docs/examples/consumer.py read them; on the real 3-node
// cluster, Kafka's own console consumer too. Loopback only; every
// wait and every external tool bounded in time.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/publisher.h"
#include "events/topics.h"
#include "tests/support/dead_writer.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/sample_events.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace liquida;
using namespace liquida::events;
using namespace std::chrono_literals;
using liquida::test::KafkaDev;
using liquida::test::Run;
using liquida::test::sh;

namespace {

constexpr int32_t kPartitions = 3;

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// The first of `candidates` that runs `probe` successfully, or "" (with the reason in `why`).
std::string find_tool(std::initializer_list<const char*> candidates, const std::string& probe, const char* package) {
    for (const char* c : candidates)
        if (sh("timeout 30 " + std::string(c) + " " + probe + " >/dev/null").code == 0) return c;
    FAIL_CHECK(std::string("missing tool: install Debian's ") + package + " (ops/deps.sh lists it)");
    return {};
}

// A socket bound to a port the system chose on 127.0.0.1, and the port.
std::pair<int, uint16_t> bound_loopback() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    return {s, ntohs(a.sin_port)};
}

// A port free on 127.0.0.1 a moment ago.
uint16_t free_port() {
    const auto [s, port] = bound_loopback();
    close(s);
    return port;
}

std::unique_ptr<EventLog> open_log(const std::string& bootstrap) {
    auto log = open_kafka_log({bootstrap, default_topics(kPartitions), 1, {{"log_level", "2"}}, 20s});
    if (!log) FAIL(log.error().message);
    return std::move(*log);
}

// The sample envelopes of the orders topic (order loaded/approved/rejected/deferred), for
// `provider`, each its own command with a fresh event id.
std::vector<Envelope> orders_of(uint64_t provider) {
    std::vector<Envelope> out;
    for (auto e : test::sample_envelopes()) {
        if (topic_for(e.payload) != Topic::orders) continue;
        e.provider_id = domain::ProviderId{provider};
        e.event_id = EventId::random();
        e.command_id = "cmd-" + std::to_string(provider) + "-" + std::string(domain::event_name(e.payload));
        out.push_back(std::move(e));
    }
    return out;
}

struct Published {
    Envelope envelope;
    AppendResult at;
};

std::vector<Published> publish_orders(EventLog& log, std::initializer_list<uint64_t> providers) {
    std::vector<Published> out;
    for (uint64_t p : providers)
        for (const auto& e : orders_of(p)) {
            auto r = publish(log, std::span(&e, 1));
            if (!r) FAIL(r.error().message);
            out.push_back({e, *r});
        }
    return out;
}

// The tools the consumers cases read with, each required.
struct ConsumerTools {
    std::string kcat, flatc, python;
};

ConsumerTools consumer_tools() {
    ConsumerTools t{find_tool({"kcat", "kafkacat"}, "-V", "kcat"), find_tool({"flatc"}, "--version", "flatbuffers-compiler"),
                    find_tool({"/usr/bin/python3", "python3"}, "-c 'import confluent_kafka, flatbuffers'",
                              "python3-confluent-kafka and python3-flatbuffers")};
    REQUIRE_FALSE(t.kcat.empty());
    REQUIRE_FALSE(t.flatc.empty());
    REQUIRE_FALSE(t.python.empty());
    return t;
}

// What each consumers case reads: kafka-dev (a child process, started per case) with the
// orders of providers 1042, 7 and 99 published, provider 1042's order_loaded first. The tools
// are found first: no kafka-dev without them.
struct ConsumersSetup : ConsumerTools {
    ConsumersSetup() : ConsumerTools(consumer_tools()) {
        {
            auto log = open_log(dev.bootstrap());
            published = publish_orders(*log, {1042, 7, 99});
            log->close();
        }
        REQUIRE(published.size() == 12);
        for (const auto& p : published)
            expected[std::to_string(p.envelope.provider_id.value()) + " " + std::to_string(p.at.tp.partition) + ":" +
                     std::to_string(p.at.base_offset)] = &p.envelope;
    }
    ConsumersSetup(const ConsumersSetup&) = delete;  // `expected` points into `published`
    ConsumersSetup& operator=(const ConsumersSetup&) = delete;

    KafkaDev dev{LIQUIDA_BIN, {"--partitions", std::to_string(kPartitions)}};
    const std::string bs = quote(dev.bootstrap());
    std::vector<Published> published;
    std::map<std::string, const Envelope*> expected;  // "key partition:offset" -> the envelope published there
    test::TempDir dir;
    const std::string source = LIQUIDA_SOURCE_DIR;
};

}  // namespace

TEST_CASE("kafka-dev: topics exist when it prints its bootstrap, and SIGTERM stops it cleanly", "[events][kafka][kafka-dev]") {
    KafkaDev dev(LIQUIDA_BIN, {"--brokers", "2", "--partitions", std::to_string(kPartitions)});
    CHECK(dev.bootstrap().find("127.0.0.1:") == 0);
    CHECK(dev.output().find("liquida.authorizations") != std::string::npos);
    {
        // The mock has no CreateTopics: open succeeds only if kafka-dev created all four.
        auto log = open_log(dev.bootstrap());
        for (const auto& t : log->topics()) CHECK(t.partitions == kPartitions);
        log->close();
    }
    CHECK(dev.stop() == 0);
}

TEST_CASE("kafka-dev --port: clients bootstrap through 127.0.0.1:PORT", "[events][kafka][kafka-dev]") {
    const uint16_t port = free_port();
    const std::string address = "127.0.0.1:" + std::to_string(port);
    KafkaDev dev(LIQUIDA_BIN, {"--brokers", "3", "--port", std::to_string(port), "--partitions", std::to_string(kPartitions)});
    CHECK(dev.bootstrap().find(address) == 0);

    // Only the forwarded port is given: every other broker is learnt from metadata.
    auto log = open_log(address);
    auto published = publish_orders(*log, {1042});
    REQUIRE(published.size() == 4);
    for (const auto& p : published) {
        auto read = log->read(p.at.tp, p.at.base_offset, 1);
        REQUIRE(read);
        REQUIRE(read->size() == 1);
        CHECK(decode(read->at(0).record.value).value() == p.envelope);
    }
    log->close();

    // An external client too.
    const std::string kcat = find_tool({"kcat", "kafkacat"}, "-V", "kcat");
    if (!kcat.empty()) {
        auto meta = sh("timeout 30 " + kcat + " -L -b " + address);
        INFO(meta.out);
        CHECK(meta.code == 0);
        CHECK(meta.out.find("3 brokers") != std::string::npos);
        CHECK(meta.out.find("liquida.billing") != std::string::npos);
    }
    CHECK(dev.stop() == 0);
}

TEST_CASE("kafka-dev --port: a port already taken is a clear error", "[events][kafka][kafka-dev]") {
    const auto [s, bound] = bound_loopback();
    REQUIRE(listen(s, 1) == 0);
    const std::string port = std::to_string(bound);
    auto r = sh("timeout 30 " + std::string(LIQUIDA_BIN) + " kafka-dev --port " + port);
    close(s);
    CHECK(r.code == 1);
    CHECK(r.out.find("cannot listen on 127.0.0.1:" + port) != std::string::npos);
}

TEST_CASE("consumers: kcat prints keys and headers, and partitions are murmur2 of the key", "[events][kafka][consumers]") {
    ConsumersSetup s;
    auto r = sh("timeout 30 " + s.kcat + " -C -q -b " + s.bs +
                " -X isolation.level=read_committed -t liquida.orders -o beginning -e -f '%k %p:%o %h\\n'");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto got = lines(r.out);
    CHECK(got.size() == s.published.size());
    for (const auto& line : got) {
        const auto space = line.find(' ', line.find(' ') + 1);
        const auto it = s.expected.find(line.substr(0, space));
        REQUIRE(it != s.expected.end());
        const Envelope& e = *it->second;
        const std::string headers = line.substr(space + 1);
        CHECK(headers.find("liquida.kind=" + std::string(domain::event_name(e.payload))) != std::string::npos);
        CHECK(headers.find("liquida.schema_version=" + std::to_string(events::kSchemaVersion)) != std::string::npos);
        CHECK(headers.find("liquida.event_id=" + e.event_id.to_string()) != std::string::npos);
        CHECK(headers.find("liquida.occurred_at=" + std::to_string(e.occurred_at)) != std::string::npos);
        const std::string key = std::to_string(e.provider_id.value());
        CHECK(line.find(key + " " + std::to_string(partition_for(key, kPartitions)) + ":") == 0);
    }
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: a record librdkafka partitions with murmur2_random lands where partition_for says", "[events][kafka][consumers]") {
    ConsumersSetup s;
    // As the Java clients' default partitioner: every client agrees on a key's partition.
    auto produce = sh("printf '1042:x\\n7:x\\n99:x\\n31337:x\\n' | timeout 30 " + s.kcat + " -P -q -b " + s.bs +
                      " -t liquida.billing -K : -X partitioner=murmur2_random");
    INFO(produce.out);
    REQUIRE(produce.code == 0);
    auto r = sh("timeout 30 " + s.kcat + " -C -q -b " + s.bs + " -t liquida.billing -o beginning -e -f '%k %p\\n'");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto got = lines(r.out);
    CHECK(got.size() == 4);
    for (const auto& line : got) {
        const std::string key = line.substr(0, line.find(' '));
        CHECK(line == key + " " + std::to_string(partition_for(key, kPartitions)));
    }
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: flatc --json decodes a value with events/schema", "[events][kafka][consumers]") {
    ConsumersSetup s;
    const Published& p = s.published.front();  // provider 1042's order_loaded
    REQUIRE(std::holds_alternative<domain::OrderLoaded>(p.envelope.payload));
    const std::string value = (s.dir.path() / "value.bin").string();
    auto dump = sh("timeout 30 " + s.kcat + " -C -q -b " + s.bs + " -t liquida.orders -p " + std::to_string(p.at.tp.partition) + " -o " +
                   std::to_string(p.at.base_offset) + " -c 1 -e -f '%s' > " + quote(value));
    INFO(dump.out);
    REQUIRE(dump.code == 0);
    {
        std::ifstream in(value, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(decode(bytes).value() == p.envelope);  // the exact envelope, byte for byte decodable
    }
    auto json = sh("cd " + quote(s.source) + " && timeout 30 " + s.flatc + " --json --raw-binary -I events/schema -o " +
                   quote(s.dir.str()) + " events/schema/envelope.fbs -- " + quote(value));
    INFO(json.out);
    REQUIRE(json.code == 0);
    std::ifstream in(s.dir.path() / "value.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(text);
    CHECK(text.find("payload_type: \"OrderLoaded\"") != std::string::npos);
    CHECK(text.find("provider_id: 1042") != std::string::npos);
    CHECK(text.find("command_id: \"" + p.envelope.command_id + "\"") != std::string::npos);
    const auto& order = std::get<domain::OrderLoaded>(p.envelope.payload);
    CHECK(text.find("order_id: \"" + order.order_id + "\"") != std::string::npos);

    // Strict JSON (for jq) with the fields that hold their default value, as documented.
    const std::string strict = (s.dir.path() / "strict").string();
    auto sj = sh("cd " + quote(s.source) + " && timeout 30 " + s.flatc +
                 " --json --strict-json --defaults-json --raw-binary -I events/schema -o " + quote(strict) +
                 " events/schema/envelope.fbs -- " + quote(value));
    INFO(sj.out);
    REQUIRE(sj.code == 0);
    std::ifstream sin(std::filesystem::path(strict) / "value.json");
    const std::string stext((std::istreambuf_iterator<char>(sin)), std::istreambuf_iterator<char>());
    INFO(stext);
    CHECK(stext.find("\"payload_type\": \"OrderLoaded\"") != std::string::npos);
    CHECK(stext.find("\"schema_version\": " + std::to_string(events::kSchemaVersion)) != std::string::npos);
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: docs/examples/consumer.py prints partition:offset, key and kind", "[events][kafka][consumers]") {
    ConsumersSetup s;
    const std::string script = quote(s.source + "/docs/examples/consumer.py");
    auto bounded = sh("timeout 60 " + s.python + " " + script + " " + s.bs + " liquida.orders --max 5 --timeout 30");
    INFO(bounded.out);
    CHECK(bounded.code == 0);
    CHECK(lines(bounded.out).size() == 5);

    auto all = sh("timeout 60 " + s.python + " " + script + " " + s.bs + " liquida.orders --timeout 30");
    INFO(all.out);
    REQUIRE(all.code == 0);
    const auto got = lines(all.out);
    CHECK(got.size() == s.published.size());
    std::set<std::string> seen;
    for (const auto& line : got) {
        // "P:O key=K kind=KIND"
        std::istringstream in(line);
        std::string at, key, kind;
        in >> at >> key >> kind;
        const std::string id = key.substr(key.find('=') + 1) + " " + at;
        const auto it = s.expected.find(id);
        REQUIRE(it != s.expected.end());
        CHECK(kind == "kind=" + std::string(domain::event_name(it->second->payload)));
        seen.insert(id);
    }
    CHECK(seen.size() == s.published.size());

    // --decode with the classes flatc generates from the contract.
    const std::string gen = (s.dir.path() / "gen").string();
    auto generate = sh("cd " + quote(s.source) + " && timeout 30 " + s.flatc + " --python -o " + quote(gen) +
                       " events/schema/common.fbs events/schema/envelope.fbs");
    INFO(generate.out);
    REQUIRE(generate.code == 0);
    auto decoded = sh("timeout 60 " + s.python + " " + script + " " + s.bs + " liquida.orders --timeout 30 --decode " + quote(gen));
    INFO(decoded.out);
    REQUIRE(decoded.code == 0);
    const auto dl = lines(decoded.out);
    CHECK(dl.size() == s.published.size());
    for (const auto& line : dl) {
        std::istringstream in(line);
        std::string at, key, kind, payload, provider;
        in >> at >> key >> kind >> payload >> provider;
        const auto it = s.expected.find(key.substr(key.find('=') + 1) + " " + at);
        REQUIRE(it != s.expected.end());
        CHECK(provider == "provider=" + std::to_string(it->second->provider_id.value()));
        CHECK(payload.find("payload=Order") == 0);
    }
    CHECK(decoded.out.find("payload=OrderLoaded provider=1042") != std::string::npos);
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: docs/examples/consumer.py, like the views, skips the records a dead writer left half-written",
          "[events][kafka][consumers]") {
    ConsumersSetup s;
    const TopicPartition tp{"liquida.orders", partition_for("555", kPartitions)};
    const TopicPartition other{"liquida.orders", (tp.partition + 1) % kPartitions};
    auto log = open_log(s.dev.bootstrap());
    auto sample = log->read(s.published.front().at.tp, s.published.front().at.base_offset, 1);
    REQUIRE(sample);
    REQUIRE(sample->size() == 1);
    const Record& r = sample->front().record;
    test::DeadWriter dead(s.dev.bootstrap());
    dead.write_prefix(tp, {r, r}, 3);  // interrupted by the batches below
    const auto after = publish_orders(*log, {555});
    dead.write_prefix(other, {r}, 2);  // at the end: undecided
    log->close();
    const int64_t dead_from = after.front().at.base_offset - 2;

    auto all =
        sh("timeout 60 " + s.python + " " + quote(s.source + "/docs/examples/consumer.py") + " " + s.bs + " liquida.orders --timeout 30");
    INFO(all.out);
    REQUIRE(all.code == 0);
    const auto got = lines(all.out);
    CHECK(got.size() == s.published.size() + after.size());
    for (int64_t o = dead_from; o < dead_from + 2; ++o)
        CHECK(all.out.find(std::to_string(tp.partition) + ":" + std::to_string(o) + " ") == std::string::npos);
    for (const auto& p : after)
        CHECK(all.out.find(std::to_string(tp.partition) + ":" + std::to_string(p.at.base_offset) + " key=555 ") != std::string::npos);
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: docs/examples/consumer.py ends at once on an empty topic", "[events][kafka][consumers]") {
    ConsumersSetup s;
    auto r =
        sh("timeout 60 " + s.python + " " + quote(s.source + "/docs/examples/consumer.py") + " " + s.bs + " liquida.padron --timeout 30");
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(lines(r.out).empty());
    CHECK(s.dev.stop() == 0);
}

TEST_CASE("consumers: on the real cluster, Kafka's console consumer (read_committed), kcat and consumer.py read every event",
          "[events][kafka][consumers][cluster]") {
    const std::string kcat = find_tool({"kcat", "kafkacat"}, "-V", "kcat");
    const std::string python = find_tool({"/usr/bin/python3", "python3"}, "-c 'import confluent_kafka'", "python3-confluent-kafka");
    REQUIRE_FALSE(kcat.empty());
    REQUIRE_FALSE(python.empty());
    const std::string bootstrap = test::KafkaCluster::get().bootstrap();
    const std::string prefix = test::KafkaCluster::new_prefix();
    const std::string topic = prefix + "liquida.orders";
    std::set<std::string> expected;  // "partition:offset key"
    {
        auto log = open_kafka_log({bootstrap, default_topics(kPartitions), 3, {{"log_level", "2"}}, 30s, prefix});
        if (!log) FAIL(log.error().message);
        for (const auto& p : publish_orders(**log, {1042, 7, 99}))
            expected.insert(std::to_string(p.at.tp.partition) + ":" + std::to_string(p.at.base_offset) + " " +
                            std::to_string(p.envelope.provider_id.value()));
        (*log)->close();
    }
    REQUIRE(expected.size() == 12);
    // What a failed append leaves on Kafka: an aborted transaction. No client below shows it.
    {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        for (auto [k, v] :
             {std::pair{"bootstrap.servers", bootstrap}, {"transactional.id", prefix + "aborted"}, {"log_level", std::string("2")}})
            REQUIRE(rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
        std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> p(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), rd_kafka_destroy);
        REQUIRE(p);
        REQUIRE(rd_kafka_init_transactions(p.get(), 60000) == nullptr);
        REQUIRE(rd_kafka_begin_transaction(p.get()) == nullptr);
        std::string key = "66666", value = "never acknowledged";
        for (int32_t partition = 0; partition < kPartitions; ++partition) {
            rd_kafka_vu_t vus[5] = {};
            vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
            vus[0].u.cstr = topic.c_str();
            vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
            vus[1].u.i32 = partition;
            vus[2].vtype = RD_KAFKA_VTYPE_KEY;
            vus[2].u.mem = {key.data(), key.size()};
            vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
            vus[3].u.mem = {value.data(), value.size()};
            vus[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
            vus[4].u.i = RD_KAFKA_MSG_F_COPY;
            REQUIRE(rd_kafka_produceva(p.get(), vus, 5) == nullptr);
        }
        REQUIRE(rd_kafka_flush(p.get(), 60000) == RD_KAFKA_RESP_ERR_NO_ERROR);  // on the brokers, then aborted
        REQUIRE(rd_kafka_abort_transaction(p.get(), 60000) == nullptr);
    }
    auto as_set = [](const std::string& out) {
        const auto all = lines(out);
        return std::set<std::string>(all.begin(), all.end());
    };

    SECTION("Kafka's own console consumer, isolation.level=read_committed") {
        auto r = sh("timeout 120 " + quote(std::string(LIQUIDA_SOURCE_DIR) + "/ops/kafka/cluster") +
                    " java org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server " + bootstrap + " --topic " + topic +
                    " --from-beginning --isolation-level read_committed --max-messages 12 --timeout-ms 60000"
                    " --property print.value=false --property print.key=true"
                    " --property print.partition=true --property print.offset=true 2>/dev/null"
                    " | sed -n 's/^Partition:\\([0-9]*\\)\tOffset:\\([0-9]*\\)\t\\(.*\\)$/\\1:\\2 \\3/p'");
        INFO(r.out);
        REQUIRE(r.code == 0);
        CHECK(as_set(r.out) == expected);
    }
    SECTION("kcat") {
        auto r = sh("timeout 30 " + kcat + " -C -q -b " + bootstrap + " -X isolation.level=read_committed -t " + topic +
                    " -o beginning -e -f '%p:%o %k\\n'");
        INFO(r.out);
        REQUIRE(r.code == 0);
        CHECK(as_set(r.out) == expected);
    }
    SECTION("docs/examples/consumer.py") {
        auto r = sh("timeout 60 " + python + " " + quote(std::string(LIQUIDA_SOURCE_DIR) + "/docs/examples/consumer.py") + " " + bootstrap +
                    " " + topic + " --timeout 30 | sed 's/ key=/ /; s/ kind=.*//'");
        INFO(r.out);
        REQUIRE(r.code == 0);
        CHECK(as_set(r.out) == expected);
    }
}

TEST_CASE("consumers: ops/kafka matches the topics and librdkafka accepts client.properties", "[events][kafka][consumers]") {
    const std::string source = LIQUIDA_SOURCE_DIR;
    auto r = sh("timeout 30 " + quote(source + "/ops/kafka/topics.sh") + " kafka-1:9092 --partitions 12 --dry-run");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto got = lines(r.out);
    REQUIRE(got.size() == kAllTopics.size());
    for (const auto& t : default_topics(12)) {
        bool found = false;
        for (const auto& line : got)
            if (line.find("--topic " + t.name + " --partitions 12 --replication-factor 3") != std::string::npos) {
                found = true;
                for (const char* c : {"min.insync.replicas=2", "retention.ms=-1", "cleanup.policy=delete", "compression.type=lz4"})
                    CHECK(line.find(std::string("--config ") + c) != std::string::npos);
            }
        CHECK(found);
    }

    // Every property of the --kafka-config example is a valid librdkafka name and value.
    std::ifstream in(source + "/ops/kafka/client.properties");
    REQUIRE(in);
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    int properties = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        REQUIRE(eq != std::string::npos);
        char error[512];
        INFO(line);
        CHECK(rd_kafka_conf_set(conf, line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), error, sizeof error) == RD_KAFKA_CONF_OK);
        ++properties;
    }
    rd_kafka_conf_destroy(conf);
    CHECK(properties >= 5);
}

namespace {

// `liquida simulate` of one seeded month on Kafka (`kafka`: the log options) and on the
// embedded log; `liquida views digest` of both must print the same digests. `crash_first`
// (the log's options): a first run on Kafka is SIGKILL'd once it has appended some records,
// in the middle of its transactions; the second run then retries every command under the
// same ids.
void simulate_matches_embedded(const std::string& kafka, const std::optional<KafkaLogOptions>& crash_first = std::nullopt) {
    test::TempDir dir;
    const std::string bin = LIQUIDA_BIN;
    const std::string sim = " simulate --seed 5 --scale 0.002 --months 1 --start 2025-06 --no-sync";
    const std::string embedded_data = quote((dir.path() / "embedded").string());
    const std::string kafka_data = quote((dir.path() / "kafka").string());
    if (crash_first) {
        test::Child first("/bin/sh", {"-c", "exec " + bin + sim + " --data " + kafka_data + kafka}, "liquida simulate:");
        auto reader = open_kafka_log(*crash_first);  // reads only: never fences the writer
        if (!reader) FAIL(reader.error().message);
        auto appended = [&] {
            int64_t n = 0;
            for (const auto& t : (*reader)->topics())
                for (int32_t p = 0; p < t.partitions; ++p)
                    if (auto end = (*reader)->end_offset({t.name, p})) n += *end;
            return n;
        };
        for (const auto until = std::chrono::steady_clock::now() + 120s; appended() < 40 && std::chrono::steady_clock::now() < until;)
            std::this_thread::sleep_for(20ms);
        REQUIRE(appended() >= 40);
        REQUIRE(first.crash());  // still appending
    }
    Run a = sh("timeout 300 " + bin + sim + " --data " + embedded_data);
    INFO(a.out);
    REQUIRE(a.code == 0);
    Run b = sh("timeout 300 " + bin + sim + " --data " + kafka_data + kafka);
    INFO(b.out);
    REQUIRE(b.code == 0);
    if (crash_first) CHECK(b.out.find("(0 already in the log)") == std::string::npos);  // the first run's, not appended again
    // The digests are stdout; progress goes to stderr, dropped here.
    Run da = sh("timeout 300 " + bin + " views digest --data " + embedded_data + " 2>/dev/null | cat");
    Run db = sh("timeout 300 " + bin + " views digest --data " + kafka_data + kafka + " 2>/dev/null | cat");
    INFO(da.out << "\n" << db.out);
    REQUIRE(da.code == 0);
    REQUIRE(db.code == 0);
    const auto digests = lines(da.out);
    REQUIRE(digests.size() == 5);
    CHECK(digests[0].find("padron ") == 0);
    CHECK(digests[1].find("pending ") == 0);
    CHECK(digests[2].find("settlement ") == 0);
    CHECK(digests[3].find("validation ") == 0);
    CHECK(digests[4].find("orders ") == 0);
    CHECK(da.out == db.out);
}

}  // namespace

TEST_CASE("simulate --seed S on Kafka and on the embedded log gives views with identical digests", "[events][kafka][simulate]") {
    KafkaDev dev(LIQUIDA_BIN, {"--partitions", "8"});
    simulate_matches_embedded(" --kafka " + quote(dev.bootstrap()));
}

TEST_CASE("simulate on the real cluster, under --kafka-topic-prefix with --kafka-replication 3, gives the embedded log's digests",
          "[events][kafka][simulate][cluster]") {
    const auto& cluster = test::KafkaCluster::get();
    const std::string prefix = test::KafkaCluster::new_prefix();
    simulate_matches_embedded(" --kafka " + quote(cluster.bootstrap()) + " --kafka-topic-prefix " + quote(prefix) +
                              " --kafka-replication 3");
    // The topics carry the prefix and the replication asked for.
    const std::string described = cluster.run("java org.apache.kafka.tools.TopicCommand --bootstrap-server " + cluster.bootstrap() +
                                                  " --describe --topic '" + prefix + "liquida.orders'",
                                              120);
    INFO(described);
    CHECK(described.find("ReplicationFactor: 3") != std::string::npos);
    CHECK(described.find("PartitionCount: 8") != std::string::npos);
}

TEST_CASE("simulate SIGKILL'd in the middle of its transactions on the real cluster, then run again, gives the embedded log's digests",
          "[events][kafka][simulate][cluster]") {
    // The second run fences the dead one's transactional id (its open transaction is aborted at
    // once) and retries every command: those that landed are not appended again, the one cut
    // short lands once. Equal digests: nothing lost, nothing twice.
    const std::string bootstrap = test::KafkaCluster::get().bootstrap(), prefix = test::KafkaCluster::new_prefix();
    simulate_matches_embedded(
        " --kafka " + quote(bootstrap) + " --kafka-topic-prefix " + quote(prefix) + " --kafka-replication 3 --partitions 8",
        KafkaLogOptions{bootstrap, default_topics(8), 3, {{"log_level", "2"}}, 30s, prefix});
}
