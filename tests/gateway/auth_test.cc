#include "gateway/auth.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/support/temp_dir.h"

using namespace liquida::gateway;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1'750'000'000'000;

Claims prestador(int64_t expires = kNow + 60'000) { return Claims{Role::prestador, "42", expires}; }

void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Keeps LIQUIDA_KEY as the test wants it and puts it back afterwards.
struct EnvKey {
    explicit EnvKey(const char* value) {
        if (const char* old = std::getenv("LIQUIDA_KEY")) saved = old;
        if (value) ::setenv("LIQUIDA_KEY", value, 1);
        else ::unsetenv("LIQUIDA_KEY");
    }
    ~EnvKey() {
        if (saved) ::setenv("LIQUIDA_KEY", saved->c_str(), 1);
        else ::unsetenv("LIQUIDA_KEY");
    }
    std::optional<std::string> saved;
};

}  // namespace

TEST_CASE("the token MAC is HMAC-SHA256: RFC 4231's test vectors", "[gateway][auth]") {
    // Case 1 (a 20-byte key), case 2 (a key shorter than the hash) and case 6 (a 131-byte key,
    // hashed first).
    CHECK(liquida::events::to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(liquida::events::to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(liquida::events::to_hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("a signed token verifies to the same claims", "[gateway][auth]") {
    for (const Claims& c :
         {prestador(), Claims{Role::obra_social, "sancor", kNow + 1}, Claims{Role::colegio, "colegio", kNow + 86'400'000}}) {
        const std::string token = sign(c, kKey);
        CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos);
        auto v = verify(token, kKey, kNow);
        REQUIRE(v.has_value());
        CHECK(v->role == c.role);
        CHECK(v->subject == c.subject);
        CHECK(v->expires_at_ms == c.expires_at_ms);
    }
}

TEST_CASE("a token is refused from its expiry on", "[gateway][auth]") {
    const std::string token = sign(prestador(kNow), kKey);
    CHECK(verify(token, kKey, kNow - 1).has_value());
    auto at = verify(token, kKey, kNow);
    REQUIRE_FALSE(at.has_value());
    CHECK(at.error() == TokenError::expired);
    auto later = verify(token, kKey, kNow + 1'000'000);
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error() == TokenError::expired);
}

TEST_CASE("any altered character makes the token bad", "[gateway][auth]") {
    const std::string token = sign(prestador(), kKey);
    for (size_t i = 0; i < token.size(); ++i) {
        for (char with : {'A', 'B', 'z', '0', '-', '_', '.', '%'}) {
            if (token[i] == with) continue;
            std::string forged = token;
            forged[i] = with;
            auto v = verify(forged, kKey, kNow);
            INFO("position " << i << " set to " << with);
            REQUIRE_FALSE(v.has_value());
            CHECK((v.error() == TokenError::bad_signature || v.error() == TokenError::malformed));
        }
    }
    CHECK(verify(token + "A", kKey, kNow).error() == TokenError::malformed);
    CHECK(verify(token.substr(0, token.size() - 1), kKey, kNow).error() == TokenError::malformed);
    CHECK(verify(token.substr(1), kKey, kNow).error() == TokenError::bad_signature);
}

TEST_CASE("a token signed with another key is a bad signature", "[gateway][auth]") {
    const std::string token = sign(prestador(), "another key, just as long as it");
    auto v = verify(token, kKey, kNow);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error() == TokenError::bad_signature);
}

TEST_CASE("garbage is malformed, nothing is missing", "[gateway][auth]") {
    CHECK(verify("", kKey, kNow).error() == TokenError::missing);
    for (const char* bad : {"x", ".", "abc.", ".abc", "a.b.c", "abc def", "a+b.c/d", "ab==.cd"})
        CHECK(verify(bad, kKey, kNow).error() == TokenError::malformed);
    CHECK(verify(std::string(5000, 'a') + ".b", kKey, kNow).error() == TokenError::malformed);
}

TEST_CASE("the Authorization header carries a Bearer token", "[gateway][auth]") {
    const std::string token = sign(prestador(), kKey);
    CHECK(from_authorization_header("Bearer " + token, kKey, kNow).has_value());
    CHECK(from_authorization_header("bearer " + token, kKey, kNow).has_value());
    CHECK(from_authorization_header("BEARER  " + token + " ", kKey, kNow).has_value());
    CHECK(from_authorization_header("", kKey, kNow).error() == TokenError::missing);
    CHECK(from_authorization_header("   ", kKey, kNow).error() == TokenError::missing);
    CHECK(from_authorization_header("Basic dXNlcjpwYXNz", kKey, kNow).error() == TokenError::missing);
    CHECK(from_authorization_header("Bearer" + token, kKey, kNow).error() == TokenError::missing);
    CHECK(from_authorization_header("Bearer", kKey, kNow).error() == TokenError::malformed);
    CHECK(from_authorization_header("Bearer  ", kKey, kNow).error() == TokenError::malformed);
    CHECK(from_authorization_header("Bearer x", kKey, kNow).error() == TokenError::malformed);
    CHECK(from_authorization_header(token, kKey, kNow).error() == TokenError::missing);
    CHECK(from_authorization_header("Bearer " + token, kKey, kNow + 3'600'000).error() == TokenError::expired);
}

TEST_CASE("roles, subjects and scopes", "[gateway][auth]") {
    CHECK(parse_role("colegio") == Role::colegio);
    CHECK(parse_role("prestador") == Role::prestador);
    CHECK(parse_role("obra_social") == Role::obra_social);
    CHECK_FALSE(parse_role("admin"));
    CHECK_FALSE(parse_role("Colegio"));
    for (Role r : {Role::colegio, Role::prestador, Role::obra_social}) CHECK(parse_role(role_name(r)) == r);

    CHECK(check_subject(Role::prestador, "42").empty());
    CHECK_FALSE(check_subject(Role::prestador, "042").empty());
    CHECK_FALSE(check_subject(Role::prestador, "sancor").empty());
    CHECK_FALSE(check_subject(Role::prestador, "99999999999999999999").empty());
    CHECK(check_subject(Role::obra_social, "sancor").empty());
    CHECK_FALSE(check_subject(Role::obra_social, "").empty());
    CHECK_FALSE(check_subject(Role::colegio, "a|b").empty());
    CHECK_FALSE(check_subject(Role::colegio, std::string(129, 'a')).empty());

    const Claims colegio{Role::colegio, "colegio", kNow};
    const Claims p42 = prestador();
    const Claims sancor{Role::obra_social, "sancor", kNow};
    // The colegio's filters pass as asked.
    auto all = narrow(scope_of(colegio), {7, "ioma"});
    REQUIRE(all);
    CHECK(all->provider == 7U);
    CHECK(all->obra_social == "ioma");
    CHECK_FALSE(narrow(scope_of(colegio), {}).value().provider.has_value());
    // A prestador: its own provider filled in, any obra social, another provider refused.
    auto own = narrow(scope_of(p42), {{}, "ioma"});
    REQUIRE(own);
    CHECK(own->provider == 42U);
    CHECK(own->obra_social == "ioma");
    CHECK(narrow(scope_of(p42), {42, {}}).value().provider == 42U);
    auto other = narrow(scope_of(p42), {7, {}});
    REQUIRE_FALSE(other);
    CHECK(other.error().field == "provider");
    // An obra social: its own id filled in, any provider, another obra social refused.
    auto mine = narrow(scope_of(sancor), {7, {}});
    REQUIRE(mine);
    CHECK(mine->provider == 7U);
    CHECK(mine->obra_social == "sancor");
    auto theirs = narrow(scope_of(sancor), {{}, "ioma"});
    REQUIRE_FALSE(theirs);
    CHECK(theirs.error().field == "obra_social");
}

TEST_CASE("the key comes from --key-file, then LIQUIDA_KEY, then DIR/gateway.key", "[gateway][auth]") {
    liquida::test::TempDir dir;
    const auto file = dir.path() / "my.key";
    write_file(file, "file-key-0123456789abcdef\n");
    ::chmod(file.c_str(), 0600);

    {
        EnvKey env("env-key-0123456789abcdef");
        auto k = resolve_key(file.string(), dir.str(), true);
        REQUIRE(k.has_value());
        CHECK(k->key == "file-key-0123456789abcdef");
        CHECK(k->kind == KeySource::Kind::key_file);
        CHECK(k->warning.empty());

        auto e = resolve_key("", dir.str(), true);
        REQUIRE(e.has_value());
        CHECK(e->key == "env-key-0123456789abcdef");
        CHECK(e->kind == KeySource::Kind::environment);
        CHECK(e->origin == "LIQUIDA_KEY");
        CHECK_FALSE(std::filesystem::exists(dir.path() / "gateway.key"));
    }

    EnvKey none(nullptr);
    auto missing = resolve_key("", dir.str(), false);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().find("gateway.key") != std::string::npos);

    auto created = resolve_key("", dir.str(), true);
    REQUIRE(created.has_value());
    CHECK(created->kind == KeySource::Kind::data_dir_created);
    CHECK(created->key.size() == 64);
    CHECK(created->key.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(mode_of(dir.path() / "gateway.key") == 0600);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))  // no temporary left behind
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);

    auto again = resolve_key("", dir.str(), true);
    REQUIRE(again.has_value());
    CHECK(again->kind == KeySource::Kind::data_dir);
    CHECK(again->key == created->key);
    auto without_create = resolve_key("", dir.str(), false);
    REQUIRE(without_create.has_value());
    CHECK(without_create->key == created->key);

    // A token signed with one resolution verifies with the next.
    const std::string token = sign(prestador(), created->key);
    CHECK(verify(token, again->key, kNow).has_value());

    // The data directory is created when needed.
    auto nested = resolve_key("", (dir.path() / "a" / "b").string(), true);
    REQUIRE(nested.has_value());
    CHECK(std::filesystem::exists(dir.path() / "a" / "b" / "gateway.key"));
    CHECK(nested->key != created->key);
}

