// The gateway over real sockets on 127.0.0.1 (server_env.h). Every wait is bounded (socket
// expiries, run_one_for deadlines); no test waits on a condition forever.
// Here: commands and the views over HTTP.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "domain/names.h"
#include "server_env.h"

TEST_CASE("gateway: an accepted command answers 201 with its events, durable in the log where the answer says", "[gateway][http]") {
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
    CHECK(envelope->event_id.to_string() == e["event_id"].get<std::string>());
    CHECK(envelope->command_id == j["command_id"].get<std::string>());
    CHECK(envelope->actor_id == "colegio:secretaria");
}

TEST_CASE("gateway: a command turned down is a 422 or a 400 with the error shape, and nothing is appended or projected",
          "[gateway][http]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);
    const auto t = env.colegio();
    ok(h, t, kProvider, order("o-3"));  // the order a second o-3 duplicates

    // A command the domain turns down: 422 with code, message and field; nothing appended.
    const int64_t after = env.end_offsets();
    LoadOrder unsigned_order = order("o-4");
    unsigned_order.professional_signature = false;
    auto r = post(h, t, kProvider, unsigned_order);
    CHECK(r.status() == 422);
    auto j = r.json_body();
    REQUIRE(j.contains("error"));
    CHECK(j["error"]["code"] == "order.missing_professional_signature");
    CHECK(j["error"]["field"] == "professional_signature");
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
    // The keep-alive connection served every answer above, 422s and 400s included.
    CHECK(h.get("/healthz").status() == 200);
}

