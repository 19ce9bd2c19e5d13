#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "domain/types.h"
#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/log.h"
#include "events/topics.h"
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

TEST_CASE("bench log --kafka times its events after one untimed warm-up record", "[cli][kafka]") {
    using namespace std::chrono_literals;
    liquida::test::KafkaDev dev{LIQUIDA_BIN, {"--partitions", "8"}};
    auto r = run("bench log --kafka " + dev.bootstrap() + " --events 300 --batch 100 --threads 1");
    INFO(r.out);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("300 events") != std::string::npos);
    CHECK(r.out.find("first append (untimed) took ") != std::string::npos);
    // One appender writes partition 0 alone: the warm-up record, then the 300 timed (the mock
    // cluster writes no transaction markers).
    auto log = liquida::events::open_kafka_log({dev.bootstrap(), liquida::events::default_topics(8), 1, {{"log_level", "2"}}, 20s});
    REQUIRE(log);
    auto written = (*log)->end_offset({"liquida.orders", 0}), other = (*log)->end_offset({"liquida.orders", 1});
    REQUIRE((written && other));
    CHECK(written.value() == 301);
    CHECK(other.value() == 0);
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
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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
    const auto r =
        liquida::test::sh("printf 'clave de la secretaria\\n'" + add + " --username secretaria --role colegio --subject colegio");
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
        liquida::test::Child s(LIQUIDA_BIN,
                               {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0", "--test-clock", "2025-06-05"});
        CHECK(s.output().find("on a test clock at 2025-06-05T00:00:00-03:00") != std::string::npos);
        CHECK(s.stop() == 0);
    }
    CHECK(std::filesystem::exists(dir.path() / "test-clock"));
    {  // an earlier start does not take it back
        liquida::test::Child s(LIQUIDA_BIN,
                               {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0", "--test-clock", "2025-06-01"});
        CHECK(s.output().find("resumes at 2025-06-05T00:00:00-03:00") != std::string::npos);
        CHECK(s.stop() == 0);
    }
    const auto wall = liquida::test::sh("timeout 60 " + std::string(LIQUIDA_BIN) + " " + serve);
    CHECK(wall.code == 1);
    CHECK(wall.out.find("ran on a test clock") != std::string::npos);

    // A month of events decided without a test clock: one may start after them, never among them.
    liquida::test::TempDir real;
    const std::string config = std::string(LIQUIDA_SOURCE_DIR) + "/ops/config/liquida.json";
    REQUIRE(run("simulate --data " + real.str() + " --scale 0.01 --months 1 --start 2025-06 --no-sync --config " + config).code == 0);
    const auto among =
        liquida::test::sh("timeout 60 " + std::string(LIQUIDA_BIN) + " serve --port 0 --data " + real.str() + " --test-clock 2025-06-15");
    CHECK(among.code == 1);
    CHECK(among.out.find("would decide the next commands before it") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(real.path() / "test-clock"));
    {  // the demo's own start moves after them
        liquida::test::Child demo(LIQUIDA_BIN, {"serve", "--data", real.str(), "--port", "0", "--demo", "--demo-rate", "1"});
        CHECK(demo.output().find("on a test clock at 2025-0") != std::string::npos);
        CHECK(demo.output().find("on a test clock at 2025-06-01T00:00:00-03:00") == std::string::npos);
        CHECK(demo.stop() == 0);
    }
    liquida::test::Child after(LIQUIDA_BIN, {"serve", "--data", real.str(), "--port", "0", "--test-clock", "2025-08-01"});
    CHECK(after.output().find("on a test clock at 2025-08-01T00:00:00-03:00") != std::string::npos);
    CHECK(after.stop() == 0);
}

namespace {

// A provider's history as the portals had it, a line per command, as `liquida import` reads it.
std::vector<std::string> history(const std::string& enrolled_at) {
    const auto line = [](const std::string& at, const std::string& as, const std::string& id, const std::string& command) {
        return R"({"at":")" + at + R"(","as":")" + as + R"(","command_id":")" + id + R"(","provider":1042,)" + command + "}";
    };
    std::vector<std::string> out{
        line("2025-05-02T09:00:00-03:00", "colegio:secretaria", "h-register",
             R"("command":"register_provider","matricula":"MP-1042","cuit":"27-35215358-9","razon_social":"USAR - PARA PRUEBAS",)"
             R"("iva":"no_alcanzado","cbu":"2850590940090418135201","category":"A","recien_matriculado":false,"address":"Calle 1",)"
             R"("email":"prueba@example.com","phone":"(343) 400000")"),
        line("2025-05-02T09:01:00-03:00", "colegio:secretaria", "h-adhere",
             R"("command":"adhere_to_obra_social","obra_social":"insssep","provider_number":"3-333")")};
    int minute = 10;
    for (const std::string type : {"rnp", "afip", "cbu", "seguro", "anexo1"}) {
        const auto at = [&] { return "2025-05-02T09:" + std::to_string(minute++) + ":00-03:00"; };
        out.push_back(line(at(), "prestador:1042", "h-up-" + type,
                           R"("command":"upload_document","type":")" + type + R"(","document_id":"1042-)" + type +
                               R"(","reference":"r",)"
                               R"("expires_on":"2030-12-31")"));
        out.push_back(line(at(), "colegio:secretaria", "h-ok-" + type,
                           R"("command":"verify_document","document_id":"1042-)" + type + R"(","approved":true,"reason":"")"));
    }
    out.push_back(line(enrolled_at, "colegio:secretaria", "h-enroll", R"("command":"enroll_in_padron")"));
    return out;
}

std::string write_lines(const liquida::test::TempDir& dir, const std::string& name, const std::vector<std::string>& lines) {
    std::string path = (dir.path() / name).string();
    std::ofstream out(path);
    for (const auto& l : lines) out << l << '\n';
    return path;
}

// `liquida import` of `file` into `data`, on two partitions, with the shipped config.
Run import(const liquida::test::TempDir& data, const std::string& file) {
    return run("import --data " + data.str() + " --partitions 2 --config " + std::string(LIQUIDA_SOURCE_DIR) + "/ops/config/liquida.json " +
               file);
}

// The history enrolled in September, written to FILES/september.ndjson and imported whole into
// DIR: a log with a past, for the cases that import after it.
std::vector<std::string> imported_september(const liquida::test::TempDir& files, const liquida::test::TempDir& dir) {
    auto september = history("2025-09-01T10:00:00-03:00");
    const auto r = import(dir, write_lines(files, "september.ndjson", september));
    INFO(r.out);
    REQUIRE(r.code == 0);
    return september;
}

}  // namespace

