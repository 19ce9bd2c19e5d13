// The gateway over real sockets on 127.0.0.1 (server_env.h): people who sign in with a
// password, their sessions, lockout, password changes and the colegio's users.
#include "server_env.h"

namespace {

const std::string kAnaPassword = "clave de ana del colegio";

// Adds a user to the environment's users file, as `liquida user add` does.
void add_user(Env& env, const std::string& name, Role role, const std::string& subject, const std::string& password) {
    REQUIRE(gw::UserStore(env.dir.str()).add({name, role, subject, gw::hash_password(password)}));
}

Reply login(HttpClient& h, const std::string& name, const std::string& password) {
    return h.request(http::verb::post, "/v1/login", "", json{{"username", name}, {"password", password}}.dump());
}

std::string token_of(const Reply& r) {
    INFO(r.body());
    REQUIRE(r.status() == 200);
    return r.json_body().at("token").get<std::string>();
}

}  // namespace

TEST_CASE("gateway: a person signs in with a password, works, and logout revokes the token", "[gateway][users]") {
    Env env;
    add_user(env, "ana", Role::colegio, "secretaria", kAnaPassword);
    HttpClient h(env.port());

    const auto signed_in = login(h, "ana", kAnaPassword);
    const std::string token = token_of(signed_in);
    const json body = signed_in.json_body();
    CHECK(body["username"] == "ana");
    CHECK(body["role"] == "colegio");
    CHECK(body["subject"] == "secretaria");
    CHECK(body["expires_at"] == env.now.load() + 8LL * 3600 * 1000);
    CHECK(h.get("/v1/views/padron", token).status() == 200);

    // A live view opened with it is closed when the session ends.
    WsClient ws(env.port());
    REQUIRE(ws.connect("/v1/live") == 101);
    ws.send({{"auth", token}});
    expect(ws, "authenticated");

    const auto out = h.request(http::verb::post, "/v1/logout", token);
    CHECK(out.status() == 200);
    CHECK(ws.wait_closed() == gw::kCloseUnauthorized);
    auto after = h.get("/v1/views/padron", token);
    CHECK(after.status() == 401);
    CHECK(after.code() == "auth.revoked_token");
    CHECK(h.request(http::verb::post, "/v1/logout", token).code() == "auth.revoked_token");

    // A machine's token has no session to end; it stays good until its expiry.
    const auto machine = h.request(http::verb::post, "/v1/logout", env.colegio());
    CHECK(machine.status() == 400);
    CHECK(machine.code() == "auth.not_a_session");
    CHECK(h.get("/v1/views/padron", env.colegio()).status() == 200);

    // A restart signs everyone out.
    const std::string again = token_of(login(h, "ana", kAnaPassword));
    env.restart();
    HttpClient h2(env.port());
    CHECK(h2.get("/v1/views/padron", again).code() == "auth.revoked_token");
}

TEST_CASE("gateway: a wrong password and an unknown name get the same answer, and bad bodies a typed error", "[gateway][users]") {
    Env env;
    add_user(env, "ana", Role::colegio, "secretaria", kAnaPassword);
    HttpClient h(env.port());
    const auto wrong = login(h, "ana", "no es la clave de ana");
    const auto unknown = login(h, "nadie", kAnaPassword);
    CHECK(wrong.status() == 401);
    CHECK(unknown.status() == 401);
    CHECK(wrong.body() == unknown.body());
    CHECK(wrong.code() == "auth.bad_credentials");

    struct Case {
        std::string body, code, field;
    };
    for (const auto& c : std::vector<Case>{{"no json", "request.invalid_json", ""},
                                           {"[]", "request.invalid_json", ""},
                                           {R"({"username":"ana"})", "request.missing_field", "password"},
                                           {R"({"username":"ana","password":7})", "request.wrong_type", "password"},
                                           {R"({"username":"ana","password":"x","otp":"1"})", "request.unknown_field", "otp"},
                                           {"{\"username\":\"" + std::string(5000, 'a') + "\"}", "request.too_long", ""}}) {
        INFO(c.body.substr(0, 80));
        const auto r = h.request(http::verb::post, "/v1/login", "", c.body);
        CHECK(r.status() == 400);
        CHECK(r.code() == c.code);
        CHECK(r.field() == c.field);
    }
    CHECK(h.get("/v1/login").status() == 405);
    CHECK(h.get("/v1/login").header("Allow") == "POST");
}

