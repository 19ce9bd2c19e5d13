#include <catch2/catch.hpp>

#include "fixtures.h"

using namespace liquida::test;

TEST_CASE("the seeds' configuration loads: three insurers and the colegio's retentions", "[domain][config][O1][S3]") {
    const Config& c = seed_config();
    REQUIRE(c.obras_sociales.size() == 3);
    CHECK(c.obra_social(kSancor)->practice("330101")->weekly_limit == WeeklyLimit{1, 7});
    CHECK(c.obra_social(kInsssep)->practice("020900")->requires_faces);
    CHECK(c.obra_social(kIoma)->invoice_attachments.size() == 5);
    CHECK(c.retentions.size() == 3);
}

TEST_CASE("bad configuration is rejected with the path of the field", "[domain][config]") {
    std::string text = read_source_file("ops/config/liquida.json");
    CHECK(parse_config("{").error().field == "$");
    const auto broken = [&](std::string from, std::string to) {
        std::string t = text;
        t.replace(t.find(from), from.size(), to);
        auto r = parse_config(t);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == "config.invalid");
        return r.error().field;
    };
    CHECK(broken("\"fee\": 1500000", "\"fee\": -1") == "$.obras_sociales[0].practices[0].fee");
    CHECK(broken("\"code\": \"100100\"", "\"code\": \"10010\"") == "$.obras_sociales[1].practices[0].code");
    CHECK(broken("\"rate_bp\": 500", "\"rate_bp\": 500, \"fixed\": 1") == "$.retentions[0].rate_bp");
    CHECK(broken("{\"A\": 0, \"B\": 0, \"C\": 0}", "{\"A\": 0}") == "$.obras_sociales[2].category_increments_bp.B");
    CHECK(broken("[5, 9]", "[13]") == "$.enrollment_months[0]");
    CHECK(broken("\"id\": \"ioma\"", "\"id\": \"sancor\"") == "$.obras_sociales[2].id");
}