TEST_CASE("short, unreadable or exposed keys", "[gateway][auth]") {
    liquida::test::TempDir dir;
    EnvKey none(nullptr);

    const auto short_file = dir.path() / "short.key";
    write_file(short_file, "too-short\n");
    auto s = resolve_key(short_file.string(), dir.str(), true);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().find("at least 16") != std::string::npos);
    CHECK(s.error().find("short.key") != std::string::npos);

    {
        EnvKey env("tiny");
        auto e = resolve_key("", dir.str(), true);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().find("LIQUIDA_KEY") != std::string::npos);
    }
    {
        EnvKey env("");
        CHECK_FALSE(resolve_key("", dir.str(), true).has_value());
    }

    auto absent = resolve_key((dir.path() / "nope.key").string(), dir.str(), true);
    REQUIRE_FALSE(absent.has_value());
    CHECK(absent.error().find("nope.key") != std::string::npos);

    write_file(dir.path() / "gateway.key", "short\n");
    auto d = resolve_key("", dir.str(), true);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().find("gateway.key") != std::string::npos);

    const auto open_file = dir.path() / "open.key";
    write_file(open_file, "0123456789abcdef0123456789abcdef");
    ::chmod(open_file.c_str(), 0644);
    auto o = resolve_key(open_file.string(), dir.str(), true);
    REQUIRE(o.has_value());
    CHECK(o->warning.find("chmod 600") != std::string::npos);
}