TEST_CASE("gateway: five failed sign-ins lock the name for fifteen minutes, the right password included", "[gateway][users]") {
    Env env;
    add_user(env, "ana", Role::colegio, "secretaria", kAnaPassword);
    HttpClient h(env.port());
    for (int i = 1; i < gw::kFailuresBeforeLockout; ++i) CHECK(login(h, "ana", "adivinando " + std::to_string(i)).status() == 401);
    const auto fifth = login(h, "ana", "adivinando 5");
    CHECK(fifth.status() == 429);
    CHECK(fifth.code() == "auth.locked");
    CHECK(fifth.header("Retry-After") == "900");
    const auto right = login(h, "ana", kAnaPassword);
    CHECK(right.status() == 429);
    CHECK(right.code() == "auth.locked");
    // A name nobody has locks the same way: the lockout tells nothing of who has an account.
    for (int i = 0; i < gw::kFailuresBeforeLockout; ++i) login(h, "nadie", "adivinando");
    CHECK(login(h, "nadie", "adivinando").code() == "auth.locked");

    env.now += gw::kLockoutMs - 60'000;
    CHECK(login(h, "ana", kAnaPassword).header("Retry-After") == "60");
    env.now += 60'000;
    CHECK(login(h, "ana", kAnaPassword).status() == 200);
}

TEST_CASE("gateway: the colegio creates users, who sign in with their role scope", "[gateway][users]") {
    Env env;
    HttpClient h(env.port());
    auto create = [&](const std::string& token, const json& body) { return h.request(http::verb::post, "/v1/users", token, body.dump()); };
    const json consultorio{
        {"username", "consultorio"}, {"role", "prestador"}, {"subject", std::to_string(kProvider)}, {"password", "clave del consultorio"}};

    const auto created = create(env.colegio(), consultorio);
    INFO(created.body());
    CHECK(created.status() == 201);
    CHECK(created.json_body() == json{{"username", "consultorio"}, {"role", "prestador"}, {"subject", std::to_string(kProvider)}});
    CHECK(create(env.colegio(), consultorio).status() == 409);
    CHECK(create(env.colegio(), consultorio).code() == "user.exists");

    const auto by_prestador =
        create(env.token(Role::prestador, std::to_string(kProvider)),
               json{{"username", "otro"}, {"role", "colegio"}, {"subject", "x"}, {"password", "clave de otro usuario"}});
    CHECK(by_prestador.status() == 403);
    CHECK(by_prestador.code() == "auth.forbidden");

    struct Case {
        json body;
        std::string code, field;
    };
    for (const auto& c : std::vector<Case>{
             {{{"username", "Mal Nombre"}, {"role", "colegio"}, {"subject", "x"}, {"password", "clave suficientemente larga"}},
              "request.invalid_value",
              "username"},
             {{{"username", "beto"}, {"role", "admin"}, {"subject", "x"}, {"password", "clave suficientemente larga"}},
              "request.invalid_value",
              "role"},
             {{{"username", "beto"}, {"role", "prestador"}, {"subject", "sancor"}, {"password", "clave suficientemente larga"}},
              "request.invalid_value",
              "subject"},
             {{{"username", "beto"}, {"role", "obra_social"}, {"subject", "osde"}, {"password", "clave suficientemente larga"}},
              "request.invalid_value",
              "subject"},
             {{{"username", "beto"}, {"role", "colegio"}, {"subject", "x"}, {"password", "corta"}}, "user.weak_password", "password"},
             {{{"username", "beto"}, {"role", "colegio"}, {"subject", "x"}}, "request.missing_field", "password"}}) {
        INFO(c.body.dump());
        const auto r = create(env.colegio(), c.body);
        CHECK(r.status() == 400);
        CHECK(r.code() == c.code);
        CHECK(r.field() == c.field);
    }

    const auto listed = h.get("/v1/users", env.colegio());
    REQUIRE(listed.status() == 200);
    CHECK(listed.json_body() ==
          json{{"users", {{{"username", "consultorio"}, {"role", "prestador"}, {"subject", std::to_string(kProvider)}}}}});
    CHECK(listed.body().find("argon2") == std::string::npos);
    CHECK(h.get("/v1/users", env.token(Role::obra_social, "sancor")).status() == 403);

    // The new user's token has the prestador's scope (its own rows only), and what the person
    // enters says who did: the budget's canal is WEB(consultorio).
    const std::string token = token_of(login(h, "consultorio", "clave del consultorio"));
    CHECK(h.get("/v1/views/padron?provider=" + std::to_string(kProvider), token).status() == 200);
    CHECK(h.get("/v1/views/padron?provider=" + std::to_string(kOther), token).status() == 403);
    seed(env, h);  // moves the clock to June: sign in again
    const std::string june = token_of(login(h, "consultorio", "clave del consultorio"));
    ok(h, june, kProvider, insssep_budget(128183999));
    env.sync();
    const json a9 = get_json(h, "/v1/reports/authorizations?from=2025-06-01&to=2025-06-30&order=canal", june);
    std::set<std::string> channels;
    for (const auto& row : a9["rows"]) channels.insert(row["channel"].get<std::string>());
    CHECK(channels == std::set<std::string>{"WEB(colegio:secretaria)", "WEB(consultorio)"});
}

