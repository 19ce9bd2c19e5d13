// What the gateway tests share: a Gateway started in-process on port 0 over an embedded log
// in a temp dir (Env), small Beast HTTP and websocket clients, commands and seeded data.
#pragma once

#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <deque>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <source_location>
#include <sstream>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <vector>

#include "events/codec.h"
#include "events/log.h"
#include "events/publisher.h"
#include "events/sha256.h"
#include "events/topics.h"
#include "fixtures.h"
#include "gateway/auth.h"
#include "gateway/gateway.h"
#include "replay/replay.h"
#include "gateway/json.h"
#include "gateway/ws_messages.h"
#include "gateway/live.h"
#include "projections/views.h"
#include "tests/support/http_client.h"
#include "tests/support/rocksdb_raw.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ws_client.h"

namespace liquida::test::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;
using namespace liquida::test;
namespace gw = liquida::gateway;
namespace ev = liquida::events;
namespace proj = liquida::projections;
using gw::Role;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kKey = "server-test-key-0123456789abcdef";
constexpr uint64_t kProvider = 1042;  // in the padrón, orders and a budget
constexpr uint64_t kOther = 2077;     // registered, not enrolled
constexpr uint64_t kTransaction = 128183733;
constexpr auto kWait = 10s;  // the longest any one network wait may take
constexpr int32_t kPartitions = 2;

inline tcp::endpoint local(uint16_t port) { return {net::ip::make_address("127.0.0.1"), port}; }
using liquida::test::WsClient;

// The next message, which must be of `type`.
inline json expect(WsClient& ws, const std::string& type, std::chrono::milliseconds timeout = kWait,
                   std::source_location where = std::source_location::current()) {
    auto m = ws.next(timeout);
    INFO("waiting at line " << where.line() << " for a message of type " << type);
    REQUIRE(m.has_value());
    INFO(m->dump());
    REQUIRE(m->is_object());
    REQUIRE(m->value("type", "") == type);
    return *m;
}

// A live connection signed in with `token` and subscribed to `view` as `id`, its snapshot read.
inline json subscribed(WsClient& ws, const std::string& token, const std::string& view, const std::string& id) {
    REQUIRE(ws.connect("/v1/live") == 101);
    ws.send({{"auth", token}});
    expect(ws, "authenticated");
    ws.send({{"subscribe", view}, {"id", id}});
    return expect(ws, "snapshot");
}

// Reads messages until `n` of them satisfy `wanted`; returns those (all read ones go to `seen`).
template <class Wanted>
inline std::vector<json> collect(WsClient& ws, Wanted wanted, size_t n, std::vector<json>* seen = nullptr,
                                 std::source_location where = std::source_location::current()) {
    std::vector<json> out;
    const auto deadline = Clock::now() + kWait;
    while (out.size() < n && Clock::now() < deadline) {
        auto m = ws.next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
        if (!m) break;
        if (seen) seen->push_back(*m);
        if (wanted(*m)) out.push_back(*m);
    }
    INFO("collected " << out.size() << " of " << n << " at line " << where.line());
    REQUIRE(out.size() == n);
    return out;
}

inline auto change_of(const std::string& subscription) {
    return [subscription](const json& m) { return m.value("type", "") == "change" && m.value("subscription", "") == subscription; };
}
// A change of `subscription` to a row whose key starts with `prefix`. Tests wait for the changes
// of their own commands by key: a batch the views committed just before a snapshot may still be
// delivered after it (the same row states again), as the API documents.
inline auto change_of(const std::string& subscription, const std::string& prefix) {
    return [subscription, prefix](const json& m) {
        return m.value("type", "") == "change" && m.value("subscription", "") == subscription && m.value("key", "").rfind(prefix, 0) == 0;
    };
}

// --- The gateway under test --------------------------------------------------------------------

