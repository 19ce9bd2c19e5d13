// The gateway over real sockets on 127.0.0.1 (server_env.h). Every wait is bounded (socket
// expiries, run_one_for deadlines); no test waits on a condition forever.
// Here: authentication, scopes and what an attacker tries.
#include "server_env.h"

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
    forbidden(
        post(h, sancor, kProvider, ResolveBudgetAudit{TransactionRef{88, "T", kTransaction}, {{1, ItemResult::autorizada}}}));  // insssep's
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
    for (const std::string& target :
         {std::string("//etc/hostname"), "/" + key_path, key_path, std::string("/../") + key_path,
          std::string("/%2e%2e/%2e%2e/etc/hostname"), std::string("/..%2fetc%2fhostname"), std::string("/leak.css"),
          std::string("/sub/x.js"), std::string("/sub"), std::string("//dev/zero"), std::string("/index.html/"), std::string("/.")}) {
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

TEST_CASE_METHOD(SeededEnv, "gateway: paging past the end answers no rows and never wraps", "[gateway][security]") {
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
    {
        HttpClient warm(env.port());
        REQUIRE(warm.get("/healthz").status() == 200);
    }
    // No session of the server is in a Beast operation while descriptors are gone: UBSan's
    // vptr check probes memory through a pipe, and without one it reports a valid operation
    // as "invalid vptr".
    std::this_thread::sleep_for(300ms);
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
    HttpClient h(env.port());
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
        ok(h, t, p,
           RegisterProvider{"MP-" + std::to_string(p), kCuit, std::string(150, 'r'), IvaCondition::monotributo, kCbu, "A", false, "", "",
                            ""});
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

TEST_CASE_METHOD(SeededEnv, "gateway: a view row that does not decode is answered 503, never as fewer rows", "[gateway][security]") {
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