TEST_CASE("gateway: a password change needs the current one and ends the user's other sessions", "[gateway][users]") {
    Env env;
    add_user(env, "ana", Role::colegio, "secretaria", kAnaPassword);
    HttpClient h(env.port());
    const std::string here = token_of(login(h, "ana", kAnaPassword));
    const std::string elsewhere = token_of(login(h, "ana", kAnaPassword));
    auto change = [&](const std::string& token, const std::string& current, const std::string& next) {
        return h.request(http::verb::post, "/v1/password", token, json{{"current", current}, {"new", next}}.dump());
    };

    const auto wrong = change(here, "no es la actual", "una clave nueva y larga");
    CHECK(wrong.status() == 401);
    CHECK(wrong.code() == "auth.bad_credentials");
    CHECK(wrong.field() == "current");
    const auto weak = change(here, kAnaPassword, "corta");
    CHECK(weak.status() == 400);
    CHECK(weak.field() == "new");
    CHECK(change(env.colegio(), kAnaPassword, "una clave nueva y larga").code() == "auth.not_a_session");

    const auto changed = change(here, kAnaPassword, "una clave nueva y larga");
    INFO(changed.body());
    CHECK(changed.status() == 200);
    CHECK(changed.json_body()["other_sessions_closed"] == 1);
    CHECK(h.get("/v1/views/padron", here).status() == 200);
    CHECK(h.get("/v1/views/padron", elsewhere).code() == "auth.revoked_token");
    CHECK(login(h, "ana", kAnaPassword).status() == 401);
    CHECK(login(h, "ana", "una clave nueva y larga").status() == 200);
}

TEST_CASE("gateway: a users file that stops reading while serving is a 503, never a wrong password", "[gateway][users]") {
    Env env;
    add_user(env, "ana", Role::colegio, "secretaria", kAnaPassword);
    HttpClient h(env.port());
    const auto path = env.dir.path() / "users";
    std::string good;
    {
        std::ifstream in(path);
        std::getline(in, good);
    }
    std::ofstream(path) << "u1 ana colegio secretaria\n";  // a hand edit gone wrong
    for (int i = 0; i <= gw::kFailuresBeforeLockout; ++i) {
        const auto r = login(h, "ana", kAnaPassword);
        CHECK(r.status() == 503);
        CHECK(r.code() == "user.store_unavailable");
    }
    CHECK(h.get("/v1/users", env.colegio()).status() == 503);
    std::ofstream(path) << good << "\n";
    CHECK(login(h, "ana", kAnaPassword).status() == 200);  // no lockout was counted meanwhile
}

TEST_CASE("gateway: a users file that does not read stops the start", "[gateway][users]") {
    TempDir dir;
    std::ofstream(dir.path() / "users") << "u1 ana colegio secretaria\n";
    auto l = ev::open_embedded_log({(dir.path() / "log").string(), ev::default_topics(kPartitions), false});
    REQUIRE(l.has_value());
    auto v = proj::Views::open((dir.path() / "views").string());
    REQUIRE(v.has_value());
    gw::GatewayOptions options;
    options.server.listen = "127.0.0.1";
    options.key = kKey;
    options.data_dir = dir.str();
    gw::Gateway gateway(**l, **v, seed_config(), options);
    CHECK_THAT(gateway.start(), Catch::Contains("the users file") && Catch::Contains("line 1: not five fields"));
}