struct Env {
    TempDir dir;
    std::unique_ptr<ev::EventLog> log;
    std::unique_ptr<proj::Views> views;
    std::atomic<int64_t> now{at(2025, 5, 2, 10)};
    std::atomic<int64_t> business{0};  // the business clock (GatewayOptions::business_clock); 0: `now`
    // A test clock in DATA/test-clock from this instant (GatewayOptions::test_clock), opened
    // again at every start as `serve` does; 0: none.
    int64_t test_clock_start = 0;
    std::unique_ptr<liquida::service::TestClock> test_clock;
    gw::ServerOptions server;
    std::string static_dir;  // the dashboard's files; none when empty
    std::chrono::milliseconds auth_timeout{10'000};
    const liquida::domain::Config* config = &seed_config();  // another takes effect at the next start()
    std::unique_ptr<gw::Gateway> gateway;

    explicit Env(gw::ServerOptions options = {}, int64_t test_clock_at = 0) : test_clock_start(test_clock_at), server(std::move(options)) {
        auto l = ev::open_embedded_log({(dir.path() / "log").string(), ev::default_topics(kPartitions), false});
        REQUIRE(l.has_value());
        log = std::move(*l);
        auto v = proj::Views::open((dir.path() / "views").string());
        REQUIRE(v.has_value());
        views = std::move(*v);
        start();
    }
    ~Env() { gateway.reset(); }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;

    void start() {
        server.listen = "127.0.0.1";
        server.port = 0;
        server.threads = 2;
        gw::GatewayOptions options;
        options.server = server;
        options.key = kKey;
        options.workers = 4;
        options.clock = [this] { return now.load(); };
        options.business_clock = [this] { return business.load() != 0 ? business.load() : now.load(); };
        if (test_clock_start != 0) {
            test_clock.reset();
            auto c = liquida::service::TestClock::open((dir.path() / "test-clock").string(), test_clock_start);
            REQUIRE(c.has_value());
            test_clock = std::move(*c);
            options.test_clock = test_clock.get();
        }
        options.data_dir = dir.str();
        options.static_dir = static_dir;
        options.auth_timeout = auth_timeout;
        options.file_page_rows = 1;  // every listing's file crosses page boundaries
        gateway = std::make_unique<gw::Gateway>(*log, *views, *config, options);
        const std::string error = gateway->start();
        INFO(error);
        REQUIRE(error.empty());
    }
    // Appends one event as the colegio's command `command_id` straight to the log, as another
    // writer would; `digest`: the command's (gateway/json.h), or none.
    ev::AppendResult append_directly(uint64_t provider, const std::string& command_id, const Event& event, const std::string& digest = "") {
        ev::Envelope e;
        e.event_id = ev::EventId::random();
        e.occurred_at = e.recorded_at = now.load();
        e.provider_id = ProviderId{provider};
        e.actor_id = "colegio:secretaria";
        e.command_id = command_id;
        e.payload = event;
        auto r = ev::publish(*log, std::span(&e, 1), digest);
        REQUIRE(r.has_value());
        return *r;
    }
    // The log closed and opened again (the gateway must be stopped).
    void reopen_log() {
        log.reset();
        auto l = ev::open_embedded_log({(dir.path() / "log").string(), ev::default_topics(kPartitions), false});
        REQUIRE(l.has_value());
        log = std::move(*l);
    }
    // A new gateway over the same log and views (history and ids held in memory are gone).
    void restart() {
        gateway.reset();
        start();
    }
    uint16_t port() const { return gateway->port(); }
    // Both clocks to `instant`: the real one, and the test clock when there is one (forward only).
    void move_to(int64_t instant) {
        now = instant;
        if (test_clock) REQUIRE(test_clock->set(instant).has_value());
    }

    std::string token(Role role, const std::string& subject, int64_t ttl_ms = 10LL * 365 * 86'400'000) const {
        return gw::sign({role, subject, now.load() + ttl_ms}, kKey);
    }
    std::string colegio() const { return token(Role::colegio, "secretaria"); }

    std::vector<ev::TopicPartition> partitions(const std::string& topic = "") const {
        std::vector<ev::TopicPartition> out;
        for (const auto& t : log->topics())
            if (topic.empty() || t.name == topic)
                for (int32_t p = 0; p < t.partitions; ++p) out.push_back({t.name, p});
        return out;
    }
    // Records in the log (of one topic, or all).
    int64_t end_offsets(const std::string& topic = "") const {
        int64_t sum = 0;
        for (const auto& tp : partitions(topic)) {
            auto end = log->end_offset(tp);
            REQUIRE(end.has_value());
            sum += *end;
        }
        return sum;
    }
    // Waits until the views have applied everything in the log.
    void sync() const {
        const auto deadline = Clock::now() + kWait;
        for (;;) {
            bool caught_up = true;
            for (const auto& tp : partitions()) caught_up = caught_up && views->applied(tp) == *log->end_offset(tp);
            if (caught_up) return;
            REQUIRE(Clock::now() < deadline);
            std::this_thread::sleep_for(5ms);
        }
    }
};

inline std::string body_of(uint64_t provider, const Command& c, std::string command_id = "") {
    return gw::to_json(gw::CommandRequest{"", ProviderId{provider}, std::move(command_id), c}).dump();
}
// What the gateway stores on a command's records to tell a retry: the SHA-256 of its body.
inline std::string fingerprint(uint64_t provider, const Command& c) { return liquida::events::Sha256().update(body_of(provider, c)).hex(); }

inline Reply post(HttpClient& h, const std::string& token, uint64_t provider, const Command& c, const std::string& idempotency_key = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    return h.request(http::verb::post, "/v1/commands", token, body_of(provider, c), headers);
}

// Posts and requires 201; the answer.
inline json ok(HttpClient& h, const std::string& token, uint64_t provider, const Command& c) {
    auto r = post(h, token, provider, c);
    INFO(gw::command_name(c) << " for " << provider << ": " << r.status() << " " << r.body());
    REQUIRE(r.status() == 201);
    return r.json_body();
}

inline json get_json(HttpClient& h, const std::string& target, const std::string& token) {
    auto r = h.get(target, token);
    INFO("GET " << target << ": " << r.status() << " " << r.body());
    REQUIRE(r.status() == 200);
    auto j = r.json_body();
    REQUIRE(j.is_object());
    return j;
}

inline std::vector<std::string> lines_of(const std::string& csv) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < csv.size()) {
        const auto end = csv.find("\r\n", start);
        REQUIRE(end != std::string::npos);  // every line ends with CRLF
        out.push_back(csv.substr(start, end - start));
        start = end + 2;
    }
    return out;
}
inline std::vector<std::string> fields_of(const std::string& line, char separator = ';') {
    std::vector<std::string> out;
    std::string field;
    std::stringstream in(line);
    while (std::getline(in, field, separator)) out.push_back(field);
    if (!line.empty() && line.back() == separator) out.emplace_back();
    return out;
}

