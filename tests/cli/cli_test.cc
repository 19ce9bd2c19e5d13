#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "gateway/auth.h"
#include "gateway/users.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

using liquida::test::Run;

Run run(const std::string& args) { return liquida::test::sh(std::string(LIQUIDA_BIN) + " " + args); }

}  // namespace

TEST_CASE("liquida --help lists the commands and exits 0", "[cli]") {
    auto r = run("--help");
    CHECK(r.code == 0);
    CHECK(r.out.find("serve") != std::string::npos);
    CHECK(r.out.find("bench") != std::string::npos);
    auto s = run("serve --help");
    CHECK(s.code == 0);
    CHECK(s.out.find("--data") != std::string::npos);
}

TEST_CASE("bad arguments get a clear error and exit code 2", "[cli]") {
    auto none = run("");
    CHECK(none.code == 2);
    auto unknown = run("frobnicate");
    CHECK(unknown.code == 2);
    CHECK(unknown.out.find("unknown command 'frobnicate'") != std::string::npos);
    auto option = run("serve --colour red");
    CHECK(option.code == 2);
    CHECK(option.out.find("unknown option '--colour'") != std::string::npos);
    auto value = run("serve --partitions many");
    CHECK(value.code == 2);
    CHECK(value.out.find("--partitions") != std::string::npos);
    auto missing = run("serve --data");
    CHECK(missing.code == 2);
    auto bench = run("bench nothing");
    CHECK(bench.code == 2);
    CHECK(bench.out.find("unknown benchmark") != std::string::npos);
}

TEST_CASE("bench log appends and reports a rate", "[cli]") {
    char dir[] = "/tmp/liquida-bench-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    auto r = run(std::string("bench log --events 2000 --batch 50 --threads 2 --data ") + dir + "/log");
    CHECK(r.code == 0);
    CHECK(r.out.find("2000 events") != std::string::npos);
    CHECK(r.out.find("events/s") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("serve opens the log, says it is ready and stops cleanly on SIGTERM", "[cli]") {
    liquida::test::TempDir dir;
    liquida::test::Child serve(LIQUIDA_BIN, {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0"});
    CHECK(serve.output().find("liquida.orders") != std::string::npos);
    CHECK(serve.output().find("listening on http://127.0.0.1:") != std::string::npos);
    // The amounts no seed vouches for, named at start; the seeds' own are not among them.
    const auto& out = serve.output();
    const auto said = out.find("placeholders, not from the seeds: ");
    REQUIRE(said != std::string::npos);
    const std::string listed = out.substr(said, out.find('\n', said) - said);
    CHECK(listed.find("sancor.practices.330101.fee") != std::string::npos);
    CHECK(listed.find("insssep.practices.020800.fee") == std::string::npos);
    CHECK(serve.stop() == 0);
    CHECK(std::filesystem::exists(dir.path() / "log" / "CURRENT"));
}

TEST_CASE("simulate publishes two seeded months and counts the rejected commands", "[cli][simulation]") {
    liquida::test::TempDir dir;
    const std::string config = std::string(LIQUIDA_SOURCE_DIR) + "/ops/config/liquida.json";
    const std::string args = "simulate --data " + dir.str() + " --scale 0.01 --months 2 --start 2025-06 --seed 7 --no-sync";
    auto r = run(args + " --config " + config);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("\n2025-06  accepted ") != std::string::npos);
    CHECK(r.out.find("\n2025-07  accepted ") != std::string::npos);
    CHECK(r.out.find("rejected by code:") != std::string::npos);
    CHECK(r.out.find("consumption.item_already_consumed") != std::string::npos);
    CHECK(r.out.find("events/s") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path() / "log" / "CURRENT"));
    // Same seed again: the same command ids, so nothing is appended twice.
    auto again = run(args + " --config " + config);
    CHECK(again.code == 0);
    CHECK(again.out.find("(0 already in the log)") == std::string::npos);

    auto scale = run("simulate --data " + dir.str() + " --scale 0");
    CHECK(scale.code == 2);
    CHECK(scale.out.find("--scale") != std::string::npos);
    auto start = run("simulate --data " + dir.str() + " --start 2025-13");
    CHECK(start.code == 2);
    CHECK(start.out.find("--start") != std::string::npos);
    auto missing = run("simulate --data " + dir.str() + " --config " + dir.str() + "/none.json");
    CHECK(missing.code == 1);
    CHECK(missing.out.find("none.json") != std::string::npos);
}

TEST_CASE("token prints a token that verifies with the key in DIR, alone on its last line", "[cli]") {
    liquida::test::TempDir dir;
    auto r = run("token --role colegio --subject colegio --data " + dir.str());
    REQUIRE(r.code == 0);
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const std::string last = out.substr(out.rfind('\n') + 1);
    // The same resolution as the child: LIQUIDA_KEY if the environment has it, else DIR/gateway.key.
    auto key = liquida::gateway::resolve_key("", dir.str(), false);
    REQUIRE(key.has_value());
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    auto claims = liquida::gateway::verify(last, key->key, now);
    REQUIRE(claims.has_value());
    CHECK(claims->role == liquida::gateway::Role::colegio);
    CHECK(claims->subject == "colegio");
    CHECK(claims->expires_at_ms > now + 86'000'000);
    CHECK(claims->expires_at_ms <= now + 86'400'000);

    auto p = run("token --role prestador --subject 42 --ttl 60 --data " + dir.str());
    CHECK(p.code == 0);
    CHECK(p.out.find("prestador") != std::string::npos);

    CHECK(run("token --role admin --subject x --data " + dir.str()).code == 2);
    CHECK(run("token --subject x --data " + dir.str()).code == 2);
    CHECK(run("token --role colegio --data " + dir.str()).code == 2);
    CHECK(run("token --role prestador --subject sancor --data " + dir.str()).code == 2);
    CHECK(run("token --role colegio --subject c --ttl 0 --data " + dir.str()).code == 2);
    CHECK(run("token --role colegio --subject c --ttl -5 --data " + dir.str()).code == 2);
    CHECK(run("token --role colegio --subject c --key-file " + dir.str() + "/none.key").code == 1);
}

TEST_CASE("user add stores a person's Argon2id hash from standard input, and refuses weak or taken names", "[cli]") {
    liquida::test::TempDir dir;
    const std::string add = " | " + std::string(LIQUIDA_BIN) + " user add --data " + dir.str();
    const auto r = liquida::test::sh("printf 'clave de la secretaria\\n'" + add + " --username secretaria --role colegio --subject colegio");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto user = *liquida::gateway::UserStore(dir.str()).find("secretaria");
    REQUIRE(user);
    CHECK(user->role == liquida::gateway::Role::colegio);
    CHECK(liquida::gateway::password_matches(user->hash, "clave de la secretaria"));
    CHECK(r.out.find("clave de la secretaria") == std::string::npos);  // never echoed

    const auto taken = liquida::test::sh("echo 'otra clave bien larga'" + add + " --username secretaria --role colegio --subject c");
    CHECK(taken.code == 1);
    CHECK(taken.out.find("user.exists") != std::string::npos);
    const auto weak = liquida::test::sh("echo corta" + add + " --username beto --role colegio --subject c");
    CHECK(weak.code == 1);
    CHECK(weak.out.find("al menos 12") != std::string::npos);
    CHECK(liquida::test::sh("echo 'otra clave bien larga'" + add + " --username beto --role prestador --subject sancor").code == 2);
    CHECK(liquida::test::sh("echo 'otra clave bien larga'" + add + " --username Beto --role colegio --subject c").code == 2);
    CHECK(run("user remove --username beto --data " + dir.str()).code == 2);
    CHECK(liquida::gateway::UserStore(dir.str()).load()->size() == 1);
}

TEST_CASE("data at rest is private to its user whatever the umask", "[cli]") {
    liquida::test::TempDir dir;
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data);
    std::filesystem::permissions(data, std::filesystem::perms::all);  // 0777, as a careless mkdir may leave it
    auto r = liquida::test::sh("umask 000 && " + std::string(LIQUIDA_BIN) + " simulate --months 1 --scale 0.002 --no-sync --data " +
                               data.string());
    INFO(r.out);
    REQUIRE(r.code == 0);
    size_t files = 0;
    CHECK((std::filesystem::status(data).permissions() & std::filesystem::perms::mask) == std::filesystem::perms::owner_all);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
        INFO(entry.path());
        const auto perms = entry.status().permissions();
        CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) == std::filesystem::perms::none);
        if (entry.is_regular_file()) ++files;
    }
    CHECK(files > 3);
}