TEST_CASE("import decides a colegio's history at the business time of each line, once, and stops at the first line refused",
          "[cli][import]") {
    liquida::test::TempDir files, dir;

    // Enrolled in June: the padrón's window (May and September) was closed then. The twelve
    // lines before it land; the refused one is named.
    auto june = history("2025-06-10T10:00:00-03:00");
    auto r = import(dir, write_lines(files, "june.ndjson", june));
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(r.out.find("june.ndjson line 13 refused: padron.window_closed") != std::string::npos);
    CHECK(r.out.find("12 commands imported (12 events), 0 already in the log") != std::string::npos);

    // Fixed (enrolled when September opened) and run again: the twelve are recognised, the last lands.
    auto september = history("2025-09-01T10:00:00-03:00");
    r = import(dir, write_lines(files, "september.ndjson", september));
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("1 commands imported (1 events), 12 already in the log") != std::string::npos);
    r = import(dir, write_lines(files, "september.ndjson", september));
    CHECK(r.out.find("0 commands imported (0 events), 13 already in the log") != std::string::npos);

    // Each event carries the instant its line gave, and the issuer.
    auto log = liquida::events::open_embedded_log({(dir.path() / "log").string(), liquida::events::default_topics(2), false});
    REQUIRE(log.has_value());
    std::map<std::string, std::pair<int64_t, std::string>> seen;  // command id -> (occurred_at, actor)
    for (const auto& t : (*log)->topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            auto records = (*log)->read({t.name, p}, 0, 1000);
            REQUIRE(records.has_value());
            for (const auto& rec : *records) {
                auto e = liquida::events::decode(rec.record.value);
                REQUIRE(e.has_value());
                seen[e->command_id] = {e->occurred_at, e->actor_id};
            }
        }
    CHECK(seen.size() == 13);
    CHECK(seen["h-enroll"].first == *liquida::domain::parse_instant("2025-09-01T10:00:00-03:00"));
    CHECK(seen["h-up-afip"] ==
          std::pair<int64_t, std::string>{*liquida::domain::parse_instant("2025-05-02T09:12:00-03:00"), "prestador:1042"});
}

