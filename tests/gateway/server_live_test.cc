// The gateway over real sockets on 127.0.0.1 (server_env.h). Every wait is bounded (socket
// expiries, run_one_for deadlines); no test waits on a condition forever.
// Here: live views and topic streams over websockets, limits, lifecycle, /healthz, and the
// business and test clocks.
#include <filesystem>
#include <iterator>

#include "server_env.h"

namespace {

// Signs `ws` in as the colegio and subscribes it to pending as "p", then to 1042's June
// settlement as "s", checking the seeded world's snapshots; the last snapshot's sequence number.
uint64_t subscribe_pending_and_settlement(WsClient& ws, const std::string& colegio) {
    REQUIRE(ws.connect("/v1/live") == 101);
    ws.send({{"auth", colegio}});
    auto hello = expect(ws, "authenticated");
    CHECK(hello["role"] == "colegio");
    CHECK(hello["subject"] == "secretaria");

    ws.send({{"subscribe", "pending"}, {"id", "p"}});
    auto snap = expect(ws, "snapshot");
    CHECK(snap["subscription"] == "p");
    CHECK(snap["view"] == "pending");
    CHECK(snap["rows"].size() == 2);
    // A second subscription on the same connection, with filters.
    ws.send({{"subscribe", "settlement"}, {"id", "s"}, {"provider", kProvider}, {"period", "2025-06"}});
    auto snap2 = expect(ws, "snapshot");
    CHECK(snap2["view"] == "settlement");
    CHECK(snap2["rows"].size() == 2);  // sancor and insssep
    CHECK(snap2["seq"].get<uint64_t>() >= snap["seq"].get<uint64_t>());
    return snap2["seq"].get<uint64_t>();
}

}  // namespace

TEST_CASE_METHOD(SeededEnv, "gateway: live snapshot then every change in order", "[gateway][live]") {
    WsClient ws(env.port());
    uint64_t last = subscribe_pending_and_settlement(ws, t);

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
        ws, [](const json& m) { return change_of("p", "1042/88-T-300/")(m) || (change_of("s")(m) && m["row"]["billable"]["count"] == 2); },
        2, &seen);
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
}

TEST_CASE_METHOD(SeededEnv,
                 "gateway: live unsubscribe ends a subscription's changes, bad messages get an error, a filter a view lacks is ignored",
                 "[gateway][live]") {
    WsClient ws(env.port());
    subscribe_pending_and_settlement(ws, t);

    // After unsubscribing, "p" gets nothing more while "s" goes on.
    ws.send({{"unsubscribe", "p"}});
    std::vector<json> seen;
    auto gone = collect(
        ws, [](const json& m) { return m.value("type", "") == "unsubscribed"; }, 1);
    CHECK(gone[0]["subscription"] == "p");
    ok(h, t, kProvider, consume(kTransaction, 1));  // a pending item gone and the settlement moved
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
    auto padron = collect(
        ws, [](const json& m) { return change_of("pad", "2077")(m) && m["row"]["documents"].size() == 2; }, 1);
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

// Threads of this process (the gateway runs in it).
size_t thread_count() {
    return static_cast<size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator()));
}

TEST_CASE("gateway: topic streams are read by a pool, not a thread each, and follow what is appended", "[gateway][topics]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
    const size_t before = thread_count();
    std::vector<std::unique_ptr<WsClient>> open;
    for (int i = 0; i < 32; ++i) {
        open.push_back(std::make_unique<WsClient>(env.port()));
        REQUIRE(open.back()->connect("/v1/topics/liquida.padron?from=0", env.token(Role::colegio, "s-" + std::to_string(i / 8))) == 101);
        CHECK(expect(*open.back(), "event")["kind"] == "provider_registered");
    }
    // The pool's two threads at most; a thread per stream would add 32.
    CHECK(thread_count() <= before + 2);
    // Idle streams wake for what is appended later.
    ok(h, t, kProvider, UploadDocument{DocumentType::seguro, "doc-1", "ref", date_from_civil(2030, 12, 31)});
    for (auto& ws : open) CHECK(expect(*ws, "event")["kind"] == "document_uploaded");
}

