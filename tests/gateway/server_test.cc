// The gateway over real sockets on 127.0.0.1: a Gateway started in-process on port 0 over an
// embedded log in a temp dir, driven by small Beast HTTP and websocket clients. Every wait is
// bounded (socket expiries, run_one_for deadlines); no test waits on a condition forever.
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

namespace {

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

tcp::endpoint local(uint16_t port) { return {net::ip::make_address("127.0.0.1"), port}; }
using liquida::test::WsClient;

// The next message, which must be of `type`.
json expect(WsClient& ws, const std::string& type, std::chrono::milliseconds timeout = kWait,
            std::source_location where = std::source_location::current()) {
    auto m = ws.next(timeout);
    INFO("waiting at line " << where.line() << " for a message of type " << type);
    REQUIRE(m.has_value());
    INFO(m->dump());
    REQUIRE(m->is_object());
    REQUIRE(m->value("type", "") == type);
    return *m;
}

// Reads messages until `n` of them satisfy `wanted`; returns those (all read ones go to `seen`).
template <class Wanted>
std::vector<json> collect(WsClient& ws, Wanted wanted, size_t n, std::vector<json>* seen = nullptr,
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

auto change_of(const std::string& subscription) {
    return [subscription](const json& m) { return m.value("type", "") == "change" && m.value("subscription", "") == subscription; };
}
// A change of `subscription` to a row whose key starts with `prefix`. Tests wait for the changes
// of their own commands by key: a batch the views committed just before a snapshot may still be
// delivered after it (the same row states again), as the API documents.
auto change_of(const std::string& subscription, const std::string& prefix) {
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
    gw::ServerOptions server;
    std::string static_dir;  // the dashboard's files; none when empty
    std::chrono::milliseconds auth_timeout{10'000};
    std::unique_ptr<gw::Gateway> gateway;

    explicit Env(gw::ServerOptions options = {}) : server(std::move(options)) {
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
        options.data_dir = dir.str();
        options.static_dir = static_dir;
        options.auth_timeout = auth_timeout;
        gateway = std::make_unique<gw::Gateway>(*log, *views, seed_config(), options);
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

std::string body_of(uint64_t provider, const Command& c, std::string command_id = "") {
    return gw::to_json(gw::CommandRequest{"", ProviderId{provider}, std::move(command_id), c}).dump();
}
// What the gateway stores on a command's records to tell a retry: the SHA-256 of its body.
std::string fingerprint(uint64_t provider, const Command& c) { return liquida::events::Sha256().update(body_of(provider, c)).hex(); }

Reply post(HttpClient& h, const std::string& token, uint64_t provider, const Command& c, const std::string& idempotency_key = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    return h.request(http::verb::post, "/v1/commands", token, body_of(provider, c), headers);
}

// Posts and requires 201; the answer.
json ok(HttpClient& h, const std::string& token, uint64_t provider, const Command& c) {
    auto r = post(h, token, provider, c);
    INFO(gw::command_name(c) << " for " << provider << ": " << r.status() << " " << r.body());
    REQUIRE(r.status() == 201);
    return r.json_body();
}

json get_json(HttpClient& h, const std::string& target, const std::string& token) {
    auto r = h.get(target, token);
    INFO("GET " << target << ": " << r.status() << " " << r.body());
    REQUIRE(r.status() == 200);
    auto j = r.json_body();
    REQUIRE(j.is_object());
    return j;
}

std::vector<std::string> lines_of(const std::string& csv) {
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
std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> out;
    std::string field;
    std::stringstream in(line);
    while (std::getline(in, field, ';')) out.push_back(field);
    if (!line.empty() && line.back() == ';') out.emplace_back();
    return out;
}

// "1234,56", as the CSVs write centavos.
std::string pesos(int64_t centavos) {
    return std::to_string(centavos / 100) + "," + (centavos % 100 < 10 ? "0" : "") + std::to_string(centavos % 100);
}

// A metric's value in /metrics text; -1 when absent.
double metric(const std::string& text, const std::string& name) {
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    return -1;
}

// Seed 002: the InSSSeP budget, tooth 18 extraction and two composites; all authorized.
SubmitBudget insssep_budget(uint64_t transaction) {
    return SubmitBudget{transaction, kInsssep, "51868", "59790", "", "", "K029", DiagnosisType::definitivo,
                        {BudgetLine{"100100", 18, ""}, BudgetLine{"20900", 17, "OM"}, BudgetLine{"20800", 25, "O"}},
                        "DIABETICO - Tipo 2", {}};
}
ConsumePractices consume(uint64_t transaction, uint32_t item) {
    return ConsumePractices{TransactionRef{88, "T", transaction}, {item}, false, {}};
}
LoadOrder order(const std::string& id) { return complete_order(id, kSancor, "330101", date_from_civil(2025, 6, 1)); }

struct Seeded {
    json order_o2;  // the answer to loading o-2
};

// The world most tests start from, built through POST /v1/commands as the colegio:
//   1042 registered in May 2025, adhered to sancor, insssep and ioma, five documents approved
//        (seguro until 2025-07-10, the others until 2030), enrolled; on 2025-06-03 orders o-1
//        (approved) and o-2 for sancor, budget 88-T-128183733 for insssep (items 1-3
//        authorized, item 2 consumed).
//   2077 registered, adhered to sancor, one document uploaded and not verified, not enrolled.
// Leaves the clock at 2025-06-03 10:00.
Seeded seed(Env& env, HttpClient& h) {
    const auto t = env.colegio();
    env.now = at(2025, 5, 2, 10);
    ok(h, t, kProvider,
       RegisterProvider{"MP-1234", kCuit, "USAR - PARA PRUEBAS CONECT", IvaCondition::monotributo, kCbu, "A", false,
                        "J. D. Peron 281, Salto Grande", "conectividad@example.com", "(3493) 423567"});
    ok(h, t, kProvider, AdhereToObraSocial{kSancor, "8481"});
    ok(h, t, kProvider, AdhereToObraSocial{kInsssep, "3-333"});
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
       RegisterProvider{"MP-2077", kCuit, "Odontologia Sur", IvaCondition::monotributo, kCbu, "A", false, "Sur 1",
                        "sur@example.com", "(343) 400000"});
    ok(h, t, kOther, AdhereToObraSocial{kSancor, "9001"});
    ok(h, t, kOther, UploadDocument{DocumentType::rnp, "2077-rnp", "s3://docs/2077-rnp", date_from_civil(2030, 12, 31)});

    env.now = at(2025, 6, 3, 10);
    Seeded out;
    ok(h, t, kProvider, order("o-1"));
    out.order_o2 = ok(h, t, kProvider, order("o-2"));
    ok(h, t, kProvider, ApproveOrder{"o-1"});
    ok(h, t, kProvider, insssep_budget(kTransaction));
    ok(h, t, kProvider, consume(kTransaction, 2));
    return out;
}

std::vector<uint64_t> providers_of(const json& page) {
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

}  // namespace

TEST_CASE("gateway: commands are accepted with their events or rejected with the error shape", "[gateway][http]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();

    const ev::TopicPartition orders{"liquida.orders", ev::partition_for("1042", kPartitions)};
    const int64_t next_offset = *env.log->end_offset(orders);
    const int64_t before = env.end_offsets();
    auto r = post(h, t, kProvider, order("o-3"));
    REQUIRE(r.status() == 201);
    CHECK(r.header("Content-Type") == "application/json");
    auto j = r.json_body();
    CHECK(j["duplicate"] == false);
    CHECK_FALSE(j["command_id"].get<std::string>().empty());
    REQUIRE(j["events"].size() == 1);
    const json e = j["events"][0];
    CHECK(e["kind"] == "order_loaded");
    CHECK(e["topic"] == "liquida.orders");
    CHECK(e["partition"] == orders.partition);
    CHECK(e["offset"] == next_offset);
    CHECK(std::regex_match(e["event_id"].get<std::string>(), kUuid));
    CHECK(env.end_offsets() == before + 1);
    // The event is durable in the log where the answer says, under the answer's id.
    auto stored = env.log->read(orders, next_offset, 1);
    REQUIRE(stored.has_value());
    REQUIRE(stored->size() == 1);
    auto envelope = ev::decode(stored->front().record.value);
    REQUIRE(envelope.has_value());
    CHECK(envelope->event_id.to_string() == e["event_id"]);
    CHECK(envelope->command_id == j["command_id"]);
    CHECK(envelope->actor_id == "colegio:secretaria");

    // A command the domain turns down: 422 with code, message and field; nothing appended.
    const int64_t after = env.end_offsets();
    LoadOrder unsigned_order = order("o-4");
    unsigned_order.patient_signature = false;
    r = post(h, t, kProvider, unsigned_order);
    CHECK(r.status() == 422);
    j = r.json_body();
    REQUIRE(j.contains("error"));
    CHECK(j["error"]["code"] == "order.missing_patient_signature");
    CHECK(j["error"]["field"] == "patient_signature");
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    r = post(h, t, kProvider, order("o-3"));
    CHECK(r.status() == 422);
    CHECK(r.code() == "order.duplicate_id");
    CHECK(r.field() == "order_id");
    r = post(h, t, 555, order("o-1"));
    CHECK(r.status() == 422);
    CHECK(r.code() == "order.provider_not_registered");

    // Bodies that are not a command: 400 with the error shape, never a crash.
    struct Bad {
        std::string body;
        std::string code;
        std::string field;
    };
    const std::vector<Bad> bad = {
        {"{not json", "request.invalid_json", ""},
        {"", "request.invalid_json", ""},
        {"[1, 2]", "request.invalid_json", ""},
        {std::string(200, '[') + std::string(200, ']'), "request.invalid_json", ""},
        {R"({"provider": 1042})", "request.missing_field", "command"},
        {R"({"command": "launch_rockets", "provider": 1042})", "request.unknown_command", "command"},
        {R"({"command": 7, "provider": 1042})", "request.wrong_type", "command"},
        {R"({"command": "approve_order", "provider": "1042", "order_id": "o-3"})", "request.wrong_type", "provider"},
        {R"({"command": "approve_order", "provider": 1042, "order_id": 7})", "request.wrong_type", "order_id"},
        {R"({"command": "approve_order", "provider": 1042, "order_id": "o-3", "colour": "red"})", "request.unknown_field", "colour"},
        {R"({"command": "approve_order", "provider": 0, "order_id": "o-3"})", "request.invalid_value", "provider"},
        {R"({"command": "load_order", "provider": 1042, "order_id": "o-9"})", "request.missing_field", "obra_social"},
        {R"({"command": "upload_document", "provider": 1042, "type": "selfie", "document_id": "x", "expires_on": "2030-01-01"})",
         "request.invalid_value", "type"},
    };
    for (const auto& b : bad) {
        INFO(b.body.substr(0, 120));
        r = h.request(http::verb::post, "/v1/commands", t, b.body);
        CHECK(r.status() == 400);
        CHECK(r.code() == b.code);
        CHECK(r.field() == b.field);
    }
    CHECK(env.end_offsets() == after);
    env.sync();
    // The views did not move either: o-3 is the only order added.
    const auto settlement = get_json(h, "/v1/views/settlement?period=2025-06&obra_social=sancor&provider=1042", t);
    REQUIRE(settlement["rows"].size() == 1);
    CHECK(settlement["rows"][0]["orders_loaded"]["count"] == 3);

    // Routes and methods that do not exist.
    r = h.get("/v1/nothing", t);
    CHECK(r.status() == 404);
    CHECK(r.code() == "request.not_found");
    r = h.request(http::verb::post, "/v1/views/padron", t, "{}");
    CHECK(r.status() == 405);
    CHECK(r.header("Allow") == "GET, HEAD");
    r = h.request(http::verb::post, "/healthz", t, "{}");
    CHECK(r.status() == 405);
    r = h.request(http::verb::delete_, "/v1/commands", t);
    CHECK(r.status() == 405);
    CHECK(r.code() == "request.method_not_allowed");
    CHECK(r.header("Allow") == "POST");
    // Not HTTP at all: 400, and the connection is closed.
    HttpClient garbage(env.port());
    r = garbage.raw("HELLO THERE\r\n\r\n");
    CHECK(r.status() == 400);
    CHECK(r.code() == "request.malformed");
    // The keep-alive connection served every request above.
    CHECK(h.get("/healthz").status() == 200);
}

TEST_CASE("gateway: an idempotent retry returns the original result without appending", "[gateway][http]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();
    const int64_t before = env.end_offsets();

    auto first = post(h, t, kProvider, order("o-3"), "retry-1");
    REQUIRE(first.status() == 201);
    CHECK(first.json_body()["command_id"] == "retry-1");
    CHECK(first.json_body()["duplicate"] == false);
    auto again = post(h, t, kProvider, order("o-3"), "retry-1");
    REQUIRE(again.status() == 200);
    CHECK(again.json_body()["duplicate"] == true);
    CHECK(again.json_body()["command_id"] == "retry-1");
    CHECK(again.json_body()["events"] == first.json_body()["events"]);
    CHECK(env.end_offsets() == before + 1);
    // The same id with another command is refused, and nothing is appended.
    auto other = post(h, t, kProvider, ApproveOrder{"o-3"}, "retry-1");
    CHECK(other.status() == 409);
    CHECK(other.code() == "command.id_reused");
    // A retry is the same bytes: the same command written otherwise is another body.
    auto rewritten = h.request(http::verb::post, "/v1/commands", t, json::parse(body_of(kProvider, order("o-3"))).dump(2),
                               {{"Idempotency-Key", "retry-1"}});
    CHECK(rewritten.status() == 409);
    CHECK(env.end_offsets() == before + 1);

    // The body's command_id works the same way when there is no header.
    const std::string body = body_of(kProvider, ApproveOrder{"o-3"}, "approve-o-3");
    auto a = h.request(http::verb::post, "/v1/commands", t, body);
    REQUIRE(a.status() == 201);
    auto b = h.request(http::verb::post, "/v1/commands", t, body);
    REQUIRE(b.status() == 200);
    CHECK(b.json_body()["duplicate"] == true);
    CHECK(b.json_body()["events"] == a.json_body()["events"]);
    CHECK(env.end_offsets() == before + 2);

    // A command that wrote to two topics (one append each), as the gateway records one,
    // appended while the gateway is stopped (one writer at a time).
    env.gateway.reset();
    for (const Event& event : std::vector<Event>{OrderApproved{"o-1"}, ProviderAdhered{kIoma, "IOMA-88"}})
        env.append_directly(kProvider, "both", event, fingerprint(kProvider, ApproveOrder{"o-1"}));
    const int64_t with_both = env.end_offsets();

    // A restarted gateway knows the ids from its state, and the log's records after it.
    env.start();
    HttpClient h2(env.port());
    auto later = post(h2, t, kProvider, order("o-3"), "retry-1");
    CHECK(later.status() == 200);
    CHECK(later.json_body()["events"] == first.json_body()["events"]);
    auto both = post(h2, t, kProvider, ApproveOrder{"o-1"}, "both");
    CHECK(both.status() == 200);  // recognised under the command's own id
    CHECK(both.json_body()["events"].size() == 2);
    CHECK(both.body() == both.json_body().dump());  // the bytes a JSON tree prints, members in its order
    CHECK(env.end_offsets() == with_both);

    // An id with quotes and backslashes comes back as sent, in valid JSON.
    const std::string odd = R"(o"4\x)";
    auto quoted = post(h2, t, kProvider, order("o-4"), odd);
    REQUIRE(quoted.status() == 201);
    CHECK(quoted.json_body()["command_id"] == odd);
    CHECK(quoted.body() == quoted.json_body().dump());
}

TEST_CASE("gateway: racing commands on one provider are decided one at a time", "[gateway][http]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();
    HttpClient c1(env.port()), c2(env.port());
    CHECK(c1.get("/healthz").status() == 200);  // connected before the race starts
    CHECK(c2.get("/healthz").status() == 200);

    // Both requests leave together; returns both answers.
    auto race = [&](const Command& c, const std::string& key1, const std::string& key2) {
        std::latch start(2);
        Reply r1, r2;
        std::thread a([&] {
            start.arrive_and_wait();
            r1 = post(c1, t, kProvider, c, key1);
        });
        std::thread b([&] {
            start.arrive_and_wait();
            r2 = post(c2, t, kProvider, c, key2);
        });
        a.join();
        b.join();
        return std::pair{r1, r2};
    };
    auto statuses = [](const std::pair<Reply, Reply>& p) { return std::multiset<unsigned>{p.first.status(), p.second.status()}; };
    auto loser_code = [](const std::pair<Reply, Reply>& p) { return p.first.status() == 201 ? p.second.code() : p.first.code(); };

    const int64_t orders_before = env.end_offsets("liquida.orders");
    constexpr int kRounds = 6;
    for (int i = 0; i < kRounds; ++i) {
        const auto p = race(order("race-" + std::to_string(i)), "", "");
        INFO("round " << i << ": " << p.first.body() << " / " << p.second.body());
        CHECK(statuses(p) == std::multiset<unsigned>{201, 422});
        CHECK(loser_code(p) == "order.duplicate_id");
    }
    CHECK(env.end_offsets("liquida.orders") == orders_before + kRounds);

    // Two consumptions of one authorized item: one wins, the other finds it consumed.
    ok(h, t, kProvider, insssep_budget(700));
    const int64_t auth_before = env.end_offsets("liquida.authorizations");
    for (uint32_t item = 1; item <= 3; ++item) {
        const auto p = race(consume(700, item), "", "");
        INFO("item " << item << ": " << p.first.body() << " / " << p.second.body());
        CHECK(statuses(p) == std::multiset<unsigned>{201, 422});
        CHECK(loser_code(p) == "consumption.item_already_consumed");
    }
    CHECK(env.end_offsets("liquida.authorizations") == auth_before + 3);

    // One key sent twice at once: one append, the other answer is the duplicate of it.
    const auto p = race(order("race-key"), "same-key", "same-key");
    CHECK(statuses(p) == std::multiset<unsigned>{200, 201});
    CHECK(p.first.json_body()["events"] == p.second.json_body()["events"]);
    CHECK(env.end_offsets("liquida.orders") == orders_before + kRounds + 1);
}

TEST_CASE("gateway: padron view with standing as_of expiring_within and obra social filters", "[gateway][views]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    env.now = at(2025, 6, 25, 12);
    const auto t = env.colegio();

    auto all = get_json(h, "/v1/views/padron", t);
    CHECK(all["total"] == 2);
    CHECK(all["offset"] == 0);
    CHECK(all["limit"] == 100);
    CHECK_FALSE(all.contains("next_offset"));
    CHECK(all["as_of"] == "2025-06-25");
    CHECK(providers_of(all) == std::vector<uint64_t>{kProvider, kOther});
    const auto& row = all["rows"][0];
    CHECK(row["in_good_standing"] == true);
    CHECK(row["enrolled"] == true);
    CHECK(row["enrolled_on"] == "2025-05-02");
    CHECK(row["razon_social"] == "USAR - PARA PRUEBAS CONECT");
    CHECK(row["documents"].size() == 5);
    CHECK(row["adhesions"] == json{{"sancor", "8481"}, {"insssep", "3-333"}, {"ioma", "IOMA-77"}});
    CHECK(row["missing_document"].is_null());
    CHECK(all["rows"][1]["in_good_standing"] == false);
    CHECK(all["rows"][1]["missing_document"].is_string());

    CHECK(providers_of(get_json(h, "/v1/views/padron?standing=in", t)) == std::vector<uint64_t>{kProvider});
    CHECK(providers_of(get_json(h, "/v1/views/padron?standing=out", t)) == std::vector<uint64_t>{kOther});
    // The seguro lapses after 2025-07-10: as of the 11th the provider is out.
    CHECK(providers_of(get_json(h, "/v1/views/padron?as_of=2025-07-11&standing=in", t)).empty());
    auto lapsed = get_json(h, "/v1/views/padron?as_of=2025-07-11&standing=out", t);
    CHECK(providers_of(lapsed) == std::vector<uint64_t>{kProvider, kOther});
    CHECK(lapsed["as_of"] == "2025-07-11");
    CHECK(lapsed["rows"][0]["missing_document"] == "seguro");
    CHECK(lapsed["rows"][0]["as_of"] == "2025-07-11");
    CHECK(providers_of(get_json(h, "/v1/views/padron?as_of=2025-07-10&standing=in", t)) == std::vector<uint64_t>{kProvider});

    auto expiring = get_json(h, "/v1/views/padron?expiring_within=30", t);
    REQUIRE(expiring["total"] == 1);
    CHECK(expiring["rows"][0]["provider"] == kProvider);
    CHECK(expiring["rows"][0]["document_id"] == "1042-seguro");
    CHECK(expiring["rows"][0]["type"] == "seguro");
    CHECK(expiring["rows"][0]["expires_on"] == "2025-07-10");
    CHECK(get_json(h, "/v1/views/padron?expiring_within=14", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/padron?expiring_within=10&as_of=2025-07-01", t)["total"] == 1);

    CHECK(providers_of(get_json(h, "/v1/views/padron?obra_social=ioma", t)) == std::vector<uint64_t>{kProvider});
    CHECK(providers_of(get_json(h, "/v1/views/padron?obra_social=%69oma", t)) == std::vector<uint64_t>{kProvider});  // percent-decoded
    CHECK(providers_of(get_json(h, "/v1/views/padron?obra_social=sancor", t)) == std::vector<uint64_t>{kProvider, kOther});
    CHECK(providers_of(get_json(h, "/v1/views/padron?provider=2077", t)) == std::vector<uint64_t>{kOther});

    auto one = get_json(h, "/v1/views/padron/1042", t);
    CHECK(one["provider"] == kProvider);
    CHECK(one["as_of"] == "2025-06-25");
    CHECK(get_json(h, "/v1/views/padron/1042?as_of=2025-07-11", t)["in_good_standing"] == false);
    auto r = h.get("/v1/views/padron/9999", t);
    CHECK(r.status() == 404);
    CHECK(r.code() == "view.not_found");
    r = h.get("/v1/views/padron/2077?obra_social=ioma", t);
    CHECK(r.status() == 404);

    // Pagination.
    auto first = get_json(h, "/v1/views/padron?limit=1", t);
    CHECK(first["total"] == 2);
    CHECK(first["limit"] == 1);
    CHECK(providers_of(first) == std::vector<uint64_t>{kProvider});
    CHECK(first["next_offset"] == 1);
    auto second = get_json(h, "/v1/views/padron?offset=1&limit=1", t);
    CHECK(providers_of(second) == std::vector<uint64_t>{kOther});
    CHECK_FALSE(second.contains("next_offset"));
    CHECK(get_json(h, "/v1/views/padron?offset=5", t)["rows"].empty());
    CHECK(get_json(h, "/v1/views/padron?limit=999999", t)["limit"] == 5000);

    // Bad parameters: 400 naming the parameter.
    for (const auto& [target, field] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/views/padron?standing=maybe", "standing"},
             {"/v1/views/padron?as_of=2025-13-01", "as_of"},
             {"/v1/views/padron?as_of=25/06/2025", "as_of"},
             {"/v1/views/padron?limit=-1", "limit"},
             {"/v1/views/padron?offset=x", "offset"},
             {"/v1/views/padron?provider=abc", "provider"},
             {"/v1/views/padron/abc", "provider"},
             {"/v1/views/padron?expiring_within=soon", "expiring_within"}}) {
        INFO(target);
        r = h.get(target, t);
        CHECK(r.status() == 400);
        CHECK(r.code() == "request.invalid_value");
        CHECK(r.field() == field);
    }
}

TEST_CASE("gateway: pending settlement invoices and validation views with their CSV", "[gateway][views]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();

    // Pending: items 1 and 3 of the budget (2 was consumed), with totals.
    auto pending = get_json(h, "/v1/views/pending", t);
    CHECK(pending["total"] == 2);
    REQUIRE(pending["rows"].size() == 2);
    CHECK(pending["rows"][0]["transaction"] == "88-T-128183733");
    CHECK(pending["rows"][0]["item"] == 1);
    CHECK(pending["rows"][1]["item"] == 3);
    CHECK(pending["rows"][0]["obra_social"] == "insssep");
    CHECK(pending["rows"][0]["affiliate_number"] == "51868");
    CHECK(pending["rows"][0]["practice_code"] == "100100");
    CHECK(pending["rows"][0]["tooth"] == 18);
    CHECK(pending["rows"][0]["age_days"] == 0);
    CHECK(pending["totals"] == json{{"items", 2}, {"by_provider", {{"1042", 2}}}, {"by_obra_social", {{"insssep", 2}}}});
    CHECK(get_json(h, "/v1/views/pending?affiliate=51868", t)["total"] == 2);
    CHECK(get_json(h, "/v1/views/pending?affiliate=99999", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending?obra_social=sancor", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending?obra_social=insssep&provider=1042", t)["total"] == 2);
    CHECK(get_json(h, "/v1/views/pending?provider=2077", t)["total"] == 0);
    auto page = get_json(h, "/v1/views/pending?limit=1&offset=1", t);
    CHECK(page["rows"].size() == 1);
    CHECK(page["rows"][0]["item"] == 3);
    CHECK(page["totals"]["items"] == 2);  // totals count the whole result, not the page

    // Settlement per (period, obra social, provider), and its roll-ups.
    auto sancor = get_json(h, "/v1/views/settlement?period=2025-06&obra_social=sancor&provider=1042", t);
    REQUIRE(sancor["rows"].size() == 1);
    const auto& row = sancor["rows"][0];
    CHECK(row["period"] == "2025-06");
    CHECK(row["provider"] == kProvider);
    CHECK(row["orders_loaded"]["count"] == 2);
    CHECK(row["orders_approved"]["count"] == 1);
    const int64_t total = row["total"].get<int64_t>();
    CHECK(total == row["orders_approved"]["amount"].get<int64_t>());
    CHECK(total > 0);
    auto june = get_json(h, "/v1/views/settlement?period=2025-06", t);
    std::set<std::string> insurers;
    for (const auto& r : june["rows"]) insurers.insert(r["obra_social"].get<std::string>());
    CHECK(insurers == std::set<std::string>{"insssep", "sancor"});
    auto by_os = get_json(h, "/v1/views/settlement?period=2025-06&group=obra_social", t);
    CHECK(by_os["total"] == 2);
    for (const auto& r : by_os["rows"]) CHECK_FALSE(r.contains("provider"));
    auto by_period = get_json(h, "/v1/views/settlement?group=period", t);
    REQUIRE(by_period["total"] == 1);
    CHECK(by_period["rows"][0]["period"] == "2025-06");
    CHECK(get_json(h, "/v1/views/settlement?period=2025-06&group=provider", t)["total"] == june["total"]);
    CHECK(get_json(h, "/v1/views/settlement?period=2025-07", t)["total"] == 0);
    auto r = h.get("/v1/views/settlement?group=affiliate", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "group");
    r = h.get("/v1/views/settlement?period=June", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "period");

    // An invoice for June's sancor total, sent: the F4 listing and its CSV.
    env.now = at(2025, 6, 10, 12);
    ok(h, t, kProvider,
       IssueInvoice{"f-1", kSancor, ComprobanteType::factura_b, BillingType::original, 17, 4199, "71110383321640",
                    Period{2025, 6}, total, date_from_civil(2025, 6, 10), "", "", attachments_for(kSancor)});
    ok(h, t, kProvider, SendInvoice{"f-1"});
    env.sync();
    auto invoices = get_json(h, "/v1/views/invoices?period=2025-06", t);
    REQUIRE(invoices["total"] == 1);
    const auto& inv = invoices["rows"][0];
    CHECK(inv["invoice_id"] == "f-1");
    CHECK(inv["invoice"] == "B 00017-00004199");
    CHECK(inv["amount"] == total);
    CHECK(inv["balance"] == total);
    CHECK(inv["received_at"].is_string());
    REQUIRE(inv["due_on"].is_string());
    CHECK(get_json(h, "/v1/views/invoices?obra_social=insssep", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/settlement?period=2025-06&obra_social=sancor", t)["rows"][0]["invoice_state"] == inv["state"]);

    r = h.get("/v1/views/invoices?period=2025-06&format=csv", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "text/csv; charset=utf-8");
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"facturas.csv\"");
    auto lines = lines_of(r.body());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "Prestador;Obra social;Recepcion;Factura;Periodo;Importe;Debitos;Saldo;Vencimiento;Estado;Orden de pago");
    CHECK(fields_of(lines[1]) == std::vector<std::string>{"1042", "sancor", "2025-06-10", "B 00017-00004199", "2025-06",
                                                          pesos(total), "0,00", pesos(total), inv["due_on"].get<std::string>(),
                                                          inv["state"].get<std::string>(), ""});

    // A10: one row per budget item of the month, from the ledgers; JSON and CSV.
    auto validation = get_json(h, "/v1/reports/validation?period=2025-06", t);
    REQUIRE(validation["total"] == 3);
    const auto& v = validation["rows"][0];
    CHECK(v["provider_number"] == "3-333");
    CHECK(v["matricula"] == "MP-1234");
    CHECK(v["order_number"] == "88-T-128183733");
    CHECK(v["order_date"] == "2025-06-03");
    CHECK(v["affiliate_number"] == "51868");
    CHECK(get_json(h, "/v1/reports/validation?period=2025-06&obra_social=sancor", t)["total"] == 0);
    CHECK(get_json(h, "/v1/reports/validation?period=2025-05", t)["total"] == 0);
    r = h.get("/v1/reports/validation?period=2025-06&format=csv", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "text/csv; charset=utf-8");
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"validacion-2025-06.csv\"");
    lines = lines_of(r.body());
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "Nro prestador;Razon social;Matricula;Nro orden;Fecha;Afiliado;Practica;Estado");
    std::vector<std::string> practices;
    for (size_t i = 1; i < lines.size(); ++i) {
        const auto f = fields_of(lines[i]);
        REQUIRE(f.size() == 8);
        CHECK(f[0] == "3-333");
        CHECK(f[1] == "USAR - PARA PRUEBAS CONECT");
        CHECK(f[3] == "88-T-128183733");
        CHECK(f[4] == "2025-06-03");
        CHECK(f[7] == validation["rows"][i - 1]["state"]);
        practices.push_back(f[6]);
    }
    CHECK(practices == std::vector<std::string>{"100100", "020900", "020800"});
    r = h.get("/v1/reports/validation", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "period");
}

TEST_CASE("gateway: settlement as_of a past day is rebuilt from the log, from the last monthly checkpoint", "[gateway][views][replay]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);  // o-1 and o-2 loaded on 2025-06-03, for June
    const auto t = env.colegio();
    env.now = at(2025, 6, 20, 10);
    ok(h, t, kProvider, order("o-3"));  // loaded late: rolls to July's period
    env.now = at(2025, 7, 5, 10);
    env.sync();
    // May closed: its checkpoint is where as-of rebuilds in June start.
    liquida::replay::ReplayOptions close;
    close.scratch_dir = env.dir.path() / "close-scratch";
    close.checkpoints_dir = env.dir.path() / "checkpoints";
    auto may = liquida::replay::replay_month(*env.log, {2025, 5}, seed_config(), close);
    REQUIRE(may.has_value());
    REQUIRE(may->report.checkpoint_kept);

    auto loaded = [](const json& page) {
        int64_t n = 0;
        for (const auto& r : page["rows"]) n += r["orders_loaded"]["count"].get<int64_t>();
        return n;
    };
    const json live = get_json(h, "/v1/views/settlement", t);
    CHECK(loaded(live) == 3);
    CHECK_FALSE(live.contains("as_of"));
    const json mid = get_json(h, "/v1/views/settlement?as_of=2025-06-10", t);
    CHECK(loaded(mid) == 2);  // o-3 came later
    CHECK(mid["as_of"] == "2025-06-10");
    CHECK(mid["replayed"] == true);
    CHECK(mid["from_checkpoint"] == "2025-05");
    CHECK(get_json(h, "/v1/views/settlement?as_of=2025-06-10", t) == mid);  // cached: the same answer
    CHECK(get_json(h, "/v1/views/settlement?period=2025-06&as_of=2025-06-02", t)["total"] == 0);
    const json today = get_json(h, "/v1/views/settlement?as_of=2025-07-05", t);
    CHECK(today["replayed"] == false);  // the live views are today's
    CHECK(loaded(today) == 3);
    // Scope holds: the other provider's token sees none of 1042's rows.
    const auto other = env.token(Role::prestador, std::to_string(kOther));
    CHECK(get_json(h, "/v1/views/settlement?as_of=2025-06-10", other)["total"] == 0);
    auto bad = h.get("/v1/views/settlement?as_of=2025-13-40", t);
    CHECK(bad.status() == 400);
    CHECK(bad.json_body()["error"]["field"] == "as_of");
    // The live views were never touched: still everything.
    CHECK(loaded(get_json(h, "/v1/views/settlement", t)) == 3);
    CHECK(fs::exists(env.dir.path() / "as-of" / "2025-06-10"));
}

TEST_CASE("gateway: live snapshot then every change in order", "[gateway][live]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();

    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live") == 101);
    ws.send({{"auth", t}});
    auto hello = expect(ws, "authenticated");
    CHECK(hello["role"] == "colegio");
    CHECK(hello["subject"] == "secretaria");

    ws.send({{"subscribe", "pending"}, {"id", "p"}});
    auto snap = expect(ws, "snapshot");
    CHECK(snap["subscription"] == "p");
    CHECK(snap["view"] == "pending");
    CHECK(snap["rows"].size() == 2);
    uint64_t last = snap["seq"].get<uint64_t>();
    // A second subscription on the same connection, with filters.
    ws.send({{"subscribe", "settlement"}, {"id", "s"}, {"provider", kProvider}, {"period", "2025-06"}});
    auto snap2 = expect(ws, "snapshot");
    CHECK(snap2["view"] == "settlement");
    CHECK(snap2["rows"].size() == 2);  // sancor and insssep
    CHECK(snap2["seq"].get<uint64_t>() >= last);
    last = snap2["seq"].get<uint64_t>();

    std::vector<json> seen;
    ok(h, t, kProvider, insssep_budget(300));
    auto added = collect(ws, change_of("p", "1042/88-T-300/"), 3, &seen);
    for (uint32_t i = 0; i < 3; ++i) {
        CHECK(added[i]["view"] == "pending");
        CHECK(added[i]["key"] == "1042/88-T-300/" + std::to_string(i + 1));
        CHECK(added[i]["row"]["item"] == i + 1);
        CHECK(added[i]["row"]["transaction"] == "88-T-300");
    }
    // A consumption removes the pending item and moves the settlement: one change on each.
    ok(h, t, kProvider, consume(300, 1));
    auto both = collect(
        ws, [](const json& m) { return change_of("p", "1042/88-T-300/")(m) || (change_of("s")(m) && m["row"]["billable"]["count"] == 2); }, 2,
        &seen);
    if (both[0]["subscription"] == "s") std::swap(both[0], both[1]);
    CHECK(both[0]["subscription"] == "p");
    CHECK(both[0]["key"] == "1042/88-T-300/1");
    CHECK(both[0]["row"].is_null());
    CHECK(both[1]["subscription"] == "s");
    CHECK(both[1]["key"] == "2025-06/insssep/1042");
    CHECK(both[1]["row"]["billable"]["count"] == 2);
    // Sequence numbers grow across the connection's subscriptions, past the snapshots'.
    for (const auto& m : seen) {
        INFO(m.dump());
        CHECK(m["seq"].get<uint64_t>() > last);
        last = m["seq"].get<uint64_t>();
    }

    // After unsubscribing, "p" gets nothing more while "s" goes on.
    ws.send({{"unsubscribe", "p"}});
    seen.clear();
    auto gone = collect(ws, [](const json& m) { return m.value("type", "") == "unsubscribed"; }, 1);
    CHECK(gone[0]["subscription"] == "p");
    ok(h, t, kProvider, consume(300, 2));
    collect(ws, change_of("s"), 1, &seen);
    while (auto m = ws.next(300ms)) seen.push_back(*m);
    for (const auto& m : seen) {
        INFO(m.dump());
        CHECK_FALSE(change_of("p")(m));
    }

    // Bad messages get an error and leave the connection open.
    const std::vector<std::pair<json, std::string>> bad = {
        {{{"subscribe", "nothing"}}, "request.unknown_view"},
        {{{"subscribe", "pending"}, {"provider", "x"}}, "request.wrong_type"},
        {{{"subscribe", "pending"}, {"provider", -1}}, "request.wrong_type"},
        {{{"subscribe", "settlement"}, {"period", "junio"}}, "request.wrong_type"},
        {{{"subscribe", "pending"}, {"id", 5}}, "request.wrong_type"},
        {{{"hello", 1}}, "request.unknown_message"},
        {json::array({1, 2}), "request.invalid_json"},
    };
    for (const auto& [message, code] : bad) {
        INFO(message.dump());
        ws.send(message);
        CHECK(expect(ws, "error")["code"] == code);
    }
    ws.send_text("{not json");
    CHECK(expect(ws, "error")["code"] == "request.invalid_json");
    ws.send({{"subscribe", "invoices"}, {"id", "i"}});
    CHECK(expect(ws, "snapshot")["view"] == "invoices");
    CHECK(env.gateway->hub().subscriptions() == 2);

    // A filter the view's rows do not carry is ignored, for the snapshot and the changes alike.
    ws.send({{"subscribe", "padron"}, {"id", "pad"}, {"obra_social", "ioma"}, {"period", "2025-06"}});
    CHECK(expect(ws, "snapshot")["rows"].size() == 2);
    ok(h, t, kOther, UploadDocument{DocumentType::afip, "2077-afip", "s3://docs/2077-afip", date_from_civil(2030, 12, 31)});
    auto padron = collect(ws, [](const json& m) { return change_of("pad", "2077")(m) && m["row"]["documents"].size() == 2; }, 1);
    CHECK(padron[0]["key"] == "2077");
    CHECK(padron[0]["row"]["documents"].size() == 2);
    ws.close();
}

TEST_CASE("gateway: at most 64 topic streams at once, one whose client left frees its place", "[gateway][topics]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    // Eight holders with eight streams each: each holder's own limit.
    auto holder = [&](int i) { return env.token(Role::colegio, "secretaria-" + std::to_string(i / 8)); };
    std::vector<std::unique_ptr<WsClient>> open;
    for (int i = 0; i < 64; ++i) {
        INFO("stream " << i);
        open.push_back(std::make_unique<WsClient>(env.port()));
        REQUIRE(open.back()->connect("/v1/topics/liquida.padron?from=0", holder(i)) == 101);
        expect(*open.back(), "event");
    }
    WsClient refused(env.port());
    REQUIRE(refused.connect("/v1/topics/liquida.padron?from=0", env.token(Role::colegio, "otra")) == 101);
    CHECK(expect(refused, "error")["code"] == "stream.too_many");
    CHECK(refused.wait_closed() == 1013);

    open.front()->close();
    open.erase(open.begin());
    // The server learns of the close asynchronously: a new stream fits once it has.
    const auto deadline = Clock::now() + kWait;
    bool streamed = false;
    while (!streamed && Clock::now() < deadline) {
        WsClient again(env.port());
        REQUIRE(again.connect("/v1/topics/liquida.padron?from=0", holder(0)) == 101);
        auto m = again.next();
        REQUIRE(m.has_value());
        streamed = m->value("type", "") == "event";
        if (!streamed) {
            CHECK(m->value("code", "") == "stream.too_many");
            std::this_thread::sleep_for(20ms);
        }
    }
    CHECK(streamed);
}

TEST_CASE("gateway: topic streams that ended leave room for new ones", "[gateway][topics]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    // More streams, one after the other, than may be open at once (64).
    for (int i = 0; i < 70; ++i) {
        INFO("stream " << i);
        WsClient ws(env.port());
        REQUIRE(ws.connect("/v1/topics/liquida.padron?from=0", t) == 101);
        CHECK(expect(ws, "event")["kind"] == "provider_registered");
        ws.close();
    }
}

TEST_CASE("gateway: live resume by sequence gets exactly the missed changes", "[gateway][live]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();

    // A reference client stays connected throughout: what it sees is what a resume must give.
    WsClient ref(env.port());
    REQUIRE(ref.connect("/v1/live", t) == 101);
    ref.send({{"subscribe", "pending"}, {"id", "p"}});
    expect(ref, "snapshot");

    auto a = std::make_unique<WsClient>(env.port());
    REQUIRE(a->connect("/v1/live", t) == 101);
    a->send({{"subscribe", "pending"}, {"id", "p"}});
    expect(*a, "snapshot");
    ok(h, t, kProvider, insssep_budget(601));
    const auto before = collect(*a, change_of("p", "1042/88-T-601/"), 3);
    const uint64_t last = before.back()["seq"].get<uint64_t>();
    collect(ref, change_of("p", "1042/88-T-601/"), 3);
    a->close();
    a.reset();

    // Missed while away: one removal and three additions.
    ok(h, t, kProvider, consume(601, 1));
    ok(h, t, kProvider, insssep_budget(602));
    const auto missed = collect(ref, change_of("p", "1042/88-T-60"), 4);
    CHECK(missed[0]["row"].is_null());

    WsClient b(env.port());
    REQUIRE(b.connect("/v1/live", t) == 101);
    b.send({{"subscribe", "pending"}, {"id", "p"}, {"resume_from", last}});
    auto resumed = expect(b, "resumed");
    CHECK(resumed["subscription"] == "p");
    CHECK(resumed["view"] == "pending");
    CHECK(resumed["from"] == last);
    CHECK(resumed["seq"].get<uint64_t>() >= missed.back()["seq"].get<uint64_t>());
    for (const auto& m : missed) CHECK(expect(b, "change") == m);
    CHECK_FALSE(b.next(300ms).has_value());  // exactly those

    // Resuming from where one is: nothing to send. From a sequence never reached: a snapshot.
    b.send({{"subscribe", "pending"}, {"id", "now"}, {"resume_from", resumed["seq"]}});
    expect(b, "resumed");
    CHECK_FALSE(b.next(200ms).has_value());
    b.send({{"subscribe", "pending"}, {"id", "future"}, {"resume_from", resumed["seq"].get<uint64_t>() + 1'000}});
    CHECK(expect(b, "snapshot")["rows"].size() == 7);  // 2 seeded, 601's items 2 and 3, 602's three

    // A restarted gateway holds no history: resuming gets a fresh snapshot.
    env.restart();
    WsClient c(env.port());
    REQUIRE(c.connect("/v1/live", t) == 101);
    c.send({{"subscribe", "pending"}, {"id", "p"}, {"resume_from", last}});
    auto snap = expect(c, "snapshot");
    HttpClient h2(env.port());
    CHECK(snap["rows"].size() == get_json(h2, "/v1/views/pending", t)["total"].get<size_t>());
}

TEST_CASE("gateway: live hub answers a resume from changes no longer held with a snapshot", "[gateway][live]") {
    gw::LiveHub hub(2);  // holds the last two changes
    const uint64_t base = hub.sequence();
    auto pending_row = [](uint32_t item) {
        return proj::PendingRow{ProviderId{kProvider}, TransactionRef{88, "T", 1}, item, kInsssep, "51868", "59790",
                                "100100", 18, "", at(2025, 6, 3)};
    };
    for (uint32_t item = 1; item <= 4; ++item) {
        proj::Delta d;
        d.events = 1;
        d.changes.push_back({proj::View::pending, "1042/88-T-1/" + std::to_string(item), proj::Row(pending_row(item))});
        hub.publish(d, date_from_civil(2025, 6, 3), seed_config());
    }
    CHECK(hub.sequence() == base + 4);
    auto socket = std::make_shared<RecordingSocket>();
    gw::Subscription sub;
    sub.id = "p";
    sub.view = proj::View::pending;
    hub.subscribe(socket, sub, base + 1, [] { return json::array({"fresh"}); });  // base + 2 is gone
    REQUIRE(socket->sent.size() == 1);
    CHECK(socket->sent[0]["type"] == "snapshot");
    CHECK(socket->sent[0]["seq"] == base + 4);
    CHECK(socket->sent[0]["rows"] == json::array({"fresh"}));
    sub.id = "q";
    hub.subscribe(socket, sub, base + 2, [] { return json::array(); });  // base + 3 and + 4 are held
    REQUIRE(socket->sent.size() == 4);
    CHECK(socket->sent[1]["type"] == "resumed");
    CHECK(socket->sent[2]["seq"] == base + 3);
    CHECK(socket->sent[3]["seq"] == base + 4);
    CHECK(socket->sent[3]["subscription"] == "q");
    // A sequence number from an earlier run of the server is older than anything held.
    sub.id = "r";
    hub.subscribe(socket, sub, 7, [] { return json::array(); });
    REQUIRE(socket->sent.size() == 5);
    CHECK(socket->sent[4]["type"] == "snapshot");
}

TEST_CASE("gateway: live obra social subscriber sees its pending rows come and go", "[gateway][live]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live", env.token(Role::obra_social, "insssep")) == 101);
    ws.send({{"subscribe", "pending"}, {"id", "p"}});
    CHECK(expect(ws, "snapshot")["rows"].size() == 2);
    ok(h, t, kProvider, consume(kTransaction, 3));
    auto gone = collect(ws, [](const json& m) { return change_of("p", "1042/88-T-128183733/3")(m) && m["row"].is_null(); }, 1);
    ok(h, t, kProvider, insssep_budget(900));
    auto added = collect(ws, change_of("p", "1042/88-T-900/"), 3);
    CHECK(added[0]["row"]["obra_social"] == "insssep");
    // Another insurer's subscriber sees none of it.
    WsClient other(env.port());
    REQUIRE(other.connect("/v1/live", env.token(Role::obra_social, "sancor")) == 101);
    other.send({{"subscribe", "pending"}, {"id", "p"}});
    CHECK(expect(other, "snapshot")["rows"].empty());
    ok(h, t, kProvider, consume(900, 1));
    collect(ws, change_of("p", "1042/88-T-900/1"), 1);
    while (auto m = other.next(300ms)) CHECK_FALSE(change_of("p", "1042/88-T-900/")(*m));
}

TEST_CASE("gateway: topic stream from an offset", "[gateway][topics]") {
    Env env;
    HttpClient h(env.port());
    const auto seeded = seed(env, h);
    const auto t = env.colegio();

    const auto& o2 = seeded.order_o2["events"][0];
    const int32_t partition = o2["partition"].get<int32_t>();
    const int64_t from = o2["offset"].get<int64_t>();
    CHECK(partition == ev::partition_for("1042", kPartitions));
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/topics/liquida.orders?from=" + std::to_string(from) + "&partition=" + std::to_string(partition), t) == 101);
    auto first = expect(ws, "event");
    CHECK(first["topic"] == "liquida.orders");
    CHECK(first["partition"] == partition);
    CHECK(first["offset"] == from);
    CHECK(first["event_id"] == o2["event_id"]);
    CHECK(first["kind"] == "order_loaded");
    CHECK(first["provider_id"] == kProvider);
    CHECK(first["actor_role"] == "colegio");
    CHECK(first["payload"]["order_id"] == "o-2");
    CHECK(first["payload"]["obra_social"] == "sancor");
    auto second = expect(ws, "event");
    CHECK(second["offset"] == from + 1);
    CHECK(second["kind"] == "order_approved");
    CHECK(second["payload"]["order_id"] == "o-1");
    // Then live, as events are appended.
    ok(h, t, kProvider, order("o-3"));
    auto third = expect(ws, "event");
    CHECK(third["offset"] == from + 2);
    CHECK(third["payload"]["order_id"] == "o-3");
    CHECK_FALSE(ws.next(200ms).has_value());

    // From 0 on every partition: the whole topic, each partition in offset order.
    WsClient all(env.port());
    REQUIRE(all.connect("/v1/topics/liquida.padron?from=0", t) == 101);
    const auto padron_events = env.end_offsets("liquida.padron");
    std::map<int32_t, int64_t> next;
    for (int64_t i = 0; i < padron_events; ++i) {
        auto e = expect(all, "event");
        const int32_t p = e["partition"].get<int32_t>();
        CHECK(e["offset"] == next[p]);
        next[p] = e["offset"].get<int64_t>() + 1;
    }
    CHECK_FALSE(all.next(200ms).has_value());

    // A prestador's stream holds only its own events; authenticated by its first message.
    WsClient mine(env.port());
    REQUIRE(mine.connect("/v1/topics/liquida.padron?from=0") == 101);
    mine.send({{"auth", env.token(Role::prestador, "2077")}});
    expect(mine, "authenticated");
    std::vector<std::string> kinds;
    for (int i = 0; i < 3; ++i) {
        auto e = expect(mine, "event");
        CHECK(e["provider_id"] == kOther);
        kinds.push_back(e["kind"].get<std::string>());
    }
    CHECK(kinds == std::vector<std::string>{"provider_registered", "provider_adhered", "document_uploaded"});
    CHECK_FALSE(mine.next(300ms).has_value());

    // From the end: only what is appended after connecting.
    WsClient tail(env.port());
    REQUIRE(tail.connect("/v1/topics/liquida.orders?from=end", t) == 101);
    CHECK_FALSE(tail.next(200ms).has_value());
    ok(h, t, kProvider, order("o-4"));
    auto appended = expect(tail, "event");
    CHECK(appended["payload"]["order_id"] == "o-4");
    CHECK(appended["offset"] == from + 3);

    // Unknown topics and partitions are refused at the upgrade.
    WsClient unknown(env.port());
    CHECK(unknown.connect("/v1/topics/liquida.nothing", t) == 404);
    WsClient bad_partition(env.port());
    CHECK(bad_partition.connect("/v1/topics/liquida.orders?partition=9", t) == 400);
    WsClient bad_from(env.port());
    CHECK(bad_from.connect("/v1/topics/liquida.orders?from=-1", t) == 400);
}

TEST_CASE("gateway: 401 for a missing expired or forged token", "[gateway][auth]") {
    Env env;
    HttpClient h(env.port());
    const std::string expired = env.token(Role::colegio, "secretaria", -1);
    const std::string forged = gw::sign({Role::colegio, "secretaria", env.now + 3'600'000}, "another-key-0123456789abcdef");
    std::string altered = env.colegio();
    altered[altered.size() / 4] = altered[altered.size() / 4] == 'A' ? 'B' : 'A';  // in the payload: the MAC no longer fits

    struct Case {
        std::string authorization;
        std::string code;
    };
    const std::vector<Case> cases = {
        {"", "auth.missing_token"},
        {"Basic dXNlcjpwYXNz", "auth.missing_token"},
        {"Bearer", "auth.malformed_token"},
        {"Bearer not-a-token", "auth.malformed_token"},
        {"Bearer " + forged, "auth.bad_signature"},
        {"Bearer " + altered, "auth.bad_signature"},
        {"Bearer " + expired, "auth.expired_token"},
    };
    for (const auto& c : cases) {
        INFO(c.authorization);
        std::vector<std::pair<std::string, std::string>> headers;
        if (!c.authorization.empty()) headers.emplace_back("Authorization", c.authorization);
        auto r = h.request(http::verb::get, "/v1/views/padron", "", "", headers);
        CHECK(r.status() == 401);
        CHECK(r.code() == c.code);
        r = h.request(http::verb::post, "/v1/commands", "",
                      body_of(kProvider, RegisterProvider{"MP-1", kCuit, "X", IvaCondition::monotributo, kCbu, "A", false, "", "", ""}),
                      headers);
        CHECK(r.status() == 401);
        CHECK(r.code() == c.code);
    }
    CHECK(env.end_offsets() == 0);
    // A token is good until the instant it expires.
    const auto short_lived = env.token(Role::colegio, "secretaria", 1000);
    CHECK(h.get("/v1/views/padron", short_lived).status() == 200);
    env.now += 1000;
    CHECK(h.get("/v1/views/padron", short_lived).code() == "auth.expired_token");
    // Health and metrics need no token.
    CHECK(h.get("/healthz").status() == 200);
    CHECK(h.get("/metrics").status() == 200);

    // Websockets: a bad header refuses the upgrade with 401.
    for (const auto& token : {forged, expired, std::string("garbage")}) {
        WsClient ws(env.port());
        CHECK(ws.connect("/v1/live", token) == 401);
        CHECK(json::parse(ws.handshake().body(), nullptr, false)["error"]["code"].get<std::string>().rfind("auth.", 0) == 0);
        WsClient topic(env.port());
        CHECK(topic.connect("/v1/topics/liquida.padron", token) == 401);
    }
    // Without a header: anything but {"auth"} first, or a bad token in it, closes with 4401.
    WsClient first(env.port());
    REQUIRE(first.connect("/v1/live") == 101);
    first.send({{"subscribe", "padron"}});
    CHECK(expect(first, "error")["code"] == "auth.missing_token");
    CHECK(first.wait_closed() == std::optional<uint16_t>(gw::kCloseUnauthorized));
    WsClient bad(env.port());
    REQUIRE(bad.connect("/v1/live") == 101);
    bad.send({{"auth", expired}});
    CHECK(expect(bad, "error")["code"] == "auth.expired_token");
    CHECK(bad.wait_closed() == std::optional<uint16_t>(gw::kCloseUnauthorized));
    WsClient wrong_type(env.port());
    REQUIRE(wrong_type.connect("/v1/live") == 101);
    wrong_type.send({{"auth", 42}});
    CHECK(expect(wrong_type, "error")["code"] == "auth.malformed_token");
    CHECK(wrong_type.wait_closed() == std::optional<uint16_t>(gw::kCloseUnauthorized));
    WsClient topic(env.port());
    REQUIRE(topic.connect("/v1/topics/liquida.padron?from=0") == 101);
    topic.send({{"hello", "world"}});
    CHECK(expect(topic, "error")["code"] == "auth.missing_token");
    CHECK(topic.wait_closed() == std::optional<uint16_t>(gw::kCloseUnauthorized));
}

TEST_CASE("gateway: 403 when a role reaches beyond its scope", "[gateway][auth]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto p1042 = env.token(Role::prestador, "1042");
    const auto p2077 = env.token(Role::prestador, "2077");
    const auto sancor = env.token(Role::obra_social, "sancor");
    const auto insssep = env.token(Role::obra_social, "insssep");

    auto forbidden = [&](const Reply& r, const std::string& field = "") {
        INFO(r.body());
        CHECK(r.status() == 403);
        CHECK(r.code() == "auth.forbidden");
        if (!field.empty()) CHECK(r.field() == field);
    };
    // A prestador reads only its own rows.
    forbidden(h.get("/v1/views/padron?provider=1042", p2077), "provider");
    forbidden(h.get("/v1/views/padron/1042", p2077), "provider");
    forbidden(h.get("/v1/views/pending?provider=1042", p2077), "provider");
    forbidden(h.get("/v1/views/settlement?provider=1042", p2077), "provider");
    CHECK(providers_of(get_json(h, "/v1/views/padron", p2077)) == std::vector<uint64_t>{kOther});
    CHECK(get_json(h, "/v1/views/pending", p2077)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending", p1042)["total"] == 2);
    CHECK(get_json(h, "/v1/views/padron/2077", p2077)["provider"] == kOther);
    CHECK(get_json(h, "/v1/reports/validation?period=2025-06", p2077)["total"] == 0);
    CHECK(get_json(h, "/v1/reports/validation?period=2025-06", p1042)["total"] == 3);
    // An obra social only its own.
    forbidden(h.get("/v1/views/pending?obra_social=insssep", sancor), "obra_social");
    forbidden(h.get("/v1/views/settlement?obra_social=insssep", sancor), "obra_social");
    CHECK(get_json(h, "/v1/views/pending", sancor)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending", insssep)["total"] == 2);
    const auto insssep_rows = get_json(h, "/v1/views/settlement", insssep);
    for (const auto& r : insssep_rows["rows"]) CHECK(r["obra_social"] == "insssep");
    CHECK(providers_of(get_json(h, "/v1/views/padron", env.token(Role::obra_social, "ioma"))) == std::vector<uint64_t>{kProvider});
    CHECK(get_json(h, "/v1/reports/validation?period=2025-06", sancor)["total"] == 0);

    // Commands: another provider's, a command the role may not issue, another insurer's.
    const int64_t before = env.end_offsets();
    forbidden(post(h, p2077, kProvider, order("o-9")));
    forbidden(post(h, p1042, kProvider, VerifyDocument{"1042-rnp", true, ""}));
    forbidden(post(h, p1042, kProvider, ApplyRetentions{Period{2025, 6}, kSancor}));
    forbidden(post(h, sancor, kProvider, EnrollInPadron{}));
    forbidden(post(h, sancor, kProvider, order("o-9")));
    forbidden(post(h, sancor, kProvider, IssueToken{kInsssep, "51868", "", "4821"}));
    forbidden(post(h, sancor, kProvider,
                   ResolveBudgetAudit{TransactionRef{88, "T", kTransaction}, {{1, ItemResult::autorizada}}}));  // insssep's
    forbidden(post(h, sancor, kProvider, ObserveInvoice{"no-such-invoice", "x"}));  // unknown: not provably its own
    CHECK(env.end_offsets() == before);
    // Within scope the same tokens work.
    ok(h, p1042, kProvider, order("o-9"));
    ok(h, sancor, kProvider, IssueToken{kSancor, "3500-1", "GF-3500", "4821"});
    auto in_scope = post(h, insssep, kProvider, ResolveBudgetAudit{TransactionRef{88, "T", kTransaction}, {{1, ItemResult::autorizada}}});
    CHECK(in_scope.status() == 422);  // its own: the domain decides (nothing is in audit)

    // Websockets.
    WsClient live(env.port());
    REQUIRE(live.connect("/v1/live", p2077) == 101);
    live.send({{"subscribe", "pending"}, {"provider", kProvider}});
    CHECK(expect(live, "error")["code"] == "auth.forbidden");
    live.send({{"subscribe", "padron"}, {"id", "mine"}});
    auto mine = expect(live, "snapshot");
    REQUIRE(mine["rows"].size() == 1);
    CHECK(mine["rows"][0]["provider"] == kOther);
    WsClient os(env.port());
    REQUIRE(os.connect("/v1/live", sancor) == 101);
    os.send({{"subscribe", "padron"}});
    CHECK(expect(os, "error")["code"] == "auth.forbidden");
    os.send({{"subscribe", "pending"}, {"obra_social", "insssep"}});
    CHECK(expect(os, "error")["code"] == "auth.forbidden");
    WsClient topic(env.port());
    REQUIRE(topic.connect("/v1/topics/liquida.orders?from=0", insssep) == 101);
    CHECK(expect(topic, "error")["code"] == "auth.forbidden");
    CHECK(topic.wait_closed() == std::optional<uint16_t>(gw::kCloseForbidden));
}

TEST_CASE("gateway: oversize body headers and websocket message", "[gateway][limits]") {
    gw::ServerOptions options;
    options.body_limit = 4096;
    options.message_limit = 1024;
    Env env(options);
    HttpClient h(env.port());
    const auto t = env.colegio();

    RegisterProvider reg{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""};
    ok(h, t, kProvider, reg);
    env.sync();
    // 413 for a body over the limit, and nothing appended.
    UpdateProvider big{std::string(8000, 'x'), IvaCondition::monotributo, kCbu, "A", "", "", ""};
    HttpClient h2(env.port());
    auto r = post(h2, t, kProvider, big);
    CHECK(r.status() == 413);
    CHECK(r.code() == "request.too_large");
    CHECK(env.end_offsets() == 1);
    // 431 for headers over 16 KiB.
    HttpClient h3(env.port());
    r = h3.request(http::verb::get, "/healthz", "", "", {{"X-Padding", std::string(20'000, 'y')}});
    CHECK(r.status() == 431);
    CHECK(r.code() == "request.headers_too_large");
    // The server is unharmed.
    CHECK(h.get("/healthz").status() == 200);

    // A websocket message over message_limit closes the connection with 1009.
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live", t) == 101);
    ws.send({{"subscribe", "padron"}, {"id", std::string(2000, 'z')}});
    CHECK(ws.wait_closed() == std::optional<uint16_t>(1009));
    // Under it, a subscription id over its own limit is refused, and one at the limit is fine.
    WsClient fine(env.port());
    REQUIRE(fine.connect("/v1/live", t) == 101);
    fine.send({{"subscribe", "padron"}, {"id", std::string(gw::kMaxSubscriptionId + 1, 'z')}});
    CHECK(expect(fine, "error")["code"] == "request.too_long");
    fine.send({{"subscribe", "padron"}, {"id", std::string(gw::kMaxSubscriptionId, 'z')}});
    CHECK(expect(fine, "snapshot")["rows"].size() == 1);
}

TEST_CASE("gateway: a slow websocket client is dropped while a fast one keeps up", "[gateway][limits]") {
    gw::ServerOptions options;
    options.send_queue_limit = 16 << 10;
    Env env(options);
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider,
       RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    env.sync();

    WsClient fast(env.port());
    REQUIRE(fast.connect("/v1/live", t) == 101);
    fast.send({{"subscribe", "padron"}, {"id", "f"}, {"provider", kProvider}});
    expect(fast, "snapshot");
    // The slow client never reads, has a tiny receive buffer, and subscribes 60 times to the
    // same rows, so its queue fills 60 times faster than the fast one's.
    WsClient slow(env.port());
    REQUIRE(slow.connect("/v1/live", t, 4096) == 101);
    for (int i = 0; i < 60; ++i) slow.send({{"subscribe", "padron"}, {"id", "s" + std::to_string(i)}, {"provider", kProvider}});
    const auto deadline = Clock::now() + kWait;
    while (env.gateway->hub().subscriptions() < 61 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    REQUIRE(env.gateway->hub().subscriptions() == 61);

    // The fast client reads on its own thread until it has seen the last update.
    std::atomic<int> expected_last{-1};
    std::vector<json> received;
    auto is_update = [](const json& m, int i) {
        return m.value("type", "") == "change" && m.contains("row") && m["row"].is_object() &&
               m["row"].value("razon_social", "").rfind("update " + std::to_string(i) + " ", 0) == 0;
    };
    std::thread reader([&] {
        const auto until = Clock::now() + 60s;
        while (Clock::now() < until && !fast.closed()) {
            const int last = expected_last.load();
            if (last >= 0 && !received.empty() && is_update(received.back(), last)) return;
            auto m = fast.next(100ms);
            if (m && m->value("type", "") == "change" && (*m)["row"].is_object() &&
                (*m)["row"].value("razon_social", "").rfind("update ", 0) == 0)
                received.push_back(std::move(*m));  // not the registration, if it comes late
        }
    });

    // Rows as long as a razón social may be: updates until the server reports a drop, then
    // three more. Each applied before the next: a live change is a row's state per committed
    // batch, and two updates in one batch would be one change.
    const std::string filler(gw::kMaxTextBytes - 20, 'x');
    int updates = 0;
    int after_drop = -1;
    double drops = 0;
    while (updates < 5000 && after_drop < 3) {
        ok(h, t, kProvider,
           UpdateProvider{"update " + std::to_string(updates) + " " + filler, IvaCondition::monotributo, kCbu, "A", "", "", ""});
        env.sync();
        ++updates;
        drops = static_cast<double>(env.gateway->slow_drops());
        if (drops >= 1) ++after_drop;
    }
    expected_last = updates - 1;
    reader.join();
    CHECK(drops == 1);
    CHECK(after_drop == 3);

    // The fast client got every change, in order, and is still connected.
    CHECK_FALSE(fast.closed());
    REQUIRE(received.size() == static_cast<size_t>(updates));
    uint64_t seq = 0;
    for (int i = 0; i < updates; ++i) {
        const auto& m = received[static_cast<size_t>(i)];
        CHECK(is_update(m, i));
        CHECK(m["seq"].get<uint64_t>() > seq);
        seq = m["seq"].get<uint64_t>();
    }
    // The slow one was closed with 4001 (or cut, if it never let the close frame through).
    const auto code = slow.wait_closed(15s);
    REQUIRE(code.has_value());
    CHECK((*code == gw::kCloseTooSlow || *code == 0));
    const auto until = Clock::now() + kWait;
    while (env.gateway->hub().subscriptions() > 1 && Clock::now() < until) std::this_thread::sleep_for(5ms);
    CHECK(env.gateway->hub().subscriptions() == 1);
    const auto text = h.get("/metrics").body();
    CHECK(metric(text, "liquida_send_queue_drops_total") == 1);
    CHECK(metric(text, "liquida_subscriptions") == 1);
}

TEST_CASE("gateway: clean shutdown with connections open", "[gateway][lifecycle]") {
    Env env;
    HttpClient h(env.port());
    REQUIRE(h.get("/healthz").status() == 200);  // a keep-alive connection, idle
    WsClient live(env.port());
    REQUIRE(live.connect("/v1/live", env.colegio()) == 101);
    live.send({{"subscribe", "padron"}});
    expect(live, "snapshot");
    WsClient topic(env.port());
    REQUIRE(topic.connect("/v1/topics/liquida.padron?from=0", env.colegio()) == 101);

    std::optional<uint16_t> live_code, topic_code;
    std::thread r1([&] { live_code = live.wait_closed(); });
    std::thread r2([&] { topic_code = topic.wait_closed(); });
    const auto start = Clock::now();
    env.gateway->stop();
    const auto took = Clock::now() - start;
    r1.join();
    r2.join();
    CHECK(took < 5s);
    CHECK(live_code == std::optional<uint16_t>(1001));
    CHECK(topic_code == std::optional<uint16_t>(1001));
    CHECK(h.closed_by_server(2s));
    // Nothing listens any more.
    HttpClient late(env.port());
    CHECK(late.get("/healthz").status() == 0);
}

TEST_CASE("gateway: healthz says catching_up (503) while the views are more than a second behind the log", "[gateway][ops]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    // 30,000 events appended while the gateway is stopped: its views start behind them.
    env.gateway.reset();
    std::vector<ev::Envelope> batch(100);
    for (int i = 0; i < 300; ++i) {
        for (auto& e : batch) {
            e.event_id = ev::EventId::random();
            e.occurred_at = e.recorded_at = env.now.load();
            e.provider_id = ProviderId{kProvider};
            e.payload = OrderApproved{"no-such-order"};
        }
        REQUIRE(ev::publish(*env.log, batch).has_value());
    }
    env.start();
    HttpClient h2(env.port());
    std::vector<std::pair<unsigned, json>> seen;
    const auto deadline = Clock::now() + 120s;
    for (;;) {
        const auto r = h2.get("/healthz");
        seen.emplace_back(r.status(), r.json_body());
        if (seen.back().second["status"] == "ok") break;
        REQUIRE(Clock::now() < deadline);
        std::this_thread::sleep_for(20ms);
    }
    INFO(seen.front().second.dump());
    CHECK(seen.front().first == 503);
    CHECK(seen.front().second["status"] == "catching_up");
    CHECK(seen.front().second["view_lag"].get<int64_t>() > 0);
    for (const auto& [status, body] : seen) {  // never ok while behind a log that stood still
        INFO(body.dump());
        if (body["status"] == "ok") CHECK(body["view_lag"] == 0);
        else CHECK(body["status"] == "catching_up");
        CHECK((status == 200) == (body["status"] == "ok"));
    }
    CHECK(seen.back().first == 200);
}

TEST_CASE("gateway: healthz and metrics", "[gateway][ops]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();
    CHECK(post(h, t, kProvider, order("o-1")).code() == "order.duplicate_id");
    CHECK(h.request(http::verb::post, "/v1/commands", t, "{").code() == "request.invalid_json");
    env.sync();

    auto health = get_json(h, "/healthz", "");
    CHECK(health["status"] == "ok");
    CHECK(health["log"] == true);
    CHECK(health["views"] == true);
    CHECK(health["view_lag"].is_number_integer());
    // HEAD: GET's headers and length, no body; the keep-alive connection stays usable.
    const auto got = h.get("/healthz");
    const auto head = h.request(http::verb::head, "/healthz");
    CHECK(head.status() == 200);
    CHECK(head.body().empty());
    CHECK(head.header("Content-Length") == std::to_string(got.body().size()));
    CHECK(get_json(h, "/healthz", "")["status"] == "ok");

    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live", t) == 101);
    ws.send({{"subscribe", "pending"}});
    expect(ws, "snapshot");
    auto r = h.get("/metrics");
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "text/plain; version=0.0.4");
    const auto& text = r.body();
    CHECK(metric(text, "liquida_commands_accepted_total") == 23);
    CHECK(metric(text, "liquida_events_appended_total") == static_cast<double>(env.end_offsets()));
    CHECK(metric(text, "liquida_commands_rejected_total{code=\"order.duplicate_id\"}") == 1);
    CHECK(metric(text, "liquida_commands_rejected_total{code=\"request.invalid_json\"}") == 1);
    CHECK(metric(text, "liquida_connections") == 2);
    CHECK(metric(text, "liquida_subscriptions") == 1);
    CHECK(metric(text, "liquida_send_queue_drops_total") == 0);
    CHECK(metric(text, "liquida_view_lag_events") >= 0);
    CHECK(metric(text, "liquida_view_events_applied_total") >= 0);
    CHECK(metric(text, "liquida_request_duration_seconds_count") >= 25);
    CHECK(metric(text, "liquida_request_duration_seconds_bucket{le=\"+Inf\"}") == metric(text, "liquida_request_duration_seconds_count"));
    CHECK(text.find("# TYPE liquida_request_duration_seconds histogram") != std::string::npos);

    // A log that no longer answers: commands are 503 with the log's code, health degraded.
    env.log->close();
    auto r503 = post(h, t, kProvider, order("o-9"));
    CHECK(r503.status() == 503);
    CHECK(r503.code() == "log.closed");
    auto degraded = h.get("/healthz");
    CHECK(degraded.status() == 503);
    CHECK(degraded.json_body()["status"] == "degraded");
    CHECK(degraded.json_body()["log"] == false);
    // The runner's steps fail on the closed log: it retries with backoff, and says so.
    const auto until = Clock::now() + kWait;
    double failures = 0;
    while ((failures = metric(h.get("/metrics").body(), "liquida_view_step_failures_total")) < 2 && Clock::now() < until)
        std::this_thread::sleep_for(50ms);
    CHECK(failures >= 2);
    CHECK(h.get("/healthz").json_body()["views"] == false);
}

// --- Security: what an attacker tried --------------------------------------------------------

TEST_CASE("gateway: only the dashboard's own files are served, never another path", "[gateway][security]") {
    Env env;
    TempDir web;
    std::ofstream(web.path() / "index.html") << "<!doctype html><title>t</title>";
    std::ofstream(web.path() / "app.js") << "console.log(1);";
    std::ofstream(env.dir.path() / "gateway.key") << kKey;
    fs::create_symlink(env.dir.path() / "gateway.key", web.path() / "leak.css");
    fs::create_directory(web.path() / "sub");
    std::ofstream(web.path() / "sub" / "x.js") << "nested";
    env.static_dir = web.str();
    env.restart();
    HttpClient h(env.port());

    auto index = h.get("/");
    REQUIRE(index.status() == 200);
    CHECK(index.body() == "<!doctype html><title>t</title>");
    CHECK(index.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(h.get("/app.js").status() == 200);
    const std::string key_path = (env.dir.path() / "gateway.key").string();
    for (const std::string& target : {std::string("//etc/hostname"), "/" + key_path, key_path, std::string("/../") + key_path,
                                      std::string("/%2e%2e/%2e%2e/etc/hostname"), std::string("/..%2fetc%2fhostname"),
                                      std::string("/leak.css"), std::string("/sub/x.js"), std::string("/sub"),
                                      std::string("//dev/zero"), std::string("/index.html/"), std::string("/.")}) {
        auto r = h.raw("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        INFO(target << " -> " << r.status() << " " << r.body().substr(0, 80));
        CHECK(r.status() == 404);
        CHECK(r.body().find(kKey) == std::string::npos);
    }
    CHECK(h.get("/healthz").status() == 200);  // //dev/zero did not bring it down
}

TEST_CASE("gateway: security headers on the dashboard and on every other answer", "[gateway][security]") {
    Env env;
    env.static_dir = std::string(LIQUIDA_SOURCE_DIR) + "/gateway/web";
    env.restart();
    HttpClient h(env.port());
    for (const auto& target : {"/", "/app.js"}) {  // the dashboard: its own files only, never framed
        const auto r = h.get(target);
        INFO(target);
        CHECK(r.header("X-Content-Type-Options") == "nosniff");
        CHECK(r.header("Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
        CHECK(r.header("Content-Security-Policy").find("default-src 'self'") != std::string::npos);
        CHECK(r.header("X-Frame-Options") == "DENY");
        CHECK(r.header("Referrer-Policy") == "no-referrer");
    }
    // Everything else (views, errors, refusals, health): never sniffed, framed, nor able to load anything.
    for (const auto& r : {h.get("/v1/views/padron", env.colegio()), h.get("/v1/views/padron"), h.get("/nope"), h.get("/healthz"),
                          h.raw("GARBAGE\r\n\r\n")}) {
        INFO(r.status());
        CHECK(r.header("X-Content-Type-Options") == "nosniff");
        CHECK(r.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'");
    }
}

TEST_CASE("gateway: paging past the end answers no rows and never wraps", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();
    auto j = get_json(h, "/v1/views/padron?offset=18446744073709551615&limit=2", t);
    CHECK(j["rows"].empty());
    CHECK_FALSE(j.contains("next_offset"));
    j = get_json(h, "/v1/views/padron?offset=1&limit=18446744073709551615", t);
    CHECK(j["rows"].size() == 1);
    CHECK_FALSE(j.contains("next_offset"));
    j = get_json(h, "/v1/views/padron?offset=0&limit=1", t);
    CHECK(j["next_offset"] == 1);
}

TEST_CASE("gateway: command ids are each issuer's own", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto colegio = env.colegio();
    const auto prestador = env.token(Role::prestador, std::to_string(kProvider));
    // A prestador takes an id first; the colegio's command under the same id is its own.
    REQUIRE(post(h, prestador, kProvider, order("o-3"), "approve-o-3").status() == 201);
    auto approve = post(h, colegio, kProvider, ApproveOrder{"o-3"}, "approve-o-3");
    CHECK(approve.status() == 201);
    CHECK(approve.json_body()["duplicate"] == false);
    env.restart();  // ...and after a restart, each retry answers its own command
    HttpClient h2(env.port());
    auto again = post(h2, colegio, kProvider, ApproveOrder{"o-3"}, "approve-o-3");
    CHECK(again.status() == 200);
    CHECK(again.json_body()["events"] == approve.json_body()["events"]);
    CHECK(post(h2, prestador, kProvider, order("o-3"), "approve-o-3").status() == 200);

    // The Idempotency-Key has command_id's limits.
    const int64_t before = env.end_offsets();
    auto huge = post(h2, colegio, kProvider, order("o-4"), std::string(12'000, 'k'));
    CHECK(huge.status() == 400);
    CHECK(huge.field() == "Idempotency-Key");
    CHECK(post(h2, colegio, kProvider, order("o-4"), "bad key").status() == 400);
    CHECK(env.end_offsets() == before);
}

TEST_CASE("gateway: the log's duplicate verdict is final and no id suffix is special", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();
    // An id that looks like the old per-topic suffix, retried after a restart: one command.
    auto first = post(h, t, kProvider, order("o-5"), "k/liquida.orders");
    REQUIRE(first.status() == 201);
    const int64_t after_first = env.end_offsets();
    env.restart();
    HttpClient h2(env.port());
    auto retry = post(h2, t, kProvider, order("o-5"), "k/liquida.orders");
    CHECK(retry.status() == 200);
    CHECK(retry.json_body()["events"] == first.json_body()["events"]);
    CHECK(env.end_offsets() == after_first);

    // A command the log holds and this gateway never answered (another writer while it was
    // stopped): the log's records are the answer, and nothing is folded twice.
    env.gateway.reset();
    const auto landed = env.append_directly(kProvider, "direct", OrderApproved{"o-2"}, fingerprint(kProvider, ApproveOrder{"o-2"}));
    const int64_t with_direct = env.end_offsets();
    env.start();
    HttpClient h3(env.port());
    auto same = post(h3, t, kProvider, ApproveOrder{"o-2"}, "direct");
    CHECK(same.status() == 200);
    CHECK(same.json_body()["duplicate"] == true);
    REQUIRE(same.json_body()["events"].size() == 1);
    CHECK(same.json_body()["events"][0]["offset"] == landed.base_offset);
    auto other = post(h3, t, kProvider, RejectOrder{"o-2", "other", "otro"}, "direct");
    CHECK(other.status() == 409);
    CHECK(other.code() == "command.id_reused");
    CHECK(env.end_offsets() == with_direct);
}

TEST_CASE("gateway: one holder cannot take every topic stream or subscription", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    env.sync();
    const auto prestador = env.token(Role::prestador, std::to_string(kProvider));
    std::vector<std::unique_ptr<WsClient>> own;
    for (int i = 0; i < 8; ++i) {
        own.push_back(std::make_unique<WsClient>(env.port()));
        REQUIRE(own.back()->connect("/v1/topics/liquida.padron?from=0", prestador) == 101);
        expect(*own.back(), "event");
    }
    WsClient ninth(env.port());
    REQUIRE(ninth.connect("/v1/topics/liquida.padron?from=0", prestador) == 101);
    CHECK(expect(ninth, "error")["code"] == "stream.too_many");
    WsClient colegio(env.port());  // the colegio still gets its stream
    REQUIRE(colegio.connect("/v1/topics/liquida.padron?from=0", t) == 101);
    expect(colegio, "event");

    // Subscriptions on one connection are capped; replacing one by its id does not count twice.
    WsClient live(env.port());
    REQUIRE(live.connect("/v1/live", t) == 101);
    for (size_t i = 0; i < gw::kMaxSubscriptionsPerConnection; ++i) {
        live.send({{"subscribe", "padron"}, {"id", "s" + std::to_string(i)}, {"provider", kProvider}});
        expect(live, "snapshot");
    }
    live.send({{"subscribe", "padron"}, {"id", "s0"}, {"provider", kProvider}});
    expect(live, "snapshot");
    live.send({{"subscribe", "padron"}, {"id", "one-more"}, {"provider", kProvider}});
    CHECK(expect(live, "error")["code"] == "live.too_many_subscriptions");
    CHECK(env.gateway->hub().subscriptions() == gw::kMaxSubscriptionsPerConnection);
}

TEST_CASE("gateway: a websocket lives no longer than its token, nor unauthenticated past the timeout", "[gateway][security]") {
    Env env;
    env.auth_timeout = 500ms;
    env.restart();
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    env.sync();
    // A client that never authenticates is closed like one that never finishes its headers.
    WsClient silent(env.port());
    REQUIRE(silent.connect("/v1/live") == 101);
    CHECK(silent.wait_closed(kWait) == std::optional<uint16_t>(gw::kCloseUnauthorized));
    // By header and by message: closed with 4401 when the token expires (1.5 s from now).
    const auto short_lived = env.token(Role::colegio, "secretaria", 1500);
    WsClient by_header(env.port());
    REQUIRE(by_header.connect("/v1/live", short_lived) == 101);
    by_header.send({{"subscribe", "padron"}});
    expect(by_header, "snapshot");
    WsClient by_message(env.port());
    REQUIRE(by_message.connect("/v1/topics/liquida.padron?from=0") == 101);
    by_message.send({{"auth", short_lived}});
    expect(by_message, "authenticated");
    CHECK(by_header.wait_closed(kWait) == std::optional<uint16_t>(gw::kCloseUnauthorized));
    CHECK(by_message.wait_closed(kWait) == std::optional<uint16_t>(gw::kCloseUnauthorized));
    // A long-lived one is still open.
    WsClient fine(env.port());
    REQUIRE(fine.connect("/v1/live", t) == 101);
    fine.send({{"subscribe", "padron"}});
    expect(fine, "snapshot");
    CHECK_FALSE(fine.closed());
}

namespace {
// A raw TCP connection that sends nothing; true when the server ends it within `timeout`.
bool ended_by_server(tcp::socket& s, std::chrono::milliseconds timeout) {
    pollfd pfd{s.native_handle(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c = 0;
    return ::recv(s.native_handle(), &c, 1, MSG_DONTWAIT) <= 0;
}
}  // namespace

TEST_CASE("gateway: connections over the limits are refused at accept while the others are served", "[gateway][security]") {
    gw::ServerOptions options;
    options.max_unfinished_connections = 4;
    options.max_connections = 6;
    Env env(options);
    HttpClient m(env.port());  // reads /metrics: one open connection throughout
    auto open_connections = [&] { return metric(m.get("/metrics").body(), "liquida_connections"); };
    auto wait_for_open = [&](double n) {
        const auto deadline = Clock::now() + kWait;
        while (open_connections() != n && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
        REQUIRE(open_connections() == n);
    };
    wait_for_open(1);  // m is connected before the others
    net::io_context ioc;
    std::vector<std::unique_ptr<tcp::socket>> idle;
    for (int i = 0; i < 4; ++i) {  // slowloris: connected, no request
        idle.push_back(std::make_unique<tcp::socket>(ioc));
        idle.back()->connect(local(env.port()));
    }
    wait_for_open(5);
    tcp::socket fifth(ioc);
    fifth.connect(local(env.port()));
    CHECK(ended_by_server(fifth, kWait));
    CHECK_FALSE(ended_by_server(*idle.front(), 200ms));  // the earlier ones are untouched
    // One that finished a request counts as open, no longer as unfinished.
    idle.pop_back();
    wait_for_open(4);
    HttpClient a(env.port()), b(env.port());
    CHECK(a.get("/healthz").status() == 200);
    CHECK(b.get("/healthz").status() == 200);  // 3 idle, m, a, b: 6 open
    tcp::socket seventh(ioc);
    seventh.connect(local(env.port()));
    CHECK(ended_by_server(seventh, kWait));
    CHECK(metric(m.get("/metrics").body(), "liquida_connections_refused_total") == 2);
}

TEST_CASE("gateway: out of file descriptors, accept backs off instead of spinning", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    REQUIRE(h.get("/healthz").status() == 200);
    net::io_context ioc;
    tcp::socket starved(ioc);
    starved.open(tcp::v4());  // its descriptor exists before the limit
    rlimit before{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
    // The soft limit lowered to the lowest free descriptor: every one below it is taken, so
    // the server's next accept fails with EMFILE while the connection waits in the backlog.
    const int lowest_free = ::dup(0);
    REQUIRE(lowest_free >= 0);
    ::close(lowest_free);
    rlimit tight = before;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
    beast::error_code ec;
    starved.connect(local(env.port()), ec);
    std::this_thread::sleep_for(1s);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &before) == 0);
    CHECK_FALSE(ec);
    // With a pause after each EMFILE, a second holds a handful of tries, not thousands; then
    // the waiting connection is served.
    const double refused = metric(h.get("/metrics").body(), "liquida_connections_refused_total");
    CHECK(refused >= 1);
    CHECK(refused <= 20);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    net::write(starved, net::buffer(request), ec);
    REQUIRE_FALSE(ec);
    std::string answer;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(starved, buffer, res, ec);
    CHECK_FALSE(ec);
    CHECK(res.result_int() == 200);
}

namespace {
// Replaces `from` with `to` (same length) in the one stored record that holds it, straight
// in the embedded log's RocksDB, as someone with access to the disk could. The log is closed.
void tamper(const fs::path& log_dir, const std::string& from, const std::string& to) {
    REQUIRE(from.size() == to.size());
    rocksdb::ColumnFamilyOptions cf;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
        {rocksdb::kDefaultColumnFamilyName, cf}, {"records", cf}, {"time_index", cf}, {"idempotency", cf}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), log_dir.string(), cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    int altered = 0;
    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, handles[1]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            std::string value = it->value().ToString();
            const auto at = value.find(from);
            if (at == std::string::npos) continue;
            value.replace(at, from.size(), to);
            REQUIRE(db->Put({}, handles[1], it->key(), value).ok());
            ++altered;
        }
        REQUIRE(it->status().ok());
    }
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    REQUIRE(altered == 1);
}
}  // namespace

TEST_CASE("gateway: a record altered on disk is found by serve, which refuses that partition's commands", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    auto verified = [&] {
        const auto j = h.get("/healthz").json_body();
        return j["chain"].is_object() && j["chain"]["status"] == "ok" && j["chain"]["unverified"] == 0;
    };
    const auto deadline = Clock::now() + kWait;
    const auto saved = [&] { return fs::exists(env.dir.path() / "chain-verified"); };
    while (!(verified() && saved()) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    REQUIRE(verified());
    REQUIRE(saved());

    // While serve is stopped, another writer appends; then the record is altered on disk.
    env.gateway.reset();
    const auto landed = env.append_directly(
        kOther, "offline", ProviderRegistered{"MP-2077", kCuit, "TAMPER-ME", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    env.log.reset();
    tamper(env.dir.path() / "log", "TAMPER-ME", "TAMPER-YU");
    env.reopen_log();
    env.start();

    HttpClient h2(env.port());
    json health;
    const auto until = Clock::now() + kWait;
    do {
        // 503 alone is not the answer: "catching_up" is 503 too, before the chain check ran.
        health = h2.get("/healthz").json_body();
        if (health["chain"].is_object() && health["chain"]["status"] == "chain_broken") break;
        std::this_thread::sleep_for(10ms);
    } while (Clock::now() < until);
    INFO(health.dump());
    CHECK(health["status"] == "degraded");
    REQUIRE(health["chain"]["status"] == "chain_broken");
    REQUIRE(health["chain"]["broken"].size() == 1);
    CHECK(health["chain"]["broken"][0]["topic"] == landed.tp.topic);
    CHECK(health["chain"]["broken"][0]["partition"] == landed.tp.partition);
    CHECK(health["chain"]["broken"][0]["offset"] == landed.base_offset);
    // The altered provider's partition takes no command; the record was not trusted.
    auto refused = post(h2, t, kOther, UpdateProvider{"Otra", IvaCondition::monotributo, kCbu, "A", "", "", ""});
    CHECK(refused.status() == 503);
    CHECK(refused.code() == "log.chain_broken");
}

TEST_CASE("gateway: views ahead of the log are an error state and never a negative lag", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    ok(h, env.colegio(), kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    ok(h, env.colegio(), kProvider, AdhereToObraSocial{kSancor, "8481"});  // two records ahead: -2 is no error code
    env.sync();
    // The same views over a log that lost its records (an empty one in its place). The
    // command path's state would refuse to start on it (tests/service); it is a cache of the
    // log, so here it is deleted, as an operator does, to see the views' own answer.
    env.gateway.reset();
    fs::remove_all(env.dir.path() / "state");
    TempDir other;
    auto empty = ev::open_embedded_log({other.str(), ev::default_topics(kPartitions), false});
    REQUIRE(empty);
    env.log = std::move(*empty);
    env.start();
    HttpClient h2(env.port());
    json health;
    const auto deadline = Clock::now() + kWait;
    do {
        health = h2.get("/healthz").json_body();
        if (health["views"] == false && health["chain"]["status"] == "chain_broken") break;
        std::this_thread::sleep_for(10ms);
    } while (Clock::now() < deadline);
    INFO(health.dump());
    CHECK(health["status"] == "degraded");
    CHECK(health["views"] == false);
    CHECK(health["view_lag"] == -1);
    // The chain's verified point is past the log's end too: that is said, not ignored.
    CHECK(health["chain"]["status"] == "chain_broken");
}

TEST_CASE("gateway: a live snapshot comes in pages, and a large one is no slow client", "[gateway][security]") {
    // Pages of kSnapshotPageRows, the last one saying more: false.
    gw::LiveHub hub;
    auto socket = std::make_shared<RecordingSocket>();
    gw::Subscription sub;
    sub.id = "big";
    sub.view = proj::View::padron;
    const size_t rows = 2 * gw::kSnapshotPageRows + 7;
    REQUIRE(hub.subscribe(socket, sub, std::nullopt, [&] {
        json all = json::array();
        for (size_t i = 0; i < rows; ++i) all.push_back(i);
        return all;
    }));
    REQUIRE(socket->sent.size() == 3);
    CHECK(socket->sent[0]["type"] == "snapshot");
    CHECK(socket->sent[1]["type"] == "snapshot_rows");
    CHECK(socket->sent[2]["type"] == "snapshot_rows");
    CHECK(socket->sent[0]["more"] == true);
    CHECK(socket->sent[1]["more"] == true);
    CHECK(socket->sent[2]["more"] == false);
    CHECK(socket->sent[2]["rows"].size() == 7);
    CHECK(socket->sent[1]["rows"][0] == gw::kSnapshotPageRows);

    // Over a real socket: a padrón larger than the send queue limit arrives whole.
    gw::ServerOptions options;
    options.send_queue_limit = 8 << 10;
    Env env(options);
    HttpClient h(env.port());
    const auto t = env.colegio();
    for (uint64_t p = 1; p <= 60; ++p)
        ok(h, t, p, RegisterProvider{"MP-" + std::to_string(p), kCuit, std::string(150, 'r'), IvaCondition::monotributo, kCbu, "A", false,
                                     "", "", ""});
    env.sync();
    WsClient live(env.port());
    REQUIRE(live.connect("/v1/live", t) == 101);
    live.send({{"subscribe", "padron"}});
    const auto first = expect(live, "snapshot");
    size_t got = first["rows"].size();
    for (bool more = first["more"]; more;) {
        const auto page = expect(live, "snapshot_rows");
        got += page["rows"].size();
        more = page["more"];
    }
    CHECK(got == 60);
    CHECK(first.dump().size() > options.send_queue_limit);
    CHECK_FALSE(live.closed());
    CHECK(env.gateway->slow_drops() == 0);
}

TEST_CASE("gateway: a view row that does not decode is answered 503, never as fewer rows", "[gateway][security]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    env.sync();
    const auto t = env.colegio();
    REQUIRE(get_json(h, "/v1/views/padron", t)["total"] == 2);
    // One padrón row damaged on disk, as a bad sector or a foreign writer would leave it.
    env.gateway.reset();
    env.views.reset();
    const std::string path = (env.dir.path() / "views").string();
    liquida::test::alter_rocksdb(path, [](rocksdb::DB& db, const liquida::test::ColumnFamilies& cf) {
        std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, cf.at("padron")));
        it->SeekToFirst();
        REQUIRE(it->Valid());
        REQUIRE(db.Put({}, cf.at("padron"), it->key(), "\x01not a row").ok());
    });
    auto reopened = proj::Views::open(path);
    REQUIRE(reopened);
    env.views = std::move(*reopened);
    env.start();
    HttpClient h2(env.port());
    const auto r = h2.get("/v1/views/padron", t);
    CHECK(r.status() == 503);
    CHECK(r.json_body()["error"]["code"] == "view.unavailable");
    CHECK(h2.get("/v1/views/padron/" + std::to_string(kOther), t).status() == 200);  // the other row still reads
    CHECK(h2.get("/v1/views/pending", t).status() == 200);
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live") == 101);
    ws.send({{"auth", t}});
    expect(ws, "authenticated");
    ws.send({{"subscribe", "padron"}, {"id", "p"}});
    CHECK(expect(ws, "error")["code"] == "view.unavailable");
}