TEST_CASE("import refuses a line before the log, out of order, in the future, malformed or not its issuer's, deciding nothing",
          "[cli][import]") {
    liquida::test::TempDir files, dir;
    const auto september = imported_september(files, dir);

    // Refused before anything is decided, each naming why.
    const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
        {{R"({"at":"2025-09-01T09:00:00-03:00","as":"colegio:secretaria","command_id":"x0","provider":1042,"command":"leave_padron","reason":"baja"})"},
         "import.before_the_log (at)"},
        {{september.back(),
          R"({"at":"2025-09-01T09:00:00-03:00","as":"colegio:secretaria","command_id":"x2","provider":1042,"command":"leave_padron","reason":"baja"})"},
         "line 2 refused: import.out_of_order (at)"},
        {{R"({"at":"2999-01-01T00:00:00-03:00","as":"colegio:secretaria","command_id":"x3","provider":1042,"command":"enroll_in_padron"})"},
         "import.in_the_future (at)"},
        {{R"({"at":"2025-09-02T10:00:00-03:00","as":"colegio:secretaria","provider":1042,"command":"enroll_in_padron"})"},
         "request.missing_field (command_id)"},
        {{R"({"at":"2025-09-02T10:00:00-03:00","as":"prestador:1042","command_id":"x4","provider":1042,"command":"verify_document","document_id":"1042-rnp","approved":true,"reason":""})"},
         "auth.forbidden"},
        {{R"({"at":"2025-09-02T10:00:00-03:00","as":"prestador:2077","command_id":"x5","provider":1042,"command":"upload_document","type":"rnp","document_id":"d","reference":"r","expires_on":"2030-12-31"})"},
         "auth.forbidden"},
        {{R"({"at":"2025-09-02T10:00:00","as":"colegio:secretaria","command_id":"x6","provider":1042,"command":"enroll_in_padron"})"},
         "request.invalid_value (at)"},
        {{R"({"at":"2025-09-02T10:00:00-03:00","as":"admin:root","command_id":"x7","provider":1042,"command":"enroll_in_padron"})"},
         "request.invalid_value (as)"},
        {{R"({"at":"2025-09-02T10:00:00-03:00","as":"colegio:secretaria","command_id":"x8","provider":1042,"command":"enroll_in_padron","extra":1})"},
         "request.unknown_field"},
        {{"{not json"}, "request.invalid_json"},
        {{std::string(2 << 20, ' ')}, "line 1 refused: request.too_long"},
    };
    for (const auto& [lines, why] : refused) {
        const auto r = import(dir, write_lines(files, "refused.ndjson", lines));
        INFO(lines.front().substr(0, 200) << " -> " << r.out);
        CHECK(r.code == 1);
        CHECK(r.out.find(why) != std::string::npos);
        CHECK(r.out.find(" 0 commands imported") != std::string::npos);
    }
    CHECK(import(dir, files.str() + "/none.ndjson").code == 1);
}

TEST_CASE("import on a test clock ends history at the clock's now", "[cli][import]") {
    liquida::test::TempDir files, clocked;
    const std::string september = write_lines(files, "september.ndjson", history("2025-09-01T10:00:00-03:00"));
    std::ofstream(clocked.path() / "test-clock") << "liquida-test-clock-1\n"
                                                 << *liquida::domain::parse_instant("2025-05-02T09:05:00-03:00") << "\n";
    const auto c = import(clocked, september);
    INFO(c.out);
    CHECK(c.code == 1);
    CHECK(c.out.find("line 3 refused: import.in_the_future (at): after the business clock's now (2025-05-02T09:05:00-03:00)") !=
          std::string::npos);
}

TEST_CASE("import refuses to run beside a running liquida serve", "[cli][import]") {
    liquida::test::TempDir files, dir;
    imported_september(files, dir);
    // A line that would land, but the server holds the log.
    const std::string later =
        R"({"at":"2025-09-02T10:00:00-03:00","as":"colegio:secretaria","command_id":"x1","provider":1042,"command":"leave_padron","reason":"baja"})";
    liquida::test::Child serve(LIQUIDA_BIN, {"serve", "--data", dir.str(), "--partitions", "2", "--port", "0"});
    const auto r = import(dir, write_lines(files, "later.ndjson", {later}));
    CHECK(r.code == 1);
    CHECK(r.out.find("in use by a running liquida serve") != std::string::npos);
    CHECK(serve.stop() == 0);
}