// "1234,56", as the CSVs write centavos.
inline std::string pesos(int64_t centavos) {
    return std::to_string(centavos / 100) + "," + (centavos % 100 < 10 ? "0" : "") + std::to_string(centavos % 100);
}

// A metric's value in /metrics text; -1 when absent.
inline double metric(const std::string& text, const std::string& name) {
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    return -1;
}

inline ConsumePractices consume(uint64_t transaction, uint32_t item) {
    return ConsumePractices{TransactionRef{88, "T", transaction}, {item}, false, {}, transaction * 100 + item, true};
}
inline LoadOrder order(const std::string& id) {
    LoadOrder o = complete_order(id, kSancor, "330101", date_from_civil(2025, 6, 1));
    o.affiliate_name = "GOMEZ ANA";
    o.plan = "S800V";
    return o;
}

struct Seeded {     // NOLINT(bugprone-exception-escape): json's noexcept move, read as throwing
    json order_o2;  // the answer to loading o-2
};

// The world most tests start from, built through POST /v1/commands as the colegio:
//   1042 registered in May 2025, adhered to sancor, insssep and ioma, five documents approved
//        (seguro until 2025-07-10, the others until 2030), enrolled; on 2025-06-03 orders o-1
//        (approved) and o-2 for sancor, budget 88-T-128183733 for insssep (items 1-3
//        authorized, item 2 consumed).
//   2077 registered, adhered to sancor, one document uploaded and not verified, not enrolled.
// Leaves the clock at 2025-06-03 10:00.
inline Seeded seed(Env& env, HttpClient& h) {
    const auto t = env.colegio();
    env.move_to(at(2025, 5, 2, 10));
    ok(h, t, kProvider,
       RegisterProvider{"MP-1234", kCuit, "USAR - PARA PRUEBAS CONECT", IvaCondition::no_alcanzado, kCbu, "A", false,
                        "J. D. Peron 281, Salto Grande", "conectividad@example.com", "(3493) 423567"});
    ok(h, t, kProvider, AdhereToObraSocial{kSancor, "8481"});
    ok(h, t, kProvider, AdhereToObraSocial{kInsssep, "3-333", "COLEGIO DE ODONTOLOGOS"});
    ok(h, t, kProvider, AdhereToObraSocial{kIoma, "IOMA-77"});
    const std::pair<DocumentType, const char*> docs[] = {{DocumentType::rnp, "rnp"},
                                                         {DocumentType::afip, "afip"},
                                                         {DocumentType::cbu, "cbu"},
                                                         {DocumentType::seguro, "seguro"},
                                                         {DocumentType::anexo1, "anexo1"}};
    for (const auto& [type, name] : docs) {
        const std::string id = "1042-" + std::string(name);
        const Date expires = type == DocumentType::seguro ? date_from_civil(2025, 7, 10) : date_from_civil(2030, 12, 31);
        ok(h, t, kProvider, UploadDocument{type, id, "s3://docs/" + id, expires});
        ok(h, t, kProvider, VerifyDocument{id, true, ""});
    }
    ok(h, t, kProvider, EnrollInPadron{});
    ok(h, t, kOther,
       RegisterProvider{"MP-2077", kCuit, "Odontologia Sur", IvaCondition::monotributo, kCbu, "A", false, "Sur 1", "sur@example.com",
                        "(343) 400000"});
    ok(h, t, kOther, AdhereToObraSocial{kSancor, "9001"});
    ok(h, t, kOther, UploadDocument{DocumentType::rnp, "2077-rnp", "s3://docs/2077-rnp", date_from_civil(2030, 12, 31)});

    env.move_to(at(2025, 6, 3, 10));
    Seeded out;
    ok(h, t, kProvider, order("o-1"));
    out.order_o2 = ok(h, t, kProvider, order("o-2"));
    ok(h, t, kProvider, ApproveOrder{"o-1"});
    ok(h, t, kProvider, insssep_budget(kTransaction));
    ok(h, t, kProvider, consume(kTransaction, 2));
    return out;
}

// Most tests' start, for TEST_CASE_METHOD: a server holding seed()'s world, its views caught
// up, a client, and the colegio's token.
struct SeededEnv {
    Env env;
    HttpClient h{env.port()};
    std::string t;
    SeededEnv() {
        seed(env, h);
        env.sync();
        t = env.colegio();
    }
};

inline std::vector<uint64_t> providers_of(const json& page) {
    std::vector<uint64_t> out;
    for (const auto& r : page["rows"]) out.push_back(r["provider"].get<uint64_t>());
    return out;
}

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

// A socket for LiveHub alone: records what it is sent.
class RecordingSocket final : public gw::WebSocket {
public:
    bool send(std::shared_ptr<const std::string> message) override {
        sent.push_back(json::parse(*message));
        return true;
    }
    bool send_snapshot(std::shared_ptr<const std::string> message) override { return send(std::move(message)); }
    void close_after(std::chrono::milliseconds, uint16_t, std::string) override {}
    void close(uint16_t, std::string) override {}
    bool is_open() const override { return true; }
    size_t queued_bytes() const override { return 0; }
    std::vector<json> sent;
};

}  // namespace liquida::test::server

using namespace liquida::test::server;