TEST_CASE("serve --test-clock runs on a clock kept in DATA, and a data directory keeps the kind of clock it started with", "[cli][clock]") {
    liquida::test::TempDir dir;
    const std::string serve = "serve --data " + dir.str() + " --partitions 2 --port 0";
    const auto bad = run(serve + " --test-clock mañana");
    CHECK(bad.code == 2);
    CHECK(bad.out.find("--test-clock") != std::string::npos);
    {
        liquida::test::Child s(LIQUIDA_BIN, {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0", "--test-clock", "2025-06-05"});
        CHECK(s.output().find("on a test clock at 2025-06-05T00:00:00-03:00") != std::string::npos);
        CHECK(s.stop() == 0);
    }
    CHECK(std::filesystem::exists(dir.path() / "test-clock"));
    {  // an earlier start does not take it back
        liquida::test::Child s(LIQUIDA_BIN, {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0", "--test-clock", "2025-06-01"});
        CHECK(s.output().find("resumes at 2025-06-05T00:00:00-03:00") != std::string::npos);
        CHECK(s.stop() == 0);
    }
    const auto wall = liquida::test::sh("timeout 60 " + std::string(LIQUIDA_BIN) + " " + serve);
    CHECK(wall.code == 1);
    CHECK(wall.out.find("ran on a test clock") != std::string::npos);

    // Events decided on the real clock: a test clock there would decide the next ones before them.
    liquida::test::TempDir real;
    const std::string config = std::string(LIQUIDA_SOURCE_DIR) + "/ops/config/liquida.json";
    REQUIRE(run("simulate --data " + real.str() + " --scale 0.01 --months 1 --start 2025-06 --no-sync --config " + config).code == 0);
    const auto mixed = liquida::test::sh("timeout 60 " + std::string(LIQUIDA_BIN) + " serve --port 0 --data " + real.str() + " --test-clock 2025-06-01");
    CHECK(mixed.code == 1);
    CHECK(mixed.out.find("decided on the real clock") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(real.path() / "test-clock"));
}
