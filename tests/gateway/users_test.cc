// People's accounts: the users file, Argon2id hashes, sessions, lockout and session tokens
// (gateway/users.h, gateway/sessions.h, gateway/auth.h).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "gateway/sessions.h"
#include "gateway/users.h"
#include "tests/support/temp_dir.h"

namespace gw = liquida::gateway;
using gw::Role;

namespace {

const std::string kKey = "users-test-key-0123456789abcdef";

void write_file(const std::filesystem::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST_CASE("a password hash is Argon2id, salted, and only its password matches", "[gateway][users]") {
    const std::string a = gw::hash_password("una clave bastante larga");
    const std::string b = gw::hash_password("una clave bastante larga");
    CHECK(a.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
    CHECK(a != b);  // a salt of its own
    CHECK(gw::password_matches(a, "una clave bastante larga"));
    CHECK(gw::password_matches(b, "una clave bastante larga"));
    CHECK_FALSE(gw::password_matches(a, "una clave bastante larg"));
    CHECK_FALSE(gw::password_matches(a, ""));
    CHECK_FALSE(gw::password_matches("$2y$10$notours", "x"));
    CHECK_FALSE(gw::password_matches("", "x"));
    CHECK_FALSE(gw::password_matches(gw::kNoUserHash, ""));
    CHECK_FALSE(gw::password_matches(gw::kNoUserHash, "not a password of anyone's"));
}

TEST_CASE("user names and new passwords have limits", "[gateway][users]") {
    CHECK_FALSE(gw::check_user_name("ana.perez@colegio"));
    CHECK_FALSE(gw::check_user_name("abc"));
    for (const std::string& bad : std::vector<std::string>{"ab", "Ana", "ana perez", "ana|x", "añá", std::string(65, 'a')}) {
        INFO(bad);
        const auto e = gw::check_user_name(bad);
        REQUIRE(e);
        CHECK(e->field == "username");
    }
    CHECK_FALSE(gw::check_new_password("doce caracte", "ana", "new"));
    CHECK_FALSE(gw::check_new_password("contraseñaññ", "ana", "new"));  // 12 characters, 14 bytes
    CHECK(gw::check_new_password("once caract", "ana", "new")->code.name() == "user.weak_password");
    CHECK(gw::check_new_password("ñññññññññññ", "ana", "new")->code.name() == "user.weak_password");  // 22 bytes, 11 characters
    CHECK(gw::check_new_password("ana.perez.colegio", "ana.perez.colegio", "new")->code.name() == "user.weak_password");
    CHECK(gw::check_new_password(std::string(257, 'a'), "ana", "new")->code.name() == "request.too_long");
    const auto bad_utf8 = gw::check_new_password("clave larga \xff\xfe", "ana", "password");
    REQUIRE(bad_utf8);
    CHECK(bad_utf8->code.name() == "request.invalid_value");
    CHECK(bad_utf8->field == "password");
}

TEST_CASE("the users file: added, found, changed, private, and refused when it does not read", "[gateway][users]") {
    liquida::test::TempDir dir;
    gw::UserStore store(dir.str());
    CHECK(store.load()->empty());  // no file: no users
    CHECK_FALSE(*store.find("ana"));

    REQUIRE(store.add({"ana", Role::colegio, "secretaria", gw::hash_password("clave de ana 2025")}));
    REQUIRE(store.add({"consultorio", Role::prestador, "1042", gw::hash_password("clave del consultorio")}));
    const auto again = store.add({"ana", Role::obra_social, "sancor", gw::hash_password("otra clave de ana")});
    REQUIRE_FALSE(again);
    CHECK(again.error().code.name() == "user.exists");

    const auto ana = *gw::UserStore(dir.str()).find("ana");  // read back from the file
    REQUIRE(ana);
    CHECK(ana->role == Role::colegio);
    CHECK(ana->subject == "secretaria");
    CHECK(gw::password_matches(ana->hash, "clave de ana 2025"));
    CHECK(store.load()->size() == 2);

    REQUIRE(store.set_hash("ana", gw::hash_password("nueva clave de ana")));
    CHECK(gw::password_matches((*store.find("ana"))->hash, "nueva clave de ana"));
    CHECK_FALSE(gw::password_matches((*store.find("ana"))->hash, "clave de ana 2025"));
    CHECK(store.set_hash("nadie", "x").error().code.name() == "user.not_found");

    struct stat st {};
    REQUIRE(::stat((dir.path() / "users").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "users.tmp"));

    // Whatever does not read as users names its line: nobody guesses who may sign in.
    const std::string good = "u1 ana colegio secretaria " + (*store.find("ana"))->hash + "\n";
    for (const auto& [text, why] :
         std::vector<std::pair<std::string, std::string>>{{good + "u1 beto colegio secretaria", "line 2: no end of line"},
                                                          {good + "u2 beto colegio x $argon2id$\n", "line 2: unknown line version"},
                                                          {good + "u1 beto admin x $argon2id$\n", "line 2: bad role"},
                                                          {good + "u1 beto prestador sancor $argon2id$\n", "line 2: bad subject"},
                                                          {good + "u1 beto colegio x $2y$10$abc\n", "line 2: not an Argon2id hash"},
                                                          {good + "u1 Beto colegio x $argon2id$\n", "line 2: bad user name"},
                                                          {good + good, "line 2: user ana twice"},
                                                          {"u1 ana colegio secretaria\n", "line 1: not five fields"}}) {
        INFO(text);
        write_file(dir.path() / "users", text);
        const auto users = store.load();
        REQUIRE_FALSE(users);
        CHECK_THAT(users.error(), Catch::Contains(why));
        REQUIRE_FALSE(store.find("ana"));  // unreadable, not "no such user"
        const auto added = store.add({"carla", Role::colegio, "c", "$argon2id$x"});
        REQUIRE_FALSE(added);  // nor is a file that does not read rewritten
        CHECK(added.error().code.name() == "user.store_unavailable");
    }
}

TEST_CASE("users added at once from two threads are both kept", "[gateway][users]") {
    liquida::test::TempDir dir;
    const std::string hash = gw::hash_password("una clave cualquiera");
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            gw::UserStore store(dir.str());  // each its own, as `liquida user add` beside `serve`
            for (int i = 0; i < 20; ++i) REQUIRE(store.add({"u" + std::to_string(t) + "-" + std::to_string(i), Role::colegio, "c", hash}));
        });
    for (auto& t : threads) t.join();
    CHECK(gw::UserStore(dir.str()).load()->size() == 40);
}

TEST_CASE("a session token names its session and user, and is good while the session is open", "[gateway][users]") {
    gw::Sessions sessions;
    const gw::Authenticator auth(kKey, sessions);
    const int64_t now = 1'750'000'000'000;
    const auto id = sessions.open("ana", now + 1000, now);
    REQUIRE(id);
    CHECK(id->size() == 32);
    const std::string token = gw::sign({Role::prestador, "1042", now + 1000, *id, "ana"}, kKey);
    auto c = auth("Bearer " + token, now);
    REQUIRE(c);
    CHECK(c->role == Role::prestador);
    CHECK(c->subject == "1042");
    CHECK(c->session == *id);
    CHECK(c->user == "ana");
    CHECK(auth("Bearer " + token, now + 1000).error() == gw::TokenError::expired);

    // A machine's token names no session and is not asked about one.
    const auto machine = auth("Bearer " + gw::sign({Role::colegio, "secretaria", now + 1000}, kKey), now);
    REQUIRE(machine);
    CHECK(machine->session.empty());

    int closed = 0;
    sessions.on_revoke(*id, [&] { ++closed; });
    sessions.close(*id);
    CHECK(closed == 1);
    CHECK(auth("Bearer " + token, now).error() == gw::TokenError::revoked);
    CHECK(gw::token_error_code(gw::TokenError::revoked).name() == "auth.revoked_token");
    sessions.on_revoke(*id, [&] { ++closed; });  // registered after the end: runs at once
    CHECK(closed == 2);

    // A session id of other than 32 hex digits, or no user, is not a token of ours.
    CHECK(auth("Bearer " + gw::sign({Role::colegio, "c", now + 1000, "xyz", "ana"}, kKey), now).error() == gw::TokenError::malformed);
}

TEST_CASE("a password change ends the user's other sessions only", "[gateway][users]") {
    gw::Sessions sessions;
    const int64_t now = 1'000;
    const auto a = *sessions.open("ana", now + 10'000, now);
    const auto b = *sessions.open("ana", now + 10'000, now);
    const auto c = *sessions.open("beto", now + 10'000, now);
    CHECK(sessions.close_user("ana", a) == 1);
    CHECK(sessions.alive(a, now));
    CHECK_FALSE(sessions.alive(b, now));
    CHECK(sessions.alive(c, now));
    CHECK_FALSE(sessions.alive(a, now + 10'000));  // expired
    CHECK(sessions.open_sessions() == 2);
}

TEST_CASE("five failures in a row lock a name for fifteen minutes, known or not", "[gateway][users]") {
    gw::Sessions sessions;
    int64_t now = 5'000'000;
    for (int i = 1; i < gw::kFailuresBeforeLockout; ++i) {
        REQUIRE(sessions.failed("ana", now));
        CHECK(sessions.locked_until("ana", now) == 0);
    }
    sessions.succeeded("ana");  // a success starts the count again
    for (int i = 1; i < gw::kFailuresBeforeLockout; ++i) REQUIRE(sessions.failed("ana", now));
    CHECK(sessions.locked_until("ana", now) == 0);
    REQUIRE(sessions.failed("ana", now));
    CHECK(sessions.locked_until("ana", now) == now + gw::kLockoutMs);
    CHECK(sessions.locked_until("ana", now + gw::kLockoutMs - 1) == now + gw::kLockoutMs);
    CHECK(sessions.locked_until("beto", now) == 0);  // per name
    now += gw::kLockoutMs;
    CHECK(sessions.locked_until("ana", now) == 0);
    REQUIRE(sessions.failed("ana", now));  // a lockout served starts afresh: one failure is not another lockout
    CHECK(sessions.locked_until("ana", now) == 0);
}