TEST_CASE("gateway: unknown routes and methods are 404 and 405, bytes that are not HTTP a 400, and keep-alive outlives them",
          "[gateway][http]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();  // routing needs no data

    // Routes and methods that do not exist.
    auto r = h.get("/v1/nothing", t);
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

namespace {

// The seeded world in the views, judged on 2025-06-25: 1042 in good standing (its seguro in force
// until 2025-07-10), 2077 out.
void seed_for_padron(Env& env, HttpClient& h) {
    seed(env, h);
    env.sync();
    env.now = at(2025, 6, 25, 12);
}

}  // namespace

TEST_CASE("gateway: padron view with each provider's standing, judged as_of a day, and the documents expiring_within days",
          "[gateway][views]") {
    Env env;
    HttpClient h(env.port());
    seed_for_padron(env, h);
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
}

TEST_CASE("gateway: padron view filtered by obra social and provider, one provider's row, pages and bad parameters", "[gateway][views]") {
    Env env;
    HttpClient h(env.port());
    seed_for_padron(env, h);
    const auto t = env.colegio();

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
    for (const auto& [target, field] :
         std::vector<std::pair<std::string, std::string>>{{"/v1/views/padron?standing=maybe", "standing"},
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

TEST_CASE_METHOD(SeededEnv,
                 "gateway: pending view with its totals and filters, as CSV and as a workbook, and a format a listing lacks is a 406",
                 "[gateway][views]") {
    // Pending: items 1 and 3 of the budget (2 was consumed), with totals.
    auto pending = get_json(h, "/v1/views/pending", t);
    CHECK(pending["total"] == 2);
    REQUIRE(pending["rows"].size() == 2);
    CHECK(pending["rows"][0]["transaction"] == "88-T-128183733");
    CHECK(pending["rows"][0]["item"] == 1);
    CHECK(pending["rows"][1]["item"] == 3);
    CHECK(pending["rows"][0]["obra_social"] == "insssep");
    CHECK(pending["rows"][0]["affiliate_number"] == "51868");
    CHECK(pending["rows"][0]["affiliate_name"] == "HERMOSI RAMON OSVALDO");
    CHECK(pending["rows"][0]["practice_code"] == "100100");
    CHECK(pending["rows"][0]["tooth"] == 18);
    CHECK(pending["rows"][0]["age_days"] == 0);
    CHECK(pending["totals"] == json{{"items", 2}, {"by_provider", {{"1042", 2}}}, {"by_obra_social", {{"insssep", 2}}}});
    CHECK(get_json(h, "/v1/views/pending?affiliate=51868", t)["total"] == 2);
    CHECK(get_json(h, "/v1/views/pending?affiliate=99999", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending?obra_social=sancor", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/pending?obra_social=insssep&provider=1042", t)["total"] == 2);
    CHECK(get_json(h, "/v1/views/pending?provider=2077", t)["total"] == 0);
    // As a file, read a row at a time here (Env's file_page_rows): both rows, in order, once.
    auto file = h.get("/v1/views/pending?format=csv&dialect=plain", t);
    REQUIRE(file.status() == 200);
    auto pending_lines = lines_of(file.body().substr(3));
    REQUIRE(pending_lines.size() == 3);
    CHECK(pending_lines[0].starts_with("Prestador,Razon social,CUIT,Obra social,Nombre obra social,Transaccion,Item,"));
    CHECK(fields_of(pending_lines[1], ',').at(6) == "1");
    CHECK(fields_of(pending_lines[1], ',').at(8) == "HERMOSI RAMON OSVALDO");  // after Afiliado
    CHECK(fields_of(pending_lines[2], ',').at(6) == "3");
    file = h.get("/v1/views/pending?format=xlsx&affiliate=99999", t);  // no row: a workbook all the same
    CHECK(file.status() == 200);
    CHECK(file.body().starts_with("PK"));
    auto page = get_json(h, "/v1/views/pending?limit=1&offset=1", t);
    CHECK(page["rows"].size() == 1);
    CHECK(page["rows"][0]["item"] == 3);
    CHECK(page["totals"]["items"] == 2);  // totals count the whole result, not the page

    // A format a listing does not offer is a 406, never a silent JSON; a bad dialect a 400.
    for (const char* target : {"/v1/views/invoices?format=pdf", "/v1/views/padron/1042?format=csv",
                               "/v1/views/settlement?group=period&format=xlsx", "/v1/views/padron?expiring_within=30&format=csv"}) {
        INFO(target);
        const auto r = h.get(target, t);
        CHECK(r.status() == 406);
        CHECK(r.field() == "format");
    }
    const auto r = h.get("/v1/views/invoices?format=csv&dialect=fr", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "dialect");
}

TEST_CASE_METHOD(SeededEnv, "gateway: settlement view per period, obra social and provider, and its roll-ups", "[gateway][views]") {
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
}

namespace {

// June's sancor total for 1042 in the settlement view (the world seed() builds, in the views),
// invoiced as f-1 on 2025-06-10 and sent; the total.
int64_t send_june_invoice(Env& env, HttpClient& h, const std::string& t) {
    const json sancor = get_json(h, "/v1/views/settlement?period=2025-06&obra_social=sancor&provider=1042", t);
    REQUIRE(sancor["rows"].size() == 1);
    const int64_t total = sancor["rows"][0]["total"].get<int64_t>();
    env.now = at(2025, 6, 10, 12);
    ok(h, t, kProvider,
       IssueInvoice{"f-1", kSancor, ComprobanteType::factura_b, BillingType::original, 17, 4199, "71110383321640", Period{2025, 6}, total,
                    date_from_civil(2025, 6, 10), "", "", attachments_for(kSancor)});
    ok(h, t, kProvider, SendInvoice{"f-1"});
    env.sync();
    return total;
}

}  // namespace

TEST_CASE_METHOD(SeededEnv, "gateway: a sent invoice in the F4 listing, its CSV in both dialects, and its search", "[gateway][views]") {
    const int64_t total = send_june_invoice(env, h, t);

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

    // The file: UTF-8 with a BOM, names beside ids, the state in Spanish; its name carries the filters.
    auto r = h.get("/v1/views/invoices?period=2025-06&obra_social=sancor&format=csv", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "text/csv; charset=utf-8");
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"facturas-2025-06-sancor.csv\"");
    REQUIRE(r.body().starts_with("\xEF\xBB\xBF"));
    auto lines = lines_of(r.body().substr(3));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] ==
          "Prestador;Razon social;CUIT;Obra social;Nombre obra social;Periodo;Recepcion;Factura;Importe;Debitos;Saldo;Vencimiento;"
          "Estado;Orden de pago;Planilla de debitos");
    CHECK(fields_of(lines[1]) == std::vector<std::string>{"1042", "USAR - PARA PRUEBAS CONECT", "27352153589", "sancor", "SanCor Salud",
                                                          "2025-06", "2025-06-10", "B 00017-00004199", pesos(total), "0,00", pesos(total),
                                                          inv["due_on"].get<std::string>(), "Comprobante en proceso de liquidación", "",
                                                          ""});
    CHECK(inv["state"] == "enviada");
    r = h.get("/v1/views/invoices?period=2025-06&format=csv&dialect=plain", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"facturas-2025-06.csv\"");
    std::string point = liquida::domain::to_pesos(total);
    std::replace(point.begin(), point.end(), ',', '.');
    CHECK(r.body().find("\r\n1042,USAR - PARA PRUEBAS CONECT,27352153589,sancor,SanCor Salud,2025-06,2025-06-10,B 00017-00004199," + point +
                        ",0.00,") != std::string::npos);
    // F4's search: punto de venta, número, received from and to; a bad one is a 400 naming it.
    for (const auto& [query, found] : std::vector<std::pair<std::string, int>>{{"punto_de_venta=17", 1},
                                                                               {"punto_de_venta=18", 0},
                                                                               {"number=4199", 1},
                                                                               {"number=4200", 0},
                                                                               {"received_from=2025-06-10&received_to=2025-06-10", 1},
                                                                               {"received_from=2025-06-11", 0},
                                                                               {"received_to=2025-06-09", 0}}) {
        INFO(query);
        CHECK(get_json(h, "/v1/views/invoices?" + query, t)["total"] == found);
    }
    for (const auto& [query, field] :
         std::vector<std::pair<std::string, std::string>>{{"punto_de_venta=0", "punto_de_venta"},
                                                          {"punto_de_venta=100000", "punto_de_venta"},
                                                          {"number=x", "number"},
                                                          {"received_from=2025-13-01", "received_from"},
                                                          {"received_from=2025-06-11&received_to=2025-06-10", "received_to"}}) {
        INFO(query);
        r = h.get("/v1/views/invoices?" + query, t);
        CHECK(r.status() == 400);
        CHECK(r.field() == field);
    }
}

TEST_CASE_METHOD(SeededEnv,
                 "gateway: an invoice accepted, debited and paid in part: the debits view, its payments and balance, the payment orders",
                 "[gateway][views]") {
    const int64_t total = send_june_invoice(env, h, t);

    // Accepted, debited and paid in part: the debit's description and the payment order's line.
    ok(h, t, kProvider, AcceptInvoice{"f-1"});
    ok(h, t, kProvider, ApplyDebit{"f-1", "d-1", 10'000, "D07", "Práctica sin firma del afiliado", "PD-9"});
    ok(h, t, kProvider,
       IssuePaymentOrder{kSancor, "OP-77", date_from_civil(2025, 8, 5), {PaidInvoice{"f-1", total - 10'000 - 500}}, "CR-7", "APB"});
    env.sync();
    auto debits = get_json(h, "/v1/views/debits?period=2025-06", t);
    REQUIRE(debits["total"] == 1);
    CHECK(debits["rows"][0]["reason_code"] == "D07");
    CHECK(debits["rows"][0]["reason"] == "Práctica sin firma del afiliado");
    CHECK(debits["rows"][0]["amount"] == 10'000);
    const auto paid_row = get_json(h, "/v1/views/invoices?period=2025-06", t)["rows"][0];
    CHECK(paid_row["payments"] == json::array({{{"payment_order", "OP-77"},
                                                {"payment_order_type", "APB"},
                                                {"label", "APB OP-77"},
                                                {"paid_on", "2025-08-05"},
                                                {"amount", total - 10'500},
                                                {"retention_certificate", "CR-7"}}}));
    CHECK(paid_row["outstanding"] == 500);  // F4's Saldo: amount - debits - paid
    CHECK(paid_row["state"] == "aceptada");
    auto lines = lines_of(h.get("/v1/views/invoices?period=2025-06&format=csv", t).body().substr(3));
    REQUIRE(lines.size() == 2);
    CHECK(fields_of(lines[1])[10] == "5,00");
    CHECK(fields_of(lines[1])[12] == "Comprobante en proceso de liquidación");
    CHECK(fields_of(lines[1])[13] == "APB OP-77");
    const auto r = h.get("/v1/views/payment-orders?period=2025-06&obra_social=sancor&format=csv", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"ordenes-de-pago-2025-06-sancor.csv\"");
    lines = lines_of(r.body().substr(3));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] ==
          "Comprobante;Nro comprobante orden;Fecha de pago;Retenciones;Obra social;Nombre obra social;Prestador;Razon social;CUIT;Periodo;"
          "Factura;Importe facturado;Importe pagado");
    CHECK(fields_of(lines[1]) == std::vector<std::string>{"APB", "OP-77", "2025-08-05", "CR-7", "sancor", "SanCor Salud", "1042",
                                                          "USAR - PARA PRUEBAS CONECT", "27352153589", "2025-06", "B 00017-00004199",
                                                          pesos(total), pesos(total - 10'500)});
    CHECK(get_json(h, "/v1/views/payment-orders?period=2025-06&obra_social=insssep", t)["total"] == 0);
    CHECK(get_json(h, "/v1/views/payment-orders?period=2025-07", t)["total"] == 0);
}

TEST_CASE_METHOD(SeededEnv, "gateway: the A10 validation report, one row per budget item of the month, in JSON and in SanCor's columns",
                 "[gateway][views]") {
    // A10: one row per budget item of the month, from the ledgers; JSON and CSV.
    auto validation = get_json(h, "/v1/reports/validation?period=2025-06", t);
    REQUIRE(validation["total"] == 3);
    const auto& v = validation["rows"][0];
    CHECK(v["provider_number"] == "3-333");
    CHECK(v["matricula"] == "MP-1234");
    CHECK(v["order_number"] == "88-T-128183733");
    CHECK(v["order_date"] == "2025-06-03");
    CHECK(v["affiliate_number"] == "51868");
    CHECK(v["affiliate_name"] == "HERMOSI RAMON OSVALDO");
    CHECK(v["plan"] == "Afiliado InSSSeP");
    CHECK(v["plan_flagged"] == false);
    CHECK(v["convenio"] == "COLEGIO DE ODONTOLOGOS");
    CHECK(get_json(h, "/v1/reports/validation?period=2025-06&obra_social=sancor", t)["total"] == 0);
    CHECK(get_json(h, "/v1/reports/validation?period=2025-05", t)["total"] == 0);
    auto r = h.get("/v1/reports/validation?period=2025-06&format=csv", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "text/csv; charset=utf-8");
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"validacion-2025-06.csv\"");
    const auto lines = lines_of(r.body().substr(3));
    REQUIRE(lines.size() == 4);
    // SanCor's eleven columns (seed 004), with the practice's name and the plan to point out.
    CHECK(lines[0] ==
          "Obra social;Nombre obra social;Prestador;Desc. Prestador convenio;Nro Efector prestador;Desc. Prestador efector;"
          "Matricula prestador efector;Nro De orden;Fecha de orden;Nro Afiliado origen;Apellido y nombre del afiliado;Codigo;"
          "Descripcion;Plan;Aclarar plan;Estado");
    std::vector<std::string> practices;
    for (size_t i = 1; i < lines.size(); ++i) {
        const auto f = fields_of(lines[i]);
        REQUIRE(f.size() == 16);
        CHECK(f[0] == "insssep");
        CHECK(f[2] == "1042");
        CHECK(f[3] == "COLEGIO DE ODONTOLOGOS");
        CHECK(f[4] == "3-333");
        CHECK(f[5] == "USAR - PARA PRUEBAS CONECT");
        CHECK(f[7] == "88-T-128183733");
        CHECK(f[8] == "2025-06-03");
        CHECK(f[10] == "HERMOSI RAMON OSVALDO");
        CHECK(f[13] == "Afiliado InSSSeP");
        CHECK(f[14].empty());
        CHECK(f[15] == liquida::domain::state_label(validation["rows"][i - 1]["state"].get<std::string>()));
        CHECK(!f[12].empty());  // the practice's name from the configuration
        practices.push_back(f[11]);
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

namespace {

// The colegio asks to close `target` (June) and is refused with 409 `code`; June's close record
// is on disk only if it was before.
void close_refused(Env& env, HttpClient& h, const std::string& target, const std::string& code, bool closed_before = false) {
    const auto r = h.request(http::verb::post, target, env.colegio());
    INFO(target << ": " << r.status() << " " << r.body());
    CHECK(r.status() == 409);
    CHECK(r.code() == code);
    CHECK(fs::exists(env.dir.path() / "checkpoints" / "2025-06" / "close.json") == closed_before);
}

}  // namespace

TEST_CASE("gateway: no month closes before it ends and the log passes its cut, with work left unless forced, while locked or by others",
          "[gateway][months]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);  // June: o-1 approved, o-2 not reviewed, an InSSSeP consumption; nothing invoiced
    const auto t = env.colegio();
    auto os_of = [](const json& month, const std::string& os) {
        for (const auto& o : month["obras_sociales"])
            if (o["obra_social"] == os) return o;
        FAIL("no " << os);
        return json();
    };

    // June is still running: refused even when forced; what is left is shown per obra social.
    env.now = at(2025, 6, 20, 10);
    env.sync();
    close_refused(env, h, "/v1/months/2025-06/close?force=true", "month.not_ended");
    json june = get_json(h, "/v1/months/2025-06", t);
    CHECK(june["state"] == "open");
    CHECK(june["cut"] == "2025-07-01T00:00:00-03:00");
    const json sancor = os_of(june, "sancor");
    CHECK(sancor["orders_unreviewed"] == 1);  // o-2
    CHECK(sancor["not_invoiced"].get<int64_t>() > 0);
    CHECK(sancor["ready"] == false);
    CHECK(os_of(june, "ioma")["ready"] == true);

    // July 2nd, nothing recorded since the cut: June may still receive events.
    env.now = at(2025, 7, 2, 10);
    close_refused(env, h, "/v1/months/2025-06/close", "month.log_not_past_cut");
    ok(h, t, kProvider, ApproveOrder{"o-2"});  // the log passes June's cut
    env.sync();
    june = get_json(h, "/v1/months/2025-06", t);
    CHECK(june["state"] == "closable");
    CHECK(os_of(june, "sancor")["orders_unreviewed"] == 0);
    close_refused(env, h, "/v1/months/2025-06/close", "month.pending_work");  // nothing invoiced yet
    auto r = h.request(http::verb::post, "/v1/months/2025-06/close?force=yes", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "force");
    for (const auto& other : {env.token(Role::prestador, std::to_string(kProvider)), env.token(Role::obra_social, "sancor")}) {
        CHECK(h.request(http::verb::post, "/v1/months/2025-06/close?force=true", other).status() == 403);
        CHECK(h.get("/v1/months", other).status() == 403);
    }

    {  // A `liquida replay` closing June at this moment holds its lock: refused, nothing written.
        fs::create_directories(env.dir.path() / "checkpoints");
        const int fd = ::open((env.dir.path() / "checkpoints" / ".lock-2025-06").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        close_refused(env, h, "/v1/months/2025-06/close?force=true", "month.busy");
        ::close(fd);
    }
}

TEST_CASE("gateway: a month closed over HTTP keeps its chain's ends and its reports as they were, and closes once", "[gateway][months]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);  // June: o-1 approved, o-2 not reviewed, an InSSSeP consumption; nothing invoiced
    const auto t = env.colegio();
    env.now = at(2025, 7, 2, 10);
    ok(h, t, kProvider, ApproveOrder{"o-2"});  // the log passes June's cut
    env.sync();

    // Closed by the colegio's decision: the chain's ends, the reports, the checkpoint.
    auto r = h.request(http::verb::post, "/v1/months/2025-06/close?force=true", t);
    INFO(r.body());
    REQUIRE(r.status() == 201);
    const json closed = r.json_body();
    CHECK(closed["state"] == "closed");
    CHECK(closed["close"]["events"].get<uint64_t>() > 0);
    REQUIRE_FALSE(closed["close"]["partitions"].empty());
    for (const auto& p : closed["close"]["partitions"]) CHECK(p["last_hash"].get<std::string>().size() == 64);
    std::set<std::string> names;
    for (const auto& report : closed["close"]["reports"]) names.insert(report["name"].get<std::string>());
    CHECK(names.contains("report-2025-06.xlsx"));
    CHECK(names.contains("settlement-2025-06.csv"));
    CHECK(names.contains("close-2025-06.json"));
    CHECK(fs::exists(env.dir.path() / "checkpoints" / "2025-06" / "close.json"));
    CHECK(get_json(h, "/v1/months/2025-06", t)["close"] == closed["close"]);
    const json months = get_json(h, "/v1/months", t);
    bool listed = false;
    for (const auto& m : months["months"]) listed = listed || (m["month"] == "2025-06" && m["state"] == "closed");
    CHECK(listed);

    // The reports as they were at the close, whatever happens later; only those are served.
    r = h.get("/v1/months/2025-06/reports/report-2025-06.xlsx", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(r.body().starts_with("PK"));
    const std::string json_report = h.get("/v1/months/2025-06/reports/report-2025-06.json", t).body();
    ok(h, t, kProvider, order("o-9"));
    env.sync();
    CHECK(h.get("/v1/months/2025-06/reports/report-2025-06.json", t).body() == json_report);
    close_refused(env, h, "/v1/months/2025-06/close?force=true", "month.already_closed", true);
    for (const char* bad : {"/v1/months/2025-06/reports/..%2Fgateway.key", "/v1/months/2025-06/reports/gateway.key",
                            "/v1/months/2025-07/reports/report-2025-07.json", "/v1/months/junio"})
        CHECK(h.get(bad, t).status() == 404);
}

TEST_CASE("gateway: /v1/meta gives every role the names, the labels and who may issue each command", "[gateway][meta]") {
    Env env;
    HttpClient h(env.port());
    CHECK(h.get("/v1/meta", "").status() == 401);
    const json meta = get_json(h, "/v1/meta", env.colegio());
    CHECK(get_json(h, "/v1/meta", env.token(Role::prestador, "1042")) == meta);  // the same for every role
    // ... but for the aranceles agreed with the other obras sociales, which an obra social does not read.
    json sancor = get_json(h, "/v1/meta", env.token(Role::obra_social, "sancor"));
    CHECK(sancor["obras_sociales"][0]["aranceles"] == meta["obras_sociales"][0]["aranceles"]);
    for (const size_t i : {size_t{1}, size_t{2}}) {
        CHECK(sancor["obras_sociales"][i]["aranceles"].empty());
        sancor["obras_sociales"][i]["aranceles"] = meta["obras_sociales"][i]["aranceles"];
    }
    CHECK(sancor == meta);
    const auto& config = seed_config();
    REQUIRE(meta["obras_sociales"].size() == config.obras_sociales.size());
    for (size_t i = 0; i < config.obras_sociales.size(); ++i) {
        CHECK(meta["obras_sociales"][i]["id"] == config.obras_sociales[i].id.value());
        CHECK(meta["obras_sociales"][i]["name"] == config.obras_sociales[i].name);
        CHECK(meta["obras_sociales"][i]["practices"].size() == config.obras_sociales[i].practices.size());
        CHECK(meta["obras_sociales"][i]["required_order_fields"] == config.obras_sociales[i].required_order_fields);
        CHECK(meta["obras_sociales"][i]["invoice_attachments"].size() == config.obras_sociales[i].invoice_attachments.size());
        CHECK(meta["obras_sociales"][i]["invoice_requires_authorization"] == config.obras_sociales[i].invoice_requires_authorization);
    }
    CHECK(meta["obras_sociales"][2]["invoice_attachments"][1] == "constancia_cae");                                         // IOMA's
    CHECK(meta["obras_sociales"][0]["order_signatures"] == json::array({"professional_signature", "professional_stamp"}));  // SanCor's
    CHECK(meta["obras_sociales"][1]["order_signatures"].size() == 3);
    CHECK(meta["obras_sociales"][0]["required_budget_fields"] == json::array({"affiliate_name", "plan"}));
    CHECK(meta["obras_sociales"][0]["flagged_plans"] == json::array({"F800", "S800V"}));
    CHECK(meta["obras_sociales"][1]["required_budget_fields"].empty());
    CHECK(meta["obras_sociales"][0]["bills_authorization"] == true);
    CHECK(meta["obras_sociales"][0]["consumption_affiliate_signature"] == false);  // SanCor: no consumption step
    CHECK(meta["obras_sociales"][1]["consumption_affiliate_signature"] == true);   // InSSSeP (002)
    CHECK(meta["obras_sociales"][1]["bills_fee_shares"] == true);
    CHECK(meta["obras_sociales"][2]["bills_actas"] == true);  // IOMA (003)
    CHECK(meta["obras_sociales"][0]["bills_actas"] == false);
    CHECK(meta["labels"]["tipo_facturacion"]["solo_gastos"] == "Solo gastos");
    CHECK(meta["obras_sociales"][0]["report_with_presentation"] == true);
    CHECK(meta["obras_sociales"][1]["report_with_presentation"] == false);
    // A8: the aranceles in force (the seeds' file names no update), every practice's fee.
    const json& aranceles = meta["obras_sociales"][1]["aranceles"];
    REQUIRE(aranceles.size() == 1);
    CHECK(aranceles[0]["version"] == "inicial");
    CHECK(aranceles[0]["effective_from"].is_null());
    CHECK(aranceles[0]["fees"].size() == config.obras_sociales[1].practices.size());
    CHECK(aranceles[0]["fees"]["020800"] == 1'605'184);  // seed 002's $16.051,84
    CHECK(meta["labels"]["attachment_kind"]["planilla_asistencia"] == "Planilla de asistencia");
    CHECK(meta["labels"]["credential_type"].size() == std::size(liquida::domain::kCredentialTypeNames));
    CHECK(meta["labels"]["credential_type"]["credencial_digital"] == "Credencial digital");
    CHECK(meta["obras_sociales"][0]["practices"][0]["code"] == config.obras_sociales[0].practices[0].code);
    const auto& composite = meta["obras_sociales"][1]["practices"][1];  // InSSSeP's 020800
    CHECK(composite["code"] == "020800");
    CHECK(composite["requires_tooth"] == true);
    CHECK(composite["requires_faces"] == true);
    CHECK(meta["labels"]["order_state"]["pending"] == "Pendiente de revisión");
    REQUIRE(meta["labels"]["order_reject_reason"].size() == std::size(liquida::domain::kOrderRejectReasons));
    CHECK(meta["labels"]["order_reject_reason"]["missing_patient_signature"] == "Falta la firma del paciente");
    const json& events = meta["labels"]["event"];
    REQUIRE(events.size() == liquida::domain::kEventKinds);
    std::set<std::string> labels;
    for (size_t i = 0; i < liquida::domain::kEventKinds; ++i) {
        const std::string label = events.at(std::string(liquida::domain::event_name(i)));
        CHECK(label.find('_') == std::string::npos);
        labels.insert(label);
    }
    CHECK(labels.size() == liquida::domain::kEventKinds);  // no two kinds read alike
    CHECK(events["budget_authorized"] == "Presupuesto autorizado");
    CHECK(meta["labels"]["document_type"]["seguro"] == "Seguro de mala praxis");
    CHECK(meta["labels"]["retention_kind"]["colegio_fee"] == "Cuota del colegio");
    // The matrix the server enforces: a command listed for a role is accepted from it, one not
    // listed is 403 before anything is decided.
    REQUIRE(meta["commands"].size() == gw::command_names().size());
    CHECK(meta["commands"]["approve_order"] == json::array({"colegio"}));
    CHECK(meta["commands"]["apply_debit"] == json::array({"colegio", "obra_social"}));
    CHECK(meta["commands"]["load_order"] == json::array({"colegio", "prestador"}));
    CHECK(meta["order_window_last_day"] == 5);  // O3, as configured
    auto r = post(h, env.token(Role::prestador, std::to_string(kProvider)), kProvider, ApproveOrder{"o-1"});
    CHECK(r.status() == 403);
}

// seed()'s InSSSeP budget has three items, one of them consumed.
TEST_CASE_METHOD(SeededEnv, "gateway: the A9 authorization report and the F5 submissions, from the provider's ledger, in JSON and as files",
                 "[gateway][views]") {
    const std::string a9 = "/v1/reports/authorizations?provider=1042&from=2025-06-01&to=2025-06-30";
    const json report = get_json(h, a9, t);
    REQUIRE(report["total"] == 3);
    std::vector<std::string> practices;
    std::set<uint32_t> items;
    for (const auto& row : report["rows"]) {
        CHECK(row["transaction"] == "88-T-128183733");
        CHECK(row["at"].get<std::string>().starts_with("2025-06-03T"));
        practices.push_back(row["practice_code"].get<std::string>());
        items.insert(row["item"].get<uint32_t>());  // as cancel_transaction names one
    }
    CHECK(items == std::set<uint32_t>{1, 2, 3});
    const json by_amount = get_json(h, a9 + "&order=importe", t);
    for (size_t i = 1; i < by_amount["rows"].size(); ++i) CHECK(by_amount["rows"][i - 1]["amount"] <= by_amount["rows"][i]["amount"]);
    CHECK(get_json(h, "/v1/reports/authorizations?provider=1042&from=2025-06-04&to=2025-06-30", t)["total"] == 0);  // by date
    // The prestador's own, as a file; the range, the order and the provider are checked.
    const auto own = env.token(Role::prestador, std::to_string(kProvider));
    auto r = h.get("/v1/reports/authorizations?from=2025-06-01&to=2025-06-30&format=csv", own);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"autorizaciones-1042-2025-06-01-2025-06-30.csv\"");
    CHECK(lines_of(r.body().substr(3)).size() == 4);
    CHECK(r.body().find(";Consumida;") != std::string::npos);
    CHECK(r.body().find(";12818373302;Total (H y G)") != std::string::npos);  // the consumption's own number and tipo
    for (const auto& [target, field] :
         std::vector<std::pair<std::string, std::string>>{{"/v1/reports/authorizations?provider=1042&from=2025-06-01", "to"},
                                                          {"/v1/reports/authorizations?provider=1042&from=2025-06-30&to=2025-06-01", "to"},
                                                          {"/v1/reports/authorizations?provider=1042&from=2024-01-01&to=2025-06-01", "to"},
                                                          {a9 + "&order=via", "order"},
                                                          {"/v1/reports/authorizations?from=2025-06-01&to=2025-06-30", "provider"},
                                                          {"/v1/reports/submissions", "provider"}}) {
        INFO(target);
        r = h.get(target, t);
        CHECK(r.status() == 400);
        CHECK(r.field() == field);
    }

    // The canal is who entered each budget, from the token, never from the request: a body that
    // names one is refused; the prestador's own budget sorts apart from the colegio's.
    json named = json::parse(body_of(kProvider, insssep_budget(128183999)));
    named["channel"] = "WEB(otro)";
    r = h.request(http::verb::post, "/v1/commands", own, named.dump());
    CHECK(r.status() == 400);
    CHECK(r.code() == "request.unknown_field");
    ok(h, own, kProvider, insssep_budget(128183999));
    env.sync();
    const json by_channel = get_json(h, a9 + "&order=canal", t);
    REQUIRE(by_channel["total"] == 6);
    for (size_t i = 0; i < 6; ++i) {
        INFO(i);
        CHECK(by_channel["rows"][i]["channel"] == (i < 3 ? "WEB(colegio:secretaria)" : "WEB(prestador:1042)"));
        CHECK(by_channel["rows"][i]["transaction"] == (i < 3 ? "88-T-128183733" : "88-T-128183999"));
    }
    CHECK(by_channel["rows"][0]["description"].is_string());  // the practice's name from the nomenclador
    r = h.get(a9 + "&order=canal&format=csv", t);
    REQUIRE(r.status() == 200);
    // InSSSeP's Reporte de Autorizaciones (seed 002), its columns in its order, then the item's number.
    CHECK(lines_of(r.body().substr(3))[0] ==
          "Credencial;Nombre;Fecha y hora;Nro. transaccion;Canal;Cod. Prestacion;Descripcion;Pieza;Caras;Estado;Cant.;Importe total;"
          "Nro. consumo;Tipo F;Item");
    CHECK(lines_of(r.body().substr(3))[1].starts_with("59790;HERMOSI RAMON OSVALDO;"));
    CHECK(by_channel["rows"][0]["affiliate_name"] == "HERMOSI RAMON OSVALDO");
    CHECK(by_channel["rows"][0]["quantity"] == 1);

    const auto insurer = env.token(Role::obra_social, "insssep");
    CHECK(h.get(a9, insurer).status() == 403);
    CHECK(h.get("/v1/reports/submissions?provider=1042", insurer).status() == 403);
    CHECK(h.get("/v1/reports/authorizations?provider=2077&from=2025-06-01&to=2025-06-30", own).status() == 403);

    // F5: nothing owed before any debit; a file all the same.
    CHECK(get_json(h, "/v1/reports/submissions?provider=1042", t)["total"] == 0);
    r = h.get("/v1/reports/submissions?provider=1042&format=xlsx", t);
    REQUIRE(r.status() == 200);
    CHECK(r.header("Content-Disposition") == "attachment; filename=\"presentaciones-1042.xlsx\"");
    CHECK(r.body().starts_with("PK"));
}