TEST_CASE_METHOD(SeededEnv, "gateway: live resume by sequence gets exactly the missed changes", "[gateway][live]") {
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
        return proj::PendingRow{ProviderId{kProvider}, TransactionRef{88, "T", 1}, item, kInsssep, "51868", "59790", "100100", 18, "",
                                at(2025, 6, 3)};
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

TEST_CASE_METHOD(SeededEnv, "gateway: live obra social subscriber sees its pending rows come and go", "[gateway][live]") {
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live", env.token(Role::obra_social, "insssep")) == 101);
    ws.send({{"subscribe", "pending"}, {"id", "p"}});
    CHECK(expect(ws, "snapshot")["rows"].size() == 2);
    ok(h, t, kProvider, consume(kTransaction, 3));
    auto gone = collect(
        ws, [](const json& m) { return change_of("p", "1042/88-T-128183733/3")(m) && m["row"].is_null(); }, 1);
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

TEST_CASE("gateway: an order is priced at the aranceles in force on its attention date, and /v1/meta shows them by the business clock",
          "[gateway][meta][A8]") {
    Config config = seed_config();
    for (ObraSocialConfig& os : config.obras_sociales) {
        if (os.id != kSancor) continue;
        os.fee_version = "2025-01";
        os.fee_updates = {FeeUpdate{"2025-06 reajuste", date_from_civil(2025, 6, 2), {{"330101", 1'600'000}}},
                          FeeUpdate{"2025-09", date_from_civil(2025, 9, 1), {{"330101", 1'700'000}}}};
    }
    Env env;
    env.config = &config;
    env.gateway.reset();
    env.start();
    HttpClient h(env.port());
    seed(env, h);  // o-1 and o-2: SanCor's 330101 attended on 2025-06-01, loaded on 2025-06-03
    const auto t = env.colegio();
    LoadOrder later = order("o-3");
    later.attention_date = date_from_civil(2025, 6, 2);
    ok(h, t, kProvider, later);
    env.sync();
    const json rows = get_json(h, "/v1/views/orders?provider=" + std::to_string(kProvider), t)["rows"];
    std::map<std::string, std::pair<int64_t, std::string>> priced;
    for (const json& r : rows) priced[r["order_id"]] = {r["amount"], r["fee_version"]};
    CHECK(priced["o-1"] == std::pair<int64_t, std::string>{1'500'000, "2025-01"});  // category A: no increment
    CHECK(priced["o-3"] == std::pair<int64_t, std::string>{1'600'000, "2025-06 reajuste"});
    // On 2025-06-03 (the business clock): the version in force, the one before and the one announced.
    const json aranceles = get_json(h, "/v1/meta", t)["obras_sociales"][0]["aranceles"];
    REQUIRE(aranceles.size() == 3);
    CHECK(aranceles[0]["version"] == "2025-01");
    CHECK(aranceles[0]["effective_from"].is_null());
    CHECK(aranceles[1]["effective_from"] == "2025-06-02");
    CHECK(aranceles[2]["fees"]["330101"] == 1'700'000);
    env.business = at(2025, 9, 1, 0);  // the first instant of September in Argentina: the oldest is gone
    const json later_meta = get_json(h, "/v1/meta", t)["obras_sociales"][0]["aranceles"];
    REQUIRE(later_meta.size() == 2);
    CHECK(later_meta[0]["version"] == "2025-06 reajuste");
}

TEST_CASE_METHOD(SeededEnv, "gateway: the orders view, by state and scope, and its rows changing live as the colegio reviews them",
                 "[gateway][live]") {
    const auto prestador = env.token(Role::prestador, std::to_string(kProvider));
    // The colegio's queue: o-2 waits for review; o-1 was approved.
    const json pending = get_json(h, "/v1/views/orders?state=pending", t);
    REQUIRE(pending["total"] == 1);
    CHECK(pending["rows"][0]["order_id"] == "o-2");
    CHECK(pending["rows"][0]["provider"] == kProvider);
    CHECK(pending["rows"][0]["obra_social"] == "sancor");
    CHECK(pending["rows"][0]["period"] == "2025-06");
    CHECK(pending["rows"][0]["state"] == "pending");
    CHECK(pending["rows"][0]["loaded_at"] == "2025-06-03T10:00:00-03:00");
    CHECK(pending["rows"][0]["affiliate_name"] == "GOMEZ ANA");
    CHECK(pending["rows"][0]["plan"] == "S800V");
    CHECK(get_json(h, "/v1/views/orders?state=approved&provider=" + std::to_string(kProvider), t)["rows"][0]["order_id"] == "o-1");
    CHECK(h.get("/v1/views/orders?state=aprobada", t).status() == 400);
    CHECK(h.get("/v1/views/orders?format=csv", t).status() == 406);
    // A prestador reads its own orders only; another's is 403; an obra social its own.
    CHECK(get_json(h, "/v1/views/orders", prestador)["total"] == 2);
    CHECK(h.get("/v1/views/orders?provider=" + std::to_string(kOther), prestador).status() == 403);
    CHECK(get_json(h, "/v1/views/orders", env.token(Role::obra_social, "insssep"))["total"] == 0);
    CHECK(get_json(h, "/v1/views/orders", env.token(Role::obra_social, "sancor"))["total"] == 2);

    // Both screens follow: the prestador's and the colegio's.
    WsClient mine(env.port()), colegio(env.port());
    REQUIRE(mine.connect("/v1/live", prestador) == 101);
    REQUIRE(colegio.connect("/v1/live", t) == 101);
    mine.send({{"subscribe", "orders"}, {"id", "o"}});
    colegio.send({{"subscribe", "orders"}, {"id", "o"}, {"period", "2025-06"}});
    CHECK(expect(mine, "snapshot")["rows"].size() == 2);
    CHECK(expect(colegio, "snapshot")["rows"].size() == 2);
    ok(h, t, kProvider, RejectOrder{"o-2", "missing_professional_stamp", ""});
    for (WsClient* ws : {&mine, &colegio}) {
        const auto changed = collect(*ws, change_of("o", "1042/o-2"), 1);
        CHECK(changed[0]["row"]["state"] == "rejected");
        CHECK(changed[0]["row"]["reason_code"] == "missing_professional_stamp");
    }
    ok(h, t, kProvider, order("o-3"));
    CHECK(collect(mine, change_of("o", "1042/o-3"), 1)[0]["row"]["state"] == "pending");
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

namespace {

// What update_past_a_drop sent.
struct Updates {
    int sent = 0;
    int after_drop = -1;  // how many after the server reported the drop
    double drops = 0;     // the server's slow drops at the last one
};

// Rows as long as a razón social may be: updates until the server reports a drop, then three
// more. Each applied before the next: a live change is a row's state per committed batch, and
// two updates in one batch would be one change.
Updates update_past_a_drop(Env& env, HttpClient& h, const std::string& t) {
    const std::string filler(gw::kMaxTextBytes - 20, 'x');
    Updates u;
    while (u.sent < 5000 && u.after_drop < 3) {
        ok(h, t, kProvider,
           UpdateProvider{"update " + std::to_string(u.sent) + " " + filler, IvaCondition::monotributo, kCbu, "A", "", "", ""});
        env.sync();
        ++u.sent;
        u.drops = static_cast<double>(env.gateway->slow_drops());
        if (u.drops >= 1) ++u.after_drop;
    }
    return u;
}

}  // namespace

TEST_CASE("gateway: a slow websocket client is dropped while a fast one keeps up", "[gateway][limits]") {
    gw::ServerOptions options;
    options.send_queue_limit = 16 << 10;
    Env env(options);
    HttpClient h(env.port());
    const auto t = env.colegio();
    ok(h, t, kProvider, RegisterProvider{"MP-1", kCuit, "Nombre", IvaCondition::monotributo, kCbu, "A", false, "", "", ""});
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

    const Updates u = update_past_a_drop(env, h, t);
    const int updates = u.sent;
    expected_last = updates - 1;
    reader.join();
    CHECK(u.drops == 1);
    CHECK(u.after_drop == 3);

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

TEST_CASE("gateway: commands and views run on the business clock, tokens on the real one", "[gateway][clock]") {
    Env env;
    HttpClient h(env.port());
    seed(env, h);  // 1042's seguro is in force until 2025-07-10
    const auto t = env.colegio();
    env.now = at(2026, 12, 1, 10);  // the real clock: long after the demo's 2025
    env.business = at(2025, 6, 20, 10);
    env.sync();  // the seed's events in the views

    const json meta = get_json(h, "/v1/meta", t);
    CHECK(meta["clock"]["now"] == env.business.load());
    CHECK(meta["clock"]["today"] == "2025-06-20");
    CHECK(meta["clock"]["mode"] == "wall");
    // Judged on 2025-06-20, not on the real date: 1042 is in the padrón.
    CHECK(get_json(h, "/v1/views/padron/1042", t)["in_good_standing"] == true);
    // A command is decided, and its instants written, at the business clock.
    ok(h, t, kOther, UploadDocument{DocumentType::afip, "2077-afip", "s3://docs/2077-afip", date_from_civil(2030, 12, 31)});
    env.sync();
    const json docs = get_json(h, "/v1/views/padron/2077", t)["documents"];
    INFO(docs.dump());
    bool found = false;
    for (const auto& d : docs)
        if (d["document_id"] == "2077-afip") found = d["uploaded_at"] == liquida::domain::to_iso_local(env.business.load());
    CHECK(found);

    // Live: the day turning past the seguro's expiry, with no event at all, moves 1042 out of
    // the padrón on the subscribers' screens.
    WsClient ws(env.port());
    subscribed(ws, t, "padron", "p");
    env.business = at(2025, 7, 15, 10);  // past the seguro's expiry
    const auto turned = collect(ws, change_of("p", "1042"), 1);
    CHECK(turned[0]["row"]["in_good_standing"] == false);
    CHECK(turned[0]["row"]["missing_document"] == "seguro");
    const json out = get_json(h, "/v1/views/padron/1042", t);
    CHECK(out["in_good_standing"] == false);
    CHECK(out["missing_document"] == "seguro");

    // A token expires by the real clock: one good for an hour from the real now still works,
    // one that expired an hour ago (though years after the business clock) does not.
    CHECK(h.get("/v1/meta", env.token(Role::colegio, "secretaria", 3'600'000)).status() == 200);
    CHECK(h.get("/v1/meta", env.token(Role::colegio, "secretaria", -3'600'000)).code() == "auth.expired_token");
}

TEST_CASE("gateway: the colegio moves a test clock forward only, the views and commands follow it, and it survives a restart",
          "[gateway][clock]") {
    Env env({}, at(2025, 5, 1, 10));
    HttpClient h(env.port());
    seed(env, h);                   // 1042's seguro is in force until 2025-07-10
    env.now = at(2026, 12, 1, 10);  // the real clock: tokens expire by it
    const auto t = env.colegio();
    const auto move = [&](const std::string& token, const std::string& body) {
        return h.request(http::verb::post, "/v1/clock", token, body);
    };
    REQUIRE(move(t, R"({"to":"2025-06-20T10:00:00-03:00"})").status() == 200);
    env.sync();

    json clock = get_json(h, "/v1/clock", env.token(Role::prestador, "1042"));
    CHECK(clock["mode"] == "test");
    CHECK(clock["today"] == "2025-06-20");
    CHECK(clock["at"] == "2025-06-20T10:00:00-03:00");
    CHECK(get_json(h, "/v1/meta", t)["clock"] == clock);
    CHECK(json::parse(h.get("/healthz").body())["clock"]["now"] == at(2025, 6, 20, 10));

    // Only the colegio moves it, only forward, and only with one well-formed request.
    CHECK(move(env.token(Role::prestador, "1042"), R"({"to":"2025-07-01"})").status() == 403);
    CHECK(move(env.token(Role::obra_social, "sancor"), R"({"to":"2025-07-01"})").status() == 403);
    auto back = move(t, R"({"to":"2025-06-19"})");
    CHECK(back.status() == 409);
    CHECK(back.code() == "clock.backwards");
    CHECK(back.field() == "to");
    for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{{R"({"to":"mañana"})", "to"},
                                                                                      {R"({"to":"2025-07-32"})", "to"},
                                                                                      {R"({"to":20250701})", "to"},
                                                                                      {R"({"advance_days":0})", "advance_days"},
                                                                                      {R"({"advance_days":367})", "advance_days"},
                                                                                      {R"({"advance_days":1.5})", "advance_days"},
                                                                                      {R"({"to":"2025-07-01","advance_days":1})", "to"},
                                                                                      {R"({"when":"2025-07-01"})", "when"},
                                                                                      {R"({})", "to"},
                                                                                      {R"([1])", ""},
                                                                                      {std::string(2000, ' ') + "{}", ""}}) {
        const auto r = move(t, body);
        INFO(body << " -> " << r.body());
        CHECK(r.status() == 400);
        CHECK(r.field() == field);
    }
    CHECK(get_json(h, "/v1/clock", t)["now"] == at(2025, 6, 20, 10));  // none of those moved it
    auto put = h.request(http::verb::put, "/v1/clock", t, "{}");
    CHECK(put.status() == 405);
    CHECK(put.header("Allow") == "GET, HEAD, POST");

    // Moved past the seguro's expiry: the padrón is judged on the new day, live subscribers see
    // 1042 leave it, and a command is decided at the clock's instant.
    WsClient ws(env.port());
    subscribed(ws, t, "padron", "p");
    auto moved = move(t, R"({"to":"2025-07-11T09:30:00-03:00"})");
    REQUIRE(moved.status() == 200);
    CHECK(moved.json_body()["today"] == "2025-07-11");
    CHECK(collect(ws, change_of("p", "1042"), 1)[0]["row"]["in_good_standing"] == false);
    CHECK(get_json(h, "/v1/views/padron/1042", t)["missing_document"] == "seguro");
    ok(h, t, kOther, UploadDocument{DocumentType::afip, "2077-afip", "s3://docs/2077-afip", date_from_civil(2030, 12, 31)});
    env.sync();
    bool stamped = false;
    const json documents = get_json(h, "/v1/views/padron/2077", t)["documents"];
    INFO(documents.dump());
    for (const auto& d : documents)
        if (d["document_id"] == "2077-afip") stamped = d["uploaded_at"] == "2025-07-11T09:30:00-03:00";
    CHECK(stamped);
    REQUIRE(move(t, R"({"advance_days":2})").status() == 200);
    CHECK(get_json(h, "/v1/clock", t)["at"] == "2025-07-13T09:30:00-03:00");

    // Kept on disk: a restart asking for the old start resumes where the clock stood.
    env.restart();
    HttpClient again(env.port());
    CHECK(get_json(again, "/v1/clock", t)["at"] == "2025-07-13T09:30:00-03:00");
}

TEST_CASE("gateway: a server on the real clock shows it and refuses to move it", "[gateway][clock]") {
    Env env;
    HttpClient h(env.port());
    const auto t = env.colegio();
    const json clock = get_json(h, "/v1/clock", t);
    CHECK(clock["mode"] == "wall");
    CHECK(clock["now"] == env.now.load());
    const auto r = h.request(http::verb::post, "/v1/clock", t, R"({"advance_days":1})");
    CHECK(r.status() == 409);
    CHECK(r.code() == "clock.not_a_test_clock");
    CHECK(get_json(h, "/v1/clock", t)["now"] == env.now.load());
    CHECK(h.request(http::verb::post, "/v1/clock", "", R"({"advance_days":1})").status() == 401);
}

// --- Security: what an attacker tried --------------------------------------------------------
